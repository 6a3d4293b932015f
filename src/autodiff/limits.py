"""Resource limits inside the process that runs a script (the supervisor, cli/supervisor.py, adds the ones only a
parent can enforce: the wall-clock limit, the CPU limit, the stack, the output, crashes).

--max-memory: a cheap look at the process's resident memory (every few thousand statements, and before a large
tensor: a graph that grows each iteration is caught there) and a hard cap on the address space, so that one huge
allocation (a string padded to 10**10 characters, a list of 10**9 numbers) fails with MemoryError, which the
interpreter reports as a LimitError, instead of the operating system killing the process.
"""

from __future__ import annotations

import os
import re

from autodiff.errors import AutodiffError, Span

DEFAULT_MAX_MEMORY = 2 * 1024**3
_ADDRESS_SPACE_HEADROOM = 256 * 1024**2  # above the resident limit, so the periodic check usually fires first
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def resident_bytes() -> int:
    """The process's resident set size now (Linux), or its peak where /proc is missing."""
    try:
        with open("/proc/self/statm", "rb") as handle:
            return int(handle.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        import resource
        import sys

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


def _virtual_bytes() -> int | None:
    try:
        with open("/proc/self/statm", "rb") as handle:
            return int(handle.read().split()[0]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


def describe(size: int) -> str:
    """2147483648 -> '2 GiB', 1500000 -> '1.4 MiB'."""
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:g} {unit}" if unit == "bytes" else f"{value:.3g} {unit}"
        value /= 1024
    return f"{value:.3g} TiB"  # pragma: no cover


_SIZE = re.compile(r"^\s*(\d+(?:\.\d*)?)\s*([kmgt]?)(i?b?)\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """'2G', '512M', '1.5GiB', '1000000' (bytes) -> bytes. Raises ValueError for anything else."""
    match = _SIZE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a size such as 512M or 2G")
    number, unit = float(match.group(1)), match.group(2).lower()
    size = int(number * 1024 ** " kmgt".index(unit or " "))
    if size <= 0:
        raise ValueError(f"{text!r} is not a positive size")
    return size


def memory_error(limit: int, span: Span | None = None) -> AutodiffError:
    return AutodiffError(
        "LimitError", f"the script used more than {describe(limit)} of memory (the memory limit)", span,
        hint="raise the limit with --max-memory; if a loop builds an ever longer autograd graph, use .detach() "
             "or torch.no_grad() for values that need no gradient")


class AddressSpaceCap:
    """Context manager: cap the address space at (what is mapped now + limit + headroom); restore on exit."""

    def __init__(self, limit: int | None):
        self.limit = limit
        self.previous: tuple[int, int] | None = None

    def __enter__(self) -> AddressSpaceCap:
        if self.limit is None:
            return self
        try:
            import resource
        except ImportError:  # pragma: no cover - not on Windows
            return self
        mapped = _virtual_bytes()
        if mapped is None:
            return self
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = mapped + self.limit + _ADDRESS_SPACE_HEADROOM
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        if soft != resource.RLIM_INFINITY and soft <= cap:
            return self  # already tighter
        try:
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
            self.previous = (soft, hard)
        except (ValueError, OSError):
            pass
        return self

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            import resource

            try:
                resource.setrlimit(resource.RLIMIT_AS, self.previous)
            except (ValueError, OSError):  # pragma: no cover
                pass
            self.previous = None


# The memory limit of the script being run by the CLI (an Interpreter without its own max_memory uses it).
active_max_memory: int | None = None


def apply_script_limits(max_elements: int | None, max_memory: int | None) -> None:
    """In a supervised child (which never goes back): bound tensors to `max_elements` and let the interpreter
    and large allocations look at the resident size against `max_memory` (the supervisor caps the address
    space)."""
    global active_max_memory
    from autodiff.engine import tensor

    if max_elements is not None:
        tensor.max_elements = max_elements
    tensor.max_memory = active_max_memory = max_memory
