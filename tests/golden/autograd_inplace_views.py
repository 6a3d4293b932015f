# In-place changes through views: the base's grad_fn becomes CopySlices around the op, every view of it
# AsStridedBackward0, and the gradient flows through the change (a view of a leaf is refused).
import torch

x = torch.ones(2, 3, requires_grad=True)
y = x * 1
v = y[0]
v.mul_(2)
print(y.grad_fn.name(), [f[0].name() if f[0] is not None else None for f in y.grad_fn.next_functions])
print(v.grad_fn.name(), v._version, y._version)
y.sum().backward()
print(x.grad)

x.grad = None
w = torch.tensor([1., 2.], requires_grad=True)
y = x * 1
v = y[:, 1]
u = y.t()
v.add_(w * 3)
print(u.grad_fn.name(), v.grad_fn.name(), y.grad_fn.name())
(u * torch.arange(6.).reshape(3, 2)).sum().backward()
print(x.grad, w.grad)

x.grad = None
y = x * 1
v = y.view(6)
y.mul_(3)
print(v.grad_fn.name())
(v * torch.arange(6.)).sum().backward()
print(x.grad)

x.grad = None
y = x * 1
v = y[0]
v[1] = 5.
print(y.grad_fn.name(), v.grad_fn.name())
(y * torch.arange(6.).reshape(2, 3)).sum().backward()
print(x.grad)

z = torch.zeros(4)
r = z[1:3]
r.copy_(w * w)
print(z.grad_fn.name(), z.requires_grad)
z.sum().backward()
print(w.grad)

x.grad = None
h = x * 2
h[:, 0].zero_()
(h ** 2).sum().backward()
print(x.grad)

x.grad = None
y = x * 1
inner = y[1][1:]
inner *= torch.tensor([2., 4.])
print(y.grad_fn.name(), inner.grad_fn.name())
(y * y).sum().backward()
print(x.grad)

x.grad = None
y = (x * 1).t()
y[0].mul_(10)
y.sum().backward()
print(x.grad)

with torch.no_grad():
    x[0].mul_(1)
print(x.grad_fn, x.is_leaf)
try:
    x[0].mul_(2)
except RuntimeError as error:
    print("RuntimeError:", error)
x[1].add_(1)
