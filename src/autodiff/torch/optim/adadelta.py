"""torch.optim.Adadelta: running averages of squared gradients and squared updates; weight decay, maximize."""

from __future__ import annotations

from typing import Any

import numpy as np

from autodiff.engine.tensor import Tensor
from autodiff.errors import value_error
from autodiff.torch.optim import kernels
from autodiff.torch.optim.optimizer import (
    Optimizer,
    check_nonnegative,
    count_step,
    gradient,
    learning_rate,
    step_counter,
)


class Adadelta(Optimizer):
    def __init__(self, params: Any, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0,
                 foreach: Any = None, *, capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        check_nonnegative(lr, "learning rate")
        if not 0.0 <= rho <= 1.0:
            raise value_error(f"Invalid rho value: {rho}")
        check_nonnegative(eps, "epsilon value")
        check_nonnegative(weight_decay, "weight_decay value")
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
                    "capturable": capturable, "foreach": foreach, "differentiable": differentiable}
        super().__init__(params, defaults)

    def _update(self, group: dict[str, Any], param: Tensor) -> None:
        state = self.state[param]
        p = param.array
        if not state:
            state["step"] = step_counter()
            state["square_avg"] = Tensor(np.zeros_like(p))
            state["acc_delta"] = Tensor(np.zeros_like(p))
        count_step(state["step"])
        grad = gradient(param, group["maximize"])
        rho, eps = group["rho"], group["eps"]
        if group["weight_decay"] != 0:
            grad = kernels.add(grad, p, group["weight_decay"])
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        kernels.assign(square_avg, kernels.addcmul(kernels.scale(square_avg.array, rho), grad, grad, 1 - rho))
        std = np.sqrt(kernels.plus(square_avg.array, eps))
        delta = np.sqrt(kernels.plus(acc_delta.array, eps))
        delta = (delta / std) * grad
        kernels.assign(acc_delta, kernels.addcmul(kernels.scale(acc_delta.array, rho), delta, delta, 1 - rho))
        kernels.assign(param, kernels.add(p, delta, -learning_rate(group["lr"])))
