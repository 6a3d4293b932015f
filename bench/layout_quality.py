"""Compare autodiff's built-in layered layout (views/layout.py) with Graphviz's dot on the graphs of every example
and seed program: edge crossings, drawing area, total edge length, time. `python bench/layout_quality.py`
(needs `dot` on PATH for the second column). The numbers are in docs/views.md.
"""

from __future__ import annotations

import io
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def graph_of(program: Path):
    from autodiff.cli.main import _view_target, make_interpreter
    from autodiff.views.graphview import Recorder, ViewHost, build_graph

    host = ViewHost()
    host.recorder = Recorder(host.variables, keep_saved=True)
    previous = Path.cwd()
    os.chdir(program.parent)
    try:
        with host.recorder.installed():
            interpreter = make_interpreter(program.name, stdout=io.StringIO(), stderr=io.StringIO(), views=host)
            try:
                interpreter.run_source(program.read_text(encoding="utf-8"))
            except Exception:  # a program that ends in an error still has a graph
                pass
    finally:
        os.chdir(previous)
    roots, _ = _view_target(host, None)
    return build_graph(roots, host.names(), host.recorder.saved)


def measure(graph, engine: str) -> tuple[int, float, float, float]:
    from autodiff.views import layout as layouts
    from autodiff.views.svg import lay_out

    start = time.perf_counter()
    drawing = lay_out(graph, engine=engine)
    elapsed = time.perf_counter() - start
    placed = drawing.layout
    length = sum(math.dist(a, b) for route in placed.routes for a, b in zip(route.points, route.points[1:]))
    return layouts.count_crossings(placed), placed.width * placed.height / 1000, length, elapsed * 1000


def main() -> int:
    from autodiff.views import layout as layouts

    programs = sorted((ROOT / "tests" / "seeds").glob("*.py")) + sorted((ROOT / "examples").glob("*.ad"))
    engines = ["builtin"] + (["dot"] if layouts.dot_available() else [])
    print("| program | nodes | " + " | ".join(f"{e} crossings | {e} area (kpx²) | {e} edge length (px) | {e} ms"
                                              for e in engines) + " |")
    print("|---|---|" + "---|" * 4 * len(engines))
    totals = {engine: [0, 0.0, 0.0, 0.0] for engine in engines}
    for program in programs:
        graph = graph_of(program)
        cells = []
        for engine in engines:
            result = measure(graph, engine)
            for i, value in enumerate(result):
                totals[engine][i] += value
            cells.append(f"{result[0]} | {result[1]:.0f} | {result[2]:.0f} | {result[3]:.1f}")
        print(f"| {program.name} | {len(graph.nodes)} | " + " | ".join(cells) + " |")
    print("| total | | " + " | ".join(f"{t[0]} | {t[1]:.0f} | {t[2]:.0f} | {t[3]:.1f}" for t in totals.values()) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
