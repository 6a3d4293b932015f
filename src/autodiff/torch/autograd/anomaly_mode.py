"""Anomaly detection: `torch.autograd.detect_anomaly()` and `set_detect_anomaly(mode)`. While it is on, every
node remembers the script line that created it, and backward checks each gradient a node returns for NaN; an error
in backward first warns with the line of the forward call (PyTorch's "Traceback of forward call")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autodiff.engine import autograd
from autodiff.errors import warn

ENABLED_WARNING = ("Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
                   "enabled for debugging.")


class _AnomalyMode:
    """A context manager (and decorator) that sets anomaly mode for a block and restores the previous one."""

    __slots__ = ("mode", "check_nan", "previous", "label")

    def __init__(self, mode: bool, check_nan: bool, label: str):
        self.mode = mode
        self.check_nan = check_nan
        self.previous = (autograd.is_anomaly_enabled(), autograd.is_anomaly_check_nan_enabled())
        self.label = label

    def __enter__(self) -> None:
        if self.label == "set_detect_anomaly":  # switched when called; the block restores what was before the call
            autograd.set_anomaly_enabled(self.mode, self.check_nan)
        else:
            self.previous = autograd.set_anomaly_enabled(self.mode, self.check_nan)

    def __exit__(self, *exc: object) -> None:
        autograd.set_anomaly_enabled(*self.previous)

    def __call__(self, function: Callable[..., Any]) -> Callable[..., Any]:
        mode, check_nan, label = self.mode, self.check_nan, self.label

        def decorated(*args: Any, **kwargs: Any) -> Any:
            with _AnomalyMode(mode, check_nan, label):
                return function(*args, **kwargs)

        return decorated

    def __repr__(self) -> str:
        return f"<torch.autograd.anomaly_mode.{self.label} object>"


def detect_anomaly(check_nan: bool = True) -> _AnomalyMode:
    warn("UserWarning", ENABLED_WARNING)
    return _AnomalyMode(True, check_nan, "detect_anomaly")


def set_detect_anomaly(mode: bool, check_nan: bool = True) -> _AnomalyMode:
    """Switches anomaly mode at once (as a call), or for a block (as a context manager)."""
    switch = _AnomalyMode(bool(mode), bool(check_nan), "set_detect_anomaly")
    switch.previous = autograd.set_anomaly_enabled(bool(mode), bool(check_nan))
    return switch
