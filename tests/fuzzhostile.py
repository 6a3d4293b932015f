"""Hypothesis strategies for hostile scripts: what a user trying to hang, crash, exhaust or escape autodiff would
write (issue 21's attack classes). Each program is a few statements drawn from one or more classes, with sizes
drawn from small to absurd, so that the same run exercises the cheap paths and the limits.

The classes (docs/robustness.md counts them):

- c_loops: work inside one C call that the interpreter never sees (`sum(reversed(range(10**12)))`, big-integer
  products, `in range(...)`), which only the supervisor's wall-clock limit stops
- memory: values too large for memory (lists, strings, tensors, integers, dicts grown in loops)
- recursion: recursion through script functions, through builtins (`sorted(key=f)`), through nested and
  self-referential values (repr, ==, hash, torch.tensor) and through modules that contain themselves
- output: printing far more than --max-output
- escapes: attributes and names that lead to Python internals, and imports of what the sandbox leaves out
- numbers: the edges of the numeric tower in tensor ops (nan, inf, -0.0, huge and negative integers, bool and
  uint8 tensors)
- syntax: nesting, literals and indentation at and past the parser's limits
"""

from __future__ import annotations

from hypothesis import strategies as st

HUGE = ["10**12", "10**9", "2**62", "10**7", "2**20", "1000"]
SIZES = ["10**10", "10**8", "10**7", "2**20", "1000", "3"]

C_LOOPS = [
    "x = sum(reversed(range({n})))",
    "x = 'a' in range({n})",
    "x = all(zip(range({n})))",
    "x = any(zip(range({n}), range({n})))",
    "x = max(reversed(range({n})))",
    "x = sorted(reversed(range({n})))",
    "x = len(list(zip(range({n}))))",
    "x = 3 ** 500000\ny = x ** 64",
    "x = 7 ** 200000\ny = x * x * x * x * x * x",
    "x = 10 ** 400000\ny = x << 64",
    "x = str(2 ** 50000)",
    "x = list(range({n}))[-1]",
    "x = tuple(reversed(range({n})))",
]
MEMORY = [
    "x = [0] * {n}",
    "x = 'ab' * {n}",
    "x = [[1.0] * 1000 for i in range({n})]",
    "x = torch.ones({n})",
    "x = torch.zeros({n}, {n})",
    "x = torch.randn(1000, 1000)\nys = [x * i for i in range({n})]",
    "x = 'a'.center({n})",
    "x = '{{:>{n}}}'.format(1)",
    "s = 'x'\nwhile True:\n    s = s + s",
    "d = {{}}\nfor i in range({n}):\n    d[i] = [i] * 100",
    "x = torch.ones(2, requires_grad=True)\ny = x\nwhile True:\n    y = y * 1.0",
    "x = torch.arange({n}).reshape(-1, 1) * torch.arange({n})",
]
RECURSION = [
    "def f(n):\n    return f(n + 1)\nf(0)",
    "def f(x):\n    return sorted([x, x], key=f)\nf(1)",
    "def f(x):\n    return max([x], key=f)\nf(1)",
    "def even(n):\n    return odd(n + 1)\ndef odd(n):\n    return even(n + 1)\neven(0)",
    "a = []\nfor i in range({d}):\n    a = [a]\nprint(a)",
    "a = []\nfor i in range({d}):\n    a = [a]\nprint(a == [a])",
    "a = []\nfor i in range({d}):\n    a = [a]\nx = torch.tensor(a)",
    "t = ()\nfor i in range({d}):\n    t = (t,)\nd = {{t: 1}}",
    "d = {{}}\nfor i in range({d}):\n    d = {{'k': d}}\nprint(str(d)[:5])",
    "l = []\nl.append(l)\nprint(l, l == l)\nx = torch.tensor(l)",
    "l = [1, 2]\nl.append(l)\nx = torch.tensor(l)",
    "s = torch.nn.Sequential()\ns.add_module('a', s)\ny = s(torch.ones(1))",
    "s = torch.nn.Sequential(torch.nn.Identity())\nfor i in range({d}):\n    s = torch.nn.Sequential(s)\n"
    "y = s(torch.ones(1))",
    "m = torch.nn.ModuleList()\nm.append(m)\nprint(m)",
    "x = torch.ones(1, requires_grad=True)\ny = x\nfor i in range({d}):\n    y = y * 1.0\ny.backward()\n"
    "print(x.grad)",
]
DEPTHS = ["10", "1000", "100000", "300000"]
OUTPUT = [
    "s = 'a' * {n}\nwhile True:\n    print(s)",
    "for i in range({n}):\n    print(i, i * i, 'x' * 50)",
    "print('é' * {n})",
    "x = torch.ones(100, 100)\nwhile True:\n    print(x)",
    "print('x' * {n})",
    "for i in range({n}):\n    print(torch.randn(3))",
    "while True:\n    print(f'{{10**50}}' * 100)",
    "x = torch.ones(2, requires_grad=True) * 2\nfor i in range({n}):\n    print(x.grad)",
]
ESCAPES = [
    "print({v}.__class__)", "print({v}.__dict__)", "print({v}.__globals__)", "print({v}.__code__)",
    "print({v}.__subclasses__)", "print({v}._{v2})", "print({v}.__reduce__())", "print(type({v}))",
    "import os", "import sys", "from subprocess import run", "import importlib", "open('/etc/passwd')",
    "eval('1')", "exec('x = 1')", "__import__('os')", "print(getattr({v}, '__class__'))", "print(globals())",
    "print(f'{{{v}.__class__}}')", "print('{{0.__class__}}'.format({v}))",
    "print('{{0.grad_fn.__init__}}'.format({v}))",
    "print({v}.grad_fn.next_functions[0][0].__class__)", "print(torch.__dict__)", "print(torch.nn.__file__)",
    "print(print.__self__)", "print(torch.ones.__module__)", "print(torch.optim.SGD.__init__.__globals__)",
]
VALUES = ["(torch.ones(2, requires_grad=True) * 2)", "print", "torch", "torch.nn.Linear(1, 1)", "[1]", "'s'",
          "torch.ones", "(lambda: 1)", "torch.Size([1])", "torch.default_generator", "1"]
NUMBERS = ["float('nan')", "float('inf')", "-float('inf')", "-0.0", "2**63", "-2**63", "2**64", "10**30", "0",
           "-1", "True", "255", "256", "1e-45", "1e308"]
DTYPES = ["torch.float32", "torch.float64", "torch.int64", "torch.int32", "torch.uint8", "torch.int8", "torch.bool"]
NUMBER_OPS = [
    "x = torch.tensor([{a}, {b}])\nprint(x)",
    "x = torch.tensor([1, 2], dtype={t})\nprint(x + {a}, x - {b}, x * {a})",
    "x = torch.tensor([1, 0], dtype={t})\nprint(x & {c}, x | {c}, x ^ {c})",
    "x = torch.tensor([{a}, 1.0, 2.0], requires_grad=True)\nx.max().backward()\nprint(x.grad)",
    "x = torch.tensor([{a}, -1.0, 2.0], requires_grad=True)\ntorch.relu(x).sum().backward()\nprint(x.grad)",
    "print(torch.fmod(torch.tensor([{a}, -5.0]), {b}), torch.remainder(torch.tensor([{a}, -5.0]), {b}))",
    "print(torch.ones(3).narrow(0, {c}, {c}))",
    "print(torch.bernoulli(torch.tensor([{a}])))",
    "print(torch.ones(2).exponential_({a}))",
    "print(torch.ones(2).uniform_({a}, {b}))",
    "print(torch.ones(2).normal_(0, {a}))",
    "torch.manual_seed({c})\nprint(torch.initial_seed())",
    "print(torch.randint({c}, {c}, (2,)))",
    "x = torch.tensor([1.], requires_grad=True)\ns = x.std()\ns.backward()\nprint(s, x.grad)",
    "x = torch.arange(4.)\nx[1:].copy_(x[:-1])\nprint(x)",
    "x = torch.ones({c2}).expand(2, {c2})\nx[0, 0] = {a}\nprint(x)",
    "print(torch.tensor([True, False], dtype={t}).argmax())",
    "print(torch.tensor({a}, dtype={t}))",
    "print(torch.full((2,), {a}, dtype={t}))",
    "print(torch.tensor([{a}]).to({t}))",
]
SYNTAX = [
    "x = " + "(" * 199 + "1" + ")" * 199,
    "x = " + "(" * 201 + "1" + ")" * 201,
    "x = " + "-" * 5000 + "1",
    "x = " + "9" * 5000,
    "x = 0x" + "f" * 5000,
    "x = " + "[" * 150 + "]" * 150,
    "".join(" " * i + "if True:\n" for i in range(99)) + " " * 99 + "x = 1",
    "".join(" " * i + "if True:\n" for i in range(101)) + " " * 101 + "x = 1",
    "x = '" + "\\u00e9" * 1000 + "'",
    "x = 1\n" * 3000,
    "def f(" + ", ".join(f"a{i}" for i in range(300)) + "):\n    return a0\nprint(f(*range(300)))",
    "x = f'{{{{{{1}}}}}}'",
    "x = " + " + ".join(["1"] * 5000),
    "x = [" + ", ".join(["1"] * 20000) + "]",
]

CLASSES = {
    "c_loops": C_LOOPS, "memory": MEMORY, "recursion": RECURSION, "output": OUTPUT, "escapes": ESCAPES,
    "numbers": NUMBER_OPS, "syntax": SYNTAX,
}


@st.composite
def attack(draw: st.DrawFn, kind: str) -> str:
    template = draw(st.sampled_from(CLASSES[kind]))
    return template.format(
        n=draw(st.sampled_from(HUGE if kind == "c_loops" else SIZES)), d=draw(st.sampled_from(DEPTHS)),
        v=draw(st.sampled_from(VALUES)), v2=draw(st.sampled_from(["x", "_", "__x__"])),
        a=draw(st.sampled_from(NUMBERS)), b=draw(st.sampled_from(NUMBERS)), c=draw(st.sampled_from(
            ["0", "1", "2", "-1", "5", "256", "2**64", "-2**63 - 1"])), c2=draw(st.sampled_from(["1", "3"])),
        t=draw(st.sampled_from(DTYPES)))


@st.composite
def hostile_programs(draw: st.DrawFn, kinds: tuple[str, ...] = tuple(CLASSES)) -> tuple[str, str]:
    """(class of the first attack, program): one to three attacks, the first from `kinds`."""
    first = draw(st.sampled_from(kinds))
    parts = [draw(attack(first))]
    for _ in range(draw(st.integers(0, 2))):
        parts.append(draw(attack(draw(st.sampled_from(tuple(CLASSES))))))
    return first, "import torch\n" + "\n".join(parts) + "\n"
