"""Print NumPy arrays exactly the way PyTorch 2.13 prints tensors.

Pure functions over NumPy arrays (no torch). The algorithm follows PyTorch's documented printing
behaviour: one formatter per tensor decides between integer-valued ("2."), fixed ("1.1000") and
scientific ("1.0240e+02") notation from the non-zero finite values, pads every element to a common
width, wraps rows at the line width, summarises big tensors with "..." and appends `key=value`
suffixes (size, dtype, then the caller's such as grad_fn) moving them to a new line when a line
would grow past the line width.

Public API:
    format_tensor(values, suffixes=(), *, prefix="tensor(", default_dtype=None) -> str
    format_parameter(values, suffixes=("requires_grad=True",), *, default_dtype=None) -> str
    format_size(shape) -> str
    dtype_name(dtype) -> str
    set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None)
    get_printoptions() -> dict
    printoptions(**kwargs)  (context manager)
    set_default_dtype(dtype) / get_default_dtype()
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

__all__ = [
    "PrintOptions",
    "dtype_name",
    "format_parameter",
    "format_size",
    "format_tensor",
    "get_default_dtype",
    "get_printoptions",
    "printoptions",
    "set_default_dtype",
    "set_printoptions",
]


# --------------------------------------------------------------------------------------------------
# Options


class PrintOptions:
    """torch's print options, changed in place by set_printoptions. (A plain class: a dataclass compiled its
    methods at every start.)"""

    __slots__ = ("precision", "threshold", "edgeitems", "linewidth", "sci_mode")

    def __init__(self) -> None:
        self.precision = 4
        self.threshold: float = 1000
        self.edgeitems = 3
        self.linewidth = 80
        self.sci_mode: bool | None = None


PRINT_OPTS = PrintOptions()

_PROFILES: dict[str, tuple[int, float, int, int]] = {
    # precision, threshold, edgeitems, linewidth
    "default": (4, 1000, 3, 80),
    "short": (2, 1000, 2, 80),
    "full": (4, math.inf, 3, 80),
}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """torch.set_printoptions semantics: a profile first, then each given option overrides it.

    Like PyTorch, `sci_mode` is always assigned (omitting it resets it to automatic), and an unknown
    profile name is silently ignored.
    """
    if profile is not None and profile in _PROFILES:
        (
            PRINT_OPTS.precision,
            PRINT_OPTS.threshold,
            PRINT_OPTS.edgeitems,
            PRINT_OPTS.linewidth,
        ) = _PROFILES[profile]
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """The current options as a dict that can be passed back as `set_printoptions(**d)`."""
    return {name: getattr(PRINT_OPTS, name) for name in PrintOptions.__slots__}


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    """Temporarily change the print options (torch.printoptions)."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


# --------------------------------------------------------------------------------------------------
# dtypes

_DEFAULT_DTYPE = np.dtype(np.float32)


def set_default_dtype(dtype: Any) -> None:
    """Set the floating default dtype (float32 or float64) that decides when `dtype=` is shown."""
    global _DEFAULT_DTYPE
    d = np.dtype(dtype)
    if d.kind != "f":
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _DEFAULT_DTYPE = d


def get_default_dtype() -> np.dtype:
    return _DEFAULT_DTYPE


def dtype_name(dtype: Any) -> str:
    """torch's name for a NumPy dtype, e.g. float64 -> 'torch.float64', bool -> 'torch.bool'."""
    d = np.dtype(dtype)
    if d.kind == "b":
        return "torch.bool"
    if d.kind in "fiuc":
        return "torch." + d.name
    raise TypeError(f"no torch dtype for numpy dtype {d}")


def _has_default_dtype(d: np.dtype, default: np.dtype) -> bool:
    default_complex = np.dtype(np.complex128) if default == np.float64 else np.dtype(np.complex64)
    return d in (default, default_complex, np.dtype(np.int64), np.dtype(np.bool_))


def format_size(shape: Sequence[int]) -> str:
    """`torch.Size([2, 2])`; `torch.Size([])` for a 0-d shape."""
    return "torch.Size([" + ", ".join(str(int(s)) for s in shape) + "])"


# --------------------------------------------------------------------------------------------------
# Element formatting


class _Formatter:
    """Decides notation and width from (the summarised part of) a tensor, then formats elements."""

    def __init__(self, arr: np.ndarray, opts: PrintOptions) -> None:
        self.precision = opts.precision
        self.floating = arr.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode: Any = False
        self.max_width = 1
        flat = arr.reshape(-1)

        if not self.floating:
            for v in flat.tolist():
                self.max_width = max(self.max_width, len(str(v)))
            return

        vals = flat[np.isfinite(flat) & (flat != 0)]
        if vals.size == 0:
            return
        absd = np.abs(vals).astype(np.float64)
        lo = absd.min()
        hi = absd.max()
        self.int_mode = not bool(np.any(vals != np.ceil(vals)))
        if opts.sci_mode is None:
            with np.errstate(over="ignore"):
                ratio = hi / lo
            self.sci_mode = ratio > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        else:
            self.sci_mode = opts.sci_mode

        p = self.precision
        pyvals = vals.tolist()
        if self.sci_mode:
            width = max(len(f"{v:.{p}e}") for v in pyvals)
        elif self.int_mode:
            width = max(len(f"{v:.0f}") for v in pyvals) + 1
        else:
            width = max(len(f"{v:.{p}f}") for v in pyvals)
        self.max_width = max(self.max_width, width)

    def format(self, value: Any) -> str:
        if self.floating:
            p = self.precision
            if self.sci_mode:
                s = f"{value:{self.max_width}.{p}e}"
            elif self.int_mode:
                s = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    s += "."
            else:
                s = f"{value:.{p}f}"
        else:
            s = f"{value}"
        return (self.max_width - len(s)) * " " + s


def _summarized(arr: np.ndarray, edge: int) -> np.ndarray:
    """Only the elements that will be printed (PyTorch's get_summarized_data)."""
    if arr.ndim == 0:
        return arr
    n = arr.shape[0]
    if arr.ndim == 1:
        if n > 2 * edge:
            # NB: arr[-0:] is the whole array, exactly as in PyTorch.
            return np.concatenate((arr[:edge], arr[-edge:]))
        return arr
    if not edge:
        return np.empty((0,) * arr.ndim, dtype=arr.dtype)
    rows = list(range(edge)) + list(range(n - edge, n)) if n > 2 * edge else range(n)
    return np.stack([_summarized(arr[i], edge) for i in rows])


def _vector_str(arr: np.ndarray, indent: int, summarize: bool, fmt: _Formatter, opts: PrintOptions) -> str:
    element_length = fmt.max_width + 2
    per_line = max(1, math.floor((opts.linewidth - indent) / element_length))
    edge = opts.edgeitems
    if summarize and not edge:
        data = ["..."]
    elif summarize and arr.shape[0] > 2 * edge:
        data = (
            [fmt.format(v) for v in arr[:edge].tolist()]
            + [" ..."]
            + [fmt.format(v) for v in arr[-edge:].tolist()]
        )
    else:
        data = [fmt.format(v) for v in arr.tolist()]
    lines = [", ".join(data[i : i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(arr: np.ndarray, indent: int, summarize: bool, fmt: _Formatter, opts: PrintOptions) -> str:
    dim = arr.ndim
    if dim == 0:
        return fmt.format(arr.item())
    if dim == 1:
        return _vector_str(arr, indent, summarize, fmt, opts)
    n = arr.shape[0]
    edge = opts.edgeitems
    if summarize and n > 2 * edge:
        slices = (
            [_nested_str(arr[i], indent + 1, summarize, fmt, opts) for i in range(edge)]
            + ["..."]
            + [_nested_str(arr[i], indent + 1, summarize, fmt, opts) for i in range(n - edge, n)]
        )
    else:
        slices = [_nested_str(arr[i], indent + 1, summarize, fmt, opts) for i in range(n)]
    return "[" + ("," + "\n" * (dim - 1) + " " * (indent + 1)).join(slices) + "]"


def _tensor_str(arr: np.ndarray, indent: int, opts: PrintOptions) -> str:
    if arr.size == 0:
        return "[]"
    summarize = arr.size > opts.threshold
    fmt = _Formatter(_summarized(arr, opts.edgeitems) if summarize else arr, opts)
    return _nested_str(arr, indent, summarize, fmt, opts)


def _add_suffixes(text: str, suffixes: Sequence[str], indent: int, linewidth: int) -> str:
    parts = [text]
    # Reproduces PyTorch's arithmetic exactly (it counts two more than the last line's length
    # when there is no newline, one more otherwise).
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


# --------------------------------------------------------------------------------------------------
# Public entry points


def format_tensor(
    values: Any,
    suffixes: Sequence[str] = (),
    *,
    prefix: str = "tensor(",
    default_dtype: Any = None,
) -> str:
    """Exactly `repr(t)` of a CPU strided tensor holding `values` (its dtype maps to torch's).

    `suffixes` are the caller's extra `key=value` strings (e.g. "grad_fn=<MulBackward0>" or
    "requires_grad=True"); they follow the size/dtype suffixes. `default_dtype` overrides the
    module's default floating dtype (float32 unless set_default_dtype was called).
    """
    arr = np.asarray(values)
    dtype_name(arr.dtype)  # validate early
    if arr.dtype.kind == "c":
        raise TypeError("complex tensors are not supported")
    default = np.dtype(default_dtype) if default_dtype is not None else _DEFAULT_DTYPE
    opts = PRINT_OPTS
    indent = len(prefix)
    all_suffixes: list[str] = []
    if arr.size == 0:
        if arr.ndim != 1:
            all_suffixes.append("size=" + str(tuple(int(s) for s in arr.shape)))
        if arr.dtype != default:
            all_suffixes.append("dtype=" + dtype_name(arr.dtype))
        body = "[]"
    else:
        if not opts.edgeitems:
            all_suffixes.append("size=" + str(tuple(int(s) for s in arr.shape)))
        if not _has_default_dtype(arr.dtype, default):
            all_suffixes.append("dtype=" + dtype_name(arr.dtype))
        body = _tensor_str(arr, indent, opts)
    all_suffixes.extend(suffixes)
    return _add_suffixes(prefix + body, all_suffixes, indent, opts.linewidth)


def format_parameter(
    values: Any,
    suffixes: Sequence[str] = ("requires_grad=True",),
    *,
    default_dtype: Any = None,
) -> str:
    """`repr(nn.Parameter(t))`: 'Parameter containing:' then the tensor's repr on the next line."""
    return "Parameter containing:\n" + format_tensor(values, suffixes, default_dtype=default_dtype)
