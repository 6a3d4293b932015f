"""`autodiff repl`: an interactive session over one Interpreter, and a line reader for piped input.

On a terminal the session uses prompt_toolkit (`>>> ` / `... ` prompts, multi-line blocks that end at a
blank line, history in the user's data directory, Emacs keys, highlighting, tab completion of names and
attributes). With standard input piped it reads statements line by line, prints no prompts and no colours,
and exits 1 if any input failed. Both ways, an expression statement echoes its value as Python's REPL does
(PyTorch's text for tensors), and `:` commands inspect, reset, load and save the session.

prompt_toolkit and pygments are imported only when a terminal session starts (start-up time matters).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable
from typing import IO, Any

PROMPT = ">>> "
CONTINUATION = "... "
INDENT = "    "
KEYWORDS = (
    "and", "as", "assert", "break", "continue", "def", "del", "elif", "else", "False", "for", "from", "global",
    "if", "import", "in", "is", "None", "nonlocal", "not", "or", "pass", "return", "True", "while", "with",
)
# Lines that continue a compound statement even though they start at the left margin.
_CONTINUES_BLOCK = re.compile(r"(elif|else|except|finally)\b")
_BLOCK_HEADER = re.compile(r"(def|for|while|if|with)\b")
# A plain dotted name chain ending at the cursor (`x.gr`, `torch.nn.Li`), not preceded by anything that
# would make it part of a larger expression (`f(x).gr`, `1.5.`, `'a'.up`).
_CHAIN = re.compile(r"(?<![\w.)\]}'\"])((?:[^\W\d]\w*\.)*)(\w*)$")

HELP = """\
Type Python statements in autodiff's PyTorch subset; an expression shows its value as PyTorch prints it.
A block (def, for, while, if, with) ends at a blank line.

  :vars            the session's variables (tensors: shape, requires_grad, leaf, grad_fn, grad)
  :graph [NAME]    the autograd graph behind a tensor (default: the root of the last backward pass)
  :explain [NAME]  the chain rule of the last backward pass (from NAME)
  :reset           forget every variable (a fresh session)
  :load FILE       run a script into the session
  :save FILE       write the inputs that ran without error as a script (`autodiff run FILE` replays it)
  :html FILE       a page of the session (as `autodiff run --html`): its inputs run again as one script
  :help            this text
  :quit            leave (or Ctrl-D)

As in Python: `_` is the last value shown; help(x) describes x (help(torch.mean), help(x.sum), help(x) for a
tensor: signature, meaning, PyTorch's docs); dir(x) lists its attributes; type(x) gives its class.

Keys: Tab completes names, `torch.` members and attributes after a dot; Ctrl-C cancels the input or stops
a running loop; Up/Down walk the history; Esc Enter inserts a new line."""

COMMANDS = (":vars", ":graph", ":explain", ":reset", ":load", ":save", ":html", ":help", ":quit")


def history_path() -> str:
    """Where the REPL keeps its history: $XDG_DATA_HOME/autodiff/history (~/.local/share by default),
    ~/Library/Application Support/autodiff on macOS, %APPDATA%\\autodiff on Windows."""
    if sys.platform == "win32":
        base = os.environ.get("APPDATA") or os.path.join(os.path.expanduser("~"), "AppData", "Roaming")
    elif sys.platform == "darwin" and not os.environ.get("XDG_DATA_HOME"):
        base = os.path.join(os.path.expanduser("~"), "Library", "Application Support")
    else:
        base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "autodiff", "history")


# -- when is an input ready to run --------------------------------------------------------------------


def input_ready(text: str) -> bool:
    """True when `text` should run now: it is complete, or invalid (running it shows the error), or a
    block header followed by a blank line (Python's "expected an indented block")."""
    from autodiff.language.syntax import ParseError, input_status, parse

    if _open_at_end(text):
        return False
    status = input_status(text)
    lines = (text[:-1] if text.endswith("\n") else text).split("\n")
    last_blank = len(lines) >= 2 and not lines[-1].strip()
    if status == "invalid" and not last_blank and _code_of(lines[-1]).endswith(":"):
        # a nested block header (`    for ...:` inside a block) waits for its body
        probe = "\n".join(lines) + "\n" + next_indent(lines[-1]) + "pass\n"
        return input_status(probe) == "invalid"
    if status != "incomplete":
        return True
    if last_blank:
        try:
            parse(text)
        except ParseError as err:
            return err.category == "IndentationError" and "expected an indented block" in err.message
        except Exception:
            return True
    return False


def _open_at_end(text: str) -> bool:
    """True when the text ends inside brackets, a triple-quoted string or after a backslash (Python's own
    tokenizer decides: the language's tokens are Python's). An unmatched closer is not "open"."""
    import io
    import tokenize

    depth = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(text if text.endswith("\n") else text + "\n").readline):
            if token.type == tokenize.OP:
                if token.string in "([{":
                    depth += 1
                elif token.string in ")]}":
                    depth -= 1
                    if depth < 0:
                        return False
    except tokenize.TokenError as err:
        message = str(err.args[0] if err.args else err)
        return "string" in message or depth > 0 or text.rstrip("\n").endswith("\\")
    except (SyntaxError, ValueError):
        return False
    return False


def _code_of(line: str) -> str:
    """A line without its comment (roughly: a `#` inside a string is taken for a comment only when the line
    has no quotes)."""
    if "#" in line and "'" not in line and '"' not in line:
        line = line.split("#", 1)[0]
    return line.rstrip()


def next_indent(text: str) -> str:
    """The indentation for a new line after `text`: the last line's, one level deeper after a `:`."""
    last = text.split("\n")[-1]
    indent = last[: len(last) - len(last.lstrip())]
    if _code_of(last).endswith(":"):
        indent += INDENT
    return indent


def split_statements(lines: Iterable[str]) -> Iterable[tuple[str, int]]:
    """Group input lines into (input text, first line number): a simple statement alone, a block until a
    blank line or a line back at the left margin (other than `else:` and the like), a `:command` alone."""
    buffer: list[str] = []
    start = 1
    number = 0
    for raw in lines:
        number += 1
        line = raw.rstrip("\r\n")
        if buffer:
            at_margin = line[:1] not in ("", " ", "\t", "#") and not _CONTINUES_BLOCK.match(line)
            if at_margin:
                text = "\n".join(buffer) + "\n"
                block_done = _BLOCK_HEADER.match(buffer[0]) is not None and not _open_at_end(text)
                if block_done or (input_ready(text + "\n") and not input_ready(text)):
                    yield text, start  # a dedented line ends the block above it
                    buffer = []
        if not buffer:
            if not line.strip():
                continue
            start = number
            if line.startswith(":"):
                yield line, start
                continue
        buffer.append(line)
        if len(buffer) > 1 and line[:1] in (" ", "\t") and _BLOCK_HEADER.match(buffer[0]):
            continue  # inside a block: it ends at a blank line or back at the margin (no re-parse per line)
        text = "\n".join(buffer) + "\n"
        if input_ready(text):
            yield text, start
            buffer = []
    if buffer:
        yield "\n".join(buffer) + "\n", start


# -- the session ----------------------------------------------------------------------------------------


class Session:
    """One interpreter and the record of what ran in it, shared by the terminal and piped front ends."""

    def __init__(self, *, stdout: IO[str] | None = None, stderr: IO[str] | None = None, max_steps: int | None = None,
                 timeout: float | None = None, debug: bool = False, interactive: bool = False):
        self.stdout = stdout if stdout is not None else sys.stdout
        self.stderr = stderr if stderr is not None else sys.stderr
        self.max_steps = max_steps
        self.timeout = timeout
        self.debug = debug
        self.interactive = interactive
        self.errors = 0  # inputs that failed (the piped exit status is 1 if any did)
        self.accepted: list[str] = []  # inputs that ran without error, as script text (for :save)
        self.interpreter: Any = None
        self.views: _Views | None = None
        self.reset()

    # -- state ----------------------------------------------------------------------------------------

    def reset(self) -> None:
        """A fresh interpreter: no variables, grad mode on, default print options."""
        import inspect

        from autodiff.cli.scripts import DEFAULT_MAX_STEPS, make_interpreter
        from autodiff.engine import autograd

        self.views = _make_views(self.stdout, self.interactive)
        extra = {}
        if self.views is not None and "views" in inspect.signature(make_interpreter).parameters:
            extra["views"] = self.views.host  # show() and graph() see the session's variables
        self.interpreter = make_interpreter("<stdin>", max_steps=self.max_steps or DEFAULT_MAX_STEPS,
                                            timeout=self.timeout, stdout=self.stdout, stderr=self.stderr, **extra)
        if self.views is not None:
            self.views.host.interpreter = self.interpreter
        from autodiff.cli.replhelp import make_repl_builtins

        self.interpreter.builtins.complete()  # every bare name now: completion and :help list them all
        self.interpreter.builtins.update(make_repl_builtins(self.interpreter, self._write))
        self.accepted = []
        autograd.set_grad_enabled(True)
        try:
            from autodiff.torch import tensor_str as torchfmt

            torchfmt.set_printoptions(profile="default")
            torchfmt.set_default_dtype("float32")
        except Exception:  # pragma: no cover - printing options are a nicety here
            pass

    def lookup(self, dotted: str) -> Any:
        """The value of a plain dotted name chain (`x`, `x.grad`, `torch.nn`) without calling anything a
        script wrote; raises KeyError when a name or attribute is missing."""
        from autodiff.errors import set_warning_sink
        from autodiff.language import protocol

        parts = dotted.split(".")
        if not all(part.isidentifier() for part in parts):
            raise KeyError(dotted)
        interpreter = self.interpreter
        if parts[0] in interpreter.globals:
            value = interpreter.globals[parts[0]]
        elif parts[0] in interpreter.builtins:
            value = interpreter.builtins[parts[0]]
        else:
            raise KeyError(parts[0])
        previous = set_warning_sink(lambda category, message: None)  # reading .grad must not warn here
        try:
            for part in parts[1:]:
                try:
                    value = protocol.get_attribute(value, part)
                except Exception:
                    raise KeyError(part) from None
        finally:
            set_warning_sink(previous)
        return value

    def completions(self, text_before_cursor: str) -> tuple[int, list[str]]:
        """(length of the word being completed, candidates) for the text before the cursor."""
        from autodiff.language import protocol

        stripped = text_before_cursor.lstrip()
        if stripped.startswith(":") and "\n" not in stripped:
            if " " not in stripped:
                return len(stripped), [c for c in COMMANDS if c.startswith(stripped)]
            command, _, argument = stripped.partition(" ")
            if command in (":graph", ":explain") and " " not in argument.strip():
                text_before_cursor = argument.lstrip()
            else:
                return 0, []
        match = _CHAIN.search(text_before_cursor)
        if match is None:
            return 0, []
        chain, word = match.group(1), match.group(2)
        if chain:
            try:
                value = self.lookup(chain[:-1])
            except KeyError:
                return len(word), []
            names = protocol.attribute_names(value)
        else:
            if not word:
                return 0, []
            names = sorted({*self.interpreter.globals, *self.interpreter.builtins, *KEYWORDS})
        private = word.startswith("_")
        return len(word), [n for n in names if n.startswith(word) and (private or not n.startswith("_"))]

    # -- running input --------------------------------------------------------------------------------

    def execute(self, source: str, *, filename: str = "<stdin>", first_line: int = 1) -> bool:
        """Run one input; echo the value of a final expression; report an error and carry on. Returns
        True if it ran without error. KeyboardInterrupt stops the input and propagates only when piped."""
        from autodiff.cli.scripts import report_error
        from autodiff.engine import autograd
        from autodiff.errors import AutodiffError
        from autodiff.language.runtime.exceptions import convert_exception
        from autodiff.language.syntax import parse

        padded = "\n" * (first_line - 1) + source  # spans then count lines of the whole piped input
        grad_mode = autograd.is_grad_enabled()
        try:
            module = parse(padded, filename)
            if self.views is not None:
                with self.views.host.recorder.installed():  # what :graph and :explain show later
                    value = self.interpreter.run(module, echo=True)
            else:
                value = self.interpreter.run(module, echo=True)
            if value is not None:
                try:
                    echoed = repr(value)
                except Exception as exc:  # a script's value whose repr fails (a container holding itself)
                    raise convert_exception(exc, module.body[-1].span) from exc
                self.stdout.write(echoed + "\n")
                self.interpreter.builtins["_"] = value  # as Python's REPL: `_` is the last value echoed
            self.stdout.flush()
        except AutodiffError as exc:
            self.errors += 1
            report_error(exc, padded, filename, stderr=self.stderr, stdout=self.stdout, debug=self.debug)
            return False
        except KeyboardInterrupt as exc:
            self.errors += 1
            self._interrupted(exc, filename, grad_mode)
            if not self.interactive:
                raise
            return False
        except BrokenPipeError:
            raise
        except Exception as exc:  # a bug in autodiff: report it, keep the session
            self.errors += 1
            report_error(exc, padded, filename, stderr=self.stderr, stdout=self.stdout, debug=self.debug)
            return False
        self.accepted.append(_script_form(source, module, value, first_line))
        return True

    def _interrupted(self, exc: BaseException, filename: str, grad_mode: bool) -> None:
        from autodiff.engine import autograd
        from autodiff.language.interpreter import statement_span_of_traceback

        span = statement_span_of_traceback(exc.__traceback__)
        try:
            self.stdout.flush()
        except (OSError, ValueError):
            pass
        where = f" at {filename}:{span.line}" if span is not None else ""
        self.stderr.write(f"KeyboardInterrupt{where}\n")
        if autograd.is_grad_enabled() != grad_mode:
            state = "enabled" if autograd.is_grad_enabled() else "disabled"
            self.stderr.write(f"note: gradient mode is now {state} (the interrupted input changed it)\n")
        self.stderr.flush()

    # -- commands -------------------------------------------------------------------------------------

    def command(self, line: str) -> bool:
        """Run a `:command`; returns False for :quit."""
        name, _, argument = line.strip().partition(" ")
        argument = argument.strip()
        handlers: dict[str, Callable[[str], Any]] = {
            ":vars": self.cmd_vars, ":graph": self.cmd_graph, ":explain": self.cmd_explain,
            ":reset": self.cmd_reset, ":load": self.cmd_load, ":save": self.cmd_save, ":help": self.cmd_help,
            ":html": self.cmd_html,
        }
        if name in (":quit", ":q", ":exit"):
            return False
        handler = handlers.get(name)
        if handler is None:
            close = [c for c in COMMANDS if c.startswith(name)]
            hint = f"; did you mean {close[0]}?" if len(close) == 1 else ""
            self._fail(f"unknown command {name}{hint} (:help lists the commands)")
            return True
        try:
            handler(argument)
        except BrokenPipeError:
            raise
        except Exception as exc:
            self._fail(f"{name}: {exc}")
        return True

    def _write(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def _fail(self, message: str) -> None:
        self.errors += 1
        self.stdout.flush()
        self.stderr.write(f"error: {message}\n")
        self.stderr.flush()

    def _info(self, message: str) -> None:
        """A status line: on stderr, so piped stdout carries only what the inputs print."""
        self.stdout.flush()
        self.stderr.write(message + "\n")
        self.stderr.flush()

    def _tensor_argument(self, command: str, argument: str) -> tuple[str, Any] | None:
        if not argument:
            self._fail(f"{command} needs a variable name, as in `{command} y`")
            return None
        try:
            value = self.lookup(argument)
        except KeyError:
            self._fail(f"{command}: name '{argument}' is not defined (give a variable or a dotted name)")
            return None
        return argument, value

    def cmd_help(self, argument: str) -> None:
        self.stdout.write(HELP + "\n")
        self.stdout.flush()

    def cmd_reset(self, argument: str) -> None:
        self.reset()
        self._info("session reset: no variables")

    def cmd_vars(self, argument: str) -> None:
        variables = {name: value for name, value in self.interpreter.globals.items() if not name.startswith(".")}
        if self.views is not None:
            from autodiff.engine.tensor import Tensor
            from autodiff.language.protocol import Namespace
            from autodiff.views.render import show_text

            self.stdout.write(show_text(self.views.host, ()))
            others = [f"{name} ({_type_name(value)})" for name, value in variables.items()
                      if not isinstance(value, Tensor | Namespace) and not _holds_parameters(value)]
            if others:
                self.stdout.write("other names: " + ", ".join(others) + "\n")
        else:  # render.py is not installed: a plain table
            self.stdout.write(plain_variable_table(variables) + "\n")
        self.stdout.flush()

    def cmd_graph(self, argument: str) -> None:
        if not argument and self.views is not None:  # the root of the last backward pass, as :explain
            recorder = self.views.host.recorder
            if recorder is None or recorder.last is None or not recorder.last.roots:
                self._info("no backward pass has run in this session: give a name, as in `:graph y`")
                return
            host = self.views.host
            from autodiff.views.graphview import build_graph
            from autodiff.views.render import format_graph

            roots = recorder.last.roots
            names = host.names()
            title = ", ".join(names.of_tensor(t) or "root" for t in roots)
            self.stdout.write(format_graph(build_graph(roots, names, recorder.saved), "tree", color=host.color,
                                           width=host.width, title=title))
            self.stdout.flush()
            return
        found = self._tensor_argument(":graph", argument)
        if found is None:
            return
        name, value = found
        if not _is_tensor(value):
            self._fail(f":graph: {name} is not a tensor (it is a {_type_name(value)} value)")
            return
        if self.views is not None:
            from autodiff.views.graphview import build_graph
            from autodiff.views.render import format_graph

            host = self.views.host
            drawing = build_graph([value], host.names(), host.recorder.saved)
            self.stdout.write(format_graph(drawing, "tree", color=host.color, width=host.width, title=name))
        else:  # graphview.py is not installed: a plain tree
            self.stdout.write(plain_graph(name, value, self.interpreter.globals) + "\n")
        self.stdout.flush()

    def cmd_explain(self, argument: str) -> None:
        if self.views is None:  # explain.py is not installed: a few plain sentences
            found = self._tensor_argument(":explain", argument)
            if found is not None:
                self.stdout.write(plain_explain(*found, self.interpreter.globals) + "\n")
                self.stdout.flush()
            return
        from autodiff.views.render import explain_text, to_text

        views = self.views
        if argument:
            found = self._tensor_argument(":explain", argument)
            if found is None:
                return
            name, value = found
            chains = views.explainer.find(name) or _pass_reaching(views.explainer, value)
        else:
            name, chains = "", views.explainer.find(None)
        if chains is None:
            where = f" from or into {name}" if name else ""
            self._info(f"no backward pass{where} has run in this session: nothing to explain yet "
                       "(try `:explain loss` after `loss.backward()`)")
            return
        host = views.host
        self.stdout.write(to_text(explain_text(chains, host.recorder.completed), color=host.color, width=host.width))
        self.stdout.flush()

    def cmd_load(self, argument: str) -> None:
        path = _path_argument(argument)
        if not path:
            self._fail(":load needs a file name, as in `:load train.py`")
            return
        try:
            source = read_script_file(path, self.timeout)
        except ValueError as exc:
            self._fail(f":load: {exc}")
            return
        if self.execute(source, filename=path):
            # the file's text is kept as it ran (a final expression was echoed: keep it printing)
            self.accepted[-1] = f"# :load {path}\n" + self.accepted[-1]

    def cmd_save(self, argument: str) -> None:
        path = _path_argument(argument)
        if not path:
            self._fail(":save needs a file name, as in `:save session.py`")
            return
        text = session_script(self.accepted)
        try:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            self._fail(f":save: cannot write {path}: {exc.strerror}")
            return
        count = len(self.accepted)
        self._info(f"saved {count} input{'s' if count != 1 else ''} to {path} (run it with `autodiff run {path}`)")


    def cmd_html(self, argument: str) -> None:
        from autodiff.cli.pictures import write_session_page

        path = _path_argument(argument)
        if not path:
            self._fail(":html needs a file name, as in `:html session.html`")
            return
        try:
            from autodiff.cli.scripts import DEFAULT_MAX_STEPS

            write_session_page(session_script(self.accepted), path, max_steps=self.max_steps or DEFAULT_MAX_STEPS,
                               timeout=self.timeout)
        except OSError as exc:
            self._fail(f":html: cannot write {path}: {exc.strerror}")
            return
        count = len(self.accepted)
        self._info(f"wrote a page of {count} input{'s' if count != 1 else ''} to {path} (they ran again as one "
                   "script; open it in a browser)")


# -- saving a session as a script ----------------------------------------------------------------------


def _script_form(source: str, module: Any, value: Any, first_line: int) -> str:
    """The input as a script statement list: an echoed final expression becomes a print of what the REPL
    showed (`x.grad` -> `print(x.grad)`; `print(f"{s!r}")` when str and repr differ, as for strings)."""
    from autodiff.language import nodes
    from autodiff.language.syntax import parse

    text = source.rstrip() + "\n"
    if value is None or not module.body or not isinstance(module.body[-1], nodes.ExprStmt):
        return text
    span = module.body[-1].span
    lines = text.split("\n")
    line, end_line = span.line - first_line, span.end_line - first_line
    if not (0 <= line <= end_line < len(lines)):
        return text
    offsets = [0]
    for item in lines:
        offsets.append(offsets[-1] + len(item) + 1)
    start = offsets[line] + span.column - 1
    end = offsets[end_line] + span.end_column - 1
    expression = text[start:end]
    try:
        same = str(value) == repr(value)
    except Exception:
        same = True
    candidates = []
    if not same and "\n" not in expression:
        for quote in ('"', "'"):
            if quote not in expression and "\\" not in expression:
                field = expression if re.fullmatch(r"[\w.]+", expression) else f"({expression})"
                candidates.append(f"print(f{quote}{{{field}!r}}{quote})")
    candidates.append(f"print({expression})")
    for replacement in candidates:
        rewritten = text[:start] + replacement + text[end:]
        try:
            parse(rewritten)
        except Exception:
            continue
        return rewritten
    return text


def session_script(inputs: list[str]) -> str:
    header = ("# An autodiff REPL session (:save): the inputs that ran without error, in order.\n"
              "# Values the REPL echoed are printed. Replay it with `autodiff run FILE`.\n")
    parts = []
    for text in inputs:
        body = text.rstrip("\n") + "\n"
        first = body.split("\n", 1)[0]
        if parts and first[:1] not in (" ", "\t") and parts[-1].split("\n")[-2][:1] in (" ", "\t"):
            body = "\n" + body  # a blank line after a block, as a reader would write it
        parts.append(body)
    return header + "".join(parts)


# -- :vars, :graph, :explain ----------------------------------------------------------------------------


class _Views:
    """The views of `autodiff run --table`, `graph` and `explain` (graphview.py, explain.py, render.py),
    watching every input the session runs."""

    def __init__(self, host: Any, explainer: Any):
        self.host = host
        self.explainer = explainer


def _make_views(stdout: IO[str], interactive: bool) -> _Views | None:
    """The session's view host, recorder and explainer; None when the view modules are not installed (the
    commands then print the plain texts below)."""
    try:
        from autodiff.views import render  # noqa: F401 - the views draw with it
        from autodiff.views.explain import Explainer
        from autodiff.views.graphview import Recorder, ViewHost
    except ImportError:
        return None
    import shutil

    color = interactive and not os.environ.get("NO_COLOR")
    width = shutil.get_terminal_size().columns if interactive else None
    host = ViewHost(stdout.write, terminal=interactive, color=color, width=width)
    host.recorder = Recorder(host.variables, keep_saved=True)
    return _Views(host, Explainer(host.recorder))


def _pass_reaching(explainer: Any, tensor: Any) -> Any:
    """The last explained pass that delivered a gradient to `tensor` (a leaf)."""
    for chains in reversed(explainer.passes):
        if any(chain.leaf is tensor for chain in chains.leaves):
            return chains
    return None


def _is_tensor(value: Any) -> bool:
    from autodiff.engine.tensor import Tensor

    return isinstance(value, Tensor)


def _type_name(value: Any) -> str:
    from autodiff.language import protocol

    return protocol.type_name(value)


def _holds_parameters(value: Any) -> bool:
    try:
        from autodiff.torch.nn.modules.module import Module
    except ImportError:  # pragma: no cover
        return False
    return isinstance(value, Module)


def _tensor_cells(value: Any) -> list[str]:
    grad = value.grad
    grad_text = "None" if grad is None else " ".join(repr(grad).split())
    if len(grad_text) > 40:
        grad_text = grad_text[:37] + "..."
    return [
        "[" + ", ".join(str(n) for n in value.shape) + "]",
        value.dtype.name,
        str(value.requires_grad),
        str(value.is_leaf),
        value.grad_fn.name if value.grad_fn is not None else "-",
        grad_text,
    ]


def plain_variable_table(variables: dict[str, Any]) -> str:
    """A text table of the session's variables: tensors with their autograd state, then other values."""
    from autodiff.engine.tensor import Tensor
    from autodiff.language import protocol

    if not variables:
        return "(no variables)"
    header = ["name", "shape", "dtype", "requires_grad", "is_leaf", "grad_fn", "grad"]
    rows = [[name, *_tensor_cells(value)] for name, value in variables.items() if isinstance(value, Tensor)]
    lines: list[str] = []
    if rows:
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True)).rstrip())
        for row in rows:
            lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    others = [(name, value) for name, value in variables.items() if not isinstance(value, Tensor)]
    if others:
        if lines:
            lines.append("")
        width = max(len(name) for name, _ in others)
        for name, value in others:
            try:
                text = " ".join(repr(value).split())
            except Exception:
                text = "?"
            if len(text) > 60:
                text = text[:57] + "..."
            lines.append(f"{name.ljust(width)}  {protocol.type_name(value):<10}  {text}")
    return "\n".join(lines)


def _names_by_identity(names: dict[str, Any]) -> dict[int, str]:
    return {id(value): name for name, value in names.items() if not name.startswith(".")}


def plain_graph(name: str, value: Any, names: dict[str, Any]) -> str:
    """The grad_fn graph behind a tensor as an indented tree (leaves named by their variables)."""
    from autodiff.engine.tensor import Tensor

    if not isinstance(value, Tensor):
        return f"{name} is not a tensor"
    if value.grad_fn is None:
        state = "requires grad" if value.requires_grad else "does not require grad"
        return f"{name}: a leaf tensor that {state}; no graph behind it"
    by_id = _names_by_identity(names)
    lines = [f"{name} = {value.grad_fn.name}"]
    seen: set[int] = set()
    stack: list[tuple[Any, str, str]] = [(value.grad_fn, "", "")]
    first = True
    while stack:
        node, prefix, branch = stack.pop()
        if not first:
            label = node.name
            leaf = getattr(node, "leaf", None)
            if leaf is not None:
                label += f" ({by_id.get(id(leaf), 'leaf')})"
            if id(node) in seen and node.next_nodes:
                label += " (shown above)"
            lines.append(prefix + branch + label)
        first = False
        if id(node) in seen:
            continue
        seen.add(id(node))
        children = [child for child in node.next_nodes if child is not None]
        child_prefix = prefix + ("" if branch == "" else ("    " if branch.startswith("└") else "│   "))
        for index in range(len(children) - 1, -1, -1):
            last = index == len(children) - 1
            stack.append((children[index], child_prefix, "└── " if last else "├── "))
    return "\n".join(lines)


def plain_explain(name: str, value: Any, names: dict[str, Any]) -> str:
    """What autograd knows about a tensor, in a few sentences."""
    from autodiff.engine.tensor import Tensor

    if not isinstance(value, Tensor):
        return f"{name} is not a tensor"
    lines = []
    if value.grad_fn is None:
        if value.requires_grad:
            lines.append(f"{name} is a leaf that requires grad: backward() accumulates its gradient into "
                         f"{name}.grad.")
        else:
            lines.append(f"{name} is a tensor that does not require grad: autograd does not track it.")
    else:
        inputs = [child.name for child in value.grad_fn.next_nodes if child is not None]
        lines.append(f"{name} was computed by an operation autograd recorded as {value.grad_fn.name}; "
                     f"backward() passes its gradient on to {', '.join(inputs) or 'nothing'}.")
        if not value.retains_grad:
            lines.append(f"{name} is not a leaf, so {name}.grad stays None unless {name}.retain_grad() is "
                         "called before backward().")
    if value.grad is not None:
        lines.append(f"{name}.grad = {value.grad!r}")
    elif value.grad_fn is None and value.requires_grad:
        lines.append(f"{name}.grad is None: no backward() has reached it yet.")
    return "\n".join(lines)


def _path_argument(argument: str) -> str:
    argument = argument.strip()
    if len(argument) >= 2 and argument[0] == argument[-1] and argument[0] in "'\"":
        argument = argument[1:-1]
    return os.path.expanduser(argument)


# -- front ends -----------------------------------------------------------------------------------------


def run_piped(session: Session, stream: IO[str]) -> int:
    """Read statements from a non-terminal stream; return the exit status (1 if any input failed)."""
    try:
        for text, first_line in split_statements(stream):
            if text.startswith(":"):
                if not session.command(text):
                    break
                continue
            session.execute(text, first_line=first_line)
    except KeyboardInterrupt:
        return 130
    return 1 if session.errors else 0


def run_terminal(session: Session) -> int:
    """The interactive session on a terminal (prompt_toolkit)."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import Completer, Completion, PathCompleter
    from prompt_toolkit.document import Document
    from prompt_toolkit.enums import EditingMode
    from prompt_toolkit.filters import Condition
    from prompt_toolkit.history import FileHistory, InMemoryHistory
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.lexers import PygmentsLexer
    from prompt_toolkit.output import ColorDepth
    from pygments.lexers.python import PythonLexer

    from autodiff import __version__

    class SessionCompleter(Completer):
        paths = PathCompleter(expanduser=True)

        def get_completions(self, document: Document, complete_event: Any) -> Iterable[Completion]:
            before = document.text_before_cursor
            if re.match(r"\s*:(load|save)\s", before) and "\n" not in before:
                argument = before.split(None, 1)[1] if len(before.split(None, 1)) > 1 else ""
                yield from self.paths.get_completions(Document(argument, len(argument)), complete_event)
                return
            length, names = session.completions(before)
            for name in names:
                yield Completion(name, start_position=-length)

    history: Any
    path = history_path()
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "a", encoding="utf-8"):
            pass
        history = FileHistory(path)
    except OSError:
        history = InMemoryHistory()

    bindings = KeyBindings()

    @Condition
    def at_indentation() -> bool:
        from prompt_toolkit.application import get_app

        before = get_app().current_buffer.document.current_line_before_cursor
        return before == "" or before.isspace()

    @bindings.add("enter")
    def _enter(event: Any) -> None:
        buffer = event.current_buffer
        state = buffer.complete_state
        if state is not None and state.current_completion is not None:
            buffer.apply_completion(state.current_completion)
            return
        text = buffer.text
        if buffer.document.text_after_cursor.strip():
            buffer.insert_text("\n" + next_indent(buffer.document.text_before_cursor))
            return
        if text.lstrip().startswith(":") or input_ready(text):
            buffer.text = text.rstrip()  # the history keeps the block without its closing blank line
            buffer.validate_and_handle()
        else:
            buffer.insert_text("\n" + next_indent(text))

    @bindings.add("escape", "enter")
    def _newline(event: Any) -> None:
        buffer = event.current_buffer
        buffer.insert_text("\n" + next_indent(buffer.document.text_before_cursor))

    @bindings.add("tab", filter=at_indentation)
    def _indent(event: Any) -> None:
        event.current_buffer.insert_text(INDENT)

    @bindings.add("backspace", filter=at_indentation)
    def _dedent(event: Any) -> None:
        buffer = event.current_buffer
        before = buffer.document.current_line_before_cursor
        if not before:
            buffer.delete_before_cursor(1)
            return
        buffer.delete_before_cursor((len(before) - 1) % len(INDENT) + 1)

    # NO_COLOR: no colours and no bold either (1-bit depth alone keeps the highlighter's bold keywords)
    plain = bool(os.environ.get("NO_COLOR"))
    color_depth = ColorDepth.DEPTH_1_BIT if plain else None
    prompt = PromptSession(
        history=history, completer=SessionCompleter(), lexer=None if plain else PygmentsLexer(PythonLexer),
        key_bindings=bindings, editing_mode=EditingMode.EMACS, multiline=True,
        prompt_continuation=lambda width, line_number, wrap_count: CONTINUATION,
        complete_while_typing=False, enable_history_search=False, color_depth=color_depth,
        include_default_pygments_style=True,
    )
    print(f"autodiff {__version__}: PyTorch 2.13 autograd, interactively. :help for commands, Ctrl-D to leave.",
          file=session.stdout, flush=True)
    while True:
        try:
            try:
                text = prompt.prompt(PROMPT)
            except KeyboardInterrupt:  # Ctrl-C while typing: drop the input
                continue
            except EOFError:
                break
            if not text.strip():
                continue
            if text.lstrip().startswith(":"):
                if not session.command(text):
                    break
                continue
            session.execute(text)
        except KeyboardInterrupt:  # Ctrl-C outside the script (a command, or between prompt and run)
            session.stderr.write("KeyboardInterrupt\n")
            session.stderr.flush()
    return 0


# -- the supervised session ------------------------------------------------------------------------------
#
# The session's state (the interpreter and its variables) lives in a server process; the front end (prompt,
# piped reader) in the process the user started. Each request runs in a supervised child of the server
# (cli/supervisor.py); when it is done, the child carries on as the server and the old server exits, so an
# input the supervisor had to end (the time limit, a crash, Ctrl-C it did not answer) leaves the session as it
# was before it. Requests go to the server as JSON frames on one pipe; output and replies come back as frames
# on another.

_REPLY = b"r"  # a frame with the JSON reply to a request (output frames are supervisor.STDOUT/STDERR)
_COMPLETION_SECONDS = 10.0  # a completion lookup that takes longer is abandoned


def _write_frame(fd: int, tag: bytes, payload: bytes) -> None:
    import struct

    frame = memoryview(struct.pack(">cI", tag, len(payload)) + payload)
    while frame:
        frame = frame[os.write(fd, frame):]


def _read_frame(fd: int) -> tuple[bytes, bytes] | None:
    import struct

    def exactly(count: int) -> bytes | None:
        data = b""
        while len(data) < count:
            chunk = os.read(fd, count - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    header = exactly(5)
    if header is None:
        return None
    tag, length = struct.unpack(">cI", header)
    payload = exactly(length)
    return None if payload is None else (tag, payload)


def _handle(session: Session, request: dict[str, Any]) -> dict[str, Any]:
    """Carry out one request in the session (in the child that will carry on as the server)."""
    op = request["op"]
    if op == "complete":
        length, names = session.completions(request["text"])
        return {"length": length, "names": names}
    errors = session.errors
    try:
        if op == "execute":
            ok = session.execute(request["text"], first_line=request.get("first_line", 1))
            return {"ok": ok}
        keep_going = session.command(request["line"])
        return {"ok": session.errors == errors, "continue": keep_going}
    except KeyboardInterrupt:  # a piped session stops at Ctrl-C (Session.execute re-raises it)
        return {"ok": False, "interrupted": True}
    except BrokenPipeError:
        raise
    except BaseException as exc:  # a bug in autodiff: report it, keep the session
        from autodiff.cli.diagnostics import format_internal_error

        session.stderr.write(format_internal_error(exc, None, "<stdin>") + "\n")
        return {"ok": False, "continue": True}


class _TakeoverWatch:
    """Fed what the request's child writes on its takeover pipe: b"T" once it is the server."""

    over_limit = False
    broken = False

    def __init__(self) -> None:
        self.taken = False

    def feed(self, data: bytes) -> None:
        self.taken = self.taken or b"T" in data


def serve(session: Session, request_fd: int, output_fd: int, limits: Any) -> None:
    """The session server's loop (never returns): one request at a time, each in a supervised child."""
    import json
    import signal

    from autodiff.cli import supervisor

    while True:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the running input, not the server
        frame = _read_frame(request_fd)
        request = json.loads(frame[1]) if frame is not None else {"op": "quit"}
        if request["op"] == "quit":
            supervisor.exit_child(0)
        completing = request["op"] == "complete"
        request_limits = supervisor.Limits(timeout=_COMPLETION_SECONDS, max_memory=limits.max_memory,
                                           max_output=limits.max_output) if completing else limits
        takeover_read, takeover_write = os.pipe()
        child = supervisor.fork(request_limits, output_fd, own_group=False,
                                encoding=session.stdout.encoding or "utf-8",
                                terminals=(session.stdout.isatty(), session.stderr.isatty()))
        if child is None:  # the request's child: handle it, then carry on as the server (or end)
            os.close(takeover_read)
            reply = _handle(session, request)
            if completing:
                _write_frame(output_fd, _REPLY, json.dumps(reply).encode())
                supervisor.exit_child(0)
            os.write(takeover_write, b"T")
            os.close(takeover_write)
            _flush(session)
            _write_frame(output_fd, _REPLY, json.dumps(reply).encode())
            continue
        os.close(takeover_write)
        watch = _TakeoverWatch()
        ending = supervisor.supervise(child, request_limits, output_fd=takeover_read, relay=watch,  # type: ignore[arg-type]
                                      until=lambda watch=watch: watch.taken)
        os.close(takeover_read)
        if ending is None:  # the child is the server now
            os._exit(0)
        if completing:
            if os.WIFSIGNALED(ending.status) or ending.reason is not None:
                _write_frame(output_fd, _REPLY, json.dumps({"length": 0, "names": []}).encode())
            continue
        what, _ = supervisor.ending_error(ending, child, request_limits)
        source, filename = _request_source(request)
        if what == "KeyboardInterrupt" or ending.reason == "interrupt":
            span = child.span()
            what = f"KeyboardInterrupt at {filename}:{span.line}" if span is not None else "KeyboardInterrupt"
        if what is None:
            what = "error: the input ended the session's process; the session is as it was before it"
        supervisor.report(what, source, filename, session.stderr)
        _write_frame(output_fd, _REPLY, json.dumps({"ok": False, "continue": True,
                                                     "interrupted": ending.reason == "interrupt" and
                                                     not session.interactive}).encode())


def _flush(session: Session) -> None:
    for stream in (session.stdout, session.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass


def read_script_file(path: str, timeout: float | None) -> str:
    """The text of the script `:load` runs, within `autodiff run`'s input limits (its default --max-source, the
    line limit, a FIFO bounded by the timeout); ValueError says why not."""
    import click

    from autodiff.cli.main import load_source

    if path == "-":
        raise ValueError("reads a file, not standard input")
    try:
        return load_source(path, None, None, timeout)[0]
    except click.ClickException as exc:
        raise ValueError(exc.format_message().removeprefix("Invalid value for FILE: ")) from None


def _request_source(request: dict[str, Any]) -> tuple[str | None, str]:
    """(source as the error excerpt should see it, filename) of a request whose child was ended."""
    if request["op"] == "execute":
        return "\n" * (request.get("first_line", 1) - 1) + request["text"], "<stdin>"
    line = request.get("line", "")
    if line.strip().startswith(":load"):
        path = _path_argument(line.strip()[len(":load"):])
        try:
            return read_script_file(path, 1.0), path
        except ValueError:
            return None, path
    return None, "<stdin>"


class SessionEnded(Exception):
    """The session's server process went away (it was killed from outside)."""


class RemoteSession:
    """The front end's handle on a supervised session: the same methods as Session (execute, command,
    completions, errors, stdout, stderr), carried out by the server process."""

    def __init__(self, limits: Any, *, max_steps: int | None = None, timeout: float | None = None,
                 debug: bool = False, interactive: bool = False, max_elements: int | None = None):
        from autodiff.cli import supervisor

        self.stdout = sys.stdout
        self.stderr = sys.stderr
        self.interactive = interactive
        self.errors = 0
        self._reply: dict[str, Any] | None = None
        request_read, self._request_fd = os.pipe()
        self._output_fd, output_write = os.pipe()
        from autodiff.cli.scripts import import_for_scripts

        import_for_scripts()
        # the server itself has no time limit (it times each request); its memory cap covers the session
        server_limits = supervisor.Limits(max_memory=limits.max_memory, max_output=None)
        self._server = supervisor.fork(server_limits, output_write, own_group=True,
                                       encoding=getattr(self.stdout, "encoding", None) or "utf-8",
                                       terminals=(supervisor._is_terminal(self.stdout),
                                                  supervisor._is_terminal(self.stderr)))
        if self._server is None:  # the server
            os.close(self._request_fd)
            os.close(self._output_fd)
            from autodiff.limits import apply_script_limits

            apply_script_limits(max_elements, limits.max_memory)
            session = Session(max_steps=max_steps, timeout=timeout, debug=debug, interactive=interactive)
            serve(session, request_read, output_write, limits)
        os.close(request_read)
        os.close(output_write)
        self._relay = supervisor.Relay(self.stdout, self.stderr, None, on_frame=self._on_frame)

    def _on_frame(self, tag: bytes, payload: bytes) -> None:
        import json

        if tag == _REPLY:
            self._reply = json.loads(payload)

    def _request(self, request: dict[str, Any]) -> dict[str, Any]:
        import json
        import select

        from autodiff.cli import supervisor

        self._reply = None
        _flush(self)  # type: ignore[arg-type]
        try:
            _write_frame(self._request_fd, b"q", json.dumps(request).encode())
        except BrokenPipeError:
            raise SessionEnded from None
        assert self._server is not None
        with supervisor.forwarding_signals(self._server):
            while self._reply is None:
                readable, _, _ = select.select([self._output_fd], [], [], 1.0)
                if not readable:
                    continue
                data = os.read(self._output_fd, 1 << 16)
                if not data:
                    raise SessionEnded
                self._relay.feed(data)
        if self._relay.broken:
            raise BrokenPipeError
        return self._reply

    def execute(self, source: str, *, filename: str = "<stdin>", first_line: int = 1) -> bool:
        reply = self._request({"op": "execute", "text": source, "first_line": first_line})
        if not reply.get("ok"):
            self.errors += 1
        if reply.get("interrupted"):
            raise KeyboardInterrupt
        return bool(reply.get("ok"))

    def command(self, line: str) -> bool:
        name = line.strip().partition(" ")[0]
        if name in (":quit", ":q", ":exit"):
            return False
        reply = self._request({"op": "command", "line": line})
        if not reply.get("ok"):
            self.errors += 1
        if reply.get("interrupted"):
            raise KeyboardInterrupt
        return bool(reply.get("continue", True))

    def completions(self, text_before_cursor: str) -> tuple[int, list[str]]:
        try:
            reply = self._request({"op": "complete", "text": text_before_cursor})
        except SessionEnded:
            return 0, []
        return int(reply.get("length", 0)), list(reply.get("names", []))

    def close(self) -> None:
        """End the session: ask the server to quit, then wait for the first server process."""
        import json

        try:
            _write_frame(self._request_fd, b"q", json.dumps({"op": "quit"}).encode())
        except OSError:
            pass
        for fd in (self._request_fd,):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            while data := os.read(self._output_fd, 1 << 16):  # what is left, until every server is gone
                self._relay.feed(data)
        except OSError:
            pass
        os.close(self._output_fd)
        if self._server is not None:
            self._server.reap()


def _bounded_lines(stream: IO[str], limit: int) -> Iterable[str]:
    """The lines of a piped input, each at most `limit` characters: a line that never ends (`< /dev/zero`)
    stops the input with a LimitError instead of filling the memory."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith("\n"):
            from autodiff.limits import describe

            raise _InputTooLong(f"LimitError: an input line is longer than {describe(limit)} characters (the "
                                "source-size limit)")
        yield line


class _InputTooLong(Exception):
    pass


def main(*, max_steps: int | None = None, timeout: float | None = None, debug: bool = False, limits: Any = None,
         max_elements: int | None = None) -> int:
    """`autodiff repl`: a terminal session when stdin and stdout are terminals, else the piped reader. With
    `limits` (supervisor.Limits) the session runs supervised (see RemoteSession), else in this process."""
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    session: Any
    if limits is not None and hasattr(os, "fork"):
        session = RemoteSession(limits, max_steps=max_steps, timeout=timeout, debug=debug, interactive=interactive,
                                max_elements=max_elements)
    else:
        session = Session(max_steps=max_steps, timeout=timeout, debug=debug, interactive=interactive)
    try:
        if interactive:
            return run_terminal(session)
        from autodiff.cli.main import DEFAULT_MAX_SOURCE
        from autodiff.limits import parse_size

        return run_piped(session, _bounded_lines(sys.stdin, parse_size(DEFAULT_MAX_SOURCE)))
    except _InputTooLong as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    except SessionEnded:
        sys.stderr.write("error: the session's process ended unexpectedly\n")
        return 1
    except BrokenPipeError:
        from autodiff.cli.scripts import silence_stdout

        silence_stdout()
        return 1
    finally:
        if isinstance(session, RemoteSession):
            session.close()
