# Catching PyTorch's own errors by their Python class, printing PyTorch's message, and going on.
import torch

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
loss = (x ** 2).sum()
loss.backward()
print("first backward:", x.grad)
try:
    loss.backward()
except RuntimeError as e:
    print("caught RuntimeError:")
    print(e)
    print(type(e).__name__, isinstance(e, Exception), len(e.args))

try:
    torch.ones(2, 3) @ torch.ones(2, 3)
except RuntimeError as e:
    print("matmul:", e)

try:
    x[7]
except IndexError as e:
    print("index:", e)

try:
    torch.ones(2).view(3)
except RuntimeError as e:
    print("view:", e)

try:
    torch.tensor([1.0, 2.0]).item()
except RuntimeError as e:
    print("item:", e)

try:
    torch.zeros(2, requires_grad=True).add_(1)
except RuntimeError as e:
    print("in-place:", e)

try:
    torch.ones(3).backward()
except RuntimeError as e:
    print("implicit grad:", e)

try:
    torch.tensor([1, 2]).requires_grad_()
except RuntimeError as e:
    print("int grad:", e)

for attempt in range(2):
    y = (x * 3).sum()
    try:
        y.backward(retain_graph=attempt == 1)
        y.backward()
    except RuntimeError as e:
        print(attempt, "second backward failed:", str(e).split(".")[0])
    else:
        print(attempt, "both ran, grad", x.grad)
    finally:
        x.grad = None
