# Seeding random, NumPy and torch together; NumPy over lists of tensors
import numpy as np
import torch
import random

def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)

set_seed(42)
losses = []
accs = [0.5, 0.75, 1.0]
for i in range(3):
    loss = torch.rand(()) 
    losses.append(loss)
print(np.mean(losses), np.mean(accs), np.array(losses), np.std(accs))
print(np.array([torch.tensor(1.0), torch.tensor(2.0)]))
arrs = [np.ones(2), np.zeros(2)]
print(torch.tensor(np.array(arrs)))
print(torch.tensor(arrs))
x = torch.randn(3, requires_grad=True)
print(np.round(x.detach().numpy(), 3), x.detach().numpy().tolist())
print(random.random(), np.random.rand(), torch.rand(1))
a = np.array([[1, 2], [3, 4]], dtype=np.float32)
print(a, a.dtype, torch.tensor(a).dtype, torch.from_numpy(a).requires_grad)
b = torch.from_numpy(a).float().requires_grad_()
print(b)
print(torch.tensor(a, requires_grad=True).sum())
print(np.float64(3.0) + torch.tensor(1.0), torch.tensor([1.0]) * np.array([2.0]))
