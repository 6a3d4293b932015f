# Classes as teaching code writes them: class attributes, inheritance, super() in both spellings, method override,
# staticmethod/classmethod/property (with a setter), bound methods, the operator, comparison, container, iteration
# and printing dunders, hash/eq in sets, isinstance/issubclass/type/getattr/hasattr/setattr, sets, star-unpacking, :=.
import torch
import torch.nn as nn


class Animal:
    kind = "animal"
    count = 0

    def __init__(self, name):
        self.name = name
        Animal.count += 1

    def speak(self):
        return f"{self.name} makes a sound"

    def __repr__(self):
        return f"Animal({self.name!r})"

    def __str__(self):
        return f"<{self.kind} {self.name}>"

    @staticmethod
    def static_hello(x):
        return x * 2

    @classmethod
    def make(cls, name):
        return cls(name)


class Dog(Animal):
    kind = "dog"

    def __init__(self, name, age):
        super().__init__(name)
        self.age = age

    def speak(self):
        return super().speak() + " (woof)"


class Cat(Animal):
    def __init__(self, name):
        super(Cat, self).__init__(name)

    def speak(self):
        return "meow"


a = Animal("generic")
d = Dog("rex", 3)
c = Cat.make("tom")
print(a, repr(a), str(d), [a, d, c])
print(d.speak(), c.speak(), Animal.count, Dog.count)
print(Animal.static_hello(4), d.static_hello(5))
print(isinstance(d, Animal), isinstance(c, Dog), issubclass(Dog, Animal), issubclass(Animal, object))
print(type(d), type(d).__name__, d.__class__.__name__, type(d) is Dog, Dog.__name__)
print(type(Dog), type(3), type("x"), type([]), type(None), type(print))
speak = d.speak
print(speak())
print(hasattr(d, "age"), hasattr(d, "weight"), getattr(d, "weight", 42), getattr(d, "age"))
setattr(d, "weight", 10.5)
print(d.weight)


class Vec:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    @property
    def norm2(self):
        return self.x ** 2 + self.y ** 2

    @property
    def first(self):
        return self.x

    @first.setter
    def first(self, value):
        self.x = value

    def __add__(self, other):
        return Vec(self.x + other.x, self.y + other.y)

    def __mul__(self, k):
        return Vec(self.x * k, self.y * k)

    __rmul__ = __mul__

    def __eq__(self, other):
        return isinstance(other, Vec) and self.x == other.x and self.y == other.y

    def __hash__(self):
        return hash((self.x, self.y))

    def __lt__(self, other):
        return self.norm2 < other.norm2

    def __len__(self):
        return 2

    def __getitem__(self, i):
        return (self.x, self.y)[i]

    def __setitem__(self, i, v):
        if i == 0:
            self.x = v
        else:
            self.y = v

    def __contains__(self, v):
        return v == self.x or v == self.y

    def __iter__(self):
        yield self.x
        yield self.y

    def __neg__(self):
        return Vec(-self.x, -self.y)

    def __call__(self, scale):
        return self * scale

    def __repr__(self):
        return f"Vec({self.x}, {self.y})"


v = Vec(1, 2)
w = Vec(3, 4)
print(v + w, v * 3, 3 * v, -v, v(10))
print(v == Vec(1, 2), v != w, v < w, sorted([w, v]), max([v, w]))
print(len(v), v[0], v[1], 2 in v, 5 in v, list(v), tuple(w))
v[0] = 7
v.first = 9
print(v, v.first, v.norm2)
print({v, Vec(9, 2), w})
print(set([1, 2, 2, 3]), frozenset([1]), {x % 3 for x in range(10)})
x, *rest = [1, 2, 3, 4]
print(x, rest)
if (n := len(rest)) > 2:
    print("walrus", n)
