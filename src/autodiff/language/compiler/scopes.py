"""What a name means at compile time: the scopes of module, functions, classes and comprehensions, and the
names a body binds.

At run time each scope but the module has its own dict of names (`L`); a nested scope reaches the names of
the scopes around it through `L[".outer"]`. Class bodies are skipped on that chain, as in Python: a method
does not see the names of its class body, only those of the functions around the class.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from autodiff.language import nodes
from autodiff.language.syntax import ParseError


class Scope:
    """What a name means at compile time: module globals, or the names of a function, class body or
    comprehension. `kind` is 'module', 'function', 'class' or 'comprehension'; `qualname` is the dotted name
    Python gives what is defined in this scope (`Net.forward`, `outer.<locals>.inner`)."""

    __slots__ = ("kind", "parent", "locals", "globals", "nonlocals", "name", "qualname", "generator",
                 "first_param", "in_class")

    def __init__(self, kind: str, parent: Scope | None, local_names: set[str] = frozenset(),  # type: ignore[assignment]
                 global_names: set[str] = frozenset(), nonlocal_names: set[str] = frozenset(),  # type: ignore[assignment]
                 name: str = ""):
        self.kind = kind
        self.parent = parent
        self.locals = set(local_names)
        self.globals = set(global_names)
        self.nonlocals = set(nonlocal_names)
        self.name = name
        self.qualname = ""
        self.generator = False  # a function whose body yields
        self.first_param: str | None = None  # what zero-argument super() binds to, in a method
        self.in_class = False  # a function defined directly in a class body (a method)

    def prefix(self) -> str:
        """What Python puts before the name of something defined in this scope."""
        if self.kind == "module":
            return ""
        if self.kind == "class":
            return self.qualname + "."
        return self.qualname + ".<locals>."

    def function(self) -> Scope | None:
        """The function this scope runs in (comprehensions run in their function), or None."""
        scope: Scope | None = self
        while scope is not None and scope.kind == "comprehension":
            scope = scope.parent
        return scope if scope is not None and scope.kind == "function" else None


def binding_names(target: Any, out: set[str]) -> None:
    if isinstance(target, nodes.Name):
        out.add(target.id)
    elif isinstance(target, (nodes.Tuple, nodes.List)):
        for element in target.elts:
            binding_names(element, out)
    elif isinstance(target, nodes.Starred):
        binding_names(target.value, out)


def _expressions_of(statement: Any) -> Iterator[Any]:
    """The expressions directly in a statement (not in the statements of its body)."""
    for child in nodes.children(statement):
        if not isinstance(child, (*nodes.STATEMENTS, nodes.ExceptHandler, nodes.WithItem)):
            yield child
        elif isinstance(child, nodes.WithItem):
            yield from nodes.children(child)
        elif isinstance(child, nodes.ExceptHandler) and child.type is not None:
            yield child.type


def walrus_targets(expression: Any, out: set[str]) -> None:
    """Names bound by `:=` in an expression: they belong to the enclosing function, even from inside a
    comprehension; a lambda is a function of its own."""
    stack = [expression]
    while stack:
        node = stack.pop()
        if isinstance(node, nodes.NamedExpr):
            out.add(node.target.id)
        if not isinstance(node, (nodes.Lambda, nodes.FunctionDef, nodes.ClassDef)):
            stack.extend(nodes.children(node))


def scan_function_body(body: list[Any]) -> tuple[set[str], set[str], set[str]]:
    """(assigned names, global declarations, nonlocal declarations) of a function or class body, not
    descending into nested functions, classes or comprehensions."""
    assigned: set[str] = set()
    declared_global: set[str] = set()
    declared_nonlocal: set[str] = set()
    stack = list(body)
    while stack:
        node = stack.pop()
        if not isinstance(node, (nodes.FunctionDef, nodes.ClassDef)):
            for expression in _expressions_of(node):
                walrus_targets(expression, assigned)
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
        elif isinstance(node, nodes.Try):
            stack.extend(node.body)
            stack.extend(node.orelse)
            stack.extend(node.finalbody)
            for handler in node.handlers:
                if handler.name is not None:
                    assigned.add(handler.name)
                stack.extend(handler.body)
        elif isinstance(node, (nodes.FunctionDef, nodes.ClassDef)):
            assigned.add(node.name)
            for decorator in node.decorators:
                walrus_targets(decorator, assigned)
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
        elif isinstance(node, (nodes.FunctionDef, nodes.ClassDef)):
            names.add(node.name)
        elif isinstance(node, nodes.ExceptHandler) and node.name is not None:
            names.add(node.name)
        elif isinstance(node, nodes.NamedExpr):
            names.add(node.target.id)
        elif isinstance(node, nodes.Import):
            names.update(alias.asname or alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, nodes.ImportFrom):
            names.update(alias.asname or alias.name for alias in node.names)
            if any(alias.name == "*" for alias in node.names):
                names.add("*")
        elif isinstance(node, nodes.Global):
            names.update(node.names)
    return names


def yields_in(body: list[Any]) -> bool:
    """Whether a function body yields (not counting functions, classes and lambdas defined in it). A `yield`
    in a comprehension is Python's SyntaxError."""
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (nodes.Yield, nodes.YieldFrom)):
            return True
        if isinstance(node, (nodes.ListComp, nodes.SetComp, nodes.DictComp, nodes.GeneratorExp)):
            for sub in nodes.walk(node):
                if isinstance(sub, (nodes.Yield, nodes.YieldFrom)):
                    kind = {nodes.ListComp: "list comprehension", nodes.SetComp: "set comprehension",
                            nodes.DictComp: "dict comprehension", nodes.GeneratorExp: "generator expression"}
                    raise ParseError(f"'yield' inside {kind[type(node)]}", sub.span)
        if isinstance(node, (nodes.FunctionDef, nodes.ClassDef, nodes.Lambda)):
            if not isinstance(node, nodes.Lambda):
                stack.extend(node.decorators)
            continue
        stack.extend(nodes.children(node))
    return False


def mentions(body: list[Any], name: str) -> bool:
    """Whether `name` is read anywhere in body, nested scopes included (for `super` and `__class__`)."""
    return any(isinstance(node, nodes.Name) and node.id == name for statement in body
               for node in nodes.walk(statement))
