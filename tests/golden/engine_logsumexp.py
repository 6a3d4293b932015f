import torch
x = torch.tensor([[1.0, 2.0, 3.0], [0.5, 0.5, 0.5]], requires_grad=True)
l = torch.logsumexp(x, dim=1)
print(l, l.grad_fn.name())
l.sum().backward()
print(x.grad)
