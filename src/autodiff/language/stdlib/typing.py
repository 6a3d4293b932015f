"""`import typing`: the names annotations are written with (`List[int]`, `Optional[Tensor]`, ...), CPython's own.

autodiff does not evaluate annotations (as under `from __future__ import annotations`), so these matter when a
script builds a type expression itself (`Vector = List[float]`) or calls `cast`. Subscripting, printing and
comparing them is CPython's behaviour; their attributes are not reachable (they lead to Python internals).
Names that only work on classes (`Generic`, `Protocol`, `NamedTuple`, `TypedDict`) or that inspect functions
(`overload`, `get_type_hints`) stay out.
"""

from __future__ import annotations

import typing

from autodiff.language.protocol import Namespace, TypeTable, register

NAMES = (
    "Any", "Callable", "ClassVar", "Final", "Literal", "Optional", "Tuple", "Type", "TypeVar", "Union", "Annotated",
    "List", "Dict", "Set", "FrozenSet", "DefaultDict", "OrderedDict", "Counter", "Deque", "ChainMap",
    "Iterable", "Iterator", "Generator", "Sequence", "MutableSequence", "Mapping", "MutableMapping", "Collection",
    "Container", "Hashable", "Sized", "Reversible", "AbstractSet", "MutableSet", "ItemsView", "KeysView",
    "ValuesView", "NoReturn", "Never", "Text", "AnyStr", "SupportsFloat", "SupportsInt", "SupportsIndex",
    "SupportsAbs", "SupportsRound", "TYPE_CHECKING", "cast",
)


def _register_tables() -> None:
    """The type expressions a script builds print and compare as CPython's; they offer no attributes."""
    samples = (typing.List, typing.List[int], typing.Union, typing.Optional[int],  # noqa: UP006, UP045
               typing.Callable, typing.Callable[[int], int], typing.Literal[1], typing.Any,
               typing.Annotated[int, 1], typing.TypeVar("T"), typing.Tuple, typing.Tuple[int, ...])  # noqa: UP006
    for kind in {type(sample) for sample in samples}:
        register(kind, TypeTable(kind.__name__))


def build() -> dict[str, Namespace]:
    _register_tables()
    return {"typing": Namespace("typing", {name: getattr(typing, name) for name in NAMES if hasattr(typing, name)})}
