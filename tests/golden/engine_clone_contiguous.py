import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
c = x.clone()
print(c, c.grad_fn.name(), c.is_leaf)
(c * 3).sum().backward()
print(x.grad)
