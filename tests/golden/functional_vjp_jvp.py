# vjp and jvp (the double-backward trick), with tuple inputs/outputs and create_graph.
import torch
from torch.autograd.functional import jvp, vjp


def g(x):
    return torch.stack([x[0] * x[1] * x[2], x.sum(), x[0] + x[1] * x[2]])


xs = torch.tensor([1.0, 2.0, 3.0])
v = torch.tensor([0.1, 0.2, 0.3])
print(vjp(g, xs, v))
print(vjp(g, xs, v, create_graph=True))
print(jvp(g, xs, v))
print(jvp(g, xs, v, create_graph=True))


def adder(x, y):
    return 2 * x + 3 * y


inputs = (torch.tensor([0.5, 1.5]), torch.tensor([-1.0, 2.0]))
print(vjp(adder, inputs, torch.ones(2)))
print(jvp(adder, inputs, (torch.ones(2), torch.ones(2))))


def two(x, y):
    return x * y, (x + y).exp()


print(vjp(two, inputs, (torch.ones(2), torch.tensor([1.0, 0.0]))))
print(jvp(two, inputs, (torch.ones(2), torch.zeros(2)), create_graph=True))


def sq(t):
    return (t * t).sum()


print(vjp(sq, torch.tensor(3.0)))
print(jvp(torch.sin, torch.tensor(0.5)))
x = torch.tensor([1.0, 2.0], requires_grad=True)
y, grads = vjp(sq, x, create_graph=True)
print(y, grads)
grads.sum().backward()
print(x.grad)
with torch.no_grad():
    print(vjp(sq, torch.tensor([1.0, 2.0])))
