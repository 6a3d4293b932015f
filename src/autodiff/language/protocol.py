"""The explicit attribute tables: what a script may read, set or call on each type of value.

A script never reaches a Python attribute directly. `x.name` looks `name` up in the table registered
for `type(x)` (for a class, the table registered for the class itself); anything not in a table is an
AttributeError, and so is every name starting with `_` unless a table lists it outright because it is public
API (namedtuple's `_asdict`, PyTorch's `_version`; never a dunder). This is
the sandbox's wall and also the single place that lists what each type offers (for errors, completion
and the README's list of supported PyTorch).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from autodiff.errors import AutodiffError


@dataclass
class TypeTable:
    """What scripts may do with one Python type.

    getters: `x.name` -> getter(x)
    setters: `x.name = v` -> setter(x, v)
    methods: `x.name(*a, **k)` -> method(x, *a, **k); `x.name` alone gives a bound method value.
    """

    type_name: str
    getters: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    setters: dict[str, Callable[[Any, Any], None]] = field(default_factory=dict)
    methods: dict[str, Callable[..., Any]] = field(default_factory=dict)

    def names(self) -> list[str]:
        return sorted({*self.getters, *self.methods})


_TABLES: dict[type, TypeTable] = {}
_CLASS_TABLES: dict[type, TypeTable] = {}


def register(python_type: type, table: TypeTable) -> TypeTable:
    """Register (or extend) the table of `python_type`; returns the table in force."""
    existing = _TABLES.get(python_type)
    if existing is None:
        _TABLES[python_type] = table
        return table
    existing.getters.update(table.getters)
    existing.setters.update(table.setters)
    existing.methods.update(table.methods)
    return existing


def has_own_table(python_type: type) -> bool:
    """Whether `python_type` itself has a table (not only one of its bases)."""
    return python_type in _TABLES


def register_class(python_class: type, table: TypeTable) -> TypeTable:
    """Register what scripts may read on the class object itself (`Point._fields`, `chain.from_iterable`)."""
    _CLASS_TABLES[python_class] = table
    return table


def table_of(value: Any) -> TypeTable | None:
    kind = type(value)
    if kind is type and value in _CLASS_TABLES:
        return _CLASS_TABLES[value]
    table = _TABLES.get(kind)
    if table is None:
        for base in type(value).__mro__[1:]:
            table = _TABLES.get(base)
            if table is not None:
                break
    return table


def type_name(value: Any) -> str:
    table = table_of(value)
    if table is not None:
        return table.type_name
    return _PLAIN_NAMES.get(type(value), "object")


_PLAIN_NAMES = {
    int: "int", float: "float", bool: "bool", str: "str", list: "list", tuple: "tuple",
    dict: "dict", type(None): "NoneType", range: "range", slice: "slice",
}


class BoundMethod:
    """`x.name` where name is a method: calling it calls the table's method with x first."""

    __slots__ = ("receiver", "name", "function")

    def __init__(self, receiver: Any, name: str, function: Callable[..., Any]):
        self.receiver = receiver
        self.name = name
        self.function = function

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.function(self.receiver, *args, **kwargs)

    def __repr__(self) -> str:
        return f"<built-in method {self.name} of {type_name(self.receiver)} object>"


_ADDRESS = re.compile(r" at 0x[0-9a-f]{8,16}>")  # as CPython writes a pointer


def without_address(value: Any, text: str) -> str:
    """`text`, how Python shows `value`, without the memory addresses CPython puts in the text of objects that
    keep its own repr (generators, iterators: `<generator object Module.parameters>`), so output is the same
    from run to run. A string's own text is left alone."""
    if " at 0x" in text and type(value) is not str:
        return _ADDRESS.sub(">", text)
    return text


class BuiltinFunction:
    """A function of the torch API or of Python's builtins as a script sees it: called like the function it
    wraps, printed as CPython prints a builtin (`<built-in function print>`): no address, no internal name."""

    __slots__ = ("name", "function")

    def __init__(self, name: str, function: Callable[..., Any]):
        self.name = name
        self.function = function

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.function(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<built-in function {self.name}>"

    # Equal to the function it wraps, so that tables keyed by functions (backward's gradient creators) find it.
    def __eq__(self, other: object) -> bool:
        return other is self or other is self.function or (
            type(other) is BuiltinFunction and other.function is self.function)

    def __hash__(self) -> int:
        return hash(self.function)


BuiltinFunction.__name__ = BuiltinFunction.__qualname__ = "builtin_function_or_method"


def _no_attribute(value: Any, name: str, table: TypeTable | None) -> AutodiffError:
    kind = type_name(value)
    if name.startswith("_"):
        return AutodiffError(
            "AttributeError", f"'{kind}' object has no attribute '{name}' (scripts cannot reach Python internals)"
        )
    hint = None
    if table is not None:
        close = difflib.get_close_matches(name, table.names(), n=1)
        if close:
            hint = f"did you mean '{close[0]}'?"
    message = f"'{kind}' object has no attribute '{name}'"
    if hint:
        message += f"; {hint}"
    return AutodiffError("AttributeError", message, hint=hint)


# Module attributes with underscores that scripts may read (`torch.__version__`); members of the namespace only.
NAMESPACE_DUNDERS = frozenset({"__version__"})


def _listed(table: TypeTable, name: str) -> bool:
    """A name with a leading underscore is reachable only when a table names it outright (never a dunder, never
    through a table's dynamic fallback such as nn.Module's attribute lookup)."""
    if name.startswith("__"):
        return False
    return dict.__contains__(table.getters, name) or dict.__contains__(table.methods, name) or (
        dict.__contains__(table.setters, name))


def get_attribute(value: Any, name: str) -> Any:
    if type(value) is Namespace and (not name.startswith("_") or name in NAMESPACE_DUNDERS):
        return _namespace_member(value, name)
    table = table_of(value)
    if table is not None and (not name.startswith("_") or _listed(table, name)):
        getter = table.getters.get(name)
        if getter is not None:
            return getter(value)
        method = table.methods.get(name)
        if method is not None:
            return BoundMethod(value, name, method)
    raise _no_attribute(value, name, table)


def call_method(value: Any, name: str, args: Iterable[Any], kwargs: dict[str, Any]) -> Any:
    """`value.name(*args, **kwargs)` without building a BoundMethod (the interpreter's fast path)."""
    if type(value) is Namespace and not name.startswith("_"):
        return _namespace_member(value, name)(*args, **kwargs)
    table = table_of(value)
    if table is not None and (not name.startswith("_") or _listed(table, name)):
        method = table.methods.get(name)
        if method is not None:
            return method(value, *args, **kwargs)
        getter = table.getters.get(name)
        if getter is not None:
            return getter(value)(*args, **kwargs)
    raise _no_attribute(value, name, table)


def set_attribute(value: Any, name: str, new_value: Any) -> None:
    table = table_of(value)
    if table is not None and (not name.startswith("_") or _listed(table, name)):
        setter = table.setters.get(name)
        if setter is not None:
            setter(value, new_value)
            return
        if name in table.getters or name in table.methods:
            raise AutodiffError("AttributeError", f"attribute '{name}' of '{table.type_name}' objects is not writable")
    raise _no_attribute(value, name, table)


def attribute_names(value: Any) -> list[str]:
    if type(value) is Namespace:
        return sorted(value.members)
    table = table_of(value)
    return table.names() if table is not None else []


class Namespace:
    """A module-like bag of names (`torch`, `torch.nn`, `F`): `ns.name` reads its members."""

    __slots__ = ("name", "members")

    def __init__(self, name: str, members: dict[str, Any] | None = None):
        self.name = name
        self.members: dict[str, Any] = dict(members or {})

    def __repr__(self) -> str:
        return f"<module '{self.name}'>"


def _namespace_member(namespace: Namespace, name: str) -> Any:
    try:
        return namespace.members[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(namespace.members), n=1)
        hint = f"did you mean '{namespace.name}.{close[0]}'?" if close else None
        message = f"module '{namespace.name}' has no attribute '{name}'"
        if hint:
            message += f"; {hint}"
        raise AutodiffError("AttributeError", message, hint=hint) from None


_TABLES[Namespace] = TypeTable("module")
_TABLES[BuiltinFunction] = TypeTable("builtin function")
