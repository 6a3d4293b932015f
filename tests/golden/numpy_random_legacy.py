# np.random with NumPy's legacy global RandomState: the same numbers after np.random.seed, independent of torch
import numpy as np
import torch

np.random.seed(0)
torch.manual_seed(0)
print(np.random.rand(3))
print(np.random.randint(0, 10, size=5))
print(np.random.choice(5, 3, replace=False))
print(np.random.permutation(6))
xs = np.arange(5)
np.random.shuffle(xs)
print(xs)
print(np.round(np.random.randn(2, 2), 4))
print(np.round(np.random.normal(10, 2, size=3), 4))
print(np.random.uniform(-1, 1, 2))
print(torch.rand(2))
np.random.seed(0)
print(np.random.rand(3))
rng = np.random.default_rng(42)
print(rng.integers(0, 100, 4), rng.random(2))
