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

import functools
import math
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import concurrent.futures

import numpy as np

GRAIN_SIZE = 32768  # at::internal::GRAIN_SIZE: below it PyTorch never splits work between threads


def _default_threads() -> int:
    """What `torch.get_num_threads()` starts at: OMP_NUM_THREADS, else MKL_NUM_THREADS, else the number of
    physical cores (PyTorch asks cpuinfo, which counts distinct cores, not hyper-threads). AUTODIFF_THREADS
    (set by `--threads N`) comes first."""
    for variable in ("AUTODIFF_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        value = os.environ.get(variable, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    cores: set[tuple[str, str]] = set()
    cpus = "/sys/devices/system/cpu"  # read with os, not pathlib: pathlib's import is ~5 ms of every start
    try:
        for name in os.listdir(cpus):
            if name.startswith("cpu") and name[3:].isdigit():
                cores.add((_read_line(f"{cpus}/{name}/topology/physical_package_id"),
                           _read_line(f"{cpus}/{name}/topology/core_id")))
    except OSError:
        cores = set()
    return len(cores) or os.cpu_count() or 1


def _read_line(path: str) -> str:
    with open(path) as handle:
        return handle.read().strip()


# The thread count PyTorch would use (`torch.get_num_threads()`); `--threads N` and torch.set_num_threads set it.
threads = _default_threads()


def set_threads(count: int) -> None:
    """`torch.set_num_threads(count)`: the thread count PyTorch's reductions would split their work between."""
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
    last = (slice(None),) * (axis % values.ndim) + (-1,)
    if count == 1:
        return values[last]
    if values.size <= _SMALL:
        return np.add.accumulate(values, axis=axis)[last]
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
    """The reduction's TensorIterator dims (see _iterator_dims), fresh copies of a cached plan."""
    plan = _iterator_dims(tuple(shape), tuple(in_strides), tuple(sorted(reduce)), keepdim, itemsize)
    return [_Dim(d.size, d.out, d.inp) for d in plan]


@functools.lru_cache(maxsize=1024)
def _iterator_dims(shape: tuple[int, ...], in_strides: tuple[int, ...], reduce: tuple[int, ...], keepdim: bool,
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


# --- the kernels --------------------------------------------------------------------------------------------
def _lanes(dtype: np.dtype) -> int:
    return 32 // dtype.itemsize  # a 256-bit vector


def _view(base: np.ndarray, offset: int, shape: Sequence[int], strides: Sequence[int]) -> np.ndarray:
    """A strided view into `base`'s memory starting `offset` bytes after its first element."""
    root = base
    while isinstance(root.base, np.ndarray):
        root = root.base
    if root.flags.c_contiguous:
        start = base.__array_interface__["data"][0] - root.__array_interface__["data"][0] + offset
        try:
            return np.ndarray(tuple(shape), base.dtype, buffer=root, offset=start, strides=tuple(strides))
        except (TypeError, ValueError):
            pass
    if offset:
        itemsize = base.itemsize
        span = sum((n - 1) * s for n, s in zip(base.shape, base.strides)) // itemsize + 1
        base = np.lib.stride_tricks.as_strided(base, (span,), (itemsize,), writeable=False)[offset // itemsize:]
    return np.lib.stride_tricks.as_strided(base, tuple(shape), tuple(strides), writeable=False)


# A kernel gets the calls' data (batch..., size1, size0), the calls' input and output strides for dims 0 and 1
# (bytes), and returns the values the calls fold into the output, in order, with each axis's output stride
# (0: folded into one element along that axis, in C order).
Kernel = Callable[[np.ndarray, tuple[int, int], tuple[int, int]], tuple[np.ndarray, list[int]]]


def _sum_kernel(data: np.ndarray, in_strides: tuple[int, int], out_strides: tuple[int, int]
                ) -> tuple[np.ndarray, list[int]]:
    """cascade_sum's loop (SumKernel.cpp)."""
    (in0, in1), (out0, out1) = in_strides, out_strides
    if out0 != 0 and out1 == 0:
        # PyTorch moves the reduced dim first
        data = np.swapaxes(data, -1, -2)
        in0, in1, out0, out1 = in1, in0, out1, out0
    if out0 != 0:
        return data, [out1, out0]  # nothing reduced inside the call: each element is added to its output
    size1, size0 = data.shape[-2], data.shape[-1]
    itemsize = data.itemsize
    lanes = _lanes(data.dtype)
    if in0 == itemsize and size0 >= lanes:
        return vector_row_sum(data, lanes), [out1]
    if in1 == itemsize and size1 >= lanes:
        straight = (size1 // (4 * lanes)) * 4 * lanes  # groups of 4 vectors of columns, summed straight down
    elif in0 < in1:
        straight = 0
    else:
        straight = (size1 // 4) * 4  # groups of 4 columns
    if straight == size1:
        return cascade(data, -1), [out1]
    if straight == 0:
        return interleaved_sum(data, -1), [out1]
    return np.concatenate((cascade(data[..., :straight, :], -1), interleaved_sum(data[..., straight:, :], -1)),
                          axis=-1), [out1]


def _prod_kernel(data: np.ndarray, in_strides: tuple[int, int], out_strides: tuple[int, int]
                 ) -> tuple[np.ndarray, list[int]]:
    """binary_kernel_reduce_vec with `*` (Reduce.h): a contiguous reduced dim as 4 vectors of lanes, each a
    running product, then (v0 v1)(v2 v3), the lanes in order, then the elements after the last block; a
    reduced dim whose columns are contiguous straight down each column; anything else element by element.
    Returns the factors in order along a last axis (padded with ones, which change nothing)."""
    in0, (out0, out1) = in_strides[0], out_strides
    itemsize = data.itemsize
    size0 = data.shape[-1]
    if out0 == 0 and in0 == itemsize:
        block = 4 * _lanes(data.dtype)
        count = size0 // block
        if not count:
            return data, [out1, 0]
        blocks = data[..., : count * block].reshape(data.shape[:-1] + (count, 4, block // 4))
        running = np.multiply.accumulate(blocks, axis=-3)[..., -1, :, :]
        quads = (running[..., 0, :] * running[..., 1, :]) * (running[..., 2, :] * running[..., 3, :])
        lanes = np.multiply.accumulate(quads, axis=-1)[..., -1:]
        return np.concatenate((lanes, data[..., count * block:]), axis=-1), [out1, 0]
    # straight down each column (the vectorised outer case multiplies the same way), or element by element
    return data, [out1, out0]


def _fold(values: np.ndarray, axis: int, op: np.ufunc) -> np.ndarray:
    """op folded along `axis` strictly in order."""
    if op is np.add:
        return sequential_sum(values, axis)
    count = values.shape[axis]
    return np.take(op.accumulate(values, axis=axis), count - 1, axis=axis) if count > 1 else np.take(values, 0, axis)


def _serial(array: np.ndarray, dims: list[_Dim], out: np.ndarray, kernel: Kernel, op: np.ufunc,
            offset: int = 0) -> None:
    """A serial pass of the kernel over the whole iterator (from `offset` bytes into the input), folding into
    the contiguous `out`: every call's values at once, then each output element's values in call order."""
    inner = dims[:2] if len(dims) > 1 else [dims[0], _Dim(1, 0, 0)]
    outer = dims[:1:-1]  # outermost first: the calls' order
    shape = [d.size for d in outer] + [inner[1].size, inner[0].size]
    data = _view(array, offset, shape, [d.inp for d in outer] + [inner[1].inp, inner[0].inp])
    values, inner_out = kernel(data, (inner[0].inp, inner[1].inp), (inner[0].out, inner[1].out))
    out_strides = [d.out for d in outer] + inner_out
    reduced = [i for i, st in enumerate(out_strides) if st == 0 and values.shape[i] > 1]
    kept = [i for i in range(values.ndim) if i not in reduced]
    if reduced:
        ordered = values.transpose(kept + reduced).reshape([values.shape[i] for i in kept] + [-1])
        values = _fold(ordered, -1, op)
    else:
        values = values.reshape([values.shape[i] for i in kept])
    target = np.lib.stride_tricks.as_strided(out, values.shape, [out_strides[i] for i in kept])
    op(target, values, out=target)


def _chunks(n: int, count: int, grain: int) -> list[tuple[int, int]]:
    """at::parallel_for's split of [0, n) between `count` OpenMP threads."""
    workers = min(count, -(-n // grain))
    size = -(-n // workers)
    return [(t * size, min(n, (t + 1) * size)) for t in range(workers) if t * size < n]


def _counter_steps(dims: list[_Dim], begin: int, end: int) -> list[tuple[int, int, int]]:
    """serial_for_each over the linear range [begin, end): DimCounter's 2-D steps as (input offset, step0,
    step1)."""
    sizes = [d.size for d in dims]
    values = []
    rest = begin
    for size in sizes:
        values.append(rest % size)
        rest //= size
    steps = []
    offset = begin
    while offset < end:
        step0 = min(sizes[0] - values[0], end - offset)
        step1 = min(sizes[1] - values[1], (end - offset) // sizes[0]) if step0 == sizes[0] else 1
        steps.append((sum(v * d.inp for v, d in zip(values, dims)), step0, step1))
        offset += step0 * step1
        overflow, axis = (step1, 1) if step1 != 1 else (step0, 0)
        while axis < len(sizes) and overflow > 0:
            value = values[axis] + overflow
            overflow, values[axis] = (1, value - sizes[axis]) if value >= sizes[axis] else (0, value)
            axis += 1
    return steps


def _range_fold(array: np.ndarray, dims: list[_Dim], begin: int, end: int, kernel: Kernel, op: np.ufunc,
                identity: float) -> np.ndarray:
    """A thread's chunk [begin, end) of a reduction to one element (PyTorch's two-pass reduction), folded
    into a slot that starts at the identity."""
    if len(dims) == 1:
        dims = [dims[0], _Dim(1, 0, 0)]
    pieces = []
    for start, step0, step1 in _counter_steps(dims, begin, end):
        call = _view(array, start, (step1, step0), (dims[1].inp, dims[0].inp))
        values, _ = kernel(call, (dims[0].inp, dims[1].inp), (0, 0))
        pieces.append(values.reshape(-1))
    values = np.concatenate(pieces) if len(pieces) > 1 else pieces[0]
    slot = np.full(1, identity, array.dtype)
    op(slot, _fold(values, 0, op), out=slot)
    return slot


_POOL: concurrent.futures.ThreadPoolExecutor | None = None  # made on first use
_PARALLEL_MIN = 1 << 20  # elements: below this, running PyTorch's thread chunks one after another is cheaper


def _run_chunks(tasks: list[Callable[[], None]], numel: int) -> None:
    """Run PyTorch's per-thread chunks of a big reduction, on this machine's cores when there are several (each
    chunk writes its own part of the result, so the order they run in changes nothing)."""
    global _POOL
    cores = os.cpu_count() or 1
    if len(tasks) < 2 or numel < _PARALLEL_MIN or cores < 2:
        for task in tasks:
            task()
        return
    if _POOL is None:
        import concurrent.futures  # here: it imports logging and threading, ~10 ms a script without big sums saves

        _POOL = concurrent.futures.ThreadPoolExecutor(max_workers=min(cores, 8), thread_name_prefix="reduce")
    for future in [_POOL.submit(task) for task in tasks]:
        future.result()


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


def _reduce(array: np.ndarray, dims: Sequence[int], keepdim: bool, kernel: Kernel, op: np.ufunc, identity: float,
            thread_count: int | None) -> np.ndarray:
    """A TensorIterator reduction (`parallel_reduce`) with PyTorch's splits between threads."""
    count = threads if thread_count is None else thread_count
    ndim = array.ndim
    reduce = {d % ndim for d in dims} if ndim else set()
    shape = array.shape
    kept_shape = tuple(1 if d in reduce else n for d, n in enumerate(shape))
    final_shape = kept_shape if keepdim else tuple(n for d, n in enumerate(shape) if d not in reduce)
    out = np.full(math.prod(kept_shape), identity, array.dtype)
    if array.size == 0:
        return out.reshape(final_shape)
    if any(s < 0 for s in array.strides):
        array = np.ascontiguousarray(array)
    numel = array.size
    if array.flags.c_contiguous and ndim:
        fast = _contiguous(array, reduce, kernel, op, identity, count, out)
        if fast:
            return out.reshape(final_shape)
    plan = iterator_dims(shape, array.strides, reduce, keepdim, array.itemsize)
    if numel < GRAIN_SIZE or count == 1:
        _serial(array, plan, out, kernel, op)
    elif out.size == 1:
        # two_pass_reduction: each thread's chunk folded into its own slot, then the slots reduced
        slots = np.full(count, identity, array.dtype)
        def chunk(thread: int, begin: int, end: int) -> None:
            slots[thread] = _range_fold(array, plan, begin, end, kernel, op, identity)[0]

        _run_chunks([functools.partial(chunk, t, b, e) for t, (b, e) in enumerate(_chunks(numel, count, GRAIN_SIZE))],
                    numel)
        _serial(slots, [_Dim(count, 0, array.itemsize)], out, kernel, op)
    else:
        # parallel_dim_reduction: the split dim's columns shared out (rounded to 128 bytes if contiguous)
        split = _split_dim(plan, count)
        columns = plan[split].size
        rounding = 128 // array.itemsize if plan[split].inp == array.itemsize else 1
        tasks = []
        for begin, end in _chunks(columns, count, 1):
            begin -= begin % rounding
            if end != columns:
                end -= end % rounding
            if begin >= end:
                continue
            narrowed = [(_Dim(end - begin, d.out, d.inp) if i == split else d) for i, d in enumerate(plan)]
            tasks.append(functools.partial(_serial, array, narrowed, out[begin * plan[split].out // array.itemsize:],
                                           kernel, op, begin * plan[split].inp))
        _run_chunks(tasks, numel)
    return out.reshape(final_shape)


def _contiguous(array: np.ndarray, reduce: set[int], kernel: Kernel, op: np.ufunc, identity: float, count: int,
                out: np.ndarray) -> bool:
    """The common reductions of a C-contiguous array, without building the iterator: everything to one value,
    the last dim, or dim 0 of a matrix (a broadcast bias's gradient). The iterator would merge the dims to
    exactly these calls; splitting rows between threads changes nothing, a reduction to one value is split
    here as two_pass_reduction does. Returns False for anything else."""
    shape = array.shape
    itemsize = array.itemsize
    numel = array.size
    reduced = [d for d in reduce if shape[d] > 1]
    if len(reduced) == len([n for n in shape if n > 1]):  # everything (or all but size-1 dims)
        flat = array.reshape(-1)
        if numel < GRAIN_SIZE or count == 1:
            values, _ = kernel(flat.reshape(1, -1), (itemsize, 0), (0, 0))
            op(out, _fold(values.reshape(-1), 0, op), out=out)
            return True
        slots = np.full(count, identity, array.dtype)

        def chunk(thread: int, begin: int, end: int) -> None:
            values, _ = kernel(flat[begin:end].reshape(1, -1), (itemsize, 0), (0, 0))
            op(slots[thread:thread + 1], _fold(values.reshape(-1), 0, op), out=slots[thread:thread + 1])

        _run_chunks([functools.partial(chunk, t, b, e) for t, (b, e) in enumerate(_chunks(numel, count, GRAIN_SIZE))],
                    numel)
        values, _ = kernel(slots.reshape(1, -1), (itemsize, 0), (0, 0))
        op(out, _fold(values.reshape(-1), 0, op), out=out)
        return True
    if len(reduced) != 1:
        return False
    d = reduced[0]
    n = shape[d]
    if d == array.ndim - 1:
        rows = array.reshape(-1, n)
        values, _ = kernel(rows, (itemsize, n * itemsize), (0, itemsize))
    elif d == 0 and array.ndim == 2 and (numel < GRAIN_SIZE or count == 1):
        # (split between threads, a last column range narrower than a vector is summed differently)
        values, _ = kernel(array.T, (shape[1] * itemsize, itemsize), (0, itemsize))
    else:
        return False
    values = values if values.ndim == 1 else _fold(values, -1, op)
    op(out, values.reshape(-1), out=out)
    return True


def _without_nan(array: np.ndarray) -> np.ndarray:
    """The array with NaNs read as 0 (nansum's loads), laid out in memory as the array is: PyTorch's kernels pick
    their path by the input's strides, so a copy in another layout would be summed in another order."""
    zero = array.dtype.type(0)
    if array.flags.c_contiguous or array.size == 0 or any(s < 0 for s in array.strides):
        return np.where(np.isnan(array), zero, array)
    span = sum((n - 1) * s for n, s in zip(array.shape, array.strides)) // array.itemsize + 1
    memory = np.lib.stride_tricks.as_strided(array, (span,), (array.itemsize,), writeable=False)
    cleaned = np.where(np.isnan(memory), zero, memory)
    return np.lib.stride_tricks.as_strided(cleaned, array.shape, array.strides, writeable=False)


def torch_sum(array: np.ndarray, dims: Sequence[int], keepdim: bool = False, *, ignore_nan: bool = False,
              thread_count: int | None = None) -> np.ndarray:
    """`torch.sum(array, dims, keepdim)` (or nansum) for a float32/float64 array, with PyTorch's bits."""
    if ignore_nan:
        array = _without_nan(array)
    out = _reduce(array, dims, keepdim, _sum_kernel, np.add, 0.0, thread_count)
    out += array.dtype.type(0)  # PyTorch's output starts at +0, so a zero sum is +0
    return out


def torch_prod(array: np.ndarray, dims: Sequence[int], keepdim: bool = False, *,
               thread_count: int | None = None) -> np.ndarray:
    """`torch.prod(array, dims, keepdim)` for a float32/float64 array, with PyTorch's bits."""
    return _reduce(array, dims, keepdim, _prod_kernel, np.multiply, 1.0, thread_count)


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


def prod_array(array: np.ndarray, dims: Sequence[int] | None, keepdim: bool = False,
               dtype: np.dtype | None = None) -> np.ndarray:
    """`torch.prod` on an array: floats in PyTorch's order, integers exactly (wrapping)."""
    if dtype is not None and array.dtype != dtype:
        array = array.astype(dtype)
    if dims is None:
        dims = tuple(range(array.ndim))
    if array.dtype in (_F32, _F64):
        return torch_prod(array, dims, keepdim)
    if array.dtype.kind == "f":
        return torch_prod(array.astype(_F32), dims, keepdim).astype(array.dtype)
    axis = tuple(dims) if array.ndim else None
    return np.asarray(array.prod(axis=axis, keepdims=keepdim, dtype=np.int64 if array.dtype.kind in "biu" else None))


# --- variance ------------------------------------------------------------------------------------------------
WELFORD_LIMIT = 4096  # float32 rows longer than this: the float64 variance rounded (equal but in ~1e-9 cases)


def _plain_order(shape: Sequence[int], strides: Sequence[int]) -> list[_Dim]:
    """A one-operand TensorIterator's dims (memory order: smallest stride first), merged where contiguous."""
    dims = [_Dim(n, 0, s) for n, s in zip(shape[::-1], strides[::-1])]
    for i in range(1, len(dims)):
        j = i
        for k in range(i - 1, -1, -1):
            a, b = dims[k], dims[j]
            if a.inp == 0 or b.inp == 0:
                order = 0
            elif a.inp != b.inp:
                order = -1 if a.inp < b.inp else 1
            else:
                order = 1 if a.size > b.size else 0
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
        if last.size == 1 or dim.size == 1 or last.size * last.inp == dim.inp:
            if last.size == 1:
                last.inp = dim.inp
            last.size *= dim.size
        else:
            merged.append(_Dim(dim.size, 0, dim.inp))
    return merged


def _variance_all(array: np.ndarray, correction: float, take_sqrt: bool, count: int) -> np.float64:
    """std_var_all_cpu: the float mean (torch.mean), then the squared deviations summed in float64, in memory
    order, one running sum per loop call, per thread chunk (at::parallel_reduce), the chunks added last."""
    mean = float(mean_array(array, None))
    dims = _plain_order(array.shape, array.strides)
    if len(dims) == 1:
        dims = [dims[0], _Dim(1, 0, 0)]
    numel = array.size
    chunks = [(0, numel)] if numel < GRAIN_SIZE or count == 1 else _chunks(numel, count, GRAIN_SIZE)
    total = 0.0
    for begin, end in chunks:
        thread_sum = 0.0
        for start, step0, step1 in _counter_steps(dims, begin, end):
            call = _view(array, start, (step1, step0), (dims[1].inp, dims[0].inp)).reshape(-1)
            deviation = call.astype(np.float64) - mean
            squares = deviation * deviation
            thread_sum += float(np.add.accumulate(squares)[-1])
        total += thread_sum
    divisor = max(0.0, numel - correction)
    with np.errstate(all="ignore"):  # 0 / 0 is the processor's NaN (sign bit set), as in C++
        variance = np.float64(total) / np.float64(divisor)
        return np.sqrt(variance) if take_sqrt else variance


def _welford(sequences: np.ndarray, correction: float, take_sqrt: bool) -> np.ndarray:
    """WelfordOps in float64 along the last axis (each row one output), then var (or std) = m2 / (n - c)."""
    n = sequences.shape[-1]
    if sequences.dtype != _F64 and n > WELFORD_LIMIT:
        wide = sequences.astype(np.float64)
        m2 = np.square(wide - wide.mean(axis=-1, keepdims=True)).sum(axis=-1)
    else:
        mean = np.zeros(sequences.shape[:-1])
        m2 = np.zeros(sequences.shape[:-1])
        for k in range(n):
            value = sequences[..., k].astype(np.float64)
            delta = value - mean
            mean = mean + delta / float(k + 1)
            m2 = m2 + delta * (value - mean)
    divisor = n - correction if n > correction else 0.0
    with np.errstate(all="ignore"):
        variance = m2 / divisor
        return np.sqrt(variance) if take_sqrt else variance


def variance_array(array: np.ndarray, dims: Sequence[int] | None, correction: float, keepdim: bool = False,
                   take_sqrt: bool = False) -> np.ndarray:
    """torch.var / torch.std (float arrays) with PyTorch's bits: a reduction to one value goes through
    std_var_all_cpu, along dims Welford's algorithm in float64 per output, in the iterator's order."""
    ndim = array.ndim
    dims = tuple(range(ndim)) if dims is None else tuple(d % ndim for d in dims) if ndim else ()
    shape = array.shape
    kept_shape = tuple(1 if d in dims else n for d, n in enumerate(shape))
    final_shape = kept_shape if keepdim else tuple(n for d, n in enumerate(shape) if d not in dims)
    dtype = array.dtype if array.dtype in (_F32, _F64) else _F32
    if array.size == 0:
        return np.full(final_shape, np.nan, array.dtype)
    source = array if array.dtype == dtype else array.astype(dtype)
    if any(s < 0 for s in source.strides):
        source = np.ascontiguousarray(source)
    outputs = math.prod(kept_shape)
    if outputs <= 1:
        value = _variance_all(source, correction, take_sqrt, threads)
        return np.full(final_shape, value, dtype).astype(array.dtype)
    plan = iterator_dims(shape, source.strides, set(dims), keepdim, source.itemsize)
    reduced = [d for d in plan if d.out == 0 and d.size > 1]
    kept = [d for d in plan if not (d.out == 0 and d.size > 1)]
    view = _view(source, 0, [d.size for d in kept[::-1]] + [d.size for d in reduced[::-1]],
                 [d.inp for d in kept[::-1]] + [d.inp for d in reduced[::-1]])
    rows = view.reshape([d.size for d in kept[::-1]] + [-1])
    result = _welford(rows, correction, take_sqrt)
    out = np.zeros(outputs, np.float64)
    target = np.lib.stride_tricks.as_strided(out, result.shape, [d.out // source.itemsize * 8 for d in kept[::-1]])
    target[...] = result
    return out.astype(array.dtype).reshape(final_shape)


# --- scans -------------------------------------------------------------------------------------------------------
def cumulative_array(array: np.ndarray, dim: int, op: np.ufunc, dtype: np.dtype | None = None) -> np.ndarray:
    """torch.cumsum / torch.cumprod along `dim`: a running value per line in the accumulate type (float64 for
    float32, as at::acc_type<float, false>), rounded to the dtype at each element."""
    if dtype is not None and array.dtype != dtype:
        array = array.astype(dtype)
    if array.ndim == 0:
        return array.copy()
    if array.dtype.kind in "biu":
        return op.accumulate(array.astype(np.int64), axis=dim)
    wide = array.astype(np.float64)
    return op.accumulate(wide, axis=dim).astype(array.dtype)


# --- logsumexp ---------------------------------------------------------------------------------------------------
def logsumexp_array(array: np.ndarray, dims: Sequence[int], keepdim: bool = False) -> np.ndarray:
    """ATen's logsumexp: the max (with infinities replaced by 0) subtracted, exp, PyTorch's sum, log, plus the max."""
    from autodiff.engine import transcendental

    dims = tuple(d % array.ndim for d in dims) if array.ndim else ()
    if array.size == 0:
        return transcendental.apply("log", sum_array(transcendental.apply("exp", array), dims, keepdim))
    peak = np.amax(array, axis=dims, keepdims=True) if array.ndim else array.copy()
    peak = np.where(np.isinf(peak), array.dtype.type(0), peak)
    total = sum_array(transcendental.apply("exp", array - peak), dims, keepdim)
    squeezed = peak if keepdim or not array.ndim else np.squeeze(peak, axis=dims)
    return np.asarray(transcendental.apply("log", np.asarray(total)) + squeezed, dtype=array.dtype)


# --- vector norms ----------------------------------------------------------------------------------------------
def _per_output(array: np.ndarray, dims: Sequence[int], keepdim: bool) -> tuple[np.ndarray, list[_Dim], int]:
    """The input as (outputs..., reduced) with the reduced elements in the reduction iterator's order (each
    output's sequence, as binary_kernel_reduce walks it), the kept iterator dims, and the output size."""
    plan = iterator_dims(array.shape, array.strides, set(dims), keepdim, array.itemsize)
    reduced = [d for d in plan if d.out == 0 and d.size > 1]
    kept = [d for d in plan if not (d.out == 0 and d.size > 1)]
    view = _view(array, 0, [d.size for d in kept[::-1]] + [d.size for d in reduced[::-1]],
                 [d.inp for d in kept[::-1]] + [d.inp for d in reduced[::-1]])
    rows = view.reshape([d.size for d in kept[::-1]] + [-1])
    return rows, kept, math.prod(d.size for d in kept)


def norm_array(array: np.ndarray, p: float, dims: Sequence[int] | None, keepdim: bool = False) -> np.ndarray:
    """torch.linalg.vector_norm of a float array. p = 2 over a contiguous last dim: PyTorch's vectorised
    kernel (8-lane sums of squares, the lanes added in order, then the remaining elements with a fused
    multiply-add); otherwise binary_kernel_reduce's running sum per output (float32 accumulator), split
    between threads for one big output; p = inf / -inf / 0 exactly."""
    from autodiff.engine import transcendental

    ndim = array.ndim
    dims = tuple(range(ndim)) if dims is None else tuple(d % ndim for d in dims) if ndim else ()
    shape = array.shape
    kept_shape = tuple(1 if d in dims else n for d, n in enumerate(shape))
    final_shape = kept_shape if keepdim else tuple(n for d, n in enumerate(shape) if d not in dims)
    dtype = array.dtype
    absolute = np.abs(array)
    if p in (math.inf, -math.inf) or p == 0 or array.size == 0 or dtype not in (_F32, _F64):
        with np.errstate(all="ignore"):
            if p == math.inf:
                out = np.max(absolute, axis=dims, keepdims=True, initial=0)
            elif p == -math.inf:
                out = np.min(absolute, axis=dims, keepdims=True, initial=np.inf)
            elif p == 0:
                out = np.sum(array != 0, axis=dims, keepdims=True).astype(dtype)
            else:
                out = np.power(np.sum(np.power(absolute.astype(np.float64), p), axis=dims, keepdims=True), 1 / p)
        return np.asarray(out, dtype).reshape(final_shape)
    if any(s < 0 for s in array.strides):
        array = np.ascontiguousarray(array)
        absolute = np.abs(array)
    rows, kept, outputs = _per_output(array, dims, keepdim)
    plan = iterator_dims(shape, array.strides, set(dims), keepdim, array.itemsize)
    reduced = [d for d in plan if d.out == 0 and d.size > 1]
    if p == 2 and len(reduced) == 1 and plan[0] is reduced[0] and reduced[0].inp == array.itemsize:
        lanes = _lanes(dtype)
        n = rows.shape[-1]
        whole = n - n % lanes
        blocks = rows[..., :whole].reshape(rows.shape[:-1] + (whole // lanes, lanes))
        acc = sequential_sum(blocks * blocks, -2) if whole else np.zeros(rows.shape[:-1] + (lanes,), dtype)
        total = sequential_sum(acc, -1)
        for index in range(whole, n):
            value = rows[..., index]
            total = transcendental.fma32(value, value, total) if dtype == _F32 else total + value * value
        result = np.sqrt(total)
    else:
        terms = rows * rows if p == 2 else np.abs(rows) if p == 1 else \
            transcendental.power(np.abs(rows), np.asarray(p, dtype))
        if outputs == 1 and array.size >= GRAIN_SIZE and threads > 1:
            flat = terms.reshape(-1)
            partial = [float(np.add.accumulate(flat[b:e])[-1]) for b, e in _chunks(flat.size, threads, GRAIN_SIZE)]
            total = np.asarray(dtype.type(0))
            for value in partial:
                total = total + dtype.type(value)
        else:
            total = np.add.accumulate(terms, axis=-1)[..., -1] if terms.shape[-1] else np.zeros(terms.shape[:-1], dtype)
        result = np.sqrt(total) if p == 2 else total if p == 1 else \
            transcendental.power(total, np.asarray(1 / p, dtype))
    out = np.zeros(outputs, dtype)
    target = np.lib.stride_tricks.as_strided(out, np.shape(result), [d.out for d in kept[::-1]])
    target[...] = result
    return out.reshape(final_shape)
