"""`torch.finfo` and `torch.iinfo`: the limits of a floating or integer dtype, printed as PyTorch prints them."""

from __future__ import annotations

from typing import Any

import numpy as np

from autodiff.engine.tensor import DType
from autodiff.errors import type_error


def _dtype_of(value: Any) -> DType:
    if not isinstance(value, DType):
        raise type_error(f"finfo(): argument 'type' (position 1) must be torch.dtype, not {type(value).__name__}")
    return value


class finfo:  # noqa: N801 - torch.finfo
    """Machine limits of a floating dtype (the default dtype when none is given)."""

    __slots__ = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")

    def __init__(self, type: Any = None):  # noqa: A002 - PyTorch's keyword
        if type is None:
            from autodiff.torch.defaults import get_default_dtype

            type = get_default_dtype()
        dtype = _dtype_of(type)
        if not dtype.is_floating_point:
            raise type_error("torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                             "'torch.finfo'")
        info = np.finfo(dtype.numpy)
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = float(info.tiny)
        self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -int(info.precision)
        self.dtype = dtype.name

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:  # noqa: N801 - torch.iinfo
    """Limits of an integer dtype."""

    __slots__ = ("bits", "max", "min", "dtype")

    def __init__(self, type: Any):  # noqa: A002 - PyTorch's keyword
        dtype = _dtype_of(type)
        if dtype.numpy.kind not in "iu":
            raise type_error("torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'")
        info = np.iinfo(dtype.numpy)
        self.bits = int(info.bits)
        self.max = int(info.max)
        self.min = int(info.min)
        self.dtype = dtype.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
