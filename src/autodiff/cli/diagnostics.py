"""Formats script errors for the terminal: the message, where it happened, the source line and carets.

A syntax error reads like a compiler's:

    train.py:3:9: error: unexpected ')': expected end of line
       |
     3 | print(x))
       |         ^

A runtime error starts with PyTorch's own `Category: message` line, then points at the expression:

    RuntimeError: grad can be implicitly created only for scalar outputs
      --> train.py:5:1
       |
     5 | y.backward()
       | ^^^^^^^^^^^^
"""

from __future__ import annotations

import unicodedata
from typing import Any

from autodiff.errors import AutodiffError, Span

SYNTAX_CATEGORIES = frozenset({"SyntaxError", "IndentationError", "TabError"})


def _width(text: str) -> int:
    """Terminal columns `text` takes (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)


def source_excerpt(source: str | None, span: Span | None) -> list[str]:
    """The numbered source line of `span` with carets under the spanned text (empty if unknown)."""
    if source is None or span is None:
        return []
    lines = source.split("\n")
    if not 0 < span.line <= len(lines):
        return []
    raw = lines[span.line - 1].rstrip("\r")
    text = raw.expandtabs(4)
    start = min(max(span.column - 1, 0), len(raw))
    if span.end_line == span.line:
        end = min(max(span.end_column - 1, start + 1), len(raw) if len(raw) > start else start + 1)
    else:
        end = len(raw.rstrip()) if len(raw.rstrip()) > start else start + 1
    prefix = raw[:start].expandtabs(4)
    marked = raw[start:end].expandtabs(4)
    number = str(span.line)
    gutter = " " * len(number)
    carets = "^" * max(_width(marked), 1)
    return [
        f"{gutter} |",
        f"{number} | {text}",
        f"{gutter} | {' ' * _width(prefix)}{carets}",
    ]


def _where(filename: str, span: Span | None) -> str:
    if span is None:
        return filename
    return f"{filename}:{span.line}:{span.column}"


def _call_notes(err: AutodiffError, filename: str) -> list[str]:
    calls = getattr(err, "calls", None) or []
    notes: list[str] = []
    index = 0
    while index < len(calls):
        name, span = calls[index]
        repeats = 1
        while index + repeats < len(calls) and calls[index + repeats] == calls[index]:
            repeats += 1
        note = f"note: in {name}(), called from {_where(filename, span)}"
        if repeats > 1:
            note += f" ({repeats} times)"
        notes.append(note)
        index += repeats
    return notes


def format_error(err: AutodiffError, source: str | None, filename: str) -> str:
    """The full text to print on stderr for a script error (no trailing newline)."""
    lines: list[str] = []
    excerpt = source_excerpt(source, err.span)
    if err.category in SYNTAX_CATEGORIES:
        lines.append(f"{_where(filename, err.span)}: error: {err.message}")
        lines.extend(excerpt)
    else:
        for category, message, sentence in getattr(err, "chain", ()):  # Python's chained exceptions, first to last
            lines += [f"{category}: {message}" if message else category, "", sentence, ""]
        lines.append(f"{err.category}: {err.message}" if err.message else err.category)  # `raise StopIteration`
        if err.span is not None:
            lines.append(f"  --> {_where(filename, err.span)}")
            lines.extend(excerpt)
        lines.extend(_call_notes(err, filename))
    from autodiff.cli.hints import learner_hint

    hint = learner_hint(err, source) or err.hint
    if hint and hint not in err.message:
        lines.append(f"help: {hint}")
    return "\n".join(lines)


def format_internal_error(exc: BaseException, source: str | None, filename: str) -> str:
    """The message for a bug in autodiff itself (the traceback is printed separately with --debug)."""
    span = getattr(exc, "autodiff_span", None)
    lines = [f"internal error: {type(exc).__name__}: {exc}; please report this (run with --debug for details)"]
    if span is not None:
        lines.append(f"  --> while running {_where(filename, span)}")
        lines.extend(source_excerpt(source, span))
    return "\n".join(lines)


def error_location(err: Any) -> tuple[int, int] | None:
    """(line, column) of an error, for tools that want just the position."""
    span = getattr(err, "span", None)
    return (span.line, span.column) if span is not None else None
