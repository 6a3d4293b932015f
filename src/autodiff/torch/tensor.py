"""The Tensor as scripts see it: its attribute table (attributes, methods, in-place forms), the legacy tensor
types (torch.FloatTensor), devices."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np

from autodiff.engine import autograd, ops
from autodiff.engine.tensor import (
    DTYPES,
    DType,
    MemoryFormat,
    Size,
    Tensor,
    bool_,
    float16,
    float32,
    float64,
    int8,
    int16,
    int32,
    int64,
    uint8,
)
from autodiff.errors import AutodiffError, runtime_error, type_error, warn
from autodiff.language.protocol import TypeTable, register
from autodiff.torch.arguments import with_numpy_aliases
from autodiff.torch.autograd import graph
from autodiff.torch.autograd.backward import NON_LEAF_GRAD_WARNING, tensor_backward
from autodiff.torch.creation import _filled, _generator, _size, tensor


# --- Tensor attributes and in-place methods ---------------------------------------------------------------
def _get_grad(self: Tensor) -> Tensor | None:
    if self.grad_fn is not None and not self.retains_grad and self.grad is None:
        warn("UserWarning", NON_LEAF_GRAD_WARNING)
    return self.grad


def _set_grad(self: Tensor, value: Any) -> None:
    if value is not None:
        if type(value) is not Tensor:
            raise type_error("assigned grad expected to be a Tensor or None but got grad of type "
                             f"{type(value).__name__}")
        if value.array.shape != self.array.shape:
            raise runtime_error("assigned grad has data of a different size")
        if value.array.dtype != self.array.dtype:
            raise runtime_error("assigned grad has data of a different type")
    self.grad = value


def _set_requires_grad(self: Tensor, value: Any) -> None:
    value = bool(value)
    if self.grad_fn is not None:
        if not value:
            raise runtime_error(
                "you can only change requires_grad flags of leaf variables. If you want to use a computed "
                "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().")
        return
    if value and self.array.dtype.kind != "f":
        raise runtime_error("only Tensors of floating point and complex dtype can require gradients")
    self.requires_grad = value


def requires_grad_(self: Tensor, requires_grad: bool = True) -> Tensor:
    if requires_grad and self.grad_fn is None and self.array.dtype.kind != "f":
        raise runtime_error("only Tensors of floating point dtype can require gradients")
    _set_requires_grad(self, requires_grad)
    return self


def retain_grad(self: Tensor) -> None:
    if not self.requires_grad:
        raise runtime_error("can't retain_grad on Tensor that has requires_grad=False")
    if self.grad_fn is None or self.retains_grad:
        return
    self.retains_grad = True
    node = self.grad_fn
    if node.retained is None:
        node.retained = []
    node.retained.append(self)


def _grad_fn(self: Tensor) -> autograd.Node | None:
    """The node behind the tensor as PyTorch shows it: for an output of a node with several outputs, that node."""
    node = self.grad_fn
    return node.parent if type(node) is autograd.OutputSlot else node


def _get_data(self: Tensor) -> Tensor:
    return Tensor(self.array)


def _set_data(self: Tensor, value: Any) -> None:
    if type(value) is not Tensor:
        raise type_error(f"Variable data has to be a tensor, but got {type(value).__name__}")
    self.array = value.array


def detach_(self: Tensor) -> Tensor:
    if self.grad_fn is not None and self.grad_fn.retained:
        self.grad_fn.retained.remove(self)
    self.grad_fn = None
    self.requires_grad = False
    return self


def _write(self: Tensor, array: np.ndarray) -> None:
    source = np.asarray(array)
    if source.dtype != self.array.dtype and ops._CATEGORY[source.dtype.kind] > ops._CATEGORY[self.array.dtype.kind]:
        raise runtime_error(
            f"result type {_CAST_NAMES.get(source.dtype.name, source.dtype.name)} can't be cast to the desired "
            f"output type {_CAST_NAMES.get(self.array.dtype.name, self.array.dtype.name)}")
    if not self.array.flags.writeable:
        raise runtime_error(
            "unsupported operation: more than one element of the written-to tensor refers to a single memory "
            "location. Please clone() the tensor before performing the operation.")
    try:
        np.copyto(self.array, source, casting="unsafe")
    except ValueError:
        raise runtime_error(
            f"output with shape {list(self.array.shape)} doesn't match the broadcast shape "
            f"{list(np.broadcast_shapes(self.array.shape, source.shape))}") from None
    self.bump_version()


_CAST_NAMES = {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int", "bool": "Bool"}


def _inplace(compute: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """Build `x.op_(...)` from the out-of-place op: same values written into x, x's history rebased."""

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        recording = _check_inplace(self, (*args, *kwargs.values()))
        if not recording:
            plain = Tensor(self.array)
            previous = autograd.set_grad_enabled(False)
            try:
                result = compute(plain, *args, **kwargs)
            finally:
                autograd.set_grad_enabled(previous)
            _write(self, result.array)
            return self
        before = Tensor(self.array.copy(), self.requires_grad, self.grad_fn)
        result = compute(before, *args, **kwargs)
        _write(self, result.array)
        _take_history(self, result)
        return self

    return method


def _check_inplace(self: Tensor, arguments: tuple[Any, ...]) -> bool:
    """Refuse an in-place change PyTorch refuses (a leaf that requires grad, an argument overlapping self in part);
    whether the change is recorded."""
    ops.check_inplace_target(self)
    for argument in arguments:
        if type(argument) is Tensor:
            ops.check_no_partial_overlap(self.array, argument.array)
    if not autograd._grad_enabled:
        return False
    if self.requires_grad:
        return True
    for argument in arguments:
        if type(argument) is Tensor and argument.requires_grad:
            return True
    return False


def _take_history(self: Tensor, result: Tensor) -> None:
    """`self` now holds `result`'s values (written in place): it takes result's history, or through a view, its
    base's history becomes CopySlices around it (ops.record_inplace_on_view)."""
    if ops.view_base(self) is not None and result.grad_fn is not None:
        ops.record_inplace_on_view(self, result)
        return
    self.grad_fn = result.grad_fn
    self.requires_grad = True
    ops.rebase_views(self)


def _zero_gradient(g: Tensor) -> tuple[Tensor]:
    return (ops.zeros_like(g),)


def _zero(self: Tensor) -> Tensor:
    return ops._record(np.zeros_like(self.array), "ZeroBackward0", (self,), _zero_gradient)


def _write_number(self: Tensor, value: float | int) -> bool:
    """`x.zero_()` and `x.fill_(number)` with no history to record: the number is written at once (a training loop's
    `w.grad.data.zero_()` costs an op, not three), also through an expanded tensor's shared locations, which
    PyTorch's fill kernel writes where its other in-place ops refuse. False: the general in-place path must."""
    if _check_inplace(self, ()):
        return False
    target = self.array
    if not target.flags.writeable:
        target = ops.writable(target)
        if not target.flags.writeable:
            return False
    target[...] = value
    self.bump_version()
    return True


def zero_(self: Tensor) -> Tensor:
    return self if _write_number(self, 0) else _recorded_zero(self)


def fill_(self: Tensor, value: Any) -> Tensor:
    # A number into a floating tensor only: NumPy's casting of one into an integer tensor is the general path's.
    if type(value) in (float, int) and self.array.dtype.kind == "f" and _write_number(self, value):
        return self
    return _recorded_fill(self, value)


def _fill(self: Tensor, value: Any) -> Tensor:
    if type(value) is not Tensor:
        out = np.full(self.array.shape, value, dtype=self.array.dtype)
        return ops._record(out, "FillBackward2", (self,), _zero_gradient)
    if value.array.ndim:
        raise runtime_error(f"fill_ only supports 0-dimension value tensor but got tensor with {value.array.ndim} "
                            "dimensions.")
    out = np.full(self.array.shape, value.array, dtype=self.array.dtype)
    return ops._record(out, "FillBackward3", (self, value), lambda g: (ops.zeros_like(g), ops.sum(g)))


_recorded_zero = _inplace(_zero)
_recorded_fill = _inplace(_fill)


def sampler_method(sample: Callable[..., Any], grad_fn_name: Callable[..., str]) -> Callable[..., Tensor]:
    """`x.uniform_()` and the other in-place samplers: the generator refills x. As for any in-place op, a leaf that
    requires grad is refused and a tensor with history gets a node whose gradient is zero (UniformBackward0, ...,
    named by `grad_fn_name(*args)`; a tensor argument such as bernoulli_'s p gets a zero gradient too)."""

    def method(self: Tensor, *args: Any, generator: Any = None, **kwargs: Any) -> Tensor:
        arguments = (*args, *kwargs.values())
        recording = _check_inplace(self, arguments)
        if not self.array.flags.writeable:  # an expanded tensor: its shared locations would each get two draws
            raise runtime_error(ops._INTERNAL_OVERLAP)
        before = Tensor(self.array, self.requires_grad, self.grad_fn)  # the history (the rule reads no values)
        # Drawn into the tensor's own memory: PyTorch draws in memory order, and by another kernel when the
        # tensor is not contiguous.
        sample(_generator(generator), self.array, *args, **kwargs)
        self.bump_version()
        if recording:
            inputs = (before, *[a for a in arguments if type(a) is Tensor])
            result = ops._record(self.array, grad_fn_name(*args, **kwargs), inputs,
                                 lambda g: tuple(ops.zeros_like(t) for t in inputs))
            _take_history(self, result)
        return self

    return method


def _copy(self: Tensor, source: Any) -> Tensor:
    if type(source) is not Tensor:
        raise type_error(f"copy_(): argument 'src' must be Tensor, not {type(source).__name__}")
    try:
        array = np.broadcast_to(source.array, self.array.shape).astype(self.array.dtype)
    except ValueError:
        raise runtime_error(
            f"The size of tensor a ({self.array.shape[-1] if self.array.ndim else 1}) must match the size of "
            f"tensor b ({source.array.shape[-1] if source.array.ndim else 1}) at non-singleton dimension "
            f"{max(self.array.ndim - 1, 0)}") from None
    source_shape = source.array.shape
    return ops._record(array, "CopyBackwards", (self, source),
                       lambda g: (ops.mul(g, 0), ops.to_dtype(ops.sum_to_size(g, source_shape), source.dtype)))


def _size_method(self: Tensor, dim: int | None = None) -> Any:
    if dim is None:
        return self.shape
    return self.array.shape[ops._wrap_dim(dim, self.array.ndim)]


def _stride_method(self: Tensor, dim: int | None = None) -> Any:
    """`x.stride()`: how many elements apart consecutive indices of each dimension lie in memory."""
    strides = tuple(step // self.array.itemsize for step in self.array.strides)
    if dim is None:
        return strides
    return strides[ops._wrap_dim(dim, self.array.ndim)]


def _conversion(dtype: DType) -> Callable[[Tensor], Tensor]:
    return lambda self: ops.to_dtype(self, dtype)


def _to(self: Tensor, *args: Any, dtype: Any = None, **kwargs: Any) -> Tensor:
    for arg in args:
        if isinstance(arg, DType):
            dtype = arg
        elif type(arg) is Tensor:
            dtype = arg.dtype
    if dtype is None:
        return self
    return ops.to_dtype(self, dtype)


def _type(self: Tensor, dtype: Any = None) -> Any:
    if dtype is None:
        return self.type_label()
    if isinstance(dtype, str):
        for candidate in DTYPES:
            if dtype in (f"torch.{candidate.name}", self_label(candidate)):
                return ops.to_dtype(self, candidate)
        raise value_error_unknown_type(dtype)
    if isinstance(dtype, TensorType):  # x.type(torch.DoubleTensor)
        dtype = dtype.dtype or float32
    return ops.to_dtype(self, dtype)


def self_label(dtype: DType) -> str:
    from autodiff.engine.tensor import _LEGACY_NAMES

    return "torch." + _LEGACY_NAMES[dtype.name]


def value_error_unknown_type(name: str) -> AutodiffError:
    return AutodiffError("ValueError", f"invalid type: '{name}'")


# PyTorch's name() gives these two C++ nodes their namespace, though their repr omits it.
_QUALIFIED_NODE_NAMES = {
    "CopySlices": "torch::autograd::CopySlices",
    "AccumulateGrad": "torch::autograd::AccumulateGrad",
    "NotImplemented": "torch::autograd::NotImplemented",
}


def _node_name(node: autograd.Node) -> str:
    return _QUALIFIED_NODE_NAMES.get(node.name, node.name)


def _numpy(self: Tensor, *, force: bool = False) -> Any:
    """`x.numpy()`: the tensor's own memory as a NumPy array (writing to one changes the other), as in PyTorch."""
    if self.requires_grad and not force:
        raise runtime_error("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
    return self.array


def _cpu(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    return self


def _cuda(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    raise runtime_error("Torch not compiled with CUDA enabled (autodiff runs on the CPU only)")


def _apply_(self: Tensor, fn: Any) -> Tensor:
    raise runtime_error("apply_ is not supported in autodiff scripts")


def _new_tensor(self: Tensor, data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return tensor(data, dtype=dtype if dtype is not None else self.dtype, requires_grad=requires_grad)


def _new_filled(value: float) -> Callable[..., Tensor]:
    def make(self: Tensor, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        return _filled(value, size, dtype if dtype is not None else self.dtype, requires_grad)

    return make


# Methods that are the same function as `torch.<name>` (the op receives the tensor first).
SHARED_OPS = [
    "add", "sub", "mul", "div", "pow", "neg", "matmul", "mm", "mv", "dot", "outer", "sum", "mean", "prod", "max",
    "min", "amax", "argmax", "argmin", "norm", "std", "var", "logsumexp", "softmax", "log_softmax", "exp", "log",
    "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt", "abs", "sin", "cos", "tan", "tanh", "sinh", "cosh", "asin",
    "acos", "atan", "sigmoid", "relu", "reciprocal", "sign", "floor", "ceil", "round", "trunc", "frac", "erf",
    "square", "clamp", "clamp_min", "clamp_max", "maximum", "minimum", "where", "reshape", "view", "view_as",
    "reshape_as", "flatten", "t", "transpose", "permute", "unsqueeze", "squeeze", "expand", "expand_as",
    "narrow", "split", "chunk", "unbind", "select", "clone", "contiguous", "eq", "ne", "lt", "le", "gt", "ge",
    "logical_and", "logical_or", "logical_xor", "logical_not", "equal", "allclose", "isclose", "remainder",
    "floor_divide", "type_as", "broadcast_to", "fmod", "nansum", "cumsum", "cumprod",
]
METHOD_ALIASES = {"absolute": "abs", "negative": "neg", "multiply": "mul", "divide": "div", "subtract": "sub",
                  "true_divide": "div", "clip": "clamp", "greater": "gt", "less": "lt", "swapaxes": "transpose",
                  "arctan": "atan", "arcsin": "asin", "arccos": "acos"}
# The long tail of the tensor API: methods that are also torch functions, under PyTorch's names.
LONG_TAIL: dict[str, Callable[..., Any]] = {
    "sort": ops.sort, "argsort": ops.argsort, "msort": ops.msort, "topk": ops.topk, "kthvalue": ops.kthvalue,
    "cumsum": ops.cumsum, "cumprod": ops.cumprod, "gather": ops.gather, "scatter": ops.scatter,
    "scatter_add": ops.scatter_add, "index_select": ops.index_select, "index_add": ops.index_add,
    "index_copy": ops.index_copy, "index_fill": ops.index_fill, "masked_select": ops.masked_select,
    "nonzero": ops.nonzero, "argwhere": ops.argwhere, "count_nonzero": ops.count_nonzero, "all": ops.all_,
    "any": ops.any_, "tril": ops.tril, "triu": ops.triu, "diag": ops.diag, "diagonal": ops.diagonal,
    "diag_embed": ops.diag_embed, "trace": ops.trace, "tile": ops.tile, "flip": ops.flip, "fliplr": ops.fliplr,
    "flipud": ops.flipud, "roll": ops.roll, "bmm": ops.bmm, "lerp": ops.lerp, "kron": ops.kron,
}
# Methods that take their dims either as one sequence or one by one (x.flip(0, 1)), unlike the torch functions.
LONG_TAIL_METHODS: dict[str, Callable[..., Any]] = {
    "repeat": ops.repeat,
    "tile": lambda self, *dims: ops.tile(self, ops._shape_arg(dims)),
    "flip": lambda self, *dims: ops.flip(self, ops._shape_arg(dims)),
}
LONG_TAIL_INPLACE: dict[str, Callable[..., Any]] = {
    "scatter_": ops.scatter, "scatter_add_": ops.scatter_add, "index_add_": ops.index_add,
    "index_copy_": ops.index_copy, "index_fill_": ops.index_fill, "tril_": ops.tril, "triu_": ops.triu,
    "cumsum_": ops.cumsum, "cumprod_": ops.cumprod, "lerp_": ops.lerp, "fmod_": ops.fmod,
    "remainder_": ops.remainder,
}
INPLACE_OPS = ["add", "sub", "mul", "div", "pow", "clamp", "exp", "log", "sqrt", "abs", "neg", "sigmoid", "tanh",
               "relu", "sin", "cos", "reciprocal", "clamp_min", "clamp_max", "floor", "ceil", "round", "sign"]


# `x += y` and friends are in place on tensors, as in PyTorch (Python would otherwise rebind x).
Tensor.__iadd__ = _inplace(ops.add)
Tensor.__isub__ = _inplace(ops.sub)
Tensor.__imul__ = _inplace(ops.mul)
Tensor.__itruediv__ = _inplace(ops.div)


@cache
def tensor_table() -> TypeTable:
    """Tensor's table, made once per process: its entries hold no state of a run (register_tables makes it the
    table in force, which later registrations extend)."""
    table = TypeTable("Tensor")
    table.getters.update({
        "grad": _get_grad,
        "data": _get_data,
        "requires_grad": lambda self: self.requires_grad,
        "is_leaf": lambda self: self.grad_fn is None,
        "grad_fn": _grad_fn,
        "shape": lambda self: self.shape,
        "dtype": lambda self: self.dtype,
        "ndim": lambda self: self.array.ndim,
        "T": ops.matrix_transpose,
        "mT": ops.mT,
        "retains_grad": lambda self: self.retains_grad,
        "device": lambda self: CPU,
        "is_cuda": lambda self: False,
        "output_nr": lambda self: self.grad_fn.index if type(self.grad_fn) is autograd.OutputSlot else 0,
        "_version": lambda self: self._version[0],
    })
    table.setters.update({"grad": _set_grad, "data": _set_data, "requires_grad": _set_requires_grad})
    for name in SHARED_OPS:
        table.methods[name] = getattr(ops, name)
    for alias, name in METHOD_ALIASES.items():
        table.methods[alias] = getattr(ops, name)
    table.methods.update({"masked_fill": ops.masked_fill, "masked_fill_": _inplace(ops.masked_fill),
                          "addmm": ops.addmm})
    table.methods.update(LONG_TAIL)
    table.methods.update(LONG_TAIL_METHODS)
    table.methods.update({name: _inplace(function) for name, function in LONG_TAIL_INPLACE.items()})
    for name in INPLACE_OPS:
        table.methods[name + "_"] = _inplace(getattr(ops, name))
    table.methods.update({
        "size": _size_method, "dim": lambda self: self.array.ndim, "ndimension": lambda self: self.array.ndim,
        "numel": lambda self: self.numel(), "nelement": lambda self: self.numel(),
        "item": lambda self: self.item(), "tolist": lambda self: self.tolist(),
        "requires_grad_": requires_grad_, "retain_grad": retain_grad, "backward": tensor_backward,
        "register_hook": graph.register_hook,
        "register_post_accumulate_grad_hook": graph.register_post_accumulate_grad_hook,
        "detach": lambda self: self.detach(), "detach_": detach_,
        "zero_": zero_, "fill_": fill_, "copy_": _inplace(_copy),
        "float": _conversion(float32), "double": _conversion(float64), "half": _conversion(float16),
        "long": _conversion(int64), "int": _conversion(int32), "bool": _conversion(bool_),
        "short": _conversion(int16), "char": _conversion(int8), "byte": _conversion(uint8),
        "to": _to, "type": _type, "cpu": _cpu, "cuda": _cuda, "numpy": _numpy,
        "is_floating_point": lambda self: self.array.dtype.kind == "f",
        "new_tensor": _new_tensor, "new_ones": _new_filled(1), "new_zeros": _new_filled(0),
        "new_empty": _new_filled(0),
        "is_contiguous": ops.is_contiguous, "stride": _stride_method,
        "element_size": lambda self: self.array.itemsize, "apply_": _apply_,
        "square_": _inplace(ops.square),
    })
    for name, method in table.methods.items():
        table.methods[name] = with_numpy_aliases(method)
    return table


def node_table() -> TypeTable:
    return TypeTable(
        "Node",
        getters={"next_functions": lambda node: node.next_functions,
                 "variable": lambda node: (node.leaf if isinstance(node, autograd.AccumulateGrad)
                                           else _no_variable(node))},
        methods={"name": _node_name, "register_hook": graph.node_register_hook,
                 "register_prehook": graph.node_register_prehook},
    )


def _no_variable(node: autograd.Node) -> Any:
    raise AutodiffError("AttributeError", f"'{node.name}' object has no attribute 'variable'")


_registered = False


def register_tables() -> None:
    """The tables of torch's values, registered once per process (every run's would be the same)."""
    global _registered
    if _registered:
        return
    _registered = True
    register(Tensor, tensor_table())
    table = node_table()
    register(autograd.Node, table)
    register(autograd.AccumulateGrad, table)
    register(Size, TypeTable("Size", methods={"numel": lambda s: s.numel(), "index": lambda s, v: s.index(v),
                                              "count": lambda s, v: s.count(v)}))
    register(DType, TypeTable("dtype", getters={"is_floating_point": lambda d: d.is_floating_point,
                                                "itemsize": lambda d: d.itemsize}))
    for kind in ops.RETURN_KINDS:
        register(ops._RETURN_TYPES[kind], TypeTable(f"torch.return_types.{kind}",
                                                    getters={"values": lambda p: p[0], "indices": lambda p: p[1]}))
    register(autograd.GradMode, TypeTable("grad_mode"))
    register(autograd.GradModeFunction, TypeTable("function"))
    register(autograd.HookHandle, TypeTable("RemovableHandle", methods={"remove": autograd.HookHandle.remove}))
    register(TensorType, tensor_type_table(tensor_table().methods))
    register(Device, TypeTable("device", getters={"type": lambda d: d.type, "index": lambda d: d.index}))
    register(MemoryFormat, TypeTable("memory_format"))
    _register_classes()


def _register_classes() -> None:
    """What `type(x)` gives for torch's values, and the class-likes scripts use with isinstance."""
    from autodiff.language import protocol
    from autodiff.torch.creation import PARAMETER, ParameterType

    tensor_class = TENSOR_TYPES["Tensor"]
    protocol.register_class_of(Tensor, lambda t: PARAMETER if t.is_parameter else tensor_class)
    protocol.register_class_like(TensorType, lambda kind: Tensor)
    protocol.register_class_like(ParameterType, lambda kind: Tensor)
    register(ParameterType, tensor_type_table(tensor_table().methods))
    for kind, dotted in ((DType, "torch.dtype"), (Size, "torch.Size"), (Device, "torch.device"),
                         (MemoryFormat, "torch.memory_format")):
        protocol.register_class_name(kind, dotted)
    Device.__module__, Device.__qualname__ = "torch", "device"  # torch.device is this class: it prints so
    MemoryFormat.__module__, MemoryFormat.__qualname__ = "torch", "memory_format"
    node_classes: dict[str, Any] = {}

    def node_class(node: autograd.Node) -> Any:  # PyTorch makes a class per node kind: <class 'MulBackward0'>
        view = node_classes.get(node.name)
        if view is None:
            view = node_classes[node.name] = protocol.ClassView(type(node), getattr(node, "CLASS_PREFIX", "") +
                                                                node.name)
        return view

    protocol.register_class_of(autograd.Node, node_class)
    modes = {label: protocol.ClassView(autograd.GradMode, f"torch.autograd.grad_mode.{label}")
             for label in ("no_grad", "enable_grad", "set_grad_enabled")}
    protocol.register_class_of(autograd.GradMode, lambda mode: modes[mode.label])


# --- Python protocols, legacy tensor types, devices (PyTorch as tutorials use them) ------------------------

_NEW_SIGNATURES = (
    "new() received an invalid combination of arguments - got ({got}), but expected one of:\n"
    " * (*, torch.device device = None)\n"
    "      didn't match because some of the keywords were incorrect: {keywords}\n"
    " * (torch.Storage storage)\n"
    " * (Tensor other)\n"
    " * (tuple of ints size, *, torch.device device = None)\n"
    " * (object data, *, torch.device device = None)\n"
)


class TensorType:
    """`torch.Tensor`, `torch.FloatTensor`, ...: legacy constructors that are also `isinstance` targets and
    (through their TypeTable) expose the Tensor methods unbound: `f = torch.Tensor.tanh; f(x)`. `type(t)` of a
    tensor is `torch.Tensor`."""

    __slots__ = ("name", "dtype")

    @property
    def __name__(self) -> str:  # noqa: PLW3201 - what `torch.Tensor.__name__` reads
        return self.name

    def __init__(self, name: str, dtype: DType | None):
        self.name = name
        self.dtype = dtype

    def __repr__(self) -> str:
        return f"<class 'torch.{self.name}'>"

    def __instancecheck__(self, value: Any) -> bool:
        return type(value) is Tensor and (self.dtype is None or value.dtype is self.dtype)

    def __call__(self, *args: Any, **kwargs: Any) -> Tensor:
        unknown = [key for key in kwargs if key != "device"]
        if unknown:
            got = ", ".join([_type_name_of(a) for a in args] + [f"{k}={_type_name_of(v)}" for k, v in kwargs.items()])
            raise type_error(_NEW_SIGNATURES.format(got=got, keywords=", ".join(unknown)))
        dtype = self.dtype or float32
        if not args:
            return Tensor(np.zeros((0,), dtype=dtype.numpy))
        if len(args) == 1 and type(args[0]) is Tensor:
            source = args[0]
            if source.dtype is not dtype:
                raise type_error(_options_mismatch(dtype, source.dtype))
            return ops._record(source.array[...], "AliasBackward0", (source,), lambda g: (g,))
        if len(args) == 1 and isinstance(args[0], (list, tuple, np.ndarray)) and not isinstance(args[0], Size):
            return tensor(args[0], dtype=dtype)
        if len(args) == 1 and isinstance(args[0], Size):
            args = tuple(args[0])
        if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
            return Tensor(np.zeros(_size(args), dtype=dtype.numpy))
        raise type_error(f"new(): data must be a sequence (got {_type_name_of(args[0])})")


def _type_name_of(value: Any) -> str:
    from autodiff.language.protocol import type_name

    return "Tensor" if type(value) is Tensor else type_name(value)


def _options_mismatch(expected: DType, got: DType) -> str:
    names = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int", "bool": "bool"}

    def options(dtype: DType) -> str:
        return (f"TensorOptions(dtype={names.get(dtype.name, dtype.name)}, device=cpu, layout=Strided, "
                "requires_grad=false (default), pinned_memory=false (default), memory_format=(nullopt))")

    return f"expected {options(expected)} (got {options(got)})"


TENSOR_TYPES = {
    "Tensor": TensorType("Tensor", None), "FloatTensor": TensorType("FloatTensor", float32),
    "DoubleTensor": TensorType("DoubleTensor", float64), "LongTensor": TensorType("LongTensor", int64),
    "IntTensor": TensorType("IntTensor", int32), "BoolTensor": TensorType("BoolTensor", bool_),
    "HalfTensor": TensorType("HalfTensor", float16), "ShortTensor": TensorType("ShortTensor", int16),
    "CharTensor": TensorType("CharTensor", int8), "ByteTensor": TensorType("ByteTensor", uint8),
}


class UnboundMethod:
    """`torch.Tensor.tanh`: the method as a plain function of the tensor."""

    __slots__ = ("name", "function")

    def __init__(self, name: str, function: Callable[..., Any]):
        self.name = name
        self.function = function

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not args:
            raise type_error(f"descriptor '{self.name}' of 'torch._C.TensorBase' object needs an argument")
        if type(args[0]) is not Tensor:
            raise type_error(f"descriptor '{self.name}' for 'torch._C.TensorBase' objects doesn't apply to a "
                             f"'{_type_name_of(args[0])}' object")
        return self.function(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<method '{self.name}' of 'torch._C.TensorBase' objects>"


def tensor_type_table(methods: dict[str, Callable[..., Any]]) -> TypeTable:
    getters = {name: (lambda unbound: lambda _cls: unbound)(UnboundMethod(name, fn)) for name, fn in methods.items()}
    getters["dtype"] = lambda cls: cls.dtype if cls.dtype is not None else float32
    return TypeTable("tensortype", getters=getters)


class Device:
    """`torch.device('cpu')`: prints `device(type='cpu')`; `str()` gives 'cpu'."""

    __slots__ = ("type", "index")

    def __init__(self, type: Any = "cpu", index: int | None = None):  # noqa: A002 - PyTorch's keyword
        if isinstance(type, Device):
            type, index = type.type, type.index
        kind, _, number = str(type).partition(":")
        if kind not in ("cpu", "cuda", "mps", "meta", "xpu"):
            raise runtime_error(f"Expected one of cpu, cuda, mps, meta, xpu device type at start of device string: "
                                f"{type}")
        self.type = kind
        self.index = int(number) if number else index

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: Any) -> bool:  # like PyTorch, a device never equals a string
        return isinstance(other, Device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


CPU = Device("cpu")
CUDA_MEMBERS = {"is_available": lambda: False, "device_count": lambda: 0}
# Tensor methods that PyTorch also offers as `torch.<name>` and the reverse (issue 11: both forms where PyTorch
# has both). Names listed in SHARED_OPS that PyTorch only has as methods are left out of the torch namespace.
METHOD_ONLY = frozenset({"contiguous", "expand", "expand_as", "reshape_as", "type_as", "view", "view_as"})
INPLACE_FUNCTIONS = ("abs_", "ceil_", "clamp_", "clamp_max_", "clamp_min_", "cos_", "exp_", "fill_", "floor_",
                     "log_", "neg_", "reciprocal_", "relu_", "round_", "sigmoid_", "sin_", "sqrt_", "square_",
                     "tanh_", "zero_", "detach_")
