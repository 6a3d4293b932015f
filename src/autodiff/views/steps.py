"""What the HTML page shows, recorded while a script runs: each backward pass step by step, as the engine ran it
(`autograd.backward_step_observers`), the script line that recorded each graph node (`autograd.node_observers`),
and, once the script ended, everything else the page needs (RunReport).

Values are copied and formatted as text when they are recorded (a gradient buffer or `.grad` may change later);
the page only shows these texts. The numbers are the engine's own: the gradient that arrived at a node, what its
backward rule sent to each input (after summing a broadcast gradient back to the input's shape, as the engine
does), and each buffer where several gradients add up. Each edge's local derivative is explain.py's factor for it.
"""

from __future__ import annotations

import weakref
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autodiff.engine import autograd
from autodiff.engine.autograd import AccumulateGrad, Node
from autodiff.engine.tensor import Tensor
from autodiff.views.explain import Explainer, PassChains, is_uniform
from autodiff.views.graphview import Graph, NameIndex, PassRecord, Recorder, TensorRow, build_graph, tensor_rows

FIRST_PASSES = 10  # passes kept from the start of a run ...
LAST_PASSES = 10  # ... and from its end (a training loop runs thousands)
MAX_STEPS = 500  # steps kept per pass
MAX_LOCATED = 200_000  # nodes whose creating line is remembered
MAX_DRAWN = 400  # a pass's graph with more nodes is listed step by step but not drawn


def value_text(array: np.ndarray | None) -> dict[str, Any] | None:
    """An array as the page shows it: its text (long dimensions cut as the table cuts them), its shape, and the
    single number all its elements equal, when they do (explain's shorthand)."""
    from autodiff.views.render import format_array, format_number, format_shape

    if array is None:
        return None
    uniform = format_number(array.reshape(-1)[0]) if array.size > 1 and is_uniform(array) else None
    return {"text": format_array(array), "shape": format_shape(array.shape), "uniform": uniform}


@dataclass
class PassSteps:
    """One backward pass as the page replays it."""

    number: int
    record: PassRecord
    graph: Graph
    ids: dict[Node, str]
    arrivals_expected: dict[str, int]
    grads_before: dict[str, dict[str, Any] | None]  # leaf node id -> its .grad when the pass started
    names: NameIndex
    steps: list[dict[str, Any]] = field(default_factory=list)
    pending: list[tuple[Node, list[tuple[int, Node]]]] = field(default_factory=list)  # to look factors up later
    arrivals: dict[str, int] = field(default_factory=dict)
    omitted: int = 0


class StepRecorder:
    """Hooks into a Recorder (passes start and end) and into the engine (each step, each node created)."""

    def __init__(self, recorder: Recorder, locate: Callable[[], int | None] | None = None):
        self.recorder = recorder
        self.locate = locate
        self.first: list[PassSteps] = []
        self.last: deque[PassSteps] = deque(maxlen=LAST_PASSES)
        self.total = 0
        self.current: PassSteps | None = None
        self.lines: weakref.WeakKeyDictionary[Node, int] = weakref.WeakKeyDictionary()
        self.located = 0
        recorder.start_hooks.append(self._start)
        recorder.finish_hooks.append(self._finish)

    @contextmanager
    def installed(self) -> Iterator[StepRecorder]:
        autograd.backward_step_observers.append(self._step)
        if self.locate is not None:
            autograd.node_observers.append(self._created)
        try:
            yield self
        finally:
            autograd.backward_step_observers.remove(self._step)
            if self.locate is not None:
                autograd.node_observers.remove(self._created)

    @property
    def passes(self) -> list[PassSteps]:
        return self.first + list(self.last)

    def _created(self, node: Node) -> None:
        if self.located >= MAX_LOCATED or self.locate is None:
            return
        try:
            line = self.locate()
        except Exception as exc:  # never disturb the script
            self.recorder.errors.append(exc)
            return
        if line is not None:
            self.lines[node] = line
            self.located += 1

    def _start(self, record: PassRecord, capture: Sequence[Node] | None, names: NameIndex) -> None:
        self.total += 1
        graph = build_graph(record.roots, names, self.recorder.saved)
        ids = {node: node_id for node_id, node in graph.engine_nodes.items()}
        for node_id, graph_node in graph.nodes.items():  # a leaf that is itself a root has no node yet
            if graph_node.kind == "leaf" and node_id not in graph.engine_nodes and graph_node.tensor is not None:
                ids[graph_node.tensor._accumulator()] = node_id
        expected: dict[str, int] = {}
        for source, _, _ in graph.edges():
            expected[source] = expected.get(source, 0) + 1
        before = {}
        for node_id, graph_node in graph.nodes.items():
            if graph_node.kind == "leaf" and graph_node.tensor is not None:
                grad = graph_node.tensor.grad
                before[node_id] = value_text(grad.array) if type(grad) is Tensor else None
        steps = PassSteps(record.number, record, graph, ids, expected, before, names)
        self.current = steps
        if len(self.first) < FIRST_PASSES:
            self.first.append(steps)
        else:
            self.last.append(steps)

    def _finish(self, record: PassRecord) -> None:
        if self.current is not None and self.current.record is record:
            self.current = None

    def _step(self, node: Node, grad: Tensor, sent: list[tuple[int, Tensor | None, Tensor | None]]) -> None:
        steps = self.current
        if steps is None:
            return
        if len(steps.steps) >= MAX_STEPS:
            steps.omitted += 1
            return
        try:
            steps.steps.append(self._describe(steps, node, grad, sent))
        except Exception as exc:  # never disturb the script
            self.recorder.errors.append(exc)

    def _describe(self, steps: PassSteps, node: Node, grad: Tensor,
                  sent: list[tuple[int, Tensor | None, Tensor | None]]) -> dict[str, Any]:
        node_id = steps.ids.get(node)
        step: dict[str, Any] = {"node": node_id, "op": node.name, "arrived": value_text(grad.array), "sends": []}
        if type(node) is AccumulateGrad:
            leaf = node.leaf
            after = leaf.grad
            step["leaf"] = {
                "name": steps.names.of_tensor(leaf),
                "before": steps.grads_before.get(node_id) if node_id is not None else None,
                "after": value_text(after.array) if type(after) is Tensor else None,
                "captured": steps.record.captures,
            }
        if node.retained:
            step["retained"] = [steps.names.of_tensor(t) or "(unnamed)" for t in node.retained]
        children = []
        for index, value, total in sent:
            child = node.next_nodes[index]
            child_id = steps.ids.get(child) if child is not None else None
            arrival = None
            if value is not None and child_id is not None:
                arrival = steps.arrivals[child_id] = steps.arrivals.get(child_id, 0) + 1
            step["sends"].append({
                "input": index, "to": child_id, "value": value_text(value.array) if value is not None else None,
                "total": value_text(total.array) if total is not None else None, "arrival": arrival,
                "arrivals": steps.arrivals_expected.get(child_id, 0) if child_id is not None else 0,
            })
            if child is not None:
                children.append((index, child))
        steps.pending.append((node, children))
        return step


def factor_texts(chains: PassChains | None, node: Node, index: int) -> dict[str, str] | None:
    """explain.py's factor for one edge, as text: `dy/dx2` and `w2 = 6` (or `g ↦ g · W2ᵀ`)."""
    from autodiff.views.render import _factor_name, _factor_value

    if chains is None:
        return None
    factor = chains.factors.get((node, index))
    if factor is None:
        return None
    return {"d": _factor_name(factor), "op": factor.op, "factor": _factor_value(factor),
            "elementwise": "yes" if factor.elementwise else "no"}


def finish_pass(steps: PassSteps) -> dict[str, Any]:
    """A pass as the page's data: its roots, the gradient fed in, and each step with explain's labels and factors."""
    from autodiff.views.render import format_shape

    chains = steps.record.extra if isinstance(steps.record.extra, PassChains) else None
    labels = chains.labels if chains is not None else {}

    def label(node: Node | None, node_id: str | None) -> str | None:
        if node is not None and node in labels:
            return labels[node]
        if node_id is not None:
            graph_node = steps.graph.nodes[node_id]
            return graph_node.name
        return None

    for step, (node, children) in zip(steps.steps, steps.pending):
        step["label"] = label(node, step["node"])
        for send, (index, child) in zip(step["sends"], children):
            send["to_label"] = label(child, send["to"])
            texts = factor_texts(chains, node, index)
            if texts is not None:
                send.update(texts)
    roots = []
    for tensor, grad in zip(steps.record.roots, steps.record.root_grads):
        roots.append({"name": steps.names.of_tensor(tensor), "shape": format_shape(tuple(tensor.array.shape)),
                      "op": tensor.grad_fn.name if tensor.grad_fn is not None else "AccumulateGrad",
                      "fed": value_text(grad.array)})
    return {
        "number": steps.number,
        "roots": roots,
        "captures": steps.record.captures,
        "completed": steps.record.completed,
        "steps": steps.steps,
        "omitted": steps.omitted,
        "drawn": len(steps.graph.nodes) <= MAX_DRAWN,
        "note": chains.note if chains is not None else None,
    }


@dataclass
class RunReport:
    """Everything the page shows about one run."""

    source: str
    filename: str
    output: list[tuple[int | None, str]]  # what the script printed, by the line that printed it
    warnings: list[tuple[str, str, int | None]]
    error: dict[str, Any] | None
    rows: list[TensorRow]
    graph: Graph | None  # the graph `autodiff graph` would draw
    graph_title: str
    passes: list[tuple[Graph, dict[str, Any]]]
    pass_total: int
    node_lines: dict[str, int]  # graph node id -> the script line that recorded it (main graph)
    node_factors: dict[str, list[dict[str, Any]]]  # graph node id -> its local derivatives (from the last pass)
    pass_node_lines: list[dict[str, int]] = field(default_factory=list)
    exit_status: int = 0

    @classmethod
    def collect(cls, *, source: str, filename: str, host: Any, explainer: Explainer, steps: StepRecorder,
                output: list[tuple[int | None, str]], warnings: Sequence[tuple[str, str, Any]],
                error: dict[str, Any] | None, roots: Sequence[Tensor], title: str,
                binding_lines: Mapping[str, int]) -> RunReport:
        names = host.names()
        rows = tensor_rows(names.named, host.recorder)
        graph = build_graph(roots, names, host.recorder.saved) if roots else None
        passes = [(kept.graph, finish_pass(kept)) for kept in steps.passes]
        node_lines = _lines(graph, steps, binding_lines) if graph is not None else {}
        node_factors = _node_factors(graph, explainer) if graph is not None else {}
        return cls(source, filename, output,
                   [(category, message, span.line if span is not None else None) for category, message, span in
                    warnings],
                   error, rows, graph, title, passes, steps.total, node_lines, node_factors,
                   [_lines(kept.graph, steps, binding_lines) for kept in steps.passes],
                   0 if error is None else 1)


def _lines(graph: Graph, steps: StepRecorder, binding_lines: Mapping[str, int]) -> dict[str, int]:
    """The script line behind each drawn node: where a leaf's or constant's name was first bound, where a grad_fn
    was recorded (or its name bound, when the node was recorded before the page started looking)."""
    found = {}
    for node_id, graph_node in graph.nodes.items():
        line = None
        if graph_node.kind in ("leaf", "constant") and graph_node.name is not None:
            line = binding_lines.get(graph_node.name.split(".")[0])
        if line is None:
            node = graph.engine_nodes.get(node_id)
            line = steps.lines.get(node) if node is not None else None
        if line is None and graph_node.name is not None:
            line = binding_lines.get(graph_node.name.split(".")[0])
        if line is not None:
            found[node_id] = line
    return found


def _node_factors(graph: Graph, explainer: Explainer) -> dict[str, list[dict[str, Any]]]:
    """For each grad_fn node: its local derivative for each input, from the last explained pass through it."""
    found: dict[str, list[dict[str, Any]]] = {}
    for node_id, node in graph.engine_nodes.items():
        if type(node) is AccumulateGrad:
            continue
        for chains in reversed(explainer.passes):
            texts = [factor_texts(chains, node, index) for index in range(len(node.next_nodes))]
            if any(text is not None for text in texts):
                found[node_id] = [dict(text, input=str(index)) for index, text in enumerate(texts)
                                  if text is not None]
                break
    return found
