import torch
x = torch.tensor(2.0, requires_grad=True)
y = x ** 3
y.backward(retain_graph=True)
print(x.grad)
y.backward(retain_graph=True)
print(x.grad)
y.backward()
print(x.grad)
a = torch.tensor(1.0, requires_grad=True)
b = a + 1
b.backward()
b.backward()
print(a.grad)
