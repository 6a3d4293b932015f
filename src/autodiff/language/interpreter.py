"""Runs a parsed script: the run loop around the compiled closures (see compiler/), with the limits on steps,
time, memory and call depth, warnings shown once per line, and the names a script can use.

The compiler turns the syntax tree once into nested Python closures; values are plain Python objects:
operators use Python's own operators (Tensors bring their dunder methods), attributes go through the protocol
tables, and Python exceptions raised by operations and calls become AutodiffErrors pointing at the node that
failed.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from typing import Any

from autodiff.errors import (
    AutodiffError,
    Span,
    reset_warnings_once,
    set_location_provider,
    set_pytorch_spelling,
    set_warning_sink,
)
from autodiff.language import nodes, protocol
from autodiff.language.compiler import Compiler
from autodiff.language.compiler.runners import (
    CHECK_EVERY,
    DEPTH,
    STEPS,
    THRESHOLD,
    innermost_statement_span,
    statement_span_of_frames,
    statement_span_of_traceback,
)
from autodiff.language.runtime.exceptions import convert_exception, uncaught
from autodiff.language.syntax import ParseError, parse

__all__ = ["DEFAULT_MAX_DEPTH", "DEFAULT_MAX_STEPS", "Interpreter", "convert_exception", "statement_span_of_frames",
           "statement_span_of_traceback"]

DEFAULT_MAX_STEPS = 10_000_000
DEFAULT_MAX_DEPTH = 500
_FRAMES_PER_CALL = 60  # Python frames one script-level call may use (closures nest)
# While a script runs, CPython's collector looks at its youngest objects after this many new containers instead
# of 700: a recorded graph is long-lived Python objects (PyTorch keeps its graph in C++, out of the collector's
# sight): with the default, a chain of 200,000 multiplications spent a fifth of its instructions in the collector,
# with this threshold a tenth (docs/benchmarks.md). Cyclic garbage waits a little longer; nothing else changes.
_YOUNG_COLLECTION_THRESHOLD = 5_000


def _run_with_collector_for_graphs(block: Callable[[], Any]) -> Any:
    thresholds = gc.get_threshold()
    if thresholds[0] >= _YOUNG_COLLECTION_THRESHOLD or thresholds[0] == 0:  # set by the host, or disabled
        return block()
    gc.set_threshold(_YOUNG_COLLECTION_THRESHOLD, *thresholds[1:])
    try:
        return block()
    finally:
        gc.set_threshold(*thresholds)


class Interpreter:
    """Runs scripts against a set of builtin names and importable modules (see builtins.build_namespace).

    `globals` holds the script's variables and persists across `run` calls (a REPL session runs each input
    in the same interpreter; a failing statement leaves the bindings made before it).
    """

    def __init__(self, names: dict[str, Any], modules: dict[str, protocol.Namespace], *,
                 filename: str = "<script>", max_steps: int = DEFAULT_MAX_STEPS, timeout: float | None = None,
                 max_depth: int = DEFAULT_MAX_DEPTH, stderr: Any = None,
                 on_warning: Callable[[str, str, Span | None], None] | None = None,
                 before_stderr: Callable[[], None] | None = None, max_memory: int | None = None):
        self.builtins = names
        self.modules = modules
        self.filename = filename
        self._shown_path = ("", "")  # the last filename and how Python shows it (python_path)
        self.max_steps = max_steps
        self.timeout = timeout
        self.max_depth = max_depth
        self.max_memory = max_memory  # bytes of resident memory, looked at every CHECK_EVERY statements
        self._memory_limit = max_memory  # in force for the current run (else limits.active_max_memory)
        self.stderr = stderr
        self.on_warning = on_warning
        self.before_stderr = before_stderr
        self.globals: dict[str, Any] = {}
        self.last_assigned: str | None = None  # the last global name the last run bound (statically)
        self.steps = 0  # statements executed by the last run
        self._state = [0, max_steps, 0]
        self._deadline: float | None = None
        self._warned: set[tuple[str, str, str, int | None]] = set()
        self._source_lines: list[str] = []  # the text run_source ran (for locations in anomaly mode's traces)
        reset_warnings_once()  # a new script run is a new PyTorch process for once-only warnings
        set_pytorch_spelling(False)  # until the script imports torch
        from autodiff.pywarnings import set_device_mode

        set_device_mode(False)  # until it calls torch.set_default_device

    # -- running -------------------------------------------------------------------------------

    def run_source(self, text: str, *, echo: bool = False, filename: str | None = None) -> Any:
        """Parse and run `text`; with echo, return the value of a final expression statement."""
        module = parse(text, filename or self.filename)
        self._source_lines = text.splitlines()
        return self.run(module, echo=echo)

    def run(self, module: nodes.Module, *, echo: bool = False) -> Any:
        """Run a parsed module. Returns the last expression statement's value if echo, else None."""
        code = self.compile(module, echo=echo)
        state = self._state
        state[STEPS] = 0
        state[DEPTH] = 0
        self._deadline = time.monotonic() + self.timeout if self.timeout else None
        self._warned.clear()
        from autodiff import limits

        self._memory_limit = self.max_memory if self.max_memory is not None else limits.active_max_memory
        periodic = self._deadline is not None or self._memory_limit is not None
        state[THRESHOLD] = min(self.max_steps, CHECK_EVERY) if periodic else self.max_steps
        previous_sink = set_warning_sink(self._warning)
        previous_locator = set_location_provider(self._location)
        limit = sys.getrecursionlimit()
        needed = self.max_depth * _FRAMES_PER_CALL + 10_000
        if limit < needed:
            sys.setrecursionlimit(needed)
        try:
            return code()
        except RecursionError as exc:
            raise convert_exception(exc, statement_span_of_traceback(exc.__traceback__)) from None
        except Exception as exc:
            if getattr(exc, "autodiff_raised", False):  # the script raised it and nothing caught it
                raise uncaught(exc) from None
            raise
        finally:
            self.steps = state[STEPS]
            set_warning_sink(previous_sink)
            set_location_provider(previous_locator)
            if limit < needed:
                sys.setrecursionlimit(limit)

    def compile(self, module: nodes.Module, *, echo: bool = False) -> Callable[[], Any]:
        """Compile a module into a function of no arguments that runs it (raises ParseError for
        compile-time mistakes such as `return` outside a function)."""
        compiler = Compiler(self, module)
        limit = sys.getrecursionlimit()
        if limit < 30_000:
            sys.setrecursionlimit(30_000)
        kept: list[Any] | None = [None] if echo and module.body and isinstance(
            module.body[-1], nodes.ExprStmt) else None
        try:
            block = compiler.block(module.body, keep_last=kept)
        except RecursionError:
            raise ParseError("this code is too deeply nested to run", module.span) from None
        finally:
            if limit < 30_000:
                sys.setrecursionlimit(limit)
        self.last_assigned = compiler.last_global_binding
        G = self.globals

        def run_block() -> Any:
            if kept is not None:
                kept[0] = None
            block(G)
            return kept[0] if kept is not None else None

        def run() -> Any:
            return _run_with_collector_for_graphs(run_block)

        return run

    # -- warnings and limits ---------------------------------------------------------------------

    def _warning(self, category: str, message: str) -> None:
        from autodiff import pywarnings

        if not pywarnings.shown_by_default(category, message):
            return
        span = statement_span_of_frames(sys._getframe(1))
        line = span.line if span else None
        key = pywarnings.location_key(category, message, line)
        if key in self._warned:
            return
        self._warned.add(key)
        if self.on_warning is not None:
            self.on_warning(category, message, span)
            return
        if self.before_stderr is not None:
            self.before_stderr()
        stream = self.stderr if self.stderr is not None else sys.stderr
        lines = self._source_lines
        source_line = lines[line - 1] if line is not None and 0 < line <= len(lines) else None
        stream.write(pywarnings.format_warning(category, message, self.filename, line, source_line))
        stream.flush()

    def _location(self) -> tuple[str, int, str] | None:
        """The running statement: file name, line and its source text (anomaly mode records it per node, the
        engine with every in-place change of a tensor, so it must stay cheap)."""
        span = innermost_statement_span(sys._getframe(1))
        if span is None:
            return None
        lines = self._source_lines
        text = lines[span.line - 1].strip() if 0 < span.line <= len(lines) else ""
        filename = self.filename
        if self._shown_path[0] != filename:
            from autodiff.pywarnings import python_path

            self._shown_path = (filename, python_path(filename))
        return self._shown_path[1], span.line, text

    def _check_limits(self, span: Span) -> None:
        state = self._state
        if state[STEPS] > self.max_steps:
            raise AutodiffError("LimitError", f"the script ran more than {self.max_steps:,} statements "
                                "(the step limit)", span, hint="raise the limit with --max-steps")
        if self._deadline is not None or self._memory_limit is not None:
            if self._deadline is not None and time.monotonic() > self._deadline:
                raise AutodiffError("LimitError", f"the script ran longer than the time limit of "
                                    f"{self.timeout:g} s", span, hint="raise the limit with --timeout")
            if self._memory_limit is not None:
                from autodiff.limits import memory_error, resident_bytes

                if resident_bytes() > self._memory_limit:
                    raise memory_error(self._memory_limit, span)
            state[THRESHOLD] = min(self.max_steps, state[STEPS] + CHECK_EVERY)
        else:
            state[THRESHOLD] = self.max_steps

    def name_error(self, name: str, span: Span, local_vars: dict[str, Any] | None = None) -> AutodiffError:
        """NameError for `name`, suggesting a close name or the import that defines it."""
        complete = getattr(self.builtins, "complete", None)
        if complete is not None:  # the bare names of torch's other namespaces, not all looked up yet
            complete()
        candidates = set(self.globals) | set(self.builtins)
        if local_vars is not None and local_vars is not self.globals:
            candidates |= {key for key in local_vars if not key.startswith(".")}
        hint = None
        import_hints = {"torch": "torch", "nn": "torch.nn", "F": "torch.nn.functional", "optim": "torch.optim"}
        if name in import_hints and import_hints[name] in self.modules:
            module = import_hints[name]
            hint = f"did you forget `import {module}`?" if name == module else (
                f"did you forget `import {module} as {name}`?")
        elif name in self.modules:
            hint = f"did you forget `import {name}`?"
        elif name == "np" and "numpy" in self.modules:
            hint = "did you forget `import numpy as np`?"
        else:
            from autodiff.language.builtins import UNAVAILABLE_BUILTINS

            if name in UNAVAILABLE_BUILTINS:
                return AutodiffError("NameError", f"name '{name}' is not defined (Python's {name}() is not "
                                     "available in autodiff scripts)", span)
            import difflib

            close = difflib.get_close_matches(name, sorted(candidates), n=1)
            if close:
                hint = f"did you mean '{close[0]}'?"
        message = f"name '{name}' is not defined"
        if hint:
            message += f"; {hint}"
        return AutodiffError("NameError", message, span, hint=hint)
