import torch
x = torch.ones(2, 3).t()
print(x.reshape(6))
print(x.view(6))
