"""`import functools`: CPython's partial, reduce, wraps/update_wrapper, lru_cache/cache and cmp_to_key.

Script functions are plain Python callables, so CPython's own versions take them as they are. The objects these
return (partial objects, cached functions, their CacheInfo) have tables listing what a script may read.
"""

from __future__ import annotations

import functools
from typing import Any

from autodiff.language.builtins import _range_checked
from autodiff.language.protocol import Namespace, TypeTable, register
from autodiff.language.stdlib import cpython_type_name
from autodiff.language.stdlib.collections import _register_namedtuple

NAMES = ("partial", "wraps", "update_wrapper", "lru_cache", "cache", "cmp_to_key", "WRAPPER_ASSIGNMENTS",
         "WRAPPER_UPDATES")

_registered: list[bool] = []


def _register_tables() -> None:
    if _registered:
        return
    _registered.append(True)
    register(functools.partial, TypeTable(cpython_type_name(functools.partial), getters={
        "func": lambda p: p.func, "args": lambda p: p.args, "keywords": lambda p: p.keywords,
    }))
    cached = type(functools.lru_cache(maxsize=None)(len))
    register(cached, TypeTable(cpython_type_name(cached), methods={
        "cache_info": cached.cache_info, "cache_clear": cached.cache_clear,
        "cache_parameters": lambda wrapper: wrapper.cache_parameters(),
    }))
    _register_namedtuple(type(functools.lru_cache(maxsize=None)(len).cache_info()))
    key = type(functools.cmp_to_key(len))
    register(key, TypeTable(cpython_type_name(key)))


def build() -> dict[str, Namespace]:
    _register_tables()
    members: dict[str, Any] = {name: getattr(functools, name) for name in NAMES}
    members["reduce"] = _range_checked(functools.reduce)
    return {"functools": Namespace("functools", members)}
