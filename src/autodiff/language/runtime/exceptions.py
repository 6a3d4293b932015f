"""How Python exceptions raised while a script runs become the errors a script and its user see.

Python exceptions that operations raise on a script's values (ZeroDivisionError from `1 / 0`) become
AutodiffErrors of the same category where they are caught, with the span of the expression: an AutodiffError
of category ZeroDivisionError is also a ZeroDivisionError (errors.category_class), so a script's `except`
clauses catch them as Python would. Exceptions the script raises itself (`raise MyError(...)`) stay the
objects it raised; they are only turned into an AutodiffError when nothing catches them, for the report.
autodiff's limits, Ctrl-C and bugs in autodiff are never seen by a script's `except`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from types import MethodType
from typing import Any

from autodiff.errors import AutodiffError, Span
from autodiff.language import protocol
from autodiff.language.runtime.functions import UserFunction

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
    if getattr(exc, "autodiff_raised", False):
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
        # ...but not CPython's note that the limit fell on a C call into one of autodiff's own Python functions:
        # where in autodiff's frames it falls depends on the stack's depth when the script started, and PyTorch's
        # modules, like a script's own calls (runtime/functions.py), give the bare text
        message = message.removesuffix(" while calling a Python object")
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
                error.args = exc.args
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



def call_failed(exc: Exception, span: Span, function: Any, method: str | None = None,
                receiver: Any = None) -> BaseException:
    """The error to raise when calling `function` (None for the call of the method named `method` on
    `receiver`) failed with `exc`."""
    if type(exc) is AttributeError:
        name = method if method is not None else getattr(function, "__name__", None)
        found = _wrong_argument_type(exc, name, method is not None)
        if found is not None:
            error = AutodiffError("TypeError", found, span)
            error.original = exc  # type: ignore[attr-defined]
            return error
    inner_span = exc.span if isinstance(exc, AutodiffError) else getattr(exc, "autodiff_span", None)
    if inner_span is not None:
        callee = _script_callee(function, method, receiver)
        if callee is not None:
            calls = getattr(exc, "calls", None)
            if calls is None:
                calls = exc.calls = []  # type: ignore[attr-defined]
            calls.append((callee, span))  # the call stack, innermost first (at most max_depth long)
            return exc
    if isinstance(exc, TypeError) and not callable(function) and function is not None:
        return AutodiffError("TypeError", f"'{protocol.type_name(function)}' object is not callable", span)
    if type(exc) is TypeError:
        message = _wrong_arguments(exc, function, method, receiver)
        if message is not None:
            error = AutodiffError("TypeError", message, span)
            error.original = exc  # type: ignore[attr-defined]
            return error
    return convert_exception(exc, span)


# Python's words for a call whose arguments do not fit the function's parameters.
_ARGUMENTS_DO_NOT_FIT = re.compile(
    r"^\S+\(\) (?:takes (?:from (?P<low>\d+) to )?(?P<high>\d+) positional arguments? but (?P<given>\d+) "
    r"(?:was|were) given|(?P<rest>missing \d+ required positional arguments?: .*|got an unexpected keyword "
    r"argument '(?P<keyword>\w+)'|got multiple values for argument .*))$")


def _wrong_arguments(exc: TypeError, function: Any, method: str | None, receiver: Any) -> str | None:
    """PyTorch's words for a builtin method or function of autodiff called with arguments that do not fit it, or
    None when `exc` is not that. Python's own text would name autodiff's internal function
    (`_make_unary.<locals>.unary() takes 1 positional argument but 2 were given`) and count a method's receiver."""
    from autodiff.engine.tensor import Tensor

    frame = exc.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    # Raised where the call was made, not inside the function: in the protocol's call, or in a wrapper that passes
    # the script's arguments on (`*args, **kwargs`), the arguments did not bind.
    code = frame.tb_frame.f_code if frame is not None else None
    at_call = code is not None and (code.co_filename == protocol.__file__ or code in _CALL_SITE_CODES)
    if code is None or (not at_call and code.co_flags & _PASSES_ARGUMENTS_ON != _PASSES_ARGUMENTS_ON):
        return None
    found = _ARGUMENTS_DO_NOT_FIT.match(str(exc))
    if found is None:
        return None
    callee = str(exc).partition("()")[0]
    internal = "<" in callee or any(part.startswith("_") and not part.endswith("__") for part in callee.split("."))
    if not internal and type(receiver) is not Tensor and not (
            type(function) is protocol.BoundMethod and type(function.receiver) is Tensor):
        return None  # Python's text already names the function as a script knows it (`Random.randint()`)
    if method is not None:
        name, bound_to = method, receiver
        counted_self = type(receiver) is not protocol.Namespace
    elif type(function) is protocol.BoundMethod:
        name, bound_to, counted_self = function.name, function.receiver, True
    elif type(function) is protocol.BuiltinFunction:
        name, bound_to, counted_self = function.name, None, False
    else:
        return None
    # How many of the positional arguments Python counted the script did not give: the receiver, and what a wrapper
    # passed before the script's own (a sampler passes the generator and the tensor's memory), found from the
    # wrapper's *args, which hold the script's (and the receiver, when the wrapper takes no parameter of its own).
    extra = counted_self
    if not at_call and found["given"]:
        passed = frame.tb_frame.f_locals.get(code.co_varnames[code.co_argcount + code.co_kwonlyargcount])
        if type(passed) is tuple:
            extra = int(found["given"]) - len(passed) + (counted_self if code.co_argcount == 0 else 0)
    if type(bound_to) is Tensor and _takes_nothing(protocol.table_of(bound_to).methods.get(name)):
        if found["keyword"]:  # PyTorch's parser for a method without parameters
            return f"TensorBase.{name}() takes no keyword arguments"
        if found["given"]:
            return f"TensorBase.{name}() takes no arguments ({int(found['given']) - extra} given)"
    if found["rest"] is not None:
        return f"{name}() {found['rest']}"
    high = int(found["high"]) - extra
    given = int(found["given"]) - extra
    takes = f"from {int(found['low']) - extra} to {high} positional arguments" if found["low"] else \
        f"{high} positional argument{'s' if high != 1 else ''}"
    return f"{name}() takes {takes} but {given} {'was' if given == 1 else 'were'} given"


_PASSES_ARGUMENTS_ON = 0x04 | 0x08  # CO_VARARGS | CO_VARKEYWORDS
_CALL_SITE_CODES: set[Any] = set()


def call_site(function: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a compiled call's closure that calls a builtin itself (not through protocol.call_method): a TypeError
    raised in its own frame means the script's arguments did not bind."""
    _CALL_SITE_CODES.add(function.__code__)
    return function


def _takes_nothing(function: Any) -> bool:
    """Whether a method takes no argument besides its receiver (no keyword-only ones either)."""
    code = getattr(function, "__code__", None)
    return code is not None and code.co_argcount == 1 and code.co_kwonlyargcount == 0 and not (
        code.co_flags & _PASSES_ARGUMENTS_ON)


def _script_callee(function: Any, method: str | None, receiver: Any) -> str | None:
    """The name of the script function a call ran, for the error's call stack (None: not a script's)."""
    if type(function) is UserFunction:
        return function.name
    if type(function) is MethodType and type(function.__func__) is UserFunction:
        return function.__func__.name
    if method is not None and protocol.is_script_class(type(receiver)):
        return method
    if protocol.is_script_class(type(function)):
        names = protocol.script_names(type(function))
        return "__call__" if "__call__" in names else "forward" if "forward" in names else None
    return None


# -- try, except and raise -----------------------------------------------------------------------------------

_NEVER_CAUGHT = (RecursionError, MemoryError, KeyboardInterrupt, SystemExit, GeneratorExit)


def catchable(exc: BaseException) -> bool:
    """Whether a script's `except` clause may see `exc`: not autodiff's limits (LimitError, recursion,
    memory), not Ctrl-C, not a bug in autodiff."""
    if isinstance(exc, AutodiffError):
        return type(exc) is not AutodiffError and exc.category != "LimitError"
    if getattr(exc, "autodiff_raised", False):
        return True
    if isinstance(exc, _NEVER_CAUGHT):
        return False
    return any(isinstance(exc, python_type) for python_type, _ in _CATEGORIES)


def exception_matches(exc: BaseException, kind: Any) -> bool:
    """`except kind:` for the exception `exc` (Python's rules: a class or a tuple of classes, all deriving
    from BaseException)."""
    if isinstance(kind, tuple):
        return any(exception_matches(exc, item) for item in kind)
    if not (isinstance(kind, type) and issubclass(kind, BaseException)):
        raise AutodiffError("TypeError", "catching classes that do not inherit from BaseException is not allowed")
    return isinstance(exc, kind)


def exception_to_raise(value: Any, cause: Any, has_cause: bool, span: Span) -> BaseException:
    """The exception a `raise value [from cause]` statement raises (a class is instantiated)."""
    exc = _instance(value, "exceptions must derive from BaseException")
    if has_cause:
        exc.__cause__ = None if cause is None else _instance(cause, "exception causes must derive from BaseException")
        exc.__suppress_context__ = True
    handled = sys.exc_info()[1]  # what Python makes the __context__: the exception being handled, if any
    context = handled if handled is not exc and handled is not None and catchable(handled) else None
    # Kept apart from __cause__/__context__, which autodiff's own `raise ... from None` rewrites on the way out.
    exc.autodiff_chain = (exc.__cause__, context)  # type: ignore[attr-defined]
    mark_raised(exc, span)
    return exc


def exception_chain(exc: BaseException, name: str) -> BaseException | None:
    """`exc.__cause__` or `exc.__context__` as the script sees it: set by the script's own `raise` (and
    Python's rules for it); None on errors autodiff raised, whose Python context is autodiff's own business."""
    chain = getattr(exc, "autodiff_chain", None)
    if chain is None:
        return None
    return chain[0] if name == "__cause__" else chain[1]


def _instance(value: Any, message: str) -> BaseException:
    if isinstance(value, type) and issubclass(value, BaseException):
        value = value()
    if not isinstance(value, BaseException):
        raise AutodiffError("TypeError", message)
    return value


def mark_raised(exc: BaseException, span: Span) -> None:
    """Remember that the script raised `exc` at `span` (an exception it raises is its own, never converted)."""
    if isinstance(exc, AutodiffError):
        if exc.span is None:
            exc.span = span
        return
    exc.autodiff_raised = True  # type: ignore[attr-defined]
    if getattr(exc, "autodiff_span", None) is None:
        exc.autodiff_span = span  # type: ignore[attr-defined]


def exception_to_reraise(span: Span) -> BaseException:
    """What a bare `raise` raises: the exception being handled."""
    exc = sys.exc_info()[1]
    if exc is None:
        raise AutodiffError("RuntimeError", "No active exception to reraise", span)
    return exc


def uncaught(exc: BaseException) -> BaseException:
    """An exception the script raised that nothing caught, as the AutodiffError the user sees reported."""
    if isinstance(exc, AutodiffError) or not getattr(exc, "autodiff_raised", False):
        return exc
    error = AutodiffError(_category(exc), str(exc), getattr(exc, "autodiff_span", None))
    error.calls = getattr(exc, "calls", [])  # type: ignore[attr-defined]
    error.original = exc  # type: ignore[attr-defined]
    error.chain = _chain(exc)  # type: ignore[attr-defined]
    return error


_DIRECT_CAUSE = "The above exception was the direct cause of the following exception:"
_DURING_HANDLING = "During handling of the above exception, another exception occurred:"


def _category(exc: BaseException) -> str:
    return exc.category if isinstance(exc, AutodiffError) else protocol.public_type(type(exc)).__name__


def _chain(exc: BaseException) -> list[tuple[str, str, str]]:
    """The exceptions Python prints before an uncaught one the script raised, earliest first: (category, message,
    the sentence that links it to the next)."""
    chain: list[tuple[str, str, str]] = []
    seen = {id(exc)}
    current = exc
    while True:
        link = getattr(current, "autodiff_chain", None)
        if link is None:
            break
        cause, context = link
        earlier, sentence = (cause, _DIRECT_CAUSE) if cause is not None else (
            (context, _DURING_HANDLING) if not current.__suppress_context__ else (None, ""))
        if earlier is None or id(earlier) in seen:
            break
        seen.add(id(earlier))
        chain.insert(0, (_category(earlier), str(earlier), sentence))
        current = earlier
    return chain
