"""Backward rules of the tensor API's long tail (and of ops whose tensor operands gained edges) against central
finite differences, as tests/test_gradients.py does for the core ops."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autodiff.engine import ops
from test_gradients import SETTINGS, _values, broadcast_pairs, gradcheck


def _away_from_integers(quotient: np.ndarray) -> bool:
    fraction = np.abs(quotient - np.round(quotient))
    return bool(np.all(fraction > 0.05))


@pytest.mark.parametrize("fn", [ops.remainder, ops.fmod], ids=["remainder", "fmod"])
@SETTINGS
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
