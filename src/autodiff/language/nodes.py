"""The syntax tree of an autodiff script: small classes of fields (`syntax_node`), each with the source span it
came from."""

from __future__ import annotations

from typing import Any

from autodiff.errors import Span

_MISSING = object()


class _Fresh:
    """A field's default made anew for each node (`fresh(list)`), as a dataclass field's default_factory."""

    __slots__ = ("make",)

    def __init__(self, make: Any):
        self.make = make


def fresh(make: Any) -> Any:
    return _Fresh(make)


def syntax_node(cls: type) -> type:
    """What `@dataclass(slots=True)` makes of a class of annotated fields (an `__init__` taking them in order,
    defaults last; `__eq__` field by field; a `__repr__` listing them; `__slots__`; unhashable), built for
    start-up: dataclasses spent ~1.5 ms a class (three generated methods compiled one by one, the class made
    twice), which put this module near the top of a script's start-up profile. Here equality and repr are shared,
    and each class's small `__init__` is compiled when the class makes its first node: a short script uses a
    dozen of the ~55 classes, and compiling all of them took ~3 ms of every start."""
    names = tuple(cls.__dict__.get("__annotations__", {}))
    defaults: dict[str, Any] = {}
    factories: dict[str, Any] = {}
    for name in names:
        if name in cls.__dict__:
            value = cls.__dict__[name]
            if isinstance(value, _Fresh):
                factories[name] = value.make
                defaults[name] = _MISSING
            else:
                defaults[name] = value
    made: list[type] = []

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:  # replaced by the compiled one on its first call
        node_class = made[0]
        node_class.__init__ = _compiled_init(node_class, names, defaults, factories)  # type: ignore[misc]
        node_class.__init__(self, *args, **kwargs)

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    namespace = {key: value for key, value in cls.__dict__.items()
                 if key not in names and key not in ("__dict__", "__weakref__")}
    namespace.update(__slots__=names, __init__=__init__, __eq__=_node_eq, __repr__=_node_repr,
                     __hash__=None, __match_args__=names, __node_fields__=names)
    made.append(type(cls.__name__, cls.__bases__, namespace))
    return made[0]


def _compiled_init(node_class: type, names: tuple[str, ...], defaults: dict[str, Any],
                   factories: dict[str, Any]) -> Any:
    parameters = ", ".join(f"{name}=_defaults[{name!r}]" if name in defaults else name for name in names)
    body = "".join(f"\n    self.{name} = _factories[{name!r}]() if {name} is _MISSING else {name}" if name in factories
                   else f"\n    self.{name} = {name}" for name in names) or "\n    pass"
    scope: dict[str, Any] = {"_defaults": defaults, "_factories": factories, "_MISSING": _MISSING}
    exec(f"def __init__(self, {parameters}):{body}", scope)  # noqa: S102 - our own field names, no user text
    scope["__init__"].__qualname__ = f"{node_class.__qualname__}.__init__"
    return scope["__init__"]


def _node_eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    fields = self.__node_fields__
    return tuple([getattr(self, name) for name in fields]) == tuple([getattr(other, name) for name in fields])


def _node_repr(self: Any) -> str:
    fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__node_fields__)
    return f"{type(self).__qualname__}({fields})"


# Expressions ------------------------------------------------------------------------------------


@syntax_node
class Name:
    id: str
    span: Span


@syntax_node
class Constant:
    """A literal: int, float, str, True/False/None or Ellipsis."""

    value: Any
    span: Span


@syntax_node
class FormattedValue:
    """`{value!conversion:format_spec}` inside an f-string."""

    value: Any
    conversion: str | None
    format_spec: JoinedStr | None
    span: Span


@syntax_node
class JoinedStr:
    """An f-string: literal pieces (Constant str) and FormattedValue pieces, in order."""

    parts: list[Any]
    span: Span


@syntax_node
class List:
    elts: list[Any]
    span: Span


@syntax_node
class Tuple:
    elts: list[Any]
    span: Span


@syntax_node
class Dict:
    """`{k: v, **m}`: a key of None marks a `**m` entry whose mapping is in values."""

    keys: list[Any]
    values: list[Any]
    span: Span


@syntax_node
class Starred:
    """`*value` in a call, a display or an assignment target."""

    value: Any
    span: Span


@syntax_node
class BinOp:
    op: str  # '+', '-', '*', '/', '//', '%', '**', '@', '&', '|', '^', '<<', '>>'
    left: Any
    right: Any
    span: Span


@syntax_node
class UnaryOp:
    op: str  # '-', '+', '~', 'not'
    operand: Any
    span: Span


@syntax_node
class BoolOp:
    op: str  # 'and' or 'or'
    values: list[Any]
    span: Span


@syntax_node
class Compare:
    """`left op1 c1 op2 c2 ...` (chained): ops are '<', '>', '==', '>=', '<=', '!=', 'in', 'not in',
    'is', 'is not'."""

    left: Any
    ops: list[str]
    comparators: list[Any]
    span: Span


@syntax_node
class IfExp:
    test: Any
    body: Any
    orelse: Any
    span: Span


@syntax_node
class Keyword:
    """`name=value` in a call; name None means `**value`."""

    name: str | None
    value: Any
    span: Span


@syntax_node
class Call:
    func: Any
    args: list[Any]  # expressions, or Starred for `*args`
    keywords: list[Keyword]
    span: Span


@syntax_node
class Attribute:
    value: Any
    attr: str
    span: Span


@syntax_node
class Subscript:
    value: Any
    index: Any  # an expression, a Slice, or a Tuple of them
    span: Span


@syntax_node
class Slice:
    lower: Any | None
    upper: Any | None
    step: Any | None
    span: Span


@syntax_node
class Comprehension:
    """`for target in iter if cond1 if cond2` inside a comprehension."""

    target: Any
    iter: Any
    ifs: list[Any]
    span: Span


@syntax_node
class ListComp:
    elt: Any
    generators: list[Comprehension]
    span: Span


@syntax_node
class GeneratorExp:
    elt: Any
    generators: list[Comprehension]
    span: Span


@syntax_node
class DictComp:
    key: Any
    value: Any
    generators: list[Comprehension]
    span: Span


@syntax_node
class Set:
    elts: list[Any]
    span: Span


@syntax_node
class SetComp:
    elt: Any
    generators: list[Comprehension]
    span: Span


@syntax_node
class Lambda:
    params: list[Param]
    body: Any
    span: Span


@syntax_node
class NamedExpr:
    """`target := value`."""

    target: Name
    value: Any
    span: Span


@syntax_node
class Yield:
    """`yield value` (value None for a bare `yield`)."""

    value: Any | None
    span: Span


@syntax_node
class YieldFrom:
    value: Any
    span: Span


# Statements -------------------------------------------------------------------------------------


@syntax_node
class ExprStmt:
    value: Any
    span: Span


@syntax_node
class Assign:
    """`t1 = t2 = value`: targets are Name, Attribute, Subscript, or Tuple/List/Starred of them."""

    targets: list[Any]
    value: Any
    span: Span


@syntax_node
class AugAssign:
    target: Any  # Name, Attribute or Subscript
    op: str  # the binary operator: '+', '-', ...
    value: Any
    span: Span


@syntax_node
class If:
    test: Any
    body: list[Any]
    orelse: list[Any]
    span: Span


@syntax_node
class While:
    test: Any
    body: list[Any]
    orelse: list[Any]
    span: Span


@syntax_node
class For:
    target: Any
    iter: Any
    body: list[Any]
    orelse: list[Any]
    span: Span


@syntax_node
class Break:
    span: Span


@syntax_node
class Continue:
    span: Span


@syntax_node
class Pass:
    span: Span


@syntax_node
class Return:
    value: Any | None
    span: Span


@syntax_node
class Param:
    """One parameter of a def: kind is 'positional', 'varargs' (*args), 'keyword_only' or 'varkw'
    (**kwargs)."""

    name: str
    default: Any | None
    kind: str
    span: Span


@syntax_node
class FunctionDef:
    name: str
    params: list[Param]
    body: list[Any]
    span: Span  # the whole definition
    header: Span = None  # type: ignore[assignment]  # `def name(...)` only
    decorators: list[Any] = fresh(list)  # applied bottom-up, evaluated top-down


@syntax_node
class ClassDef:
    name: str
    bases: list[Any]  # expressions, or Starred for `*bases`
    keywords: list[Keyword]
    body: list[Any]
    span: Span  # the whole definition
    header: Span = None  # type: ignore[assignment]  # `class Name(...)` only
    decorators: list[Any] = fresh(list)


@syntax_node
class ExceptHandler:
    """`except type as name:`; type None for a bare `except:`."""

    type: Any | None
    name: str | None
    body: list[Any]
    span: Span


@syntax_node
class Try:
    body: list[Any]
    handlers: list[ExceptHandler]
    orelse: list[Any]
    finalbody: list[Any]
    span: Span


@syntax_node
class Raise:
    """`raise`, `raise exc` or `raise exc from cause` (`from_cause` tells `from None` from no `from`)."""

    exc: Any | None
    cause: Any | None
    span: Span
    from_cause: bool = False


@syntax_node
class WithItem:
    context: Any
    target: Any | None
    span: Span


@syntax_node
class With:
    items: list[WithItem]
    body: list[Any]
    span: Span


@syntax_node
class Alias:
    """`name as asname` in an import; for `import a.b` name is the dotted 'a.b'."""

    name: str
    asname: str | None
    span: Span


@syntax_node
class Import:
    names: list[Alias]
    span: Span


@syntax_node
class ImportFrom:
    """`from module import names`; names is [Alias('*')] for `from module import *`."""

    module: str
    names: list[Alias]
    span: Span


@syntax_node
class Global:
    names: list[str]
    span: Span


@syntax_node
class Nonlocal:
    names: list[str]
    span: Span


@syntax_node
class Delete:
    targets: list[Any]
    span: Span


@syntax_node
class Assert:
    test: Any
    msg: Any | None
    span: Span


@syntax_node
class Module:
    body: list[Any]
    span: Span
    filename: str = "<script>"


EXPRESSIONS = (
    Name, Constant, FormattedValue, JoinedStr, List, Tuple, Dict, Starred, BinOp, UnaryOp, BoolOp,
    Compare, IfExp, Call, Attribute, Subscript, Slice, ListComp, GeneratorExp, DictComp, Set, SetComp, Lambda,
    NamedExpr, Yield, YieldFrom,
)
STATEMENTS = (
    ExprStmt, Assign, AugAssign, If, While, For, Break, Continue, Pass, Return, FunctionDef, With,
    Import, ImportFrom, Global, Nonlocal, Delete, Assert, ClassDef, Try, Raise,
)
COMPOUND_STATEMENTS = (If, While, For, FunctionDef, With, ClassDef, Try)
# Nodes that open a scope of their own: names they bind are not the enclosing body's.
SCOPES = (FunctionDef, ClassDef, Lambda, ListComp, GeneratorExp, DictComp, SetComp)


def children(node: Any) -> list[Any]:
    """The direct sub-nodes of `node` (for walkers: spans shifting, fuzzing, analyses)."""
    out: list[Any] = []
    for name in node.__slots__:
        if name in ("span", "header", "from_cause"):
            continue
        value = getattr(node, name)
        if isinstance(value, list):
            out.extend(v for v in value if hasattr(v, "span"))
        elif hasattr(value, "span") and not isinstance(value, Span):
            out.append(value)
    return out


def walk(node: Any):
    """Yield `node` and every node below it (iteratively, so deep trees are fine)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))
