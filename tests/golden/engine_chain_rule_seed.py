import torch
x = torch.ones(2, 2)
x1 = 2 * x
x1.requires_grad_(True)
w1 = 5 * x
w1.requires_grad_(True)
w2 = 6 * x
w2.requires_grad_(True)
x2 = x1 * w1
y = x2 * w2
L = 10 * x - y
L.backward(torch.ones(2, 2))
print(x1.grad)
print(w1.grad)
print(w2.grad)
