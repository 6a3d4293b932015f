"""`import collections`: CPython's defaultdict, Counter, OrderedDict, deque, namedtuple and ChainMap.

Scripts get CPython's own classes and instances, so values, printing, operators and errors are CPython's; what
a script may call on them is listed in the tables below, each method taken from the class itself (Counter's
`update` adds counts, OrderedDict's `keys` is its own). `namedtuple` makes a real CPython namedtuple class
(in `__main__`, as a script's class would be) and registers the tables of that class and of its instances.
"""

from __future__ import annotations

import collections
import operator
from collections.abc import Callable, Iterable
from typing import Any

from autodiff.errors import AutodiffError
from autodiff.language import protocol
from autodiff.language.protocol import Namespace, TypeTable, register, register_class
from autodiff.language.stdlib import cpython_type_name

DICT_METHODS = ("keys", "values", "items", "get", "update", "pop", "popitem", "setdefault", "copy", "clear")
CLASS_METHODS: dict[type, tuple[str, ...]] = {
    collections.defaultdict: DICT_METHODS,
    collections.OrderedDict: (*DICT_METHODS, "move_to_end"),
    collections.Counter: (*DICT_METHODS, "most_common", "elements", "subtract", "total"),
    collections.deque: ("append", "appendleft", "pop", "popleft", "extend", "extendleft", "rotate", "clear",
                        "count", "index", "insert", "remove", "reverse", "copy"),
    collections.ChainMap: (*DICT_METHODS, "new_child"),
}
CLASS_GETTERS: dict[type, dict[str, Callable[[Any], Any]]] = {
    collections.deque: {"maxlen": lambda d: d.maxlen},
    collections.defaultdict: {"default_factory": lambda d: d.default_factory},
    collections.ChainMap: {"maps": lambda m: m.maps, "parents": lambda m: m.parents},
}


def _set_default_factory(mapping: collections.defaultdict, factory: Any) -> None:  # type: ignore[type-arg]
    if factory is not None and not callable(factory):
        raise AutodiffError("TypeError", "default_factory must be callable or None")
    mapping.default_factory = factory


def _register_tables() -> None:
    dict_table = protocol.table_of({})
    extra_dict_methods = tuple(dict_table.methods) if dict_table is not None else ()
    for kind, names in CLASS_METHODS.items():
        if issubclass(kind, dict):
            names = (*names, *(name for name in extra_dict_methods if name not in names))
        methods = {name: getattr(kind, name) for name in names if hasattr(kind, name)}
        register(kind, TypeTable(cpython_type_name(kind), getters=dict(CLASS_GETTERS.get(kind, {})),
                                 methods=methods))
    protocol.table_of(collections.defaultdict()).setters["default_factory"] = _set_default_factory
    register_class(collections.OrderedDict, TypeTable("type", methods={
        "fromkeys": lambda kind, *args: kind.fromkeys(*args)}))
    register_class(collections.Counter, TypeTable("type", methods={
        "fromkeys": lambda kind, *args: kind.fromkeys(*args)}))


# -- namedtuple ----------------------------------------------------------------------------------------------

def _cannot_set(instance: Any, value: Any) -> None:
    raise AutodiffError("AttributeError", "can't set attribute")


def _read_only(name: str) -> Callable[[Any, Any], None]:
    def refuse(instance: Any, value: Any) -> None:
        raise AutodiffError("AttributeError", f"'{type(instance).__name__}' object attribute '{name}' is read-only")

    return refuse


def _register_namedtuple(kind: type) -> None:
    fields: tuple[str, ...] = kind._fields  # type: ignore[attr-defined]
    getters: dict[str, Callable[[Any], Any]] = {
        "_fields": lambda p: type(p)._fields, "_field_defaults": lambda p: type(p)._field_defaults,
    }
    getters.update({field: operator.itemgetter(index) for index, field in enumerate(fields)})
    methods: dict[str, Callable[..., Any]] = {
        "_asdict": kind._asdict,  # type: ignore[attr-defined]
        "_replace": kind._replace,  # type: ignore[attr-defined]
        "_make": lambda p, iterable: type(p)._make(iterable),
        "count": kind.count,
        "index": kind.index,
    }
    setters: dict[str, Callable[[Any, Any], None]] = dict.fromkeys(fields, _cannot_set)
    for name in ("count", "index", "_asdict", "_replace", "_make", "_fields", "_field_defaults"):
        if name not in fields:
            setters[name] = _read_only(name)
    register(kind, TypeTable(kind.__name__, getters=getters, methods=methods, setters=setters))
    protocol.allow_subclassing(kind)  # `class Point(namedtuple("Point", "x y")):` adds methods, as tutorials do
    register_class(kind, TypeTable("type", getters={
        "_fields": lambda k: k._fields, "_field_defaults": lambda k: k._field_defaults,
    }, methods={"_make": lambda k, iterable: k._make(iterable)}))


def namedtuple(typename: str, field_names: str | Iterable[str], *, rename: bool = False,
               defaults: Iterable[Any] | None = None, module: str | None = None) -> type:
    """CPython's namedtuple: the class it builds is CPython's (names checked as identifiers, not keywords)."""
    kind = collections.namedtuple(typename, field_names, rename=rename, defaults=defaults,
                                  module="__main__" if module is None else module)
    _register_namedtuple(kind)
    return kind


namedtuple.__doc__ = collections.namedtuple.__doc__


def build() -> dict[str, Namespace]:
    _register_tables()
    members: dict[str, Any] = {
        "defaultdict": collections.defaultdict, "Counter": collections.Counter,
        "OrderedDict": collections.OrderedDict, "deque": collections.deque, "ChainMap": collections.ChainMap,
        "namedtuple": namedtuple,
    }
    return {"collections": Namespace("collections", members)}
