# math, string, time, typing, functools and __future__ in a small torch script
from __future__ import annotations
from __future__ import division, print_function
import math
import string
import time
import functools
from functools import partial, reduce, wraps, lru_cache
from typing import List, Dict, Tuple, Optional, Callable, Union, Any, Iterable, Sequence
import typing
import torch

print(math.sqrt(2), math.exp(1), math.pi, math.log(2), math.tanh(0.5), math.inf, -math.inf > 0)
print(math.floor(3.7), math.ceil(3.2), math.isclose(1.0, 1.0 + 1e-12), math.cos(math.pi / 3))
x = torch.tensor(2.0, requires_grad=True)
y = x * math.exp(-1) + math.sqrt(3)
y.backward()
print(y, x.grad)
print(math.sqrt(torch.tensor(4.0)), math.exp(torch.tensor(1.0)), math.log(torch.tensor([2.0])))
print(math.floor(torch.tensor(2.5)), math.isnan(torch.tensor(float('nan'))))
lr = 0.1 * 0.5 * (1 + math.cos(math.pi * 3 / 10))
print(lr, round(lr, 4), f"{lr:.3e}")
print(string.ascii_lowercase, string.ascii_uppercase, string.digits, string.punctuation)
print(string.ascii_letters, [string.whitespace], string.capwords("hello   world"), len(string.printable))
chars = string.ascii_lowercase
stoi = {ch: i for i, ch in enumerate(chars)}
print(stoi["z"], chars.find("q"), string.hexdigits, string.octdigits)
start = time.time()
t0 = time.perf_counter()
total = 0
for i in range(1000):
    total += i
elapsed = time.time() - start
dt = time.perf_counter() - t0
print(total, elapsed >= 0, dt >= 0, elapsed < 5)
print(f"took {elapsed:.0f}s")
print(time.monotonic() > 0, time.time_ns() > 0, time.perf_counter_ns() > 0)
time.sleep(0.01)

def add(a: int, b: int = 0) -> int:
    return a + b

def apply(f: Callable[[int], int], xs: List[int]) -> List[int]:
    return [f(v) for v in xs]

def maybe(x: Optional[torch.Tensor] = None) -> Dict[str, Tuple[int, ...]]:
    return {"shape": tuple(x.shape) if x is not None else ()}

inc = partial(add, b=1)
print(inc(5), apply(inc, [1, 2]), maybe(torch.zeros(2, 3)), maybe())
print(reduce(add, [1, 2, 3, 4]), reduce(add, [], 10), functools.reduce(max, [3, 9, 2]))
print(inc.func is add, inc.keywords, inc.args, partial(add, 1)(2))
V: Union[int, float] = 3
names: List[str] = []
print(V, names, List[int], Optional[int], Dict[str, int], typing.List, Callable[[int], int])

def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)

fib = lru_cache(maxsize=None)(fib)
print(fib(60), fib.cache_info())

def shout(fn):
    def wrapper(*args, **kwargs):
        return str(fn(*args, **kwargs)).upper()
    return wraps(fn)(wrapper)

def greet(name):
    "Say hello."
    return "hello " + name

greet2 = shout(greet)
print(greet2("bob"))
cached = functools.cache(add)
print(cached(1, 2), cached(1, 2), cached.cache_info())
