# operators and NumPy functions between tensors and arrays, as PyTorch 2.13 with NumPy 2 behaves (warnings too)
import numpy as np
import torch

t = torch.ones(2)
a = np.array([1.0, 2.0])
print(t + a)
print(t == np.ones(2), np.ones(2) == t)
print(np.exp(torch.zeros(2)))
print(np.array(torch.tensor([1.5, 2.5])))
print(np.asarray(torch.arange(3)))
print(torch.tensor([np.ones(2), np.zeros(2)]))
print(a * t)
