"""Time autodiff.engine.rng samplers against NumPy's own sampling of the same size.

    python bench/bench_rng.py [N]

Prints the best of several runs in microseconds and the ratio ours / NumPy.  NumPy's side uses
``np.random.Generator(MT19937)``, the same engine, so the ratio measures the cost of producing
PyTorch's exact values (24/53-bit masking, the AVX2 Box-Muller emulation, ...).
"""

from __future__ import annotations

import sys
import timeit
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from autodiff.engine import rng  # noqa: E402


def best_us(fn, repeat: int = 7) -> float:
    fn()
    return min(timeit.repeat(fn, number=1, repeat=repeat)) * 1e6


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10**6
    g = rng.Generator(0)
    ng = np.random.Generator(np.random.MT19937(0))
    f32 = np.float32
    cases = [
        ("rand float32", lambda: g.rand((n,)), lambda: ng.random(n, dtype=f32)),
        ("randn float32", lambda: g.randn((n,)), lambda: ng.standard_normal(n, dtype=f32)),
        ("rand float64", lambda: g.rand((n,), np.float64), lambda: ng.random(n)),
        ("randn float64", lambda: g.randn((n,), np.float64), lambda: ng.standard_normal(n)),
        ("uniform_(-a, a) float32", lambda: g.uniform_(np.empty(n, f32), -0.3, 0.3),
         lambda: ng.uniform(-0.3, 0.3, n).astype(f32)),
        ("randint(0, 10)", lambda: g.randint(0, 10, (n,)), lambda: ng.integers(0, 10, n)),
        ("bernoulli_(0.3)", lambda: g.bernoulli_(np.empty(n, f32), 0.3),
         lambda: (ng.random(n) < 0.3).astype(f32)),
        ("randperm", lambda: g.randperm(n), lambda: ng.permutation(n)),
    ]
    print(f"n = {n}")
    print(f"{'sampler':26s} {'autodiff µs':>12s} {'numpy µs':>10s} {'ratio':>6s}")
    for name, ours, theirs in cases:
        a = best_us(ours)
        b = best_us(theirs)
        print(f"{name:26s} {a:12.0f} {b:10.0f} {a / b:6.2f}")


if __name__ == "__main__":
    main()
