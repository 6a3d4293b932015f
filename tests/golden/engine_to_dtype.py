import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
d = x.double()
print(d, d.grad_fn.name())
print(x.float() is x)
(d * d).sum().backward()
print(x.grad)
