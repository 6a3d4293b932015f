"""torch.optim: SGD, Adam and AdamW with PyTorch's single-tensor update formulas, operation for operation.

Each step works on the parameters' NumPy storage in the parameter's dtype, in the order of
torch/optim/sgd.py and adam.py (`_single_tensor_*`, the path PyTorch takes on the CPU), using the rounding
of PyTorch's CPU kernels: `add(x, alpha=a)`, `addcmul` and `lerp` are fused multiply-adds; scalars are
cast to the tensor's dtype first. Hyper-parameters that PyTorch keeps as Python floats (bias corrections,
step sizes) are Python floats here too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autodiff.engine import autograd
from autodiff.engine.tensor import Tensor, float32, reset_grad
from autodiff.errors import AutodiffError, type_error, value_error
from autodiff.language.protocol import TypeTable, register

# --- PyTorch's CPU kernels on arrays -------------------------------------------------------------------------


def _fma(a: Any, b: Any, c: np.ndarray) -> np.ndarray:
    """fma(a, b, c) rounded once in c's dtype, as PyTorch's vectorised kernels compute it."""
    from autodiff.engine.rng import _fma32, _fma64

    if c.dtype == np.float32:
        return np.asarray(_fma32(a, b, c), dtype=np.float32)
    return np.asarray(_fma64(a, b, c), dtype=c.dtype)


def _add(x: np.ndarray, y: np.ndarray, alpha: float = 1) -> np.ndarray:
    """`x.add(y, alpha=alpha)`: x + alpha * y with one rounding (alpha cast to x's dtype)."""
    if alpha == 1:
        return x + y
    return _fma(y, x.dtype.type(alpha), x)


def _lerp(start: np.ndarray, end: np.ndarray, weight: float) -> np.ndarray:
    """`start.lerp_(end, weight)` for a scalar weight (PyTorch's two-sided formula)."""
    w = start.dtype.type(weight)
    diff = end - start
    if abs(w) < 0.5:
        return _fma(w, diff, start)
    return _fma(-diff, start.dtype.type(1) - w, end)


def _addcmul(x: np.ndarray, t1: np.ndarray, t2: np.ndarray, value: float) -> np.ndarray:
    """`x.addcmul_(t1, t2, value=v)`: fma(v * t1, t2, x)."""
    return _fma(x.dtype.type(value) * t1, t2, x)


def _addcdiv(x: np.ndarray, t1: np.ndarray, t2: np.ndarray, value: float) -> np.ndarray:
    """`x.addcdiv_(t1, t2, value=v)`: x + v * t1 / t2, each operation rounded."""
    return x + x.dtype.type(value) * t1 / t2


def _write(param: Tensor, values: np.ndarray) -> None:
    np.copyto(param.array, values, casting="unsafe")
    param.bump_version()


# --- the optimizer base ----------------------------------------------------------------------------------------

_REQUIRED = object()


class Optimizer:
    """Parameter groups (lists of dicts as in PyTorch), per-parameter state, zero_grad, and printing."""

    def __init__(self, params: Any, defaults: dict[str, Any]):
        self.defaults = defaults
        if type(params) is Tensor:
            raise type_error("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                             f"but got {params.type_label()}")
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise value_error("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        if not isinstance(group, dict):
            raise type_error(f"param_group must be a dict, but got {_type_name(group)}")
        params = group["params"]
        if type(params) is Tensor:
            params = [params]
        elif isinstance(params, set):
            raise type_error("optimizer parameters need to be organized in ordered collections, but the ordering of "
                             "tensors in sets will change between runs. Please use a list instead.")
        tensors, names = [], []
        for param in list(params):
            if isinstance(param, tuple):
                names.append(param[0])
                param = param[1]
            tensors.append(param)
        group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise value_error("all optimizer params should be with/without names. Some param names are missing")
            group["param_names"] = names
        for param in tensors:
            if type(param) is not Tensor:
                label = _type_name(param)
                raise type_error(f"optimizer can only optimize Tensors, but one of the params is {label}")
            if not (param.grad_fn is None or param.retains_grad):
                raise value_error("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is _REQUIRED and name not in group:
                raise value_error(f"parameter group didn't specify a value of required optimization parameter {name}")
            group.setdefault(name, default)
        existing = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in existing for p in tensors):
            raise value_error("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for param in _tensors_of(group):
                reset_grad(param, set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = None
        if closure is not None:
            with autograd.GradMode(True, "enable_grad"):
                loss = closure()
        with autograd.GradMode(False, "no_grad"):
            for group in self.param_groups:
                for param in _tensors_of(group):
                    if param.grad is not None:
                        self._update(group, param, self.state.setdefault(param, {}))
        return loss

    def _update(self, group: dict[str, Any], param: Tensor, state: dict[str, Any]) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        text = type(self).__name__ + " ("
        for index, group in enumerate(self.param_groups):
            text += f"\nParameter Group {index}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    __str__ = __repr__


def _tensors_of(group: dict[str, Any]) -> Any:
    """A group's parameters, as PyTorch reads them: a script may have put anything in `params`, and what is not a
    tensor fails where PyTorch reads its `.grad`."""
    for param in group["params"]:
        if not isinstance(param, Tensor):
            raise AutodiffError("AttributeError", f"'{_type_name(param)}' object has no attribute 'grad'")
        yield param


def _type_name(value: Any) -> str:
    from autodiff.language.protocol import type_name

    return type_name(value)


def _check_nonnegative(value: Any, label: str) -> None:
    if value < 0.0:
        raise value_error(f"Invalid {label}: {value}")


def _grad_of(param: Tensor, maximize: bool) -> np.ndarray:
    if param.grad.array.dtype.kind == "c":
        raise AutodiffError("RuntimeError", "complex parameters are not supported")
    grad = param.grad.array.astype(param.array.dtype, copy=False)
    return -grad if maximize else grad


class SGD(Optimizer):
    def __init__(self, params: Any, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False, foreach: Any = None,
                 differentiable: bool = False, fused: Any = None) -> None:
        _check_nonnegative(lr, "learning rate")
        _check_nonnegative(momentum, "momentum value")
        _check_nonnegative(weight_decay, "weight_decay value")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
                    "nesterov": nesterov, "maximize": maximize, "foreach": foreach,
                    "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise value_error("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _update(self, group: dict[str, Any], param: Tensor, state: dict[str, Any]) -> None:
        p = param.array
        grad = _grad_of(param, group["maximize"])
        if group["weight_decay"] != 0:
            grad = _add(grad, p, group["weight_decay"])
        momentum = group["momentum"]
        if momentum != 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = Tensor(np.array(grad, copy=True))
            else:
                np.copyto(buffer.array, _add(buffer.array * p.dtype.type(momentum), grad, 1 - group["dampening"]))
                buffer.bump_version()
            grad = _add(grad, buffer.array, momentum) if group["nesterov"] else buffer.array
        _write(param, _add(p, grad, -group["lr"]))


class Adam(Optimizer):
    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach: Any = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False, fused: Any = None,
                 decoupled_weight_decay: bool = False) -> None:
        _check_nonnegative(lr, "learning rate")
        _check_nonnegative(eps, "epsilon value")
        betas = tuple(betas)
        for index in (0, 1):
            if not 0.0 <= betas[index] < 1.0:
                raise value_error(f"Invalid beta parameter at index {index}: {betas[index]}")
        _check_nonnegative(weight_decay, "weight_decay value")
        if not all(isinstance(beta, float) for beta in betas):
            raise value_error("betas must be either both floats or both Tensors")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable, "fused": fused, "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def _update(self, group: dict[str, Any], param: Tensor, state: dict[str, Any]) -> None:
        p = param.array
        dtype = p.dtype.type
        if not state:
            state["step"] = Tensor(np.zeros((), dtype=float32.numpy))
            state["exp_avg"] = Tensor(np.zeros_like(p))
            state["exp_avg_sq"] = Tensor(np.zeros_like(p))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = Tensor(np.zeros_like(p))
        grad = _grad_of(param, group["maximize"])
        beta1, beta2 = group["betas"]
        lr, weight_decay = group["lr"], group["weight_decay"]
        step_t = state["step"]
        step_t.array[...] = step_t.array + np.float32(1)
        step_t.bump_version()
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                p = p * dtype(1 - lr * weight_decay)
            else:
                grad = _add(grad, p, weight_decay)
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        np.copyto(exp_avg.array, _lerp(exp_avg.array, grad, 1 - beta1))
        np.copyto(exp_avg_sq.array, _addcmul(exp_avg_sq.array * dtype(beta2), grad, grad, 1 - beta2))
        step = float(step_t.array)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2 ** 0.5
        second = exp_avg_sq.array
        if group["amsgrad"]:
            maximum = state["max_exp_avg_sq"]
            np.copyto(maximum.array, np.maximum(maximum.array, exp_avg_sq.array))
            second = maximum.array
        denom = np.sqrt(second) / dtype(bias_correction2_sqrt) + dtype(group["eps"])
        _write(param, _addcdiv(p, exp_avg.array, denom, -step_size))
        for name in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
            if name in state:
                state[name].bump_version()


class AdamW(Adam):
    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False, foreach: Any = None,
                 capturable: bool = False, differentiable: bool = False, fused: Any = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)


OPTIMIZERS: dict[str, type[Optimizer]] = {"SGD": SGD, "Adam": Adam, "AdamW": AdamW, "Optimizer": Optimizer}


def register_tables() -> None:
    for cls in OPTIMIZERS.values():
        register(cls, TypeTable(cls.__name__, getters={
            "param_groups": lambda o: o.param_groups, "state": lambda o: o.state, "defaults": lambda o: o.defaults,
        }, methods={
            "step": Optimizer.step, "zero_grad": Optimizer.zero_grad, "add_param_group": Optimizer.add_param_group,
        }))


def members() -> dict[str, dict[str, Any]]:
    """The extension hook: torch.optim."""
    register_tables()
    return {"torch.optim": dict(OPTIMIZERS)}
