import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 2
y.add_(1.0)
print(y, y.grad_fn.name())
y.mul_(3.0)
print(y, y.grad_fn.name())
y.sum().backward()
print(x.grad)
