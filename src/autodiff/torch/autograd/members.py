"""What torch.autograd (Function, the grad and anomaly modes, graph hooks) adds to the script's namespaces, and the
attribute tables of a custom Function's ctx."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autodiff.engine import autograd
from autodiff.language.protocol import TypeTable, allow_subclassing, register, register_class
from autodiff.torch.autograd import anomaly_mode, grad_mode, graph
from autodiff.torch.autograd.function import Function, FunctionCtx, once_differentiable

_CTX_GETTERS: dict[str, Callable[[FunctionCtx], Any]] = {
    "saved_tensors": lambda ctx: ctx.saved_tensors,
    "needs_input_grad": lambda ctx: ctx.needs_input_grad,
    "next_functions": lambda ctx: ctx.next_functions,
    "materialize_grads": lambda ctx: ctx.materialize_grads,
}
_CTX_METHODS: dict[str, Callable[..., Any]] = {
    "save_for_backward": FunctionCtx.save_for_backward, "mark_dirty": FunctionCtx.mark_dirty,
    "mark_non_differentiable": FunctionCtx.mark_non_differentiable,
    "set_materialize_grads": FunctionCtx.set_materialize_grads, "name": lambda ctx: ctx.name,
    "register_hook": graph.node_register_hook, "register_prehook": graph.node_register_prehook,
}


class _CtxGetters(dict):
    """The fixed attributes of a ctx, then whatever forward stored on it (`ctx.k = 3`)."""

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        found = dict.get(self, name)
        if found is not None or name in _CTX_METHODS:
            return found if found is not None else default
        return lambda ctx: ctx.get(name)


class _CtxSetters(dict):
    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        if name in _CTX_GETTERS or name in _CTX_METHODS:
            return default
        return lambda ctx, value: ctx.set(name, value)


def register_tables() -> None:
    register(FunctionCtx, TypeTable("FunctionCtx", getters=_CtxGetters(_CTX_GETTERS), setters=_CtxSetters(),
                                    methods=dict(_CTX_METHODS)))
    register(anomaly_mode._AnomalyMode, TypeTable("anomaly_mode"))
    # `class MyFn(torch.autograd.Function)` in a script, and `MyFn.apply(...)` on it
    allow_subclassing(Function)
    register_class(Function, TypeTable("type", methods={"apply": lambda cls, *args, **kwargs: cls.apply(*args,
                                                                                                        **kwargs)}))


def members() -> dict[str, dict[str, Any]]:
    """The extension hook: torch.autograd, torch.autograd.function, torch.autograd.grad_mode, torch.autograd.graph
    and the torch-level switches."""
    register_tables()
    modes = {"no_grad": grad_mode.no_grad, "enable_grad": grad_mode.enable_grad,
             "set_grad_enabled": grad_mode.set_grad_enabled, "inference_mode": grad_mode.inference_mode}
    anomaly = {"detect_anomaly": anomaly_mode.detect_anomaly, "set_detect_anomaly": anomaly_mode.set_detect_anomaly}
    return {
        "torch": {**modes, "is_grad_enabled": autograd.is_grad_enabled,
                  "is_anomaly_enabled": autograd.is_anomaly_enabled,
                  "is_anomaly_check_nan_enabled": autograd.is_anomaly_check_nan_enabled},
        "torch.autograd": {"Function": Function, **anomaly, **modes},
        "torch.autograd.function": {"Function": Function, "once_differentiable": once_differentiable,
                                    "FunctionCtx": FunctionCtx},
        "torch.autograd.grad_mode": dict(modes),
        "torch.autograd.anomaly_mode": dict(anomaly),
    }
