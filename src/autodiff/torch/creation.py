"""Tensor creation as scripts call it: torch.tensor, ones, zeros, arange, linspace, the random samplers, the
legacy constructors (torch.FloatTensor), nn.Parameter and Variable."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autodiff.engine import ops
from autodiff.engine import tensor as tensor_module
from autodiff.engine.tensor import (
    DTYPES,
    SCALAR_WARNING,
    Size,
    Tensor,
    check_size,
    to_numpy_dtype,
)
from autodiff.errors import AutodiffError, runtime_error, type_error, value_error, warn, warn_once

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


MAX_DIMS = 128  # PyTorch's limit on the nesting of the data given to torch.tensor


def _check_dimensions(data: Any) -> None:
    """PyTorch's compute_sizes: the nesting along first elements is at most MAX_DIMS deep (a list that contains
    itself first nests forever)."""
    depth = 0
    sequence = data
    while isinstance(sequence, (list, tuple)):
        depth += 1
        if depth > MAX_DIMS:
            raise value_error(f"too many dimensions '{type(sequence).__name__}'")
        if not sequence:
            return
        sequence = sequence[0]


def _infer_dtype(data: Any) -> np.dtype:
    """The dtype of nested data; a list that contains itself (on the path down to it) is PyTorch's TypeError."""
    kind = 0  # 0 bool, 1 int, 2 float
    seen_any = False
    numpy_dtype: np.dtype | None = None  # NumPy numbers and arrays count with their own dtype, as in PyTorch
    end = object()
    stack: list[tuple[Any, Any]] = [(None, iter((data,)))]
    path: set[int] = set()
    while stack:
        container, items = stack[-1]
        item = next(items, end)
        if item is end:
            stack.pop()
            path.discard(id(container))
        elif isinstance(item, (list, tuple)):
            if id(item) in path:
                raise type_error("new(): self-referential lists are incompatible")
            path.add(id(item))
            stack.append((item, iter(item)))
        elif isinstance(item, (np.ndarray, np.generic)):
            _check_numpy_dtype(item.dtype)
            numpy_dtype = item.dtype if numpy_dtype is None else ops._promote_pair(numpy_dtype, item.dtype)
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
        return tensor_module.default_float if numpy_dtype is None else numpy_dtype
    python_dtype = (np.dtype(np.bool_), np.dtype(np.int64), tensor_module.default_float)[kind]
    return python_dtype if numpy_dtype is None else ops._promote_pair(numpy_dtype, python_dtype)


def _to_nested_numbers(data: Any) -> Any:
    """Replace one-element tensors inside nested lists by their values (PyTorch warns if they need grad), and
    NumPy numbers and arrays by Python numbers and lists (their dtype was taken by _infer_dtype)."""
    if isinstance(data, (list, tuple)):
        if any(isinstance(item, np.ndarray) for item in data):
            warn_once("UserWarning", LIST_OF_ARRAYS_WARNING)
        return [_to_nested_numbers(item) for item in data]
    if isinstance(data, (np.ndarray, np.generic)):
        return data.tolist()
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


# --- NumPy arrays -----------------------------------------------------------------------------------------

_TORCH_NUMPY_TYPES = ("float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint64, uint32, "
                      "uint16, uint8, and bool")
NON_WRITABLE_WARNING = (
    "The given NumPy array is not writable, and PyTorch does not support non-writable tensors. This means writing to "
    "this tensor will result in undefined behavior. You may want to copy the array to protect its data or make it "
    "writable before converting it to a tensor. This type of warning will be suppressed for the rest of this program.")
NEGATIVE_STRIDES = (
    "At least one stride in the given numpy array is negative, and tensors with negative strides are not currently "
    "supported. (You can probably work around this by making a copy of your array  with array.copy().) ")
LIST_OF_ARRAYS_WARNING = (
    "Creating a tensor from a list of numpy.ndarrays is extremely slow. Please consider converting the list to a "
    "single numpy.ndarray with numpy.array() before converting to a tensor.")


def _python_type_name(value: Any) -> str:
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" or kind is Tensor else f"{kind.__module__}.{kind.__name__}"


def _check_numpy_dtype(dtype: np.dtype) -> None:
    """PyTorch's error for an array no tensor can hold; autodiff's own for the dtypes PyTorch has and it lacks."""
    if dtype in _BY_NUMPY_DTYPE:
        return
    name = f"numpy.{dtype.type.__name__}"
    if dtype.byteorder not in "=|" and dtype.newbyteorder("=") in _BY_NUMPY_DTYPE:
        raise value_error("given numpy array has byte order different from the native byte order. Conversion "
                          "between byte orders is currently not supported.")
    if dtype.kind in "cu" or dtype.kind == "f" and dtype.itemsize <= 8:
        raise type_error(f"can't convert np.ndarray of type {name}: autodiff has no such tensors (it supports "
                         "float64, float32, float16, int64, int32, int16, int8, uint8, and bool)")
    raise type_error(f"can't convert np.ndarray of type {name}. The only supported types are: {_TORCH_NUMPY_TYPES}.")


def from_numpy(array: Any) -> Tensor:
    """`torch.from_numpy(a)`: a tensor over the array's own memory (writing to one changes the other)."""
    if not isinstance(array, np.ndarray):
        raise type_error(f"expected np.ndarray (got {_python_type_name(array)})")
    _check_numpy_dtype(array.dtype)
    if any(stride < 0 for stride in array.strides):
        raise value_error(NEGATIVE_STRIDES)
    if not array.flags.writeable:
        warn_once("UserWarning", NON_WRITABLE_WARNING)
    return Tensor(array)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """`torch.as_tensor`: shares a tensor's or an array's memory when no conversion is needed, else copies."""
    if type(data) is Tensor and (dtype is None or to_numpy_dtype(dtype) == data.array.dtype):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or to_numpy_dtype(dtype) == data.dtype):
        return from_numpy(data) if all(stride >= 0 for stride in data.strides) else tensor(data)
    if type(data) is Tensor:
        return Tensor(data.array.astype(to_numpy_dtype(dtype)))
    return tensor(data, dtype=dtype)


def _from_numpy_data(data: Any, dtype: Any, requires_grad: bool) -> Tensor:
    """torch.tensor(array or NumPy number): a copy, of the array's dtype unless `dtype` says otherwise."""
    array = np.asarray(data)
    _check_numpy_dtype(array.dtype)
    check_size(array.shape)
    return _leaf(array.astype(_dtype_arg(dtype, array.dtype), copy=True), requires_grad)


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    if isinstance(data, (np.ndarray, np.generic)):
        return _from_numpy_data(data, dtype, requires_grad)
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
    _check_dimensions(data)
    inferred = _infer_dtype(data)
    numbers = _to_nested_numbers(data)
    _check_rectangular(numbers)
    array = np.array(numbers, dtype=_dtype_arg(dtype, inferred))
    check_size(array.shape)
    return _leaf(array, requires_grad)


def _size_keyword(name: str, size: tuple[Any, ...], keywords: dict[str, Any]) -> tuple[Any, ...]:
    """`torch.zeros(size=(2, 3))`: the shape given as the keyword PyTorch also accepts."""
    unexpected = [key for key in keywords if key != "size"]
    if unexpected:
        raise type_error(f"{name}() got an unexpected keyword argument '{unexpected[0]}'")
    if "size" not in keywords:
        return size
    if size:
        raise type_error(f"{name}() got multiple values for argument 'size'")
    given = keywords["size"]
    return (tuple(given),) if isinstance(given, (list, tuple, Size)) else (given,)


def _filled(value: float, size: Sequence[Any], dtype: Any, requires_grad: bool,
            default: np.dtype | None = None) -> Tensor:
    shape = _size(size)
    fallback = default if default is not None else tensor_module.default_float
    return _leaf(np.full(shape, value, dtype=_dtype_arg(dtype, fallback)), requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None,
         **keywords: Any) -> Tensor:
    return _filled(1, _size_keyword("ones", size, keywords), dtype, requires_grad)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None,
         **keywords: Any) -> Tensor:
    return _filled(0, _size_keyword("zeros", size, keywords), dtype, requires_grad)


def empty(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None,
         **keywords: Any) -> Tensor:
    return _filled(0, _size_keyword("empty", size, keywords), dtype, requires_grad)


def full(size: Sequence[Any], fill_value: Any, dtype: Any = None, requires_grad: bool = False,
         device: Any = None) -> Tensor:
    if type(fill_value) is Tensor:
        fill_value = fill_value.item()
    default = (np.dtype(np.bool_) if isinstance(fill_value, bool) else
               np.dtype(np.int64) if isinstance(fill_value, int) else tensor_module.default_float)
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
    return _leaf(np.eye(shape[0], shape[1], dtype=_dtype_arg(dtype, tensor_module.default_float)), requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, dtype: Any = None, requires_grad: bool = False,
           device: Any = None) -> Tensor:
    if end is None:
        start, end = 0, start
    values = [v.item() if type(v) is Tensor else v for v in (start, end, step)]
    if step == 0:
        raise runtime_error("step must be nonzero")
    default = tensor_module.default_float if any(isinstance(v, float) for v in values) else np.dtype(np.int64)
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
    target = _dtype_arg(dtype, tensor_module.default_float)
    return _leaf(_linspace_values(start, end, steps, target), requires_grad)


def _linspace_values(start: float, end: float, steps: int, target: np.dtype) -> np.ndarray:
    """PyTorch's linspace kernel: the first half `start + step * i`, the second `end - step * (steps - 1 - i)`,
    each one fused multiply-add (GCC contracts the kernel's expressions), with `step` and the arithmetic in the
    dtype for floats (float32 and float64), in float64 for integers."""
    from autodiff.engine import transcendental

    if steps <= 1:
        return np.full(steps, start).astype(target)
    index = np.arange(steps)
    first_half = index < steps // 2
    if target == np.dtype(np.float16):  # c10::Half rounds after every operation, integers converted to Half
        half = np.float16
        first, last = half(start), half(end)
        step = half(half(last - first) / half(steps - 1))
        products = (step * np.where(first_half, index, steps - 1 - index).astype(half)).astype(half)
        return np.where(first_half, first + products, last - products).astype(half)
    if target in (np.dtype(np.float32), np.dtype(np.float64)):
        first, last = target.type(start), target.type(end)
        with np.errstate(all="ignore"):
            step = (last - first) / target.type(steps - 1)
    else:  # start and end converted to the dtype first (an integer's truncated), the step in float64
        first, last = (np.float64(np.asarray(value).astype(target)) for value in (start, end))
        step = (last - first) / (steps - 1)
    work = np.dtype(np.float32) if target == np.dtype(np.float32) else np.dtype(np.float64)
    fma = transcendental.fma32 if work == np.dtype(np.float32) else transcendental.fma64
    count = np.where(first_half, index, steps - 1 - index).astype(work)
    signed_step = np.where(first_half, step, -step).astype(work)
    base = np.where(first_half, first, last).astype(work)
    values = fma(signed_step, count, base)
    with np.errstate(invalid="ignore"):
        return values.astype(target)


def _rng():
    from autodiff.engine import rng

    return rng


def _generator(generator: Any) -> Any:
    rng = _rng()
    if generator is None:
        return rng.default_generator
    if not isinstance(generator, rng.Generator):
        from autodiff.language.protocol import type_name

        raise type_error(f"argument 'generator' must be torch.Generator, not {type_name(generator)}")
    return generator


def rand(*size: Any, dtype: Any = None, requires_grad: bool = False, generator: Any = None,
         device: Any = None, **keywords: Any) -> Tensor:
    shape = _size(_size_keyword("rand", size, keywords))
    return _leaf(_generator(generator).rand(shape, _dtype_arg(dtype, tensor_module.default_float)), requires_grad)


def randn(*size: Any, dtype: Any = None, requires_grad: bool = False, generator: Any = None,
          device: Any = None, **keywords: Any) -> Tensor:
    shape = _size(_size_keyword("randn", size, keywords))
    return _leaf(_generator(generator).randn(shape, _dtype_arg(dtype, tensor_module.default_float)), requires_grad)


def rand_like(x: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return rand(x.array.shape, dtype=dtype if dtype is not None else x.dtype, requires_grad=requires_grad)


def randn_like(x: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return randn(x.array.shape, dtype=dtype if dtype is not None else x.dtype, requires_grad=requires_grad)


def randint(low: int, high: Any = None, size: Any = None, dtype: Any = None, generator: Any = None,
            requires_grad: bool = False, device: Any = None) -> Tensor:
    if size is None:
        if type(low) in (float, bool):  # one bound: PyTorch's parser names the argument
            raise type_error(f"randint(): argument 'high' (position 1) must be int, not {type(low).__name__}")
        low, high, size = 0, low, high
    if size is None:
        raise type_error("randint() missing required argument 'size'")
    check_integer_bounds("randint", (low, high, size), (low, high), _RANDINT_OVERLOADS)
    from autodiff.torch.random import check_int64

    check_int64(low, high)
    shape = _size((tuple(size),))
    return _leaf(_generator(generator).randint(low, high, shape, _dtype_arg(dtype, np.dtype(np.int64))), requires_grad)


_TENSOR_OPTIONS = ("Tensor out = None, torch.dtype dtype = None, torch.layout layout = None, "
                   "torch.device device = None, bool pin_memory = False, bool requires_grad = False)")
_RANDINT_OVERLOADS = (
    f" * (int high, tuple of ints size, *, torch.Generator generator, {_TENSOR_OPTIONS}\n"
    f" * (int high, tuple of ints size, *, {_TENSOR_OPTIONS}\n"
    f" * (int low, int high, tuple of ints size, *, torch.Generator generator, {_TENSOR_OPTIONS}\n"
    f" * (int low, int high, tuple of ints size, *, {_TENSOR_OPTIONS}\n")


def check_integer_bounds(name: str, given: tuple[Any, ...], bounds: tuple[Any, ...], overloads: str, *,
                         any_type: bool = False) -> None:
    """randint's and random_'s bounds are C++ int64 in PyTorch: a float or bool bound (with `any_type`, anything but
    an integer or a tensor: random_'s parser says the same of a string or None, randint's names the argument)
    matches none of the function's `overloads` (PyTorch's TypeError lists them; `given` are the arguments as
    called)."""
    if any_type:
        refused = any(type(bound) is bool or not isinstance(bound, (int, np.integer, Tensor)) for bound in bounds)
    else:
        refused = any(type(bound) in (float, bool) for bound in bounds)
    if not refused:
        return
    from autodiff.language.protocol import type_name

    got = ", ".join(type_name(value) for value in given)
    raise type_error(f"{name}() received an invalid combination of arguments - got ({got}), but expected one of:\n"
                     + overloads)


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
        data = Tensor(np.empty((0,), dtype=tensor_module.default_float))
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
        if len(args) == 1 and isinstance(args[0], np.ndarray):
            return _from_numpy_data(args[0], _BY_NUMPY_DTYPE[np.dtype(numpy_dtype)], requires_grad)
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
