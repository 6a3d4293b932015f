"""torch.utils.hooks: RemovableHandle (the engine's HookHandle) and BackwardHook, which runs nn.Module's full
backward hooks and backward pre-hooks as PyTorch does: the module's tensor inputs and outputs are passed through
BackwardHookFunction, the outputs' node records grad_output (after the pre-hooks) and the inputs' node calls the
hooks with (module, grad_input, grad_output)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from autodiff.engine import autograd, ops
from autodiff.engine.autograd import HookHandle as RemovableHandle
from autodiff.engine.tensor import Tensor
from autodiff.errors import runtime_error, warn

__all__ = ["BackwardHook", "RemovableHandle"]

Gradients = tuple["Tensor | None", ...]


def _pack_with_none(indices: Sequence[int], values: Sequence[Tensor | None], size: int) -> Gradients:
    packed: list[Tensor | None] = [None] * size
    for index, value in zip(indices, values):
        packed[index] = value
    return tuple(packed)


class BackwardHook:
    """One forward call's backward hooks: set up on the call's arguments, then on its result."""

    def __init__(self, module: Any, user_hooks: list[Callable[..., Any]],
                 user_pre_hooks: list[Callable[..., Any]]) -> None:
        self.module = module
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.grad_outputs: Gradients | None = None
        self.n_outputs = -1
        self.output_tensors_index: list[int] | None = None
        self.n_inputs = -1
        self.input_tensors_index: list[int] | None = None

    def _apply_on_tensors(self, values: tuple[Any, ...],
                          on_gradients: Callable[[list[Tensor | None]], Sequence[Tensor | None] | None],
                          ) -> tuple[tuple[Any, ...], list[int] | None]:
        indices = [i for i, value in enumerate(values) if type(value) is Tensor]
        tensors = [values[i] for i in indices]
        if not (any(t.requires_grad for t in tensors) and autograd._grad_enabled):
            return values, None
        wrapped = ops.backward_hook_function(tensors, on_gradients)
        replaced = list(values)
        for index, tensor in zip(indices, wrapped):
            replaced[index] = tensor
        return tuple(replaced), indices

    def setup_input_hook(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        result, indices = self._apply_on_tensors(args, self._on_input_gradients)
        self.n_inputs = len(args)
        self.input_tensors_index = indices
        return result

    def setup_output_hook(self, result: Any) -> Any:
        is_tuple = isinstance(result, tuple)
        values = result if is_tuple else (result,)
        wrapped, indices = self._apply_on_tensors(values, self._on_output_gradients)
        self.n_outputs = len(values)
        self.output_tensors_index = indices
        return wrapped if is_tuple else wrapped[0]

    def _on_output_gradients(self, grads: list[Tensor | None]) -> list[Tensor | None]:
        """The outputs' node: grad_output recorded (pre-hooks may replace it); hooks called at once when no input
        needs a gradient (no node on the inputs' side will call them)."""
        indices = self.output_tensors_index or []
        self.grad_outputs = _pack_with_none(indices, grads, self.n_outputs)
        for pre_hook in self.user_pre_hooks:
            replacement = pre_hook(self.module, self.grad_outputs)
            if replacement is None:
                continue
            if len(replacement) != len(self.grad_outputs):
                raise runtime_error("Backward pre hook returned an invalid number of grad_output, got "
                                    f"{len(replacement)}, but expected {len(self.grad_outputs)}")
            self.grad_outputs = tuple(replacement)
        local_grad_outputs = self.grad_outputs
        if self.input_tensors_index is None:
            warn("UserWarning", "Full backward hook is firing when gradients are computed with respect to module "
                                "outputs since no inputs require gradients. See https://docs.pytorch.org/docs/main/"
                                "generated/torch.nn.Module.html#torch.nn.Module.register_full_backward_hook for "
                                "more details.")
            grad_inputs = _pack_with_none([], [], self.n_inputs)
            for hook in self.user_hooks:
                returned = hook(self.module, grad_inputs, self.grad_outputs)
                if returned is not None and not (isinstance(returned, tuple) and all(g is None for g in returned)):
                    raise runtime_error("Backward hook for Modules where no input requires gradient should always "
                                        "return None or None for all gradients.")
            self.grad_outputs = None
        return [local_grad_outputs[i] for i in indices]

    def _on_input_gradients(self, grads: list[Tensor | None]) -> list[Tensor | None] | None:
        if self.grad_outputs is None:  # the gradient reached the inputs without passing through the outputs
            return None
        indices = self.input_tensors_index or []
        grad_inputs = _pack_with_none(indices, grads, self.n_inputs)
        for hook in self.user_hooks:
            returned = hook(self.module, grad_inputs, self.grad_outputs)
            if returned is None:
                continue
            if len(returned) != len(grad_inputs):
                raise runtime_error(f"Backward hook returned an invalid number of grad_input, got {len(returned)}, "
                                    f"but expected {len(grad_inputs)}")
            grad_inputs = tuple(returned)
        self.grad_outputs = None
        return [grad_inputs[i] for i in indices]
