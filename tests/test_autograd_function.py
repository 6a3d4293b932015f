"""torch.autograd.Function subclassed in Python, against the same subclass of PyTorch 2.13's Function: values,
gradients, the node's name and edges, saved tensors, ctx attributes, needs_input_grad, mark_dirty,
mark_non_differentiable, several outputs, double backward, once_differentiable, gradcheck and the errors.

Each Function is written once, over a namespace `T` of tensor functions (torch itself, or autodiff's op table), and
built twice: on torch.autograd.Function and on autodiff's."""

from __future__ import annotations

import re

import numpy as np
import pytest

from autodiff.engine import autograd, ops
from autodiff.engine.tensor import Tensor
from autodiff.errors import AutodiffError
from autodiff.torch.autograd import functional
from autodiff.torch.autograd.backward import autograd_grad, tensor_backward
from autodiff.torch.autograd.function import Function, once_differentiable

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.oracle


class Ours:
    """autodiff's side of T: the op table, and the Tensor methods the Functions below use."""

    Function = Function
    once_differentiable = staticmethod(once_differentiable)
    exp, mul, clamp, sum, ge, le, sin, cos, neg, mm, t = (ops.exp, ops.mul, ops.clamp, ops.sum, ops.ge, ops.le,
                                                         ops.sin, ops.cos, ops.neg, ops.mm, ops.t)
    logical_and, argmax, add = ops.logical_and, ops.argmax, ops.add

    @staticmethod
    def sort(x):
        return Tensor(np.sort(x.array))

    @staticmethod
    def mul_(x, k):
        x.array *= k
        x.bump_version()
        return x

    @staticmethod
    def float(x):
        return ops.to_dtype(x, _float32())


class Theirs:
    Function = torch.autograd.Function
    once_differentiable = staticmethod(torch.autograd.function.once_differentiable)
    exp, mul, clamp, sum, ge, le, sin, cos, neg, mm, t = (torch.exp, torch.mul, torch.clamp, torch.sum, torch.ge,
                                                         torch.le, torch.sin, torch.cos, torch.neg, torch.mm, torch.t)
    logical_and, argmax, add = torch.logical_and, torch.argmax, torch.add

    @staticmethod
    def sort(x):
        return torch.sort(x)[0]

    @staticmethod
    def mul_(x, k):
        return x.mul_(k)

    @staticmethod
    def float(x):
        return x.float()


def _float32():
    from autodiff.engine.tensor import float32

    return float32


def make_functions(T):
    class Exp(T.Function):
        @staticmethod
        def forward(ctx, x):
            y = T.exp(x)
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return T.mul(grad, y)

    class Clamp(T.Function):
        @staticmethod
        def forward(ctx, x, low, high):
            ctx.save_for_backward(x)
            ctx.low, ctx.high = low, high
            ctx.seen = ctx.needs_input_grad
            return T.clamp(x, low, high)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            inside = T.float(T.logical_and(T.ge(x, ctx.low), T.le(x, ctx.high)))
            return T.mul(grad, inside), None, None

    class Linear(T.Function):
        @staticmethod
        def forward(ctx, x, weight):
            ctx.save_for_backward(x, weight)
            return T.mm(x, T.t(weight))

        @staticmethod
        def backward(ctx, grad):
            x, weight = ctx.saved_tensors
            grad_x = T.mm(grad, weight) if ctx.needs_input_grad[0] else None
            grad_w = T.mm(T.t(grad), x) if ctx.needs_input_grad[1] else None
            return grad_x, grad_w

    class Sine(T.Function):  # backward written with differentiable ops: double backward works
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return T.sin(x)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return T.mul(grad, T.cos(x))

    class OnceSine(T.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return T.sin(x)

        @staticmethod
        @T.once_differentiable
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return T.mul(grad, T.cos(x))

    class Double(T.Function):  # changes its input in place
        @staticmethod
        def forward(ctx, x):
            T.mul_(x, 2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad):
            return T.mul(grad, 2)

    class SortAndArgmax(T.Function):  # two outputs, one not differentiable
        @staticmethod
        def forward(ctx, x):
            index = T.argmax(x)
            ctx.mark_non_differentiable(index)
            return T.sort(x), index

        @staticmethod
        def backward(ctx, grad, grad_index):
            ctx.received = (grad, grad_index)
            return grad

    class Pair(T.Function):  # two differentiable outputs
        @staticmethod
        def forward(ctx, x):
            return T.mul(x, 2), T.mul(x, 3)

        @staticmethod
        def backward(ctx, grad_a, grad_b):
            return T.add(T.mul(grad_a, 2), T.mul(grad_b, 3))

    class Identity(T.Function):  # returns its input
        @staticmethod
        def forward(ctx, x, other):
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad, None

    class TooMany(T.Function):
        @staticmethod
        def forward(ctx, x):
            return T.mul(x, 2)

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    class GradForNumber(T.Function):
        @staticmethod
        def forward(ctx, x, k):
            return T.mul(x, k)

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    class WrongShape(T.Function):
        @staticmethod
        def forward(ctx, x):
            return T.sum(x)

        @staticmethod
        def backward(ctx, grad):
            return T.mul(grad, T.exp(T.sum(grad)))

    return {name: cls for name, cls in locals().items() if isinstance(cls, type)}


OURS = make_functions(Ours)
THEIRS = make_functions(Theirs)
VALUES = np.array([-2.0, 0.5, 3.0], dtype=np.float32)


def leaf(side, values=VALUES):
    return Tensor(values.copy(), True) if side is OURS else torch.tensor(values, requires_grad=True)


def backward(side, y, grad=None):
    if side is OURS:
        tensor_backward(y, grad)
    else:
        y.backward(grad)


def value(t):
    return t.array if type(t) is Tensor else t.detach().numpy()


def node_text(node):
    return re.sub(r" at 0x[0-9a-f]+", "", repr(node))


def names(node):
    """next_functions as (name(), index) pairs."""
    from autodiff.torch.tensor import _node_name

    return [(None if n is None else (n.name() if callable(n.name) else _node_name(n)), i)
            for n, i in node.next_functions]


def grad_fn(t):
    """`t.grad_fn` as a script (or PyTorch) sees it."""
    from autodiff.torch.tensor import _grad_fn

    return _grad_fn(t) if type(t) is Tensor else t.grad_fn


def test_forward_backward_and_the_node_match_torch():
    for side in (OURS, THEIRS):
        x = leaf(side)
        y = side["Exp"].apply(x)
        backward(side, y.sum() if side is THEIRS else ops.sum(y))
        side["result"] = (value(y).copy(), value(x.grad).copy(), node_text(y.grad_fn), names(y.grad_fn),
                          y.requires_grad, y.is_leaf if side is THEIRS else y.grad_fn is None)
    ours, theirs = OURS.pop("result"), THEIRS.pop("result")
    np.testing.assert_array_equal(ours[0], theirs[0])
    np.testing.assert_array_equal(ours[1], theirs[1])
    assert ours[2:] == theirs[2:]
    assert ours[2] == "<torch.autograd.function.ExpBackward object>"


def _clamp(side):
    x = leaf(side)
    y = side["Clamp"].apply(x, -1.0, 1.0)
    node = y.grad_fn
    backward(side, y.sum() if side is THEIRS else ops.sum(y))
    return (value(y).tolist(), value(x.grad).tolist(), names(node), node.low, node.high, node.seen,
            tuple(node.needs_input_grad), str(y) if side is THEIRS else repr(y))


def test_ctx_attributes_saved_tensors_and_needs_input_grad():
    assert _clamp(OURS) == _clamp(THEIRS)


def test_linear_function_and_needs_input_grad_per_input():
    rng = np.random.default_rng(1)
    x_values, w_values = rng.standard_normal((4, 3)), rng.standard_normal((2, 3))
    results = []
    for side in (OURS, THEIRS):
        x = leaf(side, x_values)
        w = leaf(side, w_values)
        if side is OURS:
            x.requires_grad = False
            y = side["Linear"].apply(x, w)
            tensor_backward(ops.sum(ops.mul(y, y)))
        else:
            x.requires_grad_(False)
            y = side["Linear"].apply(x, w)
            (y * y).sum().backward()
        results.append((value(y), value(w.grad), x.grad is None, names(y.grad_fn)))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12)
    assert results[0][2:] == results[1][2:]


def test_double_backward_through_a_differentiable_backward():
    out = []
    for side in (OURS, THEIRS):
        x = leaf(side, np.array([0.3, -1.2], np.float64))
        y = side["Sine"].apply(x)
        if side is OURS:
            (g,) = autograd_grad(ops.sum(y), [x], create_graph=True)
            (gg,) = autograd_grad(ops.sum(g), [x])
        else:
            (g,) = torch.autograd.grad(y.sum(), [x], create_graph=True)
            (gg,) = torch.autograd.grad(g.sum(), [x])
        out.append((value(g).tolist(), value(gg).tolist(), node_text(g.grad_fn)))
    assert out[0] == out[1]


def test_once_differentiable_refuses_a_second_derivative():
    messages = []
    for side in (OURS, THEIRS):
        x = leaf(side, np.array([0.3, -1.2], np.float64))
        y = side["OnceSine"].apply(x)
        first = autograd_grad(ops.sum(y), [x], create_graph=True) if side is OURS else torch.autograd.grad(
            y.sum(), [x], create_graph=True)
        try:
            if side is OURS:
                autograd_grad(ops.sum(first[0]), [x])
            else:
                torch.autograd.grad(first[0].sum(), [x])
        except (AutodiffError, RuntimeError) as error:
            messages.append((value(first[0]).tolist(), str(error).removeprefix("RuntimeError: ")))
    assert len(messages) == 2 and messages[0] == messages[1]


def test_mark_dirty_rebases_the_input():
    out = []
    for side in (OURS, THEIRS):
        x = leaf(side)
        a = ops.mul(x, 1.0) if side is OURS else x * 1.0
        b = side["Double"].apply(a)
        backward(side, ops.sum(b) if side is OURS else b.sum())
        out.append((b is a, node_text(a.grad_fn), value(a).tolist(), value(x.grad).tolist()))
        try:
            side["Double"].apply(leaf(side))
        except (AutodiffError, RuntimeError) as error:
            out.append(str(error).removeprefix("RuntimeError: "))
    assert out[:2] == out[2:]


def test_non_differentiable_and_several_outputs():
    out = []
    for side in (OURS, THEIRS):
        x = leaf(side)
        s, i = side["SortAndArgmax"].apply(x)
        backward(side, ops.sum(ops.mul(s, s)) if side is OURS else (s * s).sum())
        received = grad_fn(s).received
        a, b = side["Pair"].apply(x)
        same_node = grad_fn(a) is grad_fn(b)
        backward(side, ops.sum(ops.add(a, ops.mul(b, b))) if side is OURS else (a + b * b).sum())
        c = ops.mul(b, 1.0) if side is OURS else b * 1.0
        out.append((value(s).tolist(), int(value(i)), i.requires_grad, value(x.grad).tolist(),
                    [value(r).tolist() for r in received], same_node, names(c.grad_fn)))
    assert out[0] == out[1]


def test_an_input_returned_unchanged_is_a_new_tensor():
    out = []
    for side in (OURS, THEIRS):
        x = leaf(side)
        other = Tensor(np.ones(3, np.float32)) if side is OURS else torch.ones(3)
        y = side["Identity"].apply(x, other)
        out.append((y is x, names(y.grad_fn), value(y).tolist()))
    assert out[0] == out[1]


def test_no_graph_under_no_grad_or_without_inputs_requiring_grad():
    for side in (OURS, THEIRS):
        plain = Tensor(VALUES.copy()) if side is OURS else torch.tensor(VALUES)
        assert side["Exp"].apply(plain).grad_fn is None
        x = leaf(side)
        with (autograd.GradMode(False, "no_grad") if side is OURS else torch.no_grad()):
            assert side["Exp"].apply(x).grad_fn is None


@pytest.mark.parametrize("name", ["TooMany", "GradForNumber", "WrongShape"])
def test_backward_errors_match_torch(name):
    messages = []
    for side in (OURS, THEIRS):
        x = leaf(side)
        args = (x, 2.0) if name == "GradForNumber" else (x,)
        y = side[name].apply(*args)
        try:
            backward(side, ops.sum(y) if side is OURS else y.sum())
        except (AutodiffError, RuntimeError) as error:
            messages.append(str(error).removeprefix("RuntimeError: "))
    assert len(messages) == 2 and messages[0] == messages[1]


def test_saved_tensors_are_freed_after_backward():
    messages = []
    for side in (OURS, THEIRS):
        x = leaf(side)
        y = side["Exp"].apply(x)
        backward(side, ops.sum(y) if side is OURS else y.sum())
        for attempt in (lambda y=y: y.grad_fn.saved_tensors,
                        lambda y=y, side=side: backward(side, ops.sum(y) if side is OURS else y.sum())):
            try:
                attempt()
            except (AutodiffError, RuntimeError) as error:
                messages.append(str(error).removeprefix("RuntimeError: "))
    assert len(messages) == 4 and messages[:2] == messages[2:]


def test_in_place_change_of_a_saved_tensor_is_detected():
    messages = []
    for side in (OURS, THEIRS):
        x = leaf(side)
        a = ops.mul(x, 1.0) if side is OURS else x * 1.0
        y = side["Clamp"].apply(a, -1.0, 1.0)
        if side is OURS:
            a.array += 1
            a.bump_version()
        else:
            with torch.no_grad():
                a.add_(1)
        try:
            backward(side, ops.sum(y) if side is OURS else y.sum())
        except (AutodiffError, RuntimeError) as error:
            messages.append(str(error).removeprefix("RuntimeError: "))
    assert len(messages) == 2 and messages[0] == messages[1]


def test_gradcheck_accepts_a_correct_function():
    x = Tensor(np.array([0.3, -0.2, 2.5]), True)
    assert functional.gradcheck(OURS["Clamp"].apply, (x, -1.0, 1.0)) is True
    assert functional.gradcheck(OURS["Sine"].apply, (x,)) is True
    assert functional.gradgradcheck(OURS["Sine"].apply, (x,)) is True


def test_instantiating_a_function_warns_and_calling_it_fails():
    from autodiff.errors import set_warning_sink

    warnings = []
    previous = set_warning_sink(lambda category, message: warnings.append((category, message)))
    try:
        instance = OURS["Exp"]()
    finally:
        set_warning_sink(previous)
    assert warnings and warnings[0][0] == "DeprecationWarning"
    with pytest.raises(AutodiffError, match="Legacy autograd function with non-static forward method"):
        instance(leaf(OURS))
