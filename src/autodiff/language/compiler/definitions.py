"""Compiling definitions: `def` and `lambda` (script functions, generator functions among them), decorators,
and `class` statements (the class itself is made by runtime/classes.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autodiff.errors import AutodiffError, Span
from autodiff.language import nodes
from autodiff.language.compiler.runners import RETURN
from autodiff.language.compiler.scopes import Scope, mentions, scan_function_body, yields_in
from autodiff.language.runtime.classes import make_class
from autodiff.language.runtime.exceptions import call_failed
from autodiff.language.runtime.functions import UserFunction
from autodiff.language.syntax import ParseError


def _docstring(body: list[Any]) -> str | None:
    first = body[0] if body else None
    if isinstance(first, nodes.ExprStmt) and isinstance(first.value, nodes.Constant) and isinstance(
            first.value.value, str):
        return first.value.value
    return None


class DefinitionCompiler:
    def _decorators(self, decorators: list[Any]) -> Callable[[dict[str, Any]], list[tuple[Any, Span]]] | None:
        """Evaluates the decorator expressions (top to bottom, before the definition runs)."""
        if not decorators:
            return None
        evaluators = [(self.expr(d), d.span) for d in decorators]
        return lambda L: [(ev(L), span) for ev, span in evaluators]

    @staticmethod
    def _decorate(value: Any, decorators: list[tuple[Any, Span]]) -> Any:
        for decorator, span in reversed(decorators):
            try:
                value = decorator(value)
            except Exception as exc:
                raise call_failed(exc, span, decorator) from None
        return value

    def _function(self, name: str, params: list[nodes.Param], body_nodes: list[Any], span: Span,
                  expression: Any = None) -> tuple[Callable[[dict[str, Any]], Any], dict[str, Any]]:
        """Compile a function's body in a scope of its own: (runner of the body, keyword arguments for
        UserFunction). `expression` is a lambda's body."""
        assigned, declared_global, declared_nonlocal = scan_function_body(body_nodes)
        if expression is not None:
            from autodiff.language.compiler.scopes import walrus_targets

            walrus_targets(expression, assigned)
        param_names = {p.name for p in params}
        clash = param_names & (declared_global | declared_nonlocal)
        if clash:
            clashing = sorted(clash)[0]
            kind = "global" if clashing in declared_global else "nonlocal"
            raise ParseError(f"name '{clashing}' is parameter and {kind}", span)
        generator = yields_in(body_nodes) if expression is None else yields_in([expression])
        if generator and expression is not None:
            raise ParseError("`yield` inside a lambda is not supported in autodiff scripts", span)
        saved_scope, saved_loops = self.scope, self.loop_depth
        scope = Scope("function", saved_scope, assigned | param_names, declared_global, declared_nonlocal, name)
        scope.qualname = saved_scope.prefix() + name
        scope.generator = generator
        scope.in_class = saved_scope.kind == "class"
        positional = [p.name for p in params if p.kind == "positional"]
        scope.first_param = positional[0] if positional else None
        self.scope = scope
        self.loop_depth = 0
        try:
            for nonlocal_name in declared_nonlocal:
                kind, _ = self.resolve(nonlocal_name, span)
                if kind != "free":
                    raise ParseError(f"no binding for nonlocal '{nonlocal_name}' found", span)
            if expression is not None:
                value = self.expr(expression)

                def body(L: dict[str, Any]) -> Any:
                    return (RETURN, value(L))
            elif generator:
                body = self.generator_function_body(body_nodes)
            else:
                body = self.block(body_nodes) if body_nodes else self.block([nodes.Pass(span)])
        finally:
            self.scope, self.loop_depth = saved_scope, saved_loops
        needs_class = scope.in_class and (mentions(body_nodes, "super") or mentions(body_nodes, "__class__"))
        options = {"qualname": scope.qualname, "generator": generator, "needs_class": needs_class,
                   "doc": _docstring(body_nodes) if expression is None else None}
        return body, options

    def s_def(self, node: nodes.FunctionDef) -> Callable[[dict[str, Any]], Any]:
        decorators = self._decorators(node.decorators)
        defaults = [(p.name, self.expr(p.default)) for p in node.params if p.default is not None]
        store = self.store_name(node.name, node.span)
        link = self.link()
        body, options = self._function(node.name, node.params, node.body, node.span)
        interpreter = self.interpreter
        state = self.S
        name = node.name
        params = node.params
        header = node.header or node.span
        decorate = self._decorate

        def define(L: dict[str, Any]) -> None:
            applied = decorators(L) if decorators is not None else None
            values = {}
            for param_name, ev in defaults:
                values[param_name] = ev(L)
            function: Any = UserFunction(name, header, params, values, body, link(L), state, interpreter.max_depth,
                                         **options)
            if applied:
                function = decorate(function, applied)
            store(L, function)

        return define

    def c_lambda(self, node: nodes.Lambda) -> Callable[[dict[str, Any]], Any]:
        defaults = [(p.name, self.expr(p.default)) for p in node.params if p.default is not None]
        link = self.link()
        body, options = self._function("<lambda>", node.params, [], node.span, expression=node.body)
        interpreter = self.interpreter
        state = self.S
        params = node.params
        span = node.span

        def make_lambda(L: dict[str, Any]) -> UserFunction:
            values = {param_name: ev(L) for param_name, ev in defaults}
            return UserFunction("<lambda>", span, params, values, body, link(L), state, interpreter.max_depth,
                                **options)

        return make_lambda

    def s_class(self, node: nodes.ClassDef) -> Callable[[dict[str, Any]], Any]:
        for keyword in node.keywords:
            what = "metaclasses are" if keyword.name == "metaclass" else "class keyword arguments are"
            raise ParseError(f"{what} not supported in autodiff scripts", keyword.span)
        decorators = self._decorators(node.decorators)
        bases = self._elements(node.bases)
        store = self.store_name(node.name, node.span)
        link = self.link()
        assigned, declared_global, declared_nonlocal = scan_function_body(node.body)
        saved_scope, saved_loops = self.scope, self.loop_depth
        scope = Scope("class", saved_scope, assigned, declared_global, declared_nonlocal, node.name)
        scope.qualname = qualname = saved_scope.prefix() + node.name
        self.scope = scope
        self.loop_depth = 0
        try:
            body = self.block(node.body)
        finally:
            self.scope, self.loop_depth = saved_scope, saved_loops
        name = node.name
        doc = _docstring(node.body)
        header = node.header or node.span
        decorate = self._decorate

        def define_class(L: dict[str, Any]) -> None:
            applied = decorators(L) if decorators is not None else None
            base_classes = tuple(bases(L))
            namespace: dict[str, Any] = {"__module__": "__main__", "__qualname__": qualname}
            if doc is not None:
                namespace["__doc__"] = doc
            outer = link(L)
            if outer is not None:
                namespace[".outer"] = outer
            body(namespace)
            namespace.pop(".outer", None)
            try:
                cls: Any = make_class(name, qualname, base_classes, namespace)
            except AutodiffError as error:
                error.span = error.span or header
                raise
            if applied:
                cls = decorate(cls, applied)
            store(L, cls)

        return define_class
