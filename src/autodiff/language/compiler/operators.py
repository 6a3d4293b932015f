"""Python's operators as the compiled code applies them: the operator tables, the limits on huge results, and
the closures that fetch names and constants inline for a binary operation (the hot path of every loop)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from autodiff.errors import AutodiffError, Span
from autodiff.language.runtime.exceptions import convert_exception

_BIG_REPEAT = 50_000_000  # longest str/list/tuple a `*` may build
_BIG_POW_BITS = 10_000_000  # largest int a `**` may build, in bits


def check_repeat(a: Any, b: Any) -> None:
    sequence, count = (a, b) if type(b) is int else (b, a)
    if type(sequence) in (str, list, tuple) and count * len(sequence) > _BIG_REPEAT:
        raise AutodiffError("LimitError", f"this would build a {type(sequence).__name__} of "
                            f"{count * len(sequence):,} items, more than autodiff allows ({_BIG_REPEAT:,})")


def power(a: Any, b: Any) -> Any:
    if type(a) is int and type(b) is int and b > 64 and abs(a) > 1:
        if b * a.bit_length() > _BIG_POW_BITS:
            raise AutodiffError("LimitError", f"{a} ** {b} is too large an integer for autodiff to compute")
    return a ** b


def _lshift(a: Any, b: Any) -> Any:
    if type(a) is int and type(b) is int and b > _BIG_POW_BITS:
        raise AutodiffError("LimitError", f"{a} << {b} is too large an integer for autodiff to compute")
    return a << b


BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "//": operator.floordiv,
    "%": operator.mod, "**": power, "@": operator.matmul, "&": operator.and_, "|": operator.or_,
    "^": operator.xor, "<<": _lshift, ">>": operator.rshift,
}
INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.iadd, "-": operator.isub, "*": operator.imul, "/": operator.itruediv,
    "//": operator.ifloordiv, "%": operator.imod, "**": operator.ipow, "@": operator.imatmul,
    "&": operator.iand, "|": operator.ior, "^": operator.ixor, "<<": _lshift, ">>": operator.irshift,
}


def inplace_power(a: Any, b: Any) -> Any:
    return power(a, b) if type(a) is int else operator.ipow(a, b)


def _not_in(a: Any, b: Any) -> bool:
    return a not in b


def _in(a: Any, b: Any) -> bool:
    return a in b


COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt, ">": operator.gt, "==": operator.eq, ">=": operator.ge, "<=": operator.le,
    "!=": operator.ne, "in": _in, "not in": _not_in, "is": operator.is_, "is not": operator.is_not,
}


def binary_closure(G: dict[str, Any], function: Callable[[Any, Any], Any], left: tuple[str, Any, Any, bool],
                    right: tuple[str, Any, Any, bool], span: Span, guard: bool) -> Callable[[dict[str, Any]], Any]:
    """`function(left, right)` with operands fetched inline when they are names or constants (a Python
    call costs more than the operation itself on floats, so the hot shapes get their own closure)."""
    left_kind, left_ev, left_payload, left_from_L = left
    right_kind, right_ev, right_payload, right_from_L = right
    if left_kind == "const" and right_kind == "const":
        left_kind = right_kind = "expr"
    ln = rn = ""
    lc = rc = None
    if left_kind == "name":
        ln = left_payload
    elif left_kind == "const":
        lc = left_payload
    if right_kind == "name":
        rn = right_payload
    elif right_kind == "const":
        rc = right_payload
    lu, ru = left_from_L, right_from_L

    def apply(a: Any, b: Any) -> Any:
        try:
            if guard and ((type(b) is int and b > 100_000) or (type(a) is int and a > 100_000)):
                check_repeat(a, b)
            return function(a, b)
        except Exception as exc:
            raise convert_exception(exc, span) from None

    shape = left_kind[0] + right_kind[0]
    if shape == "nn":
        def name_name(L: dict[str, Any]) -> Any:
            try:
                a = (L if lu else G)[ln]
            except KeyError:
                a = left_ev(L)
            try:
                b = (L if ru else G)[rn]
            except KeyError:
                b = right_ev(L)
            try:
                if guard and ((type(b) is int and b > 100_000) or (type(a) is int and a > 100_000)):
                    check_repeat(a, b)
                return function(a, b)
            except Exception as exc:
                raise convert_exception(exc, span) from None

        return name_name
    if shape == "nc":
        def name_const(L: dict[str, Any]) -> Any:
            try:
                a = (L if lu else G)[ln]
            except KeyError:
                a = left_ev(L)
            try:
                if guard and ((type(rc) is int and rc > 100_000) or (type(a) is int and a > 100_000)):
                    check_repeat(a, rc)
                return function(a, rc)
            except Exception as exc:
                raise convert_exception(exc, span) from None

        return name_const
    if shape == "cn":
        def const_name(L: dict[str, Any]) -> Any:
            try:
                b = (L if ru else G)[rn]
            except KeyError:
                b = right_ev(L)
            try:
                if guard and ((type(b) is int and b > 100_000) or (type(lc) is int and lc > 100_000)):
                    check_repeat(lc, b)
                return function(lc, b)
            except Exception as exc:
                raise convert_exception(exc, span) from None

        return const_name
    if shape == "ne":
        def name_expr(L: dict[str, Any]) -> Any:
            try:
                a = (L if lu else G)[ln]
            except KeyError:
                a = left_ev(L)
            return apply(a, right_ev(L))

        return name_expr
    if shape == "en":
        def expr_name(L: dict[str, Any]) -> Any:
            a = left_ev(L)
            try:
                b = (L if ru else G)[rn]
            except KeyError:
                b = right_ev(L)
            return apply(a, b)

        return expr_name
    if shape == "ec":
        def expr_const(L: dict[str, Any]) -> Any:
            return apply(left_ev(L), rc)

        return expr_const
    if shape == "ce":
        def const_expr(L: dict[str, Any]) -> Any:
            return apply(lc, right_ev(L))

        return const_expr

    def expr_expr(L: dict[str, Any]) -> Any:
        a = left_ev(L)
        b = right_ev(L)
        try:
            if guard and ((type(b) is int and b > 100_000) or (type(a) is int and a > 100_000)):
                check_repeat(a, b)
            return function(a, b)
        except Exception as exc:
            raise convert_exception(exc, span) from None

    return expr_expr

