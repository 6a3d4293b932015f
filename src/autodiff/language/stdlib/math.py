"""`import math`: every function and constant of CPython's math module, as they are.

The table is CPython's own list of public names (`math` holds only functions and numbers), so a newer Python's
additions appear with it. The functions whose C loops neither the step limit nor the time limit can stop get
the bound the interpreter gives `**` and `range`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from autodiff.errors import AutodiffError
from autodiff.language.builtins import _range_checked
from autodiff.language.protocol import Namespace

# The largest integer math.factorial/comb/perm may build, in bits: about a second of CPU at the bound.
LARGEST_RESULT_BITS = 2_000_000


def _result_bits(name: str, args: tuple[Any, ...]) -> int:
    """A cheap upper estimate of the size of factorial/comb/perm's result (0 if the arguments are not ints)."""
    if not args or not all(type(a) is int for a in args):
        return 0
    n = args[0]
    if n < 0:
        return 0
    if name == "factorial":
        return n * n.bit_length()
    k = args[1] if len(args) > 1 else n
    if k < 0 or k > n:
        return 0
    if name == "comb":
        k = min(k, n - k)
    return k * n.bit_length()


def _bounded(function: Callable[..., Any]) -> Callable[..., Any]:
    name = function.__name__

    def call(*args: Any) -> Any:
        if _result_bits(name, args) > LARGEST_RESULT_BITS:
            shown = ", ".join(str(a) for a in args)
            raise AutodiffError("LimitError", f"math.{name}({shown}) is too large an integer for autodiff to "
                                "compute")
        return function(*args)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = function.__doc__
    return call


def members() -> dict[str, Any]:
    table = {name: getattr(math, name) for name in dir(math) if not name.startswith("_")}
    for name in ("factorial", "comb", "perm"):
        table[name] = _bounded(table[name])
    for name in ("fsum", "prod"):
        table[name] = _range_checked(table[name])
    return table


def build() -> dict[str, Namespace]:
    return {"math": Namespace("math", members())}
