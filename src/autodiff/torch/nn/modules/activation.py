"""The activation modules: nn.ReLU, nn.Sigmoid, nn.Tanh, nn.LeakyReLU, nn.GELU, nn.ELU, nn.Softmax, nn.LogSoftmax."""

from __future__ import annotations

from collections.abc import Callable

from autodiff.engine import ops
from autodiff.engine.tensor import Tensor
from autodiff.torch.nn.functional import elu, gelu, leaky_relu, log_softmax, relu, softmax
from autodiff.torch.nn.modules.module import Module


class _Activation(Module):
    def __init__(self, function: Callable[[Tensor], Tensor]):
        super().__init__()
        self._function = function

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return self._function(input)


class ReLU(_Activation):
    ATTRIBUTES = ("inplace",)

    def __init__(self, inplace: bool = False):
        super().__init__(lambda x: relu(x, self.inplace))
        self.inplace = inplace

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Sigmoid(_Activation):
    def __init__(self) -> None:
        super().__init__(ops.sigmoid)


class Tanh(_Activation):
    def __init__(self) -> None:
        super().__init__(ops.tanh)


class LeakyReLU(_Activation):
    ATTRIBUTES = ("negative_slope", "inplace")

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__(lambda x: leaky_relu(x, self.negative_slope, self.inplace))
        self.negative_slope = negative_slope
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class GELU(_Activation):
    ATTRIBUTES = ("approximate",)

    def __init__(self, approximate: str = "none"):
        super().__init__(lambda x: gelu(x, self.approximate))
        self.approximate = approximate

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class ELU(_Activation):
    ATTRIBUTES = ("alpha", "inplace")

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__(lambda x: elu(x, self.alpha, self.inplace))
        self.alpha = alpha
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Softmax(_Activation):
    ATTRIBUTES = ("dim",)

    def __init__(self, dim: int | None = None):
        super().__init__(lambda x: softmax(x, self.dim))
        self.dim = dim

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(_Activation):
    ATTRIBUTES = ("dim",)

    def __init__(self, dim: int | None = None):
        super().__init__(lambda x: log_softmax(x, self.dim))
        self.dim = dim

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
