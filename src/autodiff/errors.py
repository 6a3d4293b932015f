"""Errors and warnings a script can cause, in PyTorch's categories, with the source span they point at."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """A region of source text: 1-based line and column, end exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int


class AutodiffError(Exception):
    """A mistake in a script, reported to the user as `Category: message` with a caret under `span`.

    `category` is the Python/PyTorch exception name a PyTorch user would see: RuntimeError,
    TypeError, ValueError, IndexError, NameError, AttributeError, ZeroDivisionError, SyntaxError,
    or LimitError for autodiff's own resource limits.
    """

    def __init__(self, category: str, message: str, span: Span | None = None, hint: str | None = None):
        super().__init__(message)
        self.category = category
        self.message = message
        self.span = span
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.category}: {self.message}"


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


def set_warning_sink(sink: WarningSink | None) -> WarningSink:
    """Install `sink` (None restores the stderr default); returns the previous sink."""
    global _warning_sink
    previous = _warning_sink
    _warning_sink = sink or _stderr_sink
    return previous
