"""Run a snippet through autodiff and through the CPython running the tests (the standard library's oracle, always
present) and compare what they print and the error they end in (`Category: message`)."""

from __future__ import annotations

import contextlib
import io
import re
import warnings
from typing import Any

import numpy as np
import pytest

from autodiff.errors import AutodiffError
from autodiff.language.interpreter import Interpreter
from autodiff.prelude import build_namespace


def run_cpython(source: str, *, with_warnings: bool = False) -> tuple[Any, ...]:
    """(stdout, `Category: message` of the uncaught exception or None) of `source` under real CPython; with
    `with_warnings`, also the warnings it showed (Python's default filter: once per line), as `Category: message`."""
    out = io.StringIO()
    error = None
    # NumPy's defaults for floating-point errors (importing autodiff's engine silenced them in this process)
    with contextlib.redirect_stdout(out), warnings.catch_warnings(record=True) as caught, np.errstate(
            divide="warn", over="warn", under="ignore", invalid="warn"):
        warnings.simplefilter("default")
        try:
            exec(compile(source, "<oracle>", "exec"), {"__name__": "__main__"})  # noqa: S102 - the oracle
        except Exception as exc:  # noqa: BLE001 - the error is the result
            message = repr(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
            if isinstance(exc, ImportError):  # autodiff does not show where a module's file is
                message = re.sub(r" \(/[^)]*\)$", "", message)
            error = f"{type(exc).__name__}: {message}"
    if with_warnings:
        return out.getvalue(), error, [f"{w.category.__name__}: {w.message}" for w in caught]
    return out.getvalue(), error


def run_autodiff(source: str, *, with_warnings: bool = False) -> tuple[Any, ...]:
    out, err = io.StringIO(), io.StringIO()
    names, modules = build_namespace(out.write)
    interpreter = Interpreter(names, modules, filename="<test>", stderr=err)
    error = None
    try:
        interpreter.run_source(source)
    except AutodiffError as exc:
        # autodiff adds its suggestion to the message, where CPython's traceback adds "Did you mean: ...?"
        message = re.sub(r"; did you mean '[^']*'\?$", "", exc.message)
        error = f"{exc.category}: {message}"
    if with_warnings:  # `<test>:3: UserWarning: message`, as Python shows it, reduced to `UserWarning: message`
        shown = [re.match(r"^<test>:\d+: (\w+: .*?)(?: \(Triggered internally at .*\))?$", line)
                 for line in err.getvalue().splitlines()]
        return out.getvalue(), error, [match.group(1) for match in shown if match]
    return out.getvalue(), error


def same_as_cpython(source: str, *, with_warnings: bool = False) -> tuple[Any, ...]:
    expected = run_cpython(source, with_warnings=with_warnings)
    assert run_autodiff(source, with_warnings=with_warnings) == expected
    return expected


def check(snippets: dict[str, str], *, with_warnings: bool = False):
    """A parametrized test running each snippet through both and comparing."""

    @pytest.mark.parametrize("source", snippets.values(), ids=snippets.keys())
    def test(source):
        output, error, *_ = same_as_cpython(source, with_warnings=with_warnings)
        assert output or error  # the snippet printed or failed: there was something to compare

    return test
