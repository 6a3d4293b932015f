"""Errors and warnings a script can cause, in PyTorch's categories, with the source span they point at."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any


class Span:
    """A region of source text: 1-based line and column, end exclusive. A value, like a frozen dataclass (equal
    field by field, hashable, unchangeable), written out: `@dataclass` took ~1 ms at every start (it compiles
    each generated method), and the supervisor's parent imports this module."""

    __slots__ = ("line", "column", "end_line", "end_column")
    __match_args__ = ("line", "column", "end_line", "end_column")

    def __init__(self, line: int, column: int, end_line: int, end_column: int) -> None:
        set_field = object.__setattr__
        set_field(self, "line", line)
        set_field(self, "column", column)
        set_field(self, "end_line", end_line)
        set_field(self, "end_column", end_column)

    def _fields(self) -> tuple[int, int, int, int]:
        return (self.line, self.column, self.end_line, self.end_column)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (f"Span(line={self.line!r}, column={self.column!r}, end_line={self.end_line!r}, "
                f"end_column={self.end_column!r})")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[type[Span], tuple[int, int, int, int]]:  # pickled (check's probes) by value
        return (Span, self._fields())


def statement_code_name(span: Span) -> str:
    """The name given to the code object that runs a script statement: a Python stack dump taken without the
    interpreter's help (faulthandler, when the supervisor ends a stuck or crashed child) then names the
    statement's span."""
    return f"<line {span.line}:{span.column}-{span.end_line}:{span.end_column}>"


_STATEMENT_CODE_NAME = re.compile(r"<line (\d+):(\d+)-(\d+):(\d+)>")


def span_of_statement_code_name(name: str) -> Span | None:
    """The span in a name made by statement_code_name, else None."""
    match = _STATEMENT_CODE_NAME.fullmatch(name.strip())
    if match is None:
        return None
    return Span(*(int(group) for group in match.groups()))


class AutodiffError(Exception):
    """A mistake in a script, reported to the user as `Category: message` with a caret under `span`.

    `category` is the Python/PyTorch exception name a PyTorch user would see: RuntimeError,
    TypeError, ValueError, IndexError, NameError, AttributeError, ZeroDivisionError, SyntaxError,
    or LimitError for autodiff's own resource limits.

    `AutodiffError(category, ...)` makes an instance of the category's Python class as well (see
    category_class): an error of category RuntimeError is a RuntimeError, so a script's
    `except RuntimeError as e` catches it, and `str(e)` is the message alone, as in Python.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> AutodiffError:
        if cls is AutodiffError:
            cls = category_class(args[0] if args else kwargs["category"])
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, category: str, message: str, span: Span | None = None, hint: str | None = None):
        super().__init__(message)
        self.category = category
        self.message = message
        self.span = span
        self.hint = hint if hint is not None else learner_hint(message)
        # For "modified by an inplace operation": where the script changed the saved tensor, first to last.
        self.inplace_changes: list[ScriptLocation] = []

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        arguments = f"({self.args[0]!r})" if len(self.args) == 1 else repr(self.args)
        return f"{self.category}{arguments}"


# Categories that are not Python builtins, by the Python class a PyTorch user catches them as.
_CATEGORY_BASES: dict[str, type[BaseException]] = {"GradcheckError": RuntimeError}
_CATEGORY_CLASSES: dict[str, type[AutodiffError]] = {}


def category_class(category: str) -> type[AutodiffError]:
    """The class of AutodiffErrors of `category`: a subclass of AutodiffError and of the Python exception class
    of that name (`RuntimeError`, `ValueError`, ...), printed as Python prints it; AutodiffError itself for
    autodiff's own categories (LimitError), which no Python `except` clause names."""
    found = _CATEGORY_CLASSES.get(category)
    if found is not None:
        return found
    import builtins

    base = _CATEGORY_BASES.get(category) or getattr(builtins, category, None)
    if not (isinstance(base, type) and issubclass(base, BaseException)) or base in (BaseException, Exception) or (
            category.endswith("ExceptionGroup")):
        found = AutodiffError
    else:
        module = "builtins" if base.__name__ == category else "torch.autograd.gradcheck"
        found = type(category, (AutodiffError, base), {"__module__": module, "__qualname__": category})
    _CATEGORY_CLASSES[category] = found
    return found


def register_category(category: str, base: type[BaseException], module: str) -> None:
    """Errors of `category` are instances of a library's own exception class (`numpy.linalg.LinAlgError`), so a
    script catches them by that class or its bases; `module` is where the class prints from."""
    _CATEGORY_CLASSES[category] = type(category, (AutodiffError, base), {"__module__": module,
                                                                         "__qualname__": category})


# How to fix the mistakes learners make most, by the start of PyTorch's message (which stays exact): shown as
# the `help:` line under the error.
LEARNER_HINTS = (
    ("grad can be implicitly created only for scalar outputs",
     "backward() without a gradient needs a one-element output: reduce it first (y.sum().backward()) or pass a "
     "gradient of the output's shape (y.backward(torch.ones_like(y)))"),
    ("Mismatch in shape: grad_output",
     "the gradient passed to backward() must have exactly the shape of the tensor backward() is called on"),
    ("Trying to backward through the graph a second time",
     "pass retain_graph=True to the first backward() to keep the graph, or compute the output again before "
     "calling backward() a second time"),
    ("Only Tensors of floating point and complex dtype can require gradients",
     "integer tensors have no gradients: write the values as floats (torch.tensor([1.0, 2.0])) or pass "
     "dtype=torch.float32"),
    ("only Tensors of floating point",
     "integer tensors have no gradients: convert it first (x = x.float()) or create it from floats"),
    ("a leaf Variable that requires grad is being used in an in-place operation",
     "change a leaf's values inside `with torch.no_grad():` (as an optimizer step does), or compute a new "
     "tensor instead (x = x + 1)"),
    ("one of the variables needed for gradient computation has been modified by an inplace operation",
     "an in-place operation (add_, mul_, +=, x[i] = ...) changed a tensor that backward() still needs: use the "
     "out-of-place form (y = y + 1), or .clone() the tensor before changing it"),
    ("a Tensor with ",
     ".item() needs exactly one element: reduce the tensor first (x.sum().item()), pick one element "
     "(x[0].item()), or use x.tolist() for all the values"),
    ("Boolean value of Tensor with more than one value is ambiguous",
     "`if`/`while`/`and`/`or` need one truth value: reduce the tensor first, for example (x > 0).all() or "
     "x.sum() > 0"),
    ("expected 'except' or 'finally' block",
     "after the body of `try:`, write an `except SomeError:` clause (or `finally:`) indented like the `try`"),
    ("inconsistent use of tabs and spaces in indentation",
     "indent with spaces only (4 per level); this line mixes tabs and spaces with the lines above"),
)


def learner_hint(message: str) -> str | None:
    for start, hint in LEARNER_HINTS:
        if message.startswith(start):
            return hint
    return None


def runtime_error(message: str) -> AutodiffError:
    return AutodiffError("RuntimeError", message)


def type_error(message: str) -> AutodiffError:
    return AutodiffError("TypeError", message)


def value_error(message: str) -> AutodiffError:
    return AutodiffError("ValueError", message)


def index_error(message: str) -> AutodiffError:
    return AutodiffError("IndexError", message)


def limit_error(message: str) -> AutodiffError:
    return AutodiffError("LimitError", message)


# Warnings go through one replaceable sink so the engine never prints: the interpreter installs a sink
# that knows the current line (to show each warning once per line, as Python's default filter does)
# and whether output is JSON.
WarningSink = Callable[[str, str], None]


def _stderr_sink(category: str, message: str) -> None:
    import sys

    print(f"{category}: {message}", file=sys.stderr)


_warning_sink: WarningSink = _stderr_sink


def warn(category: str, message: str) -> None:
    _warning_sink(category, message)


_warned_once: set[tuple[str, str]] = set()


def warn_once(category: str, message: str) -> None:
    """A warning PyTorch raises with TORCH_WARN_ONCE: shown the first time in a run, never again."""
    key = (category, message)
    if key not in _warned_once:
        _warned_once.add(key)
        _warning_sink(category, message)


def reset_warnings_once() -> None:
    """Forget which once-only warnings were shown: a new script run is a new PyTorch process."""
    _warned_once.clear()


def set_warning_sink(sink: WarningSink | None) -> WarningSink:
    """Install `sink` (None restores the stderr default); returns the previous sink."""
    global _warning_sink
    previous = _warning_sink
    _warning_sink = sink or _stderr_sink
    return previous


# Where the script is running: the interpreter installs a provider giving the running statement as
# (file name, line number, source line); anomaly mode records it with every graph node (PyTorch's "Traceback of
# forward call"). None outside a script.
ScriptLocation = tuple[str, int, str]
LocationProvider = Callable[[], "ScriptLocation | None"]
_location_provider: LocationProvider | None = None


def script_location() -> ScriptLocation | None:
    return _location_provider() if _location_provider is not None else None


def set_location_provider(provider: LocationProvider | None) -> LocationProvider | None:
    """Install `provider` (None: no location); returns the previous one."""
    global _location_provider
    previous = _location_provider
    _location_provider = provider
    return previous


# Whether the running script is in PyTorch's spelling (it imported torch): then calls accept exactly what PyTorch
# accepts, and the bare spelling's conveniences (`L.backward(ones)`, a number as the gradient) are errors, as in
# PyTorch. The interpreter resets it for each script; an `import torch...` statement sets it.
_pytorch_spelling = False


def pytorch_spelling() -> bool:
    return _pytorch_spelling


def set_pytorch_spelling(on: bool) -> None:
    global _pytorch_spelling
    _pytorch_spelling = on
