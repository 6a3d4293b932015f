import torch
x = torch.tensor(3.0, requires_grad=True)
y = x ** 3
(g,) = torch.autograd.grad(y, x, create_graph=True)
print(g, g.requires_grad, g.grad_fn.name())
(h,) = torch.autograd.grad(g, x)
print(h)
x2 = torch.tensor([1.0, 2.0], requires_grad=True)
z = (x2.sin() * x2).sum()
z.backward(create_graph=True)
print(x2.grad)
gsum = x2.grad.sum()
x2.grad = None
gsum.backward()
print(x2.grad)
