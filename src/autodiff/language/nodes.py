"""The syntax tree of an autodiff script: small dataclasses, each with the source span it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from autodiff.errors import Span

# Expressions ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Name:
    id: str
    span: Span


@dataclass(slots=True)
class Constant:
    """A literal: int, float, str, True/False/None or Ellipsis."""

    value: Any
    span: Span


@dataclass(slots=True)
class FormattedValue:
    """`{value!conversion:format_spec}` inside an f-string."""

    value: Any
    conversion: str | None
    format_spec: JoinedStr | None
    span: Span


@dataclass(slots=True)
class JoinedStr:
    """An f-string: literal pieces (Constant str) and FormattedValue pieces, in order."""

    parts: list[Any]
    span: Span


@dataclass(slots=True)
class List:
    elts: list[Any]
    span: Span


@dataclass(slots=True)
class Tuple:
    elts: list[Any]
    span: Span


@dataclass(slots=True)
class Dict:
    """`{k: v, **m}`: a key of None marks a `**m` entry whose mapping is in values."""

    keys: list[Any]
    values: list[Any]
    span: Span


@dataclass(slots=True)
class Starred:
    """`*value` in a call, a display or an assignment target."""

    value: Any
    span: Span


@dataclass(slots=True)
class BinOp:
    op: str  # '+', '-', '*', '/', '//', '%', '**', '@', '&', '|', '^', '<<', '>>'
    left: Any
    right: Any
    span: Span


@dataclass(slots=True)
class UnaryOp:
    op: str  # '-', '+', '~', 'not'
    operand: Any
    span: Span


@dataclass(slots=True)
class BoolOp:
    op: str  # 'and' or 'or'
    values: list[Any]
    span: Span


@dataclass(slots=True)
class Compare:
    """`left op1 c1 op2 c2 ...` (chained): ops are '<', '>', '==', '>=', '<=', '!=', 'in', 'not in',
    'is', 'is not'."""

    left: Any
    ops: list[str]
    comparators: list[Any]
    span: Span


@dataclass(slots=True)
class IfExp:
    test: Any
    body: Any
    orelse: Any
    span: Span


@dataclass(slots=True)
class Keyword:
    """`name=value` in a call; name None means `**value`."""

    name: str | None
    value: Any
    span: Span


@dataclass(slots=True)
class Call:
    func: Any
    args: list[Any]  # expressions, or Starred for `*args`
    keywords: list[Keyword]
    span: Span


@dataclass(slots=True)
class Attribute:
    value: Any
    attr: str
    span: Span


@dataclass(slots=True)
class Subscript:
    value: Any
    index: Any  # an expression, a Slice, or a Tuple of them
    span: Span


@dataclass(slots=True)
class Slice:
    lower: Any | None
    upper: Any | None
    step: Any | None
    span: Span


@dataclass(slots=True)
class Comprehension:
    """`for target in iter if cond1 if cond2` inside a comprehension."""

    target: Any
    iter: Any
    ifs: list[Any]
    span: Span


@dataclass(slots=True)
class ListComp:
    elt: Any
    generators: list[Comprehension]
    span: Span


@dataclass(slots=True)
class GeneratorExp:
    elt: Any
    generators: list[Comprehension]
    span: Span


@dataclass(slots=True)
class DictComp:
    key: Any
    value: Any
    generators: list[Comprehension]
    span: Span


@dataclass(slots=True)
class Set:
    elts: list[Any]
    span: Span


@dataclass(slots=True)
class SetComp:
    elt: Any
    generators: list[Comprehension]
    span: Span


@dataclass(slots=True)
class Lambda:
    params: list[Param]
    body: Any
    span: Span


@dataclass(slots=True)
class NamedExpr:
    """`target := value`."""

    target: Name
    value: Any
    span: Span


@dataclass(slots=True)
class Yield:
    """`yield value` (value None for a bare `yield`)."""

    value: Any | None
    span: Span


@dataclass(slots=True)
class YieldFrom:
    value: Any
    span: Span


# Statements -------------------------------------------------------------------------------------


@dataclass(slots=True)
class ExprStmt:
    value: Any
    span: Span


@dataclass(slots=True)
class Assign:
    """`t1 = t2 = value`: targets are Name, Attribute, Subscript, or Tuple/List/Starred of them."""

    targets: list[Any]
    value: Any
    span: Span


@dataclass(slots=True)
class AugAssign:
    target: Any  # Name, Attribute or Subscript
    op: str  # the binary operator: '+', '-', ...
    value: Any
    span: Span


@dataclass(slots=True)
class If:
    test: Any
    body: list[Any]
    orelse: list[Any]
    span: Span


@dataclass(slots=True)
class While:
    test: Any
    body: list[Any]
    orelse: list[Any]
    span: Span


@dataclass(slots=True)
class For:
    target: Any
    iter: Any
    body: list[Any]
    orelse: list[Any]
    span: Span


@dataclass(slots=True)
class Break:
    span: Span


@dataclass(slots=True)
class Continue:
    span: Span


@dataclass(slots=True)
class Pass:
    span: Span


@dataclass(slots=True)
class Return:
    value: Any | None
    span: Span


@dataclass(slots=True)
class Param:
    """One parameter of a def: kind is 'positional', 'varargs' (*args), 'keyword_only' or 'varkw'
    (**kwargs)."""

    name: str
    default: Any | None
    kind: str
    span: Span


@dataclass(slots=True)
class FunctionDef:
    name: str
    params: list[Param]
    body: list[Any]
    span: Span  # the whole definition
    header: Span = field(default=None)  # type: ignore[assignment]  # `def name(...)` only
    decorators: list[Any] = field(default_factory=list)  # applied bottom-up, evaluated top-down


@dataclass(slots=True)
class ClassDef:
    name: str
    bases: list[Any]  # expressions, or Starred for `*bases`
    keywords: list[Keyword]
    body: list[Any]
    span: Span  # the whole definition
    header: Span = field(default=None)  # type: ignore[assignment]  # `class Name(...)` only
    decorators: list[Any] = field(default_factory=list)


@dataclass(slots=True)
class ExceptHandler:
    """`except type as name:`; type None for a bare `except:`."""

    type: Any | None
    name: str | None
    body: list[Any]
    span: Span


@dataclass(slots=True)
class Try:
    body: list[Any]
    handlers: list[ExceptHandler]
    orelse: list[Any]
    finalbody: list[Any]
    span: Span


@dataclass(slots=True)
class Raise:
    """`raise`, `raise exc` or `raise exc from cause` (`from_cause` tells `from None` from no `from`)."""

    exc: Any | None
    cause: Any | None
    span: Span
    from_cause: bool = False


@dataclass(slots=True)
class WithItem:
    context: Any
    target: Any | None
    span: Span


@dataclass(slots=True)
class With:
    items: list[WithItem]
    body: list[Any]
    span: Span


@dataclass(slots=True)
class Alias:
    """`name as asname` in an import; for `import a.b` name is the dotted 'a.b'."""

    name: str
    asname: str | None
    span: Span


@dataclass(slots=True)
class Import:
    names: list[Alias]
    span: Span


@dataclass(slots=True)
class ImportFrom:
    """`from module import names`; names is [Alias('*')] for `from module import *`."""

    module: str
    names: list[Alias]
    span: Span


@dataclass(slots=True)
class Global:
    names: list[str]
    span: Span


@dataclass(slots=True)
class Nonlocal:
    names: list[str]
    span: Span


@dataclass(slots=True)
class Delete:
    targets: list[Any]
    span: Span


@dataclass(slots=True)
class Assert:
    test: Any
    msg: Any | None
    span: Span


@dataclass(slots=True)
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
