"""What torch keeps process-wide for a script: the default dtype and device, the version string, and the reset a
new script run starts from (a new run is a new PyTorch process)."""

from __future__ import annotations

import re
import sys
from typing import Any

import numpy as np

from autodiff.engine import autograd
from autodiff.engine import tensor as tensor_module
from autodiff.engine.tensor import DType, float32
from autodiff.errors import AutodiffError, type_error


class TorchVersion(str):
    """`torch.__version__`: a string ('2.13.0+cpu') that compares with version strings and tuples by release."""

    __slots__ = ()

    def _release(self) -> tuple[int, ...]:
        return _release(str(self))

    def _other(self, other: Any) -> tuple[int, ...]:
        if isinstance(other, tuple):
            return tuple(int(part) for part in other)
        if isinstance(other, str):
            return _release(other)
        raise AutodiffError("InvalidVersion", f"Invalid version: '{other}'")

    def __lt__(self, other: Any) -> bool:
        return _pad(self._release(), self._other(other)) < _pad(self._other(other), self._release())

    def __le__(self, other: Any) -> bool:
        return _pad(self._release(), self._other(other)) <= _pad(self._other(other), self._release())

    def __gt__(self, other: Any) -> bool:
        return _pad(self._release(), self._other(other)) > _pad(self._other(other), self._release())

    def __ge__(self, other: Any) -> bool:
        return _pad(self._release(), self._other(other)) >= _pad(self._other(other), self._release())

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, str) and str.__eq__(self, other):
            return True
        try:
            return _pad(self._release(), self._other(other)) == _pad(self._other(other), self._release())
        except AutodiffError:
            return False

    def __ne__(self, other: Any) -> bool:
        return not self.__eq__(other)

    __hash__ = str.__hash__


def _release(text: str) -> tuple[int, ...]:
    match = re.match(r"v?(\d+(?:\.\d+)*)", text.strip())
    if match is None:
        raise AutodiffError("InvalidVersion", f"Invalid version: '{text}'")
    return tuple(int(part) for part in match.group(1).split("."))


def _pad(values: tuple[int, ...], other: tuple[int, ...]) -> tuple[int, ...]:
    return values + (0,) * max(0, len(other) - len(values))


VERSION = TorchVersion("2.13.0+cpu")


def set_default_dtype(dtype: Any) -> None:
    if not isinstance(dtype, DType) or not dtype.is_floating_point:
        raise type_error("only floating-point types are supported as the default type")
    _set_default_float(dtype.numpy)


def _set_default_float(dtype: np.dtype) -> None:
    """Both the dtype new float tensors get and the one their printing leaves unnamed."""
    from autodiff.torch import tensor_str

    tensor_module.set_default_float(dtype)
    tensor_str.set_default_dtype(dtype)


def get_default_dtype() -> DType:
    from autodiff.engine.tensor import _BY_NUMPY

    return _BY_NUMPY[tensor_module.default_float]


def set_default_device(device: Any) -> None:
    from autodiff import pywarnings
    from autodiff.torch.tensor import Device

    if device is None:
        pywarnings.set_device_mode(False)
        return
    if Device(device).type != "cpu":
        raise AutodiffError("AssertionError", "Torch not compiled with CUDA enabled (autodiff runs on the CPU only)")
    pywarnings.set_device_mode(True)  # PyTorch's DeviceContext now runs every torch call: warnings point there


def get_default_device() -> Any:
    from autodiff.torch.tensor import CPU

    return CPU


def reset() -> None:
    """The state a script run starts from: float32 default, grad mode on, anomaly detection off, no hooks for
    every module."""
    _set_default_float(np.dtype(float32.numpy))
    autograd.set_grad_enabled(True)
    autograd.set_anomaly_enabled(False)
    nn_module = sys.modules.get("autodiff.torch.nn.modules.module")  # (not imported until a script uses nn)
    if nn_module is not None:
        nn_module.GLOBAL_HOOKS.reset()


def members() -> dict[str, dict[str, Any]]:
    from autodiff.language.protocol import TypeTable, register
    from autodiff.torch import type_info

    for cls in (type_info.finfo, type_info.iinfo):
        register(cls, TypeTable(cls.__name__, getters={name: _attribute(name) for name in cls.__slots__}))

    return {"torch": {"__version__": VERSION, "set_default_dtype": set_default_dtype,
                      "get_default_dtype": get_default_dtype, "set_default_device": set_default_device,
                      "get_default_device": get_default_device, "finfo": type_info.finfo, "iinfo": type_info.iinfo}}


def _attribute(name: str) -> Any:
    return lambda value: getattr(value, name)
