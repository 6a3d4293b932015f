"""Functions a script defines with `def` or `lambda`: plain Python callables with the script's argument binding,
and descriptors like Python's functions, so that stored on a class they become methods."""

from __future__ import annotations

from collections.abc import Callable
from types import MethodType
from typing import Any

from autodiff.errors import AutodiffError, Span
from autodiff.language import nodes, protocol
from autodiff.language.compiler.runners import DEPTH


class UserFunction:
    """A function defined by `def` or `lambda` in a script; a plain Python callable, so builtins can call it.

    `obj.method` gives a bound method (`__get__`), so Python's own staticmethod, classmethod, property, MRO,
    super and operator dispatch work on script classes. `owner` is the class whose body defined the function
    (what zero-argument `super()` starts from); a generator function's body makes a generator when called.
    Its `__dict__` holds `__doc__`, `__module__` and what functools.update_wrapper (@functools.wraps) sets.
    """

    __slots__ = ("name", "qualname", "span", "owner", "_positional", "_defaults", "_varargs", "_kwonly",
                 "_kwdefaults", "_varkw", "_body", "_outer", "_state", "_max_depth", "_simple", "_count",
                 "_generator", "_needs_class", "_plain", "__dict__")

    def __init__(self, name: str, span: Span, params: list[nodes.Param], defaults: dict[str, Any],
                 body: Callable[[dict[str, Any]], Any], outer: dict[str, Any] | None, state: list[int],
                 max_depth: int, *, qualname: str | None = None, generator: bool = False,
                 needs_class: bool = False, doc: str | None = None):
        self.name = name
        self.qualname = qualname or name
        self.span = span
        self.owner: type | None = None
        self._positional = tuple(p.name for p in params if p.kind == "positional")
        self._varargs = next((p.name for p in params if p.kind == "varargs"), None)
        self._kwonly = tuple(p.name for p in params if p.kind == "keyword_only")
        self._varkw = next((p.name for p in params if p.kind == "varkw"), None)
        self._defaults = {name: value for name, value in defaults.items() if name in self._positional}
        self._kwdefaults = {name: value for name, value in defaults.items() if name in self._kwonly}
        self._body = body
        self._outer = outer
        self._state = state
        self._max_depth = max_depth
        self._count = len(self._positional)
        self._simple = not (self._varargs or self._kwonly or self._varkw)
        self._generator = generator
        self._needs_class = needs_class
        self._plain = outer is None and not needs_class and not generator
        self.__dict__.update({"__qualname__": self.qualname, "__doc__": doc, "__module__": "__main__"})

    def __repr__(self) -> str:
        shown = self.__dict__.get("__qualname__")  # functools.wraps copies the wrapped function's
        return f"<function {shown if isinstance(shown, str) else self.qualname}>"

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        return self if instance is None else MethodType(self, instance)

    # A Python function's names, which functools.update_wrapper copies from the function it wraps.
    @property
    def __name__(self) -> str:  # noqa: PLW3201 - Python's own attribute
        return self.name

    @__name__.setter
    def __name__(self, value: str) -> None:
        self.name = value

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return UserFunction.invoke(self, args, kwargs)

    def invoke(self, args: tuple[Any, ...], kwargs: dict[str, Any] | None = None) -> Any:
        """`self(*args, **kwargs)`. The script's own call sites call this directly: a Python-level call of
        `__call__` goes through C and packs the arguments again, which costs more than the rest of a call."""
        count = len(args)
        # The common calls bind with a dict display: `dict(zip(...))` costs more than the rest of a call.
        if kwargs or count != self._count or not self._simple:
            local_vars = self._bind(args, kwargs or {})
        elif count == 1:
            local_vars = {self._positional[0]: args[0]}
        elif count == 2:
            positional = self._positional
            local_vars = {positional[0]: args[0], positional[1]: args[1]}
        elif count == 0:
            local_vars = {}
        else:
            local_vars = dict(zip(self._positional, args))
        if not self._plain:
            if self._outer is not None:
                local_vars[".outer"] = self._outer
            if self._needs_class:
                local_vars[".class"] = self.owner
            if self._generator:
                return self._body(local_vars)
        state = self._state
        state[DEPTH] += 1
        if state[DEPTH] > self._max_depth:
            state[DEPTH] -= 1
            raise AutodiffError("RecursionError", "maximum recursion depth exceeded",
                                hint=f"more than {self._max_depth} nested calls of script functions (in "
                                f"'{self.name}')")
        try:
            result = self._body(local_vars)
        finally:
            state[DEPTH] -= 1
        return None if result is None else result[1]

    def _bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        name = self.qualname
        positional = self._positional
        count = self._count
        local_vars: dict[str, Any] = {}
        if len(args) > count:
            if self._varargs is None:
                given = len(args)
                noun = "argument" if count == 1 else "arguments"
                takes = f"{count} positional {noun}"
                if self._defaults:
                    least = count - len(self._defaults)
                    takes = f"from {least} to {count} positional arguments"
                verb = "was" if given == 1 else "were"
                raise AutodiffError("TypeError", f"{name}() takes {takes} but {given} {verb} given")
            local_vars[self._varargs] = tuple(args[count:])
        elif self._varargs is not None:
            local_vars[self._varargs] = ()
        for param, value in zip(positional, args, strict=False):
            local_vars[param] = value
        extra: dict[str, Any] | None = {} if self._varkw is not None else None
        for key, value in kwargs.items():
            if key in positional or key in self._kwonly:
                if key in local_vars:
                    raise AutodiffError("TypeError", f"{name}() got multiple values for argument '{key}'")
                local_vars[key] = value
            elif extra is not None:
                extra[key] = value
            else:
                raise AutodiffError("TypeError", f"{name}() got an unexpected keyword argument '{key}'")
        missing = []
        for param in positional:
            if param not in local_vars:
                if param in self._defaults:
                    local_vars[param] = self._defaults[param]
                else:
                    missing.append(param)
        if missing:
            raise AutodiffError("TypeError", f"{name}() missing {_count_names(missing, 'positional')}")
        for param in self._kwonly:
            if param not in local_vars:
                if param in self._kwdefaults:
                    local_vars[param] = self._kwdefaults[param]
                else:
                    missing.append(param)
        if missing:
            raise AutodiffError("TypeError", f"{name}() missing {_count_names(missing, 'keyword-only')}")
        if extra is not None:
            local_vars[self._varkw] = extra  # type: ignore[index]
        return local_vars


UserFunction.__name__ = "function"
UserFunction.__qualname__ = "function"


def _count_names(names: list[str], kind: str) -> str:
    quoted = [f"'{n}'" for n in names]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
    noun = "argument" if len(names) == 1 else "arguments"
    return f"{len(names)} required {kind} {noun}: {listed}"


protocol.register(UserFunction, protocol.TypeTable("function", getters={"name": lambda f: f.name}))
protocol.register(MethodType, protocol.TypeTable("method"))
