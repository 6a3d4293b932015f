# x.numpy() on a tensor that requires grad is PyTorch's RuntimeError
import torch

x = torch.ones(2, requires_grad=True)
y = x * 3
print(y.detach().numpy())
print(y.numpy())
