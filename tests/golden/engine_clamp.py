import torch
x = torch.tensor([-2.0, -0.5, 0.5, 2.0], requires_grad=True)
y = x.clamp(-1.0, 1.0)
z = torch.clamp(x, min=0.0)
print(y, y.grad_fn.name())
print(z, z.grad_fn.name())
(y.sum() + z.sum()).backward()
print(x.grad)
