"""`autodiff run`: output, the error report format (message, position, caret) and exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from autodiff.cli.main import main
from goldentools import reduce_stderr

SEEDS = Path(__file__).resolve().parent / "seeds"
AUTODIFF = [sys.executable, "-m", "autodiff"]


def invoke(*args: str, source: str | None = None, tmp_path: Path | None = None, input: str | None = None):
    arguments = list(args)
    if source is not None:
        assert tmp_path is not None
        script = tmp_path / "script.py"
        script.write_text(source, encoding="utf-8")
        arguments.append(str(script))
    return CliRunner().invoke(main, arguments, input=input)


def test_run_prints_and_exits_zero(tmp_path):
    result = invoke("run", source="# coding utf-8\n# 中文注释\nx = [1, 2]\nprint('和', sum(x))\n", tmp_path=tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stdout == "和 3\n"
    assert result.stderr == ""


def test_run_expression_and_stdin():
    result = invoke("run", "-e", "x = 2; y = x * 3; print(y)")
    assert (result.exit_code, result.stdout) == (0, "6\n")
    result = invoke("run", "-", input="print('from stdin')\n")
    assert (result.exit_code, result.stdout) == (0, "from stdin\n")


def test_syntax_error_report(tmp_path):
    result = invoke("run", source="x = 1\nprint(x))\n", tmp_path=tmp_path)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == f"{tmp_path / 'script.py'}:2:9: error: unmatched ')'"
    assert lines[2] == "2 | print(x))"
    assert lines[3] == "  |         ^"
    assert result.stdout == ""


def test_unclosed_bracket_points_at_the_opening_bracket():
    result = invoke("run", "-e", "x = foo(1,\n\ny = 2")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "<string>:1:8: error: '(' was never closed"
    assert lines[3] == "  |        ^"


@pytest.mark.parametrize("source, first_line", [
    ("if x:\n\tpass\n        pass\n", "<string>:3:1: error: inconsistent use of tabs and spaces in indentation"),
    ("x = 1\n    y = 2\n", "<string>:2:1: error: unexpected indent"),
    ("x = )", "<string>:1:5: error: unmatched ')'"),
    ("x = (1 +)", "<string>:1:9: error: unexpected ')': expected an expression"),
    ("async def f():\n    pass\n", "<string>:1:1: error: `async` code is not supported in autodiff scripts"),
    ("try:\n    pass\n", "<string>:1:1: error: expected 'except' or 'finally' block"),
    ("return 3", "<string>:1:1: error: 'return' outside function"),
])
def test_syntax_error_kinds(source, first_line):
    result = invoke("run", "-e", source)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == first_line


def test_runtime_error_report(tmp_path):
    result = invoke("run", source="a = [1, 2]\nprint(a[0])\nb = a[5] + 1\nprint('not reached')\n", tmp_path=tmp_path)
    assert result.exit_code == 1
    assert result.stdout == "1\n"
    assert result.stderr.splitlines() == [
        "IndexError: list index out of range",
        f"  --> {tmp_path / 'script.py'}:3:5",
        "  |",
        "3 | b = a[5] + 1",
        "  |     ^^^^",
    ]


@pytest.mark.parametrize("source, first_line, position", [
    ("print(lenn([1]))", "NameError: name 'lenn' is not defined; did you mean 'len'?", "<string>:1:7"),
    ("import os", "ModuleNotFoundError: module 'os' is not available in autodiff scripts: scripts run in a sandbox",
     "<string>:1:8"),
    ("x = 1\nx.__class__.__dict__", "AttributeError: type object 'int' has no attribute '__dict__'",
     "<string>:2:1"),
    ("open('f')", "NameError: name 'open' is not defined", "<string>:1:1"),
    ("x = 1 / 0", "ZeroDivisionError: division by zero", "<string>:1:5"),
    ("len(1)", "TypeError: object of type 'int' has no len()", "<string>:1:1"),
    ("def f(n):\n    return f(n)\nf(1)", "RecursionError: maximum recursion depth exceeded", "<string>:2:12"),
])
def test_runtime_error_kinds(source, first_line, position):
    result = invoke("run", "-e", source)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(first_line)
    assert lines[1] == f"  --> {position}"


def test_pytorch_runtime_error_line_is_exact():
    result = invoke("run", "-e", "import torch\nx = torch.ones(2, requires_grad=True)\ny = x * 2\ny.backward()")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:2] == [
        "RuntimeError: grad can be implicitly created only for scalar outputs",
        "  --> <string>:4:1",
    ]


def test_help_line_and_call_notes():
    result = invoke("run", "--max-steps", "100", "-e", "while True:\n    pass")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "LimitError: the script ran more than 100 statements (the step limit)"
    assert result.stderr.splitlines()[-1] == "help: raise the limit with --max-steps"
    result = invoke("run", "-e", "def f():\n    return 1 / 0\ndef g():\n    return f()\ng()")
    assert result.stderr.splitlines()[-2:] == [
        "note: in f(), called from <string>:4:12",
        "note: in g(), called from <string>:5:1",
    ]


def test_timeout_option():
    result = invoke("run", "--timeout", "0.2", "-e", "while True:\n    x = 1")
    assert result.exit_code == 1
    assert result.stderr.startswith("LimitError: the script ran longer than the time limit of 0.2 s")


def test_usage_errors_exit_two(tmp_path):
    assert invoke("run").exit_code == 2
    assert invoke("run", "-e", "print(1)", str(tmp_path / "x.py")).exit_code == 2
    assert invoke("run", str(tmp_path / "missing.py")).exit_code == 2
    assert invoke("run", "--max-steps", "0", "-e", "pass").exit_code == 2
    assert invoke("frobnicate").exit_code == 2


def test_version_and_help():
    result = invoke("--version")
    assert result.exit_code == 0 and "autodiff" in result.stdout and "0." in result.stdout
    result = invoke("run", "--help")
    assert result.exit_code == 0 and "autodiff run examples/leaf_tensors.ad" in result.stdout
    assert "--max-steps" in result.stdout


def test_internal_errors_are_reported_as_such(monkeypatch):
    from autodiff.language import interpreter

    def broken(self, text, **options):
        raise RuntimeError("something broke")

    monkeypatch.setattr(interpreter.Interpreter, "run_source", broken)
    result = invoke("run", "-e", "print(1)")
    assert result.exit_code == 1
    assert result.stderr.startswith("internal error: RuntimeError: something broke; please report this")
    assert "Traceback" not in result.stderr
    result = invoke("run", "--debug", "-e", "print(1)")
    assert "Traceback" in result.stderr


def test_output_and_warnings_interleave_in_order(tmp_path):
    script = tmp_path / "order.py"
    script.write_text("import torch\nx = torch.ones(2, requires_grad=True)\ny = x * 2\nprint('before')\n"
                      "print(y.grad)\nprint('after')\n", encoding="utf-8")
    done = subprocess.run([*AUTODIFF, "run", str(script)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=120)
    lines = done.stdout.splitlines()
    assert done.returncode == 0
    assert lines[0] == "before"
    assert lines[1].startswith(f"{script}:5: UserWarning: The .grad attribute of a Tensor that is not a leaf Tensor")
    assert lines[2:] == ["  print(y.grad)", "None", "after"]


@pytest.mark.parametrize("seed", sorted(p.stem for p in SEEDS.glob("*.py")) if SEEDS.exists() else [])
def test_seed_programs_match_pytorch(seed):
    done = subprocess.run([*AUTODIFF, "run", str(SEEDS / f"{seed}.py")], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    expected_out = (SEEDS / f"{seed}.out").read_text(encoding="utf-8") if (SEEDS / f"{seed}.out").exists() else ""
    expected_err = SEEDS / f"{seed}.err"
    assert done.stdout == expected_out
    if expected_err.exists():  # the seeds hold `Category: message` lines: Python's location dropped
        shown = reduce_stderr(done.stderr) + done.stderr.splitlines()
        for line in expected_err.read_text(encoding="utf-8").splitlines():
            assert line in shown
    else:
        assert done.stderr == ""
