"""The names a script can use: Python's small standard set plus the torch API, and the importable modules."""

from __future__ import annotations

from collections.abc import Callable
from types import FunctionType
from typing import Any

from autodiff.language.protocol import BuiltinFunction, Namespace, expose_classes, is_built


def build_namespace(write: Callable[[str], None], views: Any = None) -> tuple[dict[str, Any], dict[str, Namespace]]:
    """Return (global names, importable modules by dotted name) for a new script run.

    `write` receives everything the script prints. Bare names (`ones`) and prefixed ones (`torch.ones`)
    are the same objects. `views` (a graphview.ViewHost) is how `show()` and `graph()` see the running
    interpreter; the caller sets its `interpreter` once it exists.
    """
    from autodiff.language.builtins import make_stdlib
    from autodiff.language.stdlib import ModuleTable
    from autodiff.torch import defaults
    from autodiff.torch import namespace as torch_api

    defaults.reset()
    wrapped: dict[int, Any] = {}

    def script_value(name: str, value: Any) -> Any:
        return _as_script_value(name, value, wrapped)

    modules = ModuleTable(torch_api.build_torch(convert=script_value))
    names = torch_api.bare_names(modules, convert=script_value)
    names.update(make_stdlib(write))
    names.update(view_builtins(write, views))
    # the namespaces not built yet convert their members when they are (build_torch's `convert`)
    for table in (names, *(module.members for module in modules.values() if is_built(module))):
        for name, value in table.items():
            table[name] = script_value(name, value)
    modules.script_value = script_value  # façades built later
    return names, modules


def _as_script_value(name: str, value: Any, wrapped: dict[int, Any]) -> Any:
    """What a script sees of a builtin: a Python function becomes a BuiltinFunction (it prints without an
    address or an internal name; one wrapper per function, so `torch.ones is ones`), a class of the torch API
    prints with PyTorch's module (`<class 'torch.nn.modules.linear.Linear'>`: autodiff's torch/ mirrors
    PyTorch's layout). The classes a script can name are the ones `type(x)` may give it."""
    if type(value) is FunctionType:  # (a final type: no subclasses)
        found = wrapped.get(id(value))
        if found is None:
            found = wrapped[id(value)] = BuiltinFunction(name, value)
        return found
    if isinstance(value, type):
        if value.__module__.startswith("autodiff.torch."):
            value.__module__ = value.__module__.removeprefix("autodiff.")
        expose_classes((value,))
    return value


def view_builtins(write: Callable[[str], None], views: Any = None) -> dict[str, Any]:
    """`show()` / `show(x, w)`: the variable table at that point; `graph(t)`: the graph behind t (a tree, or
    format="dot", "mermaid", "json"). Both print like `print` does."""
    from autodiff.views.graphview import ViewHost

    host = views if views is not None else ViewHost()

    def show(*tensors: Any) -> None:
        from autodiff.views.render import show_text

        write(show_text(host, tensors))

    def graph(tensor: Any, format: str = "tree") -> None:  # noqa: A002 - the keyword scripts write
        from autodiff.views.render import graph_text

        write(graph_text(host, tensor, format))

    return {"show": show, "graph": graph}
