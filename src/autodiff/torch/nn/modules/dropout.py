"""nn.Dropout, nn.Dropout1d, nn.Dropout2d: identity in eval(), PyTorch's masks from the default generator."""

from __future__ import annotations

from collections.abc import Callable

from autodiff.engine.tensor import Tensor
from autodiff.errors import value_error
from autodiff.torch.nn.functional import dropout, dropout1d, dropout2d
from autodiff.torch.nn.modules.module import Module


class _DropoutNd(Module):
    ATTRIBUTES = ("p", "inplace")
    FUNCTION: Callable[..., Tensor] = staticmethod(dropout)

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise value_error(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return type(self).FUNCTION(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    FUNCTION = staticmethod(dropout)


class Dropout1d(_DropoutNd):
    FUNCTION = staticmethod(dropout1d)


class Dropout2d(_DropoutNd):
    FUNCTION = staticmethod(dropout2d)
