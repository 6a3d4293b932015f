import torch
x = torch.tensor([1, 2, 3])
print(x, x.dtype)
x.requires_grad_(True)
