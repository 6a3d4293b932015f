"""What keeps a script's start-up short (docs/benchmarks.md, cold start) without changing what it does: Lark,
rich and prompt_toolkit are not imported to run a script, numpy.random only once a script draws, the syntax
tree's classes behave as the dataclasses they replaced, and torch's argument aliases see the parameters
inspect.signature sees."""

from __future__ import annotations

import inspect
import math
import subprocess
import sys

import pytest

from autodiff.engine import rng
from autodiff.errors import Span
from autodiff.language import nodes

PROBE = """
import sys
from autodiff.cli import main
main._import_for_scripts()
status = main.run_script(open(sys.argv[1]).read(), sys.argv[1])
print(status, sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in sys.argv[2].split(',')}),
      'numpy.random' in sys.modules)
"""


def run_probe(tmp_path, source: str) -> str:
    script = tmp_path / "script.py"
    script.write_text(source)
    done = subprocess.run([sys.executable, "-c", PROBE, str(script), "lark,rich,prompt_toolkit"],
                          capture_output=True, text=True, timeout=120)
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr


def test_a_script_runs_without_lark_rich_prompt_toolkit_or_numpy_random(tmp_path):
    source = "import torch\nx = torch.ones(2, requires_grad=True)\n(x * x).sum().backward()\nprint(f'{x.grad}')\n"
    assert run_probe(tmp_path, source) == "0 [] False"


def test_a_script_that_draws_imports_numpy_random_then(tmp_path):
    assert run_probe(tmp_path, "import torch\ntorch.manual_seed(0)\nprint(torch.rand(2))\n") == "0 [] True"


def test_a_generator_made_lazily_draws_what_an_eager_one_draws():
    lazy, eager = rng.Generator(1234), rng.Generator(1234)
    eager._bg  # noqa: B018 - makes the NumPy engine at once
    assert lazy.initial_seed() == eager.initial_seed() == 1234
    for _ in range(2):
        assert (lazy._raw32(5) == eager._raw32(5)).all() and (lazy._raw64(3) == eager._raw64(3)).all()
    reseeded = rng.Generator(1)
    reseeded.manual_seed(1234)  # seeding before the first draw, too
    assert (reseeded.get_state() == rng.Generator(1234).get_state()).all()


def test_syntax_nodes_behave_as_the_dataclasses_they_replaced():
    span = Span(1, 1, 1, 2)
    nan = float("nan")
    assert nodes.Constant(nan, span) == nodes.Constant(nan, span)  # fields compared as a tuple: identity first
    assert nodes.Name("x", span) != nodes.Name("y", span)
    assert nodes.Name("x", span).__eq__(nodes.Constant("x", span)) is NotImplemented
    assert repr(nodes.Name("x", span)) == "Name(id='x', span=Span(line=1, column=1, end_line=1, end_column=2))"
    assert nodes.FunctionDef("f", [], [], span).header is None
    assert nodes.Module([], span).filename == "<script>"
    assert nodes.Call(func=nodes.Name("f", span), args=[], keywords=[], span=span).func.id == "f"
    with pytest.raises(TypeError):
        hash(nodes.Name("x", span))
    with pytest.raises(AttributeError):
        nodes.Name("x", span).other = 1  # slots, like dataclass(slots=True)
    assert nodes.BinOp.__match_args__ == ("op", "left", "right", "span")
    assert math.isnan(nodes.Constant(nan, span).value)


def test_numpy_aliases_see_the_parameters_inspect_sees(monkeypatch):
    from autodiff.prelude import build_namespace
    from autodiff.torch import arguments
    from autodiff.views.graphview import ViewHost

    checked = []
    fast = arguments._parameters

    def compare(function):
        try:
            expected = set(inspect.signature(function).parameters)
        except (TypeError, ValueError):
            expected = set()
        assert fast(function) == expected, function
        checked.append(function)
        return expected

    monkeypatch.setattr(arguments, "_parameters", compare)
    build_namespace(lambda text: None, ViewHost())
    assert len(checked) > 500
