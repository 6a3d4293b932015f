import torch
x = torch.tensor([3.0, 4.0], requires_grad=True)
n = x.norm()
n.backward()
print(n, n.grad_fn.name(), x.grad)
y = torch.tensor([[1.0, 2.0], [2.0, 1.0]], requires_grad=True)
nd = y.norm(dim=1)
nd.sum().backward()
print(nd, nd.grad_fn.name(), y.grad)
