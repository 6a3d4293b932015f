"""The reverse-mode engine: graph nodes, grad mode, and an iterative backward pass (no Python recursion)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import MethodType
from typing import TYPE_CHECKING, Any

from autodiff.errors import runtime_error

if TYPE_CHECKING:
    from autodiff.engine.tensor import Tensor

# Grad mode is process-wide, as in PyTorch; `no_grad()` flips it for a block.
_grad_enabled = True


def is_grad_enabled() -> bool:
    return _grad_enabled


def set_grad_enabled(mode: bool) -> bool:
    """Set grad mode; returns the previous mode so callers can restore it."""
    global _grad_enabled
    previous = _grad_enabled
    _grad_enabled = bool(mode)
    return previous


class GradMode:
    """Context manager behind `no_grad()`, `enable_grad()` and `set_grad_enabled(b)`."""

    __slots__ = ("mode", "previous", "label")

    def __init__(self, mode: bool, label: str):
        self.mode = mode
        self.previous = True
        self.label = label

    def __enter__(self) -> GradMode:
        self.previous = set_grad_enabled(self.mode)
        return self

    def __exit__(self, *exc: object) -> None:
        set_grad_enabled(self.previous)

    def __repr__(self) -> str:
        return f"<torch.autograd.grad_mode.{self.label} object>"

    def __call__(self, function: Callable[..., Any]) -> GradModeFunction:
        """`@torch.no_grad()` on a function: each call of it runs in this mode. (set_grad_enabled(b) switched
        the mode when it was made; as a decorator it gives the mode back, as PyTorch's does.)"""
        if self.label == "set_grad_enabled":
            set_grad_enabled(self.previous)
        return GradModeFunction(self.mode, function)


class GradModeFunction:
    """A function decorated with a grad mode; a descriptor like a function, so it decorates methods too."""

    __slots__ = ("mode", "function", "__dict__")

    def __init__(self, mode: bool, function: Callable[..., Any]):
        self.mode = mode
        self.function = function
        for name in ("__name__", "__qualname__", "__doc__", "__module__"):
            found = getattr(function, name, None)
            if isinstance(found, str):
                self.__dict__[name] = found

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        previous = set_grad_enabled(self.mode)
        try:
            return self.function(*args, **kwargs)
        finally:
            set_grad_enabled(previous)

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        return self if instance is None else MethodType(self, instance)

    def __repr__(self) -> str:
        return repr(self.function)


FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call .backward() "
    "or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time "
    "or if you need to access saved tensors after calling backward."
)

# A backward rule maps the gradient of a node's output to one gradient (or None) per input edge.
BackwardRule = Callable[["Tensor"], Sequence["Tensor | None"]]


class Node:
    """One recorded operation (`grad_fn`): its PyTorch name, its edges to the inputs' nodes, its rule.

    `next_nodes[i]` is the node that receives the gradient of input i (None when that input does not
    require grad). `input_shapes[i]`, when set, is input i's shape: the engine sums a broadcast
    gradient back to it, so rules never unbroadcast. `saved` holds the tensors the rule reads, with
    their versions at record time, so an in-place change before backward is detected.
    """

    __slots__ = ("name", "next_nodes", "rule", "input_shapes", "saved", "saved_versions",
                 "retained", "had_saved", "saves_output", "__weakref__")

    def __init__(
        self,
        name: str,
        next_nodes: tuple[Node | None, ...],
        rule: BackwardRule | None,
        input_shapes: tuple[tuple[int, ...] | None, ...] | None = None,
        saved: tuple[Tensor, ...] = (),
    ):
        self.name = name
        self.next_nodes = next_nodes
        self.rule = rule
        self.input_shapes = input_shapes
        self.saved = saved
        if saved:
            self.saved_versions = tuple([t._version[0] for t in saved])
            self.had_saved = True
        else:
            self.saved_versions = ()
            self.had_saved = False
        self.retained: list[Tensor] | None = None
        self.saves_output = False

    @property
    def next_functions(self) -> tuple[tuple[Node | None, int], ...]:
        return tuple((node, 0) for node in self.next_nodes)

    def __repr__(self) -> str:
        return f"<{self.name} object>"

    def check_saved(self) -> None:
        for tensor, version in zip(self.saved, self.saved_versions):
            if tensor._version[0] != version:
                # PyTorch names the op that produced the tensor: this node if it saved its own output.
                producer = self if self.saves_output else tensor.grad_fn
                origin = f", which is output 0 of {_op_name(producer.name)}," if producer is not None else ""
                raise runtime_error(
                    "one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: [{tensor.type_label()} [{', '.join(str(n) for n in tensor.shape)}]]{origin} "
                    f"is at version {tensor._version[0]}; expected version {version} instead. Hint: enable "
                    "anomaly detection to find the operation that failed to compute its gradient, with "
                    "torch.autograd.set_detect_anomaly(True, check_nan=False)."
                )

    def release(self) -> None:
        """Free what backward needed (PyTorch frees saved tensors unless retain_graph=True)."""
        if self.had_saved:
            self.rule = None
            self.saved = ()


def _op_name(node_name: str) -> str:
    """`ExpBackward0` -> `Exp`, as PyTorch's in-place error message names ops."""
    base, _, _ = node_name.partition("Backward")
    return base


class AccumulateGrad(Node):
    """The sink for a leaf that requires grad: adds the incoming gradient into `leaf.grad`."""

    __slots__ = ("leaf",)

    def __init__(self, leaf: Tensor):
        super().__init__("AccumulateGrad", (), None)
        self.leaf = leaf

    @property
    def variable(self) -> Tensor:
        return self.leaf


def _collect_dependencies(roots: Sequence[Node]) -> dict[Node, int]:
    """Count, for every node reachable from `roots`, how many edges point to it (iteratively)."""
    dependencies: dict[Node, int] = {}
    roots_seen = set(roots)
    stack = list(roots)
    pop, push = stack.pop, stack.append
    while stack:
        for child in pop().next_nodes:
            if child is None:
                continue
            if child in dependencies:
                dependencies[child] += 1
            else:
                dependencies[child] = 1
                if child not in roots_seen:
                    push(child)
    return dependencies


def _reaching(roots: Sequence[Node], targets: set[Node]) -> set[Node]:
    """Nodes from which some target is reachable: backward visits only those when inputs= is given."""
    order: list[Node] = []
    seen: set[Node] = set(roots)
    stack = list(roots)
    while stack:
        node = stack.pop()
        order.append(node)
        for child in node.next_nodes:
            if child is not None and child not in seen:
                seen.add(child)
                stack.append(child)
    # The graph is a DAG; a reverse post-order pass would be exact, but a fixed point over the
    # discovery order is simple and linear in practice for the chains and trees scripts build.
    useful = set(targets)
    changed = True
    while changed:
        changed = False
        for node in reversed(order):
            if node not in useful and any(c in useful for c in node.next_nodes if c is not None):
                useful.add(node)
                changed = True
    return useful


# Observers of completed backward passes (`autodiff check` records what each pass did). Each is called as
# observer(roots, root_grads, leaf_grads) after the pass: leaf_grads lists (leaf, gradient) for every leaf the
# pass delivered a gradient to (for autograd.grad, the leaves among its inputs). Empty: no cost but one test.
BackwardObserver = Callable[[Sequence["Tensor"], Sequence["Tensor"], list[tuple["Tensor", "Tensor"]]], None]
backward_observers: list[BackwardObserver] = []

# Observers of backward passes about to run (`autodiff explain` and `graph` read the graph before its saved tensors
# are freed). Each is called as starter(roots, root_grads, capture) before anything propagates, and must not change
# the graph or the tensors. Empty: no cost but one test.
BackwardStarter = Callable[[Sequence["Tensor"], Sequence["Tensor"], "Sequence[Node] | None"], None]
backward_starters: list[BackwardStarter] = []


def run_backward(
    roots: Sequence[Tensor],
    root_grads: Sequence[Tensor],
    *,
    retain_graph: bool,
    create_graph: bool,
    capture: Sequence[Node] | None = None,
    accumulate: bool = True,
) -> dict[Node, Tensor]:
    """Propagate `root_grads` from `roots` to the leaves.

    With `accumulate`, leaf gradients are added into `.grad` (Tensor.backward). With `capture`, the
    gradients arriving at those nodes are returned instead (autograd.grad); then only the part of the
    graph leading to them is visited.
    """
    from autodiff.engine.tensor import accumulate_into_grad, sum_to

    if backward_starters:
        for starter in tuple(backward_starters):
            starter(roots, root_grads, capture)
    root_nodes: list[Node] = []
    buffers: dict[Node, Tensor] = {}
    for tensor, grad in zip(roots, root_grads):
        node = tensor.grad_fn if tensor.grad_fn is not None else tensor._accumulator()
        if node in buffers:
            buffers[node] = buffers[node] + grad
        else:
            buffers[node] = grad
            root_nodes.append(node)

    captured: dict[Node, Tensor] = {}
    capture_set = set(capture) if capture is not None else None
    useful = _reaching(root_nodes, capture_set) if capture_set is not None else None

    dependencies = _collect_dependencies(root_nodes)
    ready = [node for node in root_nodes if dependencies.get(node, 0) == 0]
    reached: list[tuple[Tensor, Tensor]] | None = [] if backward_observers else None
    previous_mode = set_grad_enabled(create_graph)
    try:
        while ready:
            node = ready.pop()
            grad = buffers.pop(node)
            if node.retained:
                for tensor in node.retained:
                    tensor.grad = grad if create_graph else grad.detach()
            if capture_set is not None and node in capture_set:
                captured[node] = grad
            if type(node) is AccumulateGrad:
                if reached is not None and (capture_set is None or node in capture_set):
                    reached.append((node.leaf, grad))
                if accumulate and capture_set is None:
                    accumulate_into_grad(node.leaf, grad, create_graph)
                continue
            if useful is not None and node not in useful:
                continue
            rule = node.rule
            if rule is None:
                if node.had_saved:
                    raise runtime_error(FREED_MESSAGE)
                continue
            if node.saved:
                node.check_saved()
            input_grads = rule(grad)
            del grad  # the incoming gradient's buffer can go as soon as the rule has used it
            if not retain_graph and node.had_saved:
                node.rule = None
                node.saved = ()
            shapes = node.input_shapes
            for index, child in enumerate(node.next_nodes):
                if child is None:
                    continue
                child_grad = input_grads[index]
                if child_grad is not None:
                    if shapes is not None:
                        shape = shapes[index]
                        if shape is not None and child_grad.array.shape != shape:
                            child_grad = sum_to(child_grad, shape)
                    existing = buffers.get(child)
                    buffers[child] = child_grad if existing is None else existing + child_grad
                remaining = dependencies[child] - 1
                dependencies[child] = remaining
                if remaining == 0:
                    if child in buffers:
                        ready.append(child)
                    else:
                        # Every path into `child` carried no gradient; its own inputs get none either.
                        _skip(child, dependencies, buffers, ready)
    finally:
        set_grad_enabled(previous_mode)
    if reached is not None:
        for observer in tuple(backward_observers):
            observer(roots, root_grads, reached)
    return captured


def _skip(node: Node, dependencies: dict[Node, int], buffers: dict[Node, Any], ready: list[Node]) -> None:
    stack = [node]
    while stack:
        current = stack.pop()
        for child in current.next_nodes:
            if child is None:
                continue
            dependencies[child] -= 1
            if dependencies[child] == 0:
                if child in buffers:
                    ready.append(child)
                else:
                    stack.append(child)
