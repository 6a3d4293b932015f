# strict=True: a function whose output does not depend on an input is an error.
import torch
from torch.autograd.functional import jacobian


def first_only(x, y):
    return x * 2


print(jacobian(first_only, (torch.ones(2), torch.ones(2))))
print(jacobian(first_only, (torch.ones(2), torch.ones(2)), strict=True))
