"""The picture outputs of the command line: `autodiff graph --format svg` (where the file goes, and saying so) and
`autodiff run --html` (running the script while recording everything the page shows). The drawing and the page
themselves are views/svg.py's and views/html.py's.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click


def default_svg_path(filename: str) -> str:
    """Where `graph --format svg` writes on a terminal without -o: the script's name with .svg, in the current
    folder."""
    stem = Path(filename).stem if not filename.startswith("<") else "graph"
    return f"{stem}.svg"


def write_graph_svg(graph: Any, *, title: str, output: str | None, filename: str, direction: str,
                    layout: str, terminal: bool) -> bool:
    """Draw `graph` as SVG: to `output` ('-' for stdout); without -o, to stdout when it is piped and to
    NAME.svg on a terminal (an SVG is no text to read there). Says where the file went. False when stdout's
    reader went away."""
    from autodiff.cli.scripts import write_view
    from autodiff.views import layout as layouts
    from autodiff.views.svg import graph_svg

    if layout == "dot" and not layouts.dot_available():
        raise click.UsageError("--layout dot needs Graphviz's dot on PATH (the built-in layout needs nothing)")
    text = graph_svg(graph, direction=direction, engine=layout, title=f"autograd graph of {title}")
    if output == "-" or (output is None and not terminal):
        return write_view(text)
    path = output if output is not None else default_svg_path(filename)
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.FileError(path, hint=exc.strerror or str(exc)) from None
    nodes, edges = len(graph.nodes), len(graph.edges())
    return write_view(f"wrote the graph of {title} ({nodes} nodes, {edges} edges) to {path}\n")


def run_html(source: str, filename: str, output: str, *, max_steps: int, timeout: float | None,
             debug: bool, echo: bool = True) -> int:
    """`run --html PATH`: run the script as `run` does (its output still printed when `echo`), record everything
    the page shows, write the page, and say where. The script's exit status."""
    from autodiff.views import html

    report = record_run(source, filename, max_steps=max_steps, timeout=timeout, debug=debug, echo=echo)
    page = html.render_page(report)
    try:
        Path(output).write_text(page, encoding="utf-8")
    except OSError as exc:
        raise click.FileError(output, hint=exc.strerror or str(exc)) from None
    sys.stdout.flush()
    click.echo(f"autodiff: wrote the page to {output}", err=True)
    return report.exit_status


def write_session_page(script: str, path: str, *, max_steps: int, timeout: float | None) -> None:
    """The REPL's `:html FILE`: the session's inputs (as `:save` writes them) run again as one script, and its
    page written to `path` (OSError when it cannot be)."""
    from autodiff.engine import autograd
    from autodiff.engine.rng import default_generator
    from autodiff.torch import tensor_str
    from autodiff.views import html

    # The replay runs in the session's process: what it changes there (grad mode, the random generator, print
    # options) is put back, so the session carries on as if :html had not run.
    previous_mode = autograd.set_grad_enabled(True)
    rng_state = default_generator.get_state()
    print_options = tensor_str.get_printoptions()
    try:
        report = record_run(script, "session.py", max_steps=max_steps, timeout=timeout)
    finally:
        autograd.set_grad_enabled(previous_mode)
        default_generator.set_state(rng_state)
        tensor_str.set_printoptions(**print_options)
    report.filename = "REPL session"
    Path(path).write_text(html.render_page(report), encoding="utf-8")


class _LineTrackingOutput:
    """The script's stdout: every write remembered with the script line that made it (and passed on to `echo`)."""

    def __init__(self, echo: Any):
        from autodiff.language.interpreter import statement_span_of_frames

        self._span_of = statement_span_of_frames
        self.echo = echo
        self.chunks: list[tuple[int | None, str]] = []

    def write(self, text: str) -> int:
        span = self._span_of(sys._getframe(1))
        line = span.line if span is not None else None
        if self.chunks and self.chunks[-1][0] == line:
            self.chunks[-1] = (line, self.chunks[-1][1] + text)
        else:
            self.chunks.append((line, text))
        if self.echo is not None:
            self.echo.write(text)
        return len(text)

    def flush(self) -> None:
        if self.echo is not None:
            self.echo.flush()


def record_run(source: str, filename: str, *, max_steps: int, timeout: float | None, debug: bool = False,
               echo: bool = False) -> Any:
    """Run a script with everything the page needs recorded: output and warnings by line, the error, the
    tensors, the graph, each backward pass step by step (views/steps.py) and explained (views/explain.py)."""
    import io
    import traceback

    from autodiff.cli import diagnostics
    from autodiff.cli.scripts import make_interpreter, report_error
    from autodiff.errors import AutodiffError
    from autodiff.language.interpreter import statement_span_of_frames, statement_span_of_traceback
    from autodiff.views import graphview
    from autodiff.views.explain import Explainer
    from autodiff.views.steps import RunReport, StepRecorder

    output = _LineTrackingOutput(sys.stdout if echo else None)
    warnings: list[tuple[str, str, Any]] = []
    host = graphview.ViewHost()
    host.recorder = graphview.Recorder(host.variables, keep_saved=True)
    explainer = Explainer(host.recorder)

    def locate() -> int | None:
        span = statement_span_of_frames(sys._getframe(1))
        return span.line if span is not None else None

    steps = StepRecorder(host.recorder, locate)

    def on_warning(category: str, message: str, span: Any) -> None:
        warnings.append((category, message, span))
        if echo:
            sys.stdout.flush()
            sys.stderr.write(f"{category}: {message}\n")

    error = None
    with host.recorder.installed(), steps.installed():
        try:
            interpreter = make_interpreter(filename, max_steps=max_steps, timeout=timeout, stdout=output,
                                           stderr=io.StringIO(), views=host, on_warning=on_warning)
            interpreter.run_source(source)
        except AutodiffError as exc:
            error = graphview.error_document(exc)
            error["text"] = diagnostics.format_error(exc, source, filename)
            if echo:
                report_error(exc, source, filename, debug=debug)
        except Exception as exc:  # a bug in autodiff
            if debug:
                sys.stderr.write("".join(traceback.format_exception(exc)))
            error = graphview.error_document(exc, statement_span_of_traceback(exc.__traceback__))
            error["text"] = diagnostics.format_internal_error(exc, source, filename)
            if echo:
                report_error(exc, source, filename, debug=debug)
    from autodiff.cli.main import _view_target

    roots, title = _view_target(host, None)
    return RunReport.collect(source=source, filename=os.path.basename(filename), host=host, explainer=explainer,
                             steps=steps, output=output.chunks, warnings=warnings, error=error, roots=roots,
                             title=title, binding_lines=binding_lines(source))


def binding_lines(source: str) -> dict[str, int]:
    """The line where each name is first bound by an assignment (`x = ...`, `a, b = ...`, `x += ...`, a `for`
    target), anywhere in the script: where the page says a leaf was made."""
    from autodiff.language import nodes
    from autodiff.language.syntax import parse

    try:
        module = parse(source, "<page>")
    except Exception:  # a script that does not parse has no bindings to show
        return {}
    found: dict[str, int] = {}

    def names_in(target: Any, line: int) -> None:
        if isinstance(target, nodes.Name):
            found.setdefault(target.id, line)
        elif isinstance(target, (list, tuple)):
            for item in target:
                names_in(item, line)
        elif isinstance(target, (nodes.Tuple, nodes.List)):
            names_in(target.elts, line)
        elif isinstance(target, nodes.Starred):
            names_in(target.value, line)

    for item in nodes.walk(module):
        if isinstance(item, nodes.Assign):
            names_in(item.targets, item.span.line)
        elif isinstance(item, (nodes.AugAssign, nodes.For)):
            names_in([item.target], item.span.line)
    return found
