# The inputs must be a Tensor or a tuple of Tensors (a list is not a tuple).
import torch
from torch.autograd.functional import vjp


def double(x):
    return 2 * x


print(vjp(double, (torch.ones(2),), torch.ones(2)))
print(vjp(double, [torch.ones(2)], torch.ones(2)))
