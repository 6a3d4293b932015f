"""Compiling `try` (except, else, finally) and `raise`.

An exception reaches a script's `except` clauses only if runtime.exceptions.catchable says so: autodiff's
limits, Ctrl-C and bugs in autodiff pass through every `except` (a bare one too) and skip `finally` blocks,
so that a limit always ends the script.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autodiff.errors import Span
from autodiff.language import nodes
from autodiff.language.compiler.runners import enclosing
from autodiff.language.runtime.exceptions import (
    catchable,
    convert_exception,
    exception_matches,
    exception_to_raise,
    exception_to_reraise,
)

Handler = tuple[Callable[[dict[str, Any]], Any] | None, Span, Callable[..., None] | None,
                Callable[[dict[str, Any]], None] | None, Callable[[dict[str, Any]], Any]]


class ExceptionCompiler:
    def handlers(self, node: nodes.Try, block: Callable[[list[Any]], Any]) -> list[Handler]:
        """(class evaluator or None, its span, store of `as name`, unbinding of it, body) per except clause;
        `block` compiles a clause's body (plain or generator)."""
        compiled = []
        for handler in node.handlers:
            kind = self.expr(handler.type) if handler.type is not None else None
            span = handler.type.span if handler.type is not None else handler.span
            store = unbind = None
            if handler.name is not None:
                store = self.store_name(handler.name, handler.span)
                unbind = self.unbind_name(handler.name, handler.span)
            compiled.append((kind, span, store, unbind, block(handler.body)))
        return compiled

    def unbind_name(self, name: str, span: Span) -> Callable[[dict[str, Any]], None]:
        """Forget `name` quietly (Python deletes the `as` name of an except clause when the clause ends)."""
        kind, depth = self.resolve(name, span)
        G = self.G

        def unbind(L: dict[str, Any]) -> None:
            (G if kind == "global" else enclosing(L, depth)).pop(name, None)

        return unbind

    def s_try(self, node: nodes.Try) -> Callable[[dict[str, Any]], Any]:
        body = self.block(node.body)
        handlers = self.handlers(node, self.block)
        orelse = self.block(node.orelse) if node.orelse else None
        final = self.block(node.finalbody) if node.finalbody else None
        inner = body if not handlers and orelse is None else self._try_except(body, handlers, orelse)
        if final is None:
            return inner

        def try_finally(L: dict[str, Any]) -> Any:
            try:
                signal = inner(L)
            except BaseException as exc:
                if not catchable(exc):
                    raise
                ending = final(L)
                if ending is not None:  # return, break or continue in `finally` drops the exception
                    return ending
                raise
            ending = final(L)
            return ending if ending is not None else signal

        return try_finally

    @staticmethod
    def _try_except(body: Callable[[dict[str, Any]], Any], handlers: list[Handler],
                    orelse: Callable[[dict[str, Any]], Any] | None) -> Callable[[dict[str, Any]], Any]:
        def try_except(L: dict[str, Any]) -> Any:
            try:
                signal = body(L)
            except BaseException as exc:
                if not catchable(exc):
                    raise
                for kind, span, store, unbind, handler in handlers:
                    if kind is not None:
                        expected = kind(L)
                        try:
                            matched = exception_matches(exc, expected)
                        except Exception as error:
                            raise convert_exception(error, span) from exc
                        if not matched:
                            continue
                    if store is None:
                        return handler(L)
                    store(L, exc)
                    try:
                        return handler(L)
                    finally:
                        unbind(L)  # type: ignore[misc]
                raise
            if signal is None and orelse is not None:
                return orelse(L)
            return signal

        return try_except

    def s_raise(self, node: nodes.Raise) -> Callable[[dict[str, Any]], Any]:
        span = node.span
        if node.exc is None:
            def reraise(L: dict[str, Any]) -> None:
                raise exception_to_reraise(span)

            return reraise
        value = self.expr(node.exc)
        cause = self.expr(node.cause) if node.cause is not None else None
        has_cause = node.from_cause

        def raise_(L: dict[str, Any]) -> None:
            exc = value(L)
            reason = cause(L) if cause is not None else None
            try:
                error = exception_to_raise(exc, reason, has_cause, span)
            except Exception as failure:
                raise convert_exception(failure, span) from None
            raise error

        return raise_
