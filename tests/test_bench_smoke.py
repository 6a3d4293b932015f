"""The benchmark suite runs end to end in --quick mode (no timing is checked here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_bench_quick_runs_without_torch(tmp_path: Path) -> None:
    out = tmp_path / "latest.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--no-torch", "--only",
         "per_op,training,deep,big,parsing", "--out", str(out)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "per-op overhead" in done.stdout
    data = json.loads(out.read_text())
    groups = {row["group"] for row in data["rows"]}
    assert {"2 per-op overhead", "3 training loop", "4 deep graph", "5 big tensors", "6 parsing"} <= groups
    for row in data["rows"]:
        assert row["autodiff"] is not None and row["torch"] is None
