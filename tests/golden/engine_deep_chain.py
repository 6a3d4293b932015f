import torch
x = torch.tensor(1.0, requires_grad=True)
y = x
for i in range(20000):
    y = y * 1.0001
y.backward()
print(y)
print(x.grad)
