"""The layer ops' backward rules (torch.nn.functional: convolution, pooling, padding, normalization, embedding,
dropout) against central finite differences, on random values, as tests/test_gradients.py does for the core ops.
Second derivatives are checked too where the backward is itself recorded (create_graph)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autodiff.engine import autograd, ops, rng
from autodiff.engine.tensor import Tensor
from autodiff.torch.autograd import backward as backward_api
from autodiff.torch.nn import members as ann
from test_gradients import SETTINGS, gradcheck, numerical_vjp

F = ann.FUNCTIONAL


def _array(data, shape, low=-2.0, high=2.0):
    values = data.draw(st.lists(st.floats(low, high, allow_nan=False, width=32), min_size=int(np.prod(shape)),
                                max_size=int(np.prod(shape))))
    return np.array(values, dtype=np.float64).reshape(shape)


def _distinct(data, shape):
    """Values whose pairwise gaps are at least 0.05, so a small step never changes which one is the maximum."""
    order = data.draw(st.permutations(range(int(np.prod(shape)))))
    return (np.array(order, dtype=np.float64) * 0.05 - 1.0).reshape(shape)


def _dropout(x: Tensor) -> Tensor:
    rng.manual_seed(4)  # the same mask on every evaluation
    return F["dropout"](x, 0.4)


CASES = {
    "conv2d": ((2, 3, 5, 4), (4, 3, 3, 2), (4,), lambda x, w, b: F["conv2d"](x, w, b)),
    "conv2d_stride_pad_dilation": ((1, 2, 6, 5), (3, 2, 2, 2), (3,),
                                   lambda x, w, b: F["conv2d"](x, w, b, (2, 1), (1, 2), (2, 1))),
    "conv2d_groups": ((2, 4, 4, 4), (6, 2, 3, 1), None, lambda x, w: F["conv2d"](x, w, None, 1, 1, 1, 2)),
    "conv2d_same": ((1, 2, 5, 4), (2, 2, 2, 3), None, lambda x, w: F["conv2d"](x, w, padding="same")),
    "conv1d": ((2, 3, 7), (2, 3, 3), (2,), lambda x, w, b: F["conv1d"](x, w, b, 2, 1)),
    "conv1d_unbatched": ((3, 6), (2, 3, 2), None, lambda x, w: F["conv1d"](x, w, dilation=2)),
    "conv3d": ((1, 2, 3, 4, 3), (2, 2, 2, 2, 2), (2,), lambda x, w, b: F["conv3d"](x, w, b, padding=1)),
    "avg_pool2d": ((2, 2, 5, 5), None, None, lambda x: F["avg_pool2d"](x, 3, 2, 1)),
    "avg_pool2d_exclude": ((1, 2, 5, 4), None, None,
                           lambda x: F["avg_pool2d"](x, 2, 2, 1, ceil_mode=True, count_include_pad=False)),
    "avg_pool1d": ((2, 3, 7), None, None, lambda x: F["avg_pool1d"](x, 3, 2, 1)),
    "adaptive_avg_pool2d": ((2, 2, 5, 7), None, None, lambda x: F["adaptive_avg_pool2d"](x, (3, 4))),
    "adaptive_avg_pool1d": ((2, 3, 7), None, None, lambda x: F["adaptive_avg_pool1d"](x, 3)),
    "pad_constant": ((2, 3, 4), None, None, lambda x: F["pad"](x, (1, -1, 2, 0), value=0.5)),
    "pad_reflect": ((1, 2, 4, 5), None, None, lambda x: F["pad"](x, (2, 1, 3, 1), mode="reflect")),
    "pad_replicate": ((2, 3, 4), None, None, lambda x: F["pad"](x, (3, 2), mode="replicate")),
    "pad_circular": ((1, 2, 3, 4), None, None, lambda x: F["pad"](x, (2, 1, 1, 3), mode="circular")),
    "normalize": ((3, 4), None, None, lambda x: F["normalize"](x, dim=1)),
    "cosine_similarity": ((3, 4), (3, 4), None, lambda a, b: F["cosine_similarity"](a, b)),
    "layer_norm": ((2, 3, 4), (4,), (4,), lambda x, w, b: F["layer_norm"](x, (4,), w, b)),
    "layer_norm_2d": ((2, 3, 4), None, None, lambda x: F["layer_norm"](x, (3, 4))),
    "batch_norm_train": ((4, 3, 2), (3,), (3,), lambda x, w, b: F["batch_norm"](x, None, None, w, b, True)),
    "batch_norm_eval": ((4, 3), (3,), (3,), lambda x, w, b: F["batch_norm"](
        x, Tensor(np.array([0.1, -0.2, 0.3])), Tensor(np.array([1.5, 0.7, 2.0])), w, b)),
    "dropout": ((3, 5), None, None, _dropout),
}


@pytest.mark.parametrize("name", sorted(CASES))
@SETTINGS
@given(data=st.data())
def test_layer_gradient(name, data):
    *shapes, fn = CASES[name]
    arrays = [_array(data, shape) for shape in shapes if shape is not None]
    if name == "normalize" or name == "cosine_similarity":
        arrays = [np.where(a >= 0, a + 0.5, a - 0.5) for a in arrays]  # keep norms away from zero
    gradcheck(fn, *arrays)


@pytest.mark.parametrize("name", ["max_pool2d", "max_pool2d_padded", "max_pool1d"])
@SETTINGS
@given(data=st.data())
def test_max_pool_gradient(name, data):
    fn, shape = {
        "max_pool2d": (lambda x: F["max_pool2d"](x, 2), (2, 2, 4, 4)),
        "max_pool2d_padded": (lambda x: F["max_pool2d"](x, 3, 2, 1, dilation=1, ceil_mode=True), (1, 2, 5, 6)),
        "max_pool1d": (lambda x: F["max_pool1d"](x, 3, 1, 1), (2, 2, 6)),
    }[name]
    gradcheck(fn, _distinct(data, shape))


@SETTINGS
@given(data=st.data())
def test_embedding_gradient(data):
    """The table's gradient; the padding row's is zero by design (the true derivative is not)."""
    indices = Tensor(np.array(data.draw(st.lists(st.integers(0, 4), min_size=6, max_size=6))).reshape(2, 3))
    padding = data.draw(st.sampled_from([None, 0, 2]))
    table = _array(data, (5, 3))
    weight = Tensor(table.copy(), True)
    out = F["embedding"](indices, weight, padding)
    upstream = np.random.default_rng(0).uniform(-1, 1, out.array.shape)
    autograd.run_backward([out], [Tensor(upstream)], retain_graph=False, create_graph=False)
    (expected,) = numerical_vjp(lambda w: F["embedding"](indices, w), [table], upstream)
    if padding is not None:
        expected[padding] = 0
    np.testing.assert_allclose(weight.grad.array, expected, rtol=1e-4, atol=1e-5)


SECOND = {
    "conv2d": (((1, 2, 4, 3), (3, 2, 2, 2)), lambda x, w: F["conv2d"](x, w, padding=1, stride=(2, 1))),
    "conv1d_groups": (((2, 4, 5), (4, 2, 2)), lambda x, w: F["conv1d"](x, w, groups=2, dilation=2)),
    "avg_pool2d": (((1, 2, 4, 4),), lambda x: ops.mul(F["avg_pool2d"](x, 2, 1, 1), F["avg_pool2d"](x, 2, 1, 1))),
    "pad_reflect": (((2, 5),), lambda x: ops.pow(F["pad"](x, (2, 3), mode="reflect"), 3)),
    "layer_norm": (((2, 4),), lambda x: F["layer_norm"](x, (4,))),
    "batch_norm": (((5, 2),), lambda x: F["batch_norm"](x, None, None, training=True)),
}


@pytest.mark.parametrize("name", sorted(SECOND))
@SETTINGS
@given(data=st.data())
def test_layer_second_derivative(name, data):
    """The gradient computed with create_graph=True, differentiated again, against finite differences of the
    first gradient."""
    shapes, fn = SECOND[name]
    arrays = [_array(data, shape) for shape in shapes]
    probe = np.random.default_rng(1).uniform(-1, 1, fn(*[Tensor(a) for a in arrays]).array.shape)

    def first_gradient(*inputs: Tensor) -> Tensor:
        grads = backward_api.autograd_grad(ops.sum(ops.mul(fn(*inputs), Tensor(probe))), list(inputs),
                                           create_graph=True)
        return ops.cat([ops.reshape(g, (-1,)) for g in grads])

    inputs = [Tensor(a.copy(), True) for a in arrays]
    first = first_gradient(*inputs)
    upstream = np.random.default_rng(2).uniform(-1, 1, first.array.shape)
    autograd.run_backward([first], [Tensor(upstream)], retain_graph=False, create_graph=False)

    def plain(*inputs: Tensor) -> Tensor:
        with autograd.GradMode(True, "enable_grad"):
            leaves = [Tensor(t.array.copy(), True) for t in inputs]
            return Tensor(first_gradient(*leaves).array)

    expected = numerical_vjp(plain, arrays, upstream)
    for tensor, numeric in zip(inputs, expected, strict=True):
        got = tensor.grad.array if tensor.grad is not None else np.zeros_like(numeric)
        np.testing.assert_allclose(got, numeric, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("spec", ["RNN", "GRU", "LSTM", "LSTM_proj", "GRUCell", "LSTMCell"])
@SETTINGS
@given(data=st.data())
def test_recurrent_gradient(spec, data):
    """The recurrent layers are composites of table ops; their input and parameter gradients still get a check."""
    rng.manual_seed(0)
    kinds = {"RNN": ("RNN", {"num_layers": 2, "bidirectional": True}), "GRU": ("GRU", {"batch_first": True}),
             "LSTM": ("LSTM", {"num_layers": 2}), "LSTM_proj": ("LSTM", {"proj_size": 2}),
             "GRUCell": ("GRUCell", {}), "LSTMCell": ("LSTMCell", {})}
    name, kwargs = kinds[spec]
    module = ann.MODULES[name](3, 4, **kwargs).double()
    key = "weight_hh" if "Cell" in name else "weight_hh_l0"
    original = module._parameters[key]

    def fn(x: Tensor, w: Tensor) -> Tensor:
        module._parameters[key] = w  # the recurrent weight as an input of the function under test
        try:
            out = module(x)
        finally:
            module._parameters[key] = original
        return out if name == "GRUCell" else out[0]

    shape = (2, 3) if "Cell" in name else (4, 2, 3)
    gradcheck(fn, _array(data, shape, -1, 1), original.array.copy())


@SETTINGS
@given(data=st.data())
def test_backward_hook_function_gradient(data):
    """nn.Module's full backward hooks route gradients through one BackwardHookFunctionBackward node with an output
    per tensor: an identity, whatever mix of outputs the loss uses; a callback that returns None changes nothing."""
    seen: list[int] = []

    def observe(grads):
        seen.append(len(grads))

    def fn(x: Tensor, y: Tensor) -> Tensor:
        a, b = ops.backward_hook_function([x, y], observe)
        return ops.add(ops.mul(a, ops.exp(b)), ops.mul(a, a))

    gradcheck(fn, _array(data, (2, 3)), _array(data, (2, 3)))
    assert seen == [2]


@pytest.mark.parametrize("training", [True, False])
@SETTINGS
@given(data=st.data())
def test_batch_norm_float32_kernel_gradient(training, data):
    """float32 (samples, channels) inputs take PyTorch's channels-last backward kernel (not the composite rule):
    its input, weight and bias gradients against finite differences of the same function in float64."""
    shape = (data.draw(st.integers(2, 9)), data.draw(st.sampled_from([3, 8, 11])))
    x, w, b = _array(data, shape), _array(data, shape[1:]), _array(data, shape[1:])
    stats = (Tensor(np.linspace(-0.5, 0.5, shape[1])), Tensor(np.linspace(0.5, 2.0, shape[1])))

    def fn(x: Tensor, w: Tensor, b: Tensor) -> Tensor:
        mean, var = (None, None) if training else (Tensor(stats[0].array.astype(x.array.dtype)),
                                                   Tensor(stats[1].array.astype(x.array.dtype)))
        return F["batch_norm"](x, mean, var, w, b, training)

    inputs = [Tensor(a.astype(np.float32), True) for a in (x, w, b)]
    out = fn(*inputs)
    upstream = np.random.default_rng(0).uniform(-1, 1, shape)
    autograd.run_backward([out], [Tensor(upstream.astype(np.float32))], retain_graph=False, create_graph=False)
    expected = numerical_vjp(fn, [x, w, b], upstream)
    for tensor, numeric in zip(inputs, expected, strict=True):
        np.testing.assert_allclose(tensor.grad.array, numeric, rtol=2e-3, atol=2e-3)
