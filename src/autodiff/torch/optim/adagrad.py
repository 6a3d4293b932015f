"""torch.optim.Adagrad: a sum of squared gradients per parameter; lr_decay, initial accumulator, weight decay."""

from __future__ import annotations

from typing import Any

import numpy as np

from autodiff.engine.tensor import Tensor
from autodiff.torch.optim import kernels
from autodiff.torch.optim.optimizer import (
    Optimizer,
    check_nonnegative,
    count_step,
    divided_rate,
    gradient,
    step_counter,
)


class Adagrad(Optimizer):
    def __init__(self, params: Any, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: Any = None, *,
                 maximize: bool = False, differentiable: bool = False, fused: Any = None) -> None:
        check_nonnegative(lr, "learning rate")
        check_nonnegative(lr_decay, "lr_decay value")
        check_nonnegative(weight_decay, "weight_decay value")
        check_nonnegative(initial_accumulator_value, "initial_accumulator_value value")
        check_nonnegative(eps, "epsilon value")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        # Unlike the other optimizers, Adagrad creates every parameter's state up front.
        for group in self.param_groups:
            for param in group["params"]:
                self._init_state(param, self.state[param])

    def _init_state(self, param: Tensor, state: dict[str, Any]) -> None:
        state["step"] = step_counter()
        state["sum"] = Tensor(np.full_like(param.array, self.defaults["initial_accumulator_value"]))

    def _update(self, group: dict[str, Any], param: Tensor) -> None:
        state = self.state[param]
        if not state:
            self._init_state(param, state)
        p = param.array
        step = count_step(state["step"])
        grad = gradient(param, group["maximize"])
        if group["weight_decay"] != 0:
            grad = kernels.add(grad, p, group["weight_decay"])
        clr = divided_rate(group["lr"], 1 + (step - 1) * group["lr_decay"])
        state_sum = state["sum"]
        kernels.assign(state_sum, kernels.addcmul(state_sum.array, grad, grad, 1))
        std = kernels.plus(np.sqrt(state_sum.array), group["eps"])
        kernels.assign(param, kernels.addcdiv(p, grad, std, -clr))
