"""`import itertools`: CPython's iterator building blocks.

Every function is CPython's. The ones that can produce endless or astronomically many items (`count`, `cycle`,
`repeat`, `product`, `permutations`, `combinations`, `combinations_with_replacement`) hand out their iterator
inside a thin counter: `sum(itertools.count())` or `max(itertools.repeat(1))` loop in C, where neither the step
limit nor the time limit can stop them, so past LONGEST_ITERATION items the run stops with a LimitError. The
counter prints, iterates and measures (`length_hint`) as the iterator it holds, and its type has CPython's name.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Iterator
from typing import Any

from autodiff.errors import AutodiffError
from autodiff.language.builtins import LONGEST_RANGE
from autodiff.language.protocol import Namespace, TypeTable, register, register_class
from autodiff.language.stdlib import cpython_type_name

# The most items one of the endless or combinatorial iterators may give (the bound builtins put on ranges).
LONGEST_ITERATION = LONGEST_RANGE

PLAIN = ("chain", "islice", "accumulate", "zip_longest", "groupby", "starmap", "takewhile", "dropwhile",
         "filterfalse", "compress", "tee", "pairwise", "batched")
BOUNDED = ("count", "cycle", "repeat", "product", "permutations", "combinations", "combinations_with_replacement")


class Bounded:
    """An itertools iterator that stops the run after LONGEST_ITERATION items (see the module's docstring)."""

    __slots__ = ("_iterator", "_left")

    def __init__(self, iterator: Iterator[Any]):
        self._iterator = iterator
        self._left = LONGEST_ITERATION

    def __iter__(self) -> Bounded:
        return self

    def __next__(self) -> Any:
        if self._left <= 0:
            name = type(self).__name__
            raise AutodiffError("LimitError", f"{name} gave {LONGEST_ITERATION:,} items, more than autodiff allows "
                                "one iterator to give", hint="stop the iteration earlier (itertools.islice, or a "
                                "for loop with break)")
        self._left -= 1
        return next(self._iterator)

    def __length_hint__(self) -> int:
        return operator.length_hint(self._iterator)

    def __repr__(self) -> str:
        return repr(self._iterator)


def _bounded_class(function: type) -> Callable[..., Bounded]:
    """A callable like `function` whose iterators are counted; the class is named as CPython names the type."""
    name = cpython_type_name(function)
    kind = type(name, (Bounded,), {"__slots__": (), "__module__": "itertools", "__qualname__": function.__name__,
                                   "__doc__": function.__doc__})
    register(kind, TypeTable(name))

    def make(*args: Any, **kwargs: Any) -> Bounded:
        return kind(function(*args, **kwargs))

    make.__name__ = make.__qualname__ = function.__name__
    make.__doc__ = function.__doc__
    return make


def _register_tables() -> None:
    samples = [itertools.groupby("a"), itertools.tee("a")[0]]
    next(samples[0])
    kinds = [getattr(itertools, name) for name in PLAIN if hasattr(itertools, name) and name != "tee"]
    kinds += [type(sample) for sample in samples]
    kinds += [type(next(itertools.groupby("a"))[1])]
    for kind in kinds:
        register(kind, TypeTable(cpython_type_name(kind)))
    register_class(itertools.chain, TypeTable("type", methods={
        "from_iterable": lambda kind, iterable: kind.from_iterable(iterable)}))


_BOUNDED_MAKERS: dict[str, Callable[..., Bounded]] = {}


def build() -> dict[str, Namespace]:
    if not _BOUNDED_MAKERS:
        _register_tables()
        _BOUNDED_MAKERS.update({name: _bounded_class(getattr(itertools, name)) for name in BOUNDED})
    members: dict[str, Any] = {name: getattr(itertools, name) for name in PLAIN if hasattr(itertools, name)}
    members.update(_BOUNDED_MAKERS)
    return {"itertools": Namespace("itertools", members)}
