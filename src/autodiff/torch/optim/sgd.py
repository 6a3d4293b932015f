"""torch.optim.SGD: plain, momentum (with dampening), Nesterov, weight decay, maximize."""

from __future__ import annotations

from typing import Any

import numpy as np

from autodiff.engine.tensor import Tensor
from autodiff.errors import value_error
from autodiff.torch.optim import kernels
from autodiff.torch.optim.optimizer import Optimizer, check_nonnegative, gradient, learning_rate


class SGD(Optimizer):
    def __init__(self, params: Any, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False, foreach: Any = None,
                 differentiable: bool = False, fused: Any = None) -> None:
        check_nonnegative(lr, "learning rate")
        check_nonnegative(momentum, "momentum value")
        check_nonnegative(weight_decay, "weight_decay value")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
                    "nesterov": nesterov, "maximize": maximize, "foreach": foreach,
                    "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise value_error("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _update(self, group: dict[str, Any], param: Tensor) -> None:
        p = param.array
        grad = gradient(param, group["maximize"])
        if group["weight_decay"] != 0:
            grad = kernels.add(grad, p, group["weight_decay"])
        momentum = group["momentum"]
        if momentum != 0:
            state = self.state[param]  # without momentum SGD keeps no state
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = Tensor(np.array(grad, copy=True))
            else:
                kernels.assign(buffer, kernels.add(kernels.scale(buffer.array, momentum), grad,
                                                   1 - group["dampening"]))
            grad = kernels.add(grad, buffer.array, momentum) if group["nesterov"] else buffer.array
        kernels.assign(param, kernels.add(p, grad, -learning_rate(group["lr"])))
