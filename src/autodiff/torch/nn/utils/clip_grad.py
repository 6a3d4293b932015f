"""torch.nn.utils.clip_grad_norm_ and clip_grad_value_: gradients rescaled or clamped in place, as PyTorch does."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autodiff.engine import autograd, ops
from autodiff.engine.tensor import Tensor
from autodiff.errors import runtime_error, warn


def _parameter_list(parameters: Any) -> list[Tensor]:
    return [parameters] if type(parameters) is Tensor else list(parameters)


def get_total_norm(tensors: Any, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None) -> Tensor:
    """The norm of the tensors' norms (each a linalg.vector_norm), as one 0-d tensor."""
    grads = _parameter_list(tensors)
    norm_type = float(norm_type)
    if not grads:
        return Tensor(np.array(0.0, dtype=np.float32))
    with autograd.GradMode(False, "no_grad"):
        norms = [ops.norm(g, norm_type) for g in grads]
        total = ops.norm(ops.stack(norms), norm_type)
    if error_if_nonfinite and not math.isfinite(float(total.array)):
        raise runtime_error(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                            "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                            "norm anyway, set `error_if_nonfinite=False`")
    return total


def clip_grads_with_norm_(parameters: Any, max_norm: float, total_norm: Tensor, foreach: bool | None = None) -> None:
    """Every gradient multiplied in place by min(1, max_norm / (total_norm + 1e-6))."""
    grads = [p.grad for p in _parameter_list(parameters) if p.grad is not None]
    if not grads:
        return
    with autograd.GradMode(False, "no_grad"):
        coefficient = ops.mul(ops.reciprocal(ops.add(total_norm, 1e-6)), float(max_norm))
        clamped = ops.clamp(coefficient, max=1.0)
        for grad in grads:
            grad.array[...] = ops.mul(grad, ops.to_dtype(clamped, grad.dtype)).array
            grad.bump_version()


def clip_grad_norm_(parameters: Any, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    params = _parameter_list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(params, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters: Any, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None) -> Tensor:
    warn("FutureWarning", "`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                          "`torch.nn.utils.clip_grad_norm_`.")
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters: Any, clip_value: float, foreach: bool | None = None) -> None:
    """Every gradient clamped in place to [-clip_value, clip_value]."""
    value = float(clip_value)
    for param in _parameter_list(parameters):
        if param.grad is not None:
            grad = param.grad
            np.clip(grad.array, grad.array.dtype.type(-value), grad.array.dtype.type(value), out=grad.array)
            grad.bump_version()
