"""The Python teaching code is written in, checked against CPython itself: each snippet runs under autodiff and
under the Python running the tests, and stdout and the error line (`Category: message`) must agree."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from goldentools import reduce_stderr, run_autodiff

SNIPPETS = {
    # classes
    "method_arguments": """
        class A:
            def f(self, x):
                return x
        A().f()
    """,
    "missing_instance_attribute": """
        class A:
            pass
        A().missing
    """,
    "missing_class_attribute": """
        class A:
            pass
        A.missing
    """,
    "not_callable_instance": """
        class A:
            pass
        A()()
    """,
    "unhashable_with_eq": """
        class A:
            def __eq__(self, other):
                return True
        print(A() == 3)
        {A()}
    """,
    "unordered": """
        class A:
            pass
        A() < A()
    """,
    "no_len": """
        class A:
            pass
        len(A())
    """,
    "not_iterable": """
        class A:
            pass
        for x in A():
            pass
    """,
    "operand_types": """
        class A:
            pass
        1 + A()
    """,
    "property_without_setter": """
        class A:
            @property
            def p(self):
                return 1
        a = A()
        print(a.p)
        a.p = 2
    """,
    "del_attribute": """
        class A:
            def __init__(self):
                self.x = 1
        a = A()
        del a.x
        print(hasattr(a, "x"), getattr(a, "x", "gone"))
        a.x
    """,
    "class_attribute_shadowing": """
        class A:
            n = 1
            def bump(self):
                self.n += 1
                return self.n
        a = A()
        print(a.bump(), a.bump(), A.n, A().n)
        A.n = 10
        print(A().n, a.n)
    """,
    "classmethod_inheritance": """
        class Base:
            made = 0
            @classmethod
            def create(cls, *args):
                cls.made += 1
                return cls(*args)
            def __repr__(self):
                return type(self).__name__ + "()"
        class Child(Base):
            pass
        print(Base.create(), Child.create(), Base.made, Child.made)
    """,
    "super_chain": """
        class A:
            def hello(self):
                return ["A"]
        class B(A):
            def hello(self):
                return ["B"] + super().hello()
        class C(B):
            def hello(self):
                return ["C"] + super(C, self).hello()
        print(C().hello(), B.hello(C()))
    """,
    "super_outside_method": """
        def f():
            return super()
        f()
    """,
    "nested_class_and_closure": """
        def make(k):
            class Scaled:
                def __init__(self, v):
                    self.v = v * k
                def __repr__(self):
                    return f"Scaled({self.v})"
            return Scaled
        S = make(3)
        print(S(2), S.__name__, S.__qualname__)
    """,
    "iadd_and_radd": """
        class Acc:
            def __init__(self):
                self.items = []
            def __iadd__(self, other):
                self.items.append(other)
                return self
            def __radd__(self, other):
                return other + len(self.items)
        a = Acc()
        a += 5
        a += 6
        print(a.items, 10 + a, sum([a, a]))
    """,
    "eq_default_identity": """
        class P:
            pass
        p = P()
        print(p == p, p == P(), p != P(), p in [p], len({p, p}))
    """,
    "str_and_repr_fallback": """
        class R:
            def __repr__(self):
                return "R!"
        class S:
            def __str__(self):
                return "S!"
        print(R(), str(R()), [R()], S(), f"{R()} {S()!s}")
    """,
    "bool_and_len_truth": """
        class Empty:
            def __len__(self):
                return 0
        class No:
            def __bool__(self):
                return False
        print(bool(Empty()), bool(No()), not Empty(), "yes" if No() else "no")
    """,
    "context_manager_class": """
        class Timer:
            def __init__(self, name):
                self.name = name
            def __enter__(self):
                print("enter", self.name)
                return self
            def __exit__(self, kind, value, traceback):
                print("exit", self.name, kind.__name__ if kind else None, value)
                return kind is KeyError
        with Timer("a") as t:
            print("inside", t.name)
        with Timer("b"):
            {}["k"]
        print("after b")
        with Timer("c"):
            1 / 0
    """,
    # exceptions
    "raise_non_exception": """
        raise 3
    """,
    "catch_non_class": """
        try:
            1 / 0
        except 3:
            pass
    """,
    "bare_raise_outside": """
        raise
    """,
    "exception_args_and_str": """
        class MyError(Exception):
            def __init__(self, code, text):
                super().__init__(code, text)
                self.code = code
        try:
            raise MyError(4, "four")
        except MyError as e:
            print(e.args, str(e), repr(e), e.code)
        try:
            raise KeyError("k")
        except LookupError as e:
            print(str(e), repr(e), type(e).__name__)
    """,
    "finally_return_wins": """
        def f():
            try:
                return "try"
            finally:
                print("finally")
        def g():
            for i in range(3):
                try:
                    if i == 1:
                        continue
                    if i == 2:
                        break
                finally:
                    print("cleanup", i)
            return i
        print(f(), g())
    """,
    "except_name_unbound_after": """
        try:
            1 / 0
        except ZeroDivisionError as err:
            pass
        print(err)
    """,
    "uncaught_custom_error": """
        class TrainingError(RuntimeError):
            pass
        def step(n):
            if n > 1:
                raise TrainingError(f"diverged at step {n}")
        for n in range(3):
            print("step", n)
            step(n)
    """,
    "assert_without_message": """
        assert [1] == [2]
    """,
    # generators
    "generator_return_value": """
        def gen():
            yield 1
            return "done"
        g = gen()
        print(next(g))
        try:
            next(g)
        except StopIteration:
            print("stopped")
        print(list(gen()), next(g, "exhausted"))
    """,
    "next_on_exhausted_uncaught": """
        it = iter([1])
        print(next(it))
        next(it)
    """,
    "generator_close_and_finally": """
        def gen():
            try:
                yield 1
                yield 2
            finally:
                print("generator cleanup")
        g = gen()
        print(next(g))
        g.close()
        print("closed")
    """,
    "yield_outside_function": """
        yield 1
    """,
    "lazy_generator_expression": """
        calls = []
        def f(v):
            calls.append(v)
            return v * v
        squares = (f(v) for v in range(5))
        print(calls)
        print(next(squares), calls)
        print(any(s > 3 for s in squares), calls)
    """,
    # functions
    "lambda_defaults_and_closures": """
        adders = [lambda v, k=k: v + k for k in range(3)]
        late = [lambda v: v + k for k in range(3)]
        print([f(10) for f in adders], [f(10) for f in late])
        print((lambda *a, **kw: (a, kw))(1, 2, x=3))
    """,
    "keyword_only_and_errors": """
        def f(a, *, scale=2):
            return a * scale
        print(f(3), f(3, scale=4))
        f(3, 4)
    """,
    "unexpected_keyword": """
        def f(a):
            return a
        f(b=1)
    """,
    "decorator_keeps_working_on_methods": """
        def traced(fn):
            def wrapper(*args, **kwargs):
                print("->", fn.__name__)
                return fn(*args, **kwargs)
            return wrapper
        class A:
            @traced
            def go(self, x):
                return x + 1
            @staticmethod
            @traced
            def util(y):
                return y * 2
        print(A().go(1), A.util(3))
    """,
    "class_decorator": """
        registry = {}
        def register(cls):
            registry[cls.__name__] = cls
            return cls
        @register
        class Model:
            pass
        print(registry, Model)
    """,
    "walrus_in_comprehension": """
        values = [y for x in range(5) if (y := x * x) > 3]
        print(values, y)
    """,
    "star_unpacking": """
        first, *middle, last = range(6)
        *head, tail = "abc"
        (a, b), *rest = [(1, 2), 3, 4]
        print(first, middle, last, head, tail, a, b, rest)
    """,
    "global_and_nonlocal": """
        counter = 0
        def bump():
            global counter
            counter += 1
        def outer():
            total = []
            def add(v):
                nonlocal total
                total = total + [v]
            add(1)
            add(2)
            return total
        bump()
        bump()
        print(counter, outer())
    """,
    # builtins
    "builtins_misc": """
        print(sorted([3, 1, 2], reverse=True), sorted("bca"), sorted({"b": 1, "a": 2}, key=lambda k: -ord(k)))
        print(min([4, 2, 8], key=lambda v: -v), max([], default=None), min(3, 1, 2), sum([0.5, 1.5], start=1))
        print(divmod(-7, 2), pow(3, 4, 5), round(1234.5678, -2), abs(-2.5), chr(9731), ord("é"))
        print(hex(-255), bin(10), oct(8), hash("a") == hash("a"), repr([1, "a"]), format(0.5, ".1%"))
        print(list(map(pow, [2, 3], [3, 2])), list(filter(None, [0, 1, "", "x"])), list(zip("ab", [1, 2, 3])))
        print(set("hello") == {"h", "e", "l", "o"}, frozenset([1, 2]) | {3}, {1, 2} & {2, 3}, {1, 2} - {2})
        print(isinstance(1, (str, int)), issubclass(bool, (int,)), callable(print), type(1.0) is float)
        print(getattr([], "append") is not None, hasattr("x", "upper"), sorted(set([3, 1, 3])))
    """,
    "getattr_missing_without_default": """
        getattr(3, "nothing")
    """,
}


def _cpython(source: str) -> tuple[str, list[str]]:
    proc = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, timeout=60)
    return proc.stdout, reduce_stderr(proc.stderr) or _syntax_error(proc.stderr)


def _syntax_error(stderr: str) -> list[str]:
    """The last line when the error has no message (`AssertionError`) or is a syntax error."""
    return stderr.strip().splitlines()[-1:] if stderr.strip() else []


@pytest.mark.parametrize("name", SNIPPETS)
def test_snippet_runs_as_in_cpython(name, tmp_path):
    source = textwrap.dedent(SNIPPETS[name]).lstrip("\n")
    expected_out, expected_err = _cpython(source)
    path = tmp_path / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    outcome = run_autodiff(path)
    assert outcome.stdout == expected_out
    if not expected_err:
        assert outcome.exit_code == 0, outcome.stderr
        return
    first = outcome.stderr.splitlines()
    if expected_err[-1].startswith("SyntaxError"):  # autodiff reports where: `file:line:col: error: message`
        assert outcome.exit_code == 1 and "error:" in first[0], outcome.stderr
        return
    # autodiff may add a suggestion to Python's message ("; did you mean 'erf'?")
    assert any(line == expected_err[-1] or line.startswith(expected_err[-1] + "; did you mean") for line in first), (
        f"expected {expected_err[-1]!r}, got:\n{outcome.stderr}")
    assert "Traceback" not in outcome.stderr
