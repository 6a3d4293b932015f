# NumPy functions handed a tensor do what they do with PyTorch's Tensor: ufuncs give tensors back, np.nonzero is
# t.nonzero(), and the reductions call t.mean(axis=None, ...), which PyTorch refuses
import numpy as np
import torch

t = torch.tensor([[0.0, 2.0], [3.0, float("nan")]])
print(np.exp(t))
print(np.isnan(t), np.nonzero(t))
print(np.mean([torch.tensor(1.0), torch.tensor(2.0)]), np.max(t.numpy()))
print(np.mean(t))
