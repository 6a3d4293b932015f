# itertools and collections as teaching code uses them: grids of hyperparameters, word counts, histories
import itertools
from itertools import product, chain, islice, count, accumulate
import collections
from collections import Counter, defaultdict, OrderedDict, namedtuple, deque
print(list(product([0, 1], repeat=3)))
print(list(product("ab", range(2))))
for i, j in itertools.product(range(2), range(3)):
    print(i, j, end="; ")
print()
print(list(chain([1, 2], (3,), "ab")), list(chain.from_iterable([[1], [2, 3]])))
print(list(islice(count(10, 5), 4)), list(islice("abcdefg", 1, None, 2)))
print(list(accumulate([1, 2, 3, 4])), list(accumulate([3, 1, 4], max)), list(accumulate([1, 2], initial=10)))
print(list(itertools.combinations("abcd", 2)), len(list(itertools.permutations(range(4)))))
print([(k, list(g)) for k, g in itertools.groupby("aaabccaa")])
print(list(itertools.zip_longest("ab", "xyz", fillvalue="-")), list(itertools.pairwise([1, 2, 3])))
print(list(itertools.repeat(7, 3)), list(islice(itertools.cycle("ab"), 5)), list(itertools.starmap(max, [(2, 3)])))
print(itertools.count(3), itertools.repeat(1, 2))
it = count()
for v in it:
    if v > 2:
        break
print(v)
words = "the cat sat on the mat the end".split()
c = Counter(words)
print(c)
print(c.most_common(2), c["the"], c["zzz"], len(c))
c.update(["cat", "dog"])
print(c, sorted(c.elements())[:4], c.total())
print(Counter("hello") + Counter("world"), Counter("aab") - Counter("ab"), Counter(a=2) & Counter(a=1, b=1))
d = defaultdict(int)
for w in words:
    d[w] += 1
print(d, dict(d))
dl = defaultdict(list)
dl["x"].append(1)
print(dl, dl.default_factory)
od = OrderedDict()
od["b"] = 1
od["a"] = 2
od.move_to_end("b")
print(od, list(od.keys()), od.popitem(last=False))
Point = namedtuple("Point", ["x", "y"])
p = Point(1, y=2)
print(p, p.x + p.y, p._asdict(), p._replace(x=5), Point._fields, tuple(p), p == (1, 2))
x, y = p
print(x, y)
q = deque([1, 2, 3], maxlen=3)
q.append(4)
q.appendleft(0)
print(q, q.popleft(), q.pop(), len(q), list(q), q.maxlen)
q.rotate(1)
print(q)
print(q)
print(Counter({"a": 3}).most_common(), dict(Counter("abracadabra")))
