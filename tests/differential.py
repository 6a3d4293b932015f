"""Run one script through autodiff (in process) and through real PyTorch (in process, `-W default` rules), and
compare what each printed: stdout exactly, and the warnings and the error as `Category: message` lines.

PyTorch's global state that a script may change (default dtype, anomaly mode, grad mode) is restored after each
torch run, so tests stay independent.
"""

from __future__ import annotations

import contextlib
import io
import re
import textwrap
import warnings
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Result:
    stdout: str
    messages: list[str]  # warnings and then the error, as `Category: message`


def run_ours(source: str) -> Result:
    from autodiff.errors import AutodiffError
    from autodiff.language.interpreter import Interpreter
    from autodiff.prelude import build_namespace

    out = io.StringIO()
    names, modules = build_namespace(out.write)
    warned: list[str] = []
    messages: list[str] = []
    interpreter = Interpreter(names, modules, filename="<test>",
                              on_warning=lambda category, message, span: warned.append(f"{category}: {message}"))
    try:
        interpreter.run_source(textwrap.dedent(source))
    except AutodiffError as error:
        messages.append(f"{error.category}: {error.message}")
    except Exception as error:  # noqa: BLE001 - Python's own exceptions raised by the script
        messages.append(f"{type(error).__name__}: {error}")
    return Result(out.getvalue(), warned + messages)


def run_theirs(source: str) -> Result:
    import torch

    out = io.StringIO()
    messages: list[str] = []
    error_line: list[str] = []
    dtype, grad_mode, anomaly = torch.get_default_dtype(), torch.is_grad_enabled(), torch.is_anomaly_enabled()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        try:
            with contextlib.redirect_stdout(out):
                exec(compile(textwrap.dedent(source), "<test>", "exec"), {"__name__": "__main__"})
        except Exception as error:  # noqa: BLE001 - whatever PyTorch raised is the expectation
            error_line.append(f"{type(error).__name__}: {error}")
        finally:
            torch.set_default_dtype(dtype)
            torch.set_grad_enabled(grad_mode)
            torch.autograd.set_detect_anomaly(anomaly)
            _forget_global_module_hooks()
    for warning in caught:
        text = str(warning.message)
        if " (Triggered internally at " in text:
            text = text[:text.index(" (Triggered internally at ")]
        messages.append(f"{warning.category.__name__}: {text}")
    # autodiff prints objects (grad_fns, hooks' handles) without the memory address PyTorch adds.
    return Result(re.sub(r" at 0x[0-9a-f]+>", ">", out.getvalue()), messages + error_line)


def _forget_global_module_hooks() -> None:
    """A script's register_module_*_hook calls add hooks for every module of the process: drop them (autodiff starts
    each run without any)."""
    from torch.nn.modules import module

    for hooks in (module._global_forward_pre_hooks, module._global_forward_hooks, module._global_backward_pre_hooks,
                  module._global_backward_hooks, module._global_forward_hooks_always_called,
                  module._global_forward_hooks_with_kwargs):
        hooks.clear()
    module._global_is_full_backward_hook = None


def assert_same(source: str, compare_messages: Callable[[list[str]], list[str]] | None = None) -> Result:
    """autodiff prints what PyTorch prints; returns PyTorch's result for further checks. `compare_messages`, if
    given, reduces both lists of messages before they are compared."""
    theirs = run_theirs(source)
    ours = run_ours(source)
    assert ours.stdout == theirs.stdout, f"stdout differs:\n--- autodiff\n{ours.stdout}\n--- torch\n{theirs.stdout}"
    reduce = compare_messages or (lambda messages: messages)
    assert reduce(ours.messages) == reduce(theirs.messages), f"messages differ:\n{ours.messages}\n{theirs.messages}"
    return theirs
