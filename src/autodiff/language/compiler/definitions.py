"""Compiling definitions: `def` (and the function objects it makes at run time)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autodiff.language import nodes
from autodiff.language.compiler.scopes import Scope, scan_function_body
from autodiff.language.runtime.functions import UserFunction
from autodiff.language.syntax import ParseError


class DefinitionCompiler:
    def s_def(self, node: nodes.FunctionDef) -> Callable[[dict[str, Any]], Any]:
        defaults = [(p.name, self.expr(p.default)) for p in node.params if p.default is not None]
        store = self.store_name(node.name, node.span)
        assigned, declared_global, declared_nonlocal = scan_function_body(node.body)
        params = {p.name for p in node.params}
        clash = params & (declared_global | declared_nonlocal)
        if clash:
            name = sorted(clash)[0]
            kind = "global" if name in declared_global else "nonlocal"
            raise ParseError(f"name '{name}' is parameter and {kind}", node.span)
        saved_scope, saved_loops = self.scope, self.loop_depth
        self.scope = Scope("function", saved_scope, assigned | params, declared_global, declared_nonlocal,
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
