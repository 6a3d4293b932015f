"""Generated whole programs (tests/fuzzprograms.py): autodiff never fails with anything but its own errors, and
wherever PyTorch is installed, every program gives the same printed output, values and gradients as PyTorch
(or both refuse it, with the same kind of error).

AUTODIFF_FUZZ_EXAMPLES=2000 pytest tests/test_fuzz_programs.py for a longer hunt; the defaults keep all the
fuzzers of the suite within two minutes in CI. Each test adds the number of programs it ran to PROGRAM_COUNTS,
printed at the end of the session (pytest -s, or the terminal summary).
"""

from __future__ import annotations

import builtins
import contextlib
import io
import math
import os

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autodiff.cli.main import main
from autodiff.engine.tensor import Tensor
from autodiff.errors import AutodiffError
from autodiff.language.interpreter import Interpreter
from autodiff.prelude import build_namespace
from fuzzprograms import api_calls, programs, wild_programs

EXAMPLES = int(os.environ.get("AUTODIFF_FUZZ_EXAMPLES", "0")) or None
PROGRAM_COUNTS: dict[str, int] = {}


def fuzz_settings(default: int) -> settings:
    return settings(max_examples=EXAMPLES or default, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


def count(name: str) -> None:
    PROGRAM_COUNTS[name] = PROGRAM_COUNTS.get(name, 0) + 1


class _Output:
    """Where print() writes: one namespace serves every program (building one takes 40 ms)."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()

    def write(self, text: str) -> None:
        self.buffer.write(text)


_OUTPUT = _Output()
_NAMESPACE: list = []


def run_autodiff(source: str) -> tuple[str, dict | None, AutodiffError | None]:
    """(printed output, globals, error): only an AutodiffError may escape the interpreter."""
    out = _OUTPUT.buffer = io.StringIO()
    if not _NAMESPACE:
        _NAMESPACE.extend(build_namespace(_OUTPUT.write))
    names, modules = _NAMESPACE
    interpreter = Interpreter(dict(names), modules, filename="<fuzz>", stderr=io.StringIO(), max_steps=20_000,
                              timeout=10.0, max_depth=60)
    try:
        interpreter.run_source(source)
    except AutodiffError as error:
        assert error.category and error.message is not None
        assert error.span is None or error.span.line >= 1
        return out.getvalue(), None, error
    return out.getvalue(), interpreter.globals, None


# -- no internal errors (runs everywhere, CI included) ---------------------------------------------------


@fuzz_settings(200)
@given(programs())
def test_generated_programs_raise_only_autodiff_errors(source):
    count("generated")
    run_autodiff(source)


def run_statements(source: str) -> None:
    """Run each top-level statement on its own in one interpreter, going on after errors (as a REPL does), so
    that every statement runs even when an earlier one failed."""
    out = _OUTPUT.buffer = io.StringIO()
    if not _NAMESPACE:
        _NAMESPACE.extend(build_namespace(_OUTPUT.write))
    names, modules = _NAMESPACE
    interpreter = Interpreter(dict(names), modules, filename="<fuzz>", stderr=io.StringIO(), max_steps=20_000,
                              timeout=10.0, max_depth=60)
    chunks: list[str] = []
    for line in source.splitlines():
        if line.startswith((" ", "else:")) and chunks:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line)
    for chunk in chunks:
        try:
            interpreter.run_source(chunk + "\n", echo=True)
        except AutodiffError as error:
            assert error.category and error.message is not None
    assert isinstance(out.getvalue(), str)


@fuzz_settings(150)
@given(wild_programs())
def test_wild_programs_raise_only_autodiff_errors(source):
    count("wild")
    run_statements(source)


@fuzz_settings(600)
@given(api_calls())
def test_every_builtin_with_arbitrary_arguments_raises_only_autodiff_errors(source):
    count("api")
    run_statements(source)


@fuzz_settings(5)
@given(st.one_of(programs(), wild_programs()))
def test_cli_never_shows_a_traceback(source):
    count("cli")
    result = CliRunner().invoke(main, ["run", "--max-steps", "20000", "--timeout", "20", "-e", source])
    assert result.exit_code in (0, 1), result.output
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    if result.exit_code == 1:
        assert result.stderr.strip(), "an error exit says why"
    else:  # a run that succeeds may still warn, as PyTorch does (`file:line: UserWarning: ...`, then its source)
        for line in result.stderr.splitlines():
            assert "Warning: " in line or line.startswith("  "), result.stderr


# -- the same as PyTorch (runs where torch is installed) -----------------------------------------------------


def run_torch(source: str) -> tuple[str, dict | None, BaseException | None]:
    torch = pytest.importorskip("torch")
    out = io.StringIO()
    namespace = {"__builtins__": builtins, "torch": torch}
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                exec(compile(source, "<fuzz>", "exec"), namespace)
    except Exception as error:  # noqa: BLE001 - any PyTorch error is a refusal to compare with
        return out.getvalue(), None, error
    return out.getvalue(), namespace, None


def _array(value):
    if isinstance(value, Tensor):
        return value.array
    return value.detach().numpy()


def _close(ours: np.ndarray, theirs: np.ndarray) -> bool:
    if ours.shape != theirs.shape or ours.dtype != theirs.dtype:
        return False
    if ours.dtype == np.float64:
        return bool(np.allclose(ours, theirs, rtol=1e-7, atol=1e-9, equal_nan=True))
    return bool(np.allclose(ours, theirs, rtol=2e-5, atol=1e-6, equal_nan=True))


def _same_value(ours, theirs, torch, where: str) -> None:
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, Tensor), where
        assert _close(_array(ours), _array(theirs)), f"{where}: {ours!r} != {theirs!r}"
        assert ours.requires_grad == theirs.requires_grad, f"{where}: requires_grad"
        assert (ours.grad_fn is None) == (theirs.grad_fn is None), f"{where}: grad_fn"
        if theirs.grad_fn is not None:
            assert ours.grad_fn.name == type(theirs.grad_fn).__name__, f"{where}: grad_fn name"
        if theirs.is_leaf or theirs.retains_grad:
            with contextlib.suppress(Exception):
                import warnings

                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    grad = theirs.grad
                assert (ours.grad is None) == (grad is None), f"{where}.grad: {ours.grad!r} != {grad!r}"
                if grad is not None:
                    assert _close(_array(ours.grad), _array(grad)), f"{where}.grad: {ours.grad!r} != {grad!r}"
    elif isinstance(theirs, (tuple, list)) and theirs and isinstance(theirs[0], torch.Tensor | type(None)):
        assert len(ours) == len(theirs), where
        for i, (a, b) in enumerate(zip(ours, theirs)):
            if b is None:
                assert a is None, f"{where}[{i}]"
            else:
                _same_value(a, b, torch, f"{where}[{i}]")
    elif isinstance(theirs, (int, float, bool)):
        assert ours == theirs or (isinstance(theirs, float) and math.isnan(theirs) and math.isnan(ours)), where


# PyTorch's exception classes by the category autodiff reports.
CATEGORIES = {"RuntimeError": "RuntimeError", "IndexError": "IndexError", "TypeError": "TypeError",
              "ValueError": "ValueError", "NotImplementedError": "NotImplementedError"}


def compare_with_pytorch(source: str) -> None:
    torch = pytest.importorskip("torch")
    our_out, ours, our_error = run_autodiff(source)
    their_out, theirs, their_error = run_torch(source)
    if their_error is not None:
        assert our_error is not None, f"PyTorch refused with {type(their_error).__name__}: {their_error}"
        assert our_error.category == type(their_error).__name__, (
            f"autodiff: {our_error}\nPyTorch: {type(their_error).__name__}: {their_error}")
        return
    assert our_error is None, f"autodiff refused what PyTorch ran: {our_error} (line {our_error.span})"
    assert our_out == their_out
    for name, value in theirs.items():
        if name.startswith("__") or name == "torch" or callable(value):
            continue
        _same_value(ours[name], value, torch, name)


@pytest.mark.oracle
@fuzz_settings(200)
@given(programs())
def test_generated_programs_match_pytorch(source):
    count("oracle")
    compare_with_pytorch(source)


@pytest.mark.oracle
@pytest.mark.parametrize("source", [
    "import torch\nx = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)\n"
    "y = torch.maximum(x, x)\ny.sum().backward()\nprint(x.grad)\n",
    "import torch\nx = torch.tensor([[1.0, 2.0]], requires_grad=True)\ny = (x @ x.t()).sum()\n"
    "y.backward(retain_graph=True)\ny.backward()\nprint(x.grad)\n",
    "import torch\nx = torch.tensor([0.0, -0.0, 1.0], dtype=torch.float64, requires_grad=True)\n"
    "y = x.abs().sum() + x.relu().sum() + x.clamp(min=0.0).sum()\ny.backward()\nprint(x.grad)\n",
])
def test_known_programs_match_pytorch(source):
    compare_with_pytorch(source)


@pytest.mark.oracle
@pytest.mark.xfail(strict=True, reason="known gap: autodiff does not track views of a base tensor")
@pytest.mark.parametrize("source", [
    # a view made under no_grad of a tensor that requires grad still says requires_grad=True in PyTorch
    "import torch\nx = torch.ones(2, requires_grad=True)\ny = x * 2\nwith torch.no_grad():\n    v = y.reshape(2, 1)\n",
    # an in-place change through a view under no_grad gives the view a new grad_fn in PyTorch
    "import torch\nx = torch.ones(2, 3, requires_grad=True)\nv = (x * 2).mean(1, True).squeeze(-1)\n"
    "with torch.no_grad():\n    v.zero_()\n",
])
def test_view_semantics_gaps(source):
    compare_with_pytorch(source)


def pytest_terminal_summary(terminalreporter):  # pragma: no cover - shown when run as a plugin
    terminalreporter.write_line(f"fuzzed programs: {PROGRAM_COUNTS}")
