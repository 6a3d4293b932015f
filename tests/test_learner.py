"""What a learner sees (issue 18), through the command line: tables at any width (on a pseudo-terminal), warnings
and errors as `python prog.py` with PyTorch 2.13 shows them, PyTorch's strictness in PyTorch spelling, the hints
for the classic mistakes, one command line for every command, the REPL's `_`/help/dir/type, and a README whose
paths and commands work from a clone."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from goldentools import normal_stderr

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
AUTODIFF = shutil.which("autodiff", path=str(Path(sys.executable).parent)) or shutil.which("autodiff")
pexpect = pytest.importorskip("pexpect") if os.name == "posix" else None
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
HELP_LINE = re.compile(r"^help: ")


def autodiff(*args: str, cwd: Path | str = ROOT, input: str | None = None, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    environment.pop("COLUMNS", None)
    environment.update(env)
    return subprocess.run([AUTODIFF, *args], cwd=cwd, input=input, capture_output=True, text=True, timeout=120,
                          env=environment)


def python(path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, path.name], cwd=path.parent, capture_output=True, text=True, timeout=120,
                          env=env)


def on_terminal(columns: int, *args: str, cwd: Path | str = ROOT) -> str:
    """What `autodiff ARGS` prints on a pseudo-terminal `columns` wide."""
    if AUTODIFF is None or pexpect is None:
        pytest.skip("needs the autodiff script and a POSIX pseudo-terminal")
    env = {**os.environ, "NO_COLOR": "1", "TERM": "xterm"}
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    child = pexpect.spawn(AUTODIFF, list(args), cwd=str(cwd), env=env, encoding="utf-8", timeout=120,
                          dimensions=(50, columns))
    child.expect(pexpect.EOF)
    child.close()
    return ANSI.sub("", child.before).replace("\r\n", "\n")


# -- 1. tables that keep every character -----------------------------------------------------------------------


def table_part(text: str) -> str:
    """The table after the script's output (--table prints it after a blank line)."""
    return text[text.index("\n\n") + 2:]


def expected_cells(program: Path) -> list[str]:
    """Every cell of the table as `run --json` gives it (values and notes through the table's own formatting)."""
    import numpy as np

    from autodiff.views.render import format_cell

    document = json.loads(autodiff("run", "--json", program.name, cwd=program.parent).stdout)
    cells = []
    for name, entry in document["tensors"].items():
        cells += [name, entry["dtype"].removeprefix("torch."), format_cell(np.asarray(entry["data"], dtype=float))]
        if entry["grad"] is not None:
            cells.append(format_cell(np.asarray(entry["grad"], dtype=float)))
        elif entry["grad_note"]:
            cells.append(entry["grad_note"])
        if entry["grad_fn"]:
            cells.append(entry["grad_fn"])
    return cells


@pytest.mark.parametrize("columns", [60, 80, 100, 160])
@pytest.mark.parametrize("program", ["leaf_tensors.ad", "two_layer_network.ad", "grad_none.ad"])
def test_table_keeps_every_character_at_any_width(columns, program):
    text = on_terminal(columns, "run", "--table", program, cwd=EXAMPLES)
    table = table_part(text)
    assert max(len(line) for line in table.splitlines()) <= columns, table
    words = Counter(word.strip("()") for word in re.split(r"[\s=]+", table))
    needed = Counter(word.strip("()") for cell in expected_cells(EXAMPLES / program) for word in cell.split())
    shown = Counter(re.sub(r"\s", "", table))
    for cell in expected_cells(EXAMPLES / program):  # no character lost, even where a long word was folded
        assert not Counter(re.sub(r"\s", "", cell)) - shown, (cell, table)
    folded = [word for word in needed if words[word] < 1]
    assert all(len(word) > 12 for word in folded), (folded, table)  # only words longer than a column may fold


def test_table_folds_into_blocks_when_narrow_and_keeps_columns_when_wide():
    narrow = table_part(on_terminal(60, "run", "--table", "leaf_tensors.ad", cwd=EXAMPLES))
    assert "x1  [2, 2] float32  requires_grad=True  is_leaf=True" in narrow
    assert "grad:  None  (non-leaf: call retain_grad())" in narrow
    wide = table_part(on_terminal(160, "run", "--table", "leaf_tensors.ad", cwd=EXAMPLES))
    assert re.search(r"^x1 +\[2, 2\] +\[\[2, 2\], \[2, 2\]\] +True +True +None +\[\[-30, -30\], \[-30, -30\]\]$",
                     wide, re.M), wide
    assert "every tensor is float32" in wide


def test_check_fits_the_terminal_and_a_long_name_keeps_its_flags_indented(tmp_path):
    report = on_terminal(80, "check", "leaf_tensors.ad", cwd=EXAMPLES)
    lines = report.splitlines()
    assert "All 3 leaf gradients agree with finite differences." in lines
    assert max(len(line) for line in lines) <= 80 and not any(line != line.rstrip() for line in lines), report
    program = tmp_path / "unnamed.ad"
    program.write_text("w1 = 5 * ones(2, 2, requires_grad=True)\nL = (w1 * w1).sum()\nL.backward()\n",
                       encoding="utf-8")
    folded = on_terminal(60, "run", "--table", "unnamed.ad", cwd=tmp_path).splitlines()
    head = folded.index("<line 1: ones(2, 2, requires_grad=True)>  [2, 2] float32")
    assert folded[head + 1] == "  requires_grad=True  is_leaf=True  grad_fn=None"


def test_table_honours_columns_when_not_a_terminal():
    for columns in (60, 80, 160):
        done = autodiff("run", "--table", "leaf_tensors.ad", cwd=EXAMPLES, COLUMNS=str(columns))
        lines = table_part(done.stdout).splitlines()
        assert max(len(line) for line in lines) <= columns
    assert "x1  [2, 2] float32" in autodiff("run", "--table", "leaf_tensors.ad", cwd=EXAMPLES, COLUMNS="60").stdout
    assert re.search(r"^x1 +\[2, 2\]", autodiff("run", "--table", "leaf_tensors.ad", cwd=EXAMPLES,
                                               COLUMNS="100").stdout, re.M)


# -- 2. warnings as Python shows them --------------------------------------------------------------------------

WARNING_PROGRAMS = {
    "nonleaf_grad": "import torch\nx = torch.ones(2, requires_grad=True)\ny = x * 2\nprint(y.grad)\n",
    "twice_in_a_loop": "import torch\nx = torch.ones(1, requires_grad=True)\ny = x * 2\nfor i in range(3):\n"
                       "    y.grad\ny.grad\n",
    "scalar": "import torch\nx = torch.ones(1, requires_grad=True)\nprint(float(x))\n",
    "std_dof": "import torch\nprint(torch.ones(1).std())\n",
    "implicit_dim": "import torch\nimport torch.nn.functional as F\nprint(F.softmax(torch.ones(2)))\n",
    "create_graph": "import torch\nx = torch.ones(1, requires_grad=True)\n(x * x).sum().backward(create_graph=True)\n"
                    "(x * x).sum().backward(create_graph=True)\nprint(x.grad)\n",
    "get_lr": "import torch\np = torch.ones(1, requires_grad=True)\no = torch.optim.SGD([p], lr=0.1)\n"
              "s = torch.optim.lr_scheduler.StepLR(o, 1)\nprint(s.get_lr())\n",
    "clip_deprecated": "import torch\np = torch.ones(1, requires_grad=True)\np.grad = torch.ones(1)\n"
                       "print(torch.nn.utils.clip_grad_norm([p], 1.0))\n",
    "copy_construct": "import torch\nx = torch.ones(2)\nprint(torch.tensor(x))\n",
    "function_instance": "import torch\nclass F(torch.autograd.Function):\n    pass\nF()\n",
    "two_warnings": "import torch\nx = torch.ones(2, requires_grad=True)\ny = x * 2\nz = y * 2\nprint(y.grad)\n"
                    "print(z.grad)\n",
}


@pytest.mark.oracle
@pytest.mark.parametrize("name", WARNING_PROGRAMS)
def test_warnings_are_pythons_lines(name, tmp_path):
    pytest.importorskip("torch")
    program = tmp_path / f"{name}.py"
    program.write_text(WARNING_PROGRAMS[name], encoding="utf-8")
    expected, got = python(program), autodiff("run", program.name, cwd=tmp_path)
    assert got.stdout == expected.stdout
    ours = [line for line in got.stderr.splitlines() if not HELP_LINE.match(line)]
    theirs = expected.stderr.splitlines()
    # equal line for line; only the directory of PyTorch's own files differs (autodiff names this Python's)
    assert normal_stderr("\n".join(ours)) == normal_stderr(expected.stderr)
    assert [line for line in ours if "/torch/" not in line] == [line for line in theirs if "/torch/" not in line]
    assert "Warning: " in got.stderr


def test_warning_shows_path_line_and_source_once_per_location(tmp_path):
    program = tmp_path / "loop.py"
    program.write_text(WARNING_PROGRAMS["twice_in_a_loop"], encoding="utf-8")
    lines = autodiff("run", "loop.py", cwd=tmp_path).stderr.splitlines()
    assert [line.split(": UserWarning")[0] for line in lines if "UserWarning" in line] == \
        [f"{program}:5", f"{program}:6"]
    assert lines[1] == "  y.grad"  # the source line, stripped and indented by two spaces


def test_warning_inside_torch_adds_the_scripts_line(tmp_path):
    program = tmp_path / "cg.py"
    program.write_text(WARNING_PROGRAMS["create_graph"], encoding="utf-8")
    stderr = autodiff("run", "cg.py", cwd=tmp_path).stderr
    assert re.search(r"torch/autograd/graph\.py:979: UserWarning: Using backward\(\) with create_graph=True", stderr)
    assert stderr.count("UserWarning") == 1  # one location inside torch: shown once, as Python does
    assert "help: PyTorch's warning points inside torch; the script's line is cg.py:3:" in stderr


def test_json_keeps_the_warnings_line():
    document = json.loads(autodiff("run", "--json", "grad_none.ad", cwd=EXAMPLES).stdout)
    assert document["warnings"] and all(isinstance(w["line"], int) for w in document["warnings"])


# -- 3. PyTorch's strictness in PyTorch spelling ---------------------------------------------------------------

STRICT = {
    "creator": "torch.ones", "creator_like": "torch.ones_like", "number": "2", "float": "2.0",
    "list_of_numbers": "[1.0, 1.0]", "string": "'ab'", "list_of_tensor": "[torch.ones(2)]",
    "tensor": "torch.ones(2)",
}


@pytest.mark.oracle
@pytest.mark.parametrize("gradient", STRICT.values(), ids=STRICT.keys())
@pytest.mark.parametrize("call", ["L.backward({})", "torch.autograd.backward(L, {})"])
def test_backward_in_pytorch_spelling_is_as_strict_as_pytorch(call, gradient, tmp_path):
    pytest.importorskip("torch")
    program = tmp_path / "strict.py"
    program.write_text("import torch\nx = torch.ones(2, requires_grad=True)\nL = x * 2\n"
                       f"{call.format(gradient)}\nprint(x.grad)\n", encoding="utf-8")
    expected, got = python(program), autodiff("run", program.name, cwd=tmp_path)
    assert got.stdout == expected.stdout
    assert got.returncode == (1 if expected.returncode else 0)
    assert normal_stderr(got.stderr) == normal_stderr(expected.stderr)


def test_bare_spelling_keeps_its_conveniences(tmp_path):
    program = tmp_path / "bare.ad"
    program.write_text("x = ones(2, requires_grad=True)\nL = x * 2\nL.backward(ones)\nbackward(x * 3, 2)\n"
                       "print(x.grad)\n", encoding="utf-8")
    done = autodiff("run", "bare.ad", cwd=tmp_path)
    assert (done.stdout, done.returncode) == ("tensor([8., 8.])\n", 0), done.stderr


def test_optim_and_functional_need_their_import_as_the_readme_says():
    assert autodiff("run", "-e", "print(nn.Linear, relu, SGD)").returncode == 0
    for name, module in (("F.relu", "torch.nn.functional as F"), ("optim.SGD", "torch.optim as optim")):
        done = autodiff("run", "-e", f"print({name})")
        assert done.returncode == 1 and f"did you forget `import {module}`?" in done.stderr
        assert autodiff("run", "-e", f"import {module}; print({name})").returncode == 0
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`import torch.nn.functional as F` for `F.relu`, `import torch.optim as optim` for `optim.SGD`" in readme


# -- 4. hints for the classic mistakes --------------------------------------------------------------------------

MISTAKES = {
    "no_grad": ("import torch\nx = torch.ones(2, requires_grad=True)\nwith torch.no_grad():\n    y = x * 2\n"
                "L = y.sum()\nL.backward()\n",
                "help: L does not require grad: it was computed from y, which was computed under "
                "`with torch.no_grad()` (line 3) (line 4: y = x * 2); compute it outside the no_grad block"),
    "created_without": ("import torch\nx = torch.ones(2)\nL = (x * 2).sum()\nL.backward()\n",
                        "help: L does not require grad: it was computed from x, which was created without "
                        "requires_grad=True (line 2: x = torch.ones(2))"),
    "detached": ("import torch\nw = torch.ones(2, requires_grad=True)\nv = w.detach()\nL = (v * 2).sum()\n"
                 "L.backward()\n", "which was detached from the graph by .detach() (line 3: v = w.detach())"),
    "data": ("import torch\nw = torch.ones(2, requires_grad=True)\nL = (w.data * 2).sum()\nL.backward()\n",
             "it is the result of .data (which is outside the graph) (line 3: L = (w.data * 2).sum())"),
    "zero_before_backward": ("import torch\nx = torch.ones(2, requires_grad=True)\nx.grad.zero_()\n",
                             "help: x.grad is None until a backward pass reaches x"),
    "inplace": ("import torch\nx = torch.ones(2, requires_grad=True)\ny = x.sigmoid()\ny.mul_(2)\n"
                "y.sum().backward()\n", "help: line 4 (y.mul_(2)) changed in place a tensor this backward pass "
                "(line 5) needs unchanged"),
}

# In-place changes the engine records where they happened: the help line names the change, wherever it is.
INPLACE_CHANGES = {
    "plain": ("import torch\nx = torch.ones(2, requires_grad=True)\ny = x.exp()\ny.add_(1)\nL = y.sum()\n"
              "L.backward()\n", "line 4 (y.add_(1))", 6),
    "in_a_function": ("import torch\n\n\ndef scale(t):\n    t.mul_(2)\n    return t\n\n\n"
                      "x = torch.ones(2, requires_grad=True)\ny = x.sigmoid()\nz = scale(y)\nz.sum().backward()\n",
                      "line 5 (t.mul_(2))", 12),
    "in_a_loop": ("import torch\nx = torch.ones(2, requires_grad=True)\ny = x.exp()\nfor step in range(3):\n"
                  "    y.add_(1)\ny.sum().backward()\n", "line 5 (y.add_(1))", 6),
    "through_a_view": ("import torch\nx = torch.ones(2, 3, requires_grad=True)\ny = x.exp()\nrow = y[0]\n"
                       "row.zero_()\nL = y.sum()\nL.backward()\n", "line 5 (row.zero_())", 7),
    "through_an_alias": ("import torch\nx = torch.ones(2, requires_grad=True)\ny = x.tanh()\nsame = y\n"
                         "same.mul_(3)\ny.sum().backward()\n", "line 5 (same.mul_(3))", 6),
    "through_detach": ("import torch\nx = torch.ones(2, requires_grad=True)\ny = x.sigmoid()\ny.detach().mul_(3)\n"
                     "y.sum().backward()\n", "line 4 (y.detach().mul_(3))", 5),
    "not_the_last_in_place_line": ("import torch\nx = torch.ones(2, requires_grad=True)\ny = x.exp()\ny.mul_(2)\n"
                                   "z = torch.zeros(2)\nz.add_(1)\ny.sum().backward()\n", "line 4 (y.mul_(2))", 7),
    "optimizer_step": ("import torch\nw = torch.ones(2, requires_grad=True)\nopt = torch.optim.SGD([w], lr=0.1)\n"
                       "L1 = (w * w).sum()\nL2 = (w ** 3).sum()\nL1.backward(retain_graph=True)\nopt.step()\n"
                       "L2.backward()\n", "line 7 (opt.step())", 8),
}


@pytest.mark.oracle
@pytest.mark.parametrize("name", INPLACE_CHANGES)
def test_inplace_hint_names_the_line_of_the_change(name, tmp_path):
    pytest.importorskip("torch")
    source, change, backward = INPLACE_CHANGES[name]
    program = tmp_path / f"{name}.py"
    program.write_text(source, encoding="utf-8")
    expected, got = python(program), autodiff("run", program.name, cwd=tmp_path)
    assert got.returncode == 1 and expected.returncode == 1, got.stderr
    message = expected.stderr.splitlines()[-1]
    assert "modified by an inplace operation" in message
    assert got.stderr.splitlines()[0] == message  # PyTorch's message, byte for byte
    assert f"  --> {name}.py:{backward}:1" in got.stderr.splitlines()
    helps = [line for line in got.stderr.splitlines() if HELP_LINE.match(line)]
    assert helps == [f"help: {change} changed in place a tensor this backward pass (line {backward}) needs "
                     f"unchanged: {helps[0].split(' needs unchanged: ')[-1]}"], got.stderr
    assert helps[0].endswith("compute the loss again after it" if name == "optimizer_step" else
                             ".clone() the tensor before changing it")


@pytest.mark.oracle
@pytest.mark.parametrize("name", MISTAKES)
def test_mistake_keeps_pytorchs_message_and_adds_one_help_line(name, tmp_path):
    pytest.importorskip("torch")
    source, hint = MISTAKES[name]
    program = tmp_path / f"{name}.py"
    program.write_text(source, encoding="utf-8")
    expected, got = python(program), autodiff("run", program.name, cwd=tmp_path)
    assert got.returncode == 1 and expected.returncode == 1
    assert got.stderr.splitlines()[0] == expected.stderr.splitlines()[-1]  # PyTorch's message, unchanged
    helps = [line for line in got.stderr.splitlines() if HELP_LINE.match(line)]
    assert len(helps) == 1 and hint in helps[0], got.stderr


def test_unnamed_leaf_is_shown_in_table_graph_and_explain(tmp_path):
    program = tmp_path / "unnamed.ad"
    program.write_text("w1 = 5 * ones(2, 2, requires_grad=True)\nL = (w1 * w1).sum()\nL.backward()\n",
                       encoding="utf-8")
    label = "<line 1: ones(2, 2, requires_grad=True)>"
    table = autodiff("run", "--table", "unnamed.ad", cwd=tmp_path, COLUMNS="200").stdout
    assert re.search(rf"^{re.escape(label)} +\[2, 2\] .* True +True +None +\[\[50, 50\], \[50, 50\]\]$", table,
                     re.M), table
    assert f"non-leaf: its leaf is {label}; to make w1 the leaf: w1 = (5 * ones(2, 2)).requires_grad_()" in \
        " ".join(table.split())
    assert f"AccumulateGrad  {label} [2, 2]" in autodiff("graph", "unnamed.ad", cwd=tmp_path).stdout
    assert f"t1 = {label}" in autodiff("explain", "unnamed.ad", cwd=tmp_path).stdout


# -- 5. one command line ----------------------------------------------------------------------------------------

CODE = "x = ones(2, requires_grad=True); y = (x * x).sum(); y.backward()"


@pytest.mark.parametrize("command", ["run", "graph", "explain", "check"])
def test_every_command_takes_code_and_standard_input(command):
    by_code = autodiff(command, "-e", CODE)
    by_stdin = autodiff(command, "-", input=CODE + "\n")
    assert by_code.returncode == 0 and by_stdin.returncode == 0, by_code.stderr + by_stdin.stderr
    if command != "run":
        assert by_code.stdout and by_code.stdout.split() == by_stdin.stdout.replace("<stdin>", "<string>").split()


def test_explain_of_a_leaf_suggests_the_root():
    done = autodiff("explain", "--of", "x1", "leaf_tensors.ad", cwd=EXAMPLES)
    assert done.returncode == 1
    assert "help: x1 is a leaf of the backward pass from L; explain follows a pass from its root: --of L" \
        in done.stderr


def test_check_exits_1_when_the_script_fails():
    failing = autodiff("check", "-e", CODE + "; z = ones(3) + ones(4)")
    assert failing.returncode == 1 and "RuntimeError: The size of tensor a (3)" in failing.stderr
    assert autodiff("check", "-e", CODE).returncode == 0


def test_counts_agree_with_their_nouns():
    assert "The 1 leaf gradient agrees with finite differences." in autodiff("check", "-e", CODE).stdout
    assert "All 3 leaf gradients agree" in autodiff("check", "leaf_tensors.ad", cwd=EXAMPLES).stdout


@pytest.mark.parametrize("command", ["", "run", "graph", "explain", "check", "repl"])
def test_help_examples_name_files_in_examples(command):
    text = autodiff(*([command] if command else []), "--help").stdout
    named = re.findall(r"\b[\w/.-]+\.(?:ad|py)\b", text)
    assert named or command == "" or "Examples:" in text
    for name in named:
        assert name.startswith("examples/") and (ROOT / name).is_file(), name


# -- no colour: NO_COLOR, or output that is not a terminal -------------------------------------------------------

WARNS_AND_FAILS = "import torch\nx = torch.ones(2, requires_grad=True)\ny = x * 2\nprint(y.grad)\nz = x + ones(3)\n"
SUBCOMMANDS = {"run": ["run", "--table", "leaf_tensors.ad"], "graph": ["graph", "leaf_tensors.ad"],
               "explain": ["explain", "leaf_tensors.ad"], "check": ["check", "leaf_tensors.ad"],
               "run_error": ["run", "-e", WARNS_AND_FAILS], "check_error": ["check", "-e", WARNS_AND_FAILS]}
ANY_ESCAPE = re.compile(r"\x1b")


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_no_escape_sequences_with_no_color_on_a_terminal(command):
    if AUTODIFF is None or pexpect is None:
        pytest.skip("needs the autodiff script and a POSIX pseudo-terminal")
    env = {**os.environ, "NO_COLOR": "1", "TERM": "xterm-256color"}
    env.pop("COLUMNS", None)
    child = pexpect.spawn(AUTODIFF, SUBCOMMANDS[command], cwd=str(EXAMPLES), env=env, encoding="utf-8",
                          timeout=120, dimensions=(50, 80))
    child.expect(pexpect.EOF)
    child.close()
    assert child.before.strip() and not ANY_ESCAPE.search(child.before), repr(child.before[:400])
    without = dict(env)
    del without["NO_COLOR"]
    child = pexpect.spawn(AUTODIFF, SUBCOMMANDS[command], cwd=str(EXAMPLES), env=without, encoding="utf-8",
                          timeout=120, dimensions=(50, 80))
    child.expect(pexpect.EOF)
    child.close()
    if "error" not in command:  # the views colour a terminal without NO_COLOR: the check above can fail
        assert ANY_ESCAPE.search(child.before)


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_no_escape_sequences_when_output_is_not_a_terminal(command):
    done = autodiff(*SUBCOMMANDS[command], cwd=EXAMPLES, NO_COLOR="", TERM="xterm-256color")
    assert done.stdout + done.stderr and not ANY_ESCAPE.search(done.stdout + done.stderr)


def spawn_repl(tmp_path, columns: int):
    """`autodiff repl` on a pseudo-terminal (xterm, NO_COLOR) of 40 rows, at its first prompt."""
    if AUTODIFF is None or pexpect is None:
        pytest.skip("needs the autodiff script and a POSIX pseudo-terminal")
    env = dict(os.environ, HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"), TERM="xterm-256color",
               PROMPT_TOOLKIT_NO_CPR="1", NO_COLOR="1")
    child = pexpect.spawn(AUTODIFF, ["repl"], env=env, cwd=str(tmp_path), encoding="utf-8", timeout=60,
                          dimensions=(40, columns))
    child.expect(PROMPT)
    return child


def test_repl_with_no_color_draws_no_colour_or_bold(tmp_path):
    """The line editor still moves the cursor (prompt_toolkit), but neither colours nor bold anything."""
    child = spawn_repl(tmp_path, 80)
    seen = ""
    for line in ("import torch", "x = torch.ones(2, requires_grad=True)", "y = (x * x).sum()", "y.backward()",
                 "x.grad", ":graph", ":explain", ":vars", "help(torch.mean)", "1 / 0", "print(x.grad)"):
        seen += enter(child, line, plain=False)
    child.sendeof()
    child.expect(pexpect.EOF)
    assert "AccumulateGrad" in seen and "ZeroDivisionError" in seen
    styles = [code for code in re.findall(r"\x1b\[([0-9;]*)m", seen) if code not in ("", "0")]
    assert styles == []


# -- 6. the REPL ------------------------------------------------------------------------------------------------

PROMPT = r"\x1b\[\?2004h[^>]*>>>"


@pytest.fixture
def repl(tmp_path):
    child = spawn_repl(tmp_path, 120)
    yield child
    if child.isalive():
        child.terminate(force=True)


def enter(child, line: str, plain: bool = True) -> str:
    child.send(line + "\r")
    child.expect(PROMPT)
    return ANSI.sub("", child.before).replace("\r\n", "\n") if plain else child.before


def test_repl_underscore_help_dir_type(repl):
    enter(repl, "import torch")
    enter(repl, "x = torch.ones(2, requires_grad=True)")
    assert "tensor([3., 3.], grad_fn=<MulBackward0>)" in enter(repl, "x * 3")
    assert "tensor([6., 6.], grad_fn=<MulBackward0>)" in enter(repl, "_ * 2")
    assert "<class 'torch.Tensor'>" in enter(repl, "type(x)")
    assert "<class 'int'>" in enter(repl, "type(3)")
    listed = enter(repl, "dir(x)")
    assert "'backward'" in listed and "'grad_fn'" in listed and "__class__" not in listed
    about = enter(repl, "help(x)")
    assert "Tensor of shape [2] and dtype torch.float32" in about and "pytorch.org/docs/stable/tensors.html" in about
    mean = enter(repl, "help(torch.mean)")
    assert "torch.mean(input, *, dtype=None) -> Tensor" in mean and "The mean of all elements, or along dim." in mean
    assert "https://pytorch.org/docs/stable/generated/torch.mean.html" in mean
    assert "https://pytorch.org/docs/stable/generated/torch.Tensor.sum.html" in enter(repl, "help(x.sum)")
    commands = enter(repl, ":help")
    for item in ("_", "help(x)", "dir(x)", "type(x)", ":graph [NAME]", ":explain", ":vars"):
        assert item in commands
    enter(repl, "y = (x * x).sum()")
    enter(repl, "y.backward()")
    drawing = enter(repl, ":graph")
    assert "SumBackward0  y []" in drawing and "AccumulateGrad  x [2]" in drawing


def help_texts() -> dict[str, str]:
    """help()'s answer for every public torch function and Tensor method, by the name a user types."""
    import numpy as np

    from autodiff.cli.replhelp import describe
    from autodiff.engine.tensor import Tensor
    from autodiff.language import protocol
    from autodiff.prelude import build_namespace

    _, modules = build_namespace(lambda text: None)
    answers = {}
    for name, value in modules["torch"].members.items():
        if type(value) is protocol.BuiltinFunction or isinstance(value, type):
            answers[f"torch.{name}"] = describe(value, modules)
    tensor = Tensor(np.zeros((2, 2), dtype=np.float32))
    for name in protocol.attribute_names(tensor):
        if not name.startswith("_") and type(value := protocol.get_attribute(tensor, name)) is protocol.BoundMethod:
            answers[f"x.{name}"] = describe(value, modules)
    return answers


def test_help_gives_signature_meaning_and_docs_for_every_torch_function_and_tensor_method():
    from autodiff.cli.meanings import MEANINGS

    answers = help_texts()
    assert len(answers) > 400
    for typed, text in answers.items():
        lines = text.splitlines()
        short = typed.split(".")[-1]
        calls = [line for line in lines if re.match(rf"(class )?(torch|Tensor)\.[\w.]*\b{short}\b", line)]
        assert calls and lines[:len(calls)] == calls, typed  # the signatures first
        meaning = lines[len(calls)]
        assert meaning and not meaning.startswith(("docs:", "See the docs")), (typed, text)
        assert lines[-1].startswith("docs: https://pytorch.org/docs/stable/") and len(lines) == len(calls) + 2, text
    assert answers["torch.mean"].splitlines()[:2] == ["torch.mean(input, *, dtype=None) -> Tensor",
                                                      "torch.mean(input, dim, keepdim=False, *, dtype=None, "
                                                      "out=None) -> Tensor"]
    assert answers["x.mean"].startswith("Tensor.mean(dim=None, keepdim=False, *, dtype=None) -> Tensor\n")
    assert answers["torch.relu"].startswith("torch.relu(input) -> Tensor\n")  # builtin without a docstring
    assert answers["x.add_"].splitlines()[1].startswith("In place: ")
    assert all(meaning.endswith(".") for meaning in MEANINGS.values())


@pytest.mark.oracle
def test_help_signatures_are_pytorchs():
    """The stored table is what tests/make_signatures.py reads from PyTorch now, and names parameters as PyTorch
    does (`input`, never autodiff's own `x`)."""
    torch = pytest.importorskip("torch")
    sys.path.insert(0, str(ROOT / "tests"))
    from autodiff.cli.torch_signatures import SIGNATURES
    from make_signatures import pytorch_signatures

    for name, signatures in SIGNATURES.items():
        module, short = name.rsplit(".", 1)
        value = getattr(torch.Tensor if module == "torch.Tensor" else __import__("importlib").import_module(module),
                        short)
        assert pytorch_signatures(name, value) == signatures, name
    assert SIGNATURES["torch.exp"][0].startswith("exp(input")
    from autodiff.language import protocol
    from autodiff.prelude import build_namespace

    _, modules = build_namespace(lambda text: None)
    functions = [name for name, value in modules["torch"].members.items() if type(value) is protocol.BuiltinFunction]
    unsigned = [name for name in functions if f"torch.{name}" not in SIGNATURES]
    assert unsigned == []


# -- 7. the README from a clone ---------------------------------------------------------------------------------


def readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_paths_exist():
    text = readme()
    paths = set(re.findall(r"\]\(((?!https?:|#)[^)]+)\)", text))
    paths |= set(re.findall(r"`((?:examples|tests|docs|bench)/[\w/.-]+)`", text)) - {"bench/results/latest.json"}
    paths |= {p for p in re.findall(r"(?:autodiff run|python) ((?:examples|tests)/[\w/.-]+)", text)}
    assert len(paths) >= 6
    for path in paths:
        assert (ROOT / path).exists(), path
    assert "..{}shared".format("/") not in text  # the project's seeds are in tests/seeds


def test_readme_commands_run_as_shown():
    text = readme()
    for command in re.findall(r"^\$ autodiff (.*)$", text, re.M) + ["run examples/leaf_tensors.ad",
                                                                     "run tests/seeds/seed002_nonleaf.py"]:
        args = [part.strip("'") for part in re.findall(r"'[^']*'|\S+", command)]
        done = autodiff(*args)
        assert done.stdout or done.stderr, command
        assert done.returncode in (0, 1), command
    shown = text.split("`autodiff run examples/leaf_tensors.ad` prints")[1].split("```text\n")[1].split("```")[0]
    assert autodiff("run", "examples/leaf_tensors.ad").stdout == shown
    error = text.split("$ autodiff run -e 'y = ones(3) + ones(4)'\n")[1].split("```")[0]
    assert autodiff("run", "-e", "y = ones(3) + ones(4)").stderr == error
    warned = autodiff("run", "tests/seeds/seed002_nonleaf.py").stderr.splitlines()
    assert warned[0].startswith(f"{ROOT}/tests/seeds/seed002_nonleaf.py:11: UserWarning: The .grad attribute")
    assert warned[1] == '  print("z.grad:",z.grad)'
