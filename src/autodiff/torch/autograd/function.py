"""torch.autograd.Function: an op whose forward and backward a script writes as static methods.

`MyFn.apply(*args)` runs `MyFn.forward(ctx, *args)` without recording, then, if grad mode is on and a tensor
argument requires grad, records one node named `MyFnBackward` with an edge per tensor argument; its rule calls
`MyFn.backward(ctx, *grad_outputs)`. As in PyTorch the node is the `ctx` forward saw: what forward stored on it
(`ctx.save_for_backward(...)`, `ctx.k = 3`) is readable from `y.grad_fn` too. `backward` runs under the grad mode
of the backward pass, so written with differentiable ops it can be differentiated again (create_graph=True).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autodiff.engine import autograd
from autodiff.engine.tensor import Tensor
from autodiff.errors import AutodiffError, runtime_error, type_error, warn


class FunctionCtx(autograd.Node):
    """`ctx` of a custom Function, and the graph node its outputs point to (PyTorch's `MyFnBackward` object)."""

    __slots__ = ("attributes", "to_save", "dirty", "non_differentiable", "needs_input_grad", "materialize_grads",
                 "function", "output_info")
    CLASS_PREFIX = "torch.autograd.function."  # type(ctx) prints <class 'torch.autograd.function.MyFnBackward'>

    def __init__(self, function: type[Function]):
        super().__init__(f"{function.__name__}Backward", (), None)
        self.function = function
        self.attributes: dict[str, Any] = {}
        self.to_save: tuple[Tensor | None, ...] = ()
        self.dirty: tuple[Tensor, ...] = ()
        self.non_differentiable: tuple[Tensor, ...] = ()
        self.needs_input_grad: tuple[bool, ...] = ()
        self.materialize_grads = True
        self.output_info: list[tuple[tuple[int, ...], np.dtype]] = []

    def __repr__(self) -> str:
        return f"<torch.autograd.function.{self.name} object>"

    # --- what forward calls -------------------------------------------------------------------------------------
    def save_for_backward(self, *tensors: Any) -> None:
        for index, tensor in enumerate(tensors):
            if tensor is not None and type(tensor) is not Tensor:
                raise type_error(f"save_for_backward can only save variables, but argument {index} is of type "
                                 f"{_type_name(tensor)}")
        self.to_save = tensors

    def mark_dirty(self, *tensors: Any) -> None:
        self.dirty = tensors

    def mark_non_differentiable(self, *tensors: Any) -> None:
        self.non_differentiable = tensors

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = bool(value)

    @property
    def saved_tensors(self) -> tuple[Tensor | None, ...]:
        if self.had_saved and self.rule is None:  # freed by a backward pass without retain_graph
            raise runtime_error(autograd.FREED_MESSAGE)
        if self.saved:
            self.check_saved()
        return tuple(self.to_save)

    # --- arbitrary attributes (`ctx.k = 3`): a script reaches them through the ctx's attribute table, Python code
    # (a Function written in Python) as ordinary attributes ------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        attributes = object.__getattribute__(self, "attributes")
        if name in attributes:
            return attributes[name]
        raise AttributeError(f"'{self.name}' object has no attribute '{name}'")

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _CTX_SLOTS:
            object.__setattr__(self, name, value)
        else:
            self.attributes[name] = value

    def get(self, name: str) -> Any:
        try:
            return self.attributes[name]
        except KeyError:
            raise AutodiffError("AttributeError",
                                f"'{self.name}' object has no attribute '{name}'") from None

    def set(self, name: str, value: Any) -> None:
        self.attributes[name] = value


_CTX_SLOTS = frozenset(name for cls in FunctionCtx.__mro__ for name in getattr(cls, "__slots__", ()))


def _type_name(value: Any) -> str:
    from autodiff.language.protocol import type_name

    return type_name(value)


def _is_overridden(cls: type, name: str) -> bool:
    return getattr(cls, name, None) is not getattr(Function, name, None)


class Function:
    """Subclass it with static `forward(ctx, *args)` and `backward(ctx, *grad_outputs)`; call `Sub.apply(...)`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        warn("DeprecationWarning",
             f"{_class_repr(type(self))} should not be instantiated. Methods on autograd functions are all static, so "
             "you should invoke them on the class itself. Instantiating an autograd function will raise an error in "
             "a future version of PyTorch.")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise runtime_error(
            "Legacy autograd function with non-static forward method is deprecated. Please use new-style autograd "
            "function with static forward method. (Example: "
            "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        raise AutodiffError("NotImplementedError",
                            "You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> Any:
        raise AutodiffError("NotImplementedError", "setup_context is not implemented.")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        raise AutodiffError("NotImplementedError",
                            "You must implement either the backward or vjp method for your custom autograd.Function "
                            "to use it with backward mode AD.")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        if cls is Function:
            raise AutodiffError("NotImplementedError",
                                "You must implement the forward function for custom autograd.Function.")
        ctx = FunctionCtx(cls)
        ctx.needs_input_grad = tuple(type(a) is Tensor and a.requires_grad for a in args)
        tensor_args = [a for a in args if type(a) is Tensor]
        recording = autograd.is_grad_enabled() and any(a.requires_grad for a in tensor_args)
        with autograd.GradMode(False, "no_grad"):
            if _is_overridden(cls, "setup_context"):
                outputs = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, outputs)
            else:
                outputs = cls.forward(ctx, *args, **kwargs)
        if not recording:
            return outputs
        return _record(cls, ctx, args, tensor_args, outputs)


def _class_repr(cls: type) -> str:
    return f"<class '{cls.__module__}.{cls.__qualname__}'>"


def _record(cls: type[Function], ctx: FunctionCtx, args: tuple[Any, ...], tensor_args: list[Tensor],
            outputs: Any) -> Any:
    """Point the outputs of forward at the ctx node and give the node its edges, rule and saved tensors."""
    as_tuple = isinstance(outputs, tuple)
    results = list(outputs) if as_tuple else [outputs]
    dirty = {id(t) for t in ctx.dirty}
    non_differentiable = {id(t) for t in ctx.non_differentiable}
    inputs = {id(t) for t in tensor_args}
    for tensor in ctx.dirty:
        if type(tensor) is Tensor and tensor.requires_grad and tensor.grad_fn is None:
            raise runtime_error("a leaf Variable that requires grad has been used in an in-place operation.")
    ctx.next_nodes = tuple(a.edge() for a in tensor_args)
    ctx.input_shapes = tuple(a.array.shape for a in tensor_args)
    ctx.output_info = [(r.array.shape, r.array.dtype) if type(r) is Tensor else ((), np.dtype(np.float32))
                       for r in results]
    differentiable = [index for index, r in enumerate(results)
                      if type(r) is Tensor and id(r) not in non_differentiable and r.array.dtype.kind == "f"]
    several = len(results) > 1
    for index in differentiable:
        tensor = results[index]
        if id(tensor) in inputs and id(tensor) not in dirty:
            # An input returned unchanged comes back as a new tensor over the same data (PyTorch's view).
            alias = Tensor(tensor.array)
            alias._version = tensor._version
            results[index] = tensor = alias
        tensor.grad_fn = autograd.OutputSlot(ctx, index) if several else ctx
        tensor.requires_grad = True
    # Saved tensors are checked for in-place changes and freed after a backward pass without retain_graph.
    ctx.saved = tuple(t for t in ctx.to_save if t is not None)
    ctx.saved_versions = autograd.watch_versions(ctx.saved)
    ctx.had_saved = bool(ctx.saved)
    ctx.rule = _rule(cls, ctx, args, len(results))
    return tuple(results) if as_tuple else results[0]


def _rule(cls: type[Function], ctx: FunctionCtx, args: tuple[Any, ...], count: int) -> autograd.BackwardRule:
    def rule(grad: Any) -> tuple[Tensor | None, ...]:
        grads = autograd.output_grads(grad, count)
        if ctx.materialize_grads:
            grads = [g if g is not None else Tensor(np.zeros(shape, dtype=dtype))
                     for g, (shape, dtype) in zip(grads, ctx.output_info)]
        result = cls.backward(ctx, *grads)
        return _input_gradients(ctx, args, result)

    return rule


def _input_gradients(ctx: FunctionCtx, args: tuple[Any, ...], result: Any) -> tuple[Tensor | None, ...]:
    """backward's return value checked as PyTorch checks it: one entry per forward argument (extra trailing Nones
    allowed), None for every argument that is not a tensor; gradients for tensors cast and summed to their shape."""
    values = list(result) if isinstance(result, tuple) else [result]
    expected = len(args)
    if len(values) > expected and all(v is None for v in values[expected:]):
        values = values[:expected]
    if len(values) != expected:
        raise runtime_error(f"function {ctx.name} returned an incorrect number of gradients (expected {expected}, "
                            f"got {len(values)})")
    grads: list[Tensor | None] = []
    for position, (arg, value) in enumerate(zip(args, values)):
        if type(arg) is not Tensor:
            if value is not None:
                raise runtime_error(f"function {ctx.name} returned a gradient different than None at position "
                                    f"{position + 1}, but the corresponding forward input was not a Variable")
            continue
        if value is None or not arg.requires_grad:
            grads.append(None)
            continue
        if type(value) is not Tensor:
            raise type_error(f"function {ctx.name} returned a gradient of type {_type_name(value)}, expected a "
                             "Tensor or None")
        shape = arg.array.shape
        if value.array.shape != shape:
            try:
                np.broadcast_shapes(value.array.shape, shape)
                fits = np.broadcast_shapes(value.array.shape, shape) == value.array.shape
            except ValueError:
                fits = False
            if not fits:
                raise runtime_error(f"Function {ctx.name} returned an invalid gradient at index {len(grads)} - got "
                                    f"{list(value.array.shape)} but expected shape compatible with {list(shape)}")
        if value.array.dtype != arg.array.dtype:
            from autodiff.engine import ops

            value = ops.to_dtype(value, arg.dtype)
        grads.append(value)
    return tuple(grads)


def once_differentiable(backward: Callable[..., Any]) -> Callable[..., Any]:
    """Run backward without recording; if a second derivative is asked for, fail when backward reaches it."""

    def wrapper(ctx: Any, *grads: Any) -> Any:
        with autograd.GradMode(False, "no_grad"):
            outputs = backward(ctx, *grads)
        if not autograd.is_grad_enabled():
            return outputs
        sources = [g for g in grads if type(g) is Tensor and g.requires_grad]
        if not sources:
            return outputs

        def fail(grad: Tensor) -> tuple[None, ...]:
            raise runtime_error("trying to differentiate twice a function that was marked with @once_differentiable")

        node = autograd.Node("DelayedError", tuple(g.edge() for g in sources), fail)
        wrapped = []
        for value in (outputs if isinstance(outputs, tuple) else (outputs,)):
            if type(value) is Tensor:
                value = Tensor(value.array, True, node)
            wrapped.append(value)
        return tuple(wrapped) if isinstance(outputs, tuple) else wrapped[0]

    wrapper.__name__ = getattr(backward, "__name__", "backward")
    return wrapper
