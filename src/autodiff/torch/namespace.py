"""The torch namespaces a script imports (torch, torch.nn, torch.autograd, ...) and the bare names of `.ad`
scripts."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from autodiff.engine import ops, reductions
from autodiff.engine.tensor import (
    Size,
    bool_,
    float16,
    float32,
    float64,
    int8,
    int16,
    int32,
    int64,
    uint8,
)
from autodiff.errors import runtime_error, type_error
from autodiff.language.protocol import Namespace
from autodiff.torch.arguments import with_numpy_aliases, with_out
from autodiff.torch.autograd.backward import (
    _CREATORS,
    autograd_backward,
    autograd_grad,
    design_card_backward,
)
from autodiff.torch.creation import (
    PARAMETER,
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    initial_seed,
    is_tensor,
    linspace,
    manual_seed,
    numel,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    seed,
    tensor,
    variable,
    zeros,
    zeros_like,
)
from autodiff.torch.tensor import (
    CUDA_MEMBERS,
    INPLACE_FUNCTIONS,
    LONG_TAIL,
    METHOD_ALIASES,
    METHOD_ONLY,
    SHARED_OPS,
    TENSOR_TYPES,
    Device,
    register_tables,
    tensor_table,
)

# --- the torch namespace ----------------------------------------------------------------------------------
CREATION = {
    "tensor": tensor, "ones": ones, "zeros": zeros, "empty": empty, "full": full, "ones_like": ones_like,
    "zeros_like": zeros_like, "empty_like": empty_like, "full_like": full_like, "eye": eye, "arange": arange,
    "linspace": linspace, "rand": rand, "randn": randn, "rand_like": rand_like, "randn_like": randn_like,
    "randint": randint, "randperm": randperm, "manual_seed": manual_seed, "initial_seed": initial_seed,
    "seed": seed, **TENSOR_TYPES, "is_tensor": is_tensor, "device": Device,
    "numel": numel,
    "as_tensor": as_tensor, "from_numpy": from_numpy,
}
for _fn in (ones_like, zeros_like, empty_like, rand_like, randn_like):
    _CREATORS[_fn] = "like"
for _fn in (ones, zeros, empty, rand, randn):
    _CREATORS[_fn] = "shape"

DTYPE_NAMES = {
    "float32": float32, "float": float32, "float64": float64, "double": float64, "float16": float16,
    "half": float16, "int64": int64, "long": int64, "int32": int32, "int": int32, "int16": int16, "short": int16,
    "int8": int8, "uint8": uint8, "bool": bool_,
}


def get_num_threads() -> int:
    """`torch.get_num_threads()`: the thread count sums and means are split for (they depend on it)."""
    return reductions.threads


def set_num_threads(count: int) -> None:
    if isinstance(count, bool) or not isinstance(count, int):
        raise type_error(f"set_num_threads(): argument 'int' (position 1) must be int, not {type(count).__name__}")
    if count <= 0:
        raise runtime_error("Number of threads must be positive")
    reductions.set_threads(count)


def _set_printoptions(**kwargs: Any) -> None:
    from autodiff.torch import tensor_str as torchfmt

    torchfmt.set_printoptions(**kwargs)


def torch_members() -> dict[str, Any]:
    members: dict[str, Any] = {}
    members.update(CREATION)
    for name in SHARED_OPS:
        if name not in METHOD_ONLY:
            members[name] = getattr(ops, name)
    methods = tensor_table().methods
    for name in INPLACE_FUNCTIONS:
        members[name] = methods[name]
    members.update({"masked_fill": ops.masked_fill, "addmm": ops.addmm, "rsub": ops.rsub})
    for alias, name in METHOD_ALIASES.items():
        members[alias] = getattr(ops, name)
    members.update(LONG_TAIL)
    members.update({"cat": ops.cat, "concat": ops.cat, "concatenate": ops.cat, "stack": ops.stack,
                    "einsum": ops.einsum})
    for name in list(members):
        if name not in CREATION and name not in INPLACE_FUNCTIONS:
            members[name] = with_out(with_numpy_aliases(members[name]), name)
    members.update({
        "meshgrid": ops.meshgrid, "set_printoptions": _set_printoptions,
        "Size": Size, "detach": lambda x: x.detach(),
        "is_floating_point": lambda x: x.array.dtype.kind == "f",
        "get_num_threads": get_num_threads, "set_num_threads": set_num_threads,
    })
    members.update(DTYPE_NAMES)
    return members


# Modules that add members to the torch namespaces; each defines `members() -> {dotted name: {name: value}}`.
def _extension_members() -> dict[str, dict[str, Any]]:
    """The members the torch API's other modules add (nn, optim, autograd.functional, the random functions)."""
    from autodiff.torch import defaults, random
    from autodiff.torch.autograd import functional
    from autodiff.torch.autograd import members as autograd_members
    from autodiff.torch.nn import members as nn
    from autodiff.torch.optim import members as optim
    from autodiff.torch.utils.data import members as data

    merged: dict[str, dict[str, Any]] = {}
    for module in (functional, autograd_members, defaults, nn, optim, random, data):
        for dotted, members in module.members().items():
            merged.setdefault(dotted, {}).update(members)
    return merged


def build_torch(extra_modules: dict[str, dict[str, Any]] | None = None) -> dict[str, Namespace]:
    """All importable modules by dotted name: torch, torch.nn, torch.autograd, ..."""
    register_tables()
    extra_modules = {"torch.cuda": dict(CUDA_MEMBERS), **_extension_members(), **(extra_modules or {})}
    autograd_ns = Namespace("torch.autograd", {
        "Variable": variable, "grad": autograd_grad, "backward": autograd_backward,
    })
    nn_ns = Namespace("torch.nn", {"Parameter": PARAMETER})
    torch_ns = Namespace("torch", torch_members())
    torch_ns.members.update({"autograd": autograd_ns, "nn": nn_ns})
    modules = {"torch": torch_ns, "torch.autograd": autograd_ns, "torch.nn": nn_ns}
    for dotted, members in (extra_modules or {}).items():
        ns = modules.get(dotted)
        if ns is None:
            ns = modules[dotted] = Namespace(dotted)
            parent, _, leaf = dotted.rpartition(".")
            if parent in modules:
                modules[parent].members[leaf] = ns
        ns.members.update(members)
    return modules


def bare_names(modules: dict[str, Namespace]) -> dict[str, Any]:
    """Names a script may use without a `torch.` prefix: torch's members, nn.Parameter, Variable, grad, backward."""
    names: dict[str, Any] = {}
    for dotted in sorted(modules, key=len, reverse=True):
        for name, value in modules[dotted].members.items():
            if not isinstance(value, Namespace) and not name.startswith("_"):
                names[name] = value
    names["backward"] = design_card_backward
    names["torch"] = modules["torch"]
    names["nn"] = modules["torch.nn"]
    return names


def suggest(name: str, candidates: Sequence[str]) -> str | None:
    close = difflib.get_close_matches(name, list(candidates), n=1)
    return close[0] if close else None
