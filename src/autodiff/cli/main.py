"""The `autodiff` command line: `autodiff run FILE` runs a script; other commands build on the same helpers.

Start-up matters, so this module imports only click at the top; the parser, the interpreter and the
tensor engine are imported when a command needs them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

import click

from autodiff import __version__
from autodiff.cli.scripts import DEFAULT_MAX_STEPS, make_interpreter, report_error, run_for_views, view_host, write_view
from autodiff.cli.supervisor import Order

DEFAULT_MAX_ELEMENTS = 10**8  # kept equal to tensor.max_elements's default
DEFAULT_MAX_MEMORY = "2G"
DEFAULT_MAX_OUTPUT = "64M"
DEFAULT_MAX_SOURCE = "4M"
# the memory limit counts the whole process, and autodiff alone (Python, NumPy, the torch façade) takes ~60 MiB
MIN_MEMORY = (64 * 1024**2, "autodiff itself needs (at least 64M)")
MAX_ADDRESSABLE = 2**48  # bytes: the virtual address space of x86-64 and AArch64 (no process can use more)
# torch.manual_seed accepts what fits in 64 bits, signed or not (a negative seed wraps around).
SEED_RANGE = (-(2**63), 2**64 - 1)


class MemorySize(click.ParamType):
    """A size in bytes written like 512M, 2G, 1.5GiB or 1000000, at least `minimum` (with what it is for)."""

    name = "SIZE"

    def __init__(self, minimum: tuple[int, str] | None = None):
        self.minimum = minimum

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            size = value
        else:
            from autodiff.limits import parse_size

            try:
                size = parse_size(str(value))
            except ValueError as exc:
                self.fail(str(exc), param, ctx)
        if size > MAX_ADDRESSABLE:
            self.fail(f"{value} is more memory than a process can address (at most 256T)", param, ctx)
        if self.minimum is not None and size < self.minimum[0]:
            self.fail(f"{value} is less than {self.minimum[1]}", param, ctx)
        return size


class Seconds(click.ParamType):
    """A positive, finite number of seconds."""

    name = "SECONDS"

    def convert(self, value: Any, param: Any, ctx: Any) -> float:
        import math

        try:
            seconds = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if not math.isfinite(seconds) or seconds <= 0:
            self.fail(f"{value} is not a positive, finite number of seconds", param, ctx)
        return seconds


class Seed(click.ParamType):
    """A seed torch.manual_seed accepts; outside its range, PyTorch's own message."""

    name = "INTEGER"

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        try:
            seed = value if isinstance(value, int) else int(str(value).strip(), 10)
        except ValueError:
            self.fail(f"{value!r} is not a valid integer.", param, ctx)
        if not SEED_RANGE[0] <= seed <= SEED_RANGE[1]:
            self.fail("Overflow when unpacking long long", param, ctx)
        return seed


EPILOG = """\b
Examples:
  autodiff run examples/leaf_tensors.ad
  autodiff run --table examples/two_layer_network.ad
  autodiff run - < examples/training_loop.ad
  autodiff run -e 'import torch; x = torch.ones(2, requires_grad=True); (x * x).sum().backward(); print(x.grad)'
"""
GRAPH_EPILOG = """\b
Examples:
  autodiff graph examples/leaf_tensors.ad
  autodiff graph --of x2 examples/leaf_tensors.ad
  autodiff graph --format svg -o graph.svg examples/two_layer_network.ad
  autodiff graph -e 'x = ones(2, requires_grad=True); y = (x * x).sum()'
"""
EXPLAIN_EPILOG = """\b
Examples:
  autodiff explain examples/leaf_tensors.ad
  autodiff explain --all examples/second_derivative.ad
  autodiff explain -e 'x = ones(2, requires_grad=True); y = (x * x).sum(); y.backward()'
"""
CHECK_EPILOG = """\b
Examples:
  autodiff check examples/two_layer_network.ad
  autodiff check -e 'x = ones(2, requires_grad=True); y = (x.sin() * x).sum(); y.backward()'
"""
REPL_EPILOG = """\b
Examples:
  autodiff repl
  autodiff repl < examples/leaf_tensors.ad
"""


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=EPILOG)
@click.version_option(__version__, "-V", "--version", prog_name="autodiff")
def main() -> None:
    """See what PyTorch autograd does: run small autograd scripts written like PyTorch."""


# -- reusable pieces (other commands load, build, run and report the same way) -------------------------


MAX_SOURCE_LINES = 100_000  # parsing takes about 0.3 ms and 4 KB per line


class SourceLimitError(click.ClickException):
    """The script's text is over an input limit: reported like a script's LimitError, exit status 1."""

    exit_code = 1

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.hint = hint

    def show(self, file: Any = None) -> None:
        click.echo(f"LimitError: {self.message}\nhelp: {self.hint}", err=True)


def open_within(path: str, timeout: float | None) -> Any:
    """`path` opened for reading unbuffered. Opening a FIFO waits for a writer, in the kernel, where no
    deadline reaches it: with a timeout, a timer signal interrupts the wait."""
    import signal

    if timeout is None or not hasattr(signal, "setitimer"):
        return open(path, "rb", buffering=0)

    def expired(number: int, frame: Any) -> None:
        raise SourceLimitError(f"opening {path} took longer than the time limit of {timeout:g} s (a FIFO "
                               "that no one writes to?)", "raise the limit with --timeout")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return open(path, "rb", buffering=0)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def read_bounded(stream: Any, limit: int, name: str, timeout: float | None = None) -> bytes:
    """At most `limit` bytes from a binary stream, and an error if it holds more: a device or a FIFO that never
    ends (`/dev/zero`) stops at the limit; with a timeout, so does a writer that never finishes."""
    import time

    deadline = time.monotonic() + timeout if timeout is not None else None
    chunks: list[bytes] = []
    size = 0
    fileno = None
    try:
        fileno = stream.fileno()
    except (AttributeError, OSError, ValueError):
        pass
    while size <= limit:
        if deadline is not None and fileno is not None:
            import select

            remaining = deadline - time.monotonic()
            ready = select.select([fileno], [], [], max(0.0, remaining))[0] if remaining > 0 else []
            if not ready:
                raise SourceLimitError(f"reading {name} took longer than the time limit of {timeout:g} s",
                                       "raise the limit with --timeout")
            chunk = os.read(fileno, min(1 << 20, limit + 1 - size))
        else:
            chunk = stream.read(min(1 << 20, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        from autodiff.limits import describe

        raise SourceLimitError(f"{name} is larger than {describe(limit)} (the source-size limit)",
                               "raise the limit with --max-source")
    return b"".join(chunks)


def load_source(file: str | None, code: str | None, max_source: int | None = None,
                timeout: float | None = None) -> tuple[str, str]:
    """(source text, filename for messages) from a FILE argument ('-' for stdin) or -e CODE, within the input
    limits: at most `max_source` bytes (read no further) and MAX_SOURCE_LINES lines."""
    limit = max_source if max_source is not None else 4 * 1024**2
    if code is not None and file is not None:
        raise click.UsageError("give either FILE or -e CODE, not both")
    if code is not None:
        if len(code.encode("utf-8", "surrogatepass")) > limit:
            from autodiff.limits import describe

            raise SourceLimitError(f"the code given with -e is larger than {describe(limit)} (the source-size "
                                   "limit)", "raise the limit with --max-source")
        text, name = code, "<string>"
    elif file is None:
        raise click.UsageError("missing FILE (or - for standard input, or -e CODE)")
    else:
        if file == "-":
            data = read_bounded(sys.stdin.buffer, limit, "standard input", timeout)
            name = "<stdin>"
        else:
            try:
                with open_within(file, timeout) as handle:
                    data = read_bounded(handle, limit, file, timeout)
            except IsADirectoryError:
                raise click.BadParameter(f"cannot read {file}: it is a directory", param_hint="FILE") from None
            except OSError as exc:
                raise click.BadParameter(f"cannot read {file}: {exc.strerror}", param_hint="FILE") from None
            name = file
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise click.BadParameter(f"{name} is not UTF-8 text ({exc.reason} at byte {exc.start})",
                                     param_hint="FILE") from None
    if text.count("\n") > MAX_SOURCE_LINES:
        raise SourceLimitError(f"{name} has more than {MAX_SOURCE_LINES:,} lines (the line limit)",
                               "split the script, or generate less code")
    return text, name


def _prepare_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass


THREADS_KEY = "autodiff.threads"  # where --threads keeps its count in click's context (run's order reads it)


def _set_threads(ctx: Any, param: Any, value: int | None) -> None:
    """--threads N: PyTorch splits big sums between its threads, so their last bits depend on N. Kept in the
    context too: `run`'s head start was forked before this ran, so its order carries the count."""
    if value is not None:
        from autodiff.cli.scripts import set_threads

        set_threads(value)
        ctx.meta[THREADS_KEY] = value


def script_options(command: Any) -> Any:
    """The options every command that runs a script shares: the limits, and --debug."""
    options = [
        click.option("--max-steps", type=click.IntRange(min=1), default=DEFAULT_MAX_STEPS, show_default=True,
                     help="Stop the script after this many statements."),
        click.option("--timeout", type=Seconds(), metavar="SECONDS",
                     help="Stop the script after this much wall-clock time (without it: 10 minutes of CPU time)."),
        click.option("--max-memory", type=MemorySize(MIN_MEMORY), default=DEFAULT_MAX_MEMORY, show_default=True,
                     help="Stop the script when it uses more memory than this (e.g. 512M, 4G)."),
        click.option("--max-output", type=MemorySize(), default=DEFAULT_MAX_OUTPUT, show_default=True,
                     help="Stop the script when it has written this much (stdout and stderr together)."),
        click.option("--debug", is_flag=True, help="Show Python tracebacks (for reporting autodiff bugs)."),
        click.option("--threads", type=click.IntRange(min=1), default=None, expose_value=False,
                     callback=_set_threads, metavar="N",
                     help="Compute sums as PyTorch does with N threads (default: torch.get_num_threads()'s, "
                          "the number of physical cores).", is_eager=True),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def source_option(command: Any) -> Any:
    return click.option("--max-source", type=MemorySize(), default=DEFAULT_MAX_SOURCE, show_default=True,
                        help="Refuse a script larger than this (read no further).")(command)


def elements_option(command: Any) -> Any:
    return click.option("--max-elements", type=click.IntRange(min=1), default=DEFAULT_MAX_ELEMENTS,
                        show_default=True, help="Refuse to create a tensor with more elements than this.")(command)


def supervised(work: Callable[[], int | None] | Order, *, timeout: float | None, max_memory: int | None,
               max_output: int | None, max_elements: int | None = None, source: str | None = None,
               filename: str = "", grace: float | None = None) -> int:
    """Run a command's `work` (which runs the script) in a supervised child process (cli/supervisor.py) with the
    command's limits; the exit status. A closure is run within the script limits (`max_elements`, `max_memory`);
    an Order's function applies them itself (an Order is data, so a head start can be told to run it)."""
    from autodiff.cli.scripts import import_for_scripts
    from autodiff.cli.supervisor import Limits, run_supervised

    if not isinstance(work, Order):
        closure = work

        def work() -> int | None:
            from autodiff.limits import apply_script_limits

            apply_script_limits(max_elements, max_memory)
            return closure()

    limits = Limits(timeout=timeout, max_memory=max_memory, max_output=max_output)
    if grace is not None:
        limits = Limits(timeout=timeout, max_memory=max_memory, max_output=max_output, grace=grace)
    _prepare_streams()
    _skip_the_last_collection()
    status = run_supervised(work, limits, source=source, filename=filename, prepare=import_for_scripts)
    global _end_at_once
    _end_at_once = True
    return status


_end_at_once = False  # the supervised child has ended: the parent has only its own exit left


def console() -> None:
    """The `autodiff` command (the console script; `python -m autodiff` too): main(), and once a command ran its
    script in a supervised child (run, graph, explain, check), the parent ends at once after flushing its streams
    (os._exit, as the child does): tearing down the modules it imported was ~1,800 page faults of a short run.
    main() itself returns as click's commands do (click's CliRunner calls it in tests). It calls click's
    `main.main()`, as `main()` would through `__call__`, so a script starts at the same stack depth as before (where
    a deep recursion meets the limit, and so CPython's text for it, depends on that depth)."""
    try:
        main.main()
    except SystemExit as exc:
        if not _end_at_once:
            raise
        code = exc.code
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                code = code or 1
        os._exit(code if isinstance(code, int) else 0 if code is None else 1)
    raise AssertionError("click's main() ends with SystemExit")  # pragma: no cover


_freeze_registered = False


def _skip_the_last_collection() -> None:
    """At exit Python's last garbage collection walks every object the imports made, some 50 ms of a short
    run's CPU time; moving them out of the collector's sight first (gc.freeze, at exit only: before then the
    collector works as usual) leaves that walk out. The supervised child ends with os._exit, without it."""
    global _freeze_registered
    if not _freeze_registered:
        import atexit
        import gc

        atexit.register(gc.freeze)
        _freeze_registered = True


# -- commands -----------------------------------------------------------------------------------------


@main.command(epilog=EPILOG)
@click.argument("file", required=False)
@click.option("-e", "--expr", "code", metavar="CODE", help="Run CODE instead of a file (separate statements with ';').")
@elements_option
@script_options
@source_option
@click.option("--table/--no-table", default=None,
              help="After the output, a table of every named tensor (default: on for a .ad file on a terminal).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document: output, warnings, tensors, error.")
@click.option("--html", "html_path", metavar="PATH", help="Also write a page (one HTML file, opens offline) with "
              "the script, its output, the tensors, the graph and each backward pass step by step.")
@click.option("--no-color", is_flag=True, help="No colour in tables and trees (NO_COLOR is honoured too).")
@click.option("--seed", type=Seed(), default=None,
              help="Seed the random generator as torch.manual_seed(N) would (default: seeded from the system).")
def run(file: str | None, code: str | None, max_steps: int, timeout: float | None, max_elements: int,
        max_memory: int, max_output: int, max_source: int, debug: bool,
        table: bool | None, as_json: bool, html_path: str | None, no_color: bool, seed: int | None) -> None:
    """Run a script FILE (use - to read it from standard input)."""
    source, filename = load_source(file, code, max_source, timeout)
    order = Order("autodiff.cli.scripts:run_command", {
        "source": source, "filename": filename, "max_steps": max_steps, "timeout": timeout, "debug": debug,
        "max_elements": max_elements, "max_memory": max_memory, "seed": seed, "as_json": as_json,
        "html_path": html_path, "table": table, "no_color": no_color,
        "threads": click.get_current_context().meta.get(THREADS_KEY)})
    sys.exit(supervised(order, timeout=timeout, max_memory=max_memory, max_output=max_output, source=source,
                        filename=filename))


def _view_target(host: Any, of: str | None) -> tuple[list[Any], str]:
    """The tensor(s) a view is about: `--of NAME`, else the roots of the last backward pass, else the tensor
    the script assigned last."""
    names = host.names()
    if of is not None:
        tensor = names.tensor(of)
        if tensor is None:
            known = ", ".join(name for name, _ in names.named) or "none"
            raise click.UsageError(f"no tensor named {of!r} after the script ran (tensors: {known})")
        return [tensor], of
    recorder = host.recorder
    if recorder is not None and recorder.last is not None:
        roots = recorder.last.roots
        return roots, ", ".join(names.of_tensor(t) or "root" for t in roots)
    interpreter = host.interpreter
    last = interpreter.last_assigned if interpreter is not None else None
    if last is not None and names.tensor(last) is not None:
        return [names.tensor(last)], last
    if names.named:
        return [names.named[-1][1]], names.named[-1][0]
    return [], ""


@main.command(epilog=GRAPH_EPILOG)
@click.argument("file", required=False)
@click.option("-e", "--expr", "code", metavar="CODE", help="Draw from CODE instead of a file (separate statements "
              "with ';').")
@click.option("--of", "of", metavar="NAME", help="The tensor to draw (default: the root of the last backward pass, "
              "else the last tensor assigned).")
@click.option("--format", "fmt", type=click.Choice(["tree", "dot", "mermaid", "json", "svg"]), default="tree",
              show_default=True, help="tree (rich), dot (Graphviz), mermaid (Markdown), json, svg (a picture).")
@click.option("-o", "--output", metavar="PATH", help="svg: write the picture here ('-': stdout; default: stdout "
              "when piped, else FILE's name with .svg).")
@click.option("--backward", is_flag=True, help="svg: arrows from each op to its inputs, as gradients flow.")
@click.option("--layout", type=click.Choice(["builtin", "dot"]), default="builtin", show_default=True,
              help="svg: place the nodes with autodiff's own layered layout, or with Graphviz's dot.")
@click.option("--no-color", is_flag=True, help="No colour (NO_COLOR is honoured too).")
@elements_option
@script_options
@source_option
def graph(file: str | None, code: str | None, of: str | None, fmt: str, output: str | None, backward: bool,
          layout: str, no_color: bool, max_elements: int, max_steps: int, timeout: float | None, max_memory: int,
          max_output: int, max_source: int, debug: bool) -> None:
    """Draw the autograd graph behind a tensor of script FILE (- reads standard input; the script runs with its
    output hidden).

    Each node is a grad_fn with the variable that holds it; leaves are AccumulateGrad with their name and
    shape; inputs that do not require grad are constants.
    """
    source, filename = load_source(file, code, max_source, timeout)

    def work() -> int:
        from autodiff.views.graphview import Recorder, build_graph
        from autodiff.views.render import format_graph

        host = view_host(no_color)
        host.recorder = Recorder(host.variables, keep_saved=True)
        status = run_for_views(source, filename, host, max_steps=max_steps, timeout=timeout, debug=debug)
        roots, title = _view_target(host, of)
        if not roots:
            click.echo("autodiff: the script binds no tensor to draw", err=True)
            return status or 1
        graph_data = build_graph(roots, host.names(), host.recorder.saved)
        if fmt == "svg":
            from autodiff.cli.pictures import write_graph_svg

            written = write_graph_svg(graph_data, title=title or "autograd", output=output, filename=filename,
                                      direction="backward" if backward else "forward", layout=layout,
                                      terminal=host.terminal)
            return status if written else status or 1
        text = format_graph(graph_data, fmt, color=host.color, width=host.width, title=title or "autograd")
        return status if write_view(text) else status or 1

    sys.exit(supervised(work, timeout=timeout, max_memory=max_memory, max_output=max_output,
                        max_elements=max_elements, source=source, filename=filename))


@main.command(epilog=EXPLAIN_EPILOG)
@click.argument("file", required=False)
@click.option("-e", "--expr", "code", metavar="CODE", help="Explain CODE instead of a file (separate statements "
              "with ';').")
@click.option("--of", "of", metavar="NAME", help="Explain the last backward pass from this tensor (default: the "
              "last backward pass).")
@click.option("--all", "every", is_flag=True, help="Explain every backward pass (the last 200).")
@click.option("--no-color", is_flag=True, help="No colour (NO_COLOR is honoured too).")
@elements_option
@script_options
@source_option
def explain(file: str | None, code: str | None, of: str | None, every: bool, no_color: bool, max_elements: int,
            max_steps: int, timeout: float | None, max_memory: int, max_output: int, max_source: int,
            debug: bool) -> None:
    """Show the chain rule behind a backward pass of script FILE: for each leaf, every path from the root, each
    local derivative, and the sum, checked against the leaf's .grad (- reads standard input; the script runs with
    its output hidden)."""
    source, filename = load_source(file, code, max_source, timeout)

    def work() -> int:
        from autodiff.views.explain import Explainer
        from autodiff.views.graphview import Recorder
        from autodiff.views.render import explain_text, to_text

        host = view_host(no_color)
        host.recorder = Recorder(host.variables)
        explainer = Explainer(host.recorder)
        status = run_for_views(source, filename, host, max_steps=max_steps, timeout=timeout, debug=debug)
        chosen = list(explainer.passes) if every and of is None else [explainer.find(of)]
        chosen = [chains for chains in chosen if chains is not None]
        if not chosen:
            where = f" from {of}" if of is not None else ""
            click.echo(f"autodiff: no backward pass{where} completed: nothing to explain", err=True)
            hint = _explain_hint(explainer, of)
            if hint:
                click.echo(f"help: {hint}", err=True)
            return status or 1
        texts = [to_text(explain_text(chains, host.recorder.completed), color=host.color, width=host.width)
                 for chains in chosen]
        return status if write_view("\n".join(texts)) else status or 1

    sys.exit(supervised(work, timeout=timeout, max_memory=max_memory, max_output=max_output,
                        max_elements=max_elements, source=source, filename=filename))


def _explain_hint(explainer: Any, of: str | None) -> str | None:
    """What to ask instead when `explain --of NAME` found no pass from NAME: the root of a pass NAME took part in
    (a leaf or an intermediate tensor), else the roots explain knows."""
    roots = list(explainer.by_root_name)
    if of is None or not roots:
        return None
    for chains in reversed(explainer.passes):
        if any(chain.label == of for chain in chains.leaves) or of in chains.labels.values():
            root = next((r.label for r in chains.roots if r.label in explainer.by_root_name), None)
            if root is not None:
                kind = "a leaf" if any(chain.label == of for chain in chains.leaves) else "part"
                return (f"{of} is {kind} of the backward pass from {root}; explain follows a pass from its root: "
                        f"--of {root}")
    return "explain --of takes the tensor backward started from: " + ", ".join(f"--of {r}" for r in roots)


@main.command(epilog=CHECK_EPILOG)
@click.argument("file", required=False)
@click.option("-e", "--expr", "code", metavar="CODE", help="Check CODE instead of a file.")
@click.option("--max-elements", type=click.IntRange(min=1), default=8, show_default=True,
              help="Nudge at most this many elements of each leaf (spread evenly over larger tensors).")
@click.option("--all", "every", is_flag=True, help="Nudge every element of every leaf at every backward pass "
              "(default: a sample: each leaf at its first 2 values, at most 400 nudges in all).")
@click.option("--no-color", is_flag=True, help="No colour (NO_COLOR is honoured too).")
@script_options
@source_option
def check(file: str | None, code: str | None, max_elements: int, every: bool, no_color: bool, max_steps: int,
          timeout: float | None, max_memory: int, max_output: int, max_source: int, debug: bool) -> None:
    """Check every backward pass of a script FILE against central finite differences.

    The script runs with its output hidden; then a table shows, per leaf and backward statement, how far
    autograd's gradient is from finite differences. Exit status: 0 when every checked gradient agrees, 1 when
    one disagrees or the script fails (its error is reported too).
    """
    source, filename = load_source(file, code, max_source, timeout)

    def work() -> int:
        from autodiff.checker import DEFAULT_BUDGET, DEFAULT_MAX_VALUES, MAX_PROBES, check_source
        from autodiff.views.render_check import render_check

        try:
            from autodiff.cli.supervisor import CountedOutput

            with CountedOutput(keep=False) as hidden:
                interpreter = make_interpreter(filename, max_steps=max_steps, timeout=timeout, stdout=hidden,
                                               stderr=hidden)
                if every:
                    budget: dict[str, Any] = {"max_elements": None, "max_values": None, "max_probes": MAX_PROBES}
                else:
                    budget = {"max_elements": max_elements, "max_values": DEFAULT_MAX_VALUES,
                              "max_probes": DEFAULT_BUDGET}
                report = check_source(source, filename, interpreter, timeout=timeout, **budget)
        except Exception as exc:  # a bug in autodiff: say so plainly
            report_error(exc, source, filename, debug=debug)
            return 1
        if report.error is not None:
            report_error(report.error, source, filename, debug=debug)
        host = view_host(no_color)
        render_check(report, sys.stdout, color=host.color, width=host.width)
        return 0 if report.passed and report.error is None else 1

    # the report needs time after the script: the children stop being forked at 70% of the limit, and the
    # supervisor waits a quarter of it (and 2 s) more before it ends the check
    grace = 2.0 + 0.25 * timeout if timeout is not None else None
    sys.exit(supervised(work, timeout=timeout, max_memory=max_memory, max_output=max_output, source=source,
                        filename=filename, grace=grace))


@main.command(epilog=REPL_EPILOG)
@elements_option
@script_options
def repl(max_elements: int, max_steps: int, timeout: float | None, max_memory: int, max_output: int,
         debug: bool) -> None:
    """An interactive session: expressions echo their values, :help lists the commands.

    With standard input piped, statements are read line by line, values are echoed without prompts, and the
    exit status is 1 if any input failed. Each input runs in a supervised child process with the limits (the
    time and output limits are per input); an input that is stopped leaves the session as it was.
    """
    from autodiff.cli.repl import main as repl_main
    from autodiff.cli.supervisor import Limits

    _prepare_streams()
    limits = Limits(timeout=timeout, max_memory=max_memory, max_output=max_output)
    sys.exit(repl_main(max_steps=max_steps, timeout=timeout, debug=debug, limits=limits, max_elements=max_elements))


if __name__ == "__main__":  # pragma: no cover
    console()
