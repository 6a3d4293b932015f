"""The layers of torch.nn against PyTorch 2.13: embedding, dropout, convolution, pooling, padding, normalization.

Functional forms are compared on values, gradients and grad_fn graphs; modules on printing and on the parameters
they draw under `torch.manual_seed`; errors on category and message (the same script run by both). Finite
differences for the same ops live in tests/test_gradients_nn.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from autodiff.engine import ops
from autodiff.engine.tensor import Tensor
from autodiff.torch.autograd import backward as backward_api
from autodiff.torch.nn import members as ann
from test_functional import run_autodiff, run_torch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.oracle

F = ann.FUNCTIONAL
RNG = np.random.default_rng(5)


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


def normal(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


X4 = normal(2, 3, 7, 6)
X3 = normal(2, 4, 9)
X5 = normal(1, 2, 4, 5, 3)
W2 = normal(4, 3, 3, 2)
W2G = normal(6, 1, 2, 3)
W1 = normal(5, 4, 3)
W3 = normal(3, 2, 2, 3, 2)
B4, B5, B6, B3 = normal(4), normal(5), normal(6), normal(3)
TIES = np.round(normal(2, 2, 6, 6) * 2) / 2  # many equal values: the first maximum of a window must win
TABLE = normal(7, 3)
INDICES = np.array([[0, 3, 3], [6, 2, 0]])
ROWS = normal(5, 4)
RUNNING_MEAN, RUNNING_VAR = normal(3), np.abs(normal(3)) + 0.5


def _long(values):
    return np.asarray(values, dtype=np.int64)


# name -> (build(f, t, *inputs), inputs that require grad)
CASES = {
    "conv2d": (lambda f, t, x, w, b: f["conv2d"](x, w, b), [X4, W2, B4]),
    "conv2d_stride_pad": (lambda f, t, x, w, b: f["conv2d"](x, w, b, stride=(2, 1), padding=(1, 2)), [X4, W2, B4]),
    "conv2d_dilation": (lambda f, t, x, w: f["conv2d"](x, w, None, 1, 1, (2, 1)), [X4, W2]),
    "conv2d_groups": (lambda f, t, x, w, b: f["conv2d"](x, w, b, padding=1, groups=3), [X4, W2G, B6]),
    "conv2d_same": (lambda f, t, x, w, b: f["conv2d"](x, w, b, padding="same", dilation=2), [X4, W2, B4]),
    "conv2d_valid": (lambda f, t, x, w: f["conv2d"](x, w, padding="valid", stride=3), [X4, W2]),
    "conv2d_unbatched": (lambda f, t, x, w, b: f["conv2d"](x[0], w, b), [X4, W2, B4]),
    "conv1d": (lambda f, t, x, w, b: f["conv1d"](x, w, b, stride=2, padding=2), [X3, W1, B5]),
    "conv1d_unbatched": (lambda f, t, x, w: f["conv1d"](x[1], w, dilation=3), [X3, W1]),
    "conv3d": (lambda f, t, x, w, b: f["conv3d"](x, w, b, padding=1, stride=(1, 2, 1)), [X5, W3, B3]),
    "max_pool2d": (lambda f, t, x: f["max_pool2d"](x, 2), [X4]),
    "max_pool2d_ties": (lambda f, t, x: f["max_pool2d"](x, 3, 1, 1), [TIES]),
    "max_pool2d_ceil": (lambda f, t, x: f["max_pool2d"](x, (3, 2), (2, 2), (1, 1), ceil_mode=True), [X4]),
    "max_pool2d_dilation": (lambda f, t, x: f["max_pool2d"](x, 2, 1, 1, dilation=2), [X4]),
    "max_pool2d_unbatched": (lambda f, t, x: f["max_pool2d"](x[0], 3, 2), [X4]),
    "max_pool1d": (lambda f, t, x: f["max_pool1d"](x, 3, 2, 1), [X3]),
    "max_pool1d_ceil": (lambda f, t, x: f["max_pool1d"](x[0], 2, ceil_mode=True), [X3]),
    "avg_pool2d": (lambda f, t, x: f["avg_pool2d"](x, 2), [X4]),
    "avg_pool2d_pad": (lambda f, t, x: f["avg_pool2d"](x, 3, 2, 1), [X4]),
    "avg_pool2d_exclude_pad": (lambda f, t, x: f["avg_pool2d"](x, 3, 2, 1, count_include_pad=False), [X4]),
    "avg_pool2d_ceil": (lambda f, t, x: f["avg_pool2d"](x, (2, 4), 3, (1, 2), ceil_mode=True), [X4]),
    "avg_pool2d_divisor": (lambda f, t, x: f["avg_pool2d"](x, 2, divisor_override=3), [X4]),
    "avg_pool1d": (lambda f, t, x: f["avg_pool1d"](x, 3, 2, 1), [X3]),
    "adaptive_avg_pool2d": (lambda f, t, x: f["adaptive_avg_pool2d"](x, (3, 4)), [X4]),
    "adaptive_avg_pool2d_one": (lambda f, t, x: f["adaptive_avg_pool2d"](x, 1), [X4]),
    "adaptive_avg_pool2d_none": (lambda f, t, x: f["adaptive_avg_pool2d"](x, (None, 5)), [X4]),
    "adaptive_avg_pool1d": (lambda f, t, x: f["adaptive_avg_pool1d"](x, 4), [X3]),
    "pad_constant": (lambda f, t, x: f["pad"](x, (1, 2, 0, 3), value=0.5), [X4]),
    "pad_crop": (lambda f, t, x: f["pad"](x, (-1, 2, 1, -2)), [X4]),
    "pad_reflect": (lambda f, t, x: f["pad"](x, (2, 1, 3, 2), mode="reflect"), [X4]),
    "pad_reflect_1d": (lambda f, t, x: f["pad"](x, (3, 2), mode="reflect"), [X3]),
    "pad_replicate": (lambda f, t, x: f["pad"](x, (2, 3, 1, 0), mode="replicate"), [X4]),
    "pad_circular": (lambda f, t, x: f["pad"](x, (2, 1), mode="circular"), [X3]),
    "normalize": (lambda f, t, x: f["normalize"](x), [ROWS]),
    "normalize_p1": (lambda f, t, x: f["normalize"](x, p=1.0, dim=0), [ROWS]),
    "cosine_similarity": (lambda f, t, a, b: f["cosine_similarity"](a, b), [ROWS, ROWS[::-1].copy()]),
    "cosine_similarity_broadcast": (lambda f, t, a, b: f["cosine_similarity"](a, b[0], dim=-1), [ROWS, ROWS]),
    "embedding": (lambda f, t, w: f["embedding"](t(INDICES), w), [TABLE]),
    "embedding_padding": (lambda f, t, w: f["embedding"](t(INDICES), w, padding_idx=3), [TABLE]),
    "embedding_padding_negative": (lambda f, t, w: f["embedding"](t(INDICES), w, padding_idx=-1), [TABLE]),
    "embedding_freq": (lambda f, t, w: f["embedding"](t(INDICES), w, scale_grad_by_freq=True), [TABLE]),
    "embedding_scalar": (lambda f, t, w: f["embedding"](t(np.array(4)), w), [TABLE]),
    "layer_norm": (lambda f, t, x, w, b: f["layer_norm"](x, (6,), w, b), [X4, normal(6), normal(6)]),
    "layer_norm_2d": (lambda f, t, x: f["layer_norm"](x, (7, 6), eps=1e-3), [X4]),
    "batch_norm_train": (lambda f, t, x, w, b: f["batch_norm"](x, t(np.zeros(3, np.float32)),
                                                                t(np.ones(3, np.float32)), w, b, True),
                         [X4, normal(3), normal(3)]),
    "batch_norm_eval": (lambda f, t, x, w, b: f["batch_norm"](x, t(RUNNING_MEAN), t(RUNNING_VAR), w, b),
                        [X4, normal(3), normal(3)]),
    "batch_norm_1d": (lambda f, t, x: f["batch_norm"](x, None, None, training=True), [ROWS]),
    "batch_norm_3d": (lambda f, t, x, w: f["batch_norm"](x, None, None, w, None, True, 0.3), [X3, normal(4)]),
}


def _run(name, library):
    build, arrays = CASES[name]
    if library == "ours":
        inputs = [Tensor(a.copy(), True) for a in arrays]
        out = build(F, lambda a: Tensor(np.asarray(a)), *inputs)
    else:
        inputs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
        functional = torch.nn.functional
        out = build({n: getattr(functional, n) for n in F}, torch.tensor, *inputs)
    return inputs, out


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_functions_match_torch(name):
    mine_in, mine = _run(name, "ours")
    torch_in, reference = _run(name, "torch")
    assert graph(mine.grad_fn) == graph(reference.grad_fn)
    np.testing.assert_allclose(mine.array, reference.detach().numpy(), rtol=1e-5, atol=1e-5)
    upstream = RNG.standard_normal(mine.array.shape).astype(np.float32)
    backward_api.tensor_backward(mine, Tensor(upstream.copy()))
    reference.backward(torch.tensor(upstream))
    for a, b in zip(mine_in, torch_in, strict=True):
        expected = b.grad.numpy() if b.grad is not None else np.zeros_like(a.array)
        got = a.grad.array if a.grad is not None else np.zeros_like(a.array)
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["max_pool2d", "max_pool2d_ties", "max_pool2d_ceil", "max_pool1d", "avg_pool2d",
                                  "avg_pool2d_exclude_pad", "pad_constant", "pad_reflect", "embedding_padding",
                                  "adaptive_avg_pool2d"])
def test_layer_values_are_bit_exact(name):
    _, mine = _run(name, "ours")
    _, reference = _run(name, "torch")
    assert np.array_equal(mine.array, reference.detach().numpy())


def test_max_pool_indices_match_torch():
    for x, args in ((TIES, (3, 1, 1)), (X4, ((3, 2), 2, 1, 2)), (X4, (2, None, 0, 1, True))):
        _, mine = F["max_pool2d"](Tensor(x), *args, return_indices=True)
        _, reference = torch.nn.functional.max_pool2d(torch.tensor(x), *args, return_indices=True)
        assert np.array_equal(mine.array, reference.numpy())
    _, mine = F["max_pool1d"](Tensor(X3), 3, 2, 1, return_indices=True)
    _, reference = torch.nn.functional.max_pool1d(torch.tensor(X3), 3, 2, 1, return_indices=True)
    assert np.array_equal(mine.array, reference.numpy())


DOUBLE = ["conv2d", "conv2d_groups", "conv1d", "max_pool2d", "avg_pool2d", "pad_constant", "pad_reflect",
          "adaptive_avg_pool2d", "embedding"]


@pytest.mark.parametrize("name", DOUBLE)
def test_double_backward_matches_torch(name):
    """Gradients taken with create_graph=True carry PyTorch's node names and differentiate again correctly."""
    mine_in, mine = _run(name, "ours")
    torch_in, reference = _run(name, "torch")
    weights = RNG.standard_normal(mine.array.shape).astype(np.float32)
    mine_loss = ops.sum(ops.mul(mine, Tensor(weights)))
    reference_loss = (reference * torch.tensor(weights)).sum()
    mine_grads = backward_api.autograd_grad(mine_loss, mine_in, create_graph=True, allow_unused=True)
    torch_grads = torch.autograd.grad(reference_loss, torch_in, create_graph=True, allow_unused=True)
    assert [graph(g.grad_fn).split("(")[0] if g is not None else None for g in mine_grads] == [
        graph(g.grad_fn).split("(")[0] if g is not None else None for g in torch_grads]
    # a second derivative through the first: d/dinputs of sum(grad ** 2)
    mine_second = ops.sum(ops.stack([ops.sum(ops.mul(g, g)) for g in mine_grads if g is not None]))
    torch_second = torch.stack([(g * g).sum() for g in torch_grads if g is not None]).sum()
    if not torch_second.requires_grad:
        return
    mine_again = backward_api.autograd_grad(mine_second, mine_in, allow_unused=True)
    torch_again = torch.autograd.grad(torch_second, torch_in, allow_unused=True)
    for a, b in zip(mine_again, torch_again, strict=True):
        if b is None:
            assert a is None or not np.any(a.array)
        else:
            np.testing.assert_allclose(a.array, b.numpy(), rtol=1e-4, atol=1e-4)


def test_dropout_masks_match_torch_under_seed():
    torch.manual_seed(11)
    expected = [torch.nn.functional.dropout(torch.ones(6, 7), p).numpy() for p in (0.5, 0.2, 0.9)]
    expected.append(torch.nn.functional.dropout2d(torch.ones(3, 4, 2, 2), 0.4).numpy())
    from autodiff.torch import creation

    creation.manual_seed(11)
    got = [F["dropout"](Tensor(np.ones((6, 7), np.float32)), p).array for p in (0.5, 0.2, 0.9)]
    got.append(F["dropout2d"](Tensor(np.ones((3, 4, 2, 2), np.float32)), 0.4).array)
    for a, b in zip(got, expected, strict=True):
        assert np.array_equal(a, b)


def test_running_statistics_match_torch():
    mean, var = np.zeros(3, np.float32), np.ones(3, np.float32)
    t_mean, t_var = torch.tensor(mean), torch.tensor(var)
    mine_mean, mine_var = Tensor(mean.copy()), Tensor(var.copy())
    for momentum in (0.1, 0.5):
        F["batch_norm"](Tensor(X4), mine_mean, mine_var, training=True, momentum=momentum)
        torch.nn.functional.batch_norm(torch.tensor(X4), t_mean, t_var, training=True, momentum=momentum)
    np.testing.assert_allclose(mine_mean.array, t_mean.numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(mine_var.array, t_var.numpy(), rtol=1e-6, atol=1e-7)


def test_embedding_max_norm_renormalises_the_table_in_place():
    table, reference = Tensor(TABLE * 3), torch.tensor(TABLE * 3)
    out = F["embedding"](Tensor(INDICES), table, max_norm=1.5)
    expected = torch.nn.functional.embedding(torch.tensor(INDICES), reference, max_norm=1.5)
    np.testing.assert_allclose(out.array, expected.numpy(), rtol=1e-6)
    np.testing.assert_allclose(table.array, reference.numpy(), rtol=1e-6)


# --- modules ----------------------------------------------------------------------------------------------------
MODULES = [
    "Embedding(10, 3)", "Embedding(10, 3, padding_idx=-2)", "Embedding(4, 2, max_norm=1.0, norm_type=1.0, "
    "scale_grad_by_freq=True, sparse=True)", "Dropout()", "Dropout(0.2, inplace=True)", "Dropout2d(0.3)",
    "Dropout1d()", "Conv2d(3, 4, 3)", "Conv2d(4, 6, (3, 2), stride=2, padding=1, dilation=2, groups=2, bias=False, "
    "padding_mode='reflect')", "Conv1d(2, 4, 3, padding='same')", "Conv1d(2, 4, 5, padding='valid', stride=3)",
    "Conv3d(1, 2, (2, 3, 1))", "Conv2d(2, 2, 3, padding=(1, 2), padding_mode='circular')",
    "MaxPool2d(2)", "MaxPool2d((2, 3), stride=1, padding=1, dilation=2, return_indices=True, ceil_mode=True)",
    "MaxPool1d(3, 2)", "AvgPool2d(2)", "AvgPool2d(3, 2, 1, True, False, 2)", "AvgPool1d(3)",
    "AdaptiveAvgPool2d((2, None))", "AdaptiveAvgPool2d(1)", "AdaptiveAvgPool1d(3)", "LayerNorm(4)",
    "LayerNorm((3, 4), elementwise_affine=False)", "LayerNorm([4], eps=1e-3, bias=False)", "BatchNorm1d(3)",
    "BatchNorm2d(3, eps=1e-3, momentum=None, affine=False)", "BatchNorm1d(4, track_running_stats=False, bias=False)",
    "BatchNorm3d(2, momentum=0.3)",
]


@pytest.mark.parametrize("spec", MODULES)
def test_modules_print_and_initialise_as_torch(spec):
    source = (f"torch.manual_seed(3)\nm = torch.nn.{spec}\nprint(m)\n"
              "for name, p in m.named_parameters():\n    print(name, p)\n")
    assert run_autodiff(source) == run_torch(source)


def test_batch_norm_modules_track_statistics_as_torch():
    source = """
torch.manual_seed(0)
layers = [torch.nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3, momentum=None), torch.nn.BatchNorm2d(2, affine=False),
          torch.nn.BatchNorm1d(3, track_running_stats=False)]
inputs = [torch.randn(6, 3), torch.randn(4, 3, 5), torch.randn(3, 2, 4, 4), torch.randn(5, 3)]
for layer, x in zip(layers, inputs):
    for step in range(3):
        y = layer(x * (step + 1) + step)
    print(layer.running_mean, layer.running_var, layer.num_batches_tracked)
    layer.eval()
    print(layer(x)[0])
    layer.train()
"""
    assert run_autodiff(source) == run_torch(source)


def test_a_small_cnn_trains_as_torch():
    source = """
import torch.nn as nn
torch.manual_seed(0)
net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 4, 3),
                    nn.ReLU(),
                    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.3), nn.Linear(4, 3), nn.LayerNorm(3))
x = torch.randn(5, 1, 8, 8)
y = torch.tensor([0, 2, 1, 1, 0])
for step in range(3):
    net.zero_grad()
    loss = nn.functional.cross_entropy(net(x), y)
    loss.backward()
    with torch.no_grad():
        for p in net.parameters():
            p -= 0.1 * p.grad
    print(step, round(loss.item(), 4))
net.eval()
print(net(x).argmax(1))
"""
    assert run_autodiff(source) == run_torch(source)


ERRORS = [
    "F.embedding(torch.tensor([1.0]), torch.randn(4, 2))",
    "F.embedding(torch.tensor([4]), torch.randn(4, 2))",
    "F.embedding(torch.tensor([1]), torch.randn(4, 2), padding_idx=4)",
    "torch.nn.Embedding(3, 2, padding_idx=-4)",
    "F.one_hot(torch.tensor([1.0]))",
    "F.one_hot(torch.tensor([-1]))",
    "F.one_hot(torch.tensor([3]), 2)",
    "F.one_hot(torch.tensor([], dtype=torch.long))",
    "F.dropout(torch.ones(2), 1.5)",
    "torch.nn.Dropout(-0.5)",
    "F.conv2d(torch.ones(2, 3, 5, 5), torch.ones(4, 2, 3, 3))",
    "F.conv2d(torch.ones(2, 3, 5, 5), torch.ones(4, 3, 7, 7))",
    "F.conv2d(torch.ones(5, 5), torch.ones(4, 3, 3, 3))",
    "F.conv2d(torch.ones(2, 3, 5, 5), torch.ones(4, 3, 3))",
    "F.conv2d(torch.ones(2, 3, 5, 5), torch.ones(4, 3, 3, 3), torch.ones(3))",
    "F.conv2d(torch.ones(2, 3, 5, 5), torch.ones(4, 3, 3, 3), stride=0)",
    "F.conv2d(torch.ones(2, 3, 5, 5), torch.ones(4, 3, 3, 3), padding=-1)",
    "F.conv2d(torch.ones(2, 3, 5, 5), torch.ones(4, 3, 3, 3), padding='same', stride=2)",
    "F.conv2d(torch.ones(2, 3, 5, 5), torch.ones(4, 3, 3, 3), padding='bad')",
    "F.conv2d(torch.ones(2, 3, 5, 5), torch.ones(4, 3, 3, 3), groups=2)",
    "F.conv2d(torch.ones(2, 3, 5, 5), torch.ones(4, 1, 3, 3), groups=3)",
    "F.conv2d(torch.ones(2, 3, 5, 5), torch.ones(2, 3, 3, 3), groups=3)",
    "F.conv2d(torch.ones(2, 3, 5, 5), torch.ones(4, 3, 3, 3, dtype=torch.float64))",
    "F.conv2d(torch.ones(2, 3, 5, 5), torch.ones(4, 3, 3, 3), dilation=0)",
    "F.conv2d(torch.ones(2, 3, 5, 5), torch.ones(4, 3, 3, 3), groups=0)",
    "F.conv1d(torch.ones(2, 3, 4, 4), torch.ones(2, 3, 2))",
    "F.conv1d(torch.ones(2, 3, 4), torch.ones(2, 3, 2, 2))",
    "torch.nn.Conv2d(3, 4, 3, groups=2)",
    "torch.nn.Conv2d(4, 3, 3, groups=2)",
    "torch.nn.Conv2d(4, 4, 3, groups=0)",
    "torch.nn.Conv2d(4, 4, 3, padding='same', stride=2)",
    "torch.nn.Conv2d(3, 4, 3)(torch.ones(2, 4, 5, 5))",
    "F.max_pool2d(torch.ones(2, 3, 5, 5), 3, padding=2)",
    "F.max_pool2d(torch.ones(2, 3, 5, 5), 7)",
    "F.max_pool2d(torch.ones(5, 5), 2)",
    "F.max_pool2d(torch.ones(2, 3, 5, 5), 0)",
    "F.max_pool2d(torch.ones(2, 3, 4, 4), 0, 1)",
    "F.max_pool2d(torch.ones(2, 3, 4, 4), 2, 1, dilation=0)",
    "F.max_pool2d(torch.ones(2, 3, 4, 4), (2, 2, 2))",
    "F.max_pool1d(torch.ones(2, 3, 8), 9)",
    "F.max_pool1d(torch.ones(2, 3, 8), 0)",
    "F.max_pool1d(torch.ones(2, 3, 8), 2, padding=2)",
    "F.max_pool1d(torch.ones(2, 3, 4, 4), 2)",
    "F.avg_pool1d(torch.ones(2, 3, 8), 9)",
    "F.avg_pool1d(torch.ones(8), 2)",
    "F.avg_pool2d(torch.ones(2, 3, 5, 5), 3, padding=2)",
    "F.avg_pool2d(torch.ones(2, 3, 4, 4), 2, 0)",
    "F.avg_pool2d(torch.ones(2, 3, 4, 4), 2, divisor_override=0)",
    "F.adaptive_avg_pool2d(torch.ones(5, 5), 2)",
    "F.adaptive_avg_pool2d(torch.ones(2, 3, 5, 5), (1, 1, 1))",
    "F.adaptive_avg_pool1d(torch.ones(2, 3, 4, 4), 2)",
    "F.pad(torch.ones(2, 3), (1,))",
    "F.pad(torch.ones(2, 3), (1, 1, 1, 1, 1, 1))",
    "F.pad(torch.ones(2, 3, 4), (4, 4), mode='reflect')",
    "F.pad(torch.ones(2, 3, 4), (1, 1), mode='bad')",
    "F.pad(torch.ones(2, 3, 4), (1, 1), mode='reflect', value=2)",
    "F.pad(torch.ones(3, 4), (1, 1, 1, 1), mode='reflect')",
    "F.pad(torch.ones(2, 3, 4), (-5, 1))",
    "F.pad(torch.ones(1, 4), (5, 1), mode='circular')",
    "F.batch_norm(torch.ones(1, 3), None, None, training=True)",
    "F.batch_norm(torch.ones(2, 3), None, None)",
    "F.batch_norm(torch.ones(2, 4), torch.zeros(3), torch.ones(3))",
    "F.layer_norm(torch.ones(2, 3), (4,))",
    "F.layer_norm(torch.ones(2, 3), (3,), torch.ones(2))",
    "torch.nn.LayerNorm((2, 3))(torch.ones(3, 2))",
    "torch.nn.BatchNorm1d(3)(torch.ones(1, 3))",
    "torch.nn.BatchNorm1d(3)(torch.ones(2, 3, 4, 4))",
    "torch.nn.BatchNorm2d(3)(torch.ones(2, 3, 4))",
    "torch.nn.BatchNorm2d(3)(torch.ones(2, 4, 4, 4))",
    "F.cosine_similarity(torch.ones(2, 3), torch.ones(3, 2))",
    "F.cosine_similarity(torch.tensor([1, 2]), torch.tensor([3, 4]), dim=0)",
]


@pytest.mark.parametrize("index", range(len(ERRORS)))
def test_layer_errors_match_torch(index):
    source = f"import torch.nn.functional as F\nprint({ERRORS[index]})\n"
    mine = run_autodiff(source)
    reference = run_torch(source)
    assert reference[1] is not None, "the oracle did not fail"
    assert mine[:2] == reference[:2]


# --- recurrent layers -------------------------------------------------------------------------------------------
RECURRENT = [
    ("RNN", (3, 4), {}, "x"), ("RNN", (3, 4, 2, "relu"), {"batch_first": True}, "xb"),
    ("GRU", (3, 4), {"num_layers": 2}, "x"), ("GRU", (3, 4), {"bidirectional": True, "bias": False}, "x"),
    ("LSTM", (3, 4), {}, "x"), ("LSTM", (3, 4), {"batch_first": True}, "xb"),
    ("LSTM", (3, 4), {"num_layers": 2, "bidirectional": True, "dropout": 0.3}, "x"),
    ("LSTM", (3, 4), {"proj_size": 2}, "x"), ("RNN", (3, 4), {}, "x1"), ("LSTM", (3, 4), {"batch_first": True}, "x1"),
    ("GRU", (3, 4), {}, "x,h"), ("LSTM", (3, 4), {"num_layers": 2}, "x,hc"),
    ("RNNCell", (3, 4), {}, "x0"), ("RNNCell", (3, 4), {"nonlinearity": "relu", "bias": False}, "x00"),
    ("GRUCell", (3, 4), {}, "x0,h0"), ("LSTMCell", (3, 4), {}, "x0"), ("LSTMCell", (3, 4), {}, "x00"),
]
SEQUENCE = normal(5, 2, 3)
ZERO_ONE = (np.ones((2, 2, 4), np.float32), np.zeros((2, 2, 4), np.float32))


def _recurrent_arguments(kind, tensor, x):
    arguments = {"x": [x], "xb": [ops.transpose(x, 0, 1) if tensor is Tensor else x.transpose(0, 1)],
                 "x1": [x[:, 0]], "x0": [x[0]], "x00": [x[0, 1]],
                 "x,h": [x, tensor(np.ones((1, 2, 4), np.float32))],
                 "x,hc": [x, (tensor(ZERO_ONE[0]), tensor(ZERO_ONE[1]))],
                 "x0,h0": [x[0], tensor(np.ones((2, 4), np.float32))]}
    return arguments[kind]


def _top(node):
    """A node's name (a whole recurrent graph shares too many subgraphs to render as a tree)."""
    if node is None:
        return None
    return node.name if hasattr(node, "next_nodes") else type(node).__name__


def _flatten(value):
    return [t for item in value for t in _flatten(item)] if isinstance(value, tuple) else [value]


@pytest.mark.parametrize("index", range(len(RECURRENT)))
def test_recurrent_layers_match_torch(index):
    """Same parameters under the seed, same outputs, output grad_fn names and gradients (to float32 rounding:
    PyTorch's oneDNN LSTM sums in another order)."""
    name, args, kwargs, kind = RECURRENT[index]
    from autodiff.torch import creation

    creation.manual_seed(1)
    mine = ann.MODULES[name](*args, **kwargs)
    torch.manual_seed(1)
    reference = getattr(torch.nn, name)(*args, **kwargs)
    assert repr(mine) == repr(reference)
    x_mine, x_torch = Tensor(SEQUENCE.copy(), True), torch.tensor(SEQUENCE.copy(), requires_grad=True)
    creation.manual_seed(2)
    out_mine = _flatten(mine(*_recurrent_arguments(kind, Tensor, x_mine)))
    torch.manual_seed(2)
    out_torch = _flatten(reference(*_recurrent_arguments(kind, torch.tensor, x_torch)))
    assert [_top(t.grad_fn) for t in out_mine] == [_top(t.grad_fn) for t in out_torch]
    weights = [normal(*t.array.shape) for t in out_mine]
    for a, b in zip(out_mine, out_torch, strict=True):
        np.testing.assert_allclose(a.array, b.detach().numpy(), rtol=1e-5, atol=1e-6)
    backward_api.tensor_backward(ops.sum(ops.stack([ops.sum(ops.mul(t, Tensor(w)))
                                                    for t, w in zip(out_mine, weights)])))
    torch.stack([(t * torch.tensor(w)).sum() for t, w in zip(out_torch, weights)]).sum().backward()
    np.testing.assert_allclose(x_mine.grad.array, x_torch.grad.numpy(), rtol=1e-4, atol=1e-6)
    for (n1, p1), (n2, p2) in zip(mine.named_parameters(), reference.named_parameters(), strict=True):
        assert n1 == n2
        np.testing.assert_allclose(p1.grad.array, p2.grad.numpy(), rtol=1e-4, atol=1e-6)


RECURRENT_ERRORS = [
    "torch.nn.RNN(3, 4)(torch.randn(2, 3, 4, 3))",
    "torch.nn.RNN(3, 4)(torch.randn(5, 2, 5))",
    "torch.nn.RNN(3, 4)(torch.randn(5, 2, 3), torch.randn(1, 3, 4))",
    "torch.nn.RNN(3, 4)(torch.randn(5, 3), torch.randn(1, 1, 4))",
    "torch.nn.LSTM(3, 4)(torch.randn(5, 2, 3), (torch.randn(1, 2, 4), torch.randn(1, 3, 4)))",
    "torch.nn.RNN(3, 4, dropout=1.5)",
    "torch.nn.RNN(3, 0)",
    "torch.nn.RNN(3, 4, num_layers=0)",
    "torch.nn.RNN(3, 4, nonlinearity='sigmoid')",
    "torch.nn.RNN(3, 2.5)",
    "torch.nn.GRU(3, 4)(torch.randn(0, 2, 3))",
    "torch.nn.LSTM(3, 4, proj_size=4)",
    "torch.nn.RNNCell(3, 4)(torch.randn(2, 3, 3))",
    "torch.nn.RNNCell(3, 4)(torch.randn(2, 3), torch.randn(3, 4))",
]


@pytest.mark.parametrize("index", range(len(RECURRENT_ERRORS)))
def test_recurrent_errors_match_torch(index):
    source = f"print({RECURRENT_ERRORS[index]})\n"
    mine, reference = run_autodiff(source), run_torch(source)
    assert reference[1] is not None, "the oracle did not fail"
    assert mine[:2] == reference[:2]


def test_recurrent_warnings_match_torch():
    source = "m = torch.nn.RNN(3, 4, dropout=0.5)\nprint(m)\n"
    assert run_autodiff(source) == run_torch(source)


@pytest.mark.parametrize("shape", [(16, 5), (100, 20), (4, 3, 9), (5, 4, 1), (4, 3, 5, 5), (2, 3, 1, 1)])
def test_batch_norm_float32_is_bit_exact(shape):
    """Training outputs, the running statistics after several steps, and the eval output equal PyTorch's bits:
    the channels-last reduction for one value per channel and sample, the contiguous one otherwise, and the
    fused multiply-adds of y = x * alpha + beta."""
    name = "BatchNorm1d" if len(shape) < 4 else "BatchNorm2d"
    mine, theirs = ann.MODULES[name](shape[1], momentum=0.3), getattr(torch.nn, name)(shape[1], momentum=0.3)
    rng_values = np.random.default_rng(len(shape) * 100 + shape[0])
    for _ in range(4):
        batch = (rng_values.standard_normal(shape) * 3 + 1).astype(np.float32)
        np.testing.assert_array_equal(mine(Tensor(batch)).array, theirs(torch.tensor(batch)).detach().numpy())
    np.testing.assert_array_equal(mine.running_mean.array, theirs.running_mean.numpy())
    np.testing.assert_array_equal(mine.running_var.array, theirs.running_var.numpy())
    mine.eval()
    theirs.eval()
    np.testing.assert_array_equal(mine(Tensor(batch)).array, theirs(torch.tensor(batch)).detach().numpy())


@pytest.mark.parametrize("out_shape", [(5, 3), (1, 1), (7, 7), (2, 4)])
def test_adaptive_avg_pool_is_bit_exact(out_shape):
    """One running sum per window, row by row, then divided by its height and its width in turn."""
    values = normal(2, 3, 13, 11)
    mine = F["adaptive_avg_pool2d"](Tensor(values), out_shape).array
    theirs = torch.nn.functional.adaptive_avg_pool2d(torch.tensor(values), out_shape).numpy()
    np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("shape", [(16, 5), (64, 30), (7, 12, 1), (2, 3, 1, 1)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_float32_backward_is_bit_exact_for_one_value_per_channel(shape, training):
    """Inputs with one value per channel and sample take PyTorch's channels-last backward kernel, bit for bit."""
    name = "BatchNorm1d" if len(shape) < 4 else "BatchNorm2d"
    mine, theirs = ann.MODULES[name](shape[1]), getattr(torch.nn, name)(shape[1])
    values = np.random.default_rng(shape[0] * shape[1])
    mine(Tensor(values.standard_normal(shape).astype(np.float32)))
    theirs.load_state_dict({key: torch.tensor(value.array) for key, value in mine.state_dict().items()})
    if not training:
        mine.eval()
        theirs.eval()
    batch = (values.standard_normal(shape) * 2).astype(np.float32)
    upstream = values.standard_normal(shape).astype(np.float32)
    ours_x, their_x = Tensor(batch.copy(), True), torch.tensor(batch, requires_grad=True)
    backward_api.tensor_backward(mine(ours_x), Tensor(upstream))
    theirs(their_x).backward(torch.tensor(upstream))
    np.testing.assert_array_equal(ours_x.grad.array, their_x.grad.numpy())
    np.testing.assert_array_equal(mine.weight.grad.array, theirs.weight.grad.numpy())
    np.testing.assert_array_equal(mine.bias.grad.array, theirs.bias.grad.numpy())
