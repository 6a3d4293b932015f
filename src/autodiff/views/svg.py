"""The autograd graph as an SVG picture (`autodiff graph --format svg`, and the drawings of the HTML page).

It draws graphview.py's Graph: one box per node (grad_fn, leaf, constant, told apart as the tree view tells them),
one arrow per edge, placed by layout.py (or by Graphviz's dot when asked). Formatting only: the values shown are
the engine's arrays, formatted by render.py; nothing here computes with them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from autodiff.views import layout as layouts
from autodiff.views.graphview import MAX_GRAPH_NODES, Graph, GraphNode

if TYPE_CHECKING:
    import numpy as np

FONT_SIZE = 12.0
CHAR_WIDTH = 7.3  # the advance of a monospace font at FONT_SIZE (0.6 em, rounded up)
LINE_HEIGHT = 15.0
PADDING_X = 9.0
PADDING_Y = 6.0
SMALL_ELEMENTS = 6  # a value or grad with at most this many elements is written in its box
SMALL_TEXT = 34  # ... and when its text is at most this long
FONT_STACK = 'ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace'

DIRECTIONS = ("forward", "backward")
LAYOUTS = ("builtin", "dot")

# Colours of the standalone file (the page styles the same classes itself), light and dark.
STYLE = f"""
svg.autograd {{ font-family: {FONT_STACK}; font-size: {FONT_SIZE:g}px; }}
.bg {{ fill: #ffffff; }}
.node rect, .swatch {{ fill: #ffffff; stroke: #64748b; stroke-width: 1.2; }}
.node.leaf rect, .swatch.leaf {{ fill: #dbeafe; stroke: #1d4ed8; }}
.node.constant rect, .swatch.constant {{ fill: #f3f4f6; stroke: #9ca3af; stroke-dasharray: 4 3; }}
.node.root rect {{ stroke-width: 2.6; }}
.node .op {{ fill: #0e7490; font-weight: bold; }}
.node.leaf .op {{ fill: #1d4ed8; }}
.node.constant .op {{ fill: #6b7280; font-weight: normal; }}
.node .name {{ fill: #111827; }}
.node .value {{ fill: #374151; }}
.node .grad {{ fill: #15803d; }}
.node .hook {{ fill: #a21caf; font-style: italic; }}
.edge, .legend-arrow {{ fill: none; stroke: #64748b; stroke-width: 1.3; }}
.arrowhead {{ fill: #64748b; }}
.note, .legend text {{ fill: #4b5563; }}
@media (prefers-color-scheme: dark) {{
  .bg {{ fill: #111827; }}
  .node rect, .swatch {{ fill: #1f2937; stroke: #94a3b8; }}
  .node.leaf rect, .swatch.leaf {{ fill: #1e3a5f; stroke: #60a5fa; }}
  .node.constant rect, .swatch.constant {{ fill: #27272a; stroke: #71717a; }}
  .node .op {{ fill: #22d3ee; }}
  .node.leaf .op {{ fill: #93c5fd; }}
  .node.constant .op {{ fill: #a1a1aa; }}
  .node .name {{ fill: #f3f4f6; }}
  .node .value {{ fill: #d1d5db; }}
  .node .grad {{ fill: #4ade80; }}
  .node .hook {{ fill: #e879f9; }}
  .edge, .legend-arrow {{ stroke: #94a3b8; }}
  .arrowhead {{ fill: #94a3b8; }}
  .note, .legend text {{ fill: #9ca3af; }}
}}
"""


@dataclass
class NodeLines:
    """The text of one box: (css class, text) per line."""

    lines: list[tuple[str, str]]
    title: str  # the full description (a tooltip, and what a screen reader says)


def text_width(text: str) -> float:
    """The width of `text` in the monospace font (wide East Asian characters take two cells)."""
    cells = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return cells * CHAR_WIDTH


def _small(array: np.ndarray | None) -> str | None:
    from autodiff.views.render import format_array

    if array is None or array.size > SMALL_ELEMENTS:
        return None
    text = format_array(array, 4, 2)
    return text if len(text) <= SMALL_TEXT else None


def node_lines(node: GraphNode) -> NodeLines:
    """What a box says: the op (AccumulateGrad for a leaf, (constant)), the variable and shape, the value and
    grad when they are small, and the hooks registered on it."""
    from autodiff.engine.tensor import Tensor
    from autodiff.views.render import format_shape

    lines: list[tuple[str, str]] = []
    head = "(constant)" if node.kind == "constant" else node.op
    lines.append(("op", head))
    shape = format_shape(node.shape) if node.shape is not None else None
    if node.name is not None:
        lines.append(("name", f"{node.name} {shape}" if shape is not None else node.name))
    elif shape is not None:
        lines.append(("name", shape))
    title = [head] + [text for _, text in lines[1:]]
    tensor = node.tensor
    if tensor is not None:
        value = _small(tensor.array)
        if value is not None:
            lines.append(("value", f"= {value}"))
            title.append(f"value {value}")
        grad = tensor.grad
        grad_text = _small(grad.array) if type(grad) is Tensor else None
        if grad_text is not None:
            lines.append(("grad", f"grad {grad_text}"))
            title.append(f"grad {grad_text}")
    if node.hooks:
        hooks = ", ".join(node.hooks)
        lines.append(("hook", hooks))
        title.append(hooks)
    kind = {"leaf": "leaf", "constant": "constant (does not require grad)", "function": "grad_fn"}[node.kind]
    return NodeLines(lines, f"{kind}: " + ", ".join(title))


@dataclass
class Drawing:
    """A laid-out graph, ready to write as SVG."""

    graph: Graph
    layout: layouts.Layout
    texts: dict[str, NodeLines]
    direction: str


def lay_out(graph: Graph, *, direction: str = "forward", engine: str = "builtin") -> Drawing:
    """Measure each box and place the graph: inputs above the ops that use them (the forward pass flows down);
    with direction="backward" the picture is turned upside down and the arrows run from each op to its inputs,
    the way gradients flow."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, not {direction!r}")
    texts = {node_id: node_lines(node) for node_id, node in graph.nodes.items()}
    boxes = []
    for node_id, text in texts.items():
        width = max(text_width(line) for _, line in text.lines) + 2 * PADDING_X
        boxes.append(layouts.Box(node_id, round(width, 1), len(text.lines) * LINE_HEIGHT + 2 * PADDING_Y))
    edges = [(source, target) for source, target, _ in graph.edges()]
    if engine == "dot":
        placed = layouts.dot_layout(boxes, edges)
    elif engine == "builtin":
        placed = layouts.layered_layout(boxes, edges)
    else:
        raise ValueError(f"layout must be one of {LAYOUTS}, not {engine!r}")
    if direction == "backward":
        _turn_over(placed)
    return Drawing(graph, placed, texts, direction)


def _turn_over(placed: layouts.Layout) -> None:
    height = placed.height
    for node in placed.nodes.values():
        node.y = height - node.y
    for route in placed.routes:
        route.points = [(x, height - y) for x, y in reversed(route.points)]
        route.source, route.target = route.target, route.source


def _number(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _path(points: list[tuple[float, float]], engine: str) -> str:
    """An SVG path through the route: Béziers with vertical tangents between layers, straight through bends."""
    first = points[0]
    parts = [f"M{_number(first[0])},{_number(first[1])}"]
    if engine == "dot":  # dot's plain output gives the control points of its cubic splines
        rest = points[1:]
        for i in range(0, len(rest) - 2, 3):
            parts.append("C" + " ".join(f"{_number(x)},{_number(y)}" for x, y in rest[i:i + 3]))
        return " ".join(parts)
    for index, ((x0, y0), (x1, y1)) in enumerate(zip(points, points[1:])):
        if index % 2 == 1:  # the stretch through a layer an edge passes (a dummy point's height)
            parts.append(f"L{_number(x1)},{_number(y1)}")
            continue
        middle = (y0 + y1) / 2
        parts.append(f"C{_number(x0)},{_number(middle)} {_number(x1)},{_number(middle)} {_number(x1)},{_number(y1)}")
    return " ".join(parts)


def _midpoint(points: list[tuple[float, float]]) -> tuple[float, float]:
    if len(points) == 2:
        (x0, y0), (x1, y1) = points
        return (x0 + x1) / 2, (y0 + y1) / 2
    middle = len(points) // 2
    (x0, y0), (x1, y1) = points[middle - 1], points[middle]
    return (x0 + x1) / 2, (y0 + y1) / 2


LEGEND_HEIGHT = 30.0


def to_svg(drawing: Drawing, *, standalone: bool = True, prefix: str = "g", title: str | None = None,
           legend: bool = True) -> str:
    """The SVG text. `standalone` embeds the colours (a file of its own); the page leaves them to its own style
    sheet. `prefix` keeps ids (the arrowhead marker) unique when a page holds several drawings.

    Each box is a `<g class="node KIND" data-node=ID>`, each edge a `<path class="edge" data-from data-to
    data-input>` (from and to in the graph's own terms: the input and the node that used it)."""
    graph, placed = drawing.graph, drawing.layout
    note_height = LINE_HEIGHT + 6 if graph.truncated else 0.0
    legend_height = LEGEND_HEIGHT if legend else 0.0
    width = max(placed.width, _legend_width(drawing.direction) if legend else 0.0)
    height = placed.height + note_height + legend_height
    size = f'width="{_number(width)}" height="{_number(height)}" viewBox="0 0 {_number(width)} {_number(height)}"'
    label = escape(title or "autograd graph", quote=True)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="autograd" {size} role="img" aria-label="{label}" '
           f'data-direction="{drawing.direction}" data-layout="{placed.engine}">']
    out.append(f"<title>{escape(title or 'autograd graph')}</title>")
    if standalone:
        out.append(f"<style>{STYLE}</style>")
    marker = f"{prefix}-arrow"
    out.append(f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
               'markerHeight="7" orient="auto-start-reverse"><path class="arrowhead" d="M0,0 L10,5 L0,10 z"/>'
               "</marker></defs>")
    if standalone:
        out.append(f'<rect class="bg" x="0" y="0" width="{_number(width)}" height="{_number(height)}"/>')
    out.append('<g class="edges">')
    edge_list = graph.edges()
    for (source, target, index), route in zip(edge_list, placed.routes):
        mx, my = _midpoint(route.points)
        out.append(f'<path class="edge" data-from="{escape(source)}" data-to="{escape(target)}" data-input="{index}" '
                   f'data-mx="{_number(mx)}" data-my="{_number(my)}" d="{_path(route.points, placed.engine)}" '
                   f'marker-end="url(#{marker})"/>')
    out.append("</g>")
    out.append('<g class="nodes">')
    roots = set(graph.roots)
    for node_id, node in graph.nodes.items():
        box = placed.nodes[node_id]
        text = drawing.texts[node_id]
        classes = f"node {node.kind}" + (" root" if node_id in roots else "")
        left, top = box.x - box.width / 2, box.y - box.height / 2
        out.append(f'<g class="{classes}" data-node="{escape(node_id)}" tabindex="0" role="button" '
                   f'aria-label="{escape(text.title, quote=True)}">')
        out.append(f"<title>{escape(text.title)}</title>")
        out.append(f'<rect x="{_number(left)}" y="{_number(top)}" width="{_number(box.width)}" '
                   f'height="{_number(box.height)}" rx="6" ry="6"/>')
        for number, (css, line) in enumerate(text.lines):
            baseline = top + PADDING_Y + LINE_HEIGHT * number + FONT_SIZE - 1
            out.append(f'<text class="{css}" x="{_number(box.x)}" y="{_number(baseline)}" '
                       f'text-anchor="middle">{escape(line)}</text>')
        out.append("</g>")
    out.append("</g>")
    y = placed.height
    if graph.truncated:
        out.append(f'<text class="note" x="{_number(layouts.MARGIN)}" y="{_number(y + LINE_HEIGHT)}">… more than '
                   f"{MAX_GRAPH_NODES} nodes: the drawing stops here</text>")
        y += note_height
    if legend:
        out.append(_legend(y, drawing.direction, marker))
    out.append("</svg>")
    return "\n".join(out) + "\n"


LEGEND_KINDS = (("leaf", "leaf"), ("function", "grad_fn"), ("constant", "constant"))


def _legend_arrow_text(direction: str) -> str:
    return "input → op (forward)" if direction == "forward" else "op → input (gradients)"


def _legend_width(direction: str) -> float:
    swatches = sum(24 + text_width(text) + 14 for _, text in LEGEND_KINDS)
    return layouts.MARGIN * 2 + swatches + 32 + text_width(_legend_arrow_text(direction))


def _legend(y: float, direction: str, marker: str) -> str:
    x = layouts.MARGIN
    parts = ['<g class="legend" aria-hidden="true">']
    for kind, text in LEGEND_KINDS:
        parts.append(f'<rect class="swatch {kind}" x="{_number(x)}" y="{_number(y + 6)}" width="18" height="14" '
                     'rx="3" ry="3"/>')
        parts.append(f'<text x="{_number(x + 24)}" y="{_number(y + 17)}">{text}</text>')
        x += 24 + text_width(text) + 14
    arrow = _legend_arrow_text(direction)
    parts.append(f'<path class="legend-arrow" d="M{_number(x)},{_number(y + 13)} L{_number(x + 26)},{_number(y + 13)}" '
                 f'marker-end="url(#{marker})"/>')
    parts.append(f'<text x="{_number(x + 32)}" y="{_number(y + 17)}">{escape(arrow)}</text>')
    parts.append("</g>")
    return "".join(parts)


def graph_svg(graph: Graph, *, direction: str = "forward", engine: str = "builtin", title: str | None = None) -> str:
    """A standalone SVG file of the graph."""
    return to_svg(lay_out(graph, direction=direction, engine=engine), title=title)
