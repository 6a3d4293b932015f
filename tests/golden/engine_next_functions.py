import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = torch.tensor([3.0, 4.0])
z = x * y + 2
print(z.grad_fn.name())
for fn, index in z.grad_fn.next_functions:
    print(fn.name() if fn is not None else None, index)
first = z.grad_fn.next_functions[0][0]
for fn, index in first.next_functions:
    print(fn.name() if fn is not None else None, index)
