# A custom torch.autograd.Function: static forward/backward, ctx.save_for_backward, extra non-tensor
# arguments and a gradcheck against finite differences.
import torch


class SoftClip(torch.autograd.Function):
    """x squashed into (-limit, limit) by limit * tanh(x / limit)."""

    @staticmethod
    def forward(ctx, x, limit):
        y = limit * torch.tanh(x / limit)
        ctx.save_for_backward(y)
        ctx.limit = limit
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        return grad_output * (1 - (y / ctx.limit) ** 2), None


class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        print("Square.backward called, needs_input_grad =", ctx.needs_input_grad)
        return 2 * x * grad


soft_clip = SoftClip.apply
x = torch.linspace(-3, 3, 7, requires_grad=True)
y = soft_clip(x, 2.0)
print(y)
print(type(y.grad_fn).__name__, y.grad_fn.name())
y.sum().backward()
print(x.grad)

z = Square.apply(x)
(z * torch.arange(7.0)).sum().backward()
print(x.grad)

inputs = torch.randn(4, dtype=torch.double, requires_grad=True)
print("gradcheck:", torch.autograd.gradcheck(lambda t: SoftClip.apply(t, 1.5), (inputs,)))
print(issubclass(SoftClip, torch.autograd.Function), isinstance(SoftClip, type))
with torch.no_grad():
    print(Square.apply(x).requires_grad)
