"""The views: `run --table`, `run --json`, `graph` (tree, DOT, Mermaid, JSON), `explain`, and the show()/graph()
builtins.

Golden files in tests/views are autodiff's own output (written by tests/views/make_views.py and read before being
committed); besides matching them byte for byte, the tests check what they mean independently: explain's sums against
the gradients the engine delivered, the DOT text through pydot, the JSON against the tensors.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent / "views"))

from make_views import HERE, ROOT, VIEWS, golden_path, programs, run_view  # noqa: E402

from autodiff.cli.main import main  # noqa: E402

PROGRAMS = programs()
STATUS = json.loads((HERE / "status.json").read_text(encoding="utf-8"))
AUTODIFF = [str(Path(sys.executable).parent / "autodiff")]


def invoke(*arguments: str, input: str | None = None):  # noqa: A002
    return CliRunner(env={"NO_COLOR": "1"}).invoke(main, list(arguments), input=input)


# --- golden files -----------------------------------------------------------------------------------------------------


def test_every_program_and_view_has_a_golden_file():
    assert len(PROGRAMS) >= 20, "the seed programs (tests/seeds) and the examples"
    missing = [golden_path(p, v).name for p in PROGRAMS for v in VIEWS if not golden_path(p, v).exists()]
    assert not missing, f"run tests/views/make_views.py: {missing}"


@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.stem)
def test_view_matches_golden(program, view):
    stdout, _, status = run_view(program, view)
    assert stdout == golden_path(program, view).read_text(encoding="utf-8"), f"{program.stem}.{view} differs"
    assert status == STATUS[program.stem][view]


def test_script_errors_keep_exit_status_1():
    assert STATUS["seed003_sum_bad_gradient"] == {view: 1 for view in VIEWS}
    assert all(status == 0 for name, views in STATUS.items() if name != "seed003_sum_bad_gradient"
               for status in views.values())


# --- explain: its sums are the engine's gradients ---------------------------------------------------------------------


def _explain_in_process(program: Path):
    """Run a program with the explainer attached; return (host, explainer)."""
    from autodiff.cli.scripts import make_interpreter
    from autodiff.errors import AutodiffError
    from autodiff.views.explain import Explainer
    from autodiff.views.graphview import Recorder, ViewHost

    host = ViewHost()
    host.recorder = Recorder(host.variables)
    explainer = Explainer(host.recorder)
    cwd = Path.cwd()
    os.chdir(program.parent)
    try:
        with host.recorder.installed():
            interpreter = make_interpreter(program.name, stdout=io.StringIO(), stderr=io.StringIO(), views=host)
            try:
                interpreter.run_source(program.read_text(encoding="utf-8"))
            except AutodiffError:
                pass
    finally:
        os.chdir(cwd)
    return host, explainer


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.stem)
def test_explain_totals_equal_the_delivered_gradients(program):
    host, explainer = _explain_in_process(program)
    assert host.recorder.errors == [], "a view failed while the script ran"
    passes = list(explainer.passes)
    if program.stem == "seed003_sum_bad_gradient":
        assert passes == []  # its only backward fails
        return
    assert passes, "every other program runs a backward pass"
    for chains in passes:
        assert chains.note is None
        assert chains.leaves, f"pass {chains.number} explains no leaf"
        for chain in chains.leaves:
            assert chain.check in ("equal", "close"), (chains.number, chain.label, chain.check)
            # Independently of check_pass: the sum over paths (plus what .grad held) is what .grad became, or
            # what autograd.grad returned.
            computed = chain.total if chain.before is None else chain.before + chain.total
            rtol = 1e-12 if chain.expected.dtype == np.float64 else 1e-5
            np.testing.assert_allclose(computed, chain.expected, rtol=rtol, atol=1e-6)
            if chain.path_count <= len(chain.paths):
                paths_sum = sum(term.value for term in chain.paths if term.value is not None)
                np.testing.assert_allclose(paths_sum, chain.total, rtol=rtol, atol=1e-7)


ENGINE_PROGRAMS = sorted(p for p in (ROOT / "tests" / "golden").glob("*")
                         if p.suffix in (".py", ".ad") and not p.name.startswith("make_"))


@pytest.mark.parametrize("program", ENGINE_PROGRAMS, ids=lambda p: p.name)
def test_views_hold_for_every_golden_program(program):
    """Over the engine's golden programs (every op, nn, optim, errors): explain checks every pass it reads, the views
    never fail, and every named tensor's graph draws."""
    from autodiff.engine import autograd
    from autodiff.torch import tensor_str as torchfmt
    from autodiff.views.graphview import build_graph, to_dot
    from autodiff.views.render import explain_text, format_graph, show_text, to_text

    try:
        host, explainer = _explain_in_process(program)
        assert host.recorder.errors == []
        for chains in explainer.passes:
            assert chains.note is None or "more than" in chains.note, chains.note
            allowed = ("equal", "close", "hooked") if chains.hooked else ("equal", "close")
            for chain in chains.leaves:
                assert chain.check in allowed, (chains.number, chain.label, chain.check)
            to_text(explain_text(chains))
        show_text(host, ())
        names = host.names()
        for _, tensor in names.named:
            graph = build_graph([tensor], names, host.recorder.saved)
            assert to_dot(graph).startswith("digraph")
            format_graph(graph, "tree")
    finally:
        autograd.set_grad_enabled(True)
        torchfmt.set_printoptions(profile="default")


def test_explain_last_pass_equals_final_grad_where_nothing_changed_it_afterwards():
    """For programs that leave .grad as the last pass made it, explain's number is the final `.grad` itself."""
    for stem in ("seed000_leaves", "seed001_sum", "seed003_doubling", "vector_jacobian_product", "leaf_tensors"):
        program = next(p for p in PROGRAMS if p.stem == stem)
        host, explainer = _explain_in_process(program)
        chains = explainer.find(None)
        for chain in chains.leaves:
            np.testing.assert_array_equal(chain.expected, chain.leaf.grad.array)
            np.testing.assert_allclose(chain.total, chain.leaf.grad.array, rtol=1e-6)


def test_explain_golden_files_show_only_successful_checks():
    for program in PROGRAMS:
        text = golden_path(program, "explain").read_text(encoding="utf-8")
        assert "✗" not in text
        if program.stem != "seed003_sum_bad_gradient":
            assert "✓ equals" in text, program.stem


def test_explain_seed_leaves_shows_the_chain_rule():
    text = golden_path(next(p for p in PROGRAMS if p.stem == "seed000_leaves"), "explain").read_text(encoding="utf-8")
    block = text.split("dL/dx1 = ", 1)[1].split("\n\n", 1)[0]
    assert block.startswith("dL/dy · dy/dx2 · dx2/dx1\n")
    assert re.search(r"dL/dy +SubBackward0 += -1\n", block)
    assert re.search(r"dy/dx2 +MulBackward0 += w2 = 6\n", block)
    assert re.search(r"dx2/dx1 +MulBackward0 += w1 = 5\n", block)
    assert "= (-1) · 6 · 5 = -30\n" in block
    assert "✓ equals x1.grad = [[-30, -30], [-30, -30]]" in block


def test_explain_matmul_shows_the_vector_jacobian_operation():
    text = golden_path(next(p for p in PROGRAMS if p.stem == "seed003_matmul"), "explain").read_text(encoding="utf-8")
    assert re.search(r"dc/da +MmBackward0 +: g ↦ g · bᵀ", text)
    assert re.search(r"dc/db +MmBackward0 +: g ↦ aᵀ · g", text)


def test_explain_options():
    example = str(ROOT / "examples" / "matmul_parameters.ad")
    first = invoke("explain", "--of", "c", example)
    assert first.exit_code == 0 and "from c [2, 2]" in first.stdout and "Backward pass 1 " in first.stdout
    every = invoke("explain", "--all", example)
    assert every.stdout.count("Backward pass ") == 2
    missing = invoke("explain", "--of", "nothing", example)
    assert missing.exit_code == 1 and "no backward pass from nothing" in missing.stderr
    quiet = invoke("explain", "-", input="x = ones(2, requires_grad=True)\n")
    assert quiet.exit_code == 1 and "nothing to explain" in quiet.stderr


def test_explain_many_paths_sums_by_a_restricted_backward_pass():
    script = "x = tensor(1.5, requires_grad=True)\ny = x\nfor i in range(5):\n    y = y * x + y\ny.backward()\n"
    result = invoke("explain", "-", input=script)
    assert result.exit_code == 0, result.output
    assert "more paths not listed" in result.stdout
    assert "✓ equals x.grad" in result.stdout


def test_explain_does_not_change_what_the_script_does():
    """Second backward without retain_graph still fails the same way; in-place errors are still raised."""
    script = "x = tensor(2.0, requires_grad=True)\ny = x.exp()\ny.backward()\ny.backward()\n"
    result = invoke("explain", "-", input=script)
    assert result.exit_code == 1
    assert "Trying to backward through the graph a second time" in result.stderr
    assert "✓ equals x.grad" in result.stdout  # the pass that completed


# --- graph formats ----------------------------------------------------------------------------------------------------


def _graph_json(program: Path) -> dict:
    return json.loads(golden_path(program, "graph.json").read_text(encoding="utf-8"))


def test_dot_of_a_seed_program_parses_with_pydot():
    pydot = pytest.importorskip("pydot")
    program = next(p for p in PROGRAMS if p.stem == "seed000_leaves")
    (graph,) = pydot.graph_from_dot_data(golden_path(program, "dot").read_text(encoding="utf-8"))
    nodes = [n for n in graph.get_nodes() if n.get_name() not in ("node", "edge", "graph")]
    # L (SubBackward0), Y as a constant, y, x2 (MulBackward0), and the leaves x1, w1, w2
    assert len(nodes) == 7
    assert len(graph.get_edges()) == 6
    labels = sorted(n.get_label().strip('"') for n in nodes)
    assert "AccumulateGrad\\nx1 [2, 2]" in labels and "SubBackward0\\nL [2, 2]" in labels


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.stem)
def test_dot_and_mermaid_agree_with_the_graph_json(program):
    pydot = pytest.importorskip("pydot")
    document = _graph_json(program)
    (graph,) = pydot.graph_from_dot_data(golden_path(program, "dot").read_text(encoding="utf-8"))
    nodes = [n for n in graph.get_nodes() if n.get_name() not in ("node", "edge", "graph")]
    assert len(nodes) == len(document["nodes"])
    assert len(graph.get_edges()) == len(document["edges"])
    mermaid = golden_path(program, "mermaid").read_text(encoding="utf-8")
    assert mermaid.startswith("flowchart TB\n")
    assert mermaid.count(" --> ") == len(document["edges"])
    tree = golden_path(program, "tree").read_text(encoding="utf-8")
    for node in document["nodes"]:
        if node["kind"] == "leaf":
            assert f"AccumulateGrad  {node['name']}" in tree


def test_graph_json_structure():
    program = next(p for p in PROGRAMS if p.stem == "two_layer_network")
    document = _graph_json(program)
    by_id = {node["id"]: node for node in document["nodes"]}
    root = by_id[document["roots"][0]]
    assert (root["op"], root["name"], root["shape"]) == ("MeanBackward0", "loss", [])
    leaves = {node["name"] for node in document["nodes"] if node["kind"] == "leaf"}
    assert leaves == {"W1", "b1", "W2", "b2"}
    # x does not require grad: a constant, named because MmBackward0 saved it (read before backward freed it)
    assert any(node["kind"] == "constant" and node["name"] == "x" for node in document["nodes"])
    for edge in document["edges"]:
        assert by_id[edge["to"]]["inputs"][edge["input"]] == edge["from"]


def test_graph_options_and_defaults():
    example = str(ROOT / "examples" / "pow_retain_grad.ad")
    assert invoke("graph", "--of", "x", example).stdout == "AccumulateGrad  x []\n"
    assert invoke("graph", "--of", "y", example).stdout == "(constant)  y []\n"
    missing = invoke("graph", "--of", "nope", example)
    assert missing.exit_code == 2 and "no tensor named 'nope'" in missing.output
    # no backward: the last tensor assigned
    assert invoke("graph", "-", input="a = ones(2, requires_grad=True)\nb = a * 3\n").stdout.startswith(
        "MulBackward0  b [2]\n")
    assert invoke("graph", "--format", "png", example).exit_code == 2


def test_graph_after_backward_without_retain_graph():
    script = "x = ones(3, requires_grad=True)\nw = ones(3) * 2\ny = (x * w).exp().sum()\ny.backward()\n"
    result = invoke("graph", "-", input=script)
    assert result.stdout == (
        "SumBackward0  y []\n"
        "└── ExpBackward0\n"
        "    └── MulBackward0\n"
        "        ├── AccumulateGrad  x [3]\n"
        "        └── (constant)  w [3]\n")


# --- the table --------------------------------------------------------------------------------------------------------


def test_table_reasons_for_a_none_grad():
    script = ("a = ones(2, requires_grad=True)\nb = a * 2\nc = ones(2)\nd = ones(2, requires_grad=True)\n"
              "e = ones(2, requires_grad=True)\nshow()\n(b * e).sum().backward()\ne.grad = None\nshow(a, b, c, d, e)\n")
    result = invoke("run", "-", input=script)
    assert result.exit_code == 0
    first, second, rest = result.stdout.split("\n\n")
    assert rest == ""
    notes = {"a": "no backward yet", "b": "non-leaf: call retain_grad()", "c": "requires_grad=False",
             "d": "no backward yet", "e": "no backward yet"}
    assert _notes(first) == notes
    notes.update(a=None, d="not reached by backward", e="set to None after backward")
    assert _notes(second) == notes


def _notes(table: str) -> dict[str, str | None]:
    """name -> the reason under its None grad, read from a table's rows."""
    found: dict[str, str | None] = {}
    name = None
    for line in table.splitlines()[3:]:
        if line.startswith("every tensor is "):  # the caption naming the one dtype
            break
        if line[:1].strip():
            name = line.split()[0]
            found[name] = None
        else:
            found[name] = ((found[name] + " ") if found[name] else "") + line.strip()
    return found


def test_table_is_off_when_piped_and_on_when_asked():
    example = str(ROOT / "examples" / "grad_none.ad")
    plain = invoke("run", example)
    assert "is_leaf" not in plain.stdout
    table = invoke("run", "--table", example)
    assert table.stdout.startswith(plain.stdout) and "req_" in table.stdout
    assert "\x1b[" not in table.stdout
    lines = table.stdout[len(plain.stdout):].splitlines()
    assert all(len(line) <= 100 for line in lines)


def test_show_and_graph_builtins():
    script = "x = tensor([1.0, 2.0], requires_grad=True)\ny = (x * x).sum()\nshow(x)\ngraph(y)\n" \
             "graph(y, format=\"dot\")\nshow(y * 2)\n"
    result = invoke("run", "-", input=script)
    assert result.exit_code == 0, result.output
    assert re.search(r"^x +\[2\] +\[1, 2\] ", result.stdout, re.M), result.stdout
    assert "SumBackward0  y []\n└── MulBackward0\n" in result.stdout
    assert 'digraph "autograd" {' in result.stdout
    assert "(argument 1)" in result.stdout
    bad = invoke("run", "-e", "show(3)")
    assert bad.exit_code == 1 and "TypeError: show() takes tensors, not int (argument 1)" in bad.stderr
    bad = invoke("run", "-e", "graph(ones(2), format='png')")
    assert bad.exit_code == 1 and "ValueError: graph() format must be one of" in bad.stderr


def test_big_tensors_are_abbreviated():
    result = invoke("run", "--table", "-e", "big = arange(1000.0).reshape(10, 100)")
    assert "[[0, …, 99], …, [900, …, 999]]" in result.stdout, result.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
def test_table_by_default_on_a_terminal_with_colour_unless_no_color():
    pexpect = pytest.importorskip("pexpect")
    example = str(ROOT / "examples" / "grad_none.ad")
    env = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    env.update(TERM="xterm-256color", COLUMNS="120", LINES="40")

    def terminal_output(*arguments: str, extra_env: dict | None = None) -> str:
        child = pexpect.spawn(AUTODIFF[0], list(arguments), env={**env, **(extra_env or {})}, encoding="utf-8",
                              timeout=60, dimensions=(40, 120))
        child.expect(pexpect.EOF)
        return child.before

    coloured = terminal_output("run", example)
    assert "req_" in coloured and "\x1b[" in coloured
    assert "\x1b[" not in terminal_output("run", example, extra_env={"NO_COLOR": "1"}).replace("\x1b[?", "")
    assert "\x1b[" not in terminal_output("run", "--no-color", example).replace("\x1b[?", "")
    assert "req_" not in terminal_output("run", "--no-table", example)
    seed = str(ROOT / "tests" / "seeds" / "seed000_leaves.py")
    if Path(seed).exists():
        assert "req_" not in terminal_output("run", seed)  # .py: off by default


# --- JSON -------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.stem)
def test_json_document(program):
    document = json.loads(golden_path(program, "json").read_text(encoding="utf-8"))
    assert list(document) == ["output", "warnings", "tensors", "error", "exit_status"]
    expected_out = program.with_suffix(".out")
    if expected_out.exists():  # the printed lines are the program's golden stdout
        assert document["output"] == expected_out.read_text(encoding="utf-8").splitlines()
    for name, tensor in document["tensors"].items():
        assert tensor["name"] == name
        assert list(tensor) == ["name", "shape", "dtype", "data", "requires_grad", "is_leaf", "grad_fn", "grad",
                                "grad_note", "retains_grad", "is_parameter"]
        assert np.asarray(tensor["data"]).shape == tuple(tensor["shape"])
        assert (tensor["grad"] is None) == (tensor["grad_note"] is not None)
    host, _ = _explain_in_process(program)
    for name, tensor in host.names().named:
        entry = document["tensors"][name]
        np.testing.assert_array_equal(np.asarray(entry["data"], dtype=tensor.array.dtype), tensor.array)
        if tensor.grad is not None:
            np.testing.assert_array_equal(np.asarray(entry["grad"], dtype=tensor.array.dtype), tensor.grad.array)


def test_json_error_and_warnings():
    bad = json.loads(golden_path(next(p for p in PROGRAMS if p.stem == "seed003_sum_bad_gradient"), "json")
                     .read_text(encoding="utf-8"))
    assert bad["exit_status"] == 1
    assert {key: bad["error"][key] for key in ("category", "line", "column")} == {
        "category": "RuntimeError", "line": 7, "column": 1}
    assert bad["error"]["message"].startswith("Mismatch in shape")
    warned = json.loads(golden_path(next(p for p in PROGRAMS if p.stem == "seed000_grad_none"), "json")
                        .read_text(encoding="utf-8"))
    assert [w["category"] for w in warned["warnings"]] == ["UserWarning"] * 3
    assert [w["line"] for w in warned["warnings"]] == [22, 23, 24]  # the three prints of a non-leaf's .grad
    syntax = invoke("run", "--json", "-e", "x = (1,")
    assert syntax.exit_code == 1
    error = json.loads(syntax.stdout)["error"]
    assert error["category"] == "SyntaxError" and error["line"] == 1 and error["column"] is not None
    assert syntax.stderr == ""


def test_json_non_finite_values_and_float32_decimals():
    result = invoke("run", "--json", "-e", "a = tensor([0.1, float('nan'), float('inf'), -float('inf')])")
    assert json.loads(result.stdout)["tensors"]["a"]["data"] == [0.1, "nan", "inf", "-inf"]


def test_json_through_jq_style_pipeline():
    source = (ROOT / "examples" / "leaf_tensors.ad").read_text(encoding="utf-8")
    done = subprocess.run([*AUTODIFF, "run", "--json", "-"], input=source, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0
    assert json.loads(done.stdout)["tensors"]["x1"]["grad"] == [[-30.0, -30.0], [-30.0, -30.0]]


# --- boundaries -------------------------------------------------------------------------------------------------------


def test_engine_and_views_do_not_import_rich_or_click_and_run_imports_no_rich():
    code = (
        "import sys, io\n"
        "import autodiff.engine.tensor, autodiff.engine.ops, autodiff.engine.autograd\n"
        "import autodiff.views.graphview, autodiff.views.explain\n"
        "assert 'rich' not in sys.modules and 'click' not in sys.modules, 'engine imported rich/click'\n"
        "from autodiff.cli.scripts import run_script\n"
        "out = io.StringIO()\n"
        "assert run_script('x = ones(2, requires_grad=True)\\n(x * 3).sum().backward()\\nprint(x.grad)', 't',"
        " stdout=out) == 0\n"
        "assert 'rich' not in sys.modules, 'a plain run imported rich'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_observers_are_removed_after_each_command():
    from autodiff.engine import autograd

    invoke("explain", str(ROOT / "examples" / "grad_none.ad"))
    invoke("run", "--json", str(ROOT / "examples" / "grad_none.ad"))
    assert autograd.backward_starters == [] and autograd.backward_observers == []
