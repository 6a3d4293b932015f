"""The grad-mode switches: no_grad, enable_grad, set_grad_enabled, inference_mode (each a context manager and,
called on a function, a decorator)."""

from __future__ import annotations

from typing import Any

from autodiff.engine import autograd


def no_grad(function: Any = None) -> Any:
    """`torch.no_grad()`; `@torch.no_grad` without the call decorates too, as PyTorch's does."""
    mode = autograd.GradMode(False, "no_grad")
    return mode if function is None else mode(function)


def enable_grad(function: Any = None) -> Any:
    mode = autograd.GradMode(True, "enable_grad")
    return mode if function is None else mode(function)


def set_grad_enabled(mode: bool) -> autograd.GradMode:
    """Switches grad mode at once (as a call), or for a block (as a context manager)."""
    mode_object = autograd.GradMode(bool(mode), "set_grad_enabled")
    mode_object.previous = autograd.set_grad_enabled(bool(mode))
    return mode_object


def inference_mode(mode: bool = True) -> autograd.GradMode:
    """`torch.inference_mode()`: like no_grad for what scripts can observe here."""
    return autograd.GradMode(not mode, "inference_mode")
