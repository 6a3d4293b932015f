# torch.autograd.functional.jacobian: single and tuple inputs and outputs, non-square, create_graph.
import torch
from torch.autograd.functional import jacobian


def f(x1, x2, x3):
    return torch.stack([x1 * x2 * x3, x1 + x2 + x3, x1 + x2 * x3])


x = (torch.tensor(1.0), torch.tensor(2.0), torch.tensor(3.0))
print(jacobian(f, x))


def g(x):
    return torch.stack([x[0] * x[1] * x[2], x.sum(), x[0] + x[1] * x[2]])


xs = torch.tensor([1.0, 2.0, 3.0])
print(jacobian(g, xs))
J = jacobian(g, xs, create_graph=True)
print(J, J.requires_grad)


def exp_reducer(x):
    return x.exp().sum(dim=1)


print(jacobian(exp_reducer, torch.tensor([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])))

W = torch.tensor([[1.0, 2.0], [3.0, 4.0], [-1.0, 0.5]])


def matvec(x):
    return W @ x


print(jacobian(matvec, torch.tensor([0.5, -1.5])).shape)


def two(x, y):
    return x * y, (x + y).sin()


print(jacobian(two, (torch.tensor([1.0, 2.0]), torch.tensor([0.5, -1.0]))))
print(jacobian(two, (torch.tensor([1.0, 2.0]), torch.tensor([0.5, -1.0])), create_graph=True)[1][0])
print(torch.autograd.functional.jacobian(torch.sin, torch.tensor([0.0, 1.0, 2.0])))
print(jacobian(g, xs, vectorize=True))
print(jacobian(g, xs, strategy="forward-mode", vectorize=True))

w = torch.tensor([1.0, 2.0], requires_grad=True)


def sq(t):
    return t ** 2


J = jacobian(sq, w, create_graph=True)
print(J)
J.sum().backward()
print(w.grad)
