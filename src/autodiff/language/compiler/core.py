"""The compiler's frame: dispatch from node types to the parts that compile them, blocks of statements, and
names (which scope a name lives in, how it is loaded and stored)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from autodiff.errors import AutodiffError, Span
from autodiff.language import nodes
from autodiff.language.compiler.runners import RETURN, enclosing, mark_runner, mark_statement
from autodiff.language.compiler.scopes import Scope, module_bound_names
from autodiff.language.syntax import ParseError

if TYPE_CHECKING:
    from autodiff.language.interpreter import Interpreter

MAX_EXPRESSION_DEPTH = 1_000


class CompilerCore:
    """Turns nodes into closures for one module; knows the interpreter's globals, builtins and limits."""

    def __init__(self, interpreter: Interpreter, module: nodes.Module):
        self.interpreter = interpreter
        self.G = interpreter.globals
        self.B = interpreter.builtins
        self.S = interpreter._state
        self.check = interpreter._check_limits
        self.module_bound = module_bound_names(module) | set(interpreter.globals)
        self.module_body = module.body
        self.scope = Scope("module", None)
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
            nodes.GeneratorExp: self.c_genexp, nodes.DictComp: self.c_dictcomp, nodes.Set: self.c_set,
            nodes.SetComp: self.c_setcomp, nodes.Lambda: self.c_lambda, nodes.NamedExpr: self.c_named_expr,
            nodes.Yield: self.c_yield, nodes.YieldFrom: self.c_yield,
        }
        self._stmt_dispatch: dict[type, Callable[[Any], Callable[[dict[str, Any]], Any] | None]] = {
            nodes.ExprStmt: self.s_expr, nodes.Assign: self.s_assign, nodes.AugAssign: self.s_augassign,
            nodes.If: self.s_if, nodes.While: self.s_while, nodes.For: self.s_for, nodes.Break: self.s_break,
            nodes.Continue: self.s_continue, nodes.Pass: self.s_pass, nodes.Return: self.s_return,
            nodes.FunctionDef: self.s_def, nodes.With: self.s_with, nodes.Import: self.s_import,
            nodes.ImportFrom: self.s_import_from, nodes.Global: self.s_global, nodes.Nonlocal: self.s_nonlocal,
            nodes.Delete: self.s_delete, nodes.Assert: self.s_assert, nodes.ClassDef: self.s_class,
            nodes.Try: self.s_try, nodes.Raise: self.s_raise,
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
                compiled.append(mark_statement(function, statement.span))
        S = self.S
        check = self.check
        count = max(len(statements), 1)
        first_span = statements[0].span if statements else Span(1, 1, 1, 1)
        if not compiled:
            @mark_runner
            def run_empty(L: dict[str, Any]) -> Any:
                S[0] += count
                if S[0] > S[1]:
                    check(first_span)
                return None

            return run_empty
        if len(compiled) == 1 and hasattr(compiled[0], "returned"):
            return self._run_return(compiled[0], count, first_span)
        if len(compiled) == 1:
            st = compiled[0]

            @mark_runner
            def run_one(L: dict[str, Any]) -> Any:
                S[0] += count
                if S[0] > S[1]:
                    check(first_span)
                return st(L)

            return run_one
        program = tuple(compiled)

        @mark_runner
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

    def _run_return(self, st: Callable[[dict[str, Any]], Any], count: int, first_span: Span
                    ) -> Callable[[dict[str, Any]], Any]:
        """A body that is one `return value` (the commonest function body) run in one frame, not two: the
        runner, named and marked as the statement (mark_statement), takes the statement's place in a stack dump,
        and its local `st` still names the statement for statement_span_of_frames."""
        S = self.S
        check = self.check
        value = st.returned  # type: ignore[attr-defined]

        @mark_runner
        def run_return(L: dict[str, Any], st: Callable[[dict[str, Any]], Any] = st) -> Any:
            S[0] += count
            if S[0] > S[1]:
                check(first_span)
            return (RETURN, value(L))

        return mark_statement(run_return, st.autodiff_span)  # type: ignore[attr-defined]

    def _keep_value(self, statement: nodes.ExprStmt, keep: list[Any]) -> Callable[[dict[str, Any]], Any]:
        value = self.expr(statement.value)

        def keep_value(L: dict[str, Any]) -> None:
            keep[0] = value(L)

        return keep_value

    # -- names -----------------------------------------------------------------------------------

    def resolve(self, name: str, span: Span, scope: Scope | None = None) -> tuple[str, int]:
        """('global', 0), ('local', 0), ('class', 0) (a name of the class body being run) or ('free', depth)
        for `name` in `scope` (the current one by default)."""
        scope = scope or self.scope
        if scope.kind == "module" or name in scope.globals:
            return "global", 0
        if name in scope.locals:
            return ("class" if scope.kind == "class" else "local"), 0
        return self._resolve_outside(name, span, scope)

    def _resolve_outside(self, name: str, span: Span, scope: Scope) -> tuple[str, int]:
        """Where `name` lives if not in `scope` itself: a function around it, or the globals."""
        depth = 0
        outer = scope
        while outer.parent is not None and outer.parent.kind != "module":
            outer = outer.parent
            if outer.kind == "class":  # a class body's names are not seen from inside it
                continue
            depth += 1
            if name in outer.globals:
                return "global", 0
            if name in outer.locals:
                return "free", depth
        if name in scope.nonlocals:
            raise ParseError(f"no binding for nonlocal '{name}' found", span)
        return "global", 0

    def link(self) -> Callable[[dict[str, Any]], dict[str, Any] | None]:
        """How a scope nested in the current one finds its `.outer` at run time: this scope's names, or, in a
        class body, those the class body itself reaches (methods skip the class), or None at module level."""
        scope = self.scope
        if scope.kind == "module":
            return lambda L: None
        if scope.kind == "class":
            return lambda L: L.get(".outer")
        return lambda L: L

    def c_name(self, node: nodes.Name) -> Callable[[dict[str, Any]], Any]:
        kind, depth = self.resolve(node.id, node.span)
        if kind == "class":
            name = node.id
            outside = self._load(name, node.span, *self._resolve_outside(name, node.span, self.scope))

            def load_class_name(L: dict[str, Any]) -> Any:
                try:
                    return L[name]
                except KeyError:
                    return outside(L)

            return load_class_name
        return self._load(node.id, node.span, kind, depth)

    def _load(self, name: str, span: Span, kind: str, depth: int) -> Callable[[dict[str, Any]], Any]:
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
                    return enclosing(L, depth)[name]
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

    def store_name(self, name: str, span: Span, scope: Scope | None = None) -> Callable[[dict[str, Any], Any], None]:
        """A store function for `name` in `scope` (the current one by default)."""
        scope = scope or self.scope
        kind, depth = self.resolve(name, span, scope)
        if kind == "global":
            G = self.G
            if scope.kind == "module":
                self.last_global_binding = name

            def store_global(L: dict[str, Any], value: Any) -> None:
                G[name] = value

            return store_global
        if kind in ("local", "class"):
            def store_local(L: dict[str, Any], value: Any) -> None:
                L[name] = value

            return store_local

        def store_free(L: dict[str, Any], value: Any) -> None:
            enclosing(L, depth)[name] = value

        return store_free

    def expr(self, node: Any) -> Callable[[dict[str, Any]], Any]:
        self.expression_depth += 1
        try:
            if self.expression_depth > MAX_EXPRESSION_DEPTH:
                raise ParseError("this expression is too deeply nested", node.span)
            return self._expr_dispatch[type(node)](node)
        finally:
            self.expression_depth -= 1
