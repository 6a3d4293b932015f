"""Every differentiable operation, declared once: forward on NumPy arrays, backward rule, PyTorch's grad_fn name.

How to read (and add) an op:
- Simple elementwise ops are one row of `UNARY`: name -> (grad_fn name, forward ufunc, rule(grad, self, result),
  which of self/result the rule reads). The rule is written with Tensor operations, so with
  create_graph=True the backward pass is itself recorded and can be differentiated again.
- Other ops are functions that compute the forward array and call `_record(...)` with the rule beside
  it, as in derivatives.yaml: one gradient expression per input, in PyTorch's formula order (float32
  results then match PyTorch to the last bit).
- Rules never undo broadcasting: `_record(..., broadcast=True)` makes the engine sum each gradient
  back to its input's shape.
- `METHODS`/`FUNCTIONS` list what scripts can call as `x.name(...)` and `torch.name(...)`.
"""

from __future__ import annotations

import builtins as _py
import math
import operator
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autodiff.engine import autograd, products, reductions, transcendental
from autodiff.engine import softmax as softmax_kernels
from autodiff.engine import tensor as tensor_module
from autodiff.engine.tensor import DTYPES, DType, Size, Tensor, check_size, to_numpy_dtype
from autodiff.errors import index_error, runtime_error, type_error, value_error, warn, warn_once

Scalar = int | float | bool
Operand = Tensor | Scalar

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


# --- the fast path of +, -, *, / ------------------------------------------------------------------------
# Float32/float64 tensors with a same-dtype, same-shape tensor or a Python number: no promotion, no
# broadcasting, one ufunc call. NumPy >= 2 casts a Python float (and an int that a double holds exactly)
# to the array's dtype before computing (NEP 50's weak scalars), which is what PyTorch does with a
# wrapped number, so the results are the slow path's to the bit; `out=...` makes the ufunc return a 0-d
# array instead of a NumPy scalar. Older NumPy takes the general path.
def _fast_binary_supported() -> bool:
    try:
        probe = np.multiply(np.ones((), np.float32), 1e-50, out=...)
    except (TypeError, ValueError):
        return False
    return type(probe) is np.ndarray and probe.dtype == np.float32 and probe == 0


_FAST = _fast_binary_supported()
_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_EXACT_INT = 2**53


def _fast_result(ufunc: np.ufunc, scalar_op: Callable[[Any, Any], Any], x: np.ndarray, b: Any) -> Any:
    """`x OP b` as a new array when it can take the fast path, else None. A one-element x (0-d, or shape (1,) as
    `torch.tensor([1.0])` makes) computes on NumPy scalars: the same float32/float64 arithmetic at half a ufunc
    call's cost, which dominates on one element."""
    dtype = x.dtype
    if dtype is not _F32 and dtype is not _F64:
        return None
    kind = type(b)
    if kind is Tensor:
        y = b.array
        if y.dtype is not dtype or y.shape != x.shape:
            return None
    elif kind is float or (kind is int and -_EXACT_INT < b < _EXACT_INT):
        y = b
    else:
        return None
    rank = x.ndim
    if rank == 0:
        return np.array(scalar_op(x[()], y if y is b else y[()]))
    if rank == 1 and len(x) == 1:
        out = np.empty(1, dtype)  # cheaper than np.array of a one-tuple
        out[0] = scalar_op(x[0], y if y is b else y[0])
        return out
    return ufunc(x, y, out=...)


# --- recording -----------------------------------------------------------------------------------
def _record(
    array: np.ndarray,
    name: str,
    inputs: Sequence[Any],
    rule: autograd.BackwardRule,
    saved: tuple[Tensor, ...] = (),
    broadcast: bool = False,
) -> Tensor:
    """Wrap `array` as an op's output, with a grad_fn node if grad mode is on and an input needs grad."""
    out = Tensor(array)
    if autograd._grad_enabled:
        for x in inputs:
            if type(x) is Tensor and x.requires_grad:
                break
        else:
            return out
        if len(inputs) == 1:  # most ops: a comprehension costs more than the rest of the recording
            only = inputs[0]
            edges = (only.edge() if type(only) is Tensor else None,)
        else:
            edges = tuple([x.edge() if type(x) is Tensor else None for x in inputs])
        shapes = tuple([x.array.shape if type(x) is Tensor else None for x in inputs]) if broadcast else None
        out.grad_fn = autograd.Node(name, edges, rule, shapes, saved)
        out.requires_grad = True
    return out


def _record_view(array: np.ndarray, name: str, x: Tensor, rule: autograd.BackwardRule) -> Tensor:
    """`_record` for an op whose output PyTorch makes a view of `x`: when the NumPy result is one too, the two
    share x's version counter, so an in-place change through either is seen by a node that saved the other."""
    out = _record(array, name, (x,), rule)
    if np.may_share_memory(array, x.array):
        out._version = x._version
        if autograd._grad_enabled:
            base = getattr(x, "_view_of", None)
            _track_view(out, x if base is None else base)
    return out


# --- in-place changes of views (PyTorch's CopySlices and AsStridedBackward0) ---------------------------------------
def _track_view(view: Tensor, base: Tensor) -> None:
    """Remember that `view` shares `base`'s memory (PyTorch's view._base): an in-place change through the view must
    become part of the base's history, and a change of the base part of the view's."""
    view._view_of = base
    views = getattr(base, "_views", None)
    if views is None:
        views = base._views = []
    elif len(views) >= 64 and len(views) & (len(views) - 1) == 0:  # at powers of two: amortised O(1) per view
        views[:] = [ref for ref in views if ref() is not None]
    views.append(weakref.ref(view))


def view_base(x: Tensor) -> Tensor | None:
    """The tensor whose memory the differentiable view `x` shares, or None."""
    return getattr(x, "_view_of", None)


def check_inplace_target(x: Tensor) -> None:
    """PyTorch refuses an in-place change of a leaf that requires grad, or of a view of one, while grad is on."""
    if not autograd._grad_enabled:
        return
    if x.requires_grad and x.grad_fn is None:
        raise runtime_error("a leaf Variable that requires grad is being used in an in-place operation.")
    base = getattr(x, "_view_of", None)
    if base is not None and base.requires_grad and base.grad_fn is None:
        raise runtime_error("a view of a leaf Variable that requires grad is being used in an in-place operation.")


def _positions_in(base: np.ndarray, view: np.ndarray) -> np.ndarray:
    """For each element of `view` (an array over part of `base`'s memory), the index of that element in `base`, as
    a tuple of index arrays (PyTorch's as_strided geometry, found from the two arrays' strides)."""
    item = base.itemsize
    base_low, base_high = _byte_bounds(base)
    view_low, view_high = _byte_bounds(view)
    start = _py.min(base_low, view_low)
    memory = np.full((_py.max(base_high, view_high) - start) // item, -1, dtype=np.int64)

    def laid_out(array: np.ndarray) -> np.ndarray:
        offset = (array.__array_interface__["data"][0] - start) // item
        strides = tuple(stride // item * memory.itemsize for stride in array.strides)
        return np.lib.stride_tricks.as_strided(memory[offset:], array.shape, strides)

    laid_out(base)[...] = np.arange(base.size).reshape(base.shape)
    flat = laid_out(view).copy()
    return np.unravel_index(flat, base.shape)


def _byte_bounds(array: np.ndarray) -> tuple[int, int]:
    """The first and one-past-the-last byte addresses an array's elements occupy."""
    low = high = array.__array_interface__["data"][0]
    for stride, size in zip(array.strides, array.shape, strict=True):
        if size == 0:
            return low, low
        if stride < 0:
            low += stride * (size - 1)
        else:
            high += stride * (size - 1)
    return low, high + array.itemsize


def rebase_views(base: Tensor) -> None:
    """After `base`'s history changed in place, every live view of it reads its values from the new history
    (AsStridedBackward0 over the base's new grad_fn, as PyTorch regenerates a view's grad_fn)."""
    views = getattr(base, "_views", None)
    if not views or not base.requires_grad:
        return
    for ref in views:
        view = ref()
        if view is None:
            continue
        key = _positions_in(base.array, view.array)
        shape = base.array.shape

        def rule(g: Tensor, key: Any = key, shape: tuple[int, ...] = shape) -> tuple[Tensor]:
            array = np.zeros(shape, dtype=g.array.dtype)
            array[key] = g.array
            return (Tensor(array),)

        view.grad_fn = autograd.Node("AsStridedBackward0", (base.edge(),), rule)
        view.requires_grad = True


def record_inplace_on_view(view: Tensor, result: Tensor) -> None:
    """`view.op_(...)` recorded: `result` is the op applied out of place to the view (its grad_fn's first edge is the
    view's old history) and its values are already written into the view. The base's history becomes CopySlices
    around the op's node, as in PyTorch, and every view of the base is rebased onto it."""
    base = view._view_of
    op = result.grad_fn
    key = _positions_in(base.array, view.array)
    op_rule = op.apply_rule
    other_shapes = op.input_shapes[1:] if op.input_shapes is not None else None

    def rule(g: Tensor) -> tuple[Tensor | None, ...]:
        array = g.array.copy()
        grads = op_rule(Tensor(np.asarray(g.array[key])))
        grad_view = grads[0]
        array[key] = 0 if grad_view is None else grad_view.array
        return (Tensor(array), *grads[1:])

    node = autograd.Node("CopySlices", (base.edge(), *op.next_nodes[1:]), rule,
                         (None, *other_shapes) if other_shapes is not None else None, op.saved)
    node.saved_versions = op.saved_versions
    node.had_saved = op.had_saved
    base.grad_fn = node
    base.requires_grad = True
    rebase_views(base)


class _SavedOutput:
    """An op's own output as its backward rule reads it, held without a reference cycle.

    A rule holding the output Tensor (whose grad_fn is the rule's own node) makes a cycle output -> node ->
    rule -> output, so a graph built without a backward pass lived until the cyclic GC ran (a loop of
    `h = x.exp()` over 8 MB tensors peaked at 800 MB). Like PyTorch's SavedVariable for an output, this keeps
    the data, the version counter and a weak reference to the node: called, it gives the output itself while
    that is alive, else a new tensor over the same data whose grad_fn is the node (with create_graph, second
    derivatives still flow through it).
    """

    __slots__ = ("array", "version", "node", "tensor")

    def __init__(self, result: Tensor):
        self.array = result.array
        self.version = result._version
        self.node = weakref.ref(result.grad_fn) if result.grad_fn is not None else None
        self.tensor = weakref.ref(result)

    def __call__(self) -> Tensor:
        tensor = self.tensor()
        if tensor is None:
            node = self.node() if self.node is not None else None
            tensor = Tensor(self.array, node is not None, node)
            tensor._version = self.version
        return tensor


def _output_alias(result: Tensor) -> Tensor:
    """What a node that saved its output keeps in `saved` (for the in-place check): the output's data and
    version counter without its grad_fn, so the node does not keep itself alive."""
    alias = Tensor(result.array)
    alias._version = result._version
    autograd.watch_versions((alias,))
    return alias


def _record_reading_result(
    array: np.ndarray,
    name: str,
    inputs: Sequence[Any],
    rule: Callable[[Tensor, Tensor], Sequence[Tensor | None]],
    saved: tuple[Tensor, ...] = (),
) -> Tensor:
    """`_record` for a rule that reads the op's own output: it gets (grad, result), and with create_graph the
    result carries its history, so second derivatives flow through it as in PyTorch's formulas."""
    holder: list[_SavedOutput] = []
    result = _record(array, name, inputs, lambda g: rule(g, holder[0]()), saved)
    holder.append(_SavedOutput(result))
    return result


def _needs_grad(*inputs: Any) -> bool:
    if not autograd._grad_enabled:
        return False
    return any(type(x) is Tensor and x.requires_grad for x in inputs)


# --- dtype promotion (PyTorch's rules: tensors with dimensions > 0-d tensors > Python numbers) ------
def _scalar_category(value: Any) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return 1
    if isinstance(value, float):
        return 2
    raise type_error(f"unsupported operand type: {type(value).__name__}")


def _promote_pair(a: np.dtype, b: np.dtype) -> np.dtype:
    if a is b:
        return a
    ca, cb = _CATEGORY[a.kind], _CATEGORY[b.kind]
    if ca == cb:
        return np.promote_types(a, b)
    return a if ca > cb else b


def result_dtype(operands: Sequence[Any]) -> np.dtype:
    dim_type: np.dtype | None = None
    zero_type: np.dtype | None = None
    scalar_category = -1
    for x in operands:
        if type(x) is Tensor:
            dt = x.array.dtype
            if x.array.ndim:
                dim_type = dt if dim_type is None else _promote_pair(dim_type, dt)
            else:
                zero_type = dt if zero_type is None else _promote_pair(zero_type, dt)
        else:
            scalar_category = _py.max(scalar_category, _scalar_category(x))
    result = dim_type
    if zero_type is not None and (result is None or _CATEGORY[zero_type.kind] > _CATEGORY[result.kind]):
        result = zero_type
    if result is None or scalar_category > _CATEGORY[result.kind]:
        result = (np.dtype(np.bool_), np.dtype(np.int64), tensor_module.default_float)[scalar_category]
    return result


def _as_array(x: Operand, dtype: np.dtype) -> Any:
    """The operand's data in `dtype` (Python numbers stay Python numbers: NumPy treats them as weak)."""
    if type(x) is Tensor:
        array = x.array
        return array if array.dtype is dtype else array.astype(dtype)
    if dtype.kind == "b":
        return bool(x)
    if dtype.kind != "f" and isinstance(x, float):
        return x
    if dtype.kind in "iu" and type(x) is int:
        return dtype.type(_wrapped_int(x, dtype))
    return dtype.type(x)


def _wrapped_int(x: int, dtype: np.dtype) -> int:
    """A Python int as PyTorch converts it to an integer dtype: through 64 bits, then wrapped around to the
    dtype's width (`uint8_tensor + 300` adds 44, as in C)."""
    if not -(1 << 63) <= x < (1 << 64):
        raise OverflowError("int too big to convert")
    bits = dtype.itemsize * 8
    x &= (1 << bits) - 1
    if dtype.kind == "i" and x >= 1 << (bits - 1):
        x -= 1 << bits
    return x


def _data(x: Operand) -> Any:
    return x.array if type(x) is Tensor else x


def _binary_arrays(a: Operand, b: Operand) -> tuple[Any, Any]:
    if type(a) is Tensor and type(b) is Tensor and a.array.dtype is b.array.dtype:
        return a.array, b.array
    dtype = result_dtype((a, b))
    return _as_array(a, dtype), _as_array(b, dtype)


def _float_arrays(a: Operand, b: Operand) -> tuple[Any, Any]:
    """Operands for true division and the like: integer inputs compute in the default float type."""
    dtype = result_dtype((a, b))
    if dtype.kind != "f":
        dtype = tensor_module.default_float
    return _as_array(a, dtype), _as_array(b, dtype)


def _check_broadcast(a: Any, b: Any) -> None:
    shape_a = a.shape if hasattr(a, "shape") else ()
    shape_b = b.shape if hasattr(b, "shape") else ()
    try:
        shape = np.broadcast_shapes(shape_a, shape_b)
    except ValueError:
        _raise_broadcast(shape_a, shape_b)
    check_size(shape)


def _raise_broadcast(shape_a: tuple[int, ...], shape_b: tuple[int, ...]) -> None:
    ndim = _py.max(len(shape_a), len(shape_b))
    pa = (1,) * (ndim - len(shape_a)) + tuple(shape_a)
    pb = (1,) * (ndim - len(shape_b)) + tuple(shape_b)
    for axis in range(ndim - 1, -1, -1):
        if pa[axis] != pb[axis] and pa[axis] != 1 and pb[axis] != 1:
            error = runtime_error(
                f"The size of tensor a ({pa[axis]}) must match the size of tensor b ({pb[axis]}) at "
                f"non-singleton dimension {axis}"
            )
            error.hint = f"shapes {list(shape_a)} and {list(shape_b)} cannot be broadcast together"
            raise error
    raise runtime_error(f"shapes {list(shape_a)} and {list(shape_b)} cannot be broadcast together")


def _elementwise(ufunc: Callable[[Any, Any], np.ndarray], x: Any, y: Any) -> np.ndarray:
    if hasattr(x, "shape") and hasattr(y, "shape") and x.shape != y.shape:
        _check_broadcast(x, y)
    return np.asarray(ufunc(x, y))


def _tensor(value: Operand, like: Tensor) -> Tensor:
    if type(value) is Tensor:
        return value
    return Tensor(np.asarray(value, dtype=like.array.dtype))


# --- arithmetic ----------------------------------------------------------------------------------
def add(a: Operand, b: Operand, alpha: Scalar = 1) -> Tensor:
    if _FAST and type(a) is Tensor and alpha == 1:
        result = _fast_result(np.add, operator.add, a.array, b)
        if result is not None:
            out = Tensor(result)
            if autograd._grad_enabled and (a.requires_grad or (type(b) is Tensor and b.requires_grad)):
                out.grad_fn = autograd.Node("AddBackward0", (a.edge(), b.edge() if type(b) is Tensor else None),
                                            _identity2, None, ())
                out.requires_grad = True
            return out
    elif _FAST and type(b) is Tensor and alpha == 1:  # a number plus a tensor (`1.0 + w`)
        result = _fast_result(np.add, operator.add, b.array, a)  # the same sum: IEEE addition commutes
        if result is not None:
            out = Tensor(result)
            if autograd._grad_enabled and b.requires_grad:
                out.grad_fn = autograd.Node("AddBackward0", (None, b.edge()), _identity2, None, ())
                out.requires_grad = True
            return out
    x, y = _binary_arrays(a, b)
    if alpha != 1:
        y = y * alpha
    return _record(_elementwise(np.add, x, y), "AddBackward0", (a, b),
                   lambda g: (g, g if alpha == 1 else g * alpha), broadcast=True)


def sub(a: Operand, b: Operand, alpha: Scalar = 1) -> Tensor:
    if _FAST and type(a) is Tensor and alpha == 1:
        result = _fast_result(np.subtract, operator.sub, a.array, b)
        if result is not None:
            out = Tensor(result)
            if autograd._grad_enabled:
                b_grad = type(b) is Tensor and b.requires_grad
                if a.requires_grad or b_grad:
                    out.grad_fn = autograd.Node("SubBackward0", (a.edge(), b.edge() if b_grad else None),
                                                _sub_rule if b_grad else _identity_none, None, ())
                    out.requires_grad = True
            return out
    _check_bool_subtraction(a, b)
    x, y = _binary_arrays(a, b)
    if alpha != 1:
        y = y * alpha
    return _record(_elementwise(np.subtract, x, y), "SubBackward0", (a, b),
                   lambda g: (g, neg(g) if alpha == 1 else neg(g) * alpha), broadcast=True)


def _is_bool(x: Operand) -> bool:
    return isinstance(x, (bool, np.bool_)) or (type(x) is Tensor and x.array.dtype.kind == "b")


def _check_bool_subtraction(a: Operand, b: Operand) -> None:
    """PyTorch refuses `-` with a bool operand (a tensor or a Python bool)."""
    if _is_bool(a) and _is_bool(b):
        raise runtime_error("Subtraction, the `-` operator, with two bool tensors is not supported. "
                            "Use the `^` or `logical_xor()` operator instead.")
    if _is_bool(a) or _is_bool(b):
        raise runtime_error("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying "
                            "to invert a mask, use the `~` or `logical_not()` operator instead.")


def rsub(a: Tensor, b: Operand, alpha: Scalar = 1) -> Tensor:
    """`b - alpha * a` (`torch.rsub`; `2 - x` is rsub with a Python number: RsubBackward1, whose only edge is a)."""
    _check_bool_subtraction(a, b)
    x, y = _binary_arrays(a, b)
    if alpha != 1:
        x = x * alpha
    out = _elementwise(np.subtract, y, x)
    if type(b) is not Tensor:
        return _record(out, "RsubBackward1", (a,), lambda g: (neg(g) if alpha == 1 else neg(g) * alpha,))
    return _record(out, "RsubBackward0", (a, b),
                   lambda g: (neg(g) if alpha == 1 else neg(g) * alpha, g), broadcast=True)


def _identity2(g: Tensor) -> tuple[Tensor, Tensor]:
    return g, g


def _identity_none(g: Tensor) -> tuple[Tensor, None]:
    return g, None


def _sub_rule(g: Tensor) -> tuple[Tensor, Tensor]:
    return g, neg(g)


def mul(a: Operand, b: Operand) -> Tensor:
    if _FAST and type(a) is Tensor:
        result = _fast_result(np.multiply, operator.mul, a.array, b)
        if result is not None:
            out = Tensor(result)
            if autograd._grad_enabled:
                a_grad = a.requires_grad
                b_grad = type(b) is Tensor and b.requires_grad
                if a_grad or b_grad:
                    # The context is only what the rule reads (a chain must not keep every input alive).
                    if not b_grad:
                        node = autograd.Node("MulBackward0", (a.edge(), None), _mul_grad_self, None,
                                             (b,) if type(b) is Tensor else (), b)
                        node.had_saved = True  # PyTorch saves a number operand too: a second backward fails
                    elif not a_grad:
                        node = autograd.Node("MulBackward0", (None, b.edge()), _mul_grad_other, None, (a,), a)
                    else:
                        saved = (b, a)
                        node = autograd.Node("MulBackward0", (a.edge(), b.edge()), _mul_grad_both, None, saved,
                                             saved)
                    out.grad_fn = node
                    out.requires_grad = True
            return out
    elif _FAST and type(b) is Tensor:  # a number times a tensor (`2.0 * w`)
        result = _fast_result(np.multiply, operator.mul, b.array, a)  # IEEE multiplication commutes
        if result is not None:
            out = Tensor(result)
            if autograd._grad_enabled and b.requires_grad:
                out.grad_fn = autograd.Node("MulBackward0", (None, b.edge()), _mul_grad_other, None, (), a)
                out.grad_fn.had_saved = True  # PyTorch saves the number (as a wrapped tensor)
                out.requires_grad = True
            return out
    return _mul(a, b)


def _mul_grad_self(g: Tensor, b: Operand) -> tuple[Tensor, None]:
    return mul(g, b), None


def _mul_grad_other(g: Tensor, a: Operand) -> tuple[None, Tensor]:
    return None, mul(g, a)


def _mul_grad_both(g: Tensor, saved: tuple[Tensor, Tensor]) -> tuple[Tensor, Tensor]:
    b, a = saved
    return mul(g, b), mul(g, a)


def _mul(a: Operand, b: Operand) -> Tensor:
    x, y = _binary_arrays(a, b)
    out = _elementwise(np.multiply, x, y)
    if not _needs_grad(a, b):
        return Tensor(out)
    a_grad = type(a) is Tensor and a.requires_grad
    b_grad = type(b) is Tensor and b.requires_grad
    saved = tuple(t for t, keep in ((b, a_grad), (a, b_grad)) if keep and type(t) is Tensor)
    result = _record(out, "MulBackward0", (a, b),
                     lambda g: (mul(g, b) if a_grad else None, mul(g, a) if b_grad else None),
                     saved, broadcast=True)
    if result.grad_fn is not None:
        result.grad_fn.had_saved = True  # a number operand is saved too (a second backward fails)
    return result


def div(a: Operand, b: Operand, rounding_mode: str | None = None) -> Tensor:
    if rounding_mode is not None:
        x, y = _binary_arrays(a, b)
        fn = {"floor": np.floor_divide, "trunc": lambda p, q: np.trunc(np.true_divide(p, q))}.get(rounding_mode)
        if fn is None:
            raise value_error("div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                              f"'{rounding_mode}'")
        out = _elementwise(fn, x, y).astype(result_dtype((a, b)))
        return _record(out, "DivBackward2", (a, b), lambda g: (mul(g, 0), None), broadcast=True)
    if _FAST and type(a) is Tensor:
        result = _fast_result(np.true_divide, operator.truediv, a.array, b)
        if result is not None:
            out = Tensor(result)
            if autograd._grad_enabled and a.requires_grad and not (type(b) is Tensor and b.requires_grad):
                out.grad_fn = autograd.Node("DivBackward0", (a.edge(), None), _div_grad_self, None,
                                            (b,) if type(b) is Tensor else (), b)
                out.grad_fn.had_saved = True  # PyTorch saves a number divisor too
                out.requires_grad = True
                return out
            if not (autograd._grad_enabled and type(b) is Tensor and b.requires_grad):
                return out
    return _div(a, b)


def _div_grad_self(g: Tensor, b: Operand) -> tuple[Tensor, None]:
    return div(g, b), None


def _div(a: Operand, b: Operand) -> Tensor:
    x, y = _float_arrays(a, b)
    out = _elementwise(np.true_divide, x, y)
    if not _needs_grad(a, b):
        return Tensor(out)
    a_grad = type(a) is Tensor and a.requires_grad
    b_grad = type(b) is Tensor and b.requires_grad
    saved = tuple(t for t in (a, b) if type(t) is Tensor and (b_grad or t is b))
    result = _record(out, "DivBackward0", (a, b),
                     lambda g: (div(g, b) if a_grad else None,
                                mul(neg(g), div(div(a, b), b)) if b_grad else None),
                     saved, broadcast=True)
    if result.grad_fn is not None:
        result.grad_fn.had_saved = True  # a number operand is saved too (a second backward fails)
    return result


def rdiv(a: Tensor, b: Scalar) -> Tensor:
    """`b / a` for a Python number b: PyTorch computes `a.reciprocal() * b` (MulBackward0)."""
    return mul(reciprocal(a), b)


def _integer_division_arrays(a: Operand, b: Operand, kernel: str) -> tuple[Any, Any]:
    """Operands of //, % and fmod, with PyTorch's refusals: no kernel for bool, and an integer division by zero
    is its RuntimeError (not NumPy's silent 0)."""
    _check_broadcast(_data(a), _data(b))  # PyTorch looks at the shapes first
    dtype = result_dtype((a, b))
    if dtype.kind == "b":
        from autodiff.errors import AutodiffError

        raise AutodiffError("NotImplementedError", f'"{kernel}_cpu" not implemented for \'Bool\'')
    x, y = _binary_arrays(a, b)
    if dtype.kind in "iu" and np.any(np.asarray(y) == 0):
        raise runtime_error("ZeroDivisionError")
    return x, y


def floor_divide(a: Operand, b: Operand) -> Tensor:
    x, y = _integer_division_arrays(a, b, "div_floor")

    def rule(g: Tensor) -> tuple[None, ...]:
        raise runtime_error("derivative for aten::floor_divide is not implemented")

    # PyTorch records a node that fails if backward reaches it.
    return _record(_elementwise(np.floor_divide, x, y), "NotImplemented", (a, b) if type(b) is Tensor else (a,), rule)


def _float_remainder(x: Any, y: Any) -> np.ndarray:
    """PyTorch's floating remainder: fmod, moved into the divisor's sign when it is not 0 (so -1 % 0.5 is -0.0
    and 3 % -1.0 is 0.0, where NumPy's mod gives 0.0 and -0.0)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        mod = np.fmod(x, y)
        return np.where((mod != 0) & ((np.asarray(y) < 0) != (mod < 0)), mod + y, mod)


def remainder(a: Operand, b: Operand) -> Tensor:
    """Python's modulo (the sign of the divisor); d/d other = -floor(a / b)."""
    kernel = _float_remainder if result_dtype((a, b)).kind == "f" else np.mod
    return _modulo(a, b, "remainder", kernel, "Remainder", np.floor_divide)


def fmod(a: Operand, b: Operand) -> Tensor:
    """C's fmod (the sign of the dividend); d/d other = -trunc(a / b)."""
    return _modulo(a, b, "fmod", np.fmod, "Fmod", lambda p, q: np.trunc(np.true_divide(p, q)))


def _modulo(a: Operand, b: Operand, kernel: str, ufunc: Callable[..., np.ndarray], name: str,
            quotient: Callable[..., np.ndarray]) -> Tensor:
    if type(a) is not Tensor:
        a = Tensor(np.asarray(a, dtype=result_dtype((a, b))))
    x, y = _integer_division_arrays(a, b, kernel)
    out = _elementwise(ufunc, x, y)
    if type(b) is not Tensor:
        return _record(out, f"{name}Backward0", (a,), lambda g: (g,))

    def rule(g: Tensor) -> tuple[Tensor, Tensor]:
        return g, mul(neg(g), Tensor(np.asarray(quotient(a.array, b.array)).astype(g.array.dtype)))

    return _record(out, f"{name}Backward1", (a, b), rule, (a, b), broadcast=True)


def neg(a: Tensor) -> Tensor:
    if a.array.dtype.kind == "b":
        raise runtime_error("Negation, the `-` operator, on a bool tensor is not supported. "
                            "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    return _record(np.negative(a.array), "NegBackward0", (a,), lambda g: (neg(g),))


def pow(a: Operand, b: Operand) -> Tensor:  # noqa: A001 - torch.pow
    if type(a) is not Tensor:
        return _pow_scalar_base(a, b)
    if type(b) is not Tensor:
        return _pow_scalar_exponent(a, b)
    x, y = _binary_arrays(a, b)
    out = _elementwise(_power, x, y)
    result_holder: list[Tensor] = []

    def rule(g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        grad_self = grad_exp = None
        if a.requires_grad:
            grad_self = where(eq(b, 0.0), zeros_scalar(g), mul(g, mul(b, pow(a, sub(b, 1)))))
        if b.requires_grad:
            result = result_holder[0]
            zero_case = logical_and(eq(a, 0.0), ge(b, 0))
            grad_exp = mul(g, where(zero_case, zeros_scalar(g), mul(result, log(a))))
        return grad_self, grad_exp

    result = _record(out, "PowBackward1", (a, b), rule, (a, b), broadcast=True)
    result_holder.append(result.detach())
    return result


def _pow_scalar_exponent(a: Tensor, exponent: Scalar) -> Tensor:
    x = a.array
    dtype = x.dtype
    if _FAST and (dtype is _F32 or dtype is _F64) and (
            type(exponent) is float or (type(exponent) is int and -_EXACT_INT < exponent < _EXACT_INT)):
        # A float tensor keeps its dtype; the exponent is cast to it (NEP 50), as below.
        out = _float_power_scalar(x, exponent)
    else:
        if x.dtype.kind in "iu" and isinstance(exponent, int) and exponent < 0:
            raise runtime_error("Integers to negative integer powers are not allowed.")
        dtype = result_dtype((a, exponent))
        x = _as_array(a, dtype)
        if dtype.kind == "f":
            out = _float_power_scalar(x, exponent)
        elif exponent == 2:
            out = np.square(x)
        elif exponent == 1:
            out = x.copy()
        else:
            out = np.power(x, exponent)

    result = _record(np.asarray(out), "PowBackward0", (a,), _pow_grad_scalar_exponent, (a,))
    if result.grad_fn is not None:
        result.grad_fn.context = (a, exponent)
    return result


def _pow_grad_scalar_exponent(g: Tensor, context: tuple[Tensor, Scalar]) -> tuple[Tensor]:
    a, exponent = context
    if exponent == 0:
        return (zeros_like(a),)
    if exponent == 2 and not autograd._grad_enabled:
        # `a ** 1` is `a` to the bit; when the gradient's own graph is recorded (create_graph) it shows PyTorch's
        # PowBackward0 for it, so only an unrecorded pass leaves that op out.
        return (mul(g, mul(2.0, a)),)
    return (mul(g, mul(float(exponent), pow(a, float(exponent) - 1.0))),)


def _pow_scalar_base(base: Scalar, exponent: Tensor) -> Tensor:
    dtype = result_dtype((base, exponent))
    y = _as_array(exponent, dtype)
    out = np.asarray(_power(_as_array(base, dtype), y))
    holder: list[Tensor] = []

    def rule(g: Tensor) -> tuple[Tensor]:
        if base == 0:
            log_base = math.log(base) if base > 0 else math.nan
            return (mul(g, where(ge(exponent, 0), zeros_scalar(g), mul(holder[0], log_base))),)
        return (mul(g, mul(holder[0], math.log(base) if base > 0 else math.nan)),)

    result = _record(out, "PowBackward2", (exponent,), rule, (exponent,))
    holder.append(result.detach())
    return result


def _power(x: Any, y: Any) -> np.ndarray:
    """Elementwise power: floats through transcendental.power (the same bits everywhere), integers exactly."""
    dtype = np.result_type(x, y)
    if dtype.kind == "f":
        return transcendental.power(np.asarray(x, dtype), np.asarray(y, dtype))
    return np.power(x, y)


def _float_power_scalar(x: np.ndarray, exponent: Scalar) -> np.ndarray:
    """A float tensor to a number's power as PyTorch's kernel does it: the exponents 2, 3, -2 by
    multiplication, 0.5 / -0.5 / -1 as sqrt, 1/sqrt and 1/x, any other through pow."""
    if exponent == 2:
        return np.square(x)
    one = x.dtype.type(1)
    if exponent == 3:
        return x * x * x
    if exponent == -2:
        return one / (x * x)
    if exponent == 0.5:
        return np.sqrt(x)
    if exponent == -0.5:
        return one / np.sqrt(x)
    if exponent == -1:
        return one / x
    if exponent == 1:
        return x.copy()
    return transcendental.power(x, np.asarray(exponent, x.dtype))


def zeros_scalar(like: Tensor) -> Tensor:
    return Tensor(np.zeros((), dtype=like.array.dtype))


# --- comparisons and logic (no gradient) -----------------------------------------------------------
def _compare(ufunc: Callable[[Any, Any], np.ndarray]) -> Callable[[Operand, Operand], Tensor]:
    def compare(a: Operand, b: Operand) -> Tensor:
        x, y = _binary_arrays(a, b)
        return Tensor(_elementwise(ufunc, x, y))

    compare.__name__ = ufunc.__name__
    return compare


eq = _compare(np.equal)
ne = _compare(np.not_equal)
lt = _compare(np.less)
le = _compare(np.less_equal)
gt = _compare(np.greater)
ge = _compare(np.greater_equal)
logical_and = _compare(np.logical_and)
logical_or = _compare(np.logical_or)
logical_xor = _compare(np.logical_xor)


def logical_not(a: Tensor) -> Tensor:
    return Tensor(np.logical_not(a.array))


def bitwise_not(a: Tensor) -> Tensor:
    if a.array.dtype.kind == "f":
        raise type_error("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return Tensor(np.invert(a.array))


def _bitwise(ufunc: Callable[[Any, Any], np.ndarray], kernel: str) -> Callable[[Operand, Operand], Tensor]:
    """`&`, `|`, `^` on tensors: bitwise on integers and bools (PyTorch's bitwise_and/or/xor), an error on
    floating-point tensors."""

    def bitwise(a: Operand, b: Operand) -> Tensor:
        _check_broadcast(_data(a), _data(b))  # PyTorch looks at the shapes first
        dtype = result_dtype((a, b))
        if dtype.kind == "f":
            from autodiff.errors import AutodiffError

            raise AutodiffError("NotImplementedError", f'"{kernel}_cpu" not implemented for '
                                f"'{_SCALAR_TYPE_NAMES.get(dtype.name, dtype.name)}'")
        x, y = _binary_arrays(a, b)
        return Tensor(_elementwise(ufunc, x, y))

    bitwise.__name__ = kernel
    return bitwise


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")


def equal(a: Tensor, b: Tensor) -> bool:
    return a.array.shape == b.array.shape and bool(np.array_equal(a.array, b.array))


def allclose(a: Tensor, b: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    return bool(np.allclose(a.array, b.array, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(a: Tensor, b: Operand, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    other = b.array if type(b) is Tensor else b
    if type(b) is Tensor and b.array.shape != a.array.shape:
        _check_broadcast(a.array, other)
    return Tensor(np.isclose(a.array, other, rtol=rtol, atol=atol, equal_nan=equal_nan))


# --- elementwise unary ops: one row each ------------------------------------------------------------
def _sign(a: np.ndarray) -> np.ndarray:
    """PyTorch's sign: (0 < x) - (x < 0), so nan's sign is 0 (NumPy's is nan); a bool stays itself."""
    if a.dtype.kind == "b":
        return a.copy()
    return ((a > 0).astype(a.dtype) - (a < 0).astype(a.dtype)).astype(a.dtype, copy=False)


def _sign_of(x: Tensor) -> Tensor:
    return Tensor(_sign(x.array))


def _mask(condition: np.ndarray, like: Tensor) -> Tensor:
    return Tensor(condition.astype(like.array.dtype))


def _fn(name: str) -> Callable[[np.ndarray], np.ndarray]:
    """A transcendental function with the same bits on every machine (see engine/transcendental.py)."""
    return lambda a: transcendental.apply(name, a)


# name: (grad_fn name, forward on arrays, rule(grad, self, result), what the rule saves)
UNARY: dict[str, tuple[str, Callable[[np.ndarray], np.ndarray], Callable[[Tensor, Tensor, Tensor], Tensor], str]] = {
    "exp": ("ExpBackward0", _fn("exp"), lambda g, x, y: mul(g, y), "result"),
    "log": ("LogBackward0", _fn("log"), lambda g, x, y: div(g, x), "self"),
    "log2": ("Log2Backward0", _fn("log2"), lambda g, x, y: div(g, mul(x, math.log(2.0))), "self"),
    "log10": ("Log10Backward0", _fn("log10"), lambda g, x, y: div(g, mul(x, math.log(10.0))), "self"),
    "log1p": ("Log1PBackward0", _fn("log1p"), lambda g, x, y: div(g, add(x, 1)), "self"),
    "expm1": ("Expm1Backward0", _fn("expm1"), lambda g, x, y: mul(g, add(y, 1)), "result"),
    "sqrt": ("SqrtBackward0", np.sqrt, lambda g, x, y: div(g, mul(2, y)), "result"),
    "rsqrt": ("RsqrtBackward0", lambda a: 1 / np.sqrt(a), lambda g, x, y: mul(mul(-0.5, g), pow(y, 3)), "result"),
    "abs": ("AbsBackward0", np.abs, lambda g, x, y: mul(g, _sign_of(x)), "self"),
    "sin": ("SinBackward0", _fn("sin"), lambda g, x, y: mul(g, cos(x)), "self"),
    "cos": ("CosBackward0", _fn("cos"), lambda g, x, y: mul(g, neg(sin(x))), "self"),
    "tan": ("TanBackward0", _fn("tan"), lambda g, x, y: mul(g, add(pow(y, 2), 1)), "result"),
    "tanh": ("TanhBackward0", _fn("tanh"), lambda g, x, y: tanh_backward(g, y), "result"),
    "sinh": ("SinhBackward0", _fn("sinh"), lambda g, x, y: mul(g, cosh(x)), "self"),
    "cosh": ("CoshBackward0", _fn("cosh"), lambda g, x, y: mul(g, sinh(x)), "self"),
    "asin": ("AsinBackward0", _fn("asin"), lambda g, x, y: mul(g, pow(rsub(mul(x, x), 1), -0.5)), "self"),
    "acos": ("AcosBackward0", _fn("acos"), lambda g, x, y: mul(g, neg(pow(rsub(mul(x, x), 1), -0.5))), "self"),
    "atan": ("AtanBackward0", _fn("atan"), lambda g, x, y: div(g, add(mul(x, x), 1)), "self"),
    "sigmoid": ("SigmoidBackward0", lambda a: _sigmoid(a), lambda g, x, y: sigmoid_backward(g, y), "result"),
    "relu": ("ReluBackward0", lambda a: np.maximum(a, 0).astype(a.dtype, copy=False),
             lambda g, x, y: _threshold_backward(g, y), "result"),
    "reciprocal": ("ReciprocalBackward0",
                   lambda a: np.reciprocal(a.astype(tensor_module.default_float) if a.dtype.kind != "f" else a),
                   lambda g, x, y: mul(neg(g), mul(y, y)), "result"),
    "sign": ("SignBackward0", _sign, lambda g, x, y: mul(g, 0), ""),
    "floor": ("FloorBackward0", np.floor, lambda g, x, y: mul(g, 0), ""),
    "ceil": ("CeilBackward0", np.ceil, lambda g, x, y: mul(g, 0), ""),
    "round": ("RoundBackward0", np.round, lambda g, x, y: mul(g, 0), ""),
    "trunc": ("TruncBackward0", np.trunc, lambda g, x, y: mul(g, 0), ""),
    "frac": ("FracBackward0", lambda a: a - np.trunc(a), lambda g, x, y: g, ""),
    "erf": ("ErfBackward0", lambda a: _erf(a),
            lambda g, x, y: mul(mul(g, 2.0 / math.sqrt(math.pi)), exp(neg(mul(x, x)))), "self"),
}

_FLOAT_ONLY = {"exp", "log", "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt", "sin", "cos", "tan", "tanh",
               "sinh", "cosh", "asin", "acos", "atan", "sigmoid", "erf"}


def tanh_backward(g: Tensor, y: Tensor) -> Tensor:
    """aten::tanh_backward, `g * (1 - y * y)` of tanh's output y, with `1 - y * y` one fused multiply-add (GCC
    contracts ATen's vector and scalar code alike, so PyTorch's bits are these on every x86-64 machine);
    recorded as TanhBackwardBackward0 with edges (grad, output), PyTorch's double-backward formulas."""
    dtype = np.result_type(g.array, y.array)
    out = (g.array.astype(dtype, copy=False) * transcendental.one_minus_square(y.array.astype(dtype, copy=False)))

    def rule(gg: Tensor) -> tuple[Tensor, Tensor]:
        return tanh_backward(gg, y), mul(gg, mul(mul(y, -2), g))

    return _record(np.asarray(out, dtype), "TanhBackwardBackward0", (g, y), rule)


def sigmoid_backward(g: Tensor, y: Tensor) -> Tensor:
    """aten::sigmoid_backward, `g * (1 - y) * y` of sigmoid's output y, recorded as SigmoidBackwardBackward0
    with edges (grad, output), PyTorch's double-backward formulas."""
    dtype = np.result_type(g.array, y.array)
    wide_y = y.array.astype(dtype, copy=False)
    out = (g.array.astype(dtype, copy=False) * (dtype.type(1) - wide_y)) * wide_y

    def rule(gg: Tensor) -> tuple[Tensor, Tensor]:
        return sigmoid_backward(gg, y), mul(mul(gg, g), add(mul(y, -2), 1))

    return _record(np.asarray(out, dtype), "SigmoidBackwardBackward0", (g, y), rule)


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return transcendental.sigmoid(a)


def _erf(a: np.ndarray) -> np.ndarray:
    return transcendental.apply("erf", a)


def _unary_grad(g: Tensor, context: tuple[Callable[[Tensor, Any, Any], Tensor], Tensor | None,
                                          list[_SavedOutput]]) -> tuple[Tensor]:
    formula, x, holder = context
    return (formula(g, x, holder[0]() if holder else None),)


# Ops PyTorch has no kernel for on some dtypes: (kernel name, kinds it refuses).
_NO_KERNEL = {"floor": ("floor_vml", "b"), "ceil": ("ceil_vml", "b"), "round": ("round_vml", "b"),
              "trunc": ("trunc_vml", "b"), "frac": ("frac", "biu"), "abs": ("abs", "b")}


def _make_unary(op_name: str) -> Callable[[Tensor], Tensor]:
    grad_fn_name, forward, formula, saves = UNARY[op_name]
    float_only = op_name in _FLOAT_ONLY
    refused = _NO_KERNEL.get(op_name)

    def unary(x: Tensor) -> Tensor:
        array = x.array
        if refused is not None and array.dtype.kind in refused[1]:
            from autodiff.errors import AutodiffError

            raise AutodiffError("NotImplementedError", f'"{refused[0]}_cpu" not implemented for '
                                f"'{_SCALAR_TYPE_NAMES.get(array.dtype.name, array.dtype.name)}'")
        if float_only and array.dtype.kind != "f":
            array = array.astype(tensor_module.default_float)
        out = np.asarray(forward(array))
        if not (autograd._grad_enabled and x.requires_grad):
            return Tensor(out)
        holder: list[_SavedOutput] = []
        saved = (x,) if saves == "self" else ()
        result = _record(out, grad_fn_name, (x,), _unary_grad, saved)
        # Only a rule that reads its input keeps it alive (`exp(h)` frees h once nothing else needs it).
        result.grad_fn.context = (formula, x if saves == "self" else None, holder)
        if saves == "result":
            # The rule reads the output; save it like PyTorch does (an in-place change is detected).
            holder.append(_SavedOutput(result))
            result.grad_fn.saved = (_output_alias(result),)
            result.grad_fn.saved_versions = (0,)
            result.grad_fn.had_saved = True
            result.grad_fn.saves_output = True
        return result

    unary.__name__ = op_name
    return unary


exp = _make_unary("exp")
log = _make_unary("log")
log2 = _make_unary("log2")
log10 = _make_unary("log10")
log1p = _make_unary("log1p")
expm1 = _make_unary("expm1")
sqrt = _make_unary("sqrt")
rsqrt = _make_unary("rsqrt")
abs = _make_unary("abs")  # noqa: A001 - torch.abs
sin = _make_unary("sin")
cos = _make_unary("cos")
tan = _make_unary("tan")
tanh = _make_unary("tanh")
sinh = _make_unary("sinh")
cosh = _make_unary("cosh")
asin = _make_unary("asin")
acos = _make_unary("acos")
atan = _make_unary("atan")
sigmoid = _make_unary("sigmoid")
relu = _make_unary("relu")
reciprocal = _make_unary("reciprocal")
sign = _make_unary("sign")
floor = _make_unary("floor")
ceil = _make_unary("ceil")
round = _make_unary("round")  # noqa: A001 - torch.round
trunc = _make_unary("trunc")
frac = _make_unary("frac")
erf = _make_unary("erf")


def square(x: Tensor) -> Tensor:
    return pow(x, 2)


def clamp(x: Tensor, min: Operand | None = None, max: Operand | None = None) -> Tensor:  # noqa: A002
    if min is None and max is None:
        raise runtime_error("torch.clamp: At least one of 'min' or 'max' must not be None")
    lo = min.array if type(min) is Tensor else min
    hi = max.array if type(max) is Tensor else max
    array = x.array
    for bound in (lo, hi):
        if isinstance(bound, np.ndarray) and bound.shape != array.shape:
            _check_broadcast(array, bound)
    if isinstance(lo, np.ndarray) and isinstance(hi, np.ndarray):
        check_size(np.broadcast_shapes(array.shape, lo.shape, hi.shape))
    out = array
    if lo is not None:
        out = _clamp_below(out, lo)
    if hi is not None:
        out = _clamp_above(out, hi)
    out = np.asarray(out).astype(result_dtype([t for t in (x, min, max) if t is not None]), copy=False)
    if not (type(min) is Tensor or type(max) is Tensor):
        def rule(g: Tensor) -> tuple[Tensor]:
            keep = np.ones(array.shape, dtype=bool)
            if lo is not None:
                keep &= array >= lo
            if hi is not None:
                keep &= array <= hi
            return (where(Tensor(keep), g, 0.0),)

        return _record(out, "ClampBackward1", (x,), rule, (x,))

    def tensor_rule(g: Tensor) -> tuple[Tensor, Tensor | None, Tensor | None]:
        # PyTorch's clamp_backward_min_max: where min > max the result is max, so max gets the gradient.
        if lo is not None and hi is not None:
            return (where(Tensor((array >= lo) & (array <= hi)), g, 0.0),
                    where(Tensor((array < lo) & (lo < hi)), g, 0.0),
                    where(Tensor((array > hi) | (hi < lo)), g, 0.0))
        if lo is not None:
            return where(Tensor(array >= lo), g, 0.0), where(Tensor(array < lo), g, 0.0), None
        return where(Tensor(array <= hi), g, 0.0), None, where(Tensor(array > hi), g, 0.0)

    if min is not None and max is not None and (type(min) is Tensor) != (type(max) is Tensor):
        got = ", ".join("Tensor" if type(bound) is Tensor else type(bound).__name__ for bound in (min, max))
        marked = ", ".join(f"!{part}!" for part in got.split(", "))
        raise type_error(
            f"clamp() received an invalid combination of arguments - got ({got}), but expected one of:\n"
            " * (Tensor min = None, Tensor max = None)\n"
            f"      didn't match because some of the arguments have invalid types: ({marked})\n"
            " * (Number min = None, Number max = None)\n"
            f"      didn't match because some of the arguments have invalid types: ({marked})\n")
    bounds = tuple(bound if type(bound) is Tensor else None for bound in (min, max))
    saved = tuple(t for t in (x, *bounds) if t is not None)
    return _record(out, "ClampBackward0", (x, *bounds), tensor_rule, saved, broadcast=True)


def _clamp_below(array: Any, bound: Any) -> Any:
    """PyTorch's clamp to a lower bound: an element equal to it stays itself (-0.0 stays -0.0), a nan element
    stays nan, a nan bound gives nan."""
    return np.where((np.asarray(array) < bound) | (np.asarray(bound) != bound), bound, array)


def _clamp_above(array: Any, bound: Any) -> Any:
    return np.where((np.asarray(array) > bound) | (np.asarray(bound) != bound), bound, array)


def clamp_min(x: Tensor, min: Scalar) -> Tensor:  # noqa: A002
    out = np.asarray(_clamp_below(x.array, min)).astype(x.array.dtype)
    return _record(out, "ClampMinBackward0", (x,), lambda g: (mul(g, _mask(x.array >= min, g)),), (x,))


def clamp_max(x: Tensor, max: Scalar) -> Tensor:  # noqa: A002
    out = np.asarray(_clamp_above(x.array, max)).astype(x.array.dtype)
    return _record(out, "ClampMaxBackward0", (x,), lambda g: (mul(g, _mask(x.array <= max, g)),), (x,))


def _both_tensors(name: str, a: Any, b: Any) -> None:
    """torch.maximum(x, 2.0) is a TypeError in PyTorch (no Python-number overload)."""
    for position, (label, value) in enumerate((("input", a), ("other", b)), start=1):
        if type(value) is not Tensor:
            raise type_error(f"{name}(): argument '{label}' (position {position}) must be Tensor, not "
                             f"{type(value).__name__}")


def maximum(a: Tensor, b: Tensor) -> Tensor:
    _both_tensors("maximum", a, b)
    x, y = _binary_arrays(a, b)
    out = _elementwise(np.maximum, x, y)

    def rule(g: Tensor) -> tuple[Tensor, Tensor]:
        tie = eq(a, b)
        half = where(tie, div(g, 2), g)
        return (mul(half, _mask(~(x < y), g)), mul(half, _mask(~(x > y), g)))

    return _record(out, "MaximumBackward0", (a, b), rule, (a, b), broadcast=True)


def minimum(a: Tensor, b: Tensor) -> Tensor:
    _both_tensors("minimum", a, b)
    x, y = _binary_arrays(a, b)
    out = _elementwise(np.minimum, x, y)

    def rule(g: Tensor) -> tuple[Tensor, Tensor]:
        tie = eq(a, b)
        half = where(tie, div(g, 2), g)
        return (mul(half, _mask(~(x > y), g)), mul(half, _mask(~(x < y), g)))

    return _record(out, "MinimumBackward0", (a, b), rule, (a, b), broadcast=True)


def where(condition: Tensor, a: Operand, b: Operand) -> Tensor:
    cond = condition.array if type(condition) is Tensor else np.asarray(condition)
    if cond.dtype.kind != "b":
        raise runtime_error("where expected condition to be a boolean tensor, but got a tensor with dtype "
                            f"{condition.dtype}")
    x, y = _binary_arrays(a, b)
    shape = cond.shape  # PyTorch broadcasts condition with self, then the result with other
    for operand in (x, y):
        other = np.shape(operand)
        try:
            shape = np.broadcast_shapes(shape, other)
        except ValueError:
            _raise_broadcast(shape, other)
    check_size(shape)
    out = np.asarray(np.where(cond, x, y))

    def rule(g: Tensor) -> tuple[Tensor, Tensor]:
        zero = np.zeros((), dtype=g.array.dtype)
        return (_record(np.where(cond, g.array, zero), "WhereBackward0", (g, 0.0),
                        lambda gg: (where(condition, gg, 0.0), None)),
                _record(np.where(cond, zero, g.array), "WhereBackward0", (0.0, g),
                        lambda gg: (None, where(condition, 0.0, gg))))

    # The condition is no input of the node (PyTorch's WhereBackward0 has edges self, other only).
    return _record(out, "WhereBackward0", (a, b), rule, (condition,), broadcast=True)


# --- matrix products -------------------------------------------------------------------------------
def _shape_error(name: str, a: Tensor, b: Tensor, detail: str) -> Exception:
    return runtime_error(f"{detail} ({name} of shapes {list(a.shape)} and {list(b.shape)})")


def _matmul_dtype(a: Tensor, b: Tensor) -> None:
    if a.array.dtype != b.array.dtype:
        raise runtime_error(
            f"expected m1 and m2 to have the same dtype, but got: {_dtype_name(a)} != {_dtype_name(b)}")


def _dtype_name(t: Tensor) -> str:
    return {"float32": "float", "float64": "double", "int64": "long int", "int32": "int", "bool": "bool"}.get(
        t.dtype.name, t.dtype.name)


def mm(a: Tensor, b: Tensor) -> Tensor:
    if a.array.ndim != 2:
        raise runtime_error("self must be a matrix")
    if b.array.ndim != 2:
        raise runtime_error("mat2 must be a matrix")
    if a.array.shape[1] != b.array.shape[0]:
        error = runtime_error(
            f"mat1 and mat2 shapes cannot be multiplied ({a.array.shape[0]}x{a.array.shape[1]} and "
            f"{b.array.shape[0]}x{b.array.shape[1]})")
        error.hint = (f"the first matrix has {a.array.shape[1]} columns but the second has {b.array.shape[0]} rows; "
                      "they must be equal (transpose one with .t()?)")
        raise error
    _matmul_dtype(a, b)
    check_size((a.array.shape[0], b.array.shape[1]))
    out = products.matmul(a.array, b.array)
    return _record(out, "MmBackward0", (a, b),
                   lambda g: (mm(g, t(b)) if a.requires_grad else None, mm(t(a), g) if b.requires_grad else None),
                   _saved_for_product(a, b))


def _saved_for_product(a: Tensor, b: Tensor) -> tuple[Tensor, ...]:
    """What PyTorch saves for a product's backward: each factor only if the other one needs a gradient (an
    in-place change of a factor nobody differentiates through is no error)."""
    return tuple(t for t, keep in ((a, b.requires_grad), (b, a.requires_grad)) if keep)


def mv(a: Tensor, v: Tensor) -> Tensor:
    if a.array.ndim != 2 or v.array.ndim != 1:
        raise runtime_error(f"vector + matrix @ vector expected, got {a.array.ndim}, {v.array.ndim}")
    if a.array.shape[1] != v.array.shape[0]:
        raise runtime_error(
            f"size mismatch, got input ({a.array.shape[0]}), mat ({a.array.shape[0]}x{a.array.shape[1]}), "
            f"vec ({v.array.shape[0]})")
    _matmul_dtype(a, v)
    return _record(products.mv(a.array, v.array), "MvBackward0", (a, v),
                   lambda g: (outer(g, v) if a.requires_grad else None, mv(t(a), g) if v.requires_grad else None),
                   _saved_for_product(a, v))


def dot(a: Tensor, b: Tensor) -> Tensor:
    if a.array.ndim != 1 or b.array.ndim != 1:
        raise runtime_error(f"1D tensors expected, but got {a.array.ndim}D and {b.array.ndim}D tensors")
    if a.array.shape[0] != b.array.shape[0]:
        raise runtime_error(
            f"inconsistent tensor size, expected tensor [{a.array.shape[0]}] and src [{b.array.shape[0]}] to have "
            f"the same number of elements, but got {a.array.shape[0]} and {b.array.shape[0]} elements respectively")
    _matmul_dtype(a, b)
    return _record(products.dot(a.array, b.array), "DotBackward0", (a, b),
                   lambda g: (mul(g, b) if a.requires_grad else None, mul(g, a) if b.requires_grad else None),
                   _saved_for_product(a, b))


def outer(a: Tensor, b: Tensor) -> Tensor:
    return mul(reshape(a, (-1, 1)), b)


def matmul(a: Tensor, b: Tensor) -> Tensor:
    if type(a) is not Tensor or type(b) is not Tensor:
        raise type_error("matmul(): argument 'other' must be Tensor")
    da, db = a.array.ndim, b.array.ndim
    if da == 0 or db == 0:
        raise runtime_error(f"both arguments to matmul need to be at least 1D, but they are {da}D and {db}D")
    if da == 1 and db == 1:
        return dot(a, b)
    if da == 2 and db == 1:
        return mv(a, b)
    if da == 1 and db == 2:
        if a.array.shape[0] != b.array.shape[0]:
            raise runtime_error(
                f"mat1 and mat2 shapes cannot be multiplied (1x{a.array.shape[0]} and "
                f"{b.array.shape[0]}x{b.array.shape[1]})")
        return _renamed(squeeze(mm(unsqueeze(a, 0), b), 0), "SqueezeBackward4")  # PyTorch squeezes in place
    if da == 2 and db == 2:
        return mm(a, b)
    if da >= 3 and db <= 2 and a.array.flags.c_contiguous:
        # PyTorch folds the batch dims into one matrix: view, mm (or mv), then _unsafe_view.
        folded = (mv if db == 1 else mm)(reshape(a, (-1, a.array.shape[-1])), b)
        return unsafe_view(folded, a.array.shape[:-1] + b.array.shape[1:])
    return _batched_matmul(a, b)


def _batched_matmul(a: Tensor, b: Tensor) -> Tensor:
    x, y = a.array, b.array
    # PyTorch broadcasts the batch dimensions, then runs bmm on [batch, n, m1] @ [batch, m2, p].
    batch_x, batch_y = x.shape[:-2], y.shape[:-2]
    try:
        batch = np.broadcast_shapes(batch_x, batch_y)
    except ValueError:
        try:
            _raise_broadcast(batch_x, batch_y)
        except Exception as error:  # the AutodiffError naming the first dimension that differs
            error.hint = (f"matmul of shapes {list(x.shape)} and {list(y.shape)}: the batch dimensions "
                          f"{list(batch_x)} and {list(batch_y)} cannot be broadcast together")
            raise
    m1, m2 = x.shape[-1], (y.shape[-2] if y.ndim > 1 else y.shape[0])
    if m1 != m2:
        count = math.prod(batch)
        error = runtime_error(f"Expected size for first two dimensions of batch2 tensor to be: [{count}, {m1}] "
                              f"but got: [{count}, {m2}].")
        error.hint = (f"matmul of shapes {list(x.shape)} and {list(y.shape)}: the last dimension of the first "
                      f"({m1}) must equal the second-to-last dimension of the second ({m2})")
        raise error
    check_size(batch + x.shape[-2:-1] + y.shape[-1:] if y.ndim > 1 else batch + x.shape[-2:-1])
    _matmul_dtype(a, b)
    if x.ndim == 1:
        out = products.matmul(x[None, :], y)[..., 0, :]
    elif y.ndim == 1:
        out = products.matmul(x, y[:, None])[..., 0]
    else:
        out = products.matmul(x, y)

    def rule(g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        ga = gb = None
        if a.requires_grad:
            if y.ndim == 1:
                ga = mul(unsqueeze(g, -1), b)
            else:
                ga = matmul(g, transpose(b, -1, -2))
        if b.requires_grad:
            if x.ndim == 1:
                gb = mul(unsqueeze(a, -1), unsqueeze(g, -2))
            elif y.ndim == 1:
                gb = squeeze(matmul(transpose(a, -1, -2), unsqueeze(g, -1)), -1)
            else:
                gb = matmul(transpose(a, -1, -2), g)
        return ga, gb

    return _record(out, "UnsafeViewBackward0", (a, b), rule, _saved_for_product(a, b), broadcast=True)


# --- reductions -------------------------------------------------------------------------------------
def _dims(x: Tensor, dim: int | Sequence[int] | None) -> tuple[int, ...]:
    ndim = x.array.ndim
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    return tuple(_wrap_dim(d, ndim) for d in dims)


def _wrap_dim(dim: int, ndim: int) -> int:
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise type_error(f"dim must be an int, got {type(dim).__name__}")
    size = _py.max(ndim, 1)
    if not -size <= dim < size:
        raise index_error(f"Dimension out of range (expected to be in range of [{-size}, {size - 1}], but got {dim})")
    return dim % size if ndim else 0


def _expand_reduced(g: Tensor, x_shape: tuple[int, ...], dims: tuple[int, ...], keepdim: bool) -> Tensor:
    """PyTorch's sum_backward: unsqueeze the reduced dims (unless kept) and expand to the input's shape."""
    if not keepdim and x_shape:
        for d in sorted(dims):
            g = unsqueeze(g, d)
    return expand(g, x_shape)


def _sum_dtype(x: Tensor, dtype: Any) -> np.dtype:
    if dtype is not None:
        return to_numpy_dtype(dtype)
    return np.dtype(np.int64) if x.array.dtype.kind in "biu" else x.array.dtype


def sum(x: Tensor, dim: int | Sequence[int] | None = None, keepdim: bool = False, dtype: Any = None) -> Tensor:  # noqa: A001
    shape = x.array.shape
    out_dtype = _sum_dtype(x, dtype)
    if dim is None:
        out = reductions.sum_array(x.array, None, False, out_dtype)
        return _record(out, "SumBackward0", (x,), lambda g: (expand(g, shape),))
    dims = _dims(x, dim) if not _empty_dims(dim) else tuple(range(x.array.ndim))  # dim=[]: every dim
    out = reductions.sum_array(x.array, dims, keepdim, out_dtype)
    return _record(out, "SumBackward1", (x,), lambda g: (_expand_reduced(g, shape, dims, keepdim),))


def _empty_dims(dim: Any) -> bool:
    return isinstance(dim, (list, tuple)) and not dim


def sum_to_size(g: Tensor, shape: Sequence[int]) -> Tensor:
    """Sum a gradient over broadcast dimensions so it has `shape` (undoing broadcasting), as PyTorch's
    `at::sum_to` does it: a full sum for a 0-d shape, else a keepdim sum over the leading and the size-1
    dims, then a view without the leading ones."""
    shape = tuple(shape)
    if g.array.shape == shape:
        return g
    lead = g.array.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and g.array.shape[i + lead] != 1)
    if not shape:
        out = reductions.sum_array(g.array, None)
    elif axes:
        out = reductions.sum_array(g.array, axes, True)
    else:
        out = g.array
    if lead and shape:
        out = out.reshape(out.shape[lead:])
    name = "SumBackward0" if not shape else "SumBackward1"  # PyTorch's names for a full vs a partial sum
    return _record(np.asarray(out), name, (g,), lambda gg: (expand(gg, g.array.shape),))


def nansum(x: Tensor, dim: int | Sequence[int] | None = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    """torch.nansum: PyTorch's cascade sum with NaNs read as 0; their gradient is 0."""
    shape = x.array.shape
    dims = tuple(range(x.array.ndim)) if dim is None or _empty_dims(dim) else _dims(x, dim)
    if x.array.dtype.kind == "f":
        source = x.array if dtype is None else x.array.astype(to_numpy_dtype(dtype))
        out = reductions.sum_array(source, dims, keepdim, ignore_nan=True)
    else:
        out = reductions.sum_array(x.array, dims, keepdim, _sum_dtype(x, dtype))
    kept = keepdim if dim is not None else False

    def rule(g: Tensor) -> tuple[Tensor]:
        return (mul(_expand_reduced(g, shape, dims, kept), _mask(~np.isnan(x.array), g)),)

    return _record(np.asarray(out), "NansumBackward0", (x,), rule, (x,))


def mean(x: Tensor, dim: int | Sequence[int] | None = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    if x.array.dtype.kind != "f" and dtype is None:
        raise runtime_error(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
            f"dtype. Got: {_SCALAR_TYPE_NAMES.get(x.array.dtype.name, x.array.dtype.name)}")
    array = x.array if dtype is None else x.array.astype(to_numpy_dtype(dtype))
    shape = x.array.shape
    if dim is None:
        count = _py.max(x.array.size, 1)
        out = reductions.mean_array(array, None)
        return _record(out, "MeanBackward0", (x,), lambda g: (div(expand(g, shape), count),))
    dims = _dims(x, dim) if not _empty_dims(dim) else tuple(range(x.array.ndim))
    count = 1
    for d in dims:
        count *= shape[d] if shape else 1
    out = reductions.mean_array(array, dims, keepdim)
    return _record(out, "MeanBackward1", (x,), lambda g: (div(_expand_reduced(g, shape, dims, keepdim), count),))


def prod(x: Tensor, dim: int | None = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    shape = x.array.shape
    out_dtype = _sum_dtype(x, dtype)
    if dim is None:
        out = reductions.prod_array(x.array, None, False, out_dtype)
        name, dims, kept = "ProdBackward0", tuple(range(x.array.ndim)), False
    else:
        dims = _dims(x, dim)
        out = reductions.prod_array(x.array, dims, keepdim, out_dtype)
        name, kept = "ProdBackward1", keepdim

    def rule(g: Tensor, result: Tensor) -> tuple[Tensor]:
        array = x.array
        if dim is None and np.count_nonzero(array == 0) > 1:  # PyTorch's prod_backward: zeros_like(input)
            return (mul(_expand_reduced(g, shape, dims, kept), Tensor(np.zeros(shape, dtype=array.dtype))),)
        if not np.any(array == 0):
            # PyTorch's prod_backward: grad * (result / input).
            return (mul(_expand_reduced(g, shape, dims, kept), div(_expand_reduced(result, shape, dims, kept), x)),)
        # With zeros, the product of the other elements cannot come from dividing; compute it directly.
        axis = dims[0] if dim is not None else None
        flat = array if axis is not None else array.reshape(-1)
        ax = axis if axis is not None else 0
        moved = np.moveaxis(flat, ax, -1)
        n = moved.shape[-1]
        others = np.stack([np.delete(moved, i, axis=-1).prod(axis=-1) for i in range(n)], axis=-1) if n else moved
        others = np.moveaxis(others, -1, ax).reshape(array.shape)
        return (mul(_expand_reduced(g, shape, dims, kept), Tensor(others.astype(array.dtype))),)

    return _record_reading_result(out, name, (x,), rule, (x,))


def _evenly_distribute(g: Tensor, x: Tensor, value: np.ndarray) -> Tensor:
    """max()/min() over everything: the gradient shared by the elements equal to the result (its nans when the
    result is nan, as PyTorch's evenly_distribute_backward)."""
    mask = np.isnan(x.array) if np.isnan(value).any() else x.array == value
    count = int(mask.sum())
    return mul(expand(div(g, count), x.array.shape), _mask(mask, g))


class ReturnPair(tuple):
    """`(values, indices)` from max/min/sort along a dim, readable as `.values` and `.indices`; prints as PyTorch's
    `torch.return_types.max(values=..., indices=...)`."""

    __slots__ = ()
    kind = "max"

    def __new__(cls, items: Sequence[Tensor], kind: str = "max") -> ReturnPair:
        return tuple.__new__(_RETURN_TYPES.get(kind) or _return_type(kind), items)

    def __repr__(self) -> str:
        return f"torch.return_types.{self.kind}(\nvalues={self[0]!r},\nindices={self[1]!r})"

    __str__ = __repr__

    @property
    def values(self) -> Tensor:
        return self[0]

    @property
    def indices(self) -> Tensor:
        return self[1]


_RETURN_TYPES: dict[str, type[ReturnPair]] = {}


def _return_type(kind: str) -> type[ReturnPair]:
    """One subclass per function (max, min, sort, ...), so the pair knows its name without an attribute."""
    cls = _RETURN_TYPES[kind] = type(f"ReturnPair_{kind}", (ReturnPair,), {"__slots__": (), "kind": kind})
    return cls


RETURN_KINDS = ("max", "min", "sort", "topk", "kthvalue", "max_out", "min_out", "sort_out", "topk_out",
                "kthvalue_out")
for _kind in RETURN_KINDS:
    _return_type(_kind)


def _extreme(x: Tensor, dim: Any, keepdim: bool, arg: Callable[..., np.ndarray], name: str, full_name: str,
             reduce: Callable[..., np.ndarray]) -> Tensor | ReturnPair:
    if isinstance(dim, Tensor):
        return (maximum if reduce is np.max else minimum)(x, dim)
    if dim is None:
        if x.array.size == 0:
            raise runtime_error(f"{name.lower()}(): Expected reduction dim to be specified for input.numel() == 0. "
                                "Specify the reduction dim with the 'dim' argument.")
        value = np.asarray(reduce(x.array))
        return _record(value, full_name, (x,), lambda g: (_evenly_distribute(g, x, value),), (x,))
    d = _dims(x, dim)[0]
    array = x.array if x.array.ndim else x.array.reshape(1)
    index = np.asarray(arg(array, axis=d))
    values = np.take_along_axis(array, np.expand_dims(index, d), axis=d)
    if not keepdim:
        values = values.squeeze(d) if x.array.ndim else values.reshape(())
        index_out = index if x.array.ndim else index.reshape(())
    else:
        index_out = np.expand_dims(index, d) if x.array.ndim else index.reshape(())
    shape = x.array.shape

    def rule(g: Tensor) -> tuple[Tensor]:
        grad = np.zeros(shape if shape else (1,), dtype=g.array.dtype)
        gg = g.array if keepdim else np.expand_dims(g.array, d)
        np.put_along_axis(grad, np.expand_dims(index, d), gg, axis=d)
        return (Tensor(grad.reshape(shape)),)

    values_t = _record(np.asarray(values), name, (x,), rule, (x,))
    return ReturnPair((values_t, Tensor(index_out.astype(np.int64))), "max" if reduce is np.max else "min")


def max(x: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001
    return _extreme(x, dim, keepdim, np.argmax, "MaxBackward0", "MaxBackward1", np.max)


def min(x: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001
    return _extreme(x, dim, keepdim, np.argmin, "MinBackward0", "MinBackward1", np.min)


def amax(x: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    dims = _dims(x, dim if dim != () else None)
    value = np.asarray(np.max(x.array, axis=dims, keepdims=keepdim))
    expanded = np.max(x.array, axis=dims, keepdims=True)
    shape = x.array.shape

    def rule(g: Tensor) -> tuple[Tensor]:
        mask = x.array == expanded
        counts = mask.sum(axis=dims, keepdims=True)
        share = div(_expand_reduced(g, shape, dims, keepdim), Tensor(counts.astype(g.array.dtype)))
        return (mul(share, _mask(mask, g)),)

    return _record(value, "AmaxBackward0", (x,), rule, (x,))


def argmax(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    if x.array.dtype.kind == "b":
        raise runtime_error("argmax(): does not support bool input")
    if dim is None:
        return Tensor(np.asarray(np.argmax(x.array), dtype=np.int64))
    return Tensor(np.asarray(np.argmax(x.array, axis=_dims(x, dim)[0], keepdims=keepdim), dtype=np.int64))


def argmin(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    if x.array.dtype.kind == "b":
        raise runtime_error("argmin(): does not support bool input")
    if dim is None:
        return Tensor(np.asarray(np.argmin(x.array), dtype=np.int64))
    return Tensor(np.asarray(np.argmin(x.array, axis=_dims(x, dim)[0], keepdims=keepdim), dtype=np.int64))


def norm(x: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    if x.array.dtype.kind != "f":
        raise runtime_error("linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                            f"{x.dtype.name.capitalize()}")
    if p == "fro" or p is None:
        p = 2
    p = float(p)
    array = x.array
    dims = _dims(x, dim) if dim is not None else tuple(range(array.ndim))
    shape = array.shape
    absolute = np.abs(array)
    out = reductions.norm_array(array, p, dims, keepdim)
    name = "LinalgVectorNormBackward0"

    def rule(g: Tensor, result: Tensor) -> tuple[Tensor]:
        g_full = g
        if dim is not None and not keepdim:
            for d in sorted(dims):
                g_full = unsqueeze(g_full, d)
                result = unsqueeze(result, d)
        if p == 2:
            # PyTorch's norm_backward: self * (grad / norm), zero where the norm is zero.
            return (mul(x, where(eq(result, 0.0), 0.0, div(g_full, result))),)
        if p == 1:
            return (mul(_sign_of(x), g_full),)
        if p == math.inf:
            mask = absolute == (out if keepdim or dim is None else np.expand_dims(out, dims))
            count = mask.sum(axis=dims, keepdims=True)
            return (mul(mul(_sign_of(x), _mask(mask, g)), div(g_full, Tensor(count.astype(g.array.dtype)))),)
        # General p: sign(x) |x|^(p-1) * grad / norm^(p-1)
        scale = where(eq(result, 0.0), 0.0, div(g_full, pow(result, p - 1)))
        return (mul(mul(_sign_of(x), pow(abs(x), p - 1)), expand(scale, shape)),)

    return _record_reading_result(out, name, (x,), rule, (x,))


def _correction(unbiased: Any, correction: Any) -> float:
    if correction is not None:
        return float(correction)
    if unbiased is None:
        return 1.0
    return 1.0 if unbiased else 0.0


def _variance_setup(x: Tensor, dim: Any, unbiased: Any, correction: Any, name: str
                    ) -> tuple[Any, float, tuple[int, ...], int]:
    """What var and std share: PyTorch's argument forms, the correction, the reduced dims and their size."""
    if x.array.dtype.kind not in "fc":
        raise runtime_error("std and var only support floating point and complex dtypes")
    if isinstance(dim, bool):
        unbiased, dim = dim, None
    c = _correction(unbiased, correction)
    dims = _dims(x, dim)
    shape = x.array.shape
    n = 1
    for d in dims:
        n *= shape[d] if shape else 1
    if n - c <= 0:
        warn("UserWarning", f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the "
                            "reduction factor (input numel divided by output numel).")
    return dim, c, dims, n


def _var_backward(g: Tensor, x: Tensor, dims: tuple[int, ...], n: int, c: float, keepdim: bool) -> Tensor:
    """PyTorch's var_backward: (2 / (N - correction)) * grad * (self - self.mean(dims, keepdim=True)), in C's
    floating point (no degrees of freedom: 2 / 0 is inf, and the gradient nan)."""
    centred = sub(x, mean(x, dims, True))
    with np.errstate(divide="ignore"):
        factor = float(np.float64(2.0) / np.float64(n - c))
    return mul(mul(factor, _expand_reduced(g, x.array.shape, dims, keepdim)), centred)


def _variance(x: Tensor, dims: tuple[int, ...], n: int, c: float, keepdim: bool) -> np.ndarray:
    """The variance with `c` degrees of freedom removed; with none left, PyTorch divides by 0 (nan or inf)
    where NumPy would warn."""
    axis = dims if x.array.ndim else None
    if n - c > 0:
        return np.var(x.array, axis=axis, ddof=c, keepdims=keepdim)
    with np.errstate(divide="ignore", invalid="ignore"):
        biased = np.var(x.array, axis=axis, keepdims=keepdim) if n else np.full(
            np.sum(x.array, axis=axis, keepdims=keepdim).shape, np.nan)
        return biased * (np.float64(n) / np.float64(0.0))


def var(x: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *, correction: Any = None) -> Tensor:
    dim, c, dims, n = _variance_setup(x, dim, unbiased, correction, "var")
    out = reductions.variance_array(x.array, dims, c, keepdim)
    return _record(out, "VarBackward0", (x,), lambda g: (_var_backward(g, x, dims, n, c, keepdim),), (x,))


def std(x: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *, correction: Any = None) -> Tensor:
    dim, c, dims, n = _variance_setup(x, dim, unbiased, correction, "std")
    out = reductions.variance_array(x.array, dims, c, keepdim, take_sqrt=True)

    def rule(g: Tensor, result: Tensor) -> tuple[Tensor]:
        # PyTorch's std_backward: var_backward(grad / (result * 2)), zero where the result is zero.
        scaled = where(eq(result, 0.0), 0.0, div(g, mul(result, 2)))
        return (_var_backward(scaled, x, dims, n, c, keepdim),)

    return _record_reading_result(out, "StdBackward0", (x,), rule, (x,))


def logsumexp(x: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    dims = _dims(x, dim)
    array = x.array
    out = reductions.logsumexp_array(array, dims, keepdim)
    shape = array.shape

    def rule(g: Tensor, result: Tensor) -> tuple[Tensor]:
        # PyTorch's logsumexp_backward: grad * (self - result).exp(), both unsqueezed where reduced.
        spread = _expand_reduced(result, shape, dims, keepdim)
        return (mul(_expand_reduced(g, shape, dims, keepdim), exp(sub(x, spread))),)

    return _record_reading_result(out, "LogsumexpBackward0", (x,), rule, (x,))


def softmax(x: Tensor, dim: int, dtype: Any = None) -> Tensor:
    array = x.array if dtype is None else x.array.astype(to_numpy_dtype(dtype))
    if array.dtype.kind != "f":
        raise runtime_error('"softmax_lastdim_kernel_impl" not implemented for \'Long\'')
    d = _wrap_dim(dim, array.ndim)
    out = softmax_kernels.softmax_array(array, d)
    holder: list[_SavedOutput] = []

    def rule(g: Tensor) -> tuple[Tensor]:
        return (_softmax_backward(g, holder[0](), d, log=False),)

    result = _record(out, "SoftmaxBackward0", (x,), rule)
    holder.append(_SavedOutput(result))
    _saves_output(result)
    return result


def _softmax_backward(g: Tensor, y: Tensor, d: int, log: bool) -> Tensor:
    """`_(log_)softmax_backward_data(g, y)` by PyTorch's kernel; with create_graph, recorded as its
    ...BackwardDataBackward0 node whose own derivatives are written with tensor ops."""
    out = softmax_kernels.softmax_backward_array(g.array, y.array, d, log)

    def rule(gg: Tensor) -> tuple[Tensor | None, Tensor | None]:
        if log:
            # grad_input = g - exp(y) * sum(g)
            e = exp(y)
            return sub(gg, sum(mul(gg, e), d, True)), mul(neg(mul(gg, e)), sum(g, d, True))
        # grad_input = y * (g - sum(g * y))
        inner = sum(mul(gg, y), d, True)
        return mul(y, sub(gg, inner)), sub(mul(gg, sub(g, sum(mul(g, y), d, True))), mul(g, inner))

    name = "LogSoftmaxBackwardDataBackward0" if log else "SoftmaxBackwardDataBackward0"
    return _record(np.asarray(out), name, (g, y), rule, (g, y))


def _saves_output(result: Tensor) -> None:
    """Record that the node behind `result` saved its output, as PyTorch's does: an in-place change of the
    output before backward is an error, and so is a second backward without retain_graph."""
    node = result.grad_fn
    if node is not None:
        node.saved = (_output_alias(result),)
        node.saved_versions = (result._version[0],)
        node.had_saved = True
        node.saves_output = True


def log_softmax(x: Tensor, dim: int, dtype: Any = None) -> Tensor:
    array = x.array if dtype is None else x.array.astype(to_numpy_dtype(dtype))
    d = _wrap_dim(dim, array.ndim)
    out = softmax_kernels.softmax_array(array, d, log=True)
    holder: list[_SavedOutput] = []

    def rule(g: Tensor) -> tuple[Tensor]:
        return (_softmax_backward(g, holder[0](), d, log=True),)

    result = _record(out, "LogSoftmaxBackward0", (x,), rule)
    holder.append(_SavedOutput(result))
    _saves_output(result)
    return result


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return mean(loss)
    if reduction == "sum":
        return sum(loss)
    if reduction == "none":
        return loss
    raise value_error(f"{reduction} is not a valid value for reduction")


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:  # noqa: A002
    if input.array.shape != target.array.shape:
        warn("UserWarning",
             f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
             "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.")
    if reduction not in ("mean", "sum", "none"):
        raise value_error(f"{reduction} is not a valid value for reduction")
    x, y = _binary_arrays(input, target)
    diff = _elementwise(np.subtract, x, y)
    squared = diff * diff
    if reduction == "none":
        out = squared
    elif reduction == "sum":
        out = reductions.sum_array(squared, None)
    else:
        out = reductions.mean_array(squared, None)
    count = squared.size

    def rule(g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        factor = 2.0 / count if reduction == "mean" else 2.0
        grad = mul(mul(sub(input, target), factor), g)
        return (grad if input.requires_grad else None,
                neg(grad) if type(target) is Tensor and target.requires_grad else None)

    return _record(np.asarray(out), "MseLossBackward0", (input, target), rule, (input, target), broadcast=True)


# --- shape and view ops ---------------------------------------------------------------------------
def _shape_arg(shape: Sequence[Any]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, Size)):
        shape = tuple(shape[0])
    out = []
    for n in shape:
        if type(n) is Tensor or isinstance(n, np.integer):
            n = n.__index__()
        if isinstance(n, bool) or not isinstance(n, int):
            raise type_error(f"shape must be a sequence of ints, got {type(n).__name__}")
        out.append(n)
    return tuple(out)


def _infer_shape(shape: tuple[int, ...], numel: int) -> tuple[int, ...]:
    if shape.count(-1) > 1:
        raise runtime_error("only one dimension can be inferred")
    known = 1
    for n in shape:
        if n != -1:
            if n < 0:
                raise runtime_error(f"invalid shape dimension {n}")
            known *= n
    if -1 in shape:
        if known == 0 or numel % known:
            raise runtime_error(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if n == -1 else n for n in shape)
    elif known != numel:
        raise runtime_error(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def reshape(x: Tensor, *shape: Any) -> Tensor:
    target = _infer_shape(_shape_arg(shape), x.array.size)
    original = x.array.shape
    if target == original and False:
        return x
    name = "ViewBackward0" if x.array.flags.c_contiguous or x.array.size <= 1 else "UnsafeViewBackward0"
    return _record_view(x.array.reshape(target), name, x, lambda g: (reshape(g, original),))


def view(x: Tensor, *shape: Any) -> Tensor:
    if len(shape) == 1 and isinstance(shape[0], DType):
        return view_dtype(x, shape[0])
    target = _infer_shape(_shape_arg(shape), x.array.size)
    if not (x.array.flags.c_contiguous or x.array.size <= 1):
        raise runtime_error(
            "view size is not compatible with input tensor's size and stride (at least one dimension spans "
            "across two contiguous subspaces). Use .reshape(...) instead.")
    original = x.array.shape
    return _record_view(x.array.reshape(target), "ViewBackward0", x, lambda g: (reshape(g, original),))


def view_dtype(x: Tensor, dtype: DType) -> Tensor:
    """`x.view(torch.int32)`: the same memory read as another dtype (not differentiable, as in PyTorch); with
    a different element size the last dim shrinks or grows."""
    array = x.array
    new_dtype = to_numpy_dtype(dtype)
    old_size, new_size = array.dtype.itemsize, new_dtype.itemsize
    if old_size != new_size:
        names = f"{_SCALAR_TYPE_NAMES[array.dtype.name]} as {_SCALAR_TYPE_NAMES[new_dtype.name]}"
        if array.ndim == 0:
            raise runtime_error(f"self.dim() cannot be 0 to view {names} (different element sizes)")
        step = array.strides[-1] // old_size if array.shape[-1] > 1 else 1
        if step != 1:
            raise runtime_error(f"self.stride(-1) must be 1 to view {names} (different element sizes), but got "
                                f"{step}")
        if new_size > old_size and (array.shape[-1] * old_size) % new_size:
            raise runtime_error(f"self.size(-1) must be divisible by {new_size // old_size} to view {names} "
                                f"(different element sizes), but got {array.shape[-1]}")
    out = Tensor(array.view(new_dtype))
    out._version = x._version  # a view: in-place changes through either are changes to both
    return out


def view_as(x: Tensor, other: Tensor) -> Tensor:
    return view(x, other.array.shape)


def reshape_as(x: Tensor, other: Tensor) -> Tensor:
    return reshape(x, other.array.shape)


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    ndim = x.array.ndim
    if ndim == 0:
        return reshape(x, (1,))
    start, end = _wrap_dim(start_dim, ndim), _wrap_dim(end_dim, ndim)
    if start > end:
        raise runtime_error("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return x
    shape = x.array.shape
    merged = 1
    for n in shape[start:end + 1]:
        merged *= n
    return reshape(x, shape[:start] + (merged,) + shape[end + 1:])


def t(x: Tensor) -> Tensor:
    if x.array.ndim > 2:
        raise runtime_error(f"t() expects a tensor with <= 2 dimensions, but self is {x.array.ndim}D")
    return _record_view(x.array.T, "TBackward0", x, lambda g: (t(g),))


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    ndim = x.array.ndim
    d0, d1 = _wrap_dim(dim0, ndim), _wrap_dim(dim1, ndim)
    out = np.swapaxes(x.array, d0, d1) if ndim else x.array
    return _record_view(out, "TransposeBackward0", x, lambda g: (transpose(g, d0, d1),))


def permute(x: Tensor, *dims: Any) -> Tensor:
    order = _shape_arg(dims)
    ndim = x.array.ndim
    if len(order) != ndim:
        raise runtime_error(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the length of the "
            f"desired ordering of dimensions i.e. input.dim() = {ndim} is not equal to len(dims) = {len(order)}")
    order = tuple(_wrap_dim(d, ndim) for d in order)
    if len(set(order)) != len(order):
        raise runtime_error("permute(): duplicate dims are not allowed.")
    inverse = tuple(np.argsort(order).tolist())
    return _record_view(np.transpose(x.array, order), "PermuteBackward0", x, lambda g: (permute(g, inverse),))


def matrix_transpose(x: Tensor) -> Tensor:
    """`x.T`: reverses all dims (PermuteBackward0), as PyTorch does for 2-D tensors."""
    ndim = x.array.ndim
    if ndim < 2:
        return x
    return permute(x, tuple(range(ndim - 1, -1, -1)))


def mT(x: Tensor) -> Tensor:
    return transpose(x, -2, -1)


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    ndim = x.array.ndim + 1
    if not -ndim <= dim < ndim:
        raise index_error(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {dim})")
    d = dim % ndim
    return _record_view(np.expand_dims(x.array, d), "UnsqueezeBackward0", x, lambda g: (squeeze(g, d),))


def squeeze(x: Tensor, dim: Any = None) -> Tensor:
    shape = x.array.shape
    if dim is None:
        out = x.array.reshape(tuple(n for n in shape if n != 1))
        return _record_view(out, "SqueezeBackward0", x, lambda g: (reshape(g, shape),))
    dims = _dims(x, dim)
    keep = tuple(n for i, n in enumerate(shape) if not (i in dims and n == 1))
    out = x.array.reshape(keep)
    name = "SqueezeBackward1" if isinstance(dim, int) else "SqueezeBackward2"
    return _record_view(out, name, x, lambda g: (reshape(g, shape),))


def expand(x: Tensor, *sizes: Any) -> Tensor:
    target = list(_shape_arg(sizes))
    shape = x.array.shape
    if len(target) < len(shape):
        raise runtime_error(
            f"expand(torch.FloatTensor{{{list(shape)}}}, size={target}): the number of sizes provided "
            f"({len(target)}) must be greater or equal to the number of dimensions in the tensor ({len(shape)})")
    offset = len(target) - len(shape)
    for i, n in enumerate(target):
        if n == -1:
            if i < offset:
                raise runtime_error("expand: -1 is not allowed in a leading, non-existing dimension")
            target[i] = shape[i - offset]
        elif i >= offset and shape[i - offset] != 1 and shape[i - offset] != n:
            raise runtime_error(
                f"The expanded size of the tensor ({n}) must match the existing size ({shape[i - offset]}) at "
                f"non-singleton dimension {i}.  Target sizes: {target}.  Tensor sizes: {list(shape)}")
    target_t = tuple(target)
    check_size(target_t)
    out = np.broadcast_to(x.array, target_t)
    return _record_view(out, "ExpandBackward0", x, lambda g: (sum_to_size(g, shape),))


def expand_as(x: Tensor, other: Tensor) -> Tensor:
    return expand(x, other.array.shape)


def broadcast_to(x: Tensor, shape: Sequence[int]) -> Tensor:
    return expand(x, tuple(shape))


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    tensors = list(tensors)
    if not tensors:
        raise runtime_error("torch.cat(): expected a non-empty list of Tensors")
    for item in tensors:
        if type(item) is not Tensor:
            raise type_error(f"expected Tensor as element {tensors.index(item)} in argument 0, but got "
                             f"{type(item).__name__}")
    ndim = tensors[0].array.ndim
    if ndim == 0:
        raise runtime_error("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = _wrap_dim(dim, ndim)
    dtype = result_dtype(tensors)
    first = tensors[0].array.shape
    for i, item in enumerate(tensors):
        if item.array.ndim != ndim:
            raise runtime_error(f"Tensors must have same number of dimensions: got {ndim} and {item.array.ndim}")
        for k, (a, b) in enumerate(zip(first, item.array.shape)):
            if k != d and a != b:
                raise runtime_error(
                    f"Sizes of tensors must match except in dimension {d}. Expected size {a} but got size {b} for "
                    f"tensor number {i} in the list.")
    check_size(first[:d] + (_py.sum(item.array.shape[d] for item in tensors),) + first[d + 1:])
    out = np.concatenate(
[item.array.astype(dtype, copy=False) for item in tensors], axis=d)
    bounds = np.cumsum([0] + [item.array.shape[d] for item in tensors])

    def rule(g: Tensor) -> list[Tensor]:
        return [narrow(g, d, int(bounds[i]), int(bounds[i + 1] - bounds[i])) for i in range(len(tensors))]

    return _record(out, "CatBackward0", tuple(tensors), rule)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    tensors = list(tensors)
    if not tensors:
        raise runtime_error("stack expects a non-empty TensorList")
    shape = tensors[0].array.shape
    for i, item in enumerate(tensors):
        if type(item) is not Tensor:
            raise type_error(f"expected Tensor as element {i} in argument 0, but got {type(item).__name__}")
        if item.array.shape != shape:
            raise runtime_error(
                f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 and "
                f"{list(item.array.shape)} at entry {i}")
    ndim = len(shape) + 1
    if not -ndim <= dim < ndim:
        raise index_error(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {dim})")
    d = dim % ndim
    dtype = result_dtype(tensors)
    check_size(shape[:d] + (len(tensors),) + shape[d:])
    out = np.stack([item.array.astype(dtype, copy=False) for item in tensors], axis=d)
    return _record(out, "StackBackward0", tuple(tensors),
                   lambda g: [select(g, d, i) for i in range(len(tensors))])


def narrow(x: Tensor, dim: int, start: int, length: int) -> Tensor:
    d = _wrap_dim(dim, x.array.ndim)
    size = x.array.shape[d]
    if not -size <= start <= size:
        raise index_error(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if start < 0:
        start += size
    if length < 0:
        raise runtime_error("narrow(): length must be non-negative.")
    if start + length > size:
        raise runtime_error(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    key = (slice(None),) * d + (slice(start, start + length),)
    return _slice_op(x, d, start, start + length, 1, key)


def split(x: Tensor, split_size: Any, dim: int = 0) -> tuple[Tensor, ...]:
    d = _wrap_dim(dim, x.array.ndim)
    n = x.array.shape[d]
    if isinstance(split_size, int):
        sizes = [split_size] * (n // split_size) + ([n % split_size] if n % split_size else [])
    else:
        sizes = list(split_size)
    out, start = [], 0
    for size in sizes:
        out.append(narrow(x, d, start, size))
        start += size
    return tuple(out)


def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    n = x.array.shape[_wrap_dim(dim, x.array.ndim)]
    size = -(-n // chunks)
    return split(x, size, dim)


def unbind(x: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    d = _wrap_dim(dim, x.array.ndim)
    return tuple(select(x, d, i) for i in range(x.array.shape[d]))


# --- indexing ----------------------------------------------------------------------------------------
def select(x: Tensor, dim: int, index: int) -> Tensor:
    ndim = x.array.ndim
    if ndim == 0:
        raise index_error("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                          "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
    d = _wrap_dim(dim, ndim)
    size = x.array.shape[d]
    if not -size <= index < size:
        raise index_error(f"index {index} is out of bounds for dimension {d} with size {size}")
    i = index % size
    shape = x.array.shape
    # The trailing Ellipsis keeps a 0-d result an array view (a bare int index gives a NumPy scalar, a copy
    # that cannot be written through: `N[i, j] += 1` must change N).
    out = x.array[(slice(None),) * d + (i, Ellipsis)]

    def rule(g: Tensor) -> tuple[Tensor]:
        return (_scatter_back(g, shape, (slice(None),) * d + (i,), "SelectBackwardBackward0"),)

    return _record_view(out, "SelectBackward0", x, rule)


def _slice_op(x: Tensor, d: int, start: int, stop: int, step: int, key: tuple[Any, ...]) -> Tensor:
    shape = x.array.shape
    out = x.array[key]
    return _record_view(out, "SliceBackward0", x, lambda g: (_scatter_back(g, shape, key, "SliceBackwardBackward0"),))


def _scatter_back(g: Tensor, shape: tuple[int, ...], key: Any, name: str) -> Tensor:
    """The gradient of `x[key]`: zeros of x's shape with `g` written at `key` (differentiable in g)."""
    grad = np.zeros(shape, dtype=g.array.dtype)
    grad[key] = g.array
    return _record(grad, name, (g,), lambda gg: (index(gg, key),))


def index(x: Tensor, key: Any) -> Tensor:
    """`x[key]` for any key: PyTorch applies basic indices one dimension at a time, each its own node."""
    if not isinstance(key, tuple):
        key = (key,)
    if any(type(k) is Tensor and k.array.ndim == 0 and k.array.dtype.kind in "iu" for k in key):
        # A 0-d integer tensor indexes like the integer it holds (SelectBackward0), as in PyTorch.
        key = tuple(int(k.array) if type(k) is Tensor and k.array.ndim == 0 and k.array.dtype.kind in "iu" else k
                    for k in key)
    if any(_is_advanced(k) for k in key):
        return _advanced_index(x, key)
    result = x
    dim = 0
    selected = 0
    explicit = _py.sum(1 for k in key if k is not None and k is not Ellipsis)
    if x.array.ndim == 0 and any(isinstance(k, int) for k in key):
        raise index_error("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` "
                          "in C++ to convert a 0-dim tensor to a number")
    if explicit > x.array.ndim:
        raise index_error(f"too many indices for tensor of dimension {x.array.ndim}")
    for k in key:
        if k is Ellipsis:
            dim += result.array.ndim - dim - _py.sum(
                1 for j in key[key.index(Ellipsis) + 1:] if j is not None and j is not Ellipsis)
        elif k is None:
            result = unsqueeze(result, dim)
            dim += 1
        elif isinstance(k, slice):
            size = result.array.shape[dim]
            start, stop, step = k.indices(size)
            if step <= 0:
                raise value_error("step must be greater than zero")
            if (start, stop, step) == (0, size, 1) and k.start is None and k.stop is None:
                dim += 1
                continue
            key_full = (slice(None),) * dim + (slice(start, stop, step),)
            result = _slice_op(result, dim, start, stop, step, key_full)
            dim += 1
        else:
            if isinstance(k, bool) or not isinstance(k, int):
                k = operator.index(k)
            size = result.array.shape[dim] if dim < result.array.ndim else None
            if size is not None and not -size <= k < size:
                # PyTorch counts the dimension in the index expression: x[1, 5] fails at dimension 1
                raise index_error(f"index {k} is out of bounds for dimension {dim + selected} with size {size}")
            result = select(result, dim, k)
            selected += 1
    if result is x:
        return _record(x.array[...], "AliasBackward0", (x,), lambda g: (g,))
    return result


def _is_advanced(k: Any) -> bool:
    return type(k) is Tensor or isinstance(k, (list, np.ndarray))


def _advanced_result_shape(shape: tuple[int, ...], key: tuple[Any, ...]) -> tuple[int, ...]:
    """The shape of NumPy's `array[key]` (arrays, ints, slices, None, one Ellipsis), found without allocating it,
    with PyTorch's errors for keys that do not fit the tensor."""

    def is_mask(k: Any) -> bool:
        return isinstance(k, np.ndarray) and k.dtype.kind == "b"

    consumed = _py.sum(k.ndim if is_mask(k) else 0 if k is None or k is Ellipsis else 1 for k in key)
    if consumed > len(shape):
        raise index_error(f"too many indices for tensor of dimension {len(shape)}")
    basic: list[int] = []  # the output's dimensions from slices, None and unindexed dimensions
    advanced: list[tuple[int, ...]] = []
    positions: list[int] = []  # where in `basic` each advanced index sits
    dim = 0
    for k in key:
        if k is Ellipsis:
            count = len(shape) - consumed
            basic.extend(shape[dim:dim + count])
            dim += count
            consumed = len(shape)
        elif k is None:
            basic.append(1)
        elif isinstance(k, slice):
            basic.append(len(range(*k.indices(shape[dim]))))
            dim += 1
        elif is_mask(k):
            part = shape[dim:dim + k.ndim]
            for j, (want, have) in enumerate(zip(k.shape, part)):
                if want != have:
                    raise index_error(f"The shape of the mask {list(k.shape)} at index {j} does not match the shape "
                                      f"of the indexed tensor {list(shape)} at index {dim + j}")
            advanced.append((int(np.count_nonzero(k)),))
            positions.append(len(basic))
            dim += k.ndim
        else:
            advanced.append(np.shape(k))
            positions.append(len(basic))
            dim += 1
    basic.extend(shape[dim:])
    try:
        broadcast = np.broadcast_shapes(*advanced)
    except ValueError:
        raise index_error("shape mismatch: indexing tensors could not be broadcast together with shapes "
                          + ", ".join(str(list(s)) for s in advanced)) from None
    if positions and all(p == positions[0] for p in positions):  # adjacent: the result keeps their place
        return tuple(basic[:positions[0]]) + broadcast + tuple(basic[positions[0]:])
    return broadcast + tuple(basic)


def _advanced_index(x: Tensor, key: tuple[Any, ...]) -> Tensor:
    numpy_key = tuple(k.array if type(k) is Tensor else (np.asarray(k) if isinstance(k, list) else k) for k in key)
    for k in numpy_key:
        if isinstance(k, np.ndarray) and k.dtype.kind == "f":
            raise index_error("tensors used as indices must be long, int, byte or bool tensors")
    check_size(_advanced_result_shape(x.array.shape, numpy_key))
    try:
        out = x.array[numpy_key]
    except IndexError as exc:
        raise index_error(_index_message(str(exc))) from None
    shape = x.array.shape

    def rule(g: Tensor) -> tuple[Tensor]:
        grad = np.zeros(shape, dtype=g.array.dtype)
        np.add.at(grad, numpy_key, g.array)
        return (Tensor(grad),)

    result = _record(np.array(out), "IndexBackward0", (x,), rule)
    if result.grad_fn is not None:
        result.grad_fn.had_saved = True  # PyTorch saves the indices: a second backward fails
    return result


_OVERLAP = ("unsupported operation: some elements of the input tensor and the written-to tensor refer to a single "
            "memory location. Please clone() the tensor before performing the operation.")
_INTERNAL_OVERLAP = ("unsupported operation: more than one element of the written-to tensor refers to a single "
                     "memory location. Please clone() the tensor before performing the operation.")


def check_no_partial_overlap(out: np.ndarray, source: Any) -> None:
    """PyTorch's assert_no_partial_overlap for an in-place write of `source` into `out`: the same memory, or
    memory apart, is fine; two dense tensors over overlapping but different memory are an error (other layouts
    PyTorch cannot tell apart cheaply, and lets through)."""
    if not isinstance(source, np.ndarray) or source is out or not np.may_share_memory(out, source):
        return
    if not (out.flags.c_contiguous and source.flags.c_contiguous):
        return
    same = (out.__array_interface__["data"][0] == source.__array_interface__["data"][0]
            and out.nbytes == source.nbytes)
    if not same:
        raise runtime_error(_OVERLAP)


def writable(array: np.ndarray) -> np.ndarray:
    """`array`, or a writable alias of it: an expanded tensor's array is a read-only NumPy broadcast view of
    memory a script may still write through (once per location), as in PyTorch."""
    if array.flags.writeable:
        return array
    storage = array
    while isinstance(storage.base, np.ndarray):
        storage = storage.base
    if not storage.flags.writeable or not storage.flags.c_contiguous:
        return array
    offset = array.__array_interface__["data"][0] - storage.__array_interface__["data"][0]
    return np.ndarray(array.shape, array.dtype, buffer=storage, offset=offset, strides=array.strides)


def _internal_overlap(array: np.ndarray) -> bool:
    return any(stride == 0 and size > 1 for stride, size in zip(array.strides, array.shape, strict=True))


def index_put(x: Tensor, key: Any, value: Operand) -> None:
    """`x[key] = value` in place: x's grad_fn becomes CopySlices, as in PyTorch (the base's, when x is a view)."""
    check_inplace_target(x)
    numpy_key = _numpy_key(x, key)
    value_array = value.array if type(value) is Tensor else value
    try:
        target_shape = x.array[numpy_key].shape
        if hasattr(value_array, "shape") and value_array.shape != target_shape:
            np.broadcast_shapes(value_array.shape, target_shape)
    except IndexError as exc:
        raise index_error(_index_message(str(exc))) from None
    except ValueError:
        raise runtime_error(
            f"shape mismatch: value tensor of shape {list(value_array.shape)} cannot be broadcast to indexing "
            f"result of shape {list(target_shape)}") from None
    target = writable(x.array)
    written = target[numpy_key]
    if written.base is not None and (_internal_overlap(written) or not written.flags.writeable):
        raise runtime_error(_INTERNAL_OVERLAP)
    if type(value) is Tensor:
        check_no_partial_overlap(written, value_array)
    needs_grad = autograd._grad_enabled and (x.requires_grad or (type(value) is Tensor and value.requires_grad))
    base = getattr(x, "_view_of", None)
    if needs_grad and base is not None:
        # Written through a view: the change is the base's, at the places the view's region occupies in it.
        region = tuple(np.asarray(place[numpy_key]) for place in _positions_in(base.array, x.array))
        index_put(base, region, value)
        return
    if needs_grad:
        before = Tensor(x.array.copy(), x.requires_grad, x.grad_fn)
        before._accumulator_node = x._accumulator_node
    target[numpy_key] = value_array
    x.bump_version()
    if needs_grad:
        value_shape = value.array.shape if type(value) is Tensor else None

        def rule(g: Tensor) -> tuple[Tensor | None, Tensor | None]:
            grad_before = None
            if before.requires_grad:
                array = g.array.copy()
                array[numpy_key] = 0
                grad_before = Tensor(array)
            grad_value = None
            if value_shape is not None:
                grad_value = sum_to_size(Tensor(np.asarray(g.array[numpy_key])), value_shape)
            return grad_before, grad_value

        node = autograd.Node("CopySlices", (before.edge(), value.edge() if type(value) is Tensor else None), rule)
        x.grad_fn = node
        x.requires_grad = True
        rebase_views(x)


def _numpy_key(x: Tensor, key: Any) -> Any:
    parts = key if isinstance(key, tuple) else (key,)
    out = []
    for k in parts:
        if type(k) is Tensor:
            out.append(k.array)
        elif isinstance(k, list):
            out.append(np.asarray(k))
        else:
            out.append(k)
    return tuple(out)


def _index_message(message: str) -> str:
    # NumPy says "index 5 is out of bounds for axis 0 with size 3"; PyTorch says "dimension".
    return message.replace("for axis", "for dimension")


# --- copies, conversions -----------------------------------------------------------------------------
def clone(x: Tensor, *, memory_format: Any = tensor_module.preserve_format) -> Tensor:
    """A copy; PyTorch's default, preserve_format, keeps a dense tensor's strides (the clone of a transposed tensor
    is transposed too), and copies a tensor with gaps or shared locations contiguous."""
    return _record(_laid_out(x.array, memory_format, "clone"), "CloneBackward0", (x,), lambda g: (g,))


def contiguous(x: Tensor, *, memory_format: Any = tensor_module.contiguous_format) -> Tensor:
    if is_contiguous(x, memory_format=memory_format):
        return x
    if memory_format is tensor_module.preserve_format:
        raise runtime_error("preserve memory format is unsupported by the contiguous operator")
    return clone(x, memory_format=memory_format)


def is_contiguous(x: Tensor, *, memory_format: Any = tensor_module.contiguous_format) -> bool:
    array = x.array
    rank = _CHANNELS_LAST_RANK.get(memory_format)
    if rank is not None:  # a tensor of another rank is simply not laid out so
        return array.ndim == rank and _dense_in_order(array, _CHANNELS_LAST_ORDER[rank])
    _memory_order(array, memory_format, "is_contiguous")
    return bool(array.flags.c_contiguous)


# The dimensions from outermost to innermost in memory, for the channels-last formats (NHWC, NDHWC).
_CHANNELS_LAST_ORDER = {4: (0, 2, 3, 1), 5: (0, 2, 3, 4, 1)}
_CHANNELS_LAST_RANK = {tensor_module.channels_last: 4, tensor_module.channels_last_3d: 5}


def _memory_order(array: np.ndarray, memory_format: Any, function: str) -> tuple[int, ...] | None:
    """The dimension order `memory_format` asks for (None: the array's own for preserve_format, C order for
    contiguous_format), after PyTorch's checks."""
    if not isinstance(memory_format, tensor_module.MemoryFormat):
        from autodiff.language.protocol import type_name

        raise type_error(f"{function}(): argument 'memory_format' must be torch.memory_format, not "
                         f"{type_name(memory_format)}")
    rank = _CHANNELS_LAST_RANK.get(memory_format)
    if rank is None:
        return None
    if array.ndim != rank:
        raise runtime_error(f"required rank {rank} tensor to use {memory_format.name} format")
    return _CHANNELS_LAST_ORDER[rank]


def _laid_out(array: np.ndarray, memory_format: Any, function: str) -> np.ndarray:
    order = _memory_order(array, memory_format, function)
    if order is not None:
        return np.ascontiguousarray(array.transpose(order)).transpose(np.argsort(order))
    if memory_format is tensor_module.preserve_format and _dense_in_order(array, None):
        return array.copy(order="K")  # NumPy's "keep": the same strides for a dense array
    return array.copy()


def _dense_in_order(array: np.ndarray, order: tuple[int, ...] | None) -> bool:
    """Whether `array` fills its memory without gaps or shared locations, with its dimensions laid out in `order`
    (outermost first; None: in whatever order its strides give)."""
    dims = [(array.strides[d], array.shape[d]) for d in (order or range(array.ndim))]
    if order is None:
        dims.sort(key=lambda dim: -dim[0])
    expected = array.itemsize
    for stride, size in reversed(dims):
        if size == 1:
            continue
        if stride != expected:
            return False
        expected *= size
    return True


def to_dtype(x: Tensor, dtype: Any) -> Tensor:
    target = to_numpy_dtype(dtype)
    if x.array.dtype == target:
        return x
    source = x.array.dtype
    out = x.array.astype(target)
    if target.kind != "f":
        return Tensor(out)
    return _record(out, "ToCopyBackward0", (x,), lambda g: (to_dtype(g, _dtype_from_numpy(source)),))


def _dtype_from_numpy(dtype: np.dtype) -> Any:
    from autodiff.engine.tensor import _BY_NUMPY

    return _BY_NUMPY[dtype]


def type_as(x: Tensor, other: Tensor) -> Tensor:
    return to_dtype(x, other.dtype)


def zeros_like(x: Tensor, dtype: Any = None, requires_grad: bool = False, shape: tuple[int, ...] | None = None
               ) -> Tensor:
    """Zeros of x's dtype (and shape, unless `shape` is given)."""
    array = np.zeros(x.array.shape if shape is None else shape,
                     dtype=x.array.dtype if dtype is None else to_numpy_dtype(dtype))
    return Tensor(array, requires_grad)


# --- neural-network ops (torch.nn.functional): activations, losses, addmm -------------------------------
# Each op keeps PyTorch's fused grad_fn (LeakyReluBackward0, NllLossBackward0, ...). The backward of a fused
# op is itself recorded as PyTorch's `...BackwardBackward0` node with edges (grad, self), so create_graph
# works. Transcendental forwards are computed in float64 and rounded once to the input's dtype.
_SCALAR_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
                      "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def scalar_type_name(x: Tensor) -> str:
    """PyTorch's ScalarType name of x's dtype, as in its error messages (`Float`, `Long`)."""
    return _SCALAR_TYPE_NAMES[x.array.dtype.name]


def _require_float(x: Tensor, kernel: str) -> None:
    if x.array.dtype.kind != "f":
        from autodiff.errors import AutodiffError

        raise AutodiffError("NotImplementedError", f'"{kernel}" not implemented for \'{scalar_type_name(x)}\'')


def _wide(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float64)


def _pointwise_backward(name: str, g: Tensor, x: Tensor, first: Callable[[np.ndarray], np.ndarray],
                        second: Callable[[np.ndarray], np.ndarray]) -> Tensor:
    """`g * f'(x)` recorded as PyTorch's double-backward node `name` with edges (grad, self)."""
    out = np.asarray(_wide(g.array) * first(x.array)).astype(g.array.dtype)

    def rule(gg: Tensor) -> tuple[Tensor, Tensor]:
        curvature = Tensor(np.asarray(second(x.array) * _wide(g.array)).astype(g.array.dtype))
        return (_pointwise_backward(name, gg, x, first, second), mul(gg, curvature))

    return _record(out, name, (g, x), rule)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    _require_float(x, "leaky_relu_cpu")
    a = x.array
    out = np.where(a > 0, a, a * a.dtype.type(negative_slope))

    def first(v: np.ndarray) -> np.ndarray:
        return np.where(v > 0, v.dtype.type(1), v.dtype.type(negative_slope))

    def second(v: np.ndarray) -> np.ndarray:
        return np.zeros(v.shape)

    return _record(out, "LeakyReluBackward0", (x,),
                   lambda g: (_pointwise_backward("LeakyReluBackwardBackward0", g, x, first, second),), (x,))


_GELU_K = math.sqrt(2.0) * (2.0 / math.sqrt(math.pi)) * 0.5  # kBeta = sqrt(2/pi)
_GELU_C = 0.044715


def _gelu_values(v: np.ndarray, approximate: str) -> np.ndarray:
    w = _wide(v)
    if approximate == "tanh":
        return 0.5 * w * (1.0 + _libm("tanh", _GELU_K * (w + _GELU_C * w * w * w)))
    return w * 0.5 * (1.0 + _erf_wide(w * math.sqrt(0.5)))


def _libm(name: str, w: np.ndarray) -> np.ndarray:
    """A float64 function (of float64 intermediates) with the same bits everywhere: the C library's."""
    return transcendental.libm(name, w) if w.size <= transcendental.EXACT_LIMIT else getattr(np, {
        "tanh": "tanh", "exp": "exp", "expm1": "expm1"}[name])(w)


def _erf_wide(w: np.ndarray) -> np.ndarray:
    return np.vectorize(math.erf, otypes=[np.float64])(w) if w.size else w.copy()


def _gelu_first(approximate: str) -> Callable[[np.ndarray], np.ndarray]:
    def first(v: np.ndarray) -> np.ndarray:
        w = _wide(v)
        if approximate == "tanh":
            inner = _libm("tanh", _GELU_K * (w + _GELU_C * w ** 3))
            return 0.5 * (1.0 + inner) + 0.5 * w * (1.0 - inner * inner) * _GELU_K * (1.0 + 3.0 * _GELU_C * w * w)
        cdf = 0.5 * (1.0 + _erf_wide(w * math.sqrt(0.5)))
        return cdf + w * _libm("exp", -0.5 * w * w) / math.sqrt(2.0 * math.pi)

    return first


def _gelu_second(approximate: str) -> Callable[[np.ndarray], np.ndarray]:
    def second(v: np.ndarray) -> np.ndarray:
        w = _wide(v)
        if approximate == "tanh":
            inner = _libm("tanh", _GELU_K * (w + _GELU_C * w ** 3))
            du = _GELU_K * (1.0 + 3.0 * _GELU_C * w * w)
            sech2 = 1.0 - inner * inner
            return sech2 * du + 0.5 * w * (-2.0 * inner * sech2 * du * du + sech2 * 6.0 * _GELU_K * _GELU_C * w)
        pdf = _libm("exp", -0.5 * w * w) / math.sqrt(2.0 * math.pi)
        return pdf * (2.0 - w * w)

    return second


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    if approximate not in ("none", "tanh"):
        raise runtime_error("approximate argument must be either none or tanh.")
    _require_float(x, "GeluKernelImpl")
    out = _gelu_values(x.array, approximate).astype(x.array.dtype)
    first, second = _gelu_first(approximate), _gelu_second(approximate)
    return _record(out, "GeluBackward0", (x,),
                   lambda g: (_pointwise_backward("GeluBackwardBackward0", g, x, first, second),), (x,))


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    _require_float(x, "elu_cpu")
    w = _wide(x.array)
    out = np.where(w <= 0, alpha * _libm("expm1", w), w).astype(x.array.dtype)

    def first(v: np.ndarray) -> np.ndarray:
        u = _wide(v)
        return np.where(u <= 0, alpha * _libm("exp", u), 1.0)

    def second(v: np.ndarray) -> np.ndarray:
        u = _wide(v)
        return np.where(u <= 0, alpha * _libm("exp", u), 0.0)

    return _record(out, "EluBackward0", (x,),
                   lambda g: (_pointwise_backward("EluBackwardBackward0", g, x, first, second),), (x,))


def _renamed(result: Tensor, name: str) -> Tensor:
    """Give the node that produced `result` PyTorch's name for this call path (e.g. an in-place variant)."""
    if result.grad_fn is not None:
        result.grad_fn.name = name
    return result


def unsafe_view(x: Tensor, shape: Sequence[int]) -> Tensor:
    """`at::_unsafe_view`: a reshape recorded as UnsafeViewBackward0 (matmul's fold and the like)."""
    original = x.array.shape
    return _record(x.array.reshape(tuple(shape)), "UnsafeViewBackward0", (x,), lambda g: (reshape(g, original),))


def _threshold_backward(g: Tensor, result: Tensor) -> Tensor:
    """ReLU's gradient: +0 where the output is <= 0, else g (PyTorch writes zeros, never g * 0 = -0; a nan
    output is not <= 0, so its gradient passes)."""
    out = np.where(result.array <= 0, g.array.dtype.type(0), g.array)
    return _record(out, "ThresholdBackwardBackward0", (g, result), lambda gg: (_threshold_backward(gg, result), None))


def mul_scalar(x: Tensor, value: Scalar) -> Tensor:
    """`at::mul(tensor, scalar)` as PyTorch's C++ composites call it (MulBackward1)."""
    out = np.asarray(x.array * x.array.dtype.type(value))
    return _record(out, "MulBackward1", (x,), lambda g: (mul_scalar(g, value),))


def add_scalar(x: Tensor, value: Scalar) -> Tensor:
    """`at::add(tensor, scalar)` as PyTorch's C++ composites call it (AddBackward1)."""
    out = np.asarray(x.array + x.array.dtype.type(value))
    return _record(out, "AddBackward1", (x,), lambda g: (g,))


def div_scalar(x: Tensor, value: Scalar) -> Tensor:
    """`at::div(tensor, scalar)` as PyTorch's C++ composites call it (DivBackward1)."""
    out = np.asarray(x.array / x.array.dtype.type(value))
    return _record(out, "DivBackward1", (x,), lambda g: (div_scalar(g, value),))


def masked_fill(x: Tensor, mask: Tensor, value: Scalar) -> Tensor:
    if mask.array.dtype.kind != "b":
        raise runtime_error(f"masked_fill_ only supports boolean masks, but got mask with dtype {mask.dtype}")
    if type(value) is Tensor:
        value = value.item()
    _check_broadcast(x.array, mask.array)
    out = np.where(mask.array, x.array.dtype.type(value), x.array)
    result = _record(np.asarray(out), "MaskedFillBackward0", (x,), lambda g: (where(mask, 0.0, g),), broadcast=True)
    if result.grad_fn is not None:
        result.grad_fn.had_saved = True  # PyTorch saves the mask: a second backward fails
    return result


def _reduction_mode(reduction: str) -> str:
    if reduction not in ("mean", "sum", "none"):
        raise value_error(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce_loss(loss: np.ndarray, reduction: str) -> np.ndarray:
    """apply_loss_reduction: PyTorch's mean or sum of the elementwise loss."""
    if reduction == "mean":
        return reductions.mean_array(loss, None)
    if reduction == "sum":
        return reductions.sum_array(loss, None)
    return loss


def _expand_grad(g: Tensor, shape: tuple[int, ...]) -> np.ndarray:
    return np.broadcast_to(g.array, shape)


def _loss_backward(name: str, g: Tensor, edges: tuple[Any, ...], grad_array: Callable[[Tensor], np.ndarray],
                   curvature: Callable[[], np.ndarray] | None = None) -> Tensor:
    """A loss's input gradient (linear in g) recorded as PyTorch's `...BackwardBackward0` node over `edges`.

    Its own backward: d/dg is the gradient at g = 1 (summed back to g's shape); d/dinput is
    `gg * g * curvature()` when the loss has a second derivative, else nothing.
    """
    out = np.asarray(grad_array(g))

    def rule(gg: Tensor) -> list[Tensor | None]:
        factor = Tensor(np.asarray(grad_array(Tensor(np.ones_like(g.array)))))
        grads: list[Tensor | None] = [None] * len(edges)
        grads[0] = sum_to_size(mul(gg, factor), g.array.shape)
        if curvature is not None:
            grads[1] = mul(mul(gg, g), Tensor(curvature().astype(out.dtype)))
        return grads

    return _record(out, name, edges, rule)


def smooth_l1_loss(input: Tensor, target: Tensor, reduction: str = "mean", beta: float = 1.0) -> Tensor:  # noqa: A002
    """Inputs already broadcast to one shape (F.smooth_l1_loss does that); beta > 0."""
    if beta < 0:
        raise runtime_error("smooth_l1_loss does not support negative values for beta.")
    x, y = _binary_arrays(input, target)
    dtype = x.dtype.type
    z = np.abs(x - y)
    half, b = dtype(0.5), dtype(beta)
    loss = np.where(z < b, half * z * z / b, z - half * b)
    out = _reduce_loss(loss, reduction)
    count = x.size

    def grad_array(g: Tensor) -> np.ndarray:
        norm = dtype(1.0 / count if reduction == "mean" else 1.0)
        diff = x - y
        gg = _expand_grad(g, diff.shape)
        return np.where(diff <= -b, -norm * gg, np.where(diff >= b, norm * gg, norm * diff * gg / b))

    def curvature() -> np.ndarray:
        norm = 1.0 / count if reduction == "mean" else 1.0
        return np.where(np.abs(_wide(x) - _wide(y)) < beta, norm / beta, 0.0)

    def rule(g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        grad = _loss_backward("SmoothL1LossBackwardBackward0", g, (g, input, target), grad_array, curvature)
        return (grad if input.requires_grad else None,
                neg(grad) if target.requires_grad else None)

    return _record(np.asarray(out), "SmoothL1LossBackward0", (input, target), rule, (input, target))


_BCE_EPSILON = 1e-12


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                         reduction: str = "mean") -> Tensor:
    x, y = input.array, target.array.astype(input.array.dtype, copy=False)
    if np.any((x < 0) | (x > 1)) or np.any(np.isnan(x)):
        raise runtime_error("all elements of input should be between 0 and 1")
    dtype = x.dtype.type
    floor = dtype(-100)
    # ATen's kernel: (y - 1) * max(log1p(-x), -100) - y * max(log(x), -100), in the input's dtype
    log_x = np.maximum(transcendental.apply("log", x), floor)
    log_1mx = np.maximum(transcendental.apply("log1p", -x), floor)
    loss = (y - dtype(1)) * log_1mx - y * log_x
    w = None
    if weight is not None:
        w = np.broadcast_to(weight.array.astype(x.dtype, copy=False), loss.shape)
        loss = loss * w
    out = _reduce_loss(np.asarray(loss), reduction)
    count = x.size

    def input_grad(g: Tensor) -> np.ndarray:
        gg = _expand_grad(g, x.shape)
        grad = gg * (x - y) / np.maximum((dtype(1) - x) * x, dtype(_BCE_EPSILON))
        if w is not None:
            grad = grad * w
        if reduction == "mean":
            grad = grad / dtype(count)
        return np.asarray(grad, dtype=x.dtype)

    def target_grad(g: Tensor) -> np.ndarray:
        # binary_cross_entropy_target_backward: -logit(x) * grad, logit(x) = log(x / (1 - x))
        gg = _expand_grad(g, x.shape)
        with np.errstate(all="ignore"):
            logit = np.where(x == 1, dtype(np.inf), transcendental.vector_log(x / (dtype(1) - x)))
        grad = -logit * gg
        if w is not None:
            grad = grad * w
        if reduction == "mean":
            grad = grad / dtype(count)
        return np.asarray(grad, dtype=x.dtype)

    def curvature() -> np.ndarray:
        u, v = _wide(x), _wide(y)
        q = np.maximum((1.0 - u) * u, _BCE_EPSILON)
        second = (q - (u - v) * (1.0 - 2.0 * u)) / (q * q)
        if w is not None:
            second = second * w
        return second / count if reduction == "mean" else second

    def rule(g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        grad_input = grad_target = None
        if input.requires_grad:
            grad_input = _loss_backward("BinaryCrossEntropyBackwardBackward0", g, (g, input, target), input_grad,
                                        curvature)
        if target.requires_grad:
            grad_target = Tensor(target_grad(g))
        return grad_input, grad_target

    return _record(out, "BinaryCrossEntropyBackward0", (input, target), rule, (input, target))


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                                     pos_weight: Tensor | None = None, reduction: str = "mean") -> Tensor:
    # ATen: (1 - y) * x - log_sigmoid(x) [times (pos_weight - 1) * y + 1], each step in the input's dtype
    dtype = input.array.dtype
    x = input.array
    y = target.array.astype(dtype, copy=False)
    one = dtype.type(1)
    log_sigmoid = _log_sigmoid(x)
    if pos_weight is not None:
        log_sigmoid = ((pos_weight.array.astype(dtype, copy=False) - one) * y + one) * log_sigmoid
    loss = np.asarray((one - y) * x - log_sigmoid)
    if weight is not None:
        loss = np.asarray(loss * weight.array.astype(loss.dtype, copy=False))
    out = _reduce_loss(np.asarray(loss), reduction)
    count = input.array.size

    def rule(g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        grad_input = grad_target = None
        if input.requires_grad:
            if pos_weight is not None:
                t = mul(pos_weight, target)
                grad_input = mul(sub(mul(sub(add(t, 1), target), sigmoid(input)), t), g)
            else:
                grad_input = mul(sub(sigmoid(input), target), g)
            if weight is not None:
                grad_input = mul(grad_input, weight)
            if reduction == "mean":
                grad_input = div_scalar(grad_input, count)
        if target.requires_grad:
            if pos_weight is not None:
                logsig_neg = Tensor(_log_sigmoid(-x))
                logsig = Tensor(_log_sigmoid(x))
                grad_target = mul(sub(logsig_neg, mul(logsig, pos_weight)), g)
            else:
                grad_target = mul(neg(input), g)
            if weight is not None:
                grad_target = mul(grad_target, weight)
            if reduction == "mean":
                grad_target = div_scalar(grad_target, count)
        return grad_input, grad_target

    return _record(out, "BinaryCrossEntropyWithLogitsBackward0", (input, target), rule, (input, target),
                   broadcast=True)


def _log_sigmoid(x: np.ndarray) -> np.ndarray:
    """log_sigmoid's kernel: min(x, 0) - log1p(exp(-|x|)), exp as its vectorised code computes it."""
    return np.minimum(x, x.dtype.type(0)) - transcendental.apply("log1p", transcendental.vector_exp(-np.abs(x)))


def _cascade_sum(values: Sequence[Any], zero: Any) -> Any:
    """PyTorch's nll_loss accumulation: 8 partial sums cascaded every 16 items, then added in order."""
    partial = [zero] * 8
    for b, value in enumerate(values):
        partial[0] = partial[0] + value
        for j in range(7):
            if b & (15 << (4 * j)):
                break
            partial[j + 1] = partial[j + 1] + partial[j]
            partial[j] = zero
    total = zero
    for value in partial:
        total = total + value
    return total


def _nll_checks(input: Tensor, target: Tensor, weight: Tensor | None, name: str = "") -> None:  # noqa: A002
    if target.array.dtype not in (np.dtype(np.int64), np.dtype(np.uint8)):
        raise runtime_error(f"expected target dtype to be Long or Byte, but got {scalar_type_name(target)}")
    n_classes = input.array.shape[1] if input.array.ndim > 1 else input.array.shape[-1]
    if weight is not None and (weight.array.ndim != 1 or weight.array.size != n_classes):
        raise runtime_error(
            f"{name}weight tensor should be defined either for all {n_classes} classes or no classes but got "
            f"weight tensor of shape: {list(weight.array.shape)}")


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, ignore_index: int = -100,  # noqa: A002
             reduction: str = "mean") -> Tensor:
    """PyTorch's nll_loss_nd: 1-D/2-D inputs use NllLossBackward0, others NllLoss2DBackward0 over a view."""
    ndim = input.array.ndim
    if ndim < 1:
        raise value_error(f"Expected 1 or more dimensions (got {ndim})")
    if ndim != 1 and input.array.shape[0] != (target.array.shape[0] if target.array.ndim else 1):
        raise value_error(f"Expected input batch_size ({input.array.shape[0]}) to match target batch_size "
                          f"({target.array.shape[0] if target.array.ndim else 1}).")
    _nll_checks(input, target, weight)
    if ndim <= 2:
        if target.array.ndim > 1:
            raise runtime_error("0D or 1D target tensor expected, multi-target not supported")
        if ndim == 1 and target.array.ndim == 1:
            raise runtime_error(f"Expected target to be 0D when input is 1D, but got target.dim ={target.array.ndim}")
        return _nll(input, target, weight, ignore_index, reduction, "NllLossBackward0")
    n, c = input.array.shape[:2]
    out_size = [n, *input.array.shape[2:]]
    if list(target.array.shape[1:]) != list(input.array.shape[2:]):
        raise runtime_error(f"Expected target size {out_size}, got {list(target.array.shape)}")
    if ndim == 4:
        return _nll(input, target, weight, ignore_index, reduction, "NllLoss2DBackward0")
    flat_input = view(contiguous(input), (n, c, 1, -1))
    flat_target = Tensor(np.ascontiguousarray(target.array).reshape(n, 1, -1))
    out = _nll(flat_input, flat_target, weight, ignore_index, reduction, "NllLoss2DBackward0")
    return view(out, out_size) if reduction == "none" else out


def _nll(input: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int, reduction: str,  # noqa: A002
         name: str) -> Tensor:
    x = input.array
    dtype = x.dtype.type
    n_classes = x.shape[1] if x.ndim > 1 else x.shape[0]
    # Move the class dim last and flatten: one row per sample (and spatial position).
    rows = (np.moveaxis(x, 1, -1) if x.ndim > 1 else x).reshape(-1, n_classes)
    labels = target.array.reshape(-1).astype(np.int64)
    keep = labels != ignore_index
    for label in labels[keep]:
        if not 0 <= label < n_classes:
            raise index_error(f"Target {label} is out of bounds.")
    safe = np.where(keep, labels, 0)
    picked = rows[np.arange(rows.shape[0]), safe]
    w = weight.array.astype(x.dtype, copy=False)[safe] if weight is not None else np.ones(picked.shape, x.dtype)
    w = np.where(keep, w, dtype(0))
    if reduction == "none":
        out = np.where(keep, -picked * w, dtype(0)).reshape(target.array.shape).astype(x.dtype)
        total = dtype(0)
    else:
        kept = np.nonzero(keep)[0]
        if weight is not None:
            loss = _cascade_sum([-(picked[i] * w[i]) for i in kept], dtype(0))
            total = _cascade_sum([w[i] for i in kept], dtype(0))
        else:
            loss = _cascade_sum([-picked[i] for i in kept], dtype(0))
            total = dtype(len(kept))
        if labels.size == 0:
            loss, total = (dtype(math.nan) if reduction == "mean" else dtype(0)), dtype(0)
        elif reduction == "mean":
            loss = dtype(loss / total)
        out = np.asarray(loss, dtype=x.dtype)

    def grad_array(g: Tensor) -> np.ndarray:
        grad_rows = np.zeros(rows.shape, dtype=x.dtype)
        if reduction == "none":
            scale = -g.array.reshape(-1) * w
        else:
            value = g.array.reshape(()).astype(x.dtype)
            base = -(value / total) if reduction == "mean" else -value
            scale = w * base if weight is not None else np.where(keep, base, dtype(0))
        grad_rows[np.arange(rows.shape[0]), safe] = np.where(keep, scale, dtype(0))
        if x.ndim <= 1:
            return grad_rows.reshape(x.shape)
        moved_shape = (x.shape[0], *x.shape[2:], n_classes)
        return np.moveaxis(grad_rows.reshape(moved_shape), -1, 1)

    def rule(g: Tensor) -> tuple[Tensor]:
        grad = _loss_backward(name.replace("Backward0", "BackwardBackward0"), g, (g, input),
                              lambda gr: np.ascontiguousarray(grad_array(gr)))
        return (grad,)

    return _record(out, name, (input,), rule, (input,))


def _expand_bias(bias: Tensor, shape: tuple[int, int]) -> Tensor:
    if bias.array.shape == shape:
        return bias
    return expand(bias, shape)


def addmm(bias: Tensor, mat1: Tensor, mat2: Tensor, beta: Scalar = 1, alpha: Scalar = 1) -> Tensor:
    """`beta * bias + alpha * (mat1 @ mat2)` (F.linear's 2-D path): AddmmBackward0 with edges (bias, mat1, mat2)."""
    for label, m in (("mat1", mat1), ("mat2", mat2)):
        if m.array.ndim != 2:
            raise runtime_error(f"{label} must be a matrix, got {m.array.ndim}-D tensor")
    (n, k), (k2, m_) = mat1.array.shape, mat2.array.shape
    if k != k2:
        raise runtime_error(f"mat1 and mat2 shapes cannot be multiplied ({n}x{k} and {k2}x{m_})")
    if mat1.array.dtype != mat2.array.dtype:
        raise runtime_error(f"mat1 and mat2 must have the same dtype, but got {scalar_type_name(mat1)} and "
                            f"{scalar_type_name(mat2)}")
    if bias.array.dtype != mat2.array.dtype:
        raise runtime_error(f"self and mat2 must have the same dtype, but got {scalar_type_name(bias)} and "
                            f"{scalar_type_name(mat2)}")
    with autograd.GradMode(False, "no_grad"):
        _expand_bias(bias, (n, m_))  # PyTorch's expand error for a bias of the wrong size
    check_size((n, m_))
    dtype = mat1.array.dtype.type
    product = products.matmul(mat1.array, mat2.array)
    if alpha != 1:
        product = product * dtype(alpha)
    base = bias.array if beta == 1 else bias.array * dtype(beta)
    out = np.asarray(base + product, dtype=mat1.array.dtype)

    def rule(g: Tensor) -> tuple[Tensor | None, Tensor | None, Tensor | None]:
        grad_bias = (g if beta == 1 else mul_scalar(g, beta)) if bias.requires_grad else None
        grad1 = grad2 = None
        if mat1.requires_grad:
            grad1 = mm(g, t(mat2))
            grad1 = grad1 if alpha == 1 else mul_scalar(grad1, alpha)
        if mat2.requires_grad:
            grad2 = mm(t(mat1), g)
            grad2 = grad2 if alpha == 1 else mul_scalar(grad2, alpha)
        return grad_bias, grad1, grad2

    return _record(out, "AddmmBackward0", (bias, mat1, mat2), rule, _saved_for_product(mat1, mat2), broadcast=True)


# --- the long tail of the tensor API: sorting and scanning, gathering and scattering, triangles and diagonals,
# repeating, flipping and rolling, batched products, einsum, lerp, kron -------------------------------------------
# Rules are written with differentiable ops (gather/scatter/index_select/... call each other), so double backward
# works; PyTorch's formulas from derivatives.yaml, its grad_fn names and its errors.
def _check_index(index: Any, name: str, allow_int32: bool = True) -> np.ndarray:
    if type(index) is not Tensor:
        raise type_error(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    kinds = (np.dtype(np.int64), np.dtype(np.int32)) if allow_int32 else (np.dtype(np.int64),)
    if index.array.dtype not in kinds:
        raise runtime_error(f"{name}(): Expected dtype {'int32/int64' if allow_int32 else 'int64'} for index")
    return index.array.astype(np.int64, copy=False)


def _bounded(index: np.ndarray, size: int, dim: int) -> np.ndarray:
    """PyTorch's check of each index along `dim` (negative indices are errors here, as in gather/scatter)."""
    bad = (index < 0) | (index >= size)
    if bad.any():
        raise runtime_error(f"index {int(index[bad].reshape(-1)[0])} is out of bounds for dimension {dim} with size "
                            f"{size}")
    return index


def _sort_order(array: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Stable argsort along axis; NaN counts as the largest value (first when descending), as in PyTorch."""
    if array.dtype.kind == "b":
        array = array.astype(np.int8)
    if descending:
        if array.dtype.kind == "f":
            key = np.where(np.isnan(array), -np.inf, -array.astype(np.float64))
            order = np.argsort(key, axis=axis, kind="stable")
            nan_first = np.isnan(np.take_along_axis(array, order, axis))
            return np.take_along_axis(order, np.argsort(~nan_first, axis=axis, kind="stable"), axis)
        if array.dtype.kind == "u":
            array = array.astype(np.int64)
        return np.argsort(-array, axis=axis, kind="stable")
    return np.argsort(array, axis=axis, kind="stable")


def _value_selecting_backward(g: Tensor, dim: int, indices: np.ndarray, shape: tuple[int, ...], keepdim: bool
                              ) -> Tensor:
    """The gradient of values picked at `indices` along dim: g scattered into zeros of the input's shape."""
    index = Tensor(indices)
    if not keepdim and g.array.ndim < len(shape):
        g = unsqueeze(g, dim)
        index = Tensor(np.expand_dims(indices, dim))
    return scatter(zeros_like(g, shape=shape), dim, index, g)


def sort(x: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> ReturnPair:
    if isinstance(dim, bool):  # x.sort(True) is sort(stable=True) in PyTorch's overloads; keep it simple
        dim = -1
    d = _wrap_dim(dim, x.array.ndim)
    array = x.array if x.array.ndim else x.array.reshape(1)
    order = _sort_order(array, d, descending)
    values = np.take_along_axis(array, order, d).reshape(x.array.shape)
    order = order.reshape(x.array.shape).astype(np.int64)
    shape = x.array.shape
    result = _record(values, "SortBackward0", (x,),
                     lambda g: (_value_selecting_backward(g, d, order, shape, True) if shape else g,))
    return ReturnPair((result, Tensor(order)), "sort")


def argsort(x: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    return sort(x, dim, descending, stable)[1]


def msort(x: Tensor) -> Tensor:
    return sort(x, 0)[0]


def topk(x: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> ReturnPair:  # noqa: A002
    d = _wrap_dim(dim, x.array.ndim)
    array = x.array if x.array.ndim else x.array.reshape(1)
    if not 0 <= k <= array.shape[d]:
        raise runtime_error("selected index k out of range")
    order = np.take(_sort_order(array, d, largest), np.arange(k), axis=d).astype(np.int64)
    values = np.take_along_axis(array, order, d)
    if not x.array.ndim:
        values, order = values.reshape(()), order.reshape(())
    shape = x.array.shape
    result = _record(np.ascontiguousarray(values), "TopkBackward0", (x,),
                     lambda g: (_value_selecting_backward(g, d, order, shape, True) if shape else g,))
    return ReturnPair((result, Tensor(np.ascontiguousarray(order))), "topk")


def kthvalue(x: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> ReturnPair:
    d = _wrap_dim(dim, x.array.ndim)
    array = x.array if x.array.ndim else x.array.reshape(1)
    if not 1 <= k <= array.shape[d]:
        raise runtime_error(f"kthvalue(): selected number k out of range for dimension {d}")
    picked = np.take(_sort_order(array, d, False), [k - 1], axis=d).astype(np.int64)
    values = np.take_along_axis(array, picked, d)
    if not keepdim:
        values, picked = values.squeeze(d), picked.squeeze(d)
    if not x.array.ndim:
        values, picked = values.reshape(()), picked.reshape(())
    shape = x.array.shape
    result = _record(np.ascontiguousarray(values), "KthvalueBackward0", (x,),
                     lambda g: (_value_selecting_backward(g, d, picked, shape, keepdim) if shape else g,))
    return ReturnPair((result, Tensor(np.ascontiguousarray(picked))), "kthvalue")


def _scan_dtype(x: Tensor, dtype: Any) -> np.dtype:
    if dtype is not None:
        return to_numpy_dtype(dtype)
    return np.dtype(np.int64) if x.array.dtype.kind in "biu" else x.array.dtype


def cumsum(x: Tensor, dim: int, dtype: Any = None) -> Tensor:
    d = _wrap_dim(dim, x.array.ndim)
    out = reductions.cumulative_array(x.array, d, np.add, _scan_dtype(x, dtype))
    source = x.dtype

    def rule(g: Tensor) -> tuple[Tensor]:
        if not x.array.ndim:
            return (g,)
        grad = flip(cumsum(flip(g, (d,)), d), (d,))  # PyTorch's cumsum_backward: the reversed cumulative sum
        return (to_dtype(grad, source) if grad.array.dtype != x.array.dtype else grad,)

    return _record(out, "CumsumBackward0", (x,), rule)


def cumprod(x: Tensor, dim: int, dtype: Any = None) -> Tensor:
    d = _wrap_dim(dim, x.array.ndim)
    out = reductions.cumulative_array(x.array, d, np.multiply, _scan_dtype(x, dtype))

    def rule(g: Tensor, result: Tensor) -> tuple[Tensor]:
        if not x.array.ndim:
            return (g,)
        if not np.any(x.array == 0):
            # d out_j / d x_i = out_j / x_i for j >= i: a reversed cumulative sum of g * out, divided by x.
            return (div(flip(cumsum(flip(mul(g, result), (d,)), d), (d,)), x),)
        return (Tensor(_cumprod_grad_with_zeros(x.array, g.array, d)),)

    return _record_reading_result(out, "CumprodBackward0", (x,), rule, (x,))


def _cumprod_grad_with_zeros(x: np.ndarray, g: np.ndarray, d: int) -> np.ndarray:
    """sum over j >= i of g_j times the product of x_k for k <= j, k != i (no division, so zeros are fine)."""
    moved_x, moved_g = np.moveaxis(x.astype(np.float64), d, -1), np.moveaxis(g.astype(np.float64), d, -1)
    n = moved_x.shape[-1]
    grad = np.zeros_like(moved_x)
    for i in range(n):
        without = moved_x.copy()
        without[..., i] = 1.0
        partial = np.cumprod(without, axis=-1)
        grad[..., i] = np.sum(moved_g[..., i:] * partial[..., i:], axis=-1)
    return np.moveaxis(grad, -1, d).astype(x.dtype)


def _gather_checks(x: Tensor, d: int, index: np.ndarray, name: str, src: np.ndarray | None = None) -> None:
    if index.ndim != _py.max(x.array.ndim, 1) and not (index.ndim == 0 and x.array.ndim <= 1):
        raise runtime_error("Index tensor must have the same number of dimensions as input tensor")
    shape = x.array.shape if x.array.ndim else (1,)
    for axis, size in enumerate(index.shape):
        if axis != d and axis < len(shape) and size > shape[axis] or (
                src is not None and axis < src.ndim and size > src.shape[axis]):
            if src is None:
                raise runtime_error(f"Size does not match at dimension {axis} expected index {list(index.shape)} to be "
                                    f"no larger than self {list(shape)} apart from dimension {d}")
            raise runtime_error(f"Expected index {list(index.shape)} to be no larger than self {list(shape)} apart "
                                f"from dimension {d} and to be no larger size than src {list(src.shape)}")


def gather(x: Tensor, dim: int, index: Tensor, sparse_grad: bool = False) -> Tensor:
    d = _wrap_dim(dim, x.array.ndim)
    idx = _check_index(index, "gather")
    _gather_checks(x, d, idx, "gather")
    array = x.array if x.array.ndim else x.array.reshape(1)
    _bounded(idx, array.shape[d], d)
    picked = idx if idx.ndim else idx.reshape(1)
    window = array[tuple(slice(0, n) if axis != d else slice(None) for axis, n in enumerate(picked.shape))]
    out = np.take_along_axis(window, picked, d).reshape(idx.shape)
    shape = x.array.shape

    def rule(g: Tensor) -> tuple[Tensor]:
        return (scatter_add(zeros_like(g, shape=shape), d, index, g),)

    result = _record(np.ascontiguousarray(out), "GatherBackward0", (x,), rule)
    if result.grad_fn is not None:
        result.grad_fn.had_saved = True  # PyTorch saves the index
    return result


def _scatter_into(array: np.ndarray, d: int, index: np.ndarray, values: Any, accumulate: bool | str) -> np.ndarray:
    """A copy of `array` with `values` written (accumulate False), added (True) or multiplied ("multiply") in."""
    out = np.array(array, copy=True)
    target = out if out.ndim else out.reshape(1)
    idx = index if index.ndim else index.reshape(1)
    grid = np.indices(idx.shape, sparse=True)
    key = tuple(idx if axis == d else grid[axis] for axis in range(idx.ndim))
    if isinstance(values, np.ndarray) and values.ndim:
        values = values[tuple(slice(0, n) for n in idx.shape)]
    if accumulate == "multiply":
        np.multiply.at(target, key, values)
    elif accumulate:
        np.add.at(target, key, values)
    else:
        target[key] = values
    return out


def scatter(x: Tensor, dim: int, index: Tensor, src: Any = None, value: Any = None, reduce: Any = None) -> Tensor:
    """`x.scatter(dim, index, src)` (ScatterBackward0) or with a number (ScatterBackward1)."""
    if src is None:
        src = value
    d = _wrap_dim(dim, x.array.ndim)
    idx = _check_index(index, "scatter", allow_int32=False)
    source = src.array if type(src) is Tensor else None
    _gather_checks(x, d, idx, "scatter", source)
    _bounded(idx, (x.array.shape if x.array.ndim else (1,))[d], d)
    if reduce is not None:
        return _scatter_reducing(x, d, idx, src, reduce)
    if type(src) is Tensor:
        values = src.array.astype(x.array.dtype, copy=False)
        out = _scatter_into(x.array, d, idx, values, False)

        def rule(g: Tensor) -> tuple[Tensor, Tensor]:
            return scatter(g, d, index, 0.0), _source_gradient("ScatterBackward0", gather(g, d, index), src)

        return _record(out, "ScatterBackward0", (x, src), rule)
    out = _scatter_into(x.array, d, idx, x.array.dtype.type(src.item() if type(src) is Tensor else src), False)
    return _record(out, "ScatterBackward1", (x,), lambda g: (scatter(g, d, index, 0.0),))


def _scatter_reducing(x: Tensor, d: int, idx: np.ndarray, src: Any, reduce: Any) -> Tensor:
    """scatter(..., reduce="add" | "multiply"): PyTorch has no derivative for it (a node that fails in backward)."""
    if reduce not in ("add", "multiply"):
        raise runtime_error("reduce argument must be either add or multiply.")
    if type(src) is Tensor:
        warn_once("UserWarning", "The reduce argument of torch.scatter with Tensor src is deprecated and will be "
                                 "removed in a future PyTorch release. Use torch.scatter_reduce instead for more "
                                 "reduction options.")
        values = src.array.astype(x.array.dtype, copy=False)
    else:
        values = x.array.dtype.type(src)
    out = _scatter_into(x.array, d, idx, values, True if reduce == "add" else "multiply")

    def rule(g: Tensor) -> tuple[None, ...]:
        raise runtime_error("derivative for aten::scatter is not implemented")

    return _record(out, "NotImplemented", (x, src) if type(src) is Tensor else (x,), rule)


def scatter_add(x: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    d = _wrap_dim(dim, x.array.ndim)
    idx = _check_index(index, "scatter_add", allow_int32=False)
    if type(src) is not Tensor:
        raise type_error(f"scatter_add(): argument 'src' (position 3) must be Tensor, not {type(src).__name__}")
    _gather_checks(x, d, idx, "scatter_add", src.array)
    _bounded(idx, (x.array.shape if x.array.ndim else (1,))[d], d)
    out = _scatter_into(x.array, d, idx, src.array.astype(x.array.dtype, copy=False), True)
    return _record(out, "ScatterAddBackward0", (x, src),
                   lambda g: (g, _source_gradient("ScatterAddBackward0", gather(g, d, index), src)))


def _source_gradient(name: str, grad: Tensor, src: Tensor) -> Tensor:
    """The gradient of a scatter's src is the gathered window: PyTorch's engine rejects it when the index was
    smaller than src (it cannot be broadcast back)."""
    if grad.array.shape != src.array.shape:
        raise runtime_error(f"Function {name} returned an invalid gradient at index 1 - got {list(grad.array.shape)} "
                            f"but expected shape compatible with {list(src.array.shape)}")
    return grad


def _vector_index(index: Any, name: str) -> np.ndarray:
    if type(index) is not Tensor:
        raise type_error(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index.array.dtype not in (np.dtype(np.int64), np.dtype(np.int32)):
        raise runtime_error(f"{name}(): Expected dtype int32 or int64 for index")
    if index.array.ndim > 1:
        raise index_error(f"{name}(): Index is supposed to be a vector")
    return index.array.reshape(-1).astype(np.int64)


def index_select(x: Tensor, dim: int, index: Tensor) -> Tensor:
    d = _wrap_dim(dim, x.array.ndim)
    idx = _vector_index(index, "index_select")
    size = x.array.shape[d] if x.array.ndim else 1
    if np.any((idx < -size) | (idx >= size)):
        raise index_error("index out of range in self")
    array = x.array if x.array.ndim else x.array.reshape(1)
    out = np.take(array, idx, axis=d)
    if not x.array.ndim and index.array.ndim == 0:
        out = out.reshape(())
    shape = x.array.shape

    def rule(g: Tensor) -> tuple[Tensor]:
        return (index_add(zeros_like(g, shape=shape), d, index, g),)

    return _record(np.ascontiguousarray(out), "IndexSelectBackward0", (x,), rule)


def _slices_check(x: Tensor, d: int, idx: np.ndarray, source: Tensor, name: str) -> None:
    count = source.array.shape[d] if source.array.ndim else 1
    if idx.size != count:
        raise runtime_error(f"{name}(): Number of indices ({idx.size}) should be equal to source.size(dim): ({count}), "
                            f"for dim: {d}")
    for axis, (a, b) in enumerate(zip(x.array.shape, source.array.shape)):
        if axis != d and a != b:
            within = axis if axis < d else axis - 1  # PyTorch counts dimensions within the slice
            raise runtime_error(f"{name}(): Source/destination tensor must have same slice shapes. Destination slice "
                                f"shape: {a} at dimension {within} and source slice shape: {b} at dimension {within}.")
    size = x.array.shape[d] if x.array.ndim else 1
    if np.any((idx < -size) | (idx >= size)):
        raise index_error(f"{name}(): index out of range")


def index_add(x: Tensor, dim: int, index: Tensor, source: Tensor, alpha: Scalar = 1) -> Tensor:
    d = _wrap_dim(dim, x.array.ndim)
    idx = _vector_index(index, "index_add_")
    _slices_check(x, d, idx, source, "index_add_")
    values = source.array.astype(x.array.dtype, copy=False)
    if alpha != 1:
        values = values * x.array.dtype.type(alpha)
    out = np.array(x.array, copy=True)
    key = (slice(None),) * d + (idx,)
    np.add.at(out, key if x.array.ndim else (idx,), values if x.array.ndim else values.reshape(-1))

    def rule(g: Tensor) -> tuple[Tensor, Tensor]:
        picked = index_select(g, d, index) if g.array.ndim else g
        return g, picked if alpha == 1 else mul(picked, alpha)

    return _record(out, "IndexAddBackward0", (x, source), rule)


def index_copy(x: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    d = _wrap_dim(dim, x.array.ndim)
    idx = _vector_index(index, "index_copy_")
    _slices_check(x, d, idx, source, "index_copy_")
    out = np.array(x.array, copy=True)
    out[(slice(None),) * d + (idx,)] = source.array.astype(x.array.dtype, copy=False)

    def rule(g: Tensor) -> tuple[Tensor, Tensor]:
        return index_fill(g, d, index, 0.0), index_select(g, d, index)

    return _record(out, "IndexCopyBackward0", (x, source), rule)


def index_fill(x: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    d = _wrap_dim(dim, x.array.ndim)
    idx = _vector_index(index, "index_fill_")
    out = np.array(x.array, copy=True)
    fill = value.item() if type(value) is Tensor else value
    out[(slice(None),) * d + (idx,)] = fill
    return _record(out, "IndexFillBackward0", (x,), lambda g: (index_fill(g, d, index, 0.0),))


def masked_select(x: Tensor, mask: Tensor) -> Tensor:
    if type(mask) is not Tensor or mask.array.dtype.kind != "b":
        raise runtime_error("masked_select: expected BoolTensor for mask")
    _check_broadcast(mask.array, x.array)
    shape = np.broadcast_shapes(x.array.shape, mask.array.shape)
    values = np.broadcast_to(x.array, shape)[np.broadcast_to(mask.array, shape)]
    condition = np.broadcast_to(mask.array, shape)

    def rule(g: Tensor) -> tuple[Tensor]:
        grad = np.zeros(shape, dtype=g.array.dtype)
        grad[condition] = g.array
        return (_record(grad, "MaskedScatterBackward0", (g,), lambda gg: (masked_select(gg, mask),)),)

    return _record(np.ascontiguousarray(values), "MaskedSelectBackward0", (x,), rule, broadcast=True)


def nonzero(x: Tensor, as_tuple: bool = False) -> Any:
    found = np.nonzero(x.array if x.array.ndim else x.array.reshape(1))
    if as_tuple:
        return tuple(Tensor(np.asarray(axis, dtype=np.int64)) for axis in found)
    if not x.array.ndim:
        return Tensor(np.zeros((int(bool(x.array)), 0), dtype=np.int64))
    return Tensor(np.ascontiguousarray(np.stack(found, axis=1).astype(np.int64)))


def argwhere(x: Tensor) -> Tensor:
    return nonzero(x)


def count_nonzero(x: Tensor, dim: Any = None) -> Tensor:
    axis = None if dim is None else _dims(x, dim)
    return Tensor(np.asarray(np.count_nonzero(x.array, axis=axis), dtype=np.int64))


def _truth_reduction(x: Tensor, dim: Any, keepdim: bool, reduce: Callable[..., np.ndarray]) -> Tensor:
    dtype = np.dtype(np.uint8) if x.array.dtype == np.uint8 else np.dtype(np.bool_)
    if dim is None:
        return Tensor(np.asarray(reduce(x.array), dtype=dtype))
    dims = _dims(x, dim)
    out = reduce(x.array, axis=dims if x.array.ndim else None, keepdims=keepdim)
    return Tensor(np.asarray(out, dtype=dtype))


def all_(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """torch.all (named with an underscore so that Python's all stays usable in this module)."""
    return _truth_reduction(x, dim, keepdim, np.all)


def any_(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """torch.any."""
    return _truth_reduction(x, dim, keepdim, np.any)


def _triangle(x: Tensor, diagonal: int, name: str, keep: Callable[..., np.ndarray]) -> Tensor:
    if x.array.ndim < 2:
        raise runtime_error(f"{name}: input tensor must have at least 2 dimensions")
    rows, cols = x.array.shape[-2:]
    mask = keep(np.ones((rows, cols), dtype=bool), diagonal)
    out = np.where(mask, x.array, x.array.dtype.type(0))
    inverse = tril if name == "tril" else triu
    return _record(out, f"{name.capitalize()}Backward0", (x,), lambda g: (inverse(g, diagonal),))


def tril(x: Tensor, diagonal: int = 0) -> Tensor:
    return _triangle(x, diagonal, "tril", np.tril)


def triu(x: Tensor, diagonal: int = 0) -> Tensor:
    return _triangle(x, diagonal, "triu", np.triu)


def _diagonal_key(shape: tuple[int, ...], offset: int, dim1: int, dim2: int) -> tuple[np.ndarray, np.ndarray, int]:
    n1, n2 = shape[dim1], shape[dim2]
    start1, start2 = (0, offset) if offset >= 0 else (-offset, 0)
    length = _py.max(0, _py.min(n1 - start1, n2 - start2))
    steps = np.arange(length)
    return steps + start1, steps + start2, length


def diagonal(x: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1, name: str = "DiagonalBackward0") -> Tensor:
    ndim = x.array.ndim
    d1, d2 = _wrap_dim(dim1, ndim), _wrap_dim(dim2, ndim)
    if d1 == d2:
        raise runtime_error(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    out = np.diagonal(x.array, offset, d1, d2)
    shape = x.array.shape

    def rule(g: Tensor) -> tuple[Tensor]:
        return (_diagonal_backward(g, shape, offset, d1, d2),)

    return _record(np.ascontiguousarray(out), name, (x,), rule)


def _diagonal_backward(g: Tensor, shape: tuple[int, ...], offset: int, d1: int, d2: int) -> Tensor:
    """Zeros of the input's shape with g written on the diagonal (differentiable: its rule takes the diagonal)."""
    rows, cols, _ = _diagonal_key(shape, offset, d1, d2)
    grad = np.zeros(shape, dtype=g.array.dtype)
    moved = np.moveaxis(grad, (d1, d2), (-2, -1))
    moved[..., rows, cols] = g.array
    return _record(grad, "DiagonalBackwardBackward0", (g,), lambda gg: (diagonal(gg, offset, d1, d2),))


def diag(x: Tensor, diagonal: int = 0) -> Tensor:  # noqa: F811 - the parameter is PyTorch's name
    ndim = x.array.ndim
    if ndim == 1:
        n = x.array.shape[0] + _py.abs(diagonal)
        out = np.zeros((n, n), dtype=x.array.dtype)
        rows, cols, _ = _diagonal_key((n, n), diagonal, 0, 1)
        out[rows, cols] = x.array
        offset = diagonal
        return _record(out, "DiagEmbedBackward0", (x,), lambda g: (_diagonal_of(g, offset),))
    if ndim == 2:
        return _diagonal_of(x, diagonal, "DiagonalBackward0_copy")
    raise runtime_error(f"diag(): Supports 1D or 2D tensors. Got {ndim}D")


def _diagonal_of(x: Tensor, offset: int, name: str = "DiagonalBackward0") -> Tensor:
    return diagonal(x, offset, 0, 1, name)


def diag_embed(x: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    n = x.array.shape[-1] + _py.abs(offset)
    ndim = x.array.ndim + 1
    d1, d2 = _wrap_dim(dim1, ndim), _wrap_dim(dim2, ndim)
    batch = x.array.shape[:-1]
    out = np.zeros(batch + (n, n), dtype=x.array.dtype)
    rows, cols, _ = _diagonal_key((n, n), offset, 0, 1)
    out[..., rows, cols] = x.array
    out = np.moveaxis(out, (-2, -1), (d1, d2))
    return _record(np.ascontiguousarray(out), "DiagEmbedBackward0", (x,), lambda g: (diagonal(g, offset, d1, d2),))


def trace(x: Tensor) -> Tensor:
    if x.array.ndim != 2:
        raise runtime_error(f"trace: expected a matrix, but got tensor with dim {x.array.ndim}")
    shape = x.array.shape
    out = np.asarray(np.trace(x.array), dtype=_sum_dtype(x, None))

    def rule(g: Tensor) -> tuple[Tensor]:
        return (_diagonal_backward(expand(g, (_py.min(shape),)), shape, 0, 0, 1),)

    return _record(out, "TraceBackward0", (x,), rule)


def repeat(x: Tensor, *sizes: Any) -> Tensor:
    reps = _shape_arg(sizes)
    if len(reps) < x.array.ndim:
        raise runtime_error("Number of dimensions of repeat dims can not be smaller than number of dimensions of "
                            "tensor")
    for n in reps:
        if n < 0:
            raise runtime_error(f"Trying to create tensor with negative dimension {n}: {list(reps)}")
    shape = (1,) * (len(reps) - x.array.ndim) + x.array.shape
    check_size(tuple(a * b for a, b in zip(shape, reps)))
    out = np.tile(x.array.reshape(shape), reps)
    original = x.array.shape

    def rule(g: Tensor) -> tuple[Tensor]:
        # Split each dim into (repeat, size) and sum the repeats out (PyTorch's repeat_backward).
        split = []
        for r, n in zip(reps, shape):
            split += [r, n]
        summed = sum(reshape(g, tuple(split)), tuple(range(0, 2 * len(reps), 2)))
        return (reshape(summed, original),)

    return _record(out, "RepeatBackward0", (x,), rule)


def tile(x: Tensor, dims: Any) -> Tensor:
    if not isinstance(dims, (tuple, list, Size)):
        raise type_error(f"tile(): argument 'dims' (position 2) must be tuple of ints, not {type(dims).__name__}")
    reps = tuple(dims)
    if len(reps) < x.array.ndim:
        reps = (1,) * (x.array.ndim - len(reps)) + reps
    return repeat(x, reps)


def flip(x: Tensor, dims: Any) -> Tensor:
    if not isinstance(dims, (tuple, list, Size)):
        raise type_error(f"flip(): argument 'dims' (position 2) must be tuple of ints, not {type(dims).__name__}")
    axes = tuple(dims)
    axes = tuple(_wrap_dim(d, x.array.ndim) for d in axes)
    if len(set(axes)) != len(axes):
        raise runtime_error(f"dims has duplicates, original flip dims size={len(axes)}, but unique flip dims "
                            f"size={len(set(axes))}")
    out = np.flip(x.array, axes) if x.array.ndim else x.array
    return _record(np.ascontiguousarray(out), "FlipBackward0", (x,), lambda g: (flip(g, axes),))


def fliplr(x: Tensor) -> Tensor:
    if x.array.ndim < 2:
        raise runtime_error("Input must be >= 2-d.")
    return flip(x, (1,))


def flipud(x: Tensor) -> Tensor:
    if x.array.ndim < 1:
        raise runtime_error("Input must be >= 1-d.")
    return flip(x, (0,))


def roll(x: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    shift_list = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    if dims is None:
        if len(shift_list) != 1:
            raise runtime_error(f"shifts and dimensions must align. shifts: {len(shift_list)}, dims:0")
        out = np.roll(x.array.reshape(-1), shift_list[0]).reshape(x.array.shape)
        return _record(out, "RollBackward0", (x,), lambda g: (roll(g, -shift_list[0]),))
    dim_list = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shift_list) != len(dim_list):
        raise runtime_error(f"shifts and dimensions must align. shifts: {len(shift_list)}, dims:{len(dim_list)}")
    axes = tuple(_wrap_dim(d, x.array.ndim) for d in dim_list)
    out = np.roll(x.array, shift_list, axes) if x.array.ndim else x.array.copy()
    back = tuple(-s for s in shift_list)
    return _record(np.ascontiguousarray(out), "RollBackward0", (x,), lambda g: (roll(g, back, axes),))


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for index, t in enumerate(tensors):  # PyTorch's argument parser, before any warning
        if type(t) is not Tensor:
            raise type_error(f"expected Tensor as element {index} in argument 0, but got {type(t).__name__}")
    if indexing is None:
        warn_once("UserWarning", "torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
                                 "argument.")
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise runtime_error(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    for t in tensors:
        if t.array.ndim > 1:
            raise runtime_error(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t}")
    sizes = [t.array.size for t in tensors]
    swap = indexing == "xy" and len(tensors) >= 2
    if swap:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for position, t in enumerate(tensors):
        axis = position
        if swap and position < 2:
            axis = 1 - position
        view_shape = [1] * len(tensors)
        view_shape[axis] = -1
        out.append(expand(view(t, tuple(view_shape)), tuple(sizes)))
    return tuple(out)


def bmm(a: Tensor, b: Tensor) -> Tensor:
    if a.array.ndim != 3:
        raise runtime_error("batch1 must be a 3D tensor")
    if b.array.ndim != 3:
        raise runtime_error("batch2 must be a 3D tensor")
    batch, _, inner = a.array.shape
    if b.array.shape[:2] != (batch, inner):
        raise runtime_error(f"Expected size for first two dimensions of batch2 tensor to be: [{batch}, {inner}] but "
                            f"got: [{b.array.shape[0]}, {b.array.shape[1]}].")
    _matmul_dtype(a, b)
    check_size((batch, a.array.shape[1], b.array.shape[2]))
    out = np.matmul(a.array, b.array)
    return _record(out, "BmmBackward0", (a, b),
                   lambda g: (bmm(g, transpose(b, 1, 2)) if a.requires_grad else None,
                              bmm(transpose(a, 1, 2), g) if b.requires_grad else None),
                   _saved_for_product(a, b))


def lerp(start: Tensor, end: Tensor, weight: Operand) -> Tensor:
    if type(end) is not Tensor:
        raise type_error(f"lerp(): argument 'end' (position 2) must be Tensor, not {type(end).__name__}")
    tensor_weight = type(weight) is Tensor
    dtype = start.array.dtype
    for operand in (end, weight):
        if type(operand) is Tensor and operand.array.dtype != dtype:
            raise runtime_error(f"expected dtype {scalar_type_name(start).lower()} for `end` but got dtype "
                                f"{scalar_type_name(operand).lower()}")
    w = weight.array if tensor_weight else dtype.type(weight)
    shape = start.array.shape
    for operand in (end.array, w):
        if np.shape(operand) != shape:
            _check_broadcast(np.empty(shape, dtype=bool), operand)
            shape = np.broadcast_shapes(shape, np.shape(operand))
    check_size(shape)
    out = _lerp_values(start.array, end.array, w)
    if tensor_weight:
        def rule(g: Tensor) -> tuple[Tensor, Tensor, Tensor | None]:
            return (mul(g, rsub(weight, 1)), mul(g, weight),
                    mul(g, sub(end, start)) if weight.requires_grad else None)

        return _record(out, "LerpBackward1", (start, end, weight), rule, broadcast=True)
    return _record(out, "LerpBackward0", (start, end), lambda g: (mul(g, 1 - weight), mul(g, weight)),
                   broadcast=True)


def _lerp_values(start: np.ndarray, end: np.ndarray, weight: Any) -> np.ndarray:
    """PyTorch's lerp kernel: start + w * (end - start) for |w| < 0.5, else end - (end - start) * (1 - w), each a
    fused multiply-add."""
    from autodiff.engine.rng import _fma32, _fma64

    fma = _fma32 if start.dtype == np.float32 else _fma64
    start, end, weight = np.broadcast_arrays(start, end, np.asarray(weight, dtype=start.dtype))
    diff = end - start
    one = start.dtype.type(1)
    low = np.asarray(fma(weight, diff, start), dtype=start.dtype)
    high = np.asarray(fma(-diff, one - weight, end), dtype=start.dtype)
    return np.where(np.abs(weight) < 0.5, low, high)


def kron(a: Tensor, b: Tensor) -> Tensor:
    if type(b) is not Tensor:
        raise type_error(f"kron(): argument 'other' (position 2) must be Tensor, not {type(b).__name__}")
    ndim = _py.max(a.array.ndim, b.array.ndim)
    shape_a = (1,) * (ndim - a.array.ndim) + a.array.shape
    shape_b = (1,) * (ndim - b.array.ndim) + b.array.shape
    # PyTorch interleaves the dims: a viewed as (a0, 1, a1, 1, ...), b as (1, b0, 1, b1, ...), multiplied.
    view_a, view_b = [], []
    for n, m in zip(shape_a, shape_b):
        view_a += [n, 1]
        view_b += [1, m]
    product = mul(reshape(a, tuple(view_a)), reshape(b, tuple(view_b)))
    return unsafe_view(product, tuple(n * m for n, m in zip(shape_a, shape_b)))


def einsum(equation: str, *operands: Any) -> Tensor:
    """torch.einsum, built from differentiable ops the way PyTorch builds it: diagonals for repeated subscripts,
    permutes and sums, then a bmm for each contraction (or a product when nothing is contracted)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise value_error("einsum(): must specify the equation string and at least one operand, or at least one "
                          "operand and its subscripts list")
    inputs_text, arrow, output_text = equation.replace(" ", "").partition("->")
    terms = inputs_text.split(",")
    if len(terms) > len(operands):
        raise runtime_error("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(operands):
        raise runtime_error("einsum(): more operands were provided than specified in the equation")
    letters = [_einsum_labels(term, t.array.ndim, position) for position, (term, t) in enumerate(zip(terms, operands))]
    sizes: dict[str, int] = {}
    for position, (labels, t) in enumerate(zip(letters, operands)):
        for label, n in zip(labels, t.array.shape):
            if label in sizes and sizes[label] != n and n != 1 and sizes[label] != 1:
                raise runtime_error(f"einsum(): subscript {label} has size {n} for operand {position} which does not "
                                    f"broadcast with previously seen size {sizes[label]}")
            sizes[label] = _py.max(sizes.get(label, 1), n)
    if arrow:
        broadcast = _py.max([0] + [len([label for label in labels if label.startswith(".")]) for labels in letters])
        output_ndim = broadcast + len(output_text.replace("...", "")) if "..." in output_text else -1
        output = _einsum_labels(output_text, output_ndim, -1)
        for label in output:
            if label not in sizes:
                raise runtime_error(f"einsum(): output subscript {label} does not appear in the equation for any "
                                    "input operand")
    else:
        counts: dict[str, int] = {}
        for labels in letters:
            for label in labels:
                counts[label] = counts.get(label, 0) + 1
        output = [label for label in sorted(counts) if counts[label] == 1 and label != "."]
        output = [label for label in counts if label.startswith(".")] + output
    # Each operand: take diagonals of repeated subscripts, sum subscripts found nowhere else, and permute.
    prepared: list[tuple[Tensor, list[str]]] = []
    for position, (labels, t) in enumerate(zip(letters, operands)):
        labels = list(labels)
        for label in list(dict.fromkeys(labels)):
            while labels.count(label) > 1:
                first = labels.index(label)
                second = labels.index(label, first + 1)
                t = diagonal(t, 0, first, second)
                labels = [x for i, x in enumerate(labels) if i not in (first, second)] + [label]
                # The diagonal lands last; PyTorch moves it back to where the subscript first appeared.
                order = list(range(len(labels) - 1))
                order.insert(first, len(labels) - 1)
                t = permute(t, tuple(order))
                labels = [labels[i] for i in order]
        elsewhere = set(output)
        for other_position, other in enumerate(letters):
            if other_position != position:
                elsewhere.update(other)
        lonely = [i for i, label in enumerate(labels) if label not in elsewhere]
        if len(operands) == 1:
            # PyTorch permutes the operand to (output subscripts, then summed ones) first, even if nothing moves.
            order = [labels.index(label) for label in output] + lonely
            t = permute(t, tuple(order))
            labels = [labels[i] for i in order]
            lonely = list(range(len(output), len(labels)))
        if lonely:
            t = sum(t, tuple(lonely))
            labels = [label for i, label in enumerate(labels) if i not in lonely]
        prepared.append((t, labels))
    result, labels = prepared[0]
    for position in range(1, len(prepared)):
        t, other_labels = prepared[position]
        later = set(output)
        for _, rest in prepared[position + 1:]:
            later.update(rest)
        result, labels = _einsum_pair(result, labels, t, other_labels, later)
    extra = [i for i, label in enumerate(labels) if label not in output]
    if extra:
        result = sum(result, tuple(extra))
        labels = [label for i, label in enumerate(labels) if i not in extra]
    order = [labels.index(label) for label in output]
    if order != list(range(len(order))):
        result = permute(result, tuple(order))
    return result


def _einsum_labels(term: str, ndim: int, position: int) -> list[str]:
    """A term's subscripts as a list; `...` becomes one label per broadcast dimension ('.0', '.1', ...)."""
    if "..." not in term:
        labels = list(term)
        if ndim >= 0 and len(labels) != ndim:
            raise runtime_error(f"einsum(): the number of subscripts in the equation ({len(labels)}) does not match "
                                f"the number of dimensions ({ndim}) for operand {position} and no ellipsis was given")
        for label in labels:
            if not label.isalpha():
                raise runtime_error("einsum(): invalid subscript given at index "
                                    f"{term.index(label)} in the equation string, subscripts must be in [a-zA-Z]")
        return labels
    head, _, tail = term.partition("...")
    count = (ndim - len(head) - len(tail)) if ndim >= 0 else -1
    dots = [f".{i}" for i in range(count)] if count >= 0 else ["..."]
    return list(head) + dots + list(tail)


def _einsum_pair(a: Tensor, labels_a: list[str], b: Tensor, labels_b: list[str], later: set[str]
                 ) -> tuple[Tensor, list[str]]:
    """Multiply two operands and sum the subscripts no later operand or the output needs: a bmm over the summed
    subscripts (batch: the shared kept ones), or an elementwise product if nothing is summed."""
    if any(label.startswith(".") for label in labels_a + labels_b) and "..." in labels_a + labels_b:
        raise runtime_error("einsum(): ellipsis needs the operands' dimensions")
    shared = [label for label in labels_a if label in labels_b]
    summed = [label for label in shared if label not in later]
    batch = [label for label in shared if label in later]
    only_a = [label for label in labels_a if label not in labels_b]
    only_b = [label for label in labels_b if label not in labels_a]
    if not summed:
        everything = batch + only_a + only_b
        a_view = _einsum_align(a, labels_a, everything)
        b_view = _einsum_align(b, labels_b, everything)
        return mul(a_view, b_view), everything
    sizes = {**dict(zip(labels_a, a.array.shape)), **dict(zip(labels_b, b.array.shape))}
    a_perm = permute(a, tuple(labels_a.index(label) for label in batch + only_a + summed))
    b_perm = permute(b, tuple(labels_b.index(label) for label in batch + summed + only_b))

    def count(labels: list[str]) -> int:
        return int(np.prod([sizes[label] for label in labels])) if labels else 1

    a3 = reshape(a_perm, (count(batch), count(only_a), count(summed)))
    b3 = reshape(b_perm, (count(batch), count(summed), count(only_b)))
    product = bmm(a3, b3)
    result_labels = batch + only_a + only_b
    # PyTorch views the product back, permutes it (here in place already) and views it to the result's shape.
    unfolded = view(product, tuple(sizes[label] for label in result_labels))
    moved = permute(unfolded, tuple(range(len(result_labels))))
    return view(moved, tuple(sizes[label] for label in result_labels)), result_labels


def _einsum_align(t: Tensor, labels: list[str], everything: list[str]) -> Tensor:
    """t with a size-1 dim (unsqueezed last) for each subscript it lacks, permuted to the order of `everything`."""
    labels = list(labels)
    for label in everything:
        if label not in labels:
            t = unsqueeze(t, -1)
            labels.append(label)
    return permute(t, tuple(labels.index(label) for label in everything))

# --- layers (torch.nn): embedding, convolution, pooling, padding, normalization ---------------------------
# Convolution, pooling and padding are linear in each input; each forward op here is paired with its adjoint
# (the gradient), recorded as PyTorch's `...BackwardBackward0` node whose own rule is the forward op again, so
# create_graph works. Spatial ops take N-d windows: one code path serves 1-d, 2-d and 3-d.
def embedding(weight: Tensor, indices: Tensor, padding_idx: int = -1, scale_grad_by_freq: bool = False) -> Tensor:
    """`weight[indices]` as PyTorch's embedding (EmbeddingBackward0): rows of `padding_idx` get no gradient."""
    if indices.array.dtype not in (np.dtype(np.int64), np.dtype(np.int32)):
        raise runtime_error("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                            f"Long, Int; but got {indices.type_label()} instead (while checking arguments for "
                            "embedding)")
    if weight.array.ndim != 2:
        raise runtime_error("'weight' must be 2-D")
    idx = indices.array.astype(np.int64)
    rows = weight.array.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= rows):
        raise index_error("index out of range in self")
    check_size(idx.shape + weight.array.shape[1:])
    result = _record(weight.array[idx], "EmbeddingBackward0", (weight,),
                     lambda g: (_embedding_backward(g, idx, weight.array.shape, padding_idx, scale_grad_by_freq),))
    if result.grad_fn is not None:
        result.grad_fn.had_saved = True  # PyTorch saves the indices: a second backward fails
    return result


def _embedding_counts(idx: np.ndarray, rows: int) -> np.ndarray:
    return np.bincount(idx.reshape(-1), minlength=rows)


def _embedding_backward(g: Tensor, idx: np.ndarray, shape: tuple[int, ...], padding_idx: int,
                        scale_grad_by_freq: bool) -> Tensor:
    """The table's gradient: each index's gradient row added into its row, in index order as PyTorch does."""
    flat = idx.reshape(-1)
    grad_rows = g.array.reshape(-1, shape[1])
    if scale_grad_by_freq:
        grad_rows = grad_rows / _embedding_counts(idx, shape[0])[flat][:, None].astype(g.array.dtype)
    keep = flat != padding_idx
    grad = np.zeros(shape, dtype=g.array.dtype)
    np.add.at(grad, flat[keep], grad_rows[keep])

    def rule(gg: Tensor) -> tuple[Tensor]:
        picked = gg.array[idx] * (idx != padding_idx)[..., None].astype(gg.array.dtype)
        if scale_grad_by_freq:
            picked = picked / _embedding_counts(idx, shape[0])[idx][..., None].astype(gg.array.dtype)
        return (_record(picked, "EmbeddingDenseDoubleBackward0", (gg,),
                        lambda g3: (_embedding_backward(g3, idx, shape, padding_idx, scale_grad_by_freq),)),)

    return _record(grad, "EmbeddingDenseBackwardBackward0", (g,), rule)


def embedding_renorm_(weight: Tensor, indices: Tensor, max_norm: float, norm_type: float) -> None:
    """`torch.embedding_renorm_`: rows the indices name whose norm exceeds max_norm are scaled down in place."""
    array = weight.array
    for row in np.unique(indices.array.reshape(-1)):
        values = array[row].astype(np.float64)
        norm = float(np.sum(np.abs(values) ** norm_type) ** (1.0 / norm_type))
        if norm > max_norm:
            array[row] = array[row] * array.dtype.type(max_norm / (norm + 1e-7))
    weight.bump_version()


def one_hot(x: Tensor, num_classes: int = -1) -> Tensor:
    if x.array.dtype != np.dtype(np.int64):
        raise runtime_error("one_hot is only applicable to index tensor of type LongTensor.")
    values = x.array
    if num_classes == -1:
        if values.size == 0:
            raise runtime_error("Can not infer total number of classes from empty tensor.")
        num_classes = int(values.max()) + 1
    if values.size:
        if values.min() < 0:
            raise runtime_error("Class values must be non-negative.")
        if values.max() >= num_classes:
            raise runtime_error("Class values must be smaller than num_classes.")
    elif num_classes < 0:
        raise runtime_error("Class values must be smaller than num_classes.")
    check_size(values.shape + (num_classes,))
    return Tensor((values[..., None] == np.arange(num_classes)).astype(np.int64))


# Spatial geometry: per spatial dimension a kernel size, stride, (low, high) padding and dilation.
Geometry = tuple[tuple[int, ...], tuple[int, ...], tuple[tuple[int, int], ...], tuple[int, ...]]


def _pad_spatial(x: np.ndarray, padding: Sequence[tuple[int, int]], value: Any = 0) -> np.ndarray:
    if not any(lo or hi for lo, hi in padding):
        return x
    return np.pad(x, ((0, 0),) * (x.ndim - len(padding)) + tuple(padding), constant_values=value)


def _offset_slices(offset: Sequence[int], geometry: Geometry, out_shape: Sequence[int]) -> tuple[slice, ...]:
    """The padded-input positions a kernel offset reads for every output position: one strided slice per dim."""
    _, stride, _, dilation = geometry
    return tuple(slice(k * d, k * d + s * (n - 1) + 1, s)
                 for k, s, d, n in zip(offset, stride, dilation, out_shape))


def _kernel_offsets(kernel: Sequence[int]) -> list[tuple[int, ...]]:
    offsets: list[tuple[int, ...]] = [()]
    for size in kernel:
        offsets = [o + (k,) for o in offsets for k in range(size)]
    return offsets


def _conv_windows(xp: np.ndarray, geometry: Geometry, out_shape: Sequence[int]) -> np.ndarray:
    """A read-only view (N, C, *out, *kernel) of the padded input's receptive fields."""
    kernel, stride, _, dilation = geometry
    spatial = len(kernel)
    window = tuple((k - 1) * d + 1 for k, d in zip(kernel, dilation))
    view = np.lib.stride_tricks.sliding_window_view(xp, window, axis=tuple(range(2, 2 + spatial)))
    key = ((slice(None), slice(None)) + tuple(slice(0, s * (n - 1) + 1, s) for s, n in zip(stride, out_shape))
           + tuple(slice(None, None, d) for d in dilation))
    return view[key]


def _conv_forward(x: np.ndarray, w: np.ndarray, geometry: Geometry, groups: int) -> np.ndarray:
    spatial = len(geometry[0])
    padding = geometry[2]
    out_shape = _conv_out_shape(x.shape[2:], geometry)
    cols = _conv_windows(_pad_spatial(x, padding), geometry, out_shape)
    in_group, out_group = x.shape[1] // groups, w.shape[0] // groups
    axes_cols = [1] + list(range(2 + spatial, 2 + 2 * spatial))
    axes_w = list(range(1, 2 + spatial))
    parts = []
    for g in range(groups):
        part = np.tensordot(cols[:, g * in_group:(g + 1) * in_group], w[g * out_group:(g + 1) * out_group],
                            axes=(axes_cols, axes_w))  # (N, *out, O/groups)
        parts.append(np.moveaxis(part, -1, 1))
    out = parts[0] if groups == 1 else np.concatenate(parts, axis=1)
    return np.ascontiguousarray(out, dtype=np.result_type(x, w))


def _conv_input_grad(g: np.ndarray, w: np.ndarray, x_shape: tuple[int, ...], geometry: Geometry,
                     groups: int) -> np.ndarray:
    kernel, _, padding, _ = geometry
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(x_shape[2:], padding))
    grad = np.zeros(x_shape[:2] + padded, dtype=g.dtype)
    in_group, out_group = x_shape[1] // groups, w.shape[0] // groups
    out_shape = g.shape[2:]
    for gi in range(groups):
        # (N, *out, C/groups, *kernel): each output gradient spread over the kernel's weights
        spread = np.tensordot(g[:, gi * out_group:(gi + 1) * out_group], w[gi * out_group:(gi + 1) * out_group],
                              axes=([1], [0]))
        channels = slice(gi * in_group, (gi + 1) * in_group)
        for offset in _kernel_offsets(kernel):
            part = spread[(Ellipsis,) + offset]  # (N, *out, C/groups)
            grad[(slice(None), channels) + _offset_slices(offset, geometry, out_shape)] += np.moveaxis(part, -1, 1)
    crop = tuple(slice(lo, lo + n) for n, (lo, _) in zip(x_shape[2:], padding))
    return np.ascontiguousarray(grad[(slice(None), slice(None)) + crop])


def _conv_weight_grad(x: np.ndarray, g: np.ndarray, w_shape: tuple[int, ...], geometry: Geometry,
                      groups: int) -> np.ndarray:
    spatial = len(geometry[0])
    cols = _conv_windows(_pad_spatial(x, geometry[2]), geometry, g.shape[2:])
    in_group, out_group = x.shape[1] // groups, w_shape[0] // groups
    batch_and_out = [0] + list(range(2, 2 + spatial))
    parts = [np.tensordot(g[:, gi * out_group:(gi + 1) * out_group], cols[:, gi * in_group:(gi + 1) * in_group],
                          axes=(batch_and_out, batch_and_out)) for gi in range(groups)]
    out = parts[0] if groups == 1 else np.concatenate(parts, axis=0)
    return np.ascontiguousarray(out, dtype=g.dtype)


def _conv_out_shape(in_shape: Sequence[int], geometry: Geometry) -> tuple[int, ...]:
    kernel, stride, padding, dilation = geometry
    return tuple((n + lo + hi - d * (k - 1) - 1) // s + 1
                 for n, k, s, (lo, hi), d in zip(in_shape, kernel, stride, padding, dilation))


def _conv_geometry(weight: Tensor, stride: Sequence[int], padding: Sequence[tuple[int, int]],
                   dilation: Sequence[int]) -> Geometry:
    return tuple(weight.array.shape[2:]), tuple(stride), tuple(padding), tuple(dilation)


def convolution(x: Tensor, weight: Tensor, bias: Tensor | None, stride: Sequence[int],
                padding: Sequence[tuple[int, int]], dilation: Sequence[int], groups: int) -> Tensor:
    """N-d cross-correlation of a batched input (N, C, *spatial) with (O, C/groups, *kernel) weights:
    ConvolutionBackward0 with edges (input, weight, bias). Arguments are checked by F.conv*."""
    geometry = _conv_geometry(weight, stride, padding, dilation)
    out_shape = _conv_out_shape(x.array.shape[2:], geometry)
    check_size(x.array.shape[:1] + weight.array.shape[:1] + out_shape)
    out = _conv_forward(x.array, weight.array, geometry, groups)
    spatial_axes = tuple(range(2, 2 + len(out_shape)))
    if bias is not None:
        out += bias.array.reshape((-1,) + (1,) * len(out_shape))
    x_shape, w_shape = x.array.shape, weight.array.shape

    def rule(g: Tensor) -> tuple[Tensor | None, Tensor | None, Tensor | None]:
        grad_x = _conv_input_grad_op(g, weight, x_shape, geometry, groups) if x.requires_grad else None
        grad_w = _conv_weight_grad_op(x, g, w_shape, geometry, groups) if weight.requires_grad else None
        grad_b = None
        if bias is not None and bias.requires_grad:
            grad_b = _conv_bias_grad_op(g, x, weight, spatial_axes)
        return grad_x, grad_w, grad_b

    return _record(out, "ConvolutionBackward0", (x, weight, bias), rule, (x, weight))


def _conv_bias_grad_op(g: Tensor, x: Tensor, weight: Tensor, spatial_axes: tuple[int, ...]) -> Tensor:
    """The bias's gradient: g summed over batch and space. PyTorch computes it in the same node as the other
    two gradients, so it hangs off the input and the weight too (with zero derivative)."""
    out = np.asarray(g.array.sum(axis=(0, *spatial_axes)))
    shape = g.array.shape

    def rule(gg: Tensor) -> tuple[Tensor, Tensor | None, Tensor | None]:
        spread = expand(reshape(gg, (1, -1) + (1,) * len(spatial_axes)), shape)
        return spread, zeros_like(x) if x.requires_grad else None, zeros_like(weight) if weight.requires_grad else None

    return _record(out, "ConvolutionBackwardBackward0", (g, x, weight), rule)


def _conv_input_grad_op(g: Tensor, weight: Tensor, x_shape: tuple[int, ...], geometry: Geometry,
                        groups: int) -> Tensor:
    """The input's gradient (a transposed convolution), recorded so it can be differentiated again."""
    out = _conv_input_grad(g.array, weight.array, x_shape, geometry, groups)
    w_shape = weight.array.shape

    def rule(gg: Tensor) -> tuple[Tensor | None, Tensor | None]:
        grad_g = _conv_forward_op(gg, weight, geometry, groups) if g.requires_grad else None
        grad_w = _conv_weight_grad_op(gg, g, w_shape, geometry, groups) if weight.requires_grad else None
        return grad_g, grad_w

    return _record(out, "ConvolutionBackwardBackward0", (g, weight), rule, (weight,))


def _conv_weight_grad_op(x: Tensor, g: Tensor, w_shape: tuple[int, ...], geometry: Geometry,
                         groups: int) -> Tensor:
    out = _conv_weight_grad(x.array, g.array, w_shape, geometry, groups)
    x_shape = x.array.shape

    def rule(gg: Tensor) -> tuple[Tensor | None, Tensor | None]:
        grad_x = _conv_input_grad_op(g, gg, x_shape, geometry, groups) if x.requires_grad else None
        grad_g = _conv_forward_op(x, gg, geometry, groups) if g.requires_grad else None
        return grad_x, grad_g

    return _record(out, "ConvolutionBackwardBackward0", (x, g), rule, (x,))


def _conv_forward_op(x: Tensor, weight: Tensor, geometry: Geometry, groups: int) -> Tensor:
    return convolution(x, weight, None, geometry[1], geometry[2], geometry[3], groups)


def pooling_out_size(size: int, kernel: int, stride: int, pad: int, dilation: int, ceil_mode: bool) -> int:
    """PyTorch's pooling_output_shape: with ceil_mode the last window must start inside the input or left pad."""
    numerator = size + 2 * pad - dilation * (kernel - 1) - 1 + (stride - 1 if ceil_mode else 0)
    out = numerator // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _pool_input(x: np.ndarray, geometry: Geometry, out_shape: Sequence[int], value: Any) -> np.ndarray:
    """The input padded on every side, the high side far enough for ceil_mode's last windows."""
    kernel, stride, padding, dilation = geometry
    pads = []
    for n, k, s, (lo, _), d, o in zip(x.shape[-len(kernel):], kernel, stride, padding, dilation, out_shape):
        needed = (o - 1) * s + (k - 1) * d + 1
        pads.append((lo, _py.max(needed - n - lo, 0)))
    return _pad_spatial(x, pads, value)


def _flat_positions(geometry: Geometry, out_shape: Sequence[int], in_shape: Sequence[int],
                    offset: Sequence[int] | None) -> np.ndarray:
    """For each output position, the flat input index a kernel offset reads (None: the window's first position
    inside the input, PyTorch's index for a window of -inf values)."""
    _, stride, padding, dilation = geometry
    grids = np.meshgrid(*[np.arange(n) for n in out_shape], indexing="ij")
    flat = np.zeros(tuple(out_shape), dtype=np.int64)
    for axis, (s, (lo, _), d, n) in enumerate(zip(stride, padding, dilation, in_shape)):
        start = grids[axis] * s - lo
        if offset is None:
            position = np.where(start < 0, start + (-start + d - 1) // d * d, start)
        else:
            position = start + offset[axis] * d
        flat = flat * n + position
    return flat


def max_pool(x: Tensor, geometry: Geometry, out_shape: Sequence[int], name: str) -> tuple[Tensor, Tensor]:
    """Max pooling over the trailing spatial dims: (values, flat indices into each input plane), the first
    maximum of each window in scan order winning (a NaN wins over numbers), as PyTorch's kernel."""
    kernel = geometry[0]
    spatial = len(kernel)
    a = x.array
    lowest = -np.inf if a.dtype.kind == "f" else np.iinfo(a.dtype).min
    padded = _pool_input(a, geometry, out_shape, lowest)
    in_shape = a.shape[-spatial:]
    best = np.full(a.shape[:-spatial] + tuple(out_shape), lowest, dtype=a.dtype)
    where_best = np.broadcast_to(_flat_positions(geometry, out_shape, in_shape, None), best.shape).copy()
    for offset in _kernel_offsets(kernel):
        values = padded[(Ellipsis,) + _offset_slices(offset, geometry, out_shape)]
        better = values > best
        if a.dtype.kind == "f":
            better |= np.isnan(values)
        if better.any():
            np.copyto(best, values, where=better)
            flat = _flat_positions(geometry, out_shape, in_shape, offset)
            np.copyto(where_best, np.broadcast_to(flat, best.shape), where=better)
    result = _record(best, name, (x,), lambda g: (_max_pool_backward(g, x, where_best, spatial, name),), (x,))
    return result, Tensor(where_best)


def _max_pool_backward(g: Tensor, x: Tensor, indices: np.ndarray, spatial: int, name: str) -> Tensor:
    """Each output gradient added at the input position its maximum came from (recorded with edges grad and
    input, as PyTorch's node: the input's derivative is zero)."""
    shape = x.array.shape
    planes = int(np.prod(shape[:-spatial]))
    plane = int(np.prod(shape[-spatial:]))
    picks = indices.reshape(planes, -1)
    grad = np.zeros((planes, plane), dtype=g.array.dtype)
    np.add.at(grad, (np.arange(planes)[:, None], picks), g.array.reshape(planes, -1))

    def rule(gg: Tensor) -> tuple[Tensor, Tensor | None]:
        taken = np.take_along_axis(gg.array.reshape(planes, plane), picks, axis=1).reshape(indices.shape)
        gathered = _record(taken, name, (gg,), lambda g3: (_max_pool_backward(g3, x, indices, spatial, name),))
        return gathered, _zero_grad_of(x)

    return _record(grad.reshape(shape), name.replace("Backward0", "BackwardBackward0"), (g, x), rule)


def _zero_grad_of(x: Tensor) -> Tensor | None:
    """What PyTorch's layer backward nodes give their input: zeros (their output is linear in the gradient)."""
    return zeros_like(x) if x.requires_grad else None


def _avg_divisors(in_shape: Sequence[int], geometry: Geometry, out_shape: Sequence[int], count_include_pad: bool,
                  divisor_override: int | None) -> np.ndarray:
    """Each window's divisor, as PyTorch's kernel counts it (windows clipped to the padded input, or to the
    input itself without count_include_pad)."""
    if divisor_override is not None:
        return np.array(divisor_override)
    kernel, stride, padding, _ = geometry
    total: np.ndarray = np.ones((), dtype=np.int64)
    for n, k, s, (lo, _), o in zip(in_shape, kernel, stride, padding, out_shape):
        start = np.arange(o) * s - lo
        end = np.minimum(start + k, n + lo)
        size = end - start
        if not count_include_pad:
            size = np.minimum(end, n) - np.maximum(start, 0)
        total = np.multiply.outer(total, size)
    return total


def avg_pool(x: Tensor, geometry: Geometry, out_shape: Sequence[int], count_include_pad: bool,
             divisor_override: int | None, name: str) -> Tensor:
    kernel = geometry[0]
    a = x.array
    padded = _pool_input(a, geometry, out_shape, 0)
    total = np.zeros(a.shape[:-len(kernel)] + tuple(out_shape), dtype=a.dtype)
    for offset in _kernel_offsets(kernel):
        total += padded[(Ellipsis,) + _offset_slices(offset, geometry, out_shape)]
    divisors = _avg_divisors(a.shape[-len(kernel):], geometry, out_shape, count_include_pad, divisor_override)
    out = (total / divisors.astype(a.dtype)).astype(a.dtype)
    return _record(out, name, (x,), lambda g: (_avg_pool_backward(g, x, geometry, divisors, name),))


def _avg_pool_backward(g: Tensor, x: Tensor, geometry: Geometry, divisors: np.ndarray, name: str) -> Tensor:
    kernel, _, padding, _ = geometry
    shape = x.array.shape
    spatial = len(kernel)
    out_shape = g.array.shape[-spatial:]
    share = g.array / divisors.astype(g.array.dtype)
    padded = _pool_input(np.zeros(shape, dtype=g.array.dtype), geometry, out_shape, 0)
    for offset in _kernel_offsets(kernel):
        padded[(Ellipsis,) + _offset_slices(offset, geometry, out_shape)] += share
    crop = tuple(slice(lo, lo + n) for n, (lo, _) in zip(shape[-spatial:], padding))
    grad = np.ascontiguousarray(padded[(Ellipsis,) + crop])

    def rule(gg: Tensor) -> tuple[Tensor, Tensor | None]:
        return _avg_pool_adjoint(gg, x, geometry, out_shape, divisors, name), _zero_grad_of(x)

    return _record(grad, name.replace("Backward0", "BackwardBackward0"), (g, x), rule)


def _avg_pool_adjoint(gg: Tensor, x: Tensor, geometry: Geometry, out_shape: Sequence[int], divisors: np.ndarray,
                      name: str) -> Tensor:
    kernel = geometry[0]
    padded = _pool_input(gg.array, geometry, out_shape, 0)
    total = np.zeros(gg.array.shape[:-len(kernel)] + tuple(out_shape), dtype=gg.array.dtype)
    for offset in _kernel_offsets(kernel):
        total += padded[(Ellipsis,) + _offset_slices(offset, geometry, out_shape)]
    out = (total / divisors.astype(gg.array.dtype)).astype(gg.array.dtype)
    return _record(out, name, (gg,), lambda g: (_avg_pool_backward(g, x, geometry, divisors, name),))


def _adaptive_ranges(size: int, out: int) -> list[tuple[int, int]]:
    return [((i * size) // out, -(-((i + 1) * size) // out)) for i in range(out)]


def adaptive_avg_pool(x: Tensor, out_shape: Sequence[int], name: str) -> Tensor:
    """Adaptive average pooling over the trailing dims: window i spans [floor(i*n/o), ceil((i+1)*n/o))."""
    spatial = len(out_shape)
    a = x.array
    in_shape = a.shape[-spatial:]
    out = np.empty(a.shape[:-spatial] + tuple(out_shape), dtype=a.dtype)
    windows = [_adaptive_ranges(n, o) for n, o in zip(in_shape, out_shape)]
    for index in np.ndindex(*out_shape):
        bounds = [windows[d][i] for d, i in enumerate(index)]
        block = a[(Ellipsis,) + tuple(slice(lo, hi) for lo, hi in bounds)]
        flat = block.reshape(block.shape[:-spatial] + (-1,))
        value = flat[..., 0].copy()
        for k in range(1, flat.shape[-1]):  # PyTorch's kernel: one running sum over the window, row by row
            value += flat[..., k]
        for lo, hi in bounds:
            value = value / a.dtype.type(hi - lo)
        out[(Ellipsis,) + index] = value
    shape = a.shape

    def backward(g: Tensor) -> Tensor:
        grad = np.zeros(shape, dtype=g.array.dtype)
        for index in np.ndindex(*out_shape):
            bounds = [windows[d][i] for d, i in enumerate(index)]
            count = int(np.prod([hi - lo for lo, hi in bounds]))
            grad[(Ellipsis,) + tuple(slice(lo, hi) for lo, hi in bounds)] += (
                g.array[(Ellipsis,) + index] / g.array.dtype.type(count))[(Ellipsis,) + (None,) * spatial]
        return _record(grad, name.replace("Backward0", "BackwardBackward0"), (g, x),
                       lambda gg: (adaptive_avg_pool(gg, out_shape, name), _zero_grad_of(x)))

    return _record(out, name, (x,), lambda g: (backward(g),))


def pad_constant(x: Tensor, pad: Sequence[int], value: Any = 0) -> Tensor:
    """`constant_pad_nd`: `pad` lists (low, high) pairs from the last dim backwards; negative entries crop."""
    a = x.array
    pairs = [(pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)]
    ndim = a.ndim
    for i in reversed(range(len(pairs))):  # PyTorch first narrows away negative padding, outer dims first
        lo, hi = pairs[i]
        remaining = a.shape[ndim - 1 - i] + _py.min(lo, 0)
        if remaining + _py.min(hi, 0) < 0 or remaining < 0:
            raise runtime_error("narrow(): length must be non-negative.")
    new_shape = list(a.shape)
    for i, (lo, hi) in enumerate(pairs):
        d = ndim - 1 - i
        new_shape[d] = a.shape[d] + lo + hi
        if new_shape[d] < 0:
            raise runtime_error(f"The input size {a.shape[d]}, plus negative padding {lo} and {hi} resulted in a "
                                f"negative output size, which is invalid. Check dimension {d} of your input.")
    check_size(tuple(new_shape))
    out = np.full(new_shape, value, dtype=a.dtype)
    source, target = [slice(None)] * ndim, [slice(None)] * ndim
    for i, (lo, hi) in enumerate(pairs):
        d = ndim - 1 - i
        source[d] = slice(_py.max(-lo, 0), a.shape[d] - _py.max(-hi, 0))
        target[d] = slice(_py.max(lo, 0), new_shape[d] - _py.max(hi, 0))
    out[tuple(target)] = a[tuple(source)]
    negated = [-p for p in pad]
    return _record(out, "ConstantPadNdBackward0", (x,), lambda g: (pad_constant(g, negated),))


def _pad_indices(size: int, lo: int, hi: int, mode: str) -> np.ndarray:
    positions = np.arange(-lo, size + hi)
    if mode == "reflect":
        period = 2 * (size - 1)
        positions = np.abs(positions) % period if period else np.zeros_like(positions)
        return np.where(positions >= size, period - positions, positions)
    if mode == "replicate":
        return np.clip(positions, 0, size - 1)
    return positions % size  # circular


def pad_indexed(x: Tensor, pad: Sequence[int], mode: str, name: str) -> Tensor:
    """reflect / replicate / circular padding of the trailing len(pad)//2 dims: each output element copies an
    input element, so the gradient adds each output gradient back to where it came from."""
    a = x.array
    count = len(pad) // 2
    key: list[Any] = [slice(None)] * (a.ndim - count)
    maps = []
    for i in range(count):
        d = a.ndim - 1 - i
        maps.insert(0, _pad_indices(a.shape[d], pad[2 * i], pad[2 * i + 1], mode))
    key += list(np.ix_(*maps))
    full_key = tuple(key)
    check_size(a.shape[:a.ndim - count] + tuple(len(m) for m in maps))
    out = a[full_key]
    shape = a.shape

    def backward(g: Tensor) -> Tensor:
        grad = np.zeros(shape, dtype=g.array.dtype)
        np.add.at(grad, full_key, g.array)
        return _record(grad, name.replace("Backward0", "BackwardBackward0"), (g, x),
                       lambda gg: (_record(gg.array[full_key], name, (gg,), lambda g3: (backward(g3),)),
                                   _zero_grad_of(x)))

    return _record(np.ascontiguousarray(out), name, (x,), lambda g: (backward(g),))


def _channel_shape(x: np.ndarray) -> tuple[int, ...]:
    return (1, -1) + (1,) * (x.ndim - 2)



def _fused_multiply_add(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """round(a * b + c) once, as a fused multiply-add computes it, in the arrays' float dtype."""
    if a.dtype == np.float32:
        return transcendental.fma32(a, b, c)
    from autodiff.engine.rng import _fma64

    return np.asarray(_fma64(a, b, c), dtype=a.dtype)


def _batch_statistics(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per channel (dim 1), the batch mean and the sum of squared deviations from it, in the input's dtype, as
    PyTorch's CPU kernel computes them. An input with one element per channel and sample (2-D, or spatial size 1)
    is reduced as channels-last: the rows are split between the threads, each adds its rows into its own vector
    (the squared deviations with multiply-adds), and the threads' vectors are summed in double. Otherwise each
    channel is summed sample by sample, element by element, in double; the deviations are squared in the
    input's dtype and summed in double."""
    dtype = a.dtype.type
    channels = a.shape[1]
    samples = a.shape[0]
    count = a.size // channels if channels else 0
    if count == 0:
        return np.full(channels, np.nan, a.dtype), np.zeros(channels, a.dtype)
    if count == samples:
        rows = a.reshape(samples, channels)
        used = _py.min(reductions.threads, samples)
        chunk = -(-samples // used)
        starts = list(range(0, samples, chunk))
        totals = np.zeros((len(starts), channels), a.dtype)
        for step in range(chunk):
            live = [k for k, start in enumerate(starts) if start + step < _py.min(samples, start + chunk)]
            totals[live] += rows[[starts[k] + step for k in live]]
        mean = (np.cumsum(totals.astype(np.float64), axis=0)[-1] / samples).astype(dtype)
        totals[...] = 0
        for step in range(chunk):
            live = [k for k, start in enumerate(starts) if start + step < _py.min(samples, start + chunk)]
            deviation = rows[[starts[k] + step for k in live]] - mean
            totals[live] = _fused_multiply_add(deviation, deviation, totals[live])
        return mean, np.cumsum(totals.astype(np.float64), axis=0)[-1].astype(dtype)
    per_channel = np.moveaxis(a, 1, 0).reshape(channels, -1)  # each channel's values, sample by sample
    mean = (np.cumsum(per_channel.astype(np.float64), axis=1)[:, -1] / count).astype(dtype)
    deviation = per_channel - mean[:, None]
    if a.dtype != np.float64:
        return mean, np.cumsum((deviation * deviation).astype(np.float64), axis=1)[:, -1].astype(dtype)
    var_sum = np.zeros(channels)
    for column in deviation.T:  # in double the square and the running sum fuse into one multiply-add
        var_sum = _fused_multiply_add(column, column, var_sum)
    return mean, var_sum



def _batch_norm_backward_rows(x: np.ndarray, dy: np.ndarray, mean: np.ndarray, invstd: np.ndarray,
                              weight: np.ndarray | None, training: bool) -> tuple[np.ndarray, ...]:
    """native_batch_norm_backward for float32 (samples, channels) as PyTorch's channels-last CPU kernel computes
    it: each thread adds its rows into its own vectors (sum of dy; dot of x - mean and dy with multiply-adds),
    the threads' vectors are summed in float; then dx = (dy - sum / N - (x - mean) * k) * invstd * w with
    k = dot * invstd * invstd / N, fused into a multiply-add on the channels that fill whole 8-lane vectors."""
    samples, channels = x.shape
    used = _py.min(reductions.threads, samples)
    chunk = -(-samples // used)
    starts = list(range(0, samples, chunk))
    sums = np.zeros((len(starts), channels), np.float32)
    dots = np.zeros((len(starts), channels), np.float32)
    for step in range(chunk):
        live = [k for k, start in enumerate(starts) if start + step < _py.min(samples, start + chunk)]
        rows = [starts[k] + step for k in live]
        sums[live] += dy[rows]
        dots[live] = transcendental.fma32(x[rows] - mean, dy[rows], dots[live])
    total, dot = np.zeros(channels, np.float32), np.zeros(channels, np.float32)
    for thread in range(len(starts)):
        total += sums[thread]
        dot += dots[thread]
    if training:
        count = np.float32(samples)
        k = dot * invstd * invstd / count
        centred = dy - total / count
        deviation = x - mean
        dx = centred - deviation * k
        whole = channels - channels % 8
        dx[:, :whole] = transcendental.fma32(-deviation[:, :whole], np.broadcast_to(k[:whole], (samples, whole)),
                                             centred[:, :whole])
    else:
        dx = dy
    dx = dx * invstd  # then the weight: (.. * invstd) * w, in that order
    if weight is not None:
        dx = dx * weight
    return dx, dot * invstd, total


def batch_norm(x: Tensor, weight: Tensor | None, bias: Tensor | None, running_mean: Tensor | None,
               running_var: Tensor | None, training: bool, momentum: float, eps: float) -> Tensor:
    """PyTorch's native_batch_norm over dim 1 (NativeBatchNormBackward0, edges input, weight, bias): batch
    statistics in double, then y = x * alpha + beta with alpha = invstd * weight, beta = bias - mean * alpha.
    In training the running statistics move by `momentum` (the variance unbiased), in place."""
    a = x.array
    dtype = a.dtype.type
    axes = (0,) + tuple(range(2, a.ndim))
    count = a.size // a.shape[1] if a.shape[1] else 0
    if training:
        batch_mean, var_sum = _batch_statistics(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            biased = (var_sum / dtype(count)).astype(np.float64)
            invstd = (1.0 / np.sqrt(biased + eps)).astype(dtype)
        with autograd.GradMode(False, "no_grad"):
            # In place, inside the kernel: PyTorch's backward does not check these buffers' versions.
            # The momentum in the statistics' dtype; the unbiased variance in double.
            factor = dtype(momentum)
            if running_mean is not None:
                running_mean.array[...] = factor * batch_mean + (dtype(1) - factor) * running_mean.array
            if running_var is not None:
                with np.errstate(divide="ignore", invalid="ignore"):
                    unbiased = (var_sum / dtype(count - 1)).astype(np.float64) if count > 1 else \
                        np.full(var_sum.shape, np.nan)
                kept = ((dtype(1) - factor) * running_var.array).astype(np.float64)
                running_var.array[...] = np.float64(factor) * unbiased + kept
    else:
        batch_mean = running_mean.array.astype(dtype)
        invstd = dtype(1) / np.sqrt(running_var.array.astype(dtype) + dtype(eps))
    # The backward kernel recomputes the eval invstd with eps in double.
    backward_invstd = invstd if training else (1.0 / np.sqrt(running_var.array.astype(np.float64) + eps)).astype(dtype)
    alpha = invstd * weight.array if weight is not None else invstd
    # y = x * alpha + beta, beta = bias - mean * alpha: GCC fuses both into multiply-adds.
    shift = bias.array if bias is not None else np.zeros_like(alpha)
    beta = _fused_multiply_add(-batch_mean, alpha, shift)
    view = _channel_shape(a)
    out = _fused_multiply_add(a, alpha.reshape(view), np.broadcast_to(beta.reshape(view), a.shape))
    mean_t, invstd_t = Tensor(batch_mean), Tensor(invstd)

    def rule(g: Tensor) -> tuple[Tensor | None, Tensor | None, Tensor | None]:
        view = _channel_shape(a)
        if not autograd._grad_enabled and a.dtype == np.float32 and a.size == a.shape[0] * a.shape[1] > 0:
            dx, dw, db = _batch_norm_backward_rows(
                a.reshape(a.shape[:2]), g.array.reshape(a.shape[:2]), mean_t.array, backward_invstd,
                weight.array if weight is not None else None, training)
            return (Tensor(dx.reshape(a.shape)) if x.requires_grad else None,
                    Tensor(dw) if weight is not None and weight.requires_grad else None,
                    Tensor(db) if bias is not None and bias.requires_grad else None)
        if training and autograd._grad_enabled:  # create_graph: the statistics are functions of x too
            batch_mean, batch_invstd = _differentiable_moments(x, axes, eps)
        else:
            batch_mean, batch_invstd = reshape(mean_t, view), reshape(invstd_t, view)
        normalized = mul(sub(x, batch_mean), batch_invstd)
        grad_bias = sum(g, axes) if bias is not None and bias.requires_grad else None
        grad_weight = sum(mul(g, normalized), axes) if weight is not None and weight.requires_grad else None
        grad_x = None
        if x.requires_grad:
            scale = batch_invstd if weight is None else mul(batch_invstd, reshape(weight, view))
            if training:
                mean_g = mean(g, axes, keepdim=True)
                mean_gn = mean(mul(g, normalized), axes, keepdim=True)
                grad_x = mul(sub(sub(g, mean_g), mul(normalized, mean_gn)), scale)
            else:
                grad_x = mul(g, scale)
        return grad_x, grad_weight, grad_bias

    saved = tuple(t for t in (x, weight) if t is not None)
    return _record(out, "NativeBatchNormBackward0", (x, weight, bias), rule, saved)


def _differentiable_moments(x: Tensor, axes: tuple[int, ...], eps: float) -> tuple[Tensor, Tensor]:
    """Mean and 1/sqrt(biased variance + eps) over `axes` (kept), recorded: the backward pass of a
    normalization differentiated again (create_graph) must see them depend on x."""
    centered = sub(x, mean(x, axes, keepdim=True))
    return mean(x, axes, keepdim=True), rsqrt(add(mean(mul(centered, centered), axes, keepdim=True), eps))


def layer_norm(x: Tensor, normalized_shape: Sequence[int], weight: Tensor | None, bias: Tensor | None,
               eps: float) -> Tensor:
    """PyTorch's native_layer_norm over the trailing dims (NativeLayerNormBackward0, edges input, weight, bias)."""
    a = x.array
    dtype = a.dtype.type
    axes = tuple(range(a.ndim - len(normalized_shape), a.ndim))
    wide = a.astype(np.float64)
    mean64 = wide.mean(axis=axes, keepdims=True)
    var = ((wide - mean64) ** 2).mean(axis=axes, keepdims=True)
    row_mean = mean64.astype(dtype)
    rstd = (1.0 / np.sqrt(var + eps)).astype(dtype)
    out = (a - row_mean) * rstd
    if weight is not None:
        out = out * weight.array
    if bias is not None:
        out = out + bias.array
    out = np.asarray(out, dtype=a.dtype)
    lead = tuple(range(a.ndim - len(normalized_shape)))
    mean_t, rstd_t = Tensor(row_mean), Tensor(rstd)

    def rule(g: Tensor) -> tuple[Tensor | None, Tensor | None, Tensor | None]:
        if autograd._grad_enabled:  # create_graph: the statistics are functions of x too
            row_mean, row_rstd = _differentiable_moments(x, axes, eps)
        else:
            row_mean, row_rstd = mean_t, rstd_t
        normalized = mul(sub(x, row_mean), row_rstd)
        grad_bias = sum(g, lead) if bias is not None and bias.requires_grad else None
        grad_weight = sum(mul(g, normalized), lead) if weight is not None and weight.requires_grad else None
        grad_x = None
        if x.requires_grad:
            scaled = g if weight is None else mul(g, weight)
            mean_g = mean(scaled, axes, keepdim=True)
            mean_gn = mean(mul(scaled, normalized), axes, keepdim=True)
            grad_x = mul(sub(sub(scaled, mean_g), mul(normalized, mean_gn)), row_rstd)
        return grad_x, grad_weight, grad_bias

    saved = tuple(t for t in (x, weight, bias) if t is not None)
    return _record(out, "NativeLayerNormBackward0", (x, weight, bias), rule, saved)


GradientsCallback = Callable[[list["Tensor | None"]], "Sequence[Tensor | None] | None"]


class _FunctionNode(autograd.Node):
    """The node of an op PyTorch writes as a Python autograd.Function: printed with that module's name."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<torch.autograd.function.{self.name} object>"


def backward_hook_function(tensors: Sequence[Tensor], on_gradients: GradientsCallback) -> list[Tensor]:
    """PyTorch's BackwardHookFunction (what nn.Module's full backward hooks wrap inputs and outputs in): one node,
    BackwardHookFunctionBackward, with an output per tensor; each tensor that requires grad comes back as a new
    tensor over the same data with that node as grad_fn, the others unchanged. In backward the node hands
    `on_gradients` the gradient of each output (None where none came, or for tensors that do not require grad),
    and passes on what it returns instead when that is not None. Without grad mode or a tensor that requires
    grad, nothing is recorded."""
    live = [i for i, t in enumerate(tensors) if t.requires_grad] if autograd._grad_enabled else []
    outputs = list(tensors)
    if not live:
        return outputs
    count = len(tensors)

    def rule(grad: Any) -> tuple[Tensor | None, ...]:
        grads = autograd.output_grads(grad, count)
        replaced = on_gradients(list(grads))
        return tuple(grads if replaced is None else replaced)

    node = _FunctionNode("BackwardHookFunctionBackward", tuple(t.edge() for t in tensors), rule)
    for index in live:
        source = tensors[index]
        out = Tensor(source.array, True)
        out._version = source._version  # an alias: in-place changes of either are seen by both
        out.grad_fn = autograd.OutputSlot(node, index) if count > 1 else node
        outputs[index] = out
    return outputs


# --- the Tensor's Python operators ---------------------------------------------------------------------
def _reflected(fn: Callable[[Any, Any], Tensor]) -> Callable[[Tensor, Any], Tensor]:
    return lambda self, other: fn(other, self)


def _rsub(self: Tensor, other: Any) -> Tensor:
    return rsub(self, other)


def _rpow(self: Tensor, other: Any) -> Tensor:
    return pow(other, self)


def _rtruediv(self: Tensor, other: Any) -> Tensor:
    if type(other) is Tensor:
        return div(other, self)
    return rdiv(self, other)


def _operand_check(fn: Callable[[Tensor, Any], Tensor], arrays: bool = False) -> Callable[[Tensor, Any], Any]:
    """The operator's dunder: tensors and Python numbers (NumPy's scalars count as numbers, as in PyTorch); an
    array is NotImplemented, so NumPy computes it and hands the result back through Tensor.__array_wrap__, except
    for `arrays` (==, which PyTorch compares as tensors; its != falls back to Python's identity test)."""
    def checked(self: Tensor, other: Any) -> Any:
        if type(other) is not Tensor and not isinstance(other, (int, float)):
            if isinstance(other, np.generic) and other.dtype.kind in "biuf":
                other = other.item()
            elif arrays and isinstance(other, np.ndarray) and other.dtype in _ARRAY_DTYPES:
                other = Tensor(other)
            else:
                return NotImplemented
        return fn(self, other)

    return checked


_ARRAY_DTYPES = frozenset(d.numpy for d in DTYPES)


def _rmatmul(self: Tensor, other: Any) -> Tensor:
    return matmul(other, self)


_OPERATORS = {
    # `2 + x` and `2 * x`: PyTorch's __radd__ and __rmul__ are x.add(2) and x.mul(2), the tensor the first edge.
    "__add__": add, "__radd__": add, "__sub__": sub, "__rsub__": _rsub,
    "__mul__": mul, "__rmul__": mul, "__truediv__": div, "__rtruediv__": _rtruediv,
    "__floordiv__": floor_divide, "__rfloordiv__": _reflected(floor_divide),
    "__mod__": remainder, "__rmod__": _reflected(remainder),
    "__pow__": pow, "__rpow__": _rpow, "__matmul__": matmul, "__rmatmul__": _rmatmul,
    "__eq__": eq, "__ne__": ne, "__lt__": lt, "__le__": le, "__gt__": gt, "__ge__": ge,
    "__and__": bitwise_and, "__or__": bitwise_or, "__xor__": bitwise_xor,
    "__rand__": _reflected(bitwise_and), "__ror__": _reflected(bitwise_or), "__rxor__": _reflected(bitwise_xor),
}
for _name, _fn in _OPERATORS.items():
    setattr(Tensor, _name, _operand_check(_fn, arrays=_name == "__eq__"))
Tensor.__neg__ = neg
Tensor.__pos__ = lambda self: self
Tensor.__abs__ = abs
Tensor.__invert__ = bitwise_not
Tensor.__getitem__ = index
Tensor.__setitem__ = index_put
