import torch
import torch.nn as nn
from torch.nn.utils import clip_grad_norm_, parameters_to_vector
torch.manual_seed(0)
net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
loss = (net(torch.randn(5, 3)) ** 2).sum() * 10
loss.backward()
total = clip_grad_norm_(net.parameters(), max_norm=1.0)
print(total)
print(net[0].weight.grad)
print(torch.nn.utils.clip_grad_norm_(net.parameters(), 0.5, norm_type=float('inf')))
print(torch.nn.utils.clip_grad_norm_(net[2].weight, 100.0))
print(net[2].weight.grad)
print(torch.nn.utils.clip_grad_value_(net.parameters(), 0.01))
print(net[0].bias.grad)
v = parameters_to_vector(net.parameters())
print(v.shape, v[:3])
torch.nn.utils.vector_to_parameters(torch.zeros(26), net.parameters())
print(net[2].bias)
print(torch.nn.utils.clip_grad_norm_([], 1.0))
