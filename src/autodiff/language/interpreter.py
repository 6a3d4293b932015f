"""Runs a parsed script: compiles the syntax tree once into nested Python closures, then calls them.

Every expression becomes `ev(L) -> value` and every statement `st(L) -> signal`, where L is the dict of
the running function's local variables (the globals dict at module level). A statement returns None to
go on, BREAK or CONTINUE inside loops, or a (RETURN, value) tuple from `return`. Values are plain Python
objects: operators use Python's own operators (Tensors bring their dunder methods), attributes go through
the protocol tables, and Python exceptions raised by operations and calls become AutodiffErrors pointing
at the node that failed.
"""

from __future__ import annotations

import difflib
import operator
import sys
import time
from collections.abc import Callable
from typing import Any

from autodiff.errors import AutodiffError, Span, reset_warnings_once, set_location_provider, set_warning_sink
from autodiff.language import nodes, protocol
from autodiff.language.parser import ParseError, parse

BREAK = object()
CONTINUE = object()
RETURN = object()  # first item of the tuple a `return` statement hands back

DEFAULT_MAX_STEPS = 10_000_000
DEFAULT_MAX_DEPTH = 500
_CHECK_EVERY = 5_000  # statements between two looks at the clock when a timeout is set
_FRAMES_PER_CALL = 60  # Python frames one script-level call may use (closures nest)
_MAX_EXPRESSION_DEPTH = 1_000
_BIG_REPEAT = 50_000_000  # longest str/list/tuple a `*` may build
_BIG_POW_BITS = 10_000_000  # largest int a `**` may build, in bits

_STEPS, _THRESHOLD, _DEPTH = 0, 1, 2

# Python exceptions that are script mistakes, by the category the user sees.
_CATEGORIES: tuple[tuple[type[BaseException], str], ...] = (
    (ZeroDivisionError, "ZeroDivisionError"),
    (OverflowError, "OverflowError"),
    (FloatingPointError, "FloatingPointError"),
    (ArithmeticError, "ArithmeticError"),
    (IndexError, "IndexError"),
    (KeyError, "KeyError"),
    (UnicodeError, "UnicodeError"),
    (ValueError, "ValueError"),
    (TypeError, "TypeError"),
    (NotImplementedError, "NotImplementedError"),
)
_PYTHON_TYPE_NAMES = {
    "'Namespace'": "'module'", "'BoundMethod'": "'method'", "'UserFunction'": "'function'",
    "'builtin_function_or_method'": "'builtin function'",
}


def convert_exception(exc: BaseException, span: Span | None) -> BaseException:
    """The exception to raise for `exc`, caught while evaluating the node at `span`.

    AutodiffErrors get the span if they have none yet; Python exceptions a script can cause become
    AutodiffErrors of the same category (the original is kept as __cause__ for --debug); anything else is
    a bug in autodiff and is returned unchanged, with the span remembered as `autodiff_span`.
    """
    if isinstance(exc, AutodiffError):
        if exc.span is None:
            exc.span = span
        return exc
    if isinstance(exc, AttributeError):
        found = _wrong_argument_type(exc)
        if found is None:
            if getattr(exc, "autodiff_span", None) is None:
                exc.autodiff_span = span  # type: ignore[attr-defined]
            return exc
        error = AutodiffError("TypeError", found, span)
    elif isinstance(exc, RecursionError):
        error = AutodiffError("LimitError", "maximum recursion depth exceeded: the script nests calls or "
                              "expressions too deeply", span)
    elif isinstance(exc, MemoryError):
        error = AutodiffError("LimitError", "out of memory: the script tried to build a value larger than the "
                              "memory available to it", span, hint="raise the limit with --max-memory, or build "
                              "smaller values")
    else:
        for python_type, category in _CATEGORIES:
            if isinstance(exc, python_type):
                message = str(exc) if not isinstance(exc, KeyError) else repr(exc.args[0]) if exc.args else ""
                for python_name, script_name in _PYTHON_TYPE_NAMES.items():
                    if python_name in message:
                        message = message.replace(python_name, script_name)
                error = AutodiffError(category, message, span)
                break
        else:
            if getattr(exc, "autodiff_span", None) is None:
                try:
                    exc.autodiff_span = span  # type: ignore[attr-defined]
                except AttributeError:  # pragma: no cover - exceptions with __slots__
                    pass
            return exc
    error.__cause__ = exc
    error.original = exc  # type: ignore[attr-defined]  # kept for --debug: `raise ... from None` drops __cause__
    return error


# PyTorch's names for the tensor arguments of its functions (autodiff's functions call them x, a, b).
_ARGUMENT_NAMES = {"x": "input", "a": "input", "b": "other", "t": "input", "self": "input"}


def _wrong_argument_type(exc: AttributeError, name: str | None = None, method: bool = False) -> str | None:
    """PyTorch's TypeError for a builtin that was given a non-tensor where it needs a tensor and failed inside
    (`torch.sum(range(3))`: 'range' object has no attribute 'array'): the object that lacked the attribute is
    one of the called function's arguments. None if the failure is something else (a bug in autodiff)."""
    culprit = getattr(exc, "obj", None)
    if getattr(exc, "name", None) is None or protocol.type_name(culprit) == "Tensor":
        return None
    traceback = exc.__traceback__
    while traceback is not None:  # the first frame outside the interpreter is the builtin the script called
        frame = traceback.tb_frame
        module = frame.f_globals.get("__name__")
        if module == protocol.__name__:
            if type(frame.f_locals.get("value")) is protocol.Namespace:
                method = False  # torch.sum(...) is a function call
        elif module != __name__:
            break
        traceback = traceback.tb_next
    else:
        return None
    kind = protocol.type_name(culprit)
    while traceback is not None:  # that builtin, or the function it hands its arguments to (`*args` wrappers)
        code = traceback.tb_frame.f_code
        values = traceback.tb_frame.f_locals
        name = name or code.co_name
        for position, parameter in enumerate(code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]):
            value = values.get(parameter)
            if method:
                position -= 1  # the receiver is not counted
            if value is culprit:
                public = _ARGUMENT_NAMES.get(parameter, parameter)
                if method and public == "input":
                    public = "other"
                return f"{name}(): argument '{public}' (position {position + 1}) must be Tensor, not {kind}"
            if isinstance(value, (list, tuple)) and any(item is culprit for item in value):
                index = next(i for i, item in enumerate(value) if item is culprit)
                return f"expected Tensor as element {index} in argument {position}, but got {kind}"
        traceback = traceback.tb_next
    return None


class UserFunction:
    """A function defined by `def` in a script; a plain Python callable, so builtins can call it."""

    __slots__ = ("name", "span", "_positional", "_defaults", "_varargs", "_kwonly", "_kwdefaults", "_varkw",
                 "_body", "_outer", "_state", "_max_depth", "_simple", "_count")

    def __init__(self, name: str, span: Span, params: list[nodes.Param], defaults: dict[str, Any],
                 body: Callable[[dict[str, Any]], Any], outer: dict[str, Any] | None, state: list[int],
                 max_depth: int):
        self.name = name
        self.span = span
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

    def __repr__(self) -> str:
        return f"<function {self.name}>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._simple and not kwargs and len(args) == self._count:
            local_vars = dict(zip(self._positional, args, strict=False))
        else:
            local_vars = self._bind(args, kwargs)
        if self._outer is not None:
            local_vars[".outer"] = self._outer
        state = self._state
        state[_DEPTH] += 1
        if state[_DEPTH] > self._max_depth:
            state[_DEPTH] -= 1
            raise AutodiffError(
                "LimitError", f"maximum recursion depth exceeded: more than {self._max_depth} nested calls "
                f"of script functions (in '{self.name}')")
        try:
            result = self._body(local_vars)
        finally:
            state[_DEPTH] -= 1
        return None if result is None else result[1]

    def _bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        name = self.name
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


class _Scope:
    """What a name means at compile time: module globals, or locals of a function / comprehension."""

    __slots__ = ("kind", "parent", "locals", "globals", "nonlocals", "name")

    def __init__(self, kind: str, parent: _Scope | None, local_names: set[str] = frozenset(),  # type: ignore[assignment]
                 global_names: set[str] = frozenset(), nonlocal_names: set[str] = frozenset(),  # type: ignore[assignment]
                 name: str = ""):
        self.kind = kind
        self.parent = parent
        self.locals = set(local_names)
        self.globals = set(global_names)
        self.nonlocals = set(nonlocal_names)
        self.name = name


def _binding_names(target: Any, out: set[str]) -> None:
    if isinstance(target, nodes.Name):
        out.add(target.id)
    elif isinstance(target, (nodes.Tuple, nodes.List)):
        for element in target.elts:
            _binding_names(element, out)
    elif isinstance(target, nodes.Starred):
        _binding_names(target.value, out)


def _scan_function_body(body: list[Any]) -> tuple[set[str], set[str], set[str]]:
    """(assigned names, global declarations, nonlocal declarations) of a function body, not descending
    into nested functions or comprehensions."""
    assigned: set[str] = set()
    declared_global: set[str] = set()
    declared_nonlocal: set[str] = set()
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, nodes.Assign):
            for target in node.targets:
                _binding_names(target, assigned)
        elif isinstance(node, nodes.AugAssign):
            _binding_names(node.target, assigned)
        elif isinstance(node, nodes.For):
            _binding_names(node.target, assigned)
            stack.extend(node.body)
            stack.extend(node.orelse)
        elif isinstance(node, (nodes.If, nodes.While)):
            stack.extend(node.body)
            stack.extend(node.orelse)
        elif isinstance(node, nodes.With):
            for item in node.items:
                if item.target is not None:
                    _binding_names(item.target, assigned)
            stack.extend(node.body)
        elif isinstance(node, nodes.FunctionDef):
            assigned.add(node.name)
        elif isinstance(node, nodes.Import):
            for alias in node.names:
                assigned.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, nodes.ImportFrom):
            for alias in node.names:
                if alias.name == "*":
                    raise ParseError("import * only allowed at module level", node.span)
                assigned.add(alias.asname or alias.name)
        elif isinstance(node, nodes.Delete):
            for target in node.targets:
                _binding_names(target, assigned)
        elif isinstance(node, nodes.Global):
            declared_global.update(node.names)
        elif isinstance(node, nodes.Nonlocal):
            declared_nonlocal.update(node.names)
    both = declared_global & declared_nonlocal
    if both:
        raise ParseError(f"name '{sorted(both)[0]}' is nonlocal and global", body[0].span)
    return assigned - declared_global - declared_nonlocal, declared_global, declared_nonlocal


def _module_bound_names(module: nodes.Module) -> set[str]:
    """Every name any statement of the module may bind as a global (a superset is fine)."""
    names: set[str] = set()
    for node in nodes.walk(module):
        if isinstance(node, nodes.Assign):
            for target in node.targets:
                _binding_names(target, names)
        elif isinstance(node, (nodes.AugAssign, nodes.For)):
            _binding_names(node.target, names)
        elif isinstance(node, nodes.WithItem) and node.target is not None:
            _binding_names(node.target, names)
        elif isinstance(node, nodes.FunctionDef):
            names.add(node.name)
        elif isinstance(node, nodes.Import):
            names.update(alias.asname or alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, nodes.ImportFrom):
            names.update(alias.asname or alias.name for alias in node.names)
            if any(alias.name == "*" for alias in node.names):
                names.add("*")
        elif isinstance(node, nodes.Global):
            names.update(node.names)
    return names


# Code objects of the closures that run statements: their local `st_` (or else `st`) is the running one.
_RUNNER_CODES: set[Any] = set()


def _runner(function: Callable[..., Any]) -> Callable[..., Any]:
    _RUNNER_CODES.add(function.__code__)
    return function


def statement_span_of_frames(frame: Any) -> Span | None:
    """The span of the innermost script statement running in `frame` or its callers (None if none)."""
    while frame is not None:
        if frame.f_code in _RUNNER_CODES:
            local_vars = frame.f_locals
            statement = local_vars.get("st_") or local_vars.get("st")
            span = getattr(statement, "autodiff_span", None)
            if span is not None:
                return span
        frame = frame.f_back
    return None


def statement_span_of_traceback(traceback: Any) -> Span | None:
    """The innermost script statement in a traceback (for KeyboardInterrupt and internal errors)."""
    found = None
    while traceback is not None:
        frame = traceback.tb_frame
        if frame.f_code in _RUNNER_CODES:
            local_vars = frame.f_locals
            span = getattr(local_vars.get("st_") or local_vars.get("st"), "autodiff_span", None)
            if span is not None:
                found = span
        traceback = traceback.tb_next
    return found


class Interpreter:
    """Runs scripts against a set of builtin names and importable modules (see builtins.build_namespace).

    `globals` holds the script's variables and persists across `run` calls (a REPL session runs each input
    in the same interpreter; a failing statement leaves the bindings made before it).
    """

    def __init__(self, names: dict[str, Any], modules: dict[str, protocol.Namespace], *,
                 filename: str = "<script>", max_steps: int = DEFAULT_MAX_STEPS, timeout: float | None = None,
                 max_depth: int = DEFAULT_MAX_DEPTH, stderr: Any = None,
                 on_warning: Callable[[str, str, Span | None], None] | None = None,
                 before_stderr: Callable[[], None] | None = None, max_memory: int | None = None):
        self.builtins = names
        self.modules = modules
        self.filename = filename
        self.max_steps = max_steps
        self.timeout = timeout
        self.max_depth = max_depth
        self.max_memory = max_memory  # bytes of resident memory, looked at every _CHECK_EVERY statements
        self._memory_limit = max_memory  # in force for the current run (else limits.active_max_memory)
        self.stderr = stderr
        self.on_warning = on_warning
        self.before_stderr = before_stderr
        self.globals: dict[str, Any] = {}
        self.last_assigned: str | None = None  # the last global name the last run bound (statically)
        self.steps = 0  # statements executed by the last run
        self._state = [0, max_steps, 0]
        self._deadline: float | None = None
        self._warned: set[tuple[str, str, int | None]] = set()
        self._source_lines: list[str] = []  # the text run_source ran (for locations in anomaly mode's traces)
        reset_warnings_once()  # a new script run is a new PyTorch process for once-only warnings

    # -- running -------------------------------------------------------------------------------

    def run_source(self, text: str, *, echo: bool = False, filename: str | None = None) -> Any:
        """Parse and run `text`; with echo, return the value of a final expression statement."""
        module = parse(text, filename or self.filename)
        self._source_lines = text.splitlines()
        return self.run(module, echo=echo)

    def run(self, module: nodes.Module, *, echo: bool = False) -> Any:
        """Run a parsed module. Returns the last expression statement's value if echo, else None."""
        code = self.compile(module, echo=echo)
        state = self._state
        state[_STEPS] = 0
        state[_DEPTH] = 0
        self._deadline = time.monotonic() + self.timeout if self.timeout else None
        self._warned.clear()
        from autodiff import limits

        self._memory_limit = self.max_memory if self.max_memory is not None else limits.active_max_memory
        periodic = self._deadline is not None or self._memory_limit is not None
        state[_THRESHOLD] = min(self.max_steps, _CHECK_EVERY) if periodic else self.max_steps
        previous_sink = set_warning_sink(self._warning)
        previous_locator = set_location_provider(self._location)
        limit = sys.getrecursionlimit()
        needed = self.max_depth * _FRAMES_PER_CALL + 10_000
        if limit < needed:
            sys.setrecursionlimit(needed)
        try:
            return code()
        except RecursionError as exc:
            raise convert_exception(exc, statement_span_of_traceback(exc.__traceback__)) from None
        finally:
            self.steps = state[_STEPS]
            set_warning_sink(previous_sink)
            set_location_provider(previous_locator)
            if limit < needed:
                sys.setrecursionlimit(limit)

    def compile(self, module: nodes.Module, *, echo: bool = False) -> Callable[[], Any]:
        """Compile a module into a function of no arguments that runs it (raises ParseError for
        compile-time mistakes such as `return` outside a function)."""
        compiler = _Compiler(self, module)
        limit = sys.getrecursionlimit()
        if limit < 30_000:
            sys.setrecursionlimit(30_000)
        kept: list[Any] | None = [None] if echo and module.body and isinstance(
            module.body[-1], nodes.ExprStmt) else None
        try:
            block = compiler.block(module.body, keep_last=kept)
        except RecursionError:
            raise ParseError("this code is too deeply nested to run", module.span) from None
        finally:
            if limit < 30_000:
                sys.setrecursionlimit(limit)
        self.last_assigned = compiler.last_global_binding
        G = self.globals

        def run() -> Any:
            if kept is not None:
                kept[0] = None
            block(G)
            return kept[0] if kept is not None else None

        return run

    # -- warnings and limits ---------------------------------------------------------------------

    def _warning(self, category: str, message: str) -> None:
        span = statement_span_of_frames(sys._getframe(1))
        key = (category, message, span.line if span else None)
        if key in self._warned:
            return
        self._warned.add(key)
        if self.on_warning is not None:
            self.on_warning(category, message, span)
            return
        if self.before_stderr is not None:
            self.before_stderr()
        stream = self.stderr if self.stderr is not None else sys.stderr
        stream.write(f"{category}: {message}\n")
        stream.flush()

    def _location(self) -> tuple[str, int, str] | None:
        """The running statement: file name, line and its source text (anomaly mode records it per node)."""
        span = statement_span_of_frames(sys._getframe(1))
        if span is None:
            return None
        lines = self._source_lines
        text = lines[span.line - 1].strip() if 0 < span.line <= len(lines) else ""
        return self.filename, span.line, text

    def _check_limits(self, span: Span) -> None:
        state = self._state
        if state[_STEPS] > self.max_steps:
            raise AutodiffError("LimitError", f"the script ran more than {self.max_steps:,} statements "
                                "(the step limit)", span, hint="raise the limit with --max-steps")
        if self._deadline is not None or self._memory_limit is not None:
            if self._deadline is not None and time.monotonic() > self._deadline:
                raise AutodiffError("LimitError", f"the script ran longer than the time limit of "
                                    f"{self.timeout:g} s", span, hint="raise the limit with --timeout")
            if self._memory_limit is not None:
                from autodiff.limits import memory_error, resident_bytes

                if resident_bytes() > self._memory_limit:
                    raise memory_error(self._memory_limit, span)
            state[_THRESHOLD] = min(self.max_steps, state[_STEPS] + _CHECK_EVERY)
        else:
            state[_THRESHOLD] = self.max_steps

    def name_error(self, name: str, span: Span, local_vars: dict[str, Any] | None = None) -> AutodiffError:
        """NameError for `name`, suggesting a close name or the import that defines it."""
        candidates = set(self.globals) | set(self.builtins)
        if local_vars is not None and local_vars is not self.globals:
            candidates |= {key for key in local_vars if not key.startswith(".")}
        hint = None
        import_hints = {"torch": "torch", "nn": "torch.nn", "F": "torch.nn.functional", "optim": "torch.optim"}
        if name in import_hints and import_hints[name] in self.modules:
            module = import_hints[name]
            hint = f"did you forget `import {module}`?" if name == module else (
                f"did you forget `import {module} as {name}`?")
        elif name in self.modules:
            hint = f"did you forget `import {name}`?"
        elif name in ("np", "numpy"):
            hint = "numpy is not available in autodiff scripts; use torch functions instead"
        else:
            from autodiff.language.builtins import UNAVAILABLE_BUILTINS

            if name in UNAVAILABLE_BUILTINS:
                return AutodiffError("NameError", f"name '{name}' is not defined (Python's {name}() is not "
                                     "available in autodiff scripts)", span)
            close = difflib.get_close_matches(name, sorted(candidates), n=1)
            if close:
                hint = f"did you mean '{close[0]}'?"
        message = f"name '{name}' is not defined"
        if hint:
            message += f"; {hint}"
        return AutodiffError("NameError", message, span, hint=hint)


def _statement(function: Callable[..., Any], span: Span) -> Callable[..., Any]:
    function.autodiff_span = span  # type: ignore[attr-defined]
    return function


def _outer(local_vars: dict[str, Any], depth: int) -> dict[str, Any]:
    for _ in range(depth):
        local_vars = local_vars[".outer"]
    return local_vars


def _check_repeat(a: Any, b: Any) -> None:
    sequence, count = (a, b) if type(b) is int else (b, a)
    if type(sequence) in (str, list, tuple) and count * len(sequence) > _BIG_REPEAT:
        raise AutodiffError("LimitError", f"this would build a {type(sequence).__name__} of "
                            f"{count * len(sequence):,} items, more than autodiff allows ({_BIG_REPEAT:,})")


def _power(a: Any, b: Any) -> Any:
    if type(a) is int and type(b) is int and b > 64 and abs(a) > 1:
        if b * a.bit_length() > _BIG_POW_BITS:
            raise AutodiffError("LimitError", f"{a} ** {b} is too large an integer for autodiff to compute")
    return a ** b


def _lshift(a: Any, b: Any) -> Any:
    if type(a) is int and type(b) is int and b > _BIG_POW_BITS:
        raise AutodiffError("LimitError", f"{a} << {b} is too large an integer for autodiff to compute")
    return a << b


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "//": operator.floordiv,
    "%": operator.mod, "**": _power, "@": operator.matmul, "&": operator.and_, "|": operator.or_,
    "^": operator.xor, "<<": _lshift, ">>": operator.rshift,
}
_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.iadd, "-": operator.isub, "*": operator.imul, "/": operator.itruediv,
    "//": operator.ifloordiv, "%": operator.imod, "**": operator.ipow, "@": operator.imatmul,
    "&": operator.iand, "|": operator.ior, "^": operator.ixor, "<<": _lshift, ">>": operator.irshift,
}


def _inplace_power(a: Any, b: Any) -> Any:
    return _power(a, b) if type(a) is int else operator.ipow(a, b)


def _not_in(a: Any, b: Any) -> bool:
    return a not in b


def _in(a: Any, b: Any) -> bool:
    return a in b


_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt, ">": operator.gt, "==": operator.eq, ">=": operator.ge, "<=": operator.le,
    "!=": operator.ne, "in": _in, "not in": _not_in, "is": operator.is_, "is not": operator.is_not,
}


class _Compiler:
    """Turns nodes into closures for one module; knows the interpreter's globals, builtins and limits."""

    def __init__(self, interpreter: Interpreter, module: nodes.Module):
        self.interpreter = interpreter
        self.G = interpreter.globals
        self.B = interpreter.builtins
        self.S = interpreter._state
        self.check = interpreter._check_limits
        self.module_bound = _module_bound_names(module) | set(interpreter.globals)
        self.scope = _Scope("module", None)
        self.loop_depth = 0
        self.expression_depth = 0
        self.last_global_binding: str | None = None
        self._expr_dispatch: dict[type, Callable[[Any], Callable[[dict[str, Any]], Any]]] = {
            nodes.Name: self.c_name, nodes.Constant: self.c_constant, nodes.JoinedStr: self.c_joined_str,
            nodes.FormattedValue: self.c_formatted_value, nodes.List: self.c_list, nodes.Tuple: self.c_tuple,
            nodes.Dict: self.c_dict, nodes.Starred: self.c_starred, nodes.BinOp: self.c_binop,
            nodes.UnaryOp: self.c_unaryop, nodes.BoolOp: self.c_boolop, nodes.Compare: self.c_compare,
            nodes.IfExp: self.c_ifexp, nodes.Call: self.c_call, nodes.Attribute: self.c_attribute,
            nodes.Subscript: self.c_subscript, nodes.Slice: self.c_slice, nodes.ListComp: self.c_listcomp,
            nodes.GeneratorExp: self.c_genexp, nodes.DictComp: self.c_dictcomp,
        }
        self._stmt_dispatch: dict[type, Callable[[Any], Callable[[dict[str, Any]], Any] | None]] = {
            nodes.ExprStmt: self.s_expr, nodes.Assign: self.s_assign, nodes.AugAssign: self.s_augassign,
            nodes.If: self.s_if, nodes.While: self.s_while, nodes.For: self.s_for, nodes.Break: self.s_break,
            nodes.Continue: self.s_continue, nodes.Pass: self.s_pass, nodes.Return: self.s_return,
            nodes.FunctionDef: self.s_def, nodes.With: self.s_with, nodes.Import: self.s_import,
            nodes.ImportFrom: self.s_import_from, nodes.Global: self.s_global, nodes.Nonlocal: self.s_nonlocal,
            nodes.Delete: self.s_delete, nodes.Assert: self.s_assert,
        }
        missing = [cls.__name__ for cls in nodes.EXPRESSIONS if cls not in self._expr_dispatch]
        missing += [cls.__name__ for cls in nodes.STATEMENTS if cls not in self._stmt_dispatch]
        assert not missing, f"no compiler for {missing}"

    # -- blocks ----------------------------------------------------------------------------------

    def block(self, statements: list[Any], keep_last: list[Any] | None = None
              ) -> Callable[[dict[str, Any]], Any]:
        """A runner for a list of statements. With keep_last, a final expression statement stores its
        value in keep_last[0] (the REPL's echo)."""
        compiled = []
        for position, statement in enumerate(statements):
            if keep_last is not None and position == len(statements) - 1:
                function = self._keep_value(statement, keep_last)
            else:
                function = self._stmt_dispatch[type(statement)](statement)
            if function is not None:
                compiled.append(_statement(function, statement.span))
        S = self.S
        check = self.check
        count = max(len(statements), 1)
        first_span = statements[0].span if statements else Span(1, 1, 1, 1)
        if not compiled:
            @_runner
            def run_empty(L: dict[str, Any]) -> Any:
                S[0] += count
                if S[0] > S[1]:
                    check(first_span)
                return None

            return run_empty
        if len(compiled) == 1:
            st = compiled[0]

            @_runner
            def run_one(L: dict[str, Any]) -> Any:
                S[0] += count
                if S[0] > S[1]:
                    check(first_span)
                return st(L)

            return run_one
        program = tuple(compiled)

        @_runner
        def run_block(L: dict[str, Any]) -> Any:
            S[0] += count
            if S[0] > S[1]:
                check(first_span)
            for st in program:
                signal = st(L)
                if signal is not None:
                    return signal
            return None

        return run_block

    def _keep_value(self, statement: nodes.ExprStmt, keep: list[Any]) -> Callable[[dict[str, Any]], Any]:
        value = self.expr(statement.value)

        def keep_value(L: dict[str, Any]) -> None:
            keep[0] = value(L)

        return keep_value

    # -- names -----------------------------------------------------------------------------------

    def resolve(self, name: str, span: Span) -> tuple[str, int]:
        """('global', 0), ('local', 0) or ('free', depth) for `name` in the current scope."""
        scope = self.scope
        if scope.kind == "module" or name in scope.globals:
            return "global", 0
        if name in scope.locals:
            return "local", 0
        depth = 0
        outer = scope
        while outer.parent is not None and outer.parent.kind != "module":
            outer = outer.parent
            depth += 1
            if name in outer.globals:
                return "global", 0
            if name in outer.locals:
                return "free", depth
        if name in scope.nonlocals:
            raise ParseError(f"no binding for nonlocal '{name}' found", span)
        return "global", 0

    def c_name(self, node: nodes.Name) -> Callable[[dict[str, Any]], Any]:
        name = node.id
        span = node.span
        kind, depth = self.resolve(name, span)
        interpreter = self.interpreter
        G = self.G
        B = self.B
        if kind == "local":
            def load_local(L: dict[str, Any]) -> Any:
                try:
                    return L[name]
                except KeyError:
                    raise AutodiffError("UnboundLocalError", f"cannot access local variable '{name}' where "
                                        "it is not associated with a value", span) from None

            return load_local
        if kind == "free":
            def load_free(L: dict[str, Any]) -> Any:
                try:
                    return _outer(L, depth)[name]
                except KeyError:
                    raise AutodiffError("NameError", f"cannot access free variable '{name}' where it is not "
                                        "associated with a value in enclosing scope", span) from None

            return load_free
        if name in B and name not in self.module_bound and "*" not in self.module_bound:
            def load_builtin(L: dict[str, Any]) -> Any:
                if name in G:
                    return G[name]
                return B[name]

            return load_builtin

        def load_global(L: dict[str, Any]) -> Any:
            try:
                return G[name]
            except KeyError:
                pass
            try:
                return B[name]
            except KeyError:
                raise interpreter.name_error(name, span, L) from None

        return load_global

    def store_name(self, name: str, span: Span) -> Callable[[dict[str, Any], Any], None]:
        kind, depth = self.resolve(name, span)
        if kind == "global":
            G = self.G
            if self.scope.kind == "module":
                self.last_global_binding = name

            def store_global(L: dict[str, Any], value: Any) -> None:
                G[name] = value

            return store_global
        if kind == "local":
            def store_local(L: dict[str, Any], value: Any) -> None:
                L[name] = value

            return store_local

        def store_free(L: dict[str, Any], value: Any) -> None:
            _outer(L, depth)[name] = value

        return store_free

    # -- expressions -----------------------------------------------------------------------------

    def expr(self, node: Any) -> Callable[[dict[str, Any]], Any]:
        self.expression_depth += 1
        try:
            if self.expression_depth > _MAX_EXPRESSION_DEPTH:
                raise ParseError("this expression is too deeply nested", node.span)
            return self._expr_dispatch[type(node)](node)
        finally:
            self.expression_depth -= 1

    def c_constant(self, node: nodes.Constant) -> Callable[[dict[str, Any]], Any]:
        value = node.value

        def constant(L: dict[str, Any]) -> Any:
            return value

        return constant

    def c_joined_str(self, node: nodes.JoinedStr) -> Callable[[dict[str, Any]], Any]:
        parts = [self.expr(part) for part in node.parts]

        def joined(L: dict[str, Any]) -> str:
            return "".join([part(L) for part in parts])

        return joined

    def c_formatted_value(self, node: nodes.FormattedValue) -> Callable[[dict[str, Any]], Any]:
        value = self.expr(node.value)
        spec = self.expr(node.format_spec) if node.format_spec is not None else None
        conversion = {"r": repr, "s": str, "a": ascii, None: None}[node.conversion]
        span = node.span

        def formatted(L: dict[str, Any]) -> str:
            v = value(L)
            try:
                if conversion is not None:
                    v = conversion(v)
                return format(v, spec(L) if spec is not None else "")
            except Exception as exc:
                raise convert_exception(exc, span) from None

        return formatted

    def _elements(self, elts: list[Any]) -> Callable[[dict[str, Any]], list[Any]]:
        """An evaluator of a list of expressions, some of them `*iterable`."""
        if not any(isinstance(e, nodes.Starred) for e in elts):
            evs = [self.expr(e) for e in elts]
            return lambda L: [ev(L) for ev in evs]
        parts = [(isinstance(e, nodes.Starred), self.expr(e.value if isinstance(e, nodes.Starred) else e),
                  e.span) for e in elts]

        def elements(L: dict[str, Any]) -> list[Any]:
            out: list[Any] = []
            for starred, ev, span in parts:
                if starred:
                    value = ev(L)
                    try:
                        out.extend(value)
                    except Exception as exc:
                        raise convert_exception(exc, span) from None
                else:
                    out.append(ev(L))
            return out

        return elements

    def c_list(self, node: nodes.List) -> Callable[[dict[str, Any]], Any]:
        return self._elements(node.elts)

    def c_tuple(self, node: nodes.Tuple) -> Callable[[dict[str, Any]], Any]:
        if not node.elts:
            return lambda L: ()
        if all(isinstance(e, nodes.Constant) for e in node.elts):
            value = tuple(e.value for e in node.elts)
            return lambda L: value
        if len(node.elts) == 2 and not any(isinstance(e, nodes.Starred) for e in node.elts):
            first, second = self.expr(node.elts[0]), self.expr(node.elts[1])
            return lambda L: (first(L), second(L))
        elements = self._elements(node.elts)
        return lambda L: tuple(elements(L))

    def c_starred(self, node: nodes.Starred) -> Callable[[dict[str, Any]], Any]:
        raise ParseError("can't use starred expression here", node.span)

    def c_dict(self, node: nodes.Dict) -> Callable[[dict[str, Any]], Any]:
        items = [(self.expr(k) if k is not None else None, self.expr(v), v.span)
                 for k, v in zip(node.keys, node.values, strict=False)]
        span = node.span

        def build(L: dict[str, Any]) -> dict[Any, Any]:
            out: dict[Any, Any] = {}
            for key, value, value_span in items:
                if key is None:
                    mapping = value(L)
                    try:
                        out.update(mapping)
                    except Exception as exc:
                        raise convert_exception(exc, value_span) from None
                    continue
                k = key(L)
                try:
                    out[k] = value(L)
                except AutodiffError:
                    raise
                except Exception as exc:
                    raise convert_exception(exc, span) from None
            return out

        return build

    def operand(self, node: Any) -> tuple[str, Any, Any, bool]:
        """How a binary operation fetches one operand without a call when it can.

        (kind, evaluator, payload, from_L): kind 'const' (payload: the value), 'name' (payload: the
        name, read from L if from_L else from the globals; on a miss the evaluator raises the proper
        error or finds a builtin) or 'expr' (call the evaluator)."""
        evaluator = self.expr(node)
        if isinstance(node, nodes.Constant):
            return "const", evaluator, node.value, False
        if isinstance(node, nodes.Name):
            kind, _ = self.resolve(node.id, node.span)
            if kind == "local" or (kind == "global" and self.scope.kind == "module"):
                return "name", evaluator, node.id, True
            if kind == "global":
                return "name", evaluator, node.id, False
        return "expr", evaluator, None, False

    def c_binop(self, node: nodes.BinOp) -> Callable[[dict[str, Any]], Any]:
        left = self.operand(node.left)
        right = self.operand(node.right)
        return _binary_closure(self.G, _BINARY[node.op], left, right, node.span, node.op == "*")

    def c_unaryop(self, node: nodes.UnaryOp) -> Callable[[dict[str, Any]], Any]:
        span = node.span
        op = node.op
        if (op in "-+" and isinstance(node.operand, nodes.Constant)
                and type(node.operand.value) in (int, float)):
            value = -node.operand.value if op == "-" else node.operand.value
            return lambda L: value
        operand = self.expr(node.operand)
        if op == "not":
            def not_(L: dict[str, Any]) -> Any:
                v = operand(L)
                try:
                    return not v
                except Exception as exc:
                    raise convert_exception(exc, span) from None

            return not_
        function = {"-": operator.neg, "+": operator.pos, "~": operator.invert}[op]

        def unary(L: dict[str, Any]) -> Any:
            v = operand(L)
            try:
                return function(v)
            except Exception as exc:
                raise convert_exception(exc, span) from None

        return unary

    def c_boolop(self, node: nodes.BoolOp) -> Callable[[dict[str, Any]], Any]:
        values = [self.expr(v) for v in node.values]
        spans = [v.span for v in node.values]
        *firsts, last = values
        pairs = list(zip(firsts, spans, strict=False))
        if node.op == "and":
            def and_(L: dict[str, Any]) -> Any:
                for ev, span in pairs:
                    v = ev(L)
                    try:
                        if not v:
                            return v
                    except Exception as exc:
                        raise convert_exception(exc, span) from None
                return last(L)

            return and_

        def or_(L: dict[str, Any]) -> Any:
            for ev, span in pairs:
                v = ev(L)
                try:
                    if v:
                        return v
                except Exception as exc:
                    raise convert_exception(exc, span) from None
            return last(L)

        return or_

    def c_compare(self, node: nodes.Compare) -> Callable[[dict[str, Any]], Any]:
        left = self.expr(node.left)
        span = node.span
        if len(node.ops) == 1:
            return _binary_closure(self.G, _COMPARE[node.ops[0]], self.operand(node.left),
                                   self.operand(node.comparators[0]), span, False)
        steps = [(_COMPARE[op], self.expr(comparator))
                 for op, comparator in zip(node.ops, node.comparators, strict=False)]

        def chain(L: dict[str, Any]) -> Any:
            a = left(L)
            result: Any = True
            try:
                for function, ev in steps:
                    b = ev(L)
                    result = function(a, b)
                    if not result:
                        return result
                    a = b
                return result
            except Exception as exc:
                raise convert_exception(exc, span) from None

        return chain

    def c_ifexp(self, node: nodes.IfExp) -> Callable[[dict[str, Any]], Any]:
        test = self.expr(node.test)
        body = self.expr(node.body)
        orelse = self.expr(node.orelse)
        span = node.test.span

        def ifexp(L: dict[str, Any]) -> Any:
            v = test(L)
            try:
                truth = True if v else False
            except Exception as exc:
                raise convert_exception(exc, span) from None
            return body(L) if truth else orelse(L)

        return ifexp

    def c_attribute(self, node: nodes.Attribute) -> Callable[[dict[str, Any]], Any]:
        value = self.expr(node.value)
        attr = node.attr
        span = node.span
        get_attribute = protocol.get_attribute

        def attribute(L: dict[str, Any]) -> Any:
            obj = value(L)
            try:
                return get_attribute(obj, attr)
            except Exception as exc:
                raise convert_exception(exc, span) from None

        return attribute

    def index(self, node: Any) -> Callable[[dict[str, Any]], Any]:
        """The evaluator of a subscript key: slices become `slice`, tuples of them tuples."""
        if isinstance(node, nodes.Tuple):
            parts = [self.index(e) if not isinstance(e, nodes.Starred) else None for e in node.elts]
            if any(p is None for p in parts):
                elements = self._elements(node.elts)
                return lambda L: tuple(elements(L))
            if all(isinstance(e, (nodes.Constant, nodes.Slice)) for e in node.elts) and all(
                    isinstance(e, nodes.Constant) or all(
                        x is None or isinstance(x, nodes.Constant) for x in (e.lower, e.upper, e.step))
                    for e in node.elts):
                value = tuple(p({}) for p in parts)  # type: ignore[misc]
                return lambda L: value
            return lambda L: tuple([p(L) for p in parts])  # type: ignore[misc]
        return self.expr(node)

    def c_slice(self, node: nodes.Slice) -> Callable[[dict[str, Any]], Any]:
        parts = [self.expr(x) if x is not None else None for x in (node.lower, node.upper, node.step)]
        if all(x is None or isinstance(x, nodes.Constant) for x in (node.lower, node.upper, node.step)):
            value = slice(*[p({}) if p is not None else None for p in parts])
            return lambda L: value
        lower, upper, step = parts
        return lambda L: slice(lower(L) if lower else None, upper(L) if upper else None,
                               step(L) if step else None)

    def c_subscript(self, node: nodes.Subscript) -> Callable[[dict[str, Any]], Any]:
        value = self.expr(node.value)
        key = self.index(node.index)
        span = node.span

        def subscript(L: dict[str, Any]) -> Any:
            obj = value(L)
            k = key(L)
            try:
                return obj[k]
            except Exception as exc:
                raise convert_exception(exc, span) from None

        return subscript

    def c_call(self, node: nodes.Call) -> Callable[[dict[str, Any]], Any]:
        span = node.span
        simple = not node.keywords and not any(isinstance(a, nodes.Starred) for a in node.args)
        if simple:
            evs = [self.expr(a) for a in node.args]
        else:
            evs = []
            positional = self._elements(node.args)
            keywords = [(k.name, self.expr(k.value), k.span) for k in node.keywords]
        if isinstance(node.func, nodes.Attribute):
            receiver = self.expr(node.func.value)
            attr = node.func.attr
            call_method = protocol.call_method
            no_kwargs: dict[str, Any] = {}
            if simple:
                def method_call(L: dict[str, Any]) -> Any:
                    obj = receiver(L)
                    args = [ev(L) for ev in evs]
                    try:
                        return call_method(obj, attr, args, no_kwargs)
                    except Exception as exc:
                        raise _call_failed(exc, span, None, attr) from None

                return method_call

            method_keywords = _keyword_builder(keywords, span)

            def method_call_general(L: dict[str, Any]) -> Any:
                obj = receiver(L)
                args = positional(L)
                kwargs = method_keywords(L)
                try:
                    return call_method(obj, attr, args, kwargs)
                except Exception as exc:
                    raise _call_failed(exc, span, None, attr) from None

            return method_call_general
        function = self.expr(node.func)
        if simple and len(evs) == 0:
            def call0(L: dict[str, Any]) -> Any:
                f = function(L)
                try:
                    return f()
                except Exception as exc:
                    raise _call_failed(exc, span, f) from None

            return call0
        if simple and len(evs) == 1:
            arg0 = evs[0]

            def call1(L: dict[str, Any]) -> Any:
                f = function(L)
                a = arg0(L)
                try:
                    return f(a)
                except Exception as exc:
                    raise _call_failed(exc, span, f) from None

            return call1
        if simple and len(evs) == 2:
            arg0, arg1 = evs

            def call2(L: dict[str, Any]) -> Any:
                f = function(L)
                a = arg0(L)
                b = arg1(L)
                try:
                    return f(a, b)
                except Exception as exc:
                    raise _call_failed(exc, span, f) from None

            return call2
        if simple:
            def call_n(L: dict[str, Any]) -> Any:
                f = function(L)
                args = [ev(L) for ev in evs]
                try:
                    return f(*args)
                except Exception as exc:
                    raise _call_failed(exc, span, f) from None

            return call_n
        build_keywords = _keyword_builder(keywords, span)

        def call_general(L: dict[str, Any]) -> Any:
            f = function(L)
            args = positional(L)
            kwargs = build_keywords(L)
            try:
                return f(*args, **kwargs)
            except Exception as exc:
                raise _call_failed(exc, span, f) from None

        return call_general

    # -- comprehensions --------------------------------------------------------------------------

    def _comprehension(self, generators: list[nodes.Comprehension], results: list[Any]) -> tuple[
            Callable[[dict[str, Any]], Any], list[tuple[Callable[..., Any], Callable[..., Any] | None,
                                                        list[Callable[..., Any]], Span]],
            list[Callable[..., Any]], bool]:
        """Compile generators and result expressions in a new scope.

        Returns (first iterable evaluator in the enclosing scope, [(store, iterable-or-None, conditions,
        span)], [result evaluators], whether the scope needs `.outer`)."""
        first_iter = self.expr(generators[0].iter)
        local_names: set[str] = set()
        for generator in generators:
            _binding_names(generator.target, local_names)
        needs_outer = self.scope.kind != "module"
        saved = self.scope
        self.scope = _Scope("comprehension", saved, local_names)
        try:
            levels = []
            for index, generator in enumerate(generators):
                iterable = self.expr(generator.iter) if index > 0 else None
                store = self.target(generator.target)
                conditions = [self.expr(c) for c in generator.ifs]
                levels.append((store, iterable, conditions, generator.iter.span))
            evaluators = [self.expr(r) for r in results]
        finally:
            self.scope = saved
        return first_iter, levels, evaluators, needs_outer

    def _comprehension_runner(self, levels: list[Any], emit: Callable[[dict[str, Any]], None],
                              span: Span) -> Callable[[dict[str, Any], Any], None]:
        """run(C, first_iterable): loops over the generators calling emit(C) for each result."""
        S = self.S
        check = self.check

        def loop(C: dict[str, Any], index: int, iterable: Any) -> None:
            store, _, conditions, iter_span = levels[index]
            try:
                iterator = iter(iterable)
            except Exception as exc:
                raise convert_exception(exc, iter_span) from None
            last_level = index == len(levels) - 1
            for item in iterator:
                S[0] += 1
                if S[0] > S[1]:
                    check(span)
                store(C, item)
                if conditions:
                    passed = True
                    for condition in conditions:
                        v = condition(C)
                        try:
                            if not v:
                                passed = False
                                break
                        except Exception as exc:
                            raise convert_exception(exc, span) from None
                    if not passed:
                        continue
                if last_level:
                    emit(C)
                else:
                    loop(C, index + 1, levels[index + 1][1](C))

        return lambda C, iterable: loop(C, 0, iterable)

    def c_listcomp(self, node: nodes.ListComp) -> Callable[[dict[str, Any]], Any]:
        first_iter, levels, (element,), needs_outer = self._comprehension(node.generators, [node.elt])
        span = node.span
        if len(levels) == 1 and not levels[0][2]:
            store = levels[0][0]
            iter_span = levels[0][3]
            S = self.S
            check = self.check

            def listcomp_simple(L: dict[str, Any]) -> list[Any]:
                iterable = first_iter(L)
                C: dict[str, Any] = {".outer": L} if needs_outer else {}
                out = []
                try:
                    iterator = iter(iterable)
                except Exception as exc:
                    raise convert_exception(exc, iter_span) from None
                try:
                    for item in iterator:
                        S[0] += 1
                        if S[0] > S[1]:
                            check(span)
                        store(C, item)
                        out.append(element(C))
                except Exception as exc:
                    raise convert_exception(exc, iter_span) from None
                return out

            return listcomp_simple

        def listcomp(L: dict[str, Any]) -> list[Any]:
            iterable = first_iter(L)
            C: dict[str, Any] = {".outer": L} if needs_outer else {}
            out: list[Any] = []
            runner = self._comprehension_runner(levels, lambda C: out.append(element(C)), span)
            try:
                runner(C, iterable)
            except Exception as exc:
                raise convert_exception(exc, span) from None
            return out

        return listcomp

    def c_dictcomp(self, node: nodes.DictComp) -> Callable[[dict[str, Any]], Any]:
        first_iter, levels, (key, value), needs_outer = self._comprehension(node.generators,
                                                                             [node.key, node.value])
        span = node.span

        def dictcomp(L: dict[str, Any]) -> dict[Any, Any]:
            iterable = first_iter(L)
            C: dict[str, Any] = {".outer": L} if needs_outer else {}
            out: dict[Any, Any] = {}

            def emit(C: dict[str, Any]) -> None:
                k = key(C)
                out[k] = value(C)

            try:
                self._comprehension_runner(levels, emit, span)(C, iterable)
            except Exception as exc:
                raise convert_exception(exc, span) from None
            return out

        return dictcomp

    def c_genexp(self, node: nodes.GeneratorExp) -> Callable[[dict[str, Any]], Any]:
        first_iter, levels, (element,), needs_outer = self._comprehension(node.generators, [node.elt])
        span = node.span
        S = self.S
        check = self.check

        def genexp(L: dict[str, Any]) -> Any:
            iterable = first_iter(L)
            C: dict[str, Any] = {".outer": L} if needs_outer else {}
            try:
                iterator = iter(iterable)
            except Exception as exc:
                raise convert_exception(exc, levels[0][3]) from None

            def generate(index: int, iterator: Any) -> Any:
                store, _, conditions, iter_span = levels[index]
                last_level = index == len(levels) - 1
                try:
                    for item in iterator:
                        S[0] += 1
                        if S[0] > S[1]:
                            check(span)
                        store(C, item)
                        if not all(condition(C) for condition in conditions):
                            continue
                        if last_level:
                            yield element(C)
                        else:
                            yield from generate(index + 1, iter(levels[index + 1][1](C)))
                except Exception as exc:
                    raise convert_exception(exc, iter_span) from None

            return generate(0, iterator)

        return genexp

    # -- assignment targets ----------------------------------------------------------------------

    def target(self, node: Any) -> Callable[[dict[str, Any], Any], None]:
        """A store function `store(L, value)` for an assignment target."""
        span = node.span
        if isinstance(node, nodes.Name):
            return self.store_name(node.id, span)
        if isinstance(node, nodes.Attribute):
            obj_ev = self.expr(node.value)
            attr = node.attr
            set_attribute = protocol.set_attribute

            def store_attribute(L: dict[str, Any], value: Any) -> None:
                obj = obj_ev(L)
                try:
                    set_attribute(obj, attr, value)
                except Exception as exc:
                    raise convert_exception(exc, span) from None

            return store_attribute
        if isinstance(node, nodes.Subscript):
            obj_ev = self.expr(node.value)
            key_ev = self.index(node.index)

            def store_item(L: dict[str, Any], value: Any) -> None:
                obj = obj_ev(L)
                key = key_ev(L)
                try:
                    obj[key] = value
                except Exception as exc:
                    raise convert_exception(exc, span) from None

            return store_item
        if isinstance(node, (nodes.Tuple, nodes.List)):
            stores = []
            star = None
            for index, element in enumerate(node.elts):
                if isinstance(element, nodes.Starred):
                    star = index
                    stores.append(self.target(element.value))
                else:
                    stores.append(self.target(element))
            count = len(stores)

            def store_unpack(L: dict[str, Any], value: Any) -> None:
                try:
                    items = tuple(value)
                except TypeError as exc:
                    if "not iterable" in str(exc):
                        raise AutodiffError("TypeError", f"cannot unpack non-iterable "
                                            f"{protocol.type_name(value)} object", span) from None
                    raise convert_exception(exc, span) from None
                except Exception as exc:
                    raise convert_exception(exc, span) from None
                if star is None:
                    if len(items) != count:
                        if len(items) > count:
                            message = f"too many values to unpack (expected {count})"
                        else:
                            message = f"not enough values to unpack (expected {count}, got {len(items)})"
                        raise AutodiffError("ValueError", message, span)
                    for store, item in zip(stores, items, strict=False):
                        store(L, item)
                    return
                after = count - star - 1
                if len(items) < count - 1:
                    raise AutodiffError("ValueError", f"not enough values to unpack (expected at least "
                                        f"{count - 1}, got {len(items)})", span)
                for store, item in zip(stores[:star], items[:star], strict=False):
                    store(L, item)
                stores[star](L, list(items[star: len(items) - after]))
                for store, item in zip(stores[star + 1:], items[len(items) - after:], strict=False):
                    store(L, item)

            return store_unpack
        raise ParseError("cannot assign to expression", span)  # pragma: no cover - the parser checks

    # -- statements ------------------------------------------------------------------------------

    def s_expr(self, node: nodes.ExprStmt) -> Callable[[dict[str, Any]], Any]:
        value = self.expr(node.value)

        def expression_statement(L: dict[str, Any]) -> None:
            value(L)

        return expression_statement

    def s_assign(self, node: nodes.Assign) -> Callable[[dict[str, Any]], Any]:
        if len(node.targets) == 1 and isinstance(node.targets[0], nodes.Name) and isinstance(
                node.value, nodes.BinOp):
            fused = self._assign_binop(node.targets[0], node.value)
            if fused is not None:
                return fused
        value = self.expr(node.value)
        if len(node.targets) == 1 and isinstance(node.targets[0], nodes.Name):
            name = node.targets[0].id
            kind, _ = self.resolve(name, node.span)
            if kind == "global":
                G = self.G
                if self.scope.kind == "module":
                    self.last_global_binding = name

                def assign_global(L: dict[str, Any]) -> None:
                    G[name] = value(L)

                return assign_global
            if kind == "local":
                def assign_local(L: dict[str, Any]) -> None:
                    L[name] = value(L)

                return assign_local
        stores = [self.target(t) for t in node.targets]
        if len(stores) == 1:
            store = stores[0]

            def assign(L: dict[str, Any]) -> None:
                store(L, value(L))

            return assign

        def assign_many(L: dict[str, Any]) -> None:
            v = value(L)
            for store in stores:
                store(L, v)

        return assign_many

    def _assign_binop(self, target: nodes.Name, value: nodes.BinOp) -> Callable[[dict[str, Any]], Any] | None:
        """`name = a OP b` with a and b names or constants, in one closure (the commonest loop statement)."""
        kind, _ = self.resolve(target.id, target.span)
        if kind == "free":
            return None
        left = self.operand(value.left)
        right = self.operand(value.right)
        shape = left[0][0] + right[0][0]
        if shape not in ("nn", "nc", "cn"):
            return None
        if self.scope.kind == "module":
            self.last_global_binding = target.id
        G = self.G
        sn = target.id
        su = kind == "local" or self.scope.kind == "module"
        function = _BINARY[value.op]
        guard = value.op == "*"
        span = value.span
        _, left_ev, left_payload, lu = left
        _, right_ev, right_payload, ru = right
        if shape == "nn":
            ln, rn = left_payload, right_payload

            def assign_name_name(L: dict[str, Any]) -> None:
                try:
                    a = (L if lu else G)[ln]
                except KeyError:
                    a = left_ev(L)
                try:
                    b = (L if ru else G)[rn]
                except KeyError:
                    b = right_ev(L)
                try:
                    if guard and ((type(b) is int and b > 100_000) or (type(a) is int and a > 100_000)):
                        _check_repeat(a, b)
                    (L if su else G)[sn] = function(a, b)
                except Exception as exc:
                    raise convert_exception(exc, span) from None

            return assign_name_name
        if shape == "nc":
            ln, rc = left_payload, right_payload

            def assign_name_const(L: dict[str, Any]) -> None:
                try:
                    a = (L if lu else G)[ln]
                except KeyError:
                    a = left_ev(L)
                try:
                    if guard and ((type(rc) is int and rc > 100_000) or (type(a) is int and a > 100_000)):
                        _check_repeat(a, rc)
                    (L if su else G)[sn] = function(a, rc)
                except Exception as exc:
                    raise convert_exception(exc, span) from None

            return assign_name_const
        lc, rn = left_payload, right_payload

        def assign_const_name(L: dict[str, Any]) -> None:
            try:
                b = (L if ru else G)[rn]
            except KeyError:
                b = right_ev(L)
            try:
                if guard and ((type(b) is int and b > 100_000) or (type(lc) is int and lc > 100_000)):
                    _check_repeat(lc, b)
                (L if su else G)[sn] = function(lc, b)
            except Exception as exc:
                raise convert_exception(exc, span) from None

        return assign_const_name

    def s_augassign(self, node: nodes.AugAssign) -> Callable[[dict[str, Any]], Any]:
        function = _inplace_power if node.op == "**" else _INPLACE[node.op]
        value = self.expr(node.value)
        span = node.span
        target = node.target
        if isinstance(target, nodes.Name):
            load = self.c_name(target)
            store = self.store_name(target.id, target.span)

            def augassign_name(L: dict[str, Any]) -> None:
                current = load(L)
                v = value(L)
                try:
                    result = function(current, v)
                except Exception as exc:
                    raise convert_exception(exc, span) from None
                store(L, result)

            return augassign_name
        if isinstance(target, nodes.Attribute):
            obj_ev = self.expr(target.value)
            attr = target.attr
            tspan = target.span

            def augassign_attribute(L: dict[str, Any]) -> None:
                obj = obj_ev(L)
                try:
                    current = protocol.get_attribute(obj, attr)
                except Exception as exc:
                    raise convert_exception(exc, tspan) from None
                v = value(L)
                try:
                    result = function(current, v)
                except Exception as exc:
                    raise convert_exception(exc, span) from None
                try:
                    protocol.set_attribute(obj, attr, result)
                except Exception as exc:
                    raise convert_exception(exc, tspan) from None

            return augassign_attribute
        obj_ev = self.expr(target.value)
        key_ev = self.index(target.index)
        tspan = target.span

        def augassign_item(L: dict[str, Any]) -> None:
            obj = obj_ev(L)
            key = key_ev(L)
            try:
                current = obj[key]
            except Exception as exc:
                raise convert_exception(exc, tspan) from None
            v = value(L)
            try:
                result = function(current, v)
            except Exception as exc:
                raise convert_exception(exc, span) from None
            try:
                obj[key] = result
            except Exception as exc:
                raise convert_exception(exc, tspan) from None

        return augassign_item

    def _truth(self, node: Any) -> Callable[[dict[str, Any]], bool]:
        test = self.expr(node)
        span = node.span

        def truth(L: dict[str, Any]) -> bool:
            v = test(L)
            try:
                return True if v else False
            except Exception as exc:
                raise convert_exception(exc, span) from None

        return truth

    def s_if(self, node: nodes.If) -> Callable[[dict[str, Any]], Any]:
        test = self._truth(node.test)
        body = self.block(node.body)
        if not node.orelse:
            def if_(L: dict[str, Any]) -> Any:
                if test(L):
                    return body(L)
                return None

            return if_
        orelse = self.block(node.orelse)

        def if_else(L: dict[str, Any]) -> Any:
            if test(L):
                return body(L)
            return orelse(L)

        return if_else

    def statements(self, statements: list[Any]) -> tuple[tuple[Callable[..., Any], ...], int, Span]:
        """Compiled statements (no-ops dropped), how many steps they count for, and the first one's span."""
        compiled = []
        for statement in statements:
            function = self._stmt_dispatch[type(statement)](statement)
            if function is not None:
                compiled.append(_statement(function, statement.span))
        first_span = statements[0].span if statements else Span(1, 1, 1, 1)
        return tuple(compiled), max(len(statements), 1), first_span

    def _loop_statements(self, statements: list[Any]) -> tuple[tuple[Callable[..., Any], ...], int, Span]:
        self.loop_depth += 1
        try:
            return self.statements(statements)
        finally:
            self.loop_depth -= 1

    # Loops count their iterations in a local variable and settle with the shared step counter (S[0])
    # when they end or when the local count reaches what the counter allows before the next check;
    # this keeps the per-iteration cost to a few bytecodes.

    def s_while(self, node: nodes.While) -> Callable[[dict[str, Any]], Any]:
        test = self.expr(node.test)
        test_span = node.test.span
        program, count, first_span = self._loop_statements(node.body)
        orelse = self.block(node.orelse) if node.orelse else None
        S = self.S
        check = self.check
        if len(program) == 1:
            st = program[0]

            @_runner
            def while_one(L: dict[str, Any]) -> Any:
                allowed = min((S[1] - S[0]) // count, _CHECK_EVERY)
                n = 0
                try:
                    while True:
                        v = test(L)
                        try:
                            if not v:
                                break
                        except Exception as exc:
                            raise convert_exception(exc, test_span) from None
                        n += 1
                        if n > allowed:
                            S[0] += n * count
                            n = 0
                            check(first_span)
                            allowed = min((S[1] - S[0]) // count, _CHECK_EVERY)
                        signal = st(L)
                        if signal is not None:
                            if signal is BREAK:
                                return None
                            if signal is CONTINUE:
                                continue
                            return signal
                finally:
                    S[0] += n * count
                if orelse is not None:
                    return orelse(L)
                return None

            return while_one

        @_runner
        def while_many(L: dict[str, Any]) -> Any:
            allowed = min((S[1] - S[0]) // count, _CHECK_EVERY)
            n = 0
            try:
                while True:
                    v = test(L)
                    try:
                        if not v:
                            break
                    except Exception as exc:
                        raise convert_exception(exc, test_span) from None
                    n += 1
                    if n > allowed:
                        S[0] += n * count
                        n = 0
                        check(first_span)
                        allowed = min((S[1] - S[0]) // count, _CHECK_EVERY)
                    signal = None
                    for st_ in program:
                        signal = st_(L)
                        if signal is not None:
                            break
                    if signal is not None:
                        if signal is BREAK:
                            return None
                        if signal is CONTINUE:
                            continue
                        return signal
            finally:
                S[0] += n * count
            if orelse is not None:
                return orelse(L)
            return None

        return while_many

    def s_for(self, node: nodes.For) -> Callable[[dict[str, Any]], Any]:
        iterable = self.expr(node.iter)
        span = node.iter.span
        name = ""
        from_L = True
        store = self.target(node.target)
        if isinstance(node.target, nodes.Name):
            kind, _ = self.resolve(node.target.id, node.target.span)
            if kind == "local" or (kind == "global" and self.scope.kind == "module"):
                name = node.target.id
            elif kind == "global":
                name, from_L = node.target.id, False
        program, count, first_span = self._loop_statements(node.body)
        orelse = self.block(node.orelse) if node.orelse else None
        S = self.S
        check = self.check
        G = self.G
        if len(program) == 1:
            st = program[0]

            @_runner
            def for_one(L: dict[str, Any]) -> Any:
                values = iterable(L)
                try:
                    iterator = iter(values)
                except Exception as exc:
                    raise convert_exception(exc, span) from None
                dest = L if from_L else G
                allowed = min((S[1] - S[0]) // count, _CHECK_EVERY)
                n = 0
                try:
                    for item in iterator:
                        if name:
                            dest[name] = item
                        else:
                            store(L, item)
                        n += 1
                        if n > allowed:
                            S[0] += n * count
                            n = 0
                            check(first_span)
                            allowed = min((S[1] - S[0]) // count, _CHECK_EVERY)
                        signal = st(L)
                        if signal is not None:
                            if signal is BREAK:
                                return None
                            if signal is CONTINUE:
                                continue
                            return signal
                except Exception as exc:
                    raise convert_exception(exc, span) from None
                finally:
                    S[0] += n * count
                if orelse is not None:
                    return orelse(L)
                return None

            return for_one

        @_runner
        def for_many(L: dict[str, Any]) -> Any:
            values = iterable(L)
            try:
                iterator = iter(values)
            except Exception as exc:
                raise convert_exception(exc, span) from None
            dest = L if from_L else G
            allowed = min((S[1] - S[0]) // count, _CHECK_EVERY)
            n = 0
            try:
                for item in iterator:
                    if name:
                        dest[name] = item
                    else:
                        store(L, item)
                    n += 1
                    if n > allowed:
                        S[0] += n * count
                        n = 0
                        check(first_span)
                        allowed = min((S[1] - S[0]) // count, _CHECK_EVERY)
                    signal = None
                    for st_ in program:
                        signal = st_(L)
                        if signal is not None:
                            break
                    if signal is not None:
                        if signal is BREAK:
                            return None
                        if signal is CONTINUE:
                            continue
                        return signal
            except Exception as exc:
                raise convert_exception(exc, span) from None
            finally:
                S[0] += n * count
            if orelse is not None:
                return orelse(L)
            return None

        return for_many

    def s_break(self, node: nodes.Break) -> Callable[[dict[str, Any]], Any]:
        if not self.loop_depth:
            raise ParseError("'break' outside loop", node.span)
        return lambda L: BREAK

    def s_continue(self, node: nodes.Continue) -> Callable[[dict[str, Any]], Any]:
        if not self.loop_depth:
            raise ParseError("'continue' not properly in loop", node.span)
        return lambda L: CONTINUE

    def s_pass(self, node: nodes.Pass) -> None:
        return None

    def s_global(self, node: nodes.Global) -> None:
        return None

    def s_nonlocal(self, node: nodes.Nonlocal) -> None:
        if self.scope.kind == "module":
            raise ParseError("nonlocal declaration not allowed at module level", node.span)
        for name in node.names:
            kind, _ = self.resolve(name, node.span)
            if kind != "free":
                raise ParseError(f"no binding for nonlocal '{name}' found", node.span)
        return None

    def s_return(self, node: nodes.Return) -> Callable[[dict[str, Any]], Any]:
        if self.scope.kind != "function":
            raise ParseError("'return' outside function", node.span)
        if node.value is None:
            nothing = (RETURN, None)
            return lambda L: nothing
        value = self.expr(node.value)

        def return_(L: dict[str, Any]) -> Any:
            return (RETURN, value(L))

        return return_

    def s_def(self, node: nodes.FunctionDef) -> Callable[[dict[str, Any]], Any]:
        defaults = [(p.name, self.expr(p.default)) for p in node.params if p.default is not None]
        store = self.store_name(node.name, node.span)
        assigned, declared_global, declared_nonlocal = _scan_function_body(node.body)
        params = {p.name for p in node.params}
        clash = params & (declared_global | declared_nonlocal)
        if clash:
            name = sorted(clash)[0]
            kind = "global" if name in declared_global else "nonlocal"
            raise ParseError(f"name '{name}' is parameter and {kind}", node.span)
        saved_scope, saved_loops = self.scope, self.loop_depth
        self.scope = _Scope("function", saved_scope, assigned | params, declared_global, declared_nonlocal,
                            node.name)
        self.loop_depth = 0
        try:
            for name in declared_nonlocal:
                kind, _ = self.resolve(name, node.span)
                if kind != "free":
                    raise ParseError(f"no binding for nonlocal '{name}' found", node.span)
            body = self.block(node.body) if node.body else self.block([nodes.Pass(node.span)])
        finally:
            self.scope, self.loop_depth = saved_scope, saved_loops
        nested = self.scope.kind != "module"
        interpreter = self.interpreter
        state = self.S
        name = node.name
        params_list = node.params
        header = node.header or node.span

        def define(L: dict[str, Any]) -> None:
            values = {}
            for param_name, ev in defaults:
                values[param_name] = ev(L)
            function = UserFunction(name, header, params_list, values, body, L if nested else None, state,
                                    interpreter.max_depth)
            store(L, function)

        return define

    def s_with(self, node: nodes.With) -> Callable[[dict[str, Any]], Any]:
        body: Callable[[dict[str, Any]], Any] = self.block(node.body)
        for item in reversed(node.items):
            body = self._with_item(item, body)
        return body

    def _with_item(self, item: nodes.WithItem, body: Callable[[dict[str, Any]], Any]
                   ) -> Callable[[dict[str, Any]], Any]:
        context = self.expr(item.context)
        store = self.target(item.target) if item.target is not None else None
        span = item.context.span

        def with_(L: dict[str, Any]) -> Any:
            manager = context(L)
            kind = type(manager)
            enter = getattr(kind, "__enter__", None)
            exit_ = getattr(kind, "__exit__", None)
            if enter is None or exit_ is None:
                raise AutodiffError("TypeError", f"'{protocol.type_name(manager)}' object does not support the "
                                    "context manager protocol", span)
            try:
                value = enter(manager)
            except Exception as exc:
                raise convert_exception(exc, span) from None
            try:
                if store is not None:
                    store(L, value)
                signal = body(L)
            except BaseException as exc:
                if not exit_(manager, type(exc), exc, exc.__traceback__):
                    raise
                return None
            exit_(manager, None, None, None)
            return signal

        return with_

    def s_import(self, node: nodes.Import) -> Callable[[dict[str, Any]], Any]:
        bindings = []
        for alias in node.names:
            bound = alias.asname or alias.name.split(".")[0]
            module_name = alias.name if alias.asname else alias.name.split(".")[0]
            bindings.append((alias.name, module_name, self.store_name(bound, alias.span), alias.span))
        modules = self.interpreter.modules

        def import_(L: dict[str, Any]) -> None:
            for full_name, module_name, store, span in bindings:
                if full_name not in modules or module_name not in modules:
                    raise _module_not_found(full_name, modules, span)
                store(L, modules[module_name])

        return import_

    def s_import_from(self, node: nodes.ImportFrom) -> Callable[[dict[str, Any]], Any]:
        modules = self.interpreter.modules
        module_name = node.module
        span = node.span
        if len(node.names) == 1 and node.names[0].name == "*":
            if self.scope.kind != "module":
                raise ParseError("import * only allowed at module level", span)
            G = self.G

            def import_star(L: dict[str, Any]) -> None:
                if module_name not in modules:
                    raise _module_not_found(module_name, modules, span)
                for key, value in modules[module_name].members.items():
                    if not key.startswith("_"):
                        G[key] = value

            return import_star
        bindings = [(alias.name, self.store_name(alias.asname or alias.name, alias.span), alias.span)
                    for alias in node.names]

        def import_from(L: dict[str, Any]) -> None:
            if module_name not in modules:
                raise _module_not_found(module_name, modules, span)
            members = modules[module_name].members
            for name, store, alias_span in bindings:
                if name in members and not name.startswith("_"):
                    store(L, members[name])
                elif f"{module_name}.{name}" in modules:
                    store(L, modules[f"{module_name}.{name}"])
                else:
                    close = difflib.get_close_matches(name, list(members), n=1)
                    hint = f"did you mean '{close[0]}'?" if close else None
                    message = f"cannot import name '{name}' from '{module_name}'"
                    raise AutodiffError("ImportError", message + (f"; {hint}" if hint else ""), alias_span,
                                        hint=hint)

        return import_from

    def s_delete(self, node: nodes.Delete) -> Callable[[dict[str, Any]], Any]:
        actions = []
        for target in node.targets:
            span = target.span
            if isinstance(target, nodes.Name):
                kind, depth = self.resolve(target.id, span)
                actions.append(self._delete_name(target.id, kind, depth, span))
            elif isinstance(target, nodes.Subscript):
                obj_ev = self.expr(target.value)
                key_ev = self.index(target.index)

                def delete_item(L: dict[str, Any], obj_ev: Any = obj_ev, key_ev: Any = key_ev,
                                span: Span = span) -> None:
                    obj = obj_ev(L)
                    key = key_ev(L)
                    try:
                        del obj[key]
                    except Exception as exc:
                        raise convert_exception(exc, span) from None

                actions.append(delete_item)
            elif isinstance(target, nodes.Attribute):
                raise ParseError("deleting attributes is not supported in autodiff scripts", span)
            else:
                for element in target.elts:
                    actions.append(self.s_delete(nodes.Delete([element], element.span)))

        def delete(L: dict[str, Any]) -> None:
            for action in actions:
                action(L)

        return delete

    def _delete_name(self, name: str, kind: str, depth: int, span: Span) -> Callable[[dict[str, Any]], None]:
        G = self.G
        interpreter = self.interpreter

        def delete_name(L: dict[str, Any]) -> None:
            where = G if kind == "global" else _outer(L, depth)
            try:
                del where[name]
            except KeyError:
                raise interpreter.name_error(name, span, L) from None

        return delete_name

    def s_assert(self, node: nodes.Assert) -> Callable[[dict[str, Any]], Any]:
        test = self._truth(node.test)
        message = self.expr(node.msg) if node.msg is not None else None
        span = node.test.span

        def assert_(L: dict[str, Any]) -> None:
            if not test(L):
                text = str(message(L)) if message is not None else ""
                raise AutodiffError("AssertionError", text, span)

        return assert_


def _binary_closure(G: dict[str, Any], function: Callable[[Any, Any], Any], left: tuple[str, Any, Any, bool],
                    right: tuple[str, Any, Any, bool], span: Span, guard: bool) -> Callable[[dict[str, Any]], Any]:
    """`function(left, right)` with operands fetched inline when they are names or constants (a Python
    call costs more than the operation itself on floats, so the hot shapes get their own closure)."""
    left_kind, left_ev, left_payload, left_from_L = left
    right_kind, right_ev, right_payload, right_from_L = right
    if left_kind == "const" and right_kind == "const":
        left_kind = right_kind = "expr"
    ln = rn = ""
    lc = rc = None
    if left_kind == "name":
        ln = left_payload
    elif left_kind == "const":
        lc = left_payload
    if right_kind == "name":
        rn = right_payload
    elif right_kind == "const":
        rc = right_payload
    lu, ru = left_from_L, right_from_L

    def apply(a: Any, b: Any) -> Any:
        try:
            if guard and ((type(b) is int and b > 100_000) or (type(a) is int and a > 100_000)):
                _check_repeat(a, b)
            return function(a, b)
        except Exception as exc:
            raise convert_exception(exc, span) from None

    shape = left_kind[0] + right_kind[0]
    if shape == "nn":
        def name_name(L: dict[str, Any]) -> Any:
            try:
                a = (L if lu else G)[ln]
            except KeyError:
                a = left_ev(L)
            try:
                b = (L if ru else G)[rn]
            except KeyError:
                b = right_ev(L)
            try:
                if guard and ((type(b) is int and b > 100_000) or (type(a) is int and a > 100_000)):
                    _check_repeat(a, b)
                return function(a, b)
            except Exception as exc:
                raise convert_exception(exc, span) from None

        return name_name
    if shape == "nc":
        def name_const(L: dict[str, Any]) -> Any:
            try:
                a = (L if lu else G)[ln]
            except KeyError:
                a = left_ev(L)
            try:
                if guard and ((type(rc) is int and rc > 100_000) or (type(a) is int and a > 100_000)):
                    _check_repeat(a, rc)
                return function(a, rc)
            except Exception as exc:
                raise convert_exception(exc, span) from None

        return name_const
    if shape == "cn":
        def const_name(L: dict[str, Any]) -> Any:
            try:
                b = (L if ru else G)[rn]
            except KeyError:
                b = right_ev(L)
            try:
                if guard and ((type(b) is int and b > 100_000) or (type(lc) is int and lc > 100_000)):
                    _check_repeat(lc, b)
                return function(lc, b)
            except Exception as exc:
                raise convert_exception(exc, span) from None

        return const_name
    if shape == "ne":
        def name_expr(L: dict[str, Any]) -> Any:
            try:
                a = (L if lu else G)[ln]
            except KeyError:
                a = left_ev(L)
            return apply(a, right_ev(L))

        return name_expr
    if shape == "en":
        def expr_name(L: dict[str, Any]) -> Any:
            a = left_ev(L)
            try:
                b = (L if ru else G)[rn]
            except KeyError:
                b = right_ev(L)
            return apply(a, b)

        return expr_name
    if shape == "ec":
        def expr_const(L: dict[str, Any]) -> Any:
            return apply(left_ev(L), rc)

        return expr_const
    if shape == "ce":
        def const_expr(L: dict[str, Any]) -> Any:
            return apply(lc, right_ev(L))

        return const_expr

    def expr_expr(L: dict[str, Any]) -> Any:
        a = left_ev(L)
        b = right_ev(L)
        try:
            if guard and ((type(b) is int and b > 100_000) or (type(a) is int and a > 100_000)):
                _check_repeat(a, b)
            return function(a, b)
        except Exception as exc:
            raise convert_exception(exc, span) from None

    return expr_expr


def _keyword_builder(keywords: list[tuple[str | None, Any, Span]], span: Span
                     ) -> Callable[[dict[str, Any]], dict[str, Any]]:
    if all(name is not None for name, _, _ in keywords):
        return lambda L: {name: ev(L) for name, ev, _ in keywords}  # type: ignore[misc]

    def build(L: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, ev, item_span in keywords:
            value = ev(L)
            if name is not None:
                if name in out:
                    raise AutodiffError("TypeError", f"got multiple values for keyword argument '{name}'",
                                        item_span)
                out[name] = value
                continue
            try:
                mapping = dict(value)
            except Exception as exc:
                raise convert_exception(exc, item_span) from None
            for key, item in mapping.items():
                if not isinstance(key, str):
                    raise AutodiffError("TypeError", "keywords must be strings", item_span)
                if key in out:
                    raise AutodiffError("TypeError", f"got multiple values for keyword argument '{key}'",
                                        item_span)
                out[key] = item
        return out

    return build


def _call_failed(exc: Exception, span: Span, function: Any, method: str | None = None) -> BaseException:
    """The error to raise when calling `function` (None for a call of the method named `method`) failed with
    `exc`."""
    if type(exc) is AttributeError:
        name = method if method is not None else getattr(function, "__name__", None)
        found = _wrong_argument_type(exc, name, method is not None)
        if found is not None:
            error = AutodiffError("TypeError", found, span)
            error.original = exc  # type: ignore[attr-defined]
            return error
    if isinstance(exc, AutodiffError) and exc.span is not None and type(function) is UserFunction:
        calls = getattr(exc, "calls", None)
        if calls is None:
            calls = exc.calls = []  # type: ignore[attr-defined]
        calls.append((function.name, span))  # the call stack, innermost first (at most max_depth long)
        return exc
    if isinstance(exc, TypeError) and not callable(function) and function is not None:
        return AutodiffError("TypeError", f"'{protocol.type_name(function)}' object is not callable", span)
    return convert_exception(exc, span)


def _module_not_found(name: str, modules: dict[str, Any], span: Span) -> AutodiffError:
    if not modules:
        return AutodiffError("ModuleNotFoundError", f"module '{name}' is not available in autodiff scripts", span)
    available = ", ".join(sorted(modules))
    return AutodiffError("ModuleNotFoundError", f"module '{name}' is not available in autodiff scripts; only "
                         f"{available} can be imported", span)
