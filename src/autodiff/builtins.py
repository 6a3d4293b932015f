"""The names a script can use: Python's small standard set plus the torch API, and the importable modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .protocol import Namespace


def build_namespace(write: Callable[[str], None]) -> tuple[dict[str, Any], dict[str, Namespace]]:
    """Return (global names, importable modules by dotted name) for a new script run.

    `write` receives everything the script prints. Bare names (`ones`) and prefixed ones (`torch.ones`)
    are the same objects.
    """
    from . import torch_api
    from .stdlib import make_stdlib

    modules = torch_api.build_torch()
    names = torch_api.bare_names(modules)
    names.update(make_stdlib(write))
    return names, modules
