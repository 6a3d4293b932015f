"""Tensor creation as scripts call it: torch.tensor, ones, zeros, arange, linspace, the random samplers, the
legacy constructors (torch.FloatTensor), nn.Parameter and Variable."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autodiff.engine import ops
from autodiff.engine.tensor import (
    DTYPES,
    SCALAR_WARNING,
    Size,
    Tensor,
    check_size,
    default_float,
    to_numpy_dtype,
)
from autodiff.errors import AutodiffError, runtime_error, type_error, warn, warn_once

# --- creation ------------------------------------------------------------------------------------------


def _dtype_arg(dtype: Any, default: np.dtype) -> np.dtype:
    return default if dtype is None else to_numpy_dtype(dtype)


def _leaf(array: np.ndarray, requires_grad: bool) -> Tensor:
    if requires_grad:
        if array.dtype.kind != "f":
            raise runtime_error("Only Tensors of floating point and complex dtype can require gradients")
        return Tensor(array, True)
    return Tensor(array)


def _size(size: Sequence[Any]) -> tuple[int, ...]:
    shape = ops._shape_arg(size)
    check_size(shape)
    return shape


def _infer_dtype(data: Any) -> np.dtype:
    kind = 0  # 0 bool, 1 int, 2 float
    stack = [data]
    seen_any = False
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif type(item) is Tensor:
            seen_any = True
            k = item.array.dtype.kind
            kind = max(kind, 2 if k == "f" else (1 if k in "iu" else 0))
        elif isinstance(item, bool):
            seen_any = True
        elif isinstance(item, int):
            seen_any = True
            kind = max(kind, 1)
        elif isinstance(item, float):
            seen_any = True
            kind = 2
        else:
            raise type_error(f"Could not infer dtype of {type(item).__name__}")
    if not seen_any:
        return default_float
    return (np.dtype(np.bool_), np.dtype(np.int64), default_float)[kind]


def _to_nested_numbers(data: Any) -> Any:
    """Replace one-element tensors inside nested lists by their values (PyTorch warns if they need grad)."""
    if isinstance(data, (list, tuple)):
        return [_to_nested_numbers(item) for item in data]
    if type(data) is Tensor:
        if data.array.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        if data.requires_grad:
            warn_once("UserWarning", SCALAR_WARNING)
        return data.array.reshape(()).item()
    return data


def _check_rectangular(data: Any, depth: int = 0) -> None:
    if not isinstance(data, list) or not data:
        return
    first = data[0]
    length = len(first) if isinstance(first, list) else None
    for item in data:
        item_length = len(item) if isinstance(item, list) else None
        if item_length != length:
            raise AutodiffError(
                "ValueError", f"expected sequence of length {length} at dim {depth + 1} (got {item_length})")
    for item in data:
        _check_rectangular(item, depth + 1)


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    if type(data) is Tensor:
        warn("UserWarning",
             "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
             "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).")
        array = data.array.astype(_dtype_arg(dtype, data.array.dtype), copy=True)
        return _leaf(array, requires_grad)
    if isinstance(data, (Size, range)):
        data = list(data)
    if not isinstance(data, (list, tuple, bool, int, float)):
        raise type_error(f"tensor(): could not infer dtype of {type(data).__name__}")
    inferred = _infer_dtype(data)
    numbers = _to_nested_numbers(data)
    _check_rectangular(numbers)
    array = np.array(numbers, dtype=_dtype_arg(dtype, inferred))
    check_size(array.shape)
    return _leaf(array, requires_grad)


def _filled(value: float, size: Sequence[Any], dtype: Any, requires_grad: bool,
            default: np.dtype = default_float) -> Tensor:
    shape = _size(size)
    return _leaf(np.full(shape, value, dtype=_dtype_arg(dtype, default)), requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    return _filled(1, size, dtype, requires_grad)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    return _filled(0, size, dtype, requires_grad)


def empty(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    return _filled(0, size, dtype, requires_grad)


def full(size: Sequence[Any], fill_value: Any, dtype: Any = None, requires_grad: bool = False,
         device: Any = None) -> Tensor:
    if type(fill_value) is Tensor:
        fill_value = fill_value.item()
    default = (np.dtype(np.bool_) if isinstance(fill_value, bool) else
               np.dtype(np.int64) if isinstance(fill_value, int) else default_float)
    return _filled(fill_value, (size,) if not isinstance(size, (list, tuple, Size)) else tuple(size), dtype,
                   requires_grad, default)


def _like(value: float, x: Tensor, dtype: Any, requires_grad: bool) -> Tensor:
    return _leaf(np.full(x.array.shape, value, dtype=_dtype_arg(dtype, x.array.dtype)), requires_grad)


def ones_like(x: Tensor, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    return _like(1, x, dtype, requires_grad)


def zeros_like(x: Tensor, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    return _like(0, x, dtype, requires_grad)


def empty_like(x: Tensor, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    return _like(0, x, dtype, requires_grad)


def full_like(x: Tensor, fill_value: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    return _like(fill_value, x, dtype, requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    shape = _size((n, n if m is None else m))
    return _leaf(np.eye(shape[0], shape[1], dtype=_dtype_arg(dtype, default_float)), requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, dtype: Any = None, requires_grad: bool = False,
           device: Any = None) -> Tensor:
    if end is None:
        start, end = 0, start
    values = [v.item() if type(v) is Tensor else v for v in (start, end, step)]
    if step == 0:
        raise runtime_error("step must be nonzero")
    default = default_float if any(isinstance(v, float) for v in values) else np.dtype(np.int64)
    target = _dtype_arg(dtype, default)
    count = max(0, int(np.ceil((values[1] - values[0]) / values[2])))
    check_size((count,))
    if target.kind == "f":
        array = (values[0] + np.arange(count, dtype=np.float64) * values[2]).astype(target)
    else:
        array = np.arange(values[0], values[1], values[2]).astype(target)
    return _leaf(array, requires_grad)


def linspace(start: float, end: float, steps: int, dtype: Any = None, requires_grad: bool = False,
             device: Any = None) -> Tensor:
    check_size((steps,))
    target = _dtype_arg(dtype, default_float)
    # PyTorch fills the first half from the start and the second half from the end.
    step = (end - start) / (steps - 1) if steps > 1 else 0.0
    index = np.arange(steps)
    half = steps // 2
    values = np.where(index < half, start + step * index, end - step * (steps - 1 - index))
    return _leaf(values.astype(target), requires_grad)


def _rng():
    from autodiff.engine import rng

    return rng


def _generator(generator: Any) -> Any:
    return generator if generator is not None else _rng().default_generator


def rand(*size: Any, dtype: Any = None, requires_grad: bool = False, generator: Any = None,
         device: Any = None) -> Tensor:
    shape = _size(size)
    return _leaf(_generator(generator).rand(shape, _dtype_arg(dtype, default_float)), requires_grad)


def randn(*size: Any, dtype: Any = None, requires_grad: bool = False, generator: Any = None,
          device: Any = None) -> Tensor:
    shape = _size(size)
    return _leaf(_generator(generator).randn(shape, _dtype_arg(dtype, default_float)), requires_grad)


def rand_like(x: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return rand(x.array.shape, dtype=dtype if dtype is not None else x.dtype, requires_grad=requires_grad)


def randn_like(x: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return randn(x.array.shape, dtype=dtype if dtype is not None else x.dtype, requires_grad=requires_grad)


def randint(low: int, high: Any = None, size: Any = None, dtype: Any = None, generator: Any = None,
            requires_grad: bool = False, device: Any = None) -> Tensor:
    if size is None:
        low, high, size = 0, low, high
    if size is None:
        raise type_error("randint() missing required argument 'size'")
    shape = _size((tuple(size),))
    return _leaf(_generator(generator).randint(low, high, shape, _dtype_arg(dtype, np.dtype(np.int64))), requires_grad)


def randperm(n: int, dtype: Any = None, generator: Any = None, requires_grad: bool = False,
             device: Any = None) -> Tensor:
    check_size((n,))
    return _leaf(_generator(generator).randperm(n, _dtype_arg(dtype, np.dtype(np.int64))), requires_grad)


def manual_seed(seed: int) -> Any:
    return _rng().default_generator.manual_seed(int(seed))


def initial_seed() -> int:
    return _rng().default_generator.initial_seed()


def seed() -> int:
    return _rng().default_generator.seed()


def parameter(data: Tensor | None = None, requires_grad: bool = True) -> Tensor:
    """`nn.Parameter(t)`: a leaf sharing t's data that requires grad and prints `Parameter containing:`."""
    if data is None:
        data = Tensor(np.empty((0,), dtype=default_float))
    if type(data) is not Tensor:
        raise type_error(f"Parameter(): argument 'data' must be Tensor, not {type(data).__name__}")
    out = _leaf(data.array, requires_grad)
    out.is_parameter = True
    return out


class ParameterType:
    """`nn.Parameter`: builds a parameter, and is what `type(p)` gives for one and what `isinstance(p,
    nn.Parameter)` tests (a parameter is a Tensor marked as such)."""

    __slots__ = ()
    __name__ = "Parameter"
    __qualname__ = "Parameter"

    def __call__(self, data: Tensor | None = None, requires_grad: bool = True) -> Tensor:
        return parameter(data, requires_grad)

    def __repr__(self) -> str:
        return "<class 'torch.nn.parameter.Parameter'>"

    def __instancecheck__(self, value: Any) -> bool:
        return type(value) is Tensor and value.is_parameter


PARAMETER = ParameterType()


def variable(data: Tensor, requires_grad: bool = False, volatile: bool = False) -> Tensor:
    """The legacy `torch.autograd.Variable(t, requires_grad=...)`: today just a leaf over t's data."""
    if type(data) is not Tensor:
        raise type_error(f"Variable data has to be a tensor, but got {type(data).__name__}")
    return _leaf(data.array, requires_grad)


def _legacy_constructor(numpy_dtype: Any) -> Callable[..., Tensor]:
    def construct(*args: Any, requires_grad: bool = False) -> Tensor:
        if len(args) == 1 and isinstance(args[0], (list, tuple)):
            return tensor(args[0], dtype=_BY_NUMPY_DTYPE[np.dtype(numpy_dtype)], requires_grad=requires_grad)
        if len(args) == 1 and type(args[0]) is Tensor:
            return Tensor(args[0].array.astype(numpy_dtype))
        if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
            return _leaf(np.zeros(_size(args), dtype=numpy_dtype), requires_grad)
        raise type_error("new(): invalid data type; pass a list of numbers or sizes")

    return construct


_BY_NUMPY_DTYPE = {d.numpy: d for d in DTYPES}
FloatTensor = _legacy_constructor(np.float32)
DoubleTensor = _legacy_constructor(np.float64)
LongTensor = _legacy_constructor(np.int64)
IntTensor = _legacy_constructor(np.int32)
BoolTensor = _legacy_constructor(np.bool_)


def is_tensor(value: Any) -> bool:
    return type(value) is Tensor


def numel(x: Tensor) -> int:
    return x.numel()
