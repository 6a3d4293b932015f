import torch
w = torch.tensor([0.5, -0.5], requires_grad=True)
b = torch.tensor(0.1, requires_grad=True)
xs = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
ys = torch.tensor([1.0, 2.0, 3.0])
for epoch in range(5):
    pred = xs @ w + b
    loss = ((pred - ys) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= 0.01 * w.grad
        b -= 0.01 * b.grad
    w.grad.zero_()
    b.grad.zero_()
    print(epoch, loss.item())
print(w, b)
