"""Generate tests/data/rng_cases.json from PyTorch (run with torch 2.13 installed).

    python tests/data/make_rng_cases.py

Each case seeds the default CPU generator, runs a sequence of sampling calls, and records
for each call the dtype, shape, SHA-256 of the raw result bytes and the first values, plus
the SHA-256 of ``torch.get_rng_state()`` after every call.  ``tests/test_rng.py`` replays the
same calls on ``autodiff.rng.Generator`` without importing torch.

The op vocabulary (``CASE_STEPS`` / ``run_torch``) is also used by the oracle tests.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

SEEDS = [0, 1, 42, 12345, 2**32 + 5]

_P8 = [0.0, 0.05, 0.25, 0.5, 0.5, 0.75, 0.95, 1.0]
_W6 = [0.1, 2.0, 0.0, 3.5, 1.25, 0.5]


def case_steps() -> list[dict]:
    """The calls replayed for every seed (mixed so that state consumption is exercised)."""
    s: list[dict] = []
    for n in (1, 2, 5, 15, 16, 17, 100):
        s.append({"op": "rand", "shape": [n], "dtype": "float32"})
    s.append({"op": "rand", "shape": [3, 7], "dtype": "float64"})
    for shape in ([1], [2], [3], [15], [16], [17], [31], [33], [100], [4, 5], [3, 16], [2, 3, 5]):
        s.append({"op": "randn", "shape": shape, "dtype": "float32"})
    for shape in ([1], [3], [16], [17], [40]):
        s.append({"op": "randn", "shape": shape, "dtype": "float64"})
    s.append({"op": "uniform_", "shape": [9], "dtype": "float32", "low": -0.3, "high": 0.7})
    s.append({"op": "uniform_", "shape": [9], "dtype": "float64", "low": 2.0, "high": 5.5})
    s.append({"op": "normal_", "shape": [7], "dtype": "float32", "mean": 0.5, "std": 2.0})
    s.append({"op": "normal_", "shape": [21], "dtype": "float32", "mean": -1.0, "std": 0.3})
    s.append({"op": "normal_", "shape": [21], "dtype": "float64", "mean": 3.0, "std": 0.25})
    for lo, hi, dt in ((0, 10, "int64"), (-5, 5, "int32"), (0, 2**28, "int64"), (-2**40, 2**40, "int64"),
                       (0, 256, "uint8"), (0, 2, "bool"), (-3, 100, "float32")):
        s.append({"op": "randint", "low": lo, "high": hi, "shape": [11], "dtype": dt})
    for dt in ("int64", "int32", "int16", "int8", "uint8", "bool", "float32", "float64"):
        s.append({"op": "random_", "shape": [6], "dtype": dt})
    s.append({"op": "random_", "shape": [6], "dtype": "int64", "low": -2**63, "high": 2**63})
    for n in (1, 2, 10, 100, 3000):
        s.append({"op": "randperm", "n": n})
    s.append({"op": "bernoulli", "p": _P8, "dtype": "float32"})
    s.append({"op": "bernoulli", "p": _P8, "dtype": "float64"})
    s.append({"op": "bernoulli_scalar", "shape": [10], "dtype": "float32", "p": 0.3})
    s.append({"op": "exponential_", "shape": [5], "dtype": "float32", "lambd": 1.5})
    s.append({"op": "multinomial", "w": _W6, "dtype": "float32", "k": 1, "replacement": False})
    s.append({"op": "multinomial", "w": _W6, "dtype": "float32", "k": 4, "replacement": False})
    s.append({"op": "multinomial", "w": _W6, "dtype": "float64", "k": 9, "replacement": True})
    s.append({"op": "multinomial", "w": [_W6, _W6[::-1]], "dtype": "float32", "k": 3, "replacement": True})
    s.append({"op": "normal_tensor", "mean": [0.0, 1.0, -2.0, 3.0], "std": 0.5})
    s.append({"op": "normal_tensor", "mean": 1.0, "std": [0.5, 1.0, 2.0]})
    s.append({"op": "normal_tensor", "mean": [0.0, 1.0], "std": [2.0, 0.1]})
    for i, o, b in ((3, 2, True), (10, 5, False), (20, 16, True)):
        s.append({"op": "linear", "in": i, "out": o, "bias": b})
    s.append({"op": "randn", "shape": [1000], "dtype": "float32"})
    return s


def run_torch(torch, step: dict) -> np.ndarray:
    """Execute one step on torch's default generator; returns the result as NumPy."""
    op = step["op"]
    dt = getattr(torch, step["dtype"]) if "dtype" in step else None
    if op == "rand":
        return torch.rand(step["shape"], dtype=dt).numpy()
    if op == "randn":
        return torch.randn(step["shape"], dtype=dt).numpy()
    if op == "uniform_":
        return torch.empty(step["shape"], dtype=dt).uniform_(step["low"], step["high"]).numpy()
    if op == "normal_":
        return torch.empty(step["shape"], dtype=dt).normal_(step["mean"], step["std"]).numpy()
    if op == "randint":
        return torch.randint(step["low"], step["high"], step["shape"], dtype=dt).numpy()
    if op == "random_":
        t = torch.empty(step["shape"], dtype=dt)
        if "low" in step:
            high = None if step["high"] == 2**63 else step["high"]
            return t.random_(step["low"], high).numpy()
        return t.random_().numpy()
    if op == "randperm":
        return torch.randperm(step["n"]).numpy()
    if op == "bernoulli":
        return torch.bernoulli(torch.tensor(step["p"], dtype=dt)).numpy()
    if op == "bernoulli_scalar":
        return torch.empty(step["shape"], dtype=dt).bernoulli_(step["p"]).numpy()
    if op == "exponential_":
        return torch.empty(step["shape"], dtype=dt).exponential_(step["lambd"]).numpy()
    if op == "multinomial":
        return torch.multinomial(torch.tensor(step["w"], dtype=dt), step["k"], step["replacement"]).numpy()
    if op == "normal_tensor":
        mean, std = step["mean"], step["std"]
        mean = torch.tensor(mean) if isinstance(mean, list) else mean
        std = torch.tensor(std) if isinstance(std, list) else std
        return torch.normal(mean, std).numpy()
    if op == "linear":
        lin = torch.nn.Linear(step["in"], step["out"], bias=step["bias"])
        parts = [lin.weight.detach().numpy().reshape(-1)]
        if lin.bias is not None:
            parts.append(lin.bias.detach().numpy())
        return np.concatenate(parts)
    raise ValueError(f"unknown op {op}")


def digest(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def head(a: np.ndarray, k: int = 6) -> list:
    flat = np.asarray(a).reshape(-1)[:k]
    if flat.dtype.kind == "f":
        return [float(v).hex() for v in flat]
    if flat.dtype == np.bool_:
        return [bool(v) for v in flat]
    return [int(v) for v in flat]


def main() -> None:
    import torch

    steps = case_steps()
    cases = []
    for seed in SEEDS:
        torch.manual_seed(seed)
        rec = []
        for step in steps:
            out = run_torch(torch, step)
            rec.append({
                "dtype": str(out.dtype),
                "shape": list(out.shape),
                "sha256": digest(out),
                "head": head(out),
                "state_sha256": digest(torch.get_rng_state().numpy()),
            })
        cases.append({"seed": seed, "results": rec})
    data = {
        "generator": "tests/data/make_rng_cases.py",
        "torch_version": torch.__version__,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "steps": steps,
        "cases": cases,
        "fresh_state_sha256": {str(s): digest(torch.manual_seed(s).get_state().numpy()) for s in SEEDS},
    }
    out = Path(__file__).with_name("rng_cases.json")
    out.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {out} ({len(steps)} steps x {len(SEEDS)} seeds)", file=sys.stderr)


if __name__ == "__main__":
    main()
