import torch
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
for i in range(3):
    y = (x ** 2).sum() * (i + 1)
    y.backward()
    print(x.grad)
    x.grad.data.zero_()
print(x.grad)
