"""Tests for autodiff.torch.tensor_str: golden strings (no torch needed) and oracle comparisons with PyTorch."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autodiff.torch import tensor_str as torchfmt
from autodiff.torch.tensor_str import (
    dtype_name,
    format_parameter,
    format_size,
    format_tensor,
    get_printoptions,
    printoptions,
    set_printoptions,
)

DATA = Path(__file__).resolve().parent / "data"


def _load_maker() -> Any:
    spec = importlib.util.spec_from_file_location("make_torchfmt_cases", DATA / "make_torchfmt_cases.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


MAKER = _load_maker()
GOLDEN = json.loads((DATA / "torchfmt_cases.json").read_text())


@pytest.fixture(autouse=True)
def _reset_options() -> Any:
    set_printoptions(profile="default")
    yield
    set_printoptions(profile="default")


def _ours(
    arr: np.ndarray, suffixes: list[str], options: dict[str, Any], default_dtype: str, kind: str
) -> str:
    with printoptions(**options):
        if kind == "parameter":
            return format_parameter(arr, suffixes, default_dtype=default_dtype)
        return format_tensor(arr, suffixes, default_dtype=default_dtype)


# --------------------------------------------------------------------------------------------------
# Golden copies (no torch)


@pytest.mark.parametrize("case", GOLDEN, ids=[c["name"] for c in GOLDEN])
def test_golden(case: dict[str, Any]) -> None:
    arr = np.array(case["values"], dtype=case["dtype"]).reshape(case["shape"])
    got = _ours(arr, case["suffixes"], case["options"], case["default_dtype"], case["kind"])
    assert got == case["expected"]


def test_golden_file_matches_hand_picked_list() -> None:
    assert [c["name"] for c in GOLDEN] == [c["name"] for c in MAKER.hand_picked_cases()]


# --------------------------------------------------------------------------------------------------
# Plain unit tests (no torch)


def test_examples_from_the_brief() -> None:
    assert format_tensor(np.array([102.4, 1024.0, 0.1024], np.float32)) == (
        "tensor([1.0240e+02, 1.0240e+03, 1.0240e-01])"
    )
    assert format_tensor(np.array([256.0, -1536.0, 768.0], np.float32)) == "tensor([  256., -1536.,   768.])"
    assert format_tensor(np.float32(6)) == "tensor(6.)"
    assert format_tensor(np.float32(1.1)) == "tensor(1.1000)"
    assert format_tensor(np.array([True, False])) == "tensor([ True, False])"
    assert format_tensor(np.zeros((0, 3), np.float32)) == "tensor([], size=(0, 3))"
    assert format_tensor(np.float32(2), ["grad_fn=<MulBackward0>"]) == "tensor(2., grad_fn=<MulBackward0>)"


def test_format_size() -> None:
    assert format_size((2, 2)) == "torch.Size([2, 2])"
    assert format_size(()) == "torch.Size([])"
    assert format_size((0,)) == "torch.Size([0])"


def test_parameter() -> None:
    assert format_parameter(np.array([1.0, 2.0], np.float32)) == (
        "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    )


def test_dtype_names() -> None:
    assert dtype_name(np.float32) == "torch.float32"
    assert dtype_name(np.bool_) == "torch.bool"
    assert dtype_name(np.uint8) == "torch.uint8"
    with pytest.raises(TypeError):
        dtype_name(np.str_)


def test_printoptions_semantics() -> None:
    assert get_printoptions() == {
        "precision": 4,
        "threshold": 1000,
        "edgeitems": 3,
        "linewidth": 80,
        "sci_mode": None,
    }
    set_printoptions(precision=2, sci_mode=True)
    assert get_printoptions()["precision"] == 2 and get_printoptions()["sci_mode"] is True
    set_printoptions(linewidth=100)  # sci_mode resets to None when omitted, like torch
    assert get_printoptions()["sci_mode"] is None
    assert get_printoptions()["precision"] == 2
    set_printoptions(profile="full")
    assert get_printoptions()["threshold"] == math.inf and get_printoptions()["precision"] == 4
    set_printoptions(profile="short", edgeitems=5)
    assert get_printoptions()["precision"] == 2 and get_printoptions()["edgeitems"] == 5
    with printoptions(precision=7):
        assert get_printoptions()["precision"] == 7
    assert get_printoptions()["precision"] == 2


def test_default_dtype_state() -> None:
    arr = np.array([0.5], np.float64)
    assert format_tensor(arr) == "tensor([0.5000], dtype=torch.float64)"
    torchfmt.set_default_dtype(np.float64)
    try:
        assert format_tensor(arr) == "tensor([0.5000])"
        assert format_tensor(arr.astype(np.float32)) == "tensor([0.5000], dtype=torch.float32)"
    finally:
        torchfmt.set_default_dtype(np.float32)
    with pytest.raises(TypeError):
        torchfmt.set_default_dtype(np.int64)


# --------------------------------------------------------------------------------------------------
# Oracle: compare with real PyTorch

DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]


def _torch() -> Any:
    return pytest.importorskip("torch")


@pytest.mark.oracle
@pytest.mark.parametrize("case", MAKER.hand_picked_cases(), ids=lambda c: c["name"])
def test_oracle_hand_picked(case: dict[str, Any]) -> None:
    _torch()
    expected = MAKER.torch_repr(case)
    got = _ours(case["array"], case["suffixes"], case["options"], case["default_dtype"], case["kind"])
    assert got == expected


def _value_array(draw: Any, dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    n = int(np.prod(shape, dtype=np.int64))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return (rng.random(n) < 0.5).reshape(shape)
    if dtype.startswith(("int", "uint")):
        info = np.iinfo(dtype)
        kind = draw(st.sampled_from(["small", "full", "wide"]))
        if kind == "small":
            lo, hi = max(info.min, -10), min(info.max, 10)
        elif kind == "wide":
            lo, hi = max(info.min, -(10**6)), min(info.max, 10**6)
        else:
            lo, hi = info.min, info.max
        return rng.integers(lo, hi, size=n, endpoint=True, dtype=dtype).reshape(shape)
    dist = draw(
        st.sampled_from(
            ["normal", "intvalued", "tiny", "huge", "mixed", "nonfinite", "negative", "zeros", "bigint"]
        )
    )
    if dist == "normal":
        vals = rng.standard_normal(n) * draw(st.sampled_from([1.0, 10.0, 1000.0, 0.01]))
    elif dist == "intvalued":
        vals = rng.integers(-2000, 2000, size=n).astype(np.float64)
    elif dist == "bigint":
        vals = rng.integers(-(10**9), 10**9, size=n).astype(np.float64) * 1000
    elif dist == "tiny":
        vals = rng.standard_normal(n) * 1e-6
    elif dist == "huge":
        vals = rng.standard_normal(n) * 1e12
    elif dist == "mixed":
        vals = rng.standard_normal(n) * 10.0 ** rng.integers(-8, 9, size=n)
    elif dist == "negative":
        vals = -np.abs(rng.standard_normal(n)) * 10.0 ** rng.integers(-2, 3, size=n)
    elif dist == "zeros":
        vals = np.where(rng.random(n) < 0.5, 0.0, -0.0)
    else:
        vals = rng.standard_normal(n) * 100
    if draw(st.booleans()):
        # sprinkle specials
        specials = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, 0.5])
        mask = rng.random(n) < 0.2
        vals = np.where(mask, specials[rng.integers(0, len(specials), size=n)], vals)
    with np.errstate(over="ignore"):
        return vals.astype(dtype).reshape(shape)


@st.composite
def tensors(draw: Any) -> np.ndarray:
    dtype = draw(st.sampled_from(DTYPES))
    ndim = draw(st.integers(0, 4))
    big = draw(st.integers(0, 4)) == 0
    limits = {0: (1, 1), 1: (12, 1500), 2: (8, 45), 3: (5, 12), 4: (4, 7)}  # small, >1000 elements
    max_dim = limits[ndim][big]
    shape = tuple(draw(st.lists(st.integers(0, max_dim), min_size=ndim, max_size=ndim)))
    return _value_array(draw, dtype, shape)


OPTION_SETS = [
    {},
    {"precision": 2},
    {"sci_mode": True},
    {"sci_mode": False},
    {"linewidth": 40},
    {"threshold": 20, "edgeitems": 2},
    {"profile": "short"},
    {"precision": 6, "linewidth": 120},
]


def _torch_tensor(torch: Any, arr: np.ndarray) -> Any:
    return torch.from_numpy(np.array(arr, copy=True))


@pytest.mark.oracle
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(arr=tensors())
def test_oracle_random_plain(arr: np.ndarray) -> None:
    torch = _torch()
    assert format_tensor(arr) == repr(_torch_tensor(torch, arr))


# Value-preserving torch ops giving grad_fn names of different lengths (to exercise suffix wrapping).
GRAD_OPS: dict[str, Any] = {
    "mul": lambda x: x * 1,
    "clone": lambda x: x.clone(),
    "as_strided": lambda x: x.as_strided(x.shape, x.stride()),
    "masked_fill": lambda x: x.masked_fill(x.new_zeros(x.shape).bool(), 0),
}


@pytest.mark.oracle
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    arr=tensors(),
    mode=st.sampled_from(["requires_grad", "parameter", *GRAD_OPS]),
    options=st.sampled_from(OPTION_SETS),
)
def test_oracle_random_autograd(arr: np.ndarray, mode: str, options: dict[str, Any]) -> None:
    torch = _torch()
    if arr.dtype.kind != "f":
        return  # only floating tensors can require grad
    t = _torch_tensor(torch, arr)
    torch.set_printoptions(**options)
    try:
        if mode == "parameter":
            expected, values, suffixes = repr(torch.nn.Parameter(t)), arr, ["requires_grad=True"]
        elif mode == "requires_grad":
            expected, values, suffixes = repr(t.requires_grad_()), arr, ["requires_grad=True"]
        else:
            y = GRAD_OPS[mode](t.requires_grad_())
            expected, values = repr(y), y.detach().numpy()
            suffixes = [f"grad_fn=<{type(y.grad_fn).__name__}>"]
    finally:
        torch.set_printoptions(profile="default")
    with printoptions(**options):
        if mode == "parameter":
            got = format_parameter(values, suffixes)
        else:
            got = format_tensor(values, suffixes)
    assert got == expected


@pytest.mark.oracle
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(arr=tensors(), options=st.sampled_from(OPTION_SETS), f64_default=st.booleans())
def test_oracle_random_options(arr: np.ndarray, options: dict[str, Any], f64_default: bool) -> None:
    torch = _torch()
    old_default = torch.get_default_dtype()
    if f64_default:
        torch.set_default_dtype(torch.float64)
    torch.set_printoptions(**options)
    try:
        expected = repr(_torch_tensor(torch, arr))
    finally:
        torch.set_printoptions(profile="default")
        torch.set_default_dtype(old_default)
    with printoptions(**options):
        got = format_tensor(arr, default_dtype="float64" if f64_default else None)
    assert got == expected
