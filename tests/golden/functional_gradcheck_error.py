# A gradient that forgets part of the function: gradcheck names the output and input and shows both Jacobians.
import torch
from torch.autograd import gradcheck

x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)


def square(a):
    return a * a.detach()


print(square(x))
gradcheck(square, x)
