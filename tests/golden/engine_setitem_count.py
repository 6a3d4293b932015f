import torch
# Counting in place through an index, as makemore's bigram table does.
N = torch.zeros((3, 3), dtype=torch.int32)
pairs = [(0, 1), (1, 2), (1, 2), (2, 0), (0, 1), (0, 1)]
for i, j in pairs:
    N[i, j] += 1
print(N)
F = torch.zeros(2, 2)
F[0, 1] += 0.5
F[1][0] -= 2
F[1, 1] *= 3
print(F)
v = torch.arange(4)
v[2] += 10
print(v)
x = torch.zeros(2, 3, 4)
print(x.size()[1:], x.shape[-2:], x.size()[::2])
print(x.size() + (5,), (1,) + x.shape, x.shape[0])
