"""torch.optim.Adam: bias-corrected first and second moments; weight decay (L2, or decoupled as AdamW),
amsgrad, maximize."""

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
    divided_rate,
    gradient,
    step_counter,
)


class Adam(Optimizer):
    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach: Any = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False, fused: Any = None,
                 decoupled_weight_decay: bool = False) -> None:
        check_nonnegative(lr, "learning rate")
        check_nonnegative(eps, "epsilon value")
        for index in (0, 1):
            if not 0.0 <= betas[index] < 1.0:
                raise value_error(f"Invalid beta parameter at index {index}: {betas[index]}")
        check_nonnegative(weight_decay, "weight_decay value")
        if not all(isinstance(beta, float) for beta in betas):
            raise value_error("betas must be either both floats or both Tensors")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable, "fused": fused, "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def _update(self, group: dict[str, Any], param: Tensor) -> None:
        state = self.state[param]
        p = param.array
        dtype = p.dtype.type
        if not state:
            state["step"] = step_counter()
            state["exp_avg"] = Tensor(np.zeros_like(p))
            state["exp_avg_sq"] = Tensor(np.zeros_like(p))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = Tensor(np.zeros_like(p))
        grad = gradient(param, group["maximize"])
        beta1, beta2 = group["betas"]
        lr, weight_decay = group["lr"], group["weight_decay"]
        step = count_step(state["step"])
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                p = kernels.scale(p, 1 - (lr.array * lr.array.dtype.type(weight_decay) if isinstance(lr, Tensor)
                                          else lr * weight_decay))
            else:
                grad = kernels.add(grad, p, weight_decay)
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        kernels.assign(exp_avg, kernels.lerp(exp_avg.array, grad, 1 - beta1))
        kernels.assign(exp_avg_sq, kernels.addcmul(kernels.scale(exp_avg_sq.array, beta2), grad, grad, 1 - beta2))
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        step_size = divided_rate(lr, bias_correction1)
        bias_correction2_sqrt = bias_correction2 ** 0.5
        second = exp_avg_sq.array
        if group["amsgrad"]:
            maximum = state["max_exp_avg_sq"]
            kernels.assign(maximum, np.maximum(maximum.array, exp_avg_sq.array))
            second = maximum.array
        denom = kernels.plus(np.sqrt(second) / dtype(bias_correction2_sqrt), group["eps"])
        kernels.assign(param, kernels.addcdiv(p, exp_avg.array, denom, -step_size))
