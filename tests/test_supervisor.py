"""Issue 21, items 1-6: every command that runs a script runs it in a supervised child process
(cli/supervisor.py), so a C loop, a C-stack overflow, a runaway allocation or endless output ends in one clear
error with the script's line, exit status 1 (130 for Ctrl-C), never a traceback, a hang or a crash of the tool;
inputs are bounded before they are read; option values are checked by click.

The programs run through the installed command in a subprocess (the real process tree: signals, the C stack,
rlimits), except where CliRunner is enough to see the message.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from autodiff.cli import supervisor
from autodiff.cli.main import main

AUTODIFF = [sys.executable, "-m", "autodiff"]
pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the supervisor needs os.fork")


def cli(*args: str, input: str | None = None, timeout: float = 120, **popen) -> subprocess.CompletedProcess:
    return subprocess.run([*AUTODIFF, *args], capture_output=True, text=True, timeout=timeout, input=input,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}, **popen)


def first_lines(text: str, count: int = 2) -> list[str]:
    return text.splitlines()[:count]


def clean(stderr: str) -> None:
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr


# -- 1. crashes: the C stack and the recursion limit agree ------------------------------------------------

NESTED_MODULES = {
    "module_containing_itself": """\
        import torch
        s = torch.nn.Sequential()
        s.add_module("a", s)
        y = s(torch.ones(1))
        """,
    "twenty_thousand_nested_sequentials": """\
        import torch
        s = torch.nn.Sequential(torch.nn.Identity())
        for i in range(20000):
            s = torch.nn.Sequential(s)
        y = s(torch.ones(1))
        """,
}


@pytest.mark.parametrize("command", ["run", "graph"])
@pytest.mark.parametrize("name", sorted(NESTED_MODULES))
def test_deep_module_nesting_is_a_recursion_error(tmp_path, name, command):
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(NESTED_MODULES[name]))
    done = cli(command, str(path))
    assert done.returncode == 1, done.stderr
    clean(done.stderr)
    line = 4 if name == "module_containing_itself" else 5
    assert first_lines(done.stderr) == ["RecursionError: maximum recursion depth exceeded",
                                        f"  --> {path}:{line}:5"]


def test_recursive_user_function_is_pythons_recursion_error():
    done = cli("run", "-e", "def f(n):\n    return f(n + 1) + 1\nf(0)")
    assert done.returncode == 1
    assert first_lines(done.stderr) == ["RecursionError: maximum recursion depth exceeded", "  --> <string>:2:12"]


def test_a_segfault_is_reported_with_the_line(monkeypatch):
    """A C-stack overflow Python does not count (or any segfault) ends the child, not the tool."""
    def work() -> int:
        print("before")
        os.kill(os.getpid(), signal.SIGSEGV)
        return 0

    result = _supervised(work)
    assert result.exit_code == 1
    assert result.stdout == "before\n"
    assert result.stderr.startswith("RecursionError: maximum recursion depth exceeded\nhelp: the interpreter's C "
                                    "stack overflowed (Segmentation fault)")


def test_an_abort_is_an_internal_error():
    result = _supervised(lambda: os.abort())
    assert result.exit_code == 1
    assert result.stderr.startswith("InternalError: the interpreter crashed (Aborted); please report this")


def test_killed_by_the_system():
    result = _supervised(lambda: os.kill(os.getpid(), signal.SIGKILL))
    assert result.exit_code == 1
    assert result.stderr.startswith("LimitError: the operating system ended the script (most likely it ran out of "
                                    "memory)")


def _supervised(work, **limits):
    """run_supervised under CliRunner's captured streams (the relay writes to them)."""
    import click

    @click.command()
    def command() -> None:
        sys.exit(supervisor.run_supervised(work, supervisor.Limits(**limits), source=None, filename="<test>"))

    return CliRunner().invoke(command, [])


# -- 2. the time limit holds inside one C call ------------------------------------------------------------

C_LOOPS = {
    "sum_reversed_range": 'print("started")\nx = sum(reversed(range(10**12)))',
    "in_range": 'print("started")\nx = "a" in range(10**12)',
    "all_zip_range": 'print("started")\nx = all(zip(range(10**12)))',
    "huge_integer_product": 'print("started")\nx = 3**500000\ny = x ** 64',
}


@pytest.mark.parametrize("name", sorted(C_LOOPS))
def test_timeout_stops_a_c_loop_at_its_line(name):
    start = time.monotonic()
    done = cli("run", "--timeout", "2", "-e", C_LOOPS[name])
    elapsed = time.monotonic() - start
    assert done.returncode == 1
    assert done.stdout == "started\n"
    line = 3 if name == "huge_integer_product" else 2
    assert first_lines(done.stderr) == ["LimitError: the script ran longer than the time limit of 2 s",
                                        f"  --> <string>:{line}:1"]
    assert elapsed < 30  # 2 s, the grace, start-up; generous for a loaded machine


@pytest.mark.parametrize("command", ["graph", "explain", "check"])
def test_every_command_has_the_time_limit(tmp_path, command):
    path = tmp_path / "loop.py"
    path.write_text("import torch\nx = torch.ones(2, requires_grad=True)\ny = (x * 2).sum()\ny.backward()\n"
                    "z = sum(reversed(range(10**12)))\n")
    start = time.monotonic()
    done = cli(command, "--timeout", "2", str(path))
    assert done.returncode == 1
    assert "LimitError: the script ran longer than the time limit of 2 s" in done.stderr
    clean(done.stderr)
    assert time.monotonic() - start < 40


# -- 3. input limits come before reading ----------------------------------------------------------------


def test_a_device_that_never_ends_is_bounded():
    start = time.monotonic()
    done = cli("run", "/dev/zero")
    assert done.returncode == 1
    assert done.stderr == ("LimitError: /dev/zero is larger than 4 MiB (the source-size limit)\n"
                           "help: raise the limit with --max-source\n")
    assert time.monotonic() - start < 60


def test_endless_standard_input_is_bounded():
    with subprocess.Popen(["yes", "x = 1"], stdout=subprocess.PIPE) as producer:
        done = subprocess.run([*AUTODIFF, "run", "--max-source", "1M", "-"], stdin=producer.stdout,
                              capture_output=True, text=True, timeout=120)
        producer.kill()
    assert done.returncode == 1
    assert done.stderr.startswith("LimitError: standard input is larger than 1 MiB (the source-size limit)")


def test_a_large_source_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "big.py"
    path.write_text("x = 1\n" * 1_000_000)  # 6 MB
    start = time.monotonic()
    done = cli("run", str(path))
    assert done.returncode == 1
    assert done.stderr.startswith(f"LimitError: {path} is larger than 4 MiB (the source-size limit)")
    assert time.monotonic() - start < 30


def test_too_many_lines(tmp_path):
    path = tmp_path / "lines.py"
    path.write_text("\n" * 100_001)
    done = cli("run", str(path))
    assert done.returncode == 1
    assert done.stderr.startswith(f"LimitError: {path} has more than 100,000 lines (the line limit)")


def test_too_many_levels_of_indentation_as_python():
    def nested(levels: int) -> str:
        return "".join(" " * i + "if True:\n" for i in range(levels)) + " " * levels + "x = 1\n"

    assert CliRunner().invoke(main, ["run", "-e", nested(99)]).exit_code == 0
    result = CliRunner().invoke(main, ["run", "-e", nested(100)])
    assert result.exit_code == 1
    assert result.stderr.startswith("<string>:101:1: error: too many levels of indentation")
    with pytest.raises(IndentationError, match="too many levels of indentation"):
        compile(nested(100), "<test>", "exec")  # CPython's own limit


def test_a_fifo_whose_writer_never_finishes_is_bounded_by_the_timeout(tmp_path):
    fifo = tmp_path / "script"
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR)  # holds the FIFO open, never writes
    try:
        done = cli("run", "--timeout", "1", str(fifo), timeout=60)
    finally:
        os.close(writer)
    assert done.returncode == 1
    assert done.stderr.startswith(f"LimitError: reading {fifo} took longer than the time limit of 1 s")



def test_a_fifo_that_no_one_opens_for_writing_is_bounded_by_the_timeout(tmp_path):
    fifo = tmp_path / "script"
    os.mkfifo(fifo)  # open() itself waits for a writer, in the kernel
    start = time.monotonic()
    done = cli("run", "--timeout", "1", str(fifo), timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith(f"LimitError: opening {fifo} took longer than the time limit of 1 s")
    assert time.monotonic() - start < 30


# -- 4. every command has the memory limit ---------------------------------------------------------------

MEMORY_HOG = "import torch\nxs = []\nfor i in range(50):\n    xs.append(torch.ones(10**7))\n"


@pytest.mark.parametrize("command", ["run", "graph", "explain", "check"])
def test_every_command_has_the_memory_limit(tmp_path, command):
    path = tmp_path / "hog.py"
    path.write_text(MEMORY_HOG)
    done = cli(command, "--max-memory", "300M", str(path))
    assert done.returncode == 1
    assert "LimitError: a tensor of shape [10000000] needs at least 38.1 MiB" in done.stderr, done.stderr
    assert "  --> " in done.stderr
    clean(done.stderr)


def test_repl_has_the_memory_limit():
    done = cli("repl", "--max-memory", "300M", input=MEMORY_HOG + "\nprint(len(xs))\n")
    assert done.returncode == 1
    assert "more than the memory limit of 300 MiB" in done.stderr
    assert done.stdout.strip().isdigit()  # the session went on, with the tensors made before the limit


# -- 5. output is bounded -------------------------------------------------------------------------------


def test_output_stops_at_the_limit_with_a_message():
    done = cli("run", "--max-output", "1M", "-e", 's = "a" * 100000\nwhile True:\n    print(s)')
    assert done.returncode == 1
    assert len(done.stdout) <= 1024**2 + 1
    assert first_lines(done.stderr, 2) == [
        "LimitError: the script wrote more than 1 MiB of output (the output limit); the output stops here",
        "  --> <string>:3:5"]


def test_output_limit_counts_both_streams():
    result = CliRunner().invoke(main, ["run", "--max-output", "100", "-e",
                                       "for i in range(100):\n    print(i)"])
    assert result.exit_code == 1
    assert len(result.stdout) <= 101
    assert "the output limit" in result.stderr


def test_the_relay_ends_a_child_that_writes_past_the_limit():
    """The parent's own count, for output the child did not count."""
    def work() -> int:
        supervisor_channel = sys.stdout.channel  # type: ignore[attr-defined]
        supervisor_channel.limit = None  # a child that lost count
        while True:
            sys.stdout.write("x" * 65536)

    result = _supervised(work, max_output=200_000)
    assert result.exit_code == 1
    assert "LimitError: the script wrote more than 195 KiB of output" in result.stderr


ENDLESS_PRINT = 's = "a" * 100000\nwhile True:\n    print(s)\n'


@pytest.mark.parametrize("command", [["graph"], ["explain"], ["check"], ["run", "--json"]])
def test_hidden_or_kept_output_counts_against_the_limit(tmp_path, command):
    """graph, explain and check hide the script's output, run --json keeps it for the document: an endless
    print loop still ends at the output limit (it ran until the CPU limit, printing nothing)."""
    import json

    path = tmp_path / "endless.py"
    path.write_text(ENDLESS_PRINT)
    done = cli(*command, "--max-output", "2M", str(path))
    assert done.returncode == 1
    clean(done.stderr)
    if command == ["run", "--json"]:
        error = json.loads(done.stdout)["error"]
        assert error["category"] == "LimitError" and error["line"] == 3
        assert "the script wrote more than 1 MiB of output (the output limit)" in error["message"]
    else:
        assert first_lines(done.stderr, 2) == [
            "LimitError: the script wrote more than 2 MiB of output (the output limit); the output stops here",
            f"  --> {path}:3:5"]


@pytest.mark.parametrize("command", ["run", "graph", "explain", "check"])
def test_terminating_the_tool_ends_the_script_without_a_traceback(tmp_path, command):
    """SIGTERM reaches the child too; the supervisor then found the crash-trace pipe closed under its select()."""
    path = tmp_path / "spin.py"
    path.write_text("import torch\nx = torch.ones(2, requires_grad=True)\nwhile True:\n    pass\n")
    # A step limit far away: the loop must still be running when the signal comes.
    process = subprocess.Popen([*AUTODIFF, command, "--max-steps", "1000000000000", str(path)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    time.sleep(4)
    process.terminate()
    out, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM
    clean(err)


# -- 6. option values ------------------------------------------------------------------------------------


@pytest.mark.parametrize("args, message", [
    (["--timeout", "inf"], "inf is not a positive, finite number of seconds"),
    (["--timeout", "nan"], "nan is not a positive, finite number of seconds"),
    (["--timeout", "-1"], "-1 is not a positive, finite number of seconds"),
    (["--timeout", "soon"], "'soon' is not a number of seconds"),
    (["--max-memory", "9999999T"], "9999999T is more memory than a process can address"),
    (["--max-output", "0"], "'0' is not a positive size"),
    (["--max-memory", "1k"], "1k is less than autodiff itself needs (at least 64M)"),
    (["--max-memory", "-5M"], "'-5M' is not a size such as 512M or 2G"),
    (["--timeout", "0"], "0 is not a positive, finite number of seconds"),
    (["--seed", "1.5"], "'1.5' is not a valid integer."),
    (["--max-source", "lots"], "'lots' is not a size such as 512M or 2G"),
    (["--seed", "99999999999999999999999999"], "Overflow when unpacking long long"),
    (["--seed", str(2**64)], "Overflow when unpacking long long"),
    (["--seed", str(-(2**63) - 1)], "Overflow when unpacking long long"),
])
def test_option_values_are_usage_errors(args, message):
    result = CliRunner().invoke(main, ["run", *args, "-e", "pass"])
    assert result.exit_code == 2
    assert message in result.stderr
    clean(result.stderr)


def test_extreme_but_valid_option_values():
    assert CliRunner().invoke(main, ["run", "--timeout", "1e308", "-e", "print(1)"]).stdout == "1\n"
    seeded = CliRunner().invoke(main, ["run", "--seed", "-1", "-e", "print(torch.initial_seed())"])
    assert seeded.stdout == f"{2**64 - 1}\n"  # torch.manual_seed(-1).initial_seed()
    for command in ("graph", "explain", "check", "repl"):
        assert CliRunner().invoke(main, [command, "--timeout", "nan"]).exit_code == 2


# -- check's budget ---------------------------------------------------------------------------------------

TWENTY_LEAVES = """\
import torch
ws = [torch.randn(4, 4, requires_grad=True) for i in range(20)]
opt = torch.optim.SGD(ws, lr=0.01)
for step in range(20):
    opt.zero_grad()
    loss = sum((w * w).sum() for w in ws)
    loss.backward()
    opt.step()
"""


def test_check_samples_by_default(tmp_path):
    path = tmp_path / "leaves.py"
    path.write_text(TWENTY_LEAVES.replace("range(20)", "range(5)"))  # 5 leaves, 5 steps
    done = cli("check", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    text = " ".join(done.stdout.split())
    assert "Checked a sample: at most 8 elements of each leaf, at its first 2 values" in text, text
    assert "All 5 leaf gradients agree with finite differences." in text


def test_check_keeps_its_time_limit(tmp_path):
    path = tmp_path / "leaves.py"
    path.write_text(TWENTY_LEAVES)
    start = time.monotonic()
    done = cli("check", "--timeout", "8", str(path))
    elapsed = time.monotonic() - start
    assert elapsed < 8 + 2 + 0.25 * 8 + 10  # the limit, the report's grace, start-up on a loaded machine
    clean(done.stderr)
    # the report (what could be checked in time), or, on a machine too slow to write it in time, the time limit
    assert "leaf gradients" in done.stdout or "LimitError: the script ran longer than the time limit of 8 s" in \
        done.stderr, done.stdout + done.stderr


# -- Ctrl-C and the REPL's session ------------------------------------------------------------------------


def test_ctrl_c_ends_a_c_loop_with_its_line():
    with subprocess.Popen([*AUTODIFF, "run", "-e", 'print("go", flush=True)\nx = sum(reversed(range(10**12)))'],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          start_new_session=True) as process:
        assert process.stdout.readline() == "go\n"
        time.sleep(0.5)
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert err == "KeyboardInterrupt at <string>:2\n"


def test_repl_session_survives_a_killed_input():
    done = cli("repl", "--timeout", "2", input=textwrap.dedent("""\
        x = 5
        y = sum(reversed(range(10**12)))
        print(x)
        """))
    assert done.returncode == 1
    assert done.stdout == "5\n"
    assert first_lines(done.stderr) == ["LimitError: the script ran longer than the time limit of 2 s",
                                        "  --> <stdin>:2:1"]


def test_repl_session_survives_a_crash():
    done = cli("repl", input=textwrap.dedent("""\
        import torch
        w = torch.ones(2, requires_grad=True)
        t = ()
        for i in range(10):
            t = (t,)
        s = torch.nn.Sequential()
        s.add_module("a", s)
        y = s(w)
        print(w, len(t))
        """))
    assert done.returncode == 1
    assert "RecursionError: maximum recursion depth exceeded" in done.stderr
    assert done.stdout == "tensor([1., 1.], requires_grad=True) 1\n"


def test_repl_input_line_that_never_ends():
    with open("/dev/zero", "rb") as zeros:
        done = subprocess.run([*AUTODIFF, "repl"], stdin=zeros, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.startswith("LimitError: an input line is longer than 4 MiB characters")


def test_repl_load_has_the_input_limits(tmp_path):
    """:load reads like `autodiff run`: a device that never ends, an oversized file, a FIFO without a writer and
    standard input are refused, and the session keeps its variables."""
    big = tmp_path / "big.py"
    big.write_text("x = 1\n" * (1024**2))
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    done = cli("repl", "--timeout", "2", input=f"x = 5\n:load /dev/zero\n:load {big}\n:load {fifo}\n:load -\n"
                                                f":load {tmp_path}\nprint(x)\n")
    assert done.returncode == 1
    assert done.stdout == "5\n"
    assert done.stderr.splitlines() == [
        "error: :load: /dev/zero is larger than 4 MiB (the source-size limit)",
        f"error: :load: {big} is larger than 4 MiB (the source-size limit)",
        f"error: :load: opening {fifo} took longer than the time limit of 2 s (a FIFO that no one writes to?)",
        "error: :load: reads a file, not standard input",
        f"error: :load: cannot read {tmp_path}: it is a directory",
    ]


def test_the_child_runs_the_script_and_the_parent_stays_small(tmp_path):
    """Fork after imports: the supervised run's own start-up adds no import to the child."""
    path = tmp_path / "probe.py"
    path.write_text("print(1)\n")
    done = cli("run", str(path))
    assert (done.returncode, done.stdout, done.stderr) == (0, "1\n", "")


def test_supervisor_constants_fit_the_recursion_limit():
    """40,000 Python frames at the deepest measured ~750 bytes each fit in the child's stack."""
    from autodiff.language import interpreter

    frames = interpreter.DEFAULT_MAX_DEPTH * 60 + 10_000
    assert frames * 750 < supervisor.STACK_BYTES < 128 * 1024**2
    assert Path(supervisor.__file__).name == "supervisor.py"


# -- the head start: `autodiff run` forks its child before click is imported --------------------------------

HEAD_START_CASES = {
    "a script": ["run", "-e", "import torch\nx = torch.ones(2, requires_grad=True)\n(x * 3).sum().backward()\n"
                               "print(x.grad)"],
    "a seed": ["run", "--seed", "7", "-e", "import torch\nprint(torch.rand(3))"],
    "threads": ["run", "--threads", "3", "-e", "import torch\nprint(torch.get_num_threads())"],
    "json": ["run", "--json", "-e", "import torch\nx = torch.ones(2)\nprint(x)"],
    "a script error": ["run", "-e", "x = 1\ny = x / 0"],
    "the element limit": ["run", "--max-elements", "10", "-e", "import torch\nx = torch.ones(11)"],
    "the output limit": ["run", "--max-output", "1k", "-e", "while True:\n    print('x' * 100)"],
    "the time limit": ["run", "--timeout", "1", "-e", "x = 0\nwhile True:\n    x += 1"],
    "a usage error": ["run", "--timeout", "soon", "-e", "pass"],
}


@pytest.mark.parametrize("case", HEAD_START_CASES)
def test_the_head_start_changes_nothing_a_user_sees(case):
    """Output, errors and exit status are those of the child forked after parsing (AUTODIFF_HEAD_START=0)."""
    args = HEAD_START_CASES[case]
    with_head_start = cli(*args)
    late = subprocess.run([*AUTODIFF, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", "AUTODIFF_HEAD_START": "0"})
    assert (with_head_start.returncode, with_head_start.stdout, with_head_start.stderr) == (
        late.returncode, late.stdout, late.stderr)
    clean(with_head_start.stderr)


def test_standard_input_reaches_the_head_start_through_the_parent():
    done = cli("run", "-", input="import torch\nprint(torch.ones(2) * 2)\n")
    assert (done.returncode, done.stdout, done.stderr) == (0, "tensor([2., 2.])\n", "")


SPY = """
import sys
from autodiff.cli import entry, supervisor

handed_over, run_work = supervisor._hand_over, supervisor.run_work

def spy_hand_over(order, limits):
    head = handed_over(order, limits)
    print("head start used:", head is not None, file=sys.stderr)
    return head

def spy_run_work(work):
    print("click in the child:", "click" in sys.modules, file=sys.stderr)
    return run_work(work)

supervisor._hand_over, supervisor.run_work = spy_hand_over, spy_run_work
sys.argv = ["autodiff", "run", "-e", "print(6 * 7)"]
entry.console()
"""


def test_the_script_runs_in_a_child_that_never_imported_click():
    done = subprocess.run([sys.executable, "-c", SPY], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout == "42\n"
    assert done.stderr.splitlines() == ["head start used: True", "click in the child: False"]


def running(pid: str) -> tuple[bool, str]:
    """Whether process `pid` is alive (a zombie has ended), and its command line."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            command = handle.read().decode(errors="replace")
        with open(f"/proc/{pid}/stat") as handle:
            state = handle.read().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False, ""
    return state != "Z", command


def processes_with(marker: str) -> list[str]:
    """The live processes whose command line holds `marker`."""
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            alive, command = running(pid)
            if alive and marker in command:
                found.append(pid)
    return found


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc")
@pytest.mark.parametrize("args", [["--help"], ["--timeout", "soon"], []])
def test_a_command_that_runs_no_script_ends_its_head_start(tmp_path, args):
    """--help, a usage error, a file that cannot be read: the waiting child is ended, not left importing."""
    marker = f"no-such-script-{os.getpid()}-{len(args)}.py"
    done = cli("run", *args, str(tmp_path / marker))
    assert done.returncode in (0, 2)
    assert processes_with(marker) == []


HEAD_START_ORPHAN = """
import os, sys, time
from autodiff.cli import supervisor
supervisor.start_head_start(lambda: time.sleep(0.5))
print(supervisor._head_start.child.pid, flush=True)
os._exit(0)  # the parent dies without sending an order or ending the child
"""


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc")
def test_a_head_start_whose_parent_died_ends_by_itself():
    done = subprocess.run([sys.executable, "-c", HEAD_START_ORPHAN], capture_output=True, text=True, timeout=60)
    pid = done.stdout.strip()
    assert done.returncode == 0 and pid.isdigit(), done.stderr
    deadline = time.monotonic() + 30
    while running(pid)[0]:
        assert time.monotonic() < deadline, "the orphaned head start is still running"
        time.sleep(0.1)
