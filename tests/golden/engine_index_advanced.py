import torch
x = torch.tensor([10.0, 20.0, 30.0, 40.0], requires_grad=True)
idx = torch.tensor([0, 2, 2])
y = x[idx]
m = x[x > 15]
print(y, y.grad_fn.name())
print(m, m.grad_fn.name())
(y.sum() + m.sum()).backward()
print(x.grad)
