"""PyTorch's CPU sum kernels, reproduced in NumPy so sums, means and everything built on them have its bits.

PyTorch 2.13 sums floats with a cascade (aten/src/ATen/native/cpu/SumKernel.cpp), inside a TensorIterator that
reorders and merges the dimensions, and splits big reductions between threads. The result of a float32 sum
depends on all of that, and on nothing else: the kernel is the AVX2 one on AVX2 and AVX-512 machines alike
(PyTorch registers no AVX-512 sum kernel) and its scalar fallback adds in the same order, so every x86-64
machine with the same thread count prints the same bits. This module follows it step by step:

- The iterator: dims sorted with the reduced ones first (by input stride), the kept ones in the output's
  order; adjacent dims merged when their strides allow; each 2-D slab of the two innermost dims is one call
  of the kernel, and every value a call produces is added to its output element (`out += value`), in order.
- The kernel, per call: "inner" when the reduced dim is contiguous (8-lane float32 / 4-lane float64 vectors
  summed with 4 interleaved accumulators), "outer" when the kept dim is contiguous (columns in groups of
  4 vectors summed straight down, the rest with 4 interleaved accumulators), and their scalar variants.
- The cascade itself: blocks of `level_step` rows summed in order, block sums summed in blocks, 4 levels.
- Threads: a reduction of 32,768 elements or more to one value is cut into one chunk per thread (each
  summed into its own slot, the slots summed last); to several values, the largest kept dim is split.

Everything is vectorised over the rows/columns being summed; every addition is one IEEE float operation
in the input's dtype, done elementwise by NumPy (exact whatever SIMD it uses), never NumPy's pairwise sum.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

GRAIN_SIZE = 32768  # at::internal::GRAIN_SIZE: below it PyTorch never splits work between threads


def _default_threads() -> int:
    """What `torch.get_num_threads()` starts at: OMP_NUM_THREADS, else MKL_NUM_THREADS, else the number of
    physical cores (PyTorch asks cpuinfo, which counts distinct cores, not hyper-threads)."""
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        value = os.environ.get(variable, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    cores: set[tuple[str, str]] = set()
    try:
        for cpu in Path("/sys/devices/system/cpu").glob("cpu[0-9]*"):
            topology = cpu / "topology"
            cores.add(((topology / "physical_package_id").read_text().strip(),
                       (topology / "core_id").read_text().strip()))
    except OSError:
        cores = set()
    return len(cores) or os.cpu_count() or 1


# The thread count PyTorch would use (`torch.get_num_threads()`); `--threads N` and torch.set_num_threads set it.
threads = _default_threads()


def set_threads(count: int) -> None:
    global threads
    threads = max(1, int(count))


# --- the cascade --------------------------------------------------------------------------------------
def _ceil_log2(n: int) -> int:
    return 1 if n <= 2 else (n - 1).bit_length()


_SMALL = 1 << 14  # elements: below this, one np.add.accumulate is cheaper than anything clever


def sequential_sum(values: np.ndarray, axis: int) -> np.ndarray:
    """The sum along `axis` strictly in order, ((v0 + v1) + v2) + ..., every other axis elementwise (the axis
    must not be empty)."""
    count = values.shape[axis]
    if count == 1:
        return np.take(values, 0, axis=axis)
    if values.size <= _SMALL:
        return np.take(np.add.accumulate(values, axis=axis), count - 1, axis=axis)
    # NumPy adds along an axis that is not the fastest in memory one slice at a time, in order (its
    # pairwise summation is only used along the fastest axis); check that some other axis is faster.
    stride = abs(values.strides[axis])
    if stride and any(size > 1 and abs(step) < stride
                      for i, (size, step) in enumerate(zip(values.shape, values.strides)) if i != axis % values.ndim):
        return np.add.reduce(values, axis=axis)
    moved = np.moveaxis(values, axis, 0)
    total = moved[0] + moved[1]
    for index in range(2, count):
        total += moved[index]
    return total


def cascade(values: np.ndarray, axis: int) -> np.ndarray:
    """`multi_row_sum`: the sum along `axis` (every other axis on its own), as PyTorch's 4-level cascade does
    it: blocks of 2**max(4, ceil(log2 n) // 4) in order, then blocks of block sums, and so on; finally the
    rows left over, plus the partial sums of levels 1, 2 and 3."""
    axis %= values.ndim
    count = values.shape[axis]
    if count == 0:
        return np.zeros(values.shape[:axis] + values.shape[axis + 1:], values.dtype)
    step = 1 << max(4, _ceil_log2(count) // 4)
    parts = []
    level = values
    for _level in range(3):
        size = level.shape[axis]
        complete = size // step
        if size - complete * step:
            parts.append(sequential_sum(level[(slice(None),) * axis + (slice(complete * step, None),)], axis))
        if not complete:
            break
        head = level[(slice(None),) * axis + (slice(0, complete * step),)]
        level = sequential_sum(head.reshape(level.shape[:axis] + (complete, step) + level.shape[axis + 1:]), axis + 1)
    else:
        parts.append(sequential_sum(level, axis))
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def interleaved_sum(values: np.ndarray, axis: int, lanes: int = 1) -> np.ndarray:
    """`row_sum`: the sum along `axis` in 4 interleaved accumulators (of `lanes`-wide vectors when lanes > 1,
    the lanes becoming a new last axis), cascaded; the vectors left over go to the first accumulator, then
    the four are added in order."""
    axis %= values.ndim
    n = values.shape[axis]
    vectors = n // lanes
    quads = vectors // 4
    moved = np.moveaxis(values, axis, -1)
    head = moved[..., : quads * 4 * lanes].reshape(moved.shape[:-1] + (quads, 4, lanes))
    partial = cascade(head, -3)  # (..., 4, lanes)
    chain = [partial[..., :1, :]]
    if vectors > quads * 4:
        chain.append(moved[..., quads * 4 * lanes: vectors * lanes].reshape(moved.shape[:-1] + (-1, lanes)))
    chain.append(partial[..., 1:, :])
    result = sequential_sum(np.concatenate(chain, axis=-2), -2)
    return result if lanes > 1 else result[..., 0]


def vector_row_sum(values: np.ndarray, lanes: int) -> np.ndarray:
    """`vectorized_inner_sum` over the last axis (contiguous in PyTorch's memory): the vector sum, then a scalar
    chain: 0, the elements after the last whole vector, then the lanes one by one."""
    n = values.shape[-1]
    whole = (n // lanes) * lanes
    lanes_total = interleaved_sum(values[..., :whole], -1, lanes)
    chain = np.concatenate((values[..., whole:], lanes_total), axis=-1)
    return sequential_sum(chain, -1)


# --- the TensorIterator ----------------------------------------------------------------------------------
class _Dim:
    __slots__ = ("size", "out", "inp")

    def __init__(self, size: int, out: int, inp: int):
        self.size, self.out, self.inp = size, out, inp

    def __repr__(self) -> str:
        return f"_Dim({self.size}, out={self.out}, in={self.inp})"


def _should_swap(a: _Dim, b: _Dim) -> int:
    """TensorIterator's reorder comparison of two dims (1: b goes first), operands output then input."""
    if (a.out == 0) != (b.out == 0):
        return 1 if b.out == 0 else -1
    for s0, s1 in ((a.out, b.out), (a.inp, b.inp)):
        if s0 == 0 or s1 == 0:
            continue
        if s0 < s1:
            return -1
        if s0 > s1:
            return 1
        if a.size > b.size:
            return 1
    return 0


def iterator_dims(shape: Sequence[int], in_strides: Sequence[int], reduce: set[int], keepdim: bool,
                  itemsize: int) -> list[_Dim]:
    """The reduction's TensorIterator dims, fastest first, after reordering and merging: size, output stride
    and input stride in bytes. The output is contiguous; a reduced dim has output stride 0 (a reduced dim of
    size 1 keeps its contiguous stride with keepdim, as PyTorch's output view does)."""
    ndim = len(shape)
    out_strides = [0] * ndim
    running = itemsize
    for d in range(ndim - 1, -1, -1):
        if d not in reduce:
            out_strides[d] = running
            running *= shape[d]
        elif shape[d] == 1 and keepdim:
            out_strides[d] = running
    dims = [_Dim(shape[d], out_strides[d], in_strides[d]) for d in range(ndim - 1, -1, -1)]
    for i in range(1, len(dims)):
        j = i
        for k in range(i - 1, -1, -1):
            order = _should_swap(dims[k], dims[j])
            if order > 0:
                dims[k], dims[j] = dims[j], dims[k]
                j = k
            elif order < 0:
                break
    if not dims:
        return [_Dim(1, 0, 0)]
    merged = [dims[0]]
    for dim in dims[1:]:
        last = merged[-1]
        if last.size == 1 or dim.size == 1 or (last.size * last.out == dim.out and last.size * last.inp == dim.inp):
            if last.size == 1:
                last.out, last.inp = dim.out, dim.inp
            last.size *= dim.size
        else:
            merged.append(_Dim(dim.size, dim.out, dim.inp))
    return merged


# --- the kernel -------------------------------------------------------------------------------------------
def _lanes(dtype: np.dtype) -> int:
    return 32 // dtype.itemsize  # a 256-bit vector


def _view(base: np.ndarray, offset: int, shape: Sequence[int], strides: Sequence[int]) -> np.ndarray:
    """A strided view into `base`'s memory starting `offset` bytes after its first element."""
    if offset:
        itemsize = base.itemsize
        span = sum((n - 1) * s for n, s in zip(base.shape, base.strides)) // itemsize + 1
        base = np.lib.stride_tricks.as_strided(base, (span,), (itemsize,), writeable=False)[offset // itemsize:]
    return np.lib.stride_tricks.as_strided(base, tuple(shape), tuple(strides), writeable=False)


def _call_values(data: np.ndarray, in_strides: tuple[int, int], out_strides: tuple[int, int]
                 ) -> tuple[np.ndarray, bool]:
    """cascade_sum's loop on calls of one shape, data (batch..., size1, size0): the values the calls add to
    the output, (batch..., size1) in the order they are added, and whether the call's dims were swapped
    (the reduced one first). A call that reduces neither dim adds each element: then (batch..., size1, size0)."""
    (in0, in1), (out0, out1) = in_strides, out_strides
    swapped = out0 != 0 and out1 == 0
    if swapped:
        data = np.swapaxes(data, -1, -2)
        in0, in1, out0, out1 = in1, in0, out1, out0
    if out0 != 0:
        return data, swapped
    size1, size0 = data.shape[-2], data.shape[-1]
    itemsize = data.itemsize
    lanes = _lanes(data.dtype)
    if in0 == itemsize and size0 >= lanes:
        return vector_row_sum(data, lanes), swapped
    if in1 == itemsize and size1 >= lanes:
        straight = (size1 // (4 * lanes)) * 4 * lanes  # groups of 4 vectors of columns, summed straight down
    elif in0 < in1:
        straight = 0
    else:
        straight = (size1 // 4) * 4  # groups of 4 columns
    if straight == size1:
        return cascade(data, -1), swapped
    if straight == 0:
        return interleaved_sum(data, -1), swapped
    return np.concatenate((cascade(data[..., :straight, :], -1), interleaved_sum(data[..., straight:, :], -1)),
                          axis=-1), swapped


def _serial(array: np.ndarray, dims: list[_Dim], out: np.ndarray, offset: int = 0) -> None:
    """A serial pass of the kernel over the whole iterator (from `offset` bytes into the input), adding into
    the contiguous `out`: every call's values at once, then each output element's values in call order."""
    inner = dims[:2] if len(dims) > 1 else [dims[0], _Dim(1, 0, 0)]
    outer = dims[:1:-1]  # outermost first: the calls' order
    shape = [d.size for d in outer] + [inner[1].size, inner[0].size]
    data = _view(array, offset, shape, [d.inp for d in outer] + [inner[1].inp, inner[0].inp])
    values, swapped = _call_values(data, (inner[0].inp, inner[1].inp), (inner[0].out, inner[1].out))
    out_strides = [d.out for d in outer] + ([inner[0].out, inner[1].out] if swapped else [inner[1].out, inner[0].out])
    out_strides = out_strides[: values.ndim]
    # The values along output-stride-0 axes go to one element, in C order (the calls' order).
    reduced = [i for i, st in enumerate(out_strides) if st == 0 and values.shape[i] > 1]
    kept = [i for i in range(values.ndim) if i not in reduced]
    if reduced:
        ordered = values.transpose(kept + reduced).reshape([values.shape[i] for i in kept] + [-1])
        values = sequential_sum(ordered, -1)
    target = np.lib.stride_tricks.as_strided(out, [values.shape[k] for k in range(len(kept))] if reduced
                                             else values.shape, [out_strides[i] for i in kept])
    target += values


def _chunks(n: int, count: int, grain: int) -> list[tuple[int, int]]:
    """at::parallel_for's split of [0, n) between `count` OpenMP threads."""
    workers = min(count, -(-n // grain))
    size = -(-n // workers)
    return [(t * size, min(n, (t + 1) * size)) for t in range(workers) if t * size < n]


def _range_sum(array: np.ndarray, dims: list[_Dim], begin: int, end: int) -> np.ndarray:
    """A serial pass over the linear range [begin, end) of an iterator whose output is one element (a thread's
    chunk in PyTorch's two-pass reduction): DimCounter's 2-D steps, each call's values added in order."""
    if len(dims) == 1:
        d = dims[0]
        row = _view(array, begin * d.inp, (end - begin,), (d.inp,))
        return _serial_row(row)
    sizes = [d.size for d in dims]
    values = []
    rest = begin
    for size in sizes:
        values.append(rest % size)
        rest //= size
    offset = begin
    pieces = []
    while offset < end:
        step0 = min(sizes[0] - values[0], end - offset)
        step1 = min(sizes[1] - values[1], (end - offset) // sizes[0]) if step0 == sizes[0] else 1
        start = sum(v * d.inp for v, d in zip(values, dims))
        call = _view(array, start, (step1, step0), (dims[1].inp, dims[0].inp))
        got, _ = _call_values(call, (dims[0].inp, dims[1].inp), (0, 0))
        pieces.append(got.reshape(-1))
        offset += step0 * step1
        overflow, axis = (step1, 1) if step1 != 1 else (step0, 0)
        while axis < len(sizes) and overflow > 0:
            value = values[axis] + overflow
            overflow, values[axis] = (1, value - sizes[axis]) if value >= sizes[axis] else (0, value)
            axis += 1
    return sequential_sum(np.concatenate(pieces), 0)


def _serial_row(row: np.ndarray) -> np.ndarray:
    """The kernel on one 1-D run of input (a single output)."""
    got, _ = _call_values(row.reshape(1, -1), (row.strides[0], 0), (0, 0))
    return got.reshape(())


def _split_dim(dims: list[_Dim], count: int) -> int:
    """find_split_dim: the outermost kept dim with at least `count` columns, else the largest kept one."""
    best = len(dims) - 1
    for d in range(len(dims) - 1, -1, -1):
        if dims[d].out == 0 and dims[d].size > 1:
            break
        if dims[d].size >= count:
            return d
        if dims[d].size > dims[best].size:
            best = d
    return best


def torch_sum(array: np.ndarray, dims: Sequence[int], keepdim: bool = False, *, ignore_nan: bool = False,
              thread_count: int | None = None) -> np.ndarray:
    """`torch.sum(array, dims, keepdim)` (or nansum) for a float32/float64 array, with PyTorch's bits."""
    count = threads if thread_count is None else thread_count
    ndim = array.ndim
    reduce = set(d % ndim for d in dims) if ndim else set()
    shape = array.shape
    kept_shape = tuple(1 if d in reduce else n for d, n in enumerate(shape))
    final_shape = kept_shape if keepdim else tuple(n for d, n in enumerate(shape) if d not in reduce)
    out = np.zeros(math.prod(kept_shape), array.dtype)
    if array.size == 0:
        return out.reshape(final_shape)
    if ignore_nan:
        array = np.where(np.isnan(array), array.dtype.type(0), array)
    elif any(s < 0 for s in array.strides):
        array = np.ascontiguousarray(array)
    plan = iterator_dims(shape, array.strides, reduce, keepdim, array.itemsize)
    numel = array.size
    if numel < GRAIN_SIZE or count == 1:
        _serial(array, plan, out)
    elif out.size == 1:
        # two_pass_reduction: each thread's chunk summed into its own slot, then the slots summed
        slots = np.zeros(count, array.dtype)
        for thread, (begin, end) in enumerate(_chunks(numel, count, GRAIN_SIZE)):
            slots[thread] += _range_sum(array, plan, begin, end)
        out += _serial_row(slots)
    else:
        # parallel_dim_reduction: the split dim's columns shared out (rounded to 128 bytes if contiguous)
        split = _split_dim(plan, count)
        columns = plan[split].size
        rounding = 128 // array.itemsize if plan[split].inp == array.itemsize else 1
        for begin, end in _chunks(columns, count, 1):
            begin -= begin % rounding
            if end != columns:
                end -= end % rounding
            if begin >= end:
                continue
            narrowed = [(_Dim(end - begin, d.out, d.inp) if i == split else d) for i, d in enumerate(plan)]
            _serial(array, narrowed, out[begin * plan[split].out // array.itemsize:], begin * plan[split].inp)
    out += array.dtype.type(0)  # PyTorch's output starts at +0, so a zero sum is +0
    return out.reshape(final_shape)


def sum_array(array: np.ndarray, dims: Sequence[int] | None, keepdim: bool = False,
              dtype: np.dtype | None = None, *, ignore_nan: bool = False) -> np.ndarray:
    """`torch.sum` on an array: floats through PyTorch's cascade, integers exactly (int64, wrapping)."""
    if dtype is not None and array.dtype != dtype:
        array = array.astype(dtype)
    if dims is None:
        dims = tuple(range(array.ndim))
    if array.dtype in (_F32, _F64):
        return torch_sum(array, dims, keepdim, ignore_nan=ignore_nan)
    if array.dtype.kind == "f":
        # float16: PyTorch accumulates in float32 and rounds the result once
        wide = torch_sum(array.astype(_F32), dims, keepdim, ignore_nan=ignore_nan)
        return wide.astype(array.dtype)
    axis = tuple(dims) if array.ndim else None
    total = array.sum(axis=axis, keepdims=keepdim, dtype=np.int64 if array.dtype.kind in "biu" else array.dtype)
    return np.asarray(total)


def mean_array(array: np.ndarray, dims: Sequence[int] | None, keepdim: bool = False) -> np.ndarray:
    """`torch.mean`: PyTorch sums, then divides by the number of elements summed (in the array's dtype)."""
    if dims is None:
        dims = tuple(range(array.ndim))
    count = math.prod(array.shape[d] for d in dims) if array.ndim else 1
    total = sum_array(array, dims, keepdim)
    return np.asarray(np.true_divide(total, array.dtype.type(count)), dtype=array.dtype)


_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
