"""Regenerate tests/data/torchfmt_cases.json from real PyTorch (2.13).

    /work/venv/bin/python tests/data/make_torchfmt_cases.py

`hand_picked_cases()` needs only NumPy (the oracle tests import it too); `main()` needs torch.
Each JSON case: dtype, shape, flat values (floats as JSON numbers, NaN/Infinity allowed), the
caller's suffixes, print options, default dtype, kind ("tensor", "parameter", "grad_fn") and the
text torch printed.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "torchfmt_cases.json"

nan, inf = math.nan, math.inf


def _case(values: Any, dtype: Any = np.float32, **kw: Any) -> dict[str, Any]:
    arr = np.asarray(values, dtype=dtype)
    if "shape" in kw:
        arr = arr.reshape(kw.pop("shape"))
    return {
        "array": arr,
        "suffixes": kw.pop("suffixes", []),
        "options": kw.pop("options", {}),
        "default_dtype": kw.pop("default_dtype", "float32"),
        "kind": kw.pop("kind", "tensor"),
        "name": kw.pop("name", ""),
    }


def hand_picked_cases() -> list[dict[str, Any]]:
    """Tricky cases, each a dict with a NumPy `array` plus suffixes/options/default_dtype/kind."""
    rng = np.random.default_rng(1234)
    c = _case
    return [
        c([102.4, 1024.0, 0.1024], name="sci mixed"),
        c([256.0, -1536.0, 768.0], name="int-valued floats"),
        c(6.0, name="0-d int-valued"),
        c(1.1, name="0-d fixed"),
        c(-0.0, name="0-d negative zero"),
        c(nan, name="0-d nan"),
        c(-inf, name="0-d -inf"),
        c(1e-7, name="0-d tiny"),
        c(1e10, name="0-d huge"),
        c(3, np.int64, name="0-d int"),
        c(True, np.bool_, name="0-d bool"),
        c([True, False], np.bool_, name="bool"),
        c([[True], [False]], np.bool_, name="bool 2-d"),
        c([1, -20, 300], np.int64, name="int64"),
        c([1, -20, 300], np.int32, name="int32"),
        c([1, -20, 300], np.int16, name="int16"),
        c([1, -20, 100], np.int8, name="int8"),
        c([0, 255], np.uint8, name="uint8"),
        c([0.5, 1.25], np.float64, name="float64"),
        c([0.5, 1.25], np.float16, name="float16"),
        c([0.1, 65504.0], np.float16, name="float16 sci"),
        c([0.1, 0.2], np.float64, default_dtype="float64", name="float64 default"),
        c([0.1, 0.2], np.float32, default_dtype="float64", name="float32 non-default"),
        c([nan, inf, -inf, 0.0, -0.0], name="nonfinite and zeros"),
        c([nan, 1.5], name="nan fixed"),
        c([nan, 1e-9], name="nan sci"),
        c([0.0, 0.0], name="zeros"),
        c([-0.0, 1.0], name="negative zero int mode"),
        c([1e-5, 1.0], name="sci small"),
        c([1e9, 1.0], name="sci huge"),
        c([1.0, 2.0, 1000.0], name="ratio 1000 not sci"),
        c([1.0, 1000.5], name="ratio >1000 sci"),
        c([1e8, 2e8], name="int-valued sci"),
        c([123456789.0], name="int-valued huge"),
        c([-1.5, 2.25, 3.0], name="negatives fixed"),
        c(np.zeros((0,)), name="empty 1-d"),
        c(np.zeros((0, 3)), name="empty 2-d"),
        c(np.zeros((2, 0, 3)), np.int64, name="empty 3-d int"),
        c(np.zeros((0,)), np.int64, name="empty int64"),
        c(np.zeros((0,)), np.float64, name="empty float64"),
        c(np.zeros((0,)), np.bool_, name="empty bool"),
        c(np.zeros((0,)), np.float32, default_dtype="float64", name="empty float32 default f64"),
        c(np.arange(6.0).reshape(2, 3), name="2-d"),
        c(np.arange(24.0).reshape(2, 3, 4), name="3-d"),
        c(np.arange(48).reshape(2, 2, 3, 4), np.int64, name="4-d"),
        c(rng.standard_normal(30), name="long row wraps"),
        c(rng.standard_normal((3, 25)), np.float64, name="wrap 2-d f64"),
        c(np.arange(2000.0), name="summarised 1-d"),
        c(np.arange(2000).reshape(40, 50), np.int64, name="summarised 2-d"),
        c(rng.standard_normal((10, 10, 11)), name="summarised 3-d"),
        c(np.arange(1001.0), name="just over threshold"),
        c(np.arange(1000).reshape(10, 100) % 7, np.uint8, name="at threshold"),
        c([1.0, 2.0, 3.0], suffixes=["requires_grad=True"], name="requires_grad"),
        c(rng.standard_normal(8), suffixes=["grad_fn=<MulBackward0>"], name="grad_fn wrap"),
        c(rng.standard_normal(7), np.float64, suffixes=["grad_fn=<AddBackward0>"], name="f64 grad_fn"),
        c(rng.standard_normal((2, 7)), np.float64, suffixes=["requires_grad=True"], name="2-d f64 rg"),
        c([1.0, 2.0], kind="parameter", suffixes=["requires_grad=True"], name="parameter"),
        c(rng.standard_normal((3, 4)), kind="parameter", suffixes=["requires_grad=True"], name="param 2-d"),
        c([1.0, 2.0], kind="parameter", suffixes=[], name="parameter no grad"),
        c([1.12345, 2.0], options={"precision": 2}, name="precision 2"),
        c(np.arange(10), np.int64, options={"threshold": 5}, name="threshold 5"),
        c(np.arange(10.0), options={"threshold": 5, "edgeitems": 0}, name="edgeitems 0"),
        c(np.arange(30.0).reshape(5, 6), options={"threshold": 5, "edgeitems": 0}, name="edgeitems 0 2-d"),
        c(np.arange(20.0), options={"linewidth": 30}, name="linewidth 30"),
        c([1.0, 2.5], options={"sci_mode": True}, name="sci forced"),
        c([1e-9, 1e9], options={"sci_mode": False}, name="sci disabled"),
        c(np.arange(100.0), options={"profile": "short", "threshold": 50}, name="short profile"),
        c(np.arange(1001), np.int16, options={"profile": "full"}, name="full profile"),
    ]


def _to_json_case(case: dict[str, Any], expected: str) -> dict[str, Any]:
    arr = case["array"]
    return {
        "name": case["name"],
        "dtype": arr.dtype.name,
        "shape": list(arr.shape),
        "values": arr.reshape(-1).tolist(),
        "suffixes": case["suffixes"],
        "options": case["options"],
        "default_dtype": case["default_dtype"],
        "kind": case["kind"],
        "expected": expected,
    }


def torch_repr(case: dict[str, Any]) -> str:
    """What real torch prints for the case (import torch lazily).

    grad_fn suffixes are produced by a real op that leaves the values unchanged (x * 1, x + 0 on
    values without negative zeros).
    """
    import torch

    arr = case["array"]
    old_default = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, case["default_dtype"]))
    try:
        with _torch_opts(torch, case["options"]):
            t = torch.from_numpy(np.array(arr, copy=True))
            if case["kind"] == "parameter":
                t = torch.nn.Parameter(t, requires_grad="requires_grad=True" in case["suffixes"])
                return repr(t)
            for s in case["suffixes"]:
                if s == "requires_grad=True":
                    t.requires_grad_()
                elif s.startswith("grad_fn=<MulBackward0>"):
                    t = t.requires_grad_() * 1
                elif s.startswith("grad_fn=<AddBackward0>"):
                    t = t.requires_grad_() + 0
                else:
                    raise ValueError(s)
            return repr(t)
    finally:
        torch.set_default_dtype(old_default)


class _torch_opts:
    def __init__(self, torch: Any, opts: dict[str, Any]) -> None:
        self.torch, self.opts = torch, opts

    def __enter__(self) -> None:
        self.torch.set_printoptions(**self.opts)

    def __exit__(self, *exc: Any) -> None:
        self.torch.set_printoptions(profile="default")


def main() -> None:
    cases = [_to_json_case(c, torch_repr(c)) for c in hand_picked_cases()]
    OUT.write_text("[\n" + ",\n".join(json.dumps(c) for c in cases) + "\n]\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
