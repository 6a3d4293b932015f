# hessian, hvp and vhp of scalar functions, single and tuple inputs, with and without create_graph.
import torch
from torch.autograd.functional import hessian, hvp, vhp


def s(x):
    return (x ** 3).sum() + x[0] * x[1]


xs = torch.tensor([1.0, 2.0, 3.0])
print(hessian(s, xs))
print(hessian(s, xs, create_graph=True))
print(hvp(s, xs, torch.ones(3)))
print(vhp(s, xs, torch.ones(3), create_graph=True))


def xy2(x, y):
    return (x * y ** 2).sum()


pair = (torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0]))
print(hessian(xy2, pair))
print(hvp(xy2, pair, (torch.ones(2), torch.zeros(2))))
print(vhp(xy2, pair, (torch.zeros(2), torch.ones(2))))

A = torch.tensor([[2.0, 1.0], [0.0, 3.0]])


def quadratic(x):
    return x @ A @ x


print(hessian(quadratic, torch.tensor([1.0, -2.0])))


def total(x):
    return x.sum()


print(hessian(total, xs), hvp(total, xs, torch.ones(3)))


def cube(t):
    return t ** 3


print(hvp(cube, torch.tensor(2.0)), vhp(cube, torch.tensor(2.0), create_graph=True))
