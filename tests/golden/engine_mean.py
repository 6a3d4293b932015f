import torch
x = torch.tensor([[1.0, 2.0], [3.0, 5.0]], requires_grad=True)
m = x.mean()
md = x.mean(dim=1)
print(m, md, m.grad_fn.name(), md.grad_fn.name())
(m + md.sum()).backward()
print(x.grad)
