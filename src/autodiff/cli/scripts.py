"""Running a script, as the commands do in their supervised child: build the interpreter, run, report errors,
write views. None of it imports click: `autodiff run` hands its work to a child forked before click was imported
(supervisor.start_head_start), and what that child runs must not pay for click's import again.
"""

from __future__ import annotations

import os
import sys
from typing import IO, Any

DEFAULT_MAX_STEPS = 10_000_000  # kept equal to interpreter.DEFAULT_MAX_STEPS without importing it


def run_command(source: str, filename: str, *, max_steps: int, timeout: float | None, debug: bool,
                max_elements: int | None, max_memory: int | None, seed: int | None, as_json: bool,
                html_path: str | None, table: bool | None, no_color: bool, threads: int | None = None) -> int:
    """`autodiff run`'s work in its supervised child (a supervisor.Order: every argument a plain value): the
    script limits, the seed, then the script with its output as it comes (or --json's document, or --html's
    page), then the table of tensors if asked (by default on a terminal for a .ad file). `threads`: --threads,
    again (its callback ran in the parent, after a head start was forked)."""
    from autodiff.limits import apply_script_limits

    apply_script_limits(max_elements, max_memory)
    if threads is not None:
        set_threads(threads)
    if seed is not None:
        from autodiff.engine.rng import default_generator

        default_generator.manual_seed(seed % 2**64)
    if as_json:
        return run_json(source, filename, max_steps=max_steps, timeout=timeout, debug=debug)
    if html_path is not None:
        from autodiff.cli.pictures import run_html

        return run_html(source, filename, html_path, max_steps=max_steps, timeout=timeout, debug=debug)
    from autodiff.views.graphview import Recorder

    host = view_host(no_color)
    host.recorder = Recorder(host.variables)
    with host.recorder.installed():
        status = run_script(source, filename, max_steps=max_steps, timeout=timeout, debug=debug, views=host)
    if table or (table is None and host.terminal and filename.endswith(".ad")):
        from autodiff.views.render import show_text

        if not write_view("\n" + show_text(host, ()).removesuffix("\n")):
            status = status or 1
    return status


def set_threads(count: int) -> None:
    """--threads N: the thread count whose split PyTorch's sums follow, here and (through the environment) in
    any process started from here."""
    from autodiff.engine import reductions

    os.environ["AUTODIFF_THREADS"] = str(count)
    reductions.set_threads(count)


def make_interpreter(filename: str, *, max_steps: int = DEFAULT_MAX_STEPS, timeout: float | None = None,
                     stdout: IO[str] | None = None, stderr: IO[str] | None = None, views: Any = None,
                     **options: Any) -> Any:
    """An Interpreter whose prints go to `stdout` and warnings to `stderr` (in order: stdout is flushed
    before anything is written to stderr). `views` (a graphview.ViewHost) lets show()/graph() see it."""
    from autodiff.language.interpreter import Interpreter
    from autodiff.prelude import build_namespace

    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    if views is None:
        from autodiff.views.graphview import ViewHost

        views = ViewHost()
    names, modules = build_namespace(out.write, views)
    interpreter = Interpreter(names, modules, filename=filename, max_steps=max_steps, timeout=timeout, stderr=err,
                              before_stderr=out.flush, **options)
    views.interpreter = interpreter
    return interpreter


def report_error(exc: BaseException, source: str | None, filename: str, *, stderr: IO[str] | None = None,
                 stdout: IO[str] | None = None, debug: bool = False) -> None:
    """Print a script error (or an internal one) to stderr, after flushing stdout."""
    import traceback

    from autodiff.cli import diagnostics
    from autodiff.errors import AutodiffError

    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    try:
        out.flush()
    except (OSError, ValueError):
        pass
    if isinstance(exc, MemoryError):  # outside any statement (a huge file): a limit, not a bug in autodiff
        from autodiff.language.interpreter import convert_exception

        exc = convert_exception(exc, None)
    if isinstance(exc, AutodiffError):
        if debug:
            original = getattr(exc, "original", None) or exc
            err.write("".join(traceback.format_exception(original)))
        err.write(diagnostics.format_error(exc, source, filename) + "\n")
    else:
        if debug:
            err.write("".join(traceback.format_exception(exc)))
        err.write(diagnostics.format_internal_error(exc, source, filename) + "\n")
    err.flush()


def run_script(source: str, filename: str, *, max_steps: int = DEFAULT_MAX_STEPS, timeout: float | None = None,
               debug: bool = False, stdout: IO[str] | None = None, stderr: IO[str] | None = None,
               views: Any = None, **options: Any) -> int:
    """Parse and run a script; report any error; return the exit status (0 ok, 1 script error)."""
    from autodiff.errors import AutodiffError

    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    try:
        interpreter = make_interpreter(filename, max_steps=max_steps, timeout=timeout, stdout=out, stderr=err,
                                       views=views, **options)
        interpreter.run_source(source)
    except AutodiffError as exc:
        report_error(exc, source, filename, stderr=err, stdout=out, debug=debug)
        return 1
    except KeyboardInterrupt as exc:
        from autodiff.language.interpreter import statement_span_of_traceback

        span = statement_span_of_traceback(exc.__traceback__)
        out.flush()
        where = f" at {filename}:{span.line}" if span is not None else ""
        err.write(f"KeyboardInterrupt{where}\n")
        return 130
    except BrokenPipeError:
        silence_stdout()
        return 1
    except Exception as exc:  # a bug in autodiff: say so plainly
        report_error(exc, source, filename, stderr=err, stdout=out, debug=debug)
        return 1
    try:
        out.flush()
    except BrokenPipeError:
        silence_stdout()
        return 1
    return 0


def silence_stdout() -> None:
    """After the reader of our stdout went away (`| head`), send what is left to /dev/null quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def view_host(no_color: bool = False) -> Any:
    """What show(), graph() and the views draw with: colour only on a terminal (not with NO_COLOR or --no-color),
    the terminal's width, or COLUMNS (else a fixed width) when stdout is not a terminal."""
    from autodiff.views.graphview import ViewHost

    terminal = sys.stdout.isatty()
    color = terminal and not no_color and not os.environ.get("NO_COLOR")
    if terminal:
        import shutil  # only here: with the compression modules it imports, ~3 ms of a start

        width = shutil.get_terminal_size().columns
    else:
        width = columns_variable()
    return ViewHost(terminal=terminal, color=color, width=width)


def columns_variable() -> int | None:
    """The width COLUMNS asks for when stdout is not a terminal (None: unset or not a positive number)."""
    value = os.environ.get("COLUMNS", "").strip()
    return int(value) if value.isdigit() and 0 < int(value) <= 10_000 else None


def run_for_views(source: str, filename: str, host: Any, *, max_steps: int, timeout: float | None,
                  debug: bool) -> int:
    """Run a script with its output and warnings hidden (graph, explain); errors still go to stderr."""
    from autodiff.cli.supervisor import CountedOutput

    with CountedOutput(keep=False) as hidden, host.recorder.installed():
        return run_script(source, filename, max_steps=max_steps, timeout=timeout, debug=debug, stdout=hidden,
                          stderr=sys.stderr, views=host, on_warning=lambda category, message, span: None)


def run_json(source: str, filename: str, *, max_steps: int, timeout: float | None, debug: bool) -> int:
    """`run --json`: one JSON document with the printed lines, warnings, named tensors and any error."""
    import io
    import traceback

    from autodiff.cli import diagnostics
    from autodiff.cli.supervisor import CountedOutput
    from autodiff.errors import AutodiffError
    from autodiff.language.interpreter import statement_span_of_traceback
    from autodiff.views import graphview

    output = CountedOutput(keep=True, share=0.5)
    warnings: list[tuple[str, str, Any]] = []
    host = graphview.ViewHost()
    host.recorder = graphview.Recorder(host.variables)
    error = None
    with host.recorder.installed():
        try:
            interpreter = make_interpreter(filename, max_steps=max_steps, timeout=timeout, stdout=output,
                                           stderr=io.StringIO(), views=host,
                                           on_warning=lambda category, message, span: warnings.append(
                                               (category, message, span)))
            interpreter.run_source(source)
        except AutodiffError as exc:
            error = graphview.error_document(exc)
            error["text"] = diagnostics.format_error(exc, source, filename)
        except Exception as exc:  # a bug in autodiff
            if debug:
                sys.stderr.write("".join(traceback.format_exception(exc)))
            error = graphview.error_document(exc, statement_span_of_traceback(exc.__traceback__))
            error["text"] = diagnostics.format_internal_error(exc, source, filename)
    status = 0 if error is None else 1
    rows = graphview.tensor_rows(host.names().named, host.recorder)
    if not write_view(graphview.dumps(graphview.run_document(output.getvalue(), warnings, rows, error, status))):
        return 1
    return status


def write_view(text: str) -> bool:
    """Write a view to stdout; False (quietly) when the reader went away (`| head`)."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
        return False
    return True




def import_for_scripts() -> None:
    """Import what every script run needs: in the child of a command that forks once, before its limits (see
    supervisor.run_supervised; for `run`, in its head start, while the parent parses the command line); before
    forking in the REPL, which forks a child per input (and `check`'s children inherit it from its first)."""
    import autodiff.language.interpreter  # noqa: F401
    import autodiff.language.stdlib.numpy  # noqa: F401 - the array tables every run registers
    import autodiff.prelude  # noqa: F401
    import autodiff.torch.namespace  # noqa: F401
    import autodiff.views.graphview  # noqa: F401
