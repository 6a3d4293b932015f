"""The cases of tests/test_numerics.py: reductions, losses and softmax, each run through autodiff and PyTorch.

A case is a dict: op, dtype, shape, layout (how the input sits in memory), dims/keepdim and the like, and the
thread count PyTorch splits its sums for. Inputs come from a counter-based hash (no random generator whose
stream could change between library versions), so autodiff and torch see the same bits. Both sides return a
list of arrays: the result, then the gradients a backward pass with a fixed gradient delivers.

tests/data/make_numerics_cases.py records PyTorch's outputs (SHA-256 of their bytes) in
tests/data/numerics_cases.json; the golden tests replay every case without torch, the oracle tests compare
with the installed torch directly.
"""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

import numpy as np

_GOLDEN = 0x9E3779B97F4A7C15
_MIX1 = 0xBF58476D1CE4E5B9
_MIX2 = 0x94D049BB133111EB


def uniforms(count: int, seed: int) -> np.ndarray:
    """count numbers in [0, 1), float64, from the splitmix64 finaliser of (seed, index)."""
    with np.errstate(over="ignore"):
        z = np.arange(count, dtype=np.uint64) * np.uint64(_GOLDEN) + np.uint64((seed * 7919 + 1) * _GOLDEN % 2**64)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(_MIX1)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(_MIX2)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


def values(count: int, seed: int, kind: str, dtype: str) -> np.ndarray:
    u = uniforms(count, seed)
    if kind == "prod":
        out = 1.0 + (u - 0.5) * 0.02
    elif kind == "probability":
        out = 0.01 + 0.98 * u
    elif kind == "nan":
        out = np.where(u < 0.1, np.nan, u * 8 - 4)
    else:
        out = u * 8 - 4
    return out.astype(dtype)


def laid_out(shape: tuple[int, ...], layout: str, seed: int, kind: str, dtype: str) -> np.ndarray:
    """An array of `shape` whose memory layout is `layout`: c (contiguous), t (the transpose of a contiguous
    array), slice (every other element of a wider last dim), expand (the first dim broadcast, stride 0),
    perm (the last dim moved first in memory)."""
    if layout == "c" or not shape:
        return values(int(np.prod(shape)), seed, kind, dtype).reshape(shape)
    if layout == "t":
        return values(int(np.prod(shape)), seed, kind, dtype).reshape(shape[::-1]).T
    if layout == "slice":
        wide = shape[:-1] + (2 * shape[-1],)
        return values(int(np.prod(wide)), seed, kind, dtype).reshape(wide)[..., ::2]
    if layout == "expand":
        base = values(int(np.prod(shape[1:])), seed, kind, dtype).reshape((1,) + shape[1:])
        return np.broadcast_to(base, shape)
    if layout == "perm":
        moved = (shape[-1],) + shape[:-1]
        return np.moveaxis(values(int(np.prod(moved)), seed, kind, dtype).reshape(moved), 0, -1)
    raise ValueError(layout)


def case_id(case: dict[str, Any]) -> str:
    parts = [case["op"], case["dtype"], "x".join(map(str, case["shape"])) or "0d", case.get("layout", "c")]
    for key in ("small", "p", "dims", "keepdim", "reduction", "correction", "threads", "dim"):
        if key in case:
            value = case[key]
            parts.append(f"{key}={'-'.join(map(str, value)) if isinstance(value, (list, tuple)) else value}")
    return "/".join(parts)


def cases() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    add = found.append
    # full reductions over sizes 1 .. 10^6 (the thread split starts at 32,768 elements)
    for op, dtype, size in itertools.product(("sum", "mean", "nansum", "var", "std", "prod"), ("float32", "float64"),
                                             (1, 7, 8, 9, 33, 100, 1000, 32767, 32768, 100003, 1_000_000)):
        threads = (1, 2, 3, 4) if size >= 32768 else (2,)
        for t in threads:
            add({"op": op, "dtype": dtype, "shape": [size], "threads": t})
    # along dims, every layout
    shapes = [(3, 4), (7, 9), (9, 33), (33, 9), (64, 10), (10, 64), (100, 300), (5, 7, 11), (4, 1, 40), (2, 3, 4, 5),
              (1000, 40), (300, 3, 70)]
    for op, dtype, shape in itertools.product(("sum", "mean", "nansum", "var", "std", "prod"), ("float32", "float64"),
                                              shapes):
        layouts = ("c", "t", "slice", "expand") + (("perm",) if len(shape) >= 3 else ())
        for layout in layouts:
            dimsets = [[d] for d in range(len(shape))]
            if len(shape) >= 3:
                dimsets += [[0, len(shape) - 1], list(range(1, len(shape)))]
            if op == "prod":
                dimsets = [[d] for d in range(len(shape))]
            for dims in dimsets:
                add({"op": op, "dtype": dtype, "shape": list(shape), "layout": layout, "dims": dims,
                     "keepdim": dims == [0], "threads": 2})
    for threads in (1, 3, 4):
        for shape, dims in (((300, 300), [0]), ((300, 300), [1]), ((40000, 3), [0]), ((3, 40000), [1]),
                            ((200, 3, 70), [0, 2])):
            add({"op": "sum", "dtype": "float32", "shape": list(shape), "layout": "c", "dims": dims,
                 "keepdim": False, "threads": threads})
    # vector norms, p = 1 and 2 (other p go through the C library's powf, which is not always correctly rounded;
    # float64's p = 2 over the last dim fuses its tail in float64, not emulated): both left out
    for dtype, shape, p in itertools.product(("float32", "float64"), ((7,), (1000,), (1_000_000,), (64, 10), (10, 64),
                                                                      (300, 300), (5, 7, 11)), (1, 2)):
        for dims in [None] + [[d] for d in range(len(shape))]:
            if dtype == "float64" and p == 2 and (dims is None or dims == [len(shape) - 1]):
                continue
            add({"op": "norm", "dtype": dtype, "shape": list(shape), "p": p, "dims": dims, "threads": 2})
    # cumulative sums and products, forward and backward
    for op, dtype, shape in itertools.product(("cumsum", "cumprod"), ("float32", "float64"),
                                              ((7,), (1000,), (64, 10), (10, 64), (5, 7, 11))):
        for dim in range(len(shape)):
            add({"op": op, "dtype": dtype, "shape": list(shape), "dim": dim, "threads": 2})
    # the gradient of a broadcast operand (the engine's sum_to)
    for dtype, (big, small) in itertools.product(("float32", "float64"), (
            ((64, 10), (10,)), ((64, 10), (64, 1)), ((5, 7, 11), (7, 1)), ((100, 300), (300,)), ((3, 40000), (1,)),
            ((2, 3, 4, 5), (3, 1, 5)), ((1000, 40), ()))):
        add({"op": "broadcast_grad", "dtype": dtype, "shape": list(big), "small": list(small), "threads": 2})
    # softmax and log_softmax, forward and backward (float32: Sleef's exp/log emulated)
    for op, shape in itertools.product(("softmax", "log_softmax"), ((5,), (4, 3), (64, 10), (10, 64), (20, 37),
                                                                      (3, 17, 9), (2, 3, 100))):
        for dim in range(len(shape)):
            add({"op": op, "dtype": "float32", "shape": list(shape), "dim": dim, "threads": 2})
    # losses, every reduction, forward and backward
    for op, dtype, shape in itertools.product(("mse_loss", "l1_loss", "smooth_l1_loss"), ("float32", "float64"),
                                              ((5,), (4, 3), (64, 10), (3, 4, 5), (1000,), (1_000_000,))):
        for reduction in ("mean", "sum", "none"):
            add({"op": op, "dtype": dtype, "shape": list(shape), "reduction": reduction, "threads": 2})
    for op, (n, c) in itertools.product(("cross_entropy", "nll_loss"), ((5, 3), (64, 10), (100, 7), (1000, 5))):
        for reduction in ("mean", "sum", "none"):
            add({"op": op, "dtype": "float32", "shape": [n, c], "reduction": reduction, "threads": 2})
    # binary cross-entropy in float64 (float32 calls the C library's logf, see test_numerics's closeness tests)
    for shape, reduction in itertools.product(((5,), (64, 10), (1000,), (100_000,)), ("mean", "sum", "none")):
        add({"op": "binary_cross_entropy", "dtype": "float64", "shape": list(shape), "reduction": reduction,
             "threads": 2})
    # tanh's and sigmoid's backward kernels (GCC fuses tanh's `1 - y * y`) and their double backward
    for op, dtype, shape in itertools.product(("tanh_backward", "sigmoid_backward"), ("float32", "float64"),
                                              ((7,), (1000,), (64, 10), (100_003,))):
        add({"op": op, "dtype": dtype, "shape": list(shape), "threads": 2})
    return found


def inputs(case: dict[str, Any]) -> list[np.ndarray]:
    """The case's input arrays (float inputs first; class targets as int64 last)."""
    shape = tuple(case["shape"])
    dtype = case["dtype"]
    op = case["op"]
    layout = case.get("layout", "c")
    if op in ("prod", "cumprod"):
        return [laid_out(shape, layout, 1, "prod", dtype)] + ([laid_out(shape, "c", 2, "", dtype)] if op == "cumprod"
                                                               else [])
    if op == "cumsum":
        return [laid_out(shape, layout, 1, "", dtype), laid_out(shape, "c", 2, "", dtype)]
    if op == "nansum":
        return [laid_out(shape, layout, 1, "nan", dtype)]
    if op == "broadcast_grad":
        return [laid_out(shape, "c", 1, "", dtype), laid_out(tuple(case["small"]), "c", 2, "", dtype),
                laid_out(shape, "c", 3, "", dtype)]
    if op in ("softmax", "log_softmax"):
        return [laid_out(shape, "c", 1, "", dtype), laid_out(shape, "c", 2, "", dtype)]
    if op in ("mse_loss", "l1_loss", "smooth_l1_loss"):
        return [laid_out(shape, "c", 1, "", dtype), laid_out(shape, "c", 2, "", dtype)]
    if op == "binary_cross_entropy":
        return [laid_out(shape, "c", 1, "probability", dtype), laid_out(shape, "c", 2, "probability", dtype)]
    if op in ("tanh_backward", "sigmoid_backward"):
        output = laid_out(shape, "c", 1, "probability", dtype)
        if op == "tanh_backward":
            output = output * output.dtype.type(2) - output.dtype.type(1)  # in (-1, 1), like a tanh's output
        return [laid_out(shape, "c", 2, "", dtype), output, laid_out(shape, "c", 3, "", dtype)]
    if op in ("cross_entropy", "nll_loss"):
        n, c = shape
        logits = laid_out(shape, "c", 1, "", dtype)
        targets = (uniforms(n, 4) * c).astype(np.int64)
        return [logits, targets]
    return [laid_out(shape, layout, 1, "", dtype)]


def digest(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def head(array: np.ndarray) -> list[float]:
    return [float(v) for v in np.asarray(array).reshape(-1)[:2]]


# --- the two sides ------------------------------------------------------------------------------------------
def run_torch(torch: Any, case: dict[str, Any]) -> list[np.ndarray]:
    torch.set_num_threads(case["threads"])
    arrays = []
    for a in inputs(case):
        if a.flags.writeable:
            arrays.append(torch.from_numpy(a))  # keeps the view's strides
        else:  # a broadcast first dim (stride 0): torch's expand of the same values
            arrays.append(torch.from_numpy(np.ascontiguousarray(a[:1])).expand(*a.shape))
    return _compute(torch, case, arrays, torch_side=True)


def run_autodiff(case: dict[str, Any]) -> list[np.ndarray]:
    from autodiff.engine import reductions
    from autodiff.engine.tensor import Tensor

    previous = reductions.threads
    reductions.set_threads(case["threads"])
    try:
        return _compute(None, case, [Tensor(a) for a in inputs(case)], torch_side=False)
    finally:
        reductions.set_threads(previous)


def _compute(torch: Any, case: dict[str, Any], arrays: list[Any], torch_side: bool) -> list[np.ndarray]:
    from autodiff.engine import ops as adops
    op = case["op"]
    if torch_side:
        F = torch.nn.functional
        lib = torch
    else:
        from autodiff.torch.nn import functional as F

        lib = adops

    def array(t: Any) -> np.ndarray:
        return t.detach().numpy() if torch_side else np.asarray(t.array)

    def backward(out: Any, grad: np.ndarray) -> None:
        if torch_side:
            out.backward(torch.from_numpy(grad))
        else:
            from autodiff.engine.autograd import run_backward
            from autodiff.engine.tensor import Tensor

            run_backward([out], [Tensor(grad)], retain_graph=False, create_graph=False)

    def grad_of(t: Any) -> np.ndarray:
        return t.grad.numpy() if torch_side else np.asarray(t.grad.array)

    x = arrays[0]
    dims = case.get("dims")
    keepdim = case.get("keepdim", False)
    if op in ("sum", "mean", "prod"):
        if dims is None:
            return [array(getattr(lib, op)(x))]
        if op == "prod":
            return [array(lib.prod(x, dims[0], keepdim))]
        return [array(getattr(lib, op)(x, dims, keepdim))]
    if op == "norm":
        return [array(lib.norm(x, case["p"], dims))]
    if op == "nansum":
        return [array(lib.nansum(x) if dims is None else lib.nansum(x, dims, keepdim))]
    if op in ("tanh_backward", "sigmoid_backward"):
        grad, output, grad_grad = arrays
        for t in (grad, output):
            t.requires_grad_(True) if torch_side else setattr(t, "requires_grad", True)
        out = getattr(torch.ops.aten, op)(grad, output) if torch_side else getattr(adops, op)(grad, output)
        result = array(out)
        backward(out, np.asarray(grad_grad.numpy() if torch_side else grad_grad.array))
        return [result, grad_of(grad), grad_of(output)]
    if op in ("cumsum", "cumprod"):
        inp, g = arrays
        inp.requires_grad_(True) if torch_side else setattr(inp, "requires_grad", True)
        out = getattr(lib, op)(inp, case["dim"])
        result = array(out)
        backward(out, np.asarray(g.numpy() if torch_side else g.array))
        return [result, grad_of(inp)]
    if op in ("var", "std"):
        fn = getattr(lib, op)
        if dims is None:
            return [array(fn(x)), array(fn(x, correction=0) if torch_side else fn(x, None, correction=0))]
        return [array(fn(x, dims, keepdim=keepdim, correction=1)), array(fn(x, dims, keepdim=keepdim, correction=0))]
    if op == "broadcast_grad":
        a, b, g = arrays
        b.requires_grad_(True) if torch_side else setattr(b, "requires_grad", True)
        out = lib.mul(a, b)
        backward(out, np.asarray(g.numpy() if torch_side else g.array))
        return [grad_of(b)]
    if op in ("softmax", "log_softmax"):
        inp, g = arrays
        inp.requires_grad_(True) if torch_side else setattr(inp, "requires_grad", True)
        out = getattr(lib, op)(inp, case["dim"])
        result = array(out)
        backward(out, np.asarray(g.numpy() if torch_side else g.array))
        return [result, grad_of(inp)]
    reduction = case.get("reduction", "mean")
    if op in ("mse_loss", "l1_loss", "smooth_l1_loss", "cross_entropy", "nll_loss", "binary_cross_entropy"):
        inp, target = arrays
        inp.requires_grad_(True) if torch_side else setattr(inp, "requires_grad", True)
        if op == "nll_loss":
            logp = lib.log_softmax(inp, 1)
            out = F.nll_loss(logp, target, reduction=reduction)
        else:
            out = getattr(F, op)(inp, target, reduction=reduction)
        result = array(out)
        grad = values(int(np.prod(result.shape)), 9, "", case["dtype"]).reshape(result.shape)
        backward(out, grad)
        return [result, grad_of(inp)]
    raise ValueError(op)
