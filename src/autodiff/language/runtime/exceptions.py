"""How Python exceptions raised while a script runs become the errors a script and its user see."""

from __future__ import annotations

from typing import Any

from autodiff.errors import AutodiffError, Span
from autodiff.language import protocol
from autodiff.language.runtime.functions import UserFunction

STEPS, THRESHOLD, DEPTH = 0, 1, 2

# Python exceptions that are script mistakes, by the category the user sees.
_CATEGORIES: tuple[tuple[type[BaseException], str], ...] = (
    (ZeroDivisionError, "ZeroDivisionError"),
    (OverflowError, "OverflowError"),
    (FloatingPointError, "FloatingPointError"),
    (ArithmeticError, "ArithmeticError"),
    (IndexError, "IndexError"),
    (KeyError, "KeyError"),
    (UnicodeError, "UnicodeError"),
    (ValueError, "ValueError"),
    (TypeError, "TypeError"),
    (NotImplementedError, "NotImplementedError"),
    (RuntimeError, "RuntimeError"),  # after RecursionError, which convert_exception takes for a limit
    (StopIteration, "StopIteration"),
    (LookupError, "LookupError"),
)
_PYTHON_TYPE_NAMES = {
    "'Namespace'": "'module'", "'BoundMethod'": "'method'", "'UserFunction'": "'function'",
    "'builtin_function_or_method'": "'builtin function'",
}


def convert_exception(exc: BaseException, span: Span | None) -> BaseException:
    """The exception to raise for `exc`, caught while evaluating the node at `span`.

    AutodiffErrors get the span if they have none yet; Python exceptions a script can cause become
    AutodiffErrors of the same category (the original is kept as __cause__ for --debug); anything else is
    a bug in autodiff and is returned unchanged, with the span remembered as `autodiff_span`.
    """
    if isinstance(exc, AutodiffError):
        if exc.span is None:
            exc.span = span
        return exc
    if isinstance(exc, AttributeError):
        found = _wrong_argument_type(exc)
        if found is None:
            if getattr(exc, "autodiff_span", None) is None:
                exc.autodiff_span = span  # type: ignore[attr-defined]
            return exc
        error = AutodiffError("TypeError", found, span)
    elif isinstance(exc, RecursionError):  # Python's own text, as PyTorch shows it
        message = str(exc) if str(exc).startswith("maximum recursion depth exceeded") else \
            "maximum recursion depth exceeded"
        error = AutodiffError("RecursionError", message, span, hint="the script nests calls or values too deeply")
    elif isinstance(exc, MemoryError):
        error = AutodiffError("LimitError", "out of memory: the script tried to build a value larger than the "
                              "memory available to it", span, hint="raise the limit with --max-memory, or build "
                              "smaller values")
    else:
        for python_type, category in _CATEGORIES:
            if isinstance(exc, python_type):
                message = str(exc) if not isinstance(exc, KeyError) else repr(exc.args[0]) if exc.args else ""
                for python_name, script_name in _PYTHON_TYPE_NAMES.items():
                    if python_name in message:
                        message = message.replace(python_name, script_name)
                error = AutodiffError(category, message, span)
                break
        else:
            if getattr(exc, "autodiff_span", None) is None:
                try:
                    exc.autodiff_span = span  # type: ignore[attr-defined]
                except AttributeError:  # pragma: no cover - exceptions with __slots__
                    pass
            return exc
    error.__cause__ = exc
    error.original = exc  # type: ignore[attr-defined]  # kept for --debug: `raise ... from None` drops __cause__
    return error


def _runs_scripts(module: str | None) -> bool:
    """Whether frames of `module` belong to the interpreter running a script (not to a builtin it calls)."""
    return module is not None and (module.startswith("autodiff.language.compiler") or module in (
        "autodiff.language.interpreter", "autodiff.language.runtime.functions"))


# PyTorch's names for the tensor arguments of its functions (autodiff's functions call them x, a, b).
_ARGUMENT_NAMES = {"x": "input", "a": "input", "b": "other", "t": "input", "self": "input"}


def _wrong_argument_type(exc: AttributeError, name: str | None = None, method: bool = False) -> str | None:
    """PyTorch's TypeError for a builtin that was given a non-tensor where it needs a tensor and failed inside
    (`torch.sum(range(3))`: 'range' object has no attribute 'array'): the object that lacked the attribute is
    one of the called function's arguments. None if the failure is something else (a bug in autodiff)."""
    culprit = getattr(exc, "obj", None)
    if getattr(exc, "name", None) is None or protocol.type_name(culprit) == "Tensor":
        return None
    traceback = exc.__traceback__
    while traceback is not None:  # the first frame outside the interpreter is the builtin the script called
        frame = traceback.tb_frame
        module = frame.f_globals.get("__name__")
        if module == protocol.__name__:
            if type(frame.f_locals.get("value")) is protocol.Namespace:
                method = False  # torch.sum(...) is a function call
        elif not _runs_scripts(module):
            break
        traceback = traceback.tb_next
    else:
        return None
    kind = protocol.type_name(culprit)
    while traceback is not None:  # that builtin, or the function it hands its arguments to (`*args` wrappers)
        code = traceback.tb_frame.f_code
        values = traceback.tb_frame.f_locals
        name = name or code.co_name
        for position, parameter in enumerate(code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]):
            value = values.get(parameter)
            if method:
                position -= 1  # the receiver is not counted
            if value is culprit:
                public = _ARGUMENT_NAMES.get(parameter, parameter)
                if method and public == "input":
                    public = "other"
                return f"{name}(): argument '{public}' (position {position + 1}) must be Tensor, not {kind}"
            if isinstance(value, (list, tuple)) and any(item is culprit for item in value):
                index = next(i for i, item in enumerate(value) if item is culprit)
                return f"expected Tensor as element {index} in argument {position}, but got {kind}"
        traceback = traceback.tb_next
    return None



def call_failed(exc: Exception, span: Span, function: Any, method: str | None = None) -> BaseException:
    """The error to raise when calling `function` (None for a call of the method named `method`) failed with
    `exc`."""
    if type(exc) is AttributeError:
        name = method if method is not None else getattr(function, "__name__", None)
        found = _wrong_argument_type(exc, name, method is not None)
        if found is not None:
            error = AutodiffError("TypeError", found, span)
            error.original = exc  # type: ignore[attr-defined]
            return error
    if isinstance(exc, AutodiffError) and exc.span is not None and type(function) is UserFunction:
        calls = getattr(exc, "calls", None)
        if calls is None:
            calls = exc.calls = []  # type: ignore[attr-defined]
        calls.append((function.name, span))  # the call stack, innermost first (at most max_depth long)
        return exc
    if isinstance(exc, TypeError) and not callable(function) and function is not None:
        return AutodiffError("TypeError", f"'{protocol.type_name(function)}' object is not callable", span)
    return convert_exception(exc, span)

