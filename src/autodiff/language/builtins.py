"""The part of Python's builtins a script may use, and the attribute tables of Python's own values (str, list,
dict, tuple, set, exceptions, generators, properties).

Anything not listed here (open, eval, exec, compile, input, __import__, globals, locals, vars, ...) does not
exist in a script: using it is a NameError that says why. `type`, `getattr`, `hasattr`, `setattr` and
`delattr` go through the protocol tables like every attribute a script reads, so `x.__dict__` and friends
stay out of reach.
"""

from __future__ import annotations

import _string  # the parser behind str.format, to resolve fields through the attribute tables
import types
from collections.abc import Callable
from functools import cache
from typing import Any

from autodiff.errors import AutodiffError
from autodiff.language import protocol
from autodiff.language.protocol import TypeTable

# Python builtins deliberately left out (files, running text as code, the interpreter's own namespaces, the
# terminal); naming one gives a NameError that says why.
UNAVAILABLE_BUILTINS = frozenset({
    "open", "eval", "exec", "compile", "__import__", "globals", "locals", "vars", "dir", "input", "breakpoint",
    "help", "memoryview", "exit", "quit", "id", "bytes", "bytearray", "complex", "aiter", "anext",
})

# The exception classes a script can name, catch, raise and subclass (Python's own).
EXCEPTION_CLASSES: tuple[type[BaseException], ...] = (
    BaseException, Exception, ArithmeticError, AssertionError, AttributeError, FloatingPointError, ImportError,
    IndexError, KeyError, LookupError, ModuleNotFoundError, NameError, NotImplementedError, OverflowError,
    RecursionError, RuntimeError, StopIteration, TypeError, UnboundLocalError, UnicodeError, ValueError,
    ZeroDivisionError,
)


# Python's sum/min/max/any/all/sorted loop over a range in C, where neither the step limit nor the time limit
# can stop them: sum(range(10**12)) would run for hours. Longer ranges than this are a LimitError.
LONGEST_RANGE = 100_000_000


def _range_checked(function: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        for arg in args:
            if type(arg) is range:
                try:
                    length = len(arg)
                except OverflowError:
                    length = LONGEST_RANGE + 1
                if length > LONGEST_RANGE:
                    raise AutodiffError(
                        "LimitError", f"{function.__name__}() over {arg} would go through {length:,} numbers, more "
                        f"than autodiff allows in one call ({LONGEST_RANGE:,})",
                        hint="use a shorter range, or a for loop (bounded by --max-steps and --timeout)")
        return function(*args, **kwargs)

    call.__name__ = call.__qualname__ = function.__name__
    call.__doc__ = function.__doc__
    return call


def make_stdlib(write: Callable[[str], None]) -> dict[str, Any]:
    """The Python builtins a script may call; `print` sends its text to `write`."""

    def print_(*args: Any, sep: str | None = " ", end: str | None = "\n", flush: bool = False) -> None:
        if sep is None:
            sep = " "
        elif not isinstance(sep, str):
            raise AutodiffError("TypeError", f"sep must be None or a string, not {protocol.type_name(sep)}")
        if end is None:
            end = "\n"
        elif not isinstance(end, str):
            raise AutodiffError("TypeError", f"end must be None or a string, not {protocol.type_name(end)}")
        texts = list(map(str, args))
        joined = sep.join(texts)
        if " at 0x" in joined:
            joined = sep.join([protocol.without_address(arg, text) for arg, text in zip(args, texts, strict=True)])
        write(joined + end)

    print_.__name__ = "print"
    print_.__qualname__ = "print"
    names: dict[str, Any] = {
        "print": print_,
        "len": len,
        "range": range,
        "zip": zip,
        "enumerate": enumerate,
        "min": _range_checked(min),
        "max": _range_checked(max),
        "abs": abs,
        "round": round,
        "float": float,
        "int": int,
        "bool": bool,
        "str": str,
        "list": list,
        "tuple": tuple,
        "dict": dict,
        "set": set,
        "frozenset": frozenset,
        "slice": slice,
        "object": object,
        "sum": _range_checked(sum),
        "sorted": _range_checked(sorted),
        "reversed": reversed,
        "any": _range_checked(any),
        "all": _range_checked(all),
        "map": map,
        "filter": filter,
        "iter": iter,
        "next": next,
        "type": TYPE,
        "isinstance": isinstance,
        "issubclass": _issubclass,
        "hasattr": _hasattr,
        "getattr": _getattr,
        "setattr": _setattr,
        "delattr": _delattr,
        "callable": callable,
        "super": _super,
        "staticmethod": staticmethod,
        "classmethod": classmethod,
        "property": property,
        "divmod": divmod,
        "pow": _pow,
        "hash": hash,
        "repr": _repr,
        "ascii": ascii,
        "format": format,
        "chr": chr,
        "ord": ord,
        "hex": hex,
        "oct": oct,
        "bin": bin,
        "NotImplemented": NotImplemented,
        "Ellipsis": Ellipsis,
        "__name__": "__main__",
    }
    names.update((cls.__name__, cls) for cls in EXCEPTION_CLASSES)
    return names


class _TypeBuiltin:
    """`type`: `type(x)` is x's class as a script sees it (protocol.public_class: the script's class, int,
    torch.Tensor, ...); also what `isinstance(Net, type)` tests. Making classes with three arguments is for
    the class statement."""

    __slots__ = ()
    __name__ = "type"
    __qualname__ = "type"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and not kwargs:
            return protocol.public_class(args[0])
        if len(args) == 3:
            raise AutodiffError("TypeError", "type() with three arguments (making a class) is not available in "
                                "autodiff scripts; write a class statement")
        raise AutodiffError("TypeError", "type() takes 1 or 3 arguments")

    def __repr__(self) -> str:
        return "<class 'type'>"

    def __instancecheck__(self, value: Any) -> bool:
        return protocol.is_class_like(value)


TYPE = _TypeBuiltin()


def _issubclass(cls: Any, classinfo: Any) -> bool:
    if not protocol.is_class_like(cls):
        raise AutodiffError("TypeError", "issubclass() arg 1 must be a class")
    if isinstance(classinfo, tuple):
        return any(_issubclass(cls, item) for item in classinfo)
    if not protocol.is_class_like(classinfo):
        raise AutodiffError("TypeError", "issubclass() arg 2 must be a class, a tuple of classes, or a union")
    return issubclass(protocol.as_class(cls), protocol.as_class(classinfo))


def _attribute_name(name: Any) -> str:
    if not isinstance(name, str):
        raise AutodiffError("TypeError", f"attribute name must be string, not '{protocol.type_name(name)}'")
    return name


_MISSING = object()


def _getattr(value: Any, name: Any, default: Any = _MISSING) -> Any:
    try:
        return protocol.get_attribute(value, _attribute_name(name))
    except AttributeError:
        if default is _MISSING:
            raise
        return default


def _hasattr(value: Any, name: Any) -> bool:
    try:
        protocol.get_attribute(value, _attribute_name(name))
    except AttributeError:
        return False
    return True


def _setattr(value: Any, name: Any, new_value: Any) -> None:
    protocol.set_attribute(value, _attribute_name(name), new_value)


def _delattr(value: Any, name: Any) -> None:
    protocol.delete_attribute(value, _attribute_name(name))


def _super(*args: Any) -> super:
    if not args:  # the zero-argument form is compiled where `super()` is written (compiler/expressions.py)
        raise AutodiffError("RuntimeError", "super(): no arguments")
    return super(*args)


def _repr(value: Any) -> str:
    """repr() as print shows a value: no memory address from objects that keep CPython's repr (generators)."""
    return protocol.without_address(value, repr(value))


def _pow(base: Any, exponent: Any, mod: Any = None) -> Any:
    if mod is not None:
        return pow(base, exponent, mod)
    from autodiff.language.compiler.operators import power

    return power(base, exponent)


for _function, _name in ((_issubclass, "issubclass"), (_hasattr, "hasattr"), (_getattr, "getattr"),
                         (_setattr, "setattr"), (_delattr, "delattr"), (_super, "super"), (_pow, "pow")):
    _function.__name__ = _function.__qualname__ = _name


@cache
def _formatter() -> Any:
    """str.format whose `{0.name}` fields read attributes through the tables (never Python getattr); made on the
    first `.format` call: importing `string` compiles its Template pattern, ~1 ms of every start otherwise."""
    import string

    class SafeFormatter(string.Formatter):
        def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
            first, rest = _string.formatter_field_name_split(field_name)
            value = self.get_value(first, args, kwargs)
            for is_attribute, key in rest:
                value = protocol.get_attribute(value, key) if is_attribute else value[key]
            return value, first

    return SafeFormatter()


def _str_format(template: str, *args: Any, **kwargs: Any) -> str:
    return _formatter().vformat(template, args, kwargs)


def _register() -> None:
    protocol.register(str, TypeTable("str", methods={
        "format": _str_format,
        "join": str.join,
        "upper": str.upper,
        "lower": str.lower,
        "strip": str.strip,
        "lstrip": str.lstrip,
        "rstrip": str.rstrip,
        "split": str.split,
        "replace": str.replace,
        "startswith": str.startswith,
        "endswith": str.endswith,
        "find": str.find,
        "count": str.count,
        "center": str.center,
        "ljust": str.ljust,
        "rjust": str.rjust,
        "zfill": str.zfill,
        "title": str.title,
        "capitalize": str.capitalize,
        "isdigit": str.isdigit,
        "isalpha": str.isalpha,
        "isalnum": str.isalnum,
        "isspace": str.isspace,
        "isupper": str.isupper,
        "islower": str.islower,
        "isnumeric": str.isnumeric,
        "isdecimal": str.isdecimal,
        "splitlines": str.splitlines,
        "rsplit": str.rsplit,
        "partition": str.partition,
        "rpartition": str.rpartition,
        "rfind": str.rfind,
        "index": str.index,
        "rindex": str.rindex,
        "swapcase": str.swapcase,
        "casefold": str.casefold,
        "removeprefix": str.removeprefix,
        "removesuffix": str.removesuffix,
    }))
    protocol.register(list, TypeTable("list", methods={
        "append": list.append,
        "extend": list.extend,
        "pop": list.pop,
        "insert": list.insert,
        "index": list.index,
        "count": list.count,
        "reverse": list.reverse,
        "sort": list.sort,
        "copy": list.copy,
        "clear": list.clear,
        "remove": list.remove,
    }))
    protocol.register(dict, TypeTable("dict", methods={
        "keys": dict.keys,
        "values": dict.values,
        "items": dict.items,
        "get": dict.get,
        "update": dict.update,
        "pop": dict.pop,
        "setdefault": dict.setdefault,
        "copy": dict.copy,
        "clear": dict.clear,
        "popitem": dict.popitem,
    }))
    protocol.register(tuple, TypeTable("tuple", methods={"index": tuple.index, "count": tuple.count}))
    shared_set_methods = {name: getattr(frozenset, name) for name in (
        "union", "intersection", "difference", "symmetric_difference", "issubset", "issuperset", "isdisjoint",
        "copy")}
    protocol.register(frozenset, TypeTable("frozenset", methods=dict(shared_set_methods)))
    protocol.register(set, TypeTable("set", methods={**{name: getattr(set, name) for name in shared_set_methods},
                                                    **{name: getattr(set, name) for name in (
        "add", "remove", "discard", "pop", "clear", "update", "intersection_update", "difference_update",
        "symmetric_difference_update")}}))
    protocol.register(BaseException, TypeTable("BaseException", getters={"args": lambda e: e.args},
                                               named_by_class=True))
    protocol.register(property, TypeTable("property", methods={
        "setter": property.setter, "getter": property.getter, "deleter": property.deleter}))
    protocol.register(types.GeneratorType, TypeTable("generator", methods={
        "send": types.GeneratorType.send, "close": types.GeneratorType.close, "throw": types.GeneratorType.throw}))
    # The Python functions a script is given stand for Python's and PyTorch's builtins (its own are UserFunctions).
    protocol.register_class_name(types.FunctionType, "builtin_function_or_method")
    protocol.register_class_name(types.BuiltinFunctionType, "builtin_function_or_method")
    protocol.register_class_name(protocol.BuiltinFunction, "builtin_function_or_method")
    protocol.register_class_view(type, TYPE)
    protocol.register_class_view(_TypeBuiltin, TYPE)
    protocol.register_class_view(protocol.ClassView, TYPE)
    protocol.register_class_like(_TypeBuiltin, lambda value: type)
    protocol.register(_TypeBuiltin, TypeTable("type"))
    protocol.expose_classes(EXCEPTION_CLASSES)
    protocol.expose_classes((map, filter, zip, enumerate, reversed, property, staticmethod, classmethod))
    # Plain Python callables and classes have no attributes for scripts; the tables give them their names.
    for python_type, name in ((types.FunctionType, "function"), (types.BuiltinFunctionType, "builtin function")):
        protocol.register(python_type, TypeTable(name))


_register()
