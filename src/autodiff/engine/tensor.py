"""The Tensor: a NumPy array plus PyTorch's autograd state (requires_grad, grad, grad_fn, version)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from autodiff.engine import autograd
from autodiff.errors import AutodiffError, limit_error, runtime_error, script_location, type_error, warn, warn_once

# PyTorch returns inf/nan silently for float division by zero and overflow; so does autodiff.
np.seterr(all="ignore")


class DType:
    """A torch dtype (`torch.float32`): its PyTorch name and the NumPy dtype that stores it."""

    __slots__ = ("name", "numpy", "is_floating_point", "itemsize")

    def __init__(self, name: str, numpy_dtype: Any):
        self.name = name
        self.numpy = np.dtype(numpy_dtype)
        self.is_floating_point = self.numpy.kind == "f"
        self.itemsize = self.numpy.itemsize

    def __repr__(self) -> str:
        return f"torch.{self.name}"


float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
float16 = DType("float16", np.float16)
int64 = DType("int64", np.int64)
int32 = DType("int32", np.int32)
int16 = DType("int16", np.int16)
int8 = DType("int8", np.int8)
uint8 = DType("uint8", np.uint8)
bool_ = DType("bool", np.bool_)
DTYPES = (float32, float64, float16, int64, int32, int16, int8, uint8, bool_)
_BY_NUMPY = {d.numpy: d for d in DTYPES}

class MemoryFormat:
    """A torch memory format (`torch.contiguous_format`): the order of a copy's strides, where an op lets the
    script choose it (`clone`, `contiguous`)."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"


contiguous_format = MemoryFormat("contiguous_format")
preserve_format = MemoryFormat("preserve_format")
channels_last = MemoryFormat("channels_last")
channels_last_3d = MemoryFormat("channels_last_3d")
MEMORY_FORMATS = (contiguous_format, preserve_format, channels_last, channels_last_3d)

# The legacy type names PyTorch prints in some errors (`torch.FloatTensor`).
_LEGACY_NAMES = {
    "float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor", "int64": "LongTensor",
    "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor",
    "bool": "BoolTensor",
}

# The dtype of floating tensors made from Python floats (torch.set_default_dtype changes it; read it as
# `tensor.default_float` at call time, never import the name).
default_float = np.dtype(np.float32)


def set_default_float(dtype: np.dtype) -> None:
    global default_float
    default_float = np.dtype(dtype)


def dtype_of(array: np.ndarray) -> DType:
    return _BY_NUMPY[array.dtype]


def to_numpy_dtype(dtype: DType | Any) -> np.dtype:
    if isinstance(dtype, DType):
        return dtype.numpy
    if dtype is float:
        return np.dtype(np.float64)
    if dtype is int:
        return np.dtype(np.int64)
    if dtype is bool:
        return np.dtype(np.bool_)
    raise type_error(f"expected a torch dtype such as torch.float32, got {dtype!r}")


class Size(tuple):
    """`torch.Size`: a tuple of ints that prints as `torch.Size([2, 2])`; the class prints as PyTorch's."""

    __slots__ = ()
    __module__ = "torch"

    def __repr__(self) -> str:
        return f"torch.Size([{', '.join(str(n) for n in self)}])"

    __str__ = __repr__

    # Slices, concatenations and repetitions stay Sizes, as in PyTorch (`x.size()[1:]` prints torch.Size).
    def __getitem__(self, key: Any) -> Any:
        item = tuple.__getitem__(self, key)
        return Size(item) if isinstance(key, slice) else item

    def __add__(self, other: Any) -> Any:
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other: Any) -> Any:
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple(other) + tuple(self))

    def __mul__(self, count: Any) -> Any:
        return Size(tuple(self) * count)

    __rmul__ = __mul__

    def numel(self) -> int:
        total = 1
        for n in self:
            total *= n
        return total


# The largest tensor a script may create (elements); the CLI's --max-elements sets it.
max_elements = 10**8
# The memory limit in bytes (the CLI's --max-memory; None: none), checked before allocating a large tensor.
max_memory: int | None = None
_LARGE = 4_000_000  # elements: tensors at least this large look at the memory in use first


def check_size(shape: tuple[int, ...]) -> None:
    """Refuse, before allocating, a tensor larger than the limit or with a negative dimension."""
    total = 1
    for n in shape:
        if n < 0:
            raise runtime_error(f"Trying to create tensor with negative dimension {n}: {list(shape)}")
        total *= n
    if total > max_elements:
        raise limit_error(
            f"a tensor of shape {list(shape)} would have {total:,} elements, more than the limit of "
            f"{max_elements:,} (raise it with --max-elements)"
        )
    if max_memory is not None and total >= _LARGE:
        from autodiff.limits import describe, resident_bytes

        in_use = resident_bytes()
        if in_use + total * 4 > max_memory:
            error = limit_error(
                f"a tensor of shape {list(shape)} needs at least {describe(total * 4)}; with {describe(in_use)} "
                f"already in use that is more than the memory limit of {describe(max_memory)}")
            error.hint = "raise the limit with --max-memory, or use smaller tensors"
            raise error


SCALAR_WARNING = (
    "Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
    "Consider using tensor.detach() first."
)


ARRAY_COPY_WARNING = (
    "__array__ implementation doesn't accept a copy keyword, so passing copy=False failed. __array__ must implement "
    "'dtype' and 'copy' keyword arguments. To learn more, see the migration guide "
    "https://numpy.org/devdocs/numpy_2_0_migration_guide.html#adapting-to-changes-in-the-copy-keyword")
ARRAY_WRAP_WARNING = ("__array_wrap__ must accept context and return_scalar arguments (positionally) in the future. "
                      "(Deprecated NumPy 2.0)")


# How many in-place changes of a tensor keep their script location (the first after each save, newest kept): a
# backward pass that finds a tensor changed names the first change after the version it saved.
VERSION_LOCATIONS_KEPT = 16


class Tensor:
    """A NumPy array with PyTorch's autograd state.

    `_version` is a list shared by a tensor and its views and `.data`/`detach()` aliases: `[count]`, bumped by
    every in-place change (a node that saved a tensor compares counts at backward time); once a node saves the
    tensor, `[count, changes, watched]` (autograd.watch_versions): the first change after each save keeps its
    script location in `changes` (count -> location), so the error a backward pass raises for a changed tensor
    names the line that changed it. Only those changes pay for finding the line.
    """

    # `_view_of` and `_views` are set only on a view made while grad is recorded and on its base (ops.record_view):
    # an in-place change through either rewrites the base's history and the views' (ops.rebase_views).
    __slots__ = ("array", "requires_grad", "grad", "grad_fn", "retains_grad", "_version",
                 "_accumulator_node", "is_parameter", "_view_of", "_views", "__weakref__")

    def __init__(self, array: np.ndarray, requires_grad: bool = False, grad_fn: autograd.Node | None = None):
        self.array = array
        self.requires_grad = requires_grad
        self.grad: Tensor | None = None
        self.grad_fn = grad_fn
        self.retains_grad = False
        self._version = [0]
        self._accumulator_node: autograd.AccumulateGrad | None = None
        self.is_parameter = False

    # --- state -------------------------------------------------------------------------------
    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def shape(self) -> Size:
        return Size(self.array.shape)

    @property
    def dtype(self) -> DType:
        return _BY_NUMPY[self.array.dtype]

    @property
    def ndim(self) -> int:
        return self.array.ndim

    def numel(self) -> int:
        return int(self.array.size)

    def type_label(self) -> str:
        return "torch." + _LEGACY_NAMES[self.dtype.name]

    def _accumulator(self) -> autograd.AccumulateGrad:
        node = self._accumulator_node
        if node is None:
            node = self._accumulator_node = autograd.AccumulateGrad(self)
        return node

    def edge(self) -> autograd.Node | None:
        """The node that receives this tensor's gradient, or None if it does not require grad."""
        if not self.requires_grad:
            return None
        if self.grad_fn is not None:
            return self.grad_fn
        node = self._accumulator_node
        if node is None:
            node = self._accumulator_node = autograd.AccumulateGrad(self)
        return node

    def bump_version(self) -> None:
        counter = self._version
        counter[0] += 1
        if len(counter) > 1 and counter[2]:  # a node saved it since its last change: this change may break it
            counter[2] = False
            where = script_location()
            if where is not None:
                changes = counter[1]
                changes[counter[0]] = where
                if len(changes) > VERSION_LOCATIONS_KEPT:
                    del changes[next(iter(changes))]

    def alias(self) -> Tensor:
        """A new leaf tensor over the same memory and version counter (`.data`, `.detach()`)."""
        out = Tensor(self.array)
        out._version = self._version
        return out

    # --- Python protocols (scripts reach these through operators, never by name) ----------------
    def __repr__(self) -> str:
        from autodiff.torch.tensor_str import format_parameter, format_tensor

        suffixes = []
        if self.grad_fn is not None:
            suffixes.append(f"grad_fn=<{self.grad_fn.name}>")
        elif self.requires_grad:
            suffixes.append("requires_grad=True")
        if self.is_parameter:
            return format_parameter(self.array, suffixes)
        return format_tensor(self.array, suffixes)

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        """`f"{t:.4f}"`: a 0-d tensor formats its value; anything else only with an empty spec (PyTorch's rule)."""
        if self.array.ndim == 0 and not self.is_parameter:
            return format(self.array.item(), spec)
        if spec:
            kind = "Parameter" if self.is_parameter else "Tensor"
            raise type_error(f"unsupported format string passed to {kind}.__format__")
        return str(self)

    def __len__(self) -> int:
        if self.array.ndim == 0:
            raise type_error("len() of a 0-d tensor")
        return self.array.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self.array.ndim == 0:
            raise type_error("iteration over a 0-d tensor")
        from autodiff.engine.ops import select

        return (select(self, 0, i) for i in range(self.array.shape[0]))

    def __bool__(self) -> bool:
        if self.array.size != 1:
            amount = "no values" if self.array.size == 0 else "more than one value"
            raise runtime_error(f"Boolean value of Tensor with {amount} is ambiguous")
        return bool(self.array.reshape(()))

    def _one_value(self) -> Any:
        if self.array.size != 1:
            raise AutodiffError("ValueError", "only one element tensors can be converted to Python scalars")
        return self.array.reshape(()).item()

    def __float__(self) -> float:
        """`float(t)`: PyTorch warns (once) when t requires grad; `int(t)` and `bool(t)` do not."""
        value = self._one_value()
        if self.requires_grad:
            warn_once("UserWarning", SCALAR_WARNING)
        return float(value)

    def __int__(self) -> int:
        return int(self._one_value())

    def __index__(self) -> int:
        if self.array.dtype.kind not in "iub" or self.array.size != 1:
            raise type_error("only integer tensors of a single element can be converted to an index")
        return int(self.array.reshape(()).item())

    def __hash__(self) -> int:
        return id(self)

    # NumPy meeting a tensor (`np.array(t)`, `np.exp(t)`, `t + array`) behaves as it does with PyTorch's Tensor:
    # PyTorch's __array__ takes no `copy` and its __array_wrap__ no `context`, so NumPy 2 warns (once per line)
    # and falls back; a tensor that requires grad refuses, and NumPy defers binary operators to the tensor.
    __array_priority__ = 1000

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if self.requires_grad:
            raise runtime_error("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if copy is not None:
            warn("DeprecationWarning", ARRAY_COPY_WARNING)
            if copy is False:
                raise AutodiffError("ValueError", "Unable to avoid copy while creating an array as requested.")
        return self.array if dtype is None else self.array.astype(dtype)

    def __array_wrap__(self, array: np.ndarray, context: Any = None, return_scalar: bool = False) -> Tensor:
        warn("DeprecationWarning", ARRAY_WRAP_WARNING)
        array = np.asarray(array)
        if array.dtype == np.bool_:  # PyTorch's __array_wrap__ gives uint8 for NumPy's booleans (np.isnan(t))
            array = array.astype(np.uint8)
        if array.dtype not in _BY_NUMPY:
            raise type_error(f"can't convert np.ndarray of type numpy.{array.dtype.type.__name__} to a tensor")
        return Tensor(array)

    def item(self) -> Any:
        array = self.array
        if array.size != 1:
            raise runtime_error(f"a Tensor with {array.size} elements cannot be converted to Scalar")
        return array.item()

    def tolist(self) -> Any:
        return self.array.tolist()

    def detach(self) -> Tensor:
        return self.alias()

    # Arithmetic dunders are attached by ops.py, which owns every differentiable operation.


def reset_grad(param: Tensor, set_to_none: bool = True) -> None:
    """What `zero_grad()` (of a module or an optimizer) does to one parameter: drop its .grad, or zero it
    in place, detached from any graph."""
    grad = param.grad
    if grad is None:
        return
    if set_to_none:
        param.grad = None
        return
    grad.grad_fn = None
    grad.requires_grad = False
    grad.array[...] = 0
    grad.bump_version()


_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)


def accumulate_into_grad(leaf: Tensor, grad: Tensor, create_graph: bool, steal: bool = False) -> None:
    """AccumulateGrad: the first gradient is stored, later ones are added (in place, as PyTorch does).

    With `steal` (nothing else holds `grad`), a first gradient that owns its buffer becomes .grad without a copy,
    as PyTorch steals a gradient whose only reference is the engine's."""
    if grad.array.dtype != leaf.array.dtype:
        grad = Tensor(grad.array.astype(leaf.array.dtype), grad.requires_grad, grad.grad_fn)
    if leaf.grad is None:
        if create_graph:
            # PyTorch stores a copy made by a recorded copy_ (CopyBackwards) when the graph is kept.
            from autodiff.engine.ops import _record

            leaf.grad = (_record(grad.array.copy(), "CopyBackwards", (grad,), lambda g: (g,))
                         if grad.requires_grad else grad)
        else:
            array = grad.array
            # A fresh buffer: the gradient must not alias a tensor the script can still change, nor a gradient
            # another leaf receives (a + b hands both the same one).
            owned = steal and array.flags.owndata and array.base is None
            leaf.grad = Tensor(array if owned else array.copy())
    elif create_graph or leaf.grad.requires_grad:
        leaf.grad = leaf.grad + grad
    else:
        total, addend = leaf.grad.array, grad.array
        dtype = total.dtype
        if (total.size == 1 and total.ndim < 2 and addend.ndim == total.ndim and addend.dtype is dtype
                and (dtype is _F32 or dtype is _F64)):
            # One element (a training loop's scalar weight): NumPy's scalar addition, the ufunc's bits at a third
            # of a ufunc call's cost (the same shortcut as ops._fast_result).
            index = 0 if total.ndim else ()
            total[index] = total[index] + addend[index]
        else:
            np.add(total, addend, out=total, casting="unsafe")
        leaf.grad.bump_version()


def sum_to(grad: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum a broadcast gradient back to `shape` (the one place broadcasting is undone)."""
    from autodiff.engine.ops import sum_to_size

    return sum_to_size(grad, shape)


def new_tensor(array: np.ndarray, requires_grad: bool = False) -> Tensor:
    """A leaf over `array` (float64 from NumPy's defaults is the caller's job to avoid)."""
    if requires_grad and array.dtype.kind != "f":
        raise runtime_error("Only Tensors of floating point and complex dtype can require gradients")
    return Tensor(array, requires_grad)


def as_tensor_operand(value: Any) -> Tensor:
    if isinstance(value, Tensor):
        return value
    raise AutodiffError("TypeError", f"expected a Tensor, got {type(value).__name__}")
