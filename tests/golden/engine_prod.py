import torch
x = torch.tensor([2.0, 3.0, 4.0], requires_grad=True)
p = x.prod()
p.backward()
print(p, p.grad_fn.name(), x.grad)
z = torch.tensor([[2.0, 0.0], [3.0, 4.0]], requires_grad=True)
q = z.prod(dim=1)
q.sum().backward()
print(q, q.grad_fn.name(), z.grad)
