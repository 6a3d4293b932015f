"""torch.autograd.functional and gradcheck: the same script text run by autodiff and by PyTorch 2.13 must print the
same (values, tuple nesting, grad_fn names, requires_grad) and fail with the same error and message.

Scripts are run in this process on both sides: autodiff's interpreter, and Python's `exec` with real torch (the
oracle tests are skipped without it). tests/golden/functional_*.py keep a selection checked without torch.
"""

from __future__ import annotations

import contextlib
import io
import warnings

import numpy as np
import pytest

from autodiff.engine.tensor import Tensor
from autodiff.errors import AutodiffError
from autodiff.language.interpreter import Interpreter
from autodiff.prelude import build_namespace
from autodiff.torch import creation as creation_api
from autodiff.torch import namespace as namespace_api
from autodiff.torch.autograd import functional

HEADER = """\
import torch
from torch.autograd.functional import jacobian, hessian, vjp, jvp, hvp, vhp
from torch.autograd import gradcheck, gradgradcheck
"""


def run_autodiff(source: str) -> tuple[str, str | None, list[str]]:
    """(stdout, 'Category: message' of the error or None, warnings) of a script run by autodiff."""
    out = io.StringIO()
    found: list[str] = []
    names, modules = build_namespace(out.write)
    interpreter = Interpreter(names, modules, on_warning=lambda category, message, span: found.append(
        f"{category}: {message}"))  # UserWarnings are compared; PyTorch's import-time ones are not seen in-process
    error = None
    try:
        interpreter.run_source(HEADER + source)
    except AutodiffError as exc:
        error = f"{exc.category}: {exc.message}"
    return out.getvalue(), error, _unique([w for w in found if w.startswith("UserWarning")])


def run_torch(source: str) -> tuple[str, str | None, list[str]]:
    """The same for real PyTorch, in this process."""
    torch = pytest.importorskip("torch")
    out = io.StringIO()
    error = None
    with contextlib.redirect_stdout(out), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.manual_seed(0)
        try:
            exec(compile(HEADER + source, "<script>", "exec"), {"__name__": "__main__"})
        except Exception as exc:  # noqa: BLE001 - any script error is compared with autodiff's
            error = f"{type(exc).__name__}: {exc}"
    found = [f"{w.category.__name__}: {w.message}" for w in caught if issubclass(w.category, UserWarning)]
    return out.getvalue(), error, _unique(found)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def same_as_torch(source: str, seed_autodiff: bool = True) -> str:
    """Run `source` both ways and assert identical stdout, error and warnings; returns the stdout."""
    expected = run_torch(source)
    if seed_autodiff:
        creation_api.manual_seed(0)
    got = run_autodiff(source)
    assert got[0] == expected[0], f"stdout differs\n--- torch\n{expected[0]}\n--- autodiff\n{got[0]}"
    assert got[1] == expected[1]
    assert got[2] == expected[2]
    return got[0]


# --- the functions: (definition, inputs, vector shaped like the outputs, vector shaped like the inputs) ---------
# Scalar-valued ones (v_out "1") also go through hessian, hvp and vhp.

FUNCTIONS = {
    "seed_stack": ("def f(x1, x2, x3):\n    return torch.stack([x1 * x2 * x3, x1 + x2 + x3, x1 + x2 * x3])",
                   "(torch.tensor(1.0), torch.tensor(2.0), torch.tensor(3.0))", "torch.tensor([0.1, 0.2, 0.3])",
                   "(torch.tensor(1.0), torch.tensor(-1.0), torch.tensor(0.5))"),
    "poly": ("def f(x):\n    return x ** 3 - 2 * x", "torch.tensor([1.0, -2.0, 0.5])",
             "torch.tensor([1.0, 0.5, -1.0])", "torch.tensor([0.3, 0.2, 0.1])"),
    "exp_reducer": ("def f(x):\n    return x.exp().sum(dim=1)", "torch.tensor([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])",
                    "torch.tensor([1.0, 2.0])", "torch.ones(2, 3)"),
    "matvec": ("W = torch.tensor([[1.0, 2.0], [3.0, 4.0], [-1.0, 0.5]])\ndef f(x):\n    return W @ x",
               "torch.tensor([0.5, -1.5])", "torch.tensor([1.0, 1.0, 2.0])", "torch.tensor([1.0, 0.0])"),
    "tuple_out": ("def f(x, y):\n    return x * y, (x + y).sin()",
                  "(torch.tensor([1.0, 2.0]), torch.tensor([0.5, -1.0]))",
                  "(torch.tensor([1.0, -1.0]), torch.tensor([0.5, 0.5]))",
                  "(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0]))"),
    "softmax": ("def f(x):\n    e = (x - x.max()).exp()\n    return e / e.sum()", "torch.tensor([0.1, 1.0, -0.5])",
                "torch.tensor([1.0, 0.0, -1.0])", "torch.tensor([0.5, 0.2, -0.3])"),
    "norm": ("def f(x):\n    return (x * x).sum().sqrt()", "torch.tensor([3.0, 4.0, 12.0])", "1",
             "torch.tensor([1.0, 0.0, 1.0])"),
    "logsumexp": ("def f(x):\n    return x.exp().sum().log()", "torch.tensor([0.5, 1.5, -0.5, 2.0])", "1",
                  "torch.tensor([1.0, 2.0, 3.0, 4.0])"),
    "sigmoid_tanh": ("def f(x):\n    return torch.sigmoid(x) * torch.tanh(x)",
                     "torch.tensor([[0.5, -1.0], [2.0, 0.1]])", "torch.ones(2, 2)",
                     "torch.tensor([[1.0, 0.0], [0.0, 1.0]])"),
    "broadcast": ("def f(x, y):\n    return x.unsqueeze(1) * y + y",
                  "(torch.tensor([1.0, 2.0]), torch.tensor([0.5, -1.0, 3.0]))", "torch.ones(2, 3)",
                  "(torch.tensor([1.0, 1.0]), torch.tensor([0.0, 1.0, 0.0]))"),
    "mse": ("A = torch.tensor([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]])\nt = torch.tensor([1.0, 0.0, 2.0])\n"
            "def f(w, b):\n    return ((A @ w + b - t) ** 2).sum() / 3",
            "(torch.tensor([0.2, -0.3]), torch.tensor([0.1]))", "1",
            "(torch.tensor([1.0, 1.0]), torch.tensor([1.0]))"),
    "cross_terms": ("def f(x, y):\n    return (x ** 2 * y).sum() + (x * y).exp().sum()",
                    "(torch.tensor([1.0, 2.0]), torch.tensor([3.0, -1.0]))", "1",
                    "(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0]))"),
    "sqrt_log": ("def f(x):\n    return torch.sqrt(x) + torch.log(x) * x", "torch.tensor([0.5, 1.0, 4.0])",
                 "torch.tensor([1.0, 1.0, 1.0])", "torch.tensor([1.0, -1.0, 2.0])"),
    "quadratic_form": ("A = torch.tensor([[2.0, 1.0], [0.0, 3.0]])\ndef f(x):\n    return x @ A @ x",
                       "torch.tensor([1.0, -2.0])", "1", "torch.tensor([0.5, 0.5])"),
    "division": ("def f(x, y):\n    return x / (1 + y ** 2)", "(torch.tensor([1.0, 2.0]), torch.tensor([0.5, -2.0]))",
                 "torch.tensor([1.0, 2.0])", "(torch.tensor([1.0, 1.0]), torch.tensor([1.0, 0.0]))"),
    "builtin_sin": ("f = torch.sin", "torch.tensor([0.0, 1.0, 2.0])", "torch.tensor([1.0, 1.0, 1.0])",
                    "torch.tensor([1.0, 2.0, 3.0])"),
    "variance": ("def f(x):\n    d = x - x.sum() / 4\n    return (d * d).sum() / 3",
                 "torch.tensor([1.0, 2.0, 4.0, 7.0])", "1", "torch.tensor([1.0, 0.0, 0.0, -1.0])"),
    "double_precision": ("def f(x):\n    return x * x.sin()",
                         "torch.tensor([0.5, 1.5], dtype=torch.float64)",
                         "torch.tensor([1.0, 1.0], dtype=torch.float64)",
                         "torch.tensor([1.0, -1.0], dtype=torch.float64)"),
    "matrix_out": ("def f(x):\n    return x.t() @ x", "torch.tensor([[1.0, 2.0], [3.0, 4.0], [0.5, -1.0]])",
                   "torch.ones(2, 2)", "torch.ones(3, 2)"),
}


def _script(name: str) -> str:
    definition, inputs, v_out, v_in = FUNCTIONS[name]
    scalar = v_out == "1"
    lines = [definition, f"inputs = {inputs}"]
    if not scalar:
        lines.append(f"v_out = {v_out}")
    lines.append(f"v_in = {v_in}")
    for create_graph in (False, True):
        cg = f"create_graph={create_graph}"
        lines += [
            f"J = jacobian(f, inputs, {cg})",
            "print('jacobian', J)",
            f"print('vjp', vjp(f, inputs{'' if scalar else ', v_out'}, {cg}))",
            f"print('jvp', jvp(f, inputs, v_in, {cg}))",
        ]
        if scalar:
            lines += [
                f"print('hessian', hessian(f, inputs, {cg}))",
                f"print('hvp', hvp(f, inputs, v_in, {cg}))",
                f"print('vhp', vhp(f, inputs, v_in, {cg}))",
            ]
    return "\n".join(lines) + "\n"


@pytest.mark.oracle
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_builtin_matches_torch(name):
    same_as_torch(_script(name))


def test_at_least_15_functions_with_the_shapes_asked_for():
    assert len(FUNCTIONS) >= 15
    assert sum(v_out == "1" for _, _, v_out, _ in FUNCTIONS.values()) >= 5  # through hessian, hvp, vhp
    assert any(inputs.startswith("(") for _, inputs, _, _ in FUNCTIONS.values())  # tuple inputs
    assert any(v_out.startswith("(") for _, _, v_out, _ in FUNCTIONS.values())  # tuple outputs


def test_seed_jacobian_and_vjp_without_torch():
    out, error, _ = run_autodiff(FUNCTIONS["seed_stack"][0] + """
x = torch.tensor([1.0, 2.0, 3.0])
def g(x):
    return f(x[0], x[1], x[2])
print(jacobian(g, x))
print(vjp(g, x, torch.tensor([0.1, 0.2, 0.3]))[1])
""")
    assert error is None
    assert out == ("tensor([[6., 3., 2.],\n        [1., 1., 1.],\n        [1., 3., 2.]])\n"
                   "tensor([1.1000, 1.4000, 1.0000])\n")


# --- flags, gradients through the results, grad mode ------------------------------------------------------------

SCRIPTS = {
    "strict_and_create_graph": """
def lin(x):
    return 2 * x
def const(x):
    return torch.ones(2)
def sq(x):
    return (x * x).sum()
def total(x):
    return x.sum()
x = torch.tensor([1.0, 2.0])
for cg in [False, True]:
    j = jacobian(lin, x, create_graph=cg)
    print(j, j.requires_grad, vjp(lin, x, torch.ones(2), create_graph=cg), jvp(lin, x, torch.ones(2), create_graph=cg))
    print(jacobian(const, x, create_graph=cg), vjp(const, x, torch.ones(2), create_graph=cg))
    print(jvp(const, x, torch.ones(2), create_graph=cg))
    for fn in [sq, total]:
        print(hessian(fn, x, create_graph=cg), hvp(fn, x, torch.ones(2), create_graph=cg))
        print(vhp(fn, x, torch.ones(2), create_graph=cg))
print(jacobian(lin, x, strict=True), hessian(sq, x, strict=True))
""",
    "results_carry_history": """
x = torch.tensor([1.0, 2.0], requires_grad=True)
def sq(t):
    return (t * t).sum()
y, v = vjp(sq, x, create_graph=True)
print(y, v)
v.sum().backward()
print(x.grad)
h = hessian(sq, x, create_graph=True)
print(h, h.requires_grad, h.grad_fn is not None)
j = jacobian(torch.exp, x)
print(j, j.requires_grad, x.requires_grad)
out, t = jvp(torch.exp, x, torch.ones(2), create_graph=True)
print(out, t)
t.sum().backward()
print(x.grad)
""",
    "defaults_and_modes": """
def sq(t):
    return (t * t).sum()
def lin(t):
    return 2 * t
x = torch.tensor([1.0, 2.0])
print(vjp(sq, torch.tensor(3.0)), jvp(lin, torch.tensor(3.0)), hvp(sq, torch.tensor(3.0)), vhp(sq, torch.tensor(3.0)))
print(jacobian(lin, x, vectorize=True), jacobian(lin, x, vectorize=True, create_graph=True))
print(jacobian(lin, x, strategy="forward-mode", vectorize=True))
print(hessian(sq, x, vectorize=True))
print(jacobian(lin, x.double()), jacobian(lin, torch.tensor(5.0)), jacobian(lin, torch.tensor([[1.0]])))
with torch.no_grad():
    print(vjp(sq, x), jacobian(sq, x), jvp(lin, x, torch.ones(2)), hvp(sq, x, torch.ones(2)))
print(torch.is_grad_enabled())
print(torch.autograd.functional.jacobian(lin, x))
print(torch.autograd.functional.vhp(sq, x, x))
""",
    "forward_mode": """
def g(x):
    return x.exp() * x.sum()
def s(x):
    return (x.exp() * x).sum()
def two(a, b):
    return a * b, a.exp()
def twice(x):
    return x.double() * 2
x = torch.tensor([0.5, 1.0], requires_grad=True)
y = torch.tensor(0.5, requires_grad=True)
for f, a in [(g, x), (s, x), (g, y), (s, y), (twice, torch.tensor([1.0, 2.0])), (g, torch.tensor([1.0, 2.0]))]:
    print(jacobian(f, a, vectorize=True, strategy="forward-mode"))
print(jacobian(two, (x, torch.tensor([1.0, 2.0])), vectorize=True, strategy="forward-mode"))
print(jacobian(two, x, vectorize=True, strategy="forward-mode"))
print(jacobian(g, (x,), vectorize=True, strategy="forward-mode"))
print(hessian(s, torch.tensor([0.5, 1.0]), vectorize=True, outer_jacobian_strategy="forward-mode"))
print(hessian(s, (torch.tensor([0.5, 1.0]),), vectorize=True, outer_jacobian_strategy="forward-mode"))
jacobian(g, x, vectorize=True, strategy="forward-mode").sum().backward()
jacobian(two, (x, torch.tensor([1.0, 2.0])), vectorize=True, strategy="forward-mode")[1][0].sum().backward()
print(x.grad)
""",
    "nested_tuples": """
def two(x, y):
    return x * y, (x + y).exp()
def one_of_two(x, y):
    return (x * y).sum()
a = torch.tensor([1.0, 2.0])
b = torch.tensor([0.5, -1.0, 2.0]).reshape(3, 1)
print(jacobian(two, (a, b)))
print(jacobian(two, (a, a)))
print(vjp(two, (a, a), (torch.ones(2), torch.ones(2))))
print(jvp(two, (a, a), (torch.ones(2), torch.zeros(2))))
print(hessian(one_of_two, (a, a)))
print(hessian(one_of_two, (a, a), create_graph=True))
print(jacobian(one_of_two, (a, torch.ones(2))))
def single(x):
    return (x,)
print(jacobian(single, a), jacobian(single, (a,)))
""",
}


@pytest.mark.oracle
@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_flags_and_nesting_match_torch(name):
    same_as_torch(SCRIPTS[name])


# --- errors: one per script (scripts have no try) ----------------------------------------------------------------

ERRORS = [
    "torch.einsum(torch.ones(2))",  # a tensor where the equation belongs
    "def lin(x):\n    return 2 * x\nvjp(lin, torch.ones(2))",
    "def lin(x):\n    return 2 * x\nvjp(lin, torch.ones(2), torch.ones(3))",
    "def lin(x):\n    return 2 * x\njvp(lin, (torch.ones(2), torch.ones(2)), (torch.ones(2),))",
    "def lin(x):\n    return 2 * x\njvp(lin, (torch.ones(2), torch.ones(2)), (torch.ones(2), torch.ones(3)))",
    "def lin(x):\n    return 2 * x\njvp(lin, torch.ones(2))",
    "def lin(x):\n    return 2 * x\nhvp(lin, torch.ones(2), torch.ones(2))",
    "def lin(x):\n    return 2 * x\nhessian(lin, torch.ones(2))",
    "def two(x):\n    return x, x\nvhp(two, torch.ones(1), torch.ones(1))",
    "def lin(x):\n    return 2 * x\njacobian(lin, [torch.ones(2)])",
    "def lin(x):\n    return 2 * x\njacobian(lin, (torch.ones(2), 3))",
    "def as_list(x):\n    return [x, x]\njacobian(as_list, torch.ones(2))",
    "def num(x):\n    return 3.0\nvjp(num, torch.ones(2), torch.ones(2))",
    "def lin(x):\n    return 2 * x\njacobian(lin, torch.ones(2), strategy='forward-mode')",
    "def lin(x):\n    return 2 * x\njacobian(lin, torch.ones(2), strategy='sideways')",
    "def lin(x):\n    return 2 * x\njacobian(lin, torch.ones(2), strategy='forward-mode', create_graph=True)",
    "def lin(x):\n    return 2 * x\njacobian(lin, torch.ones(2), strict=True, vectorize=True)",
    "def lin(x):\n    return 2 * x\njacobian(lin, torch.ones(2), strict=True, create_graph=True)",
    "def const(x):\n    return torch.ones(2)\njacobian(const, torch.ones(2), strict=True)",
    "def const(x):\n    return torch.ones(2)\nvjp(const, torch.ones(2), torch.ones(2), strict=True)",
    "def half(x, y):\n    return x * 2\njacobian(half, (torch.ones(2), torch.ones(2)), strict=True)",
    "def half(x, y):\n    return x * 2\nvjp(half, (torch.ones(2), torch.ones(2)), torch.ones(2), strict=True)",
    "def half(x, y):\n    return x * 2\njvp(half, (torch.ones(2), torch.ones(2)), (torch.ones(2), torch.ones(2)), "
    "strict=True)",
    "def lin(x):\n    return 2 * x\njvp(lin, torch.ones(2), torch.ones(2), strict=True, create_graph=True)",
    "def total(x):\n    return x.sum()\nhessian(total, torch.ones(2), strict=True)",
    "def sq(x):\n    return (x * x).sum()\nhvp(sq, torch.ones(2), torch.ones(2), strict=True, create_graph=True)",
    "def sq(x):\n    return (x * x).sum()\nvhp(sq, torch.ones(2), torch.ones(2), strict=True, create_graph=True)",
    "def half(x, y):\n    return (x * x).sum()\n"
    "vhp(half, (torch.ones(2), torch.ones(2)), (torch.ones(2), torch.ones(2)), strict=True)",
    "def sq(x):\n    return (x * x).sum()\nhessian(sq, torch.ones(2), outer_jacobian_strategy='up')",
    "def sq(x):\n    return (x * x).sum()\nhessian(sq, torch.ones(2), outer_jacobian_strategy='forward-mode')",
    "def sq(x):\n    return (x * x).sum()\n"
    "hessian(sq, torch.ones(2), create_graph=True, vectorize=True, outer_jacobian_strategy='forward-mode')",
    "def sq(x):\n    return (x * x).sum()\njacobian(sq, torch.ones(2), strict=True, strategy='forward-mode')",
]


# --- gradcheck and gradgradcheck ---------------------------------------------------------------------------------

GRADCHECKS = {
    "passing": """
x = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
y = torch.tensor([[1.0, 2.0], [3.0, 0.5]], dtype=torch.float64, requires_grad=True)
def f(a):
    return a.sin() * a
def g(a, b):
    return (a[:2] * b).sum(0), b.exp()
def h(a, c):
    return a * c
print(gradcheck(f, x), gradcheck(f, (x,)), gradcheck(g, (x, y)), gradcheck(h, (x, 3.0)))
print(gradcheck(f, x, fast_mode=True), gradcheck(g, [x, y], fast_mode=True))
print(gradgradcheck(f, x), gradgradcheck(g, (x, y)), gradgradcheck(f, x, fast_mode=True))
print(gradgradcheck(f, x, torch.ones(3, dtype=torch.float64)))
print(torch.rand(2))
print(torch.autograd.gradcheck(f, x, eps=1e-4, atol=1e-4, rtol=1e-2, check_undefined_grad=False))
""",
    "failing_quietly": """
x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
def broken(a):
    return a * a.detach()
def flat(a):
    return a.detach() * 2
print(gradcheck(broken, x, raise_exception=False), gradcheck(broken, x, raise_exception=False, fast_mode=True))
print(gradgradcheck(broken, x, raise_exception=False))
print(gradcheck(flat, x, raise_exception=False))
""",
    "call_counts": """
x = torch.tensor([0.5, -1.0], dtype=torch.float64, requires_grad=True)
y = torch.tensor([2.0], dtype=torch.float64, requires_grad=True)
calls = []
def f(a, b):
    calls.append(1)
    return a * b, (a ** 2).sum() * b, a.detach()
for kwargs in [{}, {"fast_mode": True}, {"check_undefined_grad": False}]:
    print(gradcheck(f, (x, y), **kwargs), len(calls))
    print(gradgradcheck(f, (x, y), **kwargs), len(calls))
def g(a):
    calls.append(1)
    return a * 2
print(jacobian(g, x), len(calls))
v = torch.ones(2, dtype=torch.float64)
print(vjp(g, x, v), jvp(g, x, v), len(calls))
""",
    "forward_ad": """
x = torch.tensor([0.5, -1.0], dtype=torch.float64, requires_grad=True)
calls = []
def f(a):
    calls.append(1)
    return a.exp() * a, a.sum()
print(gradcheck(f, x, check_forward_ad=True), len(calls))
print(gradcheck(f, x, check_forward_ad=True, check_backward_ad=False, check_undefined_grad=False), len(calls))
def broken(a):
    return a * a.detach()
print(gradcheck(broken, x, check_forward_ad=True, check_backward_ad=False, raise_exception=False))
""",
    "single_precision": """
x = torch.tensor([1.0, 2.0], requires_grad=True)
def f(a):
    return a * 2
print(gradcheck(f, x, eps=1e-3, atol=1e-2, rtol=1e-2))
""",
}


@pytest.mark.oracle
@pytest.mark.parametrize("name", sorted(GRADCHECKS))
def test_gradcheck_matches_torch(name):
    same_as_torch(GRADCHECKS[name])


GRADCHECK_ERRORS = [
    "x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)\n"
    "def broken(a):\n    return a * a.detach()\ngradcheck(broken, x)",
    "x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)\n"
    "def broken(a):\n    return a * a.detach()\ngradcheck(broken, x, fast_mode=True)",
    "x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)\n"
    "y = torch.tensor([3.0], dtype=torch.float64, requires_grad=True)\n"
    "def f(a, b):\n    return a * b, (a * b.detach()).sum()\ngradcheck(f, (x, y))",
    "x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)\n"
    "def f(a):\n    return a.detach() * 2\ngradcheck(f, x)",
    "x = torch.tensor([1.0, 2.0], dtype=torch.float64)\ndef f(a):\n    return a * 2\ngradcheck(f, x)",
    "x = torch.tensor([[1.0], [2.0]], dtype=torch.float64, requires_grad=True).expand(2, 3)\n"
    "def f(a):\n    return a * 2\ngradcheck(f, x)",
    "x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)\n"
    "def f(a):\n    return a * 2\ngradcheck(f, x, 1e-3)",
    "x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)\n"
    "def f(a):\n    return a * 2\ngradcheck(f, x, check_backward_ad=False)",
    "x = torch.tensor([0.5, 2.0], dtype=torch.float64, requires_grad=True)\n"
    "def f(a):\n    return a * a.detach() ** 2\ngradgradcheck(f, x, torch.ones(2, dtype=torch.float64))",
    "x = torch.tensor([1.0, 2.0], requires_grad=True)\n"
    "def f(a):\n    return a * a\ngradcheck(f, x)",
    "x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)\n"
    "def f(a):\n    return a * a.detach()\ngradcheck(f, x, check_forward_ad=True, check_backward_ad=False)",
    "x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)\n"
    "def f(a):\n    return a * 2\ngradcheck(f, x, check_forward_ad=False, check_backward_ad=False)",
]


@pytest.mark.oracle
@pytest.mark.parametrize("source", ERRORS + GRADCHECK_ERRORS,
                         ids=[f"functional-{i}" for i in range(len(ERRORS))]
                         + [f"gradcheck-{i}" for i in range(len(GRADCHECK_ERRORS))])
def test_errors_match_torch(source):
    _, error, _ = run_torch(source)
    assert error is not None
    same_as_torch(source)


# --- without torch ------------------------------------------------------------------------------------------------


def test_gradcheck_error_names_input_output_and_both_jacobians():
    out, error, _ = run_autodiff(GRADCHECK_ERRORS[0])
    assert error == (
        "GradcheckError: Jacobian mismatch for output 0 with respect to input 0,\n"
        "numerical:tensor([[2.0000, 0.0000, 0.0000],\n        [0.0000, 4.0000, 0.0000],\n"
        "        [0.0000, 0.0000, 6.0000]], dtype=torch.float64)\n"
        "analytical:tensor([[1., 0., 0.],\n        [0., 2., 0.],\n        [0., 0., 3.]], dtype=torch.float64)\n")


def test_members_reach_every_spelling():
    modules = namespace_api.build_torch()
    names = namespace_api.bare_names(modules)
    for name in ("jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"):
        assert modules["torch.autograd.functional"].members[name] is getattr(functional, name)
        assert names[name] is getattr(functional, name)
    for name in ("gradcheck", "gradgradcheck"):
        assert modules["torch.autograd"].members[name] is getattr(functional, name)
        assert modules["torch.autograd.gradcheck"].members[name] is getattr(functional, name)
        assert names[name] is getattr(functional, name)
    assert modules["torch.autograd"].members["functional"] is modules["torch.autograd.functional"]


def test_builtins_are_black_boxes_for_the_checker():
    seen = []

    def spy(x):
        seen.append(functional.inside)
        return x * 2

    assert functional.inside == 0
    functional.jacobian(spy, Tensor(np.ones(2, dtype=np.float32)))
    assert seen == [1] and functional.inside == 0
    with pytest.raises(AutodiffError):
        functional.hessian(spy, Tensor(np.ones(2, dtype=np.float32)))
    assert functional.inside == 0


# --- engine gaps these builtins expose (double backward); xfail until ops.py catches up -------------------------

DOUBLE_BACKWARD = {
    "softmax_backward_grad_fn": "def f(x):\n    return torch.softmax(x, 0)\n"
                                "print(vjp(f, torch.tensor([0.1, 1.0]), torch.ones(2), create_graph=True))",
    "prod_second_derivative": "def f(x):\n    return x.prod()\nprint(hessian(f, torch.tensor([1.0, 2.0, 3.0])))",
    "norm_second_derivative": "def f(x):\n    return x.norm()\nprint(hessian(f, torch.tensor([3.0, 4.0, 12.0])))",
    "logsumexp_second_derivative": "def f(x):\n    return torch.logsumexp(x, 0)\n"
                                   "print(hessian(f, torch.tensor([0.5, 1.5])))",
    "std_second_derivative": "def f(x):\n    return x.std()\nprint(hessian(f, torch.tensor([3.0, 4.0, 7.0])))",
    "sum_to_0d_is_SumBackward0": "def f(x):\n    return (x ** 2).mean()\n"
                                 "print(jvp(f, torch.tensor([1.0, 2.0]), torch.ones(2), create_graph=True))",
    "grad_output_cast_to_output_dtype": "def f(x):\n    return x * 2\n"
                                        "print(vjp(f, torch.ones(2, dtype=torch.float64), torch.ones(2)))",
}

ENGINE_GAPS = {
    "var_backward_grad_fn": "def f(x):\n    return x.var()\n"
                            "print(jvp(f, torch.tensor([1.0, 2.0, 4.0]), torch.ones(3), create_graph=True))",
}


@pytest.mark.oracle
@pytest.mark.parametrize("name", sorted(DOUBLE_BACKWARD))
def test_double_backward_matches_torch(name):
    same_as_torch(DOUBLE_BACKWARD[name])


@pytest.mark.oracle
@pytest.mark.xfail(reason="ops.py: the grad_fn names inside these double-backward graphs differ from PyTorch's",
                   strict=True)
@pytest.mark.parametrize("name", sorted(ENGINE_GAPS))
def test_engine_double_backward_gaps(name):
    same_as_torch(ENGINE_GAPS[name])
