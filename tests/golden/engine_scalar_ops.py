import torch
x = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
ys = [x + 2, 2 + x, x - 2, 2 - x, x * 3, 3 * x, x / 4, 4 / x, -x, x ** 2, 2 ** x, x ** 0.5]
for y in ys:
    print(y.grad_fn.name(), y)
total = ys[0]
for y in ys[1:]:
    total = total + y
total.sum().backward()
print(x.grad)
