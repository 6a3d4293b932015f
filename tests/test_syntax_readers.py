"""The two readers of a script (syntax.py): CPython's parser read into nodes (pyreader.py) must give exactly the
tree the Lark grammar builds (parser.py), every span included, or decline so that the grammar reads the text
(and reports its errors). Programs: every script in the test suite, every string in the tests' sources that
the grammar accepts, hand-written corner cases, and generated and mutated programs."""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autodiff.errors import AutodiffError, Span
from autodiff.language import pyreader
from autodiff.language.parser import grammar_parse, grammar_text
from autodiff.language.syntax import parse, parse_expression, prepare
from fuzzprograms import programs, wild_programs
from test_language_fuzz import TOKENS, VALID_PROGRAMS

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted([*ROOT.glob("tests/**/*.py"), *ROOT.glob("tests/**/*.ad"), *ROOT.glob("examples/*.ad")])


def difference(fast: Any, reference: Any, path: str = "module") -> str | None:
    """Where two trees differ (types, values and spans, strictly: 1 is not 1.0 or True), or None."""
    if type(fast) is not type(reference):
        return f"{path}: {type(fast).__name__} != {type(reference).__name__}"
    if isinstance(fast, list):
        if len(fast) != len(reference):
            return f"{path}: {len(fast)} items != {len(reference)}"
        for index, (a, b) in enumerate(zip(fast, reference)):
            found = difference(a, b, f"{path}[{index}]")
            if found:
                return found
        return None
    if isinstance(fast, Span) or not hasattr(fast, "__slots__"):
        same = fast == reference or (isinstance(fast, float) and math.isnan(fast) and math.isnan(reference))
        if isinstance(fast, float) and same:
            same = math.copysign(1, fast) == math.copysign(1, reference)
        return None if same else f"{path}: {fast!r} != {reference!r}"
    for name in fast.__slots__:
        found = difference(getattr(fast, name), getattr(reference, name), f"{path}.{name}")
        if found:
            return found
    return None


def compare(source: str) -> str:
    """'same', 'declined' (the grammar reads it), 'rejected' (both refuse it); fails on any disagreement."""
    text = prepare(source)
    fast = pyreader.read_module(text, "<test>")
    try:
        reference = grammar_parse(text, "<test>")
    except AutodiffError:
        reference = None
    if fast is None:
        return "declined" if reference is not None else "rejected"
    assert reference is not None, f"CPython's reader accepted what the grammar refuses:\n{source}"
    found = difference(fast, reference)
    assert found is None, f"{found}\n{source}"
    return "same"


def in_the_readers_subset(source: str) -> bool:
    """Whether every statement and expression of `source` is of a kind the fast reader reads (the rest, such as
    classes, lambda, try and generators, the grammar reads)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return all(type(node) in pyreader._STATEMENTS or type(node) in pyreader._EXPRESSIONS
               for node in ast.walk(tree) if isinstance(node, (ast.stmt, ast.expr)))


def test_every_script_in_the_suite_reads_the_same_both_ways():
    outcomes = {"same": 0, "declined": 0, "rejected": 0}
    declined_in_subset = []
    for path in SCRIPTS:
        source = path.read_text(encoding="utf-8", errors="replace")
        outcome = compare(source)
        outcomes[outcome] += 1
        if outcome == "declined" and in_the_readers_subset(source):
            declined_in_subset.append(path.name)
    assert outcomes["same"] >= 140, outcomes
    assert len(declined_in_subset) <= 5, declined_in_subset  # the reader must cover what it claims to read


def test_every_string_in_the_tests_reads_the_same_both_ways():
    outcomes = {"same": 0, "declined": 0, "rejected": 0}
    for path in sorted(ROOT.glob("tests/*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) < 5000:
                outcomes[compare(node.value)] += 1
    assert outcomes["same"] >= 1000, outcomes


CORNERS = [
    "x = (a) + (b)\ny = ((a + b)) * ((c))\nz = -1 ** -2\n",
    "if x:  # c\n    pass  # d\n    # e\n\nelif y:\n    z = 1;\nelse:\n    if q:\n        w = 2\n",
    "if a: pass\n",
    "def f(a, b = (1), *args, c: int = ((2)), d, **kw) -> int:\n    return (a)\n",
    "def g(*, a, b=1): return a\n",
    "def f(\n    a,\n    b=2,\n):\n    return a\n",
    "def f():\n    pass\n\n\n\n# trailing comment\n",
    "for (i) in (range(3)): print(i)\n",
    "for i, (j, k) in enumerate(x):\n    pass\nelse:\n    pass\n",
    "for x in y:\n    for z in w:\n        pass\n# comment at end\n",
    "if x:\n    pass\n        # odd comment indentation\ny = 1\n",
    "z = [(x) for (x) in (y) if (x) if x > 1 for q in x]\nw = {k: (v) for k, v in d.items()}\n",
    "s = sum((x) for x in y)\ns = sum(x for x in y if x)\ns = f((x for x in y))\ns = f(\n    x\n    for x in y\n)\n",
    "with open(x) as f, g() as (h):\n    pass\n",
    "print(f\"a {x!r:>{w}} b {y=} {z:.3f}\" \"c\" 'd' f'{q}')\n",
    "s = ('a'\n     'b'  # comment\n     \"c\")\ns = \"\"\"multi\nline\"\"\" + r'\\d'\n",
    "print(f\"{{literal}} {x['k']}\")\nprint(f\"\"\"{\nx\n}\"\"\")\n",
    "x = 'a' \\\n    'b'\nx = 1 \\\n    + 2\n",
    "t = 1,\nu = (1,)\nv = ()\na[1:2, ::3, ...]\na[:]\na[1:]\na[::]\ndel a[0], (b), c\ndel (d, e)\n",
    "x = not a and b or not c\nx = a if b else c if d else e\nx = a < b <= c is not d not in e\n",
    "x = a @ b // c % d << 1 >> 2 & 3 | 4 ^ 5\nx += 1\nx.y[0] **= 2\nx: int = 5\ny: int\n",
    "import a.b as c, d\nfrom e.f import (g as h, i,)\nfrom j import *\nglobal k\nassert x, 'msg'\n",
    "x = {**a, 'b': 1}\nf(*a, *b, c=1, **d)\nx = [*a, *b]\na, *b = c\n",
    "x = 0x1F + 0o7 + 0b1 + 1_000 + 1.5e-3 + .5 + 5. + 1e10 + 1e400\n",
    "x = f(a)(b)[c].d\nx = (f)(a)\nx = (a).b\n",
    "x = \"é\" + 'ü'  # ünïcode\ny = f\"{é} {ü!r}\"\né = 2\nimport torch  # ☺\nprint(torch.ones(2))\n",
    "x = [\n    1,  # one\n    2,\n]\n",
    "def outer():\n    n = 0\n    def inner():\n        nonlocal n\n        n += 1\n    return inner\n",
    "if x:\n\ty = 1\n\tif y:\n\t\tz = 2\n",
]
REFUSED_BY_THE_GRAMMAR = [
    "def f(a, a): pass\n", "f(a=1, a=2)\n", "[a, *b, *c] = d\n", "x = 1j\n", "x = b'bytes'\n",
    "from . import x\n", "def f(a, /): pass\n",
]
# Constructs the language has that the fast reader does not read yet: the grammar reads them.
LEFT_TO_THE_GRAMMAR = [
    "x = lambda: 1\n", "class A:\n    pass\n", "try:\n    pass\nexcept E:\n    pass\n",
    "@d\ndef f(): pass\n", "x = {1, 2}\n", "raise E\n", "(x := 1)\n", "def g():\n    yield 1\n",
]


@pytest.mark.parametrize("source", CORNERS)
def test_corner_cases_are_read_by_cpython_and_agree(source):
    assert compare(source) == "same"


@pytest.mark.parametrize("source", REFUSED_BY_THE_GRAMMAR)
def test_what_the_grammar_refuses_goes_to_the_grammar(source):
    assert pyreader.read_module(prepare(source), "<test>") is None
    with pytest.raises(AutodiffError) as caught:
        parse(source)
    with pytest.raises(AutodiffError) as reference:
        grammar_parse(prepare(source))
    assert (caught.value.message, caught.value.span) == (reference.value.message, reference.value.span)


@pytest.mark.parametrize("source", LEFT_TO_THE_GRAMMAR)
def test_constructs_the_reader_leaves_are_read_by_the_grammar(source):
    assert pyreader.read_module(prepare(source), "<test>") is None
    assert difference(parse(source), grammar_parse(prepare(source))) is None


def test_names_cpython_normalizes_go_to_the_grammar():
    assert pyreader.read_module(prepare("ｘ = 1\n"), "<test>") is None  # NFKC would make it `x`
    assert parse("ｘ = 1\n").body[0].targets[0].id == "ｘ"


def test_f_string_fields_read_the_same_both_ways():
    for source in ["x", "a + (b)", "f(x)[1:2]", "{'k': v}['k']", "[i for i in (y)]"]:
        text = "(" + source + "\n)\n"
        from autodiff.language.parser import grammar_parse_expression

        assert difference(pyreader.read_expression(text), grammar_parse_expression(text)) is None
    assert parse_expression("a +\nb").span == Span(1, 1, 2, 2)


def test_string_terminals_are_the_grammars():
    grammar = grammar_text()
    for name, pattern in (("STRING", pyreader.STRING_PATTERN), ("LONG_STRING", pyreader.LONG_STRING_PATTERN),
                          ("NAME", pyreader.NAME_PATTERN)):
        found = re.search(rf"^{name}: /(.*)/[is]*$", grammar, re.MULTILINE)
        assert found is not None and found.group(1) == pattern, name


def mutate(draw: st.DrawFn) -> str:
    program = draw(st.sampled_from(VALID_PROGRAMS))
    for _ in range(draw(st.integers(0, 3))):
        position = draw(st.integers(0, len(program)))
        program = program[:position] + draw(st.sampled_from(TOKENS)) + program[position:]
    return program


READER_SETTINGS = settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@READER_SETTINGS
@given(st.one_of(programs(), wild_programs(), st.composite(mutate)()))
def test_generated_and_mutated_programs_read_the_same_both_ways(program):
    compare(program)
