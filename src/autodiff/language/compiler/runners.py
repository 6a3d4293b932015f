"""How compiled code runs: the signals statements hand back, the shared step/depth counters, and the spans of
the statements running (for warnings, time limits and interrupts).

Every expression compiles to `ev(L) -> value` and every statement to `st(L) -> signal`, where L is the dict of
the running function's local variables (the globals dict at module level). A statement returns None to go on,
BREAK or CONTINUE inside loops, or a (RETURN, value) tuple from `return`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from autodiff.errors import Span, span_of_statement_code_name, statement_code_name

BREAK = object()
CONTINUE = object()
RETURN = object()  # first item of the tuple a `return` statement hands back

# The interpreter's state list: statements run, the count at which to look at the limits next, call depth.
STEPS, THRESHOLD, DEPTH = 0, 1, 2
CHECK_EVERY = 5_000  # statements between two looks at the clock when a timeout is set

# Code objects of the closures that run statements: their local `st_` (or else `st`) is the running one.
_RUNNER_CODES: set[Any] = set()


def mark_runner(function: Callable[..., Any]) -> Callable[..., Any]:
    _RUNNER_CODES.add(function.__code__)
    return function


def statement_span_of_frames(frame: Any) -> Span | None:
    """The span of the innermost script statement running in `frame` or its callers (None if none)."""
    while frame is not None:
        if frame.f_code in _RUNNER_CODES:
            local_vars = frame.f_locals
            statement = local_vars.get("st_") or local_vars.get("st")
            span = getattr(statement, "autodiff_span", None)
            if span is not None:
                return span
        frame = frame.f_back
    return None


def innermost_statement_span(frame: Any) -> Span | None:
    """statement_span_of_frames without reading any frame's locals: each statement's code object is named after
    its span (mark_statement), so this is cheap enough to run at every in-place change of a tensor."""
    while frame is not None:
        name = frame.f_code.co_name
        if name.startswith("<line "):
            span = _span_of_code_name(name)
            if span is not None:
                return span
        frame = frame.f_back
    return None


@functools.lru_cache(maxsize=4096)
def _span_of_code_name(name: str) -> Span | None:
    return span_of_statement_code_name(name)


def statement_span_of_traceback(traceback: Any) -> Span | None:
    """The innermost script statement in a traceback (for KeyboardInterrupt and internal errors)."""
    found = None
    while traceback is not None:
        frame = traceback.tb_frame
        if frame.f_code in _RUNNER_CODES:
            local_vars = frame.f_locals
            span = getattr(local_vars.get("st_") or local_vars.get("st"), "autodiff_span", None)
            if span is not None:
                found = span
        traceback = traceback.tb_next
    return found


def mark_statement(function: Callable[..., Any], span: Span) -> Callable[..., Any]:
    function.autodiff_span = span  # type: ignore[attr-defined]
    # named after its span, so that a stack dump taken from outside (the supervisor's) can name the line
    named = function.__code__.replace(co_name=statement_code_name(span))
    if function.__code__ in _RUNNER_CODES:
        _RUNNER_CODES.add(named)
    function.__code__ = named
    return function



def enclosing(local_vars: dict[str, Any], depth: int) -> dict[str, Any]:
    for _ in range(depth):
        local_vars = local_vars[".outer"]
    return local_vars

