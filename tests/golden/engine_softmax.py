import torch
x = torch.tensor([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]], requires_grad=True)
s = torch.softmax(x, dim=1)
l = torch.log_softmax(x, dim=1)
print(s, s.grad_fn.name())
print(l, l.grad_fn.name())
w = torch.tensor([[1.0, 0.0, -1.0], [2.0, 0.5, 0.0]])
((s * w).sum() + (l * w).sum()).backward()
print(x.grad)
