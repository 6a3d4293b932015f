import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 3
y.retain_grad()
z = (y ** 2).sum()
z.retain_grad()
z.backward()
print(y.retains_grad, y.grad, z.grad, x.grad)
