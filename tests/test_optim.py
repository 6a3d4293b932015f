"""torch.optim against PyTorch 2.13: parameter trajectories (bit for bit where the kernels allow), printing,
state, zero_grad, closures and argument errors."""

from __future__ import annotations

import numpy as np
import pytest

from autodiff.engine import ops
from autodiff.engine.tensor import Tensor
from autodiff.errors import AutodiffError
from autodiff.torch.optim import members as optim

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.oracle

RNG = np.random.default_rng(5)

SGD_CONFIGS = [
    {"lr": 0.1}, {"lr": 0.1, "momentum": 0.9}, {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    {"lr": 0.1, "momentum": 0.5, "dampening": 0.3, "weight_decay": 0.01}, {"lr": 0.1, "maximize": True},
    {"lr": 0.2, "weight_decay": 0.5},
]
RMSPROP_CONFIGS = [
    {}, {"lr": 0.05, "alpha": 0.9}, {"lr": 0.01, "momentum": 0.9}, {"lr": 0.01, "centered": True},
    {"lr": 0.01, "centered": True, "momentum": 0.5, "weight_decay": 0.1}, {"lr": 0.01, "maximize": True},
    {"lr": 0.01, "eps": 1e-3},
]
ADAGRAD_CONFIGS = [
    {}, {"lr": 0.1, "lr_decay": 0.01}, {"lr": 0.1, "weight_decay": 0.1}, {"lr": 0.1, "initial_accumulator_value": 0.5},
    {"lr": 0.1, "maximize": True, "eps": 1e-4},
]
ADADELTA_CONFIGS = [
    {}, {"lr": 0.5, "rho": 0.8}, {"lr": 1.0, "weight_decay": 0.1}, {"maximize": True, "eps": 1e-4},
]
ADAM_CONFIGS = [
    {}, {"lr": 0.01}, {"lr": 0.01, "weight_decay": 0.1}, {"lr": 0.01, "amsgrad": True},
    {"lr": 0.02, "betas": (0.8, 0.9), "eps": 1e-6}, {"lr": 0.01, "maximize": True},
]


def _parameter(values: np.ndarray) -> Tensor:
    param = Tensor(values.copy(), True)
    param.is_parameter = True
    return param


def _trajectories(name, config, dtype, steps=6, size=41, tensor_lr=False):
    start = RNG.standard_normal(size).astype(dtype)
    grads = [RNG.standard_normal(size).astype(dtype) for _ in range(steps)]
    reference = torch.tensor(start, requires_grad=True)
    theirs, ours = dict(config), dict(config)
    if tensor_lr:  # a float32 tensor lr: PyTorch reads its value, and divides it in float32 (Adam, Adagrad)
        theirs["lr"] = torch.tensor(config["lr"])
        ours["lr"] = Tensor(np.array(config["lr"], dtype=np.float32))
    torch_optimizer = getattr(torch.optim, name)([reference], **theirs)
    mine = _parameter(start)
    optimizer = optim.OPTIMIZERS[name]([mine], **ours)
    for grad in grads:
        reference.grad = torch.tensor(grad)
        torch_optimizer.step()
        mine.grad = Tensor(grad.copy())
        optimizer.step()
        yield mine.array.copy(), reference.detach().numpy().copy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("config", SGD_CONFIGS, ids=str)
def test_sgd_matches_torch_bit_for_bit(config, dtype):
    for mine, reference in _trajectories("SGD", config, dtype):
        assert np.array_equal(mine, reference)


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
@pytest.mark.parametrize("config", ADAM_CONFIGS, ids=str)
def test_adam_matches_torch(name, config):
    for mine, reference in _trajectories(name, config, np.float64):
        np.testing.assert_allclose(mine, reference, rtol=1e-13, atol=1e-15)
    for mine, reference in _trajectories(name, config, np.float32):
        # PyTorch's float32 sqrt on this CPU (MKL) is not always correctly rounded: an ulp here and there.
        np.testing.assert_allclose(mine, reference, rtol=1e-6, atol=1e-7)


SQRT_CONFIGS = ([("RMSprop", c) for c in RMSPROP_CONFIGS] + [("Adagrad", c) for c in ADAGRAD_CONFIGS]
                + [("Adadelta", c) for c in ADADELTA_CONFIGS])


@pytest.mark.parametrize("case", SQRT_CONFIGS, ids=str)
def test_rmsprop_adagrad_adadelta_match_torch(case):
    name, config = case
    for mine, reference in _trajectories(name, config, np.float64):
        np.testing.assert_allclose(mine, reference, rtol=1e-13, atol=1e-15)
    for mine, reference in _trajectories(name, config, np.float32):
        # As for Adam: PyTorch's float32 sqrt (MKL) is not always correctly rounded, NumPy's is.
        np.testing.assert_allclose(mine, reference, rtol=2e-6, atol=1e-7)


def _exact_kernels(monkeypatch):
    """Swap NumPy's sqrt for PyTorch's in the optimizers, to check every other operation to the bit."""
    from autodiff.torch.optim import adadelta, adagrad, adam, rmsprop

    class SqrtOfTorch:
        def __getattr__(self, name):
            return getattr(np, name)

        @staticmethod
        def sqrt(array):
            return torch.from_numpy(np.ascontiguousarray(array)).sqrt().numpy()

    for module in (adadelta, adagrad, adam, rmsprop):
        monkeypatch.setattr(module, "np", SqrtOfTorch())


@pytest.mark.parametrize("case", SQRT_CONFIGS + [("Adam", c) for c in ADAM_CONFIGS]
                         + [("AdamW", c) for c in ADAM_CONFIGS], ids=str)
def test_update_formulas_are_bit_exact_given_torchs_sqrt(case, monkeypatch):
    name, config = case
    _exact_kernels(monkeypatch)
    for dtype in (np.float32, np.float64):
        for mine, reference in _trajectories(name, config, dtype):
            assert np.array_equal(mine, reference)


@pytest.mark.parametrize("case", [("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
                                  ("AdamW", {"lr": 0.03}), ("RMSprop", {"lr": 0.01, "centered": True}),
                                  ("Adagrad", {"lr": 0.1, "lr_decay": 0.3}), ("Adadelta", {"lr": 0.7})], ids=str)
def test_a_tensor_learning_rate_is_read_as_torch_reads_it(case, monkeypatch):
    name, config = case
    _exact_kernels(monkeypatch)
    for dtype in (np.float32, np.float64):
        for mine, reference in _trajectories(name, config, dtype, tensor_lr=True):
            assert np.array_equal(mine, reference)


def test_state_dict_and_state_print_as_torch():
    from differential import assert_same

    assert_same("""
        import torch
        w = torch.nn.Parameter(torch.tensor([1.0, -2.0, 0.5]))
        b = torch.nn.Parameter(torch.tensor([0.25]))
        optimizers = [torch.optim.SGD([w, b], lr=0.1), torch.optim.SGD([w, b], lr=0.1, momentum=0.9),
                      torch.optim.Adam([w, b]), torch.optim.RMSprop([w, b], centered=True, momentum=0.5),
                      torch.optim.Adagrad([{"params": [w]}, {"params": [b], "lr": 0.5}]),
                      torch.optim.Adadelta([w, b]), torch.optim.AdamW([w, b], amsgrad=True)]
        for opt in optimizers:
            print(opt.state_dict())
            for _ in range(2):
                opt.zero_grad()
                ((w * w).sum() + 3 * b.sum()).backward()
                opt.step()
            print(opt)
            print(opt.state_dict())
            print(opt.state[w])
            print(opt.param_groups[-1]["lr"], len(opt.param_groups))
    """)


def test_add_param_group_and_load_state_dict_as_torch():
    from differential import assert_same

    assert_same("""
        import torch
        w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
        b = torch.nn.Parameter(torch.tensor([0.5]))
        opt = torch.optim.SGD([w], lr=0.1, momentum=0.9)
        opt.add_param_group({"params": b, "lr": 0.01})
        print(opt)
        for _ in range(2):
            opt.zero_grad()
            (w.pow(2).sum() + b.sum()).backward()
            opt.step()
        saved = opt.state_dict()
        other = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(1))], lr=1.0,
                                momentum=0.5)
        other.load_state_dict(saved)
        print(other)
        print(other.state_dict())
        opt.param_groups[0]["lr"] = 0.5
        print(opt.param_groups[0]["lr"], saved["param_groups"][0]["lr"])
        opt.add_param_group({"params": [w]})
    """)


def test_printing_matches_torch():
    for name, config in [("SGD", {"lr": 0.1}), ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
                         ("Adam", {}), ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1}),
                         ("AdamW", {"lr": 0.01})]:
        mine = optim.OPTIMIZERS[name]([_parameter(np.ones(2, np.float32))], **config)
        reference = getattr(torch.optim, name)([torch.ones(2, requires_grad=True)], **config)
        assert repr(mine) == repr(reference)


def test_state_zero_grad_and_closure():
    mine = _parameter(np.array([1.0, -2.0], np.float32))
    reference = torch.tensor([1.0, -2.0], requires_grad=True)
    opt_mine = optim.Adam([mine], lr=0.1)
    opt_ref = torch.optim.Adam([reference], lr=0.1)

    def closure_mine():
        from autodiff.torch.autograd import backward as torch_api

        opt_mine.zero_grad()
        loss = ops.sum(ops.mul(mine, mine))
        torch_api.tensor_backward(loss)
        return loss

    def closure_ref():
        opt_ref.zero_grad()
        loss = (reference * reference).sum()
        loss.backward()
        return loss

    for _ in range(3):
        assert opt_mine.step(closure_mine).item() == opt_ref.step(closure_ref).item()
    state_mine, state_ref = opt_mine.state[mine], opt_ref.state[reference]
    assert sorted(state_mine) == sorted(state_ref)
    assert repr(state_mine["step"]) == repr(state_ref["step"])
    assert np.array_equal(state_mine["exp_avg"].array, state_ref["exp_avg"].numpy())
    opt_mine.zero_grad()
    opt_ref.zero_grad()
    assert mine.grad is None and reference.grad is None
    mine.grad = Tensor(np.ones(2, np.float32))
    opt_mine.zero_grad(set_to_none=False)
    assert mine.grad.array.tolist() == [0.0, 0.0]


def test_param_groups():
    a, b = _parameter(np.ones(2, np.float32)), _parameter(np.ones(3, np.float32))
    mine = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.9)
    ta, tb = torch.ones(2, requires_grad=True), torch.ones(3, requires_grad=True)
    reference = torch.optim.SGD([{"params": [ta]}, {"params": tb, "lr": 0.5}], lr=0.1, momentum=0.9)
    assert repr(mine) == repr(reference)
    assert [g["lr"] for g in mine.param_groups] == [g["lr"] for g in reference.param_groups]


def _outcome(call):
    try:
        call()
    except AutodiffError as error:
        return error.category, error.message
    except Exception as error:  # noqa: BLE001 - torch's exceptions
        return type(error).__name__, str(error)
    return None


@pytest.mark.parametrize("case", [
    ("SGD", "[p]", {"lr": -1}), ("SGD", "[p]", {"lr": 0.1, "nesterov": True}), ("SGD", "[]", {"lr": 0.1}),
    ("SGD", "p", {"lr": 0.1}), ("SGD", "[p * 2]", {"lr": 0.1}), ("SGD", "[p]", {"lr": 0.1, "momentum": -1}),
    ("SGD", "[p]", {"lr": 0.1, "weight_decay": -1}), ("Adam", "[p]", {"betas": (1.0, 0.9)}),
    ("Adam", "[p]", {"betas": (0.9, 1.5)}), ("Adam", "[p]", {"betas": (0, 0.9)}), ("Adam", "[p]", {"eps": -1}),
    ("Adam", "[p]", {"lr": -1}), ("Adam", "[p]", {"weight_decay": -1}), ("SGD", "[1.0]", {"lr": 0.1}),
    ("RMSprop", "[p]", {"lr": -1}), ("RMSprop", "[p]", {"alpha": -1}), ("RMSprop", "[p]", {"eps": -1}),
    ("RMSprop", "[p]", {"momentum": -0.5}), ("RMSprop", "[p]", {"weight_decay": -1}),
    ("Adagrad", "[p]", {"lr_decay": -1}), ("Adagrad", "[p]", {"initial_accumulator_value": -1}),
    ("Adagrad", "[p]", {"eps": -1}), ("Adadelta", "[p]", {"rho": 1.5}), ("Adadelta", "[p]", {"lr": -1}),
    ("Adadelta", "[p]", {"eps": -1}), ("Adadelta", "[p]", {"weight_decay": -1}),
    ("SGD", "[{'params': [p]}, [p]]", {"lr": 0.1}), ("SGD", "[{'params': [p]}, {'params': [p]}]", {"lr": 0.1}),
], ids=str)
def test_argument_errors_match_torch(case):
    name, params, config = case

    p_mine = _parameter(np.ones(1, np.float32))
    p_torch = torch.ones(1, requires_grad=True)
    source = params.replace("p * 2", "ops.mul(p, 2)")
    mine = _outcome(lambda: optim.OPTIMIZERS[name](eval(source, {"p": p_mine, "ops": ops}), **config))
    reference = _outcome(lambda: getattr(torch.optim, name)(eval(params, {"p": p_torch}), **config))
    assert mine == reference
