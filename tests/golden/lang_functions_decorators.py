# Functions: lambda, map/filter/sorted/min/max with key=, closures with nonlocal, global, decorators (plain, stacked,
# with arguments, @torch.no_grad() and @torch.enable_grad()), *args/**kwargs, keyword-only arguments, builtins.
import torch

x = torch.tensor([1.0, 2.0], requires_grad=True)
# lambdas, closures, decorators
double = lambda v: v * 2
print(double(4), list(map(lambda t: t + 1, [1, 2])), list(filter(lambda t: t % 2, range(6))))
print(sorted(["bb", "a", "ccc"], key=lambda s: len(s), reverse=True))
print(max([3, 1, 2], key=lambda q: -q), min([], default="empty"), sum([1, 2], start=10))


def make_counter():
    count = 0

    def inc():
        nonlocal count
        count += 1
        return count
    return inc


inc = make_counter()
inc()
print(inc(), inc())
total = 0


def add_global(k):
    global total
    total += k


add_global(5)
print(total)


def log_calls(fn):
    def wrapper(*args, **kwargs):
        print("calling", fn.__name__, args, kwargs)
        return fn(*args, **kwargs)
    return wrapper


def repeat(n):
    def deco(fn):
        def wrapper(*args):
            return [fn(*args) for _ in range(n)]
        return wrapper
    return deco


@log_calls
@repeat(2)
def greet(name, punct="!"):
    return "hi " + name + punct


print(greet("bob"))


@torch.no_grad()
def evaluate(w):
    return w * 2


print(evaluate(x), evaluate(x).requires_grad)


@torch.enable_grad()
def train_step(w):
    return w * 2


with torch.no_grad():
    print(train_step(x).requires_grad)


def kw(a, *args, b=2, **kwargs):
    return a, args, b, kwargs


print(kw(1, 2, 3, b=4, c=5), kw(*[1, 2], **{"z": 0}))
print(divmod(17, 5), pow(2, 10), pow(2, 10, 7), round(2.675, 2), abs(-3), chr(65), ord("a"), hex(255), bin(5))
print(any(v > 2 for v in [1, 3]), all([]), list(reversed([1, 2, 3])), callable(len), callable(3))
print(repr("x"), format(3.14159, ".2f"), hash(1) == hash(1.0))
d = {k: v for k, v in zip("abc", range(3))}
del d["a"]
print(d, {**d, "z": 9})
