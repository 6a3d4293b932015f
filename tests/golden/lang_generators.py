# Generators: yield in loops, next() with and without a default, StopIteration, yield from, send(), generator
# expressions, and a class iterator with __iter__/__next__.
import torch

# generators
def data_iter(batch_size, n):
    indices = list(range(n))
    for i in range(0, n, batch_size):
        yield indices[i:min(i + batch_size, n)]


for batch in data_iter(3, 10):
    print(batch)
g = data_iter(4, 9)
print(next(g), next(g), next(g))
try:
    next(g)
except StopIteration:
    print("exhausted")
print(next(g, "default"))


def chain(*its):
    for it in its:
        yield from it


print(list(chain([1, 2], (3,), range(4, 6))))


def counter():
    total = 0
    while True:
        received = yield total
        if received is None:
            break
        total += received


c = counter()
print(next(c), c.send(5), c.send(7))
squares = (i * i for i in range(5))
print(sum(squares), list(squares))
it = iter([10, 20])
print(next(it), next(it), next(it, None))


class Countdown:
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return self

    def __next__(self):
        if self.n <= 0:
            raise StopIteration
        self.n -= 1
        return self.n


print(list(Countdown(3)), [v for v in Countdown(2)])

