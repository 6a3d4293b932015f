"""nn.Linear and nn.Identity, and the helpers that make parameters."""

from __future__ import annotations

from typing import Any

import numpy as np

from autodiff.engine import tensor as tensor_module
from autodiff.engine.tensor import Tensor, check_size, to_numpy_dtype
from autodiff.errors import type_error
from autodiff.torch.nn.functional import _type_name, linear
from autodiff.torch.nn.modules.activation import _Activation
from autodiff.torch.nn.modules.module import Module


def _parameter(array: np.ndarray) -> Tensor:
    from autodiff.torch.creation import parameter

    return parameter(Tensor(array))


def _size_arg(value: Any, position: int, function: str = "empty") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise type_error(f"{function}(): argument 'size' failed to unpack the object at pos {position} with error "
                         f"\"type must be tuple of ints,but got {_type_name(value)}\"")
    return value


class Linear(Module):
    ATTRIBUTES = ("in_features", "out_features")

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        _size_arg(out_features, 1)
        _size_arg(in_features, 2)
        check_size((out_features, in_features))
        self.in_features = in_features
        self.out_features = out_features
        from autodiff.engine import rng

        float_dtype = tensor_module.default_float if dtype is None else to_numpy_dtype(dtype)
        weight, bias_array = rng.linear_init(in_features, out_features, bias=bool(bias), dtype=float_dtype)
        self._parameters["weight"] = _parameter(weight)
        self._parameters["bias"] = _parameter(bias_array) if bias_array is not None else None

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return linear(input, self._parameters["weight"], self._parameters["bias"])

    def extra_repr(self) -> str:
        has_bias = self._parameters["bias"] is not None
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={has_bias}"


class Identity(_Activation):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(lambda x: x)
