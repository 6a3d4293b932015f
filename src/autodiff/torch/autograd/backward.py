"""torch.autograd.backward, torch.autograd.grad and Tensor.backward."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autodiff.engine import autograd, ops
from autodiff.engine.tensor import (
    Tensor,
)
from autodiff.errors import AutodiffError, pytorch_spelling, runtime_error, type_error, warn
from autodiff.language.protocol import BuiltinFunction, type_name
from autodiff.torch.creation import _to_nested_numbers

NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be "
    "populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf "
    "Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure "
    "you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more information."
)

CREATE_GRAPH_WARNING = (
    "Using backward() with create_graph=True will create a reference cycle between the parameter and its "
    "gradient which can cause a memory leak. We recommend using autograd.grad when creating the graph to avoid "
    "this. If you have to use this function, make sure to reset the .grad fields of your parameters to None "
    "after use to break the cycle and avoid the leak."
)

# --- autograd entry points ------------------------------------------------------------------------------
_CREATORS: dict[Callable[..., Any], str] = {}


def _gradient_for(output: Tensor, gradient: Any) -> Tensor:
    """The `gradient` argument of backward: a tensor, a list, a number, or a creator such as `ones`."""
    if gradient is None:
        return _implicit_seed(output)
    # Scripts hold builtins wrapped so that they print without addresses; the table knows the functions.
    creator = gradient.function if type(gradient) is BuiltinFunction else gradient
    kind = _CREATORS.get(creator) if callable(creator) else None
    if kind == "like":
        gradient = gradient(output)
    elif kind == "shape":
        gradient = gradient(*output.array.shape)
    if isinstance(gradient, (list, tuple, int, float)) and not isinstance(gradient, bool):
        gradient = Tensor(np.asarray(_to_nested_numbers(gradient), dtype=output.array.dtype))
        if gradient.array.shape == () and output.array.shape != ():
            gradient = Tensor(np.full(output.array.shape, gradient.array, dtype=output.array.dtype))
    if type(gradient) is not Tensor:
        raise type_error(f"gradient must be a Tensor, a list or a number, not {type(gradient).__name__}")
    if gradient.array.shape != output.array.shape:
        raise runtime_error(
            f"Mismatch in shape: grad_output[0] has a shape of {gradient.shape} and output[0] has a shape "
            f"of {output.shape}.")
    if gradient.array.dtype.kind != output.array.dtype.kind:
        raise runtime_error(
            f"For complex Tensors, both grad_output and output are required to have the same dtype. Mismatch "
            f"in dtype: grad_output[0] has a dtype of {gradient.dtype} and output[0] has a dtype of {output.dtype}.")
    if gradient.array.dtype != output.array.dtype:
        # PyTorch's engine casts each incoming gradient to its output's dtype.
        gradient = ops.to_dtype(gradient, output.dtype)
    return gradient


def _implicit_seed(output: Tensor) -> Tensor:
    array = output.array
    if array.size != 1:
        raise runtime_error("grad can be implicitly created only for scalar outputs")
    seed = np.empty(array.shape, array.dtype)
    seed.fill(1)  # np.ones is a Python function around these two calls: half its cost
    return Tensor(seed)


def _check_differentiable(outputs: Sequence[Tensor]) -> None:
    for i, output in enumerate(outputs):
        if type(output) is not Tensor:
            raise type_error(f"backward(): expected a Tensor, got {type(output).__name__}")
        if not output.requires_grad:
            raise _not_differentiable(i)


def _not_differentiable(index: int) -> AutodiffError:
    return runtime_error(f"element {index} of tensors does not require grad and does not have a grad_fn")


def _pytorch_gradients(grad_tensors: Any, count: int) -> list[Any]:
    """The gradients as PyTorch's autograd.backward takes them (in a script that imports torch): None, a Tensor,
    or a sequence of Tensors and Nones; anything else is PyTorch's TypeError."""
    if grad_tensors is None:
        return [None] * count
    if type(grad_tensors) is Tensor:
        return [grad_tensors]
    if isinstance(grad_tensors, (list, tuple)):
        items = list(grad_tensors)
    else:
        try:
            items = list(iter(grad_tensors))
        except TypeError:
            name = "builtin_function_or_method" if type(grad_tensors) is BuiltinFunction else type_name(grad_tensors)
            raise type_error(f"'{name}' object is not iterable") from None
    for item in items:
        if item is not None and type(item) is not Tensor:
            raise type_error(f"gradients can be either Tensors or None, but got {type_name(item)}")
    return items


def tensor_backward(self: Tensor, gradient: Any = None, retain_graph: Any = None, create_graph: bool = False,
                    inputs: Any = None) -> None:
    if gradient is None and not create_graph and inputs is None:
        # `loss.backward()`, a training loop's every step: what _backward does for it, without its general steps.
        if not self.requires_grad:
            raise _not_differentiable(0)
        autograd.run_backward((self,), (_implicit_seed(self),), retain_graph=bool(retain_graph),
                              create_graph=False)
        return
    if pytorch_spelling():
        _backward([self], _pytorch_gradients(gradient, 1), retain_graph, create_graph, inputs)
        return
    _backward([self], [gradient], retain_graph, create_graph, inputs)


def autograd_backward(tensors: Any, grad_tensors: Any = None, retain_graph: Any = None, create_graph: bool = False,
                      inputs: Any = None, grad_variables: Any = None) -> None:
    """`torch.autograd.backward(tensors, grad_tensors)`: one gradient per output tensor."""
    outputs = [tensors] if type(tensors) is Tensor else list(tensors)
    if grad_tensors is None:
        grad_tensors = grad_variables
    if pytorch_spelling():
        _backward(outputs, _pytorch_gradients(grad_tensors, len(outputs)), retain_graph, create_graph, inputs)
        return
    if grad_tensors is None:
        grads_in: list[Any] = [None] * len(outputs)
    elif isinstance(grad_tensors, (list, tuple)) and not (
            len(outputs) == 1 and grad_tensors and isinstance(grad_tensors[0], (int, float, list))):
        grads_in = list(grad_tensors)
    else:
        grads_in = [grad_tensors]
    _backward(outputs, grads_in, retain_graph, create_graph, inputs)


def _backward(outputs: list[Any], grads_in: list[Any], retain_graph: Any, create_graph: bool, inputs: Any) -> None:
    if len(grads_in) != len(outputs):
        raise runtime_error(f"got {len(grads_in)} gradients for {len(outputs)} tensors")
    _check_differentiable(outputs)
    grads = [_gradient_for(o, g) for o, g in zip(outputs, grads_in)]
    retain = create_graph if retain_graph is None else bool(retain_graph)
    if create_graph:
        warn("UserWarning", CREATE_GRAPH_WARNING)
    if inputs is not None:
        targets = [inputs] if type(inputs) is Tensor else list(inputs)
        captured = autograd.run_backward(outputs, grads, retain_graph=retain, create_graph=create_graph,
                                         capture=[t.edge() for t in targets], accumulate=False)
        from autodiff.engine.tensor import accumulate_into_grad

        for target in targets:
            grad = captured.get(target.edge())
            if grad is not None:
                accumulate_into_grad(target, grad, create_graph)
        return
    autograd.run_backward(outputs, grads, retain_graph=retain, create_graph=create_graph)


def autograd_grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: Any = None,
                  create_graph: bool = False, only_inputs: bool = True, allow_unused: Any = None,
                  is_grads_batched: bool = False, materialize_grads: bool = False) -> tuple[Tensor | None, ...]:
    output_list = [outputs] if type(outputs) is Tensor else list(outputs)
    input_list = [inputs] if type(inputs) is Tensor else list(inputs)
    if grad_outputs is None:
        grads_in: list[Any] = [None] * len(output_list)
    elif type(grad_outputs) is Tensor:
        grads_in = [grad_outputs]
    else:
        grads_in = list(grad_outputs)
    _check_differentiable(output_list)
    for target in input_list:
        if type(target) is not Tensor:
            raise type_error(f"grad(): inputs must be Tensors, got {type(target).__name__}")
        if not target.requires_grad:
            raise runtime_error("One of the differentiated Tensors does not require grad")
    grads = [_gradient_for(o, g) for o, g in zip(output_list, grads_in)]
    retain = create_graph if retain_graph is None else bool(retain_graph)
    edges = [t.edge() for t in input_list]
    captured = autograd.run_backward(output_list, grads, retain_graph=retain, create_graph=create_graph,
                                     capture=edges, accumulate=False)
    allow = materialize_grads if allow_unused is None else bool(allow_unused)
    results: list[Tensor | None] = []
    for target, edge in zip(input_list, edges):
        grad = captured.get(edge)
        if grad is None:
            if materialize_grads:
                grad = Tensor(np.zeros(target.array.shape, dtype=target.array.dtype))
            elif not allow:
                raise runtime_error(
                    f"The differentiated Tensor at index {len(results)} appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior.")
        elif not create_graph:
            grad = grad.detach()
        results.append(grad)
    return tuple(results)


def design_card_backward(output: Tensor, gradient: Any = None, retain_graph: Any = None,
                         create_graph: bool = False) -> None:
    """`backward(L, ones)`: the design card's shorthand for `L.backward(ones_like(L))`."""
    if type(output) is not Tensor:
        raise type_error(f"backward() expects a Tensor first, got {type(output).__name__}")
    tensor_backward(output, gradient, retain_graph, create_graph)
