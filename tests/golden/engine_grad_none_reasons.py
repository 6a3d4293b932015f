import torch
a = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(2.0, requires_grad=True)
c = torch.tensor(3.0)
y = a * c
y.backward()
print(a.grad, b.grad, c.grad)
