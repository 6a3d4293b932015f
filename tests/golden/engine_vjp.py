import torch
x1 = torch.tensor(1.0, requires_grad=True)
x2 = torch.tensor(2.0, requires_grad=True)
x3 = torch.tensor(3.0, requires_grad=True)
y = torch.stack([x1 * x2 * x3, x1 + x2 + x3, x1 + x2 * x3])
y.backward(torch.tensor([0.1, 0.2, 0.3]))
print(x1.grad, x2.grad, x3.grad)
