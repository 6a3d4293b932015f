import torch
x = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
for name, y in [("exp", x.exp()), ("log", x.log()), ("log1p", x.log1p()), ("expm1", x.expm1()), ("sqrt", x.sqrt())]:
    print(name, y, y.grad_fn.name())
total = x.exp().sum() + x.log().sum() + x.log1p().sum() + x.expm1().sum() + x.sqrt().sum()
total.backward()
print(x.grad)
