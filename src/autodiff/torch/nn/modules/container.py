"""nn.Sequential and nn.ModuleList."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from autodiff.errors import AutodiffError, type_error
from autodiff.torch.nn.functional import _type_name
from autodiff.torch.nn.modules.module import Module, _add_indent


class _Container(Module):
    """Sequential and ModuleList: numbered submodules, indexable, sliceable, iterable."""

    def __init__(self, *modules: Any) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(modules):
                self.add_module(str(index), module)

    def _index(self, index: int) -> int:
        size = len(self._modules)
        if not -size <= index < size:
            raise AutodiffError("IndexError", f"index {index} is out of range")
        return index % size

    def __getitem__(self, index: Any) -> Any:
        items = list(self._modules.items())
        if isinstance(index, slice):
            out = type(self)()
            for name, module in items[index]:
                out.add_module(name, module)
            return out
        if isinstance(index, bool) or not isinstance(index, int):
            raise type_error(f"{self._name()} indices must be integers or slices, not {_type_name(index)}")
        return items[self._index(index)][1]

    def __setitem__(self, index: int, module: Module) -> None:
        key = list(self._modules)[self._index(index)]
        self.add_module(key, module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))

    def append(self, module: Module) -> _Container:
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules: Any) -> _Container:
        for module in modules:
            self.append(module)
        return self


class Sequential(_Container):
    def __init__(self, *modules: Any) -> None:
        for module in modules:
            if not isinstance(module, (Module, OrderedDict)):
                raise type_error(f"{_type_name(module)} is not a Module subclass")
        super().__init__(*modules)

    def forward(self, input: Any) -> Any:  # noqa: A002
        for module in self._modules.values():
            input = module(input)
        return input


class ModuleList(_Container):
    def __init__(self, modules: Any = None) -> None:
        super().__init__(*(list(modules) if modules is not None else []))

    def __repr__(self) -> str:
        """PyTorch's: runs of modules that print alike are shown once, as `(0-2): 3 x Linear(...)`."""
        shown = [repr(module) for module in self]
        if not shown:
            return self._name() + "()"
        runs: list[list[Any]] = []  # [first index, last index, text]
        for index, text in enumerate(shown):
            if runs and runs[-1][2] == text:
                runs[-1][1] = index
            else:
                runs.append([index, index, text])
        lines = [_add_indent(f"({first}): {text}" if first == last else
                             f"({first}-{last}): {last - first + 1} x {text}", 2) for first, last, text in runs]
        return self._name() + "(\n  " + "\n  ".join(lines) + "\n)"
