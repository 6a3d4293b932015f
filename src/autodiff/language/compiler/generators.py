"""Compiling generator functions: a function whose body yields runs as a Python generator.

Closures cannot pause, so the statements of a generator function that yield (and those around them: if,
loops, with, try) compile to Python generator functions, chained with `yield from`: `run(L)` yields what the
script yields and returns the statement's signal. Statements without a `yield` compile as everywhere else.
`yield` is a statement here (`yield x`, `y = yield x`, `yield from g`), which is how teaching code uses it;
inside a larger expression it is a clear error.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from autodiff.errors import Span
from autodiff.language import nodes
from autodiff.language.compiler.runners import BREAK, CONTINUE, mark_runner, mark_statement
from autodiff.language.compiler.scopes import yields_in
from autodiff.language.compiler.statements import enter_context, exit_context
from autodiff.language.runtime.exceptions import catchable, convert_exception, exception_matches
from autodiff.language.syntax import ParseError

Runner = Callable[[dict[str, Any]], Generator[Any, Any, Any]]


class GeneratorCompiler:
    def generator_function_body(self, body: list[Any]) -> Runner:
        """The body of a generator function: called with the locals, it returns the generator."""
        block = self.generator_block(body)

        def generator(L: dict[str, Any]) -> Generator[Any, Any, Any]:
            signal = yield from block(L)
            return None if signal is None else signal[1]

        return generator

    def generator_block(self, statements: list[Any]) -> Runner:
        program = []
        for statement in statements:
            if yields_in([statement]):
                program.append((True, mark_statement(self._generator_statement(statement), statement.span)))
            else:
                function = self._stmt_dispatch[type(statement)](statement)
                if function is not None:
                    program.append((False, mark_statement(function, statement.span)))
        S = self.S
        check = self.check
        count = max(len(statements), 1)
        first_span = statements[0].span if statements else Span(1, 1, 1, 1)
        steps = tuple(program)

        @mark_runner
        def run_generator_block(L: dict[str, Any]) -> Generator[Any, Any, Any]:
            S[0] += count
            if S[0] > S[1]:
                check(first_span)
            for pauses, st in steps:
                signal = (yield from st(L)) if pauses else st(L)
                if signal is not None:
                    return signal
            return None

        return run_generator_block

    def _generator_statement(self, node: Any) -> Runner:
        if isinstance(node, nodes.ExprStmt) and isinstance(node.value, (nodes.Yield, nodes.YieldFrom)):
            return self._yield(node.value, None)
        if isinstance(node, nodes.Assign) and isinstance(node.value, (nodes.Yield, nodes.YieldFrom)):
            stores = [self.target(target) for target in node.targets]
            return self._yield(node.value, stores)
        compilers = {nodes.If: self._generator_if, nodes.While: self._generator_while,
                     nodes.For: self._generator_for, nodes.With: self._generator_with,
                     nodes.Try: self._generator_try}
        compiler = compilers.get(type(node))
        if compiler is None:
            raise misplaced_yield(node)
        return compiler(node)

    def _yield(self, node: nodes.Yield | nodes.YieldFrom, stores: list[Any] | None) -> Runner:
        if node.value is not None and yields_in([node.value]):
            raise misplaced_yield(node.value)
        value = self.expr(node.value) if node.value is not None else None
        span = node.span
        delegate = isinstance(node, nodes.YieldFrom)

        def yield_(L: dict[str, Any]) -> Generator[Any, Any, Any]:
            produced = value(L) if value is not None else None
            if delegate:
                try:
                    received = yield from produced
                except Exception as exc:
                    raise convert_exception(exc, span) from None
            else:
                received = yield produced
            if stores:
                for store in stores:
                    store(L, received)
            return None

        return yield_

    def _generator_if(self, node: nodes.If) -> Runner:
        test = self._truth(node.test)
        body = self.generator_block(node.body)
        orelse = self.generator_block(node.orelse) if node.orelse else None

        def if_(L: dict[str, Any]) -> Generator[Any, Any, Any]:
            if test(L):
                return (yield from body(L))
            if orelse is not None:
                return (yield from orelse(L))
            return None

        return if_

    def _generator_loop_body(self, statements: list[Any]) -> Runner:
        self.loop_depth += 1
        try:
            return self.generator_block(statements)
        finally:
            self.loop_depth -= 1

    def _generator_while(self, node: nodes.While) -> Runner:
        test = self._truth(node.test)
        body = self._generator_loop_body(node.body)
        orelse = self.generator_block(node.orelse) if node.orelse else None

        def while_(L: dict[str, Any]) -> Generator[Any, Any, Any]:
            while test(L):
                signal = yield from body(L)
                if signal is not None:
                    if signal is BREAK:
                        return None
                    if signal is CONTINUE:
                        continue
                    return signal
            if orelse is not None:
                return (yield from orelse(L))
            return None

        return while_

    def _generator_for(self, node: nodes.For) -> Runner:
        iterable = self.expr(node.iter)
        span = node.iter.span
        store = self.target(node.target)
        body = self._generator_loop_body(node.body)
        orelse = self.generator_block(node.orelse) if node.orelse else None

        def for_(L: dict[str, Any]) -> Generator[Any, Any, Any]:
            values = iterable(L)
            try:
                iterator = iter(values)
            except Exception as exc:
                raise convert_exception(exc, span) from None
            while True:
                try:
                    item = next(iterator)
                except StopIteration:
                    break
                except Exception as exc:
                    raise convert_exception(exc, span) from None
                store(L, item)
                signal = yield from body(L)
                if signal is not None:
                    if signal is BREAK:
                        return None
                    if signal is CONTINUE:
                        continue
                    return signal
            if orelse is not None:
                return (yield from orelse(L))
            return None

        return for_

    def _generator_with(self, node: nodes.With) -> Runner:
        body: Runner = self.generator_block(node.body)
        for item in reversed(node.items):
            body = self._generator_with_item(item, body)
        return body

    def _generator_with_item(self, item: nodes.WithItem, body: Runner) -> Runner:
        context = self.expr(item.context)
        store = self.target(item.target) if item.target is not None else None
        span = item.context.span

        def with_(L: dict[str, Any]) -> Generator[Any, Any, Any]:
            enter, exit_ = enter_context(context(L), span)
            value = enter()
            try:
                if store is not None:
                    store(L, value)
                signal = yield from body(L)
            except BaseException as exc:
                if not exit_context(exit_, exc, span):
                    raise
                return None
            exit_context(exit_, None, span)
            return signal

        return with_

    def _generator_try(self, node: nodes.Try) -> Runner:
        body = self.generator_block(node.body)
        handlers = self.handlers(node, self.generator_block)
        orelse = self.generator_block(node.orelse) if node.orelse else None
        final = self.generator_block(node.finalbody) if node.finalbody else None

        def try_(L: dict[str, Any]) -> Generator[Any, Any, Any]:
            try:
                signal = yield from _try_except(L)
            except BaseException as exc:
                if final is None or not (catchable(exc) or isinstance(exc, GeneratorExit)):
                    raise
                ending = yield from final(L)
                if ending is not None:
                    return ending
                raise
            if final is not None:
                ending = yield from final(L)
                if ending is not None:
                    return ending
            return signal

        def _try_except(L: dict[str, Any]) -> Generator[Any, Any, Any]:
            try:
                signal = yield from body(L)
            except BaseException as exc:
                if not handlers or not catchable(exc):
                    raise
                for kind, span, store_name, unbind, handler in handlers:
                    if kind is not None:
                        try:
                            matched = exception_matches(exc, kind(L))
                        except Exception as error:
                            raise convert_exception(error, span) from exc
                        if not matched:
                            continue
                    if store_name is not None:
                        store_name(L, exc)
                    try:
                        return (yield from handler(L))
                    finally:
                        if unbind is not None:
                            unbind(L)
                raise
            if signal is None and orelse is not None:
                return (yield from orelse(L))
            return signal

        return try_


def misplaced_yield(node: Any) -> ParseError:
    return ParseError("`yield` is supported as a statement of its own (`yield x`, `y = yield x`, `yield from g`), "
                      "not inside a larger expression or statement, in autodiff scripts", node.span)
