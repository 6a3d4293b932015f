"""NumPy functions handed a torch tensor (`np.mean(t)`, `np.nonzero(t)`), as they behave with PyTorch's Tensor.

NumPy's reductions (`np.sum`, `mean`, `max`, `std`, ...) and `np.nonzero` do not convert an argument that is not
an ndarray: they call its method of the same name with NumPy's keywords (`t.sum(axis=None, out=None)`). PyTorch's
Tensor has those methods, and its argument parser refuses NumPy's keywords, so every such reduction ends in a
TypeError, while `np.nonzero(t)` is `t.nonzero()`: an (n, ndim) tensor of indices. autodiff's engine tensor has no
such methods (scripts reach tensors only through the tables), so without this module NumPy would convert it and
answer. Which method NumPy calls, and with which keywords, is learnt by handing the real NumPy function a stand-in
that records the call (NumPy is never re-implemented); the messages are PyTorch 2.13's for those calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autodiff import errors
from autodiff.engine.tensor import Tensor
from autodiff.errors import AutodiffError
from autodiff.language import protocol

# The NumPy functions that call a method of a non-ndarray argument instead of converting it.
DISPATCHING = ("sum", "prod", "mean", "std", "var", "max", "min", "amax", "amin", "all", "any", "nonzero")


class _MethodCalled(Exception):  # noqa: N818 - a signal, not an error
    def __init__(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]):
        super().__init__(name)
        self.name, self.args_, self.kwargs = name, args, kwargs


class _Recorder:
    """Stands in for the tensor: the first method NumPy calls on it is recorded and stops the call."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("__"):
            raise AttributeError(name)

        def record(*args: Any, **kwargs: Any) -> Any:
            raise _MethodCalled(name, args, kwargs)

        return record


def _method_call(function: Callable[..., Any], args: tuple[Any, ...],
                 kwargs: dict[str, Any]) -> _MethodCalled | None:
    """The method NumPy's `function` would call on its first argument, or None if it calls none."""
    try:
        function(_Recorder(), *args[1:], **kwargs)
    except _MethodCalled as call:
        return call
    except Exception:  # noqa: BLE001 - NumPy refused the call before reaching the method: the real call says why
        return None
    return None


# PyTorch's parser lists the keywords of a call it cannot match in its own (hash-table) order: this one.
_KEYWORD_ORDER = ("keepdims", "ddof", "dtype", "out", "axis")
_KEYWORDS_INCORRECT = "      didn't match because some of the keywords were incorrect: {names}"
# The overloads PyTorch lists when it matches none; None marks where it adds why the one above did not match
# (it does only while the keywords are no more than the overload could take).
_OVERLOADS: dict[str, tuple[tuple[str | None, ...], tuple[str | None, ...]]] = {
    # (without keepdims, with keepdims)
    "mean": ((), (" * (*, torch.dtype dtype = None)",
                  " * (tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None)", None)),
    "max": ((), (" * ()", " * (Tensor other)", " * (int dim, bool keepdim = False)")),
    "std": ((" * (tuple of ints dim, bool unbiased = True, bool keepdim = False)",
             " * (tuple of ints dim = None, *, Number correction = None, bool keepdim = False)", None,
             " * (bool unbiased = True)"),
            (" * (tuple of ints dim, bool unbiased = True, bool keepdim = False)",
             " * (tuple of ints dim = None, *, Number correction = None, bool keepdim = False)",
             " * (bool unbiased = True)")),
    "all": ((" * ()", " * (tuple of ints dim = None, bool keepdim = False)", None,
             " * (int dim, bool keepdim = False)", None),
            (" * ()", " * (tuple of ints dim = None, bool keepdim = False)", " * (int dim, bool keepdim = False)")),
}
_OVERLOADS["min"] = _OVERLOADS["max"]
_REDUCTIONS = ("sum", "prod", "mean", "std", "var", "max", "min", "all", "any")
_OVERLOADS["var"] = _OVERLOADS["std"]
_OVERLOADS["any"] = _OVERLOADS["all"]


def _python_type_name(value: Any) -> str:
    return "NoneType" if value is None else type(value).__name__


def _invalid_combination(method: str, kwargs: dict[str, Any]) -> str:
    def rank(name: str) -> int:
        return _KEYWORD_ORDER.index(name) if name in _KEYWORD_ORDER else -1

    names = sorted(kwargs, key=rank)
    got = "".join(f"{name}={_python_type_name(kwargs[name])}, " for name in names)
    overloads = _OVERLOADS[method]["keepdims" in kwargs]
    lines = [f"{method}() received an invalid combination of arguments - got ({got}), but expected one of:"]
    lines += [line if line is not None else _KEYWORDS_INCORRECT.format(names=", ".join(names)) for line in overloads]
    return "\n".join(lines) + "\n"


def _reduction_error(method: str, kwargs: dict[str, Any]) -> str:
    """PyTorch's TypeError for `tensor.<method>(**kwargs)` with the keywords NumPy passes."""
    axis, dtype = kwargs.get("axis"), kwargs.get("dtype")
    if method in ("sum", "mean") and dtype is not None:
        return f"{method}(): argument 'dtype' must be torch.dtype, not {_python_type_name(dtype)}"
    if method == "sum" or (method == "mean" and "keepdims" not in kwargs):
        return f"{method}() got an unexpected keyword argument 'axis'"
    if method == "prod" or (method in ("max", "min") and "keepdims" not in kwargs):
        if axis is None or not isinstance(axis, int):
            return f"{method}(): argument 'dim' must be int, not {_python_type_name(axis)}"
        return f"{method}() got an unexpected keyword argument 'axis'"
    return _invalid_combination(method, kwargs)


def call_on_tensor(function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[bool, Any]:
    """(True, result) when NumPy's `function` would call a method of the tensor it is given first (the method's
    result, or PyTorch's TypeError raised); (False, None) when NumPy converts the tensor as an array."""
    if not args or not isinstance(args[0], Tensor):
        return False, None
    call = _method_call(function, args, kwargs)
    if call is None or call.name not in _REDUCTIONS + ("nonzero",):
        return False, None
    if call.name == "nonzero" and not call.args_ and not call.kwargs:
        return True, protocol.get_attribute(args[0], "nonzero")()
    raise AutodiffError("TypeError", _reduction_error(call.name, call.kwargs))


def argwhere_of_tensor(tensor: Tensor, transpose: Callable[[Any], Any]) -> Any:
    """np.argwhere(t): NumPy transposes `np.nonzero(t)`, which is PyTorch's `t.nonzero()` for a tensor. The
    tensor's __array_wrap__ DeprecationWarning is raised there inside NumPy's own code, where Python's default
    filter hides it."""
    indices = protocol.get_attribute(tensor, "nonzero")()
    previous = errors.set_warning_sink(_ignore_warning)
    try:
        return transpose(indices)
    finally:
        errors.set_warning_sink(previous)


def _ignore_warning(category: str, message: str) -> None:
    pass
