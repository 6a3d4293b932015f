"""softmax and log_softmax (and their backward) as PyTorch's CPU kernels compute them (SoftMaxKernel.cpp).

Along the last dim each row is reduced with `vec::reduce_all`: 8-lane float32 (4-lane float64) vectors summed
in order, the leftover elements into the first lanes, then the lanes combined (float32: a shuffle tree,
((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)); float64: in order); a row shorter than a vector is summed in order.
softmax multiplies by 1 / sum; log_softmax subtracts max, then log(sum). Along another dim the sums run
straight down the dim, in order; softmax divides by the sum. exp is Sleef's expf (transcendental.vector_exp),
except at the positions PyTorch's kernel leaves to scalar code (std::exp: correctly rounded here).
"""

from __future__ import annotations

import math

import numpy as np

from autodiff.engine import reductions, transcendental

_F32 = np.dtype(np.float32)


def _lanes(dtype: np.dtype) -> int:
    return 32 // dtype.itemsize


def reduce_rows(values: np.ndarray, op: np.ufunc = np.add) -> np.ndarray:
    """`vec::reduce_all` over the last axis of (rows, n)."""
    n = values.shape[-1]
    lanes = _lanes(values.dtype)
    if n < lanes:
        return reductions.sequential_sum(values, -1) if op is np.add else op.reduce(values, axis=-1)
    whole = n - n % lanes
    blocks = values[..., :whole].reshape(values.shape[:-1] + (whole // lanes, lanes))
    acc = reductions.sequential_sum(blocks, -2) if op is np.add else op.reduce(blocks, axis=-2)
    if n > whole:
        acc = acc.copy()
        acc[..., : n - whole] = op(acc[..., : n - whole], values[..., whole:])
    if values.dtype == _F32:
        first = op(acc[..., 0:4], acc[..., 4:8])
        second = op(first[..., 0:2], first[..., 2:4])
        return op(second[..., 0], second[..., 1])
    return reductions.sequential_sum(acc, -1) if op is np.add else op.reduce(acc, axis=-1)


def _as_rows(array: np.ndarray, dim: int) -> tuple[np.ndarray, int, int, int]:
    """The contiguous input as (outer, dim_size, inner)."""
    contiguous = np.ascontiguousarray(array)
    shape = contiguous.shape
    outer = math.prod(shape[:dim])
    inner = math.prod(shape[dim + 1:])
    return contiguous.reshape(outer, shape[dim], inner), outer, shape[dim], inner


def _vector_positions(outer: int, inner: int) -> np.ndarray:
    """Which of the outer * inner positions `_vec_softmax` handles a vector at a time (the rest go through
    scalar code): its walk through each thread's chunk of positions. The positions are always shared between
    all threads (a grain size of 0), so the split, and with it which positions are vectorised, depends on the
    thread count even for a handful of positions."""
    total = outer * inner
    vectorised = np.zeros(total, bool)
    step = 8
    chunks = reductions._chunks(total, reductions.threads, 1)
    for begin, end in chunks:
        index = begin
        while index < end:
            inner_index = index % inner
            if inner_index + step <= inner and index + step <= end:
                vectorised[index:index + step] = True
                index += step
            else:
                index += (end - index) if index + step > end else (inner - inner_index)
    return vectorised.reshape(outer, inner)


def softmax_array(array: np.ndarray, dim: int, log: bool = False) -> np.ndarray:
    """softmax (or log_softmax) of a float array along `dim`."""
    if array.ndim == 0:
        return np.zeros_like(array) if log else np.ones_like(array)
    dtype = array.dtype
    if dtype.kind != "f" or dtype.itemsize < 4:
        return softmax_array(array.astype(_F32), dim, log).astype(dtype)
    if array.size == 0:
        return array.copy()
    one = dtype.type(1)
    if dim == array.ndim - 1:
        rows = np.ascontiguousarray(array).reshape(-1, array.shape[-1])
        peak = rows.max(axis=-1, keepdims=True)
        shifted = rows - peak
        exps = transcendental.vector_exp(shifted)
        total = reduce_rows(exps)
        if log:
            out = shifted - transcendental.vector_log(total)[:, None]
        else:
            out = exps * (one / total)[:, None]
        return out.reshape(array.shape)
    cube, outer, dim_size, inner = _as_rows(array, dim)
    peak = cube.max(axis=1, keepdims=True)
    shifted = cube - peak
    exps = transcendental.vector_exp(shifted)
    if log:
        scalar = np.zeros((outer, inner), bool)
        scalar[:, inner - inner % _lanes(dtype):] = True  # the last partial vector of each block
    else:
        scalar = ~_vector_positions(outer, inner)
    if scalar.any():
        exps = np.where(scalar[:, None, :], transcendental.apply("exp", shifted), exps)
    total = reductions.sequential_sum(exps, 1)[:, None, :]
    if log:
        out = shifted - transcendental.vector_log(total)
    else:
        out = exps / total
    return out.reshape(array.shape)


def _fused_sum(a: np.ndarray, b: np.ndarray, axis: int) -> np.ndarray:
    """sum += a * b along `axis` in order, each step one fused multiply-add (GCC contracts PyTorch's loop) for
    float32; a product then a sum otherwise (float64 FMAs are not emulated)."""
    if a.dtype != _F32:
        return reductions.sequential_sum(a * b, axis)
    a, b = np.moveaxis(a, axis, 0), np.moveaxis(b, axis, 0)
    total = np.zeros(a.shape[1:], a.dtype)
    for index in range(a.shape[0]):
        total = transcendental.fma32(a[index], b[index], total)
    return total


def _minus_exp_times(grad: np.ndarray, exps: np.ndarray, total: np.ndarray) -> np.ndarray:
    """grad - exp(y) * sum, contracted to one fused multiply-add for float32."""
    if grad.dtype != _F32:
        return grad - exps * total
    return transcendental.fma32(-exps, np.broadcast_to(total, grad.shape), grad)


def softmax_backward_array(grad: np.ndarray, output: np.ndarray, dim: int, log: bool = False) -> np.ndarray:
    """`_softmax_backward_data` / `_log_softmax_backward_data`: the gradient of (log_)softmax's input from the
    gradient of its output and the output itself."""
    dtype = output.dtype
    if dtype.kind != "f" or dtype.itemsize < 4:
        return softmax_backward_array(grad.astype(_F32), output.astype(_F32), dim, log).astype(dtype)
    if output.ndim == 0:
        if log:
            return _minus_exp_times(grad, transcendental.vector_exp(output), grad)
        return (grad - grad * output) * output
    grad = np.ascontiguousarray(grad.astype(dtype, copy=False))
    output = np.ascontiguousarray(output)
    if dim == output.ndim - 1:
        g = grad.reshape(-1, output.shape[-1])
        y = output.reshape(-1, output.shape[-1])
        if log:
            result = _minus_exp_times(g, transcendental.vector_exp(y), reduce_rows(g)[:, None])
        else:
            result = (g - reduce_rows(g * y)[:, None]) * y
        return result.reshape(output.shape)
    g, outer, dim_size, inner = _as_rows(grad, dim)
    y, *_ = _as_rows(output, dim)
    if log:
        exps = transcendental.vector_exp(y)
        tail = inner % _lanes(dtype)
        if tail:  # the last partial vector of each block goes through std::exp
            exps[:, :, inner - tail:] = transcendental.apply("exp", y[:, :, inner - tail:])
        result = _minus_exp_times(g, exps, reductions.sequential_sum(g, 1)[:, None, :])
    else:
        result = y * (g - _fused_sum(g, y, 1)[:, None, :])
    return result.reshape(output.shape)
