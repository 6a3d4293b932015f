"""PyTorch's bits for reductions, losses and softmax (docs/numerics.md).

* golden tests replay every case of tests/numerics_cases.py through autodiff and compare the SHA-256 of each
  output with PyTorch's, recorded in tests/data/numerics_cases.json by tests/data/make_numerics_cases.py; they
  need no torch;
* oracle tests (``-m oracle``) run the same cases through the installed torch and compare the bits directly;
* the machine-independence of the kernels themselves: the same results whatever SIMD kernels NumPy picks (the
  CI job .ci/numerics runs this file under NumPy's baseline, AVX2 and AVX-512 kernels and two OpenBLAS core
  types).
"""

from __future__ import annotations

import json
import math
import warnings
from decimal import Decimal, localcontext
from pathlib import Path

import numpy as np
import pytest

import numerics_cases
from autodiff.engine import products, reductions, transcendental
from autodiff.engine.exact import round_to_float32

DATA = Path(__file__).parent / "data"
RECORDED = json.loads((DATA / "numerics_cases.json").read_text(encoding="utf-8"))["cases"]
CASES = numerics_cases.cases()


def _compare(case_name: str, ours: list[np.ndarray], expected: list[dict]) -> None:
    assert len(ours) == len(expected)
    for index, (array, entry) in enumerate(zip(ours, expected)):
        assert list(array.shape) == entry["shape"], (case_name, index)
        assert str(array.dtype) == entry["dtype"], (case_name, index)
        if numerics_cases.digest(array) != entry["sha256"]:
            raise AssertionError(f"{case_name} output {index}: first values {numerics_cases.head(array)}, "
                                 f"PyTorch's {entry['head']}")


def test_every_case_is_recorded():
    assert sorted(numerics_cases.case_id(case) for case in CASES) == sorted(RECORDED)


@pytest.mark.parametrize("case", CASES, ids=numerics_cases.case_id)
def test_case_has_pytorchs_bits(case):
    name = numerics_cases.case_id(case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _compare(name, numerics_cases.run_autodiff(case), RECORDED[name])


@pytest.mark.oracle
@pytest.mark.parametrize("case", CASES[::7], ids=numerics_cases.case_id)
def test_oracle_case(case):
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = numerics_cases.run_torch(torch, case)
        ours = numerics_cases.run_autodiff(case)
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape and a.dtype == b.dtype
        assert a.tobytes() == b.tobytes(), numerics_cases.case_id(case)


# --- kernel properties, no torch -------------------------------------------------------------------------------
def test_cascade_sum_of_linspace_is_pytorchs():
    # torch.linspace(0, 1, 20).sum().item() prints 10.000000953674316 (the issue that started this module)
    values = np.linspace(0, 1, 20, dtype=np.float64).astype(np.float32)
    values[-1] = 1.0
    assert float(reductions.sum_array(values, None)) == 10.000000953674316


def test_sum_never_returns_negative_zero():
    assert np.signbit(reductions.sum_array(np.array([-0.0, -0.0], np.float32), None)) == np.False_


def test_sum_depends_on_the_thread_count_like_pytorchs():
    values = numerics_cases.values(100_003, 1, "", "float32")
    sums = {t: float(reductions.torch_sum(values, (0,), thread_count=t)) for t in (1, 2, 3, 4)}
    assert len(set(sums.values())) > 1


def test_correctly_rounded_float32_functions_match_exact_decimal_values():
    for name, lo, hi in (("exp", -80, 80), ("log", 1e-3, 1e3), ("tanh", -9, 9), ("sin", -50, 50), ("erf", -4, 4),
                         ("log1p", -0.9, 9), ("expm1", -9, 9), ("atan", -20, 20)):
        x = (lo + (hi - lo) * numerics_cases.uniforms(200, 5)).astype(np.float32)
        got = transcendental.apply(name, x)
        exact = np.array([transcendental._exact32(name, float(v)) for v in x], np.float32)
        np.testing.assert_array_equal(got, exact, err_msg=name)


def test_log10_of_100_is_2():
    assert transcendental.apply("log10", np.array([100.0], np.float32))[0] == 2.0
    assert transcendental.apply("log10", np.array([100.0]))[0] == 2.0


def test_fma32_is_exact():
    a = numerics_cases.values(5000, 1, "", "float32")
    b = numerics_cases.values(5000, 2, "", "float32")
    c = numerics_cases.values(5000, 3, "", "float32") * np.float32(1e-3)
    got = transcendental.fma32(a, b, c)
    for x, y, z, r in zip(a[:500].tolist(), b[:500].tolist(), c[:500].tolist(), got[:500].tolist()):
        with localcontext() as ctx:
            ctx.prec = 80
            exact = Decimal(x) * Decimal(y) + Decimal(z)
        assert r == round_to_float32(exact)


def test_products_accumulate_with_one_fma_per_step():
    a = numerics_cases.values(6 * 40, 1, "", "float32").reshape(6, 40)
    b = numerics_cases.values(40 * 20, 2, "", "float32").reshape(40, 20)
    expected = np.zeros((6, 20), np.float32)
    for k in range(40):
        expected = transcendental.fma32(a[:, k:k + 1], b[k:k + 1, :], expected)
    np.testing.assert_array_equal(products.matmul(a, b), expected)


def test_thin_products_multiply_then_add():
    a = numerics_cases.values(6 * 40, 1, "", "float32").reshape(6, 40)
    b = numerics_cases.values(40 * 5, 2, "", "float32").reshape(40, 5)
    expected = np.zeros((6, 5), np.float32)
    for k in range(40):
        expected = expected + a[:, k:k + 1] * b[k:k + 1, :]
    np.testing.assert_array_equal(products.matmul(a, b), expected)


def test_products_do_not_use_blas_below_the_limit(monkeypatch):
    a = numerics_cases.values(64 * 50, 1, "", "float32").reshape(64, 50)
    b = numerics_cases.values(50 * 32, 2, "", "float32").reshape(50, 32)
    expected = products.matmul(a, b)
    monkeypatch.setattr(np, "matmul", lambda *args, **kwargs: pytest.fail("BLAS used"))
    np.testing.assert_array_equal(products.matmul(a, b), expected)


def test_sleef_expf_matches_its_definition_on_special_values():
    x = np.array([0.0, -0.0, 1.0, -1.0, 88.0, 100.0, 100.5, -104.0, -104.5, np.inf, -np.inf, np.nan], np.float32)
    got = transcendental.sleef_expf(x)
    assert got[0] == 1.0 and got[1] == 1.0
    assert math.isinf(got[6]) and got[8] == 0.0 and math.isinf(got[9]) and got[10] == 0.0 and math.isnan(got[11])
    close = np.exp(x[:5].astype(np.float64))
    assert np.all(np.abs(got[:5] / close - 1) < 2e-7)


def test_tanh_backward_rounds_one_minus_square_once():
    # ATen's `1 - y * y` is one fused multiply-add (GCC contracts it), in float32 and float64 alike
    for dtype in (np.float32, np.float64):
        y = (numerics_cases.uniforms(2000, 11) * 2 - 1).astype(dtype)
        got = transcendental.one_minus_square(y)
        for value, result in zip(y[:400].tolist(), got[:400].tolist()):
            with localcontext() as ctx:
                ctx.prec = 120
                exact = 1 - Decimal(value) * Decimal(value)
            expected = round_to_float32(exact) if dtype == np.float32 else float(exact)
            assert result == expected, (dtype, value)


def _ulps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    as_int = np.int32 if a.dtype == np.float32 else np.int64
    return np.abs(a.view(as_int).astype(np.int64) - b.view(as_int).astype(np.int64))


# Results built on MKL's or the C library's exp/log/log1p (their bits change between machines or glibc releases):
# autodiff's are correctly rounded; PyTorch's own must be at most a few units in the last place away.
CLOSE_CASES = [(op, dtype, shape, extra) for op in ("logsumexp", "binary_cross_entropy",
                                                    "binary_cross_entropy_with_logits")
               for dtype in ("float32", "float64") for shape in ((64, 10), (1000,), (5, 7, 11), (100_000,))
               for extra in ((-1, 0) if op == "logsumexp" else ("none", "mean"))]


@pytest.mark.oracle
@pytest.mark.parametrize("op, dtype, shape, extra", CLOSE_CASES)
def test_oracle_close(op, dtype, shape, extra):
    torch = pytest.importorskip("torch")
    from autodiff.engine import ops
    from autodiff.engine.tensor import Tensor
    from autodiff.torch.nn import functional as F

    torch.set_num_threads(reductions.threads)  # a mean over 100,000 elements depends on the thread count
    count = int(np.prod(shape))
    kind = "probability" if op == "binary_cross_entropy" else ""
    x = (numerics_cases.values(count, 1, kind, dtype) * (3 if op == "logsumexp" else 1)).reshape(shape)
    target = numerics_cases.values(count, 2, "probability", dtype).reshape(shape)
    if op == "logsumexp":
        theirs = torch.logsumexp(torch.from_numpy(x), extra).numpy()
        ours = np.asarray(ops.logsumexp(Tensor(x), extra).array)
    else:
        theirs = getattr(torch.nn.functional, op)(torch.from_numpy(x), torch.from_numpy(target),
                                                  reduction=extra).numpy()
        ours = np.asarray(getattr(F, op)(Tensor(x), Tensor(target), reduction=extra).array)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    distance = _ulps(ours.reshape(-1), theirs.reshape(-1))
    assert (distance == 0).mean() >= 0.95, (distance == 0).mean()
    # float64's log-sigmoid of a large |x| is a tiny number next to the result: a few more last-place units
    assert distance.max() <= (64 if op == "binary_cross_entropy_with_logits" else 4), distance.max()


# --- the one-element fast path of + - * / (ops._fast_result) -------------------------------------------------
_SPECIAL = [0.0, -0.0, 1.0, -1.5, 1e-45, 1e-310, 3.4e38, 1.7e308, math.inf, -math.inf, math.nan, 0.1, 1 / 3]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (1,)])
@pytest.mark.parametrize("ufunc, scalar_op", [(np.add, "add"), (np.subtract, "sub"), (np.multiply, "mul"),
                                             (np.true_divide, "truediv")])
def test_one_element_fast_path_gives_the_ufuncs_bits(dtype, shape, ufunc, scalar_op):
    """A one-element tensor's + - * / computes on NumPy scalars instead of the ufunc: the same bits, the same shape
    and dtype, for Python floats and ints (NEP 50's weak scalars) and same-dtype tensors, specials included."""
    import operator

    from autodiff.engine import ops
    from autodiff.engine.tensor import Tensor

    rng = np.random.default_rng(7)
    values = _SPECIAL + [float(v) for v in rng.standard_normal(40) * 10.0 ** rng.integers(-40, 40, 40)]
    operands: list = values + [3, -7, 2**40, 2**53 - 1]
    with np.errstate(all="ignore"):
        for left in values:
            x = np.full(shape, left, dtype=dtype)
            for right in operands:
                for b in (right, Tensor(np.full(shape, right, dtype=dtype))):
                    got = ops._fast_result(ufunc, getattr(operator, scalar_op), x, b)
                    expected = ufunc(x, b.array if type(b) is Tensor else b, out=...)
                    assert type(got) is np.ndarray and got.shape == shape and got.dtype == dtype
                    assert got.tobytes() == expected.tobytes(), (left, right)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (1,)])
def test_accumulating_into_a_one_element_grad_gives_the_ufuncs_bits(dtype, shape):
    """A second gradient into a one-element .grad is added on NumPy scalars, not by np.add: the same bits."""
    from autodiff.engine.tensor import Tensor, accumulate_into_grad

    rng = np.random.default_rng(11)
    values = _SPECIAL + [float(v) for v in rng.standard_normal(40) * 10.0 ** rng.integers(-40, 40, 40)]
    with np.errstate(all="ignore"):
        for first in values:
            for second in values:
                leaf = Tensor(np.zeros(shape, dtype=dtype), requires_grad=True)
                accumulate_into_grad(leaf, Tensor(np.full(shape, first, dtype=dtype)), create_graph=False)
                accumulate_into_grad(leaf, Tensor(np.full(shape, second, dtype=dtype)), create_graph=False)
                expected = np.add(np.full(shape, first, dtype=dtype), np.full(shape, second, dtype=dtype))
                assert leaf.grad.array.shape == shape and leaf.grad.array.dtype == dtype
                assert leaf.grad.array.tobytes() == expected.tobytes(), (first, second)
