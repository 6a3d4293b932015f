"""Hostile programs (tests/fuzzhostile.py) through the CLI, supervised as a user runs them: whatever the attack,
the command ends in time with exit status 0 or 1 and, on 1, an error in PyTorch's/Python's form; never a
traceback, an internal error, a crash of the tool or a hang.

AUTODIFF_FUZZ_EXAMPLES=500 pytest tests/test_fuzz_hostile.py for a longer hunt (docs/robustness.md's counts
come from such a run: AUTODIFF_FUZZ_REPORT=FILE writes the outcome of every program as JSON lines).
"""

from __future__ import annotations

import json
import os
import re
import time

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autodiff.cli.main import main
from fuzzhostile import CLASSES, hostile_programs

EXAMPLES = int(os.environ.get("AUTODIFF_FUZZ_EXAMPLES", "0")) or None
REPORT = os.environ.get("AUTODIFF_FUZZ_REPORT")
TIMEOUT = 3
LIMITS = ["--timeout", str(TIMEOUT), "--max-memory", "400M", "--max-output", "256K", "--max-steps", "200000"]
ENDINGS = re.compile(r"^(?:[A-Z]\w*(?:Error|Exception|Interrupt)(?:: |$)|<\w+>:\d+:\d+: error: |autodiff: )")
pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the supervisor needs os.fork")


def ending(stderr: str) -> str:
    """The kind of error the program ended with (the category of its last error line)."""
    for line in reversed(stderr.splitlines()):
        if ENDINGS.match(line):
            if ": error: " in line:
                return "SyntaxError (parser)"
            return line.split(":")[0]
    return ""


def run_hostile(command: str, source: str) -> tuple[int, str, str, float]:
    start = time.monotonic()
    if command == "repl":
        result = CliRunner().invoke(main, ["repl", *LIMITS], input=source)
    else:
        result = CliRunner().invoke(main, [command, *LIMITS, "-e", source])
    return result.exit_code, result.stdout, result.stderr, time.monotonic() - start


@settings(max_examples=EXAMPLES or 30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(hostile_programs(), st.sampled_from(["run", "run", "run", "check", "repl"]))
def test_hostile_programs_end_cleanly(case, command):
    kind, source = case
    status, stdout, stderr, elapsed = run_hostile(command, source)
    if REPORT:
        with open(REPORT, "a", encoding="utf-8") as report:
            report.write(json.dumps({"class": kind, "command": command, "status": status, "ending": ending(stderr),
                                     "seconds": round(elapsed, 2)}) + "\n")
    for banned in ("Traceback", "internal error", "InternalError", "Fatal Python error", "Segmentation fault"):
        assert banned not in stderr, f"{kind} under {command}:\n{source}\n{stderr}"
    assert status in (0, 1), f"{kind} under {command} exited {status}:\n{source}\n{stderr}"
    if status == 1:
        assert ending(stderr), f"{kind} under {command}: no error line:\n{source}\n{stderr}"
    # the time limit, the supervisor's grace (check's is longer), start-up; generous for a loaded machine
    assert elapsed < TIMEOUT + 2 + 0.25 * TIMEOUT + 30, f"{kind} under {command} took {elapsed:.1f} s:\n{source}"


def test_every_attack_class_is_drawn():
    assert set(CLASSES) == {"c_loops", "memory", "recursion", "output", "escapes", "numbers", "syntax"}
    assert all(len(templates) >= 7 for templates in CLASSES.values())
