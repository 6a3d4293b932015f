"""Hooks on the autograd graph: `Tensor.register_hook`, `register_post_accumulate_grad_hook`, and a node's
`register_hook`/`register_prehook`, each returning a handle whose `remove()` takes the hook out again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autodiff.engine import autograd
from autodiff.engine.tensor import Tensor
from autodiff.errors import runtime_error, type_error


def _check_callable(hook: Any) -> None:
    if not callable(hook):
        raise type_error(f"'{type(hook).__name__}' object is not callable")


def register_hook(self: Tensor, hook: Callable[[Tensor], Any]) -> autograd.HookHandle:
    """Call `hook(grad)` whenever this tensor's gradient is computed; a returned tensor replaces the gradient.

    A leaf's hooks run before its gradient is added into .grad; a non-leaf's before its grad_fn runs (and before a
    retained .grad is stored)."""
    if not self.requires_grad:
        raise runtime_error("cannot register a hook on a tensor that doesn't require gradient")
    _check_callable(hook)
    node = self.grad_fn if self.grad_fn is not None else self._accumulator()
    return node.hook_table().register("tensor_pre", hook)


def register_post_accumulate_grad_hook(self: Tensor, hook: Callable[[Tensor], Any]) -> autograd.HookHandle:
    """Call `hook(tensor)` after a leaf's .grad has been updated."""
    if not self.requires_grad:
        raise runtime_error("cannot register a hook on a tensor that doesn't require gradient")
    if self.grad_fn is not None:
        raise runtime_error("post accumulate grad hooks cannot be registered on non-leaf tensors")
    _check_callable(hook)
    return self._accumulator().hook_table().register("post_accumulate", hook)


def node_register_hook(node: autograd.Node, hook: Callable[..., Any]) -> autograd.HookHandle:
    """`grad_fn.register_hook(fn)`: fn(grad_inputs, grad_outputs) after the node ran; may return new grad_inputs."""
    _check_callable(hook)
    return node.hook_table().register("post", hook)


def node_register_prehook(node: autograd.Node, hook: Callable[..., Any]) -> autograd.HookHandle:
    """`grad_fn.register_prehook(fn)`: fn(grad_outputs) before the node runs; may return new grad_outputs."""
    _check_callable(hook)
    return node.hook_table().register("pre", hook)
