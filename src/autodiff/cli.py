"""The `autodiff` command line: `autodiff run FILE` runs a script; other commands build on the same helpers.

Start-up matters, so this module imports only click at the top; the parser, the interpreter and the
tensor engine are imported when a command needs them.
"""

from __future__ import annotations

import sys
from typing import IO, Any

import click

from . import __version__

DEFAULT_MAX_STEPS = 10_000_000  # kept equal to interpreter.DEFAULT_MAX_STEPS without importing it
DEFAULT_MAX_ELEMENTS = 10**8  # kept equal to tensor.max_elements's default
DEFAULT_MAX_MEMORY = "2G"


class MemorySize(click.ParamType):
    """A size in bytes written like 512M, 2G, 1.5GiB or 1000000."""

    name = "SIZE"

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        if isinstance(value, int):
            return value
        from .limits import parse_size

        try:
            return parse_size(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def install_limits(max_elements: int | None, max_memory: int | None, timeout: float | None = None,
                   source: str = "", filename: str = "") -> None:
    """Bound the rest of this command (the script run) by --max-elements and --max-memory; undone when the
    command's context closes (so CliRunner tests leave the process as it was). With a timeout, a watchdog
    ends the process if the script is still stuck in one operation well after the time limit."""
    import threading

    from .limits import Watchdog, script_limits

    context = click.get_current_context()
    context.with_resource(script_limits(max_elements, max_memory))
    if timeout is not None:
        main_thread = threading.get_ident()
        context.with_resource(Watchdog(timeout + max(2.0, timeout),
                                       lambda: _stop_stuck_script(timeout, source, filename, main_thread)))


def _stop_stuck_script(timeout: float, source: str, filename: str, main_thread: int) -> None:
    """Called by the watchdog thread: report the time limit at the statement running now, and exit."""
    import os
    import threading

    from . import diagnostics
    from .errors import AutodiffError
    from .interpreter import statement_span_of_frames

    try:
        span = statement_span_of_frames(sys._current_frames().get(main_thread))
    except Exception:  # the frame changed under us: report without a position
        span = None
    error = AutodiffError("LimitError", f"the script ran longer than the time limit of {timeout:g} s", span,
                          hint="it was stopped inside one long operation; raise the limit with --timeout")
    text = diagnostics.format_error(error, source, filename) + "\n"
    flusher = threading.Thread(target=lambda: sys.stdout.flush(), daemon=True)
    flusher.start()
    flusher.join(1.0)
    os.write(2, text.encode("utf-8", "backslashreplace"))
    os._exit(1)


EPILOG = """\b
Examples:
  autodiff run train.py
  autodiff run - < train.py
  autodiff run -e 'import torch; x = torch.ones(2, requires_grad=True); (x * x).sum().backward(); print(x.grad)'
"""


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=EPILOG)
@click.version_option(__version__, "-V", "--version", prog_name="autodiff")
def main() -> None:
    """See what PyTorch autograd does: run small autograd scripts written like PyTorch."""


# -- reusable pieces (other commands load, build, run and report the same way) -------------------------


def load_source(file: str | None, code: str | None) -> tuple[str, str]:
    """(source text, filename for messages) from a FILE argument ('-' for stdin) or -e CODE."""
    if code is not None and file is not None:
        raise click.UsageError("give either FILE or -e CODE, not both")
    if code is not None:
        return code, "<string>"
    if file is None:
        raise click.UsageError("missing FILE (or - for standard input, or -e CODE)")
    if file == "-":
        data = sys.stdin.buffer.read()
        name = "<stdin>"
    else:
        try:
            with open(file, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise click.BadParameter(f"cannot read {file}: {exc.strerror}", param_hint="FILE") from None
        name = file
    try:
        return data.decode("utf-8"), name
    except UnicodeDecodeError as exc:
        raise click.BadParameter(f"{name} is not UTF-8 text ({exc.reason} at byte {exc.start})",
                                 param_hint="FILE") from None


def make_interpreter(filename: str, *, max_steps: int = DEFAULT_MAX_STEPS, timeout: float | None = None,
                     stdout: IO[str] | None = None, stderr: IO[str] | None = None, **options: Any) -> Any:
    """An Interpreter whose prints go to `stdout` and warnings to `stderr` (in order: stdout is flushed
    before anything is written to stderr)."""
    from .builtins import build_namespace
    from .interpreter import Interpreter

    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    names, modules = build_namespace(out.write)
    return Interpreter(names, modules, filename=filename, max_steps=max_steps, timeout=timeout, stderr=err,
                       before_stderr=out.flush, **options)


def report_error(exc: BaseException, source: str | None, filename: str, *, stderr: IO[str] | None = None,
                 stdout: IO[str] | None = None, debug: bool = False) -> None:
    """Print a script error (or an internal one) to stderr, after flushing stdout."""
    import traceback

    from . import diagnostics
    from .errors import AutodiffError

    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    try:
        out.flush()
    except (OSError, ValueError):
        pass
    if isinstance(exc, MemoryError):  # outside any statement (a huge file): a limit, not a bug in autodiff
        from .interpreter import convert_exception

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
               debug: bool = False, stdout: IO[str] | None = None, stderr: IO[str] | None = None) -> int:
    """Parse and run a script; report any error; return the exit status (0 ok, 1 script error)."""
    from .errors import AutodiffError

    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    try:
        interpreter = make_interpreter(filename, max_steps=max_steps, timeout=timeout, stdout=out, stderr=err)
        interpreter.run_source(source)
    except AutodiffError as exc:
        report_error(exc, source, filename, stderr=err, stdout=out, debug=debug)
        return 1
    except KeyboardInterrupt as exc:
        from .interpreter import statement_span_of_traceback

        span = statement_span_of_traceback(exc.__traceback__)
        out.flush()
        where = f" at {filename}:{span.line}" if span is not None else ""
        err.write(f"KeyboardInterrupt{where}\n")
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 1
    except Exception as exc:  # a bug in autodiff: say so plainly
        report_error(exc, source, filename, stderr=err, stdout=out, debug=debug)
        return 1
    try:
        out.flush()
    except BrokenPipeError:
        _silence_stdout()
        return 1
    return 0


def _silence_stdout() -> None:
    """After the reader of our stdout went away (`| head`), send what is left to /dev/null quietly."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _prepare_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass


# -- commands -----------------------------------------------------------------------------------------


@main.command(epilog=EPILOG)
@click.argument("file", required=False)
@click.option("-e", "--expr", "code", metavar="CODE", help="Run CODE instead of a file (separate statements with ';').")
@click.option("--max-elements", type=click.IntRange(min=1), default=DEFAULT_MAX_ELEMENTS, show_default=True,
              help="Refuse to create a tensor with more elements than this.")
@click.option("--max-memory", type=MemorySize(), default=DEFAULT_MAX_MEMORY, show_default=True,
              help="Stop the script when it uses more memory than this (e.g. 512M, 4G).")
@click.option("--max-steps", type=click.IntRange(min=1), default=DEFAULT_MAX_STEPS, show_default=True,
              help="Stop the script after this many statements.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
              help="Stop the script after this much wall-clock time.")
@click.option("--debug", is_flag=True, help="Show Python tracebacks (for reporting autodiff bugs).")
def run(file: str | None, code: str | None, max_steps: int, timeout: float | None, max_elements: int,
        max_memory: int, debug: bool) -> None:
    """Run a script FILE (use - to read it from standard input)."""
    source, filename = load_source(file, code)
    _prepare_streams()
    install_limits(max_elements, max_memory, timeout, source, filename)
    sys.exit(run_script(source, filename, max_steps=max_steps, timeout=timeout, debug=debug))


@main.command()
@click.argument("file", required=False)
@click.option("-e", "--expr", "code", metavar="CODE", help="Check CODE instead of a file.")
@click.option("--max-elements", type=click.IntRange(min=1), default=16, show_default=True,
              help="Nudge at most this many elements of each leaf (spread evenly over larger tensors).")
@click.option("--max-steps", type=click.IntRange(min=1), default=DEFAULT_MAX_STEPS, show_default=True,
              help="Stop the script after this many statements.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
              help="Stop the script after this much wall-clock time.")
@click.option("--debug", is_flag=True, help="Show Python tracebacks (for reporting autodiff bugs).")
def check(file: str | None, code: str | None, max_elements: int, max_steps: int, timeout: float | None,
          debug: bool) -> None:
    """Check every backward pass of a script FILE against central finite differences.

    The script runs with its output hidden; then a table shows, per leaf and backward statement, how far
    autograd's gradient is from finite differences. Exit status: 0 when every checked gradient agrees (a
    script error is reported and only ends the run), 1 when one disagrees.
    """
    import os

    from .checker import check_source
    from .render_check import render_check

    source, filename = load_source(file, code)
    _prepare_streams()
    try:
        with open(os.devnull, "w", encoding="utf-8") as hidden:
            interpreter = make_interpreter(filename, max_steps=max_steps, timeout=timeout, stdout=hidden,
                                           stderr=hidden)
            report = check_source(source, filename, interpreter, max_elements=max_elements)
    except Exception as exc:  # a bug in autodiff: say so plainly
        report_error(exc, source, filename, debug=debug)
        sys.exit(1)
    if report.error is not None:
        report_error(report.error, source, filename, debug=debug)
    render_check(report, sys.stdout)
    sys.exit(0 if report.passed else 1)


@main.command()
@click.option("--max-steps", type=click.IntRange(min=1), default=DEFAULT_MAX_STEPS, show_default=True,
              help="Stop an input after this many statements.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
              help="Stop an input after this much wall-clock time.")
@click.option("--debug", is_flag=True, help="Show Python tracebacks (for reporting autodiff bugs).")
def repl(max_steps: int, timeout: float | None, debug: bool) -> None:
    """An interactive session: expressions echo their values, :help lists the commands.

    With standard input piped, statements are read line by line, values are echoed without prompts, and the
    exit status is 1 if any input failed.
    """
    from .repl import main as repl_main

    _prepare_streams()
    sys.exit(repl_main(max_steps=max_steps, timeout=timeout, debug=debug))


if __name__ == "__main__":  # pragma: no cover
    main()
