"""`help(x)`, `dir(x)` and `type(x)` in the REPL, answered from the builtin and protocol tables (never from
Python's own introspection of a value): what a name is, how it is called, one line of meaning, PyTorch's docs."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from autodiff.cli.meanings import meaning_of
from autodiff.cli.torch_signatures import SIGNATURES

DOCS = "https://pytorch.org/docs/stable/"
# Names documented on a page of their own rather than under generated/.
DOC_PAGES = {"torch.Size": "size.html", "torch.device": "tensor_attributes.html#torch-device",
             "torch.finfo": "type_info.html#torch.finfo", "torch.iinfo": "type_info.html#torch.iinfo"}


class ShownType:
    """What `type(x)` gives for a value whose class a script cannot hold: it prints as Python prints the class."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"<class '{self.name}'>"


def _first_line(text: str | None) -> str:
    for line in (text or "").strip().splitlines():
        if line.strip():
            return line.strip()
    return ""


def _signature(function: Callable[..., Any], method: bool = False) -> str:
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return "(...)"
    parameters = [p.replace(annotation=inspect.Parameter.empty) for p in signature.parameters.values()
                  if p.name != "self"]
    if method and parameters:
        parameters = parameters[1:]  # the tensor the method is called on
    return str(signature.replace(parameters=parameters, return_annotation=inspect.Signature.empty))


def _torch_name(value: Any, modules: dict[str, Any]) -> str | None:
    """`torch.mean` or `torch.nn.Linear` for a member of a torch namespace (the first one holding it)."""
    for module_name in ("torch", "torch.nn", "torch.nn.functional", "torch.optim", "torch.autograd"):
        namespace = modules.get(module_name)
        members = getattr(namespace, "members", {})
        for name, member in members.items():
            if member is value:
                return f"{module_name}.{name}"
    return None


def _call_help(full: str, short: str, function: Callable[..., Any], docs: str, shown: str | None = None) -> str:
    """help() of a function or method: PyTorch's signatures (its parameter names, every overload), one line of
    meaning, the docs address."""
    shown = shown or full
    prefix = shown.removesuffix(short)
    signatures = SIGNATURES.get(full)
    if signatures:
        head = "\n".join(prefix + signature for signature in signatures)
    else:
        head = f"{shown}{_signature(function, method=full.startswith('torch.Tensor.'))}"
    meaning = meaning_of(short) or _first_line(function.__doc__) or _kind_of(full)
    return head + f"\n{meaning}" + (f"\ndocs: {docs}" if docs else "")


def _kind_of(full: str) -> str:
    """A meaning for a name no table describes, from where it lives."""
    for module, kind in (("torch.nn.functional.", "A function of torch.nn.functional"),
                         ("torch.nn.init.", "A way to fill a tensor with initial values (torch.nn.init)"),
                         ("torch.nn.", "A layer or loss of torch.nn (an nn.Module)"),
                         ("torch.optim.lr_scheduler.", "A learning-rate scheduler of torch.optim"),
                         ("torch.optim.", "An optimizer: step() updates the parameters from their .grad"),
                         ("torch.autograd.", "Part of torch.autograd"), ("torch.utils.data.", "Data loading")):
        if full.startswith(module):
            return f"{kind}; see the docs for its arguments."
    return "See the docs for what it does."


def make_repl_builtins(interpreter: Any, write: Callable[[str], None]) -> dict[str, Any]:
    """The names the REPL adds to a session: help, dir and type."""
    from autodiff.engine.tensor import Tensor
    from autodiff.language import protocol

    modules = interpreter.modules

    def type_of(value: Any) -> Any:
        if type(value) is Tensor:
            torch = modules.get("torch")
            return getattr(torch, "members", {}).get("Tensor", ShownType("torch.Tensor"))
        kind = type(value)
        if getattr(kind, "__module__", "") == "__main__" or protocol.table_of(value) is None and kind.__name__ in (
                "int", "float", "str", "bool", "list", "tuple", "dict", "set", "NoneType", "complex", "range"):
            return ShownType(kind.__name__) if kind.__module__ == "builtins" else kind
        return ShownType(protocol.type_name(value))

    def dir_of(*values: Any) -> list[str]:
        if not values:
            return sorted(name for name in interpreter.globals if not name.startswith("."))
        return sorted(name for name in protocol.attribute_names(values[0]) if not name.startswith("_"))

    def help_of(*values: Any) -> None:
        if not values:
            write("help(x) describes x: a tensor, a torch function such as help(torch.mean), a module or a method; "
                  "dir(x) lists its attributes; type(x) gives its class; :help lists the REPL's commands.\n")
            return
        write(describe(values[0], modules) + "\n")

    return {"help": protocol.BuiltinFunction("help", help_of), "dir": protocol.BuiltinFunction("dir", dir_of),
            "type": protocol.BuiltinFunction("type", type_of)}


def describe(value: Any, modules: dict[str, Any]) -> str:
    """help(value)'s text."""
    from autodiff.engine.tensor import Tensor
    from autodiff.language import protocol

    if type(value) is Tensor:
        state = f"requires_grad={value.requires_grad}, is_leaf={value.is_leaf}"
        if value.grad_fn is not None:
            state += f", grad_fn={value.grad_fn.name}"
        return (f"Tensor of shape {list(value.array.shape)} and dtype {value.dtype!r} ({state})\n"
                f"A multi-dimensional array that records the operations on it for autograd.\n"
                f"Attributes and methods: dir(x); docs: {DOCS}tensors.html")
    if type(value).__name__ == "TensorType":  # torch.Tensor, torch.FloatTensor, ...
        name = repr(value).removeprefix("<class '").removesuffix("'>")
        return f"class {name}\n{meaning_of(name.rsplit('.', 1)[-1])}\ndocs: {DOCS}tensors.html"
    if type(value).__name__ == "DType":
        return (f"{value!r}: a dtype, the type of a tensor's elements (x.to({value!r}) converts to it)\n"
                f"docs: {DOCS}tensor_attributes.html#torch-dtype")
    if type(value) is protocol.Namespace:
        return (f"module {value.name}: {len(value.members)} names (dir({value.name.split('.')[-1]}) lists them)\n"
                f"docs: {DOCS}{'index' if value.name == 'torch' else value.name}.html")
    if type(value) is protocol.BuiltinFunction:
        full = _torch_name(value, modules)
        if full is None:
            return _call_help(value.name, value.name, value.function, "")
        return _call_help(full, full.rsplit(".", 1)[-1], value.function, f"{DOCS}generated/{full}.html")
    if type(value) is protocol.BoundMethod and type(value.receiver) is Tensor:
        name = value.name
        return _call_help(f"torch.Tensor.{name}", name, value.function,
                          f"{DOCS}generated/torch.Tensor.{name}.html", shown=f"Tensor.{name}")
    if isinstance(value, type):
        full = _torch_name(value, modules)
        name = full or value.__name__
        signatures = SIGNATURES.get(full or "", ())
        head = "\n".join(f"class {name.rsplit('.', 1)[0]}.{signature}" for signature in signatures) or f"class {name}"
        meaning = meaning_of(name.rsplit(".", 1)[-1]) or _first_line(value.__doc__) or _kind_of(name)
        return f"{head}\n{meaning}" + (f"\ndocs: {DOCS}{DOC_PAGES.get(full, f'generated/{full}.html')}" if full else "")
    return f"{protocol.type_name(value)} value: {value!r}\nAttributes and methods: dir(x)"
