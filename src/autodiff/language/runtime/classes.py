"""Classes a script defines with `class`: real Python classes built with `type(name, bases, namespace)`.

Script functions are descriptors (runtime/functions.py), so methods, staticmethod, classmethod, property,
the MRO, super, reflected operators and the __eq__/__hash__ rules are CPython's own. What a class body may
define is checked here (protocol.SCRIPT_DUNDERS), and so is what it may derive from:

- `object`, the built-in exception classes and classes the script defined;
- native classes that opted in with `protocol.allow_subclassing(cls)` (nn.Module, and so every module
  class), and their subclasses. Such a class must behave like an ordinary Python class: keep its state through Python
  attribute lookup (nn.Module's `__setattr__`/`__getattr__`), find methods by normal lookup (`__call__`
  calls `self.forward`), never test `type(x) is Cls`. `hidden` names the instance attributes it keeps for
  itself: a script cannot read or set them on its subclass's instances.

Any other base (torch.Tensor, int, a function) is a TypeError naming the class.
"""

from __future__ import annotations

from typing import Any

from autodiff.errors import AutodiffError
from autodiff.language import protocol
from autodiff.language.runtime.functions import UserFunction


def make_class(name: str, qualname: str, bases: tuple[Any, ...], namespace: dict[str, Any]) -> type:
    """The class a `class` statement defines (its body has run and filled `namespace`)."""
    for base in bases:
        _check_base(name, base)
    for key in namespace:
        if len(key) > 4 and key[:2] == "__" and key[-2:] == "__" and (
                key not in protocol.SCRIPT_DUNDERS and key not in protocol.CLASS_BODY_DUNDERS):
            raise AutodiffError("TypeError", f"class {name} defines {key}, which autodiff scripts cannot define",
                                hint="a script's class may define __init__, the operator, container, iteration, "
                                "comparison, printing and context-manager dunders (see the README)")
    own = set(namespace)
    namespace["__module__"] = "__main__"
    namespace["__qualname__"] = qualname
    try:
        cls = type(name, bases or (object,), namespace)
    except TypeError as exc:  # the MRO or the instance layouts of the bases do not fit together
        raise AutodiffError("TypeError", str(exc)) from None
    hidden: set[str] = set()
    for base in cls.__mro__:
        hidden |= protocol.SUBCLASSABLE.get(base, frozenset())
    protocol.register_script_class(cls, own, frozenset(hidden))
    for value in namespace.values():
        for function in _functions_of(value):
            if function.owner is None:
                function.owner = cls
    return cls


def _functions_of(value: Any) -> list[UserFunction]:
    """The script functions inside a class attribute: itself, or those a staticmethod, classmethod or
    property wraps."""
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    if isinstance(value, property):
        return [f for f in (value.fget, value.fset, value.fdel) if isinstance(f, UserFunction)]
    return [value] if isinstance(value, UserFunction) else []


def _check_base(name: str, base: Any) -> None:
    if not isinstance(base, type):
        shown = repr(base) if type(base).__name__ in ("TensorType", "ClassView") else (
            f"a '{protocol.type_name(base)}' object")
        raise AutodiffError("TypeError", f"class {name} cannot derive from {shown}: a base must be a class "
                            "(object, an exception class, nn.Module or a class of the script)")
    if not protocol.subclassable(base):
        raise AutodiffError("TypeError", f"autodiff scripts cannot subclass {base.__name__}: a script's class "
                            "may derive from object, the exception classes, nn.Module (and its subclasses) or "
                            "its own classes")
