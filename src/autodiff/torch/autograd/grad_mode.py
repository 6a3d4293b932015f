"""The grad-mode switches: no_grad, enable_grad, set_grad_enabled, inference_mode (each a context manager and,
called on a function, a decorator)."""

from __future__ import annotations

from autodiff.engine import autograd


def no_grad() -> autograd.GradMode:
    return autograd.GradMode(False, "no_grad")


def enable_grad() -> autograd.GradMode:
    return autograd.GradMode(True, "enable_grad")


def set_grad_enabled(mode: bool) -> autograd.GradMode:
    """Switches grad mode at once (as a call), or for a block (as a context manager)."""
    mode_object = autograd.GradMode(bool(mode), "set_grad_enabled")
    mode_object.previous = autograd.set_grad_enabled(bool(mode))
    return mode_object


def inference_mode(mode: bool = True) -> autograd.GradMode:
    """`torch.inference_mode()`: like no_grad for what scripts can observe here."""
    return autograd.GradMode(not mode, "inference_mode")
