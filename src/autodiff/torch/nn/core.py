"""torch.nn, torch.nn.functional and torch.nn.init: modules are Python objects reached through registered tables.

- `torch.nn.functional` (F) is a thin layer over the op table (ops.py): it does what PyTorch's Python
  wrappers do (argument checks, warnings, broadcasting, legacy `size_average`/`reduce`) and calls the ops,
  so every result carries PyTorch's grad_fn (`F.cross_entropy` is log_softmax + nll_loss: NllLossBackward0).
- Modules keep parameters and submodules in ordered dicts, print exactly as PyTorch does, and are reached
  from scripts only through the TypeTables built in `register_tables()`: fixed attributes per class, plus the
  module's own parameters and submodules by name (`model.fc1`, `layer.weight`).
- `members()` is the extension hook read by torch_api.build_torch.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from autodiff.engine import ops
from autodiff.engine.tensor import DType, Tensor, check_size, default_float, reset_grad, to_numpy_dtype
from autodiff.errors import AutodiffError, runtime_error, type_error, value_error, warn
from autodiff.language.protocol import TypeTable, register

# --- torch.nn.functional ---------------------------------------------------------------------------------


def _legacy_reduction(size_average: Any, reduce: Any) -> str:
    """PyTorch's `_Reduction.legacy_get_string`: the old flags mapped to a reduction, with its warning."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "mean" if size_average and reduce else ("sum" if reduce else "none")
    warn("UserWarning", f"size_average and reduce args will be deprecated, please use reduction='{reduction}' "
                        "instead.")
    return reduction


def _reduction(reduction: str, size_average: Any = None, reduce: Any = None) -> str:
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    return reduction


def _check_tensor(value: Any, position: str, function: str) -> None:
    if type(value) is not Tensor:
        raise type_error(f"{function}(): argument '{position}' (position {1 if position == 'input' else 2}) must "
                         f"be Tensor, not {_type_name(value)}")


def _type_name(value: Any) -> str:
    from autodiff.language.protocol import type_name

    return type_name(value)


def _warn_target_size(input: Tensor, target: Tensor) -> None:  # noqa: A002
    if target.shape != input.shape:
        warn("UserWarning",
             f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
             "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.")


def _broadcast_pair(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """`torch.broadcast_tensors(a, b)`: each expanded (ExpandBackward0) only where its shape differs."""
    shape_a, shape_b = a.array.shape, b.array.shape
    if shape_a == shape_b:
        return a, b
    ndim = max(len(shape_a), len(shape_b))
    pa = (1,) * (ndim - len(shape_a)) + shape_a
    pb = (1,) * (ndim - len(shape_b)) + shape_b
    for axis in range(ndim - 1, -1, -1):
        if pa[axis] != pb[axis] and pa[axis] != 1 and pb[axis] != 1:
            raise runtime_error(f"The size of tensor a ({pa[axis]}) must match the size of tensor b ({pb[axis]}) "
                                f"at non-singleton dimension {axis}")
    shape = tuple(max(x, y) for x, y in zip(pa, pb, strict=True))
    return (a if shape_a == shape else ops.expand(a, shape)), (b if shape_b == shape else ops.expand(b, shape))


def _inplace(op: Callable[..., Tensor]) -> Callable[..., Tensor]:
    from autodiff.torch.core import _inplace as make_inplace

    return make_inplace(op)


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    return _inplace(ops.relu)(input) if inplace else ops.relu(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    if inplace:
        return ops._renamed(_inplace(lambda x: ops.leaky_relu(x, negative_slope))(input), "LeakyReluBackward1")
    return ops.leaky_relu(input, negative_slope)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    return ops.gelu(input, approximate)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    if inplace:
        return ops._renamed(_inplace(lambda x: ops.elu(x, alpha))(input), "EluBackward1")
    return ops.elu(input, alpha)


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    return ops.sigmoid(input)


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    return ops.tanh(input)


def _softmax_dim(name: str, ndim: int) -> int:
    warn("UserWarning", f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
                        "dim=X as an argument.")
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:  # noqa: A002
    if dim is None:
        dim = _softmax_dim("softmax", input.array.ndim)
    return ops.softmax(input, dim, dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:  # noqa: A002
    if dim is None:
        dim = _softmax_dim("log_softmax", input.array.ndim)
    return ops.log_softmax(input, dim, dtype)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """PyTorch's at::linear: addmm for 2-D input with bias, a flattened addmm for other contiguous inputs."""
    _check_tensor(input, "input", "linear")
    _check_tensor(weight, "weight", "linear")
    ndim = input.array.ndim
    if ndim == 0 or weight.array.ndim == 0:
        raise runtime_error(f"both arguments to linear need to be at least 1D, but they are {ndim}D and "
                            f"{weight.array.ndim}D")
    if bias is not None and ndim == 2:
        return ops.addmm(bias, input, ops.t(weight))
    if bias is not None and input.array.flags.c_contiguous and (ndim == 3 or bias.array.ndim == 1):
        leading = input.array.shape[:-1]
        rows = int(np.prod(leading)) if leading else 1
        result = ops.addmm(bias, ops.reshape(input, (rows, input.array.shape[-1])), ops.t(weight))
        return ops.view(result, (*leading, result.array.shape[1]))
    output = ops.matmul(input, ops.t(weight))
    if bias is not None:
        output = ops.add(output, bias)
    return output


def mse_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,  # noqa: A002
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    _warn_target_size(input, target)
    reduction = _reduction(reduction, size_average, reduce)
    expanded_input, expanded_target = _broadcast_pair(input, target)
    if weight is not None:
        if weight.shape != input.shape:
            raise value_error("Weights and input must have the same size.")
        weighted = ops.mul(ops.pow(ops.sub(expanded_input, expanded_target), 2), weight)
        return _weighted_reduction(weighted, weight, reduction)
    return ops.mse_loss(expanded_input, expanded_target, ops._reduction_mode(reduction))


def _weighted_reduction(weighted: Tensor, weight: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return weighted
    if reduction == "sum":
        return ops.sum(weighted)
    if reduction == "mean":
        return ops.div(ops.sum(weighted), ops.sum(weight))
    raise value_error(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")


def l1_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,  # noqa: A002
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """A composite in PyTorch: (input - target).abs() then the reduction (MeanBackward0 on AbsBackward0)."""
    _warn_target_size(input, target)
    reduction = _reduction(reduction, size_average, reduce)
    expanded_input, expanded_target = _broadcast_pair(input, target)
    if weight is not None:
        if weight.shape != input.shape:
            raise value_error("Weights and input must have the same size.")
        weighted = ops.mul(ops.abs(ops.sub(expanded_input, expanded_target)), weight)
        return _weighted_reduction(weighted, weight, reduction)
    mode = ops._reduction_mode(reduction)
    return ops._reduce(ops.abs(ops.sub(expanded_input, expanded_target)), mode)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,  # noqa: A002
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    _warn_target_size(input, target)
    reduction = _reduction(reduction, size_average, reduce)
    expanded_input, expanded_target = _broadcast_pair(input, target)
    mode = ops._reduction_mode(reduction)
    if beta == 0.0:
        return ops._reduce(ops.abs(ops.sub(expanded_input, expanded_target)), mode)
    return ops.smooth_l1_loss(expanded_input, expanded_target, mode, beta)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                         size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> Tensor:
    mode = ops._reduction_mode(_reduction(reduction, size_average, reduce))
    if target.shape != input.shape:
        raise value_error(f"Using a target size ({target.shape}) that is different to the input size "
                          f"({input.shape}) is deprecated. Please ensure they have the same size.")
    if weight is not None:
        weight = _broadcast_pair(weight, target)[0]
    return ops.binary_cross_entropy(input, target, weight, mode)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                                     size_average: Any = None, reduce: Any = None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    mode = ops._reduction_mode(_reduction(reduction, size_average, reduce))
    if target.shape != input.shape:
        raise value_error(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    return ops.binary_cross_entropy_with_logits(input, target, weight, pos_weight, mode)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: Any = None,  # noqa: A002
             ignore_index: int = -100, reduce: Any = None, reduction: str = "mean") -> Tensor:
    mode = ops._reduction_mode(_reduction(reduction, size_average, reduce))
    return ops.nll_loss(input, target, weight, ignore_index, mode)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: Any = None,  # noqa: A002
                  ignore_index: int = -100, reduce: Any = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """PyTorch's cross_entropy_loss: class probabilities when the shapes agree, else log_softmax + nll_loss."""
    mode = ops._reduction_mode(_reduction(reduction, size_average, reduce))
    class_dim = 0 if input.array.ndim == 1 else 1
    if input.array.shape == target.array.shape:
        if target.array.dtype.kind != "f":
            raise runtime_error("Expected floating point type for target with class probabilities, got "
                                f"{ops.scalar_type_name(target)}")
        if ignore_index >= 0:
            raise runtime_error("ignore_index is not supported for floating point target")
        return _cross_entropy_probabilities(input, target, weight, mode, label_smoothing, class_dim)
    if label_smoothing > 0.0:
        _check_label_smoothing(label_smoothing)
        return _cross_entropy_smoothed(input, target, weight, mode, ignore_index, label_smoothing, class_dim)
    return ops.nll_loss(ops.log_softmax(input, class_dim), target, weight, ignore_index, mode)


def _check_label_smoothing(label_smoothing: float) -> None:
    if label_smoothing > 1.0:
        raise runtime_error(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing:g}")


def _class_weight(weight: Tensor, ndim: int, class_dim: int) -> Tensor:
    if ndim <= 1:
        return weight
    shape = [1] * ndim
    shape[class_dim] = weight.array.shape[0]
    return ops.view(weight, shape)


def _cross_entropy_probabilities(input: Tensor, target: Tensor, weight: Tensor | None, mode: str,  # noqa: A002
                                 label_smoothing: float, class_dim: int) -> Tensor:
    n_classes = input.array.shape[class_dim]
    if weight is not None and (weight.array.ndim != 1 or weight.array.size != n_classes):
        raise runtime_error(f"cross_entropy: weight tensor should be defined either for all {n_classes} classes or "
                            f"no classes but got weight tensor of shape: {list(weight.array.shape)}")
    log_probabilities = ops.log_softmax(input, class_dim)
    if label_smoothing > 0.0:
        _check_label_smoothing(label_smoothing)
        target = ops.add_scalar(ops.mul_scalar(target, 1 - label_smoothing), label_smoothing / n_classes)
    product = ops.mul(log_probabilities, target)
    if weight is not None:
        product = ops.mul(product, _class_weight(weight, input.array.ndim, class_dim))
    if mode == "mean":
        return ops.div_scalar(ops.neg(ops.sum(product)), input.array.size // n_classes)
    if mode == "sum":
        return ops.neg(ops.sum(product))
    return ops.neg(ops.sum(product, class_dim))


def _cross_entropy_smoothed(input: Tensor, target: Tensor, weight: Tensor | None, mode: str,  # noqa: A002
                            ignore_index: int, label_smoothing: float, class_dim: int) -> Tensor:
    log_probabilities = ops.log_softmax(input, class_dim)
    nll = ops.nll_loss(log_probabilities, target, weight, ignore_index, mode)
    n_classes = input.array.shape[class_dim]
    if weight is not None:
        smooth = ops.neg(ops.sum(ops.mul(log_probabilities, _class_weight(weight, input.array.ndim, class_dim)),
                                 class_dim))
    else:
        smooth = ops.neg(ops.sum(log_probabilities, class_dim))
    ignored = ops.eq(target, ignore_index)
    smooth = ops.masked_fill(smooth, ignored, 0.0)
    if mode == "mean":
        if weight is not None:
            kept = target.array[~ignored.array].reshape(-1)
            smooth = ops.div(ops.sum(smooth), ops.sum(Tensor(weight.array[kept])))
        else:
            smooth = ops.div(ops.sum(smooth), ops.sum(ops.logical_not(ignored)))
    elif mode == "sum":
        smooth = ops.sum(smooth)
    return ops.add(ops.mul_scalar(nll, 1 - label_smoothing), ops.mul_scalar(smooth, label_smoothing / n_classes))


FUNCTIONAL: dict[str, Callable[..., Any]] = {
    "relu": relu, "leaky_relu": leaky_relu, "gelu": gelu, "elu": elu, "sigmoid": sigmoid, "tanh": tanh,
    "softmax": softmax, "log_softmax": log_softmax, "linear": linear, "mse_loss": mse_loss, "l1_loss": l1_loss,
    "smooth_l1_loss": smooth_l1_loss, "binary_cross_entropy": binary_cross_entropy,
    "binary_cross_entropy_with_logits": binary_cross_entropy_with_logits, "cross_entropy": cross_entropy,
    "nll_loss": nll_loss,
}


# --- modules -----------------------------------------------------------------------------------------------


def _add_indent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


class Module:
    """A torch.nn.Module: ordered parameters and submodules, train/eval mode, PyTorch's printing."""

    # Plain attributes scripts may read on this class (besides parameters and submodules by name).
    ATTRIBUTES: tuple[str, ...] = ()

    def __init__(self) -> None:
        self._parameters: dict[str, Tensor | None] = OrderedDict()
        self._modules: dict[str, Module | None] = OrderedDict()
        self._extra: dict[str, Any] = {}
        self.training = True

    # calling and printing
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise AutodiffError("NotImplementedError",
                            f'Module [{self._name()}] is missing the required "forward" function')

    def _name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({key}): {_add_indent(repr(module), 2)}" for key, module in self._modules.items()]
        lines = extra_lines + child_lines
        text = self._name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                text += extra_lines[0]
            else:
                text += "\n  " + "\n  ".join(lines) + "\n"
        return text + ")"

    __str__ = __repr__

    # attributes by name (the TypeTable's fallback)
    def _attribute(self, name: str) -> Any:
        for store in (self._parameters, self._modules, self._extra):
            if name in store:
                return store[name]
        raise AutodiffError("AttributeError", f"'{self._name()}' object has no attribute '{name}'")

    def _set_attribute(self, name: str, value: Any) -> None:
        if type(value) is Tensor and value.is_parameter:
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            self._parameters.pop(name, None)
            self._modules[name] = value
        elif name in self._parameters:
            if value is not None:
                label = value.type_label() if type(value) is Tensor else _type_name(value)
                raise type_error(f"cannot assign '{label}' as parameter '{name}' (torch.nn.Parameter or None "
                                 "expected)")
            self._parameters[name] = None
        elif name in self._modules:
            if value is not None:
                raise type_error(f"cannot assign '{_type_name(value)}' as child module '{name}' (torch.nn.Module "
                                 "or None expected)")
            self._modules[name] = None
        else:
            self._extra[name] = value

    def register_parameter(self, name: str, param: Tensor | None) -> None:
        if param is not None and not (type(param) is Tensor and param.is_parameter):
            label = param.type_label() if type(param) is Tensor else _type_name(param)
            raise type_error(f"cannot assign '{label}' object to parameter '{name}' (torch.nn.Parameter or None "
                             "required)")
        self._modules.pop(name, None)
        self._parameters[name] = param

    def add_module(self, name: str, module: Module | None) -> None:
        if module is not None and not isinstance(module, Module):
            raise type_error(f"{_type_name(module)} is not a Module subclass")
        self._modules[name] = module

    # traversal
    def named_modules(self, memo: set[int] | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        memo = set() if memo is None else memo
        if remove_duplicate and id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            yield from module.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen: set[int] = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        seen: set[int] = set()
        owners = self.named_modules(prefix=prefix) if recurse else iter([(prefix, self)])
        for owner_prefix, owner in owners:
            for name, param in owner._parameters.items():
                if param is None or (remove_duplicate and id(param) in seen):
                    continue
                seen.add(id(param))
                yield owner_prefix + ("." if owner_prefix else "") + name, param

    def parameters(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    # state
    def zero_grad(self, set_to_none: bool = True) -> None:
        for param in self.parameters():
            reset_grad(param, set_to_none)

    def train(self, mode: bool = True) -> Module:
        if not isinstance(mode, bool):
            raise value_error("training mode is expected to be boolean")
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for param in self.parameters():
            param.requires_grad = bool(requires_grad)
        return self

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def _convert(self, dtype: DType) -> Module:
        target = to_numpy_dtype(dtype)
        for param in self.parameters():
            if param.array.dtype.kind == "f" and param.array.dtype != target:
                param.array = param.array.astype(target)
                if param.grad is not None:
                    param.grad.array = param.grad.array.astype(target)
        return self

    def to(self, *args: Any, dtype: Any = None, device: Any = None, **kwargs: Any) -> Module:
        for arg in args:
            if isinstance(arg, DType):
                dtype = arg
            elif type(arg) is Tensor:
                dtype = arg.dtype
            elif isinstance(arg, str) and arg.startswith("cuda"):
                raise runtime_error("Torch not compiled with CUDA enabled (autodiff runs on the CPU only)")
        if dtype is not None:
            if not to_numpy_dtype(dtype).kind == "f":
                raise type_error(f"nn.Module.to only accepts floating point or complex dtypes, but got desired "
                                 f"dtype={dtype}")
            self._convert(dtype)
        return self

    def float(self) -> Module:
        from autodiff.engine.tensor import float32

        return self._convert(float32)

    def double(self) -> Module:
        from autodiff.engine.tensor import float64

        return self._convert(float64)

    def cpu(self) -> Module:
        return self

    def state_dict(self) -> OrderedDict[str, Tensor]:
        return OrderedDict((name, param.detach()) for name, param in self.named_parameters(remove_duplicate=False))

    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True) -> _IncompatibleKeys:
        own = dict(self.named_parameters(remove_duplicate=False))
        missing = [name for name in own if name not in state_dict]
        unexpected = [name for name in state_dict if name not in own]
        if strict and (missing or unexpected):
            parts = []
            if missing:
                parts.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ". ")
            if unexpected:
                parts.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ". ")
            raise runtime_error(f"Error(s) in loading state_dict for {self._name()}:\n\t" + "\n\t".join(parts))
        for name, param in own.items():
            if name in state_dict:
                source = state_dict[name]
                if source.array.shape != param.array.shape:
                    raise runtime_error(
                        f"Error(s) in loading state_dict for {self._name()}:\n\tsize mismatch for {name}: copying a "
                        f"param with shape {source.shape} from checkpoint, the shape in current model is "
                        f"{param.shape}.")
                param.array[...] = source.array
                param.bump_version()
        return _IncompatibleKeys(missing, unexpected)


class _IncompatibleKeys:
    def __init__(self, missing: list[str], unexpected: list[str]):
        self.missing_keys = missing
        self.unexpected_keys = unexpected

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys}, unexpected_keys={self.unexpected_keys})"


def _parameter(array: np.ndarray) -> Tensor:
    from autodiff.torch.core import parameter

    return parameter(Tensor(array))


def _size_arg(value: Any, position: int, function: str = "empty") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise type_error(f"{function}(): argument 'size' failed to unpack the object at pos {position} with error "
                         f"\"type must be tuple of ints,but got {_type_name(value)}\"")
    return value


class Linear(Module):
    ATTRIBUTES = ("in_features", "out_features")

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        _size_arg(out_features, 1)
        _size_arg(in_features, 2)
        check_size((out_features, in_features))
        self.in_features = in_features
        self.out_features = out_features
        from autodiff.engine import rng

        float_dtype = default_float if dtype is None else to_numpy_dtype(dtype)
        weight, bias_array = rng.linear_init(in_features, out_features, bias=bool(bias), dtype=float_dtype)
        self._parameters["weight"] = _parameter(weight)
        self._parameters["bias"] = _parameter(bias_array) if bias_array is not None else None

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return linear(input, self._parameters["weight"], self._parameters["bias"])

    def extra_repr(self) -> str:
        has_bias = self._parameters["bias"] is not None
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={has_bias}"


class _Activation(Module):
    def __init__(self, function: Callable[[Tensor], Tensor]):
        super().__init__()
        self._function = function

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return self._function(input)


class ReLU(_Activation):
    ATTRIBUTES = ("inplace",)

    def __init__(self, inplace: bool = False):
        super().__init__(lambda x: relu(x, self.inplace))
        self.inplace = inplace

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Sigmoid(_Activation):
    def __init__(self) -> None:
        super().__init__(ops.sigmoid)


class Tanh(_Activation):
    def __init__(self) -> None:
        super().__init__(ops.tanh)


class Identity(_Activation):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(lambda x: x)


class LeakyReLU(_Activation):
    ATTRIBUTES = ("negative_slope", "inplace")

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__(lambda x: leaky_relu(x, self.negative_slope, self.inplace))
        self.negative_slope = negative_slope
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class GELU(_Activation):
    ATTRIBUTES = ("approximate",)

    def __init__(self, approximate: str = "none"):
        super().__init__(lambda x: gelu(x, self.approximate))
        self.approximate = approximate

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class ELU(_Activation):
    ATTRIBUTES = ("alpha", "inplace")

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__(lambda x: elu(x, self.alpha, self.inplace))
        self.alpha = alpha
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Softmax(_Activation):
    ATTRIBUTES = ("dim",)

    def __init__(self, dim: int | None = None):
        super().__init__(lambda x: softmax(x, self.dim))
        self.dim = dim

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(_Activation):
    ATTRIBUTES = ("dim",)

    def __init__(self, dim: int | None = None):
        super().__init__(lambda x: log_softmax(x, self.dim))
        self.dim = dim

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Flatten(_Activation):
    ATTRIBUTES = ("start_dim", "end_dim")

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__(lambda x: ops.flatten(x, self.start_dim, self.end_dim))
        self.start_dim = start_dim
        self.end_dim = end_dim

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class _Container(Module):
    """Sequential and ModuleList: numbered submodules, indexable, sliceable, iterable."""

    def __init__(self, *modules: Any) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(modules):
                self.add_module(str(index), module)

    def _index(self, index: int) -> int:
        size = len(self._modules)
        if not -size <= index < size:
            raise AutodiffError("IndexError", f"index {index} is out of range")
        return index % size

    def __getitem__(self, index: Any) -> Any:
        items = list(self._modules.items())
        if isinstance(index, slice):
            out = type(self)()
            for name, module in items[index]:
                out.add_module(name, module)
            return out
        if isinstance(index, bool) or not isinstance(index, int):
            raise type_error(f"{self._name()} indices must be integers or slices, not {_type_name(index)}")
        return items[self._index(index)][1]

    def __setitem__(self, index: int, module: Module) -> None:
        key = list(self._modules)[self._index(index)]
        self.add_module(key, module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))

    def append(self, module: Module) -> _Container:
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules: Any) -> _Container:
        for module in modules:
            self.append(module)
        return self


class Sequential(_Container):
    def __init__(self, *modules: Any) -> None:
        for module in modules:
            if not isinstance(module, (Module, OrderedDict)):
                raise type_error(f"{_type_name(module)} is not a Module subclass")
        super().__init__(*modules)

    def forward(self, input: Any) -> Any:  # noqa: A002
        for module in self._modules.values():
            input = module(input)
        return input


class ModuleList(_Container):
    def __init__(self, modules: Any = None) -> None:
        super().__init__(*(list(modules) if modules is not None else []))


class _Loss(Module):
    ATTRIBUTES = ("reduction",)

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = _legacy_reduction(size_average, reduce) if (
            size_average is not None or reduce is not None) else reduction


class MSELoss(_Loss):
    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    ATTRIBUTES = ("reduction", "beta")

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean", beta: float = 1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class _WeightedLoss(_Loss):
    ATTRIBUTES = ("reduction", "weight")

    def __init__(self, weight: Tensor | None = None, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.weight = weight


class BCELoss(_WeightedLoss):
    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    ATTRIBUTES = ("reduction", "weight", "pos_weight")

    def __init__(self, weight: Tensor | None = None, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean", pos_weight: Tensor | None = None) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.pos_weight = pos_weight

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return binary_cross_entropy_with_logits(input, target, self.weight, reduction=self.reduction,
                                                pos_weight=self.pos_weight)


class NLLLoss(_WeightedLoss):
    ATTRIBUTES = ("reduction", "weight", "ignore_index")

    def __init__(self, weight: Tensor | None = None, size_average: Any = None, ignore_index: int = -100,
                 reduce: Any = None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    ATTRIBUTES = ("reduction", "weight", "ignore_index", "label_smoothing")

    def __init__(self, weight: Tensor | None = None, size_average: Any = None, ignore_index: int = -100,
                 reduce: Any = None, reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                             reduction=self.reduction, label_smoothing=self.label_smoothing)


MODULES: dict[str, type[Module]] = {
    "Module": Module, "Linear": Linear, "Sequential": Sequential, "ModuleList": ModuleList, "ReLU": ReLU,
    "Sigmoid": Sigmoid, "Tanh": Tanh, "Softmax": Softmax, "LogSoftmax": LogSoftmax, "Flatten": Flatten,
    "LeakyReLU": LeakyReLU, "Identity": Identity, "GELU": GELU, "ELU": ELU, "MSELoss": MSELoss, "L1Loss": L1Loss,
    "SmoothL1Loss": SmoothL1Loss, "CrossEntropyLoss": CrossEntropyLoss, "BCELoss": BCELoss,
    "BCEWithLogitsLoss": BCEWithLogitsLoss, "NLLLoss": NLLLoss,
}


# --- torch.nn.init -------------------------------------------------------------------------------------------


def _init(fill: Callable[[np.ndarray], Any]) -> Callable[..., Tensor]:
    """An nn.init function: fills the tensor's storage in place without recording (as under no_grad)."""

    def initialise(tensor: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        if type(tensor) is not Tensor:
            raise type_error(f"expected a Tensor, got {_type_name(tensor)}")
        try:
            fill(tensor.array, *args, **kwargs)
        except ValueError as error:
            raise value_error(str(error)) from None
        tensor.bump_version()
        return tensor

    return initialise


def _generator(generator: Any) -> Any:
    return generator


def _uniform(array: np.ndarray, a: float = 0.0, b: float = 1.0, generator: Any = None) -> None:
    from autodiff.engine import rng

    rng.uniform_(array, a, b, generator)


def _normal(array: np.ndarray, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> None:
    from autodiff.engine import rng

    rng.normal_(array, mean, std, generator)


def _constant(array: np.ndarray, val: Any) -> None:
    array[...] = val.item() if type(val) is Tensor else val


def _xavier_uniform(array: np.ndarray, gain: float = 1.0, generator: Any = None) -> None:
    from autodiff.engine import rng

    rng.xavier_uniform_(array, gain, generator)


def _xavier_normal(array: np.ndarray, gain: float = 1.0, generator: Any = None) -> None:
    from autodiff.engine import rng

    rng.xavier_normal_(array, gain, generator)


def _kaiming_uniform(array: np.ndarray, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator: Any = None) -> None:
    from autodiff.engine import rng

    rng.kaiming_uniform_(array, a, mode, nonlinearity, generator)


def _kaiming_normal(array: np.ndarray, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator: Any = None) -> None:
    from autodiff.engine import rng

    rng.kaiming_normal_(array, a, mode, nonlinearity, generator)


def _eye(array: np.ndarray) -> None:
    if array.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    array[...] = np.eye(*array.shape, dtype=array.dtype)


def calculate_gain(nonlinearity: str, param: Any = None) -> float:
    from autodiff.engine import rng

    try:
        return rng.calculate_gain(nonlinearity, param)
    except ValueError as error:
        raise value_error(str(error)) from None


INIT: dict[str, Callable[..., Any]] = {
    "uniform_": _init(_uniform), "normal_": _init(_normal), "constant_": _init(_constant),
    "ones_": _init(lambda a: _constant(a, 1)), "zeros_": _init(lambda a: _constant(a, 0)),
    "eye_": _init(_eye), "xavier_uniform_": _init(_xavier_uniform), "xavier_normal_": _init(_xavier_normal),
    "kaiming_uniform_": _init(_kaiming_uniform), "kaiming_normal_": _init(_kaiming_normal),
    "calculate_gain": calculate_gain,
}


# --- attribute tables ------------------------------------------------------------------------------------------


class _ModuleGetters(dict):
    """A module's readable attributes: the fixed ones, then its own parameters and submodules by name."""

    def __init__(self, fixed: dict[str, Callable[[Any], Any]], methods: dict[str, Any]):
        super().__init__(fixed)
        self.methods = methods

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        found = dict.get(self, name)
        if found is not None or name in self.methods:
            return found if found is not None else default
        return lambda module: module._attribute(name)


class _ModuleSetters(dict):
    """Assignable attributes: `training`, parameters (Parameter or None), submodules, and new plain names."""

    def __init__(self, fixed: dict[str, Callable[[Any, Any], None]], methods: dict[str, Any]):
        super().__init__(fixed)
        self.methods = methods

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        found = dict.get(self, name)
        if found is not None or name in self.methods:
            return found if found is not None else default
        return lambda module, value: module._set_attribute(name, value)


def _set_training(module: Module, value: Any) -> None:
    module.training = value


_MODULE_METHODS: dict[str, Callable[..., Any]] = {
    "forward": lambda m, *a, **k: m.forward(*a, **k),
    "parameters": Module.parameters, "named_parameters": Module.named_parameters, "children": Module.children,
    "named_children": Module.named_children, "modules": Module.modules, "named_modules": Module.named_modules,
    "zero_grad": Module.zero_grad, "train": Module.train, "eval": Module.eval,
    "requires_grad_": Module.requires_grad_, "apply": Module.apply, "to": Module.to, "float": Module.float,
    "double": Module.double, "cpu": Module.cpu, "state_dict": Module.state_dict,
    "load_state_dict": Module.load_state_dict, "add_module": Module.add_module,
    "register_parameter": Module.register_parameter, "extra_repr": lambda m: m.extra_repr(),
}
_CONTAINER_METHODS: dict[str, Callable[..., Any]] = {"append": _Container.append, "extend": _Container.extend}


def module_table(cls: type[Module]) -> TypeTable:
    methods = dict(_MODULE_METHODS)
    if issubclass(cls, _Container):
        methods.update(_CONTAINER_METHODS)
    fixed: dict[str, Callable[[Any], Any]] = {"training": lambda m: m.training}
    for name in cls.ATTRIBUTES:
        fixed[name] = _plain_getter(name)
    return TypeTable(cls.__name__, getters=_ModuleGetters(fixed, methods),
                     setters=_ModuleSetters({"training": _set_training}, methods), methods=methods)


def _plain_getter(name: str) -> Callable[[Any], Any]:
    return lambda module: getattr(module, name)


def register_tables() -> None:
    for cls in MODULES.values():
        register(cls, module_table(cls))
    register(_IncompatibleKeys, TypeTable("_IncompatibleKeys", getters={
        "missing_keys": lambda k: k.missing_keys, "unexpected_keys": lambda k: k.unexpected_keys}))


def members() -> dict[str, dict[str, Any]]:
    """The extension hook: torch.nn (modules, Parameter), torch.nn.functional and torch.nn.init."""
    from autodiff.torch.core import parameter

    register_tables()
    nn_members: dict[str, Any] = dict(MODULES)
    nn_members["Parameter"] = parameter
    return {"torch.nn": nn_members, "torch.nn.functional": dict(FUNCTIONAL), "torch.nn.init": dict(INIT)}


