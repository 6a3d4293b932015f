"""The page `autodiff run --html` writes: one self-contained HTML file (its style sheet and script inline, no
network, opens from disk) showing a run: the script with its output, warnings and error at their lines, the table
of tensors, the graph (click a node for its value, grad, line and local derivatives), and each backward pass step
by step as the engine ran it.

It renders a steps.RunReport: text the views formatted, and SVG drawings from svg.py. Formatting only.
The page's style sheet and script are package data (views/assets/page.css, page.js).
"""

from __future__ import annotations

import json
from html import escape
from importlib import resources
from typing import Any

from autodiff.views.graphview import Graph, GraphNode, TensorRow
from autodiff.views.steps import RunReport, value_text
from autodiff.views.svg import lay_out, to_svg

OUTPUT_LINES_SHOWN = 12  # printed lines shown under a script line before "show all"
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
                           "img-src data:; base-uri 'none'; form-action 'none'")


def asset(name: str) -> str:
    return resources.files("autodiff.views").joinpath("assets", name).read_text(encoding="utf-8")


def _json_for_script(data: Any) -> str:
    """JSON that can sit inside <script> (no `</script>`, no `<!--`)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_page(report: RunReport) -> str:
    title = f"autodiff: {report.filename}"
    parts = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">',
        '<meta name="color-scheme" content="light dark">',
        f"<title>{escape(title)}</title>",
        f"<style>{asset('page.css')}</style>",
        "</head>",
        "<body>",
        _header(report),
        "<main>",
        _script_section(report),
        _tensor_section(report.rows),
        _graph_section(report),
        _backward_section(report),
        "</main>",
        '<footer><p>Made by <code>autodiff run --html</code>. The numbers are the engine\'s own: each backward '
        "step was recorded while the script ran.</p></footer>",
        f'<script type="application/json" id="page-data">{_json_for_script(_page_data(report))}</script>',
        f"<script>{asset('page.js')}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


# --- header -----------------------------------------------------------------------------------------------------------


def _header(report: RunReport) -> str:
    if report.error is None:
        status = '<p class="status ok" id="run-status">The script ran to the end.</p>'
    else:
        where = f" at line {report.error['line']}" if report.error.get("line") else ""
        status = (f'<p class="status error" id="run-status">The script stopped{where} with '
                  f"<strong>{escape(report.error['category'])}</strong>.</p>")
    passes = f"{report.pass_total} backward pass{'es' if report.pass_total != 1 else ''}"
    return (
        '<header class="top">'
        f"<h1><span class=\"muted\">autodiff run</span> <code>{escape(report.filename)}</code></h1>"
        f"{status}"
        f'<p class="summary">{len(report.rows)} named tensor{"s" if len(report.rows) != 1 else ""}, {passes}.</p>'
        '<nav aria-label="Sections"><a href="#script">Script</a><a href="#tensors">Tensors</a>'
        '<a href="#graph">Graph</a><a href="#backward">Backward</a>'
        '<button type="button" id="theme-toggle" aria-label="Switch between light and dark colours">'
        "Dark / light</button></nav>"
        "</header>"
    )


# --- the script -------------------------------------------------------------------------------------------------------


def _output_block(text: str, line: int | None) -> str:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    where = f' data-line="{line}"' if line is not None else ""
    if len(lines) <= OUTPUT_LINES_SHOWN:
        return f'<li class="out"{where}><pre>{escape(chr(10).join(lines))}</pre></li>'
    head = escape("\n".join(lines[:OUTPUT_LINES_SHOWN]))
    rest = escape("\n".join(lines[OUTPUT_LINES_SHOWN:]))
    return (f'<li class="out"{where}><pre>{head}</pre><details><summary>{len(lines) - OUTPUT_LINES_SHOWN} more '
            f"lines</summary><pre>{rest}</pre></details></li>")


def _script_section(report: RunReport) -> str:
    by_line: dict[int | None, list[str]] = {}
    for line, text in report.output:
        by_line.setdefault(line, []).append(text)
    warnings: dict[int | None, list[str]] = {}
    for category, message, line in report.warnings:
        warnings.setdefault(line, []).append(f"{category}: {message}")
    error_line = report.error.get("line") if report.error is not None else None
    source_lines = report.source.split("\n")
    if source_lines and source_lines[-1] == "":
        source_lines.pop()
    items = []
    for number, code in enumerate(source_lines, start=1):
        classes = "src" + (" has-error" if number == error_line and report.error is not None else "")
        items.append(f'<li class="{classes}" id="L{number}" data-line="{number}"><span class="ln" aria-hidden="true">'
                     f"{number}</span><code>{escape(code) or ' '}</code></li>")
        if number in by_line:
            items.append(_output_block("".join(by_line.pop(number)), number))
        for warning in warnings.pop(number, []):
            items.append(f'<li class="warn" data-line="{number}"><pre>{escape(warning)}</pre></li>')
        if report.error is not None and number == error_line:
            items.append(_error_item(report.error))
    leftovers = [text for texts in by_line.values() for text in texts]
    if leftovers:
        items.append(_output_block("".join(leftovers), None))
    for texts in warnings.values():
        for warning in texts:
            items.append(f'<li class="warn"><pre>{escape(warning)}</pre></li>')
    if report.error is not None and (error_line is None or error_line > len(source_lines)):
        items.append(_error_item(report.error))
    whole = "".join(text for _, text in report.output)
    return (
        '<section id="script" aria-labelledby="script-title">'
        '<h2 id="script-title">Script and output</h2>'
        '<p class="hint">Each line\'s output, warnings and error are shown under it.</p>'
        f'<ol class="code" aria-label="The script, line by line">{"".join(items)}</ol>'
        f'<details class="whole-output"><summary>The whole output, in order</summary><pre id="whole-output">'
        f"{escape(whole)}</pre></details>"
        "</section>"
    )


def _error_item(error: dict[str, Any]) -> str:
    text = error.get("text") or f"{error['category']}: {error['message']}"
    return f'<li class="err" id="script-error" role="alert"><pre>{escape(text)}</pre></li>'


# --- the table --------------------------------------------------------------------------------------------------------


def _tensor_section(rows: list[TensorRow]) -> str:
    from autodiff.views.render import format_array, format_shape

    head = ("<tr><th scope=\"col\">name</th><th scope=\"col\">shape</th><th scope=\"col\">dtype</th>"
            "<th scope=\"col\">value</th><th scope=\"col\">requires_grad</th><th scope=\"col\">is_leaf</th>"
            "<th scope=\"col\">grad_fn</th><th scope=\"col\">grad</th></tr>")
    body = []
    for row in rows:
        if row.grad is not None:
            grad = f'<code class="grad">{escape(format_array(row.grad))}</code>'
        else:
            note = f'<span class="why">{escape(row.grad_note)}</span>' if row.grad_note else ""
            grad = f'<span class="none">None</span>{note}'
        body.append(
            f'<tr data-name="{escape(row.name, quote=True)}"><th scope="row"><code>{escape(row.name)}</code></th>'
            f"<td>{escape(format_shape(row.shape))}</td><td>{escape(row.dtype.removeprefix('torch.'))}</td>"
            f"<td><code>{escape(format_array(row.value))}</code></td><td>{row.requires_grad}</td>"
            f"<td>{row.is_leaf}</td><td>{escape(row.grad_fn or 'None')}</td><td>{grad}</td></tr>")
    if not rows:
        body.append('<tr><td colspan="8" class="none">No tensor is bound to a name.</td></tr>')
    return ('<section id="tensors" aria-labelledby="tensors-title"><h2 id="tensors-title">Tensors</h2>'
            '<p class="hint">Every tensor a name holds when the script ended; where <code>grad</code> is None, '
            "the row says why.</p>"
            f'<div class="scroll"><table id="tensor-table"><thead>{head}</thead><tbody>{"".join(body)}</tbody>'
            "</table></div></section>")


# --- the graph --------------------------------------------------------------------------------------------------------


def _graph_section(report: RunReport) -> str:
    if report.graph is None:
        drawing = '<p class="none" id="graph-empty">The script binds no tensor, so there is no graph to draw.</p>'
    else:
        drawing = to_svg(lay_out(report.graph), standalone=False, prefix="main",
                         title=f"autograd graph of {report.graph_title}")
    return (
        '<section id="graph" aria-labelledby="graph-title">'
        f'<h2 id="graph-title">Graph of <code>{escape(report.graph_title or "the last tensor")}</code></h2>'
        '<p class="hint">Arrows run the way the forward pass went, from each input to the op that used it. '
        "Click a node (or focus it and press Enter) to see its value, its grad, the line that made it and the "
        "local derivative it applies.</p>"
        f'<div class="graph-wrap"><div class="scroll drawing" id="main-graph">{drawing}</div>'
        '<aside id="node-details" class="details" aria-live="polite"><p class="hint">No node selected.</p></aside>'
        "</div></section>"
    )


def _node_data(node: GraphNode, report: RunReport, lines: dict[str, int]) -> dict[str, Any]:
    from autodiff.engine.tensor import Tensor
    from autodiff.views.graphview import grad_none_reason
    from autodiff.views.render import format_shape

    data: dict[str, Any] = {"kind": node.kind, "op": node.op, "name": node.name,
                            "shape": format_shape(node.shape) if node.shape is not None else None,
                            "dtype": node.dtype, "line": lines.get(node.id), "inputs": node.inputs}
    tensor = node.tensor
    if tensor is not None:
        data["value"] = value_text(tensor.array)
        grad = tensor.grad
        data["grad"] = value_text(grad.array) if type(grad) is Tensor else None
        data["grad_note"] = None if type(grad) is Tensor else grad_none_reason(tensor, None)
        data["requires_grad"] = tensor.requires_grad
    return data


def _page_data(report: RunReport) -> dict[str, Any]:
    from autodiff.views.graphview import grad_none_reason

    nodes = {}
    graph = report.graph
    if graph is not None:
        notes = {row.name: row.grad_note for row in report.rows}
        for node_id, node in graph.nodes.items():
            data = _node_data(node, report, report.node_lines)
            if node.name is not None and node.name in notes and data.get("grad") is None:
                data["grad_note"] = notes[node.name]
            elif node.tensor is not None and data.get("grad") is None:
                data["grad_note"] = grad_none_reason(node.tensor, None)
            data["factors"] = report.node_factors.get(node_id, [])
            nodes[node_id] = data
    passes = []
    for (pass_graph, steps), lines in zip(report.passes, report.pass_node_lines):
        labels = {node_id: {"op": node.op, "name": node.name, "kind": node.kind, "line": lines.get(node_id)}
                  for node_id, node in pass_graph.nodes.items()}
        passes.append(dict(steps, nodes=labels))
    return {"nodes": nodes, "passes": passes, "passTotal": report.pass_total,
            "error": report.error["line"] if report.error is not None else None}


# --- backward, step by step -------------------------------------------------------------------------------------------


def _backward_section(report: RunReport) -> str:
    if not report.passes:
        body = ('<p class="none" id="no-passes">No backward pass ran: call <code>backward()</code> (or '
                "<code>autograd.grad</code>) to see gradients flow.</p>")
        return ('<section id="backward" aria-labelledby="backward-title"><h2 id="backward-title">Backward, step by '
                f"step</h2>{body}</section>")
    options = []
    drawings = []
    kept = len(report.passes)
    for index, (graph, steps) in enumerate(report.passes):
        roots = ", ".join(root["name"] or root["op"] for root in steps["roots"])
        state = "" if steps["completed"] else " (stopped with an error)"
        selected = " selected" if index == kept - 1 else ""
        options.append(f'<option value="{index}"{selected}>pass {steps["number"]} of {report.pass_total}, from '
                       f"{escape(roots)}{state}</option>")
        drawings.append(_pass_drawing(graph, steps, index, kept))
    omitted = ""
    if report.pass_total > kept:
        omitted = (f'<p class="hint">The script ran {report.pass_total} backward passes; the page keeps the first '
                   "and the last ten.</p>")
    return (
        '<section id="backward" aria-labelledby="backward-title">'
        '<h2 id="backward-title">Backward, step by step</h2>'
        '<p class="hint">The nodes in the order backward ran them. At each step: the gradient that arrived, the '
        "local derivative for each input (as <code>autodiff explain</code> writes it) and the gradient sent along "
        "that edge. Use Next and Previous, or the arrow keys.</p>"
        f'{omitted}<div class="pass-picker"><label for="pass-select">Backward pass</label>'
        f'<select id="pass-select">{"".join(options)}</select></div>'
        '<div class="stepper" role="group" aria-label="Step through backward">'
        '<button type="button" id="step-prev" aria-keyshortcuts="ArrowLeft">◀ Previous</button>'
        '<span id="step-count" aria-live="polite"></span>'
        '<button type="button" id="step-next" aria-keyshortcuts="ArrowRight">Next ▶</button></div>'
        '<div class="graph-wrap">'
        f'<div class="scroll drawing" id="pass-graphs">{"".join(drawings)}</div>'
        '<aside id="step-details" class="details" aria-live="polite"></aside></div>'
        "</section>"
    )


def _pass_drawing(graph: Graph, steps: dict[str, Any], index: int, kept: int) -> str:
    hidden = "" if index == kept - 1 else " hidden"
    if not steps["drawn"]:
        inner = f'<p class="hint">This pass\'s graph has {len(graph.nodes)} nodes: too many to draw here.</p>'
    else:
        inner = to_svg(lay_out(graph, direction="backward"), standalone=False, prefix=f"pass{index}",
                       title=f"backward pass {steps['number']}")
    return f'<div class="pass-graph" data-pass="{index}"{hidden}>{inner}</div>'
