"""A layered (Sugiyama-style) layout of a directed acyclic graph, in pure Python: where each node's box goes and
which points each edge passes through, for svg.py to draw.

The steps are the classic ones (Sugiyama, Tagawa and Toda 1981; Gansner et al. 1993 for the refinements):

1. Layers: a node sits one layer above the highest of the nodes it points to (longest path from the sinks), so an
   input is drawn just above its first use, not in a row of all the inputs at the top.
2. An edge that spans several layers gets a chain of dummy points, one per layer in between.
3. Order within layers: barycenter sweeps down and up with adjacent swaps, keeping the order with the fewest
   crossings (counted exactly with a Fenwick tree). The first order is the inputs' order, so input 0 of an op
   starts left of input 1.
4. Horizontal positions: each node is pulled towards the mean position of its neighbours, then the layer is
   projected back onto "in order, no overlap" by isotonic regression (pool adjacent violators), which is the
   least-squares closest such placement. Dummy points pull harder, which straightens long edges.

Everything is deterministic (no randomness, no dict-order dependence beyond insertion order), so a drawing is
the same at every run. Graphviz's `dot` can replace steps 1-4 when it is installed (`dot_layout`).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field

LAYER_GAP = 46.0  # vertical space between layers
NODE_GAP = 22.0  # horizontal space between boxes
DUMMY_WIDTH = 12.0  # the width an edge passing through a layer takes
MARGIN = 16.0
MAX_SWEEPS = 24
DUMMY_WEIGHT = 3.0  # how much harder edge bends are pulled straight than boxes are pulled to their neighbours
# Bend points in all: an input used all along a long chain (`y = y * a + x` in a loop) would need a number growing
# with the square of the chain's length; past this, the longest edges are drawn as one curve instead.
MAX_BENDS = 3000


@dataclass
class Box:
    """A node to place: its size in pixels."""

    id: str
    width: float
    height: float


@dataclass
class Placed:
    """A placed node: the centre of its box, its size, its layer (0 at the top)."""

    id: str
    x: float
    y: float
    width: float
    height: float
    layer: int


@dataclass
class Route:
    """The polyline of one edge, from the bottom of its source box to the top of its target box."""

    source: str
    target: str
    points: list[tuple[float, float]]


@dataclass
class Layout:
    nodes: dict[str, Placed]
    routes: list[Route]
    width: float
    height: float
    crossings: int = 0
    engine: str = "builtin"
    layers: list[list[str]] = field(default_factory=list)


def layered_layout(boxes: Sequence[Box], edges: Sequence[tuple[str, str]]) -> Layout:
    """Place `boxes` so that every edge (source, target) points downwards (the graph must be acyclic)."""
    sizes = {box.id: box for box in boxes}
    order = list(sizes)
    successors: dict[str, list[str]] = {node: [] for node in order}
    predecessors: dict[str, list[str]] = {node: [] for node in order}
    for source, target in edges:
        successors[source].append(target)
        predecessors[target].append(source)
    height_of = _heights(order, successors)
    top = max(height_of.values(), default=0)
    layer_of = {node: top - height_of[node] for node in order}

    # Dummy points: every edge becomes a chain of unit-length segments. Vertices are indexed; real nodes first.
    names: list[str | None] = list(order)
    index_of = {node: i for i, node in enumerate(order)}
    vertex_layer = [layer_of[node] for node in order]
    widths = [sizes[node].width for node in order]
    down: list[list[int]] = [[] for _ in order]  # neighbours in the layer below (with repeats for parallel edges)
    up: list[list[int]] = [[] for _ in order]
    chains: list[list[int]] = []
    spans = sorted(layer_of[target] - layer_of[source] - 1 for source, target in edges)
    longest_bent = max(spans, default=0)
    if sum(spans) > MAX_BENDS:
        total = 0
        for span in spans:
            if total + span > MAX_BENDS:
                longest_bent = span - 1
                break
            total += span
    for source, target in edges:
        if layer_of[target] - layer_of[source] - 1 > longest_bent:  # one curve, left out of the ordering
            chains.append([index_of[source], index_of[target]])
            continue
        chain = [index_of[source]]
        for layer in range(layer_of[source] + 1, layer_of[target]):
            names.append(None)
            vertex_layer.append(layer)
            widths.append(DUMMY_WIDTH)
            down.append([])
            up.append([])
            chain.append(len(names) - 1)
        chain.append(index_of[target])
        for upper, lower in zip(chain, chain[1:]):
            down[upper].append(lower)
            up[lower].append(upper)
        chains.append(chain)

    layers: list[list[int]] = [[] for _ in range(top + 1)]
    for vertex in _initial_order(order, index_of, predecessors, names, vertex_layer, chains):
        layers[vertex_layer[vertex]].append(vertex)
    crossings = _order_layers(layers, down, up)
    xs = _positions(layers, down, up, widths, names)

    heights = [max((sizes[names[v]].height for v in layer if names[v] is not None), default=0.0)
               for layer in layers]
    centre_y: list[float] = []
    y = MARGIN
    for height in heights:
        centre_y.append(y + height / 2)
        y += height + LAYER_GAP
    total_height = y - LAYER_GAP + MARGIN
    left = min((xs[v] - widths[v] / 2 for layer in layers for v in layer), default=0.0)
    shift = MARGIN - left
    placed = {}
    for node in order:
        vertex = index_of[node]
        box = sizes[node]
        placed[node] = Placed(node, xs[vertex] + shift, centre_y[vertex_layer[vertex]], box.width, box.height,
                              vertex_layer[vertex])
    total_width = max((xs[v] + widths[v] / 2 + shift for layer in layers for v in layer), default=0.0) + MARGIN

    routes = []
    for (source, target), chain in zip(edges, chains):
        start, end = placed[source], placed[target]
        points = [(start.x, start.y + start.height / 2)]
        for vertex in chain[1:-1]:
            layer = vertex_layer[vertex]
            points.append((xs[vertex] + shift, centre_y[layer] - heights[layer] / 2))
            points.append((xs[vertex] + shift, centre_y[layer] + heights[layer] / 2))
        points.append((end.x, end.y - end.height / 2))
        routes.append(Route(source, target, points))
    _spread_ports(routes, placed)
    layer_names = [[name for name in (names[v] for v in layer) if name is not None] for layer in layers]
    return Layout(placed, routes, total_width, total_height, crossings, "builtin", layer_names)


def _heights(order: list[str], successors: dict[str, list[str]]) -> dict[str, int]:
    """Longest path to a sink, iteratively (deep graphs are fine)."""
    height: dict[str, int] = {}
    for start in order:
        if start in height:
            continue
        stack = [(start, 0)]
        while stack:
            node, next_child = stack.pop()
            children = successors[node]
            while next_child < len(children) and children[next_child] in height:
                next_child += 1
            if next_child < len(children):
                stack.append((node, next_child + 1))
                stack.append((children[next_child], 0))
                continue
            height[node] = 1 + max((height[c] for c in children), default=-1)
    return height


def _initial_order(order: list[str], index_of: dict[str, int], predecessors: dict[str, list[str]],
                   names: list[str | None], vertex_layer: list[int], chains: list[list[int]]) -> list[int]:
    """Vertices in depth-first order from the sinks through the inputs in their order: inputs of one op start
    next to each other, left to right."""
    into: dict[int, list[int]] = {}
    for chain in chains:
        for upper, lower in zip(chain, chain[1:]):
            into.setdefault(lower, []).append(upper)
    has_successor = {chain[0] for chain in chains}
    sinks = [index_of[node] for node in order if index_of[node] not in has_successor]
    seen: set[int] = set()
    result: list[int] = []
    for sink in sinks + list(range(len(names))):
        if sink in seen:
            continue
        stack = [sink]
        while stack:
            vertex = stack.pop()
            if vertex in seen:
                continue
            seen.add(vertex)
            result.append(vertex)
            stack.extend(reversed(into.get(vertex, [])))
    return result


def _crossings_between(upper: list[int], lower: list[int], down: list[list[int]]) -> int:
    """Edge crossings between two adjacent layers (inversions counted with a Fenwick tree)."""
    position = {vertex: i for i, vertex in enumerate(lower)}
    ends = []
    for vertex in upper:
        ends.extend(sorted(position[w] for w in down[vertex]))
    tree = [0] * (len(lower) + 1)
    crossings = 0
    for count, end in enumerate(ends):
        i = end + 1
        seen_at_most = 0
        while i > 0:
            seen_at_most += tree[i]
            i -= i & -i
        crossings += count - seen_at_most
        i = end + 1
        while i <= len(lower):
            tree[i] += 1
            i += i & -i
    return crossings


def _total_crossings(layers: list[list[int]], down: list[list[int]]) -> int:
    return sum(_crossings_between(layers[i], layers[i + 1], down) for i in range(len(layers) - 1))


def _order_layers(layers: list[list[int]], down: list[list[int]], up: list[list[int]]) -> int:
    best = [list(layer) for layer in layers]
    best_crossings = _total_crossings(layers, down)
    sweeps = MAX_SWEEPS if sum(len(layer) for layer in layers) < 2000 else 4
    for sweep in range(sweeps):
        if best_crossings == 0:
            break
        downward = sweep % 2 == 0
        indices = range(1, len(layers)) if downward else range(len(layers) - 2, -1, -1)
        for i in indices:
            fixed = layers[i - 1] if downward else layers[i + 1]
            neighbours = up if downward else down
            position = {vertex: p for p, vertex in enumerate(fixed)}
            current = {vertex: p for p, vertex in enumerate(layers[i])}

            def barycenter(vertex: int, position: dict[int, int] = position,
                           current: dict[int, int] = current, neighbours: list[list[int]] = neighbours) -> float:
                linked = neighbours[vertex]
                if not linked:
                    return float(current[vertex])
                return sum(position[w] for w in linked) / len(linked)

            layers[i].sort(key=lambda v, b=barycenter, c=current: (b(v), c[v]))
        _transpose(layers, down, up)
        crossings = _total_crossings(layers, down)
        if crossings < best_crossings:
            best_crossings = crossings
            best = [list(layer) for layer in layers]
    layers[:] = best
    return best_crossings


def _transpose(layers: list[list[int]], down: list[list[int]], up: list[list[int]]) -> None:
    """Swap neighbours in a layer while that lowers the crossings with the layers above and below."""
    if sum(len(layer) for layer in layers) > 600:
        return
    improved = True
    rounds = 0
    while improved and rounds < 4:
        improved = False
        rounds += 1
        for i, layer in enumerate(layers):
            for j in range(len(layer) - 1):
                before = _local_crossings(layers, i, down)
                layer[j], layer[j + 1] = layer[j + 1], layer[j]
                if _local_crossings(layers, i, down) < before:
                    improved = True
                else:
                    layer[j], layer[j + 1] = layer[j + 1], layer[j]


def _local_crossings(layers: list[list[int]], i: int, down: list[list[int]]) -> int:
    total = 0
    if i > 0:
        total += _crossings_between(layers[i - 1], layers[i], down)
    if i + 1 < len(layers):
        total += _crossings_between(layers[i], layers[i + 1], down)
    return total


def _positions(layers: list[list[int]], down: list[list[int]], up: list[list[int]], widths: list[float],
               names: list[str | None]) -> list[float]:
    xs = [0.0] * len(widths)
    for layer in layers:
        x = 0.0
        for position, vertex in enumerate(layer):
            if position:
                x += (widths[layer[position - 1]] + widths[vertex]) / 2 + NODE_GAP
            xs[vertex] = x
    weights = [1.0 if name is not None else DUMMY_WEIGHT for name in names]
    rounds = 12 if len(xs) < 3000 else 3
    for _ in range(rounds):
        for direction in ("down", "up", "both"):
            indices = range(len(layers)) if direction != "up" else range(len(layers) - 1, -1, -1)
            for i in indices:
                layer = layers[i]
                targets = []
                for vertex in layer:
                    linked = (up[vertex] if direction == "down" else down[vertex] if direction == "up"
                              else up[vertex] + down[vertex])
                    targets.append(sum(xs[w] for w in linked) / len(linked) if linked else xs[vertex])
                placed = _project(targets, [widths[v] for v in layer], [weights[v] for v in layer])
                for vertex, x in zip(layer, placed):
                    xs[vertex] = x
    return xs


def _project(targets: list[float], widths: list[float], weights: list[float]) -> list[float]:
    """The positions closest to `targets` (weighted least squares) that keep the order with no overlap:
    isotonic regression of target - offset, where offset is the packed position (pool adjacent violators)."""
    offsets = [0.0]
    for a, b in zip(widths, widths[1:]):
        offsets.append(offsets[-1] + (a + b) / 2 + NODE_GAP)
    blocks: list[list[float]] = []  # [weighted sum, weight, count]
    for target, offset, weight in zip(targets, offsets, weights):
        blocks.append([(target - offset) * weight, weight, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, weight_sum, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += weight_sum
            blocks[-1][2] += count
    result = []
    for total, weight_sum, count in blocks:
        result.extend([total / weight_sum] * int(count))
    return [value + offset for value, offset in zip(result, offsets)]


def _spread_ports(routes: list[Route], placed: dict[str, Placed]) -> None:
    """Edges leaving (or entering) one box start (end) at points spread along its border, ordered by where they
    go, so parallel edges (x * x) stay apart."""
    leaving: dict[str, list[Route]] = {}
    entering: dict[str, list[Route]] = {}
    for route in routes:
        leaving.setdefault(route.source, []).append(route)
        entering.setdefault(route.target, []).append(route)
    for node, group in leaving.items():
        box = placed[node]
        group.sort(key=lambda r: (r.points[1][0], r.points[-1][0]))
        for route, x in zip(group, _spread(box, len(group))):
            route.points[0] = (x, route.points[0][1])
    for node, group in entering.items():
        box = placed[node]
        group.sort(key=lambda r: (r.points[-2][0], r.points[0][0]))
        for route, x in zip(group, _spread(box, len(group))):
            route.points[-1] = (x, route.points[-1][1])


def _spread(box: Placed, count: int) -> list[float]:
    if count == 1:
        return [box.x]
    span = min(box.width * 0.6, 18.0 * (count - 1))
    return [box.x - span / 2 + span * i / (count - 1) for i in range(count)]


# --- Graphviz ---------------------------------------------------------------------------------------------------------


def dot_available() -> bool:
    return shutil.which("dot") is not None


def dot_layout(boxes: Sequence[Box], edges: Sequence[tuple[str, str]], *, timeout: float = 30.0) -> Layout:
    """The same placement by Graphviz's `dot` (network-simplex layers and positions, spline routes), read back
    from its `plain` output; raises OSError when dot is missing or fails."""
    points_per_inch = 72.0
    lines = ["digraph G {", "  graph [nodesep=0.3, ranksep=0.6];", "  node [shape=box, fixedsize=true];"]
    for box in boxes:
        lines.append(f'  "{box.id}" [width={box.width / points_per_inch:.4f}, '
                     f'height={box.height / points_per_inch:.4f}];')
    for source, target in edges:
        lines.append(f'  "{source}" -> "{target}";')
    lines.append("}")
    dot = shutil.which("dot")
    if dot is None:
        raise OSError("Graphviz's dot is not on PATH")
    done = subprocess.run([dot, "-Tplain"], input="\n".join(lines), capture_output=True, text=True,
                          timeout=timeout, check=False)
    if done.returncode != 0:
        raise OSError(f"dot failed: {done.stderr.strip()}")
    sizes = {box.id: box for box in boxes}
    placed: dict[str, Placed] = {}
    routes: list[Route] = []
    height = 0.0
    width = 0.0
    for line in done.stdout.splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "graph":
            width, height = float(parts[2]) * points_per_inch, float(parts[3]) * points_per_inch
        elif parts[0] == "node":
            node = parts[1].strip('"')
            box = sizes[node]
            x = float(parts[2]) * points_per_inch
            y = height - float(parts[3]) * points_per_inch
            placed[node] = Placed(node, x + MARGIN, y + MARGIN, box.width, box.height, 0)
        elif parts[0] == "edge":
            source, target, count = parts[1].strip('"'), parts[2].strip('"'), int(parts[3])
            coords = [(float(parts[4 + 2 * i]) * points_per_inch + MARGIN,
                       height - float(parts[5 + 2 * i]) * points_per_inch + MARGIN) for i in range(count)]
            routes.append(Route(source, target, coords))
    # dot lists edges in its own order; give them back in ours (parallel edges in turn).
    by_pair: dict[tuple[str, str], list[Route]] = {}
    for route in routes:
        by_pair.setdefault((route.source, route.target), []).append(route)
    ordered = [by_pair[pair].pop(0) for pair in edges]
    ys = sorted({round(p.y, 1) for p in placed.values()})
    for p in placed.values():
        p.layer = ys.index(round(p.y, 1))
    layout = Layout(placed, ordered, width + 2 * MARGIN, height + 2 * MARGIN, 0, "dot")
    layout.crossings = count_crossings(layout)
    return layout


def count_crossings(layout: Layout) -> int:
    """Pairs of edges whose drawn polylines cross (for comparing layouts; shared end points do not count)."""
    segments = []
    for number, route in enumerate(layout.routes):
        for a, b in zip(route.points, route.points[1:]):
            segments.append((number, a, b))

    def orientation(p: tuple[float, float], q: tuple[float, float], r: tuple[float, float]) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    crossing_pairs: set[tuple[int, int]] = set()
    for i, (first, a, b) in enumerate(segments):
        for second, c, d in segments[i + 1:]:
            if first == second or (first, second) in crossing_pairs:
                continue
            d1, d2 = orientation(a, b, c), orientation(a, b, d)
            d3, d4 = orientation(c, d, a), orientation(c, d, b)
            if d1 * d2 < 0 and d3 * d4 < 0:
                crossing_pairs.add((first, second))
    return len(crossing_pairs)
