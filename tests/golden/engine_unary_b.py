import torch
x = torch.tensor([-1.5, 0.25, 2.0], requires_grad=True)
ys = [x.abs(), x.sin(), x.cos(), x.tan(), x.tanh(), x.sigmoid(), x.relu(), x.square(), x.reciprocal()]
for y in ys:
    print(y.grad_fn.name(), y)
total = ys[0].sum()
for y in ys[1:]:
    total = total + y.sum()
total.backward()
print(x.grad)
