"""The small part of Python's builtins a script may use, and the attribute tables of str, list, dict, tuple.

Anything not listed here (open, eval, exec, __import__, getattr, type, globals, ...) does not exist in a
script: using it is a NameError. Methods on Python values go through protocol tables like every other
attribute, so `x.__class__` and friends stay out of reach.
"""

from __future__ import annotations

import _string  # the parser behind str.format, to resolve fields through the attribute tables
import string
import types
from collections.abc import Callable
from typing import Any

from autodiff.errors import AutodiffError
from autodiff.language import protocol
from autodiff.language.protocol import TypeTable

# Python builtins deliberately left out; naming one gives a NameError that says why.
UNAVAILABLE_BUILTINS = frozenset({
    "open", "eval", "exec", "compile", "__import__", "getattr", "setattr", "delattr", "hasattr", "type",
    "globals", "locals", "vars", "dir", "input", "breakpoint", "help", "memoryview", "object", "super",
    "classmethod", "staticmethod", "property", "exit", "quit", "id", "hash", "isinstance", "issubclass",
    "callable", "iter", "next", "map", "filter", "set", "frozenset", "bytes", "bytearray", "complex",
    "format", "repr", "ascii", "chr", "ord", "bin", "hex", "oct", "pow", "divmod", "slice",
})


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
        write(sep.join([protocol.without_address(arg, str(arg)) for arg in args]) + end)

    print_.__name__ = "print"
    print_.__qualname__ = "print"
    return {
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
        "sum": _range_checked(sum),
        "sorted": _range_checked(sorted),
        "reversed": reversed,
        "any": _range_checked(any),
        "all": _range_checked(all),
    }


class _SafeFormatter(string.Formatter):
    """str.format whose `{0.name}` fields read attributes through the tables (never Python getattr)."""

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        first, rest = _string.formatter_field_name_split(field_name)
        value = self.get_value(first, args, kwargs)
        for is_attribute, key in rest:
            value = protocol.get_attribute(value, key) if is_attribute else value[key]
        return value, first


_formatter = _SafeFormatter()


def _str_format(template: str, *args: Any, **kwargs: Any) -> str:
    return _formatter.vformat(template, args, kwargs)


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
        "splitlines": str.splitlines,
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
    }))
    protocol.register(tuple, TypeTable("tuple", methods={"index": tuple.index, "count": tuple.count}))
    # Plain Python callables and classes have no attributes for scripts; the tables give them their names.
    for python_type, name in ((types.FunctionType, "function"), (types.BuiltinFunctionType, "builtin function")):
        protocol.register(python_type, TypeTable(name))


_register()
