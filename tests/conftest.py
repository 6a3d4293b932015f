"""Shared pytest options and fixtures."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

sys.path.insert(0, str(Path(__file__).resolve().parent))

# Property tests and fuzzers draw the same examples on every run ("ci"), so a test run fails only for a change in
# the code, never for a new draw; HYPOTHESIS_PROFILE=explore draws fresh ones (with AUTODIFF_FUZZ_EXAMPLES for
# longer hunts), and what a hunt finds becomes a regression case.
settings.register_profile("ci", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_addoption(parser):
    parser.addoption(
        "--regen-goldens", action="store_true", default=False,
        help="rewrite the expected output of golden programs from real PyTorch (read every diff afterwards)",
    )
    parser.addoption(
        "--update-screenshots", action="store_true", default=False,
        help="tests/test_browser.py writes the README's screenshot of the page (docs/images/) as well",
    )


def pytest_collection_modifyitems(config, items):
    """The `oracle` marker's promise: every test it marks is skipped, not failed, where torch is not installed."""
    if importlib.util.find_spec("torch") is not None:
        return
    skip = pytest.mark.skip(reason="oracle test: torch is not installed")
    for item in items:
        if item.get_closest_marker("oracle") is not None:
            item.add_marker(skip)


@pytest.fixture
def run_script():
    """run_script(source, **interpreter_options) -> (stdout, stderr): the script run with the real builtins."""
    import io

    from autodiff.language.interpreter import Interpreter
    from autodiff.prelude import build_namespace

    def run(source: str, **options):
        out, err = io.StringIO(), io.StringIO()
        names, modules = build_namespace(out.write)
        options.setdefault("filename", "<test>")
        Interpreter(names, modules, stderr=err, **options).run_source(source)
        return out.getvalue(), err.getvalue()

    return run
