"""Exact values of the transcendental functions, in `decimal` (pure Python, the same on every machine), and the
float32 nearest them: transcendental.py's fallback for the rare argument whose float64 value lies too close to a
float32 rounding boundary to call (about one in 10^6). A module of its own, imported on the first such argument:
decimal's import is ~1 ms of every start.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, getcontext, localcontext

import numpy as np

DIGITS = 50  # decimal digits: far more than any float32 near-tie needs

def _pi() -> Decimal:
    """pi to the working precision (Machin's formula)."""
    with localcontext() as ctx:
        ctx.prec += 5
        total = 4 * (4 * _atan_inverse(5) - _atan_inverse(239))
    return +total


def _atan_inverse(n: int) -> Decimal:
    """atan(1/n) by its series (n >= 2)."""
    x = Decimal(1) / n
    square = x * x
    term, total, k = x, x, 1
    while True:
        term *= -square
        k += 2
        step = term / k
        if step == 0 or abs(step) < Decimal(10) ** (-getcontext().prec - 5):
            break
        total += step
    return total


def _sin_cos(x: Decimal) -> tuple[Decimal, Decimal]:
    """(sin x, cos x): x reduced modulo pi/2, then Taylor series."""
    with localcontext() as ctx:
        ctx.prec += 10 + max(0, x.adjusted())
        half_pi = _pi() / 2
        quarter = (x / half_pi).to_integral_value()
        r = x - quarter * half_pi
        square = r * r
        sin_r, cos_r = r, Decimal(1)
        term_s, term_c, k = r, Decimal(1), 1
        eps = Decimal(10) ** (-ctx.prec)
        while abs(term_s) > eps or abs(term_c) > eps:
            term_s *= -square / ((2 * k) * (2 * k + 1))
            term_c *= -square / ((2 * k - 1) * (2 * k))
            sin_r += term_s
            cos_r += term_c
            k += 1
        turn = int(quarter) % 4
        values = ((sin_r, cos_r), (cos_r, -sin_r), (-sin_r, -cos_r), (-cos_r, sin_r))[turn]
    return +values[0], +values[1]


def _atan(x: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec += 10
        halvings = 0
        while abs(x) > Decimal("0.1"):
            x = x / (1 + (1 + x * x).sqrt())  # atan x = 2 atan(x / (1 + sqrt(1 + x^2)))
            halvings += 1
        square = x * x
        term, total, k = x, x, 1
        eps = Decimal(10) ** (-ctx.prec)
        while abs(term) > eps:
            term *= -square
            k += 2
            total += term / k
        total *= 2 ** halvings
    return +total


def _erf(x: Decimal) -> Decimal:
    if abs(x) >= 10:
        return Decimal(1 if x > 0 else -1)
    with localcontext() as ctx:
        ctx.prec += 50  # the series' terms grow to about e^(x^2) before they shrink
        square = x * x
        term, total, n = x, x, 0
        eps = Decimal(10) ** (-ctx.prec)
        while abs(term) > eps * abs(total):
            n += 1
            term *= -square / n
            total += term / (2 * n + 1)
        total *= 2 / _pi().sqrt()
    return +total


def _expm1(x: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec += 10 + max(0, -x.adjusted())  # exp(x) - 1 cancels about -log10|x| digits
        return +(x.exp() - 1)


def _log1p(x: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec += 10 + max(0, -x.adjusted())
        return +((1 + x).ln())


def _tanh(x: Decimal) -> Decimal:
    if abs(x) > 40:
        return Decimal(1 if x > 0 else -1)
    e = _expm1(2 * x)
    return e / (e + 2)


_EXACT: dict[str, Callable[[Decimal], Decimal]] = {
    "exp": lambda x: x.exp(),
    "log": lambda x: x.ln(),
    "log2": lambda x: x.ln() / Decimal(2).ln(),
    "log10": lambda x: x.log10(),
    "log1p": _log1p,
    "expm1": _expm1,
    "sin": lambda x: _sin_cos(x)[0],
    "cos": lambda x: _sin_cos(x)[1],
    "tan": lambda x: (lambda s, c: s / c)(*_sin_cos(x)),
    "tanh": _tanh,
    "sinh": lambda x: (_expm1(x) - _expm1(-x)) / 2,
    "cosh": lambda x: (x.exp() + (-x).exp()) / 2,
    "atan": _atan,
    "asin": lambda x: _atan(x / (1 - x * x).sqrt()) if abs(x) < 1 else x * _pi() / 2,
    "acos": lambda x: _pi() / 2 - (_atan(x / (1 - x * x).sqrt()) if abs(x) < 1 else x * _pi() / 2),
    "erf": _erf,
}


def round_to_float32(value: Decimal) -> float:
    """The float32 nearest `value` (ties to even), as a Python float."""
    with np.errstate(all="ignore"):
        guess = np.float32(float(value))
    if not np.isfinite(guess):
        return float(guess)
    below = np.nextafter(guess, np.float32(-np.inf))
    above = np.nextafter(guess, np.float32(np.inf))
    best = guess
    for candidate in (below, above):
        if not np.isfinite(candidate):
            continue
        gap, current = abs(Decimal(float(candidate)) - value), abs(Decimal(float(best)) - value)
        if gap < current or (gap == current and int(candidate.view(np.uint32)) % 2 == 0):
            best = candidate
    return float(best)


def evaluate(name: str, x: float) -> Decimal:
    """Function `name` at `x` to DIGITS digits (ArithmeticError outside its domain)."""
    with localcontext() as ctx:
        ctx.prec = DIGITS
        return _EXACT[name](Decimal(x))


def power(base: float, exponent: float) -> Decimal:
    """base ** exponent to DIGITS digits (ArithmeticError where it is undefined)."""
    with localcontext() as ctx:
        ctx.prec = DIGITS
        return Decimal(base) ** Decimal(exponent)
