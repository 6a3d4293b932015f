"""The torch API scripts call: tensor creation, the Tensor attribute table, autograd entry points, namespaces."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autodiff.engine import autograd, ops
from autodiff.engine.tensor import (
    DTYPES,
    SCALAR_WARNING,
    DType,
    Size,
    Tensor,
    bool_,
    check_size,
    default_float,
    float16,
    float32,
    float64,
    int8,
    int16,
    int32,
    int64,
    to_numpy_dtype,
    uint8,
)
from autodiff.errors import AutodiffError, runtime_error, type_error, warn, warn_once
from autodiff.language.protocol import Namespace, TypeTable, register

NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be "
    "populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf "
    "Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure "
    "you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more information."
)

CREATE_GRAPH_WARNING = (
    "Using backward() with create_graph=True will create a reference cycle between the parameter and its "
    "gradient which can cause a memory leak. We recommend using autograd.grad when creating the graph to avoid "
    "this. If you have to use this function, make sure to reset the .grad fields of your parameters to None "
    "after use to break the cycle and avoid the leak."
)

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


# --- autograd entry points ------------------------------------------------------------------------------
_CREATORS: dict[Callable[..., Any], str] = {}


def _gradient_for(output: Tensor, gradient: Any) -> Tensor:
    """The `gradient` argument of backward: a tensor, a list, a number, or a creator such as `ones`."""
    if gradient is None:
        if output.array.size != 1:
            raise runtime_error("grad can be implicitly created only for scalar outputs")
        return Tensor(np.ones(output.array.shape, dtype=output.array.dtype))
    kind = _CREATORS.get(gradient) if callable(gradient) else None
    if kind == "like":
        gradient = gradient(output)
    elif kind == "shape":
        gradient = gradient(*output.array.shape)
    if isinstance(gradient, (list, tuple, int, float)) and not isinstance(gradient, bool):
        gradient = Tensor(np.asarray(_to_nested_numbers(gradient), dtype=output.array.dtype))
        if gradient.array.shape == () and output.array.shape != ():
            gradient = Tensor(np.full(output.array.shape, gradient.array, dtype=output.array.dtype))
    if type(gradient) is not Tensor:
        raise type_error(f"gradient must be a Tensor, a list or a number, not {type(gradient).__name__}")
    if gradient.array.shape != output.array.shape:
        raise runtime_error(
            f"Mismatch in shape: grad_output[0] has a shape of {gradient.shape} and output[0] has a shape "
            f"of {output.shape}.")
    if gradient.array.dtype.kind != output.array.dtype.kind:
        raise runtime_error(
            f"For complex Tensors, both grad_output and output are required to have the same dtype. Mismatch "
            f"in dtype: grad_output[0] has a dtype of {gradient.dtype} and output[0] has a dtype of {output.dtype}.")
    if gradient.array.dtype != output.array.dtype:
        # PyTorch's engine casts each incoming gradient to its output's dtype.
        gradient = ops.to_dtype(gradient, output.dtype)
    return gradient


def _check_differentiable(outputs: Sequence[Tensor]) -> None:
    for i, output in enumerate(outputs):
        if type(output) is not Tensor:
            raise type_error(f"backward(): expected a Tensor, got {type(output).__name__}")
        if not output.requires_grad:
            raise runtime_error(f"element {i} of tensors does not require grad and does not have a grad_fn")


def tensor_backward(self: Tensor, gradient: Any = None, retain_graph: Any = None, create_graph: bool = False,
                    inputs: Any = None) -> None:
    _backward([self], [gradient], retain_graph, create_graph, inputs)


def autograd_backward(tensors: Any, grad_tensors: Any = None, retain_graph: Any = None, create_graph: bool = False,
                      inputs: Any = None, grad_variables: Any = None) -> None:
    """`torch.autograd.backward(tensors, grad_tensors)`: one gradient per output tensor."""
    outputs = [tensors] if type(tensors) is Tensor else list(tensors)
    if grad_tensors is None:
        grad_tensors = grad_variables
    if grad_tensors is None:
        grads_in: list[Any] = [None] * len(outputs)
    elif isinstance(grad_tensors, (list, tuple)) and not (
            len(outputs) == 1 and grad_tensors and isinstance(grad_tensors[0], (int, float, list))):
        grads_in = list(grad_tensors)
    else:
        grads_in = [grad_tensors]
    _backward(outputs, grads_in, retain_graph, create_graph, inputs)


def _backward(outputs: list[Any], grads_in: list[Any], retain_graph: Any, create_graph: bool, inputs: Any) -> None:
    if len(grads_in) != len(outputs):
        raise runtime_error(f"got {len(grads_in)} gradients for {len(outputs)} tensors")
    _check_differentiable(outputs)
    grads = [_gradient_for(o, g) for o, g in zip(outputs, grads_in)]
    retain = create_graph if retain_graph is None else bool(retain_graph)
    if create_graph:
        warn("UserWarning", CREATE_GRAPH_WARNING)
    if inputs is not None:
        targets = [inputs] if type(inputs) is Tensor else list(inputs)
        captured = autograd.run_backward(outputs, grads, retain_graph=retain, create_graph=create_graph,
                                         capture=[t.edge() for t in targets], accumulate=False)
        from autodiff.engine.tensor import accumulate_into_grad

        for target in targets:
            grad = captured.get(target.edge())
            if grad is not None:
                accumulate_into_grad(target, grad, create_graph)
        return
    autograd.run_backward(outputs, grads, retain_graph=retain, create_graph=create_graph)


def autograd_grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: Any = None,
                  create_graph: bool = False, only_inputs: bool = True, allow_unused: Any = None,
                  is_grads_batched: bool = False, materialize_grads: bool = False) -> tuple[Tensor | None, ...]:
    output_list = [outputs] if type(outputs) is Tensor else list(outputs)
    input_list = [inputs] if type(inputs) is Tensor else list(inputs)
    if grad_outputs is None:
        grads_in: list[Any] = [None] * len(output_list)
    elif type(grad_outputs) is Tensor:
        grads_in = [grad_outputs]
    else:
        grads_in = list(grad_outputs)
    _check_differentiable(output_list)
    for target in input_list:
        if type(target) is not Tensor:
            raise type_error(f"grad(): inputs must be Tensors, got {type(target).__name__}")
        if not target.requires_grad:
            raise runtime_error("One of the differentiated Tensors does not require grad")
    grads = [_gradient_for(o, g) for o, g in zip(output_list, grads_in)]
    retain = create_graph if retain_graph is None else bool(retain_graph)
    edges = [t.edge() for t in input_list]
    captured = autograd.run_backward(output_list, grads, retain_graph=retain, create_graph=create_graph,
                                     capture=edges, accumulate=False)
    allow = materialize_grads if allow_unused is None else bool(allow_unused)
    results: list[Tensor | None] = []
    for target, edge in zip(input_list, edges):
        grad = captured.get(edge)
        if grad is None:
            if materialize_grads:
                grad = Tensor(np.zeros(target.array.shape, dtype=target.array.dtype))
            elif not allow:
                raise runtime_error(
                    f"The differentiated Tensor at index {len(results)} appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior.")
        elif not create_graph:
            grad = grad.detach()
        results.append(grad)
    return tuple(results)


def design_card_backward(output: Tensor, gradient: Any = None, retain_graph: Any = None,
                         create_graph: bool = False) -> None:
    """`backward(L, ones)`: the design card's shorthand for `L.backward(ones_like(L))`."""
    if type(output) is not Tensor:
        raise type_error(f"backward() expects a Tensor first, got {type(output).__name__}")
    tensor_backward(output, gradient, retain_graph, create_graph)


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


def _get_data(self: Tensor) -> Tensor:
    out = Tensor(self.array)
    out.is_parameter = False
    return out


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


def _check_inplace_target(self: Tensor) -> None:
    if autograd._grad_enabled and self.requires_grad and self.grad_fn is None:
        raise runtime_error("a leaf Variable that requires grad is being used in an in-place operation.")


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
        _check_inplace_target(self)
        recording = autograd._grad_enabled and (
            self.requires_grad or any(type(a) is Tensor and a.requires_grad for a in (*args, *kwargs.values())))
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
        self.grad_fn = result.grad_fn
        self.requires_grad = True
        return self

    return method


def _zero(self: Tensor) -> Tensor:
    return ops._record(np.zeros_like(self.array), "ZeroBackward0", (self,), lambda g: (ops.mul(g, 0),))


def _fill(self: Tensor, value: Any) -> Tensor:
    value = value.item() if type(value) is Tensor else value
    out = Tensor(np.full(self.array.shape, value, dtype=self.array.dtype))
    return ops._record(out.array, "FillBackward0", (self,), lambda g: (ops.mul(g, 0),))


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
}


def _node_name(node: autograd.Node) -> str:
    return _QUALIFIED_NODE_NAMES.get(node.name, node.name)


def _numpy_refused(self: Tensor) -> Any:
    raise AutodiffError("AttributeError", "NumPy arrays are not available in autodiff scripts; use .tolist() instead")


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


def _uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
    with autograd.GradMode(False, "no_grad"):
        _check_inplace_target_nograd(self)
        _generator(generator).uniform_(self.array, a, b)
        self.bump_version()
    return self


def _normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Tensor:
    _check_inplace_target(self)
    _generator(generator).normal_(self.array, mean, std)
    self.bump_version()
    return self


def _check_inplace_target_nograd(self: Tensor) -> None:
    return None


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
    "floor_divide", "type_as", "broadcast_to",
]
METHOD_ALIASES = {"absolute": "abs", "negative": "neg", "multiply": "mul", "divide": "div", "subtract": "sub",
                  "true_divide": "div", "clip": "clamp", "greater": "gt", "less": "lt", "swapaxes": "transpose",
                  "arctan": "atan", "arcsin": "asin", "arccos": "acos", "fmod": "remainder"}
INPLACE_OPS = ["add", "sub", "mul", "div", "pow", "clamp", "exp", "log", "sqrt", "abs", "neg", "sigmoid", "tanh",
               "relu", "sin", "cos", "reciprocal", "clamp_min", "clamp_max", "floor", "ceil", "round", "sign"]


# `x += y` and friends are in place on tensors, as in PyTorch (Python would otherwise rebind x).
Tensor.__iadd__ = _inplace(ops.add)
Tensor.__isub__ = _inplace(ops.sub)
Tensor.__imul__ = _inplace(ops.mul)
Tensor.__itruediv__ = _inplace(ops.div)


def tensor_table() -> TypeTable:
    table = TypeTable("Tensor")
    table.getters.update({
        "grad": _get_grad,
        "data": _get_data,
        "requires_grad": lambda self: self.requires_grad,
        "is_leaf": lambda self: self.grad_fn is None,
        "grad_fn": lambda self: self.grad_fn,
        "shape": lambda self: self.shape,
        "dtype": lambda self: self.dtype,
        "ndim": lambda self: self.array.ndim,
        "T": ops.matrix_transpose,
        "mT": ops.mT,
        "retains_grad": lambda self: self.retains_grad,
        "device": lambda self: CPU,
        "is_cuda": lambda self: False,
        "output_nr": lambda self: 0,
        "_version": lambda self: self._version[0],
    })
    table.setters.update({"grad": _set_grad, "data": _set_data, "requires_grad": _set_requires_grad})
    for name in SHARED_OPS:
        table.methods[name] = getattr(ops, name)
    for alias, name in METHOD_ALIASES.items():
        table.methods[alias] = getattr(ops, name)
    table.methods.update({"masked_fill": ops.masked_fill, "masked_fill_": _inplace(ops.masked_fill),
                          "addmm": ops.addmm})
    for name in INPLACE_OPS:
        table.methods[name + "_"] = _inplace(getattr(ops, name))
    table.methods.update({
        "size": _size_method, "dim": lambda self: self.array.ndim, "ndimension": lambda self: self.array.ndim,
        "numel": lambda self: self.numel(), "nelement": lambda self: self.numel(),
        "item": lambda self: self.item(), "tolist": lambda self: self.tolist(),
        "requires_grad_": requires_grad_, "retain_grad": retain_grad, "backward": tensor_backward,
        "detach": lambda self: self.detach(), "detach_": detach_,
        "zero_": _inplace(_zero), "fill_": _inplace(_fill), "copy_": _inplace(_copy),
        "float": _conversion(float32), "double": _conversion(float64), "half": _conversion(float16),
        "long": _conversion(int64), "int": _conversion(int32), "bool": _conversion(bool_),
        "short": _conversion(int16), "char": _conversion(int8), "byte": _conversion(uint8),
        "to": _to, "type": _type, "cpu": _cpu, "cuda": _cuda, "numpy": _numpy_refused,
        "is_floating_point": lambda self: self.array.dtype.kind == "f",
        "new_tensor": _new_tensor, "new_ones": _new_filled(1), "new_zeros": _new_filled(0),
        "new_empty": _new_filled(0), "uniform_": _uniform_, "normal_": _normal_,
        "is_contiguous": lambda self: bool(self.array.flags.c_contiguous),
        "element_size": lambda self: self.array.itemsize, "apply_": _apply_,
        "square_": _inplace(ops.square),
    })
    return table


def node_table() -> TypeTable:
    return TypeTable(
        "Node",
        getters={"next_functions": lambda node: node.next_functions,
                 "variable": lambda node: (node.leaf if isinstance(node, autograd.AccumulateGrad)
                                           else _no_variable(node))},
        methods={"name": _node_name},
    )


def _no_variable(node: autograd.Node) -> Any:
    raise AutodiffError("AttributeError", f"'{node.name}' object has no attribute 'variable'")


def register_tables() -> None:
    register(Tensor, tensor_table())
    table = node_table()
    register(autograd.Node, table)
    register(autograd.AccumulateGrad, table)
    register(Size, TypeTable("Size", methods={"numel": lambda s: s.numel(), "index": lambda s, v: s.index(v),
                                              "count": lambda s, v: s.count(v)}))
    register(DType, TypeTable("dtype", getters={"is_floating_point": lambda d: d.is_floating_point,
                                                "itemsize": lambda d: d.itemsize}))
    register(ops.ReturnPair, TypeTable("return_types", getters={"values": lambda p: p[0], "indices": lambda p: p[1]}))
    register(autograd.GradMode, TypeTable("grad_mode"))
    register(TensorType, tensor_type_table(tensor_table().methods))
    register(Device, TypeTable("device", getters={"type": lambda d: d.type, "index": lambda d: d.index}))


def no_grad() -> autograd.GradMode:
    return autograd.GradMode(False, "no_grad")


def enable_grad() -> autograd.GradMode:
    return autograd.GradMode(True, "enable_grad")


def set_grad_enabled(mode: bool) -> autograd.GradMode:
    mode_object = autograd.GradMode(bool(mode), "set_grad_enabled")
    autograd.set_grad_enabled(bool(mode))
    return mode_object


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
    (through their TypeTable) expose the Tensor methods unbound: `f = torch.Tensor.tanh; f(x)`."""

    __slots__ = ("name", "dtype")

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
        if len(args) == 1 and isinstance(args[0], (list, tuple)) and not isinstance(args[0], Size):
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


# --- the torch namespace ----------------------------------------------------------------------------------
CREATION = {
    "tensor": tensor, "ones": ones, "zeros": zeros, "empty": empty, "full": full, "ones_like": ones_like,
    "zeros_like": zeros_like, "empty_like": empty_like, "full_like": full_like, "eye": eye, "arange": arange,
    "linspace": linspace, "rand": rand, "randn": randn, "rand_like": rand_like, "randn_like": randn_like,
    "randint": randint, "randperm": randperm, "manual_seed": manual_seed, "initial_seed": initial_seed,
    "seed": seed, **TENSOR_TYPES, "is_tensor": is_tensor, "device": Device,
    "numel": numel,
    "as_tensor": lambda data, dtype=None: (data if type(data) is Tensor and dtype is None
                                           else tensor(data, dtype=dtype)),
}
for _fn in (ones_like, zeros_like, empty_like, rand_like, randn_like):
    _CREATORS[_fn] = "like"
for _fn in (ones, zeros, empty, rand, randn):
    _CREATORS[_fn] = "shape"

DTYPE_NAMES = {
    "float32": float32, "float": float32, "float64": float64, "double": float64, "float16": float16,
    "half": float16, "int64": int64, "long": int64, "int32": int32, "int": int32, "int16": int16, "short": int16,
    "int8": int8, "uint8": uint8, "bool": bool_,
}


def _set_printoptions(**kwargs: Any) -> None:
    from autodiff.torch import tensor_str as torchfmt

    torchfmt.set_printoptions(**kwargs)


def torch_members() -> dict[str, Any]:
    members: dict[str, Any] = {}
    members.update(CREATION)
    for name in SHARED_OPS:
        if name not in METHOD_ONLY:
            members[name] = getattr(ops, name)
    methods = tensor_table().methods
    for name in INPLACE_FUNCTIONS:
        members[name] = methods[name]
    members.update({"masked_fill": ops.masked_fill, "addmm": ops.addmm})
    for alias, name in METHOD_ALIASES.items():
        members[alias] = getattr(ops, name)
    members.update({
        "cat": ops.cat, "concat": ops.cat, "concatenate": ops.cat, "stack": ops.stack, "no_grad": no_grad,
        "enable_grad": enable_grad, "set_grad_enabled": set_grad_enabled,
        "is_grad_enabled": autograd.is_grad_enabled, "set_printoptions": _set_printoptions,
        "Size": lambda values=(): Size(tuple(values)), "detach": lambda x: x.detach(),
        "is_floating_point": lambda x: x.array.dtype.kind == "f",
    })
    members.update(DTYPE_NAMES)
    return members


# Modules that add members to the torch namespaces; each defines `members() -> {dotted name: {name: value}}`.
def _extension_members() -> dict[str, dict[str, Any]]:
    """The members the torch API's other modules add (nn, optim, autograd.functional, the random functions)."""
    from autodiff.torch import random
    from autodiff.torch.autograd import functional
    from autodiff.torch.nn import members as nn
    from autodiff.torch.optim import core as optim

    merged: dict[str, dict[str, Any]] = {}
    for module in (functional, nn, optim, random):
        for dotted, members in module.members().items():
            merged.setdefault(dotted, {}).update(members)
    return merged


def build_torch(extra_modules: dict[str, dict[str, Any]] | None = None) -> dict[str, Namespace]:
    """All importable modules by dotted name: torch, torch.nn, torch.autograd, ..."""
    register_tables()
    extra_modules = {"torch.cuda": dict(CUDA_MEMBERS), **_extension_members(), **(extra_modules or {})}
    autograd_ns = Namespace("torch.autograd", {
        "Variable": variable, "grad": autograd_grad, "backward": autograd_backward,
    })
    nn_ns = Namespace("torch.nn", {"Parameter": parameter})
    torch_ns = Namespace("torch", torch_members())
    torch_ns.members.update({"autograd": autograd_ns, "nn": nn_ns})
    modules = {"torch": torch_ns, "torch.autograd": autograd_ns, "torch.nn": nn_ns}
    for dotted, members in (extra_modules or {}).items():
        ns = modules.get(dotted)
        if ns is None:
            ns = modules[dotted] = Namespace(dotted)
            parent, _, leaf = dotted.rpartition(".")
            if parent in modules:
                modules[parent].members[leaf] = ns
        ns.members.update(members)
    return modules


def bare_names(modules: dict[str, Namespace]) -> dict[str, Any]:
    """Names a script may use without a `torch.` prefix: torch's members, nn.Parameter, Variable, grad, backward."""
    names: dict[str, Any] = {}
    for dotted in sorted(modules, key=len, reverse=True):
        for name, value in modules[dotted].members.items():
            if not isinstance(value, Namespace):
                names[name] = value
    names["backward"] = design_card_backward
    names["torch"] = modules["torch"]
    names["nn"] = modules["torch.nn"]
    return names


def suggest(name: str, candidates: Sequence[str]) -> str | None:
    close = difflib.get_close_matches(name, list(candidates), n=1)
    return close[0] if close else None
