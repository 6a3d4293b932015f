import torch
x1 = torch.tensor(1.0, requires_grad=True)
x2 = torch.tensor(2.0, requires_grad=True)
y = torch.zeros(3)
y[0] = x1 * x2
y[1] = x1 + x2
y[2] = x2 ** 2
print(y)
print(y.is_leaf, y.requires_grad, y.grad_fn.name())
y.backward(torch.tensor([1.0, 10.0, 100.0]))
print(x1.grad, x2.grad)
