import torch
v = torch.tensor([1.0, 2.0], requires_grad=True)
m = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
y = v @ m
print(y)
print(y.grad_fn.name())
y.sum().backward()
print(v.grad)
print(m.grad)
