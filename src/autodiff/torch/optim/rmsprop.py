"""torch.optim.RMSprop: a running average of squared gradients; centered, momentum, weight decay, maximize."""

from __future__ import annotations

from typing import Any

import numpy as np

from autodiff.engine.tensor import Tensor
from autodiff.torch.optim import kernels
from autodiff.torch.optim.optimizer import (
    Optimizer,
    check_nonnegative,
    count_step,
    gradient,
    learning_rate,
    step_counter,
)


class RMSprop(Optimizer):
    def __init__(self, params: Any, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0,
                 momentum: float = 0, centered: bool = False, capturable: bool = False, foreach: Any = None,
                 maximize: bool = False, differentiable: bool = False) -> None:
        check_nonnegative(lr, "learning rate")
        check_nonnegative(eps, "epsilon value")
        check_nonnegative(momentum, "momentum value")
        check_nonnegative(weight_decay, "weight_decay value")
        check_nonnegative(alpha, "alpha value")
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
                    "weight_decay": weight_decay, "capturable": capturable, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable}
        super().__init__(params, defaults)

    def _update(self, group: dict[str, Any], param: Tensor) -> None:
        state = self.state[param]
        p = param.array
        if not state:
            state["step"] = step_counter()
            state["square_avg"] = Tensor(np.zeros_like(p))
            if group["momentum"] > 0:
                state["momentum_buffer"] = Tensor(np.zeros_like(p))
            if group["centered"]:
                state["grad_avg"] = Tensor(np.zeros_like(p))
        grad = gradient(param, group["maximize"])
        count_step(state["step"])
        alpha = group["alpha"]
        if group["weight_decay"] != 0:
            grad = kernels.add(grad, p, group["weight_decay"])
        square_avg = state["square_avg"]
        kernels.assign(square_avg, kernels.addcmul(kernels.scale(square_avg.array, alpha), grad, grad, 1 - alpha))
        if group["centered"]:
            grad_avg = state["grad_avg"]
            kernels.assign(grad_avg, kernels.lerp(grad_avg.array, grad, 1 - alpha))
            avg = np.sqrt(kernels.addcmul(square_avg.array, grad_avg.array, grad_avg.array, -1))
        else:
            avg = np.sqrt(square_avg.array)
        avg = kernels.plus(avg, group["eps"])
        if group["momentum"] > 0:
            buffer = state["momentum_buffer"]
            kernels.assign(buffer, kernels.addcdiv(kernels.scale(buffer.array, group["momentum"]), grad, avg))
            kernels.assign(param, kernels.add(p, buffer.array, -learning_rate(group["lr"])))
        else:
            kernels.assign(param, kernels.addcdiv(p, grad, avg, -learning_rate(group["lr"])))
