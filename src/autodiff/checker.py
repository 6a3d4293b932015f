"""The finite-difference checker behind `autodiff check`: re-derives every backward pass's leaf gradients.

What is checked. A backward pass k (`y.backward(v)`, `autograd.grad(...)`) computes, for each leaf L it reaches,
the gradient of r_k = sum(v * y) with respect to the value of L that the pass's graph read. The checker nudges one
element of L by +h and by -h, lets the script run on to pass k, and compares (r_k(+h) - r_k(-h)) / 2h (computed in
float64 from the roots the script produced) with the gradient the engine delivered.

Why the script is not simply re-run with a changed leaf. In a training loop the leaf `w` that pass k differentiates
holds the value the previous update wrote; a change to w's *initial* value would flow through all the earlier
updates (through .data, no_grad blocks and optimizer steps, which autograd deliberately ignores) and measure
something else. Replaying the recorded graph would need every op's forward, which the graph does not keep. So the
nudge is applied at the right moment instead: right after the last time L was created or written before pass k.

How. The script runs once, instrumented with `sys.setprofile` (the engine stays free of checking code): the
profiler sees every leaf come into being (a Tensor created with requires_grad, or `requires_grad_()` on a
tensor) and every write to a leaf's storage (a version bump, which every in-place write makes, or `.data = ...`).
Leaves are numbered in the order they appear, identically in every run. At each such moment the run forks
(os.fork): each child nudges one sampled element of L and runs on, recording the roots and the leaves of every
backward pass that reaches L, until L is written again (a later moment's children take over), L is freed, or the
script ends; it then reports to the parent through a pipe and exits. The parent carries on unperturbed and, at
each pass, compares: `autograd.backward_observers` hands it the roots, v and each leaf's gradient.

Loops and in-place updates are what this handles: a pass is compared with children forked after the latest write
of each leaf it reached, and the comparison uses the change that actually *landed* in every leaf of the pass at
backward time (an update `w.data *= 0.5` halves the nudge; a nudge that other leaves picked up through `.data` is
accounted for by their gradients), so the result is the directional derivative along what really moved. A gradient
built with `.detach()` or `.data` inside, or one that a backward rule gets wrong, shows up as a mismatch.

Numerics: the script computes in its own dtypes (forcing float64 would change the program); h is 1e-6 * max(1, |x|)
for float64 leaves and 1e-3 * max(1, |x|) for float32; differences and quotients are float64, and the tolerance is
atol + rtol * |gradient| plus the rounding noise of the roots' dtype divided by the step. Where the function is not
smooth at the point (relu or abs at 0, max with ties) the one-sided derivatives differ; there autograd's value passes
if it lies between them (PyTorch picks one side), and the row says so. Passes run inside builtins such as
torch.autograd.functional.jacobian are the builtin's own business and skipped.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autodiff.engine import autograd
from autodiff.engine.tensor import Tensor
from autodiff.errors import AutodiffError
from autodiff.torch import tensor as torch_api
from autodiff.torch.autograd import functional

DEFAULT_MAX_ELEMENTS = 16  # elements nudged per leaf (evenly spread over larger leaves)
MAX_PROBES = 20_000  # children per check, all told: a bound on the time a check can take
# `autodiff check`'s budget without --all: each leaf is nudged at its first few values only (in a training loop
# the later passes repeat the same gradient code), and a check forks at most so many children.
DEFAULT_MAX_VALUES = 2
DEFAULT_BUDGET = 400
_DEADLINE_SHARE = 0.7  # of the time limit, after which no new child is forked (the rest: finishing, the report)
_STEPS = {np.dtype(np.float64): 1e-6, np.dtype(np.float32): 1e-3, np.dtype(np.float16): 1e-2}
_TOLERANCES = {np.dtype(np.float64): (1e-5, 1e-3), np.dtype(np.float32): (1e-4, 1e-2),
               np.dtype(np.float16): (1e-2, 5e-2)}  # (atol, rtol) by the leaf's dtype
_NOISE_ULPS = 32  # rounding noise allowed in the roots, in units of their dtype's epsilon
_CONCURRENT_CHILDREN = max(1, min(8, os.cpu_count() or 1))
_STRAGGLER_SECONDS = 0.5  # a child still running this long after the deadline is ended, not waited for


# --- results -----------------------------------------------------------------------------------------------


@dataclass
class ElementResult:
    """One nudged element of one leaf at one backward pass."""

    index: tuple[int, ...]
    analytical: float
    numerical: float
    abs_error: float
    rel_error: float
    passed: bool
    kink: tuple[float, float] | None = None  # (left, right) derivatives where the function is not smooth
    pass_number: int = 0  # which backward pass of the run (1 for the first)


@dataclass
class LeafRow:
    """All checks of one leaf (by name) at one backward statement (all the times it ran)."""

    backward_line: int | None
    leaf: str
    shape: tuple[int, ...]
    dtype: str
    calls: set[int] = field(default_factory=set)
    checked: int = 0  # element checks made (kinks included)
    kinks: int = 0  # elements at a kink, where autograd's value lies between the one-sided derivatives
    skipped: int = 0
    skip_reason: str = ""
    max_abs_error: float = 0.0
    max_rel_error: float = 0.0
    worst: ElementResult | None = None  # the failing element with the largest error, else the largest error

    @property
    def failed(self) -> bool:
        return self.worst is not None and not self.worst.passed

    @property
    def status(self) -> str:
        if self.failed:
            return "fail"
        return "pass" if self.checked else "skipped"

    def add(self, result: ElementResult) -> None:
        self.checked += 1
        if result.kink is not None:
            self.kinks += 1  # its error measures the kink, not the gradient: kept out of the maxima
            return
        self.max_abs_error = max(self.max_abs_error, result.abs_error)
        self.max_rel_error = max(self.max_rel_error, result.rel_error)
        worst = self.worst
        if worst is None or (worst.passed and not result.passed) or (
                worst.passed == result.passed and result.abs_error > worst.abs_error):
            self.worst = result


@dataclass
class CheckReport:
    filename: str
    rows: list[LeafRow]
    backward_passes: int
    probes: int
    error: AutodiffError | None = None  # the error that stopped the script, if any
    probe_limit_reached: bool = False
    time_limit_near: bool = False  # children stopped being forked before the time limit
    budget: tuple[int | None, int | None] = (DEFAULT_MAX_ELEMENTS, None)  # (elements, values) nudged per leaf

    @property
    def passed(self) -> bool:
        """True when no checked gradient disagrees with finite differences."""
        return not any(row.failed for row in self.rows)


# --- leaves ------------------------------------------------------------------------------------------------


def _storage(array: np.ndarray) -> np.ndarray:
    """The array that owns the memory `array` views."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


class _Leaves:
    """Leaves that require grad, numbered in order of appearance (weakly held: the script decides lifetimes)."""

    def __init__(self) -> None:
        self.serials: dict[int, tuple[int, weakref.ref[Tensor]]] = {}  # id(leaf) -> (serial, ref)
        self.by_storage: dict[int, set[int]] = {}  # id(storage) -> ids of the leaves over it
        self.lines: dict[int, int | None] = {}  # serial -> line that created it
        self.count = 0

    def serial(self, tensor: Tensor) -> int | None:
        entry = self.serials.get(id(tensor))
        return entry[0] if entry is not None and entry[1]() is tensor else None

    def add(self, tensor: Tensor, line: int | None) -> int:
        serial = self.count
        self.count += 1
        key = id(tensor)

        def forget(_: Any, key: int = key) -> None:
            self.serials.pop(key, None)

        self.serials[key] = (serial, weakref.ref(tensor, forget))
        self.lines[serial] = line
        self.track_storage(tensor)
        return serial

    def track_storage(self, tensor: Tensor) -> None:
        self.by_storage.setdefault(id(_storage(tensor.array)), set()).add(id(tensor))

    def over(self, array: np.ndarray) -> list[Tensor]:
        """The tracked leaves whose data lives in `array`'s memory."""
        storage = _storage(array)
        found = []
        for key in tuple(self.by_storage.get(id(storage), ())):
            entry = self.serials.get(key)
            leaf = entry[1]() if entry is not None else None
            if leaf is not None and _storage(leaf.array) is storage:
                found.append(leaf)
        return found


# --- the instrumented run ----------------------------------------------------------------------------------


@dataclass
class _Pass:
    """What a child saw at one backward pass: roots and the contents of the pass's leaves, by serial."""

    index: int
    roots: list[np.ndarray]
    contents: dict[int, np.ndarray]


@dataclass
class _Probe:
    serial: int
    index: tuple[int, ...]
    sign: int


class _Run:
    """The parent run and, after each fork, the child's view of the same run."""

    def __init__(self, interpreter: Any, max_elements: int | None, max_values: int | None = None,
                 max_probes: int = MAX_PROBES, deadline: float | None = None):
        self.interpreter = interpreter
        self.max_elements = max_elements  # None: every element
        self.max_values = max_values  # None: every value a leaf takes
        self.max_probes = max_probes
        self.deadline = deadline  # time.monotonic() after which no child is forked and stragglers are ended
        self.values: dict[int, int] = {}  # serial -> moments (values) of the leaf nudged so far
        self.unprobed: dict[int, str] = {}  # serial -> why its latest value was not nudged
        self.leaves = _Leaves()
        self.passes = 0  # backward passes seen so far (same count in parent and children)
        self.probes = 0
        self.probe_limit_reached = False
        self.time_limit_near = False
        # parent: child results waiting for their pass; rows of the report
        self.pending: dict[int, list[tuple[_Probe, _Pass]]] = {}
        self.running: list[tuple[int, int, _Probe]] = []  # children not yet collected: (pid, pipe, probe)
        self.rows: dict[tuple[int | None, str], LeafRow] = {}
        self.names: dict[int, str] = {}
        # child only
        self.probe: _Probe | None = None
        self.seen: list[_Pass] = []
        self.pipe: int | None = None
        self._handlers: dict[Any, Callable[[Tensor], None]] = {
            Tensor.__init__.__code__: self._on_created,
            torch_api._set_requires_grad.__code__: self._on_requires_grad,
            Tensor.bump_version.__code__: self._on_write,
            torch_api._set_data.__code__: self._on_data,
        }

    # -- events ------------------------------------------------------------------------------------------

    def profile(self, frame: Any, event: str, arg: Any) -> None:
        if event == "return":
            handler = self._handlers.get(frame.f_code)
            if handler is not None:
                handler(frame.f_locals["self"])

    def _line(self) -> int | None:
        from autodiff.language.interpreter import statement_span_of_frames

        span = statement_span_of_frames(sys._getframe(1))
        return span.line if span is not None else None

    def _on_created(self, tensor: Tensor) -> None:
        if tensor.requires_grad and tensor.grad_fn is None:
            self._moment(tensor, self.leaves.add(tensor, self._line()))

    def _on_requires_grad(self, tensor: Tensor) -> None:
        if tensor.requires_grad and tensor.grad_fn is None and self.leaves.serial(tensor) is None:
            self._moment(tensor, self.leaves.add(tensor, self._line()))

    def _on_write(self, tensor: Tensor) -> None:
        for leaf in self.leaves.over(tensor.array):
            serial = self.leaves.serial(leaf)
            if serial is not None and leaf.requires_grad and leaf.grad_fn is None:
                self._moment(leaf, serial)

    def _on_data(self, tensor: Tensor) -> None:
        serial = self.leaves.serial(tensor)
        if serial is not None:
            self.leaves.track_storage(tensor)
            if tensor.requires_grad and tensor.grad_fn is None:
                self._moment(tensor, serial)

    def _moment(self, leaf: Tensor, serial: int) -> None:
        """`leaf` was just created or written: fork the children that nudge it from here on."""
        if self.probe is not None:
            if serial == self.probe.serial:
                self._finish_child()  # a later moment's children take over from here
            return
        if functional.inside or leaf.array.size == 0 or not leaf.array.flags.writeable:
            return
        self.unprobed.pop(serial, None)
        if self.max_values is not None and self.values.get(serial, 0) >= self.max_values:
            self.unprobed[serial] = (f"nudged at its first {self.max_values} values only; --all checks every "
                                     "backward pass")
            return
        if self.deadline is not None and time.monotonic() > self.deadline:
            self.unprobed[serial] = "the time limit was near"
            self.time_limit_near = True
            return
        self.values[serial] = self.values.get(serial, 0) + 1
        for index in _sampled(leaf.array.shape, self.max_elements):
            for sign in (1, -1):
                if self.probes >= self.max_probes:
                    self.probe_limit_reached = True
                    self.unprobed[serial] = "the probe limit was reached"
                    return
                self.probes += 1
                if self._fork(leaf, _Probe(serial, index, sign)):
                    return  # this is now the child

    # -- children ----------------------------------------------------------------------------------------

    def _fork(self, leaf: Tensor, probe: _Probe) -> bool:
        """Fork a child that runs on with `probe` applied; True in the child, False in the parent.

        Children run while the parent goes on (a few at a time); their reports are collected before the
        parent's next backward pass, the first one they can be about.
        """
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: nudge, then let the script run on
            os.close(read_end)
            for _, other, _ in self.running:
                os.close(other)
            self.probe, self.pipe, self.pending, self.seen, self.running = probe, write_end, {}, [], []
            x = leaf.array[probe.index]
            step = _STEPS.get(leaf.array.dtype, 1e-3) * max(1.0, abs(float(x)))
            leaf.array[probe.index] = x + probe.sign * step
            weakref.finalize(leaf, self._finish_child)
            return True
        os.close(write_end)
        self.running.append((pid, read_end, probe))
        if len(self.running) > _CONCURRENT_CHILDREN:
            self._collect(*self.running.pop(0))
        return False

    def _collect(self, pid: int, read_end: int, probe: _Probe) -> None:
        """Wait for one child and file what it saw under the passes it saw."""
        chunks = []
        if self.deadline is not None and time.monotonic() > self.deadline + _STRAGGLER_SECONDS:
            try:  # past the time limit: what it has not reported by now is not waited for
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        with os.fdopen(read_end, "rb") as reader:
            while chunk := reader.read(1 << 16):
                chunks.append(chunk)
        os.waitpid(pid, 0)
        try:
            passes: list[_Pass] = pickle.loads(b"".join(chunks))
        except (pickle.UnpicklingError, EOFError, ValueError):
            return  # the child died without reporting: nothing to compare
        for seen in passes:
            self.pending.setdefault(seen.index, []).append((probe, seen))

    def collect_all(self) -> None:
        while self.running:
            self._collect(*self.running.pop(0))

    def _finish_child(self) -> None:
        """Report what this child saw to the parent and end the child process."""
        try:
            data = pickle.dumps(self.seen, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(self.pipe, "wb") as writer:  # type: ignore[arg-type]
                writer.write(data)
        finally:
            os._exit(0)

    # -- backward passes ---------------------------------------------------------------------------------

    def on_backward(self, roots: Sequence[Tensor], root_grads: Sequence[Tensor],
                    leaf_grads: list[tuple[Tensor, Tensor]]) -> None:
        if functional.inside:
            return
        index = self.passes
        self.passes += 1
        reached = [(self.leaves.serial(leaf), leaf, grad) for leaf, grad in leaf_grads]
        reached = [(serial, leaf, grad) for serial, leaf, grad in reached if serial is not None]
        if self.probe is not None:
            if any(serial == self.probe.serial for serial, _, _ in reached):
                self.seen.append(_Pass(index, [_float64(root.array) for root in roots],
                                       {serial: _float64(leaf.array) for serial, leaf, _ in reached}))
            return
        self.collect_all()
        self._compare(index, roots, root_grads, reached)

    def _compare(self, index: int, roots: Sequence[Tensor], root_grads: Sequence[Tensor],
                 reached: list[tuple[int, Tensor, Tensor]]) -> None:
        line = self._line_of_backward()
        contents = {serial: _float64(leaf.array) for serial, leaf, _ in reached}
        baseline = _Pass(index, [_float64(root.array) for root in roots], contents)
        weights = [_float64(grad.array) for grad in root_grads]
        finite = all(np.all(np.isfinite(r) | (w == 0)) for w, r in zip(weights, baseline.roots, strict=True))
        grads = {serial: _float64(grad.array) for serial, _, grad in reached}
        noise_eps = max((float(np.finfo(root.array.dtype).eps) for root in roots if root.array.dtype.kind == "f"),
                        default=float(np.finfo(np.float64).eps))
        probes: dict[tuple[int, tuple[int, ...]], dict[int, _Pass]] = {}
        for probe, seen in self.pending.pop(index, []):
            probes.setdefault((probe.serial, probe.index), {})[probe.sign] = seen
        rows = {}
        for serial, leaf, _ in reached:
            name = self._name(serial, leaf)
            row = self.rows.get((line, name))
            if row is None:
                row = self.rows[(line, name)] = LeafRow(line, name, tuple(leaf.array.shape), leaf.dtype.name)
            row.calls.add(index)
            rows[serial] = row
        for serial, leaf, _ in reached:
            row = rows[serial]
            atol, rtol = _TOLERANCES.get(leaf.array.dtype, (1e-4, 1e-2))
            for element in _sampled(leaf.array.shape, self.max_elements):
                pair = probes.get((serial, element), {})
                plus, minus = pair.get(1), pair.get(-1)
                if plus is None or minus is None or set(plus.contents) != set(contents) or set(
                        minus.contents) != set(contents):
                    row.skipped += 1
                    if plus is None or minus is None:
                        row.skip_reason = self.unprobed.get(serial, "the leaf could not be nudged before this pass")
                    else:
                        row.skip_reason = "the nudge changed which leaves the pass reached"
                    continue
                result = _element(element, serial, baseline, plus, minus, weights, grads, noise_eps, atol, rtol
                                  ) if finite else "the output of the pass is nan or inf"
                if isinstance(result, str):
                    row.skipped += 1
                    row.skip_reason = result
                else:
                    result.pass_number = index + 1
                    row.add(result)
        self.pending = {k: v for k, v in self.pending.items() if k > index}

    def _line_of_backward(self) -> int | None:
        from autodiff.language.interpreter import statement_span_of_frames

        span = statement_span_of_frames(sys._getframe(1))
        return span.line if span is not None else None

    def _name(self, serial: int, leaf: Tensor) -> str:
        """The script's name for the leaf now (a variable, `model.weight`, `params[0]`), or where it was made."""
        name = _find_name(leaf, self.interpreter.globals, sys._getframe(1))
        if name is None:
            name = self.names.get(serial)
            if name is None:
                line = self.leaves.lines.get(serial)
                name = f"<leaf from line {line}>" if line is not None else f"<leaf #{serial}>"
        self.names[serial] = name
        return name


def _element(index: tuple[int, ...], serial: int, base: _Pass, plus: _Pass, minus: _Pass,
             weights: list[np.ndarray], grads: dict[int, np.ndarray], noise_eps: float, atol: float,
             rtol: float) -> ElementResult | str:
    """Compare one nudged element: how r changed, against what the gradients of the pass predict.

    Changes that landed in other leaves of the pass (through `.data`, say) are taken out with their own
    gradients. Where the one-sided derivatives differ (a kink: relu or abs at 0, max with ties), any value
    between them is a valid gradient, as PyTorch's choice of one side is.
    Returns why the element could not be compared, if it could not.
    """
    analytical = float(grads[serial][index])
    if not np.isfinite(analytical):
        return "autograd's gradient is not finite there"

    def one_sided(seen: _Pass) -> tuple[float, float]:
        step = float(seen.contents[serial][index] - base.contents[serial][index])
        change = sum(float(np.sum(w * (a - b))) for w, a, b in zip(weights, seen.roots, base.roots, strict=True))
        others = sum(_moved(grads[s], seen.contents[s], base.contents[s]) for s in grads)
        return change - (others - analytical * step), step

    (rise_plus, step_plus), (rise_minus, step_minus) = one_sided(plus), one_sided(minus)
    if step_plus == 0.0 or step_minus == 0.0:
        return "the nudge did not reach this backward pass"
    numerical = (rise_plus - rise_minus) / (step_plus - step_minus)
    if not np.isfinite(numerical):
        return "finite differences are not finite there"
    abs_error = abs(numerical - analytical)
    magnitude = max(abs(analytical), abs(numerical))
    scale = sum(float(np.sum(np.abs(w * a)) + np.sum(np.abs(w * b)))
                for w, a, b in zip(weights, plus.roots, minus.roots, strict=True))
    noise = _NOISE_ULPS * noise_eps * scale / abs(step_plus - step_minus)
    passed = bool(abs_error <= atol + noise + rtol * magnitude)
    kink = None
    if not passed:
        right, left = rise_plus / step_plus, rise_minus / step_minus
        low, high = min(left, right), max(left, right)
        slack = atol + 2 * noise * abs(step_plus - step_minus) / min(abs(step_plus), abs(step_minus)) + rtol * max(
            abs(low), abs(high))
        if high - low > slack and low - slack <= analytical <= high + slack:
            passed, kink = True, (left, right)
    # Relative to the gradient, or to what finite differences can resolve when the gradient is about zero.
    floor = max(magnitude, atol + noise)
    return ElementResult(index, analytical, numerical, abs_error, abs_error / floor, passed, kink)


def _moved(grad: np.ndarray, after: np.ndarray, before: np.ndarray) -> float:
    """sum(grad * (after - before)) over the entries that moved (an untouched nan gradient does not count)."""
    delta = after - before
    return float(np.sum(grad * delta, where=delta != 0))


def _float64(array: np.ndarray) -> np.ndarray:
    return np.array(array, dtype=np.float64)


def _sampled(shape: tuple[int, ...], limit: int | None) -> list[tuple[int, ...]]:
    """At most `limit` element indices, evenly spread over the flattened tensor (all of them if few or if the
    limit is None)."""
    size = int(np.prod(shape, dtype=np.int64))
    if size == 0:
        return []
    if limit is None or size <= limit:
        flat: Sequence[int] = range(size)
    else:
        flat = sorted({int(round(i)) for i in np.linspace(0, size - 1, limit)})
    return [tuple(int(i) for i in np.unravel_index(f, shape)) for f in flat]


def _find_name(leaf: Tensor, globals_: dict[str, Any], frame: Any) -> str | None:
    """Where the script can reach `leaf`: its globals, then the running script functions' locals."""
    scopes = [globals_]
    while frame is not None:  # the interpreter's closures keep a script function's variables in a dict `L`
        if "L" in frame.f_code.co_varnames:
            local_vars = frame.f_locals.get("L")
            if isinstance(local_vars, dict) and not any(local_vars is scope for scope in scopes):
                scopes.append(local_vars)
        frame = frame.f_back
    for scope in scopes:
        for key, value in scope.items():
            if isinstance(key, str) and not key.startswith("."):
                path = _path_to(leaf, value, key, depth=3)
                if path is not None:
                    return path
    return None


def _path_to(leaf: Tensor, value: Any, path: str, depth: int) -> str | None:
    if value is leaf:
        return path
    if depth == 0:
        return None
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value[:64]):
            found = _path_to(leaf, item, f"{path}[{i}]", depth - 1)
            if found is not None:
                return found
    elif isinstance(value, dict):
        for key, item in list(value.items())[:64]:
            found = _path_to(leaf, item, f"{path}[{key!r}]", depth - 1)
            if found is not None:
                return found
    else:
        members = {**(getattr(value, "_parameters", None) or {}), **(getattr(value, "_modules", None) or {})}
        for key, item in members.items():
            found = _path_to(leaf, item, f"{path}.{key}", depth - 1)
            if found is not None:
                return found
    return None


# --- entry point -------------------------------------------------------------------------------------------


def check_source(source: str, filename: str, interpreter: Any, *,
                 max_elements: int | None = DEFAULT_MAX_ELEMENTS, max_values: int | None = None,
                 max_probes: int = MAX_PROBES, timeout: float | None = None) -> CheckReport:
    """Run `source` in `interpreter` (whose output the caller has silenced) and check every backward pass.

    The budget: `max_elements` elements of each leaf (None: all), at its first `max_values` values (None: all),
    at most `max_probes` children; with a `timeout` (the interpreter's own limit, which also stops the children
    it forks), no child is forked after 70% of it has passed, so the report still comes out in time.

    Needs os.fork (Linux, macOS). The script's own errors end the run and are returned in the report.
    """
    if not hasattr(os, "fork"):
        raise RuntimeError("autodiff check needs os.fork, which this platform does not have")
    deadline = time.monotonic() + timeout * _DEADLINE_SHARE if timeout is not None else None
    run = _Run(interpreter, max(1, max_elements) if max_elements is not None else None, max_values,
               max(1, max_probes), deadline)
    error: AutodiffError | None = None
    autograd.backward_observers.append(run.on_backward)
    previous = sys.getprofile()
    sys.setprofile(run.profile)
    try:
        interpreter.run_source(source, filename=filename)
    except AutodiffError as exc:
        error = exc
    finally:
        if run.probe is not None:
            run._finish_child()  # a child never returns to the caller
        sys.setprofile(previous)
        autograd.backward_observers.remove(run.on_backward)
        run.collect_all()
    rows = sorted(run.rows.values(), key=lambda row: (row.backward_line or 0, min(row.calls), row.leaf))
    report = CheckReport(filename, rows, run.passes, run.probes, error, run.probe_limit_reached)
    report.time_limit_near = run.time_limit_near
    report.budget = (max_elements, max_values)
    return report
