"""Resource limits: every way a script can ask for too much ends in a LimitError (exit status 1 from the CLI),
never an out-of-memory kill, a hang or a traceback.

--max-elements bounds each tensor before it is allocated (every allocation path is tried below with a small
limit), --max-memory bounds the process (resident size looked at every few thousand statements and before large
tensors; address space capped so a single huge request is a MemoryError), --max-steps and --timeout bound time
(a watchdog ends a script stuck inside one long operation), and recursion is bounded by depth.
"""

from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from autodiff import limits
from autodiff.cli.main import main
from autodiff.engine import tensor
from autodiff.errors import AutodiffError
from autodiff.language.interpreter import Interpreter
from autodiff.prelude import build_namespace

AUTODIFF = [sys.executable, "-m", "autodiff"]
PRELUDE = "import torch\nfrom torch import *\nfrom torch.nn import *\nfrom torch.nn.functional import *\n"


def run(source: str, **options) -> str:
    out = io.StringIO()
    names, modules = build_namespace(out.write)
    Interpreter(names, modules, filename="<limits>", stderr=io.StringIO(), **options).run_source(PRELUDE + source)
    return out.getvalue()


def fails(source: str, **options) -> AutodiffError:
    with pytest.raises(AutodiffError) as info:
        run(source, **options)
    return info.value


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*AUTODIFF, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})


# -- --max-elements: every allocation path checks before allocating ---------------------------------------

# Each builds a tensor of more than 1,000 elements from inputs of at most 1,000.
ALLOCATIONS = {
    "ones": "ones(40, 40)",
    "zeros": "zeros((40, 40))",
    "empty": "empty(2000)",
    "full": "full((40, 40), 2.0)",
    "eye": "eye(40)",
    "eye_rect": "eye(2, 1000)",
    "arange": "arange(2000)",
    "arange_float": "arange(0, 1, 0.0001)",
    "linspace": "linspace(0, 1, 2000)",
    "rand": "rand(40, 40)",
    "randn": "randn(2000)",
    "randint": "randint(0, 5, (40, 40))",
    "randperm": "randperm(2000)",
    "tensor": "tensor([[1.0] * 40] * 40)",
    "tensor_range": "tensor(range(2000))",
    "legacy_constructor": "FloatTensor(40, 40)",
    "new_ones": "ones(1).new_ones(40, 40)",
    "new_zeros": "ones(1).new_zeros((40, 40))",
    "new_tensor": "ones(1).new_tensor([1.0] * 2000)",
    "add": "ones(40, 1) + ones(1, 40)",
    "mul": "ones(40, 1) * ones(40)",
    "pow": "ones(40, 1) ** ones(1, 40)",
    "compare": "ones(40, 1) < ones(1, 40)",
    "in_place_result": "a = ones(40, 1)\na += ones(1, 40)",
    "where": "where(ones(40, 1) > 0, ones(1, 40), 0.0)",
    "maximum": "maximum(ones(40, 1), ones(1, 40))",
    "isclose": "isclose(ones(40, 1), ones(1, 40))",
    "clamp": "clamp(ones(40, 1), min=ones(1, 40))",
    "masked_fill": "masked_fill(ones(40, 1), ones(1, 40) > 0, 0.0)",
    "mse_loss": "mse_loss(ones(40, 1), ones(1, 40))",
    "expand": "ones(40, 1).expand(40, 40)",
    "broadcast_to": "broadcast_to(ones(1), (40, 40))",
    "mm": "mm(ones(40, 1), ones(1, 40))",
    "matmul": "ones(40, 1) @ ones(1, 40)",
    "matmul_batched": "ones(40, 1, 1) @ ones(1, 1, 40)",
    "matmul_batch_broadcast": "ones(10, 1, 2, 1) @ ones(1, 10, 1, 20)",
    "outer": "outer(ones(40), ones(40))",
    "addmm": "addmm(ones(1), ones(40, 1), ones(1, 40))",
    "linear": "linear(ones(40, 1), ones(40, 1))",
    "Linear": "Linear(40, 40)",
    "cat": "cat([ones(600), ones(600)])",
    "cat_many": "cat([ones(10)] * 200)",
    "stack": "stack([ones(10)] * 200)",
    "index_list": "ones(10)[[0] * 2000]",
    "index_tensor": "ones(10)[zeros(2000).long()]",
    "index_broadcast": "ones(10, 10)[arange(10).reshape(10, 1), zeros(1, 200).long()]",
    "index_mask_and_slice": "ones(2, 30)[:, [0] * 600]",
    "jacobian": "def f(x):\n    return x * 2\njacobian(f, ones(40))",
    "normal_broadcast": "torch.normal(zeros(40, 1), ones(1, 40))",
    "multinomial": "torch.multinomial(ones(3), 5000, replacement=True)",
    "bernoulli": "torch.bernoulli(ones(40, 1).expand(40, 40))",
    "gradient_of_broadcast": "x = ones(40, 1, requires_grad=True)\n(x + ones(1, 40)).sum().backward()",
}


@pytest.mark.parametrize("source", ALLOCATIONS.values(), ids=ALLOCATIONS.keys())
def test_every_allocation_path_checks_the_element_limit(source, monkeypatch):
    monkeypatch.setattr(tensor, "max_elements", 1000)
    err = fails(source)
    assert err.category == "LimitError", err
    assert "elements, more than the limit of 1,000 (raise it with --max-elements)" in err.message


def test_inputs_at_the_limit_still_work(monkeypatch):
    monkeypatch.setattr(tensor, "max_elements", 1000)
    assert run("x = ones(10, 100)\ny = (x @ ones(100, 10)).sum()\nprint(y.item(), x[[0, 1]].shape)") == \
        "10000.0 torch.Size([2, 100])\n"


def test_cli_max_elements():
    done = cli("run", "--max-elements", "100", "-e", "import torch\nx = torch.ones(5)\ny = torch.ones(20, 20)")
    assert done.returncode == 1
    assert done.stderr.splitlines()[:2] == [
        "LimitError: a tensor of shape [20, 20] would have 400 elements, more than the limit of 100 "
        "(raise it with --max-elements)",
        "  --> <string>:3:5",
    ]
    assert "Traceback" not in done.stderr


def test_cli_limits_are_restored_after_a_run():
    before = tensor.max_elements, tensor.max_memory, resource.getrlimit(resource.RLIMIT_AS)
    result = CliRunner().invoke(main, ["run", "--max-elements", "7", "--max-memory", "300M", "-e", "x = ones(8)"])
    assert result.exit_code == 1 and "LimitError" in result.stderr
    assert (tensor.max_elements, tensor.max_memory, resource.getrlimit(resource.RLIMIT_AS)) == before
    assert limits.active_max_memory is None


@pytest.mark.parametrize("args", [
    ["--max-elements", "0"], ["--max-memory", "lots"], ["--max-memory", "0"], ["--max-memory", "-1G"],
    ["--max-steps", "-5"], ["--timeout", "0"],
])
def test_bad_limit_values_are_usage_errors(args):
    result = CliRunner().invoke(main, ["run", *args, "-e", "pass"])
    assert result.exit_code == 2
    assert "Invalid value" in result.stderr


def test_memory_sizes():
    assert limits.parse_size("2G") == 2 * 1024**3
    assert limits.parse_size("512m") == 512 * 1024**2
    assert limits.parse_size("1.5GiB") == 3 * 1024**3 // 2
    assert limits.parse_size("1000") == 1000
    assert limits.describe(2 * 1024**3) == "2 GiB" and limits.describe(300 * 1024**2) == "300 MiB"
    with pytest.raises(ValueError):
        limits.parse_size("2 elephants")


# -- --max-memory ---------------------------------------------------------------------------------------


def test_growing_graph_stops_at_the_memory_limit():
    """The classic: every iteration extends the graph (and keeps each intermediate tensor) until the OS kills
    the process; autodiff stops it with an explanation instead."""
    start = time.monotonic()
    done = cli("run", "--max-memory", "200M", "-e",
               "import torch\nx = torch.ones(2000, requires_grad=True)\ny = x\nwhile True:\n    y = y * 1.0\n")
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0] == "LimitError: the script used more than 200 MiB of memory (the memory limit)"
    assert lines[1] == "  --> <string>:5:5"
    assert lines[-1].startswith("help: raise the limit with --max-memory; if a loop builds an ever longer autograd")
    assert time.monotonic() - start < 100


def test_interpreter_memory_limit():
    limit = limits.resident_bytes() + 60 * 1024**2
    err = fails("x = ones(1000, requires_grad=True)\ny = x\nwhile True:\n    y = y * 1.0\n", max_memory=limit)
    assert err.category == "LimitError" and "of memory (the memory limit)" in err.message
    assert err.span.line == 8


def test_large_tensor_is_refused_before_allocating():
    done = cli("run", "--max-memory", "100M", "-e", "import torch\nx = torch.zeros(50_000_000)")
    assert done.returncode == 1
    assert done.stderr.startswith("LimitError: a tensor of shape [50000000] needs at least 191 MiB; with ")
    assert "more than the memory limit of 100 MiB" in done.stderr.splitlines()[0]


@pytest.mark.parametrize("source", [
    "x = 'a'.center(10 ** 10)",
    "x = f'{1:>{10 ** 10}}'",
    "x = '{:>10000000000}'.format(1)",
    "x = '1'.zfill(10 ** 10)",
    "x = list(range(10 ** 9))",
    "x = ones(100)\nxs = [x.tolist() for i in range(10 ** 6)]",
])
def test_huge_python_values_are_limit_errors(source):
    done = cli("run", "--max-memory", "300M", "-e", source)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("LimitError: "), done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr


# -- time: --max-steps, --timeout, C-level loops --------------------------------------------------------------


@pytest.mark.parametrize("source", [
    "for i in range(10 ** 12):\n    pass",
    "x = [i for i in range(10 ** 9)]",
    "x = sum(i for i in range(10 ** 9))",
    "def f(n):\n    while True:\n        n += 1\nf(0)",
    "import torch\nx = torch.ones(2, requires_grad=True)\nwhile True:\n    y = (x * 2).sum()\n    y.backward()",
])
def test_step_limit_stops_every_kind_of_loop(source):
    result = CliRunner().invoke(main, ["run", "--max-steps", "20000", "-e", source])
    assert result.exit_code == 1
    assert result.stderr.startswith("LimitError: the script ran more than 20,000 statements (the step limit)")
    assert result.stderr.splitlines()[-1] == "help: raise the limit with --max-steps"


@pytest.mark.parametrize("call", ["sum", "max", "min", "any", "all", "sorted"])
def test_builtins_refuse_to_loop_over_huge_ranges(call):
    interpreter_source = f"x = {call}(range(10 ** 12))"
    out = io.StringIO()
    names, modules = build_namespace(out.write)
    with pytest.raises(AutodiffError) as info:  # Python's builtins (the prelude's `from torch import *` shadows sum)
        Interpreter(names, modules, stderr=io.StringIO()).run_source(interpreter_source)
    err = info.value
    assert err.category == "LimitError"
    assert err.message.startswith(f"{call}() over range(0, 1000000000000) would go through 1,000,000,000,000")
    out = io.StringIO()
    names, modules = build_namespace(out.write)
    Interpreter(names, modules).run_source("print(sum(range(100)), max(range(5)), sorted(range(3), reverse=True))")
    assert out.getvalue() == "4950 4 [2, 1, 0]\n"


def test_timeout_stops_a_script_stuck_in_one_long_operation():
    start = time.monotonic()
    # 5 s, not 1: on a loaded machine the child needs a while to reach the loop
    done = cli("run", "--timeout", "5", "-e",
               "import torch\nprint('started')\nx = torch.ones(2500, 2500)\nfor i in range(1000):\n    x = x @ x\n")
    assert done.returncode == 1
    assert done.stdout == "started\n"
    lines = done.stderr.splitlines()
    assert lines[0] == "LimitError: the script ran longer than the time limit of 5 s"
    assert lines[1] == "  --> <string>:5:5"
    assert time.monotonic() - start < 60


def test_timeout_between_statements():
    start = time.monotonic()
    err = fails("x = ones(3)\nwhile True:\n    x = x * 1.0\n", timeout=0.5)
    assert err.category == "LimitError" and err.message == "the script ran longer than the time limit of 0.5 s"
    assert err.hint == "raise the limit with --timeout"
    assert time.monotonic() - start < 10


# -- recursion --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", [
    "def f(n):\n    return f(n + 1)\nf(0)",
    "def even(n):\n    return odd(n + 1)\ndef odd(n):\n    return even(n + 1)\neven(0)",
    "def f(x):\n    return max([x], key=f)\nf(1)",
    "def f(x):\n    return sorted([x, x], key=f)\nf(1)",
    "def f(n):\n    return [f(n + 1) for i in range(1)]\nf(0)",
])
def test_recursion_is_pythons_recursion_error(source):
    result = CliRunner().invoke(main, ["run", "-e", source])
    assert result.exit_code == 1
    assert result.stderr.startswith("RecursionError: maximum recursion depth exceeded")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("source", [
    "a = []\nfor i in range(100000):\n    a = [a]\nprint(a)",
    "a = []\nfor i in range(100000):\n    a = [a]\nprint(a == [a])",
    "d = {}\nfor i in range(100000):\n    d = {'k': d}\nprint(str(d)[:5])",
])
def test_deeply_nested_values_are_recursion_errors(source):
    result = CliRunner().invoke(main, ["run", "-e", source])
    assert result.exit_code == 1
    assert result.stderr.startswith("RecursionError: maximum recursion depth exceeded")


def test_long_graphs_backward_without_recursion():
    assert run("x = ones(1, requires_grad=True)\ny = x\nfor i in range(100000):\n    y = y * 1.0\n"
               "y.backward()\nprint(x.grad)\ndel y") == "tensor([1.])\n"
