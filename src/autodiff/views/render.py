"""Rich rendering of the views: the variable table, the graph tree, the chain-rule text. Formatting only: every value
shown was computed by the engine (graphview.py and explain.py hand over arrays and strings; nothing here does
arithmetic on them). rich is imported inside the functions, so importing this module costs nothing at start-up.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from autodiff.views.explain import Factor, LeafChain, PassChains
    from autodiff.views.graphview import Graph, GraphNode, TensorRow

PIPE_WIDTH = 100  # output width when stdout is not a terminal (golden files stay stable)
MAX_TREE_DEPTH = 40
FACTORS_SHOWN = (12, 4)  # a longer path shows its first and last factors
EDGE_ITEMS = 3  # elements shown at each end of a long dimension


# --- numbers and arrays -----------------------------------------------------------------------------------------------


def format_number(value: Any, precision: int = 5) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    text = f"{float(value):.{precision}g}"
    return "0" if text == "-0" else text


def format_array(array: np.ndarray, precision: int = 5, edge: int = EDGE_ITEMS) -> str:
    """A compact one-line form: `[[1, 2], [3, 4]]`; long dimensions show their first and last `edge` items."""
    if array.ndim == 0:
        return format_number(array.item(), precision)
    if array.size == 0:
        return "[]"
    return _nested(array, precision, edge)


def _nested(array: Any, precision: int, edge: int) -> str:
    if array.ndim == 1:
        items = array.tolist()
        parts = ([format_number(v, precision) for v in items[:edge]] + ["…"] +
                 [format_number(v, precision) for v in items[-edge:]]) if len(items) > 2 * edge else \
            [format_number(v, precision) for v in items]
        return "[" + ", ".join(parts) + "]"
    count = array.shape[0]
    if count > 2 * edge:
        parts = [_nested(array[i], precision, edge) for i in range(edge)] + ["…"] + \
            [_nested(array[i], precision, edge) for i in range(count - edge, count)]
    else:
        parts = [_nested(array[i], precision, edge) for i in range(count)]
    return "[" + ", ".join(parts) + "]"


def format_cell(array: np.ndarray, limit: int = 40) -> str:
    """A table cell: fewer items at the ends of long dimensions until the text is short."""
    text = format_array(array, 4, 2)
    return format_array(array, 4, 1) if len(text) > limit else text


def format_shape(shape: Sequence[int] | None) -> str:
    return "?" if shape is None else "[" + ", ".join(str(n) for n in shape) + "]"


def format_value(array: np.ndarray, uniform: bool = False, precision: int = 5) -> str:
    """An array, or just its value when explain.py found all its elements equal (the text says so once)."""
    if uniform and array.size > 0:
        return format_number(array.reshape(-1)[0], precision)
    return format_array(array, precision)


def plural(number: int, noun: str) -> str:
    """`1 more factor`, `2 more factors`: the count agrees with its noun."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


# --- consoles ---------------------------------------------------------------------------------------------------------


def make_console(file: Any, *, color: bool, width: int | None) -> Any:
    """A rich Console for `file`: colour only when asked (the caller checks the terminal, NO_COLOR, --no-color)."""
    from rich.console import Console

    return Console(file=file, force_terminal=color, no_color=not color, color_system="auto" if color else None,
                   width=width or PIPE_WIDTH, highlight=False, emoji=False, soft_wrap=False, legacy_windows=False)


def to_text(renderable: Any, *, color: bool = False, width: int | None = None) -> str:
    """The renderable as text; without colour, lines lose the padding rich adds at their ends."""
    buffer = io.StringIO()
    make_console(buffer, color=color, width=width).print(renderable)
    text = buffer.getvalue()
    if color:
        return text
    return "\n".join(line.rstrip() for line in text.split("\n"))


# --- the variable table -----------------------------------------------------------------------------------------------


TABLE_HEADERS = ("name", "shape", "dtype", "value", "requires_grad", "is_leaf", "grad_fn", "grad")
MIN_FOLDED = 12  # the narrowest a value or grad column gets before the table turns into one block per tensor


def _row_cells(row: TensorRow) -> tuple[Any, ...]:
    from rich.text import Text

    if row.grad is not None:
        grad = Text(format_cell(row.grad), style="green")
    else:
        grad = Text("None", style="dim")
        if row.grad_note:
            grad.append(f"\n{row.grad_note}", style="dim italic")
    return (Text(row.name), Text(format_shape(row.shape)), Text(row.dtype.removeprefix("torch.")),
            Text(format_cell(row.value)), Text(str(row.requires_grad), style="yellow" if row.requires_grad else ""),
            Text(str(row.is_leaf)), Text(row.grad_fn or "None", style="" if row.grad_fn else "dim"), grad)


def _longest_word(text: str) -> int:
    return max((len(word) for word in text.split()), default=0)


def _column_widths(rows: Sequence[TensorRow], width: int, headers: Sequence[str]) -> dict[str, int] | None:
    """Widths for the table's columns in `width` columns with every character shown: the one-word columns at
    their widest, the value column at least MIN_FOLDED wide and the grad column at least as wide as its longest
    word (both wrap at spaces); None when that does not fit."""
    cells = [dict(zip(TABLE_HEADERS, (cell.plain for cell in _row_cells(row)), strict=True)) for row in rows]
    widths = {}
    for header in headers:
        lines = [line for row in cells for line in row[header].split("\n")] + _boolean_header(header).split("\n")
        widths[header] = max(len(line) for line in lines)
    grad_least = max([MIN_FOLDED] + [_longest_word(row["grad"]) for row in cells])
    fixed = sum(w for h, w in widths.items() if h not in ("value", "grad")) + 2 * (len(headers) - 1)
    if width - fixed < MIN_FOLDED + grad_least:  # a long name (`<line 1: ones(2, requires_grad=True)>`) wraps
        narrower = min(widths["name"], max([16] + [_longest_word(row["name"]) for row in cells]))
        fixed -= widths["name"] - narrower
        widths["name"] = narrower
    room = width - fixed
    if room < MIN_FOLDED + grad_least:
        return None
    value, grad = widths["value"], widths["grad"]
    if value + grad > room:  # values keep their width when they can (they are short); notes wrap at spaces
        value = max(MIN_FOLDED, min(value, room - grad_least, room // 2))
        grad = room - value
    widths["value"], widths["grad"] = value, grad
    return widths


def _boolean_header(header: str) -> str:
    """requires_grad and is_leaf broken over two lines: the columns are as narrow as True and False."""
    return {"requires_grad": "req_\ngrad", "is_leaf": "is_\nleaf"}.get(header, header)


def tensor_table(rows: Sequence[TensorRow], title: str | None = None, width: int | None = None) -> Any:
    """The table of tensors; when it cannot fit in `width` columns, one block per tensor instead (no character
    of a value or a note is ever cut)."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    width = width or PIPE_WIDTH
    dtypes = {row.dtype for row in rows}
    headers = [h for h in TABLE_HEADERS if h != "dtype" or len(dtypes) != 1]  # one dtype: said once, below
    widths = _column_widths(rows, width, headers) if rows else None
    if rows and widths is None:
        return tensor_blocks(rows, title)
    caption = f"every tensor is {dtypes.pop().removeprefix('torch.')}" if len(headers) < len(TABLE_HEADERS) else None
    table = Table(title=title, caption=caption, box=box.SIMPLE_HEAD, header_style="bold", title_style="bold",
                  caption_style="dim", caption_justify="left", show_edge=False, pad_edge=False, padding=(0, 1),
                  collapse_padding=True)
    for header in headers:
        if header in ("value", "grad", "name"):
            table.add_column(header, overflow="fold", width=widths[header] if widths else None,
                             style="bold" if header == "name" else "")
        else:
            table.add_column(Text(_boolean_header(header)), no_wrap=True, style={"name": "bold", "grad_fn": "cyan"}
                             .get(header, ""))
    for row in rows:
        table.add_row(*(cell for header, cell in zip(TABLE_HEADERS, _row_cells(row), strict=True)
                        if header in headers))
    if not rows:
        table.add_row(Text("(no tensors bound to names)", style="dim"), *[Text("")] * (len(headers) - 1))
    return table


class _BlockHead:
    """A folded tensor's first line: name, shape, dtype, then its flags two spaces apart; a flag that does not fit
    starts an indented line (a long name, such as an unnamed leaf's, must not push them to the margin)."""

    def __init__(self, head: Any, flags: list[Any]):
        self.head = head
        self.flags = flags

    def __rich_console__(self, console: Any, options: Any) -> Any:
        line = self.head.copy()
        for flag in self.flags:
            if line.cell_len + 2 + flag.cell_len > options.max_width and line.plain.strip():
                yield line
                line = flag.copy()
                line.pad_left(2)
            else:
                line = line + "  " + flag
        yield line


def tensor_blocks(rows: Sequence[TensorRow], title: str | None = None) -> Any:
    """The table folded for a narrow terminal: per tensor, a line with its name, shape, dtype, flags and grad_fn,
    then its value and grad indented (long ones wrap)."""
    from rich.console import Group
    from rich.padding import Padding
    from rich.text import Text

    parts: list[Any] = []
    if title:
        parts.append(Text(title, style="bold"))
    for row in rows:
        name, shape, dtype, value, requires_grad, is_leaf, grad_fn, grad = _row_cells(row)
        head = Text()
        head.append_text(name)
        head.append(f"  {shape.plain} {dtype.plain}")
        flags = [Text("requires_grad=") + requires_grad, Text(f"is_leaf={is_leaf.plain}"), Text("grad_fn=") + grad_fn]
        parts.append(_BlockHead(head, flags))
        if row.grad is None and row.grad_note:
            grad = Text("None", style="dim")
            grad.append(f"  ({row.grad_note})", style="dim italic")
        for label, cell in (("value", value), ("grad", grad)):
            line = Text(f"{label}: ".ljust(7), style="dim")
            line.append_text(cell)
            parts.append(Padding(line, (0, 0, 0, 2)))
    return Group(*parts)


# --- the graph --------------------------------------------------------------------------------------------------------


def _node_label(node: GraphNode, repeat: str | None = None) -> Any:
    from rich.text import Text

    text = Text()
    if node.kind == "constant":
        text.append("(constant)", style="dim")
    elif node.kind == "leaf":
        text.append("AccumulateGrad", style="green")
    else:
        text.append(node.op, style="cyan")
    if node.name is not None:
        text.append("  ")
        text.append(node.name, style="bold")
    if node.shape is not None:
        text.append(" " + format_shape(node.shape), style="dim")
    if node.hooks:
        text.append("  [" + ", ".join(node.hooks) + "]", style="magenta")
    if repeat is not None:
        text.append(f"  {repeat}", style="dim italic")
    return text


def graph_tree(graph: Graph) -> Any:
    """The graph as a tree from its root(s); a node reached again is shown once more as "(shown above)"."""
    from rich.console import Group
    from rich.text import Text
    from rich.tree import Tree

    inputs_count: dict[str, int] = {}
    for source, _, _ in graph.edges():
        inputs_count[source] = inputs_count.get(source, 0) + 1
    shared = [node_id for node_id, count in inputs_count.items() if count > 1 and graph.nodes[node_id].inputs]
    marks = {node_id: f"#{index}" for index, node_id in enumerate(shared, start=1)}
    trees = []
    expanded: set[str] = set()
    for root_id in graph.roots:
        root = graph.nodes[root_id]
        tree = Tree(_node_label(root, marks.get(root_id)), guide_style="dim")
        expanded.add(root_id)
        stack = [(root_id, tree, 0)]
        while stack:
            node_id, branch, depth = stack.pop()
            node = graph.nodes[node_id]
            children = []
            for child_id in node.inputs:
                child = graph.nodes[child_id]
                if child_id in expanded and child.inputs:
                    branch.add(_node_label(child, f"{marks.get(child_id, '')} (shown above)".strip()))
                    continue
                expanded.add(child_id)
                sub = branch.add(_node_label(child, marks.get(child_id)))
                if child.inputs:
                    children.append((child_id, sub, depth + 1))
            for child_id, sub, child_depth in reversed(children):
                if child_depth >= MAX_TREE_DEPTH:
                    sub.add(Text(f"… deeper inputs not drawn (more than {MAX_TREE_DEPTH} levels; try --format dot)",
                                 style="dim"))
                else:
                    stack.append((child_id, sub, child_depth))
        trees.append(tree)
    if graph.truncated:
        trees.append(Text("… the graph is larger than this drawing (node limit reached)", style="dim"))
    return Group(*trees)


# --- the chain rule ---------------------------------------------------------------------------------------------------


def _d(output: str, wrt: str) -> str:
    def part(label: str) -> str:
        return f"({label})" if label.startswith("d") and len(label) > 1 else label  # d(dz)/dx, not ddz/dx

    return f"d{part(output)}/d{part(wrt)}"


def _factor_name(factor: Factor) -> str:
    """d(output)/d(input), saying which operand when the same tensor is several inputs (x * x)."""
    text = _d(factor.output, factor.input)
    return f"{text} (as input {factor.index})" if factor.repeated else text


def _factor_value(factor: Factor) -> str:
    if not factor.elementwise:
        return f"g ↦ {factor.symbol}"
    if factor.value is None:
        return "no gradient"
    value = format_value(factor.value, factor.uniform)
    text = f"{factor.symbol} = {value}" if factor.symbol is not None and factor.symbol != value else value
    if factor.summed_to is not None:
        text += f", summed to {format_shape(factor.summed_to)}"
    return text


def _product_of_values(factors: Sequence[Factor], root_gradient: str | None) -> str | None:
    """`(-1) · 6 · 5` when every factor is one number (the gradient fed in first, when it is not 1)."""
    if not factors or any(not f.elementwise or f.value is None or not (f.uniform or f.value.size == 1)
                          for f in factors):
        return None
    parts = [] if root_gradient is None else [root_gradient]
    for factor in factors:
        number = format_number(factor.value.reshape(-1)[0])
        parts.append(f"({number})" if number.startswith("-") else number)
    return " · ".join(parts)


def _check_line(chain: LeafChain, hooked: list[str]) -> Any:
    from rich.text import Text

    expected = format_array(chain.expected) if chain.expected is not None else "?"
    if chain.check == "equal":
        return Text(f"✓ equals {chain.target} = {expected}", style="green")
    if chain.check == "close":
        return Text(f"✓ equals {chain.target} = {expected} up to floating-point rounding", style="green")
    if chain.check == "differs":
        return Text(f"✗ differs from {chain.target} = {expected}", style="bold red")
    if chain.check == "hooked":
        return Text(f"≠ {chain.target} = {expected}: a hook on {', '.join(hooked)} changed the gradient in this pass "
                    "(the chain rule above is without hooks)", style="yellow")
    return Text("(not checked)", style="dim")


def explain_text(chains: PassChains, total_passes: int | None = None) -> Any:
    from rich.console import Group
    from rich.text import Text

    out: list[Any] = []
    header = Text(f"Backward pass {chains.number}", style="bold")
    if total_passes is not None:
        header.append(f" (of {total_passes})")
    if chains.roots:
        header.append(" from ")
        header.append(", ".join(f"{root.label} {format_shape(root.shape)}" for root in chains.roots), style="bold")
        header.append(f" ({', '.join(root.op for root in chains.roots)})", style="cyan")
    if chains.captures:
        header.append(" — gradients for the given inputs only")
    out.append(header)
    for root in chains.roots:
        fed = format_value(root.gradient, root.gradient_uniform)
        out.append(Text(f"gradient fed in: v = {fed}" + ("" if len(chains.roots) == 1 else f" (for {root.label})")))
    if _shows_uniform(chains):
        out.append(Text("(a single number stands for a tensor whose elements all equal it)", style="dim"))
    if chains.note:
        out.append(Text(chains.note, style="yellow"))
    if not chains.leaves and not chains.note:
        text = "No leaf received a gradient in this pass"
        if chains.captures:
            text += " (explain follows gradients to leaves; the inputs given were not leaves)"
        out.append(Text(text + ".", style="dim"))
    fed_by_root = {root.label: root for root in chains.roots}
    for chain in chains.leaves:
        out.append(Text(""))
        out.extend(_leaf_lines(chain, fed_by_root, chains.hooked))
    if chains.legend:
        out.append(Text(""))
        out.append(Text("where", style="dim"))
        for label, text in chains.legend:
            out.append(Text(f"  {label} = {text}"))
        if chains.legend_omitted:
            out.append(Text(f"  … and {chains.legend_omitted} more", style="dim"))
    return Group(*out)


def _shows_uniform(chains: PassChains) -> bool:
    if any(root.gradient_uniform and root.gradient.size > 1 for root in chains.roots):
        return True
    for chain in chains.leaves:
        if chain.total_uniform and chain.total is not None and chain.total.size > 1:
            return True
        for term in chain.paths:
            if any(f.uniform and f.value is not None and f.value.size > 1 for f in term.factors):
                return True
    return False


def _leaf_lines(chain: LeafChain, roots: dict[str, Any], hooked: list[str]) -> list[Any]:
    from rich.text import Text

    lines: list[Any] = []
    heads = [_d(root.label, chain.label) if root.gradient_is_ones else f"v · {_d(root.label, chain.label)}"
             for root in roots.values()]
    head = " + ".join(heads)

    def shown(factors: Sequence[Factor]) -> tuple[list[Factor], list[Factor], int]:
        first, last = FACTORS_SHOWN
        if len(factors) <= first + last:
            return list(factors), [], 0
        return list(factors[:first]), list(factors[-last:]), len(factors) - first - last

    def path_formula(term: Any) -> str:
        prefix = [] if roots.get(term.root) is not None and roots[term.root].gradient_is_ones else ["v"]
        head_factors, tail_factors, hidden = shown(term.factors)
        factors = [_factor_name(f) for f in head_factors]
        if hidden:
            factors += [f"… ({plural(hidden, 'more factor')})"] + [_factor_name(f) for f in tail_factors]
        return " · ".join(prefix + factors) if prefix + factors else "v"

    def factor_lines(term: Any, indent: str) -> list[Any]:
        rows = []
        head_factors, tail_factors, hidden = shown(term.factors)
        listed = head_factors + tail_factors
        width = max((len(_factor_name(f)) for f in listed), default=0)
        op_width = max((len(f.op) for f in listed), default=0)
        for position, factor in enumerate(listed):
            if hidden and position == len(head_factors):
                rows.append(Text(f"{indent}… {plural(hidden, 'more factor')}", style="dim"))
            line = Text(indent)
            line.append(_factor_name(factor).ljust(width), style="bold")
            line.append("  ")
            line.append(factor.op.ljust(op_width), style="cyan")
            line.append("  " + ("= " if factor.elementwise else ": ") + _factor_value(factor))
            rows.append(line)
        root = roots.get(term.root)
        fed = None if root is None or root.gradient_is_ones or not root.gradient_uniform else \
            format_number(root.gradient.reshape(-1)[0])
        product = None if hidden else _product_of_values(term.factors, fed)
        value = "no gradient flows along this path" if term.value is None else format_value(term.value, term.uniform)
        result = Text(indent + "= ")
        if product is not None and (root is None or root.gradient_uniform) and product != value:
            result.append(product + " = ")
        result.append(value, style="bold")
        rows.append(result)
        return rows

    total = format_value(chain.total, chain.total_uniform) if chain.total is not None else "no gradient"
    if chain.path_count == 1 and chain.paths:
        term = chain.paths[0]
        formula = path_formula(term)
        lines.append(Text(head if formula == head else f"{head} = {formula}", style="bold"))
        lines.extend(factor_lines(term, "    "))
    else:
        lines.append(Text(f"{head} = sum over {chain.path_count} paths", style="bold"))
        for number, term in enumerate(chain.paths, start=1):
            lines.append(Text(f"  path {number}: {path_formula(term)}"))
            lines.extend(factor_lines(term, "      "))
        if len(chain.paths) < chain.path_count:
            more = plural(chain.path_count - len(chain.paths), "more path")
            lines.append(Text(f"  … {more} not listed; the sum below is a backward pass restricted to this leaf",
                              style="dim"))
        result = Text(f"  {head} = ")
        result.append(total, style="bold")
        lines.append(result)
    if chain.before is not None:
        lines.append(Text(f"  {chain.label}.grad held {format_array(chain.before)} before this pass; it accumulates "
                          f"to {format_array(chain.expected) if chain.expected is not None else '?'}"))
    check = Text("  ")
    check.append_text(_check_line(chain, hooked))
    lines.append(check)
    return lines


# --- what show() and graph() print ------------------------------------------------------------------------------------


def show_text(host: Any, values: Sequence[Any]) -> str:
    from autodiff.views.graphview import show_rows

    return to_text(tensor_table(show_rows(host, values), width=host.width), color=host.color, width=host.width) + "\n"


def graph_text(host: Any, value: Any, format: str = "tree") -> str:  # noqa: A002
    from autodiff.views.graphview import graph_of

    return format_graph(graph_of(host, value, format), format, color=host.color, width=host.width)


def format_graph(graph: Graph, format: str, *, color: bool = False, width: int | None = None,  # noqa: A002
                 title: str = "autograd") -> str:
    import json

    from autodiff.views import graphview

    if format == "dot":
        return graphview.to_dot(graph, title)
    if format == "mermaid":
        return graphview.to_mermaid(graph)
    if format == "json":
        return json.dumps(graphview.graph_document(graph), indent=2) + "\n"
    if format == "svg":
        from autodiff.views.svg import graph_svg

        return graph_svg(graph, title=title)
    return to_text(graph_tree(graph), color=color, width=width)
