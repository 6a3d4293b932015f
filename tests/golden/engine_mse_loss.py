import torch
import torch.nn.functional as F
p = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
t = torch.tensor([1.5, 1.0, 3.5])
l = F.mse_loss(p, t)
print(l, l.grad_fn.name())
l.backward()
print(p.grad)
