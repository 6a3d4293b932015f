# The PyTorch half of micrograd's engine tests (test_sanity_check and test_more_ops): the same
# expressions built from one-element double tensors, printing every value those tests compare.
import torch

# sanity check
x = torch.Tensor([-4.0]).double()
x.requires_grad = True
z = 2 * x + 2 + x
q = z.relu() + z * x
h = (z * z).relu()
y = h + q + q * x
y.backward()
print("sanity y:", y.data.item())
print("sanity dy/dx:", x.grad.item())
print(y)
print(x.grad)

# more ops
a = torch.Tensor([-4.0]).double()
b = torch.Tensor([2.0]).double()
a.requires_grad = True
b.requires_grad = True
c = a + b
d = a * b + b**3
c = c + c + 1
c = c + 1 + c + (-a)
d = d + d * 2 + (b + a).relu()
d = d + 3 * d + (b - a).relu()
e = c - d
f = e**2
g = f / 2.0
g = g + 10.0 / f
g.backward()
print("more g:", g.data.item())
print("more dg/da:", a.grad.item())
print("more dg/db:", b.grad.item())
print(f"{g.item():.4f} {a.grad.item():.4f} {b.grad.item():.4f}")
print(g.grad_fn.name(), e.grad_fn.name(), f.grad_fn.name(), c.grad_fn.name())
print(x.dtype, x.is_leaf, y.is_leaf, y.requires_grad)
