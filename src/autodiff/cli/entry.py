"""The `autodiff` console script (and `python -m autodiff`). It imports nothing heavy: for `autodiff run` it
first starts the script's child (supervisor.start_head_start), which imports NumPy and the engine while this
process imports click and parses the command line (main.py).
"""

from __future__ import annotations

import os
import sys

HEAD_START_COMMANDS = ("run",)  # the commands whose work is an Order (see main.run)


def console() -> None:
    head_start = (len(sys.argv) > 1 and sys.argv[1] in HEAD_START_COMMANDS
                  and os.environ.get("AUTODIFF_HEAD_START", "1") != "0")
    if head_start:
        from autodiff.cli import scripts, supervisor

        supervisor.start_head_start(scripts.import_for_scripts)
    try:
        from autodiff.cli import main

        main.console()
    finally:
        if head_start:
            supervisor.end_head_start()  # the command ended before it ran a script (--help, a usage error)
