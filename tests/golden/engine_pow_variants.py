import torch
x = torch.tensor([1.5, 2.0, 3.0], requires_grad=True)
e = torch.tensor([2.0, 0.5, -1.0], requires_grad=True)
p0 = x ** 3
p1 = x ** e
p2 = 3.0 ** e
print(p0.grad_fn.name(), p1.grad_fn.name(), p2.grad_fn.name())
(p0.sum() + p1.sum() + p2.sum()).backward()
print(x.grad)
print(e.grad)
z = torch.tensor([0.0, 1.0], requires_grad=True)
w = z ** 0
w.sum().backward()
print(w, z.grad)
