import torch
x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
a = x.t()
b = x.T
c = x.transpose(0, 1)
d = x.permute(1, 0)
print(a.grad_fn.name(), b.grad_fn.name(), c.grad_fn.name(), d.grad_fn.name())
print(a)
w = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
(a * w + b * w + c * w + d * w).sum().backward()
print(x.grad)
