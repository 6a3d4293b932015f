"""torch.nn.functional (F): PyTorch's Python wrappers over the op table (argument checks, warnings,
broadcasting, legacy `size_average`/`reduce`), so every result carries PyTorch's grad_fn."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autodiff.engine import ops
from autodiff.engine.tensor import Tensor
from autodiff.errors import runtime_error, type_error, value_error, warn


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
    from autodiff.torch.tensor import _inplace as make_inplace

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
