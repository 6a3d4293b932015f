import torch
x = torch.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 5.0]], requires_grad=True)
m = x.max()
m.backward()
print(m, m.grad_fn.name(), x.grad)
x.grad = None
values, indices = x.max(dim=1)
print(values, indices, values.grad_fn.name())
values.sum().backward()
print(x.grad)
y = torch.tensor([3.0, 1.0, 1.0], requires_grad=True)
n = y.min()
n.backward()
print(n, n.grad_fn.name(), y.grad)
