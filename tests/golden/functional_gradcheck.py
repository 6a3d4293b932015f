# gradcheck and gradgradcheck: True when analytical and numerical Jacobians agree.
import torch
from torch.autograd import gradcheck, gradgradcheck

torch.manual_seed(0)
x = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
y = torch.tensor([[1.0, 2.0], [3.0, 0.5]], dtype=torch.float64, requires_grad=True)


def f(a):
    return a.sin() * a


def g(a, b):
    return (a[:2] * b).sum(0), b.exp()


print(gradcheck(f, x), gradcheck(g, (x, y)), gradcheck(f, x, fast_mode=True))
print(gradgradcheck(f, x), gradgradcheck(g, (x, y)))
print(torch.rand(2))


def broken(a):
    return a * a.detach()


print(gradcheck(broken, x, raise_exception=False), gradcheck(broken, x, raise_exception=False, fast_mode=True))
single = torch.tensor([1.0, 2.0], requires_grad=True)
print(gradcheck(f, single, eps=1e-3, atol=1e-2, rtol=1e-2))
