import torch

x = torch.ones(2,2, dtype=torch.float)
x1 = 2 * x
x1.requires_grad_(True)

w1 = 5 * x
w1.requires_grad_(True)
print('x  =', x)
print("x1 =", x1)
print("w1 =", w1)
x2 = x1 * w1

w2 = 6 * x
w2.requires_grad_(True)
print("x2 =", x2)
print("w2 =", w2)
y = x2 * w2
Y = 10 * x
print("y =", y)
print("Y =", Y)
L = Y - y
print("L =", L)

L.backward(torch.ones(2,2, dtype=torch.float32))

print("x1.grad =", x1.grad)
print("w1.grad =", w1.grad)
print("w2.grad =", w2.grad)
