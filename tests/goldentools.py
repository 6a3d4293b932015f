"""Run a program through autodiff or through real PyTorch, and reduce stderr to `Category: message` lines.

A golden program is `NAME.py` (PyTorch spelling) or `NAME.ad` (autodiff's bare spelling) beside
`NAME.out` (exact stdout) and, when PyTorch warned or failed, `NAME.err`: the warnings as Python showed them
(location, category, message, source line) and the error's `Category: message` line, directories dropped from
paths. The seed programs (tests/seeds) hold `Category: message` lines only.
Expected files are only ever written from PyTorch's output.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "tests" / "seeds"

# Lets a bare-spelling `.ad` program run under real PyTorch: the names autodiff provides without prefixes.
AD_PRELUDE = """\
import torch
from torch import *
from torch import nn
from torch.nn import Parameter
from torch.autograd import Variable, grad
from torch.autograd.functional import jacobian, hessian, vjp, jvp, hvp, vhp
import builtins as _builtins
# `from torch import *` shadows Python's own abs, max, sum, ...; autodiff keeps Python's meaning for them.
for _name in ("abs", "all", "any", "bool", "float", "int", "max", "min", "pow", "range", "round", "sum"):
    globals()[_name] = getattr(_builtins, _name)

_CREATORS_LIKE = (torch.ones_like, torch.zeros_like, torch.rand_like, torch.randn_like)
_CREATORS_SHAPE = (torch.ones, torch.zeros, torch.rand, torch.randn)


def backward(output, gradient=None, retain_graph=None, create_graph=False):
    if gradient in _CREATORS_LIKE:
        gradient = gradient(output)
    elif gradient in _CREATORS_SHAPE:
        gradient = gradient(*output.shape)
    elif isinstance(gradient, (list, tuple, float, int)):
        gradient = torch.tensor(gradient, dtype=output.dtype).expand_as(output)
    output.backward(gradient, retain_graph=retain_graph, create_graph=create_graph)
"""


@dataclass
class Outcome:
    stdout: str
    stderr: str
    exit_code: int

    @property
    def err_lines(self) -> list[str]:
        return reduce_stderr(self.stderr)


_WARNING = re.compile(r"^(\S.*?):(\d+): (\w*Warning): (.*)$")
_ERROR = re.compile(r"^(?:[\w.]+\.)?(\w*(?:Error|Exception)): (.*)$")
_TRIGGERED = re.compile(r" \(Triggered internally at .*\)$")
_FILE_LINE = re.compile(r'^(  File ")([^"]*)(", line \d+, in .*)$')
_CHAINED = ("The above exception was the direct cause", "During handling of the above exception")
_AUTODIFF_OWN = re.compile(r"^(help: |note: |  --> |\s*\d* \|)")


def normal_path(path: str) -> str:
    """A path with its directory dropped: the script's name, or `<torch>/...` inside PyTorch's package."""
    marker = "/site-packages/torch/"
    if marker in path:
        return "<torch>/" + path.split(marker, 1)[1]
    return path if path.startswith("<") else path.rsplit("/", 1)[-1]


def reduce_stderr(text: str) -> list[str]:
    """PyTorch's stderr as `Category: message` lines (file names, source echo and tracebacks dropped)."""
    lines = []
    in_traceback = False
    for line in text.splitlines():
        if line.startswith("Traceback (most recent call last):"):
            in_traceback = True
            continue
        warning = _WARNING.match(line)
        if warning and not in_traceback:
            lines.append(f"{warning.group(3)}: {_TRIGGERED.sub('', warning.group(4))}")
            continue
        if in_traceback and not line.startswith(" "):
            error = _ERROR.match(line)
            if error:
                lines.append(f"{error.group(1)}: {error.group(2)}")
                in_traceback = False
    return lines


def normal_stderr(text: str) -> list[str]:
    """Python's (or autodiff's) stderr with directories dropped from paths: every warning's lines as Python's
    warnings module wrote them (location, category, message, source line); an uncaught error as its
    `Category: message` line (the traceback, and autodiff's own location, excerpt and help lines, dropped)."""
    lines: list[str] = []
    in_traceback = after_error = False
    for line in text.splitlines():
        if line.startswith("Traceback (most recent call last):"):
            in_traceback = True
            continue
        if in_traceback:
            error = _ERROR.match(line) if not line.startswith(" ") else None
            if error:
                lines.append(f"{error.group(1)}: {error.group(2)}")
                in_traceback, after_error = False, True
            continue
        if after_error:  # the rest of the error's message (and, from autodiff, its location) until a chained one
            after_error = not line.startswith(_CHAINED)
            continue
        if not line.strip() or _AUTODIFF_OWN.match(line):
            continue
        warning = _WARNING.match(line)
        if warning:
            line = f"{normal_path(warning.group(1))}:{warning.group(2)}: {warning.group(3)}: {warning.group(4)}"
        file_line = _FILE_LINE.match(line)
        if file_line:
            line = file_line.group(1) + normal_path(file_line.group(2)) + file_line.group(3)
        error = _ERROR.match(line)
        lines.append(f"{error.group(1)}: {error.group(2)}" if error else line)
        after_error = error is not None
    return lines


# Runs a bare-spelling program under PyTorch with its own file name, so warnings point at its lines.
_RUN_AD = """\
import sys
_path = sys.argv[1]
_globals = {"__name__": "__main__", "__file__": _path, "__builtins__": __builtins__}
exec(compile(AD_PRELUDE, "<autodiff prelude>", "exec"), _globals)
with open(_path, encoding="utf-8") as _file:
    _code = compile(_file.read(), _path, "exec")
del sys, _file
exec(_code, _globals)
"""


def run_torch(path: Path, timeout: float = 120) -> Outcome:
    """Run a golden program under real PyTorch as `python NAME.py` would (the `.ad` ones with the prelude that
    gives them autodiff's bare names)."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    if path.suffix == ".ad":
        command = [sys.executable, "-c", f"AD_PRELUDE = {AD_PRELUDE!r}\n" + _RUN_AD, str(path.resolve())]
    else:
        command = [sys.executable, path.name]
    proc = subprocess.run(command, cwd=path.parent, capture_output=True, text=True, timeout=timeout, env=env)
    return Outcome(proc.stdout, proc.stderr, proc.returncode)


def autodiff_command() -> list[str]:
    exe = Path(sys.executable).parent / "autodiff"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "autodiff"]


def run_autodiff(path: Path, *args: str, timeout: float = 120) -> Outcome:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run(
        [*autodiff_command(), "run", *args, path.name], cwd=path.parent, capture_output=True, text=True,
        timeout=timeout, env=env,
    )
    return Outcome(proc.stdout, proc.stderr, proc.returncode)


def expected(path: Path) -> tuple[str, list[str], int]:
    out = path.with_suffix(".out").read_text(encoding="utf-8")
    err_path = path.with_suffix(".err")
    err = err_path.read_text(encoding="utf-8").splitlines() if err_path.exists() else []
    failed = any(_ERROR.match(line) for line in err)
    return out, err, 1 if failed else 0


def write_expected(path: Path, outcome: Outcome) -> None:
    path.with_suffix(".out").write_text(outcome.stdout, encoding="utf-8")
    err_path = path.with_suffix(".err")
    lines = normal_stderr(outcome.stderr)
    if lines:
        err_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif err_path.exists():
        err_path.unlink()


def golden_programs() -> list[Path]:
    """Every program with an expected output: examples/*.ad and tests/golden/*.{py,ad}."""
    programs = sorted((ROOT / "examples").glob("*.ad"))
    programs += sorted(p for p in (ROOT / "tests" / "golden").glob("*") if p.suffix in (".py", ".ad"))
    return [p for p in programs if not p.name.startswith("make_")]


def assert_matches(path: Path, outcome: Outcome) -> None:
    """Stdout byte for byte; each expected stderr line present, in order, in the normalised stderr; the exit
    status. A seed's .err (tests/seeds, recorded by the project) holds `Category: message` lines only."""
    out, err, code = expected(path)
    assert outcome.stdout == out, f"{path.name}: stdout differs"
    seed = path.parent == SEEDS
    stderr_lines = reduce_stderr(outcome.stderr) + [line for line in outcome.stderr.splitlines()
                                                    if _ERROR.match(line)] if seed else normal_stderr(outcome.stderr)
    position = 0
    for line in err:
        try:
            position = stderr_lines.index(line, position) + 1
        except ValueError:
            raise AssertionError(f"{path.name}: expected on stderr: {line!r}\ngot:\n{outcome.stderr}") from None
    assert outcome.exit_code == code, f"{path.name}: exit {outcome.exit_code}, expected {code}\n{outcome.stderr}"
