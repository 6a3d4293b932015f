"""`from __future__ import annotations` and friends: accepted, as CPython accepts them.

Every feature but `annotations` is already how Python 3 behaves; `annotations` (annotations are not evaluated)
is how autodiff always treats them. As in CPython, a future import must come first in the file and name a real
feature; `barry_as_FLUFL` (which would make `!=` a syntax error) is refused.
"""

from __future__ import annotations
import __future__

from typing import Any

from autodiff.language import nodes
from autodiff.language.protocol import Namespace, TypeTable, register
from autodiff.language.syntax import ParseError

FEATURES = tuple(name for name in __future__.all_feature_names if name != "barry_as_FLUFL")


def check_import(node: nodes.ImportFrom, body: list[Any]) -> None:
    """CPython's compile-time checks of `from __future__ import ...` (a SyntaxError at the statement)."""
    for alias in node.names:
        if alias.name == "braces":
            raise ParseError("not a chance", alias.span)
        if alias.name == "barry_as_FLUFL":
            raise ParseError("from __future__ import barry_as_FLUFL is not supported in autodiff scripts",
                             alias.span)
        if alias.name not in FEATURES:
            raise ParseError(f"future feature {alias.name} is not defined", alias.span)
    for index, statement in enumerate(body):
        if statement is node:
            earlier = body[:index]
            break
    else:
        earlier = None
    if earlier is None or not all(_may_precede_future(statement, position) for position, statement in
                                  enumerate(earlier)):
        raise ParseError("from __future__ imports must occur at the beginning of the file", node.span)


def _may_precede_future(statement: Any, position: int) -> bool:
    if isinstance(statement, nodes.ImportFrom):
        return statement.module == "__future__"
    return (position == 0 and isinstance(statement, nodes.ExprStmt) and isinstance(statement.value, nodes.Constant)
            and isinstance(statement.value.value, str))


def build() -> dict[str, Namespace]:
    feature_type = type(__future__.annotations)
    register(feature_type, TypeTable("__future__._Feature", methods={
        "getOptionalRelease": feature_type.getOptionalRelease,
        "getMandatoryRelease": feature_type.getMandatoryRelease,
    }, getters={"compiler_flag": lambda feature: feature.compiler_flag}))
    members: dict[str, Any] = {name: getattr(__future__, name) for name in FEATURES}
    members["all_feature_names"] = list(__future__.all_feature_names)
    return {"__future__": Namespace("__future__", members)}
