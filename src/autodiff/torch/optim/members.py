"""What torch.optim and torch.optim.lr_scheduler offer a script, and the attribute tables of optimizers and
schedulers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autodiff.errors import AutodiffError
from autodiff.language.protocol import TypeTable, register
from autodiff.torch.optim.adadelta import Adadelta
from autodiff.torch.optim.adagrad import Adagrad
from autodiff.torch.optim.adam import Adam
from autodiff.torch.optim.adamw import AdamW
from autodiff.torch.optim.lr_scheduler import (
    SCHEDULERS,
    ChainedScheduler,
    CyclicLR,
    LRScheduler,
    ReduceLROnPlateau,
    SequentialLR,
)
from autodiff.torch.optim.optimizer import Optimizer
from autodiff.torch.optim.rmsprop import RMSprop
from autodiff.torch.optim.sgd import SGD

OPTIMIZERS: dict[str, type[Optimizer]] = {
    "Optimizer": Optimizer, "SGD": SGD, "Adam": Adam, "AdamW": AdamW, "RMSprop": RMSprop, "Adagrad": Adagrad,
    "Adadelta": Adadelta,
}

# Attributes a script may read on a scheduler, besides last_epoch, base_lrs and optimizer.
_SCHEDULER_ATTRIBUTES = {
    "LambdaLR": ("lr_lambdas",), "StepLR": ("step_size", "gamma"), "MultiStepLR": ("milestones", "gamma"),
    "ExponentialLR": ("gamma",), "CosineAnnealingLR": ("T_max", "eta_min"),
    "OneCycleLR": ("total_steps", "cycle_momentum"),
    "CyclicLR": ("max_lrs", "total_size", "step_ratio", "mode", "gamma", "scale_mode", "cycle_momentum", "use_beta1",
                 "base_momentums", "max_momentums"), "MultiplicativeLR": ("lr_lambdas",),
    "ConstantLR": ("factor", "total_iters"), "LinearLR": ("start_factor", "end_factor", "total_iters"),
    "PolynomialLR": ("total_iters", "power"),
    "CosineAnnealingWarmRestarts": ("T_0", "T_i", "T_mult", "T_cur", "eta_min"),
    "ReduceLROnPlateau": ("factor", "patience", "cooldown", "cooldown_counter", "eps", "mode", "threshold",
                          "threshold_mode", "best", "num_bad_epochs", "min_lrs", "in_cooldown"),
}


def _attribute(name: str) -> Callable[[Any], Any]:
    def read(value: Any) -> Any:
        try:
            return getattr(value, name)
        except AttributeError as error:  # e.g. CyclicLR's momenta, set only when it cycles momentum
            raise AutodiffError("AttributeError", str(error)) from None

    return read


def _set_attribute(name: str) -> Callable[[Any, Any], None]:
    return lambda target, value: setattr(target, name, value)


def register_tables() -> None:
    for cls in OPTIMIZERS.values():
        register(cls, TypeTable(cls.__name__, getters={
            "param_groups": _attribute("param_groups"), "state": _attribute("state"),
            "defaults": _attribute("defaults"),
        }, methods={
            "step": Optimizer.step, "zero_grad": Optimizer.zero_grad, "add_param_group": Optimizer.add_param_group,
            "state_dict": Optimizer.state_dict, "load_state_dict": Optimizer.load_state_dict,
        }))
    for name, cls in SCHEDULERS.items():
        attributes = ("optimizer", *_SCHEDULER_ATTRIBUTES.get(name, ()))
        if cls is not ChainedScheduler:
            attributes = ("last_epoch", *attributes)
        if cls not in (ReduceLROnPlateau, SequentialLR, ChainedScheduler):
            attributes += ("base_lrs",)
        methods = {"step": cls.step, "get_last_lr": LRScheduler.get_last_lr, "get_lr": LRScheduler._lr_from_user,
                   "state_dict": cls.state_dict, "load_state_dict": cls.load_state_dict}
        if cls is CyclicLR:
            methods["scale_fn"] = CyclicLR.scale_fn
        register(cls, TypeTable(name, getters={attribute: _attribute(attribute) for attribute in attributes},
                                setters={"last_epoch": _set_attribute("last_epoch")}, methods=methods))


def members() -> dict[str, dict[str, Any]]:
    """The extension hook: torch.optim and torch.optim.lr_scheduler."""
    register_tables()
    return {"torch.optim": dict(OPTIMIZERS),
            "torch.optim.lr_scheduler": {name: cls for name, cls in SCHEDULERS.items()}}
