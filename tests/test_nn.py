"""torch.nn, torch.nn.functional and torch.nn.init against PyTorch 2.13: values, gradients, grad_fn graphs,
printed text and errors. Script-level behaviour is covered by tests/golden/nn_*.py."""

from __future__ import annotations

import numpy as np
import pytest

from autodiff.engine import ops
from autodiff.engine.tensor import Tensor
from autodiff.errors import AutodiffError
from autodiff.torch import creation as creation_api
from autodiff.torch import namespace as namespace_api
from autodiff.torch.autograd import backward as backward_api
from autodiff.torch.nn import members as ann

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.oracle

F = ann.FUNCTIONAL
M = ann.MODULES
RNG = np.random.default_rng(11)


def graph(node) -> str:
    """A grad_fn graph as nested names, for autodiff nodes and torch nodes alike."""
    if node is None:
        return "None"
    if hasattr(node, "next_nodes"):
        name, children = node.name, node.next_nodes
    else:
        name, children = type(node).__name__, [child for child, _ in node.next_functions]
    inner = ", ".join(graph(child) for child in children)
    return f"{name}({inner})" if children else name


def ours(array, grad=None):
    grad = array.dtype.kind == "f" if grad is None else grad
    return Tensor(np.array(array, copy=True), grad)


def theirs(array, grad=None):
    grad = array.dtype.kind == "f" if grad is None else grad
    return torch.tensor(np.array(array, copy=True), requires_grad=grad)


X = RNG.standard_normal((5, 4)).astype(np.float32)
P = RNG.random((5, 4)).astype(np.float32)
S = (1 / (1 + np.exp(-X))).astype(np.float32)
LABELS = np.array([0, 3, 1, 2, 3])
W = RNG.standard_normal((3, 4)).astype(np.float32)
B = RNG.standard_normal(3).astype(np.float32)
CW = RNG.random(4).astype(np.float32) + 0.5
X3 = RNG.standard_normal((2, 4, 3)).astype(np.float32)
L3 = np.array([[0, 1, 3], [2, 2, 0]])


def _cases():
    cases = {
        "relu": (lambda f, t, x: f["relu"](x), [X]),
        "leaky_relu": (lambda f, t, x: f["leaky_relu"](x, 0.2), [X]),
        "gelu": (lambda f, t, x: f["gelu"](x), [X]),
        "gelu_tanh": (lambda f, t, x: f["gelu"](x, approximate="tanh"), [X]),
        "elu": (lambda f, t, x: f["elu"](x, alpha=0.7), [X]),
        "sigmoid": (lambda f, t, x: f["sigmoid"](x), [X]),
        "tanh": (lambda f, t, x: f["tanh"](x), [X]),
        "softmax": (lambda f, t, x: f["softmax"](x, dim=1), [X]),
        "log_softmax": (lambda f, t, x: f["log_softmax"](x, dim=0), [X]),
        "linear_2d": (lambda f, t, x, w, b: f["linear"](x, w, b), [X, W, B]),
        "linear_1d": (lambda f, t, x, w, b: f["linear"](x[1], w, b), [X, W, B]),
        "linear_3d": (lambda f, t, x, w, b: f["linear"](x, w, b), [X3.transpose(0, 2, 1).copy(), W, B]),
        "linear_nobias_2d": (lambda f, t, x, w: f["linear"](x, w), [X, W]),
        "linear_nobias_1d": (lambda f, t, x, w: f["linear"](x[0], w), [X, W]),
        "linear_nobias_3d": (lambda f, t, x, w: f["linear"](x, w), [X3.transpose(0, 2, 1).copy(), W]),
        "cross_entropy_probs_smoothed": (
            lambda f, t, x, p: f["cross_entropy"](x, p, label_smoothing=0.2), [X, P / P.sum(1, keepdims=True)]),
        "cross_entropy_smoothed": (lambda f, t, x: f["cross_entropy"](x, t(LABELS), label_smoothing=0.1), [X]),
        "cross_entropy_weighted": (lambda f, t, x: f["cross_entropy"](x, t(LABELS), weight=t(CW)), [X]),
        "cross_entropy_ignore": (lambda f, t, x: f["cross_entropy"](x, t(np.array([0, -100, 1, 2, 3]))), [X]),
        "cross_entropy_1d": (lambda f, t, x: f["cross_entropy"](x[0], t(np.array(2))), [X]),
        "cross_entropy_3d": (lambda f, t, x: f["cross_entropy"](x, t(L3)), [X3]),
        "nll_loss_3d_none": (lambda f, t, x: f["nll_loss"](x, t(L3), reduction="none"), [X3]),
        "mse_broadcast": (lambda f, t, x, y: f["mse_loss"](x, y[0]), [X, P]),
        "bce_weighted": (lambda f, t, s, p: f["binary_cross_entropy"](s, p, weight=t(CW)), [S, P]),
        "bce_logits_pos_weight": (
            lambda f, t, x, p: f["binary_cross_entropy_with_logits"](x, p, pos_weight=t(CW)), [X, P]),
        "bce_logits_weight": (lambda f, t, x, p: f["binary_cross_entropy_with_logits"](x, p, weight=t(CW)), [X, P]),
        "smooth_l1_beta0": (lambda f, t, x, p: f["smooth_l1_loss"](x, p, beta=0.0), [X, P]),
    }
    for reduction in ("mean", "sum", "none"):
        cases.update({
            f"mse_{reduction}": (lambda f, t, x, p, r=reduction: f["mse_loss"](x, p, reduction=r), [X, P]),
            f"l1_{reduction}": (lambda f, t, x, p, r=reduction: f["l1_loss"](x, p, reduction=r), [X, P]),
            f"smooth_l1_{reduction}": (
                lambda f, t, x, p, r=reduction: f["smooth_l1_loss"](x, p, reduction=r, beta=0.5), [X, P]),
            f"bce_{reduction}": (lambda f, t, s, p, r=reduction: f["binary_cross_entropy"](s, p, reduction=r), [S, P]),
            f"bce_logits_{reduction}": (
                lambda f, t, x, p, r=reduction: f["binary_cross_entropy_with_logits"](x, p, reduction=r), [X, P]),
            f"cross_entropy_{reduction}": (
                lambda f, t, x, r=reduction: f["cross_entropy"](x, t(LABELS), reduction=r), [X]),
            f"cross_entropy_probs_{reduction}": (
                lambda f, t, x, p, r=reduction: f["cross_entropy"](x, p, reduction=r),
                [X, P / P.sum(1, keepdims=True)]),
            f"nll_{reduction}": (lambda f, t, x, r=reduction: f["nll_loss"](x, t(LABELS), reduction=r), [X]),
            f"nll_weighted_{reduction}": (
                lambda f, t, x, r=reduction: f["nll_loss"](x, t(LABELS), weight=t(CW), reduction=r), [X]),
        })
    return cases


CASES = _cases()


def _torch_f():
    functional = torch.nn.functional
    return {name: getattr(functional, name) for name in F}


@pytest.mark.parametrize("name", sorted(CASES))
def test_functional_matches_torch(name):
    build, arrays = CASES[name]
    mine_in = [ours(a) for a in arrays]
    torch_in = [theirs(a) for a in arrays]
    mine = build(F, lambda a: Tensor(np.asarray(a)), *mine_in)
    reference = build(_torch_f(), lambda a: torch.tensor(a), *torch_in)
    assert graph(mine.grad_fn) == graph(reference.grad_fn)
    np.testing.assert_allclose(mine.array, reference.detach().numpy(), rtol=2e-6, atol=1e-6)
    upstream = RNG.standard_normal(mine.array.shape).astype(np.float32)
    backward_api.tensor_backward(mine, Tensor(upstream.copy()))
    reference.backward(torch.tensor(upstream))
    for a, b in zip(mine_in, torch_in, strict=True):
        np.testing.assert_allclose(a.grad.array, b.grad.numpy(), rtol=2e-5, atol=1e-6)


EXACT = ["relu", "leaky_relu", "nll_mean", "nll_sum", "nll_none", "nll_weighted_mean", "nll_weighted_sum",
         "smooth_l1_none", "cross_entropy_3d", "nll_loss_3d_none"]


@pytest.mark.parametrize("name", EXACT)
def test_functional_values_are_bit_exact(name):
    build, arrays = CASES[name]
    mine = build(F, lambda a: Tensor(np.asarray(a)), *[ours(a) for a in arrays])
    reference = build(_torch_f(), lambda a: torch.tensor(a), *[theirs(a) for a in arrays])
    assert np.array_equal(mine.array, reference.detach().numpy())


def test_double_backward_names():
    for name in ["leaky_relu", "gelu", "elu", "smooth_l1_mean", "nll_mean", "bce_mean", "relu"]:
        build, arrays = CASES[name]
        mine_in = [ours(a) for a in arrays]
        torch_in = [theirs(a) for a in arrays]
        mine = ops.sum(build(F, lambda a: Tensor(np.asarray(a)), *mine_in))
        reference = build(_torch_f(), lambda a: torch.tensor(a), *torch_in).sum()
        (g_ours,) = backward_api.autograd_grad(mine, mine_in[0], create_graph=True)
        (g_torch,) = torch.autograd.grad(reference, torch_in[0], create_graph=True)
        assert graph(g_ours.grad_fn).split("(")[0] == graph(g_torch.grad_fn).split("(")[0], name


def _errors(f, t):
    x, p = t(X), t(P)
    return [
        lambda: f["mse_loss"](x, p, reduction="foo"),
        lambda: f["mse_loss"](x, t(RNG.random(5).astype(np.float32))),
        lambda: f["l1_loss"](x, p, reduction="avg"),
        lambda: f["binary_cross_entropy"](t(P), t(P[0])),
        lambda: f["binary_cross_entropy"](x, t(P)),
        lambda: f["binary_cross_entropy_with_logits"](x, t(P[0])),
        lambda: f["cross_entropy"](x, t(RNG.random(5).astype(np.float32))),
        lambda: f["cross_entropy"](x, t(np.ones((5, 4), dtype=np.int64))),
        lambda: f["cross_entropy"](x, t(np.array([0, 1]))),
        lambda: f["cross_entropy"](x, t(np.array([0, 1, 4, 0, 0]))),
        lambda: f["cross_entropy"](x, t(np.array([0, 1, -1, 0, 0]))),
        lambda: f["cross_entropy"](x, t(LABELS), reduction="bad"),
        lambda: f["cross_entropy"](x, t(LABELS.astype(np.int32))),
        lambda: f["cross_entropy"](x, t(LABELS), label_smoothing=1.5),
        lambda: f["nll_loss"](x, t(np.zeros((5, 1), dtype=np.int64))),
        lambda: f["nll_loss"](x, t(LABELS), weight=t(np.ones(3, dtype=np.float32))),
        lambda: f["nll_loss"](t(X3), t(np.zeros((2, 5), dtype=np.int64))),
        lambda: f["linear"](x, t(RNG.random((2, 3)).astype(np.float32))),
        lambda: f["linear"](x, t(W), t(np.ones(2, dtype=np.float32))),
        lambda: f["linear"](t(X.astype(np.float64)), t(W), t(B)),
        lambda: f["gelu"](x, approximate="foo"),
        lambda: f["gelu"](t(np.array([1]))),
        lambda: f["leaky_relu"](t(np.array([1]))),
        lambda: f["elu"](t(np.array([1]))),
    ]


def _outcome(call):
    try:
        value = call()
    except AutodiffError as error:
        return ("error", error.category, error.message)
    except Exception as error:  # noqa: BLE001 - torch's exceptions
        return ("error", type(error).__name__, str(error))
    return ("ok", None, None) if value is not None else ("none", None, None)


@pytest.mark.parametrize("index", range(len(_errors(F, Tensor))))
def test_functional_errors_match_torch(index):
    mine = _outcome(lambda: _errors(F, lambda a: Tensor(np.asarray(a)))[index]())
    reference = _outcome(lambda: _errors(_torch_f(), torch.tensor)[index]())
    if mine[0] == "error" or reference[0] == "error":
        assert mine == reference



# --- modules ---------------------------------------------------------------------------------------------------


def _build_model(nn):
    return nn["Sequential"](
        nn["Flatten"](), nn["Linear"](4, 3), nn["ReLU"](), nn["LeakyReLU"](0.2), nn["Linear"](3, 3, bias=False),
        nn["Sigmoid"](), nn["Tanh"](), nn["GELU"](approximate="tanh"), nn["ELU"](alpha=0.5),
        nn["Softmax"](dim=1), nn["LogSoftmax"](dim=1), nn["Identity"](), nn["Sequential"](nn["Linear"](3, 2)),
        nn["LeakyReLU"](0.1, True), nn["ReLU"](inplace=True), nn["Softmax"](), nn["Flatten"](0, 1),
    )


def _torch_nn():
    return {name: getattr(torch.nn, name) for name in M}


def test_module_printing_matches_torch():
    assert repr(_build_model(M)) == repr(_build_model(_torch_nn()))
    assert repr(M["Sequential"]()) == repr(torch.nn.Sequential())
    assert repr(_build_model(M)[1:4]) == repr(_build_model(_torch_nn())[1:4])
    for name in ["MSELoss", "L1Loss", "SmoothL1Loss", "BCELoss", "BCEWithLogitsLoss", "NLLLoss", "CrossEntropyLoss"]:
        assert repr(M[name]()) == repr(getattr(torch.nn, name)())


def test_linear_initialisation_matches_manual_seed():
    torch.manual_seed(3)
    reference = torch.nn.Linear(5, 4)
    creation_api.manual_seed(3)
    mine = M["Linear"](5, 4)
    assert np.array_equal(mine._parameters["weight"].array,
                          reference.weight.detach().numpy())
    assert np.array_equal(mine._parameters["bias"].array, reference.bias.detach().numpy())
    assert repr(mine._parameters["weight"]) == repr(reference.weight)


def _set_weights(model_ours, model_torch):
    for (_, p_ours), (_, p_torch) in zip(model_ours.named_parameters(), model_torch.named_parameters(),
                                            strict=True):
        values = RNG.standard_normal(p_ours.array.shape).astype(np.float32) * 0.5
        p_ours.array[...] = values
        with torch.no_grad():
            p_torch.copy_(torch.tensor(values))


def test_sequential_forward_backward_and_parameters_match_torch():
    mine, reference = _build_model(M), _build_model(_torch_nn())
    mine[14], reference[14] = M["Identity"](), torch.nn.Identity()  # two in-place layers in a row fail backward
    _set_weights(mine, reference)
    assert [n for n, _ in mine.named_parameters()] == [n for n, _ in reference.named_parameters()]
    data = RNG.standard_normal((3, 2, 2)).astype(np.float32)
    out_ours, out_torch = mine(Tensor(data)), reference(torch.tensor(data))
    assert graph(out_ours.grad_fn) == graph(out_torch.grad_fn)
    np.testing.assert_allclose(out_ours.array, out_torch.detach().numpy(), rtol=1e-5, atol=1e-6)
    backward_api.tensor_backward(ops.sum(ops.mul(out_ours, Tensor(np.arange(6, dtype=np.float32)))))
    (out_torch * torch.arange(6, dtype=torch.float32)).sum().backward()
    for (_, a), (_, b) in zip(mine.named_parameters(), reference.named_parameters(), strict=True):
        np.testing.assert_allclose(a.grad.array, b.grad.numpy(), rtol=1e-4, atol=1e-6)
    mine.zero_grad()
    assert all(p.grad is None for p in mine.parameters())
    assert len(mine) == len(reference) and repr(mine[-4]) == repr(reference[-4])
    assert [repr(m) for m in mine] == [repr(m) for m in reference]
    assert mine.eval().training is False and mine[1].training is False and mine.train().training is True


def test_module_attribute_tables():
    from autodiff.language.protocol import call_method, get_attribute, set_attribute

    assert namespace_api.build_torch()["torch.nn"].members["Linear"] is M["Linear"]  # building torch.nn registers
    lin = M["Linear"](2, 3)
    assert get_attribute(lin, "in_features") == 2 and get_attribute(lin, "out_features") == 3
    assert get_attribute(lin, "weight") is lin._parameters["weight"]
    with pytest.raises(AutodiffError, match="'Linear' object has no attribute 'foo'"):
        get_attribute(lin, "foo")
    with pytest.raises(AutodiffError) as caught:
        set_attribute(lin, "weight", Tensor(np.ones((3, 2), np.float32)))
    reference = torch.nn.Linear(2, 3)
    with pytest.raises(TypeError) as torch_error:
        reference.weight = torch.ones(3, 2)
    assert caught.value.message == str(torch_error.value)
    set_attribute(lin, "bias", None)
    assert repr(lin) == repr(torch.nn.Linear(2, 3, bias=False))
    model = M["Sequential"](lin, M["ReLU"]())
    assert [n for n, _ in call_method(model, "named_parameters", [], {})] == ["0.weight"]
    assert get_attribute(model, "training") is True


def test_module_errors_match_torch():
    checks = [
        (lambda nn: nn["Sequential"](nn["ReLU"]())[3]),
        (lambda nn: nn["Sequential"](1)),
        (lambda nn: nn["Linear"](-1, 2)),
        (lambda nn: nn["Linear"](2.0, 2)),
        (lambda nn: nn["Linear"](3, 2)(Tensor(np.ones(4, np.float32)) if nn is M else torch.ones(4))),
    ]
    for check in checks:
        assert _outcome(lambda c=check: c(M)) == _outcome(lambda c=check: c(_torch_nn()))


def test_loss_modules_match_torch():
    pairs = [("MSELoss", X, P), ("L1Loss", X, P), ("SmoothL1Loss", X, P), ("BCELoss", S, P),
             ("BCEWithLogitsLoss", X, P), ("CrossEntropyLoss", X, LABELS), ("NLLLoss", X, LABELS)]
    for name, a, b in pairs:
        for kwargs in ({}, {"reduction": "sum"}, {"reduction": "none"}):
            mine = M[name](**kwargs)(ours(a), Tensor(np.array(b)))
            reference = getattr(torch.nn, name)(**kwargs)(theirs(a), torch.tensor(b))
            assert repr(mine).split("grad_fn")[0] == repr(reference).split("grad_fn")[0] or np.allclose(
                mine.array, reference.detach().numpy(), rtol=1e-6)
            assert mine.grad_fn.name == type(reference.grad_fn).__name__


def test_init_functions_match_torch_under_seed():
    init = ann.INIT
    for name, args in [("uniform_", (-0.5, 0.5)), ("normal_", (0.0, 2.0)), ("xavier_uniform_", ()),
                       ("xavier_normal_", ()), ("kaiming_uniform_", ()), ("kaiming_normal_", ()),
                       ("constant_", (0.3,)), ("ones_", ()), ("zeros_", ()), ("eye_", ())]:
        torch.manual_seed(7)
        reference = getattr(torch.nn.init, name)(torch.empty(3, 4), *args)
        creation_api.manual_seed(7)
        mine = init[name](Tensor(np.empty((3, 4), np.float32)), *args)
        assert np.array_equal(mine.array, reference.numpy()), name
    assert init["calculate_gain"]("leaky_relu", 0.2) == torch.nn.init.calculate_gain("leaky_relu", 0.2)


def test_members_are_importable_namespaces():
    modules = namespace_api.build_torch()
    assert {"torch.nn", "torch.nn.functional", "torch.nn.init", "torch.optim"} <= set(modules)
    assert modules["torch.nn"].members["functional"] is modules["torch.nn.functional"]
    assert modules["torch.nn"].members["Linear"] is ann.Linear


def _subclass_outcomes(nn_module, make_parameter, ones):
    """What a Python subclass of nn.Module does with PyTorch's attribute protocol, case by case."""

    class Forgot(nn_module.Module):
        def __init__(self, assign):
            assign(self)

    class Net(nn_module.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn_module.Linear(2, 2)
            self.scale = make_parameter(ones(1))
            self.note = "plain"
            self.register_buffer("steps", ones(1))

        def forward(self, x):
            return x * self.steps + self.scale

    class NoForward(nn_module.Module):
        pass

    def hooked() -> list[float]:
        net = Net()
        net.register_forward_pre_hook(lambda module, args: (args[0] * 0,))
        net.register_forward_hook(lambda module, args, out: out + module.steps)
        return net(ones(2)).tolist()

    cases = {
        "module before init": lambda: Forgot(lambda m: setattr(m, "fc", nn_module.Linear(1, 1))),
        "parameter before init": lambda: Forgot(lambda m: setattr(m, "w", make_parameter(ones(1)))),
        "call without init": lambda: Forgot(lambda m: None)(ones(1)),
        "parameters without init": lambda: list(Forgot(lambda m: None).parameters()),
        "print without init": lambda: repr(Forgot(lambda m: None)),
        "train without init": lambda: Forgot(lambda m: None).train(),
        "state_dict without init": lambda: Forgot(lambda m: None).state_dict(),
        "register without init": lambda: Forgot(lambda m: None).register_parameter("a", None),
        "names": lambda: [name for name, _ in Net().named_parameters()],
        "state_dict keys": lambda: list(Net().state_dict()),
        "printed": lambda: repr(Net()),
        "submodule": lambda: type(Net().fc).__name__,
        "plain": lambda: Net().note,
        "module slot takes only modules": lambda: setattr(Net(), "fc", 3),
        "parameter slot takes only parameters": lambda: setattr(Net(), "scale", ones(1)),
        "missing": lambda: Net().missing,
        "deleted": lambda: [repr(net) for net in [Net()] if delattr(net, "fc") is None],
        "eval reaches submodules": lambda: [m.training for m in Net().eval().modules()],
        "buffer before init": lambda: Forgot(lambda m: m.register_buffer("b", ones(1))),
        "buffer over a plain attribute": lambda: Net().register_buffer("note", ones(1)),
        "buffer replaced by None": lambda: [(net.steps, list(net.state_dict())) for net in [Net()]
                                            if setattr(net, "steps", None) is None],
        "buffer slot takes only tensors": lambda: setattr(Net(), "steps", 2),
        "hooks around a subclass's forward": hooked,
    }
    outcomes = {}
    for name, case in cases.items():
        try:
            outcomes[name] = ("ok", case())
        except Exception as error:  # noqa: BLE001 - torch's errors and autodiff's are compared by class and text
            outcomes[name] = (type(error).__name__, str(error))
    return outcomes


def test_python_subclasses_of_module_behave_as_in_torch():
    from autodiff.torch.nn.modules import linear, module

    class OurNN:
        Module = module.Module
        Linear = linear.Linear

    ours = _subclass_outcomes(OurNN, creation_api.parameter, lambda *shape: creation_api.ones(*shape))
    theirs = _subclass_outcomes(torch.nn, torch.nn.Parameter, torch.ones)
    assert ours == theirs
