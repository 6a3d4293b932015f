import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
d = x.data
e = x.detach()
print(d, d.requires_grad, e.requires_grad, e.is_leaf)
y = x * 2
yd = y.detach()
print(yd, yd.grad_fn)
d[0] = 5.0
print(x)
