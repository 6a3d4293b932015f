"""Benchmarks: autodiff against PyTorch eager (when installed) and raw NumPy.

    python bench/run.py              # the full suite (about 15 minutes on 2 cores)
    python bench/run.py --quick      # small sizes, one round: checks that everything runs
    python bench/run.py --only per_op,training --rounds 5

Prints a table and writes bench/results/latest.json. Each figure is the median over all samples with
its min-max spread; each ratio is taken per round (autodiff's and the other engine's processes run in
turn, A B A B ..., so a drifting machine affects both sides of a ratio alike) and reported as the
median ratio with its min-max. Every engine runs in its own process (bench/workloads.py), so PyTorch
is never imported beside autodiff and peak memory is each process's own. Without torch installed the
PyTorch column is empty and the rest still runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SEEDS = ROOT / "tests" / "seeds"
RESULTS = BENCH / "results"
WORKER = BENCH / "workloads.py"

HAS_TORCH = importlib.util.find_spec("torch") is not None


# --- measuring -------------------------------------------------------------------------------------------
# What each worker reported beside its timings (results, dtypes, gradient sums): kept in the JSON.
WORKER_INFO: list[dict[str, Any]] = []


def worker(name: str, engine: str, **params: Any) -> dict[str, Any]:
    """Run one workload in a fresh process and return its JSON result."""
    command = [sys.executable, str(WORKER), name, engine, json.dumps(params)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=str(BENCH))
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    WORKER_INFO.append({"workload": name, "engine": engine, "params": params, "info": result.get("info")})
    return result


def cached_bytecode_env() -> dict[str, str]:
    """The environment with Python's bytecode cache on, as an installed package has it (a development
    shell may set PYTHONDONTWRITEBYTECODE, which makes an editable autodiff compile its source at every
    start while PyTorch's installed .pyc files are still read)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def whole_process(command: list[str], cwd: str, env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """(wall s, user+sys s, peak RSS bytes) of one run of `command`, from the kernel's accounting."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited with {process.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def stats(values: list[float]) -> dict[str, Any] | None:
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values),
            "samples": values}


class Row:
    """One line of the table: a metric measured on up to three engines, with ratios per round."""

    def __init__(self, group: str, metric: str, unit: str, scale: float = 1.0, target: str = "",
                 limit: float | None = None, against: str = "torch", lower_is_better: bool = True,
                 more: tuple[tuple[str, float, str], ...] = (), floor: float | None = None):
        self.group, self.metric, self.unit, self.scale = group, metric, unit, scale
        self.target, self.limit, self.against, self.lower_is_better = target, limit, against, lower_is_better
        # Further targets: (text, ratio limit, engine) each, and `floor`, a least median for autodiff itself.
        self.more, self.floor = more, floor
        self.values: dict[str, list[float]] = {"autodiff": [], "torch": [], "numpy": []}
        self.ratios: dict[str, list[float]] = {"torch": [], "numpy": []}

    def add_round(self, per_engine: dict[str, list[float]]) -> None:
        """Record one round's samples (already in display units) and the round's ratios of medians."""
        for engine, values in per_engine.items():
            self.values[engine].extend(values)
        ours = per_engine.get("autodiff")
        for other in ("torch", "numpy"):
            theirs = per_engine.get(other)
            if ours and theirs and statistics.median(theirs) > 0:
                self.ratios[other].append(statistics.median(ours) / statistics.median(theirs))

    def add_pairs(self, ours: list[float], theirs: list[float], other: str) -> None:
        """Samples of `other` taken in pairs with ours (ours[i] right before theirs[i]): one ratio per pair.
        `ours` is already recorded (by add_round)."""
        self.values[other].extend(theirs)
        self.ratios[other].extend(a / b for a, b in zip(ours, theirs) if b > 0)

    def ratio(self) -> dict[str, Any] | None:
        return stats(self.ratios[self.against])

    def met(self) -> bool | None:
        verdicts = [verdict for _, verdict in self.verdicts()]
        if not verdicts or None in verdicts:
            return None
        return all(verdicts)

    def verdicts(self) -> list[tuple[str, bool | None]]:
        """Each target's text and whether it is met (None: not measured)."""
        out: list[tuple[str, bool | None]] = []
        checks = ([(self.target, self.limit, self.against)] if self.limit is not None else []) + list(self.more)
        for text, limit, against in checks:
            ratio = stats(self.ratios[against])
            out.append((text, None if ratio is None else ratio["median"] <= limit))
        if self.floor is not None:
            ours = stats(self.values["autodiff"])
            out.append((self.target, None if ours is None else ours["median"] >= self.floor))
        return out

    def verdict_text(self, bold: bool = False) -> str:
        words = {True: "met", False: "NOT met" if not bold else "not met", None: "?"}
        mark = "**" if bold else ""
        return "; ".join(f"{text}: {mark}{words[verdict]}{mark}" for text, verdict in self.verdicts())

    def as_json(self) -> dict[str, Any]:
        return {
            "group": self.group, "metric": self.metric, "unit": self.unit,
            "autodiff": stats(self.values["autodiff"]), "torch": stats(self.values["torch"]),
            "numpy": stats(self.values["numpy"]),
            "ratio_vs_torch": stats(self.ratios["torch"]), "ratio_vs_numpy": stats(self.ratios["numpy"]),
            "target": self.target, "target_ratio": self.limit, "target_against": self.against,
            "targets": [{"target": text, "met": verdict} for text, verdict in self.verdicts()],
            "met": self.met(),
        }


def scaled(samples: list[float], scale: float) -> list[float]:
    return [value * scale for value in samples]


# --- the benchmarks ------------------------------------------------------------------------------------------
def autodiff_command() -> list[str]:
    script = Path(sys.executable).with_name("autodiff")
    if script.exists():
        return [str(script)]
    found = shutil.which("autodiff")
    return [found] if found else [sys.executable, "-m", "autodiff"]


def bench_cold_start(rounds: int, quick: bool) -> list[Row]:
    seed = SEEDS / "seed000_leaves.py"
    if not seed.exists():
        print(f"  (skipped: {seed} not found)")
        return []
    commands = {"autodiff": autodiff_command() + ["run", seed.name], "numpy": [sys.executable, "-c", "import numpy"]}
    if HAS_TORCH:
        commands["torch"] = [sys.executable, seed.name]
    floor = (("<= 1.3x `import numpy`", 1.3, "numpy"),)
    wall = Row("1 cold start", "seed000_leaves.py, wall", "ms", target="autodiff >= 5x faster than torch",
               limit=0.2, more=floor)
    cpu = Row("1 cold start", "seed000_leaves.py, user+sys", "ms", target="autodiff >= 5x faster than torch",
              limit=0.2, more=floor)
    peak = Row("1 cold start", "seed000_leaves.py, peak RSS", "MiB")
    env = cached_bytecode_env()
    for command in commands.values():  # warm-up: page cache, bytecode cache, the parser cache
        whole_process(command, str(SEEDS), env)
    for _ in range(rounds):
        measured = {engine: whole_process(command, str(SEEDS), env) for engine, command in commands.items()}
        wall.add_round({engine: [m[0] * 1e3] for engine, m in measured.items()})
        cpu.add_round({engine: [m[1] * 1e3] for engine, m in measured.items()})
        peak.add_round({engine: [m[2] / 2**20] for engine, m in measured.items()})
    return [wall, cpu, peak]


def engines(with_numpy: bool = True) -> list[str]:
    return ["autodiff"] + (["torch"] if HAS_TORCH else []) + (["numpy"] if with_numpy else [])


def bench_per_op(rounds: int, quick: bool) -> list[Row]:
    n = 2_000 if quick else 200_000
    forward = Row("2 per-op overhead", f"{n:,} scalar muls, forward", "µs/op", target="<= 1.0x torch", limit=1.0,
                  more=(("<= 0.5x torch", 0.5, "torch"),))
    backward = Row("2 per-op overhead", f"{n:,} scalar muls, backward", "µs/op", target="<= 1.0x torch",
                   limit=1.0)
    for _ in range(rounds):
        results = {engine: worker("per_op", engine, n=n, repeats=1 if quick else 3) for engine in engines()}
        forward.add_round({e: scaled(r["samples"]["forward"], 1e6 / n) for e, r in results.items()})
        backward.add_round({e: scaled(r["samples"]["backward"], 1e6 / n) for e, r in results.items()})
    return [forward, backward]


def bench_training(rounds: int, quick: bool) -> list[Row]:
    epochs = 20 if quick else 2_000
    steps = epochs * 3
    row = Row("3 training loop", f"seed004, {epochs:,} epochs ({steps:,} steps)", "µs/step",
              target="<= 1.0x torch", limit=1.0, more=(("<= 0.5x torch", 0.5, "torch"),))
    for _ in range(rounds):
        results = {engine: worker("training", engine, epochs=epochs, repeats=1 if quick else 3)
                   for engine in engines(with_numpy=False)}
        row.add_round({e: scaled(r["samples"]["loop"], 1e6 / steps) for e, r in results.items()})
    return [row]


def bench_deep(rounds: int, quick: bool) -> list[Row]:
    sizes = (1_000, 10_000) if quick else (100_000, 1_000_000)
    group = "4 deep graph"
    rows = {}
    for n in sizes:
        rows[n] = (
            Row(group, f"{n:,}-op chain, forward+backward", "s", target="<= 1.5x torch", limit=1.5),
            Row(group, f"{n:,}-op chain, peak RSS", "MiB"),
            Row(group, f"{n:,}-op chain, graph memory (peak - before)", "MiB", target="<= 2x torch", limit=2.0),
        )
    linear = Row(group, f"time {sizes[1]:,} / time {sizes[0]:,} (10 = linear)", "x")
    for _ in range(rounds):
        totals: dict[int, dict[str, float]] = {}
        for n in sizes:
            results = {engine: worker("deep", engine, n=n) for engine in engines(with_numpy=False)}
            time_row, peak_row, graph_row = rows[n]
            time_row.add_round({e: r["samples"]["total"] for e, r in results.items()})
            peak_row.add_round({e: scaled(r["samples"]["peak_rss"], 2**-20) for e, r in results.items()})
            graph_row.add_round({e: scaled(r["samples"]["graph_rss"], 2**-20) for e, r in results.items()})
            totals[n] = {e: r["samples"]["total"][0] for e, r in results.items()}
        linear.add_round({e: [totals[sizes[1]][e] / totals[sizes[0]][e]] for e in totals[sizes[0]]})
    return [row for n in sizes for row in rows[n]] + [linear]


def bench_big(rounds: int, quick: bool) -> list[Row]:
    group = "5 big tensors"
    size = "256x256" if quick else "2048x2048"
    matmul = Row(group, f"{size} float32 matmul, fwd+bwd", "ms", target="<= 1.15x numpy", limit=1.15,
                 against="numpy")
    elements = "10^6" if quick else "10^7"
    elementwise = Row(group, f"10-op elementwise chain on {elements}, fwd+bwd", "ms", target="<= 1.15x numpy",
                      limit=1.15, against="numpy")
    for _ in range(rounds):
        # The NumPy reference runs inside autodiff's worker, interleaved with it: ratios are per pair.
        results = {engine: worker("big", engine, repeats=1 if quick else 3, quick=quick)
                   for engine in engines(with_numpy=False)}
        ours = results["autodiff"]["samples"]
        matmul.add_round({e: scaled(r["samples"]["matmul"], 1e3) for e, r in results.items()})
        elementwise.add_round({e: scaled(r["samples"]["elementwise"], 1e3) for e, r in results.items()})
        matmul.add_pairs(scaled(ours["matmul"], 1e3), scaled(ours["numpy_matmul"], 1e3), "numpy")
        elementwise.add_pairs(scaled(ours["elementwise"], 1e3), scaled(ours["numpy_elementwise"], 1e3), "numpy")
    return [matmul, elementwise]


def bench_parsing(rounds: int, quick: bool) -> list[Row]:
    """Lines per CPU-second (the parse is one thread of pure computation: CPU time leaves out the time the
    machine gave to other work), autodiff's reader against CPython's ast.parse of the same text."""
    lines = 500 if quick else 20_000
    # The reference column is CPython's own ast.parse of the same text.
    generated = Row("6 parsing", f"generated {lines:,}-line script (numpy column: CPython ast.parse)",
                    "lines/CPU-s", lower_is_better=False, against="numpy")
    real = Row("6 parsing", "real programs: tests/golden, seeds, examples (numpy column: CPython ast.parse)",
               "lines/CPU-s", lower_is_better=False, against="numpy", target=">= 20,000 lines/s", floor=20_000)
    classes = Row("6 parsing", "real-style programs with classes: lang_* and class goldens (numpy column: CPython "
                  "ast.parse)", "lines/CPU-s", lower_is_better=False, against="numpy", target=">= 20,000 lines/s",
                  floor=20_000)
    for _ in range(rounds):
        results = {"autodiff": worker("parsing", "autodiff", lines=lines, repeats=1 if quick else 3),
                   "numpy": worker("parsing", "python", lines=lines, repeats=3)}
        generated.add_round({e: [lines / t for t in r["samples"]["parse_cpu"]] for e, r in results.items()})
        results = {"autodiff": worker("parsing_real", "autodiff", repeats=1 if quick else 5),
                   "numpy": worker("parsing_real", "python", repeats=5)}
        total = results["autodiff"]["info"]["lines"]
        real.add_round({e: [total / t for t in r["samples"]["parse_cpu"]] for e, r in results.items()})
        results = {"autodiff": worker("parsing_classes", "autodiff", repeats=1 if quick else 5),
                   "numpy": worker("parsing_classes", "python", repeats=5)}
        total = results["autodiff"]["info"]["lines"]
        classes.add_round({e: [total / t for t in r["samples"]["parse_cpu"]] for e, r in results.items()})
    return [generated, real, classes]


def bench_rng(rounds: int, quick: bool) -> list[Row]:
    """bench/bench_rng.py's figures (autodiff's PyTorch-exact samplers vs NumPy's), as rows."""
    script = BENCH / "bench_rng.py"
    if not script.exists():
        return []
    n = 10_000 if quick else 1_000_000
    done = subprocess.run([sys.executable, str(script), str(n)], capture_output=True, text=True, cwd=str(BENCH))
    if done.returncode != 0:
        print(f"  (bench_rng.py failed: {done.stderr.strip()[-300:]})")
        return []
    rows = []
    for line in done.stdout.splitlines():
        parts = line.rsplit(None, 3)
        if len(parts) != 4:
            continue
        try:
            ours, theirs = float(parts[1]), float(parts[2])
        except ValueError:
            continue
        row = Row("7 rng (bench_rng.py, best of 7)", f"{parts[0].strip()}, n={n:,}", "µs", against="numpy")
        row.add_round({"autodiff": [ours], "numpy": [theirs]})
        rows.append(row)
    return rows


BENCHMARKS = {
    "cold_start": (bench_cold_start, 9),
    "per_op": (bench_per_op, 3),
    "training": (bench_training, 3),
    "deep": (bench_deep, 2),
    "big": (bench_big, 3),
    "parsing": (bench_parsing, 2),
    "rng": (bench_rng, 1),
}


# --- reporting -----------------------------------------------------------------------------------------------
def fmt(value: float) -> str:
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def cell(data: dict[str, Any] | None) -> str:
    if data is None:
        return "-"
    if data["n"] == 1:
        return fmt(data["median"])
    return f"{fmt(data['median'])} [{fmt(data['min'])}-{fmt(data['max'])}]"


def table(rows: list[Row]) -> str:
    header = ["benchmark", "unit", "autodiff", "torch", "numpy", "autodiff/torch", "autodiff/numpy", "target"]
    lines = [header]
    for row in rows:
        data = row.as_json()
        verdict = row.verdict_text()
        lines.append([f"{row.group}: {row.metric}", row.unit, cell(data["autodiff"]), cell(data["torch"]),
                      cell(data["numpy"]), cell(data["ratio_vs_torch"]), cell(data["ratio_vs_numpy"]), verdict])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for index, line in enumerate(lines):
        out.append("  ".join(text.ljust(widths[i]) for i, text in enumerate(line)).rstrip())
        if index == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def markdown(rows: list[Row]) -> str:
    out = ["| benchmark | unit | autodiff | torch | numpy | autodiff/torch | autodiff/numpy | target |",
           "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for row in rows:
        data = row.as_json()
        verdict = row.verdict_text(bold=True)
        out.append(f"| {row.group}: {row.metric} | {row.unit} | {cell(data['autodiff'])} | {cell(data['torch'])} | "
                   f"{cell(data['numpy'])} | {cell(data['ratio_vs_torch'])} | {cell(data['ratio_vs_numpy'])} | "
                   f"{verdict} |")
    return "\n".join(out)


def cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


# Which SIMD kernels NumPy dispatches to on this CPU and which OpenBLAS core it picked: figures measured on
# machines that differ here are not comparable.
KERNELS_PROBE = """
import ctypes, glob, json, os
import numpy
out = {}
try:
    from numpy._core._multiarray_umath import __cpu_baseline__, __cpu_dispatch__, __cpu_features__
    supported = [name for name, present in __cpu_features__.items() if present]
    out["numpy_simd"] = {"baseline": list(__cpu_baseline__), "dispatch_targets": list(__cpu_dispatch__),
                         "dispatched_here": [t for t in __cpu_dispatch__ if __cpu_features__.get(t)],
                         "cpu_features": supported}
except ImportError:
    pass
try:
    blas = numpy.show_config(mode="dicts")["Build Dependencies"]["blas"]
    out["blas_build"] = {k: blas.get(k) for k in ("name", "version", "openblas configuration")}
except Exception:
    pass
for path in glob.glob(os.path.join(os.path.dirname(numpy.__file__), os.pardir, "numpy.libs", "*openblas*")):
    library = ctypes.CDLL(path)
    for name in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename"):
        function = getattr(library, name, None)
        if function is not None:
            function.restype = ctypes.c_char_p
            out["openblas_core"] = function().decode()
            break
print(json.dumps(out))
"""


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
        "loadavg": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"),
    }
    info["cpu_model"] = cpu_model()
    probe = ("import json, numpy; out = {'numpy': numpy.__version__}\n"
             "try:\n    import threadpoolctl; out['blas'] = [{k: i.get(k) for k in ('internal_api', 'version', "
             "'num_threads', 'architecture')} for i in threadpoolctl.threadpool_info()]\n"
             "except ImportError:\n    pass\n"
             "print(json.dumps(out))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    if done.returncode == 0:
        info.update(json.loads(done.stdout))
    done = subprocess.run([sys.executable, "-c", KERNELS_PROBE], capture_output=True, text=True)
    if done.returncode == 0:
        info.update(json.loads(done.stdout))
    if HAS_TORCH:
        done = subprocess.run([sys.executable, "-c", "import torch; print(torch.__version__, torch.get_num_threads())"],
                              capture_output=True, text=True)
        if done.returncode == 0:
            version, threads = done.stdout.split()
            info["torch"], info["torch_threads"] = version, int(threads)
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and one round (checks that it runs)")
    parser.add_argument("--rounds", type=int, help="rounds per benchmark (default: each benchmark's own)")
    parser.add_argument("--only", help=f"comma-separated subset of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json", help="where to write the JSON")
    parser.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out even when it is installed")
    args = parser.parse_args(argv)
    if args.no_torch:
        global HAS_TORCH
        HAS_TORCH = False
    chosen = list(BENCHMARKS) if not args.only else [name.strip() for name in args.only.split(",")]
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    info = machine()
    simd = info.get("numpy_simd", {})
    print(f"python {info['python']}, numpy {info.get('numpy')}, torch {info.get('torch', 'not installed')}, "
          f"{info['cpus']} cpus ({info.get('cpu_model')}), NumPy SIMD dispatched: "
          f"{','.join(simd.get('dispatched_here', [])) or '?'} (baseline {','.join(simd.get('baseline', []))}), "
          f"OpenBLAS core {info.get('openblas_core', '?')}, OPENBLAS_CORETYPE={info['OPENBLAS_CORETYPE']}, "
          f"load {info['loadavg']}")
    rows: list[Row] = []
    started = time.perf_counter()
    for name in chosen:
        function, default_rounds = BENCHMARKS[name]
        rounds = 1 if args.quick else (args.rounds or default_rounds)
        print(f"running {name} ({rounds} round{'s' if rounds != 1 else ''}) ...", flush=True)
        t0 = time.perf_counter()
        rows.extend(function(rounds, args.quick))
        print(f"  {time.perf_counter() - t0:.0f} s", flush=True)
    info["loadavg_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    info["seconds"] = time.perf_counter() - started
    print()
    print(table(rows))
    if args.markdown:
        print()
        print(markdown(rows))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": info, "quick": args.quick, "rows": [r.as_json() for r in rows],
                                    "workers": WORKER_INFO},
                                   indent=1) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
