"""PyTorch's CPU kernels on NumPy arrays, rounded as the optimizers' in-place tensor ops round them.

`add(x, alpha=a)`, `addcmul` and `lerp` are fused multiply-adds in PyTorch's vectorised kernels (GCC contracts
the multiply and the add); scalars are cast to the tensor's dtype first. `addcdiv` rounds each operation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autodiff.engine.tensor import Tensor


def fma(a: Any, b: Any, c: np.ndarray) -> np.ndarray:
    """fma(a, b, c) rounded once in c's dtype."""
    from autodiff.engine.rng import _fma32, _fma64

    if c.dtype == np.float32:
        return np.asarray(_fma32(a, b, c), dtype=np.float32)
    return np.asarray(_fma64(a, b, c), dtype=c.dtype)


def add(x: np.ndarray, y: np.ndarray, alpha: float = 1) -> np.ndarray:
    """`x.add(y, alpha=alpha)`: x + alpha * y with one rounding (alpha cast to x's dtype)."""
    if alpha == 1:
        return x + y
    return fma(y, x.dtype.type(alpha), x)


def lerp(start: np.ndarray, end: np.ndarray, weight: float) -> np.ndarray:
    """`start.lerp_(end, weight)` for a scalar weight (PyTorch's two-sided formula)."""
    w = start.dtype.type(weight)
    diff = end - start
    if abs(w) < 0.5:
        return fma(w, diff, start)
    return fma(-diff, start.dtype.type(1) - w, end)


def addcmul(x: np.ndarray, t1: np.ndarray, t2: np.ndarray, value: float = 1) -> np.ndarray:
    """`x.addcmul_(t1, t2, value=v)`: fma(v * t1, t2, x)."""
    return fma(x.dtype.type(value) * t1, t2, x)


def addcdiv(x: np.ndarray, t1: np.ndarray, t2: np.ndarray, value: float = 1) -> np.ndarray:
    """`x.addcdiv_(t1, t2, value=v)`: x + v * t1 / t2, each operation rounded."""
    return x + x.dtype.type(value) * t1 / t2


def scale(x: np.ndarray, factor: float) -> np.ndarray:
    """`x.mul(factor)` for a Python number: the factor is cast to x's dtype first."""
    return x * x.dtype.type(factor)


def plus(x: np.ndarray, value: float) -> np.ndarray:
    """`x.add(value)` for a Python number."""
    return x + x.dtype.type(value)


def assign(target: Tensor, values: np.ndarray) -> None:
    """Write `values` into a tensor in place (a parameter or a state buffer), as an in-place op does."""
    np.copyto(target.array, values, casting="unsafe")
    target.bump_version()
