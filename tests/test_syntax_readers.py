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


# Scripts of the suite the fast reader may leave to the grammar although the grammar reads them, and why.
DECLINED_SCRIPTS: dict[str, str] = {}


def test_every_script_in_the_suite_reads_the_same_both_ways():
    outcomes: dict[str, list[str]] = {"same": [], "declined": [], "rejected": []}
    for path in SCRIPTS:
        source = path.read_text(encoding="utf-8", errors="replace")
        outcomes[compare(source)].append(str(path.relative_to(ROOT)))
    assert len(outcomes["same"]) >= 230, {outcome: len(paths) for outcome, paths in outcomes.items()}
    # Everything the grammar reads, the fast reader reads too (classes, lambda, try, generators included).
    assert sorted(outcomes["declined"]) == sorted(DECLINED_SCRIPTS), outcomes["declined"]


def test_every_teaching_program_is_read_by_cpythons_parser():
    programs = sorted([*ROOT.glob("tests/golden/*.py"), *ROOT.glob("tests/seeds/*.py"), *ROOT.glob("examples/*.ad")])
    assert len(programs) >= 150
    declined = [path.name for path in programs
                if pyreader.read_module(prepare(path.read_text(encoding="utf-8")), path.name) is None]
    assert declined == []


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
    # classes, decorators, lambda, try/raise, generators, walrus, sets, with
    "class A:\n    pass\n",
    "class A(): pass\n",
    "class A(B, C, metaclass=M, **kw):\n    x = 1\n\n    def f(self):\n        return self.x\n\n\n# end\n",
    "class A((B)):\n    pass\n",
    "class A(B,\n        C,\n        ):\n    '''doc'''\n",
    "class A(*bases):\n    pass\n",
    "class A (B) :\n    pass\n",
    "@dataclass\nclass P:\n    x: int = 0\n    y: float\n",
    "@a.b(1, k=2)\n@(c)\n# comment\n@d\nclass A(nn.Module):\n    @staticmethod\n    def f(x): return x\n"
    "    @property\n    def g(self):\n        return 1\n",
    "class Outer:\n    class Inner:\n        pass\n    def m(self):\n        class Local(Outer.Inner):\n"
    "            pass\n        return Local\n",
    "@decorator\ndef f():\n    pass\n",
    "@functools.wraps(g)\n@torch.no_grad()\ndef f(*args, **kwargs):\n    return g(*args, **kwargs)\n",
    "f = lambda: 0\n",
    "f = lambda x, y=(2), *args, z, w=3, **kw: (x + y)\n",
    "f = lambda *, a, b=1: a\n",
    "f = lambda *a: a\nf = lambda **k: k\nf = lambda x,: x\n",
    "key = sorted(xs, key=lambda p: (p[1], -p[0]))\n",
    "f = lambda x: lambda y: x + y\ng = (lambda: 1)()\nh = [lambda i=i: i for i in range(3)]\n",
    "x = a if b else lambda: c\n",
    "try:\n    x = 1\nexcept ValueError as e:\n    print(e)\nexcept (TypeError, KeyError):\n    pass\nexcept:\n"
    "    raise\nelse:\n    y = 2\nfinally:\n    z = 3\n",
    "try: x = 1\nexcept E: pass\n",
    "try:\n    pass\nfinally:\n    pass\n",
    "try:\n    pass\n# c\n\nexcept E as err:  # c\n    pass\n\n# c\n",
    "def f():\n    try:\n        return 1\n    except (E) as e:\n        raise RuntimeError('x') from e\n"
    "    finally:\n        print('done')\nx = 1\n",
    "raise\nraise E\nraise E('m') from None\nraise (E) from (c)\n",
    "for i in x:\n    try:\n        continue\n    except E:\n        break\n",
    "def g():\n    yield\n    yield 1\n    yield 1, 2\n    yield from range(3)\n    x = yield\n    y = yield x\n"
    "    z = (yield)\n    w = yield from g()\n    v = yield *a, b\n    u += yield 2\n    print((yield))\n",
    "def g(n):\n    while True:\n        n = (yield n) + 1\n",
    "s = sum(x * x for x in range(10))\n",
    "if (n := len(a)) > 10:\n    print(n)\n",
    "while (line := f()):\n    pass\n",
    "y = [z for x in d if (z := f(x))]\nprint(w := 1, (v := 2))\na[b := 1]\nif n := 3:\n    pass\n",
    "x = (y := (1 + 2))\n",
    "s = {1, 2, (3)}\nt = {*a, *b}\nu = {x for x in y if x}\nv = {(x) for (x) in (y)}\nw = {1,}\n",
    "def f():\n    global a, b\n    a = 1\n",
    "assert x\nassert (x), (y)\nassert isinstance(x, int), f'{x!r}'\n",
    "del x\ndel x[0], y.z\ndel (a), [b]\n",
    "with torch.no_grad():\n    x = 1\nwith a as (b, c), d:\n    pass\n",
    "class Value:\n    def __init__(self, data, _children=(), _op=''):\n        self.data = data\n"
    "        self._prev = set(_children)\n        self._backward = lambda: None\n\n    def __add__(self, other):\n"
    "        other = other if isinstance(other, Value) else Value(other)\n"
    "        out = Value(self.data + other.data, (self, other), '+')\n\n        def _backward():\n"
    "            self.grad += out.grad\n        out._backward = _backward\n        return out\n\n"
    '    def __repr__(self):\n        return f"Value(data={self.data}, grad={self.grad})"\n',
    "class N(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.l = nn.Linear(2, 3)\n\n"
    "    def forward(self, x):\n        return self.l(x).relu()\n\n\nnet = N()\n",
    "class É:\n    pass\ntry:\n    pass\nexcept E as é:\n    pass\nf = lambda é=1: é\n",
    "with (a):\n    pass\n",
    "with (a) as b:\n    pass\n",
    "with (a, b) as c:\n    pass\n",
    "with (a), (b) as c:\n    pass\n",
    "with ((a, b)):\n    pass\n",
    "with (a)(b) as c:\n    pass\n",
    "with (a) if c else (b):\n    pass\n",
    "with (a if c else b):\n    pass\n",
    "with ( (a) ) as (b):\n    pass\n",
    "with (\n    a\n):\n    pass\n",
    "with (a).b():\n    pass\n",
    "with (a) , b:\n    pass\n",
    # comments between the nodes, where the reader scans for keywords and parentheses
    "total = sum(\n    loss(x)  # per-sample (note)\n    # for in if\n    for x in xs  # the data, for in\n"
    "    if x  # if in for\n)\n",
    "y = [  # (\n    (a)  # ) (\n    for (b)  # for\n    in (c)  # in\n    if (d  # if\n    )\n]\n",
    "with (  # c, (\n    a  # ,\n) as b:\n    pass\n",
    "f = lambda a=(  # (\n    1  # )\n): a\n",
    "z = {k: (  # c\n    v) for k, v in d}\ns = {(  # (\n x) for x in y}\n",
    "def f(a=(  # =\n    1), *, b=2):  # c\n    pass\n",
    "g = f(  # (\n    (x)  # )\n    for x in y\n)\n",
    # an imaginary literal as a slice's step (NumPy's point count), the one place the language has them
    "xx, yy = np.mgrid[-1:1:5j, 0:2:n * 1j]\n", "a = np.r_[0:1:-(2j), x[::1j]]\n", "b = c[0:1:d[::2j]]\n",
]
REFUSED_BY_THE_GRAMMAR = [
    "def f(a, a): pass\n", "f(a=1, a=2)\n", "[a, *b, *c] = d\n", "x = 1j\n", "x = b'bytes'\n",
    "from . import x\n", "def f(a, /): pass\n", "x += *a, b\n", "for x in *a, b:\n    pass\n",
    "try:\n    pass\nexcept:\n    pass\nexcept E:\n    pass\n", "class A(k=1, k=2):\n    pass\n",
    "f = lambda a, a: 1\n", "f = lambda a, /: a\n", "with (a as b):\n    pass\n", "async def f():\n    pass\n",
    "try:\n    pass\nexcept* E:\n    pass\n", "def g():\n    yield *a\n", "x = await y\n",
    "match x:\n    case 1:\n        pass\n", "*x = 1.5\n", "for *x in y:\n    pass\n",
    "x = a[1j:2]\n", "x = a[0:2j]\n", "x = a[0:1:2][3j]\n", "x = a[0:1:f(2)] + 1j\n",
]
# What the fast reader leaves to the grammar although both would read it: CPython reads each of these
# differently from the grammar (`with (a, b):` is one tuple item to the grammar, two items to CPython; `a[*b]`
# indexes with a Starred to the grammar, a tuple to CPython), or CPython normalizes a name the grammar keeps.
LEFT_TO_THE_GRAMMAR = [
    "with (a, b):\n    pass\n", "with (a,):\n    pass\n", "with ((a), b):\n    pass\n", "a[*b]\n",
    "\uff58 = 1\n", "class \uff21:\n    pass\n",
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


# Programs of every construct the language reads, with the spellings where spans are easy to get wrong:
# grouping parentheses, spaces, comments, line continuations, trailing commas, blank lines.
NAMES = ["a", "b", "x", "self", "torch", "é"]
ATOMS = ["1", "2.5", "None", "True", "'s'", 'f"{a!r:>4}"', "...", "[]", "()", "{}"]
SPACES = [" ", " ", " ", "  ", " \\\n    "]


def spaced(draw: st.DrawFn, *parts: str) -> str:
    """The parts joined by spaces, a backslash continuation now and then."""
    return "".join(part + (draw(st.sampled_from(SPACES)) if index < len(parts) - 1 else "")
                   for index, part in enumerate(parts))


def syntax_expression(draw: st.DrawFn, depth: int) -> str:
    if depth <= 0 or draw(st.integers(0, 4)) == 0:
        return draw(st.sampled_from(NAMES + ATOMS))
    sub = lambda: syntax_expression(draw, depth - 1)  # noqa: E731
    star = lambda: "*" + grouped(sub())  # noqa: E731
    gap = lambda: draw(st.sampled_from([" ", " ", "  # (c) for in if\n    ", " \\\n  "]))  # noqa: E731
    name = draw(st.sampled_from(NAMES))
    params = draw(st.sampled_from(["", "x", "x, y=1", "*args", "*, k", "x=(1), *a, k, **kw", "**kw", "x,"]))
    form = draw(st.integers(0, 17))
    if form == 0:
        return f"({sub()})"
    if form == 1:
        return spaced(draw, grouped(sub()), draw(st.sampled_from(["+", "*", "**", "<", "is not", "and", "|"])),
                      grouped(sub()))
    if form == 2:
        return spaced(draw, grouped(sub()), "if", grouped(sub()), "else", sub())
    if form == 3:
        return f"{grouped(sub())}({sub()}, k={sub()}, {star()}, **{grouped(sub())})"
    if form == 4:
        return f"{grouped(sub())}.attr[{sub()}:{sub()}]"
    if form == 5:
        return spaced(draw, "lambda" + (" " + params if params else ""), ":", sub()).replace(" :", ":")
    if form == 6:
        return f"({name} := {sub()})"
    if form == 7:
        return f"{{{sub()}, {star()}{draw(st.sampled_from(['', ',']))}}}"
    if form == 8:
        return f"{{{sub()}{gap()}for {name} in{gap()}{grouped(sub())}{gap()}if {grouped(sub())}}}"
    if form == 9:
        return f"[{gap()}{sub()}{gap()}for ({name}){gap()}in ({sub()}) for b in {grouped(sub())}{gap()}]"
    if form == 10:
        return f"{{{sub()}: {sub()} for {name}, b in {grouped(sub())}}}"
    if form == 11:
        return f"sum({gap()}{grouped(sub())}{gap()}for {name} in {grouped(sub())})"
    if form == 12:
        return draw(st.sampled_from(["(yield)", f"(yield {sub()})", f"(yield from {sub()})"]))
    if form == 13:
        return f"not {grouped(sub())}"
    if form == 14:
        return f"[{sub()}, {star()}]"
    if form == 15:
        return f"{{'k': {sub()}, **{grouped(sub())}}}"
    if form == 16:
        return f"f'{{{name} + 1}} {{{name}=}}'"
    return f"-{grouped(sub())}"


def grouped(text: str) -> str:
    """`text` in parentheses unless it is a name or a literal (an operand of `*`, `**`, `.`, a call)."""
    return text if text in NAMES or (text in ATOMS and not text[0].isdigit()) else f"({text})"


def syntax_block(draw: st.DrawFn, indent: str, depth: int) -> list[str]:
    lines = []
    for _ in range(draw(st.integers(1, 3))):
        lines += syntax_statement(draw, indent, depth)
        if draw(st.integers(0, 3)) == 0:
            lines.append(draw(st.sampled_from(["", indent + "# comment", "  # odd comment"])))
    return lines


def syntax_statement(draw: st.DrawFn, indent: str, depth: int) -> list[str]:
    expr = lambda: syntax_expression(draw, 2)  # noqa: E731
    name = draw(st.sampled_from(NAMES))
    comment = draw(st.sampled_from(["", "", "  # note"]))
    kinds = ["simple"] * 3 + (["class", "def", "try", "if", "for", "with", "while"] if depth > 0 else [])
    kind = draw(st.sampled_from(kinds))
    inner = indent + "    "
    if kind == "simple":
        line = draw(st.sampled_from([
            f"{name} = {expr()}", f"{name}.y += {expr()}", f"{expr()}", f"raise {expr()}", "raise",
            f"raise {expr()} from {expr()}", f"assert {expr()}, {expr()}", f"del {name}, {name}[0]", "pass",
            f"global {name}", f"return {expr()}", f"yield {expr()}", f"yield from {expr()}", f"{name} = yield",
            f"{name}, *b = {expr()}", f"{name}: int = {expr()}", "break", "continue", f"{name} = {expr()}; pass",
            f"{name} = yield {expr()}, *{grouped(expr())}",
        ]))
        return [indent + line + comment]
    body = syntax_block(draw, inner, depth - 1)
    if kind == "class":
        decorators = [indent + "@" + expr() for _ in range(draw(st.integers(0, 2)))]
        arguments = draw(st.sampled_from(["", "()", f"({expr()})", f"({expr()}, metaclass={expr()})",
                                          f"(\n{inner}{expr()},\n{indent})",
                                          f"(*{grouped(expr())}, **{grouped(expr())})"]))
        return decorators + [f"{indent}class {name.replace('self', 'C')}{arguments}:{comment}"] + body
    if kind == "def":
        decorators = [indent + "@" + expr() for _ in range(draw(st.integers(0, 2)))]
        params = draw(st.sampled_from(["", "self", "a, b=(1)", "*args, k=2, **kw", "a: int = 1, *, b",
                                       "*a: int", "\n" + inner + "a,\n" + indent]))
        return decorators + [f"{indent}def f({params}) -> {expr()}:{comment}"] + body
    if kind == "try":
        lines = [f"{indent}try:{comment}"] + body
        handlers = draw(st.sampled_from([["E"], ["E as e", "(E, F)"], [f"({expr()}) as e", ""], [""], []]))
        for handler in handlers:
            lines += [f"{indent}except{' ' + handler if handler else ''}:"] + syntax_block(draw, inner, depth - 1)
        if handlers and draw(st.booleans()):
            lines += [f"{indent}else:"] + syntax_block(draw, inner, depth - 1)
        if not handlers or draw(st.booleans()):
            lines += [f"{indent}finally:"] + syntax_block(draw, inner, depth - 1)
        return lines
    header = {"if": f"if {expr()}", "for": f"for {name} in {expr()}", "while": f"while ({name} := {expr()})",
              "with": f"with {expr()} as {name}, ({expr()})"}[kind]
    lines = [f"{indent}{header}:{comment}"] + body
    if kind != "with" and draw(st.booleans()):
        lines += [f"{indent}else:"] + syntax_block(draw, inner, depth - 1)
    return lines


@st.composite
def syntax_programs(draw: st.DrawFn) -> str:
    return "\n".join(syntax_block(draw, "", 2)) + "\n"


def mutate(draw: st.DrawFn) -> str:
    program = draw(st.sampled_from(VALID_PROGRAMS + CORNERS))
    for _ in range(draw(st.integers(0, 3))):
        position = draw(st.integers(0, len(program)))
        program = program[:position] + draw(st.sampled_from(TOKENS + MORE_TOKENS)) + program[position:]
    return program


MORE_TOKENS = [":=", "@", "except", "finally", "raise", "from", "yield", "lambda", "class", "(", ")", "{", "}",
               "*", "as", "try:", "x, ", "\n    ", "else:"]
READER_SETTINGS = settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@READER_SETTINGS
@given(st.one_of(programs(), wild_programs(), st.composite(mutate)()))
def test_generated_and_mutated_programs_read_the_same_both_ways(program):
    compare(program)


def test_the_construct_programs_are_mostly_read_by_cpythons_parser():
    """The strategy below must exercise the reader, not only the grammar: most of its programs are read."""
    outcomes = {"same": 0, "declined": 0, "rejected": 0}

    @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(syntax_programs())
    def count(program):
        outcomes[compare(program)] += 1

    count()
    assert outcomes["same"] >= 30, outcomes


@settings(READER_SETTINGS, max_examples=150)
@given(syntax_programs())
def test_programs_of_every_construct_read_the_same_both_ways(program):
    compare(program)
