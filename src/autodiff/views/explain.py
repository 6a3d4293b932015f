"""The chain rule behind a backward pass, computed with the engine's own backward rules (render.py only formats it).

For each leaf a pass reaches: every path from the root to the leaf's AccumulateGrad, each edge's factor, each path's
contribution, and their sum, checked against the gradient the pass delivered (the leaf's `.grad`).

- A factor is the local derivative of a node's output with respect to one input. For elementwise ops (and any op with
  a one-element output) it is a tensor: the node's rule applied to a gradient of ones. For the others (matmul, a
  reduction along a dimension, reshapes, indexing) it is the vector-Jacobian operation the rule applies, as text
  (`· W2ᵀ`, `expand to [4, 3]`).
- A path's contribution is the gradient fed in, pushed along the path by applying each node's rule in turn (summed
  back over broadcast dimensions as the engine does); a leaf's gradient is the sum over its paths. Past MAX_PATHS
  paths the sum is computed by a backward pass restricted to that leaf instead of path by path.

Everything is computed when the pass starts (the `backward_starters` hook), while the saved tensors are still there,
and checked when it ends (`backward_observers`); the script's own pass then runs unchanged.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autodiff import errors
from autodiff.engine import autograd
from autodiff.engine.autograd import AccumulateGrad, Node
from autodiff.engine.tensor import Tensor, sum_to
from autodiff.views.graphview import NameIndex, PassRecord, Recorder, constant_input, walk_nodes

CONSTANT = "const"  # the label of an input that does not require grad and that no name holds
MAX_PATHS = 12  # paths listed per leaf
MAX_NODES = 50_000  # a bigger graph is not explained
MAX_PASSES_KEPT = 200  # explanations kept (besides the last one for each root name)
MAX_LEGEND = 40  # entries of "where t1 = ..." listed

# Ops whose Jacobian is diagonal (after broadcasting): the factor is a tensor of local derivatives.
ELEMENTWISE = frozenset({
    "AddBackward0", "SubBackward0", "RsubBackward0", "RsubBackward1", "MulBackward0", "MulBackward1",
    "DivBackward0", "DivBackward1", "NegBackward0", "PowBackward0", "PowBackward1", "PowBackward2",
    "ExpBackward0", "LogBackward0", "Log2Backward0", "Log10Backward0", "Log1PBackward0", "Expm1Backward0",
    "SqrtBackward0", "RsqrtBackward0", "AbsBackward0", "SinBackward0", "CosBackward0", "TanBackward0",
    "TanhBackward0", "SinhBackward0", "CoshBackward0", "AsinBackward0", "AcosBackward0", "AtanBackward0",
    "SigmoidBackward0", "ReluBackward0", "ReciprocalBackward0", "SignBackward0", "FloorBackward0", "CeilBackward0",
    "RoundBackward0", "TruncBackward0", "FracBackward0", "ErfBackward0", "ClampBackward0", "ClampBackward1",
    "ClampMinBackward0", "ClampMaxBackward0", "MaximumBackward0", "MinimumBackward0", "WhereBackward0",
    "LeakyReluBackward0", "GeluBackward0", "EluBackward0", "RemainderBackward0", "MaskedFillBackward0",
    "CloneBackward0", "ToCopyBackward0", "AliasBackward0", "CopyBackwards",
})

# Local derivatives as formulas over the inputs' labels ({0}, {1}); the value printed beside is the engine's.
FORMULAS: dict[str, tuple[str | None, ...]] = {
    "ExpBackward0": ("exp({0})",), "LogBackward0": ("1/{0}",), "SinBackward0": ("cos({0})",),
    "CosBackward0": ("-sin({0})",), "TanhBackward0": ("1 - tanh({0})²",), "SigmoidBackward0": ("σ({0})·(1 - σ({0}))",),
    "ReluBackward0": ("1 where {0} > 0, else 0",), "SqrtBackward0": ("1/(2·sqrt({0}))",),
    "AbsBackward0": ("sign({0})",),
    "ReciprocalBackward0": ("-1/{0}²",), "DivBackward0": ("1/{1}", "-{0}/{1}²"),
    "PowBackward1": ("{1}·{0}^({1} - 1)", "{0}^{1}·ln({0})"), "SinhBackward0": ("cosh({0})",),
    "CoshBackward0": ("sinh({0})",),
}

# The vector-Jacobian operation of the other ops, per input, applied to the incoming gradient g; {shape} is that
# input's shape, {0}, {1}, ... the inputs' labels.
VJP_TEXT: dict[str, tuple[str, ...]] = {
    "MmBackward0": ("g · {1}ᵀ", "{0}ᵀ · g"), "MvBackward0": ("outer(g, {1})", "{0}ᵀ · g"),
    "AddmmBackward0": ("g summed to {shape}", "g · {2}ᵀ", "{1}ᵀ · g"),
    "SumBackward0": ("g expanded to {shape}",), "SumBackward1": ("g expanded to {shape}",),
    "MeanBackward0": ("g expanded to {shape}, ÷ {count}",), "MeanBackward1": ("g expanded to {shape}, ÷ {count}",),
    "ExpandBackward0": ("g summed to {shape}",),
    "ViewBackward0": ("g reshaped to {shape}",), "UnsqueezeBackward0": ("g reshaped to {shape}",),
    "SqueezeBackward0": ("g reshaped to {shape}",), "SqueezeBackward1": ("g reshaped to {shape}",),
    "SqueezeBackward2": ("g reshaped to {shape}",), "SqueezeBackward4": ("g reshaped to {shape}",),
    "TBackward0": ("gᵀ",), "TransposeBackward0": ("g transposed back",), "PermuteBackward0": ("g permuted back",),
    "SelectBackward0": ("g placed in zeros of {shape}",), "SliceBackward0": ("g placed in zeros of {shape}",),
    "IndexBackward0": ("g scatter-added into zeros of {shape}",),
    "CopySlices": ("g with the overwritten part zeroed", "the written part of g"),
}

EXPRESSIONS = {
    "AddBackward0": "{0} + {1}", "SubBackward0": "{0} - {1}", "MulBackward0": "{0} * {1}", "DivBackward0": "{0} / {1}",
    "MmBackward0": "{0} @ {1}", "MvBackward0": "{0} @ {1}", "DotBackward0": "{0} @ {1}", "NegBackward0": "-{0}",
    # PowBackward0/2 and RsubBackward1 have no edge for their Python-number operand (as in PyTorch).
    "PowBackward0": "{0} ** " + CONSTANT, "PowBackward1": "{0} ** {1}", "PowBackward2": CONSTANT + " ** {0}",
    "RsubBackward1": CONSTANT + " - {0}", "RsubBackward0": "{1} - {0}", "SumBackward0": "{0}.sum()",
    "MeanBackward0": "{0}.mean()",
    "TBackward0": "{0}.t()", "CloneBackward0": "{0}.clone()", "CopySlices": "{0} with a part overwritten by {1}",
}


@dataclass
class Factor:
    """d(output)/d(input) for one edge: `output` and `input` are labels (script names, or t1, t2, ...)."""

    output: str
    input: str
    op: str
    elementwise: bool
    symbol: str | None  # a formula or a script name equal to the value; for other ops the operation applied
    value: np.ndarray | None  # the local derivative (elementwise ops)
    uniform: bool = False  # every element of value is the same
    summed_to: tuple[int, ...] | None = None  # broadcast: the gradient is summed back to this shape
    index: int = 0  # which input of the op
    repeated: bool = False  # the same tensor is another input of the op too (x * x)


@dataclass
class PathTerm:
    root: str
    factors: list[Factor]
    value: np.ndarray | None  # None: no gradient flows along this path
    uniform: bool = False


@dataclass
class LeafChain:
    leaf: Tensor
    label: str
    shape: tuple[int, ...]
    paths: list[PathTerm]
    path_count: int
    total: np.ndarray | None
    total_uniform: bool = False
    summed_by: str = "paths"  # or "backward" when there are more paths than are listed
    before: np.ndarray | None = None  # the leaf's .grad before the pass (it accumulates)
    target: str = ""  # what the total is checked against, e.g. "x1.grad"
    expected: np.ndarray | None = None
    expected_uniform: bool = False
    # "equal", "close" (float rounding), "differs", "hooked" (differs, and a hook in the graph can change
    # gradients: the chain rule here runs without hooks), "unchecked"
    check: str = "unchecked"


@dataclass
class RootInfo:
    label: str
    op: str
    shape: tuple[int, ...]
    gradient: np.ndarray
    gradient_uniform: bool
    gradient_is_ones: bool


@dataclass
class PassChains:
    number: int
    roots: list[RootInfo]
    captures: bool
    legend: list[tuple[str, str]] = field(default_factory=list)
    legend_omitted: int = 0
    leaves: list[LeafChain] = field(default_factory=list)
    note: str | None = None
    # Each edge's factor by (node, input index), and each node's label: the HTML page shows them step by step.
    factors: dict[tuple[Node, int], Factor] = field(default_factory=dict, repr=False)
    labels: dict[Node, str] = field(default_factory=dict, repr=False)
    # Labels of the nodes with hooks that can replace a gradient (tensor, pre and post hooks).
    hooked: list[str] = field(default_factory=list)


def is_uniform(array: np.ndarray) -> bool:
    return array.size > 0 and bool(np.all(array == array.reshape(-1)[0]))


class Explainer:
    """Hooks into a Recorder: reads every pass as it starts, checks it as it ends, keeps the results."""

    def __init__(self, recorder: Recorder):
        self.passes: deque[PassChains] = deque(maxlen=MAX_PASSES_KEPT)
        self.by_root_name: dict[str, PassChains] = {}
        recorder.start_hooks.append(self._start)
        recorder.finish_hooks.append(self._finish)

    def _start(self, record: PassRecord, capture: Sequence[Node] | None, names: NameIndex) -> None:
        previous_sink = errors.set_warning_sink(lambda category, message: None)
        previous_mode = autograd.set_grad_enabled(False)
        try:
            record.extra = explain_pass(record, capture, names)
        except Exception as exc:  # never disturb the script's own pass
            record.extra = PassChains(record.number, [], capture is not None,
                                      note=f"could not explain this pass ({type(exc).__name__}: {exc})")
        finally:
            autograd.set_grad_enabled(previous_mode)
            errors.set_warning_sink(previous_sink)

    def _finish(self, record: PassRecord) -> None:
        chains = record.extra
        if not isinstance(chains, PassChains):
            return
        check_pass(chains, record)
        self.passes.append(chains)
        for name in record.root_names:
            if name is not None:
                self.by_root_name[name] = chains

    def find(self, root_name: str | None) -> PassChains | None:
        """The last completed pass (from `root_name` when given)."""
        if root_name is None:
            return self.passes[-1] if self.passes else None
        return self.by_root_name.get(root_name)


class _Labels:
    """Labels for nodes: the script's name where one holds the tensor, else t1, t2, ... in order of use."""

    def __init__(self, names: NameIndex):
        self.names = names
        self.labels: dict[Node, str] = {}
        self.anonymous: list[Node] = []
        self.taken = {name for name, _ in names.named}

    def __call__(self, node: Node) -> str:
        label = self.labels.get(node)
        if label is None:
            label = self.names.of_node(node)
            if label is None:
                number = len(self.anonymous) + 1
                while f"t{number}" in self.taken:
                    number += 1
                label = f"t{number}"
                self.taken.add(label)
                self.anonymous.append(node)
            self.labels[node] = label
        return label


def _topological(roots: Sequence[Node], nodes: Sequence[Node]) -> list[Node]:
    """Nodes ordered so each comes before all of its inputs (the engine's order of readiness)."""
    dependencies: dict[Node, int] = {}
    for node in nodes:
        for child in node.next_nodes:
            if child is not None:
                dependencies[child] = dependencies.get(child, 0) + 1
    ready = [node for node in roots if dependencies.get(node, 0) == 0]
    order: list[Node] = []
    seen: set[Node] = set()
    while ready:
        node = ready.pop()
        if node in seen:
            continue
        seen.add(node)
        order.append(node)
        for child in node.next_nodes:
            if child is not None:
                dependencies[child] -= 1
                if dependencies[child] == 0:
                    ready.append(child)
    return order


def _input_grads(node: Node, grad: Tensor) -> list[Tensor | None]:
    """Apply the node's rule and sum each input's gradient back to its shape, as the engine does (raising where
    the engine will: freed saved tensors, or saved tensors changed in place; the pass then explains nothing)."""
    if node.rule is None and node.had_saved:
        raise RuntimeError("the graph's saved tensors were freed by an earlier backward")
    if node.saved:
        node.check_saved()
    outs = list(node.apply_rule(grad)) if node.rule is not None else [None] * len(node.next_nodes)
    shapes = node.input_shapes
    for index, out in enumerate(outs):
        if out is not None and shapes is not None and shapes[index] is not None and out.shape != shapes[index]:
            outs[index] = sum_to(out, shapes[index])
    return outs


def explain_pass(record: PassRecord, capture: Sequence[Node] | None, names: NameIndex) -> PassChains:
    chains = PassChains(record.number, [], capture is not None)
    label = _Labels(names)
    root_nodes: list[Node] = []
    seeds: dict[Node, Tensor] = {}
    for tensor, grad in zip(record.roots, record.root_grads):
        node = tensor.edge()
        if node is None:
            continue
        if node not in seeds:
            root_nodes.append(node)
        seeds[node] = grad if node not in seeds else seeds[node] + grad
        gradient = grad.array
        chains.roots.append(RootInfo(label(node), node.name, tuple(tensor.array.shape), gradient,
                                     is_uniform(gradient), is_uniform(gradient) and bool(gradient.reshape(-1)[0] == 1)))
    nodes = list(walk_nodes(root_nodes))
    if len(nodes) > MAX_NODES:
        chains.note = f"the graph has {len(nodes)} nodes, more than the {MAX_NODES} explain reads"
        return chains
    order = _topological(root_nodes, nodes)
    chains.hooked = [label(node) for node in order
                     if node.hooks is not None and (node.hooks.tensor_pre or node.hooks.pre or node.hooks.post)]
    parents: dict[Node, list[Node]] = {}
    for node in nodes:
        for child in node.next_nodes:
            if child is not None:
                parents.setdefault(child, []).append(node)
    if capture is not None:
        targets = [node for node in dict.fromkeys(capture) if node is not None and (node in parents or node in seeds)]
    else:
        # Leaves in the order the script named them, then unnamed ones.
        position = {id(tensor): index for index, (_, tensor) in enumerate(names.named)}
        targets = sorted((node for node in nodes if type(node) is AccumulateGrad),
                         key=lambda node: position.get(id(node.leaf), len(position)))
    factors: dict[tuple[Node, int], Factor] = {}
    for target in targets:
        chains.leaves.append(_explain_target(target, root_nodes, seeds, order, parents, factors, label, names))
    _fill_legend(chains, label, factors)
    chains.factors = factors
    chains.labels = label.labels
    for chain in chains.leaves:  # the leaf's .grad before the pass adds into it
        if chain.leaf is not None and chain.leaf.grad is not None:
            chain.before = chain.leaf.grad.array.copy()
    return chains


def _explain_target(target: Node, root_nodes: list[Node], seeds: dict[Node, Tensor], order: list[Node],
                    parents: dict[Node, list[Node]], factors: dict[tuple[Node, int], Factor], label: _Labels,
                    names: NameIndex) -> LeafChain:
    reaching = {target}
    stack = [target]
    while stack:
        for parent in parents.get(stack.pop(), ()):
            if parent not in reaching:
                reaching.add(parent)
                stack.append(parent)
    counts: dict[Node, int] = {}
    for node in reversed(order):
        if node is target:
            counts[node] = 1
        elif node in reaching:
            counts[node] = sum(counts.get(child, 0) for child in node.next_nodes if child is not None)
    path_count = sum(counts.get(node, 0) for node in root_nodes)
    leaf = target.leaf if type(target) is AccumulateGrad else names.tensor_of_node.get(target)
    chain = LeafChain(leaf, label(target), tuple(leaf.array.shape) if leaf is not None else (), [], path_count, None)
    # Depth first from each root, carrying the gradient pushed along the path so far.
    for root in root_nodes:
        if root not in reaching:
            continue
        # A path is a linked list (factor, rest) so a deep graph costs no copying.
        stack_items: list[tuple[Node, Tensor | None, Any]] = [(root, seeds[root], None)]
        while stack_items and len(chain.paths) < MAX_PATHS:
            node, grad, linked = stack_items.pop()
            if node is target:
                value = grad.array if grad is not None else None
                path: list[Factor] = []
                while linked is not None:
                    path.append(linked[0])
                    linked = linked[1]
                path.reverse()
                chain.paths.append(PathTerm(label(root), path, value, value is not None and is_uniform(value)))
                continue
            outs = _input_grads(node, grad) if grad is not None else [None] * len(node.next_nodes)
            children = [(index, child) for index, child in enumerate(node.next_nodes) if child in reaching]
            for index, child in reversed(children):
                factor = factors.get((node, index))
                if factor is None:
                    factor = factors[(node, index)] = _factor(node, index, grad, outs[index], label, names)
                stack_items.append((child, outs[index], (factor, linked)))
    if path_count <= MAX_PATHS:
        values = [term.value for term in chain.paths if term.value is not None]
        total = values[0].copy() if values else None
        for value in values[1:]:
            total = total + value
    else:
        chain.summed_by = "backward"
        total = _restricted_backward(target, seeds, order, reaching)
    chain.total = total
    chain.total_uniform = total is not None and is_uniform(total)
    return chain


def _restricted_backward(target: Node, seeds: dict[Node, Tensor], order: list[Node], reaching: set[Node]) -> Any:
    buffers: dict[Node, Tensor] = {node: grad for node, grad in seeds.items() if node in reaching}
    for node in order:
        grad = buffers.pop(node, None)
        if grad is None:
            continue
        if node is target:
            return grad.array
        for child, out in zip(node.next_nodes, _input_grads(node, grad)):
            if child is not None and child in reaching and out is not None:
                buffers[child] = out if child not in buffers else buffers[child] + out
    return None


def _input_label(node: Node, index: int, label: _Labels, names: NameIndex) -> str:
    child = node.next_nodes[index]
    if child is not None:
        return label(child)
    constant = constant_input(node, index, node.saved)
    name = names.of_tensor(constant) if constant is not None else None
    return name if name is not None else CONSTANT


def _input_tensor(node: Node, index: int, names: NameIndex) -> Tensor | None:
    child = node.next_nodes[index]
    if child is None:
        return constant_input(node, index, node.saved)
    if type(child) is AccumulateGrad:
        return child.leaf
    return names.tensor_of_node.get(child)


def _factor(node: Node, index: int, grad: Tensor | None, out: Tensor | None, label: _Labels,
            names: NameIndex) -> Factor:
    inputs = [_input_label(node, i, label, names) for i in range(len(node.next_nodes))]
    output, input_label = label(node), inputs[index]
    child = node.next_nodes[index]
    where = {"index": index, "repeated": child is not None and sum(1 for c in node.next_nodes if c is child) > 1}
    shape = tuple(out.array.shape) if out is not None else None
    elementwise = node.name in ELEMENTWISE or (grad is not None and grad.array.size == 1)
    if not elementwise or grad is None:
        texts = VJP_TEXT.get(node.name)
        if node.name == "UnsafeViewBackward0" and len(node.next_nodes) == 2:
            texts = VJP_TEXT["MmBackward0"]
        elif node.name == "UnsafeViewBackward0":
            texts = ("g reshaped to {shape}",)
        text = texts[index] if texts is not None and index < len(texts) else f"the rule of {node.name} applied to g"
        if node.name == "StackBackward0":
            text = f"entry {index} of g"
        elif node.name == "CatBackward0":
            text = f"part {index} of g"
        count = grad.array.size and (out.array.size // grad.array.size) if grad is not None and out is not None else 0
        symbol = text.format(*inputs, shape=_shape_text(shape), count=count)
        return Factor(output, input_label, node.name, False, symbol, None, **where)
    ones = Tensor(np.ones(grad.array.shape, dtype=grad.array.dtype))
    local = _input_grads_unsummed(node, ones)[index]
    value = local.array if local is not None else None
    summed_to = shape if value is not None and shape is not None and value.shape != shape else None
    symbol = None
    if node.name in ("MulBackward0", "DotBackward0") and len(node.next_nodes) == 2:
        other = _input_tensor(node, 1 - index, names)
        named = inputs[1 - index] != CONSTANT
        if other is not None and value is not None and named and _broadcast_equal(other.array, value):
            symbol = inputs[1 - index]
    elif node.name in FORMULAS and index < len(FORMULAS[node.name]):
        formula = FORMULAS[node.name][index]
        symbol = formula.format(*inputs) if formula is not None else None
    return Factor(output, input_label, node.name, True, symbol, value,
                  value is not None and is_uniform(value), summed_to, **where)


def _input_grads_unsummed(node: Node, grad: Tensor) -> list[Tensor | None]:
    """The rule applied to `grad`, before summing broadcast inputs back (for local derivatives)."""
    return list(node.apply_rule(grad)) if node.rule is not None else [None] * len(node.next_nodes)


def _broadcast_equal(array: np.ndarray, value: np.ndarray) -> bool:
    try:
        return bool(np.array_equal(np.broadcast_to(array, value.shape), value))
    except ValueError:
        return False


def _shape_text(shape: tuple[int, ...] | None) -> str:
    return "?" if shape is None else "[" + ", ".join(str(n) for n in shape) + "]"


def _fill_legend(chains: PassChains, label: _Labels, factors: dict[tuple[Node, int], Factor]) -> None:
    """What each t1, t2, ... stands for: the op and its inputs' labels (a multiplier shown by value)."""
    done = 0
    while done < len(label.anonymous):
        if done == MAX_LEGEND:
            chains.legend_omitted = len(label.anonymous) - done  # (labelling stops growing here)
            break
        node = label.anonymous[done]
        done += 1
        name = label(node)
        if type(node) is AccumulateGrad:
            source = label.names.leaf_label(node.leaf, label.names.source_lines) if node.leaf is not None else None
            chains.legend.append((name, source or f"a leaf {_shape_text(tuple(node.leaf.array.shape))}"))
            continue
        inputs = []
        for index, child in enumerate(node.next_nodes):
            if child is not None:
                inputs.append(label(child))
                continue
            constant = constant_input(node, index, node.saved)
            text = label.names.of_tensor(constant) if constant is not None else None
            if text is None and node.name == "MulBackward0":
                factor = factors.get((node, 1 - index))
                if factor is not None and factor.uniform and factor.value is not None:
                    text = _number(factor.value.reshape(-1)[0])
            inputs.append(text if text is not None else CONSTANT)
        template = EXPRESSIONS.get(node.name)
        if template is not None and template.count("{") <= len(inputs):
            expression = template.format(*inputs)
        else:
            expression = f"{node.name.split('Backward')[0].lower()}({', '.join(inputs)})"
        chains.legend.append((name, f"{expression}  ({node.name})"))


def _number(value: Any) -> str:
    return f"{float(value):.6g}"


def check_pass(chains: PassChains, record: PassRecord) -> None:
    """Keep the leaves the pass delivered a gradient to, and check each total against it: `.grad` after the pass
    (minus nothing: `before + total` must equal it), or the gradient autograd.grad returned."""
    delivered = {id(leaf): (grad, after) for (leaf, grad), after in zip(record.delivered, record.grads_after)}
    kept = []
    for chain in chains.leaves:
        if chain.leaf is None or id(chain.leaf) not in delivered:
            continue
        grad, after = delivered[id(chain.leaf)]
        if record.captures:
            chain.target = f"the gradient delivered to {chain.label}"
            expected = grad.array
            computed = chain.total
            chain.before = None  # backward(inputs=...) adds into .grad only after the pass
        else:
            chain.target = f"{chain.label}.grad"
            expected = after
            computed = chain.total if chain.before is None or chain.total is None else chain.before + chain.total
        chain.expected = expected
        chain.expected_uniform = expected is not None and is_uniform(expected)
        chain.check = _compare(computed, expected)
        if chain.check == "differs" and chains.hooked:
            chain.check = "hooked"
        kept.append(chain)
    chains.leaves = kept


def _compare(computed: np.ndarray | None, expected: np.ndarray | None) -> str:
    if computed is None or expected is None:
        return "unchecked"
    if computed.shape != expected.shape:
        return "differs"
    if np.array_equal(computed, expected, equal_nan=True):
        return "equal"
    rtol = 1e-12 if expected.dtype == np.float64 else 1e-5
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    if np.allclose(computed, expected, rtol=rtol, atol=rtol * max(scale, 1e-30), equal_nan=True):
        return "close"
    return "differs"

