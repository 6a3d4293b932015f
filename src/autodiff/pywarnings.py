"""How `python script.py` shows a warning PyTorch raised: Python's warnings module writes

    /home/me/train.py:5: UserWarning: The .grad attribute of a Tensor that is not a leaf Tensor ...
      print(y.grad)

the script's path as Python shows it (absolute), the line, the category, the message (with PyTorch's
"(Triggered internally at ...)" when C++ raised it), then the source line. A few warnings point into PyTorch's own
Python files instead of the script (the `stacklevel` PyTorch gives them); for those autodiff prints PyTorch's
location and adds a help line naming the script's line. Each location shows a warning once, as Python's default
filter does (the key is the message, the category and the location).

The tables below were read from PyTorch 2.13's output (the CPU wheel); tests/test_learner.py checks them against it.
"""

from __future__ import annotations

import os
from typing import NamedTuple

# The C++ source location PyTorch appends to warnings raised with TORCH_WARN, by the start of the message.
TRIGGERED_AT: dict[str, str] = {
    "The .grad attribute of a Tensor that is not a leaf Tensor": "build/aten/src/ATen/core/TensorBody.h:493",
    "Converting a tensor with requires_grad=True to a scalar":
        "torch/csrc/autograd/generated/python_variable_methods.cpp:822",
    "std(): degrees of freedom is <= 0": "aten/src/ATen/native/ReduceOps.cpp:1861",
    "var(): degrees of freedom is <= 0": "aten/src/ATen/native/ReduceOps.cpp:1861",
    "std_mean(): degrees of freedom is <= 0": "aten/src/ATen/native/ReduceOps.cpp:1861",
    "var_mean(): degrees of freedom is <= 0": "aten/src/ATen/native/ReduceOps.cpp:1861",
    "torch.meshgrid: in an upcoming release": "aten/src/ATen/native/TensorShape.cpp:4215",
    "LSTM with projections is not supported with oneDNN": "aten/src/ATen/native/RNN.cpp:1512",
    "Creating a tensor from a list of numpy.ndarrays": "torch/csrc/utils/tensor_new.cpp:252",
    "The given NumPy array is not writable": "torch/csrc/utils/tensor_numpy.cpp:213",
    "An output with one or more elements was resized": "aten/src/ATen/native/Resize.cpp:30",
    "Error detected in ": "torch/csrc/autograd/python_anomaly_mode.cpp:122",
    "Using backward() with create_graph=True": "torch/csrc/autograd/engine.cpp:1307",
}
BUILD_ROOT = "/__w/pytorch/pytorch/"  # where PyTorch's wheels are built: the start of every C++ location


class Inside(NamedTuple):  # (not a frozen dataclass: that compiles its methods at every start)
    """A place in PyTorch's Python files a warning points to: the file under torch/, its line and its text."""

    path: str
    line: int
    text: str


_RUN_BACKWARD = Inside("autograd/graph.py", 979, "return Variable._execution_engine.run_backward(  # Calls into the "
                                                 "C++ engine to run the backward pass")
_NON_FULL_BACKWARD_HOOK = Inside("nn/modules/module.py", 1869,
                                 "self._maybe_warn_non_full_backward_hook(args, result, grad_fn)")
# Warnings whose location (after PyTorch's stacklevel) is always inside torch, by the start of the message.
INSIDE_TORCH: dict[str, Inside] = {
    "Using backward() with create_graph=True": _RUN_BACKWARD,
    "Error detected in ": _RUN_BACKWARD,
    "To get the last learning rate computed by the scheduler": Inside(
        "optim/lr_scheduler.py", 654, "_warn_get_lr_called_within_step(self)"),
    "dropout option adds dropout after all but last recurrent layer": Inside(
        "nn/modules/rnn.py", 655, "super().__init__(mode, *args, **kwargs)"),
    "mean is more than 2 std from [a, b]": Inside(
        "nn/init.py", 334, "return _no_grad_trunc_normal_(tensor, mean, std, a, b, generator=generator)"),
    "torch.meshgrid: in an upcoming release": Inside(
        "functional.py", 504, "return _VF.meshgrid(tensors, **kwargs)  # type: ignore[attr-defined]"),
    "optimizer contains a parameter group with duplicate parameters": Inside(
        "_compile.py", 54, "return disable_fn(*args, **kwargs)"),
    "LSTM with projections is not supported with oneDNN": Inside("nn/modules/rnn.py", 1164, "result = _VF.lstm("),
    "Input #": Inside("autograd/gradcheck.py", 2124, "_check_inputs(tupled_inputs)"),
    "`torch.jit.script` is deprecated": Inside("jit/_script.py", 1488, "warnings.warn("),
    "Using non-full backward hooks on a Module": _NON_FULL_BACKWARD_HOOK,
    "Using a non-full backward hook when": _NON_FULL_BACKWARD_HOOK,
}
# Python's default filters hide these categories unless the warning points into the script (`__main__`).
HIDDEN_OUTSIDE_MAIN = frozenset({"DeprecationWarning", "PendingDeprecationWarning", "ImportWarning",
                                 "ResourceWarning"})


def torch_directory() -> str:
    """Where PyTorch's package would be for the Python running autodiff (its site-packages)."""
    import sysconfig

    return os.path.join(sysconfig.get_paths()["purelib"], "torch")


def python_path(filename: str) -> str:
    """The script's name as Python shows it in warnings and tracebacks: absolute for a file (Python 3.9 and later
    make `python train.py`'s path absolute), `<string>`, `<stdin>` as they are."""
    if filename.startswith("<") and filename.endswith(">"):
        return filename
    return os.path.abspath(filename)


def _lookup(table: dict[str, str] | dict[str, Inside], message: str) -> object:
    for prefix, value in table.items():
        if message.startswith(prefix):
            return value
    return None


# After torch.set_default_device(...), PyTorch's DeviceContext (a TorchFunctionMode) runs every torch call, so the
# warnings raised inside one point at the line of the mode that called it.
_DEVICE_CONTEXT = Inside("utils/_device.py", 122, "return func(*args, **kwargs)")
_device_mode = False


def set_device_mode(on: bool) -> None:
    global _device_mode
    _device_mode = on


def inside_torch(message: str, category: str = "UserWarning") -> Inside | None:
    found = _lookup(INSIDE_TORCH, message)
    if isinstance(found, Inside):
        return found
    if _device_mode and category in ("UserWarning", "FutureWarning"):
        return _DEVICE_CONTEXT
    return None


def full_message(message: str) -> str:
    """The message as PyTorch shows it: with "(Triggered internally at ...)" for a warning raised in C++."""
    where = _lookup(TRIGGERED_AT, message)
    return f"{message} (Triggered internally at {BUILD_ROOT}{where}.)" if isinstance(where, str) else message


def shown_by_default(category: str, message: str) -> bool:
    """False for a warning Python's default filters hide: a DeprecationWarning pointing inside torch."""
    return category not in HIDDEN_OUTSIDE_MAIN or inside_torch(message, category) is None


def location_key(category: str, message: str, line: int | None) -> tuple[str, str, str, int | None]:
    """What Python's default filter shows once: the same text and category at the same place."""
    inside = inside_torch(message, category)
    if inside is not None:
        return category, message, inside.path, inside.line
    return category, message, "", line


def format_warning(category: str, message: str, filename: str, line: int | None, source_line: str | None) -> str:
    """The lines Python writes to stderr for this warning (ending in a newline); `filename` and `source_line` are
    the script's, and a warning pointing inside torch gets a help line with them."""
    inside = inside_torch(message, category)
    text = full_message(message)
    if inside is not None:
        path = os.path.join(torch_directory(), inside.path)
        shown = f"{path}:{inside.line}: {category}: {text}\n  {inside.text}\n"
        if line is not None:
            where = f"{filename}:{line}" + (f": {source_line.strip()}" if source_line and source_line.strip() else "")
            shown += f"help: PyTorch's warning points inside torch; the script's line is {where}\n"
        return shown
    where = python_path(filename)
    shown = f"{where}:{line if line is not None else 0}: {category}: {text}\n"
    if source_line is not None and source_line.strip() and not where.startswith("<"):
        shown += f"  {source_line.strip()}\n"
    return shown
