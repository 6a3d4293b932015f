"""Golden outputs of autodiff's views (tables, graphs, explain, JSON) for the seed programs and the examples.

These outputs are autodiff's own (PyTorch has no such views), so they are recorded from autodiff itself:
`python tests/views/make_views.py` rewrites every `NAME.VIEW.out` here and `status.json` (the exit status of each
run). Read the diff afterwards: a golden file is only as good as the reading it got. tests/test_views.py checks that
autodiff still prints exactly these, runs each view the same way (in-process, stdout not a terminal, no colour,
from the program's folder), and checks the files' meaning independently (DOT parsed with pydot, explain's sums
against the gradients the engine delivered, JSON against the tensors).
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SEEDS = ROOT / "tests" / "seeds"

# view name -> the autodiff arguments before the program's file name
VIEWS = {
    "table": ["run", "--table", "--no-color"],
    "json": ["run", "--json"],
    "tree": ["graph", "--no-color"],
    "dot": ["graph", "--format", "dot"],
    "mermaid": ["graph", "--format", "mermaid"],
    "graph.json": ["graph", "--format", "json"],
    "explain": ["explain", "--no-color"],
}


def programs() -> list[Path]:
    """The seed programs (read from tests/seeds, so a new seed is covered without a code change) and the
    examples."""
    found = sorted(SEEDS.glob("*.py")) if SEEDS.is_dir() else []
    return found + sorted((ROOT / "examples").glob("*.ad"))


def golden_path(program: Path, view: str) -> Path:
    return HERE / f"{program.stem}.{view}.out"


@contextmanager
def _in_folder(folder: Path):
    previous = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


def run_view(program: Path, view: str) -> tuple[str, str, int]:
    """(stdout, stderr, exit status) of one view, run in-process from the program's folder."""
    from click.testing import CliRunner

    from autodiff.engine import autograd
    from autodiff.torch import tensor_str as torchfmt
    from autodiff.cli.main import main

    with _in_folder(program.parent):
        result = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "100"}).invoke(main, [*VIEWS[view], program.name])
    # What one script may leave behind must not reach the next.
    autograd.set_grad_enabled(True)
    torchfmt.set_printoptions(profile="default")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.stdout, result.stderr, result.exit_code


def main() -> int:
    sys.path.insert(0, str(ROOT / "src"))
    statuses: dict[str, dict[str, int]] = {}
    for program in programs():
        for view in VIEWS:
            stdout, _, status = run_view(program, view)
            golden_path(program, view).write_text(stdout, encoding="utf-8")
            statuses.setdefault(program.stem, {})[view] = status
    (HERE / "status.json").write_text(json.dumps(statuses, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(statuses) * len(VIEWS)} golden files to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
