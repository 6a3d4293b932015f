"""`import time`: the clocks learners time their loops with, CPython's own, and a bounded `sleep`."""

from __future__ import annotations

import time

from autodiff.errors import AutodiffError
from autodiff.language.protocol import Namespace

CLOCKS = ("time", "time_ns", "perf_counter", "perf_counter_ns", "monotonic", "monotonic_ns", "process_time",
          "process_time_ns", "ctime", "strftime")

# The longest pause one time.sleep may make: the time limit is looked at between statements, not inside a sleep.
LONGEST_SLEEP = 10.0


def sleep(seconds: float) -> None:
    if isinstance(seconds, (int, float)) and seconds > LONGEST_SLEEP:
        raise AutodiffError("LimitError", f"time.sleep({seconds!r}) would pause longer than autodiff allows in one "
                            f"call ({LONGEST_SLEEP:g} s)")
    time.sleep(seconds)


def build() -> dict[str, Namespace]:
    members = {name: getattr(time, name) for name in CLOCKS}
    members["sleep"] = sleep
    return {"time": Namespace("time", members)}
