"""PyTorch-compatible CPU random number generation on top of NumPy.

After ``Generator.manual_seed(n)`` the samplers here reproduce, bit for bit, what
PyTorch 2.13's default CPU generator produces for the same calls (see
``tests/test_rng.py``).  Everything is computed with NumPy; no torch import.

How PyTorch's CPU generator works (established by experiment against torch 2.13, x86-64):

* Engine: MT19937 seeded with the standard ``init_genrand`` on the low 32 bits of the seed;
  the full 64-bit seed is kept for ``initial_seed``.  Negative seeds map to ``2**64 + seed``.
  A fresh process seeds the default generator from the OS (``torch.initial_seed()`` differs
  per process); a new ``torch.Generator()`` starts at ``DEFAULT_SEED`` = 67280421310721.  The
  raw 32-bit stream equals NumPy's ``MT19937`` once its key array holds the same state.
* ``random64()`` is two 32-bit draws, the first one being the high word.
* uniform: float32 ``(r32 & 0xFFFFFF) * 2**-24``; float64 ``(r64 & (2**53 - 1)) * 2**-53``;
  then ``fma(x, to - from, from)`` in the dtype (GCC fuses the multiply-add).
* normal, ``numel >= 16`` and contiguous: fill the whole tensor with uniforms, then
  Box-Muller on each block of 16 (``u1 = 1 - d[0:8]``, ``u2 = d[8:16]``; ``d[0:8] = r cos``,
  ``d[8:16] = r sin``, ``r = sqrt(-2 log u1)``, ``theta = 2 pi u2``); if ``numel % 16`` the last
  16 slots are refilled with 16 fresh uniforms and transformed again (so ``numel + 16``
  draws).  float32 uses the AVX2 ``log256_ps``/``sincos256_ps`` Cephes polynomials from
  avx_mathfun.h (emulated op by op here, including GCC's choice of fused multiply-adds);
  float64 uses libm ``log/cos/sin`` and ``fma(r cos, std, mean)``.
* normal, ``numel < 16`` (or non-contiguous): per element, double Box-Muller from two 53-bit
  uniforms, ``r = sqrt(-2 log1p(-u2))``, ``theta = 2 pi u1``, returning ``r cos`` and caching
  ``r sin`` for the next such call (cache shared by float32 and float64, reset by seeding,
  stored in the state as ``normal_y``/``normal_is_valid``).
* integers: ``random_(from, to)`` is ``r % (to - from) + from`` with ``r`` a 32-bit draw when
  the range is below ``2**28``, else a 64-bit draw; ``random_()`` is ``r64 % 2**63`` (int64),
  ``r64 % (2**53 + 1)`` (float64), ``r32 % (2**24 + 1)`` (float32), ``r32 % (max + 1)`` (other
  ints), ``r32 & 1`` (bool).
* ``randperm(n)``: Fisher-Yates, ``swap(p[i], p[i + r32 % (n - i)])`` for i < n - 1.
* bernoulli: ``u < p`` with a 24-bit uniform for float32 ``p`` tensors, 53-bit for float64
  ``p`` and for a scalar ``p``.  (On Intel CPUs torch sends a scalar ``p`` through MKL's
  MCG31 stream instead; that path is not emulated.)
* exponential: ``-1/lambda * log1p(-u)`` (53-bit u).  geometric: ``ceil(log(u) / log1p(-p))``;
  cauchy: ``fma(sigma, tan(pi * (u - 0.5)), median)``; log-normal: ``exp`` of the per-element double
  normal above (sharing its cache), at every size; all in double, one element at a time in memory order,
  then cast to the dtype (integers as x86-64 converts: via int32 below int64; float16 via float32).
  poisson: NumPy's legacy ``rk_poisson`` (multiplied uniforms below rate 10, Hoermann's transformed
  rejection from 10 on) in plain double arithmetic, per element in C order.  multinomial without replacement (or one
  sample): argmax / top-k of ``p / Exp(1)``; with replacement: cumulative sums in the dtype,
  normalised, last set to 1, binary search of 53-bit uniforms.
* Tensor variants of ``normal``: draws ``N(0, std)`` then ``+ mean`` (tensor mean, scalar std)
  or ``N(0, 1)`` then ``* std`` then ``+ mean``, as separate roundings.
* ``get_state()`` is the 5056-byte ``CPUGeneratorImplState``: seed (u64), left (i32),
  seeded (i32), next (u64), 624 state words (u64 each), normal_x/normal_y/normal_rho
  (f64), normal_is_valid (i32), padding, next_float_normal_sample (f32), its valid flag.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable

import numpy as np

from autodiff.engine import transcendental

__all__ = [
    "DEFAULT_SEED",
    "Generator",
    "default_generator",
    "manual_seed",
    "initial_seed",
    "seed",
    "get_rng_state",
    "set_rng_state",
    "calculate_gain",
    "fan_in_and_fan_out",
    "uniform_",
    "normal_",
    "kaiming_uniform_",
    "xavier_uniform_",
    "linear_init",
    "kaiming_normal_",
    "xavier_normal_",
]

#: Seed of a freshly constructed ``torch.Generator()`` (the process-wide default
#: generator is instead seeded nondeterministically at start-up).
DEFAULT_SEED = 67280421310721

_MT_N = 624
_STATE_BYTES = 5056
_U64 = np.uint64
_F32 = np.float32
_F64 = np.float64
_MASK24 = 0xFFFFFF
_MASK53 = (1 << 53) - 1
_SCALE24 = np.float32(2.0**-24)
_SCALE53 = 2.0**-53
_NORMAL_VECTOR_THRESHOLD = 16  # numel >= 16 (and contiguous) takes the block Box-Muller path
_TWO_PI_F32 = np.float32(2.0 * math.pi)
_TWO_PI_F64 = 2.0 * math.pi
_RANDPERM_SMALL_LIMIT = 0xFFFFFFFF // 20  # randperm: n below this uses 32-bit draws


def _init_genrand(seed32: int) -> np.ndarray:
    key = [0] * _MT_N
    key[0] = prev = seed32 & 0xFFFFFFFF
    for j in range(1, _MT_N):
        prev = (1812433253 * (prev ^ (prev >> 30)) + j) & 0xFFFFFFFF
        key[j] = prev
    return np.array(key, dtype=np.uint32)


def _nondeterministic_seed() -> int:
    return int.from_bytes(os.urandom(8), "little")


# the C++ types PyTorch's random_ names when a bound does not fit the tensor's dtype
_C_TYPE_NAMES = {np.bool_: "bool", np.uint8: "unsigned char", np.int8: "signed char", np.int16: "short int",
                 np.int32: "int", np.int64: "long"}


def _normalize_seed(seed) -> int:
    seed = int(seed)
    if seed < -(1 << 63) or seed > (1 << 64) - 1:
        raise ValueError("Overflow when unpacking long long")  # PyTorch's ValueError
    if seed < 0:
        seed += 1 << 64
    return seed


# ----------------------------------------------------------------------------------------------
# float32 emulation of avx_mathfun.h (log256_ps, sincos256_ps) as compiled into torch's AVX2
# kernels.  GCC contracts the multiply/add pairs of those intrinsics into FMAs; ``_fma32``
# computes a correctly rounded float32 fused multiply-add.
# ----------------------------------------------------------------------------------------------


def _fma32(a, b, c) -> np.ndarray:
    """float32 ``fma(a, b, c)`` rounded once, like the FMA instruction.

    ``a * b`` is exact in float64 (24 + 24 bits), so ``s = a * b + c`` in float64 has one
    rounding; converting ``s`` to float32 is then correct unless that first rounding landed
    exactly on a float32 rounding midpoint (double rounding).  Those rare lanes are detected
    by their bit pattern and fixed with the exact error of the float64 addition.
    """
    s = np.multiply(a, b, dtype=_F64)
    s += c
    mid = (s.view(np.int64) & 0x1FFFFFFF) == 0x10000000
    if mid.any():
        idx = np.nonzero(mid)
        p = np.multiply(np.broadcast_to(a, s.shape)[idx], np.broadcast_to(b, s.shape)[idx], dtype=_F64)
        cc = np.broadcast_to(np.asarray(c, dtype=_F64), s.shape)[idx]
        t = s[idx]
        bp = t - p
        err = (p - (t - bp)) + (cc - bp)  # exact error of t = p + cc (TwoSum)
        s[idx] = np.where(err > 0, np.nextafter(t, np.inf), np.where(err < 0, np.nextafter(t, -np.inf), t))
    return s.astype(_F32)


_LOG_P = [np.float32(v) for v in (
    7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
    -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1)]
_LOG_Q1 = np.float32(-2.12194440e-4)
_LOG_Q2 = np.float32(0.693359375)
_SQRTHF = np.float32(0.707106781186547524)
_MIN_NORM = np.float32(np.array(0x00800000, dtype=np.int32).view(np.float32))
_DP1 = np.float32(-0.78515625)
_DP2 = np.float32(-2.4187564849853515625e-4)
_DP3 = np.float32(-3.77489497744594108e-8)
_SINCOF = [np.float32(v) for v in (-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1)]
_COSCOF = [np.float32(v) for v in (2.443315711809948e-005, -1.388731625493765e-003, 4.166664568298827e-002)]
_FOPI = np.float32(1.27323954473516)
_HALF = np.float32(0.5)
_ONE = np.float32(1.0)


def _fma32_fast(a, b, c) -> np.ndarray:
    """``fma(a, b, c)`` as one float64 operation rounded to float32, without the midpoint fix.

    Double rounding can make this differ from ``_fma32`` in general, but for the operations of
    the Box-Muller kernel it was checked on every one of the 2**24 possible inputs (see the
    slow test ``test_fast_kernel_is_exhaustively_exact``) to give identical results.
    """
    s = a.astype(_F64)  # always a copy
    s *= b
    s += c
    return s.astype(_F32)


# The mul/add pairs below are fused exactly where GCC fused them in torch's AVX2 build
# (established by experiment: millions of float32 normals match bit for bit).  Products that
# are exact in float32 (constants with few significant bits times small integers, and
# multiplications by 0.5) are written unfused since fusing them cannot change the result.


def _log256(x: np.ndarray, fma=_fma32_fast) -> np.ndarray:
    """avx_mathfun ``log256_ps`` for float32 input in [2**-24, 1] (``1 - u``; all normal, so
    the kernel's clamp to the smallest normal float is a no-op and omitted)."""
    bits = x.view(np.int32)
    e = (bits >> 23).astype(_F32)
    e -= _F32(126)  # exponent - 127 + 1
    x = bits & np.int32(0x007FFFFF)
    x |= np.int32(0x3F000000)
    x = x.view(_F32)  # mantissa scaled into [0.5, 1)
    mask = x < _SQRTHF
    tmp = x * mask  # x where mask else 0
    x -= _ONE
    e -= mask
    x += tmp
    z = x * x
    x64 = x.astype(_F64)  # operands reused by several FMAs are converted once
    y = fma(x64, _LOG_P[0], _LOG_P[1])
    for p in _LOG_P[2:]:
        y = fma(y, x64, p)
    y *= x
    y = fma(y, z, e * _LOG_Q1)  # y * z + e * q1: the first product is the fused one
    z *= _HALF
    y -= z
    x += y
    e *= _LOG_Q2
    x += e
    return x


def _sincos256(x: np.ndarray, fma=_fma32_fast) -> tuple[np.ndarray, np.ndarray]:
    """avx_mathfun ``sincos256_ps`` for float32 input in [0, 2 pi).

    On that domain neither result can be -0.0, so the kernel's blend-by-addition needs no
    emulation; signs are applied by flipping the sign bit like the kernel does."""
    j = (x * _FOPI).astype(np.int32)
    j += 1
    j &= ~1
    y = j.astype(_F32)
    sin_sign = j & 4
    sin_sign <<= 29
    poly = j & 2  # 0 where the sine polynomial serves sin (poly_mask)
    poly >>= 1
    poly -= 1  # -> all ones where poly_mask, else 0
    j -= 2
    np.invert(j, out=j)
    j &= 4
    j <<= 29  # cos sign bit
    x = x + y * _DP1
    x += y * _DP2
    x = fma(y, _DP3, x)
    z = x * x
    z64 = z.astype(_F64)  # operands reused by several FMAs are converted once
    yc = fma(z64, _COSCOF[0], _COSCOF[1])
    yc = fma(yc, z64, _COSCOF[2])
    yc *= z
    yc = fma(yc, z64, z * -_HALF)  # y * z - z * 0.5, first product fused
    yc += _ONE
    ys = fma(z64, _SINCOF[0], _SINCOF[1])
    ys = fma(ys, z64, _SINCOF[2])
    ys *= z
    ys = fma(ys, x.astype(_F64), x)
    # branch-free select on the bit patterns (np.where is slow on random masks)
    ysb = ys.view(np.int32)
    ycb = yc.view(np.int32)
    d = ysb ^ ycb
    d &= poly
    ycb ^= d  # now the sine
    ysb ^= d  # now the cosine
    ycb ^= sin_sign
    ysb ^= j
    return yc, ys


_CHUNK_BLOCKS = 4096  # blocks of 16 processed per step: keeps the temporaries in cache


class _Workspace:
    """Preallocated temporaries for one chunk of the float32 kernel (allocating fresh
    arrays of this size for every operation costs more than the arithmetic)."""

    def __init__(self, m: int):
        self.m = m
        self.d = [np.empty(m, _F64) for _ in range(3)]
        self.f = [np.empty(m, _F32) for _ in range(6)]
        self.i = [np.empty(m, np.int32) for _ in range(4)]
        self.mask = np.empty(m, np.bool_)


def _horner_fast(x64: np.ndarray, coefs, s: np.ndarray, y: np.ndarray) -> np.ndarray:
    """y = fma(...fma(fma(x, c0, c1), x, c2)..., x, cn) with float32 rounding after each
    step (float64 evaluation of each fused step, exhaustively validated like ``_fma32_fast``)."""
    np.multiply(x64, coefs[0], out=s)
    s += coefs[1]
    y[...] = s
    for c in coefs[2:]:
        s[...] = y
        s *= x64
        s += c
        y[...] = s
    return y


def _log256_fast(x: np.ndarray, w: _Workspace) -> np.ndarray:
    """Same result as ``_log256(x)``; returns a workspace buffer (w.f[0])."""
    s, x64, _ = w.d
    xm, e, y, z, tmp, _ = w.f
    ib = w.i[0]
    bits = x.view(np.int32)
    np.right_shift(bits, 23, out=ib)
    e[...] = ib
    e -= _F32(126)
    np.bitwise_and(bits, np.int32(0x007FFFFF), out=ib)
    ib |= np.int32(0x3F000000)
    xm[...] = ib.view(_F32)
    np.less(xm, _SQRTHF, out=w.mask)
    np.multiply(xm, w.mask, out=tmp)
    xm -= _ONE
    e -= w.mask
    xm += tmp
    np.multiply(xm, xm, out=z)
    x64[...] = xm
    _horner_fast(x64, _LOG_P, s, y)
    y *= xm
    s[...] = y  # fma(y, z, e * q1)
    s *= z
    np.multiply(e, _LOG_Q1, out=tmp)
    s += tmp
    y[...] = s
    z *= _HALF
    y -= z
    xm += y
    e *= _LOG_Q2
    xm += e
    return xm


def _sincos256_fast(x: np.ndarray, w: _Workspace) -> tuple[np.ndarray, np.ndarray]:
    """Same results as ``_sincos256(x)``; returns workspace buffers (w.f[2], w.f[3]).
    ``x`` (theta) is overwritten."""
    s, z64, x64 = w.d
    _, _, yc, ys, y, z = w.f
    j, sin_sign, poly, d = w.i
    np.multiply(x, _FOPI, out=y)
    j[...] = y  # truncation toward zero, like cvttps
    j += 1
    j &= ~1
    y[...] = j
    np.bitwise_and(j, 4, out=sin_sign)
    sin_sign <<= 29
    np.bitwise_and(j, 2, out=poly)
    poly >>= 1
    poly -= 1  # all ones where the sine polynomial serves sin (poly_mask), else 0
    j -= 2
    np.invert(j, out=j)
    j &= 4
    j <<= 29  # cos sign bit
    np.multiply(y, _DP1, out=z)  # exact products: no fusion needed
    x += z
    np.multiply(y, _DP2, out=z)
    x += z
    x64[...] = x  # fma(y, DP3, x)
    np.multiply(y, _DP3, out=s, dtype=_F64)
    s += x64
    x[...] = s
    np.multiply(x, x, out=z)
    z64[...] = z
    _horner_fast(z64, _COSCOF, s, yc)
    yc *= z
    s[...] = yc  # fma(yc, z, -z * 0.5)
    s *= z64
    np.multiply(z, -_HALF, out=y)
    s += y
    yc[...] = s
    yc += _ONE
    _horner_fast(z64, _SINCOF, s, ys)
    ys *= z
    x64[...] = x  # fma(ys, x, x)
    s[...] = ys
    s *= x64
    s += x64
    ys[...] = s
    # branch-free select on the bit patterns (np.where is slow on random masks)
    ysb = ys.view(np.int32)
    ycb = yc.view(np.int32)
    np.bitwise_xor(ysb, ycb, out=d)
    d &= poly
    ycb ^= d  # now the sine
    ysb ^= d  # now the cosine
    ycb ^= sin_sign
    ysb ^= j
    return yc, ys


def _box_muller_f32(blocks: np.ndarray, mean, std) -> None:
    """In place: (k, 16) float32 uniforms -> normals, like torch's AVX2 ``normal_fill_16``."""
    plain = std == 1 and mean == 0
    mean = _F32(mean)
    std = _F32(std)
    w = None
    for start in range(0, blocks.shape[0], _CHUNK_BLOCKS):
        blk = blocks[start:start + _CHUNK_BLOCKS]
        m = blk.shape[0] * 8
        if w is None or w.m != m:
            w = _Workspace(m)
        u1 = w.f[4].reshape(-1, 8)
        np.subtract(_ONE, blk[:, :8], out=u1)
        radius = _log256_fast(w.f[4], w)  # -> w.f[0]
        radius *= _F32(-2.0)
        np.sqrt(radius, out=radius)
        theta = w.f[1]
        np.multiply(blk[:, 8:], _TWO_PI_F32, out=theta.reshape(-1, 8))
        s, c = _sincos256_fast(theta, w)
        c *= radius
        s *= radius
        if plain:
            blk[:, :8] = c.reshape(-1, 8)
            blk[:, 8:] = s.reshape(-1, 8)
        else:
            blk[:, :8] = _fma32(c, std, mean).reshape(-1, 8)
            blk[:, 8:] = _fma32(s, std, mean).reshape(-1, 8)


def _box_muller_f64(blocks: np.ndarray, mean, std) -> None:
    """In place: (k, 16) float64 uniforms -> normals (scalar ``normal_fill_16`` with libm)."""
    plain = std == 1 and mean == 0
    for start in range(0, blocks.shape[0], _CHUNK_BLOCKS // 2):
        blk = blocks[start:start + _CHUNK_BLOCKS // 2]
        radius = np.subtract(1.0, blk[:, :8])
        radius[...] = transcendental.libm("log", radius)
        radius *= -2.0
        np.sqrt(radius, out=radius)
        theta = blk[:, 8:] * _TWO_PI_F64
        c = transcendental.libm("cos", theta)
        theta[...] = transcendental.libm("sin", theta)
        c *= radius
        theta *= radius
        if plain:
            blk[:, :8] = c
            blk[:, 8:] = theta
        else:
            blk[:, :8] = _fma64(c, std, mean)
            blk[:, 8:] = _fma64(theta, std, mean)


def _two_sum(a, b):
    s = a + b
    bp = s - a
    return s, (a - (s - bp)) + (b - bp)


def _split(a):
    t = a * 134217729.0  # 2**27 + 1 (Veltkamp)
    hi = t - (t - a)
    return hi, a - hi


def _round_to_odd_sum(a, b):
    """a + b rounded to odd (inexact results get an odd last mantissa bit)."""
    s, err = _two_sum(a, b)
    s = np.asarray(s, dtype=_F64)
    fix = (err != 0) & ((s.view(np.int64) & 1) == 0)
    if np.any(fix):
        s = np.where(fix, np.nextafter(s, np.where(err > 0, np.inf, -np.inf)), s)
    return s


def _fma64(a, b, c):
    """float64 ``fma(a, b, c)`` with one rounding (Boldo & Melquiond's emulation via
    rounding to odd); exact except on overflow/underflow. Where ``a * b + c`` is infinite or
    NaN, that is the result (as the instruction's), not the emulation's ``inf - inf``."""
    a = np.asarray(a, dtype=_F64)
    b = np.asarray(b, dtype=_F64)
    c = np.asarray(c, dtype=_F64)
    with np.errstate(invalid="ignore", over="ignore"):
        uh = a * b
        ah, al = _split(a)
        bh, bl = _split(b)
        ul = ((ah * bh - uh) + ah * bl + al * bh) + al * bl
        th, tl = _two_sum(c, uh)
        fused = th + _round_to_odd_sum(tl, ul)
        naive = uh + c
    return np.where(np.isfinite(naive), fused, naive)


class Generator:
    """A PyTorch-compatible CPU generator (MT19937)."""

    def __init__(self, seed: int | None = None):
        self._fresh = True
        self._normal_cache: float | None = None  # next_double_normal_sample
        self._float_cache: float | None = None  # next_float_normal_sample (unused by CPU kernels)
        self._seed = 0
        self.manual_seed(_nondeterministic_seed() if seed is None else seed)

    def __getattr__(self, name: str) -> object:
        """NumPy's engine objects are made on the first draw or state access: importing numpy.random costs
        ~25 ms of start-up, which a script that draws no random numbers should not pay."""
        if name not in ("_bg", "_legacy", "_npgen"):
            raise AttributeError(name)
        global _FAST_RAW
        if _FAST_RAW is None:
            _FAST_RAW = _check_fast_raw()
        self._bg = np.random.MT19937(0)
        self._legacy = np.random.RandomState(self._bg)  # same engine: uint32 draws, unbuffered
        self._npgen = np.random.Generator(self._bg)  # same engine: (hi << 32 | lo) uint64 draws
        self._bg.state = {"bit_generator": "MT19937", "state": {"key": _init_genrand(self._seed), "pos": _MT_N}}
        return getattr(self, name)

    # -- seeding / state ---------------------------------------------------------------------
    def manual_seed(self, seed: int) -> Generator:
        seed = _normalize_seed(seed)
        self._seed = seed
        if "_bg" in self.__dict__:  # else the engine is seeded when it is made
            self._bg.state = {"bit_generator": "MT19937", "state": {"key": _init_genrand(seed), "pos": _MT_N}}
        self._fresh = True
        self._normal_cache = None
        self._float_cache = None
        return self

    def initial_seed(self) -> int:
        return self._seed

    def seed(self) -> int:
        s = _nondeterministic_seed()
        self.manual_seed(s)
        return s

    def get_state(self) -> np.ndarray:
        st = self._bg.state["state"]
        pos = int(st["pos"])
        nxt = 0 if (self._fresh and pos == _MT_N) else pos
        left = _MT_N - pos + 1
        buf = np.zeros(_STATE_BYTES, dtype=np.uint8)
        head = np.array([self._seed], dtype=np.uint64).view(np.uint8)
        buf[0:8] = head
        buf[8:16] = np.array([left, 1], dtype=np.int32).view(np.uint8)
        buf[16:24] = np.array([nxt], dtype=np.uint64).view(np.uint8)
        buf[24:24 + 8 * _MT_N] = np.asarray(st["key"], dtype=np.uint64).view(np.uint8)
        off = 24 + 8 * _MT_N  # normal_x, normal_y, normal_rho (doubles), normal_is_valid (int)
        if self._normal_cache is not None:
            buf[off + 8:off + 16] = np.array([self._normal_cache], dtype=np.float64).view(np.uint8)
            buf[off + 24:off + 28] = np.array([1], dtype=np.int32).view(np.uint8)
        off2 = off + 32  # next_float_normal_sample (float), is_valid (bool)
        if self._float_cache is not None:
            buf[off2:off2 + 4] = np.array([self._float_cache], dtype=np.float32).view(np.uint8)
            buf[off2 + 4] = 1
        return buf

    def set_state(self, state) -> None:
        buf = np.ascontiguousarray(np.asarray(state), dtype=np.uint8).reshape(-1)
        if buf.size != _STATE_BYTES:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_BYTES} but found the "
                               f"input RNG state size to be {buf.size}")
        seed = int(buf[0:8].view(np.uint64)[0])
        left, _seeded = (int(v) for v in buf[8:16].view(np.int32))
        nxt = int(buf[16:24].view(np.uint64)[0])
        if left < 1 or left > _MT_N:
            raise RuntimeError("The provided state is invalid: left out of range")
        key = buf[24:24 + 8 * _MT_N].view(np.uint64).astype(np.uint32)
        off = 24 + 8 * _MT_N
        normal_y = float(buf[off + 8:off + 16].view(np.float64)[0])
        valid = int(buf[off + 24:off + 28].view(np.int32)[0])
        fval = float(buf[off + 32:off + 36].view(np.float32)[0])
        fvalid = bool(buf[off + 36])
        self._seed = seed
        self._bg.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": _MT_N - left + 1}}
        self._fresh = nxt == 0 and left == 1
        self._normal_cache = normal_y if valid else None
        self._float_cache = fval if fvalid else None

    # -- raw draws ---------------------------------------------------------------------------
    def _raw32(self, n: int) -> np.ndarray:
        """The next n raw 32-bit MT19937 outputs (uint32)."""
        if n <= 0:
            return np.empty(0, dtype=np.uint32)
        self._fresh = False
        legacy = self._legacy  # made on first use, which settles _FAST_RAW
        if _FAST_RAW:
            return legacy.randint(0, 1 << 32, size=n, dtype=np.uint32)
        return self._bg.random_raw(n).astype(np.uint32)

    def _raw64(self, n: int) -> np.ndarray:
        """n ``random64()`` values: two 32-bit draws each, the first is the high word (uint64)."""
        if n <= 0:
            return np.empty(0, dtype=np.uint64)
        self._fresh = False
        npgen = self._npgen  # made on first use, which settles _FAST_RAW
        if _FAST_RAW:
            return npgen.integers(0, 1 << 64, size=n, dtype=np.uint64)
        r = self._bg.random_raw(2 * n)
        return (r[0::2] << _U64(32)) | r[1::2]

    def _uniform01(self, n: int, dtype) -> np.ndarray:
        """Uniform [0, 1) as PyTorch's uniform_real_distribution(0, 1) draws them:
        ``(r32 & 0xFFFFFF) * 2**-24`` (float32) or ``(r64 & (2**53 - 1)) * 2**-53`` (float64).
        The conversion reuses the draw buffer (same item size) to avoid a new allocation."""
        if np.dtype(dtype) == np.float64:
            r = self._raw64(n)
            r &= _U64(_MASK53)
            x = r.view(_F64)
            x[...] = r.view(np.int64)
            x *= _SCALE53
            return x
        r = self._raw32(n)
        r &= np.uint32(_MASK24)
        x = r.view(_F32)
        x[...] = r.view(np.int32)
        x *= _SCALE24
        return x

    # -- samplers ----------------------------------------------------------------------------
    def rand(self, shape, dtype=np.float32) -> np.ndarray:
        """``torch.rand``: a new C-contiguous array."""
        shape = _shape(shape)
        return self._uniform01(math.prod(shape), _float_dtype(dtype)).reshape(shape)

    def uniform_(self, out: np.ndarray, low=0.0, high=1.0) -> np.ndarray:
        dt = out.dtype
        if dt not in (np.float32, np.float64):
            raise TypeError(f"uniform_ not implemented for {dt}")
        largest = float(np.finfo(dt).max)
        for value, name in ((low, "from"), (high, "to")):
            if not -largest <= float(value) <= largest:  # nan fails too
                raise RuntimeError(f"{name} is out of bounds for {'float' if dt == np.float32 else 'double'}")
        if low > high:
            raise RuntimeError(
                f"uniform_ expects to return a [from, to) range, but found from={float(low):g} > to={float(high):g}")
        if float(high) - float(low) > float(np.finfo(dt).max):
            raise RuntimeError("uniform_ expects to-from <= std::numeric_limits<Float>::max(), but found "
                               f"to={high} and from={low} which result in to-from to exceed the limit")
        x = self._uniform01(out.size, dt)
        lo = dt.type(low)
        hi = dt.type(high)
        rng = hi - lo
        if rng == 0:  # PyTorch fills `from` itself (uniform_(-0.0, 0.0) is all -0.0), after the same draws
            x = np.full(out.size, lo, dtype=dt)
        elif not (rng == 1 and lo == 0):
            if dt == np.float32:
                x = _fma32(x, rng, lo)
            else:
                x = _fma64(x, rng, lo)
        _store(out, x)
        return out

    def randn(self, shape, dtype=np.float32) -> np.ndarray:
        """``torch.randn``: a new C-contiguous array."""
        shape = _shape(shape)
        dt = _float_dtype(dtype)
        n = math.prod(shape)
        if n >= _NORMAL_VECTOR_THRESHOLD:
            return self._normal_fill(n, dt, 0.0, 1.0).reshape(shape)
        return self._normal_scalar(n, 0.0, 1.0).astype(dt).reshape(shape)

    def normal_(self, out: np.ndarray, mean=0.0, std=1.0) -> np.ndarray:
        dt = out.dtype
        if dt not in (np.float32, np.float64):
            raise TypeError(f"normal_ not implemented for {dt}")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")  # C++ formats a double so
        n = out.size
        if n >= _NORMAL_VECTOR_THRESHOLD and out.flags.c_contiguous:
            _store(out, self._normal_fill(n, dt, mean, std))
        else:
            _store(out, self._normal_scalar(n, mean, std).astype(dt))
        return out

    def _normal_fill(self, n: int, dt, mean, std) -> np.ndarray:
        """``normal_fill``: uniforms for all n, Box-Muller per block of 16, and if n % 16 the
        last 16 slots are refilled with fresh uniforms and transformed again."""
        data = self._uniform01(n, dt)
        k = n // 16
        fn = _box_muller_f32 if dt == np.float32 else _box_muller_f64
        fn(data[:k * 16].reshape(k, 16), mean, std)
        if n % 16:
            tail = self._uniform01(16, dt)
            fn(tail.reshape(1, 16), mean, std)
            data[n - 16:] = tail
        return data

    def _normal_scalar(self, n: int, mean, std) -> np.ndarray:
        """normal_distribution<double> per element (with the cached second value)."""
        out = np.empty(n, dtype=np.float64)
        i = 0
        if n and self._normal_cache is not None:
            out[0] = self._normal_cache
            self._normal_cache = None
            i = 1
        m = n - i
        if m > 0:
            pairs = (m + 1) // 2
            u = self._uniform01(2 * pairs, np.float64)
            u1 = u[0::2]
            u2 = u[1::2]
            r = np.sqrt(-2.0 * transcendental.libm("log1p", -u2))
            theta = 2.0 * math.pi * u1
            c = r * transcendental.libm("cos", theta)
            s = r * transcendental.libm("sin", theta)
            vals = np.empty(2 * pairs)
            vals[0::2] = c
            vals[1::2] = s
            out[i:] = vals[:m]
            if m % 2:
                self._normal_cache = float(s[-1])
        if not (std == 1 and mean == 0):
            out = _fma64(out, float(std), float(mean))
        return out


    def normal(self, mean=0.0, std=1.0, shape=None, dtype=None) -> np.ndarray:
        """``torch.normal`` for scalar or array ``mean``/``std`` (arrays broadcast).

        With an array argument PyTorch draws standard normals of the result's shape and
        then applies ``* std`` and ``+ mean`` as separate roundings (just ``+ mean`` when
        ``std`` is a scalar: those samples are drawn with that std directly).
        """
        mean_is_arr = isinstance(mean, np.ndarray)
        std_is_arr = isinstance(std, np.ndarray)
        if not mean_is_arr and not std_is_arr:
            if shape is None:
                raise TypeError("normal() with scalar mean and std needs a shape")
            out = np.empty(_shape(shape), dtype=_float_dtype(np.float32 if dtype is None else dtype))
            return self.normal_(out, mean, std)
        if std_is_arr and np.any(std < 0):
            raise RuntimeError("normal expects all elements of std >= 0.0")
        if mean_is_arr and not std_is_arr:
            if std < 0:
                raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")  # C++ formats a double so
            out = np.empty(mean.shape, dtype=_float_dtype(dtype or mean.dtype))
            self.normal_(out, 0.0, std)
            np.add(out, mean, out=out, casting="unsafe")
            return out
        if std_is_arr and not mean_is_arr:
            out = np.empty(std.shape, dtype=_float_dtype(dtype or std.dtype))
            self.normal_(out, 0.0, 1.0)
            np.multiply(out, std, out=out, casting="unsafe")
            np.add(out, out.dtype.type(mean), out=out)
            return out
        out = np.empty(np.broadcast_shapes(mean.shape, std.shape), dtype=_float_dtype(dtype or mean.dtype))
        self.normal_(out, 0.0, 1.0)
        np.multiply(out, std, out=out, casting="unsafe")
        np.add(out, mean, out=out, casting="unsafe")
        return out

    # -- integers ----------------------------------------------------------------------------
    def randint(self, low, high=None, shape=(), dtype=np.int64) -> np.ndarray:
        """``torch.randint(low, high, shape)``; ``randint(high, shape=...)`` means ``[0, high)``."""
        if high is None:
            low, high = 0, low
        out = np.empty(_shape(shape), dtype=np.dtype(dtype))
        return self.random_(out, low, high)

    def random_(self, out: np.ndarray, low=None, high=None) -> np.ndarray:
        """``Tensor.random_()``, ``random_(to)`` (= ``random_(out, to)``) and ``random_(from, to)``.

        For torch's ``random_(from, None)`` (up to the dtype's maximum) pass
        ``high=max_value + 1`` (``2**digits + 1`` for floating dtypes); ``low=-2**63, high=2**63``
        is the full 64-bit range.
        """
        dt = out.dtype
        n = out.size
        if low is None and high is None:
            _store(out, self._uniform_int(n, dt))
            return out
        if high is None:
            low, high = 0, low
        low = int(low)
        high = int(high)
        if not low < high:
            raise RuntimeError(
                f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
        if dt.kind in "biu" and dt.type in _C_TYPE_NAMES:
            info = np.iinfo(dt) if dt.kind != "b" else None
            bottom, top = (info.min, info.max) if info is not None else (0, 1)
            for value, name in ((low, "from"), (high - 1, "to - 1")):
                if not bottom <= value <= top:
                    raise RuntimeError(f"{name} is out of bounds for {_C_TYPE_NAMES[dt.type]}")
        if dt.kind == "f":
            digits = 24 if dt == np.float32 else 53
            low = _update_from(low, dt.type, digits)
            high = _update_to(high, dt.type, digits)
            if not low < high:
                raise RuntimeError(
                    "random_ expects 'from' casted to dtype to be less than 'to' casted to dtype")
        rng = high - low
        if rng == 1 << 64:
            vals = self._raw64(n).view(np.int64)
        elif rng >= 1 << 28:
            vals = _umod(self._raw64(n), rng)
            vals += _U64(low & 0xFFFFFFFFFFFFFFFF)  # wraps like the int64 arithmetic in C++
            vals = vals.view(np.int64)
        else:
            vals = _umod(self._raw32(n), rng)
            if low != 0 or dt == np.bool_:
                vals = vals.astype(np.int64)
                vals += np.int64(low)
        if dt == np.bool_:
            _store(out, vals != 0)
        else:
            _store(out, vals)
        return out

    def _uniform_int(self, n: int, dt: np.dtype) -> np.ndarray:
        """``uniform_int_distribution<T>``: the default range of ``random_()`` for each dtype."""
        if dt == np.bool_:
            return (self._raw32(n) & _U64(1)) != 0
        if dt == np.int64:
            return (self._raw64(n) & _U64((1 << 63) - 1)).view(np.int64)
        if dt == np.float64:
            return _umod(self._raw64(n), (1 << 53) + 1).astype(np.float64)
        if dt == np.float32:
            return _umod(self._raw32(n), (1 << 24) + 1).astype(np.float32)
        if dt.kind in "iu" and dt.itemsize <= 4:
            return _umod(self._raw32(n), int(np.iinfo(dt).max) + 1).astype(dt)
        raise TypeError(f"random_ not implemented for {dt}")

    def randperm(self, n: int, dtype=np.int64) -> np.ndarray:
        """``torch.randperm(n)``: Fisher-Yates with ``random() % (n - i)`` swaps (n - 1 draws)."""
        n = int(n)
        if n < 0:
            raise RuntimeError(f"n must be non-negative, got{n}")
        if n < _RANDPERM_SMALL_LIMIT:
            if n <= 1:
                return np.zeros(n, dtype=np.int64).astype(np.dtype(dtype))
            i = np.arange(n, dtype=np.uint64)
            targets = np.empty(n, dtype=np.int64)
            targets[:-1] = (_umod_vec(self._raw32(n - 1), _U64(n) - i[:-1]) + i[:-1]).view(np.int64)
            targets[-1] = n - 1
            return _apply_forward_swaps(targets).astype(np.dtype(dtype))
        # Huge n: the "inside-out" variant with 64-bit draws (sequential; never hit in practice).
        zs = (self._raw64(n) % np.arange(1, n + 1, dtype=np.uint64)).tolist()
        perm = [0] * n
        for k, z in enumerate(zs):
            perm[k] = perm[z]
            perm[z] = k
        return np.array(perm, dtype=np.int64).astype(np.dtype(dtype))

    # -- discrete ----------------------------------------------------------------------------
    def bernoulli(self, probs, p=None) -> np.ndarray:
        """``torch.bernoulli(probs)`` (one draw per element; result has ``probs``' dtype) or,
        with a float ``p``, ``torch.bernoulli(probs, p)`` / ``empty_like(probs).bernoulli_(p)``."""
        probs = np.asarray(probs)
        out = np.empty(probs.shape, dtype=probs.dtype if probs.dtype.kind == "f" else np.float32)
        return self.bernoulli_(out, probs if p is None else float(p))

    def bernoulli_(self, out: np.ndarray, p=0.5) -> np.ndarray:
        """``Tensor.bernoulli_(p)``: a float ``p`` compares 53-bit uniforms; an array ``p`` (broadcast
        to ``out``) compares 24-bit uniforms, or 53-bit ones when ``p`` is float64."""
        n = out.size
        if isinstance(p, np.ndarray):
            if not np.all((p >= 0) & (p <= 1)):  # nan fails too
                raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error "
                                   "message be improved?  If so, please report an enhancement request to PyTorch.)")
            pp = np.broadcast_to(p, out.shape).transpose(_iter_perm(out)).reshape(-1)
            if p.dtype == np.float64:
                u = self._uniform01(n, np.float64)
            else:
                u = self._uniform01(n, np.float32)
                pp = pp.astype(np.float32)
            _store(out, u < pp)
        else:
            p = float(p)
            if not 0 <= p <= 1:
                raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p:g}")
            _store(out, self._uniform01(n, np.float64) < p)
        return out

    def exponential_(self, out: np.ndarray, lambd=1.0) -> np.ndarray:
        """``Tensor.exponential_(lambd)``: ``-1/lambd * log1p(-u)`` with 53-bit uniforms."""
        if not float(lambd) > 0:  # nan fails too
            raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={float(lambd):g}")
        if out.dtype.kind != "f":
            raise RuntimeError("Exponential distribution is a continuous probability distribution. dtype must be a "
                               f"floating point but you specified {_scalar_type_name(out.dtype)}")
        u = self._uniform01(out.size, np.float64)
        _store(out, _from_double((-1.0 / float(lambd)) * transcendental.libm("log1p", -u), out.dtype))
        return out

    # The samplers below are PyTorch's serial CPU kernels over `distribution<double>`: one 53-bit uniform (or
    # one double normal) per element in memory order, the transform in double, one cast to the dtype.
    def geometric_(self, out: np.ndarray, p: float) -> np.ndarray:
        """``Tensor.geometric_(p)``: ``ceil(log(u) / log1p(-p))``; integer tensors take it too."""
        p = float(p)
        if not 0 < p < 1:  # nan fails too
            raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p:g}")
        if out.dtype.kind not in "fiu":
            raise NotImplementedError(f"\"geometric_cpu\" not implemented for '{_scalar_type_name(out.dtype)}'")
        u = self._uniform01(out.size, np.float64)
        _store(out, _from_double(np.ceil(transcendental.libm("log", u) / math.log1p(-p)), out.dtype))
        return out

    def log_normal_(self, out: np.ndarray, mean: float = 1.0, std: float = 2.0) -> np.ndarray:
        """``Tensor.log_normal_(mean, std)``: ``exp`` of the per-element double normal (with its cached second
        value), whatever the tensor's size: unlike ``normal_`` there is no block Box-Muller path."""
        mean, std = float(mean), float(std)
        if not std > 0:
            raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std:g}")
        if out.dtype.kind != "f":
            raise NotImplementedError(f"\"log_normal_cpu\" not implemented for '{_scalar_type_name(out.dtype)}'")
        _store(out, _from_double(transcendental.libm("exp", self._normal_scalar(out.size, mean, std)), out.dtype))
        return out

    def cauchy_(self, out: np.ndarray, median: float = 0.0, sigma: float = 1.0) -> np.ndarray:
        """``Tensor.cauchy_(median, sigma)``: ``median + sigma * tan(pi * (u - 0.5))``, the multiply-add fused
        (the kernel is compiled for AVX2 with FMA contraction)."""
        median, sigma = float(median), float(sigma)
        if not sigma > 0:
            raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma:g}")
        if out.dtype.kind != "f":
            raise RuntimeError("Cauchy distribution is a continuous probability distribution. dtype must be a "
                               f"floating point but you specified {_C_TYPE_META_NAMES[out.dtype.name]}")
        u = self._uniform01(out.size, np.float64)
        tangent = transcendental.libm("tan", math.pi * (u - 0.5))
        _store(out, _from_double(_fma64(sigma, tangent, median), out.dtype))
        return out

    def poisson(self, rates: np.ndarray) -> np.ndarray:
        """``torch.poisson(rates)``: a new array of rates' shape and dtype, each element sampled from its rate
        in C order by PyTorch's ``sample_poisson`` (NumPy's legacy algorithms: multiplied uniforms below 10,
        Hoermann's transformed rejection from 10 on), which takes a variable number of uniforms each."""
        if rates.dtype.kind != "f":
            raise NotImplementedError(f"\"poisson_cpu\" not implemented for '{_scalar_type_name(rates.dtype)}'")
        flat = rates.astype(np.float64).reshape(-1).tolist()
        counts = np.zeros(len(flat), dtype=np.int64)
        stream = _UniformStream(self, sum(_expected_poisson_draws(rate) for rate in flat))
        try:
            for index, rate in enumerate(flat):
                if not rate >= 0:  # nan fails too; the elements before it have drawn their numbers
                    raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
                counts[index] = _sample_poisson(rate, stream.next)
        finally:
            stream.close()
        return _from_int64(counts, rates.dtype).reshape(rates.shape)

    def multinomial(self, probs: np.ndarray, num_samples: int, replacement=False) -> np.ndarray:
        """``torch.multinomial`` for 1-D or 2-D ``probs`` (rows need not sum to one)."""
        probs = np.asarray(probs)
        if probs.ndim not in (1, 2):
            raise RuntimeError("prob_dist must be 1 or 2 dim")
        if probs.dtype.kind != "f":
            raise RuntimeError("multinomial only supports floating-point dtypes for input")
        k = int(num_samples)
        if k <= 0:
            raise RuntimeError("cannot sample n_sample <= 0 samples")
        rows = probs.reshape(-1, probs.shape[-1])
        ncat = rows.shape[1]
        if not replacement and k > ncat:
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
        if not np.all(np.isfinite(rows)) or np.any(rows < 0):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if not replacement or k == 1:
            if np.any(rows.sum(axis=1) <= 0) and k == 1:
                raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
            if not replacement and np.any(np.count_nonzero(rows, axis=1) < k):
                raise RuntimeError("invalid multinomial distribution (with replacement=False, "
                                   "not enough non-negative category to sample)")
            # Exponential race: argmax / top-k of p / q with q ~ Exp(1).
            q = self.exponential_(np.empty(rows.shape, dtype=rows.dtype))
            score = rows / q
            if k == 1:
                res = np.argmax(score, axis=1)[:, None]
            elif 4 * k < ncat:
                part = np.argpartition(-score, k - 1, axis=1)[:, :k]
                order = np.argsort(-np.take_along_axis(score, part, axis=1), axis=1, kind="stable")
                res = np.take_along_axis(part, order, axis=1)
            else:
                res = np.argsort(-score, axis=1, kind="stable")[:, :k]
        else:
            cum = np.cumsum(rows, axis=1, dtype=rows.dtype)  # sequential, like the kernel
            total = cum[:, -1:].copy()
            if np.any(total <= 0):
                raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
            cum /= total
            cum[:, -1] = 1
            u = self._uniform01(rows.shape[0] * k, np.float64).reshape(rows.shape[0], k)
            c64 = cum.astype(np.float64)
            res = np.stack([np.searchsorted(c64[i], u[i], side="left") for i in range(rows.shape[0])])
        res = res.astype(np.int64)
        return res.reshape(k) if probs.ndim == 1 else res


_INT64_MIN = -(1 << 63)
_POISSON_REJECTION_FROM = 10.0


def _expected_poisson_draws(rate: float) -> int:
    """About how many uniforms one Poisson sample takes (the stream draws ahead in blocks of this size)."""
    if not rate >= 0 or rate == 0:
        return 0
    if rate < _POISSON_REJECTION_FROM:
        return int(rate) + 2
    return 3


def _sample_poisson(rate: float, uniform: Callable[[], float]) -> int:
    """One draw of PyTorch's CPU ``sample_poisson`` (Distributions.cpp, after NumPy's ``rk_poisson``), in
    Python floats: that file is compiled without FMA contraction, so each operation rounds on its own."""
    if rate >= _POISSON_REJECTION_FROM:  # transformed rejection (Hoermann, 1993)
        slam = math.sqrt(rate)
        loglam = math.log(rate) if rate != math.inf else math.inf
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        invalpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2)
        while True:
            u = uniform() - 0.5
            v = uniform()
            us = 0.5 - abs(u)
            k = _c_floor((2 * a / us + b) * u + rate + 0.43) if us else math.nan
            if us >= 0.07 and v <= vr:
                return _c_int64(k)
            if k < 0 or (us < 0.013 and v > us):
                continue
            lhs = _c_log(v) + math.log(invalpha) - _c_log(a / (us * us) + b)
            if lhs <= -rate + k * loglam - math.lgamma(k + 1):
                return _c_int64(k)
    if rate == 0:
        return 0
    threshold = math.exp(-rate)
    count = 0
    product = 1.0
    while True:
        product *= uniform()
        if product > threshold:
            count += 1
        else:
            return count


def _c_floor(x: float) -> float:
    return math.floor(x) if math.isfinite(x) else x


def _c_log(x: float) -> float:
    if x > 0:
        return math.log(x)
    return -math.inf if x == 0 else math.nan


def _c_int64(x: float) -> int:
    """``static_cast<int64_t>(double)`` as x86-64 computes it: NaN and out-of-range values give INT64_MIN."""
    if not math.isfinite(x) or not -(2.0 ** 63) <= x < 2.0 ** 63:
        return _INT64_MIN
    return int(x)


class _UniformStream:
    """53-bit uniforms one at a time for a sampler whose number of draws is known only as it goes (Poisson's
    rejection loops): drawn ahead in blocks, and on ``close()`` the generator is left exactly after the ones
    used, as if each had been drawn alone."""

    def __init__(self, generator: Generator, expected: int) -> None:
        self._generator = generator
        self._start = generator._bg.state
        self._fresh = generator._fresh
        self._block = max(64, expected + expected // 4)
        self._values: list[float] = []
        self._used = 0

    def next(self) -> float:
        if self._used == len(self._values):
            self._values.extend(self._generator._uniform01(self._block, np.float64).tolist())
        value = self._values[self._used]
        self._used += 1
        return value

    def close(self) -> None:
        self._generator._bg.state = self._start
        self._generator._fresh = self._fresh
        self._generator._raw64(self._used)


# the C++ names a dtype prints with in cauchy_'s check (its other errors print ScalarType names: Long, Bool)
_C_TYPE_META_NAMES = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short int",
                      "int32": "int", "int64": "long int"}


def _scalar_type_name(dtype: np.dtype) -> str:
    from autodiff.engine.ops import _SCALAR_TYPE_NAMES  # imported only for an error: ops is large

    return _SCALAR_TYPE_NAMES.get(dtype.name, dtype.name)


def _from_double(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``static_cast<scalar_t>(double)``: a Half is made from a float, so float16 rounds through float32; an
    integer truncates as x86-64's conversion does, to int64 for int64 and to int32 (then the low bits) for the
    smaller ones, a value that does not fit giving the smallest int64 or int32 (established against torch)."""
    if dtype == np.float16:
        with np.errstate(over="ignore"):  # too large for a half: inf, as in C++
            return values.astype(np.float32).astype(np.float16)
    if dtype.kind in "iu":
        wide = np.int64 if dtype.itemsize == 8 else np.int32
        limit = 2.0 ** (8 * np.dtype(wide).itemsize - 1)
        whole = np.full(values.shape, np.iinfo(wide).min, dtype=wide)
        fits = np.isfinite(values) & (values >= -limit) & (values < limit)
        whole[fits] = values[fits].astype(wide)
        return whole.astype(dtype)
    return values.astype(dtype)


def _from_int64(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``static_cast<scalar_t>(int64_t)``; a Half is made from a float."""
    if dtype == np.float16:
        with np.errstate(over="ignore"):
            return values.astype(np.float32).astype(np.float16)
    return values.astype(dtype)


def _umod(r: np.ndarray, m: int) -> np.ndarray:
    """``r % m`` for an unsigned array and a positive scalar; NumPy's floor division by a scalar
    is much faster than its remainder."""
    m = r.dtype.type(m)
    q = r // m
    q *= m
    np.subtract(r, q, out=q)
    return q


def _umod_vec(r: np.ndarray, m: np.ndarray) -> np.ndarray:
    return r % m


def _apply_forward_swaps(targets: np.ndarray) -> np.ndarray:
    """The permutation left by ``for i: swap(p[i], p[targets[i]])`` on ``p = arange(n)``, with
    ``targets[i] >= i``, computed without a per-element Python loop for large n.

    Step k moves the value then at position k to position ``targets[k]`` (position k is final
    afterwards).  Let ``v[k]`` be that value.  A position p >= i still holds p at time i unless
    some earlier step targeted it, in which case it holds ``v`` of the latest such step.  So
    ``v[k] = v[parent(k)]`` (parent: the latest earlier step that targeted position k) or k,
    solved by pointer jumping, and ``result[i] = v[latest earlier step with the same target]``
    or ``targets[i]``.
    """
    n = targets.size
    if n < 2048:
        perm = list(range(n))
        for k, z in enumerate(targets.tolist()):
            perm[k], perm[z] = perm[z], perm[k]
        return np.array(perm, dtype=np.int64)
    it = np.int32 if n < (1 << 31) else np.int64
    steps = np.arange(n, dtype=it)
    key = targets.astype(np.int64) * n  # sort steps by (target, step) with one fast sort
    key += steps
    key.sort()
    tgt = key // n
    order = (key - tgt * n).astype(it)
    tgt = tgt.astype(it)
    same = tgt[1:] == tgt[:-1]
    prev_same = np.full(n, -1, dtype=it)  # previous step with the same target
    prev_same[order[1:][same]] = order[:-1][same]
    last = np.ones(n, dtype=bool)
    last[:-1] = ~same
    anc = np.full(n, -1, dtype=it)
    anc[tgt[last]] = order[last]  # latest step targeting position k (is <= k) ...
    selfswap = np.flatnonzero(anc == steps)
    anc[selfswap] = prev_same[selfswap]  # ... excluding step k itself
    roots = np.flatnonzero(anc < 0)
    anc[roots] = roots
    active = np.flatnonzero(anc != steps)
    while active.size:
        a = anc[active]
        nxt = anc[a]
        anc[active] = nxt
        active = active[nxt != a]
    out = targets.astype(np.int64)
    has = np.flatnonzero(prev_same >= 0)
    out[has] = anc[prev_same[has]]
    return out


def _update_from(low: int, ftype, digits: int) -> int:
    plus1 = int(ftype(low + 1))
    if plus1 < low:
        n = abs(low + 1).bit_length() - 1
        low = plus1 + (1 << (n - digits + 1))
    return low


def _update_to(high: int, ftype, digits: int) -> int:
    minus1 = int(ftype(high - 1))
    if minus1 >= high:
        n = abs(high - 1).bit_length() - 1
        high = minus1 - (1 << (n - digits + 1))
    return high


def _store(out: np.ndarray, values: np.ndarray) -> None:
    """Write values into out in PyTorch's TensorIterator order: C order for a C-contiguous
    array; for other views, dimensions are visited by decreasing stride (memory order), as
    TensorIterator reorders them (e.g. a transposed array is filled in memory order)."""
    view = out.transpose(_iter_perm(out))
    view[...] = values.reshape(view.shape)


def _iter_perm(out: np.ndarray) -> tuple[int, ...]:
    if out.flags.c_contiguous or out.ndim < 2:
        return tuple(range(out.ndim))
    return tuple(sorted(range(out.ndim), key=lambda d: -abs(out.strides[d])))


def _shape(shape) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(s) for s in shape)


def _float_dtype(dtype) -> np.dtype:
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        raise TypeError(f"expected a floating dtype, got {dt}")
    return dt



def _check_fast_raw() -> bool:
    """NumPy's RandomState.randint(0, 2**32, uint32) and Generator.integers(0, 2**64, uint64)
    return the raw MT19937 words (and hi/lo pairs) unmodified; verify that once, else fall
    back to ``random_raw``."""
    try:
        bg = np.random.MT19937(0)
        bg.state = {"bit_generator": "MT19937", "state": {"key": _init_genrand(1234), "pos": _MT_N}}
        a = np.random.RandomState(bg).randint(0, 1 << 32, size=700, dtype=np.uint32)
        b = np.random.Generator(bg).integers(0, 1 << 64, size=300, dtype=np.uint64)
        bg.state = {"bit_generator": "MT19937", "state": {"key": _init_genrand(1234), "pos": _MT_N}}
        r = bg.random_raw(1300)
        return bool(np.array_equal(a, r[:700]) and
                    np.array_equal(b, (r[700::2] << _U64(32)) | r[701::2]))
    except Exception:  # pragma: no cover - defensive against NumPy API changes
        return False


_FAST_RAW: bool | None = None  # _check_fast_raw(), on the first generator's first draw

default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    return default_generator.manual_seed(seed)


def initial_seed() -> int:
    return default_generator.initial_seed()


def seed() -> int:
    return default_generator.seed()


def get_rng_state() -> np.ndarray:
    return default_generator.get_state()


def set_rng_state(state) -> None:
    default_generator.set_state(state)


# ----------------------------------------------------------------------------------------------
# torch.nn.init equivalents (same arithmetic in Python floats, same order of draws)
# ----------------------------------------------------------------------------------------------

_LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
               "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity: str, param=None) -> float:
    if nonlinearity in _LINEAR_FNS:
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif (not isinstance(param, bool) and isinstance(param, int)) or isinstance(param, float):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def fan_in_and_fan_out(shape) -> tuple[int, int]:
    shape = _shape(shape)
    if len(shape) < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive = 1
    for s in shape[2:]:
        receptive *= s
    return shape[1] * receptive, shape[0] * receptive


def _gen(generator: Generator | None) -> Generator:
    return default_generator if generator is None else generator


def uniform_(out: np.ndarray, a: float = 0.0, b: float = 1.0, generator: Generator | None = None):
    return _gen(generator).uniform_(out, a, b)


def normal_(out: np.ndarray, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None):
    return _gen(generator).normal_(out, mean, std)


def _correct_fan(shape, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of ['fan_in', 'fan_out']")
    fan_in, fan_out = fan_in_and_fan_out(shape)
    return fan_in if mode == "fan_in" else fan_out


def kaiming_uniform_(out: np.ndarray, a=0, mode="fan_in", nonlinearity="leaky_relu",
                     generator: Generator | None = None) -> np.ndarray:
    if 0 in out.shape:
        return out
    std = calculate_gain(nonlinearity, a) / math.sqrt(_correct_fan(out.shape, mode))
    bound = math.sqrt(3.0) * std
    return _gen(generator).uniform_(out, -bound, bound)


def kaiming_normal_(out: np.ndarray, a=0, mode="fan_in", nonlinearity="leaky_relu",
                    generator: Generator | None = None) -> np.ndarray:
    if 0 in out.shape:
        return out
    std = calculate_gain(nonlinearity, a) / math.sqrt(_correct_fan(out.shape, mode))
    return _gen(generator).normal_(out, 0.0, std)


def xavier_uniform_(out: np.ndarray, gain: float = 1.0, generator: Generator | None = None) -> np.ndarray:
    fan_in, fan_out = fan_in_and_fan_out(out.shape)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return _gen(generator).uniform_(out, -a, a)


def xavier_normal_(out: np.ndarray, gain: float = 1.0, generator: Generator | None = None) -> np.ndarray:
    fan_in, fan_out = fan_in_and_fan_out(out.shape)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return _gen(generator).normal_(out, 0.0, std)


def linear_init(in_features: int, out_features: int, bias: bool = True, generator: Generator | None = None,
                dtype=np.float32) -> tuple[np.ndarray, np.ndarray | None]:
    """Parameters of ``nn.Linear(in_features, out_features)``: weight (out, in) drawn first with
    ``kaiming_uniform_(a=sqrt(5))``, then bias from ``U(-1/sqrt(in), 1/sqrt(in))``."""
    weight = np.empty((out_features, in_features), dtype=_float_dtype(dtype))
    kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)
    if not bias:
        return weight, None
    fan_in = in_features
    bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
    b = np.empty((out_features,), dtype=weight.dtype)
    uniform_(b, -bound, bound, generator=generator)
    return weight, b
