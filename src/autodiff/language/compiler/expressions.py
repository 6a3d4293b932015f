"""Compiling expressions: constants, f-strings, displays, operators, attributes, subscripts and calls."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from autodiff.errors import AutodiffError, Span
from autodiff.language import nodes, protocol
from autodiff.language.compiler.operators import BINARY, COMPARE, binary_closure
from autodiff.language.compiler.runners import enclosing
from autodiff.language.protocol import BuiltinFunction
from autodiff.language.runtime.exceptions import call_failed, call_site, convert_exception
from autodiff.language.runtime.functions import UserFunction
from autodiff.language.syntax import ParseError

# Looked up on the class, never on the function value: nothing a script stores on a function can stand in for it.
_invoke = UserFunction.invoke


class ExpressionCompiler:
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
                shown = conversion(v) if conversion is not None else v
                return protocol.without_address(v, format(shown, spec(L) if spec is not None else ""))
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

    def c_set(self, node: nodes.Set) -> Callable[[dict[str, Any]], Any]:
        elements = self._elements(node.elts)
        span = node.span

        def build_set(L: dict[str, Any]) -> set[Any]:
            values = elements(L)
            try:
                return set(values)
            except Exception as exc:
                raise convert_exception(exc, span) from None

        return build_set

    def c_named_expr(self, node: nodes.NamedExpr) -> Callable[[dict[str, Any]], Any]:
        """`name := value`: binds in the function around any comprehensions it is in (as Python does)."""
        value = self.expr(node.value)
        scope = self.scope
        hops = 0
        while scope.kind == "comprehension":
            if node.target.id in scope.locals:
                raise ParseError("assignment expression cannot rebind comprehension iteration variable "
                                 f"'{node.target.id}'", node.span)
            scope = scope.parent  # type: ignore[assignment]
            hops += 1
        if scope.kind == "class" and hops:
            raise ParseError("assignment expression within a comprehension cannot be used in a class body",
                             node.span)
        store = self.store_name(node.target.id, node.target.span, scope)

        def named(L: dict[str, Any]) -> Any:
            result = value(L)
            store(enclosing(L, hops) if hops and scope.kind != "module" else L, result)
            return result

        return named

    def c_yield(self, node: nodes.Yield | nodes.YieldFrom) -> Callable[[dict[str, Any]], Any]:
        if self.scope.function() is None:
            raise ParseError("'yield' outside function", node.span)
        from autodiff.language.compiler.generators import misplaced_yield

        raise misplaced_yield(node)

    def _zero_argument_super(self, span: Span) -> Callable[[dict[str, Any]], Any]:
        """`super()` in a method: super(the class whose body defined the method, the method's first argument)."""
        scope = self.scope
        hops = 0
        while scope.kind == "comprehension":
            scope = scope.parent  # type: ignore[assignment]
            hops += 1
        if scope.kind != "function" or not scope.in_class:
            message = "super(): no arguments" if scope.kind == "module" or scope.first_param is None else (
                "super(): __class__ cell not found")

            def no_super(L: dict[str, Any]) -> Any:
                raise AutodiffError("RuntimeError", message, span)

            return no_super
        first = scope.first_param

        def zero_argument_super(L: dict[str, Any]) -> Any:
            return _super_of(enclosing(L, hops) if hops else L, first, span)

        return zero_argument_super

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
        return binary_closure(self.G, BINARY[node.op], left, right, node.span, node.op == "*")

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
            return binary_closure(self.G, COMPARE[node.ops[0]], self.operand(node.left),
                                   self.operand(node.comparators[0]), span, False)
        steps = [(COMPARE[op], self.expr(comparator))
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
        if attr[:1] != "_":
            getters_by_type, no_entries = protocol.GETTERS_BY_TYPE, protocol.NO_ENTRIES

            def public_attribute(L: dict[str, Any]) -> Any:
                obj = value(L)
                try:
                    getter = getters_by_type.get(type(obj), no_entries).get(attr)
                    if getter is not None:
                        return getter(obj)
                    return get_attribute(obj, attr)
                except Exception as exc:
                    raise convert_exception(exc, span) from None

            return public_attribute

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
        if (isinstance(node.func, nodes.Name) and node.func.id == "super" and not node.args and not node.keywords
                and self.resolve("super", span)[0] == "global" and "super" not in self.module_bound):
            return self._zero_argument_super(span)
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
            if simple and attr[:1] != "_" and len(evs) <= 1:
                return _public_method_call(receiver, attr, evs, span)
            if simple:
                def method_call(L: dict[str, Any]) -> Any:
                    obj = receiver(L)
                    args = [ev(L) for ev in evs]
                    try:
                        return call_method(obj, attr, args, no_kwargs)
                    except Exception as exc:
                        raise call_failed(exc, span, None, attr, obj) from None

                return method_call

            method_keywords = _keyword_builder(keywords, span)

            def method_call_general(L: dict[str, Any]) -> Any:
                obj = receiver(L)
                args = positional(L)
                kwargs = method_keywords(L)
                try:
                    return call_method(obj, attr, args, kwargs)
                except Exception as exc:
                    raise call_failed(exc, span, None, attr, obj) from None

            return method_call_general
        function = self.expr(node.func)
        if simple and len(evs) == 0:
            @call_site
            def call0(L: dict[str, Any]) -> Any:
                f = function(L)
                try:
                    kind = type(f)
                    if kind is UserFunction:
                        return _invoke(f, ())
                    if kind is BuiltinFunction:  # what its __call__ does, without going through C
                        return f.function()
                    return f()
                except Exception as exc:
                    raise call_failed(exc, span, f) from None

            return call0
        if simple and len(evs) == 1:
            arg0 = evs[0]

            @call_site
            def call1(L: dict[str, Any]) -> Any:
                f = function(L)
                a = arg0(L)
                try:
                    kind = type(f)
                    if kind is UserFunction:
                        return _invoke(f, (a,))
                    if kind is BuiltinFunction:  # what its __call__ does, without going through C
                        return f.function(a)
                    return f(a)
                except Exception as exc:
                    raise call_failed(exc, span, f) from None

            return call1
        if simple and len(evs) == 2:
            arg0, arg1 = evs

            @call_site
            def call2(L: dict[str, Any]) -> Any:
                f = function(L)
                a = arg0(L)
                b = arg1(L)
                try:
                    kind = type(f)
                    if kind is UserFunction:
                        return _invoke(f, (a, b))
                    if kind is BuiltinFunction:  # what its __call__ does, without going through C
                        return f.function(a, b)
                    return f(a, b)
                except Exception as exc:
                    raise call_failed(exc, span, f) from None

            return call2
        if simple:
            @call_site
            def call_n(L: dict[str, Any]) -> Any:
                f = function(L)
                args = [ev(L) for ev in evs]
                try:
                    kind = type(f)
                    if kind is UserFunction:
                        return _invoke(f, tuple(args))
                    if kind is BuiltinFunction:  # what its __call__ does, without going through C
                        return f.function(*args)
                    return f(*args)
                except Exception as exc:
                    raise call_failed(exc, span, f) from None

            return call_n
        build_keywords = _keyword_builder(keywords, span)

        def call_general(L: dict[str, Any]) -> Any:
            f = function(L)
            args = positional(L)
            kwargs = build_keywords(L)
            try:
                return f(*args, **kwargs)
            except Exception as exc:
                raise call_failed(exc, span, f) from None

        return call_general


def _public_method_call(receiver: Callable[[dict[str, Any]], Any], attr: str, evs: list[Any], span: Span
                        ) -> Callable[[dict[str, Any]], Any]:
    """`x.name()` and `x.name(a)` for a public name: the method of x's table called at once (what
    protocol.call_method does first, without its frame and argument packing); anything else goes to call_method."""
    methods_by_type, no_entries = protocol.METHODS_BY_TYPE, protocol.NO_ENTRIES
    call_method = protocol.call_method
    no_kwargs: dict[str, Any] = {}
    if not evs:
        @call_site
        def method_call0(L: dict[str, Any]) -> Any:
            obj = receiver(L)
            try:
                method = methods_by_type.get(type(obj), no_entries).get(attr)
                if method is not None:
                    return method(obj)
                return call_method(obj, attr, (), no_kwargs)
            except Exception as exc:
                raise call_failed(exc, span, None, attr, obj) from None

        return method_call0
    arg0 = evs[0]

    @call_site
    def method_call1(L: dict[str, Any]) -> Any:
        obj = receiver(L)
        a = arg0(L)
        try:
            method = methods_by_type.get(type(obj), no_entries).get(attr)
            if method is not None:
                return method(obj, a)
            return call_method(obj, attr, (a,), no_kwargs)
        except Exception as exc:
            raise call_failed(exc, span, None, attr, obj) from None

    return method_call1


def _super_of(L: dict[str, Any], first: str | None, span: Span) -> Any:
    cls = L.get(".class")
    if cls is None:
        raise AutodiffError("RuntimeError", "super(): __class__ cell not found", span)
    if first is None or first not in L:
        raise AutodiffError("RuntimeError", "super(): no arguments", span)
    try:
        return super(cls, L[first])
    except Exception as exc:
        raise convert_exception(exc, span) from None


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

