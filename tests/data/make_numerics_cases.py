"""Record tests/data/numerics_cases.json from PyTorch (run with torch 2.13 installed):

    python tests/data/make_numerics_cases.py

For every case of tests/numerics_cases.py (reductions, losses, softmax over sizes, dims, layouts, dtypes and
thread counts) it stores, per output array, the SHA-256 of PyTorch's result bytes, its shape and first values.
tests/test_numerics.py replays the cases through autodiff without torch and compares the digests.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import numerics_cases  # noqa: E402


def main() -> None:
    import torch

    warnings.filterwarnings("ignore")
    recorded = {}
    for case in numerics_cases.cases():
        outputs = numerics_cases.run_torch(torch, case)
        recorded[numerics_cases.case_id(case)] = [
            {"sha256": numerics_cases.digest(a), "shape": list(a.shape), "dtype": str(a.dtype),
             "head": numerics_cases.head(a)} for a in outputs]
    assert len(recorded) == len(numerics_cases.cases()), "case ids must be unique"
    lines = [f" {json.dumps(name)}: {json.dumps(outputs)}" for name, outputs in recorded.items()]
    text = '{"torch": ' + json.dumps(torch.__version__) + ', "cases": {\n' + ",\n".join(lines) + "\n}}\n"
    (HERE / "numerics_cases.json").write_text(text, encoding="utf-8")
    print(f"{len(recorded)} cases")


if __name__ == "__main__":
    main()
