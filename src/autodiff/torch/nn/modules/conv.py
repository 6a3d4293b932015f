"""nn.Conv1d, nn.Conv2d, nn.Conv3d."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autodiff.engine import rng
from autodiff.engine import tensor as tensor_module
from autodiff.engine.tensor import Tensor, check_size, to_numpy_dtype
from autodiff.errors import value_error
from autodiff.torch.nn.functional import conv1d, conv2d, conv3d, pad
from autodiff.torch.nn.modules.linear import _parameter
from autodiff.torch.nn.modules.module import Module

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(value: Any, count: int) -> tuple[Any, ...]:
    if isinstance(value, (tuple, list)):
        return tuple(value)
    return (value,) * count


class _ConvNd(Module):
    ATTRIBUTES = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
                  "padding_mode", "transposed", "output_padding")
    SPATIAL = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        spatial = self.SPATIAL
        if groups <= 0:
            raise value_error("groups must be a positive integer")
        if in_channels % groups != 0:
            raise value_error("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise value_error("out_channels must be divisible by groups")
        kernel = _ntuple(kernel_size, spatial)
        strides = _ntuple(stride, spatial)
        dilations = _ntuple(dilation, spatial)
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise value_error(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in strides):
                raise value_error("padding='same' is not supported for strided convolutions")
        if padding_mode not in _PADDING_MODES:
            raise value_error("padding_mode must be one of {'zeros', 'replicate', 'circular', 'reflect'}, but got "
                              f"padding_mode='{padding_mode}'")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel
        self.stride = strides
        self.padding = padding if isinstance(padding, str) else _ntuple(padding, spatial)
        self.dilation = dilations
        self.transposed = False
        self.output_padding = (0,) * spatial
        self.groups = groups
        self.padding_mode = padding_mode
        self._reversed_padding = self._padding_for_pad(kernel, dilations)
        shape = (out_channels, in_channels // groups, *kernel)
        check_size(shape)
        float_dtype = tensor_module.default_float if dtype is None else to_numpy_dtype(dtype)
        weight = np.empty(shape, dtype=float_dtype)
        rng.kaiming_uniform_(weight, a=math.sqrt(5))
        self._parameters["weight"] = _parameter(weight)
        if bias:
            fan_in = (in_channels // groups) * int(np.prod(kernel))
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            bias_array = np.empty((out_channels,), dtype=float_dtype)
            rng.uniform_(bias_array, -bound, bound)
            self._parameters["bias"] = _parameter(bias_array)
        else:
            self._parameters["bias"] = None

    def _padding_for_pad(self, kernel: tuple[int, ...], dilations: tuple[int, ...]) -> tuple[int, ...]:
        """F.pad's argument for a non-zeros padding_mode: (low, high) per dim, last dim first."""
        pairs: list[int] = []
        if isinstance(self.padding, str):
            if self.padding == "same":
                for d, k in zip(reversed(dilations), reversed(kernel)):
                    total = d * (k - 1)
                    pairs += [total // 2, total - total // 2]
            else:
                pairs = [0, 0] * len(kernel)
        else:
            for p in reversed(self.padding):
                pairs += [p, p]
        return tuple(pairs)

    def _function(self, input: Tensor, weight: Tensor, bias: Tensor | None, padding: Any) -> Tensor:  # noqa: A002
        function = {1: conv1d, 2: conv2d, 3: conv3d}[self.SPATIAL]
        return function(input, weight, bias, self.stride, padding, self.dilation, self.groups)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        weight, bias = self._parameters["weight"], self._parameters["bias"]
        if self.padding_mode != "zeros":
            padded = pad(input, self._reversed_padding, mode=self.padding_mode)
            return self._function(padded, weight, bias, 0)
        return self._function(input, weight, bias, self.padding)

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        spatial = len(self.kernel_size)
        if self.padding != (0,) * spatial:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * spatial:
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self._parameters["bias"] is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class Conv1d(_ConvNd):
    SPATIAL = 1


class Conv2d(_ConvNd):
    SPATIAL = 2


class Conv3d(_ConvNd):
    SPATIAL = 3
