"""The reverse-mode engine: graph nodes, grad mode, and an iterative backward pass (no Python recursion)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from sys import getrefcount
from types import MethodType
from typing import TYPE_CHECKING, Any

from autodiff.errors import AutodiffError, ScriptLocation, runtime_error, script_location, type_error, warn

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


# Anomaly mode (torch.autograd.set_detect_anomaly): nodes record where the script created them, and backward
# checks every gradient a node returns for NaN.
_anomaly_enabled = False
_anomaly_check_nan = True


def is_anomaly_enabled() -> bool:
    return _anomaly_enabled


def is_anomaly_check_nan_enabled() -> bool:
    return _anomaly_check_nan


def set_anomaly_enabled(mode: bool, check_nan: bool = True) -> tuple[bool, bool]:
    """Set anomaly mode; returns the previous (mode, check_nan) so callers can restore it."""
    global _anomaly_enabled, _anomaly_check_nan
    previous = (_anomaly_enabled, _anomaly_check_nan)
    _anomaly_enabled, _anomaly_check_nan = bool(mode), bool(check_nan)
    return previous


class GradMode:
    """Context manager behind `no_grad()`, `enable_grad()` and `set_grad_enabled(b)`."""

    __slots__ = ("mode", "previous", "label")

    def __init__(self, mode: bool, label: str):
        self.mode = mode
        self.previous = True
        self.label = label

    def __enter__(self) -> GradMode:
        if self.label == "set_grad_enabled":  # switched when called; the block restores what was before the call
            set_grad_enabled(self.mode)
        else:
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

NORMAL_HINT = ("enable anomaly detection to find the operation that failed to compute its gradient, with "
               "torch.autograd.set_detect_anomaly(True, check_nan=False).")
ANOMALY_HINT = ("the backtrace further above shows the operation that failed to compute its gradient. The variable "
                "in question was changed in there or anywhere later. Good luck!")

# Observers of every node recorded (the HTML page links each drawn node to the script line that made it). Each is
# called as observer(node) at the end of Node.__init__ (an AccumulateGrad before its leaf is set) and must not change
# it. Empty: no cost but one test.
node_observers: list[Callable[[Node], None]] = []

# A backward rule maps the gradient of a node's output to one gradient (or None) per input edge.
BackwardRule = Callable[["Tensor"], Sequence["Tensor | None"]]


class HookHandle:
    """`torch.utils.hooks.RemovableHandle`: `remove()` takes its hook out of the dict it was registered in."""

    __slots__ = ("hooks", "key")
    _next_key = 0

    def __init__(self, hooks: dict[int, Any]):
        HookHandle._next_key += 1
        self.hooks = hooks
        self.key = HookHandle._next_key

    def remove(self) -> None:
        self.hooks.pop(self.key, None)

    def __enter__(self) -> HookHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()

    def __repr__(self) -> str:
        return "<torch.utils.hooks.RemovableHandle object>"


class NodeHooks:
    """What is attached to a node besides its rule (rare, so a node holds None until something is):
    hooks of the tensors whose gradient the node receives, the node's own pre- and post-hooks, hooks run after a
    leaf's .grad is updated, and (anomaly mode) where the script created the node."""

    __slots__ = ("tensor_pre", "pre", "post", "post_accumulate", "forward_trace")

    def __init__(self) -> None:
        self.tensor_pre: dict[int, Callable[[Tensor], Any]] = {}
        self.pre: dict[int, Callable[..., Any]] = {}
        self.post: dict[int, Callable[..., Any]] = {}
        self.post_accumulate: dict[int, Callable[[Tensor], Any]] = {}
        self.forward_trace: Any = None

    def __bool__(self) -> bool:
        return bool(self.tensor_pre or self.pre or self.post or self.post_accumulate)

    def register(self, kind: str, hook: Callable[..., Any]) -> HookHandle:
        hooks = getattr(self, kind)
        handle = HookHandle(hooks)
        hooks[handle.key] = hook
        return handle


class Node:
    """One recorded operation (`grad_fn`): its PyTorch name, its edges to the inputs' nodes, its rule.

    `next_nodes[i]` is the node that receives the gradient of input i (None when that input does not
    require grad). `input_shapes[i]`, when set, is input i's shape: the engine sums a broadcast
    gradient back to it, so rules never unbroadcast. `saved` holds the tensors the rule reads, with
    their versions at record time, so an in-place change before backward is detected.

    The rule is called as `rule(grad)`, or as `rule(grad, context)` when the op recorded a context: the ops a
    script repeats most (`*` and `/` by a number, unary functions, `** 2`) pass what their rule reads as the
    context of a module-level rule instead of closing over it, so each recorded op leaves two objects for the
    garbage collector to scan (the node and its edges) rather than five; on a 200,000-op chain the collector's
    scans were a third of the forward time.
    """

    __slots__ = ("name", "next_nodes", "rule", "context", "input_shapes", "saved", "saved_versions",
                 "retained", "had_saved", "saves_output", "hooks", "__weakref__")

    def __init__(
        self,
        name: str,
        next_nodes: tuple[Node | None, ...],
        rule: BackwardRule | None,
        input_shapes: tuple[tuple[int, ...] | None, ...] | None = None,
        saved: tuple[Tensor, ...] = (),
        context: Any = None,
    ):
        self.name = name
        self.next_nodes = next_nodes
        self.rule = rule
        self.context = context
        self.input_shapes = input_shapes
        self.saved = saved
        if saved:
            self.saved_versions = watch_versions(saved)
            self.had_saved = True
        else:
            self.saved_versions = ()
            self.had_saved = False
        self.retained: list[Tensor] | None = None
        self.saves_output = False
        self.hooks: NodeHooks | None = None
        if _anomaly_enabled:
            self.hooks = NodeHooks()
            self.hooks.forward_trace = script_location()
        if node_observers:
            for observer in node_observers:
                observer(self)

    def apply_rule(self, grad: Tensor) -> Sequence[Tensor | None]:
        """The gradients of the node's inputs from the gradient of its output (its rule must not be freed)."""
        context = self.context
        return self.rule(grad) if context is None else self.rule(grad, context)

    def hook_table(self) -> NodeHooks:
        if self.hooks is None:
            self.hooks = NodeHooks()
        return self.hooks

    @property
    def next_functions(self) -> tuple[tuple[Node | None, int], ...]:
        return tuple((node.parent, node.index) if type(node) is OutputSlot else (node, 0) for node in self.next_nodes)

    def __repr__(self) -> str:
        return f"<{self.name} object>"

    def check_saved(self) -> None:
        for tensor, version in zip(self.saved, self.saved_versions):
            if tensor._version[0] != version:
                # PyTorch names the op that produced the tensor: this node if it saved its own output.
                producer = self if self.saves_output else tensor.grad_fn
                origin = f", which is output 0 of {_op_name(producer.name)}," if producer is not None else ""
                error = runtime_error(
                    "one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: [{tensor.type_label()} [{', '.join(str(n) for n in tensor.shape)}]]{origin} "
                    f"is at version {tensor._version[0]}; expected version {version} instead. Hint: "
                    + (ANOMALY_HINT if _anomaly_enabled else NORMAL_HINT))
                error.inplace_changes = changes_since(tensor, version)
                raise error

    def release(self) -> None:
        """Free what backward needed (PyTorch frees saved tensors unless retain_graph=True)."""
        if self.had_saved:
            self.rule = self.context = None
            self.saved = ()


def watch_versions(saved: Sequence[Tensor]) -> tuple[int, ...]:
    """The version counts of tensors a node saves, and each counter marked so that the next in-place change of the
    tensor records where in the script it happened (Tensor.bump_version)."""
    counts = []
    for tensor in saved:
        counter = tensor._version
        counts.append(counter[0])
        if len(counter) == 1:
            counter += ({}, True)
        else:
            counter[2] = True
    return tuple(counts)


def changes_since(tensor: Tensor, version: int) -> list[ScriptLocation]:
    """Where the script changed `tensor` in place after `version` (the count a node saved), first to last: the
    locations the version counter still keeps (see Tensor.bump_version)."""
    counter = tensor._version
    if len(counter) == 1:
        return []
    return [where for count, where in counter[1].items() if count > version]


class OutputSlot(Node):
    """Output `index` (> 0) of a node with several outputs (a custom autograd.Function returning a tuple): the
    output tensor's grad_fn as the engine sees it. It passes its gradient on to the node tagged with the index, so
    the node receives all its outputs' gradients at once; scripts see the node itself (`grad_fn`, next_functions)."""

    __slots__ = ("parent", "index")

    def __init__(self, parent: Node, index: int):
        super().__init__(parent.name, (parent,), None)
        self.parent = parent
        self.index = index
        self.rule = self._tag

    def _tag(self, grad: Tensor) -> tuple[MultiGrad]:
        return (MultiGrad({self.index: grad}),)

    def __repr__(self) -> str:
        return repr(self.parent)


class MultiGrad:
    """The gradients of a node's several outputs (by output index), summed as they arrive."""

    __slots__ = ("grads",)

    def __init__(self, grads: dict[int, Tensor]):
        self.grads = grads

    def __add__(self, other: Any) -> MultiGrad:
        grads = dict(self.grads)
        for index, grad in (other.grads.items() if type(other) is MultiGrad else ((0, other),)):
            grads[index] = grad if index not in grads else grads[index] + grad
        return MultiGrad(grads)

    __radd__ = __add__

    def get(self, index: int) -> Tensor | None:
        return self.grads.get(index)


def output_grads(grad: Any, count: int) -> list[Tensor | None]:
    """The gradient of each of a node's `count` outputs, from what the engine handed it (None: none arrived)."""
    if type(grad) is MultiGrad:
        return [grad.get(index) for index in range(count)]
    return [grad] + [None] * (count - 1)


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
    roots_seen = set(roots) if len(roots) > 1 else ()  # one root is no node's child: the graph has no cycles
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

# Observers of each step of a backward pass (the HTML page replays backward node by node). Each is called as
# observer(node, grad, sent) once the node has run: `grad` is the gradient that arrived (the sum of everything
# sent to it), `sent` lists (input index, gradient sent or None, the input's buffer after adding it, or None when
# it was the first to arrive) for each input edge with a node. An AccumulateGrad node is observed after adding
# into `.grad`, with `sent` empty. They must not change the graph or the tensors. Empty: no cost but one test.
BackwardStepObserver = Callable[["Node", "Tensor", list[tuple[int, "Tensor | None", "Tensor | None"]]], None]
backward_step_observers: list[BackwardStepObserver] = []


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
    accumulate_into_grad, sum_to = tensor_module.accumulate_into_grad, tensor_module.sum_to
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
    ready = []
    for node in root_nodes:
        if node not in dependencies:
            ready.append(node)
    reached: list[tuple[Tensor, Tensor]] | None = [] if backward_observers else None
    anomaly = _anomaly_enabled
    step_observers = tuple(backward_step_observers) if backward_step_observers else None
    global _grad_enabled
    previous_mode = _grad_enabled  # set_grad_enabled, inline: a call costs as much as the rest of this line
    _grad_enabled = bool(create_graph)
    try:
        while ready:
            node = ready.pop()
            grad = buffers.pop(node)
            hooks = node.hooks
            if hooks is not None and hooks.tensor_pre:
                grad = _call_tensor_hooks(hooks.tensor_pre, grad)
            if node.retained:
                _retain(node.retained, grad, create_graph)
            if capture_set is not None and node in capture_set:
                captured[node] = grad
            if type(node) is AccumulateGrad:
                if reached is not None and (capture_set is None or node in capture_set):
                    reached.append((node.leaf, grad))
                if accumulate and capture_set is None:
                    if hooks:
                        _accumulate_with_hooks(node, hooks, grad, create_graph, accumulate_into_grad)
                    else:
                        # Nothing but this frame (and the observers' list) holds grad: .grad may take its buffer.
                        steal = (step_observers is None
                                 and getrefcount(grad) <= _OWN_REFERENCES + (reached is not None))
                        accumulate_into_grad(node.leaf, grad, create_graph, steal)
                if step_observers is not None:
                    for observer in step_observers:
                        observer(node, grad, [])
                continue
            if useful is not None and node not in useful:
                continue
            rule = node.rule
            if rule is None:
                if node.had_saved:
                    if anomaly:
                        _warn_error_detected(node)
                    raise runtime_error(FREED_MESSAGE)
                continue
            if anomaly:
                input_grads = _apply_in_anomaly_mode(node, grad)
            else:
                if node.saved:
                    node.check_saved()
                if hooks:
                    input_grads = _apply_with_hooks(node, hooks, grad)
                elif node.context is None:
                    input_grads = rule(grad)
                else:
                    input_grads = rule(grad, node.context)
            if step_observers is None:
                del grad  # the incoming gradient's buffer can go as soon as the rule has used it
            if not retain_graph and node.had_saved:
                node.rule = node.context = None
                node.saved = ()
            shapes = node.input_shapes
            sent: list[tuple[int, Tensor | None, Tensor | None]] | None = [] if step_observers is not None else None
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
                    if sent is not None:
                        sent.append((index, child_grad, None if existing is None else buffers[child]))
                elif sent is not None:
                    sent.append((index, None, None))
                remaining = dependencies[child] - 1
                dependencies[child] = remaining
                if remaining == 0:
                    if child in buffers:
                        ready.append(child)
                    else:
                        # Every path into `child` carried no gradient; its own inputs get none either.
                        _skip(child, dependencies, buffers, ready)
            if sent is not None:
                for observer in step_observers or ():
                    observer(node, grad, sent)
            input_grads = child_grad = None  # the buffers alone hold the gradients now (see `steal`)
    finally:
        _grad_enabled = previous_mode
    if reached is not None:
        for observer in tuple(backward_observers):
            observer(roots, root_grads, reached)
    return captured


# --- hooks and anomaly mode (off the common path: a node without hooks pays one test) -------------------------
def _check_hook_result(value: Any, grad: Tensor, what: str) -> Tensor:
    """A hook's replacement gradient must be a tensor of the gradient's dtype and shape."""
    from autodiff.engine.tensor import Tensor

    if type(value) is not Tensor:
        raise type_error(f"expected Variable, but hook returned '{type(value).__name__}'")
    if value.array.dtype != grad.array.dtype:
        raise runtime_error(f"hook '{what}' has changed the type of value (was {grad.type_label()} got "
                            f"{value.type_label()})")
    if value.array.shape != grad.array.shape:
        raise runtime_error(f"hook '{what}' has changed the size of value")
    return value


def _hook_name(hook: Any) -> str:
    return getattr(hook, "__name__", None) or getattr(hook, "name", None) or "hook"


def _call_tensor_hooks(hooks: dict[int, Callable[[Tensor], Any]], grad: Tensor) -> Tensor:
    """A tensor's hooks, in registration order: each sees the previous one's result; None keeps the gradient."""
    for hook in tuple(hooks.values()):
        result = hook(grad)
        if result is not None:
            grad = _check_hook_result(result, grad, _hook_name(hook))
    return grad


def _call_pre_hooks(node: Node, hooks: dict[int, Callable[..., Any]], grad: Tensor) -> Tensor:
    for hook in tuple(hooks.values()):
        result = hook((grad,))
        if result is not None:
            _check_hook_tuple(result, 1, hook)
            if result[0] is not None:
                grad = _check_hook_result(result[0], grad, _hook_name(hook))
    return grad


def _call_post_hooks(node: Node, hooks: dict[int, Callable[..., Any]], input_grads: Sequence[Tensor | None],
                     grad: Tensor) -> Sequence[Tensor | None]:
    for hook in tuple(hooks.values()):
        result = hook(tuple(input_grads), (grad,))
        if result is not None:
            _check_hook_tuple(result, len(input_grads), hook)
            input_grads = tuple(value if value is None or original is None
                                else _check_hook_result(value, original, _hook_name(hook))
                                for value, original in zip(result, input_grads))
    return input_grads


def _check_hook_tuple(result: Any, expected: int, hook: Any) -> None:
    """A node hook returns None or a tuple with one entry per gradient it was given."""
    if type(result) is not tuple:
        raise type_error(f"expected tuple, but hook returned '{type(result).__name__}'")
    if len(result) != expected:
        raise runtime_error(f"hook '{_hook_name(hook)}' has returned an incorrect number of values (got "
                            f"{len(result)}, but expected {expected})")


def _apply_with_hooks(node: Node, hooks: NodeHooks, grad: Tensor) -> Sequence[Tensor | None]:
    if hooks.pre:
        grad = _call_pre_hooks(node, hooks.pre, grad)
    input_grads = node.apply_rule(grad)
    if hooks.post:
        input_grads = _call_post_hooks(node, hooks.post, _validated(node, input_grads), grad)
    return input_grads


def _validated(node: Node, input_grads: Sequence[Tensor | None]) -> list[Tensor | None]:
    """The gradients as PyTorch's engine hands them to a node's post hooks (after its validate_outputs): summed to
    each input's shape, None for an input that takes no gradient."""
    from autodiff.engine.tensor import sum_to

    shapes = node.input_shapes
    validated: list[Tensor | None] = []
    for index, (child, child_grad) in enumerate(zip(node.next_nodes, input_grads)):
        if child is None or child_grad is None:
            validated.append(None)
            continue
        shape = shapes[index] if shapes is not None else None
        validated.append(sum_to(child_grad, shape) if shape is not None and child_grad.array.shape != shape
                         else child_grad)
    return validated


def _accumulate_with_hooks(node: AccumulateGrad, hooks: NodeHooks, grad: Tensor, create_graph: bool,
                           accumulate: Callable[[Tensor, Tensor, bool], None]) -> None:
    if hooks.pre:
        grad = _call_pre_hooks(node, hooks.pre, grad)
    accumulate(node.leaf, grad, create_graph)
    for hook in tuple(hooks.post_accumulate.values()):
        hook(node.leaf)
    for hook in tuple(hooks.post.values()):
        hook((), (grad,))


def _apply_in_anomaly_mode(node: Node, grad: Tensor) -> Sequence[Tensor | None]:
    """Run the node with its checks; on any error, first warn with where the script created the node."""
    import numpy as np

    hooks = node.hooks
    try:
        if node.saved:
            node.check_saved()
        input_grads = _apply_with_hooks(node, hooks, grad) if hooks else node.apply_rule(grad)
        if _anomaly_check_nan:
            for index, child_grad in enumerate(input_grads):
                if child_grad is not None and child_grad.array.dtype.kind == "f" and np.isnan(child_grad.array).any():
                    raise runtime_error(f"Function '{node.name}' returned nan values in its {index}th output.")
        return input_grads
    except AutodiffError:
        _warn_error_detected(node)
        raise


def _warn_error_detected(node: Node) -> None:
    """PyTorch's anomaly-mode warning before an error in a node's backward: where the script created the node, if
    anomaly mode was on then."""
    trace = node.hooks.forward_trace if node.hooks is not None else None
    if trace is None:
        warn("UserWarning", f"Error detected in {node.name}. No forward pass information available. Enable detect "
                            "anomaly during forward pass for more information.")
        return
    filename, line, text = trace
    warn("UserWarning", f"Error detected in {node.name}. Traceback of forward call that caused the error:\n"
                        f'  File "{filename}", line {line}, in <module>\n    {text}\n')


# References to a gradient when only run_backward's local variable holds it: that one and getrefcount's argument.
_OWN_REFERENCES = 2


def _retain(tensors: list[Tensor], grad: Tensor, create_graph: bool) -> None:
    """A retained non-leaf .grad: a copy of the first gradient, then sums (PyTorch's retains_grad hook)."""
    from autodiff.engine.tensor import Tensor

    for tensor in tensors:
        if tensor.grad is None:
            tensor.grad = grad if create_graph else Tensor(grad.array.copy())
        else:
            tensor.grad = tensor.grad + (grad if create_graph else grad.detach())


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


# The tensor module imports this one; a backward pass needs its accumulation and unbroadcasting, looked up by
# attribute at call time (a function-level import costs a backward pass ~8,500 instructions, a tenth of it).
from autodiff.engine import tensor as tensor_module  # noqa: E402
