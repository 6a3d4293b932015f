"""Write src/autodiff/cli/torch_signatures.py: how PyTorch 2.13 spells the call of every torch function, Tensor method
and nn/F/optim name autodiff has, read from real PyTorch (its docstrings' signature lines, else inspect), for the
REPL's help(). Run it on purpose, with torch installed, and read the diff:

    python tests/make_signatures.py

tests/test_learner.py checks the written table against PyTorch.
"""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path
from typing import Any

TARGET = Path(__file__).resolve().parent.parent / "src" / "autodiff" / "cli" / "torch_signatures.py"
NAMESPACES = ("torch", "torch.nn", "torch.nn.functional", "torch.nn.init", "torch.optim", "torch.optim.lr_scheduler",
              "torch.autograd", "torch.utils.data")


# Calls neither a docstring nor Python can tell, as PyTorch's documentation writes them.
UNINTROSPECTABLE = {"torch.Generator": ("Generator(device='cpu') -> Generator",),
                    "torch.is_anomaly_enabled": ("is_anomaly_enabled() -> bool",),
                    "torch.is_anomaly_check_nan_enabled": ("is_anomaly_check_nan_enabled() -> bool",)}


def pytorch_signatures(name: str, value: Any) -> tuple[str, ...]:
    """`name(...)` as PyTorch documents it: each overload's line from the docstring (the first line and the
    `.. function::`/`.. method::` ones), else the signature Python reports, without annotations."""
    short = name.rsplit(".", 1)[-1]
    doc = inspect.getdoc(value) if not isinstance(value, type) or value.__doc__ else None
    found: list[str] = []
    if doc:
        lines = doc.splitlines()
        candidates = lines[:1] + [line for line in lines if re.match(r"\s*\.\. (function|method):: ", line)]
        for line in candidates:
            text = re.sub(r"^\s*\.\. (function|method):: ", "", line).strip()
            if re.match(rf"{re.escape(short)}\(.*\)", text):
                found.append(text)
    if found:
        return tuple(dict.fromkeys(found))
    if name in UNINTROSPECTABLE:
        return UNINTROSPECTABLE[name]
    try:
        signature = inspect.signature(value)
        if isinstance(value, type) and str(signature) == "(*args, **kwargs)":
            signature = inspect.signature(value.__init__)
    except (TypeError, ValueError):
        return () if isinstance(value, type) else schema_signatures(name)
    parameters = [p.replace(annotation=inspect.Parameter.empty) for p in signature.parameters.values()
                  if p.name != "self"]
    plain = signature.replace(parameters=parameters, return_annotation=inspect.Signature.empty)
    text = re.sub(r"<torch\._C\.Generator object at 0x[0-9a-f]+>", "torch.default_generator", str(plain))
    return (f"{short}{text}",) if text != "(*args, **kwargs)" else ()


def schema_signatures(name: str) -> tuple[str, ...]:
    """For a builtin without a docstring (torch.relu, torch.exp_, Tensor.clamp_min): its ATen schemas
    (`aten::relu(Tensor self) -> Tensor`), spelled as Python calls it: `self` is `input` for a torch function and
    the tensor itself for a method; `out=` overloads left out."""
    import torch

    module, short = name.rsplit(".", 1)
    if module not in ("torch", "torch.Tensor"):
        return ()
    found = []
    for schema in torch._C._jit_get_schemas_for_operator(f"aten::{short}"):
        if schema.overload_name.endswith("out") or any(a.name == "out" for a in schema.arguments):
            continue
        parameters: list[str] = []
        keyword_only = False
        for argument in schema.arguments:
            if argument.name == "self":
                if module == "torch":
                    parameters.append("input")
                continue
            if argument.kwarg_only and not keyword_only:
                parameters.append("*")
                keyword_only = True
            default = f"={argument.default_value!r}" if argument.has_default_value() else ""
            parameters.append(f"{argument.name}{default}")
        found.append(f"{short}({', '.join(parameters)}) -> Tensor")
    return tuple(dict.fromkeys(found))


def main() -> int:
    import importlib

    import torch

    from autodiff.engine.tensor import Tensor
    from autodiff.language import protocol
    from autodiff.prelude import build_namespace

    _, modules = build_namespace(lambda text: None)
    table: dict[str, tuple[str, ...]] = {}
    for module_name in NAMESPACES:
        ours = modules.get(module_name)
        real = importlib.import_module(module_name)
        for name in sorted(getattr(ours, "members", {})):
            value = getattr(real, name, None)
            if value is None or name.startswith("_") or not callable(value) or isinstance(value, torch.dtype):
                continue
            signatures = pytorch_signatures(f"{module_name}.{name}", value)
            if signatures:
                table[f"{module_name}.{name}"] = signatures
    import numpy as np

    for name in sorted(protocol.attribute_names(Tensor(np.zeros(1)))):
        value = getattr(torch.Tensor, name, None)
        if name.startswith("_") or value is None or not callable(value):
            continue
        signatures = pytorch_signatures(f"torch.Tensor.{name}", value)
        if signatures:
            table[f"torch.Tensor.{name}"] = signatures
    lines = ["# ruff: noqa: E501", '"""How PyTorch 2.13 spells each call (its parameter names, its overloads), read',
             "from PyTorch by tests/make_signatures.py: the signatures the REPL's help() shows. Generated: do not",
             'edit."""', "", "SIGNATURES: dict[str, tuple[str, ...]] = {"]
    for name, signatures in table.items():
        lines.append(f"    {name!r}: {signatures!r},")
    lines.append("}")
    TARGET.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(table)} signatures written to {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
