# A learner's regression: data made with NumPy, the model trained in torch
import numpy as np
import torch

np.random.seed(1)
X = np.random.rand(8, 2)
true_w = np.array([2.0, -3.0])
y = X @ true_w + 0.5
features = torch.tensor(X, dtype=torch.float32)
labels = torch.from_numpy(y).float().reshape(-1, 1)
w = torch.zeros(2, 1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
for step in range(5):
    loss = ((features @ w + b - labels) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
        b -= 0.1 * b.grad
        w.grad.zero_()
        b.grad.zero_()
    print(step, round(loss.item(), 4))
print(np.round(w.detach().numpy().ravel(), 3), np.round(b.detach().numpy(), 3))
