import torch
x = torch.ones(2, 3, 4)
print(x.shape)
print(x.size())
print(x.size(1), x.shape[0], x.dim(), x.numel(), len(x))
print(list(x.shape))
print(torch.tensor(1.0).shape)
