"""Compiling statements: assignments and their targets, if, loops, with, imports, del, assert."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autodiff.errors import AutodiffError, Span, set_pytorch_spelling
from autodiff.language import nodes, protocol
from autodiff.language.compiler.operators import BINARY, INPLACE, check_repeat, inplace_power
from autodiff.language.compiler.runners import (
    BREAK,
    CHECK_EVERY,
    CONTINUE,
    RETURN,
    enclosing,
    mark_runner,
    mark_statement,
)
from autodiff.language.runtime.exceptions import catchable, convert_exception
from autodiff.language.syntax import ParseError


def enter_context(manager: Any, span: Span) -> tuple[Callable[[], Any], Callable[..., Any]]:
    """(enter, exit) of a `with` statement's context manager, any object with __enter__ and __exit__ (a script's
    class too); `enter()` runs __enter__."""
    kind = type(manager)
    enter = getattr(kind, "__enter__", None)
    exit_ = getattr(kind, "__exit__", None)
    if enter is None or exit_ is None:
        raise AutodiffError("TypeError", f"'{protocol.type_name(manager)}' object does not support the "
                            "context manager protocol", span)

    def run_enter() -> Any:
        try:
            return enter(manager)
        except Exception as exc:
            raise convert_exception(exc, span) from None

    return run_enter, lambda *exc: exit_(manager, *exc)


def exit_context(exit_: Callable[..., Any], exc: BaseException | None, span: Span) -> bool:
    """Run __exit__; True if it swallowed `exc`. autodiff's limits and Ctrl-C go on whatever it returns, and
    __exit__ sees the exception's Python class, never a traceback (frames are not for scripts)."""
    try:
        if exc is None:
            exit_(None, None, None)
            return False
        swallowed = exit_(protocol.public_type(type(exc)), exc, None)
    except Exception as error:
        raise convert_exception(error, span) from None
    return bool(swallowed) and catchable(exc)


class StatementCompiler:
    def target(self, node: Any) -> Callable[[dict[str, Any], Any], None]:
        """A store function `store(L, value)` for an assignment target."""
        span = node.span
        if isinstance(node, nodes.Name):
            return self.store_name(node.id, span)
        if isinstance(node, nodes.Attribute):
            obj_ev = self.expr(node.value)
            attr = node.attr
            set_attribute = protocol.set_attribute
            if attr[:1] != "_":
                setters_by_type, no_entries = protocol.SETTERS_BY_TYPE, protocol.NO_ENTRIES

                def store_public_attribute(L: dict[str, Any], value: Any) -> None:
                    obj = obj_ev(L)
                    try:
                        setter = setters_by_type.get(type(obj), no_entries).get(attr)
                        if setter is not None:
                            setter(obj, value)
                            return
                        set_attribute(obj, attr, value)
                    except Exception as exc:
                        raise convert_exception(exc, span) from None

                return store_public_attribute

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
        if kind in ("free", "class"):
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
        function = BINARY[value.op]
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
                        check_repeat(a, b)
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
                        check_repeat(a, rc)
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
                    check_repeat(lc, b)
                (L if su else G)[sn] = function(lc, b)
            except Exception as exc:
                raise convert_exception(exc, span) from None

        return assign_const_name

    def s_augassign(self, node: nodes.AugAssign) -> Callable[[dict[str, Any]], Any]:
        function = inplace_power if node.op == "**" else INPLACE[node.op]
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
                compiled.append(mark_statement(function, statement.span))
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

            @mark_runner
            def while_one(L: dict[str, Any]) -> Any:
                allowed = min((S[1] - S[0]) // count, CHECK_EVERY)
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
                            allowed = min((S[1] - S[0]) // count, CHECK_EVERY)
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

        @mark_runner
        def while_many(L: dict[str, Any]) -> Any:
            allowed = min((S[1] - S[0]) // count, CHECK_EVERY)
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
                        allowed = min((S[1] - S[0]) // count, CHECK_EVERY)
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

            @mark_runner
            def for_one(L: dict[str, Any]) -> Any:
                values = iterable(L)
                try:
                    iterator = iter(values)
                except Exception as exc:
                    raise convert_exception(exc, span) from None
                dest = L if from_L else G
                allowed = min((S[1] - S[0]) // count, CHECK_EVERY)
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
                            allowed = min((S[1] - S[0]) // count, CHECK_EVERY)
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

        @mark_runner
        def for_many(L: dict[str, Any]) -> Any:
            values = iterable(L)
            try:
                iterator = iter(values)
            except Exception as exc:
                raise convert_exception(exc, span) from None
            dest = L if from_L else G
            allowed = min((S[1] - S[0]) // count, CHECK_EVERY)
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
                        allowed = min((S[1] - S[0]) // count, CHECK_EVERY)
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

        return_.returned = value  # type: ignore[attr-defined]  # for Compiler._run_return
        return return_

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
            enter, exit_ = enter_context(context(L), span)
            value = enter()
            try:
                if store is not None:
                    store(L, value)
                signal = body(L)
            except BaseException as exc:
                if not exit_context(exit_, exc, span):
                    raise
                return None
            exit_context(exit_, None, span)
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
                if module_name == "torch":
                    set_pytorch_spelling(True)
                store(L, modules[module_name])

        return import_

    def s_import_from(self, node: nodes.ImportFrom) -> Callable[[dict[str, Any]], Any]:
        modules = self.interpreter.modules
        module_name = node.module
        span = node.span
        if module_name == "__future__":
            from autodiff.language.stdlib.future import check_import

            check_import(node, self.module_body)
        if len(node.names) == 1 and node.names[0].name == "*":
            if self.scope.kind != "module":
                raise ParseError("import * only allowed at module level", span)
            G = self.G

            def import_star(L: dict[str, Any]) -> None:
                if module_name not in modules:
                    raise _module_not_found(module_name, modules, span)
                if module_name.split(".")[0] == "torch":
                    set_pytorch_spelling(True)
                for key, value in modules[module_name].members.items():
                    if not key.startswith("_"):
                        G[key] = value

            return import_star
        bindings = [(alias.name, self.store_name(alias.asname or alias.name, alias.span), alias.span)
                    for alias in node.names]

        def import_from(L: dict[str, Any]) -> None:
            if module_name not in modules:
                raise _module_not_found(module_name, modules, span)
            if module_name.split(".")[0] == "torch":
                set_pytorch_spelling(True)
            members = modules[module_name].members
            for name, store, alias_span in bindings:
                if name in members and not name.startswith("_"):
                    store(L, members[name])
                elif f"{module_name}.{name}" in modules:
                    store(L, modules[f"{module_name}.{name}"])
                else:
                    import difflib

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
                obj_ev = self.expr(target.value)
                attr = target.attr

                def delete_attribute(L: dict[str, Any], obj_ev: Any = obj_ev, attr: str = attr,
                                     span: Span = span) -> None:
                    obj = obj_ev(L)
                    try:
                        protocol.delete_attribute(obj, attr)
                    except Exception as exc:
                        raise convert_exception(exc, span) from None

                actions.append(delete_attribute)
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
            where = G if kind == "global" else enclosing(L, depth)
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


def _module_not_found(name: str, modules: dict[str, Any], span: Span) -> AutodiffError:
    from autodiff.language.stdlib import not_importable

    importable = modules.importable() if hasattr(modules, "importable") else sorted(modules)
    message, hint = not_importable(name, importable)
    return AutodiffError("ModuleNotFoundError", message, span, hint=hint)
