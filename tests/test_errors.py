"""The mistakes learners make, each through `autodiff run`: exit status 1, PyTorch's exact `Category: message`
as the first line, the position of the statement or expression at fault, and a `help:` line saying how to
fix it where that helps. The oracle test checks each first line against real PyTorch.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from autodiff.cli.main import main

# name: (script, first line, position, help line or None)
MISTAKES = {
    "broadcast_shapes": (
        "import torch\nx = torch.ones(2, 3)\ny = torch.ones(3, 2)\nz = x + y\n",
        "RuntimeError: The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1",
        "4:5", "help: shapes [2, 3] and [3, 2] cannot be broadcast together"),
    "broadcast_in_place": (
        "import torch\nx = torch.ones(2)\nx.add_(torch.ones(3))\n",
        "RuntimeError: The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0",
        "3:1", "help: shapes [2] and [3] cannot be broadcast together"),
    "matmul_shapes": (
        "import torch\na = torch.ones(3, 4)\nb = torch.ones(5, 6)\nc = a @ b\n",
        "RuntimeError: mat1 and mat2 shapes cannot be multiplied (3x4 and 5x6)", "4:5",
        "help: the first matrix has 4 columns but the second has 5 rows; they must be equal (transpose one with "
        ".t()?)"),
    "matmul_batched": (
        "import torch\na = torch.ones(2, 3, 4)\nb = torch.ones(2, 5, 6)\nc = torch.matmul(a, b)\n",
        "RuntimeError: Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: [2, 5].",
        "4:5", "help: matmul of shapes [2, 3, 4] and [2, 5, 6]: the last dimension of the first (4) must equal "
               "the second-to-last dimension of the second (5)"),
    "matmul_batch_dims": (
        "import torch\na = torch.ones(2, 3, 4)\nb = torch.ones(7, 4, 5)\nc = a @ b\n",
        "RuntimeError: The size of tensor a (2) must match the size of tensor b (7) at non-singleton dimension 0",
        "4:5", "help: matmul of shapes [2, 3, 4] and [7, 4, 5]: the batch dimensions [2] and [7] cannot be "
               "broadcast together"),
    "matmul_folded": (
        "import torch\na = torch.ones(2, 3, 4)\nb = torch.ones(5, 6)\nc = a @ b\n",
        "RuntimeError: mat1 and mat2 shapes cannot be multiplied (6x4 and 5x6)", "4:5",
        "help: the first matrix has 4 columns but the second has 5 rows; they must be equal (transpose one with "
        ".t()?)"),
    "backward_non_scalar": (
        "import torch\nx = torch.ones(2, requires_grad=True)\ny = x * 2\ny.backward()\n",
        "RuntimeError: grad can be implicitly created only for scalar outputs", "4:1",
        "help: backward() without a gradient needs a one-element output: reduce it first (y.sum().backward()) or "
        "pass a gradient of the output's shape (y.backward(torch.ones_like(y)))"),
    "gradient_shape": (
        "import torch\nx = torch.ones(2, requires_grad=True)\ny = x * 2\ny.backward(torch.ones(3))\n",
        "RuntimeError: Mismatch in shape: grad_output[0] has a shape of torch.Size([3]) and output[0] has a shape "
        "of torch.Size([2]).", "4:1",
        "help: the gradient passed to backward() must have exactly the shape of the tensor backward() is called "
        "on"),
    "second_backward": (
        "import torch\nx = torch.ones(2, requires_grad=True)\ny = (x * x).sum()\ny.backward()\ny.backward()\n",
        "RuntimeError: Trying to backward through the graph a second time (or directly access saved tensors after "
        "they have already been freed). Saved intermediate values of the graph are freed when you call .backward() "
        "or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or "
        "if you need to access saved tensors after calling backward.", "5:1",
        "help: pass retain_graph=True to the first backward() to keep the graph, or compute the output again "
        "before calling backward() a second time"),
    "second_backward_through_a_scalar_product": (
        "import torch\nx = torch.ones(2, requires_grad=True)\ny = (x * 2 / 3).sum()\ny.backward()\ny.backward()\n",
        "RuntimeError: Trying to backward through the graph a second time (or directly access saved tensors after "
        "they have already been freed). Saved intermediate values of the graph are freed when you call .backward() "
        "or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or "
        "if you need to access saved tensors after calling backward.", "5:1",
        "help: pass retain_graph=True to the first backward() to keep the graph, or compute the output again "
        "before calling backward() a second time"),
    "in_place_on_softmax_output": (
        "import torch\nx = torch.ones(3, requires_grad=True)\ny = torch.softmax(x, 0)\ny.mul_(2)\n"
        "y.sum().backward()\n",
        "RuntimeError: one of the variables needed for gradient computation has been modified by an inplace "
        "operation: [torch.FloatTensor [3]], which is output 0 of Softmax, is at version 1; expected version 0 "
        "instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False).", "5:1",
        "help: line 4 (y.mul_(2)) changed in place a tensor this backward pass (line 5) needs unchanged: use the "
        "out-of-place form (y = y * 2), or .clone() the tensor before changing it"),
    "integer_requires_grad": (
        "import torch\nx = torch.tensor([1, 2, 3], requires_grad=True)\n",
        "RuntimeError: Only Tensors of floating point and complex dtype can require gradients", "2:5",
        "help: integer tensors have no gradients: write the values as floats (torch.tensor([1.0, 2.0])) or pass "
        "dtype=torch.float32"),
    "integer_requires_grad_later": (
        "import torch\nx = torch.arange(3)\nx.requires_grad_()\n",
        "RuntimeError: only Tensors of floating point dtype can require gradients", "3:1",
        "help: integer tensors have no gradients: convert it first (x = x.float()) or create it from floats"),
    "in_place_on_leaf": (
        "import torch\nw = torch.ones(2, requires_grad=True)\nw -= 0.1 * w\n",
        "RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.", "3:1",
        "help: change a leaf's values inside `with torch.no_grad():` (as an optimizer step does), or compute a "
        "new tensor instead (x = x + 1)"),
    "in_place_method_on_leaf": (
        "import torch\nw = torch.ones(2, requires_grad=True)\nw.mul_(2)\n",
        "RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.", "3:1",
        "help: change a leaf's values inside `with torch.no_grad():` (as an optimizer step does), or compute a "
        "new tensor instead (x = x + 1)"),
    "in_place_on_saved": (
        "import torch\nx = torch.ones(2, requires_grad=True)\ny = x.exp()\ny.add_(1)\ny.sum().backward()\n",
        "RuntimeError: one of the variables needed for gradient computation has been modified by an inplace "
        "operation: [torch.FloatTensor [2]], which is output 0 of Exp, is at version 1; expected version 0 "
        "instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False).", "5:1",
        "help: line 4 (y.add_(1)) changed in place a tensor this backward pass (line 5) needs unchanged: use the "
        "out-of-place form (y = y * 2), or .clone() the tensor before changing it"),
    "item_of_many": (
        "import torch\nx = torch.ones(3)\nv = x.item()\n",
        "RuntimeError: a Tensor with 3 elements cannot be converted to Scalar", "3:5",
        "help: .item() needs exactly one element: reduce the tensor first (x.sum().item()), pick one element "
        "(x[0].item()), or use x.tolist() for all the values"),
    "truth_of_many": (
        "import torch\nx = torch.ones(3)\nif x > 0:\n    pass\n",
        "RuntimeError: Boolean value of Tensor with more than one value is ambiguous", "3:4",
        "help: `if`/`while`/`and`/`or` need one truth value: reduce the tensor first, for example (x > 0).all() "
        "or x.sum() > 0"),
    "unknown_name": (
        "import torch\nfrom torch import ones\nx = onse(2)\n",
        "NameError: name 'onse' is not defined; did you mean 'ones'?", "3:5", None),
    "unknown_torch_function": (
        "import torch\nx = torch.onse(2)\n",
        "AttributeError: module 'torch' has no attribute 'onse'; did you mean 'torch.ones'?", "2:5", None),
    "unknown_method": (
        "import torch\nx = torch.ones(2)\ny = x.summ()\n",
        "AttributeError: 'Tensor' object has no attribute 'summ'; did you mean 'sum'?", "3:5", None),
    "unknown_attribute": (
        "import torch\nx = torch.ones(2, requires_grad=True)\nprint(x.gard)\n",
        "AttributeError: 'Tensor' object has no attribute 'gard'; did you mean 'grad'?", "3:7", None),
    "builtin_argument_count": (
        "n = len([1], [2])\n", "TypeError: len() takes exactly one argument (2 given)", "1:5", None),
    "builtin_keyword": (
        "import torch\nx = torch.ones(2, requres_grad=True)\n",
        "TypeError: ones() got an unexpected keyword argument 'requres_grad'", "2:5", None),
    "tensor_method_argument_count": (
        "import torch\nx = torch.ones(2)\ny = x.view()\n",
        None, "3:5", None),
    "user_function_too_few": (
        "def f(a, b):\n    return a + b\nf(1)\n", "TypeError: f() missing 1 required positional argument: 'b'", "3:1",
        None),
    "user_function_too_many": (
        "def f(a, b):\n    return a + b\nf(1, 2, 3)\n",
        "TypeError: f() takes 2 positional arguments but 3 were given", "3:1", None),
    "user_function_keyword": (
        "def f(a, b):\n    return a + b\nf(1, c=2)\n", "TypeError: f() got an unexpected keyword argument 'c'", "3:1",
        None),
    "user_function_twice": (
        "def f(a, b):\n    return a + b\nf(1, a=2)\n", "TypeError: f() got multiple values for argument 'a'", "3:1",
        None),
    "tensor_index": (
        "import torch\nx = torch.ones(3)\ny = x[5]\n",
        "IndexError: index 5 is out of bounds for dimension 0 with size 3", "3:5", None),
    "tensor_index_second_dimension": (
        "import torch\nx = torch.ones(3, 2)\ny = x[1, 5]\n",
        "IndexError: index 5 is out of bounds for dimension 1 with size 2", "3:5", None),
    "tensor_index_list": (
        "import torch\nx = torch.ones(3)\ny = x[[0, 5]]\n",
        "IndexError: index 5 is out of bounds for dimension 0 with size 3", "3:5", None),
    "list_index": ("xs = [1, 2]\ny = xs[2]\n", "IndexError: list index out of range", "2:5", None),
    "division_by_zero": ("x = 1 / 0\n", "ZeroDivisionError: division by zero", "1:5", None),
    "floor_division_by_zero": ("x = 7 // 0\n", "ZeroDivisionError: integer division or modulo by zero", "1:5", None),
    "float_division_by_zero": ("x = 1.0 / 0\n", "ZeroDivisionError: float division by zero", "1:5", None),
    "modulo_by_zero": ("x = 7 % 0\n", "ZeroDivisionError: integer modulo by zero", "1:5", None),
}


def run(source: str):
    return CliRunner().invoke(main, ["run", "-e", source])


@pytest.mark.parametrize("source, first, position, help_line", MISTAKES.values(), ids=MISTAKES.keys())
def test_learner_mistakes(source, first, position, help_line):
    result = run(source)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    if first is not None:
        assert lines[0] == first
    assert lines[1] == f"  --> <string>:{position}"
    assert lines[2] == "  |"
    assert lines[4].lstrip(" |").startswith("^")  # the caret line
    helps = [line for line in lines if line.startswith("help: ")]
    assert helps == ([help_line] if help_line else []), lines
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


@pytest.mark.oracle
@pytest.mark.parametrize("name", [name for name, case in MISTAKES.items() if case[1]])
def test_first_lines_are_pytorchs(name):
    pytest.importorskip("torch")
    source, first, _, _ = MISTAKES[name]
    done = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    last = [line for line in done.stderr.splitlines() if line and not line.startswith((" ", "Traceback"))][-1]
    if first.startswith(("NameError", "AttributeError")) and "; did you mean" in first:
        first = first.split("; did you mean")[0]  # Python words its suggestion differently
        last = last.split(". Did you mean")[0]
    assert last == first


# -- syntax and unsupported constructs: `file:line:col: error: message`, caret, help --------------------------

SYNTAX = {
    "try_without_except": ("try:\n    x = 1\nprint(x)\n", "<string>:1:1: error: expected 'except' or 'finally' "
                           "block", "help: after the body of `try:`, write an `except SomeError:` clause (or "
                           "`finally:`) indented like the `try`"),
    "match": ("x = 1\nmatch x:\n    case 1:\n        pass\n", "<string>:2:1: error: `match` statements are not "
              "supported in autodiff scripts", "help: test the value with if / elif / else instead"),
    "async": ("async def f():\n    pass\n", "<string>:1:1: error: `async` code is not supported in autodiff scripts",
              None),
    "tabs_and_spaces": ("if True:\n\tx = 1\n        y = 2\n",
                        "<string>:3:1: error: inconsistent use of tabs and spaces in indentation",
                        "help: indent with spaces only (4 per level); this line mixes tabs and spaces with the lines "
                        "above"),
    "unexpected_indent": ("x = 1\n  y = 2\n", "<string>:2:1: error: unexpected indent", None),
    "unclosed_bracket": ("import torch\nx = torch.ones(2,\ny = 3\n", "<string>:2:15: error: '(' was never closed",
                         None),
    "unclosed_list": ("xs = [1, 2\nprint(xs)\n", "<string>:1:6: error: '[' was never closed", None),
    "unmatched_bracket": ("x = (1 + 2))\n", "<string>:1:12: error: unmatched ')'", None),
}


@pytest.mark.parametrize("source, first, help_line", SYNTAX.values(), ids=SYNTAX.keys())
def test_syntax_mistakes(source, first, help_line):
    result = run(source)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == first
    assert any(line.lstrip(" |").startswith("^") for line in lines[1:4])
    helps = [line for line in lines if line.startswith("help: ")]
    assert helps == ([help_line] if help_line else []), lines
    assert result.stdout == ""  # nothing ran


def test_unsupported_import_is_named():
    result = run("import os\n")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith(
        "ModuleNotFoundError: module 'os' is not available in autodiff scripts: scripts run in a sandbox")
    assert result.stderr.splitlines()[1] == "  --> <string>:1:8"


def test_errors_inside_functions_show_the_call_chain():
    result = run("import torch\ndef loss(w):\n    return (w * torch.ones(3)).sum()\nw = torch.ones(2)\nl = loss(w)\n")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("RuntimeError: The size of tensor a (2) must match the size of tensor b (3)")
    assert lines[1] == "  --> <string>:3:13"
    assert "note: in loss(), called from <string>:5:5" in lines


# Builtin methods and functions called with arguments that do not fit: the public name, the script's own count of
# arguments (PyTorch's wording where it words them alike; the oracle cases in test_tensor_api compare those).
WRONG_ARGUMENTS = {
    "t.abs(1)": "TensorBase.abs() takes no arguments (1 given)",
    "torch.abs(t, 1)": "abs() takes 1 positional argument but 2 were given",
    "t.exp(foo=1)": "TensorBase.exp() takes no keyword arguments",
    "t.zero_(1)": "TensorBase.zero_() takes no arguments (1 given)",
    "torch.exp()": "exp() missing 1 required positional argument",
    "t.fill_()": "fill_() missing 1 required positional argument",
    "t.add_()": "add_() missing 1 required positional argument",
    "t.size(1, 2)": "size() takes from 0 to 1 positional arguments but 2 were given",
    "f = t.sigmoid\nf(2)": "TensorBase.sigmoid() takes no arguments (1 given)",
    "torch.nn.functional.relu(t, 1, 2, 3)": "relu() takes from 1 to 2 positional arguments but 4 were given",
    # passed on by a wrapper that puts arguments of its own first (the generator, the tensor's memory)
    "t.bernoulli_(0.5, 2)": "bernoulli_() takes from 0 to 1 positional arguments but 2 were given",
    "t.add_(1, 2, 3)": "add_() takes from 1 to 2 positional arguments but 3 were given",
}


@pytest.mark.parametrize("call", WRONG_ARGUMENTS)
def test_wrong_arguments_name_the_public_function(call):
    result = run(f"import torch\nt = torch.ones(2)\n{call}\n")
    assert result.exit_code == 1
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"TypeError: {WRONG_ARGUMENTS[call]}"), first
    assert "<locals>" not in result.stderr and "internal error" not in result.stderr
