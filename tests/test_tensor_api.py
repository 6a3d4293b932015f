"""The long tail of the tensor API against PyTorch 2.13: values, grad_fn names and edges, gradients, the in-place
forms, the NumPy spellings (axis=, keepdims=), size= and out=, the version, default dtype and device, finfo/iinfo,
and the errors."""

from __future__ import annotations

import pytest

from differential import assert_same

pytest.importorskip("torch")
pytestmark = pytest.mark.oracle

SETUP = """
import torch
torch.manual_seed(0)
x = torch.randn(3, 4, requires_grad=True)
y = x * 1
idx = torch.tensor([[0, 1, 2, 0], [2, 0, 1, 1]])
src = torch.randn(2, 4, requires_grad=True)
m = x > 0
def show(t):
    print(t)
    if t.grad_fn is not None:
        print(t.grad_fn, [(n.name() if n else None, i) for n, i in t.grad_fn.next_functions])
        t.pow(2).sum().backward(retain_graph=True)
        print(x.grad, src.grad)
        x.grad = None
        src.grad = None
"""

EXPRESSIONS = [
    "y.topk(2).values", "y.topk(2, dim=0, largest=False).values", "y.topk(3).indices", "torch.topk(y, 1, 0)",
    "y.sort(dim=1).values", "y.sort(descending=True).indices", "torch.sort(y, 0, True)", "y.argsort(dim=0)",
    "torch.argsort(y, descending=True)", "y.msort()", "y.kthvalue(2, 1).values", "y.cumsum(1)", "y.cumsum(dim=0)",
    "torch.cumsum(y, 1)", "y.cumprod(0)", "torch.cumprod(y, dim=1)", "torch.tensor([1, 2, 3]).cumsum(0)",
    "y.gather(0, idx)", "torch.gather(y, 1, idx[:, :2])", "y.scatter(0, idx, src)", "y.scatter(0, idx, 1.5)",
    "y.scatter_add(0, idx, src)", "torch.scatter_add(y, 1, idx[:, :3], src)", "y.index_select(1, torch.tensor([0, 2]))",
    "y.index_add(0, torch.tensor([0, 2]), src)", "y.index_add(0, torch.tensor([0, 0]), src, alpha=2)",
    "y.index_copy(0, torch.tensor([0, 2]), src)", "y.index_fill(1, torch.tensor([1]), -1.0)", "y.masked_select(m)",
    "torch.masked_select(y, m[0])", "torch.nonzero(y > 0)", "torch.nonzero(y > 0, as_tuple=True)", "torch.argwhere(y)",
    "torch.all(y > -5)", "y.any(dim=1)", "(y > 0).all(1, keepdim=True)", "torch.any(y > 1, 0)",
    "torch.count_nonzero(y > 0)", "y.tril()", "y.triu(1)", "torch.tril(y, -1)", "y.diag()", "y[0].diag()",
    "y[0].diag(1)", "torch.diag(y, -1)", "y.diagonal()", "torch.diag_embed(y)", "y[:, :3].trace()",
    "y.repeat(2, 1)", "y[0].repeat(2, 3)", "y.tile((2,))", "torch.tile(y, (1, 2, 1))", "y.flip(0)", "y.flip([0, 1])",
    "y.fliplr()", "y.flipud()", "y.roll(1, 1)", "y.roll(2)", "torch.roll(y, (1, -1), (0, 1))",
    "torch.bmm(y.reshape(1, 3, 4), y.reshape(1, 4, 3))", "torch.einsum('ij,kj->ik', y, y)",
    "torch.einsum('ii->i', y[:, :3])", "torch.einsum('i,j->ij', y[0], y[1])", "torch.einsum('ij->j', y)",
    "torch.einsum('bij,bjk->bik', y.reshape(1, 3, 4), y.reshape(1, 4, 3))", "torch.einsum('ij,j->i', y, y[0])",
    "torch.einsum('ij->', y)", "torch.einsum('...j->...', y)", "torch.lerp(y, src[0], 0.3)",
    "torch.lerp(y, src[0], 0.8)", "torch.lerp(y, src[0], torch.full((4,), 0.7))", "y.lerp(src[1], 0.5)",
    "torch.kron(y, y[:2, :2])", "torch.kron(y[0], y[1])", "torch.meshgrid(y[0], y[1, :2], indexing='ij')[0]",
    "torch.meshgrid(y[0, :2], y[1, :3], indexing='xy')[1]", "torch.fmod(y, 0.7)", "torch.remainder(y, 0.7)",
    "y.tile(2)", "y.tile(2, 1, 1)", "y.flip(0, 1)", "y.flip((1,))", "torch.flip(y, dims=[0])",
    "y.scatter(0, idx, 2.0, reduce='multiply')",
]


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_op_matches_torch(expression):
    assert_same(SETUP + f"show({expression})\n")


INPLACE = [
    "(y * 1).scatter_(0, idx, src)", "(y * 1).scatter_(1, idx, 2.0)", "(y * 1).scatter_add_(0, idx, src)",
    "(y * 1).index_add_(0, torch.tensor([1, 2]), src)", "(y * 1).index_copy_(0, torch.tensor([1, 2]), src)",
    "(y * 1).index_fill_(0, torch.tensor([1]), 0.0)", "(y * 1).tril_()", "(y * 1).triu_(-1)", "(y * 1).cumsum_(0)",
    "(y * 1).lerp_(src[0], 0.5)", "(y * 1).fmod_(0.5)", "(y * 1).remainder_(0.5)",
    "(y * 1).detach().scatter_(0, idx, src.detach(), reduce='add')",
    "torch.ones(2, 3, dtype=torch.long).scatter_(1, idx[:, :1], 3, reduce='multiply')",
    # The in-place samplers and fills record a node whose gradient is zero (the values no longer depend on x).
    "(y * 1).uniform_()", "(y * 1).uniform_(-2, 2)", "(y * 1).normal_(1, 3)", "(y * 1).exponential_()",
    "(y * 1).bernoulli_()", "(y * 1).bernoulli_(0.2)", "(y * 1).bernoulli_(torch.full((3, 4), 0.5))",
    "(y * 1).random_()", "(y * 1).random_(7)", "(y * 1).random_(2, 7)", "(y * 1).fill_(2)",
    "(y * 1).fill_(torch.tensor(2.5))", "(y * 1).fill_(src[0, 0])", "(y * 1).zero_()",
    "(y * 1)[:, 1].uniform_()", "(y * 1)[0].normal_()", "(y * 1).t().uniform_()", "(y * 1).t().normal_()",
    "torch.cat([y * 1] * 2).t()[:, ::2].normal_(1, 2)",
    # zero_ and fill_(number) without history write at once, through an expanded tensor's shared memory too.
    "y.detach().zero_()", "y.detach().fill_(-2)", "torch.ones(2, dtype=torch.long).fill_(3.7)",
    "torch.ones(2, dtype=torch.bool).fill_(0)", "(lambda a: (a.expand(2, 3).zero_(), a))(torch.ones(3))[1]",
    "(lambda a: (a.expand(2, 3).fill_(2.5), a))(torch.ones(3))[1]", "y.detach().t()[1:].fill_(1.5)",
    "(y * 1).geometric_(0.3)", "(y * 1).geometric_(p=0.05)", "(y * 1).log_normal_()", "(y * 1).log_normal_(0.5, 0.25)",
    "(y * 1).log_normal_(std=3)", "(y * 1).cauchy_()", "(y * 1).cauchy_(1.5, sigma=0.5)", "(y * 1).t().geometric_(0.5)",
    "(y * 1).t().log_normal_()", "(y * 1).t().cauchy_(2, 3)", "(y * 1)[:, 1].cauchy_()",
    "(y * 1).geometric_(torch.tensor(0.5))", "(y * 1).cauchy_(generator=torch.Generator())",
    "torch.poisson(y.abs() * 5)", "torch.poisson(y.abs().t() * 20)", "torch.poisson(x.detach().abs() * 12)",
    "torch.ones(20, dtype=torch.int32).geometric_(0.2)", "torch.ones(5, dtype=torch.float64).log_normal_()",
    "torch.poisson(torch.full((17,), 3.0, dtype=torch.float64), generator=torch.Generator())",
]


@pytest.mark.parametrize("expression", INPLACE)
def test_inplace_form_matches_torch(expression):
    assert_same(SETUP + f"show({expression})\n")


ERRORS = [
    "x.topk(5)", "x.gather(0, torch.tensor([[5, 0, 0, 0]]))", "x.gather(0, torch.zeros(2, dtype=torch.long))",
    "x.gather(0, torch.tensor([[0.0]]))", "x.scatter(0, torch.tensor([[5, 0, 0, 0]]), 1.0)",
    "x.scatter_add(0, idx, torch.ones(1, 2))", "x.index_select(0, torch.tensor([[0]]))",
    "x.index_select(0, torch.tensor([3]))", "x.index_select(0, torch.tensor([0.0]))",
    "x.index_add(0, torch.tensor([0]), torch.ones(2, 4))", "x.index_copy(0, torch.tensor([0]), torch.ones(1, 3))",
    "x.masked_select(torch.ones(2, dtype=torch.bool))", "x.masked_select(torch.ones(4))", "x[0].tril()",
    "x.repeat(2)", "torch.bmm(x, x)", "torch.bmm(x.reshape(1, 3, 4), x.reshape(1, 3, 4))", "x.flip(2)",
    "x.roll(1, 5)", "x.roll((1, 2), 0)", "torch.einsum('ij,jk->ik', x, x)", "torch.einsum('ij->k', x)",
    "torch.einsum('ij', x, x)", "torch.lerp(x, torch.ones(2), 0.5)", "torch.kron(x, 2)",
    "torch.diag(torch.ones(2, 2, 2))", "x.cumsum(2)", "x.sort(3)", "torch.tile(x, 2)", "torch.all(x, 2)",
    "x.clamp(x, 0.5)", "torch.flip(x, 0)", "x.scatter(0, idx, 1.0, reduce='sum')",
    "x.scatter(0, idx, 2.0, reduce='add').sum().backward()",
    "x.uniform_()", "x.normal_()", "x.exponential_()", "x.bernoulli_()", "x.random_(3)", "x.fill_(1)",
    "(x * 1).fill_(torch.ones(1))", "torch.meshgrid(0)", "torch.meshgrid(x[0], 1.5, indexing='ij')",
    "torch.meshgrid([x[0], 'a'], indexing='xy')", "x.detach().expand(2, 3, 4).fill_(torch.tensor(1.0))",
    "x.detach().expand(2, 3, 4).uniform_()", "x.detach().expand(2, 3, 4).add_(1)",
    # Arguments that do not fit a method or function: PyTorch's words, never autodiff's internal function's.
    "x.abs(1)", "torch.abs(x, 1)", "x.item(1)", "x.zero_(1)", "x.exp(foo=1)", "x.dim(3)", "x.sigmoid(2)",
    "torch.relu(x, 1)", "x.size(1, 2)", "x.mul(1, 2, 3)", "torch.tanh(x, 1, 2)", "x.requires_grad_(True, 1)",
    "y.uniform_('a')", "y.uniform_(0, 1, 2)", "y.normal_('x')", "y.normal_(0, 1, 3)", "y.uniform_(foo=1)",
    "y.normal_(mean=None)", "y.normal_(0, None)", "y.uniform_(to='a')", "y.bernoulli_('a')", "y.bernoulli_(None)",
    "y.random_('a')", "y.random_(1, 'b')", "y.random_(None)",
    "x.geometric_(0.5)", "x.log_normal_()", "x.cauchy_()", "y.geometric_()", "y.geometric_(0.5, 1)",
    "y.geometric_(0.5, p=0.3)", "y.cauchy_(sigma=2, median='x')", "y.log_normal_(1, 2, 3)", "y.geometric_(0.5, foo=1)",
    "y.geometric_(p=0.5, generator=3)", "y.geometric_(None)", "y.geometric_(torch.tensor([0.5]))",
    "y.geometric_(x[0, 0])", "y.geometric_(1)", "y.geometric_(-2.5)", "y.geometric_(2**70)",
    "y.log_normal_(std=0)", "y.log_normal_(1, float('nan'))", "y.cauchy_(0, -1)", "y.exponential_('a')",
    "y.exponential_(1, 2)", "y.exponential_(lambd=2, p=1)", "y.exponential_(generator=3)",
    "torch.zeros(2, dtype=torch.int64).exponential_()", "torch.zeros(2, dtype=torch.int8).log_normal_()",
    "torch.zeros(2, dtype=torch.int16).cauchy_()", "torch.zeros(2, dtype=torch.int64).cauchy_()",
    "torch.zeros(2, dtype=torch.uint8).cauchy_()", "torch.zeros(2, dtype=torch.bool).geometric_(0.2)",
    "torch.zeros(2, dtype=torch.bool).log_normal_(1, 0)", "torch.poisson(3.0)", "torch.poisson(torch.tensor([1, 2]))",
    "torch.poisson(torch.tensor([1.0, -1.0]))", "torch.poisson(torch.tensor([float('nan')]))",
    "torch.poisson(torch.ones(2), generator=3)", "torch.poisson(torch.tensor([True]))", "y.poisson()",
]


@pytest.mark.parametrize("expression", ERRORS)
def test_errors_match_torch(expression):
    assert_same(SETUP + f"print({expression})\n")


def test_sampler_errors_are_catchable_as_their_category():
    assert_same(SETUP + """
for make in (lambda: torch.zeros(2, dtype=torch.int64).log_normal_(), lambda: torch.poisson(torch.tensor([2]))):
    try:
        make()
    except NotImplementedError as e:
        print("NotImplementedError", isinstance(e, RuntimeError), e)
try:
    y.geometric_('p')
except TypeError as e:
    print("TypeError", e)
""")


def test_meshgrid_without_indexing_warns():
    assert_same(SETUP + "print(torch.meshgrid(y[0, :2], y[1, :2]))\nprint(torch.meshgrid([y[0, :2], y[1, :1]]))\n")


def test_return_types_print_as_torch():
    assert_same(SETUP + "print(y.max(1))\nprint(y.min(dim=0))\nprint(y.sort(1))\nprint(y.topk(2))\n"
                        "print(y.kthvalue(1, 0))\nv, i = y.sort()\nprint(v, i)\n")


def test_numpy_spellings_and_size_keyword():
    assert_same(SETUP + """
print(torch.sum(y, axis=1, keepdims=True), y.sum(axis=0), torch.argmax(y, axis=1), y.max(axis=1))
print(y.mean(axis=0, keepdims=True), y.std(axis=1), torch.softmax(y, axis=0), y.cumsum(axis=1), y.all(axis=0))
print(torch.zeros(size=(2,)), torch.ones(size=[1, 2]), torch.empty(size=(2, 3)).shape, torch.rand(size=(1,)).shape)
print(torch.randn(size=(2, 2)).shape, torch.full(size=(2,), fill_value=3.0))
""")


def test_out_argument():
    assert_same(SETUP + """
o = torch.empty(4)
with torch.no_grad():
    print(torch.add(y[0], 1, out=o), o)
    r = torch.exp(y[0], out=torch.empty(0))
    print(r)
    print(torch.sum(y, 0, out=o), o)
    print(torch.matmul(y, y[0], out=o), o)
    print(torch.cat([o, o], out=torch.empty(8)))
    print(torch.mul(y[0], 2, out=torch.empty(3)))
    print(torch.max(y, 1, out=(torch.empty(3), torch.empty(3, dtype=torch.long))))
print(torch.add(y, 1, out=o))
""")


def test_out_argument_refuses_a_lossy_cast():
    assert_same(SETUP + "print(torch.mul(m.long(), 2.5, out=torch.empty(3, 4, dtype=torch.long)))\n")


def test_version_default_dtype_device_and_type_info():
    assert_same("""
import torch
print(torch.__version__, torch.__version__ >= '2.0', torch.__version__ > (2, 1), torch.__version__.split('.'))
print(torch.__version__ < "2.13.1", torch.__version__ == "2.13.0+cpu", str(torch.__version__))
for d in [torch.float32, torch.float64, torch.float16]:
    f = torch.finfo(d)
    print(f)
    print(f.bits, f.eps, f.max, f.min, f.tiny, f.smallest_normal, f.resolution, f.dtype)
print(torch.finfo())
for d in [torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8]:
    i = torch.iinfo(d)
    print(i)
    print(i.bits, i.max, i.min, i.dtype)
print(torch.get_default_dtype(), torch.get_default_device())
torch.set_default_device('cpu')
print(torch.get_default_device())
torch.set_default_dtype(torch.float64)
print(torch.tensor([1.0]).dtype, torch.ones(1).dtype, torch.arange(0., 1.).dtype, torch.tensor(1.0) + 1.5)
print((torch.tensor([1, 2]) / 2).dtype, torch.nn.Linear(1, 1).weight.dtype, torch.randn(2).dtype, torch.finfo())
print(torch.tensor([1.5], dtype=torch.float32))
torch.set_default_dtype(torch.float32)
print(torch.tensor([1.5]).dtype, torch.tensor([1.5], dtype=torch.float64))
torch.set_default_dtype(torch.int32)
""")


@pytest.mark.parametrize("call", ["torch.iinfo(torch.float32)", "torch.finfo(torch.int32)"])
def test_type_info_errors(call):
    assert_same(f"import torch\nprint({call})\n")


def test_memory_formats_strides_and_clone_keeping_them():
    """clone's default preserve_format keeps a dense tensor's strides (a transposed tensor's clone is transposed
    too), copies one with gaps or shared locations contiguous; contiguous/is_contiguous with channels_last."""
    assert_same("""
import torch
t = torch.ones(2, 3).t()
print(torch.contiguous_format, type(torch.contiguous_format), torch.memory_format, torch.channels_last_3d)
print(t.clone().stride(), t.clone(memory_format=torch.contiguous_format).stride(), torch.clone(t).is_contiguous())
print(t.is_contiguous(), t.is_contiguous(memory_format=torch.preserve_format), t.stride(0), t.stride(-1))
x = torch.arange(24.).reshape(1, 2, 3, 4)
c = x.contiguous(memory_format=torch.channels_last)
print(c.stride(), c.is_contiguous(), c.is_contiguous(memory_format=torch.channels_last), c.clone().stride())
print(x[:, :, ::2].clone().stride(), x.expand(2, 2, 3, 4).clone().stride(), x.permute(3, 1, 0, 2).clone().stride())
print(torch.ones(2).is_contiguous(memory_format=torch.channels_last))
print(torch.ones(2).contiguous(memory_format=torch.preserve_format))
print(isinstance(torch.channels_last, torch.memory_format), torch.ones(2, 3).expand(4, 2, 3).stride())
w = torch.ones(2, 3, requires_grad=True)
y = w.t().clone()
y.sum().backward()
print(y.is_contiguous(), w.grad)
for f in [lambda: torch.ones(2).contiguous(memory_format=torch.channels_last),
          lambda: torch.ones(2).clone(memory_format=3), lambda: t.contiguous(memory_format=torch.preserve_format)]:
    try:
        f()
    except (RuntimeError, TypeError) as e:
        print(type(e).__name__, e)
""")
