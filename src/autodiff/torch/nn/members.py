"""What torch.nn, torch.nn.functional and torch.nn.init offer a script, and the attribute tables of modules."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from autodiff.language.protocol import TypeTable, register
from autodiff.language.stdlib import cpython_type_name
from autodiff.torch.nn.functional import FUNCTIONAL
from autodiff.torch.nn.init import INIT
from autodiff.torch.nn.modules.activation import ELU, GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from autodiff.torch.nn.modules.batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from autodiff.torch.nn.modules.container import ModuleList, Sequential, _Container
from autodiff.torch.nn.modules.conv import Conv1d, Conv2d, Conv3d
from autodiff.torch.nn.modules.dropout import Dropout, Dropout1d, Dropout2d
from autodiff.torch.nn.modules.flatten import Flatten
from autodiff.torch.nn.modules.linear import Identity, Linear
from autodiff.torch.nn.modules.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from autodiff.torch.nn.modules.module import (
    _MODULE_METHODS,
    Module,
    _IncompatibleKeys,
    _ModuleGetters,
    _ModuleSetters,
    _set_training,
    register_module_backward_hook,
    register_module_forward_hook,
    register_module_forward_pre_hook,
    register_module_full_backward_hook,
    register_module_full_backward_pre_hook,
)
from autodiff.torch.nn.modules.normalization import LayerNorm
from autodiff.torch.nn.modules.pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AvgPool1d,
    AvgPool2d,
    MaxPool1d,
    MaxPool2d,
)
from autodiff.torch.nn.modules.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from autodiff.torch.nn.modules.sparse import Embedding
from autodiff.torch.nn.utils import clip_grad, convert_parameters

UTILS: dict[str, Callable[..., Any]] = {
    "clip_grad_norm_": clip_grad.clip_grad_norm_, "clip_grad_norm": clip_grad.clip_grad_norm,
    "clip_grad_value_": clip_grad.clip_grad_value_, "get_total_norm": clip_grad.get_total_norm,
    "clip_grads_with_norm_": clip_grad.clip_grads_with_norm_,
    "parameters_to_vector": convert_parameters.parameters_to_vector,
    "vector_to_parameters": convert_parameters.vector_to_parameters,
}

_CONTAINER_METHODS: dict[str, Callable[..., Any]] = {"append": _Container.append, "extend": _Container.extend}


def module_table(cls: type[Module]) -> TypeTable:
    methods = dict(_MODULE_METHODS)
    if issubclass(cls, _Container):
        methods.update(_CONTAINER_METHODS)
    fixed: dict[str, Callable[[Any], Any]] = {"training": lambda m: m.training}
    for name in cls.ATTRIBUTES:
        fixed[name] = _plain_getter(name)
    return TypeTable(cls.__name__, getters=_ModuleGetters(fixed, methods),
                     setters=_ModuleSetters({"training": _set_training}, methods), methods=methods)


def _plain_getter(name: str) -> Callable[[Any], Any]:
    return lambda module: getattr(module, name)


# state_dict() returns an OrderedDict: a script calls OrderedDict's own methods on it (keys() gives odict_keys),
# as after `import collections`, and errors name it as CPython does, whichever of the two registers it first.
_ORDERED_DICT_METHODS = ("keys", "values", "items", "get", "update", "pop", "popitem", "setdefault", "copy", "clear",
                         "move_to_end")


def register_tables() -> None:
    for cls in MODULES.values():
        register(cls, module_table(cls))
    register(OrderedDict, TypeTable(cpython_type_name(OrderedDict), methods={
        name: getattr(OrderedDict, name) for name in _ORDERED_DICT_METHODS}))
    register(_IncompatibleKeys, TypeTable("_IncompatibleKeys", getters={
        "missing_keys": lambda k: k.missing_keys, "unexpected_keys": lambda k: k.unexpected_keys}))


MODULES: dict[str, type[Module]] = {
    "Module": Module, "Linear": Linear, "Sequential": Sequential, "ModuleList": ModuleList, "ReLU": ReLU,
    "Sigmoid": Sigmoid, "Tanh": Tanh, "Softmax": Softmax, "LogSoftmax": LogSoftmax, "Flatten": Flatten,
    "LeakyReLU": LeakyReLU, "Identity": Identity, "GELU": GELU, "ELU": ELU, "MSELoss": MSELoss, "L1Loss": L1Loss,
    "SmoothL1Loss": SmoothL1Loss, "CrossEntropyLoss": CrossEntropyLoss, "BCELoss": BCELoss,
    "BCEWithLogitsLoss": BCEWithLogitsLoss, "NLLLoss": NLLLoss, "Embedding": Embedding, "Dropout": Dropout,
    "Dropout1d": Dropout1d, "Dropout2d": Dropout2d, "Conv1d": Conv1d, "Conv2d": Conv2d, "Conv3d": Conv3d,
    "MaxPool1d": MaxPool1d, "MaxPool2d": MaxPool2d, "AvgPool1d": AvgPool1d, "AvgPool2d": AvgPool2d,
    "AdaptiveAvgPool1d": AdaptiveAvgPool1d, "AdaptiveAvgPool2d": AdaptiveAvgPool2d, "LayerNorm": LayerNorm,
    "BatchNorm1d": BatchNorm1d, "BatchNorm2d": BatchNorm2d, "BatchNorm3d": BatchNorm3d,
    "RNN": RNN, "LSTM": LSTM, "GRU": GRU, "RNNCell": RNNCell, "LSTMCell": LSTMCell, "GRUCell": GRUCell,
}


def members() -> dict[str, dict[str, Any]]:
    """The extension hook: torch.nn (modules, Parameter), torch.nn.functional and torch.nn.init."""
    from autodiff.torch.creation import PARAMETER

    register_tables()
    nn_members: dict[str, Any] = dict(MODULES)
    nn_members["Parameter"] = PARAMETER
    return {"torch.nn": nn_members, "torch.nn.functional": dict(FUNCTIONAL), "torch.nn.init": dict(INIT),
            "torch.nn.utils": dict(UTILS), "torch.nn.modules": {},
            "torch.nn.modules.module": dict(GLOBAL_HOOK_FUNCTIONS, Module=Module)}


# torch.nn.modules.module's hooks for every module (PyTorch's debugging and profiling entry points)
GLOBAL_HOOK_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "register_module_forward_pre_hook": register_module_forward_pre_hook,
    "register_module_forward_hook": register_module_forward_hook,
    "register_module_full_backward_pre_hook": register_module_full_backward_pre_hook,
    "register_module_full_backward_hook": register_module_full_backward_hook,
    "register_module_backward_hook": register_module_backward_hook,
}
