"""Compiling list, dict and generator comprehensions: each runs in a scope of its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autodiff.errors import Span
from autodiff.language import nodes
from autodiff.language.compiler.scopes import Scope, binding_names
from autodiff.language.runtime.exceptions import convert_exception


class ComprehensionCompiler:
    def _comprehension(self, generators: list[nodes.Comprehension], results: list[Any]) -> tuple[
            Callable[[dict[str, Any]], Any], list[tuple[Callable[..., Any], Callable[..., Any] | None,
                                                        list[Callable[..., Any]], Span]],
            list[Callable[..., Any]], Callable[[dict[str, Any]], dict[str, Any]]]:
        """Compile generators and result expressions in a new scope.

        Returns (first iterable evaluator in the enclosing scope, [(store, iterable-or-None, conditions,
        span)], [result evaluators], a function making the comprehension's dict of names from the enclosing one)."""
        first_iter = self.expr(generators[0].iter)
        local_names: set[str] = set()
        for generator in generators:
            binding_names(generator.target, local_names)
        if self.scope.kind == "module":
            def new_names(L: dict[str, Any]) -> dict[str, Any]:
                return {}
        else:
            link = self.link()

            def new_names(L: dict[str, Any]) -> dict[str, Any]:
                return {".outer": link(L)}
        saved = self.scope
        self.scope = Scope("comprehension", saved, local_names)
        self.scope.qualname = saved.prefix() + "<comprehension>"
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
        return first_iter, levels, evaluators, new_names

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

    def c_setcomp(self, node: nodes.SetComp) -> Callable[[dict[str, Any]], Any]:
        first_iter, levels, (element,), new_names = self._comprehension(node.generators, [node.elt])
        span = node.span

        def setcomp(L: dict[str, Any]) -> set[Any]:
            iterable = first_iter(L)
            C = new_names(L)
            out: set[Any] = set()
            runner = self._comprehension_runner(levels, lambda C: out.add(element(C)), span)
            try:
                runner(C, iterable)
            except Exception as exc:
                raise convert_exception(exc, span) from None
            return out

        return setcomp

    def c_listcomp(self, node: nodes.ListComp) -> Callable[[dict[str, Any]], Any]:
        first_iter, levels, (element,), new_names = self._comprehension(node.generators, [node.elt])
        span = node.span
        if len(levels) == 1 and not levels[0][2]:
            store = levels[0][0]
            iter_span = levels[0][3]
            S = self.S
            check = self.check

            def listcomp_simple(L: dict[str, Any]) -> list[Any]:
                iterable = first_iter(L)
                C = new_names(L)
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
            C = new_names(L)
            out: list[Any] = []
            runner = self._comprehension_runner(levels, lambda C: out.append(element(C)), span)
            try:
                runner(C, iterable)
            except Exception as exc:
                raise convert_exception(exc, span) from None
            return out

        return listcomp

    def c_dictcomp(self, node: nodes.DictComp) -> Callable[[dict[str, Any]], Any]:
        first_iter, levels, (key, value), new_names = self._comprehension(node.generators,
                                                                             [node.key, node.value])
        span = node.span

        def dictcomp(L: dict[str, Any]) -> dict[Any, Any]:
            iterable = first_iter(L)
            C = new_names(L)
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
        first_iter, levels, (element,), new_names = self._comprehension(node.generators, [node.elt])
        span = node.span
        S = self.S
        check = self.check

        def genexp(L: dict[str, Any]) -> Any:
            iterable = first_iter(L)
            C = new_names(L)
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

            generator = generate(0, iterator)
            generator.__qualname__ = "<genexpr>"  # Python's name for it (printed), not this closure's
            return generator

        return genexp
