import torch
a = torch.ones(2)
b = torch.ones(2, requires_grad=True)
c = a * 2
d = b * 2
print(a.is_leaf, b.is_leaf, c.is_leaf, d.is_leaf)
print(a.requires_grad, b.requires_grad, c.requires_grad, d.requires_grad)
print(a.grad_fn, b.grad_fn, c.grad_fn)
c.requires_grad_(True)
print(c.is_leaf, c.requires_grad)
e = c + d
print(e.requires_grad, e.grad_fn.name())
