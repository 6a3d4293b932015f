import torch
x = torch.tensor(2.0, requires_grad=True)
y = -(-x * 3) - x
y.backward()
print(y, x.grad, y.grad_fn.name())
