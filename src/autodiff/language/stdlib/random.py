"""`import random`: CPython's random module over a generator of the script run's own.

CPython's module-level functions are the bound methods of one hidden `random.Random()`; the façade does the
same with an instance made for each run, so `random.seed(n)` gives CPython's exact sequences, one run cannot
see another's state, and torch's generator is independent, as in real Python. `random.Random(n)` makes a
separate generator whose methods are listed in its table.
"""

from __future__ import annotations

import random
from typing import Any

from autodiff.language.protocol import Namespace, TypeTable, register
from autodiff.language.stdlib import cpython_type_name

# CPython's public functions (its __all__), each a method of random.Random. SystemRandom stays out: it reads the
# operating system's entropy source and cannot be seeded, so a script using it could never be reproduced.
FUNCTIONS = tuple(name for name in random.__all__ if name not in ("Random", "SystemRandom"))


def _register_tables() -> None:
    register(random.Random, TypeTable(cpython_type_name(random.Random), methods={
        name: getattr(random.Random, name) for name in FUNCTIONS
    }))


def build() -> dict[str, Namespace]:
    _register_tables()
    generator = random.Random()
    members: dict[str, Any] = {name: getattr(generator, name) for name in FUNCTIONS}
    members["Random"] = random.Random
    return {"random": Namespace("random", members)}
