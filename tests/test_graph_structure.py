"""The recorded graph against PyTorch 2.13: grad_fn names and next_functions (their order, and which Python-number
operands get a `(None, 0)` entry), for the arithmetic operators and functions with number operands."""

from __future__ import annotations

import pytest

from differential import assert_same

pytest.importorskip("torch")
pytestmark = pytest.mark.oracle

EXPRESSIONS = [
    "b + 2", "2 + b", "b - 2", "2 - b", "b * 2", "2 * b", "b / 2", "2 / b", "b ** 2", "2 ** b", "b ** c",
    "torch.add(b, 2, alpha=3)", "torch.add(2, b)", "b.add(2)", "b.sub(2)", "b.mul(2)", "b.div(2)",
    "torch.rsub(b, 2)", "torch.rsub(b, c)", "torch.rsub(b, 2, alpha=3)", "b % 2", "b % c", "torch.remainder(b, 2)",
    "torch.fmod(b, 2)", "torch.fmod(b, c)", "torch.where(m, b, 0.0)", "torch.where(m, 1.0, b)",
    "torch.where(m, b, c)", "b.masked_fill(m, 0.0)", "torch.clamp(b, 0, 1)", "b.clamp(min=c)", "b.clamp(max=c)",
    "b + c", "b - c", "b * c", "b / c", "b.pow(2)", "torch.pow(2, b)", "b // 2", "b // c",
    "b.div(2, rounding_mode='floor')", "b + True", "b * torch.tensor(2.0)", "torch.tensor(2.0) * b", "-b", "abs(b)",
    "b @ c", "torch.maximum(b, c)",
]


def test_next_functions_match_torch():
    lines = ["import torch",
             "b = torch.tensor([1.0, 2.0], requires_grad=True).sin()",
             "c = torch.tensor([0.5, 3.0], requires_grad=True).cos()",
             "m = torch.tensor([True, False])",
             "def show(text, y):",
             "    print(text, y.grad_fn, y.grad_fn.name(), [(n.name() if n else None, i) "
             "for n, i in y.grad_fn.next_functions])"]
    lines += [f"show({text!r}, {text})" for text in EXPRESSIONS]
    assert_same("\n".join(lines) + "\n")


@pytest.mark.parametrize("text", ["b.clamp(min=c)", "b.clamp(max=c)", "b.clamp(c, c + 0.5)", "b.clamp(c + 0.5, c)",
                                  "torch.fmod(b, c)", "b % c", "torch.rsub(b, c)", "torch.where(m, b, c)",
                                  "b.clamp(c, 0.9)", "b.clamp(0.9, c)"])
def test_gradients_through_tensor_operands_match_torch(text):
    assert_same(f"""
        import torch
        x = torch.tensor([1.0, 2.0, -0.7, 0.2], requires_grad=True)
        y = torch.tensor([0.5, 3.0, -0.3, 0.6], requires_grad=True)
        b = x * 1.5
        c = y * 0.8
        m = torch.tensor([True, False, True, False])
        out = {text}
        out.backward(torch.tensor([1.0, -2.0, 0.5, 3.0]))
        print(out, x.grad, y.grad)
    """)


def test_floor_divide_backward_fails_as_torch():
    assert_same("""
        import torch
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        y = x // 2
        print(y, y.grad_fn)
        y.sum().backward()
    """)
