"""The README's lists of supported PyTorch and of the importable modules, generated from the builtin tables and
the standard-library façades so they cannot drift from the code.

    python -m autodiff.support          # print the Markdown
    python -m autodiff.support --write  # replace the sections between the markers in README.md
"""

from __future__ import annotations

import sys
from pathlib import Path

START = "<!-- supported:start -->"
END = "<!-- supported:end -->"
MODULES_START = "<!-- modules:start -->"
MODULES_END = "<!-- modules:end -->"


def _names(values: dict[str, object]) -> str:
    return ", ".join(f"`{name}`" for name in sorted(values, key=str.lower) if not name.startswith("_"))


def supported_markdown() -> str:
    from autodiff.engine.tensor import Tensor
    from autodiff.language.protocol import Namespace, table_of
    from autodiff.torch import namespace as torch_api

    modules = torch_api.build_torch()
    lines = []
    for dotted in sorted(modules):
        members = {k: v for k, v in modules[dotted].members.items() if not isinstance(v, Namespace)}
        if members:
            lines.append(f"- **`{dotted}`**: {_names(members)}")
    table = table_of(Tensor(__import__("numpy").zeros(1, dtype="float32")))
    assert table is not None
    lines.append(f"- **Tensor attributes**: {_names(table.getters)}")
    lines.append(f"- **Tensor methods**: {_names(table.methods)}")
    return "\n".join(lines) + "\n"


def modules_markdown() -> str:
    """Each importable standard-library module and NumPy namespace with what its table lists, then NumPy's arrays."""
    import numpy as np

    from autodiff.language.protocol import Namespace, table_of
    from autodiff.language.stdlib import ModuleTable
    from autodiff.torch import namespace as torch_api

    modules = ModuleTable(torch_api.build_torch()).build_all()
    lines = []
    for dotted in sorted(name for name in modules if not name.startswith("torch")):
        members = {k: v for k, v in modules[dotted].members.items() if not isinstance(v, Namespace)}
        lines.append(f"- **`{dotted}`**: {_names(members)}")
    table = table_of(np.zeros(1))
    assert table is not None
    lines.append(f"- **NumPy array attributes**: {_names(table.getters)}")
    lines.append(f"- **NumPy array methods**: {_names(table.methods)}")
    return "\n".join(lines) + "\n"


def _replace_section(text: str, start: str, end: str, body: str) -> str:
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    return f"{head}{start}\n{body}{end}{tail}"


def write_readme(readme: Path) -> bool:
    """Replace the generated sections; returns True if the file changed."""
    text = readme.read_text(encoding="utf-8")
    new = _replace_section(text, START, END, supported_markdown())
    new = _replace_section(new, MODULES_START, MODULES_END, modules_markdown())
    if new != text:
        readme.write_text(new, encoding="utf-8")
        return True
    return False


if __name__ == "__main__":
    if "--write" in sys.argv:
        changed = write_readme(Path(__file__).resolve().parents[2] / "README.md")
        print("README.md updated" if changed else "README.md already up to date")
    else:
        sys.stdout.write(supported_markdown() + "\n" + modules_markdown())
