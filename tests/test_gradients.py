"""Every differentiable op's backward rule against central finite differences, on random shapes and values.

Inputs are float64 so the numerical Jacobian-vector product is accurate to ~1e-7. Shapes include 0-d
tensors and broadcasting pairs (HIPS autograd's `arg_pairs` idea). Where an op is only differentiable
away from kinks (abs, relu, clamp, max, ...), values are drawn away from them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autodiff.engine import autograd, ops
from autodiff.engine.tensor import Tensor

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

shapes = st.sampled_from([(), (1,), (3,), (2, 3), (3, 1), (2, 1, 3)])
broadcast_pairs = st.sampled_from([
    ((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 3), (2, 1)), ((3, 1), (1, 4)), ((), (2, 2)), ((2, 1, 3), (4, 1)),
])


def _values(draw, shape, low=-2.0, high=2.0, away_from=None):
    size = int(np.prod(shape)) if shape else 1
    values = draw(st.lists(st.floats(low, high, allow_nan=False), min_size=size, max_size=size))
    array = np.array(values, dtype=np.float64).reshape(shape)
    if away_from is not None:
        # Push values at least 0.1 away from a kink so finite differences do not straddle it.
        near = np.abs(array - away_from) < 0.1
        array = np.where(near, away_from + 0.1 * np.sign(array - away_from + 1e-12), array)
    return array


def numerical_vjp(fn: Callable[..., Tensor], arrays: list[np.ndarray], upstream: np.ndarray, eps: float = 1e-6):
    grads = []
    for index, array in enumerate(arrays):
        grad = np.zeros_like(array)
        flat = grad.reshape(-1)
        for j in range(array.size):
            plus = [a.copy() for a in arrays]
            minus = [a.copy() for a in arrays]
            plus[index].reshape(-1)[j] += eps
            minus[index].reshape(-1)[j] -= eps
            with autograd.GradMode(False, "no_grad"):
                f_plus = fn(*[Tensor(a) for a in plus]).array
                f_minus = fn(*[Tensor(a) for a in minus]).array
            flat[j] = np.sum((f_plus - f_minus) * upstream) / (2 * eps)
        grads.append(grad)
    return grads


def gradcheck(fn: Callable[..., Tensor], *arrays: np.ndarray, seed: int = 0, tol: float = 1e-5) -> None:
    inputs = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    out = fn(*inputs)
    assert out.requires_grad, "the op did not record a graph"
    upstream = np.random.default_rng(seed).uniform(-1, 1, out.array.shape)
    autograd.run_backward([out], [Tensor(upstream)], retain_graph=False, create_graph=False)
    expected = numerical_vjp(fn, [a.copy() for a in arrays], upstream)
    for tensor, numeric in zip(inputs, expected):
        assert tensor.grad is not None
        assert tensor.grad.array.shape == numeric.shape
        np.testing.assert_allclose(tensor.grad.array, numeric, rtol=1e-4, atol=tol)


UNARY_CASES = {
    "exp": (ops.exp, None, (-2, 2)), "log": (ops.log, None, (0.2, 3)), "log1p": (ops.log1p, None, (-0.5, 2)),
    "expm1": (ops.expm1, None, (-2, 2)), "sqrt": (ops.sqrt, None, (0.2, 3)), "rsqrt": (ops.rsqrt, None, (0.2, 3)),
    "abs": (ops.abs, 0.0, (-2, 2)), "sin": (ops.sin, None, (-3, 3)), "cos": (ops.cos, None, (-3, 3)),
    "tan": (ops.tan, None, (-1.2, 1.2)), "tanh": (ops.tanh, None, (-2, 2)), "sigmoid": (ops.sigmoid, None, (-3, 3)),
    "relu": (ops.relu, 0.0, (-2, 2)), "square": (ops.square, None, (-2, 2)),
    "reciprocal": (ops.reciprocal, None, (0.3, 3)), "sinh": (ops.sinh, None, (-2, 2)),
    "cosh": (ops.cosh, None, (-2, 2)), "asin": (ops.asin, None, (-0.8, 0.8)), "acos": (ops.acos, None, (-0.8, 0.8)),
    "atan": (ops.atan, None, (-2, 2)), "log2": (ops.log2, None, (0.2, 3)), "log10": (ops.log10, None, (0.2, 3)),
    "erf": (ops.erf, None, (-2, 2)), "neg": (ops.neg, None, (-2, 2)), "clone": (ops.clone, None, (-2, 2)),
    "pow_scalar": (lambda x: ops.pow(x, 3), None, (-2, 2)), "pow_half": (lambda x: ops.pow(x, 0.5), None, (0.2, 3)),
    "clamp": (lambda x: ops.clamp(x, -1.0, 1.0), 1.0, (0, 2)),
    "clamp_min": (lambda x: ops.clamp_min(x, 0.5), 0.5, (-2, 2)),
    "scalar_rsub": (lambda x: 2 - x, None, (-2, 2)), "scalar_rdiv": (lambda x: 2 / x, None, (0.3, 3)),
    "scalar_rpow": (lambda x: 2.0 ** x, None, (-2, 2)),
}


@pytest.mark.parametrize("name", sorted(UNARY_CASES))
@SETTINGS
@given(data=st.data())
def test_unary_op_gradient(name, data):
    fn, kink, (low, high) = UNARY_CASES[name]
    shape = data.draw(shapes)
    gradcheck(fn, _values(data.draw, shape, low, high, kink))


BINARY_CASES = {
    "add": (ops.add, (-2, 2), (-2, 2)), "sub": (ops.sub, (-2, 2), (-2, 2)), "mul": (ops.mul, (-2, 2), (-2, 2)),
    "div": (ops.div, (-2, 2), (0.5, 2)), "pow": (ops.pow, (0.3, 2), (-2, 2)),
    "add_alpha": (lambda a, b: ops.add(a, b, alpha=2.5), (-2, 2), (-2, 2)),
    "maximum": (ops.maximum, (-2, 2), (-2, 2)), "minimum": (ops.minimum, (-2, 2), (-2, 2)),
    "mse_loss_none": (lambda a, b: ops.mse_loss(a, b, reduction="none"), (-2, 2), (-2, 2)),
}


@pytest.mark.parametrize("name", sorted(BINARY_CASES))
@SETTINGS
@given(data=st.data())
def test_binary_op_gradient_with_broadcasting(name, data):
    fn, (la, ha), (lb, hb) = BINARY_CASES[name]
    shape_a, shape_b = data.draw(broadcast_pairs)
    a = _values(data.draw, shape_a, la, ha)
    b = _values(data.draw, shape_b, lb, hb)
    if name in ("maximum", "minimum"):
        b = np.broadcast_to(b, np.broadcast_shapes(a.shape, b.shape))
        a = np.broadcast_to(a, b.shape).copy()
        b = np.where(np.abs(a - b) < 0.1, a + 0.5, b)
    gradcheck(fn, a, b)


def _where(c, a, b):
    return ops.where(ops.gt(c, 0.0), a, b)


REDUCTION_CASES: dict[str, Callable[..., Tensor]] = {
    "sum": ops.sum, "sum_dim": lambda x: ops.sum(x, -1), "sum_keepdim": lambda x: ops.sum(x, 0, keepdim=True),
    "mean": ops.mean, "mean_dim": lambda x: ops.mean(x, 0), "prod": ops.prod, "prod_dim": lambda x: ops.prod(x, -1),
    "norm": ops.norm, "norm_dim": lambda x: ops.norm(x, dim=-1), "norm_p1": lambda x: ops.norm(x, p=1),
    "norm_p3": lambda x: ops.norm(x, p=3), "std": ops.std, "var": ops.var, "var_dim": lambda x: ops.var(x, -1),
    "std_dim_keepdim": lambda x: ops.std(x, 0, keepdim=True), "logsumexp": lambda x: ops.logsumexp(x, -1),
    "softmax": lambda x: ops.softmax(x, -1), "log_softmax": lambda x: ops.log_softmax(x, -1),
    "max": ops.max, "min": ops.min, "max_dim": lambda x: ops.max(x, -1)[0], "amax": lambda x: ops.amax(x, -1),
    "mse_loss_mean": lambda x: ops.mse_loss(x, ops.mul(x, 0.5)),
    "nansum": ops.nansum, "nansum_dim": lambda x: ops.nansum(x, -1), "cumsum": lambda x: ops.cumsum(x, -1),
    "cumprod": lambda x: ops.cumprod(x, -1), "cumprod_dim0": lambda x: ops.cumprod(x, 0),
}


@pytest.mark.parametrize("name", sorted(REDUCTION_CASES))
@SETTINGS
@given(data=st.data())
def test_reduction_gradient(name, data):
    shape = data.draw(st.sampled_from([(3,), (2, 3), (3, 4), (2, 2, 3)]))
    x = _values(data.draw, shape, 0.3, 2.0)
    # Distinct values: at a tie max has only a subgradient, and std of equal values is at its kink (0).
    x = x + np.arange(x.size).reshape(shape) * 0.37
    gradcheck(REDUCTION_CASES[name], x)


SHAPE_CASES: dict[str, tuple[Callable[..., Tensor], tuple[int, ...]]] = {
    "reshape": (lambda x: ops.reshape(x, (3, 2)), (2, 3)), "view": (lambda x: ops.view(x, -1), (2, 3)),
    "flatten": (ops.flatten, (2, 3)), "t": (ops.t, (2, 3)), "T": (ops.matrix_transpose, (2, 3)),
    "transpose": (lambda x: ops.transpose(x, 0, 2), (2, 3, 4)),
    "permute": (lambda x: ops.permute(x, 2, 0, 1), (2, 3, 4)),
    "unsqueeze": (lambda x: ops.unsqueeze(x, 1), (2, 3)), "squeeze": (ops.squeeze, (2, 1, 3)),
    "squeeze_dim": (lambda x: ops.squeeze(x, 1), (2, 1, 3)), "expand": (lambda x: ops.expand(x, 4, 2, 3), (2, 1)),
    "select": (lambda x: x[1], (3, 2)),
    "slice": (lambda x: x[1:3], (4, 2)), "step_slice": (lambda x: x[::2, 1:], (5, 3)),
    "column": (lambda x: x[:, 1], (3, 4)), "ellipsis_none": (lambda x: x[..., None], (2, 3)),
    "advanced": (lambda x: x[Tensor(np.array([0, 2, 0]))], (3, 2)),
    "narrow": (lambda x: ops.narrow(x, 1, 1, 2), (2, 4)),
    "cat": (lambda x: ops.cat([x, ops.mul(x, 2)], 1), (2, 3)),
    "stack": (lambda x: ops.stack([x, ops.exp(x)], 0), (2, 3)),
    "split": (lambda x: ops.split(x, 2, 1)[1], (2, 5)), "chunk": (lambda x: ops.chunk(x, 2)[0], (4, 2)),
    "unbind": (lambda x: ops.unbind(x, 1)[2], (2, 3)), "to_float32": (lambda x: ops.to_dtype(x, _f32()), (3,)),
    "where": (lambda x: _where(x, x, ops.mul(x, x)), (2, 3)), "outer": (lambda x: ops.outer(x, ops.exp(x)), (3,)),
}


def _f32():
    from autodiff.engine.tensor import float32

    return float32


@pytest.mark.parametrize("name", sorted(SHAPE_CASES))
@SETTINGS
@given(data=st.data())
def test_shape_and_index_gradient(name, data):
    fn, shape = SHAPE_CASES[name]
    x = _values(data.draw, shape, -2, 2, away_from=0.0 if name == "where" else None)
    if name == "to_float32":
        inputs = Tensor(x.copy(), requires_grad=True)
        out = fn(inputs)
        autograd.run_backward([out], [Tensor(np.ones(3, dtype=np.float32))], retain_graph=False, create_graph=False)
        assert inputs.grad.array.dtype == np.float64
        np.testing.assert_allclose(inputs.grad.array, np.ones(3))
        return
    gradcheck(fn, x)


MATMUL_SHAPES = [((2, 3), (3, 4)), ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 2, 3), (3, 4)),
                 ((2, 2, 3), (2, 3, 2)), ((1, 2, 3), (4, 3, 2))]


@pytest.mark.parametrize("shapes_ab", MATMUL_SHAPES, ids=str)
@SETTINGS
@given(data=st.data())
def test_matmul_gradient(shapes_ab, data):
    a = _values(data.draw, shapes_ab[0])
    b = _values(data.draw, shapes_ab[1])
    gradcheck(ops.matmul, a, b)


def test_copyslices_gradient():
    def fn(x, v):
        y = ops.mul(x, 1.0)
        y[1] = ops.mul(v, 3.0)
        return ops.mul(y, y)

    gradcheck(fn, np.array([1.0, 2.0, 3.0]), np.array(0.5))


@SETTINGS
@given(data=st.data())
def test_second_derivatives_match_finite_differences(data):
    """create_graph=True records the backward pass: d/dx of the gradient is checked numerically too."""
    name = data.draw(st.sampled_from(["exp", "sin", "tanh", "sigmoid", "log", "sqrt", "pow_scalar", "reciprocal"]))
    fn = UNARY_CASES[name][0]
    x = _values(data.draw, (3,), 0.3, 1.5)

    def gradient_of_sum(t: Tensor) -> Tensor:
        with autograd.GradMode(True, "enable_grad"):
            leaf = t if t.requires_grad else Tensor(t.array, requires_grad=True)
            out = ops.sum(fn(leaf))
            captured = autograd.run_backward([out], [Tensor(np.ones((), dtype=np.float64))], retain_graph=True,
                                             create_graph=True, capture=[leaf.edge()], accumulate=False)
            return captured[leaf.edge()]

    gradcheck(gradient_of_sum, x)


@SETTINGS
@given(data=st.data())
def test_second_derivatives_of_reductions(data):
    """Rules that read their own output (prod, norm, std, logsumexp) stay differentiable with create_graph."""
    name = data.draw(st.sampled_from(["prod", "prod_dim", "norm", "norm_dim", "norm_p3", "std", "logsumexp",
                                      "var_dim"]))
    reduce = REDUCTION_CASES[name]
    x = _values(data.draw, (2, 3), 0.3, 2.0) + np.arange(6).reshape(2, 3) * 0.37

    def gradient_of_sum(t: Tensor) -> Tensor:
        with autograd.GradMode(True, "enable_grad"):
            leaf = t if t.requires_grad else Tensor(t.array, requires_grad=True)
            out = ops.sum(ops.mul(reduce(leaf), 1.5))
            captured = autograd.run_backward([out], [Tensor(np.ones((), dtype=np.float64))], retain_graph=True,
                                             create_graph=True, capture=[leaf.edge()], accumulate=False)
            return captured[leaf.edge()]

    gradcheck(gradient_of_sum, x)


def test_cumprod_gradient_through_a_zero():
    gradcheck(lambda x: ops.cumprod(x, 0), np.array([1.5, 0.0, -2.0, 0.5]))
    gradcheck(lambda x: ops.cumprod(x, 1), np.array([[0.0, 2.0, 3.0], [1.0, -1.0, 0.0]]))
