"""nn.LayerNorm."""

from __future__ import annotations

from typing import Any

import numpy as np

from autodiff.engine import tensor as tensor_module
from autodiff.engine.tensor import Tensor, check_size, to_numpy_dtype
from autodiff.torch.nn.functional import layer_norm
from autodiff.torch.nn.modules.linear import _parameter
from autodiff.torch.nn.modules.module import Module


class LayerNorm(Module):
    ATTRIBUTES = ("normalized_shape", "eps", "elementwise_affine")

    def __init__(self, normalized_shape: Any, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape = shape
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        float_dtype = tensor_module.default_float if dtype is None else to_numpy_dtype(dtype)
        check_size(shape)
        self._parameters["weight"] = _parameter(np.ones(shape, float_dtype)) if elementwise_affine else None
        self._parameters["bias"] = _parameter(np.zeros(shape, float_dtype)) if elementwise_affine and bias else None

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return layer_norm(input, self.normalized_shape, self._parameters["weight"], self._parameters["bias"],
                          self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self._parameters['bias'] is not None}")
