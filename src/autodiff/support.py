"""The README's list of supported PyTorch, generated from the builtin tables so it cannot drift from the code.

    python -m autodiff.support          # print the Markdown
    python -m autodiff.support --write  # replace the section between the markers in README.md
"""

from __future__ import annotations

import sys
from pathlib import Path

START = "<!-- supported:start -->"
END = "<!-- supported:end -->"


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


def write_readme(readme: Path) -> bool:
    """Replace the generated section; returns True if the file changed."""
    text = readme.read_text(encoding="utf-8")
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    new = f"{head}{START}\n{supported_markdown()}{END}{tail}"
    if new != text:
        readme.write_text(new, encoding="utf-8")
        return True
    return False


if __name__ == "__main__":
    if "--write" in sys.argv:
        changed = write_readme(Path(__file__).resolve().parents[2] / "README.md")
        print("README.md updated" if changed else "README.md already up to date")
    else:
        sys.stdout.write(supported_markdown())
