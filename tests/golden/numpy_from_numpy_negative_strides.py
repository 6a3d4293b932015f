# torch.from_numpy refuses arrays with negative strides (PyTorch's ValueError)
import numpy as np
import torch

a = np.arange(5.0)
print(torch.from_numpy(a[::2]))
print(torch.from_numpy(a[::-1]))
