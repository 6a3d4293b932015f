"""The standard-library modules a script may import, one façade per module, and why the others stay out.

Each façade module (`math.py`, `random.py`, ...) defines `build() -> {dotted name: Namespace}`: the members its
table lists, taken from CPython's own module (never re-implemented), plus the attribute tables of the values
they return. A façade is built the first time a script run imports it, so a script that imports nothing pays
nothing, and state such as `random`'s generator belongs to one run.
"""

from __future__ import annotations

import importlib
import types
from collections.abc import Callable, Iterable
from typing import Any

from autodiff.language.protocol import Namespace

# dotted name a script imports -> the façade module (in this package) that builds it
FACADES = {
    "math": "math",
    "random": "random",
    "string": "string",
    "collections": "collections",
    "functools": "functools",
    "itertools": "itertools",
    "typing": "typing",
    "__future__": "future",
    "time": "time",
    "numpy": "numpy",
    "numpy.random": "numpy",
    "numpy.linalg": "numpy",
}

# Modules a learner may reach for that stay out, grouped by the reason a script cannot have them.
_FILES_AND_PROCESSES = "scripts run in a sandbox without files, processes or the environment"
_INTERNALS = "scripts run in a sandbox that keeps Python's internals out of reach"
_NETWORK = "scripts run in a sandbox without network access"
_PICKLE = "unpickling can run arbitrary code, so scripts run in a sandbox without it (nor files to load from)"
SANDBOXED = {
    **dict.fromkeys((
        "os", "os.path", "subprocess", "shutil", "pathlib", "io", "tempfile", "glob", "fnmatch", "signal",
        "multiprocessing", "threading", "concurrent", "asyncio", "pty", "resource", "platform", "getpass",
        "fileinput", "csv", "sqlite3", "zipfile", "tarfile", "gzip", "bz2", "lzma", "logging", "argparse",
        "atexit", "mmap", "select", "selectors", "fcntl", "termios", "tty", "pwd", "grp",
    ), _FILES_AND_PROCESSES),
    **dict.fromkeys((
        "sys", "builtins", "importlib", "inspect", "gc", "ctypes", "types", "code", "codeop", "dis", "ast",
        "runpy", "traceback", "weakref", "operator", "copyreg", "abc", "site", "sysconfig", "faulthandler",
        "tracemalloc", "contextvars", "_thread",
    ), _INTERNALS),
    **dict.fromkeys((
        "socket", "ssl", "http", "urllib", "urllib.request", "requests", "ftplib", "smtplib", "poplib",
        "imaplib", "telnetlib", "xmlrpc", "webbrowser", "email",
    ), _NETWORK),
    **dict.fromkeys(("pickle", "cPickle", "_pickle", "shelve", "marshal", "dill", "joblib"), _PICKLE),
}


def cpython_type_name(kind: type) -> str:
    """The name CPython's own messages give instances of `kind` ("'Counter' object ...", "'collections.deque'
    object ..."): a class written in Python is named alone, a type written in C (or Cython) by its module too."""
    written_in_python = any(isinstance(member, (types.FunctionType, classmethod, staticmethod, property))
                            for member in vars(kind).values())
    if written_in_python or kind.__module__ == "builtins":
        return kind.__name__
    return f"{kind.__module__}.{kind.__qualname__}"


def _build(facade: str) -> dict[str, Namespace]:
    module = importlib.import_module(f"{__name__}.{facade}")
    return module.build()


class ModuleTable(dict):  # type: ignore[type-arg]
    """The modules a script run can import, by dotted name (a dict, as the interpreter reads it).

    torch's namespaces are there from the start; a standard-library façade appears the first time it is
    looked up (`in` already answers True for it), so every run builds its own, with its own state.
    """

    def __init__(self, modules: dict[str, Namespace], facades: dict[str, str] | None = None,
                 build: Callable[[str], dict[str, Namespace]] = _build):
        super().__init__(modules)
        self._facades = dict(FACADES if facades is None else facades)
        self._build = build
        # How a member is shown to scripts (the prelude wraps functions so they print as builtins do).
        self.script_value: Callable[[str, Any], Any] | None = None
        from autodiff.language.stdlib.numpy import register_tables

        register_tables()  # arrays reach scripts without `import numpy` too (x.numpy())

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, name) or name in self._facades

    def __missing__(self, name: str) -> Namespace:
        facade = self._facades.get(name)
        if facade is None:
            raise KeyError(name)
        built = self._build(facade)
        for dotted, namespace in built.items():
            if self.script_value is not None:
                for member, value in namespace.members.items():
                    namespace.members[member] = self.script_value(member, value)
            self._facades.pop(dotted, None)
            dict.__setitem__(self, dotted, namespace)
        self._facades.pop(name, None)
        return dict.__getitem__(self, name)

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return self[name] if name in self else default

    def importable(self) -> list[str]:
        """Every name a script may import (built or not)."""
        return sorted({*dict.keys(self), *self._facades})

    def build_all(self) -> ModuleTable:
        """Build every façade now (for the sandbox audit and the README's list)."""
        for name in list(self._facades):
            if name in self._facades:
                self[name]
        return self


def not_importable(name: str, importable: Iterable[str]) -> tuple[str, str]:
    """(message, help) of the ModuleNotFoundError for `import name`."""
    top = name.split(".")[0]
    reason = SANDBOXED.get(name) or SANDBOXED.get(top)
    shown = ", ".join(sorted({dotted.split(".")[0] for dotted in importable}, key=lambda n: (n != "torch", n)))
    help_line = f"scripts can import {shown}" if shown else "scripts cannot import modules here"
    if reason is not None:
        return f"module '{name}' is not available in autodiff scripts: {reason}", help_line
    return f"module '{name}' is not available in autodiff scripts", help_line
