"""Project-level checks: layering of imports, the README's generated section, the README's commands."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imported_modules(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(result.stdout.split())


def test_engine_imports_neither_rich_nor_click():
    modules = _imported_modules(
        "import autodiff.engine.tensor, autodiff.engine.autograd, autodiff.engine.ops\n"
        "from autodiff.engine.tensor import Tensor\nimport numpy as np\n"
        "x = Tensor(np.ones(2, dtype=np.float32), True)\nautodiff.engine.ops.sum(x * x)"
    )
    assert not {m for m in modules if m.split(".")[0] in ("rich", "click", "lark", "prompt_toolkit")}


def test_running_a_script_does_not_import_rich_or_prompt_toolkit():
    modules = _imported_modules(
        "from autodiff.prelude import build_namespace\n"
        "from autodiff.language.interpreter import Interpreter\n"
        "names, modules = build_namespace(lambda s: None)\n"
        "Interpreter(names, modules).run_source('x = ones(2, requires_grad=True); (x*x).sum().backward()')"
    )
    assert not {m for m in modules if m.split(".")[0] in ("rich", "prompt_toolkit")}


def test_readme_lists_what_the_builtin_tables_support():
    from autodiff.support import END, START, supported_markdown

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(START, 1)[1].split(END, 1)[0]
    assert section == "\n" + supported_markdown(), "run: python -m autodiff.support --write"


def test_readme_lists_the_importable_modules():
    from autodiff.support import MODULES_END, MODULES_START, modules_markdown

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(MODULES_START, 1)[1].split(MODULES_END, 1)[0]
    assert section == "\n" + modules_markdown(), "run: python -m autodiff.support --write"


def test_readme_has_exactly_the_two_ci_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.count("<!-- ci:install -->") == 1
    assert readme.count("<!-- ci:test -->") == 1
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "readme_command install" in ci and "readme_command test" in ci


def test_the_repository_stands_alone():
    """A fresh clone has nothing beside it: no test, benchmark, source file or README line reads the shared folder
    beside the repository."""
    beside = "../" + "shared"  # spelled in two parts so this file does not name the path it looks for
    found = subprocess.run(["git", "grep", "-l", "-e", beside, "--", "tests", "bench", "src", "README.md"],
                           cwd=ROOT, capture_output=True, text=True)
    offenders = found.stdout.split()
    assert not offenders, f"these files read {beside}: {offenders}"
