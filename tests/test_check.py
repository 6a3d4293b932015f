"""`autodiff check`: every backward pass of a script re-derived by central finite differences.

The seeds and examples must pass; gradients cut by .detach()/.data/.item() must fail with a table that says which
leaf, which element and by how much; loops, in-place updates, optimizers, retain_graph and graphs built before an
earlier backward must be compared with the value each pass actually read.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autodiff import checker
from autodiff.language.interpreter import Interpreter
from autodiff.prelude import build_namespace

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "tests" / "seeds"
PROGRAMS = sorted(SEEDS.glob("*.py")) + sorted((ROOT / "examples").glob("*.ad"))

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="autodiff check needs os.fork")


def check(source: str, max_elements: int = checker.DEFAULT_MAX_ELEMENTS) -> checker.CheckReport:
    names, modules = build_namespace(lambda text: None)
    interpreter = Interpreter(names, modules, on_warning=lambda *args: None)
    return checker.check_source(textwrap.dedent(source), "<test>", interpreter, max_elements=max_elements)


def rows(report: checker.CheckReport) -> dict[tuple[int | None, str], checker.LeafRow]:
    return {(row.backward_line, row.leaf): row for row in report.rows}


def autodiff_check(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from autodiff.cli.main import main; main()", "check", *args]
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


# --- the command on the seeds, the examples and a broken gradient ----------------------------------------------


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.name)
def test_every_seed_and_example_passes(path):
    result = autodiff_check(str(path))
    assert "FAIL" not in result.stdout
    if path.name == "seed003_sum_bad_gradient.py":  # PyTorch rejects this script; nothing ran to check
        assert result.returncode == 1, result.stdout + result.stderr  # the script failed
        assert "RuntimeError: Mismatch in shape" in result.stderr
        assert "no backward pass ran" in result.stdout
    else:
        assert result.returncode == 0, result.stdout + result.stderr
        assert re.search(r"(The 1 leaf gradient agrees|All \d+ leaf gradients agree) with finite differences",
                         result.stdout), result.stdout


BROKEN = """\
import torch

def square_sum(x):
    # a hand-made x ** 2 whose gradient forgets a factor: x.detach() is a constant to autograd
    return (x * x.detach()).sum()

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
w = torch.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
loss = square_sum(x) + (w * w).sum()
loss.backward()
print(x.grad)
"""


def test_a_detached_gradient_fails_with_a_useful_table(tmp_path):
    script = tmp_path / "broken.py"
    script.write_text(BROKEN, encoding="utf-8")
    result = autodiff_check(script.name, cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    header = next(line for line in lines if "max abs error" in line).split()
    assert header == ["backward", "leaf", "shape", "elements", "max", "abs", "error", "max", "rel", "error", "result"]
    row_x = next(line for line in lines if " x " in line).split()
    row_w = next(line for line in lines if " w " in line).split()
    assert row_x[:5] == ["line", "10", "x", "[3]", "3"] and row_x[-1] == "FAIL"
    assert float(row_x[5]) == pytest.approx(3.0, rel=1e-3) and float(row_x[6]) == pytest.approx(0.5, rel=1e-3)
    assert row_w[:5] == ["line", "10", "w", "[2,", "2]"] and row_w[-1] == "pass"
    assert "x[2] at the backward pass on line 10 (pass 1): autograd gives 3, finite differences 5.9998" in \
        result.stdout
    assert "1 of 2 leaf gradients disagrees with finite differences" in result.stdout
    assert result.stderr == ""  # the script's own print is not shown


def test_script_errors_are_reported_like_run_reports_them(tmp_path):
    result = autodiff_check("-e", "x = ones(2, requires_grad=True)\n(x * x).sum().backward()\ny = x + undefined_name")
    assert result.returncode == 1  # the script failed, after the one backward pass that was checked
    assert "NameError: name 'undefined_name' is not defined" in result.stderr
    assert "The 1 leaf gradient agrees" in result.stdout


# --- what is compared -------------------------------------------------------------------------------------------


def test_each_pass_is_compared_at_the_value_it_read():
    report = check("""\
        import torch
        w = torch.tensor([1.0, -2.0], requires_grad=True)
        for i in range(3):
            loss = (w ** 3).sum()
            loss.backward()
            w.data *= 0.5
            w.grad = None
        a = (w * w).sum()
        b = w.exp().sum()
        a.backward()
        b.backward(retain_graph=True)
        b.backward()
    """)
    assert report.passed and report.backward_passes == 6
    by_line = rows(report)
    assert len(by_line[(5, "w")].calls) == 3 and by_line[(5, "w")].checked == 6
    for line in (10, 11, 12):  # b's graph was built before a.backward() ran; it is nudged before it was built
        assert by_line[(line, "w")].checked == 2 and by_line[(line, "w")].max_rel_error < 1e-3


def test_optimizer_steps_with_momentum_and_module_parameters():
    report = check("""\
        import torch
        model = torch.nn.Linear(3, 2)
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        x = torch.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])
        y = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
        for step in range(4):
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            opt.step()
    """)
    assert report.passed
    assert {row.leaf for row in report.rows} == {"model.weight", "model.bias"}
    assert all(len(row.calls) == 4 and not row.skipped for row in report.rows)


def test_names_for_leaves_in_lists_functions_and_loops():
    report = check("""\
        import torch
        params = [torch.tensor([1.0], requires_grad=True), torch.tensor([2.0], requires_grad=True)]
        (params[0] * params[1]).backward()
        def local():
            p = torch.tensor([0.5, 1.5], requires_grad=True)
            p.sin().sum().backward()
        local()
        for i in range(3):
            x = torch.tensor([float(i), 1.0], requires_grad=True)
            (x * x).sum().backward()
        (torch.ones(2, requires_grad=True) * 3).sum().backward()
    """)
    assert report.passed
    assert [(row.leaf, len(row.calls)) for row in report.rows] == [
        ("params[0]", 1), ("params[1]", 1), ("p", 1), ("x", 3), ("<leaf from line 11>", 1)]


def test_data_item_and_detach_are_caught():
    report = check("""\
        import torch
        x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        (x * x.data).sum().backward()
        y = torch.tensor([0.5, 1.5], requires_grad=True)
        (y * y.sum().item()).sum().backward()
        z = torch.tensor([2.0], requires_grad=True)
        (z.detach() ** 2 + z).backward()
    """)
    by_line = rows(report)
    assert by_line[(3, "x")].failed and by_line[(5, "y")].failed and by_line[(7, "z")].failed
    worst = by_line[(3, "x")].worst
    assert worst.analytical == 3.0 and worst.numerical == pytest.approx(6.0, rel=1e-3)


def test_kinks_pass_when_autograd_picks_a_one_sided_derivative():
    report = check("""\
        import torch
        z = torch.tensor([0.0, 1.0, -1.0], requires_grad=True)
        (z.relu() + z.abs()).sum().backward()
    """)
    row = report.rows[0]
    assert report.passed and row.kinks == 1 and row.checked == 3


def test_higher_order_and_autograd_grad():
    report = check("""\
        import torch
        x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        g, = torch.autograd.grad((x ** 3).sum(), x, create_graph=True)
        g.sum().backward()
        d = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
        (d.exp() * d).sum().backward()
    """)
    assert report.passed and report.backward_passes == 3
    by_line = rows(report)
    assert set(by_line) == {(3, "x"), (4, "x"), (6, "d")}  # autograd.grad's pass, then the second derivative
    assert by_line[(4, "x")].checked == 3 and by_line[(4, "x")].max_rel_error < 1e-3
    assert by_line[(6, "d")].max_rel_error < 1e-8  # float64 leaves get float64-sized steps


def test_builtins_are_black_boxes():
    report = check("""\
        import torch
        from torch.autograd.functional import jacobian, hessian
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        def f(t):
            return (t ** 3).sum()
        print(jacobian(f, x), hessian(f, x))
        f(x).backward()
    """)
    assert [(row.backward_line, row.leaf) for row in report.rows] == [(7, "x")]
    assert report.backward_passes == 1


def test_large_leaves_are_sampled():
    report = check("""\
        import torch
        big = torch.linspace(-1, 1, 1000, requires_grad=True)
        (big ** 2).sum().backward()
    """, max_elements=5)
    assert report.passed and report.rows[0].checked == 5 and report.probes == 10


def test_the_checker_imports_neither_rich_nor_click():
    probe = ("import autodiff.checker, sys\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'click')))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_a_nan_output_is_skipped_not_failed():
    report = check("""\
        import torch
        x = torch.tensor([1.0, -2.0], requires_grad=True)
        (x ** 0.5).sum().backward()
        y = torch.tensor([4.0, 9.0], requires_grad=True)
        (y ** 0.5).sum().backward()
    """)
    by_line = rows(report)
    assert report.passed
    assert by_line[(3, "x")].checked == 0 and by_line[(3, "x")].skip_reason == "the output of the pass is nan or inf"
    assert by_line[(5, "y")].checked == 2
