# A scalar autograd engine in the style of Karpathy's micrograd, written as plain Python classes (operator
# dunders with their reflected forms, closures for each op's backward, a topological sort over a set of visited
# nodes), a small MLP of Neuron/Layer classes trained on four points, and the same expression checked in PyTorch.
import math
import random

import torch


class Scalar:
    def __init__(self, data, parents=(), op=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._parents = set(parents)
        self._op = op

    def __repr__(self):
        return f"Scalar(data={self.data:.4f}, grad={self.grad:.4f})"

    @staticmethod
    def wrap(value):
        return value if isinstance(value, Scalar) else Scalar(value)

    def __add__(self, other):
        other = Scalar.wrap(other)
        out = Scalar(self.data + other.data, (self, other), "+")

        def backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = backward
        return out

    def __mul__(self, other):
        other = Scalar.wrap(other)
        out = Scalar(self.data * other.data, (self, other), "*")

        def backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = backward
        return out

    def __pow__(self, exponent):
        assert isinstance(exponent, (int, float)), "only int/float exponents"
        out = Scalar(self.data ** exponent, (self,), f"**{exponent}")

        def backward():
            self.grad += exponent * self.data ** (exponent - 1) * out.grad
        out._backward = backward
        return out

    def relu(self):
        out = Scalar(max(0.0, self.data), (self,), "relu")

        def backward():
            self.grad += (out.data > 0) * out.grad
        out._backward = backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Scalar(t, (self,), "tanh")

        def backward():
            self.grad += (1 - t * t) * out.grad
        out._backward = backward
        return out

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other ** -1

    def __rtruediv__(self, other):
        return other * self ** -1

    def backward(self):
        order, seen = [], set()

        def visit(node):
            if node in seen:
                return
            seen.add(node)
            for parent in node._parents:
                visit(parent)
            order.append(node)
        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


class Unit:
    def parameters(self):
        return []

    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Unit):
    def __init__(self, n_inputs, nonlinear=True):
        self.w = [Scalar(random.uniform(-1, 1)) for _ in range(n_inputs)]
        self.b = Scalar(0.0)
        self.nonlinear = nonlinear

    def __call__(self, xs):
        total = sum((wi * xi for wi, xi in zip(self.w, xs)), self.b)
        return total.tanh() if self.nonlinear else total

    def parameters(self):
        return self.w + [self.b]

    def __repr__(self):
        return f"{'Tanh' if self.nonlinear else 'Linear'}Neuron({len(self.w)})"


class Layer(Unit):
    def __init__(self, n_inputs, n_outputs, **options):
        self.neurons = [Neuron(n_inputs, **options) for _ in range(n_outputs)]

    def __call__(self, xs):
        outs = [n(xs) for n in self.neurons]
        return outs[0] if len(outs) == 1 else outs

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self):
        return "Layer[" + ", ".join(map(repr, self.neurons)) + "]"


class MLP(Unit):
    def __init__(self, n_inputs, sizes):
        dims = [n_inputs] + sizes
        self.layers = [Layer(dims[i], dims[i + 1], nonlinear=i != len(sizes) - 1) for i in range(len(sizes))]

    def __call__(self, xs):
        for layer in self.layers:
            xs = layer(xs)
        return xs

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self):
        return "MLP of " + " -> ".join(repr(layer) for layer in self.layers)


a = Scalar(-4.0)
b = Scalar(2.0)
c = a + b
d = a * b + b ** 3
c += c + 1
c += 1 + c + (-a)
d += d * 2 + (b + a).relu()
d += 3 * d + (b - a).relu()
e = c - d
f = e ** 2
g = f / 2.0
g += 10.0 / f
g.backward()
print(g, a, b, sep="\n")

ta = torch.tensor([-4.0], dtype=torch.double, requires_grad=True)
tb = torch.tensor([2.0], dtype=torch.double, requires_grad=True)
tc = ta + tb
td = ta * tb + tb ** 3
tc = tc + tc + 1
tc = tc + 1 + tc + (-ta)
td = td + td * 2 + (tb + ta).relu()
td = td + 3 * td + (tb - ta).relu()
tg = (tc - td) ** 2 / 2.0
tg = tg + 10.0 / (tc - td) ** 2
tg.backward()
print("agree:", abs(tg.item() - g.data) < 1e-9, abs(ta.grad.item() - a.grad) < 1e-9, abs(tb.grad.item() - b.grad) < 1e-9)

random.seed(1337)
model = MLP(3, [4, 4, 1])
print(model)
print("parameters:", len(model.parameters()))
xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
ys = [1.0, -1.0, -1.0, 1.0]
for step in range(15):
    predictions = [model(x) for x in xs]
    loss = sum((p - y) ** 2 for y, p in zip(ys, predictions))
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= 0.1 * p.grad
    if step % 3 == 0:
        print(step, f"{loss.data:.6f}")
print([round(model(x).data, 4) for x in xs])
