"""PyTorch's random-number API for scripts: torch.Generator, RNG state, and the samplers rng.py implements."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from autodiff.engine import autograd, ops, rng
from autodiff.engine import tensor as tensor_module
from autodiff.engine.tensor import Tensor, check_size, to_numpy_dtype
from autodiff.errors import AutodiffError, runtime_error, type_error
from autodiff.language.protocol import TypeTable, register
from autodiff.torch.creation import _generator, check_integer_bounds
from autodiff.torch.tensor import sampler_method


def _torch_errors(function: Callable[..., Any]) -> Callable[..., Any]:
    """rng.py raises Python's RuntimeError (or NotImplementedError, one of its subclasses) with PyTorch's text;
    scripts see it as autodiff's own error of that category."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except AutodiffError:
            raise
        except NotImplementedError as exc:
            raise AutodiffError("NotImplementedError", str(exc)) from None
        except RuntimeError as exc:
            raise runtime_error(str(exc)) from None

    return wrapper


def _float_arguments(name: str, parameters: tuple[str, ...], required: int,
                     method: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """`x.name(...)` whose parameters are all C++ doubles (and a keyword-only generator), read as PyTorch's
    argument parser reads them: a number, a bool or a 0-dim tensor that does not require grad; its TypeErrors
    in its order (too many positionals, then per parameter: given twice, missing, wrong type; then unknown
    keywords)."""

    def parsed(self: Tensor, *args: Any, generator: Any = None, **kwargs: Any) -> Tensor:
        if len(args) > len(parameters):
            if required == len(parameters):
                takes = f"{required} positional argument{'' if required == 1 else 's'}"
            else:
                takes = f"from {required} to {len(parameters)} positional arguments"
            raise type_error(f"{name}() takes {takes} but {len(args)} were given")
        values = {}
        for position, parameter in enumerate(parameters):
            if position < len(args):
                if parameter in kwargs:
                    raise type_error(f"{name}() got multiple values for argument '{parameter}'")
                value, where = args[position], f" (position {position + 1})"
            elif parameter in kwargs:
                value, where = kwargs.pop(parameter), ""
            elif position < required:
                raise type_error(f'{name}() missing 1 required positional arguments: "{parameter}"')
            else:
                continue
            values[parameter] = _as_double(value, f"{name}(): argument '{parameter}'{where}")
        _check_generator(name, generator)
        for parameter in kwargs:
            raise type_error(f"{name}() got an unexpected keyword argument '{parameter}'")
        return method(self, generator=generator, **values)

    return parsed


def _check_generator(name: str, generator: Any) -> None:
    if generator is not None and not isinstance(generator, rng.Generator):
        from autodiff.language.protocol import type_name

        raise type_error(f"{name}(): argument 'generator' must be torch.Generator, not {type_name(generator)}")


def _as_double(value: Any, described: str) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    if type(value) is Tensor and value.array.ndim == 0 and not value.requires_grad:
        return float(value.array)
    from autodiff.language.protocol import type_name

    raise type_error(f"{described} must be float, not {type_name(value)}")


def check_int64(*values: Any) -> None:
    """PyTorch reads integer arguments (randint's and random_'s bounds) as C++ int64: a Python int outside
    that range is its ValueError."""
    for value in values:
        if isinstance(value, int) and not -(1 << 63) <= value < (1 << 63):
            raise ValueError("Overflow when unpacking long long")


_RANDOM_OVERLOADS = (" * (*, torch.Generator generator = None)\n"
                     " * (int from, int to, *, torch.Generator generator = None)\n"
                     " * (int to, *, torch.Generator generator = None)\n")


def _random_(generator: rng.Generator, out: np.ndarray, *args: Any, **kwargs: Any) -> np.ndarray:
    overloads = _RANDOM_OVERLOADS
    if len(args) == 2:  # PyTorch's parser notes a two-bound call under the first overload
        first, rest = overloads.split("\n", 1)
        marked = ", ".join(f"!{type(value).__name__}!" for value in args)
        overloads = f"{first}\n      didn't match because some of the arguments have invalid types: ({marked})\n{rest}"
    check_integer_bounds("random_", args, (*args, *kwargs.values()), overloads, any_type=True)
    check_int64(*args, *kwargs.values())
    return generator.random_(out, *args, **kwargs)


_BERNOULLI_OVERLOADS = (" * (Tensor p, *, torch.Generator generator = None)\n"
                        " * (float p = 0.5, *, torch.Generator generator = None)\n")


def _bernoulli_(generator: rng.Generator, out: np.ndarray, p: Any = 0.5) -> np.ndarray:
    if type(p) is not Tensor and not isinstance(p, (int, float, np.number)):
        from autodiff.language.protocol import type_name

        raise type_error(f"bernoulli_() received an invalid combination of arguments - got ({type_name(p)}), but "
                         "expected one of:\n" + _BERNOULLI_OVERLOADS)
    return generator.bernoulli_(out, p.array if type(p) is Tensor else p)


def _manual_seed(generator: rng.Generator, seed: Any) -> rng.Generator:
    """Generator.manual_seed takes an int only (torch.manual_seed converts with int() first)."""
    if not isinstance(seed, int) or isinstance(seed, bool):
        from autodiff.language.protocol import type_name

        raise runtime_error(f"manual_seed expected a long, but got {type_name(seed)}")
    return generator.manual_seed(seed)


def make_generator(device: Any = "cpu") -> rng.Generator:
    """`torch.Generator()`: a new generator with PyTorch's fixed default seed."""
    return rng.Generator(rng.DEFAULT_SEED)


def get_rng_state() -> Tensor:
    return Tensor(rng.default_generator.get_state())


def _set_state(generator: rng.Generator, state: Any) -> None:
    """Generator.set_state / torch.set_rng_state, with PyTorch's errors for what is not a state."""
    if type(state) is not Tensor:
        from autodiff.language.protocol import type_name

        raise type_error(f"expected a torch.ByteTensor, but got {type_name(state)}")
    if state.array.dtype != np.uint8:
        raise type_error("RNG state must be a torch.ByteTensor")
    generator.set_state(state.array)


def set_rng_state(state: Any) -> None:
    _set_state(rng.default_generator, state)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, generator: Any = None, dtype: Any = None,
           requires_grad: bool = False) -> Tensor:
    mean_value = mean.array if type(mean) is Tensor else mean
    std_value = std.array if type(std) is Tensor else std
    shape = None
    if size is not None:
        shape = tuple(size)
        check_size(shape)
    else:
        try:  # the output has the broadcast shape of mean and std: check it before sampling
            check_size(np.broadcast_shapes(np.shape(mean_value), np.shape(std_value)))
        except ValueError:
            from autodiff.engine.ops import _raise_broadcast

            _raise_broadcast(np.shape(mean_value), np.shape(std_value))
    numpy_dtype = None if dtype is None else to_numpy_dtype(dtype)
    if shape is not None and numpy_dtype is None:
        numpy_dtype = tensor_module.default_float
    array = _generator(generator).normal(mean_value, std_value, shape, numpy_dtype)
    return Tensor(array, requires_grad)


def bernoulli(probabilities: Tensor, p: Any = None, *, generator: Any = None) -> Tensor:
    return Tensor(_generator(generator).bernoulli(probabilities.array, p))


def multinomial(probabilities: Tensor, num_samples: int, replacement: bool = False, *, generator: Any = None) -> Tensor:
    if type(probabilities) is Tensor and isinstance(num_samples, int) and num_samples > 0:
        check_size(probabilities.array.shape[:-1] + (num_samples,))
    return Tensor(_generator(generator).multinomial(probabilities.array, num_samples, replacement))


def randint_like(x: Tensor, low: int, high: Any = None, *, dtype: Any = None, generator: Any = None) -> Tensor:
    numpy_dtype = x.array.dtype if dtype is None else to_numpy_dtype(dtype)
    if high is None:
        low, high = 0, low
    check_int64(low, high)
    out = np.empty(x.array.shape, dtype=numpy_dtype)
    return Tensor(_generator(generator).random_(out, low, high))


def _bernoulli_method(self: Tensor, p: Any = None, *, generator: Any = None) -> Tensor:
    return bernoulli(self, p, generator=generator)


def _multinomial_method(self: Tensor, num_samples: int, replacement: bool = False, *, generator: Any = None) -> Tensor:
    return multinomial(self, num_samples, replacement, generator=generator)


def _generator_repr(generator: rng.Generator) -> str:
    return "<torch._C.Generator object>"


rng.Generator.__repr__ = _generator_repr  # scripts print PyTorch's name for it, without an address

GENERATOR_TABLE = TypeTable(
    "Generator",
    getters={"device": lambda g: "cpu"},
    methods={
        "manual_seed": _manual_seed,
        "initial_seed": lambda g: g.initial_seed(),
        "seed": lambda g: g.seed(),
        "get_state": lambda g: Tensor(g.get_state()),
        "set_state": _set_state,
    },
)

def _random_name(*args: Any, **kwargs: Any) -> str:
    # random_(from, to), random_(to), random_(): PyTorch's three overloads.
    return ("RandomBackward2", "RandomBackward1", "RandomBackward0")[min(len(args) + len(kwargs), 2)]


def _bernoulli_name(p: Any = 0.5) -> str:
    return "BernoulliBackward1" if type(p) is Tensor else "BernoulliBackward2"


def _float_sampler(name: str, parameters: tuple[str, ...], required: int, sample: Callable[..., np.ndarray],
                   grad_fn_name: str) -> Callable[..., Tensor]:
    return _torch_errors(_float_arguments(name, parameters, required,
                                          sampler_method(sample, lambda *a, **k: grad_fn_name)))


def poisson(rates: Any, generator: Any = None) -> Tensor:
    """`torch.poisson(rates)`: counts of rates' shape and dtype; its gradient (PoissonBackward0) is zero."""
    if type(rates) is not Tensor:
        from autodiff.language.protocol import type_name

        raise type_error(f"poisson(): argument 'input' (position 1) must be Tensor, not {type_name(rates)}")
    _check_generator("poisson", generator)
    counts = _generator(generator).poisson(rates.array)
    if not (autograd._grad_enabled and rates.requires_grad):
        return Tensor(counts)
    return ops._record(counts, "PoissonBackward0", (rates,), lambda g: (ops.zeros_like(g),))


def _uniform_between(generator: rng.Generator, out: np.ndarray, **bounds: float) -> np.ndarray:
    # PyTorch's parameters are `from` and `to`, which a script can only pass by position.
    return generator.uniform_(out, bounds.get("from", 0.0), bounds.get("to", 1.0))


TENSOR_METHODS = {
    "uniform_": _float_sampler("uniform_", ("from", "to"), 0, _uniform_between, "UniformBackward0"),
    "normal_": _float_sampler("normal_", ("mean", "std"), 0, rng.Generator.normal_, "NormalBackward0"),
    "random_": _torch_errors(sampler_method(_random_, _random_name)),
    "bernoulli_": _torch_errors(sampler_method(_bernoulli_, _bernoulli_name)),
    "exponential_": _float_sampler("exponential_", ("lambd",), 0, rng.Generator.exponential_, "ExponentialBackward0"),
    "geometric_": _float_sampler("geometric_", ("p",), 1, rng.Generator.geometric_, "GeometricBackward0"),
    "log_normal_": _float_sampler("log_normal_", ("mean", "std"), 0, rng.Generator.log_normal_, "LogNormalBackward0"),
    "cauchy_": _float_sampler("cauchy_", ("median", "sigma"), 0, rng.Generator.cauchy_, "CauchyBackward0"),
    "bernoulli": _torch_errors(_bernoulli_method),
    "multinomial": _torch_errors(_multinomial_method),
}


def members() -> dict[str, dict[str, Any]]:
    register(rng.Generator, GENERATOR_TABLE)
    register(Tensor, TypeTable("Tensor", methods=dict(TENSOR_METHODS)))
    return {"torch": {
        "Generator": make_generator,
        "get_rng_state": get_rng_state,
        "set_rng_state": _torch_errors(set_rng_state),
        "normal": _torch_errors(normal),
        "bernoulli": _torch_errors(bernoulli),
        "multinomial": _torch_errors(multinomial),
        "randint_like": _torch_errors(randint_like),
        "poisson": _torch_errors(poisson),
        "default_generator": rng.default_generator,
    }}
