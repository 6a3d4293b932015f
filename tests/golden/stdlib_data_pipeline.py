# The standard library around a small torch training loop: random for shuffling, itertools for batches,
# collections for bookkeeping, math for schedules, functools for reductions, time for timing
from __future__ import annotations

import functools
import itertools
import math
import random
import string
import time
from collections import Counter, OrderedDict, defaultdict, deque, namedtuple
from typing import List, Tuple

import torch

random.seed(0)
torch.manual_seed(0)
Sample = namedtuple("Sample", ["x", "label"])
data: List[Sample] = [Sample(random.uniform(-1, 1), random.choice("ab")) for _ in range(12)]
print(data[0], data[0].x, data[0]._asdict())
print(Counter(sample.label for sample in data).most_common())
random.shuffle(data)
print([s.label for s in data])


def batches(items, size):
    return [list(itertools.islice(items, start, start + size)) for start in range(0, len(items), size)]


def multiply(a, b):
    return a * b


start = time.perf_counter()
w = torch.zeros(1, requires_grad=True)
history = deque(maxlen=3)
per_label = defaultdict(list)
for epoch in range(3):
    lr = 0.5 * (1 + math.cos(math.pi * epoch / 3))
    for batch in batches(data, 4):
        xs = torch.tensor([s.x for s in batch])
        ys = torch.tensor([1.0 if s.label == "a" else -1.0 for s in batch])
        loss = ((w * xs - ys) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            w.grad.zero_()
        history.append(round(loss.item(), 4))
        per_label[batch[0].label].append(len(batch))
    print(epoch, round(lr, 4), list(history))
print(dict(per_label), OrderedDict(sorted(per_label.items())))
print(functools.reduce(multiply, range(1, 6)), list(itertools.accumulate([1, 2, 3])))
print(string.ascii_lowercase[:5], math.isclose(0.1 + 0.2, 0.3), math.factorial(10))
print(time.perf_counter() - start >= 0)
pairs: List[Tuple[int, str]] = list(itertools.product([1, 2], "xy"))
print(pairs, random.sample(range(10), 3), round(random.gauss(0, 1), 6))
