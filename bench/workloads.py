"""The benchmark workloads, one engine per process: `python bench/workloads.py NAME ENGINE [JSON-PARAMS]`.

Each workload runs the same work through one engine (`autodiff`, `torch` or `numpy`) and prints one line
of JSON: {"samples": {metric: [seconds or bytes, ...]}, "info": {...}}. bench/run.py starts these
processes (so PyTorch is never imported next to autodiff, and peak memory is the process's own) and
computes medians, spreads and ratios. Timings happen here, inside the worker, with time.perf_counter.
"""

from __future__ import annotations

import gc
import io
import json
import os
import re
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "tests" / "seeds"
sys.path.insert(0, str(ROOT / "src"))


def maxrss_bytes() -> int:
    """This process's peak resident set so far (Linux reports kilobytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


# --- the engines ----------------------------------------------------------------------------------------
class AutodiffEngine:
    """Runs script text through one autodiff interpreter (globals persist between calls)."""

    def __init__(self, stdout: Any = None) -> None:
        from autodiff.cli.main import make_interpreter

        out = stdout if stdout is not None else io.StringIO()
        self.interpreter = make_interpreter("<bench>", max_steps=10**9, stdout=out, stderr=sys.stderr)

    def compile(self, text: str) -> Any:
        from autodiff.language.syntax import parse

        return self.interpreter.compile(parse(text, "<bench>"))

    def run(self, text: str) -> None:
        self.interpreter.run_source(text)

    def get(self, name: str) -> Any:
        return self.interpreter.globals[name]


class PythonEngine:
    """Runs the same script text as plain Python with `from torch import *` names (PyTorch eager)."""

    def __init__(self, stdout: Any = None) -> None:
        import torch

        self.namespace: dict[str, Any] = {"torch": torch, "__name__": "__bench__"}
        for name in ("tensor", "ones", "zeros", "randn", "manual_seed", "float32"):
            self.namespace[name] = getattr(torch, name)
        if stdout is not None:
            self.namespace["print"] = lambda *args, **kw: print(*args, **kw, file=stdout)

    def compile(self, text: str) -> Any:
        code = compile(text, "<bench>", "exec")
        namespace = self.namespace
        return lambda: exec(code, namespace)

    def run(self, text: str) -> None:
        exec(compile(text, "<bench>", "exec"), self.namespace)

    def get(self, name: str) -> Any:
        return self.namespace[name]


def engine(name: str, stdout: Any = None) -> Any:
    if name == "autodiff":
        return AutodiffEngine(stdout)
    if name == "torch":
        return PythonEngine(stdout)
    raise SystemExit(f"engine {name} does not run scripts")


def timed(run: Any) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


# --- 2. per-op overhead: a chain of scalar multiplications ---------------------------------------------------
def chain_source(n: int) -> tuple[str, str]:
    forward = (
        "x = tensor(1.0, requires_grad=True)\n"
        "y = x\n"
        f"for i in range({n}):\n"
        "    y = y * 1.0000001\n"
    )
    return forward, "y.backward()\n"


def per_op(engine_name: str, n: int = 200_000, repeats: int = 3) -> dict[str, Any]:
    forward_text, backward_text = chain_source(n)
    samples: dict[str, list[float]] = {"forward": [], "backward": []}
    if engine_name == "numpy":
        import numpy as np

        factor = np.float32(1.0000001)
        for _ in range(repeats):
            gc.collect()
            y = np.asarray(np.float32(1.0))
            start = time.perf_counter()
            for _i in range(n):
                y = np.multiply(y, factor)
            samples["forward"].append(time.perf_counter() - start)
            g = np.asarray(np.float32(1.0))
            start = time.perf_counter()
            for _i in range(n):
                g = np.multiply(g, factor)
            samples["backward"].append(time.perf_counter() - start)
        return {"samples": samples, "info": {"ops": n}}
    eng = engine(engine_name)
    forward = eng.compile(forward_text)
    backward = eng.compile(backward_text)
    clear = eng.compile("x = None\ny = None\n")
    for _ in range(repeats):
        clear()
        gc.collect()
        samples["forward"].append(timed(forward))
        samples["backward"].append(timed(backward))
    grad = float(eng.get("x").grad.item())
    clear()
    return {"samples": samples, "info": {"ops": n, "grad": grad}}


# --- 3. the seed004 training loop ------------------------------------------------------------------------
def training_source(epochs: int) -> str:
    source = (SEEDS / "seed004_training.py").read_text(encoding="utf-8")
    if "range(100)" not in source:
        raise SystemExit("seed004_training.py no longer loops over range(100)")
    return source.replace("range(100)", f"range({epochs})")


def training(engine_name: str, epochs: int = 2000, repeats: int = 3) -> dict[str, Any]:
    source = training_source(epochs)
    samples: dict[str, list[float]] = {"loop": []}
    with open(os.devnull, "w") as devnull:
        for _ in range(repeats):
            eng = engine(engine_name, stdout=devnull)
            program = eng.compile(source)
            gc.collect()
            samples["loop"].append(timed(program))
    w = float(eng.get("w").item())
    return {"samples": samples, "info": {"steps": epochs * 3, "w": w}}


# --- 4. a deep graph: one chain of n multiplications, forward + backward -----------------------------------------
def deep(engine_name: str, n: int = 1_000_000) -> dict[str, Any]:
    forward_text, backward_text = chain_source(n)
    eng = engine(engine_name)
    warm_f, warm_b = chain_source(100)
    eng.compile(warm_f)()
    eng.compile(warm_b)()
    forward = eng.compile(forward_text)
    backward = eng.compile(backward_text)
    clear = eng.compile("x = None\ny = None\n")
    clear()
    gc.collect()
    base = maxrss_bytes()
    t_forward = timed(forward)
    after_forward = maxrss_bytes()
    t_backward = timed(backward)
    peak = maxrss_bytes()
    grad = float(eng.get("x").grad.item())
    t_free = timed(clear)
    gc.collect()
    return {
        "samples": {"forward": [t_forward], "backward": [t_backward], "total": [t_forward + t_backward],
                    "free": [t_free], "peak_rss": [peak], "graph_rss": [peak - base]},
        "info": {"ops": n, "base_rss": base, "rss_after_forward": after_forward, "grad": grad},
    }


# --- 5. big tensors ------------------------------------------------------------------------------------
MATMUL_N = 2048
ELEMENTWISE_SHAPE = (10_000, 1_000)

# Ten ops over 10^7 float32 elements, with a broadcast bias (its gradient is a reduction) and a final sum.
ELEMENTWISE_FORWARD = (
    "h = x * 2.0\n"
    "h = h + b\n"
    "h = h * x\n"
    "h = h - 1.0\n"
    "h = h.tanh()\n"
    "h = h * h\n"
    "h = h + x\n"
    "h = h / 3.0\n"
    "h = h.exp()\n"
    "loss = h.sum()\n"
)


def _numpy_elementwise(np: Any, x: Any, b: Any) -> tuple[Any, Any]:
    """The same forward arithmetic and the backward formulas autodiff and PyTorch use, in raw NumPy."""
    f32 = np.float32
    h1 = x * f32(2.0)
    h2 = h1 + b
    h3 = h2 * x
    h4 = h3 - f32(1.0)
    h5 = np.tanh(h4)
    h6 = h5 * h5
    h7 = h6 + x
    h8 = h7 / f32(3.0)
    h9 = np.exp(h8)
    loss = h9.sum()
    del h1, h4, h6, h7, h8
    g = np.broadcast_to(np.ones((), f32), h9.shape)  # SumBackward0: expand
    g = g * h9  # ExpBackward0: grad * result
    del h9
    g = g / f32(3.0)  # DivBackward0
    gx = g  # AddBackward0 to x
    g5 = g * h5  # MulBackward0, h * h: both inputs are h5
    g5 = g5 + g * h5
    g = g5 * (f32(1.0) - h5 * h5)  # TanhBackward0: grad * (1 - y*y)
    del g5, h5
    gx = gx + g * h2  # MulBackward0: h * x
    g = g * x
    del h2
    gb = g.sum(axis=0)  # AddBackward0: the broadcast bias's gradient, summed once
    gx = gx + g * f32(2.0)  # MulBackward0: x * 2.0
    return loss, (gx, gb)


def _big_arrays(np: Any) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    f32 = np.float32
    n = MATMUL_N
    return {
        "a": rng.standard_normal((n, n), dtype=f32), "c": rng.standard_normal((n, n), dtype=f32),
        "g": rng.standard_normal((n, n), dtype=f32),
        "x": rng.standard_normal(ELEMENTWISE_SHAPE, dtype=f32) * f32(0.5),
        "b": rng.standard_normal(ELEMENTWISE_SHAPE[1:], dtype=f32) * f32(0.5),
    }


def big(engine_name: str, repeats: int = 5, quick: bool = False) -> dict[str, Any]:
    import numpy as np

    arrays = _big_arrays(np)
    if quick:
        arrays = {"a": arrays["a"][:256, :256].copy(), "c": arrays["c"][:256, :256].copy(),
                  "g": arrays["g"][:256, :256].copy(), "x": arrays["x"][:1000].copy(), "b": arrays["b"]}
    samples: dict[str, list[float]] = {"matmul": [], "elementwise": []}
    info: dict[str, Any] = {}
    eng = engine(engine_name)
    if engine_name == "torch":
        import torch

        for key, value in arrays.items():
            eng.namespace[key + "_np"] = torch.from_numpy(value)
        info["torch_threads"] = torch.get_num_threads()
    else:
        from autodiff.engine.tensor import Tensor

        for key, value in arrays.items():
            eng.interpreter.globals[key + "_np"] = Tensor(value)
    eng.run(
        "a = a_np.detach().requires_grad_(True)\nc = c_np.detach().requires_grad_(True)\ng = g_np\n"
        "x = x_np.detach().requires_grad_(True)\nb = b_np.detach().requires_grad_(True)\n"
    )
    matmul = eng.compile("out = a @ c\nout.backward(g)\n")
    elementwise = eng.compile(ELEMENTWISE_FORWARD + "loss.backward()\n")
    clear = eng.compile("out = None\nh = None\nloss = None\na.grad = None\nc.grad = None\nx.grad = None\n"
                        "b.grad = None\n")
    # autodiff's process also times the NumPy reference next to each of its own runs (A B, then B A, ...),
    # so each ratio compares two runs made moments apart on a machine whose load keeps changing. The
    # elementwise runs come first: right after a matmul, BLAS threads still spin for a while and would
    # slow whatever runs next on a 2-core machine.
    reference = engine_name == "autodiff"
    a, c, g, x, b = (arrays[k] for k in "acgxb")

    def numpy_matmul() -> None:
        out = a @ c
        ga = g @ c.T
        gc_ = a.T @ g
        del out, ga, gc_

    def numpy_elementwise() -> None:
        _numpy_elementwise(np, x, b)

    for kind, ours, theirs in (("elementwise", elementwise, numpy_elementwise), ("matmul", matmul, numpy_matmul)):
        if reference:
            samples["numpy_" + kind] = []
            theirs()  # warm-up: the first run of each pays for first-touch page faults and library set-up
        clear()
        ours()
        for index in range(repeats):
            order = [("", ours), ("numpy_", theirs)] if reference else [("", ours)]
            for prefix, run in (order if index % 2 == 0 else order[::-1]):
                clear()
                gc.collect()
                samples[prefix + kind].append(timed(run))
                if kind == "elementwise" and not prefix:
                    info["elementwise_loss"] = float(eng.get("loss").item())
                    info["dtypes"] = sorted({str(eng.get(k).grad.dtype).replace("torch.", "") for k in "xb"})
                    info["grad_sums"] = [float(np.asarray(eng.get(k).grad).sum()) for k in "xb"]
    clear()
    return {"samples": samples, "info": info}


# --- 6. parsing ---------------------------------------------------------------------------------------
def generated_script(lines: int) -> str:
    """A script of `lines` lines mixing the constructs real scripts use."""
    block = [
        "w{i} = torch.randn(3, 4, requires_grad=True)",
        "b{i} = torch.zeros(4)",
        "def f{i}(x, scale=2.0):",
        "    y = (x @ w{i} + b{i}).relu() * scale",
        "    if y.sum() > 0:",
        "        return y.mean(dim=0, keepdim=True)",
        "    return [v ** 2 for v in y.tolist()]",
        "for k in range(3):",
        "    loss = f{i}(torch.ones(2, 3))['key' if k else 0]",
        "print(f'step {{k}}: {{loss}}', w{i}.grad, -b{i}[1:3, ...], not True)",
    ]
    out = []
    i = 0
    while len(out) < lines:
        out.extend(line.format(i=i) for line in block)
        i += 1
    return "\n".join(out[:lines]) + "\n"


def timed_cpu(run: Any) -> tuple[float, float]:
    """(wall seconds, this process's CPU seconds) of one call."""
    start, start_cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - start, time.process_time() - start_cpu


def parser_for(engine_name: str) -> Any:
    if engine_name == "autodiff":
        from autodiff.language.syntax import parse

        parse("x = 1\n", "<warm>")
        return lambda text: parse(text, "<bench>")
    if engine_name == "python":
        import ast

        return ast.parse
    raise SystemExit(f"no parsing engine {engine_name}")


def parse_samples(engine_name: str, texts: list[str], repeats: int) -> dict[str, list[float]]:
    parse = parser_for(engine_name)

    def run() -> None:
        for text in texts:
            parse(text)

    samples: dict[str, list[float]] = {"parse": [], "parse_cpu": []}
    for _ in range(repeats):
        gc.collect()
        wall, cpu = timed_cpu(run)
        samples["parse"].append(wall)
        samples["parse_cpu"].append(cpu)
    return samples


def parsing(engine_name: str, lines: int = 20_000, repeats: int = 5) -> dict[str, Any]:
    return {"samples": parse_samples(engine_name, [generated_script(lines)], repeats), "info": {"lines": lines}}


def real_programs() -> list[str]:
    """The teaching programs of the test suite (PyTorch goldens, seeds, examples), as a reader sees them."""
    paths = sorted([*(ROOT / "tests" / "golden").glob("*.py"), *SEEDS.glob("*.py"), *(ROOT / "examples").glob("*.ad")])
    return [path.read_text(encoding="utf-8") for path in paths]


def parsing_real(engine_name: str, repeats: int = 5) -> dict[str, Any]:
    texts = real_programs()
    info = {"programs": len(texts), "lines": sum(text.count("\n") for text in texts)}
    return {"samples": parse_samples(engine_name, texts, repeats), "info": info}


def class_programs() -> list[str]:
    """The goldens written as real teaching code with the whole language: the lang_* programs and every golden
    with a class (nn.Module and Dataset subclasses, micrograd's Value, custom autograd Functions), which also
    hold lambda, decorators, try/except, generators, comprehensions and f-strings."""
    paths = sorted((ROOT / "tests" / "golden").glob("*.py"))
    texts = [path.read_text(encoding="utf-8") for path in paths]
    return [text for path, text in zip(paths, texts)
            if path.name.startswith("lang_") or re.search(r"^[ \t]*class ", text, re.MULTILINE)]


def parsing_classes(engine_name: str, repeats: int = 5) -> dict[str, Any]:
    texts = class_programs()
    info = {"programs": len(texts), "lines": sum(text.count("\n") for text in texts)}
    return {"samples": parse_samples(engine_name, texts, repeats), "info": info}


WORKLOADS = {"per_op": per_op, "training": training, "deep": deep, "big": big, "parsing": parsing,
             "parsing_real": parsing_real, "parsing_classes": parsing_classes}


def main() -> None:
    name, engine_name = sys.argv[1], sys.argv[2]
    params = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    result = WORKLOADS[name](engine_name, **params)
    sys.stdout.write("\n" + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
