"""The names a script can use: Python's small standard set plus the torch API, and the importable modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autodiff.language.protocol import Namespace


def build_namespace(write: Callable[[str], None], views: Any = None) -> tuple[dict[str, Any], dict[str, Namespace]]:
    """Return (global names, importable modules by dotted name) for a new script run.

    `write` receives everything the script prints. Bare names (`ones`) and prefixed ones (`torch.ones`)
    are the same objects. `views` (a graphview.ViewHost) is how `show()` and `graph()` see the running
    interpreter; the caller sets its `interpreter` once it exists.
    """
    from autodiff.language.builtins import make_stdlib
    from autodiff.torch import namespace as torch_api

    modules = torch_api.build_torch()
    names = torch_api.bare_names(modules)
    names.update(make_stdlib(write))
    names.update(view_builtins(write, views))
    _expose_classes(names, modules)
    return names, modules


def _expose_classes(names: dict[str, Any], modules: dict[str, Namespace]) -> None:
    """The classes a script can name are the ones `type(x)` may give it; they print as PyTorch's
    (`<class 'torch.nn.modules.linear.Linear'>`: autodiff's torch/ mirrors PyTorch's layout)."""
    from autodiff.language import protocol

    values = [*names.values(), *(value for module in modules.values() for value in module.members.values())]
    classes = [value for value in values if isinstance(value, type)]
    for cls in classes:
        if cls.__module__.startswith("autodiff.torch."):
            cls.__module__ = cls.__module__.removeprefix("autodiff.")
    protocol.expose_classes(classes)


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
