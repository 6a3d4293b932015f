"""The interpreter: Python semantics for the supported subset, the value protocol, errors with spans,
limits, warnings and the sandbox."""

from __future__ import annotations

import io
import os
import sys
import time

import pytest

from autodiff import errors
from autodiff.errors import AutodiffError, Span
from autodiff.language import protocol
from autodiff.language.builtins import make_stdlib
from autodiff.language.interpreter import Interpreter, statement_span_of_frames
from autodiff.language.parser import ParseError
from autodiff.language.protocol import Namespace, TypeTable
from autodiff.language.runtime.functions import UserFunction


class FakeTensor:
    """A tiny tensor stand-in: a list of floats with elementwise + and *, indexing and a `data` field."""

    def __init__(self, values, requires_grad=False):
        self.values = list(values)
        self.requires_grad = requires_grad

    def _other(self, other):
        return other.values if isinstance(other, FakeTensor) else [other] * len(self.values)

    def __add__(self, other):
        return FakeTensor([a + b for a, b in zip(self.values, self._other(other), strict=True)])

    __radd__ = __add__

    def __mul__(self, other):
        return FakeTensor([a * b for a, b in zip(self.values, self._other(other), strict=True)])

    __rmul__ = __mul__

    def __getitem__(self, index):
        return self.values[index]

    def __setitem__(self, index, value):
        self.values[index] = value

    def __len__(self):
        return len(self.values)

    def __iter__(self):
        return iter(self.values)

    def __bool__(self):
        if len(self.values) != 1:
            raise AutodiffError("RuntimeError", "Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.values[0])

    def __str__(self):
        return f"tensor({self.values})"

    def __format__(self, spec):
        return format(self.values[0], spec) if spec else str(self)


def _set_data(t, value):
    t.values = list(value.values)


protocol.register(FakeTensor, TypeTable(
    "Tensor",
    getters={"data": lambda t: FakeTensor(t.values), "requires_grad": lambda t: t.requires_grad,
             "shape": lambda t: (len(t.values),)},
    setters={"data": _set_data, "requires_grad": lambda t, v: setattr(t, "requires_grad", bool(v))},
    methods={"sum": lambda t: FakeTensor([sum(t.values)]), "item": lambda t: t.values[0],
             "warn": lambda t: errors.warn("UserWarning", "careful") or t},
))


class GradMode:
    """A context manager like torch.no_grad(): records enter/exit."""

    log: list[str] = []

    def __enter__(self):
        GradMode.log.append("enter")
        return "mode"

    def __exit__(self, *exc):
        GradMode.log.append("exit" if exc[0] is None else f"exit after {exc[0].__name__}")
        return False


def make(**options):
    out = io.StringIO()
    names = make_stdlib(out.write)
    names["tensor"] = lambda values, requires_grad=False: FakeTensor(values, requires_grad)
    names["no_grad"] = GradMode
    names["ones"] = lambda n: FakeTensor([1.0] * n)
    torch = Namespace("torch", {"tensor": names["tensor"], "no_grad": GradMode, "ones": names["ones"]})
    nn = Namespace("torch.nn", {"Parameter": lambda t: t})
    modules = {"torch": torch, "torch.nn": nn, "torch.nn.functional": Namespace("torch.nn.functional", {})}
    options.setdefault("stderr", io.StringIO())
    interpreter = Interpreter(names, modules, filename="t.py", **options)
    return interpreter, out


def run(source, **options):
    interpreter, out = make(**options)
    interpreter.run_source(source)
    return out.getvalue()


def fails(source, **options) -> AutodiffError:
    interpreter, _ = make(**options)
    with pytest.raises(AutodiffError) as info:
        interpreter.run_source(source)
    return info.value


# -- Python semantics ---------------------------------------------------------------------------------


def test_arithmetic_and_literals():
    assert run("print(1 + 2 * 3, 7 / 2, 7 // 2, 7 % 3, 2 ** 10, -3, +4, ~5, 1e-3, 0x10)") == \
        "7 3.5 3 1 1024 -3 4 -6 0.001 16\n"
    assert run("print(1 << 3, 6 & 3, 6 | 1, 6 ^ 3, 'ab' * 2, [0] * 3)") == "8 2 7 5 abab [0, 0, 0]\n"


def test_print_options():
    assert run("print('a', 'b', sep='-', end='!\\n'); print(); print(None, True)") == "a-b!\n\nNone True\n"


def test_assignment_forms():
    source = """
a, b = 1, 2
a, b = b, a
first, *rest = [1, 2, 3]
x = y = 5
l = [1, 2, 3]
l[0] = 10
l[1] += 5
d = {'k': 1}
d['k'] *= 3
print(a, b, first, rest, x, y, l, d)
"""
    assert run(source) == "2 1 1 [2, 3] 5 5 [10, 7, 3] {'k': 3}\n"


def test_control_flow():
    source = """
i = 0
while True:
    i += 1
    if i > 6:
        break
    elif i % 2 == 0:
        continue
    else:
        print('odd', i)
for j in range(2):
    pass
else:
    print('done', j)
while False:
    pass
else:
    print('while-else')
for k in range(5):
    if k == 1:
        break
else:
    print('not printed')
"""
    assert run(source) == "odd 1\nodd 3\nodd 5\ndone 1\nwhile-else\n"


def test_for_unpacking_and_builtins():
    source = """
for i, (a, b) in enumerate(zip([1, 2], 'xy')):
    print(i, a, b)
print(len([1, 2]), list(range(3)), min(3, 1), max([4, 9]), abs(-2), round(2.567, 2), sum([1, 2]))
print(sorted([3, 1, 2], reverse=True), list(reversed((1, 2))), any([0, 1]), all([]), bool(0))
print(float('1.5'), int('7'), str(3), tuple([1]), dict(a=1), sorted({'b': 1, 'a': 2}))
"""
    assert run(source) == ("0 1 x\n1 2 y\n2 [0, 1, 2] 1 9 2 2.57 3\n[3, 2, 1] [2, 1] True True False\n"
                           "1.5 7 3 (1,) {'a': 1} ['a', 'b']\n")


def test_comparisons_and_short_circuit():
    source = """
print(1 < 2 < 3, 3 > 2 > 2, 1 == 1.0 != 2, 'a' in 'abc', 3 not in [1], None is None, 1 is not None)
print(0 or 'x', 1 and 0, [] or [], 'a' and 'b', not 0, 3 if 0 else 4)
def boom():
    print('never')
print(False and boom(), True or boom())
"""
    assert run(source) == "True False True True True True True\nx 0 [] b True 4\nFalse True\n"


def test_subscripts_and_slices():
    source = """
l = [0, 1, 2, 3, 4]
print(l[-1], l[1:3], l[::2], l[::-1], l[:2], 'hello'[1:-1])
d = {(1, 2): 'pair'}
print(d[1, 2])
del l[0]
print(l)
"""
    assert run(source) == "4 [1, 2] [0, 2, 4] [4, 3, 2, 1, 0] [0, 1] ell\npair\n[1, 2, 3, 4]\n"


class Recorder:
    def __getitem__(self, key):
        return key


def test_subscript_keys_are_real_python_objects():
    interpreter, _ = make()
    interpreter.globals["r"] = Recorder()
    interpreter.run_source("k1 = r[:, 0]\nk2 = r[..., None]\nk3 = r[1:2:3]\nk4 = r[::2, -1]\nn = 2\nk5 = r[n:]")
    g = interpreter.globals
    assert g["k1"] == (slice(None), 0)
    assert g["k2"] == (Ellipsis, None)
    assert g["k3"] == slice(1, 2, 3)
    assert g["k4"] == (slice(None, None, 2), -1)
    assert g["k5"] == slice(2, None)


def test_strings_and_fstrings():
    source = """
x = 3.14159
name = 'w'
print(f'{x:.3f}|{name!r}|{x=}|{{}}|{x:{8}.{2}f}|{[1, 2][0]}', 'a{}b{k}'.format(1, k=2))
print('a,b'.split(','), '-'.join(['x', 'y']), ' s '.strip(), 'Ab'.upper(), 'Ab'.lower())
print('abc'.replace('b', 'B'), 'abc'.startswith('a'), 'abc'.endswith('x'), '中文')
"""
    assert run(source) == ("3.142|'w'|x=3.14159|{}|    3.14|1 a1b2\n['a', 'b'] x-y s AB ab\n"
                           "aBc True False 中文\n")


def test_list_and_dict_methods():
    source = """
l = [3, 1]
l.append(2); l.extend([5]); l.insert(0, 9); l.sort(); l.reverse()
print(l, l.pop(), l.index(3), l.count(1), l.copy())
d = {'a': 1}
print(list(d.keys()), list(d.values()), list(d.items()), d.get('z', 0))
"""
    # print's arguments are evaluated first: `l` shows the list after the pop
    assert run(source) == "[9, 5, 3, 2] 1 2 0 [9, 5, 3, 2]\n['a'] [1] [('a', 1)] 0\n"


def test_comprehensions():
    source = """
xs = [1, 2, 3, 4]
print([x * x for x in xs if x % 2], {x: x + 1 for x in xs if x > 2}, sum(x for x in xs))
print([(a, b) for a in range(2) for b in range(a)])
def f(k):
    return [k * x for x in range(3)]
print(f(2))
x = 'kept'
[x for x in range(3)]
print(x)
"""
    assert run(source) == "[1, 9] {3: 4, 4: 5} 10\n[(1, 0)]\n[0, 2, 4]\nkept\n"


def test_functions_defaults_keywords_and_recursion():
    source = """
def f(a, b=2, *args, c=3, **kw):
    return (a, b, args, c, kw)
print(f(1), f(1, 5, 6, c=7, d=8), f(b=1, a=0))
def fact(n):
    if n <= 1:
        return 1
    return n * fact(n - 1)
print(fact(10))
def nothing():
    pass
print(nothing())
def spread(*xs):
    return len(xs)
print(spread(*[1, 2, 3], 4))
"""
    assert run(source) == ("(1, 2, (), 3, {}) (1, 5, (6,), 7, {'d': 8}) (0, 1, (), 3, {})\n3628800\nNone\n4\n")


def test_scoping():
    source = """
g = 1
def read():
    return g + 1
def write():
    global g
    g = 10
def shadow():
    g = 5
    return g
print(read(), shadow(), g)
write()
print(g)
def counter():
    n = 0
    def step():
        nonlocal n
        n += 1
        return n
    step()
    return step()
print(counter())
def outer():
    v = 'closure'
    def inner():
        return v
    return inner
print(outer()())
"""
    assert run(source) == "2 5 1\n10\n2\nclosure\n"


def test_unbound_local():
    err = fails("g = 1\ndef f():\n    print(g)\n    g = 2\nf()\n")
    assert err.category == "UnboundLocalError"
    assert err.message == "cannot access local variable 'g' where it is not associated with a value"
    assert (err.span.line, err.span.column) == (3, 11)


def test_user_functions_are_python_callables():
    interpreter, _ = make()
    interpreter.run_source("def square(x, k=1):\n    return x * x * k\n")
    square = interpreter.globals["square"]
    assert isinstance(square, UserFunction)
    assert square(3) == 9 and square(2, k=3) == 12
    assert repr(square) == "<function square>" and square.name == "square"
    assert run("def f(): pass\nprint(f, sorted([3, 1, 2], key=f.name and None))") == \
        "<function f> [1, 2, 3]\n"


def test_with_calls_enter_and_exit():
    GradMode.log = []
    assert run("with no_grad() as m:\n    print(m)\nimport torch\nwith torch.no_grad():\n    pass\n") == \
        "mode\n"
    assert GradMode.log == ["enter", "exit", "enter", "exit"]
    GradMode.log = []
    err = fails("with no_grad():\n    x = 1 / 0\n")
    assert err.category == "ZeroDivisionError" and GradMode.log == ["enter", "exit after ZeroDivisionError"]
    GradMode.log = []
    assert run("def f():\n    with no_grad():\n        return 1\nprint(f())\n") == "1\n"
    assert GradMode.log == ["enter", "exit"]


def test_imports():
    source = """
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import ones, tensor as T
import torch.nn
print(torch, nn, F, ones(2), T([1]))
"""
    assert run(source) == ("<module 'torch'> <module 'torch.nn'> <module 'torch.nn.functional'> "
                           "tensor([1.0, 1.0]) tensor([1])\n")
    assert run("from torch import nn\nprint(nn)") == "<module 'torch.nn'>\n"
    assert run("from torch import *\nprint(ones(1))") == "tensor([1.0])\n"


def test_import_errors():
    err = fails("import os")
    assert err.category == "ModuleNotFoundError"
    assert err.message.startswith("module 'os' is not available in autodiff scripts: scripts run in a sandbox")
    assert err.hint == "scripts can import torch"
    assert (err.span.line, err.span.column) == (1, 8)
    assert fails("import numpy as np").message.startswith("module 'numpy' is not available")
    err = fails("from torch import onez")
    assert err.category == "ImportError"
    assert err.message == "cannot import name 'onez' from 'torch'; did you mean 'ones'?"


# -- the value protocol ------------------------------------------------------------------------------


def test_tensor_like_values_use_their_operators_and_tables():
    source = """
w = tensor([1.0, 2.0])
w.requires_grad = True
y = 2 * w + 1
print(y, y[0], len(y), y.shape, w.requires_grad)
w.data = w.data * 3
w[1] = 10.0
w[0] += 1
print(w, w.sum().item(), f'{tensor([0.5]):.2f}')
for v in w:
    print(v)
"""
    assert run(source) == ("tensor([3.0, 5.0]) 3.0 2 (2,) True\ntensor([4.0, 10.0]) 14.0 0.50\n4.0\n10.0\n")


def test_truthiness_goes_through_bool():
    assert run("if tensor([1.0]):\n    print('yes')\nprint(tensor([0.0]) or 'falsy')") == "yes\nfalsy\n"
    err = fails("x = tensor([1.0, 2.0])\nwhile x:\n    pass\n")
    assert err.message == "Boolean value of Tensor with more than one value is ambiguous"
    assert (err.span.line, err.span.column) == (2, 7)


def test_attribute_errors():
    err = fails("x = tensor([1.0])\nx.grd")
    assert err.category == "AttributeError"
    assert err.message == "'Tensor' object has no attribute 'grd'"
    err = fails("x = tensor([1.0])\nx.shape = 3")
    assert err.message == "attribute 'shape' of 'Tensor' objects is not writable"
    err = fails("x = tensor([1.0])\nx.summ()")
    assert err.message == "'Tensor' object has no attribute 'summ'; did you mean 'sum'?"
    assert err.span == Span(2, 1, 2, 9)


# -- errors -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("source, category, message, position", [
    ("print(onse)", "NameError", "name 'onse' is not defined; did you mean 'ones'?", (1, 7)),
    ("x = 1 / 0", "ZeroDivisionError", "division by zero", (1, 5)),
    ("[1][5]", "IndexError", "list index out of range", (1, 1)),
    ("{}['a']", "KeyError", "'a'", (1, 1)),
    ("len(1, 2)", "TypeError", "len() takes exactly one argument (2 given)", (1, 1)),
    ("1 + 'a'", "TypeError", "unsupported operand type(s) for +: 'int' and 'str'", (1, 1)),
    ("3()", "TypeError", "'int' object is not callable", (1, 1)),
    ("int('x')", "ValueError", "invalid literal for int() with base 10: 'x'", (1, 1)),
    ("a, b = 1", "TypeError", "cannot unpack non-iterable int object", (1, 1)),
    ("a, b = [1, 2, 3]", "ValueError", "too many values to unpack (expected 2)", (1, 1)),
    ("a, b, c = [1, 2]", "ValueError", "not enough values to unpack (expected 3, got 2)", (1, 1)),
    ("def f(a): pass\nf(1, 2)", "TypeError", "f() takes 1 positional argument but 2 were given", (2, 1)),
    ("def f(a): pass\nf()", "TypeError", "f() missing 1 required positional argument: 'a'", (2, 1)),
    ("def f(a): pass\nf(b=1)", "TypeError", "f() got an unexpected keyword argument 'b'", (2, 1)),
    ("assert 1 == 2, 'boom'", "AssertionError", "boom", (1, 8)),
    ("for x in 3: pass", "TypeError", "'int' object is not iterable", (1, 10)),
    ("with 3: pass", "TypeError", "'int' object does not support the context manager protocol", (1, 6)),
    ("float(10 ** 400)", "OverflowError", "int too large to convert to float", (1, 1)),
])
def test_runtime_errors(source, category, message, position):
    err = fails(source)
    assert (err.category, err.message) == (category, message)
    assert (err.span.line, err.span.column) == position


def test_error_inside_function_points_inside_and_records_calls():
    err = fails("def f():\n    return 1 / 0\ndef g():\n    return f()\ng()\n")
    assert err.span == Span(2, 12, 2, 17)
    assert [(name, span.line) for name, span in err.calls] == [("f", 4), ("g", 5)]


@pytest.mark.parametrize("source, message", [
    ("return 1", "'return' outside function"),
    ("break", "'break' outside loop"),
    ("continue", "'continue' not properly in loop"),
    ("def f():\n    nonlocal x\n", "no binding for nonlocal 'x' found"),
    ("nonlocal x", "nonlocal declaration not allowed at module level"),
    ("def f():\n    from torch import *\n", "import * only allowed at module level"),
])
def test_compile_errors_stop_before_running(source, message):
    interpreter, out = make()
    with pytest.raises(ParseError) as info:
        interpreter.run_source("print('ran')\n" + source)
    assert info.value.message == message and out.getvalue() == ""


def test_python_exceptions_keep_the_original():
    err = fails("x = 1 / 0")
    assert isinstance(err.original, ZeroDivisionError)


# -- sandbox ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("source, category", [
    ("x = 1\nx.__class__.__dict__", "AttributeError"),
    ("print.__self__", "AttributeError"),
    ("(1).__class__.__subclasses__()", "AttributeError"),
    ("''.__class__.__mro__", "AttributeError"),
    ("def f(): pass\nf.__globals__", "AttributeError"),
    ("open('f')", "NameError"),
    ("eval('1')", "NameError"),
    ("exec('1')", "NameError"),
    ("__import__('os')", "NameError"),
    ("getattr(1, '__dict__')", "AttributeError"),
    ("type(1).__subclasses__()", "AttributeError"),
    ("vars()", "NameError"),
    ("globals()", "NameError"),
    ("import os", "ModuleNotFoundError"),
    ("import sys", "ModuleNotFoundError"),
    ("from os import path", "ModuleNotFoundError"),
    ("'{0.__class__.__base__}'.format(1)", "AttributeError"),
    ("x = tensor([1.0])\nx._secret", "AttributeError"),
])
def test_sandbox(source, category):
    err = fails(source)
    assert err.category == category


def test_unavailable_builtins_say_so():
    assert fails("open('f')").message == (
        "name 'open' is not defined (Python's open() is not available in autodiff scripts)")
    assert "scripts cannot reach Python internals" in fails("(1).__class__.__bases__").message


# -- limits -------------------------------------------------------------------------------------------


def test_step_limit():
    err = fails("while True:\n    pass\n", max_steps=1000)
    assert err.category == "LimitError" and "1,000 statements" in err.message
    assert err.span.line == 2
    err = fails("x = [i for i in range(10 ** 6)]", max_steps=1000)
    assert err.category == "LimitError"


def test_recursion_limit():
    err = fails("def r(n):\n    return r(n + 1)\nr(0)\n", max_depth=50)
    assert (err.category, err.message) == ("RecursionError", "maximum recursion depth exceeded")  # Python's text
    assert "more than 50 nested calls" in err.hint
    assert run("def d(n):\n    return 0 if n == 0 else 1 + d(n - 1)\nprint(d(499))") == "499\n"


def test_timeout():
    start = time.monotonic()
    err = fails("while True:\n    x = 1\n", timeout=0.3)
    assert err.category == "LimitError" and "time limit" in err.message
    assert time.monotonic() - start < 5


def test_huge_values_are_limit_errors():
    assert fails("x = 10 ** 10 ** 10").category == "LimitError"
    assert fails("x = [0] * 10 ** 9").category == "LimitError"
    assert fails("x = 1 << 10 ** 9").category == "LimitError"


def test_deep_expressions_are_clear_errors():
    with pytest.raises(ParseError, match="too deeply nested"):
        run("x = " + "-" * 5000 + "1")


# -- warnings, REPL use, globals ----------------------------------------------------------------------


def test_warnings_once_per_line_and_sink_restored():
    stderr = io.StringIO()
    previous = errors.set_warning_sink(None)
    try:
        before = errors.set_warning_sink(previous)
        source = "x = tensor([1.0])\nfor i in range(3):\n    x.warn()\nx.warn()\n"
        interpreter, _ = make(stderr=stderr)
        interpreter.run_source(source)
        path = os.path.abspath(interpreter.filename)  # as Python shows a script's path: absolute
        assert stderr.getvalue() == (f"{path}:3: UserWarning: careful\n  x.warn()\n"
                                     f"{path}:4: UserWarning: careful\n  x.warn()\n")
        assert errors.set_warning_sink(before) is previous
    finally:
        errors.set_warning_sink(previous)


def test_warning_callback_gets_the_span():
    seen = []
    interpreter, _ = make(on_warning=lambda category, message, span: seen.append((category, span.line)))
    interpreter.run_source("x = tensor([1.0])\n\ny = x.warn()\n")
    assert seen == [("UserWarning", 3)]


def test_failing_statement_keeps_earlier_bindings_and_echo():
    interpreter, out = make()
    interpreter.run_source("a = 1\nb = 2")
    with pytest.raises(AutodiffError):
        interpreter.run_source("a = 10\nc = 1 / 0\nb = 20")
    assert interpreter.globals == {"a": 10, "b": 2}
    assert interpreter.run_source("a + b", echo=True) == 12
    assert interpreter.run_source("a + b") is None
    assert interpreter.run_source("z = 3", echo=True) is None
    assert interpreter.last_assigned == "z"


def test_builtins_stay_out_of_globals_and_can_be_shadowed():
    interpreter, out = make()
    interpreter.run_source("x = len([1])\nlen = 5\nprint(len)")
    assert set(interpreter.globals) == {"x", "len"}
    assert out.getvalue() == "5\n"


def test_interpreter_overhead_is_small():
    interpreter, _ = make()
    source = "x = 1.0000001\ny = 1.0\nfor i in range(200000):\n    y = y * x\n"
    start = time.perf_counter()
    interpreter.run_source(source)
    elapsed = time.perf_counter() - start
    assert elapsed < 5.0  # about 0.15 s on a quiet machine; generous for loaded CI


def test_with_the_real_torch_namespace(run_script):
    source = """
import torch
from torch import ones
x = ones(2, requires_grad=True)
with torch.no_grad():
    y = x * 2
z = (x * x).sum()
z.backward()
print(y.requires_grad, z.requires_grad, x.grad)
"""
    out, err = run_script(source)
    assert (out, err) == ("False True tensor([2., 2.])\n", "")


def test_a_function_whose_body_is_one_return_names_that_line():
    # Such a body runs in one frame (Compiler._run_return): warnings and frame-based look-ups still name its line.
    seen = []
    interpreter, _ = make(on_warning=lambda category, message, span: seen.append((category, span.line)))
    spans = []
    interpreter.builtins["where"] = lambda: spans.append(statement_span_of_frames(sys._getframe(1)).line) or 0
    interpreter.run_source("def f(t):\n    return t.warn()\n\ndef g():\n    return where()\n\nf(tensor([1.0]))\ng()\n")
    assert seen == [("UserWarning", 2)]
    assert spans == [5]


def test_the_collector_looks_at_young_objects_less_often_while_a_script_runs():
    import gc

    interpreter, _ = make()
    seen = []
    interpreter.builtins["threshold"] = lambda: seen.append(gc.get_threshold()[0]) or 0
    before = gc.get_threshold()
    gc.set_threshold(700, *before[1:])
    try:
        interpreter.run_source("threshold()\n")
        assert seen == [5_000]
        assert gc.get_threshold()[0] == 700
    finally:
        gc.set_threshold(*before)
