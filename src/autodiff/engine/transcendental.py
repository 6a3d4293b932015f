"""exp, log, sin, tanh, erf, ... with the same bits on every machine, whatever SIMD kernels NumPy picks.

NumPy's transcendental functions differ in the last bit between its AVX-512, AVX2 and baseline kernels (and
its float32 ones are often 1-2 ulp from the true value). PyTorch's own results come from MKL/Sleef kernels
that also change with the instruction set, so no machine-independent answer is PyTorch's everywhere; the
one closest to all of them is the correctly rounded value, which PyTorch's float32 results equal for 92-99.9%
of arguments (exp 99%, tanh 99.9%), against 60-90% for NumPy's float32 kernels.

float32 (and float16): the function is evaluated in float64 by NumPy (any of its kernels is within a few
float64 ulps of the truth) and rounded to float32; that is the correctly rounded result unless the float64
value lies within a few of its ulps of a float32 rounding boundary, about one argument in 10^6. Those are
recomputed exactly with `decimal` (pure Python, the same everywhere). So the result is correctly rounded by
construction, independent of NumPy's kernels.

float64: each element goes through Python's `math` module, that is the C library's libm, the functions
PyTorch's own scalar CPU code calls; NumPy's float64 SIMD kernels (AVX-512 only) are never used.

Above `EXACT_LIMIT` elements, float32 arrays use NumPy's float32 kernels directly (machine-dependent, like
PyTorch's own): the exact path costs 3-6x their time, which a 10^7-element training step cannot afford.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

EXACT_LIMIT = 1 << 20  # float32 elements: arrays larger than this use NumPy's own (machine-dependent) kernels

_F16 = np.dtype(np.float16)
_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_MARGIN = 1 << 12  # float64 ulps around a float32 rounding boundary that count as "too close to call"
_HALF = np.uint64(1 << 28)
_LOW = np.uint64((1 << 29) - 1)
_TINY = np.float32(2.0 ** -126)  # below this a float32 result is subnormal: its boundaries lie elsewhere
_HUGE = np.finfo(np.float32).max


def _exact32(name: str, x: float) -> float:
    """The correctly rounded float32 value of function `name` at the float32 `x`."""
    if math.isnan(x):
        return math.nan
    if math.isinf(x):
        return float(np.float32(_libm(name, np.array([x]))[0]))
    from autodiff.engine import exact

    try:
        value = exact.evaluate(name, x)
    except ArithmeticError:  # outside the domain (log of a negative, ...): NaN or a pole, as C gives
        return _special(name, x)
    return exact.round_to_float32(value)


# --- vectorised -------------------------------------------------------------------------------------------
def rounded32(wide: np.ndarray, exact_at: Callable[[int], float]) -> np.ndarray:
    """float32 results from float64 ones (`wide`, within a few ulps of the truth), with `exact_at(i)` (the
    correctly rounded value of flat element i) where the float64 value is too close to a float32 rounding
    boundary to call, or where the result is subnormal or overflows float32 (its boundaries lie elsewhere)."""
    with np.errstate(all="ignore"):
        out = wide.astype(np.float32)
    # the 29 bits a float32 drops: a boundary is at 2**28 (a tie); uint64 arithmetic wraps below it
    dropped = wide.view(np.uint64) & _LOW
    suspect = (dropped - (_HALF - _MARGIN)) <= np.uint64(2 * _MARGIN)
    magnitude = np.abs(out)
    suspect |= (magnitude < _TINY) & (wide != 0)
    suspect |= magnitude >= _HUGE
    suspects = np.flatnonzero(suspect.reshape(-1))
    if suspects.size:
        flat_out = out.reshape(-1)
        for index in suspects.tolist():
            flat_out[index] = exact_at(index)
    return out


_NUMPY: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "exp": np.exp, "log": np.log, "log2": np.log2, "log10": np.log10, "log1p": np.log1p, "expm1": np.expm1,
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "tanh": np.tanh, "sinh": np.sinh, "cosh": np.cosh,
    "atan": np.arctan, "asin": np.arcsin, "acos": np.arccos,
}
_MATH: dict[str, Callable[[float], float]] = {
    "exp": math.exp, "log": math.log, "log2": math.log2, "log10": math.log10, "log1p": math.log1p,
    "expm1": math.expm1, "sin": math.sin, "cos": math.cos, "tan": math.tan, "tanh": math.tanh,
    "sinh": math.sinh, "cosh": math.cosh, "atan": math.atan, "asin": math.asin, "acos": math.acos, "erf": math.erf,
}


def libm(name: str, values: np.ndarray) -> np.ndarray:
    """Each element, as float64, through the C library (Python's math module: the functions PyTorch's scalar
    CPU code calls), with C's results for NaN, infinities and domain errors; never NumPy's SIMD kernels."""
    return _libm(name, np.asarray(values, np.float64))


def _libm(name: str, values: np.ndarray) -> np.ndarray:
    """Each float64 element through the C library (math module), with IEEE results for NaN/inf/domain errors."""
    fn = _MATH[name]
    flat = values.reshape(-1).tolist()
    out = np.empty(len(flat), np.float64)
    for index, v in enumerate(flat):
        try:
            out[index] = fn(v)
        except (ValueError, OverflowError):
            out[index] = _special(name, v)
    return out.reshape(values.shape)


def _special(name: str, v: float) -> float:
    """What C returns where Python's math raises: domain errors give NaN (or -inf at a pole), overflow inf."""
    with np.errstate(all="ignore"):
        if name in ("log", "log2", "log10") and v == 0:
            return -math.inf
        if name == "log1p" and v == -1:
            return -math.inf
        fallback = {"exp": np.exp, "expm1": np.expm1, "sinh": np.sinh, "cosh": np.cosh}.get(name)
        if fallback is not None:
            return float(fallback(np.float64(v)))
        return math.nan


def apply(name: str, values: np.ndarray) -> np.ndarray:
    """Function `name` elementwise on a float array, with the same bits on every machine (see the module doc)."""
    dtype = values.dtype
    if dtype == _F16:
        return apply(name, values.astype(_F32)).astype(_F16)
    if values.size > EXACT_LIMIT:
        with np.errstate(all="ignore"):
            return (_NUMPY[name] if name != "erf" else _erf_numpy)(values)
    if dtype == _F64:
        return _libm(name, values)
    wide = values.astype(_F64)
    with np.errstate(all="ignore"):
        approximate = _NUMPY[name](wide) if name in _NUMPY else _libm(name, wide)
    flat = values.reshape(-1)
    return rounded32(approximate, lambda i: _exact32(name, float(flat[i])))


def _erf_numpy(values: np.ndarray) -> np.ndarray:
    return _libm("erf", values.astype(_F64)).astype(values.dtype)


def sigmoid(values: np.ndarray) -> np.ndarray:
    """PyTorch's sigmoid kernel, 1 / (1 + exp(-x)) in the input's dtype, with its vectorised exp."""
    one = values.dtype.type(1)
    return one / (one + vector_exp(-values))


def _exact_power32(base: float, exponent: float) -> float:
    if math.isnan(base) or math.isnan(exponent) or math.isinf(base) or math.isinf(exponent):
        return float(np.float32(_libm_power(np.array([base]), np.array([exponent]))[0]))
    from autodiff.engine import exact

    try:
        value = exact.power(base, exponent)
    except ArithmeticError:
        return float(np.float32(_libm_power(np.array([base]), np.array([exponent]))[0]))
    return exact.round_to_float32(value)


def _libm_power(base: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    out = np.empty(base.size, np.float64)
    for index, (b, e) in enumerate(zip(base.reshape(-1).tolist(), exponent.reshape(-1).tolist())):
        try:
            out[index] = math.pow(b, e)
        except (ValueError, OverflowError):
            with np.errstate(all="ignore"):
                out[index] = float(np.power(np.float64(b), np.float64(e)))
    return out.reshape(base.shape)


def power(base: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    """`base ** exponent` for float arrays of one dtype (broadcast), the same bits on every machine: float32
    correctly rounded, float64 through the C library's pow (as PyTorch's scalar code)."""
    base, exponent = np.broadcast_arrays(base, exponent)
    dtype = base.dtype
    if dtype == _F16:
        return power(base.astype(_F32), exponent.astype(_F32)).astype(_F16)
    if base.size > EXACT_LIMIT:
        with np.errstate(all="ignore"):
            return np.power(base, exponent)
    if dtype == _F64:
        return _libm_power(base, exponent)
    with np.errstate(all="ignore"):
        wide = np.power(base.astype(_F64), exponent.astype(_F64))
    flat_base, flat_exponent = base.reshape(-1), exponent.reshape(-1)
    return rounded32(wide, lambda i: _exact_power32(float(flat_base[i]), float(flat_exponent[i])))


# --- Sleef's expf (what PyTorch's vectorised CPU kernels call) ------------------------------------------------
# PyTorch's softmax, log_softmax and sigmoid kernels compute exp with Sleef_expf8_u10 (AVX2) or its AVX-512
# twin, one algorithm per lane: a Cody-Waite reduction and a degree-6 polynomial evaluated with fused
# multiply-adds. Emulated op by op below (each fma exactly: the product of two float32 is exact in float64,
# the one rounding of the sum is corrected where it lands on a float32 tie), it gives PyTorch's bits.
_R_LN2F = np.float32(1.442695040888963407359924681001892137426645954152985934135449406931)
_L2UF = np.float32(0.693145751953125)
_L2LF = np.float32(1.428606765330187045e-06)
_EXPF_POLY = tuple(np.float32(c) for c in (
    0.000198527617612853646278381, 0.00139304355252534151077271, 0.00833336077630519866943359,
    0.0416664853692054748535156, 0.166666671633720397949219, 0.5))


def fma32(a: np.ndarray, b: np.ndarray | np.float32, c: np.ndarray | np.float32) -> np.ndarray:
    """round32(a * b + c) with a single rounding, as the FMA instruction computes it."""
    product = np.multiply(a, b, dtype=np.float64)  # exact: 24 + 24 bits
    total = np.add(product, c, dtype=np.float64)
    # rounded twice (to float64, then float32) only matters where the float64 sum lands on a float32 tie
    ties = (total.view(np.uint64) & _LOW) == _HALF
    if ties.any():
        addend = np.broadcast_to(np.asarray(c, np.float64), total.shape)
        product = np.broadcast_to(product, total.shape)
        back = total - product
        error = (product - (total - back)) + (addend - back)
        fix = ties & (error != 0)
        total = np.where(fix, np.nextafter(total, np.where(error > 0, np.inf, -np.inf)), total)
    with np.errstate(all="ignore"):
        return total.astype(np.float32)


def _two_product(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dekker's product: float64 p and e with a * b = p + e exactly (Veltkamp's split, no FMA needed)."""
    def split(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scaled = 134217729.0 * v  # 2**27 + 1
        high = scaled - (scaled - v)
        return high, v - high

    product = a * b
    a_high, a_low = split(a)
    b_high, b_low = split(b)
    error = ((a_high * b_high - product) + a_high * b_low + a_low * b_high) + a_low * b_low
    return product, error


def fma64(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """a * b + c in float64 as the FMA instruction computes it: the product exact (Dekker), added to c exactly
    (Knuth's two-sum), the two error terms folded in last (correctly rounded but in rare near-tie cases)."""
    a, b, c = np.asarray(a, np.float64), np.asarray(b, np.float64), np.asarray(c, np.float64)
    with np.errstate(all="ignore"):
        product, error = _two_product(a, b)
        total = product + c
        virtual = total - product
        tail = (product - (total - virtual)) + (c - virtual)
        fused = total + (tail + error)
        # infinities and NaNs: the plain result (the error terms are NaN there)
        return np.where(np.isfinite(fused) | ~np.isfinite(total), np.where(np.isfinite(total), fused, total), total)


def one_minus_square(values: np.ndarray) -> np.ndarray:
    """round(1 - v * v) with a single rounding: the fused negative multiply-add GCC makes of ATen's
    `1 - b * b` (tanh's backward), for v in [-1, 1] (a tanh's output). Above `EXACT_LIMIT` float32 elements it
    is NumPy's `1 - v * v`, rounded twice: the same bits on every machine, and PyTorch's but for the last bit of
    a few elements; the emulated fused form costs 20x NumPy's two passes over the data."""
    if values.dtype == _F32:
        if values.size > EXACT_LIMIT:
            return np.float32(1) - values * values
        return fma32(-values, values, np.float32(1))
    if values.dtype != _F64:
        return (1 - values * values).astype(values.dtype)
    with np.errstate(all="ignore"):
        product, error = _two_product(values, values)
        head = 1.0 - product  # 1 - p = head + tail exactly (Knuth's two-sum)
        virtual = head - 1.0
        tail = (1.0 - (head - virtual)) + (-product - virtual)
        return head + (tail - error)


def sleef_expf(values: np.ndarray) -> np.ndarray:
    """Sleef_expf_u10 on float32, bit for bit."""
    d = np.asarray(values, np.float32)
    with np.errstate(all="ignore"):
        q = np.rint(d * _R_LN2F)
        q = np.where(np.isfinite(q), q, 0).astype(np.int32)
        qf = q.astype(np.float32)
        s = fma32(qf, -_L2UF, d)
        s = fma32(qf, -_L2LF, s)
        u = np.full(d.shape, _EXPF_POLY[0], np.float32)
        for coefficient in _EXPF_POLY[1:]:
            u = fma32(u, s, coefficient)
        u = np.float32(1) + fma32(s * s, u, s)
        half = q >> 1
        u = u * np.ldexp(np.float32(1), half).astype(np.float32)
        u = u * np.ldexp(np.float32(1), q - half).astype(np.float32)
        u = np.where(d < np.float32(-104), np.float32(0), u)
        u = np.where(np.float32(100) < d, np.float32(np.inf), u)
        return np.where(np.isnan(d), d, u).astype(np.float32)


def vector_exp(values: np.ndarray) -> np.ndarray:
    """exp as PyTorch's vectorised kernels compute it: Sleef's expf for float32 (their bits), the correctly
    rounded value otherwise (float64's Sleef_expd4 is not emulated)."""
    if values.dtype == _F32 and values.size <= EXACT_LIMIT:
        return sleef_expf(values)
    return apply("exp", values)


def _fms32(a: np.ndarray, b: np.ndarray | np.float32, c: np.ndarray | np.float32) -> np.ndarray:
    """round32(a * b - c) (Sleef's vfmapn)."""
    return fma32(a, b, -np.asarray(c, np.float32))


def _nfma32(a: np.ndarray, b: np.ndarray | np.float32, c: np.ndarray | np.float32) -> np.ndarray:
    """round32(c - a * b) (Sleef's vfmanp)."""
    return fma32(-np.asarray(a, np.float32), b, c)


def sleef_logf(values: np.ndarray) -> np.ndarray:
    """Sleef_logf_u10 (xlogf_u1, the AVX2 code path; the AVX-512 one computes the same exponent and mantissa)
    on float32, bit for bit: double-float arithmetic with fused multiply-adds."""
    f32 = np.float32
    d = np.asarray(values, f32)
    with np.errstate(all="ignore"):
        tiny = d < np.finfo(f32).tiny
        d = np.where(tiny, d * f32(2.0 ** 64), d)
        scaled = (d * f32(1.0 / 0.75)).view(np.int32)
        e = ((scaled >> 23) & 0xFF) - 0x7F
        m = (d.view(np.int32) - (e << 23)).view(f32)
        e = np.where(tiny, e - 64, e)
        ef = e.astype(f32)
        # s = (ln2_hi, ln2_lo) * e as a double-float
        s_hi = f32(0.69314718246459960938) * ef
        s_lo = fma32(np.full(d.shape, f32(-1.904654323148236017e-09), f32), ef,
                     _fms32(np.full(d.shape, f32(0.69314718246459960938), f32), ef, s_hi))
        # x = (m - 1) / (m + 1) as a double-float
        n_hi = f32(-1) + m
        v = n_hi - f32(-1)
        n_lo = (f32(-1) - (n_hi - v)) + (m - v)
        d_hi = f32(1) + m
        v = d_hi - f32(1)
        d_lo = (f32(1) - (d_hi - v)) + (m - v)
        t = f32(1) / d_hi
        x_hi = n_hi * t
        u = _fms32(t, n_hi, x_hi)
        w = _nfma32(d_lo, t, _nfma32(d_hi, t, f32(1)))
        x_lo = fma32(x_hi, w, fma32(n_lo, t, u))
        x2 = x_hi * x_hi
        poly = fma32(np.full(d.shape, f32(0.3027294874), f32), x2, f32(0.3996108174))
        poly = fma32(poly, x2, f32(0.6666694880))
        # s += 2x (|s| >= |2x| assumed, as Sleef does)
        y_hi, y_lo = x_hi * f32(2), x_lo * f32(2)
        total = s_hi + y_hi
        s_lo = (((s_hi - total) + y_hi) + s_lo) + y_lo
        s_hi = total
        # s += x^3 * poly
        term = (x2 * x_hi) * poly
        total = s_hi + term
        s_lo = ((s_hi - total) + term) + s_lo
        r = total + s_lo
        r = np.where(np.isposinf(d), f32(np.inf), r)
        r = np.where((d < 0) | np.isnan(d), f32(np.nan), r)
        r = np.where(d == 0, f32(-np.inf), r)
    return r.astype(f32)


def vector_log(values: np.ndarray) -> np.ndarray:
    """log as PyTorch's vectorised kernels compute it: Sleef's logf for float32, correctly rounded otherwise."""
    if values.dtype == _F32 and values.size <= EXACT_LIMIT:
        return sleef_logf(values)
    return apply("log", values)
