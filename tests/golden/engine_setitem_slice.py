import torch
w = torch.tensor([1.0, 2.0], requires_grad=True)
a = torch.zeros(2, 3)
a[:, 1] = w * 3
a[0, 0] = 7.0
print(a)
a.sum().backward()
print(w.grad)
