import torch
a = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
b = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], requires_grad=True)
c = a @ b
print(c)
print(c.grad_fn.name())
c.backward(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
print(a.grad)
print(b.grad)
d = torch.mm(a, b)
print(d.grad_fn.name())
