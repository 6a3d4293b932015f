# NumPy's index tricks as teaching code uses them around a model: np.mgrid for a grid of points to classify
# (a decision boundary), np.c_ to pair its coordinates into rows for the model, np.r_ to join ranges, and
# np.ogrid for a function of two variables by broadcasting.
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
xx, yy = np.mgrid[-1:1:5j, -1:1:5j]
grid = torch.tensor(np.c_[xx.ravel(), yy.ravel()], dtype=torch.float32)
print(grid.shape, grid[:6])
model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
with torch.no_grad():
    scores = model(grid).reshape(xx.shape)
print((scores > 0).int())

x, y = np.ogrid[0:3, 0:4]
print(x * 10 + y)
print(np.r_[0:3, 10, 20:23], np.r_[-1:1:5j], np.r_['0,2', [1, 2], [3, 4]])
print(np.c_[np.arange(3), np.ones(3)])
steps = 4
print(np.mgrid[0:1:steps * 1j], np.mgrid[0:2, 0:3].shape)
points = torch.from_numpy(np.mgrid[0:2, 0:2].reshape(2, -1).T.astype(np.float32))
print(points, points.sum(dim=1))
np.mgrid[0:3, 1]
