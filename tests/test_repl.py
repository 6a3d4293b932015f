"""`autodiff repl` on a real pseudo-terminal (pexpect), with piped input, and `autodiff run -`/`-e` in pipes."""

from __future__ import annotations

import importlib.util
import io
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autodiff.cli import repl as repl_module
from autodiff.cli.repl import Session, input_ready, split_statements
from autodiff.engine import autograd

BIN = Path(sys.executable).parent / "autodiff"
AUTODIFF = str(BIN) if BIN.exists() else shutil.which("autodiff")

VIEWS = all(importlib.util.find_spec(f"autodiff.views.{name}") is not None
            for name in ("render", "graphview", "explain"))
needs_binary = pytest.mark.skipif(AUTODIFF is None, reason="the autodiff script is not installed")


def autodiff(*args: str, input: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([AUTODIFF, *args], input=input, capture_output=True, text=True, timeout=60, env=env)


# -- a terminal session -----------------------------------------------------------------------------------

pexpect = pytest.importorskip("pexpect") if os.name == "posix" else None
# A new prompt: prompt_toolkit switches bracketed paste on, then draws `>>>` (its trailing space is a cursor
# move); redraws while typing do not switch it on again.
PROMPT = r"\x1b\[\?2004h[^>]*>>>"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
MORE = r"\.\.\."


@pytest.fixture
def terminal(tmp_path):
    """A REPL on a pseudo-terminal with a private HOME and XDG_DATA_HOME; yields (child, data dir)."""
    if AUTODIFF is None or pexpect is None:
        pytest.skip("needs the autodiff script and a POSIX pseudo-terminal")
    data = tmp_path / "data"
    env = dict(os.environ, HOME=str(tmp_path), XDG_DATA_HOME=str(data), TERM="xterm-256color",
               PROMPT_TOOLKIT_NO_CPR="1", COLUMNS="120", LINES="40")
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(AUTODIFF, ["repl"], env=env, cwd=str(tmp_path), encoding="utf-8", timeout=60,
                          dimensions=(40, 120))
    child.expect(PROMPT)
    yield child, tmp_path
    if child.isalive():
        child.terminate(force=True)


def enter(child, line: str, *expected: str) -> str:
    """Type a line, wait for each expected pattern, then for the next prompt; returns what came before it."""
    child.send(line + "\r")
    for pattern in expected:
        child.expect(pattern)
    child.expect(PROMPT)
    return ANSI.sub("", child.before)


def test_echo_assignments_silent_and_history(terminal):
    child, home = terminal
    assert "requires_grad=True)\r\n" not in enter(child, "x = tensor(3.0, requires_grad=True)")
    assert "tensor" not in enter(child, "y = x**2")
    assert "None" not in enter(child, "y.backward()")
    enter(child, "x.grad", r"tensor\(6\.\)")
    assert "None\r\n" not in enter(child, "None")
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    history = (home / "data" / "autodiff" / "history").read_text(encoding="utf-8")
    assert "+x.grad" in history and "+y.backward()" in history


def test_multiline_def_and_loop(terminal):
    child, _ = terminal
    child.send("def f(t):\r")
    child.expect(MORE)
    child.send("return t * 2\r")  # the body is indented for us, as in Python 3.13's REPL
    child.expect(MORE)
    enter(child, "")
    enter(child, "f(tensor(3.0, requires_grad=True))", r"tensor\(6\., grad_fn=<MulBackward0>\)")
    child.send("for i in range(3):\r")
    child.expect(MORE)
    child.send("print(i * 10)\r")
    child.expect(MORE)
    enter(child, "", "0", "10", "20")


def test_tab_completion_after_a_dot(terminal):
    child, _ = terminal
    enter(child, "x = tensor([1.0, 2.0], requires_grad=True)")
    child.send("x.gr\t")
    child.expect("grad_fn")  # the menu lists the tensor's attributes
    child.send("\x07\x01\x0b")  # Ctrl-G closes the menu, Ctrl-A Ctrl-K clear the line (Emacs keys)
    child.send("x.sum().bac")  # not a plain name chain: nothing is evaluated or completed
    child.send("\x01\x0b")
    child.send("x.bac\t")
    child.expect("backward")
    child.send("\x05")  # Ctrl-E: end of line
    enter(child, "")  # x.backward: echoes the bound method
    child.send("tor\t")
    child.expect("torch")
    child.send(".no_g\t")
    child.expect("no_grad")
    enter(child, "", r"<.*no_grad.*>")


def test_vars_graph_explain(terminal):
    child, _ = terminal
    enter(child, "w = tensor([1.0, 2.0], requires_grad=True)")
    enter(child, "loss = (w * w).sum()")
    enter(child, "n = 3")
    if VIEWS:  # render.py, graphview.py and explain.py draw the views
        enter(child, ":vars", "req_", "SumBackward0", "other names: n")
        enter(child, ":graph loss", "SumBackward0", "MulBackward0", r"AccumulateGrad")
        enter(child, ":explain loss", "nothing to explain yet")
        enter(child, "loss.backward()")
        enter(child, ":explain w", "Backward pass 1", r"equals w\.grad")
    else:
        enter(child, ":vars", "is_leaf", "SumBackward0", "n  ")
        enter(child, ":graph loss", "SumBackward0", "MulBackward0", r"AccumulateGrad")
        enter(child, ":explain w", "leaf")
    enter(child, ":graph nothing", "not defined")
    enter(child, ":help", ":save FILE")
    enter(child, ":reset", "reset")
    enter(child, "w", "NameError")


def test_error_then_session_goes_on(terminal):
    child, _ = terminal
    enter(child, "a = tensor([1.0, 2.0])")
    enter(child, "b = a + tensor([1.0, 2.0, 3.0])", "RuntimeError", r"\^")
    enter(child, "1 +", "SyntaxError|error")
    enter(child, "a * 2", r"tensor\(\[2\., 4\.\]\)")


def test_ctrl_c_stops_a_loop_and_restores_grad_mode(terminal):
    child, _ = terminal
    enter(child, "x = tensor(2.0, requires_grad=True)")
    child.send("with no_grad():\r")
    child.expect(MORE)
    child.send("print('loop' + 'ing')\r")
    child.expect(MORE)
    child.send("while True:\r")
    child.expect(MORE)
    child.send("pass\r")
    child.expect(MORE)
    child.send("\r")
    child.expect("looping")
    time.sleep(0.3)
    child.sendintr()
    child.expect("KeyboardInterrupt")
    child.expect(PROMPT)
    enter(child, "is_grad_enabled()", "True")
    enter(child, "(x * 3).requires_grad", "True")
    # Ctrl-C at the prompt cancels the input being typed
    child.send("this is not run")
    child.sendintr()
    child.expect(PROMPT)
    enter(child, "x", r"tensor\(2\., requires_grad=True\)")
    assert child.isalive()


def test_save_then_run_reproduces_the_values(terminal):
    child, home = terminal
    enter(child, "x = tensor([1.0, -2.0], requires_grad=True)")
    child.send("def loss(t):\r")
    child.expect(MORE)
    child.send("return (t ** 3).sum()\r")
    child.expect(MORE)
    enter(child, "")
    enter(child, "L = loss(x)")
    enter(child, "L", r"tensor\(-7\., grad_fn=<SumBackward0>\)")
    enter(child, "nope + 1", "NameError")  # failed inputs are not saved
    enter(child, "L.backward()")
    enter(child, "x.grad", r"tensor\(\[ 3\., 12\.\]\)")
    enter(child, "'done'", "'done'")
    enter(child, ":save session.py", "saved 7 inputs")
    child.sendeof()
    child.expect(pexpect.EOF)
    saved = home / "session.py"
    script = saved.read_text(encoding="utf-8")
    assert "nope" not in script
    result = autodiff("run", str(saved))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "tensor(-7., grad_fn=<SumBackward0>)\ntensor([ 3., 12.])\n'done'\n"


def test_load_runs_a_script_into_the_session(terminal):
    child, home = terminal
    (home / "setup.py").write_text("w = tensor([3.0], requires_grad=True)\nprint('loaded')\n", encoding="utf-8")
    enter(child, ":load setup.py", "loaded")
    enter(child, "(w * w).sum().backward()")
    enter(child, "w.grad", r"tensor\(\[6\.\]\)")
    enter(child, ":load missing.py", "cannot read")
    child.send(":quit\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


# -- piped input --------------------------------------------------------------------------------------------


@needs_binary
def test_piped_repl_prints_only_values():
    result = autodiff("repl", input="x = tensor(3.0, requires_grad=True)\ny = x**2\ny.backward()\nx.grad\n")
    assert (result.returncode, result.stdout, result.stderr) == (0, "tensor(6.)\n", "")


@needs_binary
def test_an_echoed_value_whose_repr_recurses_is_a_recursion_error_of_its_line():
    # Python's REPL echoes `m.append(m)` (it returns m) and fails in repr; print(m) fails the same way.
    source = "import torch\nm = torch.nn.ModuleList()\nm.append(m)\nprint(m)\n"
    result = autodiff("repl", input=source)
    errors = [line for line in result.stderr.splitlines() if line.startswith(("RecursionError", "  -->"))]
    assert result.returncode == 1 and "internal error" not in result.stderr
    assert errors == ["RecursionError: maximum recursion depth exceeded", "  --> <stdin>:3:1",
                      "RecursionError: maximum recursion depth exceeded", "  --> <stdin>:4:1"]


@needs_binary
def test_piped_repl_blocks_errors_and_exit_status():
    source = (
        "def f(t):\n"
        "    return t * t\n"
        "x = tensor([1.0, 2.0], requires_grad=True)\n"  # a dedented line ends the block
        "for i in range(2):\n"
        "    print(i)\n"
        "\n"
        "if x.grad is None:\n"
        "    print('no grad yet')\n"
        "else:\n"
        "    print('grad')\n"
        "y = undefined + 1\n"
        "f(x).sum()\n"
        "'text'\n"
        "None\n"
    )
    result = autodiff("repl", input=source)
    assert result.returncode == 1
    assert result.stdout == "0\n1\nno grad yet\ntensor(5., grad_fn=<SumBackward0>)\n'text'\n"
    assert result.stderr.splitlines()[0].startswith("NameError: name 'undefined' is not defined")
    assert result.stderr.splitlines()[1] == "  --> <stdin>:11:5"  # lines count from the start of the input
    assert "\x1b[" not in result.stdout + result.stderr and ">>>" not in result.stdout


@needs_binary
def test_piped_repl_commands_and_save(tmp_path):
    saved = tmp_path / "s.py"
    source = f"a = tensor([2.0], requires_grad=True)\nb = a * a\nb\n:vars\n:save {saved}\n:quit\nprint('not run')\n"
    result = autodiff("repl", input=source)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "tensor([4.], grad_fn=<MulBackward0>)"
    assert any(line.startswith("b ") and "MulBackward0" in line for line in lines)
    assert "not run" not in result.stdout
    replay = autodiff("run", str(saved))
    assert replay.stdout == "tensor([4.], grad_fn=<MulBackward0>)\n"


@needs_binary
def test_run_reads_stdin_and_one_liners():
    script = "x = tensor(3.0, requires_grad=True)\ny = x**2\ny.backward()\nprint(x.grad)\n"
    result = autodiff("run", "-", input=script)
    assert (result.returncode, result.stdout, result.stderr) == (0, "tensor(6.)\n", "")
    result = autodiff("run", "-e", "print(ones(2,2)*3)")  # stdout is a pipe: no colour codes
    assert (result.returncode, result.stdout) == (0, "tensor([[3., 3.],\n        [3., 3.]])\n")


def test_exit_status_of_run_and_repl():
    from click.testing import CliRunner

    from autodiff.cli.main import main

    def status(*args: str, input: str | None = None) -> int:
        return CliRunner().invoke(main, list(args), input=input).exit_code

    assert status("run", "-e", "x = 1 / 0") == 1
    assert status("run", "-", input="x = (\n") == 1
    assert status("run") == 2
    assert status("run", "-e", "x = 1", "file.py") == 2
    assert status("repl", "--no-such-option") == 2
    assert status("repl", input="x = 1\nx\n") == 0
    assert status("repl", input="x = 1 / 0\nx = 2\n") == 1


def test_prompt_toolkit_is_imported_only_by_the_repl():
    code = (
        "import sys\n"
        "from autodiff.cli.main import main\n"
        "sys.argv = ['autodiff', 'run', '-e', 'x = ones(2)']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "assert 'prompt_toolkit' not in sys.modules and 'pygments' not in sys.modules, 'imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


# -- the pieces, in-process ---------------------------------------------------------------------------------


def test_input_ready_follows_pythons_rules():
    assert input_ready("x = 1")
    assert not input_ready("for i in range(3):")
    assert not input_ready("for i in range(3):\n    print(i)")
    assert input_ready("for i in range(3):\n    print(i)\n    ")
    assert not input_ready("with no_grad():\n    while True:")  # a nested header waits for its body
    assert not input_ready("if x:\n    y = (1,")  # open brackets wait, even inside a block
    assert not input_ready("x = (1,\n\n")
    assert not input_ready("s = '''abc")
    assert input_ready("if x:\n\n")  # a blank line after a header is Python's "expected an indented block"
    assert input_ready("x = )")
    assert input_ready("x = 1 +")


def test_split_statements_groups_blocks():
    lines = ["x = 1\n", "def f():\n", "    return 2\n", "y = f()\n", "if y:\n", "    z = 1\n", "else:\n",
             "    z = 2\n", "\n", ":vars\n", "z\n"]
    groups = list(split_statements(lines))
    assert groups == [("x = 1\n", 1), ("def f():\n    return 2\n", 2), ("y = f()\n", 4),
                      ("if y:\n    z = 1\nelse:\n    z = 2\n\n", 5), (":vars", 10), ("z\n", 11)]


def session() -> tuple[Session, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return Session(stdout=out, stderr=err, interactive=True), out, err


def test_completion_never_calls_functions():
    repl, out, err = session()
    repl.execute("x = tensor([1.0], requires_grad=True)\ny = x * 2\nimport torch")
    calls = []
    repl.interpreter.globals["g"] = lambda: calls.append(1)
    assert "backward" in repl.completions("x.bac")[1]
    assert repl.completions("x.grad") == (4, ["grad", "grad_fn"])
    assert "no_grad" in repl.completions("torch.no_")[1]
    assert "Linear" in repl.completions("torch.nn.Lin")[1]
    assert repl.completions("g().x") == (0, [])
    assert repl.completions("f(x).gr") == (0, [])
    assert calls == []
    assert "x" in repl.completions("print(x")[1]
    assert repl.completions(":gr") == (3, [":graph"])
    assert "y" in repl.completions(":explain y")[1]
    assert repl.completions("y.grad.sh") == (2, [])  # y.grad is None (and reading it warns in a script)
    assert repl.completions("x.grad_fn.na") == (2, [])  # x is a leaf: grad_fn is None
    assert "name" in repl.completions("y.grad_fn.na")[1]
    assert err.getvalue() == ""  # reading y.grad during completion does not warn


def test_keyboard_interrupt_inside_no_grad_restores_grad_mode():
    repl, out, err = session()

    def interrupt():
        raise KeyboardInterrupt

    repl.interpreter.globals["stop"] = interrupt
    assert not repl.execute("with no_grad():\n    y = 1\n    stop()\n")
    assert autograd.is_grad_enabled()
    assert err.getvalue().startswith("KeyboardInterrupt at <stdin>:3")
    assert repl.execute("y")
    assert out.getvalue() == "1\n"
    assert repl.accepted == ["print(y)\n"]


def test_script_form_of_echoed_inputs():
    repl, out, err = session()
    repl.execute("s = 'a'")
    repl.execute("s")
    repl.execute("x = (1 +\n     2)")
    repl.execute("x; s  # both")
    repl.execute("print(x)")
    assert repl.accepted == ["s = 'a'\n", 'print(f"{s!r}")\n', "x = (1 +\n     2)\n", "x; print(f\"{s!r}\")  # both\n",
                             "print(x)\n"]


def test_plain_views_without_the_view_modules(monkeypatch):
    monkeypatch.setattr(repl_module, "_make_views", lambda stdout, interactive: None)
    repl, out, err = session()
    repl.execute("w = tensor([1.0, 2.0], requires_grad=True)\nloss = (w * w).sum()\nn = 3")
    for command in (":vars", ":graph loss", ":explain loss", ":explain w", ":graph n"):
        assert repl.command(command)
    text = out.getvalue()
    assert "loss  []" in text and "SumBackward0" in text and "AccumulateGrad (w)" in text
    assert "w is a leaf that requires grad" in text
    assert err.getvalue() == "error: :graph: n is not a tensor (it is a int value)\n"


@needs_binary
def test_piped_views_have_no_colour():
    source = "w = tensor([1.0, 2.0], requires_grad=True)\nloss = (w * w).sum()\nloss.backward()\n"
    result = autodiff("repl", input=source + ":vars\n:graph loss\n:explain w\n:help\n")
    assert result.returncode == 0, result.stderr
    assert "\x1b[" not in result.stdout
    assert "SumBackward0" in result.stdout and ":save FILE" in result.stdout
