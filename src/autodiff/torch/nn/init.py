"""torch.nn.init: fill a tensor in place, without recording, from the default generator as PyTorch does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autodiff.engine.tensor import Tensor
from autodiff.errors import type_error, value_error
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


INIT: dict[str, Callable[..., Any]] = {
    "uniform_": _init(_uniform), "normal_": _init(_normal), "constant_": _init(_constant),
    "ones_": _init(lambda a: _constant(a, 1)), "zeros_": _init(lambda a: _constant(a, 0)),
    "eye_": _init(_eye), "xavier_uniform_": _init(_xavier_uniform), "xavier_normal_": _init(_xavier_normal),
    "kaiming_uniform_": _init(_kaiming_uniform), "kaiming_normal_": _init(_kaiming_normal),
    "calculate_gain": calculate_gain,
}


# --- attribute tables ------------------------------------------------------------------------------------------
