import torch
a = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
b = torch.tensor([0.5, -3.0], requires_grad=True)
y = a / b
print(y)
y.backward(torch.ones(2, 2))
print(a.grad)
print(b.grad)
