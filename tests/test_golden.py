"""Golden programs and the seed programs: autodiff's output must equal what PyTorch 2.13 printed.

Every examples/*.ad and tests/golden/*.{py,ad} has its expected stdout (`.out`) and normalised stderr (`.err`)
beside it, recorded from real PyTorch by tests/make_goldens.py (or `pytest --regen-goldens`). The seeds in
tests/seeds (the seed programs with the output PyTorch 2.13 printed) are read from that folder, so a seed added
later is tested without a code change.
"""

from __future__ import annotations

import pytest

from goldentools import SEEDS, assert_matches, golden_programs, run_autodiff, run_torch, write_expected

PROGRAMS = golden_programs()
SEED_PROGRAMS = sorted(SEEDS.glob("*.py")) if SEEDS.is_dir() else []


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.name)
def test_golden_program(path, request):
    if request.config.getoption("--regen-goldens"):
        pytest.importorskip("torch")
        write_expected(path, run_torch(path))
    assert_matches(path, run_autodiff(path))


@pytest.mark.parametrize("path", SEED_PROGRAMS, ids=lambda p: p.name)
def test_seed_program(path):
    assert_matches(path, run_autodiff(path))


@pytest.mark.oracle
@pytest.mark.parametrize("path", PROGRAMS + SEED_PROGRAMS, ids=lambda p: p.name)
def test_expected_output_is_pytorchs(path):
    """The recorded expectations are still what PyTorch prints (catches a stale or hand-edited golden)."""
    pytest.importorskip("torch")
    outcome = run_torch(path)
    assert_matches(path, outcome)  # stderr normalised (directories, tracebacks) as the .err files hold it


def test_there_are_enough_golden_programs():
    assert len([p for p in PROGRAMS if p.name.startswith("engine_")]) >= 60
    assert SEED_PROGRAMS, "tests/seeds should hold the seed programs"
