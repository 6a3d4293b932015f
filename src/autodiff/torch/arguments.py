"""PyTorch's argument conventions on top of the op table: the NumPy spellings it accepts (`axis=` for `dim=`,
`keepdims=` for `keepdim=`) and `out=`, the tensor a function writes its result into."""

from __future__ import annotations

import functools
import inspect
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from autodiff.engine import autograd, ops
from autodiff.engine.tensor import Tensor
from autodiff.errors import runtime_error, type_error, warn

_ALIASES = {"axis": "dim", "keepdims": "keepdim"}


def _parameters(function: Callable[..., Any]) -> set[str]:
    """The names of `function`'s parameters, as inspect.signature gives them (following __wrapped__). A plain
    function's come from its code object: inspect.signature took ~40 µs a call, and the torch namespace asks
    for some 800 functions every time a script starts."""
    target = function
    while not hasattr(target, "__signature__") and hasattr(target, "__wrapped__"):
        target = target.__wrapped__
    if type(target) is types.FunctionType and not hasattr(target, "__signature__"):
        code = target.__code__
        count = (code.co_argcount + code.co_kwonlyargcount + bool(code.co_flags & inspect.CO_VARARGS)
                 + bool(code.co_flags & inspect.CO_VARKEYWORDS))
        return set(code.co_varnames[:count])
    try:
        return set(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return set()


def _wrapping(call: Callable[..., Any], function: Callable[..., Any]) -> Callable[..., Any]:
    """`call` named and documented as `function`, with `__wrapped__` (inspect.signature follows it): what
    functools.wraps copies, assigned directly for a plain function, at a quarter of functools' cost (its
    attribute-by-name loop); the torch namespace wraps some 250 functions as a script starts."""
    if type(function) is not types.FunctionType:
        return functools.update_wrapper(call, function)
    call.__module__ = function.__module__
    call.__name__ = function.__name__
    call.__qualname__ = function.__qualname__
    call.__doc__ = function.__doc__
    call.__annotations__ = function.__annotations__
    if function.__dict__:
        call.__dict__.update(function.__dict__)
    call.__wrapped__ = function  # type: ignore[attr-defined]
    return call


def with_numpy_aliases(function: Callable[..., Any]) -> Callable[..., Any]:
    """`function` also accepting `axis=`/`keepdims=`, if it takes `dim`/`keepdim` (else `function` itself)."""
    accepted = _parameters(function)
    if not ({"dim", "keepdim"} & accepted):
        return function

    def call(*args: Any, **kwargs: Any) -> Any:
        if kwargs:
            for alias, name in _ALIASES.items():
                if alias in kwargs and name in accepted:
                    kwargs[name] = kwargs.pop(alias)
        return function(*args, **kwargs)

    return _wrapping(call, function)


RESIZE_WARNING = (
    "An output with one or more elements was resized since it had shape {old}, which does not match the required "
    "output shape {new}. This behavior is deprecated, and in a future PyTorch release outputs will not be resized "
    "unless they have zero elements. You can explicitly reuse an out tensor t by resizing it, inplace, to zero "
    "elements with t.resize_(0).")
_CAST_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
               "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def with_out(function: Callable[..., Any], name: str) -> Callable[..., Any]:
    """`function` also accepting `out=` (a tensor, or a tuple of tensors for a function returning several)."""

    def call(*args: Any, out: Any = None, **kwargs: Any) -> Any:
        if out is None:
            return function(*args, **kwargs)
        return _into_out(function, name, args, kwargs, out)

    return _wrapping(call, function)


def _into_out(function: Callable[..., Any], name: str, args: tuple[Any, ...], kwargs: dict[str, Any],
              out: Any) -> Any:
    targets = tuple(out) if isinstance(out, (tuple, list)) else (out,)
    for target in targets:
        if type(target) is not Tensor:
            raise type_error(f"{name}(): argument 'out' must be Tensor, not {type(target).__name__}")
    inputs = [a for a in (*args, *kwargs.values()) if type(a) is Tensor]
    inputs += [t for a in args if isinstance(a, (list, tuple)) for t in a if type(t) is Tensor]
    if autograd.is_grad_enabled() and any(t.requires_grad for t in (*inputs, *targets)):
        raise runtime_error(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                            "but one of the arguments requires grad.")
    with autograd.GradMode(False, "no_grad"):
        result = function(*args, **kwargs)
    results = tuple(result) if isinstance(result, tuple) else (result,)
    for target, value in zip(targets, results):
        _write(target, value.array)
    if isinstance(result, ops.ReturnPair):
        return ops.ReturnPair(targets, result.kind + "_out")
    return out if isinstance(out, (tuple, list)) else targets[0]


def _write(target: Tensor, values: np.ndarray) -> None:
    source, destination = values.dtype, target.array.dtype
    if source != destination and ops._CATEGORY[source.kind] > ops._CATEGORY[destination.kind]:
        raise runtime_error(f"result type {_CAST_NAMES[source.name]} can't be cast to the desired output type "
                            f"{_CAST_NAMES[destination.name]}")
    if target.array.shape != values.shape:
        if target.array.size:
            warn("UserWarning", RESIZE_WARNING.format(old=list(target.array.shape), new=list(values.shape)))
        target.array = np.empty(values.shape, dtype=destination)
    np.copyto(target.array, values, casting="unsafe")
    target.bump_version()
