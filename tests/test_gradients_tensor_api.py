"""Backward rules of the tensor API's long tail (and of ops whose tensor operands gained edges) against central
finite differences, as tests/test_gradients.py does for the core ops."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from autodiff.engine import ops
from autodiff.engine.tensor import Tensor
from test_gradients import SETTINGS, _values, broadcast_pairs, gradcheck


def _away_from_integers(quotient: np.ndarray) -> bool:
    fraction = np.abs(quotient - np.round(quotient))
    return bool(np.all(fraction > 0.05))


@pytest.mark.parametrize("fn", [ops.remainder, ops.fmod], ids=["remainder", "fmod"])
# Most draws of the larger shapes put some a / b near an integer, where the result jumps: filtering them out is the
# point, so Hypothesis's health check on heavy filtering does not apply.
@settings(SETTINGS, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_modulo_gradient_in_both_operands(fn, data):
    shape_a, shape_b = data.draw(broadcast_pairs)
    a = _values(data.draw, shape_a, -3, 3)
    b = np.asarray(_values(data.draw, shape_b, 0.5, 1.5) * data.draw(st.sampled_from([1.0, -1.0])))
    assume(_away_from_integers(a / b))  # the result jumps where a / b is an integer
    gradcheck(fn, a, b)


@SETTINGS
@given(data=st.data())
def test_rsub_gradient(data):
    shape_a, shape_b = data.draw(broadcast_pairs)
    gradcheck(lambda a, b: ops.rsub(a, b, alpha=1.5), _values(data.draw, shape_a), _values(data.draw, shape_b))


@pytest.mark.parametrize("bounds", ["min", "max", "both", "crossed"])
@SETTINGS
@given(data=st.data())
def test_clamp_gradient_in_tensor_bounds(bounds, data):
    x = _values(data.draw, (2, 3), -2, 2)
    low = _values(data.draw, (3,), -1, 0)
    high = low + (1.0 if bounds != "crossed" else -0.5)
    assume(np.all(np.abs(x - low) > 0.05) and np.all(np.abs(x - high) > 0.05))
    if bounds == "min":
        gradcheck(lambda t, lo: ops.clamp(t, min=lo), x, low)
    elif bounds == "max":
        gradcheck(lambda t, hi: ops.clamp(t, max=hi), x, high)
    else:
        gradcheck(lambda t, lo, hi: ops.clamp(t, lo, hi), x, low, high)


def _index(values: list[list[int]]) -> Tensor:
    return Tensor(np.array(values, dtype=np.int64))


# name: (function of tensors, shapes of its inputs); inputs that are indices are fixed inside the function.
LONG_TAIL_CASES = {
    "topk": (lambda x: ops.topk(x, 2)[0], [(3, 4)]),
    "topk_dim0_smallest": (lambda x: ops.topk(x, 2, dim=0, largest=False)[0], [(3, 4)]),
    "sort": (lambda x: ops.sort(x, 1)[0], [(3, 4)]),
    "sort_descending": (lambda x: ops.sort(x, 0, descending=True)[0], [(3, 4)]),
    "kthvalue": (lambda x: ops.kthvalue(x, 2, 1)[0], [(3, 4)]),
    "cumsum": (lambda x: ops.cumsum(x, 1), [(3, 4)]), "cumsum_dim0": (lambda x: ops.cumsum(x, 0), [(3, 4)]),
    "cumprod": (lambda x: ops.cumprod(x, 1), [(3, 4)]),
    "cumprod_with_zero": (lambda x: ops.cumprod(ops.mul(x, Tensor(np.array([1.0, 0.0, 1.0, 1.0]))), 1), [(3, 4)]),
    "gather": (lambda x: ops.gather(x, 0, _index([[0, 1, 2, 0], [2, 0, 1, 1]])), [(3, 4)]),
    "scatter": (lambda x, s: ops.scatter(x, 0, _index([[0, 1, 2, 0], [2, 0, 1, 1]]), s), [(3, 4), (2, 4)]),
    "scatter_value": (lambda x: ops.scatter(x, 1, _index([[0], [3], [1]]), 1.5), [(3, 4)]),
    "scatter_add": (lambda x, s: ops.scatter_add(x, 0, _index([[0, 1, 2, 0], [0, 0, 1, 1]]), s), [(3, 4), (2, 4)]),
    "index_select": (lambda x: ops.index_select(x, 1, Tensor(np.array([0, 2, 2]))), [(3, 4)]),
    "index_add": (lambda x, s: ops.index_add(x, 0, Tensor(np.array([0, 0])), s, alpha=1.5), [(3, 4), (2, 4)]),
    "index_copy": (lambda x, s: ops.index_copy(x, 0, Tensor(np.array([2, 0])), s), [(3, 4), (2, 4)]),
    "index_fill": (lambda x: ops.index_fill(x, 1, Tensor(np.array([1])), 2.0), [(3, 4)]),
    "masked_select": (lambda x: ops.masked_select(x, Tensor(np.array([True, False, True, True]))), [(3, 4)]),
    "tril": (lambda x: ops.tril(x), [(3, 4)]), "triu": (lambda x: ops.triu(x, 1), [(2, 3, 4)]),
    "diag_of_matrix": (lambda x: ops.diag(x, -1), [(3, 4)]), "diag_of_vector": (lambda x: ops.diag(x, 1), [(3,)]),
    "diagonal": (lambda x: ops.diagonal(x, 1, 1, 2), [(2, 3, 4)]), "diag_embed": (ops.diag_embed, [(2, 3)]),
    "trace": (ops.trace, [(3, 4)]),
    "repeat": (lambda x: ops.repeat(x, 2, 1, 3), [(3, 4)]), "tile": (lambda x: ops.tile(x, (2,)), [(3, 4)]),
    "flip": (lambda x: ops.flip(x, (0, 1)), [(3, 4)]), "roll": (lambda x: ops.roll(x, (1, -2), (0, 1)), [(3, 4)]),
    "roll_flat": (lambda x: ops.roll(x, 5), [(3, 4)]),
    "bmm": (ops.bmm, [(2, 3, 4), (2, 4, 2)]),
    "einsum_matmul": (lambda a, b: ops.einsum("ij,kj->ik", a, b), [(3, 4), (2, 4)]),
    "einsum_batched": (lambda a, b: ops.einsum("bij,bjk->bik", a, b), [(2, 3, 4), (2, 4, 2)]),
    "einsum_outer": (lambda a, b: ops.einsum("i,j->ij", a, b), [(3,), (4,)]),
    "einsum_diagonal_sum": (lambda a: ops.einsum("ii", a), [(3, 3)]),
    "einsum_three": (lambda a, b, c: ops.einsum("ij,jk,k->i", a, b, c), [(2, 3), (3, 4), (4,)]),
    "lerp": (lambda a, b: ops.lerp(a, b, 0.3), [(3, 4), (4,)]),
    "lerp_tensor_weight": (lambda a, b, w: ops.lerp(a, b, w), [(3, 4), (3, 4), (4,)]),
    "kron": (ops.kron, [(2, 3), (3, 2)]),
    "meshgrid": (lambda a, b: ops.add(*ops.meshgrid(a, b, indexing="xy")), [(3,), (2,)]),
}


@pytest.mark.parametrize("name", sorted(LONG_TAIL_CASES))
@SETTINGS
@given(data=st.data())
def test_long_tail_gradient(name, data):
    fn, shapes = LONG_TAIL_CASES[name]
    # cumprod divides by its input (as PyTorch's formula does) where no input is exactly zero: keep away from 0.
    away = 0.0 if name.startswith("cumprod") else None
    arrays = [_values(data.draw, shape, -2, 2, away_from=away) for shape in shapes]
    if name.startswith(("topk", "sort", "kthvalue")):
        arrays[0] = arrays[0] + np.arange(arrays[0].size).reshape(arrays[0].shape) * 0.37  # no ties
    gradcheck(fn, *arrays)


@SETTINGS
@given(data=st.data())
def test_long_tail_second_derivatives(data):
    """The rules are written with differentiable ops: create_graph=True records them and d/dx checks out."""
    from autodiff.engine import autograd

    name = data.draw(st.sampled_from(["cumsum", "cumprod", "gather", "scatter_add", "index_select", "tril", "flip",
                                      "roll", "repeat", "diag_of_matrix", "lerp", "bmm", "einsum_matmul", "kron"]))
    fn, shapes = LONG_TAIL_CASES[name]
    arrays = [_values(data.draw, shape, 0.3, 1.5) for shape in shapes]

    def gradient_of_cube(*tensors: Tensor) -> Tensor:
        with autograd.GradMode(True, "enable_grad"):
            leaves = [t if t.requires_grad else Tensor(t.array, requires_grad=True) for t in tensors]
            out = ops.sum(ops.pow(fn(*leaves), 3))
            captured = autograd.run_backward([out], [Tensor(np.ones((), dtype=np.float64))], retain_graph=True,
                                             create_graph=True, capture=[leaves[0].edge()], accumulate=False)
            return captured[leaves[0].edge()]

    gradcheck(gradient_of_cube, *arrays)
