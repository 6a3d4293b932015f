"""Write the expected output of golden programs by running them under real PyTorch 2.13.

    python tests/make_goldens.py [NAME ...]     # all programs, or those whose name contains NAME

Only ever regenerate on purpose, and read every diff (git diff tests/golden examples).
"""

from __future__ import annotations

import sys

from goldentools import golden_programs, run_torch, write_expected


def main(filters: list[str]) -> int:
    import torch  # noqa: F401 - fail early and clearly if the oracle is missing

    for path in golden_programs():
        if filters and not any(f in path.name for f in filters):
            continue
        outcome = run_torch(path)
        write_expected(path, outcome)
        status = "error" if outcome.exit_code else "ok"
        print(f"{status:5} {path.relative_to(path.parent.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
