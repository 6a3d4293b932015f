"""The explicit attribute tables: what a script may read, set or call on each type of value.

A script never reaches a Python attribute directly. `x.name` looks `name` up in the table registered
for `type(x)` (for a class, the table registered for the class itself); anything not in a table is an
AttributeError, and so is every name starting with `_` unless a table lists it outright because it is public
API (namedtuple's `_asdict`, PyTorch's `_version`; never a dunder). This is
the sandbox's wall and also the single place that lists what each type offers (for errors, completion
and the README's list of supported PyTorch).

Classes a script defines are real Python classes (see runtime/classes.py); on them and their instances a
script reaches the names its own classes define (methods, class attributes, properties, the dunders of
SCRIPT_DUNDERS it wrote), the attributes it set, and the table of their native base (nn.Module's
`parameters()`). A few dunders are readable on every value (`__class__`, `__name__`, `__doc__`, ...);
`__dict__`, `__globals__`, `__subclasses__`, `__code__`, `__traceback__`, frames: never.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from autodiff.errors import AutodiffError


class TypeTable:
    """What scripts may do with one Python type.

    getters: `x.name` -> getter(x)
    setters: `x.name = v` -> setter(x, v)
    methods: `x.name(*a, **k)` -> method(x, *a, **k); `x.name` alone gives a bound method value.
    (A plain class: as a dataclass it compiled its methods at every start.)
    """

    def __init__(self, type_name: str, getters: dict[str, Callable[[Any], Any]] | None = None,
                 setters: dict[str, Callable[[Any, Any], None]] | None = None,
                 methods: dict[str, Callable[..., Any]] | None = None, extensible: bool = False,
                 named_by_class: bool = False):
        self.type_name = type_name
        self.getters = getters if getters is not None else {}
        self.setters = setters if setters is not None else {}
        self.methods = methods if methods is not None else {}
        # Values that keep other attributes a script sets in their __dict__ (functions: `f.calls = 0`).
        self.extensible = extensible
        # Errors name the value's own class (an exception's table serves every exception class).
        self.named_by_class = named_by_class

    def __repr__(self) -> str:
        return f"TypeTable({self.type_name!r})"

    def names(self) -> list[str]:
        return sorted({*self.getters, *self.methods})


_TABLES: dict[type, TypeTable] = {}
_CLASS_TABLES: dict[type, TypeTable] = {}
# Each registered type's getters, setters and methods (its table's own dicts, which register() extends in place),
# but a Namespace's, whose members are neither: compiled code reads `x.name`, writes `x.name = v` and calls
# `x.name(...)` with a public name in two look-ups, as get_attribute, set_attribute and call_method would.
GETTERS_BY_TYPE: dict[type, dict[str, Callable[[Any], Any]]] = {}
SETTERS_BY_TYPE: dict[type, dict[str, Callable[[Any, Any], None]]] = {}
METHODS_BY_TYPE: dict[type, dict[str, Callable[..., Any]]] = {}
NO_ENTRIES: dict[str, Any] = {}  # what those give for an unregistered type (never written to)


def register(python_type: type, table: TypeTable) -> TypeTable:
    """Register (or extend) the table of `python_type`; returns the table in force."""
    existing = _TABLES.get(python_type)
    if existing is None:
        _TABLES[python_type] = table
        if python_type is not Namespace:
            GETTERS_BY_TYPE[python_type] = table.getters
            SETTERS_BY_TYPE[python_type] = table.setters
            METHODS_BY_TYPE[python_type] = table.methods
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
    return _TABLES.get(kind) or _table_by_mro(kind)


def _table_by_mro(kind: type) -> TypeTable | None:
    for base in kind.__mro__[1:]:
        table = _TABLES.get(base)
        if table is not None:
            return table
    return None


def type_name(value: Any) -> str:
    kind = type(value)
    if kind in _SCRIPT_CLASSES:
        return kind.__name__
    table = table_of(value)
    if table is not None:
        return public_type(kind).__name__ if table.named_by_class else table.type_name
    return _PLAIN_NAMES.get(kind, "object")


_PLAIN_NAMES = {
    int: "int", float: "float", bool: "bool", str: "str", list: "list", tuple: "tuple",
    dict: "dict", type(None): "NoneType", range: "range", slice: "slice", type: "type", set: "set",
    frozenset: "frozenset", object: "object", super: "super",
}


# -- classes a script defines, and what it reaches on them ------------------------------------------------

# The dunder methods a script's class may define (Python calls them: operators, len, iteration, printing,
# `with`); defining any other dunder (__getattribute__, __del__, __init_subclass__, ...) is refused.
_ARITHMETIC = ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor",
               "lshift", "rshift", "divmod")
SCRIPT_DUNDERS = frozenset({
    "__init__", "__repr__", "__str__", "__format__", "__call__", "__len__", "__getitem__", "__setitem__",
    "__delitem__", "__iter__", "__next__", "__reversed__", "__contains__", "__bool__", "__hash__", "__eq__",
    "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__enter__", "__exit__", "__neg__", "__pos__", "__abs__",
    "__invert__", "__round__", "__int__", "__float__", "__index__",
    *(f"__{name}__" for name in _ARITHMETIC), *(f"__r{name}__" for name in _ARITHMETIC),
    *(f"__i{name}__" for name in _ARITHMETIC if name != "divmod"),
})
# Dunders Python itself puts in a class's namespace.
CLASS_BODY_DUNDERS = frozenset({"__module__", "__qualname__", "__doc__"})


class ScriptClass:
    """What the wall knows of a class a script defined: `own` are the names its body (or later assignments)
    defined; `names` those of every script class along its MRO; `hidden` the instance attributes its native
    base keeps for itself (nn.Module's `_parameters`)."""

    __slots__ = ("own", "names", "hidden")

    def __init__(self, own: set[str], hidden: frozenset[str]):
        self.own = own
        self.names: frozenset[str] = frozenset()
        self.hidden = hidden


_SCRIPT_CLASSES: dict[type, ScriptClass] = {}


def register_script_class(cls: type, own: set[str], hidden: frozenset[str]) -> None:
    _SCRIPT_CLASSES[cls] = ScriptClass(set(own), hidden)
    _refresh_names()


def is_script_class(value: Any) -> bool:
    return value in _SCRIPT_CLASSES if isinstance(value, type) else False


def script_names(cls: type) -> frozenset[str]:
    """The names a script class and its script bases define."""
    info = _SCRIPT_CLASSES.get(cls)
    return info.names if info is not None else frozenset()


def _refresh_names() -> None:
    for cls, info in _SCRIPT_CLASSES.items():
        names: set[str] = set()
        for base in cls.__mro__:
            base_info = _SCRIPT_CLASSES.get(base)
            if base_info is not None:
                names |= base_info.own
        info.names = frozenset(names - CLASS_BODY_DUNDERS)


def _is_dunder(name: str) -> bool:
    return len(name) > 4 and name[:2] == "__" and name[-2:] == "__"


def _python_getattr(value: Any, name: str) -> Any:
    """Python's own lookup for a name the wall lets through; its AttributeError becomes a script error."""
    try:
        return getattr(value, name)
    except AttributeError as exc:
        if isinstance(exc, AutodiffError) or getattr(exc, "autodiff_raised", False):
            raise
        raise AutodiffError("AttributeError", str(exc)) from None


def _python_setattr(value: Any, name: str, new_value: Any, delete: bool = False) -> None:
    try:
        if delete:
            delattr(value, name)
        else:
            setattr(value, name, new_value)
    except AttributeError as exc:
        if isinstance(exc, AutodiffError) or getattr(exc, "autodiff_raised", False):
            raise
        raise AutodiffError("AttributeError", str(exc)) from None


def _script_attribute(value: Any, name: str, info: ScriptClass) -> Any:
    if name in info.names:
        return _python_getattr(value, name)
    if _is_dunder(name):
        return _dunder(value, name, None)
    state = value.__dict__
    if name in state and name not in info.hidden:
        return state[name]
    table = _table_by_mro(type(value))
    if table is not None and name[:1] != "_":
        getter = table.getters.get(name)
        if getter is not None:
            return getter(value)
        method = table.methods.get(name)
        if method is not None:
            return BoundMethod(value, name, method)
    raise _no_attribute(value, name, table)


# Native classes a script may subclass, with the instance attributes each keeps for itself.
SUBCLASSABLE: dict[type, frozenset[str]] = {object: frozenset()}


def allow_subclassing(cls: type, hidden: Iterable[str] = ()) -> type:
    """Let scripts subclass the native class `cls` (and its subclasses): see runtime/classes.py for what such a
    class must do. `hidden`: the instance attributes of its own state, which scripts must not read or set on
    their subclasses' instances. Returns cls, so it can decorate the class definition."""
    SUBCLASSABLE[cls] = frozenset(hidden)
    return cls


def subclassable(cls: type) -> bool:
    """Whether a script may subclass `cls`: object, the built-in exceptions, the classes scripts defined and
    the native classes registered by runtime.classes.allow_subclassing (and their subclasses)."""
    if cls in _SCRIPT_CLASSES or cls in SUBCLASSABLE:
        return True
    if issubclass(cls, BaseException):
        return cls.__module__ == "builtins" and not issubclass(cls, AutodiffError)
    return any(base in SUBCLASSABLE for base in cls.__mro__[1:-1])


def _class_attribute(cls: type, name: str) -> Any:
    info = _SCRIPT_CLASSES.get(cls)
    if info is not None and name in info.names:
        return _python_getattr(cls, name)
    if name == "__init__" and (info is not None or subclassable(cls)):
        return cls.__init__
    if _is_dunder(name):
        return _dunder(cls, name, None)
    if name[:1] != "_" or info is None:
        for base in cls.__mro__[1:]:  # what the native base's class offers (`MyFunction.apply`)
            table = _CLASS_TABLES.get(base)
            if table is not None and (name[:1] != "_" or _listed(table, name)):
                getter = table.getters.get(name)
                if getter is not None:
                    return getter(cls)
                method = table.methods.get(name)
                if method is not None:
                    return BoundMethod(cls, name, method)
    raise _no_attribute(cls, name, None)


def _super_attribute(value: super, name: str) -> Any:
    instance = value.__self__
    owner = instance if isinstance(instance, type) else type(instance)
    info = _SCRIPT_CLASSES.get(owner)
    allowed = name in SCRIPT_DUNDERS if _is_dunder(name) else (
        (info is not None and name in info.names) or name in _native_names(owner))
    if allowed:
        return _python_getattr(value, name)
    raise _no_attribute(value, name, None)


def _native_names(kind: type) -> set[str]:
    table = _table_by_mro(kind)
    return set() if table is None else {*table.getters, *table.methods}


# -- what `type(x)` gives ----------------------------------------------------------------------------------

_PUBLIC_CLASSES: set[type] = {int, float, bool, str, list, tuple, dict, set, frozenset, range, slice, object,
                              type(None), complex}
_CLASS_OF: dict[type, Callable[[Any], Any]] = {}  # per-value answers: a Tensor is torch.Tensor or nn.Parameter
_CLASS_VIEWS: dict[type, Any] = {}  # what to show for a class scripts may not hold (`type` itself, ...)
_CLASS_NAMES: dict[type, str] = {}  # dotted names for views: torch.dtype, torch.Size


def expose_classes(values: Iterable[Any]) -> None:
    """Classes among `values` are part of the API (a namespace offers them), so `type(x)` may give them."""
    _PUBLIC_CLASSES.update(value for value in values if isinstance(value, type))


def register_class_of(kind: type, answer: Callable[[Any], Any]) -> None:
    _CLASS_OF[kind] = answer


def register_class_view(kind: type, view: Any) -> None:
    _CLASS_VIEWS[kind] = view


def register_class_name(kind: type, dotted: str) -> None:
    _CLASS_NAMES[kind] = dotted


# Values that stand for a class without being one (torch.Tensor, the `type` builtin, ClassView), with the
# Python class each stands for (what issubclass compares).
_CLASS_LIKES: dict[type, Callable[[Any], type]] = {}


def register_class_like(kind: type, as_python_class: Callable[[Any], type]) -> None:
    _CLASS_LIKES[kind] = as_python_class


def is_class_like(value: Any) -> bool:
    return isinstance(value, type) or type(value) in _CLASS_LIKES


def as_class(value: Any) -> type:
    return value if isinstance(value, type) else _CLASS_LIKES[type(value)](value)


def public_class(value: Any) -> Any:
    """`type(value)` for a script: the value's class if scripts may hold it, else a stand-in that prints,
    compares and answers isinstance like it (but builds nothing and has no attributes)."""
    kind = type(value)
    if kind not in _SCRIPT_CLASSES:
        for base in kind.__mro__:
            answer = _CLASS_OF.get(base)
            if answer is not None:
                return answer(value)
    return public_type(kind)


def public_type(kind: type) -> Any:
    if kind in _SCRIPT_CLASSES or kind in _PUBLIC_CLASSES:
        return kind
    if issubclass(kind, AutodiffError):  # an error of category RuntimeError is a RuntimeError
        for base in kind.__bases__:
            if not issubclass(base, AutodiffError):
                return base
    elif issubclass(kind, BaseException) and kind.__module__ == "builtins":
        return kind
    view = _CLASS_VIEWS.get(kind)
    if view is None:
        view = _CLASS_VIEWS[kind] = ClassView(kind)
    return view


class ClassView:
    """What `type(x)` gives for a value whose Python class is autodiff's own: it prints as PyTorch or Python
    would print that class (`<class 'torch.dtype'>`, `<class 'function'>`), compares equal to itself, answers
    isinstance and issubclass, and has only its `__name__`."""

    __slots__ = ("cls", "__name__", "__qualname__", "dotted")

    def __init__(self, cls: type, dotted: str | None = None):
        self.cls = cls
        table = _TABLES.get(cls) or _table_by_mro(cls)
        self.dotted = dotted or _CLASS_NAMES.get(cls) or _PLAIN_NAMES.get(cls) or (
            table.type_name if table is not None else cls.__name__)
        self.__name__ = self.__qualname__ = self.dotted.rpartition(".")[2]

    def __repr__(self) -> str:
        return f"<class '{self.dotted}'>"

    def __instancecheck__(self, value: Any) -> bool:
        return isinstance(value, self.cls)

    def __subclasscheck__(self, other: Any) -> bool:
        return isinstance(other, ClassView) and issubclass(other.cls, self.cls)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise AutodiffError("TypeError", f"cannot create '{self.dotted}' instances")


def _dunder(value: Any, name: str, table: TypeTable | None) -> Any:
    """The few dunders readable on any value: `__class__`, and the string ones (`__name__` of a class or
    function, `__doc__`, `__module__`)."""
    if name == "__class__":
        return public_class(value)
    if name in ("__name__", "__qualname__", "__doc__", "__module__"):
        if type(value) is Namespace and name == "__name__":
            return value.name
        found = getattr(value, name, None)
        if isinstance(found, str) or (found is None and name == "__doc__"):
            return found
    if name == "__init__" and (type(value) in _SCRIPT_CLASSES or (isinstance(value, type) and subclassable(value))):
        return getattr(value, name)
    if name in ("__cause__", "__context__") and isinstance(value, BaseException):
        from autodiff.language.runtime.exceptions import exception_chain

        return exception_chain(value, name)
    raise _no_attribute(value, name, table)


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
    if isinstance(value, type) and (value in _SCRIPT_CLASSES or value in _PUBLIC_CLASSES):
        if _is_dunder(name):
            return AutodiffError("AttributeError", f"type object '{value.__name__}' has no attribute '{name}' "
                                 "(scripts cannot reach Python internals)")
        return AutodiffError("AttributeError", f"type object '{value.__name__}' has no attribute '{name}'")
    if type(value) in _SCRIPT_CLASSES and not _is_dunder(name):
        return AutodiffError("AttributeError", f"'{kind}' object has no attribute '{name}'")
    if name.startswith("_"):
        return AutodiffError(
            "AttributeError", f"'{kind}' object has no attribute '{name}' (scripts cannot reach Python internals)"
        )
    hint = None
    if table is not None:
        import difflib

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
    kind = type(value)
    if kind is Namespace and (name[:1] != "_" or name in NAMESPACE_DUNDERS):
        return _namespace_member(value, name)
    table = _TABLES.get(kind)
    if table is None:
        if kind is type and value in _CLASS_TABLES:
            table = _CLASS_TABLES[value]
        else:
            info = _SCRIPT_CLASSES.get(kind)
            if info is not None:
                return _script_attribute(value, name, info)
            if isinstance(value, type):
                return _class_attribute(value, name)
            if kind is super:
                return _super_attribute(value, name)
            table = _table_by_mro(kind)
    if name[:1] != "_" or (table is not None and _listed(table, name)):
        if table is not None:
            getter = table.getters.get(name)
            if getter is not None:
                return getter(value)
            method = table.methods.get(name)
            if method is not None:
                return BoundMethod(value, name, method)
            if table.extensible and name in value.__dict__:
                return value.__dict__[name]
    elif _is_dunder(name):
        return _dunder(value, name, table)
    raise _no_attribute(value, name, table)


def call_method(value: Any, name: str, args: Iterable[Any], kwargs: dict[str, Any]) -> Any:
    """`value.name(*args, **kwargs)` without building a BoundMethod (the interpreter's fast path)."""
    kind = type(value)
    if kind is Namespace and name[:1] != "_":
        return _namespace_member(value, name)(*args, **kwargs)
    table = _TABLES.get(kind)
    if table is not None and (name[:1] != "_" or _listed(table, name)):
        method = table.methods.get(name)
        if method is not None:
            return method(value, *args, **kwargs)
        getter = table.getters.get(name)
        if getter is not None:
            return getter(value)(*args, **kwargs)
    return get_attribute(value, name)(*args, **kwargs)


def set_attribute(value: Any, name: str, new_value: Any) -> None:
    kind = type(value)
    info = _SCRIPT_CLASSES.get(kind) if kind not in _TABLES else None
    if info is not None:
        if _is_dunder(name) or name in info.hidden:
            raise _no_attribute(value, name, None) if _is_dunder(name) else _internal(value, name)
        _python_setattr(value, name, new_value)
        return
    if isinstance(value, type) and value in _SCRIPT_CLASSES:
        if _is_dunder(name):
            raise _no_attribute(value, name, None)
        _python_setattr(value, name, new_value)
        _SCRIPT_CLASSES[value].own.add(name)
        _refresh_names()
        return
    table = table_of(value)
    if table is not None and (not name.startswith("_") or _listed(table, name)):
        setter = table.setters.get(name)
        if setter is not None:
            setter(value, new_value)
            return
        if name in table.getters or name in table.methods:
            raise AutodiffError("AttributeError", f"attribute '{name}' of '{table.type_name}' objects is not writable")
        if table.extensible:
            value.__dict__[name] = new_value
            return
    raise _no_attribute(value, name, table)


def delete_attribute(value: Any, name: str) -> None:
    """`del value.name`: attributes of script instances and classes, and of extensible values."""
    kind = type(value)
    info = _SCRIPT_CLASSES.get(kind) if kind not in _TABLES else None
    if info is not None and not _is_dunder(name) and name not in info.hidden:
        _python_setattr(value, name, None, delete=True)
        return
    if isinstance(value, type) and value in _SCRIPT_CLASSES and not _is_dunder(name):
        _python_setattr(value, name, None, delete=True)
        _SCRIPT_CLASSES[value].own.discard(name)
        _refresh_names()
        return
    table = table_of(value)
    if table is not None and table.extensible and name[:1] != "_" and name in value.__dict__:
        del value.__dict__[name]
        return
    if table is not None and name in table.getters:
        raise AutodiffError("AttributeError", f"attribute '{name}' of '{table.type_name}' objects is not writable")
    raise _no_attribute(value, name, table)


def _internal(value: Any, name: str) -> AutodiffError:
    return AutodiffError("AttributeError", f"'{type_name(value)}' object has no attribute '{name}' (scripts "
                         "cannot reach Python internals)")


def attribute_names(value: Any) -> list[str]:
    if type(value) is Namespace:
        return sorted(value.members)
    names: set[str] = set()
    info = _SCRIPT_CLASSES.get(type(value)) or (_SCRIPT_CLASSES.get(value) if isinstance(value, type) else None)
    if info is not None:
        names |= {name for name in info.names if not _is_dunder(name)}
        if not isinstance(value, type):
            names |= {name for name in value.__dict__ if name not in info.hidden and not _is_dunder(name)}
    table = table_of(value)
    if table is not None:
        names |= set(table.names())
    return sorted(names)


class Namespace:
    """A module-like bag of names (`torch`, `torch.nn`, `F`): `ns.name` reads its members."""

    __slots__ = ("name", "members")

    def __init__(self, name: str, members: dict[str, Any] | None = None):
        self.name = name
        self.members: dict[str, Any] = dict(members or {})

    def __repr__(self) -> str:
        return f"<module '{self.name}'>"

    @classmethod
    def pending(cls, name: str, build: Callable[[], dict[str, Any]]) -> Namespace:
        """A namespace whose members `build()` makes the first time anything reads them (a script that never
        touches `torch.optim` never imports the optimizers). It is a Namespace like any other: the same type,
        the same object before and after, and its members are a plain dict from the first read on."""
        namespace = cls(name)
        namespace.members = PendingMembers(namespace, build)
        return namespace


class PendingMembers(dict):  # type: ignore[type-arg]
    """The members of a namespace not built yet (Namespace.pending). Every way of reading them builds them once,
    puts the plain dict in the namespace's place and answers from it; the namespace never hands this out again."""

    __slots__ = ("namespace", "build", "built")

    def __init__(self, namespace: Namespace, build: Callable[[], dict[str, Any]]):
        super().__init__()
        self.namespace = namespace
        self.build = build
        self.built: dict[str, Any] | None = None

    def resolve(self) -> dict[str, Any]:
        if self.built is None:
            self.built = dict(self.build())
            self.namespace.members = self.built
        return self.built

    def __getitem__(self, name: str) -> Any:
        return self.resolve()[name]

    def __setitem__(self, name: str, value: Any) -> None:
        self.resolve()[name] = value

    def __delitem__(self, name: str) -> None:
        del self.resolve()[name]

    def __contains__(self, name: object) -> bool:
        return name in self.resolve()

    def __iter__(self) -> Any:
        return iter(self.resolve())

    def __len__(self) -> int:
        return len(self.resolve())

    def __eq__(self, other: object) -> bool:
        return self.resolve() == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self.resolve())

    def get(self, name: str, default: Any = None) -> Any:
        return self.resolve().get(name, default)

    def keys(self) -> Any:
        return self.resolve().keys()

    def values(self) -> Any:
        return self.resolve().values()

    def items(self) -> Any:
        return self.resolve().items()

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.resolve().update(*args, **kwargs)

    def setdefault(self, name: str, default: Any = None) -> Any:
        return self.resolve().setdefault(name, default)

    def pop(self, *args: Any) -> Any:
        return self.resolve().pop(*args)

    def copy(self) -> dict[str, Any]:
        return dict(self.resolve())


def is_built(namespace: Namespace) -> bool:
    """Whether a namespace's members exist yet (reading them builds them: ask this first to leave them be)."""
    return type(namespace.members) is not PendingMembers


def _namespace_member(namespace: Namespace, name: str) -> Any:
    try:
        return namespace.members[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, list(namespace.members), n=1)
        hint = f"did you mean '{namespace.name}.{close[0]}'?" if close else None
        message = f"module '{namespace.name}' has no attribute '{name}'"
        if hint:
            message += f"; {hint}"
        raise AutodiffError("AttributeError", message, hint=hint) from None


_TABLES[Namespace] = TypeTable("module")
_TABLES[ClassView] = TypeTable("type")
register_class_like(ClassView, lambda view: view.cls)
_TABLES[BuiltinFunction] = TypeTable("builtin function")
