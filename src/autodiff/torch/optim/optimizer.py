"""torch.optim.Optimizer: parameter groups (dicts, as in PyTorch), per-parameter state, zero_grad, step,
state_dict/load_state_dict and printing. Subclasses give `_init_state` and `_update`, PyTorch's
`_init_group` and `_single_tensor_*` (the path PyTorch takes on the CPU)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np

from autodiff.engine import autograd
from autodiff.engine.tensor import Tensor, float32, reset_grad
from autodiff.errors import AutodiffError, type_error, value_error, warn


class _RequiredParameter:
    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """The base of every optimizer; `step` updates each parameter with a gradient, group by group."""

    def __init__(self, params: Any, defaults: dict[str, Any]):
        self.defaults = defaults
        if type(params) is Tensor:
            raise type_error("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                             f"but got {params.type_label()}")
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        # Set by the first lr_scheduler attached (PyTorch wraps `step` then): has step() run since?
        self._step_tracked = False
        self._opt_called = False
        groups = list(params)
        if not groups:
            raise value_error("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        if not isinstance(group, dict):
            raise type_error(f"param_group must be a dict, but got {_python_class(group)}")
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
                raise type_error(f"optimizer can only optimize Tensors, but one of the params is {_typename(param)}")
            if not self.defaults.get("differentiable") and not (param.grad_fn is None or param.retains_grad):
                raise value_error("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise value_error(f"parameter group didn't specify a value of required optimization parameter {name}")
            group.setdefault(name, default)
        if len({id(p) for p in tensors}) != len(tensors):
            warn("UserWarning", "optimizer contains a parameter group with duplicate parameters; in future, this will "
                                "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information")
        existing: set[int] = set()
        for other in self.param_groups:
            existing.update(id(p) for p in other["params"])
            if ("param_names" in group) != ("param_names" in other):
                kind = "with names" if "param_names" in group else "without names"
                raise value_error("all optimizer param groups should be with/without names. "
                                  f"cannot add param group {kind} to the optimizer")
        if any(id(p) in existing for p in tensors):
            raise value_error("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for param in _tensors_of(group):
                reset_grad(param, set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        if self._step_tracked:
            self._opt_called = True
        loss = None
        if closure is not None:
            with autograd.GradMode(True, "enable_grad"):
                loss = closure()
        with autograd.GradMode(False, "no_grad"):
            for group in self.param_groups:
                for param in _tensors_of(group):
                    if param.grad is not None:
                        if param.grad.array.dtype.kind == "c":
                            raise AutodiffError("RuntimeError", "complex parameters are not supported")
                        self._update(group, param)
        return loss

    def _update(self, group: dict[str, Any], param: Tensor) -> None:
        raise AutodiffError("NotImplementedError", "")

    def state_dict(self) -> dict[str, Any]:
        """{'state': {index: state}, 'param_groups': [group with 'params' as indices, last]}."""
        mapping: dict[int, int] = {}
        groups = []
        start = 0
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            for index, param in enumerate(group["params"], start):
                mapping.setdefault(id(param), index)
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {mapping[id(key)] if type(key) is Tensor else key: value for key, value in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise value_error("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(self.param_groups, saved_groups)):
            raise value_error("loaded state dict contains a parameter group that doesn't match the size of "
                              "optimizer's group")
        by_index = {index: param for saved, group in zip(saved_groups, self.param_groups)
                    for index, param in zip(saved["params"], group["params"])}
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            param = by_index.get(key)
            if param is None:
                state[key] = value
                continue
            state[param] = {name: _state_copy(param, name, item) for name, item in value.items()}
        self.state = state
        for group, saved in zip(self.param_groups, saved_groups):
            params = group["params"]
            group.clear()
            group.update({key: value for key, value in saved.items() if key != "params"})
            group["params"] = params

    def __repr__(self) -> str:
        text = type(self).__name__ + " ("
        for index, group in enumerate(self.param_groups):
            text += f"\nParameter Group {index}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    __str__ = __repr__


def _state_copy(param: Tensor, name: str, value: Any) -> Any:
    """A loaded state tensor is a copy, cast to the parameter's floating dtype (`step` keeps its own)."""
    if type(value) is not Tensor:
        return value
    if name != "step" and param.array.dtype.kind == "f" and value.array.dtype.kind == "f":
        return Tensor(value.array.astype(param.array.dtype, copy=True))
    return Tensor(value.array.copy())


def _python_class(value: Any) -> str:
    from autodiff.language.protocol import type_name

    return f"<class '{type_name(value)}'>"


def _typename(value: Any) -> str:
    from autodiff.language.protocol import type_name

    return type_name(value)


def check_nonnegative(value: Any, label: str) -> None:
    if not 0.0 <= value:
        raise value_error(f"Invalid {label}: {value}")


def learning_rate(lr: Any) -> Any:
    """A group's lr as an update uses it: a number as it is, a tensor's value as a Python float (`_get_value`)."""
    return float(lr.item()) if isinstance(lr, Tensor) else lr


def divided_rate(lr: Any, divisor: float) -> Any:
    """lr / divisor as PyTorch computes it: in double for a number, in the tensor's dtype for a tensor lr."""
    if isinstance(lr, Tensor):
        return float(lr.array / lr.array.dtype.type(divisor))
    return lr / divisor


def gradient(param: Tensor, maximize: bool) -> np.ndarray:
    """The parameter's gradient in its dtype, negated for maximize."""
    grad = param.grad.array.astype(param.array.dtype, copy=False)
    return -grad if maximize else grad


def step_counter() -> Tensor:
    """`state['step']`: a 0-d float32 tensor, as PyTorch keeps it."""
    return Tensor(np.zeros((), dtype=float32.numpy))


def count_step(step: Tensor) -> float:
    """`step_t += 1`, then the step as a Python float (`_get_value`)."""
    step.array[...] = step.array + np.float32(1)
    step.bump_version()
    return float(step.array)


def _tensors_of(group: dict[str, Any]) -> Any:
    """A group's parameters, as PyTorch reads them: a script may have put anything in `params`, and what is not a
    tensor fails where PyTorch reads its `.grad`."""
    from autodiff.language.protocol import type_name

    for param in group["params"]:
        if not isinstance(param, Tensor):
            raise AutodiffError("AttributeError", f"'{type_name(param)}' object has no attribute 'grad'")
        yield param
