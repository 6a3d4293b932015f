"""torch.nn.utils.parameters_to_vector and vector_to_parameters."""

from __future__ import annotations

from typing import Any

from autodiff.engine import ops
from autodiff.engine.tensor import Tensor
from autodiff.errors import type_error
from autodiff.torch.nn.functional import _type_name


def parameters_to_vector(parameters: Any) -> Tensor:
    """One 1-D tensor of every parameter flattened, in order (CatBackward0 over ViewBackward0s)."""
    return ops.cat([ops.view(p, -1) for p in parameters])


def vector_to_parameters(vec: Any, parameters: Any) -> None:
    """Each parameter's data replaced by its slice of `vec` (as `param.data = ...`: no history)."""
    if type(vec) is not Tensor:
        raise type_error(f"expected torch.Tensor, but got: {_type_name(vec)}")
    offset = 0
    for param in parameters:
        count = param.array.size
        param.array = vec.array[offset:offset + count].reshape(param.array.shape)
        offset += count
