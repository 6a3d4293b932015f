import torch
a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
b = torch.tensor([4.0, 5.0, 6.0], requires_grad=True)
c = a + b
d = a - b
e = c * d
print(c, d, e)
e.sum().backward()
print(a.grad, b.grad)
print(c.grad_fn.name(), d.grad_fn.name(), e.grad_fn.name())
