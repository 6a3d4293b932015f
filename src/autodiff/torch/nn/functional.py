"""torch.nn.functional (F): PyTorch's Python wrappers over the op table (argument checks, warnings,
broadcasting, legacy `size_average`/`reduce`), so every result carries PyTorch's grad_fn."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autodiff.engine import autograd, ops
from autodiff.engine.tensor import Tensor
from autodiff.errors import AutodiffError, runtime_error, type_error, value_error, warn


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


# --- layers: embedding, dropout, convolution, pooling, padding, normalization -----------------------------
def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,  # noqa: A002
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    _check_tensor(input, "input", "embedding")
    _check_tensor(weight, "weight", "embedding")
    if padding_idx is not None:
        rows = weight.array.shape[0]
        if padding_idx > 0:
            if padding_idx >= rows:
                raise AutodiffError("AssertionError", "Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -rows:
                raise AutodiffError("AssertionError", "Padding_idx must be within num_embeddings")
            padding_idx = rows + padding_idx
    else:
        padding_idx = -1
    if max_norm is not None:
        with autograd.GradMode(False, "no_grad"):
            ops.embedding_renorm_(weight, input, float(max_norm), float(norm_type))
    return ops.embedding(weight, input, padding_idx, bool(scale_grad_by_freq))


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    _check_tensor(tensor, "input", "one_hot")
    return ops.one_hot(tensor, num_classes)


def _check_probability(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise value_error(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout_noise(input: Tensor, shape: tuple[int, ...], p: float) -> Tensor:  # noqa: A002
    """PyTorch's `_dropout_impl`: Bernoulli(1 - p) noise drawn from the default generator, divided by 1 - p."""
    from autodiff.engine import rng

    noise = np.empty(shape, dtype=input.array.dtype)
    rng.default_generator.bernoulli_(noise, 1 - p)
    noise /= noise.dtype.type(1 - p)
    return Tensor(noise)


def _apply_dropout(input: Tensor, p: float, training: bool, inplace: bool,  # noqa: A002
                   noise_shape: tuple[int, ...]) -> Tensor:
    if p == 0 or not training or input.array.size == 0:
        return input
    noise = Tensor(np.zeros((), dtype=input.array.dtype)) if p == 1 else _dropout_noise(input, noise_shape, p)
    if inplace:
        return _inplace(ops.mul)(input, noise)
    return ops.mul(input, noise)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    _check_probability(p)
    _check_tensor(input, "input", "dropout")
    return _apply_dropout(input, p, training, inplace, input.array.shape)


def _feature_dropout(name: str, spatial: int) -> Callable[..., Tensor]:
    """dropout1d/2d/3d: whole channels zeroed (noise of shape (N, C, 1, ...)); unbatched inputs allowed."""

    def feature_dropout(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
                        inplace: bool = False) -> Tensor:
        _check_probability(p)
        ndim = input.array.ndim
        if ndim not in (spatial + 1, spatial + 2):
            raise runtime_error(f"{name}: Expected {spatial + 1}D or {spatial + 2}D input, but received a {ndim}D "
                                f"input. Note that {name} exists to provide channel-wise dropout on inputs with "
                                f"{spatial} spatial dimension{'s' if spatial > 1 else ''}, a channel dimension, and "
                                "an optional batch dimension (i.e. "
                                f"{spatial + 1}D or {spatial + 2}D inputs).")
        shape = input.array.shape
        batched = ndim == spatial + 2
        noise_shape = shape[:2 if batched else 1] + (1,) * spatial
        return _apply_dropout(input, p, training, inplace, noise_shape)

    return feature_dropout


dropout1d = _feature_dropout("dropout1d", 1)
dropout2d = _feature_dropout("dropout2d", 2)


def _int_tuple(value: Any, count: int, name: str, function: str) -> tuple[int, ...]:
    """A conv/pool size argument: an int for every spatial dim, or a sequence (one element repeats)."""
    if isinstance(value, bool):
        raise type_error(f"{function}(): argument '{name}' must be tuple of ints, not bool")
    if isinstance(value, int):
        return (value,) * count
    if isinstance(value, (tuple, list)) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return tuple(value)
    raise type_error(f"{function}(): argument '{name}' must be tuple of ints, not {_type_name(value)}")


def _conv_param(values: tuple[int, ...], dims: int, name: str) -> tuple[int, ...]:
    if len(values) == 1:
        return values * dims
    if len(values) != dims:
        raise runtime_error(f"expected {name} to be a single integer value or a list of {dims} values to match the "
                            f"convolution dimensions, but got {name}={list(values)}")
    return values


def _shape_text(shape: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(n) for n in shape) + "]"


def _conv(spatial: int) -> Callable[..., Tensor]:
    function = f"conv{spatial}d"

    def conv(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
             padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
        if type(input) is not Tensor or type(weight) is not Tensor or (bias is not None and type(bias) is not Tensor):
            got = ", ".join(_type_name(v) for v in (input, weight) + ((bias,) if bias is not None else ()))
            raise type_error(f"{function}() received an invalid combination of arguments - got ({got})")
        ndim = input.array.ndim
        if ndim not in (spatial + 1, spatial + 2):
            raise runtime_error(f"Expected {spatial + 1}D (unbatched) or {spatial + 2}D (batched) input to "
                                f"{function}, but got input of size: {_shape_text(input.array.shape)}")
        if ndim == spatial + 1:
            batched = ops.unsqueeze(input, 0)
            return ops.squeeze(_convolution(batched, weight, bias, stride, padding, dilation, groups, function), 0)
        return _convolution(input, weight, bias, stride, padding, dilation, groups, function)

    conv.__name__ = function
    return conv


def _convolution(input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any,  # noqa: A002
                 dilation: Any, groups: int, function: str) -> Tensor:
    spatial = input.array.ndim - 2
    dims = weight.array.ndim - 2
    stride_t = _conv_param(_int_tuple(stride, spatial, "stride", function), dims, "stride")
    dilation_t = _conv_param(_int_tuple(dilation, spatial, "dilation", function), dims, "dilation")
    kernel = weight.array.shape[2:]
    if isinstance(padding, str):
        if padding == "valid":
            pairs = ((0, 0),) * dims
        elif padding == "same":
            if any(s != 1 for s in stride_t):
                raise runtime_error("padding='same' is not supported for strided convolutions")
            totals = [d * (k - 1) for d, k in zip(dilation_t, kernel)]
            pairs = tuple((total // 2, total - total // 2) for total in totals)
        else:
            raise runtime_error(f"Invalid padding string: '{padding}'")
    else:
        padding_t = _conv_param(_int_tuple(padding, spatial, "padding", function), dims, "padding")
        if any(p < 0 for p in padding_t):
            raise runtime_error("negative padding is not supported")
        pairs = tuple((p, p) for p in padding_t)
    if any(s <= 0 for s in stride_t):
        raise runtime_error("non-positive stride is not supported")
    if any(d <= 0 for d in dilation_t):
        raise runtime_error("non-positive dilation is not supported")
    if groups <= 0:
        raise runtime_error("non-positive groups is not supported")
    w_shape = weight.array.shape
    if weight.array.ndim != input.array.ndim:
        raise runtime_error(f"Expected {weight.array.ndim}-dimensional input for {weight.array.ndim}-dimensional "
                            f"weight {_shape_text(w_shape)}, but got {input.array.ndim}-dimensional input of size "
                            f"{_shape_text(input.array.shape)} instead")
    if w_shape[0] < groups:
        raise runtime_error(f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but got "
                            f"weight of size {_shape_text(w_shape)} instead")
    if w_shape[0] % groups:
        raise runtime_error(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                            f"got weight of size [{_shape_text(w_shape)}] instead")
    if input.array.shape[1] != w_shape[1] * groups:
        raise runtime_error(f"Given groups={groups}, weight of size {_shape_text(w_shape)}, expected "
                            f"input{_shape_text(input.array.shape)} to have {w_shape[1] * groups} channels, but got "
                            f"{input.array.shape[1]} channels instead")
    if bias is not None and (bias.array.ndim != 1 or bias.array.shape[0] != w_shape[0]):
        raise runtime_error(f"Given weight of size {_shape_text(w_shape)}, expected bias to be 1-dimensional with "
                            f"{w_shape[0]} elements, but got bias of size {_shape_text(bias.array.shape)} instead")
    padded = [n + lo + hi for n, (lo, hi) in zip(input.array.shape[2:], pairs)]
    effective = [d * (k - 1) + 1 for d, k in zip(dilation_t, kernel)]
    if any(p < k for p, k in zip(padded, effective)):
        raise runtime_error(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel "
                            f"size: ({' x '.join(map(str, effective))}). Kernel size can't be greater than actual "
                            "input size")
    if input.array.dtype != weight.array.dtype:
        raise runtime_error(f"Input type ({input.type_label()}) and weight type ({weight.type_label()}) should be "
                            "the same or input should be a MKLDNN tensor and weight is a dense tensor")
    if bias is not None and bias.array.dtype != input.array.dtype:
        raise runtime_error(f"Input type ({input.array.dtype.name.replace('float32', 'float')}) and bias type "
                            f"({bias.array.dtype.name.replace('float64', 'double').replace('float32', 'float')}) "
                            "should be the same")
    return ops.convolution(input, weight, bias, stride_t, pairs, dilation_t, groups)


conv1d = _conv(1)
conv2d = _conv(2)
conv3d = _conv(3)


def _pool_sizes(function: str, spatial: int, kernel_size: Any, stride: Any, padding: Any,
                dilation: Any) -> tuple[tuple[int, ...], ...]:
    """kernel, stride (default: the kernel), padding, dilation, each one int per spatial dim."""
    count = "two" if spatial == 2 else "three"

    def sizes(value: Any, name: str) -> tuple[int, ...]:
        values = (value,) if isinstance(value, int) else tuple(value)
        if len(values) not in (1, spatial):
            raise runtime_error(f"{function}: {name} must either be a single int, or a tuple of {count} ints")
        return values * spatial if len(values) == 1 else values

    kernel = sizes(kernel_size, "kernel_size")
    strides = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) else sizes(
        stride, "stride")
    return kernel, strides, sizes(padding, "padding"), sizes(dilation, "dilation")


def _pool_geometry(x: Tensor, kernel: tuple[int, ...], stride: tuple[int, ...], padding: tuple[int, ...],
                   dilation: tuple[int, ...], ceil_mode: bool) -> tuple[ops.Geometry, tuple[int, ...]]:
    """PyTorch's pool2d_shape_check, then the geometry and output shape."""
    axes = "HWD"
    if any(s == 0 for s in stride):
        raise runtime_error("stride should not be zero")
    if any(k <= 0 for k in kernel):
        listed = " ".join(f"k{axes[i]}: {k}" for i, k in enumerate(kernel))
        raise runtime_error(f"kernel size should be greater than zero, but got {listed}")
    if any(d <= 0 for d in dilation):
        listed = " ".join(f"dilation{axes[i]}: {d}" for i, d in enumerate(dilation))
        raise runtime_error(f"dilation should be greater than zero, but got {listed}")
    for k, p, d in zip(kernel, padding, dilation):
        if p > ((k - 1) * d + 1) // 2:
            raise runtime_error(f"pad should be at most half of effective kernel size, but got pad={p}, "
                                f"kernel_size={k} and dilation={d}")
    in_shape = x.array.shape[-len(kernel):]
    out_shape = tuple(ops.pooling_out_size(n, k, s, p, d, ceil_mode)
                      for n, k, s, p, d in zip(in_shape, kernel, stride, padding, dilation))
    if any(n < 1 for n in out_shape):
        channels = x.array.shape[-len(kernel) - 1]
        raise runtime_error(f"Given input size: ({'x'.join(map(str, (channels, *in_shape)))}). Calculated output "
                            f"size: ({'x'.join(map(str, (channels, *out_shape)))}). Output size is too small")
    geometry = (kernel, stride, tuple((p, p) for p in padding), dilation)
    return geometry, out_shape


def _check_pool_input(x: Tensor, spatial: int, function: str) -> None:
    _check_tensor(x, "input", function)
    if x.array.ndim not in (spatial + 1, spatial + 2) or x.array.size == 0:
        raise runtime_error(f"non-empty {spatial + 1}D or {spatial + 2}D (batch mode) tensor expected for input")


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,  # noqa: A002
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    _check_pool_input(input, 2, "max_pool2d")
    sizes = _pool_sizes("max_pool2d", 2, kernel_size, stride, padding, dilation)
    geometry, out_shape = _pool_geometry(input, *sizes, bool(ceil_mode))
    output, indices = ops.max_pool(input, geometry, out_shape, "MaxPool2DWithIndicesBackward0")
    return (output, indices) if return_indices else output


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,  # noqa: A002
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """PyTorch runs max_pool1d as max_pool2d over an unsqueezed input (SqueezeBackward1 on top)."""
    _check_tensor(input, "input", "max_pool1d")
    if input.array.ndim not in (2, 3):
        raise runtime_error("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
                            f"input, but got:{_shape_text(input.array.shape)}")
    kernel, strides, pads, dilations = _pool_sizes("max_pool1d", 1, kernel_size, stride, padding, dilation)
    if kernel[0] <= 0:
        raise runtime_error(f"max_pool1d() kernel_size must be greater than zero, but got {kernel[0]}")
    if strides[0] <= 0:
        raise runtime_error(f"max_pool1d() stride must be greater than zero, but got {strides[0]}")
    if pads[0] < 0:
        raise runtime_error(f"max_pool1d() padding must be non-negative, but got {pads[0]}")
    if pads[0] > kernel[0] // 2:
        raise runtime_error(f"max_pool1d() padding should be at most half of kernel size, but got padding="
                            f"{pads[0]} and kernel_size={kernel[0]}")
    if dilations[0] <= 0:
        raise runtime_error(f"max_pool1d() dilation must be greater than zero, but got {dilations[0]}")
    size = ops.pooling_out_size(input.array.shape[-1], kernel[0], strides[0], pads[0], dilations[0], bool(ceil_mode))
    if size < 1:
        raise runtime_error(f"max_pool1d() Invalid computed output size: {size}")
    geometry = ((1, kernel[0]), (1, strides[0]), ((0, 0), (pads[0], pads[0])), (1, dilations[0]))
    output, indices = ops.max_pool(ops.unsqueeze(input, -2), geometry, (1, size), "MaxPool2DWithIndicesBackward0")
    output = ops.squeeze(output, -2)
    return (output, Tensor(indices.array.reshape(output.array.shape))) if return_indices else output


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    _check_pool_input(input, 2, "avg_pool2d")
    sizes = _pool_sizes("avg_pool2d", 2, kernel_size, stride, padding, 1)
    geometry, out_shape = _pool_geometry(input, *sizes, bool(ceil_mode))
    if divisor_override is not None and divisor_override == 0:
        raise runtime_error("divisor must be not zero")
    return ops.avg_pool(input, geometry, out_shape, bool(count_include_pad), divisor_override, "AvgPool2DBackward0")


def _check_1d_input(input: Tensor, function: str) -> None:  # noqa: A002
    _check_tensor(input, "input", function)
    if input.array.ndim not in (2, 3):
        raise runtime_error(f"Expected 2 to 3 dimensions, but got {input.array.ndim}-dimensional tensor for "
                            f"argument #1 'self' (while checking arguments for {function})")


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    _check_1d_input(input, "avg_pool1d")
    kernel, strides, pads, _ = _pool_sizes("avg_pool1d", 1, kernel_size, stride, padding, 1)
    wide = ops.unsqueeze(input, -2)
    geometry, out_shape = _pool_geometry(wide, (1, kernel[0]), (1, strides[0]), (0, pads[0]), (1, 1),
                                         bool(ceil_mode))
    return ops.squeeze(ops.avg_pool(wide, geometry, out_shape, bool(count_include_pad), None, "AvgPool2DBackward0"),
                       -2)


def _adaptive_sizes(output_size: Any, in_shape: tuple[int, ...], function: str) -> tuple[int, ...]:
    spatial = len(in_shape)
    values = (output_size,) * spatial if isinstance(output_size, int) or output_size is None else tuple(output_size)
    if len(values) != spatial:
        raise runtime_error(f"{function}: output_size must be {spatial}")
    return tuple(n if v is None else v for v, n in zip(values, in_shape))


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    _check_tensor(input, "input", "adaptive_avg_pool2d")
    if input.array.ndim not in (3, 4):
        raise runtime_error(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got "
                            f"{_shape_text(input.array.shape)}")
    out_shape = _adaptive_sizes(output_size, input.array.shape[-2:], "adaptive_avg_pool2d")
    if out_shape == (1, 1):
        return ops.mean(input, (-1, -2), keepdim=True)  # PyTorch's shortcut: MeanBackward1
    return ops.adaptive_avg_pool(input, out_shape, "AdaptiveAvgPool2DBackward0")


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    _check_1d_input(input, "adaptive_avg_pool1d")
    (size,) = _adaptive_sizes(output_size, input.array.shape[-1:], "adaptive_avg_pool1d")
    return ops.squeeze(adaptive_avg_pool2d(ops.unsqueeze(input, -2), (1, size)), -2)


_PAD_MODES = ("constant", "reflect", "replicate", "circular")


def pad(input: Tensor, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:  # noqa: A002
    _check_tensor(input, "input", "pad")
    widths = tuple(pad)
    ndim = input.array.ndim
    if len(widths) % 2:
        raise runtime_error("Padding length must be divisible by 2")
    if len(widths) > 2 * ndim:
        raise runtime_error(f"Padding length should be less than or equal to two times the input dimension but got "
                            f"padding length {len(widths)} and input of dimension {ndim}")
    if mode not in _PAD_MODES:
        raise AutodiffError("NotImplementedError", f"Unrecognised padding mode {mode}")
    if mode == "constant":
        return ops.pad_constant(input, widths, 0 if value is None else value)
    if value is not None and value != 0:
        raise runtime_error(f'Padding mode "{mode}" doesn\'t take in value argument')
    count = len(widths) // 2
    if count not in (1, 2, 3) or ndim not in (count + 1, count + 2):
        raise AutodiffError("NotImplementedError", (
            f"Padding size {len(widths)} is not supported for {ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"))
    for i in range(count):
        d = ndim - 1 - i
        size, lo, hi = input.array.shape[d], widths[2 * i], widths[2 * i + 1]
        if mode == "reflect" and (lo >= size or hi >= size):
            raise runtime_error(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                                f"but got: padding ({lo}, {hi}) at dimension {d} of input "
                                f"{_shape_text(input.array.shape)}")
        if mode == "circular" and (lo > size or hi > size):
            raise runtime_error("Padding value causes wrapping around more than once.")
    if mode == "circular":
        return _pad_circular(input, widths)
    names = {"reflect": f"ReflectionPad{count}DBackward0", "replicate": f"ReplicationPad{count}DBackward0"}
    return ops.pad_indexed(input, widths, mode, names[mode])


def _pad_circular(input: Tensor, widths: tuple[int, ...]) -> Tensor:  # noqa: A002
    """PyTorch's composite: the input copied into the middle of a new tensor, then each dim's ends copied from
    the other end, every copy into a slice (CopySlices on SliceBackward0)."""
    shape = list(input.array.shape)
    count = len(widths) // 2
    ndim = len(shape)
    for i in range(count):
        d = ndim - 1 - i
        shape[d] += widths[2 * i] + widths[2 * i + 1]
        if shape[d] < 0:
            raise runtime_error("Negative padding value is resulting in an empty dimension")
    out = Tensor(np.zeros(shape, dtype=input.array.dtype))
    target: list[Any] = [slice(None)] * ndim
    source = input
    for i in range(count):
        d = ndim - 1 - i
        lo, hi = widths[2 * i], widths[2 * i + 1]
        target[d] = slice(max(lo, 0), shape[d] - max(hi, 0))
        size = source.array.shape[d]
        source = ops.narrow(source, d, max(-lo, 0), size - max(-lo, 0) - max(-hi, 0))
    ops.index_put(out, tuple(target), source)
    for i in range(count):
        d = ndim - 1 - i
        lo, hi = widths[2 * i], widths[2 * i + 1]
        key: list[Any] = [slice(None)] * ndim
        if lo > 0:
            key[d] = slice(0, lo)
            ops.index_put(out, tuple(key), ops.narrow(out, d, shape[d] - lo - max(hi, 0), lo))
        if hi > 0:
            key[d] = slice(shape[d] - hi, shape[d])
            ops.index_put(out, tuple(key), ops.narrow(out, d, max(lo, 0), hi))
    return out


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,  # noqa: A002
              out: Tensor | None = None) -> Tensor:
    """PyTorch's composite: input / input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)."""
    _check_tensor(input, "input", "normalize")
    denominator = ops.expand_as(ops.clamp_min(ops.norm(input, p, dim, keepdim=True), eps), input)
    return ops.div(input, denominator)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """PyTorch's composite: each input divided by its norm (clamped, without recording, to eps), multiplied, summed."""
    _check_tensor(x1, "input", "cosine_similarity")
    _check_tensor(x2, "other", "cosine_similarity")
    common = ops.result_dtype((x1, x2))
    if common.kind != "f":
        raise runtime_error(f"expected common dtype to be floating point, yet common dtype is "
                            f"{ops._SCALAR_TYPE_NAMES[common.name]}")
    if x1.array.dtype.kind != "f":
        x1 = ops.to_dtype(x1, ops._dtype_from_numpy(common))
    if x2.array.dtype.kind != "f":
        x2 = ops.to_dtype(x2, ops._dtype_from_numpy(common))
    if x1.array.shape != x2.array.shape:  # PyTorch's expand_outplace: both expanded when the shapes differ
        shape = _broadcast_pair(x1, x2)[0].array.shape
        x1, x2 = ops.expand(x1, shape), ops.expand(x2, shape)
    norms = []
    for x in (x1, x2):
        norm = ops.clone(ops.norm(x, 2, dim, keepdim=True))
        with autograd.GradMode(False, "no_grad"):
            np.maximum(norm.array, norm.array.dtype.type(eps), out=norm.array)
            norm.bump_version()
        norms.append(norm)
    return ops.sum(ops.mul(ops.div(x1, norms[0]), ops.div(x2, norms[1])), dim)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-05) -> Tensor:
    _check_tensor(input, "input", "batch_norm")
    shape = input.array.shape
    if training:
        count = shape[0] * int(np.prod(shape[2:])) if len(shape) > 1 else shape[0]
        if count == 1:
            raise value_error(f"Expected more than 1 value per channel when training, got input size {input.shape}")
    channels = shape[1] if len(shape) > 1 else 1
    if not training and (running_mean is None or running_var is None):
        raise runtime_error(f"running_{'mean' if running_mean is None else 'var'} must be defined in evaluation mode")
    for name, tensor in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                         ("bias", bias)):
        if tensor is not None and tensor.array.size != channels:
            raise runtime_error(f"{name} should contain {channels} elements not {tensor.array.size}")
    return ops.batch_norm(input, weight, bias, running_mean, running_var, bool(training), float(momentum),
                          float(eps))


def layer_norm(input: Tensor, normalized_shape: Any, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-05) -> Tensor:
    _check_tensor(input, "input", "layer_norm")
    normalized = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    for name, tensor in (("weight", weight), ("bias", bias)):
        if tensor is not None and tensor.array.shape != normalized:
            raise runtime_error(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                                f"{_shape_text(tensor.array.shape)} and normalized_shape = "
                                f"{_shape_text(normalized)}")
    shape = input.array.shape
    if len(shape) < len(normalized) or shape[len(shape) - len(normalized):] != normalized:
        raise runtime_error(f"Given normalized_shape={_shape_text(normalized)}, expected input with shape "
                            f"[*{''.join(', ' + str(n) for n in normalized)}], but got input of size"
                            f"{_shape_text(shape)}")
    return ops.layer_norm(input, normalized, weight, bias, float(eps))


FUNCTIONAL: dict[str, Callable[..., Any]] = {
    "relu": relu, "leaky_relu": leaky_relu, "gelu": gelu, "elu": elu, "sigmoid": sigmoid, "tanh": tanh,
    "softmax": softmax, "log_softmax": log_softmax, "linear": linear, "mse_loss": mse_loss, "l1_loss": l1_loss,
    "smooth_l1_loss": smooth_l1_loss, "binary_cross_entropy": binary_cross_entropy,
    "binary_cross_entropy_with_logits": binary_cross_entropy_with_logits, "cross_entropy": cross_entropy,
    "nll_loss": nll_loss, "embedding": embedding, "one_hot": one_hot, "dropout": dropout,
    "dropout1d": dropout1d, "dropout2d": dropout2d, "conv1d": conv1d, "conv2d": conv2d, "conv3d": conv3d,
    "max_pool1d": max_pool1d, "max_pool2d": max_pool2d, "avg_pool1d": avg_pool1d, "avg_pool2d": avg_pool2d,
    "adaptive_avg_pool1d": adaptive_avg_pool1d, "adaptive_avg_pool2d": adaptive_avg_pool2d, "pad": pad,
    "normalize": normalize, "cosine_similarity": cosine_similarity, "batch_norm": batch_norm,
    "layer_norm": layer_norm,
}
