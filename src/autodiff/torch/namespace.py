"""The torch namespaces a script imports (torch, torch.nn, torch.autograd, ...) and the bare names of `.ad`
scripts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from autodiff.engine import ops, reductions
from autodiff.engine.tensor import (
    MEMORY_FORMATS,
    MemoryFormat,
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
from autodiff.language.protocol import Namespace, is_built
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
    "memory_format": MemoryFormat, **{layout.name: layout for layout in MEMORY_FORMATS},
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
    """The members of `torch`, a new dict for each run (its values are the same every time)."""
    return dict(_torch_members())


@cache
def _torch_members() -> dict[str, Any]:
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


# Modules that add members to the torch namespaces; each defines `members() -> {dotted name: {name: value}}`,
# in this order (a later module's member of the same name wins). The ones a script may never touch are imported
# the first time it reads one of their namespaces; each lists the namespaces its members() fills.
EXTENSIONS = ("autograd.functional", "autograd.members", "defaults", "nn.members", "optim.members", "random",
              "utils.data.members")
LAZY_EXTENSIONS = {
    "autograd.functional": ("torch.autograd.functional", "torch.autograd.gradcheck", "torch.autograd"),
    "nn.members": ("torch.nn", "torch.nn.functional", "torch.nn.init", "torch.nn.utils", "torch.nn.modules",
                   "torch.nn.modules.module"),
    "optim.members": ("torch.optim", "torch.optim.lr_scheduler"),
    "utils.data.members": ("torch.utils", "torch.utils.data"),
}


def _extension_members(module: str) -> dict[str, dict[str, Any]]:
    import importlib

    return importlib.import_module(f"autodiff.torch.{module}").members()  # type: ignore[no-any-return]


def build_torch(extra_modules: dict[str, dict[str, Any]] | None = None,
                convert: Callable[[str, Any], Any] | None = None) -> dict[str, Namespace]:
    """All importable modules by dotted name: torch, torch.nn, torch.autograd, ...

    `torch` is built at once; every other namespace is made the first time anything reads its members
    (Namespace.pending), then `convert(name, value)` (how a script sees a builtin) is applied to them, as the
    caller applies it to `torch`'s. A script that only uses tensors imports none of nn, optim or utils.data."""
    register_tables()
    # dotted name -> what fills it, in order: member dicts known now, or the name of a lazy extension module
    sources: dict[str, list[dict[str, Any] | str]] = {
        "torch": [torch_members()],
        "torch.autograd": [{"Variable": variable, "grad": autograd_grad, "backward": autograd_backward}],
        "torch.nn": [{"Parameter": PARAMETER}],
        "torch.cuda": [dict(CUDA_MEMBERS)],
    }
    for module in EXTENSIONS:
        if module in LAZY_EXTENSIONS:
            for dotted in LAZY_EXTENSIONS[module]:
                sources.setdefault(dotted, []).append(module)
        else:
            for dotted, members in _extension_members(module).items():
                sources.setdefault(dotted, []).append(members)
    for dotted, members in (extra_modules or {}).items():
        sources.setdefault(dotted, []).append(members)

    made: dict[str, dict[str, dict[str, Any]]] = {}  # lazy extension module -> its members(), made once

    def build(dotted: str) -> dict[str, Any]:
        members: dict[str, Any] = dict(children[dotted])  # a member of the same name hides a submodule
        for source in sources[dotted]:
            if isinstance(source, str):
                if source not in made:
                    made[source] = _extension_members(source)
                source = made[source][dotted]
            members.update(source)
        if convert is not None:
            for name, value in members.items():
                members[name] = convert(name, value)
        return members

    modules = {"torch": Namespace("torch")}
    for dotted in sources:
        if dotted != "torch":
            modules[dotted] = Namespace.pending(dotted, lambda dotted=dotted: build(dotted))
    children: dict[str, dict[str, Namespace]] = {dotted: {} for dotted in modules}
    for dotted, namespace in modules.items():
        parent, _, leaf = dotted.rpartition(".")
        if parent in children:
            children[parent][leaf] = namespace
    torch_ns = modules["torch"]
    torch_ns.members.update(children["torch"])
    for source in sources["torch"]:
        torch_ns.members.update(source)  # type: ignore[arg-type]
    return modules


class BareNames(dict):  # type: ignore[type-arg]
    """The names a script has without an import (a dict, as the interpreter reads it): torch's members at once;
    the other namespaces' (`Linear`, `SGD`, `DataLoader` for `.ad` scripts) the first time a name is missing,
    which builds those namespaces. Names set here meanwhile (the language's builtins, the REPL's) keep their
    values, as they did over the bare torch names before."""

    def __init__(self, names: dict[str, Any], modules: dict[str, Namespace],
                 convert: Callable[[str, Any], Any] | None):
        super().__init__(names)
        self._modules: dict[str, Namespace] | None = modules
        self._convert = convert

    def __missing__(self, name: str) -> Any:
        if self._modules is None:
            raise KeyError(name)
        self.complete()
        return dict.__getitem__(self, name)

    def complete(self) -> BareNames:
        """Add every namespace's bare names now (completion, suggestions and audits list them all)."""
        modules, self._modules = self._modules, None
        if modules is not None:
            for name, value in _bare_members(modules).items():
                if not dict.__contains__(self, name):
                    dict.__setitem__(self, name, self._convert(name, value) if self._convert else value)
        return self


def _bare_members(modules: dict[str, Namespace], built_only: bool = False) -> dict[str, Any]:
    names: dict[str, Any] = {}
    for dotted in sorted(modules, key=len, reverse=True):
        if built_only and not is_built(modules[dotted]):
            continue
        for name, value in modules[dotted].members.items():
            if not isinstance(value, Namespace) and not name.startswith("_"):
                names[name] = value
    names["backward"] = design_card_backward
    names["torch"] = modules["torch"]
    names["nn"] = modules["torch.nn"]
    return names


def bare_names(modules: dict[str, Namespace], convert: Callable[[str, Any], Any] | None = None) -> BareNames:
    """Names a script may use without a `torch.` prefix: torch's members, nn.Parameter, Variable, grad, backward,
    and the members of every other torch namespace (a shorter dotted name wins)."""
    return BareNames(_bare_members(modules, built_only=True), dict(modules), convert)


def suggest(name: str, candidates: Sequence[str]) -> str | None:
    import difflib

    close = difflib.get_close_matches(name, list(candidates), n=1)
    return close[0] if close else None
