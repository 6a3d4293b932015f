"""torch.autograd.functional (jacobian, hessian, vjp, jvp, hvp, vhp) and gradcheck/gradgradcheck over the engine.

Each function follows PyTorch 2.13's algorithm step by step (torch/autograd/functional.py, gradcheck.py), because
what a script sees depends on the steps, not only on the mathematics: which tensors come back as tuples, which
carry a grad_fn (and which one), how often the user's function is called (it may print), which error fires first.
- Inputs are copied before the call (`view_as` when create_graph keeps their history, else `detach`), results are
  detached unless create_graph=True, and tuples are unwrapped exactly where PyTorch unwraps them.
- jvp and hvp use the double-backward trick: differentiate the vjp with respect to a dummy grad_output.
- gradcheck compares, for every differentiable (input, output) pair, the analytical Jacobian (one autograd.grad per
  output element) with central finite differences taken in the input's own dtype, as PyTorch does; float32 inputs
  get PyTorch's warning. fast_mode projects both Jacobians on the same random vectors PyTorch draws from a fresh
  `torch.Generator()`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autodiff.engine import autograd, ops
from autodiff.engine.tensor import Tensor
from autodiff.errors import AutodiffError, runtime_error, type_error, warn, warn_once

# How deeply the script is inside these builtins: `autodiff check` leaves the backward passes they run to them.
inside = 0


def _builtin(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        global inside
        inside += 1
        try:
            return function(*args, **kwargs)
        finally:
            inside -= 1

    return call


# --- helpers shared by the functional API (torch/autograd/functional.py) -------------------------------------


def _python_type(value: Any) -> str:
    """How `type(value)` prints in PyTorch's messages: `<class 'torch.Tensor'>`, `<class 'list'>`."""
    if type(value) is Tensor:
        return "<class 'torch.Tensor'>"
    from autodiff.language.protocol import type_name

    name = type_name(value)
    return f"<class '{'function' if name == 'object' and callable(value) else name}'>"


def _as_tuple(value: Any, arg_name: str, fn_name: str) -> tuple[bool, tuple[Tensor, ...]]:
    """(was it a tuple, the tensors as a tuple); anything but a Tensor or a tuple of Tensors is a TypeError."""
    is_tuple = isinstance(value, tuple)
    items = value if is_tuple else (value,)
    for index, item in enumerate(items):
        if type(item) is not Tensor:
            where = f"the value at index {index}" if is_tuple else f"the given {arg_name}"
            raise type_error(
                f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but {where} has "
                f"type {_python_type(item)}.")
    return is_tuple, tuple(items)


def _tuple_postprocess(result: Any, to_unpack: bool | tuple[bool, bool]) -> Any:
    """Undo `_as_tuple`: unwrap the outer (and, for nested results, the inner) tuple where the caller gave none."""
    if isinstance(to_unpack, tuple):
        outer, inner = to_unpack
        if not inner:
            result = tuple(item[0] for item in result)
        if not outer:
            result = result[0]
    elif not to_unpack:
        result = result[0]
    return result


def _grad_preprocess(inputs: Sequence[Tensor], create_graph: bool, need_graph: bool) -> tuple[Tensor, ...]:
    """New tensor objects for the inputs: a differentiable view when create_graph keeps their history."""
    from autodiff.torch.tensor import requires_grad_

    return tuple(
        ops.view_as(t, t) if create_graph and t.requires_grad else requires_grad_(t.detach(), need_graph)
        for t in inputs)


def _grad_postprocess(values: Sequence[Any], create_graph: bool) -> tuple[Any, ...]:
    if values and type(values[0]) is Tensor:
        return tuple(values) if create_graph else tuple(t.detach() for t in values)
    return tuple(_grad_postprocess(inner, create_graph) for inner in values)


def _validate_v(v: Sequence[Tensor], other: Sequence[Tensor], is_other_tuple: bool) -> None:
    if len(other) != len(v):
        if is_other_tuple:
            raise runtime_error(f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}.")
        raise runtime_error("The given v should contain a single Tensor.")
    for index, (el_v, el_other) in enumerate(zip(v, other, strict=True)):
        if el_v.shape != el_other.shape:
            prefix = f"Entry {index} in " if is_other_tuple else ""
            raise runtime_error(f"{prefix}v has invalid size: should be {el_other.shape} but got {el_v.shape}.")


_STRICT_MESSAGES = {
    "hessian": ("The hessian of the user-provided function with respect to input {i} is independent of the input. "
                "This is not allowed in strict mode. You should ensure that your function is thrice differentiable "
                "and that the hessian depends on the inputs."),
    "jacobian": ("While computing the hessian, found that the jacobian of the user-provided function with respect "
                 "to input {i} is independent of the input. This is not allowed in strict mode. You should ensure "
                 "that your function is twice differentiable and that the jacobian depends on the inputs (this "
                 "would be violated by a linear function for example)."),
    "grad_inputs": ("The gradient with respect to input {i} is independent of the inputs of the user-provided "
                    "function. This is not allowed in strict mode."),
    "outputs": ("Output {i} of the user-provided function does not require gradients. The outputs must be computed "
                "in a differentiable manner from the input when running in strict mode."),
}


def _check_requires_grad(values: Sequence[Tensor | None], input_type: str, strict: bool) -> None:
    if not strict:
        return
    for i, value in enumerate(values):
        if value is None:
            raise runtime_error(f"The output of the user-provided function is independent of input {i}. This is "
                                "not allowed in strict mode.")
        if not value.requires_grad:
            raise runtime_error(_STRICT_MESSAGES[input_type].format(i=i))


def _autograd_grad(outputs: Sequence[Tensor | None], inputs: Sequence[Tensor],
                   grad_outputs: Sequence[Tensor | None] | None = None, create_graph: bool = False,
                   retain_graph: bool | None = None) -> tuple[Tensor | None, ...]:
    """autograd.grad over the outputs that require grad (None for an input none of them reaches)."""
    from autodiff.torch.autograd.backward import autograd_grad

    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = zip(outputs, grad_outputs, strict=True)
    kept = [(out, grad) for out, grad in pairs if out is not None and out.requires_grad]
    if not kept:
        return (None,) * len(inputs)
    return autograd_grad([out for out, _ in kept], list(inputs), [grad for _, grad in kept], allow_unused=True,
                         create_graph=create_graph, retain_graph=retain_graph)


_ZERO_MESSAGES = {
    "back": "The output of the user-provided function is independent of input {i}. This is not allowed in "
            "strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the grad_outputs when "
                  "using the double backward trick to compute forward mode gradients. This is not allowed in "
                  "strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. This is not allowed "
                   "in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {i} in the "
                         "grad_jacobian. This is not allowed in strict mode as it prevents from using the double "
                         "backward trick to replace forward mode AD.",
}


def _fill_in_zeros(grads: Sequence[Tensor | None], refs: Sequence[Tensor], strict: bool, create_graph: bool,
                   stage: str) -> tuple[Tensor, ...]:
    """Zeros for the inputs autograd did not reach (an error in strict mode)."""
    result = []
    for i, grad in enumerate(grads):
        if grad is None:
            if strict:
                raise runtime_error(_ZERO_MESSAGES[stage].format(i=i))
            grad = ops.zeros_like(refs[i])
        elif strict and create_graph and not grad.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise runtime_error(f"The {what} of the user-provided function is independent of input {i}. This is "
                                "not allowed in strict mode when create_graph=True.")
        result.append(grad)
    return tuple(result)


def _call(func: Callable[..., Any], inputs: Sequence[Tensor]) -> Any:
    if not callable(func):
        raise type_error(f"'{_python_type(func)[8:-2]}' object is not callable")
    return func(*inputs)


def _need_v(v: Any, inputs: tuple[Tensor, ...], create_graph: bool, is_tuple: bool,
            fn_name: str) -> tuple[Tensor, ...] | None:
    """Check and copy the `v` of jvp/hvp/vhp (the shape of the inputs); None only for a one-element input."""
    if v is None:
        if len(inputs) != 1 or inputs[0].numel() != 1:
            raise runtime_error("The vector v can only be None if the input to the user-provided function is a "
                                "single Tensor with a single element.")
        return None
    _, v_tuple = _as_tuple(v, "v", fn_name)
    v_tuple = _grad_preprocess(v_tuple, create_graph=create_graph, need_graph=False)
    _validate_v(v_tuple, inputs, is_tuple)
    return v_tuple


def _single_output(outputs: tuple[Tensor, ...], is_tuple: bool, fn_name: str) -> None:
    if is_tuple or type(outputs[0]) is not Tensor:
        raise runtime_error(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise runtime_error(f"The Tensor returned by the function given to {fn_name} should contain a single element")


def _grad_mode(create_graph: bool) -> autograd.GradMode:
    """The mode of the final backward: recording with create_graph, else whatever the caller had."""
    return autograd.GradMode(True if create_graph else autograd.is_grad_enabled(), "set_grad_enabled")


# --- the public functional API -------------------------------------------------------------------------------


@_builtin
def vjp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), v^T J): the vector-Jacobian product, shaped like the inputs."""
    with autograd.GradMode(True, "enable_grad"):
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        is_outputs_tuple, outputs = _as_tuple(_call(func, inputs), "outputs of the user-provided function", "vjp")
        _check_requires_grad(outputs, "outputs", strict=strict)
        if v is not None:
            _, v = _as_tuple(v, "v", "vjp")
            v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
            _validate_v(v, outputs, is_outputs_tuple)
        elif len(outputs) != 1 or outputs[0].numel() != 1:
            raise runtime_error("The vector v can only be None if the user-provided function returns a single "
                                "Tensor with a single element.")
    return _product(outputs, is_outputs_tuple, (outputs, inputs, v), inputs, is_inputs_tuple, "back", create_graph,
                    strict)


@_builtin
def jvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), J v), by the double-backward trick: J v is the gradient of (u^T J) v with respect to u."""
    with autograd.GradMode(True, "enable_grad"):
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        v = _need_v(v, inputs, create_graph, is_inputs_tuple, "jvp")
        is_outputs_tuple, outputs = _as_tuple(_call(func, inputs), "outputs of the user-provided function", "jvp")
        _check_requires_grad(outputs, "outputs", strict=strict)
        # The backward pass is linear in grad_outputs, so their value (zeros) never reaches the result.
        grad_outputs = tuple(ops.zeros_like(out, requires_grad=True) for out in outputs)
        grad_inputs = _autograd_grad(outputs, inputs, grad_outputs, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict=strict)
    return _product(outputs, is_outputs_tuple, (grad_inputs, grad_outputs, v), outputs, is_outputs_tuple,
                    "back_trick", create_graph, strict)


@_builtin
def jacobian(func: Callable[..., Any], inputs: Any, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode") -> Any:
    """The Jacobian, one autograd.grad per output element; J[i][j] has shape outputs[i].shape + inputs[j].shape."""
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AutodiffError(
            "AssertionError", 'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
            'function has more outputs than inputs, "forward-mode" tends to be more performant. Otherwise, prefer to '
            'use "reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise _forward_with_create_graph()
        return _jacobian_forward(func, inputs, strict, vectorize)
    with autograd.GradMode(True, "enable_grad"):
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        is_outputs_tuple, outputs = _as_tuple(
            _call(func, inputs), "outputs of the user-provided function", "jacobian")
        _check_requires_grad(outputs, "outputs", strict=strict)
        if vectorize and strict:
            raise runtime_error(
                "torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not supported together. "
                "Please either set `strict=False` or `vectorize=False`.")
        # vectorize=True batches the same rows through vmap in PyTorch; row by row gives the same values.
        result = tuple(_jacobian_of_output(i, out, inputs, create_graph, strict) for i, out in enumerate(outputs))
        result = _grad_postprocess(result, create_graph)
        return _tuple_postprocess(result, (is_outputs_tuple, is_inputs_tuple))


def _jacobian_of_output(i: int, out: Tensor, inputs: tuple[Tensor, ...], create_graph: bool,
                        strict: bool) -> tuple[Tensor, ...]:
    rows: list[list[Tensor]] = [[] for _ in inputs]
    flat = ops.reshape(out, -1)
    for j in range(out.numel()):
        grads = _autograd_grad((ops.select(flat, 0, j),), inputs, retain_graph=True, create_graph=create_graph)
        for index, (row, grad, inp) in enumerate(zip(rows, grads, inputs, strict=True)):
            if grad is not None:
                if strict and create_graph and not grad.requires_grad:
                    raise runtime_error(f"The jacobian of the user-provided function is independent of input {i}. "
                                        "This is not allowed in strict mode when create_graph=True.")
                row.append(grad)
            else:
                if strict:
                    raise runtime_error(f"Output {i} of the user-provided function is independent of input {index}. "
                                        "This is not allowed in strict mode.")
                row.append(ops.zeros_like(inp))
    return tuple(ops.view(ops.stack(row, 0), (*out.shape, *inp.shape)) for row, inp in zip(rows, inputs, strict=True))


def _jacobian_forward(func: Callable[..., Any], inputs: Any, strict: bool, vectorize: bool, *,
                      inputs_made_differentiable: bool = False) -> Any:
    """strategy="forward-mode": the same Jacobian in the outputs' dtype, nested in lists as PyTorch's returns it.

    A tangent carries history when it depends on an input that requires grad (the forward formulas read the
    primal values): then, as in PyTorch, its last op is the reshape that lays it out (a view when one of the
    two sizes is 1). hessian's forward strategy makes every input require grad.
    """
    if strict:
        raise runtime_error(
            'torch.autograd.functional.jacobian: `strict=True` and `strategy="forward-mode"` are not supported '
            'together (yet). Please either set `strict=False` or `strategy="reverse-mode"`.')
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    if not vectorize:
        raise AutodiffError("NotImplementedError", "Computing Jacobian using forward-AD or forward-over-reverse "
                            "Hessian isonly implemented for `vectorize=True`.")
    _warn_forward_ad()
    with autograd.GradMode(True, "enable_grad"):
        copies = _grad_preprocess(inputs, create_graph=True, need_graph=True)
        watched = [copy for copy, inp in zip(copies, inputs, strict=True)
                   if inp.requires_grad or inputs_made_differentiable]
        is_outputs_tuple, outputs = _as_tuple(_call(func, copies), "outputs", "None")
        result = []
        for i, out in enumerate(outputs):
            jacobians = _jacobian_of_output(i, out, copies, True, False)
            if not any(_depends_on(jac, watched) for jac in jacobians):
                result.append([ops.to_dtype(jac.detach(), out.dtype) for jac in jacobians])
                continue
            # One tangent per output, cut per input: every piece shares the history.
            whole = ops.cat([ops.reshape(jac, (out.numel(), inp.numel())) for jac, inp in zip(
                jacobians, inputs, strict=True)], 1)
            row, start = [], 0
            for jac, inp in zip(jacobians, inputs, strict=True):
                piece = ops.narrow(whole, 1, start, inp.numel())
                start += inp.numel()
                name = "ViewBackward0" if inp.numel() == 1 or out.numel() == 1 else "ReshapeAliasBackward0"
                shape = jac.array.shape
                row.append(ops.to_dtype(ops._record(piece.array.reshape(shape), name, (piece,),
                                                    lambda g, n=piece.array.shape: (ops.reshape(g, n),)), out.dtype))
            result.append(row)
    return _tuple_postprocess(result, (is_outputs_tuple, is_inputs_tuple))


def _depends_on(tensor: Tensor, sources: Sequence[Tensor]) -> bool:
    """Whether the graph behind `tensor` reaches one of `sources`."""
    targets = {source.edge() for source in sources} - {None}
    stack = [tensor.grad_fn] if tensor.grad_fn is not None else []
    seen = set()
    while stack:
        node = stack.pop()
        if node in targets:
            return True
        for child in node.next_nodes:
            if child is not None and child not in seen:
                seen.add(child)
                stack.append(child)
    return False


def _forward_with_create_graph() -> AutodiffError:
    return AutodiffError(
        "NotImplementedError", "torch.autograd.functional.jacobian: `create_graph=True` and "
        '`strategy="forward-mode"` are not supported together (yet). Please either set `create_graph=False` '
        'or `strategy="reverse-mode"`.')


@_builtin
def hessian(func: Callable[..., Any], inputs: Any, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of a one-element function: the Jacobian of its Jacobian; H[i][j] for inputs i and j."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AutodiffError("AssertionError", 'Expected strategy to be either "forward-mode" or "reverse-mode".')

    def single_output(*inp: Tensor) -> Tensor:
        out = _call(func, inp)
        is_out_tuple, t_out = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(t_out, "outputs", strict=strict)
        _single_output(t_out, is_out_tuple, "hessian")
        return ops.squeeze(out)

    def jac_func(*inp: Tensor) -> Any:
        if outer_jacobian_strategy == "forward-mode":
            from autodiff.torch.tensor import requires_grad_

            inp = tuple(requires_grad_(t, True) for t in inp)
        jac = jacobian(single_output, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict=strict)
        return jac

    if outer_jacobian_strategy == "forward-mode":
        if create_graph:
            raise _forward_with_create_graph()
        result = _jacobian_forward(jac_func, inputs, strict, vectorize, inputs_made_differentiable=True)
    else:
        result = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize)
    return _tuple_postprocess(result, (is_inputs_tuple, is_inputs_tuple))


def _gradient_of_scalar(func: Callable[..., Any], inputs: Any, v: Any, create_graph: bool, strict: bool,
                        fn_name: str) -> tuple[bool, tuple[Tensor, ...], Any, bool, tuple[Tensor, ...], Any]:
    """The first half of vhp and hvp: checked inputs and v, the one-element output, its gradient with history."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", fn_name)
    inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
    v = _need_v(v, inputs, create_graph, is_inputs_tuple, fn_name)
    is_outputs_tuple, outputs = _as_tuple(_call(func, inputs), "outputs of the user-provided function", fn_name)
    _check_requires_grad(outputs, "outputs", strict=strict)
    _single_output(outputs, is_outputs_tuple, fn_name)
    jac = _autograd_grad(outputs, inputs, create_graph=True)
    _check_requires_grad(jac, "jacobian", strict=strict)
    return is_inputs_tuple, inputs, v, is_outputs_tuple, outputs, jac


def _product(outputs: tuple[Tensor, ...], is_outputs_tuple: bool, grad_args: tuple[Any, Any, Any],
             refs: tuple[Tensor, ...], is_result_tuple: bool, stage: str, create_graph: bool, strict: bool) -> Any:
    """The last backward of every product: autograd.grad(*grad_args), zeros where nothing flowed, unwrapped."""
    targets, wrt, v = grad_args
    with _grad_mode(create_graph):
        result = _fill_in_zeros(_autograd_grad(targets, wrt, v, create_graph=create_graph), refs, strict,
                                create_graph, stage)
    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(result, is_result_tuple)


@_builtin
def vhp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), v^T H) for a one-element function."""
    with autograd.GradMode(True, "enable_grad"):
        is_inputs_tuple, inputs, v, is_outputs_tuple, outputs, jac = _gradient_of_scalar(
            func, inputs, v, create_graph, strict, "vhp")
    return _product(outputs, is_outputs_tuple, (jac, inputs, v), inputs, is_inputs_tuple, "double_back",
                    create_graph, strict)


@_builtin
def hvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), H v) for a one-element function, by the double-backward trick on the gradient."""
    with autograd.GradMode(True, "enable_grad"):
        is_inputs_tuple, inputs, v, is_outputs_tuple, outputs, jac = _gradient_of_scalar(
            func, inputs, v, create_graph, strict, "hvp")
        grad_jac = tuple(ops.zeros_like(inp, requires_grad=True) for inp in inputs)
        double_back = _autograd_grad(jac, inputs, grad_jac, create_graph=True)
        _check_requires_grad(jac, "hessian", strict=strict)
    return _product(outputs, is_outputs_tuple, (double_back, grad_jac, v), inputs, is_inputs_tuple,
                    "double_back_trick", create_graph, strict)


# --- gradcheck and gradgradcheck (torch/autograd/gradcheck.py) -----------------------------------------------


def _gradcheck_error(message: str) -> AutodiffError:
    """torch.autograd.gradcheck.GradcheckError, a RuntimeError subclass."""
    return AutodiffError("GradcheckError", message)


def _tuple_of(value: Any) -> tuple[Any, ...]:
    if isinstance(value, tuple):
        return value
    if isinstance(value, list):
        return tuple(value)
    return (value,)


def _needs_grad(value: Any) -> bool:
    return type(value) is Tensor and value.requires_grad


def _differentiable(outputs: Any) -> tuple[Tensor, ...]:
    return tuple(out for out in _tuple_of(outputs) if out.requires_grad)


def _check_inputs(inputs: tuple[Any, ...]) -> None:
    any_requires_grad = False
    for index, inp in enumerate(inputs):
        if not _needs_grad(inp):
            continue
        if inp.array.dtype != np.float64:
            warn("UserWarning", f"Input #{index} requires gradient and is not a double precision floating point or "
                 "complex. This check will likely fail if all the inputs are not of double precision floating point "
                 "or complex. ")
        if any(stride == 0 and size > 1 for stride, size in zip(inp.array.strides, inp.array.shape, strict=True)):
            raise runtime_error(
                f"The {index}th input has a dimension with stride 0. gradcheck only supports inputs that are "
                "non-overlapping to be able to compute the numerical gradients correctly. You should call "
                ".contiguous on the input before passing it to gradcheck.")
        any_requires_grad = True
    if not any_requires_grad:
        raise AutodiffError("ValueError", "gradcheck expects at least one input tensor to require gradient, but "
                            "none of them have requires_grad=True.")


def _perturbed_difference(func: Callable[..., Any], inputs: tuple[Any, ...], array: np.ndarray, index: Any,
                          delta: Any, eps: float, where: str) -> list[np.ndarray]:
    """(f(x + delta) - f(x - delta)) / 2eps per output, flattened; x is changed in place and restored."""
    original = array[index].copy()
    array[index] = original - delta
    before = [out.array.copy() for out in _tuple_of(func(*inputs))]
    array[index] = original + delta
    after = [out.array.copy() for out in _tuple_of(func(*inputs))]
    array[index] = original
    columns = []
    for low, high in zip(before, after, strict=False):
        if low.shape != high.shape:
            raise AutodiffError("AssertionError", "Expected `func` to return outputs with the same shape when inputs "
                                f"are perturbed {where}by {eps}, but got: shapes {_size(low)} and {_size(high)}.")
        if low.dtype != high.dtype:
            raise AutodiffError("AssertionError", "Expected `func` to return outputs with the same dtype when inputs "
                                f"are perturbed {where}by {eps}, but got: dtypes {_dtype(low)} and {_dtype(high)}.")
        columns.append(((high - low) / (2 * eps)).reshape(-1))
    return columns


def _size(array: np.ndarray) -> str:
    from autodiff.engine.tensor import Size

    return repr(Size(array.shape))


def _dtype(array: np.ndarray) -> str:
    return repr(Tensor(array).dtype)


def _numerical_jacobian(func: Callable[..., Any], inputs: tuple[Any, ...], outputs: tuple[Tensor, ...],
                        eps: float) -> list[list[np.ndarray]]:
    """[input][output] Jacobians of shape (input numel, output numel), by central differences, one element at a time.

    Every input that requires grad is perturbed in its own storage and dtype, as PyTorch perturbs `input.data`.
    """
    float_outputs = [out for out in outputs if out.array.dtype.kind == "f"]
    jacobians = []
    for inp in inputs:
        if not _needs_grad(inp):
            continue
        array = inp.array
        matrices = [np.zeros((array.size, out.array.size), dtype=out.array.dtype) for out in float_outputs]
        for flat_index, index in enumerate(np.ndindex(array.shape)):
            columns = _perturbed_difference(func, inputs, array, index, eps, eps, f"on index {index} ")
            for matrix, column in zip(matrices, columns, strict=False):
                matrix[flat_index] = column
        jacobians.append(matrices)
    return jacobians


def _vjp_rows(output: Tensor, diff_inputs: list[Tensor], grad_output: Tensor) -> tuple[Tensor | None, ...]:
    from autodiff.torch.autograd.backward import autograd_grad

    return autograd_grad(output, diff_inputs, grad_output, retain_graph=True, allow_unused=True)


def _stack_columns(columns: list[tuple[Tensor | None, ...]], diff_inputs: list[Tensor], width: int,
                   check_grad_dtypes: bool) -> list[np.ndarray]:
    """Per input, an (input numel, width) matrix in the input's dtype whose column j is the j-th vjp."""
    matrices = [np.zeros((inp.array.size, width), dtype=inp.array.dtype) for inp in diff_inputs]
    sizes_ok = types_ok = True
    for j, grads in enumerate(columns):
        for matrix, grad, inp in zip(matrices, grads, diff_inputs, strict=True):
            if grad is None:
                continue
            if grad.array.shape != inp.array.shape:
                sizes_ok = False
            elif grad.array.dtype != inp.array.dtype:
                types_ok = False
            matrix[:, j] = grad.array.reshape(-1)
    if not types_ok and check_grad_dtypes:
        raise _gradcheck_error("Gradient has dtype mismatch")
    if not sizes_ok:
        raise _gradcheck_error("Analytical gradient has incorrect size")
    return matrices


def _analytical_jacobian(inputs: tuple[Any, ...], output: Tensor, check_grad_dtypes: bool) -> list[np.ndarray]:
    """Per input, d output / d input as (input numel, output numel): one vjp per output element."""
    diff_inputs = [inp for inp in inputs if _needs_grad(inp)]
    columns = []
    for j in range(output.array.size):
        basis = np.zeros(output.array.size, dtype=output.array.dtype)
        basis[j] = 1
        columns.append(_vjp_rows(output, diff_inputs, Tensor(basis.reshape(output.array.shape))))
    return _stack_columns(columns, diff_inputs, output.array.size, check_grad_dtypes)


def _allclose(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    dtype = np.promote_types(a.dtype, b.dtype)
    a, b = a.astype(dtype), b.astype(dtype)
    with np.errstate(all="ignore"):
        return bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


def _shown(array: np.ndarray) -> str:
    """How PyTorch's f-strings show a tensor: a 0-d one as its Python number, any other as its repr."""
    return repr(array.item()) if array.ndim == 0 else repr(Tensor(array))


def _mismatch(analytical: np.ndarray, numerical: np.ndarray, output_index: int, input_index: int,
              mode: str = "") -> str:
    return (f"Jacobian {mode}mismatch for output {output_index:d} with respect to input {input_index:d},\n"
            f"numerical:{_shown(numerical)}\nanalytical:{_shown(analytical)}\n")


def _slow_gradcheck(func: Callable[..., Any], func_out: Any, inputs: tuple[Any, ...], outputs: tuple[Tensor, ...],
                    eps: float, rtol: float, atol: float, check_grad_dtypes: bool) -> None:
    numerical = _numerical_per_output(func, func_out, inputs, outputs, eps)
    for i, output in enumerate(outputs):
        analytical = _analytical_jacobian(inputs, output, check_grad_dtypes)
        for j, (a, n) in enumerate(zip(analytical, numerical[i], strict=True)):
            if not _allclose(a, n, rtol, atol):
                raise _gradcheck_error(_mismatch(a, n, i, j))


def _numerical_per_output(func: Callable[..., Any], func_out: Any, inputs: tuple[Any, ...],
                          outputs: tuple[Tensor, ...], eps: float) -> list[list[np.ndarray]]:
    """[differentiable output][input] numerical Jacobians; with no differentiable output, they must all be 0."""
    all_outputs = _tuple_of(func_out)
    per_input = _numerical_jacobian(func, inputs, all_outputs, eps)
    if not outputs:
        if any(np.any(matrix != 0) for matrices in per_input for matrix in matrices):
            raise _gradcheck_error("Numerical gradient for function expected to be zero")
        return []
    per_output = [list(column) for column in zip(*per_input, strict=True)]
    return [n for out, n in zip(all_outputs, per_output, strict=False) if out.requires_grad]


# PyTorch's fast mode draws its random vectors from a fresh generator, whose default seed is this.
_FRESH_GENERATOR_SEED = 67280421310721

_FAST_FAIL_SLOW_OK = """
Fast gradcheck failed but element-wise differences are small. This means that the
test might've passed in slow_mode!

If you are adding a new operator, please file an issue and then use one of the
workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck:

If the test
- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck
  with `fast_mode=False` as a keyword argument.
- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test
  to have `gradcheck_fast_mode=False`
- is a Module test (e.g., in common_nn.py), then modify the corresponding
  module_test entry to have `gradcheck_fast_mode=False`
""".strip()


def _random_unit_vector(like: Tensor, generator: Any) -> Tensor:
    values = Tensor(generator.rand((like.array.size,), np.float32).astype(like.array.dtype))
    return ops.div(values, ops.norm(values))


def _fast_gradcheck(func: Callable[..., Any], func_out: Any, inputs: tuple[Any, ...], outputs: tuple[Tensor, ...],
                    eps: float, rtol: float, atol: float, check_grad_dtypes: bool, nondet_tol: float) -> None:
    """Compare v^T J u computed both ways, for random unit vectors u (per input) and v (per output)."""
    from autodiff.engine import rng

    generator = rng.Generator(_FRESH_GENERATOR_SEED)
    diff_inputs = [inp for inp in inputs if _needs_grad(inp)]
    all_u = [_random_unit_vector(inp, generator) for inp in diff_inputs]
    all_v = [_random_unit_vector(out, generator) for out in outputs]
    all_outputs = _tuple_of(func_out)
    numerical: list[list[Tensor]] = []
    for inp, u in zip(diff_inputs, all_u, strict=True):
        delta = (u.array.reshape(inp.array.shape) * eps).astype(inp.array.dtype)
        columns = _perturbed_difference(func, inputs, inp.array, ..., delta, eps, "")
        ju = [Tensor(column) for column, out in zip(columns, all_outputs, strict=False) if out.array.dtype.kind == "f"]
        if not outputs:
            if any(c.array.size and np.abs(c.array).max() > nondet_tol for c in ju):
                raise _gradcheck_error("Numerical gradient for function expected to be zero")
        numerical.append([ops.sum(ops.mul(v, column)) for v, column in zip(all_v, ju, strict=False)])
    analytical: list[list[Tensor]] = []
    for output, v in zip(outputs, all_v, strict=True):
        grads = _vjp_rows(output, diff_inputs, ops.reshape(v, tuple(output.shape)))
        matrices = _stack_columns([grads], diff_inputs, 1, check_grad_dtypes)
        analytical.append([ops.dot(Tensor(m.reshape(-1)), u) for m, u in zip(matrices, all_u, strict=True)])
    for i, per_input in enumerate(numerical):
        for j, n in enumerate(per_input):
            a = analytical[j][i]
            tolerance = atol * float(all_u[i].array.sum()) * float(all_v[j].array.sum())
            if not _allclose(a.array, n.array, rtol, tolerance):
                raise _gradcheck_error(_mismatch(a.array, n.array, j, i)
                                       + _slow_mode_report(func, inputs, outputs, i, j, rtol, atol, eps))


def _slow_mode_report(func: Callable[..., Any], inputs: tuple[Any, ...], outputs: tuple[Tensor, ...],
                      input_index: int, output_index: int, rtol: float, atol: float, eps: float) -> str:
    numerical = _numerical_jacobian(func, inputs, outputs, eps)[input_index][output_index]
    analytical = _analytical_jacobian(inputs, outputs[output_index], False)[input_index]
    difference = np.abs(numerical - analytical).max()
    report = ("\nThe above quantities relating the numerical and analytical jacobians are computed \n"
              "in fast mode. See: https://github.com/pytorch/pytorch/issues/53876 for more background \n"
              "about fast mode. Below, we recompute numerical and analytical jacobians in slow mode:\n\n"
              f"Numerical:\n {_shown(numerical)}\nAnalytical:\n{_shown(analytical)}\n\n"
              f"The max per-element difference (slow mode) is: {_shown(difference)}.\n")
    if _allclose(analytical, numerical, rtol, atol):
        report += _FAST_FAIL_SLOW_OK
    return report


def _warn_forward_ad() -> None:
    """PyTorch's first forward-AD use imports a module that still calls torch.jit.script (once per process)."""
    warn_once("DeprecationWarning",
              "`torch.jit.script` is deprecated. Please switch to `torch.compile` or `torch.export`.")


def _forward_gradcheck(func: Callable[..., Any], func_out: Any, inputs: tuple[Any, ...], outputs: tuple[Tensor, ...],
                       eps: float, rtol: float, atol: float, check_undefined_grad: bool) -> None:
    """check_forward_ad: the same comparison with the Jacobian forward mode gives, one call of func per input
    element as in PyTorch (forward mode is emulated here with reverse mode on detached copies of the inputs)."""
    _warn_forward_ad()
    numerical = _numerical_per_output(func, func_out, inputs, outputs, eps)
    if numerical:
        analytical = _forward_jacobian(func, inputs)
        for i, per_in in enumerate(numerical):
            for j, n in enumerate(per_in):
                a = analytical[j][i]
                if not _allclose(a, n, rtol, atol):
                    raise _gradcheck_error(_mismatch(a, n, i, j, "computed with forward mode "))
    if check_undefined_grad:
        for _ in range(2 * sum(_needs_grad(inp) for inp in inputs)):  # PyTorch's calls with zero tangents
            func(*_detached_copies(inputs))


def _detached_copies(inputs: tuple[Any, ...]) -> tuple[Any, ...]:
    from autodiff.torch.tensor import requires_grad_

    return tuple(requires_grad_(inp.detach()) if _needs_grad(inp) else inp for inp in inputs)


def _forward_jacobian(func: Callable[..., Any], inputs: tuple[Any, ...]) -> list[list[np.ndarray]]:
    """[input][float output] Jacobians (input numel, output numel) in the output's dtype, column by column."""
    result = []
    for position, inp in enumerate(inputs):
        if not _needs_grad(inp):
            continue
        matrices: list[np.ndarray] = []
        for k in range(inp.array.size):
            copies = _detached_copies(inputs)
            outs = [out for out in _tuple_of(func(*copies)) if out.array.dtype.kind == "f"]
            if not matrices:
                matrices = [np.zeros((inp.array.size, out.array.size), dtype=out.array.dtype) for out in outs]
            for matrix, out in zip(matrices, outs, strict=True):
                if out.requires_grad:
                    matrix[k] = _analytical_jacobian((copies[position],), out, False)[0][k]
        result.append(matrices)
    return result


def _check_backward_uses_grad_output(outputs: tuple[Tensor, ...], inputs: tuple[Any, ...]) -> None:
    """A zero grad_output must give zero gradients of the right dtype and size."""
    from autodiff.torch.autograd.backward import autograd_grad

    diff_inputs = [inp for inp in inputs if _needs_grad(inp)]
    grads = autograd_grad(list(outputs), diff_inputs, [ops.zeros_like(out) for out in outputs], allow_unused=True)
    for grad, inp in zip(grads, diff_inputs, strict=True):
        if grad is None:
            continue
        if np.any(grad.array != 0):
            raise _gradcheck_error("backward not multiplied by grad_output")
        if grad.array.dtype != inp.array.dtype:
            raise _gradcheck_error("grad is incorrect type")
        if grad.array.shape != inp.array.shape:
            raise _gradcheck_error("grad is incorrect size")


def _check_undefined_grad(func: Callable[..., Any], outputs: tuple[Tensor, ...], inputs: tuple[Any, ...]) -> None:
    """PyTorch re-runs func and backpropagates undefined (here: zero) grad_outputs, once more per output if several."""
    from autodiff.torch.autograd.backward import autograd_grad

    diff_inputs = [inp for inp in inputs if _needs_grad(inp)]
    runs = [_differentiable(func(*inputs))]
    if len(runs[0]) > 1:
        runs += [_differentiable(func(*inputs)) for _ in outputs]
    for run in runs:
        grads = autograd_grad(list(run), diff_inputs, [ops.zeros_like(out) for out in run], allow_unused=True)
        if any(grad is not None and np.any(grad.array != 0) for grad in grads):
            warn("UserWarning", "Backwards compatibility: New undefined gradient support checking feature is enabled "
                 "by default, but it may break existing callers of this function. If this is true for you, you can "
                 'call this function with "check_undefined_grad=False" to disable the feature')
            raise _gradcheck_error(
                "Expected all input grads to be undefined or zero when all output grads are undefined or zero. "
                'Please look at "Notes about undefined output gradients" in "tools/autograd/derivatives.yaml"')


@_builtin
def gradcheck(func: Callable[..., Any], inputs: Any, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
              check_grad_dtypes: bool = False, check_batched_grad: bool = False,
              check_batched_forward_grad: bool = False, check_forward_ad: bool = False,
              check_backward_ad: bool = True, fast_mode: bool = False, masked: bool | None = None) -> bool:
    """True when the analytical Jacobians match central finite differences; else a GradcheckError (or False)."""
    if not (check_forward_ad or check_backward_ad):
        raise AutodiffError("AssertionError",
                            "Expected at least one of check_forward_ad or check_backward_ad to be True")
    if check_batched_grad and not check_backward_ad:
        raise AutodiffError("AssertionError",
                            "Setting check_batched_grad=True requires check_backward_ad to be True")
    if check_batched_forward_grad and not check_forward_ad:
        raise AutodiffError("AssertionError",
                            "Setting check_batched_forward_grad=True requires check_forward_ad to be True")
    try:
        tupled_inputs = _tuple_of(inputs)
        _check_inputs(tupled_inputs)
        func_out = func(*tupled_inputs)
        outputs = _differentiable(func_out)
        if check_backward_ad:
            if fast_mode:
                _fast_gradcheck(func, func_out, tupled_inputs, outputs, eps, rtol, atol, check_grad_dtypes,
                                nondet_tol)
            else:
                _slow_gradcheck(func, func_out, tupled_inputs, outputs, eps, rtol, atol, check_grad_dtypes)
        if check_forward_ad:
            _forward_gradcheck(func, func_out, tupled_inputs, outputs, eps, rtol, atol, check_undefined_grad)
        if not check_backward_ad:
            return True
        _check_backward_uses_grad_output(outputs, tupled_inputs)
        if check_undefined_grad:
            _check_undefined_grad(func, outputs, tupled_inputs)
        return True
    except AutodiffError as error:
        if raise_exception or error.category != "GradcheckError":
            raise
        return False


def _random_grad_output(like: Tensor, noncontiguous: bool) -> Tensor:
    """torch.testing.make_tensor(shape, low=-1, high=1, requires_grad=True) from the default generator."""
    from autodiff.engine import rng

    dtype = like.array.dtype if like.array.dtype.kind == "f" else np.dtype(np.float64)
    shape = like.array.shape
    noncontiguous = noncontiguous and like.array.size > 1
    if noncontiguous:
        shape = (*shape[:-1], 2 * shape[-1])
    array = rng.default_generator.uniform_(np.empty(shape, dtype=dtype), -1, 1)
    if noncontiguous:
        array = array[..., 1::2]
    return Tensor(array, True)


@_builtin
def gradgradcheck(func: Callable[..., Any], inputs: Any, grad_outputs: Any = None, *, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
                  check_grad_dtypes: bool = False, check_batched_grad: bool = False,
                  check_fwd_over_rev: bool = False, check_rev_over_rev: bool = True, fast_mode: bool = False,
                  masked: bool = False) -> bool:
    """gradcheck of the function (inputs, grad_outputs) -> the gradients of func (second derivatives)."""
    if not (check_fwd_over_rev or check_rev_over_rev):
        raise AutodiffError("AssertionError",
                            "Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True")
    if check_undefined_grad and not check_rev_over_rev:
        raise AutodiffError("AssertionError",
                            "Setting check_undefined_grad=True requires check_rev_over_rev to be True")
    if check_batched_grad and not check_rev_over_rev:
        raise AutodiffError("AssertionError",
                            "Setting check_batched_grad=True requires check_rev_over_rev to be True")
    from autodiff.torch.autograd.backward import autograd_grad
    from autodiff.torch.tensor import requires_grad_

    tupled_inputs = _tuple_of(inputs)
    if grad_outputs is None:
        tupled_grad_outputs = tuple(_random_grad_output(out, gen_non_contig_grad_outputs)
                                    for out in _differentiable(func(*tupled_inputs)))
    else:
        tupled_grad_outputs = _tuple_of(grad_outputs)
    count = len(tupled_grad_outputs)
    diff_inputs = {i for i, inp in enumerate(tupled_inputs) if _needs_grad(inp)}
    diff_grad_outputs = {i for i, grad in enumerate(tupled_grad_outputs) if grad.requires_grad}

    def first_derivatives(*args: Any) -> tuple[Tensor, ...]:
        input_args = tuple(requires_grad_(x) if i in diff_inputs else x for i, x in enumerate(args[:-count]))
        outputs = _differentiable(func(*input_args))
        grads = tuple(requires_grad_(x) if i in diff_grad_outputs else x for i, x in enumerate(args[-count:]))
        wrt = [x for i, x in enumerate(input_args) if i in diff_inputs]
        grad_inputs = autograd_grad(list(outputs), wrt, list(grads), create_graph=True, allow_unused=True)
        return tuple(g for g in grad_inputs if g is not None)

    return gradcheck(first_derivatives, tupled_inputs + tupled_grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol, check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes, check_batched_grad=check_batched_grad, fast_mode=fast_mode,
                     check_forward_ad=check_fwd_over_rev, check_backward_ad=check_rev_over_rev, masked=masked)


def members() -> dict[str, dict[str, Any]]:
    """What this module adds to the script's torch namespaces (see autodiff.torch.namespace._extension_members)."""
    functional = {"vjp": vjp, "jvp": jvp, "jacobian": jacobian, "hessian": hessian, "hvp": hvp, "vhp": vhp}
    checks = {"gradcheck": gradcheck, "gradgradcheck": gradgradcheck}
    return {
        "torch.autograd.functional": functional,
        "torch.autograd.gradcheck": dict(checks),
        "torch.autograd": checks,
    }
