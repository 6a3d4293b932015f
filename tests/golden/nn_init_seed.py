# nn.Linear's default initialisation and nn.init under torch.manual_seed.
import torch
import torch.nn as nn

torch.manual_seed(0)
layer = nn.Linear(3, 2)
print(layer.weight)
print(layer.bias)
model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
print(model[0].weight)
print(model[2].bias)
w = torch.empty(2, 3)
nn.init.xavier_uniform_(w)
print(w)
nn.init.kaiming_normal_(w)
print(w)
nn.init.constant_(w, 0.5)
print(w)
nn.init.zeros_(layer.bias)
print(layer.bias)
print(nn.init.calculate_gain("relu"), nn.init.calculate_gain("tanh"))
print(torch.randn(3))
