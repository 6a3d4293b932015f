"""Random and mutated scripts: parsing and running them may fail, but only with an AutodiffError."""

from __future__ import annotations

import io
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autodiff.errors import AutodiffError
from autodiff.language.builtins import make_stdlib
from autodiff.language.interpreter import Interpreter
from autodiff.language.parser import input_status, parse

VALID_PROGRAMS = [
    "x = 1.5\ny = 2\nfor i in range(3):\n    y = y * x\nprint(y)\n",
    "def f(a, b=2):\n    return a * b + 1\nprint(f(3), f(a=1, b=4))\n",
    "xs = [1, 2, 3]\nxs[0] += 5\nprint(xs[::-1], xs[1:], len(xs))\n",
    "d = {'a': 1, 'b': 2}\nfor k, v in d.items():\n    print(k, v)\n",
    "i = 0\nwhile i < 4:\n    i += 1\n    if i == 2:\n        continue\n    print(i)\nelse:\n    pass\n",
    "s = 'abc'\nprint(s.upper(), f'{s!r:>8} {len(s):03d}', s[1])\n",
    "a, b = 1, 2\na, b = b, a\nprint(a < b < 3, a if b else -a, not a, a and b or 0)\n",
    "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\nprint(fib(8))\n",
    "print([x * x for x in range(4) if x % 2], max(1, 2), min([3, 1]), abs(-2), round(2.5))\n",
    "t = (1, 2)\nu = ()\nv = (3,)\nprint(t + v, u, t[0] ** 2 // 3 % 2, 7 / 2, -t[1])\n",
    "def outer():\n    n = 0\n    def inner():\n        nonlocal n\n        n += 1\n        return n\n"
    "    inner()\n    return inner()\nprint(outer())\n",
    "total = 0\nfor a, b in zip([1, 2], [3, 4]):\n    total += a * b\n"
    "print(total, sorted([3, 1, 2]), list(reversed([1, 2])))\n",
]

TOKENS = [
    "x", "y", "f", "print", "range", "len", "=", "==", "+", "-", "*", "/", "//", "%", "**", "@", "(", ")", "[",
    "]", "{", "}", ":", ",", ".", ";", "\n", "    ", "if", "else", "elif", "for", "in", "while", "def",
    "return", "break", "continue", "pass", "and", "or", "not", "is", "None", "True", "False", "0", "1",
    "2.5", "1e-3", "'s'", '"t"', "f'{x}'", "lambda", "class", "import", "torch", "from", "as", "with",
    "global", "nonlocal", "del", "assert", "<", ">", "<=", "!=", "+=", "-=", "*=", "...", "#c", "\\\n",
    "__class__", "_x", "yield", "try", "*", "**", "中文", "\t",
]


def _run(source: str) -> None:
    out = io.StringIO()
    interpreter = Interpreter(make_stdlib(out.write), {}, filename="<fuzz>", max_steps=5_000, timeout=2.0,
                              max_depth=50, stderr=io.StringIO())
    try:
        interpreter.run(parse(source, "<fuzz>"))
    except AutodiffError as err:
        assert err.category and err.message is not None
        assert err.span is None or err.span.line >= 1
    assert input_status(source) in ("complete", "incomplete", "invalid")


# AUTODIFF_FUZZ_EXAMPLES=5000 pytest tests/test_language_fuzz.py for a longer hunt.
FUZZ = settings(max_examples=int(os.environ.get("AUTODIFF_FUZZ_EXAMPLES", "200")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join))
def test_random_tokens_raise_only_autodiff_errors(source: str) -> None:
    _run(source)


@st.composite
def mutated_programs(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(VALID_PROGRAMS))
    for _ in range(draw(st.integers(1, 4))):
        if not text:
            break
        position = draw(st.integers(0, len(text) - 1))
        action = draw(st.sampled_from(["delete", "insert", "replace", "duplicate", "token"]))
        if action == "delete":
            end = position + draw(st.integers(1, 5))
            text = text[:position] + text[end:]
        elif action == "insert":
            text = text[:position] + draw(st.sampled_from(list("()[]{}:,.=+-*/ \n\t'\"#\\0123xyz"))) + text[position:]
        elif action == "replace":
            text = text[:position] + draw(st.characters(codec="utf-8")) + text[position + 1:]
        elif action == "duplicate":
            end = position + draw(st.integers(1, 20))
            text = text[:end] + text[position:end] + text[end:]
        else:
            text = text[:position] + " " + draw(st.sampled_from(TOKENS)) + " " + text[position:]
    return text


@FUZZ
@given(mutated_programs())
def test_mutated_programs_raise_only_autodiff_errors(source: str) -> None:
    _run(source)


@FUZZ
@given(st.text(max_size=60))
def test_arbitrary_text_raises_only_autodiff_errors(source: str) -> None:
    _run(source)


def test_valid_programs_run() -> None:
    for program in VALID_PROGRAMS:
        out = io.StringIO()
        Interpreter(make_stdlib(out.write), {}, filename="<t>").run(parse(program))
        assert out.getvalue()
