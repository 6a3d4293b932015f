# d2l's Timer and Accumulator classes, a timing decorator with functools.wraps, @lru_cache, a namedtuple subclass,
# Counter/defaultdict/itertools.product beside torch and NumPy
import time
import functools
import numpy as np
import random
import itertools
from collections import Counter, defaultdict, namedtuple
import torch


class Timer:
    """Record multiple running times (d2l)."""
    def __init__(self):
        self.times = []
        self.start()

    def start(self):
        self.tik = time.time()

    def stop(self):
        self.times.append(time.time() - self.tik)
        return self.times[-1]

    def avg(self):
        return sum(self.times) / len(self.times)

    def sum(self):
        return sum(self.times)

    def cumsum(self):
        return np.array(self.times).cumsum().tolist()


timer = Timer()
c = torch.zeros(100)
for i in range(100):
    c[i] = i
print(f'{timer.stop() < 5}', len(timer.cumsum()), timer.avg() >= 0)


def timed(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        print(f"{fn.__name__} ran", time.perf_counter() - start >= 0)
        return result
    return wrapper


@timed
def train(epochs):
    """Train for a while."""
    return epochs * 2


print(train(3), train.__name__, train.__doc__)


@functools.lru_cache(maxsize=None)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


print(fib(50), fib.cache_info())


class Accumulator:
    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def __getitem__(self, idx):
        return self.data[idx]


metric = Accumulator(2)
metric.add(torch.tensor(3.0), 4)
print(metric[0], metric[1])
Point = namedtuple("Point", "x y")


class Point3(Point):
    def norm(self):
        return (self.x ** 2 + self.y ** 2) ** 0.5


print(Point3(3, 4).norm(), isinstance(Point3(1, 2), tuple))
random.seed(0)
counts = Counter(random.choice("abc") for _ in range(20))
print(counts, counts.most_common(1), isinstance(counts, dict), type(counts).__name__)
grid = {"lr": [0.1, 0.01], "bs": [16, 32]}
for values in itertools.product(*grid.values()):
    print(dict(zip(grid.keys(), values)))
it = iter(itertools.count(1))
print(next(it), next(it), next(itertools.islice(it, 2, None)))
d = defaultdict(lambda: "unk")
print(d["x"], dict(d))
chars = sorted(list(set("hello world")))
print(chars, "".join(chars).index("o"), repr(chars[0]))
print(type(np.array([1])), type(torch.from_numpy(np.ones(1))), isinstance(np.ones(1), np.ndarray))
