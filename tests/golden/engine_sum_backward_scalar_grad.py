import torch
x = torch.ones(2, 2, requires_grad=True)
y = x.sum()
y.backward(torch.tensor(2.0))
print(x.grad)
