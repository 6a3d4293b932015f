"""Matrix products with the same bits on every machine and NumPy/BLAS build.

PyTorch multiplies with MKL, whose order of operations depends on the instruction set, the thread count and
the sizes (its bits for an 8x8 product differ between AVX2 and AVX-512 machines), so no fixed order is
PyTorch's everywhere. On AVX2 two plain orders cover most products: each output element accumulates
a_ik * b_kj for k = 0, 1, ... one step at a time, with a multiply then an add per step when the product is
thin (fewer than 4 rows or fewer than 16 columns: that covers mv and dot too), with one fused multiply-add per
step otherwise (up to k of about 150; beyond, MKL blocks k). autodiff computes every product that way (each FMA
emulated exactly: the product of two float32 is exact in float64, the one rounding of the sum is corrected
where it lands on a float32 tie), so its products are deterministic, equal PyTorch's bits wherever MKL uses
those orders, and are otherwise within the spread of MKL's own variants. float64 products accumulate a
multiply and an add per step (an exact float64 FMA is not emulated). addmm adds the bias after the product,
as MKL's beta = 1 does.

Products of more than PRODUCT_LIMIT multiply-adds go to NumPy's BLAS (fast, machine-dependent, like
PyTorch's own): the emulation costs about six NumPy operations per step of k.
"""

from __future__ import annotations

import math

import numpy as np

PRODUCT_LIMIT = 1 << 20  # multiply-adds: larger products use BLAS (machine-dependent bits)
_EXACT_SUM_K = 1 << 14  # longer dot products are correctly rounded (exact sum) instead of stepped

_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_LOW = np.uint64((1 << 29) - 1)
_HALF = np.uint64(1 << 28)


def _stepped32(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Σ_k a[..., :, k] b[..., k, :], one float32 FMA per k, in order from 0."""
    wide_a = a.astype(np.float64)
    wide_b = b.astype(np.float64)
    shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + (a.shape[-2], b.shape[-1])
    acc = np.zeros(shape, np.float32)
    for k in range(a.shape[-1]):
        column, row = wide_a[..., :, k:k + 1], wide_b[..., k:k + 1, :]
        total = column * row  # exact: 24 + 24 bits
        total += acc
        ties = (total.view(np.uint64) & _LOW) == _HALF
        if ties.any():
            # the float64 sum landed on a float32 tie: the exact sum's side of it decides
            product = np.broadcast_to(column * row, shape)
            back = total - product
            error = (product - (total - back)) + (acc.astype(np.float64) - back)
            fix = ties & (error != 0)
            total[fix] = np.nextafter(total[fix], np.where(error[fix] > 0, np.inf, -np.inf))
        acc = total.astype(np.float32)
    return acc


def _stepped64(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Σ_k a[..., :, k] b[..., k, :], a multiply and an add per k, in order from 0 (in the arrays' dtype)."""
    shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + (a.shape[-2], b.shape[-1])
    acc = np.zeros(shape, a.dtype)
    for k in range(a.shape[-1]):
        acc = acc + a[..., :, k:k + 1] * b[..., k:k + 1, :]
    return acc


def _exact(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Correctly rounded products (each output the exact sum of exact products, rounded once)."""
    shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + (a.shape[-2], b.shape[-1])
    a = np.broadcast_to(a, shape[:-2] + a.shape[-2:]).astype(np.float64)
    b = np.broadcast_to(b, shape[:-2] + b.shape[-2:]).astype(np.float64)
    out = np.empty(shape, np.float64)
    for index in np.ndindex(*shape):
        *batch, i, j = index
        out[index] = math.fsum((a[(*batch, i)] * b[(*batch, slice(None), j)]).tolist())
    return out


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b for (..., m, k) and (..., k, n) arrays of one dtype (batch dims broadcast)."""
    dtype = a.dtype
    if dtype.kind != "f":
        return np.matmul(a, b)
    m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
    batch = math.prod(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]))
    if k == 0 or batch * m * n == 0:
        return np.matmul(a, b)
    if batch * m * n * k > PRODUCT_LIMIT:
        return np.matmul(a, b)
    if dtype == _F32:
        if k > _EXACT_SUM_K:
            return _exact(a, b).astype(np.float32)
        return _stepped32(a, b) if m >= 4 and n >= 16 else _stepped64(a, b)
    if dtype == _F64:
        return _stepped64(a, b)
    return matmul(a.astype(_F32), b.astype(_F32)).astype(dtype)


def mv(a: np.ndarray, v: np.ndarray) -> np.ndarray:
    return matmul(a, v[:, None])[:, 0]


def dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return matmul(a[None, :], b[:, None]).reshape(())
