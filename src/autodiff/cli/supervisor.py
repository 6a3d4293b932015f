"""The supervisor: every command that runs a script (`run`, `graph`, `explain`, `check`, each REPL evaluation)
runs it in a forked child process under operating-system limits, and turns however the child ends into one
clear error.

Why a child. Inside one process no limit stops everything: the interpreter looks at the clock only between
statements, a watchdog thread never runs while a C function holds the interpreter lock (`sum(reversed(range(
10**12)))`, a huge integer product), a C-stack overflow kills the process, and an allocation refused by the
address-space cap may come from C code that aborts. So:

- The child gets its own process group (whatever it forks, as `check` does, ends with it), an address-space cap
  (--max-memory above what it has mapped at the fork), a CPU-time limit, a C stack large enough for the
  recursion limit (deep recursion is then Python's RecursionError, not a segfault) and no core files.
- faulthandler writes the child's Python stack to a pipe when it crashes, and when the parent asks (SIGUSR1)
  just before ending it at the time limit. Each compiled statement's code object is named after the statement's
  span (`errors.statement_code_name`), so the report points at the script's line even when the child was stuck
  inside one C call.
- The child's stdout and stderr travel to the parent as frames over one pipe: their order is kept, and whoever
  called the command (a terminal, a pipe, a test's CliRunner) gets them from the parent's own streams. The child
  counts the bytes against --max-output; the parent stops relaying and ends the child past the limit.
- The child imports the engine itself, after the fork (`autodiff run` forks it before click is imported: the
  head start, below). The parent relays, forwards Ctrl-C, ends the child at the wall-clock limit and reports how
  it ended: exit status 1 (130 for Ctrl-C), never a traceback or a hang.

The REPL uses the same pieces with one twist (see repl.py): an evaluation's child that finishes carries on as
the session, so a killed evaluation leaves the session as it was before it.
"""

from __future__ import annotations

import io
import os
import select
import signal
import struct
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any, NamedTuple, NoReturn

from autodiff.errors import AutodiffError, Span, span_of_statement_code_name

STDOUT, STDERR = b"o", b"e"  # frame tags of the two output streams; the REPL adds its own
_HEADER = struct.Struct(">cI")
_READ_SIZE = 1 << 16

# The recursion limit the interpreter sets (40,000 Python frames) needs about 30 MiB of C stack on the deepest
# paths measured (calls through C slots use up to ~750 bytes per frame); the main thread's stack can grow to 128
# MiB before it could meet another mapping even without address randomization, so this leaves room both ways.
STACK_BYTES = 96 * 1024**2
DEFAULT_CPU_SECONDS = 600  # a script's CPU time without --timeout (with it: the timeout, times the CPUs)
GRACE_SECONDS = 0.5  # after the time limit, for the interpreter to stop at a statement boundary by itself
INTERRUPT_GRACE_SECONDS = 2.0  # after Ctrl-C, for the script to stop by itself before the child is ended
ERROR_RESERVE_BYTES = 64 * 1024  # stderr the final error report may still use after the output limit
_POLL_SECONDS = 0.1  # how often the parent looks whether the child itself has ended (its output may stay open)
_LONGEST_WAIT = 3600.0  # select() takes no timeout longer than this; longer waits loop


class Limits(NamedTuple):
    """What a supervised child may use: wall-clock seconds, bytes of memory (address space added after the
    fork), bytes of output (stdout and stderr together). (A NamedTuple, not a frozen dataclass: this module is
    imported at every start, and @dataclass compiles its methods then, ~1 ms a class.)"""

    timeout: float | None = None
    max_memory: int | None = None
    max_output: int | None = None
    grace: float = GRACE_SECONDS  # after the time limit, before the supervisor ends the child

    def cpu_seconds(self) -> int:
        """RLIMIT_CPU: with a timeout, the CPU time all cores could give in it (the wall-clock limit then comes
        first); without one, DEFAULT_CPU_SECONDS."""
        if self.timeout is None:
            return DEFAULT_CPU_SECONDS
        return int(min(self.timeout * (os.cpu_count() or 1) + 1, 2**40))


class Order(NamedTuple):
    """A command's work as data: a function named "module:name" and its keyword arguments, all plain values
    (marshal can send them): what a head start, forked before the command line was parsed, can be told to run."""

    function: str
    arguments: dict[str, Any]

    def __call__(self) -> int | None:
        import importlib

        module, _, name = self.function.partition(":")
        return getattr(importlib.import_module(module), name)(**self.arguments)


# -- the child's side ---------------------------------------------------------------------------------------


def output_limit_error(limit: int) -> AutodiffError:
    from autodiff.limits import describe

    return AutodiffError("LimitError", f"the script wrote more than {describe(limit)} of output (the output "
                         "limit); the output stops here", hint="raise the limit with --max-output")


class Channel:
    """The child's end of the output pipe: frames of (tag, bytes), stdout and stderr counted against the output
    limit. Every write goes out at once, so everything written before the child is ended reaches the parent."""

    def __init__(self, fd: int, limit: int | None):
        self.fd = fd
        self.reset(limit)

    def reset(self, limit: int | None) -> None:
        self.limit = limit
        self.written = 0
        self.reserve = ERROR_RESERVE_BYTES  # left for the error report once the limit was reached
        self.exceeded = False

    def send(self, tag: bytes, data: bytes) -> None:
        if self.limit is not None and tag in (STDOUT, STDERR):
            data = self._count(tag, data)
        self._write(_HEADER.pack(tag, len(data)) + data)

    def _count(self, tag: bytes, data: bytes) -> bytes:
        assert self.limit is not None
        if self.exceeded:
            if tag == STDOUT:
                raise output_limit_error(self.limit)
            data = data[:self.reserve]
            self.reserve -= len(data)
            return data
        allowed = self.limit - self.written
        if len(data) <= allowed:
            self.written += len(data)
            return data
        self.exceeded = True
        self.written = self.limit
        if allowed > 0:
            self._write(_HEADER.pack(tag, allowed) + data[:allowed])
        self._write(_HEADER.pack(tag, 1) + b"\n")
        raise output_limit_error(self.limit)

    def _write(self, frame: bytes) -> None:
        view = memoryview(frame)
        while view:
            view = view[os.write(self.fd, view):]


class CountedOutput(io.StringIO):
    """Where a script's output goes when a command does not show it as it comes (graph, explain and check hide
    it; run --json keeps it for the document): counted against the supervised child's output limit all the
    same, so an endless print loop ends in the output-limit error there too. `share` of the limit: run --json
    prints what it keeps once more, inside the document."""

    def __init__(self, *, keep: bool, share: float = 1.0):
        super().__init__()
        channel = getattr(sys.stdout, "channel", None)
        limit = channel.limit if isinstance(channel, Channel) else None
        self.limit = int(limit * share) if limit is not None else None
        self.keep = keep
        self.written = 0

    def write(self, text: str) -> int:
        if self.limit is not None:
            self.written += len(text.encode("utf-8", "backslashreplace"))
            if self.written > self.limit:
                raise output_limit_error(self.limit)
        return super().write(text) if self.keep else len(text)


class ChannelStream(io.TextIOBase):
    """sys.stdout or sys.stderr of a supervised child: text encoded as the parent's stream expects, sent as
    frames. `isatty` answers for the parent's stream (the views colour only on a terminal)."""

    def __init__(self, channel: Channel, tag: bytes, encoding: str, terminal: bool):
        super().__init__()
        self.channel = channel
        self._tag = tag
        self._encoding = encoding
        self._terminal = terminal

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding

    @property
    def errors(self) -> str:  # type: ignore[override]
        return "backslashreplace"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self._terminal

    def write(self, text: str) -> int:
        if not isinstance(text, str):  # as a text stream does (click tells text streams from binary ones so)
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if text:
            self.channel.send(self._tag, text.encode(self._encoding, "backslashreplace"))
        return len(text)


def _raise_limits(limits: Limits) -> None:
    """The child's operating-system limits (each only where the platform allows it)."""
    import resource

    def set_soft(which: int, value: int) -> None:
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        try:
            resource.setrlimit(which, (value, hard))
        except (ValueError, OSError):
            pass

    set_soft(resource.RLIMIT_CORE, 0)
    soft_stack, _ = resource.getrlimit(resource.RLIMIT_STACK)
    if soft_stack != resource.RLIM_INFINITY and soft_stack < STACK_BYTES:
        set_soft(resource.RLIMIT_STACK, STACK_BYTES)
    set_soft(resource.RLIMIT_CPU, limits.cpu_seconds())
    if limits.max_memory is not None:
        from autodiff.limits import AddressSpaceCap

        AddressSpaceCap(limits.max_memory).__enter__()  # for the rest of the child's life


def _become_child(limits: Limits, output_fd: int, trace_fd: int, *, own_group: bool, encoding: str,
                  terminals: tuple[bool, bool]) -> None:
    """Set up a just-forked child: limits, crash traces, signals, and its stdout/stderr on the output pipe."""
    import faulthandler

    if own_group:
        try:
            os.setpgid(0, 0)
        except OSError:
            pass
    _raise_limits(limits)
    faulthandler.enable(trace_fd, all_threads=True)
    faulthandler.register(signal.SIGUSR1, trace_fd, all_threads=True)
    faulthandler.register(signal.SIGXCPU, trace_fd, all_threads=True, chain=True)
    import warnings

    warnings.simplefilter("ignore")  # NumPy's RuntimeWarnings (with install paths) are not PyTorch's output
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)
    current = sys.stdout
    if isinstance(current, ChannelStream) and current.channel.fd == output_fd:
        current.channel.reset(limits.max_output)  # a child of a supervised process (the REPL's): count afresh
        return
    channel = Channel(output_fd, limits.max_output)
    sys.stdout = ChannelStream(channel, STDOUT, encoding, terminals[0])
    sys.stderr = ChannelStream(channel, STDERR, encoding, terminals[1])


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


class Child:
    """A forked child being supervised: its pid, whether it leads its own process group, and the read end of
    the pipe its crash traces arrive on."""

    def __init__(self, pid: int, own_group: bool, trace_fd: int):
        self.pid = pid
        self.own_group = own_group
        self.trace_fd = trace_fd
        self.status: int | None = None  # the wait status once reaped
        self.trace = b""

    def signal(self, number: int) -> None:
        try:
            if self.own_group:
                os.killpg(self.pid, number)
            else:
                os.kill(self.pid, number)
        except (ProcessLookupError, PermissionError):
            pass

    def poll(self) -> bool:
        """True once the child has ended (and reaped)."""
        if self.status is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                pid, status = self.pid, 0
            if pid == 0:
                return False
            self.status = status
        return True

    def read_trace(self, wait: float = 0.0) -> None:
        """Take what the crash-trace pipe holds, waiting up to `wait` seconds for the first bytes."""
        deadline = time.monotonic() + wait
        while self.trace_fd >= 0:
            remaining = max(0.0, deadline - time.monotonic())
            readable, _, _ = select.select([self.trace_fd], [], [], remaining)
            if not readable:
                return
            data = os.read(self.trace_fd, _READ_SIZE)
            if not data:
                os.close(self.trace_fd)
                self.trace_fd = -1
                return
            self.trace += data
            deadline = time.monotonic() + 0.05  # the rest of a dump follows at once

    def stop(self) -> None:
        """Ask for the Python stack (where the script is), then end the child and everything it forked."""
        if not self.poll():
            try:
                os.kill(self.pid, signal.SIGUSR1)
            except ProcessLookupError:
                pass
            self.read_trace(wait=0.5)
        self.signal(signal.SIGKILL)

    def reap(self) -> int:
        """Wait for the child (it has been ended or is ending); end what it left behind; return its status."""
        if self.status is None:
            try:
                _, self.status = os.waitpid(self.pid, 0)
            except ChildProcessError:
                self.status = 0
        if self.own_group:
            self.signal(signal.SIGKILL)  # `check`'s probes, if the child died before collecting them
        self.read_trace()
        if self.trace_fd >= 0:
            os.close(self.trace_fd)
            self.trace_fd = -1
        return self.status

    def span(self) -> Span | None:
        """The innermost script statement in the child's last Python stack dump, if any."""
        text = self.trace.decode("ascii", "replace")
        for line in text.splitlines():
            name = line.rpartition(" in ")[2] if line.lstrip().startswith("File ") else ""
            span = span_of_statement_code_name(name) if name else None
            if span is not None:
                return span
        return None


def fork(limits: Limits, output_fd: int, *, own_group: bool = True, encoding: str = "utf-8",
         terminals: tuple[bool, bool] = (False, False), keep: tuple[int, ...] = (),
         prepare: Callable[[], None] | None = None) -> Child | None:
    """Fork a supervised child whose stdout and stderr go in frames to `output_fd`. Returns None in the child
    (the caller runs the work and must end with `exit_child`), the Child in the parent. `keep`: the parent's
    descriptors the child may use (every other pipe end the caller made is the caller's to close). `prepare`
    runs first in the child, before its limits (the memory cap counts from what is mapped after it)."""
    del keep  # documented for callers; nothing to do here
    trace_read, trace_write = os.pipe()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    pid = os.fork()
    if pid == 0:
        os.close(trace_read)
        try:
            if prepare is not None:
                try:
                    prepare()
                except BaseException:
                    import traceback

                    traceback.print_exc()
                    raise
            _become_child(limits, output_fd, trace_write, own_group=own_group, encoding=encoding,
                          terminals=terminals)
        except BaseException:  # pragma: no cover - a child must never return into the caller's code
            os._exit(70)
        return None
    os.close(trace_write)
    if own_group:
        try:
            os.setpgid(pid, pid)
        except OSError:  # the child did it first, or has already ended
            pass
    return Child(pid, own_group, trace_read)


def run_work(work: Callable[[], int | None]) -> int:
    """Run a command's work in the child; its exit status. Exceptions become messages, never tracebacks."""
    try:
        status = work()
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if exc.code is not None and not isinstance(exc.code, int):
            sys.stderr.write(f"{exc.code}\n")
    except _click_exceptions() as exc:
        if hasattr(exc, "show"):
            exc.show()
        status = exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("KeyboardInterrupt\n")
        status = 130
    except BrokenPipeError:
        status = 1
    except AutodiffError as exc:  # the output limit, reached by a view after the script
        from autodiff.cli import diagnostics

        sys.stderr.write(diagnostics.format_error(exc, None, "") + "\n")
        status = 1
    except BaseException as exc:  # a bug in autodiff
        from autodiff.cli import diagnostics

        try:
            sys.stderr.write(diagnostics.format_internal_error(exc, None, "") + "\n")
        except BaseException:
            pass
        status = 1
    return int(status or 0)


def _click_exceptions() -> tuple[type[BaseException], ...]:
    """click's exceptions that end a command with a status (Exit; ClickException, which shows a message), if
    click was imported: a head start's child never imports it, and what was never imported was never raised."""
    click = sys.modules.get("click")
    return (click.exceptions.Exit, click.ClickException) if click is not None else ()


def exit_child(status: int) -> NoReturn:
    """End a supervised child without returning into the caller (no atexit handlers, no test runner)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    os._exit(status)


# -- the head start ------------------------------------------------------------------------------------------
# `autodiff run` forks its child before click is even imported: the child imports NumPy and the engine (~100 ms)
# while the parent imports click and parses the command line (~40 ms), instead of after it. Then the parent sends
# the command's work (an Order) and its limits over a pipe. A command that never gets that far (--help, a usage
# error, a file it cannot read) ends the waiting child (end_head_start); if the parent dies first, the child
# reads end-of-file and ends by itself.


class HeadStart(NamedTuple):
    child: Child
    order_fd: int  # the write end of the pipe the order travels on
    output_fd: int  # the read end of the child's output pipe
    started: float  # time.monotonic() at the fork: the wall-clock limit counts the child's imports, as after fork()


_head_start: HeadStart | None = None


def start_head_start(prepare: Callable[[], None]) -> None:
    """Fork the child of a command that will run a script, before the command line is parsed: it runs `prepare`
    (the imports), then waits for the order that run_supervised sends."""
    global _head_start
    if _head_start is not None or not hasattr(os, "fork"):
        return
    order_read, order_write = os.pipe()
    output_read, output_write = os.pipe()
    trace_read, trace_write = os.pipe()
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    terminals = (_is_terminal(sys.stdout), _is_terminal(sys.stderr))
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        for fd in (order_write, output_read, trace_read):
            os.close(fd)
        _wait_for_order(prepare, order_read, output_write, trace_write, encoding, terminals)
    for fd in (order_read, output_write, trace_write):
        os.close(fd)
    try:
        os.setpgid(pid, pid)
    except OSError:  # the child did it first, or has already ended
        pass
    _head_start = HeadStart(Child(pid, True, trace_read), order_write, output_read, started)


def _wait_for_order(prepare: Callable[[], None], order_fd: int, output_fd: int, trace_fd: int, encoding: str,
                    terminals: tuple[bool, bool]) -> NoReturn:
    """The head start's child: prepare, read the order to its end, become a supervised child and run it."""
    try:
        try:
            os.setpgid(0, 0)
        except OSError:
            pass
        failure = None
        try:
            prepare()
        except BaseException as exc:  # reported only if an order comes (it is the command's failure then)
            failure = exc
        message = _read_to_end(order_fd)
        if not message:
            os._exit(0)
        import marshal

        limits, function, arguments = marshal.loads(message)
        if failure is not None:
            import traceback

            traceback.print_exception(failure)
            os._exit(70)
        _become_child(Limits(*limits), output_fd, trace_fd, own_group=True, encoding=encoding, terminals=terminals)
        order = Order(function, arguments)
    except BaseException:  # pragma: no cover - a child must never return into the caller's code
        os._exit(70)
    exit_child(run_work(order))


def _read_to_end(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, _READ_SIZE):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)


def _hand_over(order: Order, limits: Limits) -> HeadStart | None:
    """Send `order` and `limits` to the waiting head start, if there is one; it is then the command's child."""
    global _head_start
    head, _head_start = _head_start, None
    if head is None:
        return None
    import marshal

    view = memoryview(marshal.dumps((tuple(limits), order.function, order.arguments)))
    try:
        while view:
            view = view[os.write(head.order_fd, view):]
    except BrokenPipeError:  # the child has ended already: supervise() finds out how
        pass
    finally:
        os.close(head.order_fd)
    return head


def end_head_start() -> None:
    """End a head start the command did not use, and its pipes."""
    global _head_start
    head, _head_start = _head_start, None
    if head is not None:
        os.close(head.order_fd)
        os.close(head.output_fd)
        head.child.signal(signal.SIGKILL)
        head.child.reap()


# -- the parent's side --------------------------------------------------------------------------------------


class Relay:
    """Writes the frames a child sends to the parent's own streams, in order; other tags go to `on_frame`.
    Counts stdout and stderr bytes: past the limit (plus the error report's reserve) it stops writing."""

    def __init__(self, stdout: IO[str], stderr: IO[str], limit: int | None,
                 on_frame: Callable[[bytes, bytes], None] | None = None):
        self.targets = {STDOUT: stdout, STDERR: stderr}
        self.limit = None if limit is None else limit + ERROR_RESERVE_BYTES + 2 * _HEADER.size
        self.on_frame = on_frame
        self.received = 0
        self.over_limit = False
        self.broken = False
        self._pending = bytearray()
        self._dirty: set[bytes] = set()

    def feed(self, data: bytes) -> None:
        pending = self._pending
        pending += data
        start = 0
        while len(pending) - start >= _HEADER.size:
            tag, length = _HEADER.unpack_from(pending, start)
            end = start + _HEADER.size + length
            if len(pending) < end:
                break
            payload = bytes(pending[start + _HEADER.size:end])
            start = end
            if tag in self.targets:
                self._output(tag, payload)
            elif self.on_frame is not None:
                self.flush()
                self.on_frame(tag, payload)
        del pending[:start]
        self.flush()

    def _output(self, tag: bytes, payload: bytes) -> None:
        if self.limit is not None:
            self.received += len(payload)
            if self.received > self.limit:
                self.over_limit = True
                return
        if self.broken:
            return
        other = STDERR if tag == STDOUT else STDOUT
        if other in self._dirty:
            self._flush(other)
        stream = self.targets[tag]
        try:
            raw = getattr(stream, "buffer", None)
            if raw is not None:
                raw.write(payload)
            else:
                stream.write(payload.decode(getattr(stream, "encoding", None) or "utf-8", "replace"))
            self._dirty.add(tag)
        except BrokenPipeError:
            self._broken()
        except (OSError, ValueError):
            pass

    def _flush(self, tag: bytes) -> None:
        self._dirty.discard(tag)
        try:
            self.targets[tag].flush()
        except BrokenPipeError:
            self._broken()
        except (OSError, ValueError):
            pass

    def flush(self) -> None:
        for tag in list(self._dirty):
            self._flush(tag)

    def _broken(self) -> None:
        """The reader of our stdout went away (`| head`): the rest goes nowhere, quietly."""
        self.broken = True
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (OSError, ValueError, io.UnsupportedOperation):
            pass


class _Signals:
    """While a child runs: Ctrl-C is forwarded to it (and noted, so a child that does not stop is ended), and
    SIGTERM/SIGHUP end it before the parent goes."""

    def __init__(self, child: Child):
        self.child = child
        self.interrupted: float | None = None
        self.interrupts = 0
        self.terminated: int | None = None

    def on_interrupt(self, number: int, frame: Any) -> None:
        self.interrupts += 1
        if self.interrupted is None:
            self.interrupted = time.monotonic()
        if not self.child.own_group:
            return  # it shares our process group: the terminal sent it the same signal
        self.child.signal(signal.SIGINT)

    def on_terminate(self, number: int, frame: Any) -> None:
        self.terminated = number
        self.child.signal(signal.SIGKILL)


@contextmanager
def forwarding_signals(child: Child) -> Iterator[_Signals]:
    state = _Signals(child)
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield state
        return
    previous = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    signal.signal(signal.SIGINT, state.on_interrupt)
    signal.signal(signal.SIGTERM, state.on_terminate)
    signal.signal(signal.SIGHUP, state.on_terminate)
    try:
        yield state
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)


class Ending:
    """How a supervised child ended: its wait status, and why the supervisor ended it (None: by itself)."""

    def __init__(self, status: int, reason: str | None):
        self.status = status
        self.reason = reason  # "timeout", "interrupt", "output", "broken-pipe", "terminated"


def supervise(child: Child, limits: Limits, *, output_fd: int | None = None, relay: Relay | None = None,
              until: Callable[[], bool] | None = None, started: float | None = None) -> Ending | None:
    """Watch `child` until it ends (or `until()` says the parent is done with it: then None): relay its frames
    from `output_fd`, end it at the time limit (plus a grace for the interpreter's own check), on Ctrl-C it does
    not answer, past the output limit, or when the reader of our output went away."""
    start = time.monotonic() if started is None else started
    deadline = start + limits.timeout + limits.grace if limits.timeout is not None else None
    reason: str | None = None
    open_fds = [fd for fd in (output_fd, child.trace_fd) if fd is not None and fd >= 0]
    with forwarding_signals(child) as signals:
        while True:
            now = time.monotonic()
            if reason is None:
                if deadline is not None and now >= deadline:
                    reason = "timeout"
                elif signals.terminated is not None:
                    reason = "terminated"
                elif signals.interrupted is not None and (signals.interrupts > 1 or
                                                          now >= signals.interrupted + INTERRUPT_GRACE_SECONDS):
                    reason = "interrupt"
                elif relay is not None and relay.over_limit:
                    reason = "output"
                elif relay is not None and relay.broken:
                    reason = "broken-pipe"
                if reason is not None:
                    child.stop()
                    if child.trace_fd < 0:  # stop() read the trace pipe to its end and closed it
                        open_fds = [fd for fd in open_fds if fd == output_fd]
            if output_fd is not None and output_fd not in open_fds or child.status is not None:
                break
            wait = _POLL_SECONDS
            if reason is None and deadline is not None:
                wait = min(wait, max(0.0, deadline - now))
            if signals.interrupted is not None and reason is None:
                wait = min(wait, 0.05)
            try:
                readable, _, _ = select.select(open_fds, [], [], min(wait, _LONGEST_WAIT))
            except InterruptedError:  # pragma: no cover - Python retries select() itself
                readable = []
            for fd in readable:
                data = os.read(fd, _READ_SIZE)
                if fd == child.trace_fd:
                    if data:
                        child.trace += data
                    else:
                        open_fds.remove(fd)
                        os.close(fd)
                        child.trace_fd = -1
                elif data:
                    if relay is not None:
                        relay.feed(data)
                else:
                    open_fds.remove(fd)
            if until is not None and until():
                return None
            if not readable:
                child.poll()
        if child.status is not None and output_fd is not None and output_fd in open_fds:
            _drain(output_fd, relay)  # what it wrote before it ended (its descendants are ended by reap)
        status = child.reap()
        if output_fd is not None and output_fd in open_fds:
            _drain(output_fd, relay)
    return Ending(status, reason)


def _drain(fd: int, relay: Relay | None, seconds: float = 0.5) -> None:
    deadline = time.monotonic() + seconds
    while True:
        readable, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not readable:
            return
        data = os.read(fd, _READ_SIZE)
        if not data:
            return
        if relay is not None:
            relay.feed(data)


def ending_error(ending: Ending, child: Child, limits: Limits) -> tuple[AutodiffError | str | None, int]:
    """(what to report, exit status) for a child the supervisor ended or that died of a signal; (None, status)
    when it exited by itself."""
    status = ending.status
    span = child.span()
    if ending.reason == "interrupt":
        return "KeyboardInterrupt", 130
    if ending.reason == "terminated":
        return None, 1
    if ending.reason == "broken-pipe":
        return None, 1
    if os.WIFEXITED(status) and ending.reason != "timeout" and ending.reason != "output":
        return None, os.WEXITSTATUS(status)
    if os.WIFEXITED(status):  # it finished just as the supervisor ended it
        return None, os.WEXITSTATUS(status) or 1
    if ending.reason == "timeout":
        return AutodiffError("LimitError", f"the script ran longer than the time limit of {limits.timeout:g} s",
                             span, hint="it was stopped inside one long operation; raise the limit with --timeout"), 1
    if ending.reason == "output":
        assert limits.max_output is not None
        return output_limit_error(limits.max_output), 1
    number = os.WTERMSIG(status)
    if number == signal.SIGXCPU:
        return AutodiffError("LimitError", f"the script used more than {limits.cpu_seconds():,} s of CPU time "
                             "(the CPU-time limit)", span,
                             hint="set --timeout to choose the time limit" if limits.timeout is None
                             else "raise the limit with --timeout"), 1
    if number == signal.SIGKILL:
        return AutodiffError("LimitError", "the operating system ended the script (most likely it ran out of "
                             "memory)", span, hint="lower --max-memory below what the machine has, or build "
                             "smaller values"), 1
    if number in (signal.SIGSEGV, signal.SIGBUS):
        # With no C code of the script's own, a segfault is the C stack running out: a recursion through C that
        # Python does not count (hashing a tuple nested millions deep), or one deeper than the stack allows.
        return AutodiffError("RecursionError", "maximum recursion depth exceeded", span,
                             hint="the interpreter's C stack overflowed (Segmentation fault): the script nests "
                             "calls or values too deeply"), 1
    try:
        name = signal.strsignal(number) or f"signal {number}"
    except ValueError:  # pragma: no cover
        name = f"signal {number}"
    error = AutodiffError("InternalError", f"the interpreter crashed ({name}); please report this", span)
    return error, 1


def report(what: AutodiffError | str | None, source: str | None, filename: str, stream: IO[str]) -> None:
    """Write the error for how a child ended to `stream` (the parent's stderr)."""
    if what is None:
        return
    if isinstance(what, str):
        text = what
    else:
        from autodiff.cli import diagnostics

        text = diagnostics.format_error(what, source, filename)
    try:
        stream.write(text + "\n")
        stream.flush()
    except (OSError, ValueError):
        pass


def run_supervised(work: Callable[[], int | None] | Order, limits: Limits, *, source: str | None = None,
                   filename: str = "", stdout: IO[str] | None = None, stderr: IO[str] | None = None,
                   prepare: Callable[[], None] | None = None) -> int:
    """Run `work` (a command's body: it runs the script and writes to sys.stdout/sys.stderr) in a supervised
    child; relay its output to `stdout`/`stderr`; return the exit status, after reporting how the child was
    ended if it did not end by itself. `prepare` (imports, say) runs in the child before its limits: what a
    process imports after forking is its own, where the child of a process that imported it all would copy
    every page it touches of what the two share, and the parent, ending, would touch them all again. An Order
    goes to the head start if one is waiting (its child has run `prepare` already); otherwise, and for a
    closure, the child is forked here."""
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    if not hasattr(os, "fork"):  # pragma: no cover - Windows: the script runs in this process, unsupervised
        if prepare is not None:
            prepare()
        return run_work(work)
    head = _hand_over(work, limits) if isinstance(work, Order) else None
    if head is not None:
        child, read_fd, started = head.child, head.output_fd, head.started
    else:
        end_head_start()
        read_fd, write_fd = os.pipe()
        started = time.monotonic()
        child = fork(limits, write_fd, encoding=getattr(out, "encoding", None) or "utf-8",
                     terminals=(_is_terminal(out), _is_terminal(err)), prepare=prepare)
        if child is None:
            os.close(read_fd)
            exit_child(run_work(work))
        os.close(write_fd)
    relay = Relay(out, err, limits.max_output)
    try:
        ending = supervise(child, limits, output_fd=read_fd, relay=relay, started=started)
    finally:
        os.close(read_fd)
    assert ending is not None
    what, status = ending_error(ending, child, limits)
    if what == "KeyboardInterrupt":
        span = child.span()
        what = f"KeyboardInterrupt at {filename}:{span.line}" if span is not None else "KeyboardInterrupt"
    relay.flush()
    report(what, source, filename, err)
    if ending.reason == "terminated":
        status = 128 + signal.SIGTERM
    return status
