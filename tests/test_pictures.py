"""The pictures: `autodiff graph --format svg` (views/layout.py, views/svg.py) and the page `autodiff run --html`
writes (views/steps.py, views/html.py), checked without a browser. tests/test_browser.py drives the page in Chromium.

The SVG is parsed as XML; its boxes and arrows are counted against the graph's own JSON (`graph --format json`) of
the same program, and its geometry is checked (no overlapping boxes, arrows in the direction asked for).
"""

from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "views"))

from make_views import programs, run_view  # noqa: E402

from autodiff.views import layout as layouts  # noqa: E402

PROGRAMS = programs()
SVG = "{http://www.w3.org/2000/svg}"


def graph_command(program: Path, *arguments: str) -> tuple[str, str, int]:
    import make_views

    make_views.VIEWS["_picture"] = ["graph", *arguments]
    try:
        return run_view(program, "_picture")
    finally:
        del make_views.VIEWS["_picture"]


def classes(element: ET.Element) -> set[str]:
    return set(element.get("class", "").split())


def svg_parts(text: str) -> tuple[ET.Element, list[ET.Element], list[ET.Element]]:
    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg"
    nodes = [e for e in root.iter(f"{SVG}g") if "node" in classes(e)]
    edges = [e for e in root.iter(f"{SVG}path") if "edge" in classes(e)]
    return root, nodes, edges


def box_of(node: ET.Element) -> tuple[float, float, float, float]:
    rect = node.find(f"{SVG}rect")
    assert rect is not None
    return (float(rect.get("x")), float(rect.get("y")), float(rect.get("width")), float(rect.get("height")))


def path_ends(edge: ET.Element) -> tuple[tuple[float, float], tuple[float, float]]:
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", edge.get("d"))]
    return (numbers[0], numbers[1]), (numbers[-2], numbers[-1])


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.stem)
def test_svg_of_every_program_matches_its_graph(program):
    graph_json, _, json_status = graph_command(program, "--format", "json")
    text, _, status = graph_command(program, "--format", "svg", "-o", "-")
    assert status == json_status
    graph = json.loads(graph_json)
    _, nodes, edges = svg_parts(text)
    assert len(nodes) == len(graph["nodes"])
    assert len(edges) == len(graph["edges"])
    assert Counter((e.get("data-from"), e.get("data-to"), e.get("data-input")) for e in edges) == \
        Counter((e["from"], e["to"], str(e["input"])) for e in graph["edges"])
    by_id = {n["id"]: n for n in graph["nodes"]}
    boxes = {}
    for node in nodes:
        described = by_id[node.get("data-node")]
        assert described["kind"] in classes(node)
        lines = [t.text for t in node.iter(f"{SVG}text")]
        assert lines[0] == ("(constant)" if described["kind"] == "constant" else described["op"])
        if described["name"] is not None:
            assert lines[1].split(" ")[0] == described["name"]
        boxes[node.get("data-node")] = box_of(node)
    assert {n.get("data-node") for n in nodes if "root" in classes(n)} == set(graph["roots"])
    # no two boxes overlap
    placed = sorted(boxes.values())
    for i, (x, y, w, h) in enumerate(placed):
        for x2, y2, w2, h2 in placed[i + 1:]:
            assert x + w <= x2 + 0.01 or x2 + w2 <= x + 0.01 or y + h <= y2 + 0.01 or y2 + h2 <= y + 0.01
    # forward: each arrow leaves the bottom of its input's box and ends on the top of the op's box
    for edge in edges:
        (x0, y0), (x1, y1) = path_ends(edge)
        source, target = boxes[edge.get("data-from")], boxes[edge.get("data-to")]
        assert y0 == pytest.approx(source[1] + source[3]) and y1 == pytest.approx(target[1])
        assert source[0] <= x0 <= source[0] + source[2] and target[0] <= x1 <= target[0] + target[2]


def test_svg_backward_direction_turns_the_arrows():
    program = Path(__file__).resolve().parent.parent / "examples" / "leaf_tensors.ad"
    text, _, status = graph_command(program, "--format", "svg", "--backward", "-o", "-")
    assert status == 0
    root, nodes, edges = svg_parts(text)
    assert root.get("data-direction") == "backward"
    boxes = {n.get("data-node"): box_of(n) for n in nodes}
    for edge in edges:
        (_, y0), (_, y1) = path_ends(edge)
        op, used = boxes[edge.get("data-to")], boxes[edge.get("data-from")]
        # from the bottom of the op (now above) to the top of its input (below): the way gradients flow
        assert y0 == pytest.approx(op[1] + op[3]) and y1 == pytest.approx(used[1])
    root_box = boxes[next(n.get("data-node") for n in nodes if "root" in classes(n))]
    assert root_box[1] == min(box[1] for box in boxes.values())


def test_svg_boxes_show_names_shapes_and_small_values_and_grads():
    program = Path(__file__).resolve().parent.parent / "examples" / "leaf_tensors.ad"
    text, _, _ = graph_command(program, "--format", "svg", "-o", "-")
    _, nodes, _ = svg_parts(text)
    lines = {tuple(t.text for t in node.iter(f"{SVG}text")) for node in nodes}
    # x1 = 2 * ones(2, 2) and its gradient -30 = -(w2 * w1) = -(6 * 5), derived by hand
    assert ("AccumulateGrad", "x1 [2, 2]", "= [[2, 2], [2, 2]]", "grad [[-30, -30], [-30, -30]]") in lines
    assert ("SubBackward0", "L [2, 2]", "= [[-50, -50], [-50, -50]]") in lines
    assert ("(constant)",) in lines


def test_svg_to_a_file_says_where(tmp_path):
    from click.testing import CliRunner

    from autodiff.cli.main import main

    program = Path(__file__).resolve().parent.parent / "examples" / "leaf_tensors.ad"
    target = tmp_path / "out.svg"
    result = CliRunner().invoke(main, ["graph", "--format", "svg", str(program), "-o", str(target)])
    assert result.exit_code == 0
    assert result.stdout == f"wrote the graph of L (7 nodes, 6 edges) to {target}\n"
    svg_parts(target.read_text(encoding="utf-8"))


def test_svg_in_a_script_and_a_missing_dot(monkeypatch):
    from click.testing import CliRunner

    from autodiff.cli.main import main

    result = CliRunner().invoke(main, ["run", "-e", "x = ones(2, requires_grad=True); graph(x * 2, format='svg')"])
    assert result.exit_code == 0
    _, nodes, edges = svg_parts(result.stdout)
    assert (len(nodes), len(edges)) == (3, 2)  # MulBackward0, AccumulateGrad, the constant 2
    monkeypatch.setattr(layouts.shutil, "which", lambda name: None)
    program = Path(__file__).resolve().parent.parent / "examples" / "leaf_tensors.ad"
    result = CliRunner().invoke(main, ["graph", "--format", "svg", "--layout", "dot", str(program)])
    assert result.exit_code == 2 and "needs Graphviz's dot" in result.stderr


# --- the layout itself ------------------------------------------------------------------------------------------------


def _boxes(*names: str) -> list[layouts.Box]:
    return [layouts.Box(name, 40, 20) for name in names]


def test_layout_puts_each_input_one_layer_above_its_first_use():
    # a -> c, b -> d, c -> d: b is used only by d, so it sits in c's layer, not in a's
    placed = layouts.layered_layout(_boxes("a", "b", "c", "d"), [("a", "c"), ("c", "d"), ("b", "d")])
    assert [placed.nodes[n].layer for n in "abcd"] == [0, 1, 1, 2]
    assert placed.layers == [["a"], ["c", "b"], ["d"]]


def test_layout_removes_crossings_a_first_order_would_have():
    # Inputs listed crosswise: u1 feeds v2 and u2 feeds v1, and v1 comes first as an input of the sink.
    # Uncrossed, the order is (u2, u1) above (v1, v2).
    edges = [("u1", "v2"), ("u2", "v1"), ("v1", "s"), ("v2", "s"), ("u1", "s2"), ("s", "s2")]
    placed = layouts.layered_layout(_boxes("u1", "u2", "v1", "v2", "s", "s2"), edges)
    assert placed.crossings == 0
    assert layouts.count_crossings(placed) == 0


def test_layout_crossing_count_is_exact():
    # K(2,2) between two layers cannot be drawn without one crossing
    edges = [("a", "c"), ("a", "d"), ("b", "c"), ("b", "d")]
    placed = layouts.layered_layout(_boxes("a", "b", "c", "d"), edges)
    assert placed.crossings == 1
    assert layouts._crossings_between([0, 1], [2, 3], [[3, 2], [3, 2], [], []]) == 1
    assert layouts._crossings_between([0, 1], [2, 3], [[3], [2], [], []]) == 1
    assert layouts._crossings_between([0, 1], [2, 3], [[2], [3], [], []]) == 0


def test_layout_projection_is_the_closest_placement_without_overlap():
    # two 40-wide boxes wanting the same spot 100 end up symmetric around it, NODE_GAP + 40 apart
    placed = layouts._project([100.0, 100.0], [40.0, 40.0], [1.0, 1.0])
    gap = 40 + layouts.NODE_GAP
    assert placed == pytest.approx([100 - gap / 2, 100 + gap / 2])
    assert layouts._project([0.0, 500.0], [40.0, 40.0], [1.0, 1.0]) == [0.0, 500.0]


def test_layout_handles_a_deep_chain_without_recursion():
    count = 3000
    names = [f"v{i}" for i in range(count)]
    placed = layouts.layered_layout(_boxes(*names), list(zip(names, names[1:])))
    assert placed.nodes["v0"].layer == 0 and placed.nodes[names[-1]].layer == count - 1
    assert len({round(p.x, 3) for p in placed.nodes.values()}) == 1  # a chain is drawn straight


# --- the page, without a browser --------------------------------------------------------------------------------------

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def page_of(program: Path, tmp_path: Path) -> tuple[str, int]:
    """The page `run --html` writes for a program (run from the program's folder), and the exit status."""
    import make_views

    target = tmp_path / f"{program.stem}.html"
    make_views.VIEWS["_page"] = ["run", "--html", str(target)]
    try:
        _, _, status = run_view(program, "_page")
    finally:
        del make_views.VIEWS["_page"]
    return target.read_text(encoding="utf-8"), status


def page_data(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', page, re.S)
    assert found is not None
    return json.loads(found.group(1))


def explain_factors(text: str) -> dict[str, str]:
    """explain's factor lines: `dy/dx2  MulBackward0  = w2 = 6` -> {"dy/dx2": "w2 = 6"}."""
    found = {}
    for line in text.splitlines():
        match = re.match(r"^\s+(d\S+/d\S+(?: \(as input \d\))?)\s+(\w+)\s+[=:] (.*)$", line)
        if match:
            found[match.group(1)] = match.group(3)
    return found


def explain_checks(text: str) -> dict[str, str]:
    """explain's check lines: `✓ equals x1.grad = [[-30, ...]]` -> {"x1": "[[-30, ...]]"}."""
    return {m.group(1): m.group(2) for m in re.finditer(r"✓ equals (\S+)\.grad = (.*?)(?: up to .*)?$", text, re.M)}


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.stem)
def test_page_of_every_program(program, tmp_path):
    page, status = page_of(program, tmp_path)
    document_json, _, json_status = run_view(program, "json")
    graph_json, _, _ = graph_command(program, "--format", "json")
    assert status == json_status
    run = json.loads(document_json)
    graph = json.loads(graph_json)
    data = page_data(page)
    # self-contained: nothing is loaded from anywhere (the SVG namespace is a name, not a request)
    assert not re.search(r"<(link|img|iframe|object|embed)\b", page)
    assert not re.search(r"\b(src|href)=[\"']?(https?:)?//", page)
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) <= {"http://www.w3.org/2000/svg"}
    assert "Content-Security-Policy" in page
    # the table: one row per tensor of `run --json`
    table = page.split('id="tensor-table"', 1)[1].split("</table>", 1)[0]
    assert len(re.findall(r'<tr data-name="', table)) == len(run["tensors"])
    # the graph: the same nodes and edges as `graph --format json`
    main = page.split('id="main-graph"', 1)[1].split("</svg>", 1)[0] + "</svg>"
    if graph["nodes"]:
        _, nodes, edges = svg_parts(main[main.index("<svg"):])
        assert (len(nodes), len(edges)) == (len(graph["nodes"]), len(graph["edges"]))
        assert set(data["nodes"]) == {node["id"] for node in graph["nodes"]}
    # every script line is there, with its number
    lines = program.read_text(encoding="utf-8").split("\n")
    assert page.count('class="src') == len(lines) - (lines[-1] == "")
    # the error, in place: right after its line
    if run["error"] is not None:
        line = run["error"]["line"]
        assert re.search(rf'id="L{line}".*?</li>(<li class="(out|warn)".*?</li>)*<li class="err" id="script-error"',
                         page, re.S)
    else:
        assert "script-error" not in page
    for warning in run["warnings"]:
        assert f"{warning['category']}: " in page


def test_page_steps_are_the_engines_and_explains_numbers(tmp_path):
    program = EXAMPLES / "leaf_tensors.ad"
    data = page_data(page_of(program, tmp_path)[0])
    explained, _, _ = run_view(program, "explain")
    factors, checks = explain_factors(explained), explain_checks(explained)
    (only,) = data["passes"]
    steps = only["steps"]
    # backward runs L, then y, then (last in, first out) w2's AccumulateGrad, x2, w1's and x1's
    assert [(s["op"], s["label"]) for s in steps] == [
        ("SubBackward0", "L"), ("MulBackward0", "y"), ("AccumulateGrad", "w2"), ("MulBackward0", "x2"),
        ("AccumulateGrad", "w1"), ("AccumulateGrad", "x1")]
    assert steps[0]["arrived"] == {"text": "[[1, 1], [1, 1]]", "shape": "[2, 2]", "uniform": "1"}
    shown = 0
    for step in steps:
        for send in step["sends"]:
            assert factors[send["d"]] == send["factor"]  # the local derivative, as explain writes it
            shown += 1
        if step["op"] == "AccumulateGrad":
            assert step["leaf"]["after"]["text"] == checks[step["label"]]  # what the leaf's .grad became
            assert step["arrived"]["text"] == checks[step["label"]]  # .grad was None: it is what arrived
    assert shown == 5 and len(checks) == 3
    # hand derivation: L = Y - x1*w1*w2 with x1 = 2, w1 = 5, w2 = 6, so y gets -1 and x2 gets -1 * w2 = -6
    sub, mul_y = steps[0], steps[1]
    assert [s["value"]["uniform"] for s in sub["sends"]] == ["-1"]
    assert [(s["to_label"], s["value"]["uniform"]) for s in mul_y["sends"]] == [("x2", "-6"), ("w2", "-10")]


def test_page_shows_where_gradients_add_up(tmp_path):
    # y = x * x + x: x's AccumulateGrad receives three gradients (2, 2 and 1 from the two factors and the sum)
    script = tmp_path / "adds.ad"
    script.write_text("x = tensor(2.0, requires_grad=True)\nz = x * x\ny = z + x\ny.backward()\nprint(x.grad)\n",
                      encoding="utf-8")
    data = page_data(page_of(script, tmp_path)[0])
    sends = [send for step in data["passes"][0]["steps"] for send in step["sends"] if send["to_label"] == "x"]
    assert [(s["arrival"], s["arrivals"], s["value"]["text"]) for s in sends] == [(1, 3, "1"), (2, 3, "2"),
                                                                                 (3, 3, "2")]
    assert [s["total"]["text"] if s["total"] else None for s in sends] == [None, "3", "5"]
    (leaf,) = [step for step in data["passes"][0]["steps"] if step["op"] == "AccumulateGrad"]
    assert leaf["arrived"]["text"] == "5" and leaf["leaf"]["after"]["text"] == "5"  # d(x² + x)/dx = 2x + 1 = 5


def test_page_with_two_backward_passes_keeps_both(tmp_path):
    program = EXAMPLES / "matmul_parameters.ad"
    page, status = page_of(program, tmp_path)
    data = page_data(page)
    explained, _, _ = run_view(program, "explain")
    total = int(re.search(r"Backward pass \d+ \(of (\d+)\)", explained).group(1))
    assert status == 0 and total == 2 and data["passTotal"] == 2
    assert [p["number"] for p in data["passes"]] == [1, 2]
    assert page.count('class="pass-graph"') == 2


def test_page_keeps_the_first_and_last_passes_of_a_long_loop(tmp_path):
    data = page_data(page_of(EXAMPLES / "training_loop.ad", tmp_path)[0])
    assert data["passTotal"] == 30
    assert [p["number"] for p in data["passes"]] == list(range(1, 11)) + list(range(21, 31))


def test_page_escapes_what_the_script_prints(tmp_path):
    script = tmp_path / "markup.ad"
    script.write_text('print("</script><b>bold</b>")\nx = ones(1, requires_grad=True)\n', encoding="utf-8")
    page = page_of(script, tmp_path)[0]
    assert "<b>bold</b>" not in page and "&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in page


def test_page_links_nodes_to_the_lines_that_made_them(tmp_path):
    data = page_data(page_of(EXAMPLES / "leaf_tensors.ad", tmp_path)[0])
    lines = {(node["op"], node["name"]): node["line"] for node in data["nodes"].values()}
    assert lines[("AccumulateGrad", "x1")] == 5 and lines[("MulBackward0", "y")] == 9
    assert lines[("SubBackward0", "L")] == 11 and lines[("MulBackward0", "x2")] == 8


def test_repl_html_writes_a_page_of_the_session(tmp_path):
    from click.testing import CliRunner

    from autodiff.cli.main import main

    target = tmp_path / "session.html"
    session = (f"a = tensor([2.0], requires_grad=True)\nb = a * a\nb.backward()\na.grad\n"
               f"undefined_name\n:html {target}\n")
    result = CliRunner().invoke(main, ["repl"], input=session)
    assert f"wrote a page of 4 inputs to {target}" in result.stdout + result.stderr
    page = target.read_text(encoding="utf-8")
    data = page_data(page)
    assert "REPL session" in page and "print(a.grad)" in page  # the echoed value, as :save writes it
    (only,) = data["passes"]
    assert [(step["op"], step["arrived"]["text"]) for step in only["steps"]] == [("MulBackward0", "[1]"),
                                                                               ("AccumulateGrad", "[4]")]
    assert "tensor([4.])" in page  # d(a²)/da = 2a = 4, printed by the script line
    result = CliRunner().invoke(main, ["repl"], input=":html\n")
    assert ":html needs a file name" in result.stdout + result.stderr


def test_layout_bounds_the_bends_of_an_input_used_all_along_a_chain():
    # y = y * a + x in a loop: x feeds every layer, so bending every edge would take n²/2 points
    count = 400
    names = [f"v{i}" for i in range(count)]
    edges = list(zip(names, names[1:])) + [("x", name) for name in names[1:]]
    placed = layouts.layered_layout(_boxes("x", *names), edges)
    assert sum(len(route.points) for route in placed.routes) <= 2 * len(edges) + 2 * layouts.MAX_BENDS
    assert all(route.points[0][1] < route.points[-1][1] for route in placed.routes)
