"""Tests for autodiff.engine.rng: PyTorch 2.13 CPU random numbers, bit for bit.

* golden tests replay tests/data/rng_cases.json (made from torch by
  tests/data/make_rng_cases.py) without importing torch;
* oracle tests (``-m oracle``) compare directly with the installed torch;
* property tests check the float32/float64 fused multiply-add emulations exactly.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff.engine import rng

DATA = Path(__file__).parent / "data"
SEEDS = [0, 1, 42, 12345, 2**32 + 5]

#: Largest allowed difference, in units in the last place, between our float64 samples that go
#: through libm's functions (log, cos, sin, log1p: float64 randn/normal_, exponential_) and torch's
#: (glibc's std::log/cos/sin/log1p).  autodiff calls the C library for them too (Python's math module,
#: never NumPy's float64 SIMD kernels, which differ on AVX-512), so they are identical on every machine
#: with the same C library: 0.  Everything else (all float32 samplers, whose transcendental functions are
#: emulated op by op, and every integer sampler) is compared exactly, regardless of this constant.
FLOAT64_LIBM_ULP_TOLERANCE = 0

_DTYPES = {name: np.dtype(name) for name in
           ("float32", "float64", "int64", "int32", "int16", "int8", "uint8", "bool")}


def _load_maker():
    spec = importlib.util.spec_from_file_location("make_rng_cases", DATA / "make_rng_cases.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


MAKER = _load_maker()


# ----------------------------------------------------------------------------------------------
# replaying a step on our generator
# ----------------------------------------------------------------------------------------------


def run_ours(g: rng.Generator, step: dict) -> np.ndarray:
    op = step["op"]
    dt = _DTYPES.get(step.get("dtype", ""), None)
    if op == "rand":
        return g.rand(step["shape"], dt)
    if op == "randn":
        return g.randn(step["shape"], dt)
    if op == "uniform_":
        return g.uniform_(np.empty(step["shape"], dt), step["low"], step["high"])
    if op == "normal_":
        return g.normal_(np.empty(step["shape"], dt), step["mean"], step["std"])
    if op == "randint":
        return g.randint(step["low"], step["high"], step["shape"], dt)
    if op == "random_":
        out = np.empty(step["shape"], dt)
        if "low" in step:
            return g.random_(out, step["low"], step["high"])
        return g.random_(out)
    if op == "randperm":
        return g.randperm(step["n"])
    if op == "bernoulli":
        return g.bernoulli(np.array(step["p"], dtype=dt))
    if op == "bernoulli_scalar":
        return g.bernoulli_(np.empty(step["shape"], dt), step["p"])
    if op == "exponential_":
        return g.exponential_(np.empty(step["shape"], dt), step["lambd"])
    if op == "multinomial":
        return g.multinomial(np.array(step["w"], dtype=dt), step["k"], step["replacement"])
    if op == "normal_tensor":
        mean, std = step["mean"], step["std"]
        mean = np.array(mean, dtype=np.float32) if isinstance(mean, list) else mean
        std = np.array(std, dtype=np.float32) if isinstance(std, list) else std
        return g.normal(mean, std)
    if op == "linear":
        w, b = rng.linear_init(step["in"], step["out"], step["bias"], generator=g)
        return np.concatenate([w.reshape(-1)] + ([b] if b is not None else []))
    raise ValueError(op)


def _digest(a) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def _ulps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance in float64 ulps (both finite, same sign conventions as IEEE ordering)."""
    ia = a.astype(np.float64).view(np.int64)
    ib = b.astype(np.float64).view(np.int64)
    ia = np.where(ia < 0, np.int64(-(2**63)) - ia, ia)
    ib = np.where(ib < 0, np.int64(-(2**63)) - ib, ib)
    return np.abs(ia - ib)


_LIBM_OPS = {"randn", "normal_", "exponential_", "normal_tensor"}


def assert_same(ours: np.ndarray, theirs: np.ndarray, libm: bool = False) -> None:
    """Exact equality of dtype, shape and bits (float64 libm results: within the tolerance)."""
    ours = np.asarray(ours)
    theirs = np.asarray(theirs)
    assert ours.dtype == theirs.dtype, (ours.dtype, theirs.dtype)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    if ours.dtype == np.float32:
        bad = np.flatnonzero(ours.view(np.uint32) != theirs.view(np.uint32))
    elif ours.dtype == np.float64:
        if libm and FLOAT64_LIBM_ULP_TOLERANCE:
            bad = np.flatnonzero(_ulps(ours, theirs).reshape(-1) > FLOAT64_LIBM_ULP_TOLERANCE)
        else:
            bad = np.flatnonzero(ours.view(np.uint64) != theirs.view(np.uint64))
    else:
        bad = np.flatnonzero(ours.reshape(-1) != theirs.reshape(-1))
    assert bad.size == 0, (
        f"{bad.size}/{ours.size} differ, first at {bad[:5]}: "
        f"{ours.reshape(-1)[bad[:3]]!r} vs {theirs.reshape(-1)[bad[:3]]!r}")


# ----------------------------------------------------------------------------------------------
# golden tests (no torch)
# ----------------------------------------------------------------------------------------------

GOLDEN = json.loads((DATA / "rng_cases.json").read_text())


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=lambda c: f"seed{c['seed']}")
def test_golden_sequence(case):
    g = rng.Generator(case["seed"])
    for i, (step, exp) in enumerate(zip(GOLDEN["steps"], case["results"], strict=True)):
        out = run_ours(g, step)
        where = f"step {i} {step}"
        assert str(out.dtype) == exp["dtype"], where
        assert list(out.shape) == exp["shape"], where
        if _digest(out) != exp["sha256"]:
            if FLOAT64_LIBM_ULP_TOLERANCE and out.dtype == np.float64 and step["op"] in _LIBM_OPS:
                pass  # only the head values can be checked within a tolerance
            else:
                pytest.fail(f"{where}: result differs; head {MAKER.head(out)} vs {exp['head']}")
        assert MAKER.head(out) == exp["head"] or FLOAT64_LIBM_ULP_TOLERANCE, where
        assert _digest(g.get_state()) == exp["state_sha256"], f"{where}: generator state differs"


@pytest.mark.parametrize("seed", SEEDS)
def test_golden_fresh_state(seed):
    assert _digest(rng.Generator(seed).get_state()) == GOLDEN["fresh_state_sha256"][str(seed)]


# ----------------------------------------------------------------------------------------------
# behaviour that needs no oracle
# ----------------------------------------------------------------------------------------------


def test_first_rand_values_documented_in_the_brief():
    g = rng.Generator(0)
    np.testing.assert_allclose(g.rand((5,)), [0.4963, 0.7682, 0.0885, 0.1320, 0.3074], atol=5e-5)


def test_seed_normalisation_and_initial_seed():
    assert rng.Generator(-1).initial_seed() == 2**64 - 1
    assert rng.Generator(2**32 + 5).initial_seed() == 2**32 + 5
    # only the low 32 bits seed MT19937
    assert rng.Generator(2**32 + 5).rand((4,)).tobytes() == rng.Generator(5).rand((4,)).tobytes()
    with pytest.raises(ValueError, match="^Overflow when unpacking long long$"):  # torch.manual_seed(2**64)
        rng.Generator(2**64)


def test_unseeded_generators_differ_and_seed_reseeds():
    a, b = rng.Generator(), rng.Generator()
    assert a.initial_seed() != b.initial_seed()
    s = a.seed()
    assert a.initial_seed() == s
    assert a.rand((3,)).tobytes() == rng.Generator(s).rand((3,)).tobytes()


def test_state_round_trip_restores_stream_and_normal_cache():
    g = rng.Generator(7)
    g.randn((3,))  # leaves a cached Box-Muller value
    state = g.get_state()
    assert state.dtype == np.uint8 and state.shape == (5056,)
    a = [g.randn((1,)), g.rand((700,)), g.randn((5,), np.float64)]
    h = rng.Generator(123)
    h.set_state(state)
    b = [h.randn((1,)), h.rand((700,)), h.randn((5,), np.float64)]
    for x, y in zip(a, b, strict=True):
        assert x.tobytes() == y.tobytes()
    assert g.get_state().tobytes() == h.get_state().tobytes()
    with pytest.raises(RuntimeError):
        h.set_state(state[:100])


def test_module_level_default_generator():
    rng.manual_seed(3)
    assert rng.initial_seed() == 3
    x = rng.default_generator.rand((4,))
    rng.set_rng_state(rng.Generator(3).get_state())
    assert rng.default_generator.rand((4,)).tobytes() == x.tobytes()


def test_fan_in_and_fan_out_and_gain():
    assert rng.fan_in_and_fan_out((5, 3)) == (3, 5)
    assert rng.fan_in_and_fan_out((8, 4, 3, 3)) == (36, 72)
    with pytest.raises(ValueError):
        rng.fan_in_and_fan_out((4,))
    assert rng.calculate_gain("leaky_relu", math.sqrt(5)) == math.sqrt(2.0 / 6)
    assert rng.calculate_gain("relu") == math.sqrt(2.0)


def test_inplace_samplers_fill_c_order_and_return_out():
    out = np.empty((3, 4), np.float32)
    assert rng.Generator(1).uniform_(out) is out
    assert out.reshape(-1).tobytes() == rng.Generator(1).rand((12,)).tobytes()


def test_randperm_vectorised_matches_swap_loop():
    for n in (2048, 5000, 40000):
        g = rng.Generator(n)
        i = np.arange(n, dtype=np.int64)
        targets = i + np.random.default_rng(n).integers(0, n - i)
        perm = list(range(n))
        for k, z in enumerate(targets.tolist()):
            perm[k], perm[z] = perm[z], perm[k]
        assert rng._apply_forward_swaps(targets).tolist() == perm
        assert sorted(g.randperm(n).tolist()) == list(range(n))


# ----------------------------------------------------------------------------------------------
# exactness of the fused multiply-add emulations
# ----------------------------------------------------------------------------------------------

_f32 = st.floats(width=32, allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6)
_f64 = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e100, max_value=1e100)


@settings(max_examples=300, deadline=None)
@given(_f32, _f32, _f32)
def test_fma32_is_correctly_rounded(a, b, c):
    a, b, c = np.float32(a), np.float32(b), np.float32(c)
    exact = Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c))
    got = rng._fma32(np.array([a]), b, c)[0]
    assert got == np.float32(_round_fraction_to_f32(exact))


@settings(max_examples=300, deadline=None)
@given(_f64, _f64, _f64)
def test_fma64_is_correctly_rounded(a, b, c):
    if abs(a * b) < 1e-280 and a * b != 0:
        return  # underflow range: the emulation is not claimed exact there
    exact = Fraction(a) * Fraction(b) + Fraction(c)
    assert rng._fma64(np.array([a]), b, c)[0] == float(exact)


def test_fma32_double_rounding_midpoint():
    # a*b + c lands exactly halfway between two float32 values in float64 only after rounding
    a = np.float32(1 + 2**-23)
    b = np.float32(1 + 2**-23)
    c = np.float32(-(2**-24)) - np.float32(2**-46)
    exact = Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c))
    assert rng._fma32(np.array([a]), b, c)[0] == np.float32(_round_fraction_to_f32(exact))


def _round_fraction_to_f32(x: Fraction) -> float:
    """Round an exact rational to the nearest float32 (ties to even)."""
    if x == 0:
        return 0.0
    sign = -1 if x < 0 else 1
    x = abs(x)
    e = math.floor(math.log2(x.numerator) - math.log2(x.denominator))
    while Fraction(2) ** e > x:
        e -= 1
    while Fraction(2) ** (e + 1) <= x:
        e += 1
    e = max(e, -126)
    q = x / Fraction(2) ** (e - 23)
    n = math.floor(q)
    r = q - n
    if r > Fraction(1, 2) or (r == Fraction(1, 2) and n % 2 == 1):
        n += 1
    return sign * float(Fraction(n) * Fraction(2) ** (e - 23))


@pytest.mark.slow
def test_fast_kernel_is_exhaustively_exact():
    """The optimised float32 Box-Muller kernel evaluates each fused multiply-add in float64 and
    rounds once to float32, without the double-rounding fix of ``_fma32``.  Check on all 2**24
    reachable inputs (u = k * 2**-24) that it equals the op-by-op reference with exact FMAs."""
    k = np.arange(1 << 24, dtype=np.int32)
    u = k.astype(np.float32) * np.float32(2.0**-24)
    step = 1 << 21
    w = rng._Workspace(step)
    for start in range(0, u.size, step):
        uu = u[start:start + step]
        u1 = np.float32(1) - uu
        assert rng._log256_fast(u1, w).tobytes() == rng._log256(u1, rng._fma32).tobytes()
        theta = rng._TWO_PI_F32 * uu
        s_ref, c_ref = rng._sincos256(theta, rng._fma32)
        s, c = rng._sincos256_fast(theta.copy(), w)
        assert s.tobytes() == s_ref.tobytes() and c.tobytes() == c_ref.tobytes()


# ----------------------------------------------------------------------------------------------
# oracle tests against torch
# ----------------------------------------------------------------------------------------------

SIZES = list(range(1, 101))
SHAPES_2D = [(1, 1), (1, 15), (3, 5), (4, 4), (5, 4), (16, 1), (2, 8), (7, 9), (3, 17), (16, 16),
             (33, 3), (10, 10), (65, 1009)]
BIG = [4096 * 16, 4096 * 16 + 5, 2 * 4096 * 16 + 37]  # cross the kernel's cache-block size


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _avx2(torch) -> bool:
    return torch.backends.cpu.get_cpu_capability() in ("AVX2", "AVX512")


def _intel(torch) -> bool:
    try:
        return "GenuineIntel" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


def _tdt(torch, dt):
    return getattr(torch, np.dtype(dt).name)


def _same_state(torch, g):
    assert g.get_state().tobytes() == torch.get_rng_state().numpy().tobytes()


@pytest.mark.oracle
@pytest.mark.parametrize("seed", SEEDS)
def test_oracle_fresh_state_and_seed(torch, seed):
    torch.manual_seed(seed)
    g = rng.Generator(seed)
    assert g.initial_seed() == torch.initial_seed()
    _same_state(torch, g)


@pytest.mark.oracle
@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("seed", SEEDS)
def test_oracle_rand(torch, seed, dt):
    torch.manual_seed(seed)
    g = rng.Generator(seed)
    for shape in [(n,) for n in SIZES] + SHAPES_2D + [(b,) for b in BIG]:
        assert_same(g.rand(shape, dt), torch.rand(shape, dtype=_tdt(torch, dt)).numpy())
    _same_state(torch, g)


@pytest.mark.oracle
@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("seed", SEEDS)
def test_oracle_randn(torch, seed, dt):
    if dt == np.float32 and not _avx2(torch):
        pytest.skip("torch's float32 normal kernel here is not the AVX2 one we emulate")
    torch.manual_seed(seed)
    g = rng.Generator(seed)
    for shape in [(n,) for n in SIZES] + SHAPES_2D + [(b,) for b in BIG]:
        assert_same(g.randn(shape, dt), torch.randn(shape, dtype=_tdt(torch, dt)).numpy(), libm=True)
    _same_state(torch, g)


@pytest.mark.oracle
@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_oracle_uniform_and_normal_with_parameters(torch, dt):
    if dt == np.float32 and not _avx2(torch):
        pytest.skip("torch's float32 normal kernel here is not the AVX2 one we emulate")
    tdt = _tdt(torch, dt)
    for seed in SEEDS:
        torch.manual_seed(seed)
        g = rng.Generator(seed)
        for n in (1, 7, 15, 16, 17, 100, 1001):
            for lo, hi in ((-0.3, 0.7), (-1 / math.sqrt(3), 1 / math.sqrt(3)), (2.0, 5.5), (-1e3, 1e-3)):
                assert_same(g.uniform_(np.empty(n, dt), lo, hi), torch.empty(n, dtype=tdt).uniform_(lo, hi).numpy())
            for mean, std in ((0.37, 2.3), (-4.0, 0.01), (0.0, 1.0)):
                assert_same(g.normal_(np.empty(n, dt), mean, std),
                            torch.empty(n, dtype=tdt).normal_(mean, std).numpy(), libm=True)
        _same_state(torch, g)


@pytest.mark.oracle
@pytest.mark.parametrize("seed", SEEDS)
def test_oracle_normal_tensor_variants(torch, seed):
    torch.manual_seed(seed)
    g = rng.Generator(seed)
    for n in (1, 5, 16, 17, 40):
        m = g.randn((n,))
        tm = torch.randn(n)
        assert_same(g.normal(m, 2.0), torch.normal(tm, 2.0).numpy(), libm=True)
        assert_same(g.normal(1.5, np.abs(m)), torch.normal(1.5, tm.abs()).numpy(), libm=True)
        assert_same(g.normal(m, np.abs(m)), torch.normal(tm, tm.abs()).numpy(), libm=True)
        assert_same(g.normal(1.5, 0.5, (n,)), torch.normal(1.5, 0.5, (n,)).numpy(), libm=True)
        m64 = m.astype(np.float64)
        assert_same(g.normal(m64, np.abs(m64)), torch.normal(tm.double(), tm.double().abs()).numpy(), libm=True)
    _same_state(torch, g)


@pytest.mark.oracle
@pytest.mark.parametrize("seed", SEEDS)
def test_oracle_small_normal_cache_is_shared_across_dtypes(torch, seed):
    torch.manual_seed(seed)
    g = rng.Generator(seed)
    for n, dt in [(3, np.float32), (3, np.float64), (1, np.float32), (5, np.float64), (20, np.float32),
                  (1, np.float64), (15, np.float32), (2, np.float32)]:
        assert_same(g.randn((n,), dt), torch.randn(n, dtype=_tdt(torch, dt)).numpy(), libm=True)
        _same_state(torch, g)


_RANGES = [(0, 1), (0, 10), (-5, 5), (0, 2**28 - 1), (0, 2**28), (-2**40, 2**40), (3, 2**31),
           (-2**63, 2**63 - 1)]


@pytest.mark.oracle
@pytest.mark.parametrize("seed", SEEDS)
def test_oracle_randint_and_random_(torch, seed):
    torch.manual_seed(seed)
    g = rng.Generator(seed)
    for n in (1, 2, 7, 16, 17, 100):
        for lo, hi in _RANGES:
            assert_same(g.randint(lo, hi, (n,)), torch.randint(lo, hi, (n,)).numpy())
        assert_same(g.randint(9, shape=(n, 2)), torch.randint(9, (n, 2)).numpy())
        for dt, lo, hi in ((np.int32, -3, 100), (np.int16, -300, 300), (np.int8, -128, 128), (np.uint8, 0, 256),
                           (np.bool_, 0, 2), (np.float32, -3, 100), (np.float64, -2**40, 2**40)):
            assert_same(g.randint(lo, hi, (n,), dt), torch.randint(lo, hi, (n,), dtype=_tdt(torch, dt)).numpy())
        for dt in (np.int64, np.int32, np.int16, np.int8, np.uint8, np.bool_, np.float32, np.float64):
            assert_same(g.random_(np.empty(n, dt)), torch.empty(n, dtype=_tdt(torch, dt)).random_().numpy())
        assert_same(g.random_(np.empty(n, np.int64), 7), torch.empty(n, dtype=torch.int64).random_(7).numpy())
        assert_same(g.random_(np.empty(n, np.int64), 5, 2**63),
                    torch.empty(n, dtype=torch.int64).random_(5, None).numpy())
        assert_same(g.random_(np.empty(n, np.int64), -2**63, 2**63),
                    torch.empty(n, dtype=torch.int64).random_(-2**63, None).numpy())
    _same_state(torch, g)


@pytest.mark.oracle
@pytest.mark.parametrize("seed", SEEDS)
def test_oracle_randperm(torch, seed):
    torch.manual_seed(seed)
    g = rng.Generator(seed)
    for n in list(range(0, 40)) + [100, 1000, 2047, 2048, 2049, 5000, 70000]:
        assert_same(g.randperm(n), torch.randperm(n).numpy())
    assert_same(g.randperm(10, np.int32), torch.randperm(10, dtype=torch.int32).numpy())
    _same_state(torch, g)


@pytest.mark.oracle
@pytest.mark.parametrize("seed", SEEDS)
def test_oracle_bernoulli(torch, seed):
    torch.manual_seed(seed)
    g = rng.Generator(seed)
    for n in (1, 8, 17, 100):
        for dt in (np.float32, np.float64):
            p = g.rand((n,), dt)
            tp = torch.rand(n, dtype=_tdt(torch, dt))
            assert_same(g.bernoulli(p), torch.bernoulli(tp).numpy())
            out = np.empty((n, 2), np.float32)
            assert_same(g.bernoulli_(out, p.reshape(n, 1)),
                        torch.empty(n, 2).bernoulli_(tp.reshape(n, 1)).numpy())
        if not _intel(torch):  # Intel CPUs take an MKL (MCG31) path for a scalar p in torch
            assert_same(g.bernoulli_(np.empty(n, np.float32), 0.3), torch.empty(n).bernoulli_(0.3).numpy())
            assert_same(g.bernoulli(np.zeros(n, np.float32), 0.6), torch.bernoulli(torch.zeros(n), 0.6).numpy())
            assert_same(g.bernoulli_(np.empty(n, np.int64), 0.5),
                        torch.empty(n, dtype=torch.int64).bernoulli_(0.5).numpy())
    _same_state(torch, g)


@pytest.mark.oracle
@pytest.mark.parametrize("seed", SEEDS)
def test_oracle_exponential_and_multinomial(torch, seed):
    torch.manual_seed(seed)
    g = rng.Generator(seed)
    for n in (1, 2, 5, 16, 50):
        for dt in (np.float32, np.float64):
            tdt = _tdt(torch, dt)
            assert_same(g.exponential_(np.empty(n, dt), 1.7), torch.empty(n, dtype=tdt).exponential_(1.7).numpy(),
                        libm=True)
            w = g.rand((n,), dt) + dt(0.01)
            tw = torch.rand(n, dtype=tdt) + 0.01
            for k in sorted({1, min(n, 3), n}):
                assert_same(g.multinomial(w, k), torch.multinomial(tw, k).numpy())
                assert_same(g.multinomial(w, k, True), torch.multinomial(tw, k, True).numpy())
            w2 = g.rand((3, n), dt)
            tw2 = torch.rand(3, n, dtype=tdt)
            assert_same(g.multinomial(w2, 7, True), torch.multinomial(tw2, 7, True).numpy())
            assert_same(g.multinomial(w2, min(n, 2)), torch.multinomial(tw2, min(n, 2)).numpy())
    _same_state(torch, g)


_SERIAL_SIZES = (1, 2, 3, 5, 15, 16, 17, 33, 64)  # 16: where normal_ changes kernel (these samplers do not)


@pytest.mark.oracle
@pytest.mark.parametrize("seed", SEEDS)
def test_oracle_geometric_log_normal_cauchy(torch, seed):
    """Exact values over sizes either side of 16, both float dtypes (and geometric_'s integer ones), several
    parameters; the generator's state after every call (every sampler draws exactly torch's numbers)."""
    if not _avx2(torch):
        pytest.skip("cauchy_'s multiply-add is fused only in torch's AVX2/AVX-512 kernels, which we emulate")
    torch.manual_seed(seed)
    g = rng.Generator(seed)
    for n in _SERIAL_SIZES:
        for dt in (np.float32, np.float64):
            tdt = _tdt(torch, dt)
            for p in (0.5, 0.07, 0.93):
                assert_same(g.geometric_(np.empty(n, dt), p), torch.empty(n, dtype=tdt).geometric_(p).numpy())
            for mean, std in ((1.0, 2.0), (0.3, 0.77), (-1.1, 1.3)):
                assert_same(g.log_normal_(np.empty(n, dt), mean, std),
                            torch.empty(n, dtype=tdt).log_normal_(mean, std).numpy(), libm=True)
            for median, sigma in ((0.0, 1.0), (1.3, 2.7), (-0.1, 0.37)):
                assert_same(g.cauchy_(np.empty(n, dt), median, sigma),
                            torch.empty(n, dtype=tdt).cauchy_(median, sigma).numpy(), libm=True)
            _same_state(torch, g)
        for dt in (np.int64, np.int32, np.int16, np.int8, np.uint8, np.float16):
            assert_same(g.geometric_(np.empty(n, dt), 0.01),
                        torch.empty(n, dtype=_tdt(torch, dt)).geometric_(0.01).numpy())
        for dt in (np.int64, np.int32, np.uint8, np.float16):  # values beyond int32 (x86's conversion) and half
            assert_same(g.geometric_(np.empty(n, dt), 1e-12),
                        torch.empty(n, dtype=_tdt(torch, dt)).geometric_(1e-12).numpy())
        assert_same(g.log_normal_(np.empty(n, np.float16)), torch.empty(n, dtype=torch.float16).log_normal_().numpy())
        assert_same(g.cauchy_(np.empty(n, np.float16)), torch.empty(n, dtype=torch.float16).cauchy_().numpy())
    _same_state(torch, g)


@pytest.mark.oracle
@pytest.mark.parametrize("seed", SEEDS)
def test_oracle_log_normal_shares_the_cached_normal(torch, seed):
    """log_normal_ draws double normals in pairs and caches the second, which the next per-element normal uses."""
    torch.manual_seed(seed)
    g = rng.Generator(seed)
    for n in (3, 1, 16, 5):
        assert_same(g.log_normal_(np.empty(n), 0.5, 1.5), torch.empty(n, dtype=torch.float64).log_normal_(0.5, 1.5)
                    .numpy(), libm=True)
        assert_same(g.randn((3,), np.float64), torch.randn(3, dtype=torch.float64).numpy(), libm=True)
        assert_same(g.normal_(np.empty(1), 2.0, 3.0), torch.empty(1, dtype=torch.float64).normal_(2.0, 3.0).numpy(),
                    libm=True)
        _same_state(torch, g)


@pytest.mark.oracle
@pytest.mark.parametrize("op", ["geometric_", "log_normal_", "cauchy_"])
def test_oracle_new_samplers_fill_strided_tensors_in_memory_order(torch, op):
    args = {"geometric_": (0.2,), "log_normal_": (), "cauchy_": ()}[op]
    views = [
        (lambda: np.empty((5, 6)).T, lambda: torch.empty(5, 6, dtype=torch.float64).t()),
        (lambda: np.empty((4, 5, 6)).transpose(2, 0, 1)[:, 1:],
         lambda: torch.empty(4, 5, 6, dtype=torch.float64).permute(2, 0, 1)[:, 1:]),
        (lambda: np.empty((8, 9))[::2, ::3], lambda: torch.empty(8, 9, dtype=torch.float64)[::2, ::3]),
        (lambda: np.empty((20, 3), np.float32).T, lambda: torch.empty(20, 3).t()),
    ]
    g = rng.Generator(7)
    torch.manual_seed(7)
    for make_np, make_t in views:
        o, t = make_np(), make_t()
        assert getattr(g, op)(o, *args) is o
        getattr(t, op)(*args)
        assert_same(o, t.numpy(), libm=True)
    _same_state(torch, g)


_POISSON_RATES = (0.0, 0.3, 1.0, 4.5, 9.99, 10.0, 12.3, 50.0, 1000.0, 1e6)


@pytest.mark.oracle
@pytest.mark.parametrize("seed", SEEDS)
def test_oracle_poisson(torch, seed):
    """Both of sample_poisson's algorithms (below 10 and from 10 on: each takes a varying number of uniforms),
    float32 and float64 rates, a transposed rates tensor, and the state afterwards."""
    pick = np.random.RandomState(seed % 2**32)
    torch.manual_seed(seed)
    g = rng.Generator(seed)
    for n in (1, 5, 16, 17, 60):
        for dt in (np.float32, np.float64, np.float16):
            rates = pick.choice(_POISSON_RATES[:-1] if dt == np.float16 else _POISSON_RATES, size=n).astype(dt)
            assert_same(g.poisson(rates), torch.poisson(torch.from_numpy(rates)).numpy())
            _same_state(torch, g)
    rates = pick.uniform(0, 30, (6, 4)).T
    assert_same(g.poisson(rates), torch.poisson(torch.from_numpy(rates)).numpy())
    huge = np.array([1e12, np.inf, 1e300, 3.0])  # x86's conversion of a NaN or overflowing count: INT64_MIN
    assert_same(g.poisson(huge), torch.poisson(torch.from_numpy(huge)).numpy())
    _same_state(torch, g)


def test_poisson_rate_errors_after_the_draws_before_it():
    g = rng.Generator(3)
    with pytest.raises(RuntimeError, match="invalid Poisson rate, expected rate to be non-negative"):
        g.poisson(np.array([2.0, -1.0, 5.0]))
    reference = rng.Generator(3)
    reference.poisson(np.array([2.0]))
    assert g.get_state().tobytes() == reference.get_state().tobytes()
    with pytest.raises(RuntimeError, match="invalid Poisson rate"):
        g.poisson(np.array([np.nan]))


def test_new_sampler_argument_errors_draw_nothing():
    g = rng.Generator(0)
    with pytest.raises(RuntimeError, match=r"geometric_ expects p to be in \(0, 1\), but got p=1$"):
        g.geometric_(np.empty(3), 1)
    with pytest.raises(RuntimeError, match="log_normal_ expects std > 0.0, but found std=nan"):
        g.log_normal_(np.empty(3), 0, math.nan)
    with pytest.raises(RuntimeError, match="cauchy_ expects sigma > 0.0, but found sigma=-2"):
        g.cauchy_(np.empty(3), 0, -2)
    with pytest.raises(RuntimeError, match="you specified long int$"):
        g.cauchy_(np.empty(3, np.int64))
    with pytest.raises(NotImplementedError, match="\"geometric_cpu\" not implemented for 'Bool'"):
        g.geometric_(np.empty(3, bool), 0.5)
    assert g.get_state().tobytes() == rng.Generator(0).get_state().tobytes()


@pytest.mark.oracle
@pytest.mark.parametrize("seed", SEEDS)
def test_oracle_mixed_sequence(torch, seed):
    """Interleaved calls: every sampler must consume exactly torch's number of draws."""
    if not _avx2(torch):
        pytest.skip("torch's float32 normal kernel here is not the AVX2 one we emulate")
    torch.manual_seed(seed)
    g = rng.Generator(seed)
    for step in MAKER.case_steps():
        if step["op"] == "bernoulli_scalar" and _intel(torch):
            continue
        assert_same(run_ours(g, step), MAKER.run_torch(torch, step), libm=step["op"] in _LIBM_OPS)
        _same_state(torch, g)


@pytest.mark.oracle
@pytest.mark.parametrize("seed", SEEDS)
def test_oracle_state_round_trips(torch, seed):
    torch.manual_seed(seed)
    torch.randn(3)
    torch.rand(700)
    g = rng.Generator(0)
    g.set_state(torch.get_rng_state().numpy())
    _same_state(torch, g)
    assert_same(g.randn((5,)), torch.randn(5).numpy(), libm=True)
    g.randn((1,), np.float64)
    torch.set_rng_state(torch.from_numpy(g.get_state()))
    assert_same(g.randn((9,), np.float64), torch.randn(9, dtype=torch.float64).numpy(), libm=True)
    assert_same(g.rand((30,)), torch.rand(30).numpy())
    _same_state(torch, g)


@pytest.mark.oracle
@pytest.mark.parametrize("seed", SEEDS)
def test_oracle_nn_init(torch, seed):
    for i, o, bias in ((1, 1, True), (3, 2, True), (10, 5, False), (784, 128, True), (7, 300, True), (0, 4, True)):
        torch.manual_seed(seed)
        with pytest.warns(UserWarning) if i == 0 else contextlib.nullcontext():
            lin = torch.nn.Linear(i, o, bias=bias)
        g = rng.Generator(seed)
        w, b = rng.linear_init(i, o, bias, generator=g)
        assert_same(w, lin.weight.detach().numpy())
        if bias:
            assert_same(b, lin.bias.detach().numpy())
        else:
            assert b is None
        _same_state(torch, g)
    torch.manual_seed(seed)
    g = rng.Generator(seed)
    t = torch.empty(4, 3, 2)
    torch.nn.init.xavier_uniform_(t, gain=1.3)
    assert_same(rng.xavier_uniform_(np.empty((4, 3, 2), np.float32), 1.3, generator=g), t.numpy())
    t = torch.empty(6, 5)
    torch.nn.init.kaiming_uniform_(t, a=0.2, mode="fan_out", nonlinearity="leaky_relu")
    assert_same(rng.kaiming_uniform_(np.empty((6, 5), np.float32), a=0.2, mode="fan_out", generator=g), t.numpy())
    t = torch.empty(4, 30, dtype=torch.float64)
    torch.nn.init.kaiming_normal_(t, nonlinearity="relu")
    assert_same(rng.kaiming_normal_(np.empty((4, 30)), nonlinearity="relu", generator=g), t.numpy(), libm=True)
    t = torch.empty(5, 40)
    torch.nn.init.xavier_normal_(t)
    assert_same(rng.xavier_normal_(np.empty((5, 40), np.float32), generator=g), t.numpy())
    t = torch.empty(3, 3)
    torch.nn.init.uniform_(t, -2, 3)
    assert_same(rng.uniform_(np.empty((3, 3), np.float32), -2, 3, generator=g), t.numpy())
    t = torch.empty(3, 3)
    torch.nn.init.normal_(t, 1, 0.5)
    assert_same(rng.normal_(np.empty((3, 3), np.float32), 1, 0.5, generator=g), t.numpy())
    _same_state(torch, g)


@pytest.mark.oracle
@pytest.mark.parametrize("op", ["normal_", "uniform_", "random_", "bernoulli_", "exponential_"])
def test_oracle_non_contiguous_out_is_filled_in_tensoriterator_order(torch, op):
    views = [
        (lambda: np.empty((5, 6), np.float32).T, lambda: torch.empty(5, 6).t()),
        (lambda: np.empty((4, 5, 6), np.float32).transpose(2, 0, 1)[:, 1:],
         lambda: torch.empty(4, 5, 6).permute(2, 0, 1)[:, 1:]),
        (lambda: np.empty((5, 6), np.float32)[:, :5], lambda: torch.empty(5, 6)[:, :5]),
        (lambda: np.empty((8, 9), np.float32)[::2, ::3], lambda: torch.empty(8, 9)[::2, ::3]),
    ]
    g = rng.Generator(4)
    torch.manual_seed(4)
    for make_np, make_t in views:
        o, t = make_np(), make_t()
        assert getattr(g, op)(o) is o
        getattr(t, op)()
        assert_same(o, t.numpy(), libm=True)
    p = g.rand((5, 1))
    tp = torch.rand(5, 1)
    o, t = np.empty((6, 5), np.float32).T, torch.empty(6, 5).t()
    assert_same(g.bernoulli_(o, p), t.bernoulli_(tp).numpy())
    _same_state(torch, g)


def test_argument_errors_follow_torch():
    g = rng.Generator(0)
    with pytest.raises(RuntimeError, match="from=1 > to=0"):
        g.uniform_(np.empty(3, np.float32), 1, 0)
    with pytest.raises(RuntimeError, match="std >= 0.0"):
        g.normal_(np.empty(3, np.float32), 0, -1)
    with pytest.raises(RuntimeError, match="less than 'to'"):
        g.randint(5, 5, (2,))
    with pytest.raises(RuntimeError):
        g.multinomial(np.array([1.0, 0.0], np.float32), 2)
    assert g.get_state().tobytes() == rng.Generator(0).get_state().tobytes()  # nothing drawn


@pytest.mark.parametrize("call", ["x.uniform_(generator=5)", "x.normal_(generator=5)", "x.random_(generator=5)",
                                  "torch.rand(2, generator=5)", "torch.randn(2, generator='g')"])
def test_a_generator_argument_that_is_not_a_generator_is_a_type_error(run_script, call):
    # PyTorch 2.13: "uniform_(): argument 'generator' must be torch.Generator, not int" (its other samplers list
    # their overloads instead); autodiff says the part every one of them means, uniform_ and normal_ all of it.
    out, _ = run_script(f"import torch\nx = torch.ones(3)\ntry:\n    {call}\nexcept TypeError as e:\n    print(e)\n")
    kind = "str" if "'g'" in call else "int"
    # uniform_ and normal_ read their arguments as PyTorch's parser does: its whole text, with the method's name.
    method = call.split("(")[0].removeprefix("x.") + "(): " if call.startswith(("x.uniform_", "x.normal_")) else ""
    assert out == f"{method}argument 'generator' must be torch.Generator, not {kind}\n"
