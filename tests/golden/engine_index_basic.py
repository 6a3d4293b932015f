import torch
x = torch.arange(12.0).reshape(3, 4)
x.requires_grad_(True)
a = x[0]
b = x[1:3]
c = x[:, 2]
d = x[-1, ::2]
e = x[..., None]
print(a, a.grad_fn.name())
print(b, b.grad_fn.name())
print(c, c.grad_fn.name())
print(d, d.grad_fn.name())
print(e.shape, e.grad_fn.name())
(a.sum() + 2 * b.sum() + 3 * c.sum() + 4 * d.sum()).backward()
print(x.grad)
