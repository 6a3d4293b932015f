# torch.autograd.grad: grad_outputs, allow_unused, retain_graph, create_graph (second derivatives).
import torch

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
u = torch.tensor([0.5], requires_grad=True)
y = x ** 3
g, = torch.autograd.grad(y, x, grad_outputs=torch.tensor([1.0, 0.1, 0.01]), retain_graph=True)
print(g)
g, unused = torch.autograd.grad(y.sum(), [x, u], allow_unused=True, retain_graph=True)
print(g, unused)
g, unused = torch.autograd.grad(y.sum(), [x, u], materialize_grads=True, retain_graph=True)
print(unused)
first, = torch.autograd.grad(y.sum(), x, create_graph=True)
print(first)
second, = torch.autograd.grad(first.sum(), x)
print(second)
print(torch.autograd.grad((x * x).sum(), x))
torch.autograd.grad(y.sum(), [x, u])
