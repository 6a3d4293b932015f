"""torch.nn.init: fill a tensor in place, without recording, from the default generator as PyTorch does."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from autodiff.engine import transcendental
from autodiff.engine.tensor import Tensor
from autodiff.errors import type_error, value_error, warn
from autodiff.torch.nn.functional import _type_name


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


def _trunc_normal(array: np.ndarray, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator: Any = None) -> None:
    """PyTorch's rejection sampling: with enough mass inside [a, b], normal draws redrawn (all of them, kept only
    where needed) until every value is inside; otherwise uniform proposals on [a, b] accepted with probability
    pdf / peak, pending ones redrawn."""
    from autodiff.engine import rng

    if mean < a - 2 * std or mean > b + 2 * std:
        warn("UserWarning", "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of "
                            "values may be incorrect.")
    gen = rng._gen(generator)
    dtype = array.dtype.type
    if _normal_cdf((b - mean) / std) - _normal_cdf((a - mean) / std) > 0.3:
        low, high = dtype(a), dtype(b)
        gen.normal_(array, mean, std)
        result = array.copy()
        while True:
            outside = (result < low) | (result > high)
            if not outside.any():
                break
            fresh = np.empty_like(result)
            gen.normal_(fresh, mean, std)
            result = np.where(outside, fresh, result)
        array[...] = result
        return
    mode = max(a, min(mean, b))
    log_peak = -0.5 * ((mode - mean) / std) ** 2

    def log_density(values: np.ndarray) -> np.ndarray:
        scaled = (values - dtype(mean)) / dtype(std)
        return scaled * scaled * dtype(-0.5) - dtype(log_peak)

    def log_uniform() -> np.ndarray:
        draw = np.empty_like(array)
        gen.uniform_(draw)
        with np.errstate(divide="ignore"):
            return transcendental.apply("log", draw)  # not NumPy's kernels: the same draws on every machine

    gen.uniform_(array, a, b)
    result = array.copy()
    pending = log_uniform() > log_density(result)
    while pending.any():
        candidates = np.empty_like(array)
        gen.uniform_(candidates, a, b)
        result = np.where(pending, candidates, result)
        pending = np.where(pending, log_uniform() > log_density(candidates), pending)
    array[...] = result


def _normal_cdf(x: float) -> float:
    return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0


def _orthogonal(array: np.ndarray, gain: float = 1, generator: Any = None) -> None:
    """A (semi-)orthogonal matrix from the QR decomposition of a normal draw, signs fixed by R's diagonal."""
    from autodiff.engine import rng

    if array.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if array.size == 0:
        return
    rows = array.shape[0]
    cols = array.size // rows
    flattened = np.empty((rows, cols), dtype=array.dtype)
    rng.normal_(flattened, 0.0, 1.0, generator)
    if rows < cols:
        flattened = flattened.T
    q, r = np.linalg.qr(flattened)
    q = q * np.sign(np.diag(r)).astype(q.dtype)
    if rows < cols:
        q = q.T
    array[...] = (q.reshape(array.shape) * array.dtype.type(gain)).astype(array.dtype)


def _sparse(array: np.ndarray, sparsity: float, std: float = 0.01, generator: Any = None) -> None:
    """Normal(0, std) values with ceil(sparsity * rows) zeros per column, rows picked by randperm (which
    PyTorch draws from the default generator, not `generator`)."""
    from autodiff.engine import rng

    if array.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = array.shape
    zeros = int(math.ceil(sparsity * rows))
    rng.normal_(array, 0.0, std, generator)
    for column in range(cols):
        array[rng.default_generator.randperm(rows)[:zeros], column] = 0


def _dirac(array: np.ndarray, groups: int = 1) -> None:
    """The identity of a convolution: a one at the kernel's centre from each input channel to its output."""
    if array.ndim not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    if array.shape[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    per_group = array.shape[0] // groups
    array[...] = 0
    centre = tuple(n // 2 for n in array.shape[2:])
    for group in range(groups):
        for channel in range(min(per_group, array.shape[1])):
            array[(group * per_group + channel, channel) + centre] = 1


def _deprecated(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """The old names without the trailing underscore (`nn.init.uniform`): they warn, then do the same."""

    def deprecated(*args: Any, **kwargs: Any) -> Any:
        warn("FutureWarning", f"`nn.init.{name}` is now deprecated in favor of `nn.init.{name}_`.")
        return function(*args, **kwargs)

    return deprecated


INIT: dict[str, Callable[..., Any]] = {
    "uniform_": _init(_uniform), "normal_": _init(_normal), "constant_": _init(_constant),
    "ones_": _init(lambda a: _constant(a, 1)), "zeros_": _init(lambda a: _constant(a, 0)),
    "eye_": _init(_eye), "xavier_uniform_": _init(_xavier_uniform), "xavier_normal_": _init(_xavier_normal),
    "kaiming_uniform_": _init(_kaiming_uniform), "kaiming_normal_": _init(_kaiming_normal),
    "trunc_normal_": _init(_trunc_normal), "orthogonal_": _init(_orthogonal), "sparse_": _init(_sparse),
    "dirac_": _init(_dirac), "calculate_gain": calculate_gain,
}
for _name in ("uniform", "normal", "constant", "eye", "dirac", "xavier_uniform", "xavier_normal", "kaiming_uniform",
              "kaiming_normal", "orthogonal", "sparse"):
    INIT[_name] = _deprecated(_name, INIT[_name + "_"])
