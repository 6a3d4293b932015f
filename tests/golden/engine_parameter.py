import torch
import torch.nn as nn
p = nn.Parameter(torch.tensor([1.0, 2.0]))
print(p)
print(p.is_leaf, p.requires_grad)
q = p * 2
print(q)
q.sum().backward()
print(p.grad)
