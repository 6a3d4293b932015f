"""Views over the engine's public state (no rich, no arithmetic on values): which script names hold which tensors,
why a `.grad` is None, what each backward pass did, and the graph behind a tensor as a structure, DOT, Mermaid or JSON.

The rendering of these structures as rich tables and trees is render.py's; the chain-rule factors are explain.py's.
"""

from __future__ import annotations

import weakref
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from autodiff.engine import autograd
from autodiff.engine.autograd import AccumulateGrad, Node
from autodiff.engine.tensor import Tensor

MAX_GRAPH_NODES = 2000  # a drawing stops growing here (and says so)


# --- names ------------------------------------------------------------------------------------------------------------


def named_tensors(variables: Mapping[str, Any]) -> list[tuple[str, Tensor]]:
    """Every tensor a script variable holds, in the order the names were first bound: `x` for a tensor, and
    `model.weight` for each parameter of a module held in `model`."""
    from autodiff.torch.nn.modules.module import Module

    found: list[tuple[str, Tensor]] = []
    for name, value in list(variables.items()):
        if not isinstance(name, str) or not name.isidentifier():
            continue
        if type(value) is Tensor:
            found.append((name, value))
        elif isinstance(value, Module):
            try:
                found.extend((f"{name}.{pname}", param) for pname, param in value.named_parameters())
            except Exception:  # a half-built module: show what can be shown
                continue
    return found


class NameIndex:
    """Looks up the script's name for a tensor, and for the graph node a named tensor owns (first name wins)."""

    def __init__(self, variables: Mapping[str, Any] | None):
        self.named = named_tensors(variables) if variables is not None else []
        self.by_tensor: dict[int, str] = {}
        self.by_node: dict[Node, str] = {}
        self.tensor_of_node: dict[Node, Tensor] = {}
        self.fed: dict[int, str] = {}  # id of a named non-leaf tensor -> a note on the unnamed leaf under it
        self.source_lines: Sequence[str] = ()  # the script's text, when the index labels unnamed leaves
        for name, tensor in self.named:
            self.by_tensor.setdefault(id(tensor), name)
            if tensor.grad_fn is not None and tensor.grad_fn not in self.by_node:
                self.by_node[tensor.grad_fn] = name
                self.tensor_of_node[tensor.grad_fn] = tensor

    def add_unnamed_leaves(self, recorder: Recorder | None, source_lines: Sequence[str]) -> None:
        """Name the leaves no variable holds but a backward pass reached (`w = 5 * ones(2, requires_grad=True)`
        gives its gradient to the unnamed `ones(...)`), as `<line 1: ones(2, requires_grad=True)>`; remember
        which named tensor each feeds (`fed`), for the table's note."""
        if recorder is None or not recorder.reached:
            return
        for name, tensor in list(self.named):
            if tensor.grad_fn is None:
                continue
            for leaf in self._unnamed_leaves_under(tensor.grad_fn, recorder):
                label = self.by_tensor.get(id(leaf))
                if label is None:
                    label = unnamed_leaf_label(name, leaf, source_lines)
                    self.by_tensor[id(leaf)] = label
                    self.named.append((label, leaf))
                if id(tensor) not in self.fed:
                    self.fed[id(tensor)] = f"non-leaf: its leaf is {label}" + _leaf_fix(name, source_lines)

    def _unnamed_leaves_under(self, root: Node, recorder: Recorder) -> list[Tensor]:
        found = []
        seen = {root}
        queue = deque([root])
        while queue:
            node = queue.popleft()
            for child in node.next_nodes:
                if child is not None and child not in seen and child not in self.by_node:  # a named one says itself
                    seen.add(child)
                    queue.append(child)
            if type(node) is AccumulateGrad:
                leaf = node.leaf
                if leaf is None or not recorder.was_reached(leaf):
                    continue
                label = self.by_tensor.get(id(leaf))
                if label is None or label.startswith("<"):
                    found.append(leaf)
        return found

    def leaf_label(self, leaf: Tensor, source_lines: Sequence[str]) -> str | None:
        """`<line N: CALL>` for an unnamed leaf that a named tensor's graph reaches directly (None if none)."""
        for name, tensor in self.named:
            if tensor.grad_fn is not None and any(type(child) is AccumulateGrad and child.leaf is leaf
                                                  for child in tensor.grad_fn.next_nodes):
                return unnamed_leaf_label(name, leaf, source_lines)
        return None

    def tensor(self, name: str) -> Tensor | None:
        for candidate, tensor in self.named:
            if candidate == name:
                return tensor
        return None

    def of_tensor(self, tensor: Tensor) -> str | None:
        return self.by_tensor.get(id(tensor))

    def of_node(self, node: Node) -> str | None:
        if type(node) is AccumulateGrad:
            return self.by_tensor.get(id(node.leaf))
        return self.by_node.get(node)


def unnamed_leaf_label(consumer: str, leaf: Tensor, source_lines: Sequence[str]) -> str:
    """`<line N: CALL>` for the call with requires_grad=True in the last assignment to `consumer` (else the
    leaf's shape)."""
    import re

    pattern = re.compile(rf"^\s*{re.escape(consumer)}\s*=(?!=)(.*)$")
    for number in range(len(source_lines), 0, -1):
        match = pattern.match(source_lines[number - 1])
        if match:
            calls = [call for call in _calls(match.group(1)) if re.search(r"requires_grad\s*=\s*True", call)]
            if len(calls) == 1:
                return f"<line {number}: {calls[0]}>"
            return f"<line {number}: a leaf {list(leaf.array.shape)}>"
    return f"<a leaf {list(leaf.array.shape)}>"


def _calls(text: str) -> list[str]:
    """The innermost calls `name(...)` in `text` that contain no other call's parentheses around them."""
    import re

    calls = []
    for match in re.finditer(r"[A-Za-z_][\w.]*\(", text):
        depth, end = 0, None
        for position in range(match.end() - 1, len(text)):
            depth += {"(": 1, ")": -1}.get(text[position], 0)
            if depth == 0:
                end = position + 1
                break
        if end is not None:
            calls.append(text[match.start():end])
    return calls


def _leaf_fix(name: str, source_lines: Sequence[str]) -> str:
    """The usual fix, when the assignment to `name` is one line: `; to make w1 the leaf: w1 = (5 *
    ones(2, 2)).requires_grad_()`."""
    import re

    pattern = re.compile(rf"^\s*{re.escape(name)}\s*=(?!=)(.*)$")
    for number in range(len(source_lines), 0, -1):
        match = pattern.match(source_lines[number - 1])
        if match:
            value = re.sub(r",\s*requires_grad\s*=\s*True|requires_grad\s*=\s*True,?\s*", "",
                           match.group(1).split("#")[0].strip().rstrip(";"))
            return f"; to make {name} the leaf: {name} = ({value}).requires_grad_()"
    return ""


# --- what backward passes did -----------------------------------------------------------------------------------------


# The records below are plain classes, not dataclasses: this module is imported by every run, and @dataclass
# compiles its generated methods at import (~1 ms a class).


class PassRecord:
    """One backward pass: its roots (and their names when it started), the gradients fed in, and, once it
    completed, the gradient it delivered to each leaf (for autograd.grad: to each leaf among its inputs)."""

    def __init__(self, number: int, roots: list[Tensor], root_names: list[str | None], root_grads: list[Tensor],
                 captures: bool):
        self.number = number
        self.roots = roots
        self.root_names = root_names
        self.root_grads = root_grads
        self.captures = captures  # autograd.grad or backward(inputs=...): gradients returned, not accumulated
        self.completed = False
        self.delivered: list[tuple[Tensor, Tensor]] = []
        self.grads_after: list[np.ndarray | None] = []  # each delivered leaf's .grad after the pass
        self.extra: Any = None  # explain.py's reading of the pass


StartHook = Callable[[PassRecord, Sequence[Node] | None, "NameIndex"], None]
FinishHook = Callable[[PassRecord], None]


class Recorder:
    """Watches backward passes through the engine's observer hooks while a script runs.

    `keep_saved` remembers each node's saved tensors before the pass frees them, so a drawing made after
    backward can still name a constant input. `start_hooks`/`finish_hooks` let explain.py read a pass.
    """

    def __init__(self, variables: Callable[[], Mapping[str, Any] | None], *, keep_saved: bool = False):
        self.variables = variables
        self.keep_saved = keep_saved
        self.started = 0
        self.completed = 0
        self.last: PassRecord | None = None
        self.reached: dict[int, weakref.ref[Tensor]] = {}  # by id: Tensor's == is elementwise, not identity
        self.saved: weakref.WeakKeyDictionary[Node, tuple[Tensor, ...]] = weakref.WeakKeyDictionary()
        self.start_hooks: list[StartHook] = []
        self.finish_hooks: list[FinishHook] = []
        self.errors: list[BaseException] = []  # a view's own failures: they must never reach the script
        self._pending: list[PassRecord] = []

    def was_reached(self, tensor: Tensor) -> bool:
        ref = self.reached.get(id(tensor))
        return ref is not None and ref() is tensor

    @contextmanager
    def installed(self) -> Iterator[Recorder]:
        autograd.backward_starters.append(self._start)
        autograd.backward_observers.append(self._finish)
        try:
            yield self
        finally:
            autograd.backward_starters.remove(self._start)
            autograd.backward_observers.remove(self._finish)

    def _start(self, roots: Sequence[Tensor], root_grads: Sequence[Tensor], capture: Sequence[Node] | None) -> None:
        self.started += 1
        try:
            names = NameIndex(self.variables()) if self.start_hooks else None
            if names is not None:  # explain labels unnamed leaves by the line that made them
                owner = getattr(getattr(self.variables, "__self__", None), "interpreter", None)
                names.source_lines = getattr(owner, "_source_lines", ())
            record = PassRecord(self.started, list(roots), [names.of_tensor(t) for t in roots] if names else [],
                                list(root_grads), capture is not None)
            self._pending.append(record)
            if self.keep_saved:
                for node in walk_nodes([t.grad_fn for t in roots if t.grad_fn is not None]):
                    if node.saved and node not in self.saved:
                        self.saved[node] = node.saved
            for hook in self.start_hooks:
                hook(record, capture, names)
        except Exception as exc:  # never disturb the script
            self.errors.append(exc)

    def _finish(self, roots: Sequence[Tensor], root_grads: Sequence[Tensor],
                delivered: list[tuple[Tensor, Tensor]]) -> None:
        if not self._pending:
            return
        record = self._pending[-1]
        self._pending.clear()  # a pass that raised never finishes; passes do not nest
        try:
            record.completed = True
            record.delivered = list(delivered)
            if self.finish_hooks:  # explain compares with .grad as the pass left it
                record.grads_after = [None if leaf.grad is None else leaf.grad.array.copy() for leaf, _ in delivered]
            for leaf, _ in delivered:
                self.reached[id(leaf)] = weakref.ref(leaf)
            self.completed += 1
            self.last = record
            for hook in self.finish_hooks:
                hook(record)
        except Exception as exc:  # never disturb the script
            self.errors.append(exc)


def walk_nodes(roots: Sequence[Node]) -> Iterator[Node]:
    """Every node reachable from `roots`, breadth first, each once (iterative: deep graphs are fine)."""
    seen: set[Node] = set(roots)
    queue = deque(roots)
    while queue:
        node = queue.popleft()
        yield node
        for child in node.next_nodes:
            if child is not None and child not in seen:
                seen.add(child)
                queue.append(child)


# --- the variable table -----------------------------------------------------------------------------------------------


class TensorRow:
    """One named tensor as the table and the JSON document show it."""

    def __init__(self, *, name: str, shape: tuple[int, ...], dtype: str, value: np.ndarray, requires_grad: bool,
                 is_leaf: bool, grad_fn: str | None, grad: np.ndarray | None, grad_note: str | None,
                 retains_grad: bool, is_parameter: bool):
        self.name = name
        self.shape = shape
        self.dtype = dtype
        self.value = value
        self.requires_grad = requires_grad
        self.is_leaf = is_leaf
        self.grad_fn = grad_fn
        self.grad = grad
        self.grad_note = grad_note  # why grad is None
        self.retains_grad = retains_grad
        self.is_parameter = is_parameter


def grad_none_reason(tensor: Tensor, recorder: Recorder | None) -> str | None:
    """Why `tensor.grad` is None, in a few words (None when it is not)."""
    if tensor.grad is not None:
        return None
    if not tensor.requires_grad:
        return "requires_grad=False"
    if not tensor.is_leaf and not tensor.retains_grad:
        return "non-leaf: call retain_grad()"
    if recorder is None:
        return "no gradient yet"
    if recorder.completed == 0:
        return "no backward yet"
    if recorder.was_reached(tensor):
        return "set to None after backward"
    return "not reached by backward"


def tensor_rows(named: Sequence[tuple[str, Tensor]], recorder: Recorder | None,
                notes: Mapping[int, str] | None = None) -> list[TensorRow]:
    """The table's rows; `notes` (NameIndex.fed) replace the note of a non-leaf that an unnamed leaf feeds."""
    rows = []
    for name, tensor in named:
        grad = tensor.grad
        rows.append(TensorRow(
            name=name, shape=tuple(tensor.array.shape), dtype=repr(tensor.dtype), value=tensor.array,
            requires_grad=tensor.requires_grad, is_leaf=tensor.is_leaf,
            grad_fn=tensor.grad_fn.name if tensor.grad_fn is not None else None,
            grad=grad.array if type(grad) is Tensor else None,
            grad_note=(notes or {}).get(id(tensor)) if grad is None and not tensor.is_leaf and
            not tensor.retains_grad and notes and id(tensor) in notes else grad_none_reason(tensor, recorder),
            retains_grad=tensor.retains_grad, is_parameter=tensor.is_parameter))
    return rows


# --- the graph --------------------------------------------------------------------------------------------------------

# Which saved tensor was input i, for ops whose saved tensors are known: a None edge (an input that does not
# require grad) can then be drawn as that tensor. Mirrors what ops.py saves; anything else is "(constant)".
_SAVED_IS_INPUT = {"PowBackward1", "MaximumBackward0", "MinimumBackward0", "MseLossBackward0",
                   "SmoothL1LossBackward0", "BinaryCrossEntropyBackward0"}
# Products save each factor only when the other factor needs a gradient (ops._saved_for_product).
_PRODUCTS = {"MulBackward0", "MmBackward0", "MvBackward0", "DotBackward0", "AddmmBackward0"}


def constant_input(node: Node, index: int, saved: tuple[Tensor, ...]) -> Tensor | None:
    """The tensor behind input `index` of `node` where that input does not require grad, if the saved tensors
    tell which one it was (None otherwise: a Python number, or an op that saves nothing)."""
    candidate: Any = None
    if node.name in _PRODUCTS and len(saved) == 1:
        # One factor saved: the one whose partner needs a gradient, so the constant input itself
        # (for addmm, only a matrix: its bias is never saved).
        if node.name != "AddmmBackward0" or index > 0:
            candidate = saved[0]
    elif node.name == "DivBackward0" and saved:
        candidate = saved[0] if index == 0 else saved[-1]
    elif node.name in _SAVED_IS_INPUT and len(saved) == len(node.next_nodes):
        candidate = saved[index]
    if type(candidate) is Tensor and not candidate.requires_grad:
        return candidate
    return None


class GraphNode:
    """A node of the drawing: a grad_fn ("function"), a leaf's AccumulateGrad ("leaf") or an input that does not
    require grad ("constant"). `inputs` lists the ids of its inputs in order (edges run input -> node)."""

    def __init__(self, id: str, kind: str, op: str, name: str | None = None,  # noqa: A002 - the document's key
                 shape: tuple[int, ...] | None = None, dtype: str | None = None, inputs: list[str] | None = None,
                 tensor: Tensor | None = None, hooks: list[str] | None = None):
        self.id = id
        self.kind = kind
        self.op = op
        self.name = name
        self.shape = shape
        self.dtype = dtype
        self.inputs = inputs if inputs is not None else []
        # The tensor the node stands for where autodiff knows it (a leaf, a named output, a saved constant): the
        # picture views (svg.py, html.py) show its value and grad. Not part of the JSON document.
        self.tensor = tensor
        # Hooks registered on the node or on the tensor whose gradient it receives ("hook scale", "pre-hook show").
        self.hooks = hooks if hooks is not None else []


class Graph:
    def __init__(self, roots: list[str], nodes: dict[str, GraphNode], truncated: bool = False,
                 engine_nodes: dict[str, Node] | None = None):
        self.roots = roots
        self.nodes = nodes
        self.truncated = truncated
        # The engine's node behind each function and leaf id (the HTML page matches backward's steps to drawn
        # nodes).
        self.engine_nodes = engine_nodes if engine_nodes is not None else {}

    def edges(self) -> list[tuple[str, str, int]]:
        """(input id, node id, input index) for every edge, in node order."""
        return [(source, node.id, index) for node in self.nodes.values() for index, source in enumerate(node.inputs)]


def build_graph(roots: Sequence[Tensor], names: NameIndex, saved: Mapping[Node, tuple[Tensor, ...]] | None = None,
                *, max_nodes: int = MAX_GRAPH_NODES) -> Graph:
    """The graph behind `roots`, breadth first from them. Works after backward (it reads only the structure)."""
    nodes: dict[str, GraphNode] = {}
    ids: dict[Node, str] = {}
    constant_ids: dict[int, str] = {}
    engine_nodes: dict[str, Node] = {}
    queue: deque[Node] = deque()
    counter = {"n": 0, "c": 0}
    truncated = False

    def new_id(prefix: str) -> str:
        counter[prefix] += 1
        return f"{prefix}{counter[prefix]}"

    def describe(tensor: Tensor | None) -> tuple[str | None, tuple[int, ...] | None, str | None]:
        if tensor is None:
            return None, None, None
        return names.of_tensor(tensor), tuple(tensor.array.shape), repr(tensor.dtype)

    def node_id(node: Node) -> str:
        found = ids.get(node)
        if found is not None:
            return found
        found = ids[node] = new_id("n")
        engine_nodes[found] = node
        if type(node) is AccumulateGrad:
            name, shape, dtype = describe(node.leaf)
            nodes[found] = GraphNode(found, "leaf", "AccumulateGrad", name, shape, dtype, tensor=node.leaf)
        else:
            output = names.tensor_of_node.get(node)
            name, shape, dtype = describe(output)
            nodes[found] = GraphNode(found, "function", node.name, name, shape, dtype, tensor=output)
            queue.append(node)
        nodes[found].hooks = hook_labels(node)
        return found

    def constant_id(tensor: Tensor | None) -> str:
        if tensor is not None and id(tensor) in constant_ids:
            return constant_ids[id(tensor)]
        found = new_id("c")
        name, shape, dtype = describe(tensor)
        nodes[found] = GraphNode(found, "constant", "constant", name, shape, dtype, tensor=tensor)
        if tensor is not None:
            constant_ids[id(tensor)] = found
        return found

    root_ids = []
    for tensor in roots:
        if not tensor.requires_grad:
            root_ids.append(constant_id(tensor))
        elif tensor.grad_fn is None:
            found = new_id("n")
            name, shape, dtype = describe(tensor)
            nodes[found] = GraphNode(found, "leaf", "AccumulateGrad", name, shape, dtype, tensor=tensor)
            if tensor._accumulator_node is not None:
                nodes[found].hooks = hook_labels(tensor._accumulator_node)
            root_ids.append(found)
        else:
            root_ids.append(node_id(tensor.grad_fn))
            graph_node = nodes[root_ids[-1]]
            if graph_node.shape is None:
                graph_node.shape, graph_node.dtype = tuple(tensor.array.shape), repr(tensor.dtype)
            if graph_node.tensor is None:
                graph_node.tensor = tensor
    while queue:
        node = queue.popleft()
        graph_node = nodes[ids[node]]
        if len(nodes) > max_nodes:
            truncated = True
            break
        node_saved = node.saved or (saved.get(node, ()) if saved is not None else ())
        for index, child in enumerate(node.next_nodes):
            if child is None:
                graph_node.inputs.append(constant_id(constant_input(node, index, node_saved)))
            else:
                graph_node.inputs.append(node_id(child))
    return Graph(root_ids, nodes, truncated, engine_nodes)


_HOOK_KINDS = (("tensor_pre", "hook"), ("pre", "pre-hook"), ("post", "post-hook"),
               ("post_accumulate", "post-accumulate hook"))


def hook_labels(node: Node) -> list[str]:
    """What is hooked on a node, in registration order per kind: `hook scale`, `pre-hook show`, ..."""
    hooks = node.hooks
    if not hooks:
        return []
    labels = []
    for attribute, kind in _HOOK_KINDS:
        for hook in getattr(hooks, attribute).values():
            name = getattr(hook, "__name__", None) or getattr(hook, "name", None) or "hook"
            labels.append(f"{kind} {name}")
    return labels


def node_label_lines(node: GraphNode) -> list[str]:
    """The text of a node in DOT and Mermaid: its op, then the variable (and shape) where known, then its hooks."""
    if node.kind == "constant":
        head = "(constant)"
        detail = node.name
    else:
        head = node.op
        detail = node.name
    shape = f"[{', '.join(str(n) for n in node.shape)}]" if node.shape is not None else None
    if detail is not None:
        lines = [head, f"{detail} {shape}" if shape is not None else detail]
    elif node.kind != "function" and shape is not None:
        lines = [head, shape]
    else:
        lines = [head]
    if node.hooks:
        lines.append(", ".join(node.hooks))
    return lines


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(graph: Graph, title: str = "autograd") -> str:
    """Graphviz DOT: edges run from each input to the node that used it (as torchviz draws them)."""
    lines = [f"digraph {_dot_quote(title)} {{",
             '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica"];']
    fills = {"leaf": "#dbeafe", "constant": "#f3f4f6"}
    for node in graph.nodes.values():
        label = "\\n".join(_dot_quote(line)[1:-1] for line in node_label_lines(node))
        attributes = [f'label="{label}"']
        if node.kind in fills:
            attributes.append(f'fillcolor="{fills[node.kind]}"')
        if node.kind == "constant":
            attributes.append('style="rounded,filled,dashed"')
        if node.id in graph.roots:
            attributes.append("penwidth=2")
        lines.append(f"  {node.id} [{', '.join(attributes)}];")
    for source, target, _ in graph.edges():
        lines.append(f"  {source} -> {target};")
    if graph.truncated:
        lines.append(f'  truncated [label="... more than {MAX_GRAPH_NODES} nodes", shape=plaintext];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    return text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def to_mermaid(graph: Graph) -> str:
    """A Mermaid flowchart (paste it into Markdown inside a ```mermaid block)."""
    lines = ["flowchart TB"]
    for node in graph.nodes.values():
        label = "<br/>".join(_mermaid_text(line) for line in node_label_lines(node))
        lines.append(f'  {node.id}["{label}"]')
    for source, target, _ in graph.edges():
        lines.append(f"  {source} --> {target}")
    lines.append("  classDef leaf fill:#dbeafe,stroke:#1e40af")
    lines.append("  classDef constant fill:#f3f4f6,stroke:#6b7280,stroke-dasharray:4 3")
    for kind in ("leaf", "constant"):
        members = [node.id for node in graph.nodes.values() if node.kind == kind]
        if members:
            lines.append(f"  class {','.join(members)} {kind}")
    if graph.truncated:
        lines.append(f"  %% truncated after {MAX_GRAPH_NODES} nodes")
    return "\n".join(lines) + "\n"


def graph_document(graph: Graph) -> dict[str, Any]:
    """The graph as JSON-ready data (keys documented in docs/views.md)."""
    return {
        "roots": list(graph.roots),
        "nodes": [{"id": node.id, "kind": node.kind, "op": node.op, "name": node.name,
                   "shape": list(node.shape) if node.shape is not None else None, "dtype": node.dtype,
                   "inputs": list(node.inputs), **({"hooks": list(node.hooks)} if node.hooks else {})}
                  for node in graph.nodes.values()],
        "edges": [{"from": source, "to": target, "input": index} for source, target, index in graph.edges()],
        "truncated": graph.truncated,
    }


# --- JSON -------------------------------------------------------------------------------------------------------------


def json_data(array: np.ndarray) -> Any:
    """Nested lists for JSON: float32/float16 as the shortest decimals that read back to the same value;
    nan and infinities (which JSON lacks) as the strings "nan", "inf", "-inf"."""
    if array.dtype.kind != "f":
        return array.tolist()
    if array.dtype != np.float64:
        array = array.astype(str).astype(np.float64)
    if bool(np.isfinite(array).all()):
        return array.tolist()
    return _replace_non_finite(array.tolist())


def _replace_non_finite(value: Any) -> Any:
    if isinstance(value, list):
        return [_replace_non_finite(item) for item in value]
    if value != value:
        return "nan"
    if value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    return value


def tensor_document(row: TensorRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "shape": list(row.shape),
        "dtype": row.dtype,
        "data": json_data(row.value),
        "requires_grad": row.requires_grad,
        "is_leaf": row.is_leaf,
        "grad_fn": row.grad_fn,
        "grad": json_data(row.grad) if row.grad is not None else None,
        "grad_note": row.grad_note,
        "retains_grad": row.retains_grad,
        "is_parameter": row.is_parameter,
    }


def run_document(output: str, warnings: Sequence[tuple[str, str, Any]], rows: Sequence[TensorRow],
                 error: dict[str, Any] | None, exit_status: int) -> dict[str, Any]:
    """`autodiff run --json`: what the script printed, its warnings, its named tensors, and its error."""
    lines = output.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    tensors: dict[str, Any] = {}
    for row in rows:
        tensors.setdefault(row.name, tensor_document(row))
    return {
        "output": lines,
        "warnings": [{"category": category, "message": message, "line": span.line if span is not None else None}
                     for category, message, span in warnings],
        "tensors": tensors,
        "error": error,
        "exit_status": exit_status,
    }


def error_document(exc: BaseException, span: Any = None) -> dict[str, Any]:
    """A script error as JSON data: category, message, where (1-based line and column), and any hint."""
    from autodiff.errors import AutodiffError

    if isinstance(exc, AutodiffError):
        category, message, hint = exc.category, exc.message, exc.hint
        span = exc.span if exc.span is not None else span
    else:
        category, message, hint = "InternalError", f"{type(exc).__name__}: {exc}", None
    return {
        "category": category,
        "message": message,
        "line": span.line if span is not None else None,
        "column": span.column if span is not None else None,
        "end_line": span.end_line if span is not None else None,
        "end_column": span.end_column if span is not None else None,
        "hint": hint,
    }


# --- what show() and graph() need -------------------------------------------------------------------------------------


class ViewHost:
    """What the `show()` and `graph()` builtins reach: the running interpreter (for names), the recorder (for why a
    grad is None), where output goes, and how to draw (terminal colours and width)."""

    def __init__(self, write: Callable[[str], None] | None = None, *, terminal: bool = False, color: bool = False,
                 width: int | None = None):
        self.write = write
        self.terminal = terminal
        self.color = color
        self.width = width
        self.interpreter: Any = None
        self.recorder: Recorder | None = None

    def variables(self) -> Mapping[str, Any] | None:
        return self.interpreter.globals if self.interpreter is not None else None

    def names(self) -> NameIndex:
        index = NameIndex(self.variables())
        index.add_unnamed_leaves(self.recorder, getattr(self.interpreter, "_source_lines", ()))
        return index


GRAPH_FORMATS = ("tree", "dot", "mermaid", "json", "svg")


def show_rows(host: ViewHost, values: Sequence[Any]) -> list[TensorRow]:
    """The rows `show()` prints: every named tensor, or the given ones under the names that hold them."""
    from autodiff.errors import AutodiffError
    from autodiff.language.protocol import type_name

    names = host.names()
    if not values:
        return tensor_rows(names.named, host.recorder, names.fed)
    named = []
    for index, value in enumerate(values, start=1):
        if type(value) is not Tensor:
            raise AutodiffError("TypeError", f"show() takes tensors, not {type_name(value)} (argument {index})")
        named.append((names.of_tensor(value) or f"(argument {index})", value))
    return tensor_rows(named, host.recorder)


def graph_of(host: ViewHost, value: Any, format: str = "tree") -> Graph:  # noqa: A002
    """The graph `graph(t)` draws (checks the script's arguments)."""
    from autodiff.errors import AutodiffError
    from autodiff.language.protocol import type_name

    if type(value) is not Tensor:
        raise AutodiffError("TypeError", f"graph() takes a tensor, not {type_name(value)}")
    if format not in GRAPH_FORMATS:
        raise AutodiffError("ValueError", f"graph() format must be one of {', '.join(GRAPH_FORMATS)}, not {format!r}")
    recorder = host.recorder
    return build_graph([value], host.names(), recorder.saved if recorder is not None else None)


def dumps(document: dict[str, Any]) -> str:
    """JSON text: the structure indented, each tensor's data and grad on one line."""
    import json

    compact: list[str] = []

    def placeholder(value: Any) -> str:
        compact.append(json.dumps(value, ensure_ascii=False))
        return f"\x00{len(compact) - 1}\x00"

    shown = dict(document)
    if isinstance(document.get("tensors"), dict):
        shown["tensors"] = {
            name: {**entry, "shape": placeholder(entry["shape"]), "data": placeholder(entry["data"]),
                   "grad": placeholder(entry["grad"]) if entry["grad"] is not None else None}
            for name, entry in document["tensors"].items()}
    text = json.dumps(shown, indent=2, ensure_ascii=False)
    for index, value in enumerate(compact):
        text = text.replace(f'"\\u0000{index}\\u0000"', value, 1)
    return text + "\n"
