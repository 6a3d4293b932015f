"""What a name means at compile time: the scopes of module, functions and comprehensions, and the names a body
binds."""

from __future__ import annotations

from typing import Any

from autodiff.language import nodes
from autodiff.language.syntax import ParseError


class Scope:
    """What a name means at compile time: module globals, or locals of a function / comprehension."""

    __slots__ = ("kind", "parent", "locals", "globals", "nonlocals", "name")

    def __init__(self, kind: str, parent: Scope | None, local_names: set[str] = frozenset(),  # type: ignore[assignment]
                 global_names: set[str] = frozenset(), nonlocal_names: set[str] = frozenset(),  # type: ignore[assignment]
                 name: str = ""):
        self.kind = kind
        self.parent = parent
        self.locals = set(local_names)
        self.globals = set(global_names)
        self.nonlocals = set(nonlocal_names)
        self.name = name


def binding_names(target: Any, out: set[str]) -> None:
    if isinstance(target, nodes.Name):
        out.add(target.id)
    elif isinstance(target, (nodes.Tuple, nodes.List)):
        for element in target.elts:
            binding_names(element, out)
    elif isinstance(target, nodes.Starred):
        binding_names(target.value, out)


def scan_function_body(body: list[Any]) -> tuple[set[str], set[str], set[str]]:
    """(assigned names, global declarations, nonlocal declarations) of a function body, not descending
    into nested functions or comprehensions."""
    assigned: set[str] = set()
    declared_global: set[str] = set()
    declared_nonlocal: set[str] = set()
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, nodes.Assign):
            for target in node.targets:
                binding_names(target, assigned)
        elif isinstance(node, nodes.AugAssign):
            binding_names(node.target, assigned)
        elif isinstance(node, nodes.For):
            binding_names(node.target, assigned)
            stack.extend(node.body)
            stack.extend(node.orelse)
        elif isinstance(node, (nodes.If, nodes.While)):
            stack.extend(node.body)
            stack.extend(node.orelse)
        elif isinstance(node, nodes.With):
            for item in node.items:
                if item.target is not None:
                    binding_names(item.target, assigned)
            stack.extend(node.body)
        elif isinstance(node, nodes.FunctionDef):
            assigned.add(node.name)
        elif isinstance(node, nodes.Import):
            for alias in node.names:
                assigned.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, nodes.ImportFrom):
            for alias in node.names:
                if alias.name == "*":
                    raise ParseError("import * only allowed at module level", node.span)
                assigned.add(alias.asname or alias.name)
        elif isinstance(node, nodes.Delete):
            for target in node.targets:
                binding_names(target, assigned)
        elif isinstance(node, nodes.Global):
            declared_global.update(node.names)
        elif isinstance(node, nodes.Nonlocal):
            declared_nonlocal.update(node.names)
    both = declared_global & declared_nonlocal
    if both:
        raise ParseError(f"name '{sorted(both)[0]}' is nonlocal and global", body[0].span)
    return assigned - declared_global - declared_nonlocal, declared_global, declared_nonlocal


def module_bound_names(module: nodes.Module) -> set[str]:
    """Every name any statement of the module may bind as a global (a superset is fine)."""
    names: set[str] = set()
    for node in nodes.walk(module):
        if isinstance(node, nodes.Assign):
            for target in node.targets:
                binding_names(target, names)
        elif isinstance(node, (nodes.AugAssign, nodes.For)):
            binding_names(node.target, names)
        elif isinstance(node, nodes.WithItem) and node.target is not None:
            binding_names(node.target, names)
        elif isinstance(node, nodes.FunctionDef):
            names.add(node.name)
        elif isinstance(node, nodes.Import):
            names.update(alias.asname or alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, nodes.ImportFrom):
            names.update(alias.asname or alias.name for alias in node.names)
            if any(alias.name == "*" for alias in node.names):
                names.add("*")
        elif isinstance(node, nodes.Global):
            names.update(node.names)
    return names

