"""The standard-library façades (`import math`, `random`, `collections`, ...): every snippet runs through autodiff
and through the CPython running the tests (the oracle for the standard library, always present), and the
printed output and the error (`Category: message`) must be the same. numpy with torch is in test_numpy.py.
"""

from __future__ import annotations

import io

import pytest

from autodiff.errors import AutodiffError
from autodiff.language.interpreter import Interpreter
from autodiff.prelude import build_namespace
from pyoracle import check, run_autodiff, run_cpython, same_as_cpython

# -- math ----------------------------------------------------------------------------------------------------

MATH = {
    "constants": "import math\nprint(math.pi, math.e, math.tau, math.inf, -math.inf, math.nan)",
    "functions": "import math\nprint(math.sqrt(2), math.exp(1), math.log(10), math.log(8, 2), math.log2(1024),"
                 " math.log10(1000), math.log1p(1e-10), math.expm1(1e-10))",
    "trig": "import math\nprint(math.sin(1), math.cos(1), math.tan(1), math.atan2(1, -1), math.hypot(3, 4),"
            " math.degrees(math.pi), math.radians(180), math.asin(1), math.acos(0), math.atan(1))",
    "integers": "import math\nprint(math.factorial(20), math.comb(10, 3), math.perm(5, 2), math.gcd(12, 18),"
                " math.isqrt(99), math.floor(-2.5), math.ceil(2.1), math.trunc(-2.7), math.lcm(4, 6))",
    "floats": "import math\nprint(math.fsum([0.1] * 10), sum([0.1] * 10), math.prod([1, 2, 3, 4]),"
              " math.isclose(0.1 + 0.2, 0.3), math.isnan(math.nan), math.isinf(math.inf), math.isfinite(1.0),"
              " math.copysign(2, -0.0), math.fabs(-3), math.fmod(7, 3), math.frexp(8.0), math.modf(2.5),"
              " math.ldexp(1, 10), math.erf(0.5), math.gamma(5), math.lgamma(10), math.dist([0, 0], [3, 4]))",
    "aliases": "import math as m\nfrom math import sqrt, pi as PI\nprint(m.sqrt(9), sqrt(16), PI)",
    "star": "from math import *\nprint(sqrt(4), floor(2.5), e)",
    "with_tensor_value": "import math\nx = 0.5\nprint(math.tanh(x), 1 / (1 + math.exp(-x)))",
    "domain_error": "import math\nprint(math.sqrt(-1))",
    "log_of_zero": "import math\nmath.log(0)",
    "overflow": "import math\nmath.exp(1000)",
    "wrong_type": "import math\nmath.sqrt('4')",
    "factorial_negative": "import math\nmath.factorial(-1)",
    "factorial_float": "import math\nmath.factorial(2.5)",
    "missing_name": "import math\nmath.sqr(2)",
    "cannot_import": "from math import nope",
    "comb_args": "import math\nmath.comb(5)",
}
test_math = check(MATH)


def test_math_exposes_every_public_name_of_cpythons_module():
    import math

    modules = build_namespace(io.StringIO().write)[1]
    assert set(modules["math"].members) == {name for name in dir(math) if not name.startswith("_")}


def test_math_refuses_integers_too_large_to_compute_in_time():
    for call in ("math.factorial(10**6)", "math.comb(10**7, 5 * 10**6)", "math.perm(10**6, 10**6)",
                 "math.fsum(range(10**9))", "math.prod(range(1, 10**9))"):
        output, error = run_autodiff(f"import math\n{call}")
        assert error is not None and error.startswith("LimitError: "), call
    assert run_autodiff("import math\nprint(math.comb(10**6, 3))") == (f"{166666166667000000}\n", None)


# -- random --------------------------------------------------------------------------------------------------

RANDOM_CALLS = {
    "random": "random.random()",
    "randint": "random.randint(-5, 5)",
    "randrange": "random.randrange(0, 100, 7)",
    "choice": "random.choice('abcdefg')",
    "choices": "random.choices([1, 2, 3], weights=[1, 5, 2], k=4)",
    "shuffle": "(random.shuffle(xs), xs)[1]",
    "sample": "random.sample(range(50), 5)",
    "uniform": "random.uniform(-1, 3)",
    "gauss": "random.gauss(0, 2)",
    "normalvariate": "random.normalvariate(1, 0.5)",
    "expovariate": "random.expovariate(2.0)",
    "betavariate": "random.betavariate(2, 3)",
    "gammavariate": "random.gammavariate(2, 1)",
    "lognormvariate": "random.lognormvariate(0, 1)",
    "triangular": "random.triangular(0, 10, 3)",
    "vonmisesvariate": "random.vonmisesvariate(1, 2)",
    "paretovariate": "random.paretovariate(3)",
    "weibullvariate": "random.weibullvariate(1, 2)",
    "getrandbits": "random.getrandbits(40)",
    "randbytes": "random.randbytes(4)",
}


@pytest.mark.parametrize("seed", [0, 1, 42, 12345, "text"])
@pytest.mark.parametrize("name", RANDOM_CALLS)
def test_random_gives_cpythons_sequence_after_seed(name, seed):
    source = (f"import random\nrandom.seed({seed!r})\nxs = list(range(10))\n"
              f"for _ in range(5):\n    print({RANDOM_CALLS[name]})\n")
    output, error = same_as_cpython(source)
    assert error is None and len(output.splitlines()) == 5


def test_every_random_function_is_covered():
    from autodiff.language.stdlib.random import FUNCTIONS

    assert set(FUNCTIONS) - {"seed", "getstate", "setstate"} <= set(RANDOM_CALLS)


RANDOM = {
    "interleaved": "import random\nrandom.seed(3)\nprint(random.random(), random.randint(1, 6), random.gauss(0, 1),"
                   " random.choice([1, 2]), random.random())",
    "state_round_trip": "import random\nrandom.seed(7)\ns = random.getstate()\na = random.random()\n"
                        "random.setstate(s)\nprint(a == random.random())",
    "own_generator": "import random\nr = random.Random(5)\nrandom.seed(5)\nprint(r.random() == random.random(),"
                     " r.randint(1, 100), r.sample([1, 2, 3, 4], 2))\nr.seed(9)\nprint(r.gauss(0, 1))",
    "from_import": "from random import seed, randint, shuffle\nseed(11)\nxs = [1, 2, 3, 4, 5]\nshuffle(xs)\n"
                   "print(xs, randint(0, 9))",
    "randint_missing": "import random\nrandom.randint(1)",
    "randrange_empty": "import random\nrandom.randrange(5, 5)",
    "choice_empty": "import random\nrandom.choice([])",
    "sample_too_large": "import random\nrandom.sample([1, 2], 3)",
    "seed_bad_type": "import random\nrandom.seed([1, 2])",
    "generator_unknown_method": "import random\nrandom.Random(1).nope()",
}
test_random = check(RANDOM)


def test_random_is_independent_of_torch_and_of_other_runs():
    source = ("import random\nimport torch\nrandom.seed(1)\ntorch.manual_seed(5)\nx = torch.rand(3)\n"
              "print(random.random())")
    expected = run_cpython("import random\nrandom.seed(1)\nprint(random.random())")[0]
    assert run_autodiff(source) == (expected, None)
    # a run that never seeds does not continue another run's sequence
    names, modules = build_namespace(io.StringIO().write)
    first = modules["random"].members["random"].__self__
    second = build_namespace(io.StringIO().write)[1]["random"].members["random"].__self__
    assert first is not second


# -- collections ---------------------------------------------------------------------------------------------

COLLECTIONS = {
    "defaultdict": "from collections import defaultdict\nd = defaultdict(list)\nd['a'].append(1)\nd['b']\n"
                   "n = defaultdict(int)\nfor w in 'the cat the hat the'.split():\n    n[w] += 1\n"
                   "print(d, n, d.default_factory, dict(n), n.get('zzz'), 'zzz' in n, len(d), list(d.items()))",
    "defaultdict_function": "from collections import defaultdict\ndef zero():\n    return 0\n"
                            "d = defaultdict(zero)\nd['x'] += 2\nprint(dict(d), d.default_factory is zero)",
    "defaultdict_set_factory": "import collections\nd = collections.defaultdict(None)\nd.default_factory = list\n"
                               "d[1].append(2)\nprint(d)",
    "defaultdict_missing": "from collections import defaultdict\nd = defaultdict(None)\nd['x']",
    "defaultdict_not_callable": "from collections import defaultdict\ndefaultdict(3)",
    "counter": "from collections import Counter\nc = Counter('abracadabra')\nprint(c, c.most_common(2), c['z'],"
               " sorted(c.elements())[:4], c.total(), list(c.keys()), list(c.values()))",
    "counter_update": "from collections import Counter\nc = Counter(a=3, b=1)\nc.update('aab')\n"
                      "c.subtract({'b': 5})\nprint(c, c + Counter('xy'), c - Counter(a=1), Counter(a=3) & Counter(a=1),"
                      " Counter(a=1) | Counter(a=2, b=1), -Counter(a=-2), +Counter(a=-1, b=2))",
    "counter_words": "from collections import Counter\nwords = 'to be or not to be'.split()\n"
                     "for word, n in Counter(words).most_common():\n    print(word, n)",
    "counter_fromkeys": "from collections import Counter\nCounter.fromkeys('ab')",
    "ordereddict": "from collections import OrderedDict\no = OrderedDict()\no['x'] = 1\no['y'] = 2\no['z'] = 3\n"
                   "o.move_to_end('x')\nprint(o, list(o.keys()), o.keys(), o.popitem(last=False), o.popitem())\n"
                   "print(OrderedDict.fromkeys('ab', 0), OrderedDict(a=1) == OrderedDict(a=1))",
    "ordereddict_move_missing": "from collections import OrderedDict\nOrderedDict().move_to_end('q')",
    "deque": "from collections import deque\nq = deque([1, 2, 3], maxlen=4)\nq.appendleft(0)\nq.append(9)\n"
             "q.rotate(1)\nprint(q, q.maxlen, len(q), q[0], q[-1], 9 in q)\nprint(q.popleft(), q.pop(), q)\n"
             "q.extend([7, 8])\nq.extendleft('ab')\nprint(q, q.count(7), q.index(7), list(reversed(q)))",
    "deque_unbounded": "import collections\nq = collections.deque()\nfor i in range(5):\n    q.append(i)\n"
                       "    if len(q) > 3:\n        q.popleft()\n"
                       "print(q, q.maxlen, q.copy(), q == collections.deque([2, 3, 4]))",
    "deque_empty_pop": "from collections import deque\ndeque().popleft()",
    "deque_maxlen_read_only": "from collections import deque\nq = deque()\nq.maxlen = 3",
    "deque_unknown": "from collections import deque\ndeque().push(1)",
    "namedtuple": "from collections import namedtuple\nPoint = namedtuple('Point', ['x', 'y'])\np = Point(1, 2)\n"
                  "print(Point, p, p.x, p.y, p[0], p._asdict(), p._replace(y=5), Point._fields, Point._make([7, 8]),"
                  " p._fields)\nx, y = p\nprint(x + y, p == (1, 2), p.count(1), p.index(2), len(p), p + (3,))",
    "namedtuple_defaults": "import collections\nP = collections.namedtuple('P', 'a b c', defaults=[0, 1])\n"
                           "print(P(5), P._field_defaults, P(1, 2, 3), P(a=1, c=9))",
    "namedtuple_rename": "from collections import namedtuple\nP = namedtuple('P', ['a', 'def', 'a'], rename=True)\n"
                         "print(P._fields, P(1, 2, 3))",
    "namedtuple_sorting": "from collections import namedtuple\nS = namedtuple('S', 'name score')\n"
                          "def score(s):\n    return s.score\n"
                          "xs = [S('b', 2), S('a', 3), S('c', 1)]\nprint(sorted(xs), max(xs, key=score))",
    "namedtuple_set_field": "from collections import namedtuple\nP = namedtuple('P', 'x y')\np = P(1, 2)\np.x = 3",
    "namedtuple_set_new": "from collections import namedtuple\nP = namedtuple('P', 'x y')\np = P(1, 2)\np.z = 3",
    "namedtuple_set_method": "from collections import namedtuple\nP = namedtuple('P', 'x y')\nP(1, 2).count = 3",
    "namedtuple_missing_argument": "from collections import namedtuple\nP = namedtuple('P', 'x y')\nP(1)",
    "namedtuple_too_many": "from collections import namedtuple\nP = namedtuple('P', 'x y')\nP(1, 2, 3)",
    "namedtuple_keyword_field": "from collections import namedtuple\nnamedtuple('P', 'x class')",
    "namedtuple_duplicate": "from collections import namedtuple\nnamedtuple('P', 'x x')",
    "namedtuple_underscore": "from collections import namedtuple\nnamedtuple('P', '_x')",
    "namedtuple_unknown_field": "from collections import namedtuple\nP = namedtuple('P', 'x')\nP(1).y",
    "chainmap": "from collections import ChainMap\nm = ChainMap({'a': 1}, {'a': 2, 'b': 3})\n"
                "print(m['a'], m['b'], len(m), m.maps, dict(m), m.new_child({'c': 4}))",
    "namedtuple_subclass": "from collections import namedtuple\nclass Point(namedtuple('Point', 'x y')):\n"
                           "    def norm(self):\n        return (self.x ** 2 + self.y ** 2) ** 0.5\n"
                           "    def __repr__(self):\n        return f'P<{self.x}, {self.y}>'\n"
                           "p = Point(3, 4)\nx, y = p\nprint(p.norm(), isinstance(p, tuple), p, p[0], len(p), x + y,"
                           " p == (3, 4))\np.x = 5",
}
test_collections = check(COLLECTIONS)


# -- functools, itertools -----------------------------------------------------------------------------------

FUNCTOOLS = {
    "partial": "import functools\ndef power(base, exponent, scale=1):\n    return scale * base ** exponent\n"
               "square = functools.partial(power, exponent=2)\ncube = functools.partial(power, exponent=3, scale=2)\n"
               "print(square(4), cube(2), square.args, square.keywords, square.func is power, cube(2, scale=1))\n"
               "add1 = functools.partial(power, 1)\nprint(add1(5), add1.args)",
    "partial_of_builtin": "from functools import partial\nbase2 = partial(int, base=2)\nprint(base2('1010'), base2)",
    "partial_missing": "from functools import partial\ndef f(a, b):\n    return a + b\npartial(f, 1)()",
    "partial_not_callable": "from functools import partial\npartial(3)",
    "reduce": "from functools import reduce\ndef mul(a, b):\n    return a * b\n"
              "print(reduce(mul, [1, 2, 3, 4]), reduce(mul, [], 7), reduce(mul, range(1, 6), 10))",
    "reduce_empty": "import functools\ndef add(a, b):\n    return a + b\nfunctools.reduce(add, [])",
    "lru_cache": "import functools\ndef fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n"
                 "fib = functools.lru_cache(maxsize=None)(fib)\nprint(fib(80), fib.cache_info(),"
                 " fib.cache_info().hits, fib.cache_parameters())\nfib.cache_clear()\nprint(fib.cache_info())",
    "lru_cache_bounded": "from functools import lru_cache\ncalls = []\ndef sq(x):\n    calls.append(x)\n"
                         "    return x * x\nsq = lru_cache(maxsize=2)(sq)\n"
                         "print([sq(i) for i in [1, 2, 1, 3, 1, 2]], calls, sq.cache_info())",
    "cache": "import functools\ndef f(x):\n    return x + 1\nf = functools.cache(f)\nprint(f(1), f(1), f.cache_info())",
    "cache_unhashable": "import functools\ndef f(x):\n    return x\nf = functools.cache(f)\nf([1])",
    "cmp_to_key": "from functools import cmp_to_key\ndef by_length_then_reverse(a, b):\n"
                  "    return len(a) - len(b) or (a < b) - (a > b)\n"
                  "print(sorted(['bb', 'a', 'ccc', 'aa', 'c'], key=cmp_to_key(by_length_then_reverse)))",
    "wraps_builtin": "import functools\nw = functools.partial(print)\nprint(functools.WRAPPER_ASSIGNMENTS)",
}
test_functools = check(FUNCTOOLS)


def test_wraps_copies_a_script_functions_names_onto_its_wrapper():
    names, modules = build_namespace(io.StringIO().write)
    interpreter = Interpreter(names, modules, filename="<test>", stderr=io.StringIO())
    interpreter.run_source("import functools\ndef train(epochs):\n    return epochs * 2\n"
                           "def wrapper(*args, **kwargs):\n    return train(*args, **kwargs) + 1\n"
                           "timed = functools.wraps(train)(wrapper)\nresult = timed(3)\n"
                           "cached = functools.lru_cache(maxsize=None)(train)\nsame = cached(2) + cached(2)")
    timed, train = interpreter.globals["timed"], interpreter.globals["train"]
    assert timed is interpreter.globals["wrapper"] and repr(timed) == "<function train>"
    assert timed.__name__ == "train" and timed.__wrapped__ is train
    assert interpreter.globals["result"] == 7 and interpreter.globals["same"] == 8
    assert interpreter.globals["cached"].__wrapped__ is train


ITERTOOLS = {
    "product": "from itertools import product\nprint(list(product([1, 2], 'ab')), list(product(range(2), repeat=3)))",
    "chain": "import itertools\nprint(list(itertools.chain([1], (2, 3), 'ab')),"
             " list(itertools.chain.from_iterable(['ab', 'cd'])))",
    "islice": "from itertools import islice, count\nprint(list(islice('abcdefg', 2)), list(islice('abcdefg', 2, 6, 2)),"
              " list(islice(count(10, 2), 4)))",
    "count": "import itertools\nc = itertools.count(5)\nprint(c, list(zip(c, 'ab')), c, itertools.count(1.5, 0.5))\n"
             "for i in itertools.count():\n    if i > 3:\n        break\nprint(i)",
    "accumulate": "from itertools import accumulate\ndef mul(a, b):\n    return a * b\n"
                  "print(list(accumulate([1, 2, 3, 4])), list(accumulate([1, 2, 3, 4], mul)),"
                  " list(accumulate([1, 2], initial=100)), list(accumulate([3, 1, 4, 1, 5], max)))",
    "cycle_repeat": "from itertools import cycle, repeat, islice\nprint(list(islice(cycle('ab'), 5)),"
                    " list(repeat(7, 3)), repeat('x', 2), list(zip(range(3), repeat(0))))",
    "combinatorics": "import itertools as it\nprint(list(it.permutations([1, 2, 3], 2)), list(it.combinations(range(4),"
                     " 2)), list(it.combinations_with_replacement('ab', 2)), len(list(it.permutations(range(5)))))",
    "zip_longest": "from itertools import zip_longest\nprint(list(zip_longest([1, 2, 3], 'ab')),"
                   " list(zip_longest([1], [2, 3], fillvalue=0)))",
    "groupby": "from itertools import groupby\ndef parity(n):\n    return n % 2\n"
               "print([(k, list(g)) for k, g in groupby('aaabbcaa')], [(k, len(list(g))) for k, g in"
               " groupby([1, 3, 2, 4, 5], parity)])",
    "filters": "import itertools\ndef small(x):\n    return x < 3\ndef power(a, b):\n    return a ** b\n"
               "print(list(itertools.takewhile(small, [1, 2, 3, 1])), list(itertools.dropwhile(small, [1, 2, 3, 1])),"
               " list(itertools.filterfalse(small, [1, 5, 2, 6])), list(itertools.compress('abcd', [1, 0, 1, 0])),"
               " list(itertools.starmap(power, [(2, 3), (3, 2)])), list(itertools.pairwise('abcd')))",
    "tee": "import itertools\na, b = itertools.tee([1, 2, 3])\nprint(list(a), list(b))",
    "count_wrong": "import itertools\nitertools.count('a')",
    "repeat_len": "import itertools\nprint(len(itertools.repeat(1, 3)))",
    "islice_negative": "import itertools\nitertools.islice([1], -1)",
    "unknown": "import itertools\nitertools.izip([1])",
}
test_itertools = check(ITERTOOLS)


@pytest.mark.parametrize("call", ["sum(itertools.count())", "max(itertools.repeat(1))", "any(itertools.cycle([0]))",
                                  "sum(1 for _ in itertools.product(range(1000), repeat=4))"])
def test_endless_itertools_end_in_a_limit_error(call, monkeypatch):
    from autodiff.language.stdlib import itertools as facade

    monkeypatch.setattr(facade, "LONGEST_ITERATION", 10_000)
    output, error = run_autodiff(f"import itertools\nprint({call})")
    assert error is not None and error.startswith("LimitError: itertools."), error


# -- string, time, typing, __future__ ------------------------------------------------------------------------

OTHERS = {
    "string_constants": "import string\nprint(string.ascii_letters, string.ascii_lowercase, string.ascii_uppercase,"
                        " string.digits, string.hexdigits, string.octdigits, f'{string.whitespace!r}',"
                        " string.punctuation, f'{string.printable!r}')",
    "capwords": "from string import capwords\nprint(capwords('hello   big world'), capwords('a-b c-d', '-'))",
    "time_clocks": "import time\nt0 = time.time()\np0 = time.perf_counter()\nm = time.monotonic()\n"
                   "time.sleep(0.01)\nprint(time.time() >= t0, time.perf_counter() - p0 > 0.005,"
                   " time.monotonic() >= m, time.time_ns() > 10**18, time.process_time() >= 0)",
    "sleep_negative": "import time\ntime.sleep(-1)",
    "typing_forms": "from typing import List, Dict, Tuple, Optional, Union, Any, Callable, Iterable, Sequence\n"
                    "print(List[int], Dict[str, float], Tuple[int, ...], Optional[int], Union[int, str], Any,"
                    " Callable[[int], float], Iterable[int], Sequence[str])",
    "typing_compare": "import typing\nprint(typing.Optional[int] == typing.Union[int, None],"
                      " typing.List[int] == typing.List[int])",
    "typing_cast_and_checking": "from typing import cast, TYPE_CHECKING\nprint(cast(int, 'x'), TYPE_CHECKING)",
    "typing_typevar": "from typing import TypeVar, List\nT = TypeVar('T')\nprint(T, List[T])",
    "typing_instantiate": "from typing import List\nList()",
    "typing_too_few": "from typing import Dict\nDict[int]",
    "future_annotations": "from __future__ import annotations\ndef f(x: int) -> int:\n    return x + 1\n"
                          "print(f(1))",
    "future_many": '"""A docstring."""\nfrom __future__ import annotations, division\n'
                   "from __future__ import print_function\nprint(1 / 2)",
    "future_module": "import __future__\nprint(__future__.annotations, __future__.division.getOptionalRelease())",
}
test_others = check(OTHERS)


@pytest.mark.parametrize("source, message", [
    ("from __future__ import braces", "not a chance"),
    ("from __future__ import nope", "future feature nope is not defined"),
    ("x = 1\nfrom __future__ import annotations", "from __future__ imports must occur at the beginning of the file"),
    ("def f():\n    from __future__ import annotations",
     "from __future__ imports must occur at the beginning of the file"),
])
def test_future_import_errors_are_cpythons_syntax_errors(source, message):
    try:
        compile(source, "<oracle>", "exec")
    except SyntaxError as exc:
        assert exc.msg == message
    else:
        raise AssertionError("CPython compiled it")
    output, error = run_autodiff(source)
    assert error == f"SyntaxError: {message}"


def test_string_formatter_stays_out():
    # a Formatter resolves "{0.attr}" fields with Python's getattr, around the attribute tables
    output, error = run_autodiff("import string\nstring.Formatter().format('{0.__class__}', 1)")
    assert error == "AttributeError: module 'string' has no attribute 'Formatter'"


def test_time_sleep_is_bounded():
    output, error = run_autodiff("import time\ntime.sleep(3600)")
    assert error is not None and error.startswith("LimitError: time.sleep(3600)")


# -- what stays out ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("module", ["os", "sys", "subprocess", "pickle", "pathlib", "socket", "shutil", "ctypes",
                                   "importlib", "builtins", "os.path", "urllib.request", "inspect", "gc"])
def test_modules_outside_the_sandbox_are_a_clear_error(module):
    for source in (f"import {module}", f"from {module} import x", f"import {module} as m"):
        output, error = run_autodiff(source)
        assert error is not None
        assert error.startswith(f"ModuleNotFoundError: module '{module}' is not available in autodiff scripts: ")
        assert "sandbox" in error


def test_an_unknown_module_lists_what_can_be_imported():
    names, modules = build_namespace(io.StringIO().write)
    interpreter = Interpreter(names, modules, filename="<test>", stderr=io.StringIO())
    with pytest.raises(AutodiffError) as info:
        interpreter.run_source("import matplotlib.pyplot as plt")
    assert info.value.message == "module 'matplotlib.pyplot' is not available in autodiff scripts"
    assert info.value.hint is not None
    for name in ("torch", "math", "random", "string", "time", "typing", "__future__"):
        assert name in info.value.hint


def test_modules_are_built_when_first_imported():
    names, modules = build_namespace(io.StringIO().write)
    assert "math" in modules and not dict.__contains__(modules, "math")
    Interpreter(names, modules).run_source("import math")
    assert dict.__contains__(modules, "math")
