"""nn.Module's API against PyTorch 2.13, as tutorials use it: state_dict printed and loaded, buffers, apply,
the traversals, requires_grad_, zero_grad, dtype and device moves, and forward, forward-pre and full backward
hooks with their handles. Each script runs unchanged through autodiff and through torch (tests/differential.py);
stdout, warnings and errors must agree."""

from __future__ import annotations

import pytest

from differential import assert_same

pytest.importorskip("torch")
pytestmark = pytest.mark.oracle

PRELUDE = """
import torch
import torch.nn as nn
torch.manual_seed(0)
"""


def same(body: str) -> None:
    assert_same(PRELUDE + body)


def test_state_dict_prints_and_orders_parameters_buffers_and_children():
    same("""
model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2), nn.Sequential(nn.ReLU(), nn.Linear(2, 1)))
sd = model.state_dict()
print(sd)
print(list(sd.keys()))
print(sd.keys())
print(model.state_dict(prefix="net."))
print(nn.Linear(2, 1).state_dict(keep_vars=True))
print(sd["0.weight"].requires_grad, sd["1.num_batches_tracked"].dtype)
""")


def test_load_state_dict_copies_parameters_and_buffers():
    same("""
a = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
b = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
a(torch.randn(4, 2))
print(b.load_state_dict(a.state_dict()))
print(b[1].running_mean, b[1].num_batches_tracked)
print(torch.equal(b[0].weight, a[0].weight))
partial = {"weight": torch.ones(2), "bias": torch.zeros(2), "running_mean": torch.ones(2),
           "running_var": torch.ones(2)}
bn = nn.BatchNorm1d(2)
print(bn.load_state_dict(partial))
print(bn.running_mean, bn.num_batches_tracked)
sd = bn.state_dict()
del sd["num_batches_tracked"]
print(bn.load_state_dict(sd, strict=False))
bn.load_state_dict(sd)
""")


def test_register_buffer_buffers_and_named_buffers():
    same("""
m = nn.Linear(3, 1)
m.register_buffer("mean", torch.zeros(3))
m.register_buffer("scratch", torch.ones(2), persistent=False)
m.register_buffer("empty", None)
print(m.state_dict())
print(list(m.buffers()))
print([name for name, _ in m.named_buffers()])
m.mean = torch.full((3,), 2.0)
print(m.mean, m.state_dict()["mean"])
m.mean = None
print(m.mean, list(m.state_dict().keys()))
outer = nn.Sequential(m, nn.BatchNorm1d(1))
print([name for name, _ in outer.named_buffers()])
print(len(list(outer.buffers(recurse=False))))
print(m)
""")


@pytest.mark.parametrize("call", [
    'm.register_buffer(1, torch.zeros(1))', 'm.register_buffer("a.b", torch.zeros(1))',
    'm.register_buffer("", torch.zeros(1))', 'm.register_buffer("weight", torch.zeros(1))',
    'm.register_buffer("training", torch.zeros(1))', 'm.register_buffer("x", 3)',
    'm.register_buffer("b", torch.zeros(1))\nm.b = 3', 'm.register_buffer("forward", torch.zeros(1))',
])
def test_register_buffer_errors(call):
    same(f"m = nn.Linear(2, 2)\n{call}\n")


def test_buffers_follow_dtype_moves():
    same("""
bn = nn.BatchNorm1d(2)
bn.double()
print(bn.running_mean.dtype, bn.num_batches_tracked.dtype, bn.weight.dtype)
bn(torch.randn(3, 2, dtype=torch.float64))
print(bn.running_var)
bn.float()
print(bn.running_var.dtype)
bn.to(torch.float64)
bn.to("cpu")
bn.cpu()
print(bn.running_mean.dtype)
m = nn.Linear(2, 1)
m.register_buffer("steps", torch.tensor(3))
m.double()
print(m.steps.dtype, m.weight.dtype)
""")


def test_apply_traversals_requires_grad_and_zero_grad():
    same("""
model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Sequential(nn.Linear(4, 2), nn.Tanh()))
visited = []
def init(m):
    visited.append(str(m).split("(")[0])
    if str(m).startswith("Linear"):
        nn.init.constant_(m.weight, 0.5)
        nn.init.zeros_(m.bias)
print(model.apply(init) is model)
print(visited)
print(model[2][0].weight)
print(list(model.children()))
print([name for name, _ in model.named_children()])
for name, m in model.named_modules():
    print("<" + name + ">", str(m).split("(")[0])
print(len(list(model.modules())))
print(model.requires_grad_(False) is model, [p.requires_grad for p in model.parameters()])
model.requires_grad_()
model(torch.randn(2, 3)).sum().backward()
model.zero_grad(set_to_none=False)
print(model[0].bias.grad)
model.zero_grad()
print(model[0].bias.grad)
""")


def test_forward_and_forward_pre_hooks():
    same("""
lin = nn.Linear(3, 2)
x = torch.randn(4, 3)
def double_out(m, inp, out):
    return out * 2
def add_one(m, args):
    return args[0] + 1
def show(m, inp, out):
    print("show", out.grad_fn, len(inp), inp[0].shape)
h1 = lin.register_forward_hook(double_out)
h2 = lin.register_forward_hook(show, prepend=True)
h3 = lin.register_forward_pre_hook(add_one)
y = lin(x)
print(y)
print(h1)
h1.remove(); h2.remove(); h3.remove()
h1.remove()
print(torch.equal(lin(x), x @ lin.weight.T + lin.bias))
def kw_pre(m, args, kwargs):
    print("pre", len(args), sorted(kwargs))
    return (args, kwargs)
def kw_post(m, args, kwargs, out):
    print("post", len(args), out.shape)
def single(m, args):
    return torch.zeros(1, 3)
h = lin.register_forward_pre_hook(kw_pre, with_kwargs=True)
g = lin.register_forward_hook(kw_post, with_kwargs=True)
s = lin.register_forward_pre_hook(single)
print(lin(x))
h.remove(); g.remove(); s.remove()
def ctx_hook(m, i, o):
    print("in the with block")
with lin.register_forward_hook(ctx_hook):
    lin(x)
lin(x)
seq = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
activations = {}
def keep(name):
    def hook(m, i, o):
        activations[name] = o.detach()
    return hook
for name, m in seq.named_children():
    m.register_forward_hook(keep(name))
seq(x)
for name in activations:
    print(name, activations[name].shape, activations[name].requires_grad)
lstm = nn.LSTM(3, 2, batch_first=True)
def lstm_hook(m, i, o):
    print("lstm", o[0].shape, o[1][0].shape)
lstm.register_forward_hook(lstm_hook)
lstm(torch.randn(1, 4, 3))
""")


def test_forward_pre_hook_with_kwargs_must_return_a_pair():
    same("""
lin = nn.Linear(3, 2)
def bad(m, args, kwargs):
    return args
lin.register_forward_pre_hook(bad, with_kwargs=True)
lin(torch.randn(1, 3))
""")


def test_always_call_hook_runs_when_forward_fails():
    same("""
lin = nn.Linear(3, 2)
def always(m, args, out):
    print("always called with", out)
lin.register_forward_hook(always, always_call=True)
lin(torch.randn(1, 3))
lin(torch.randn(1, 4))
""")


def test_full_backward_hooks_and_pre_hooks():
    same("""
lin = nn.Linear(3, 2)
x = torch.randn(4, 3)
def bwd(m, gin, gout):
    print("bwd", m, gin, [g.shape for g in gout])
def bwd_pre(m, gout):
    print("pre", gout[0].shape)
    return (gout[0] * 10,)
hb = lin.register_full_backward_hook(bwd)
hp = lin.register_full_backward_pre_hook(bwd_pre)
out = lin(x)
print(out.grad_fn, out.grad_fn.next_functions)
print(out)
out.sum().backward()
print(lin.bias.grad)
hb.remove(); hp.remove()
lin.zero_grad()
xr = torch.randn(4, 3, requires_grad=True)
def zero_input_grad(m, gin, gout):
    print("gin", gin[0].shape, gout[0].shape)
    return (gin[0] * 0,)
lin.register_full_backward_hook(zero_input_grad)
y = lin(xr)
print(y.grad_fn.next_functions[0][0].next_functions)
y.sum().backward()
print(xr.grad)
print(lin.weight.grad)
seq = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
grads = []
def keep(m, gin, gout):
    grads.append((str(m).split("(")[0], [g.shape if g is not None else None for g in gin], gout[0].shape))
for m in seq:
    m.register_full_backward_hook(keep)
seq(xr).mean().backward()
print(grads)
with torch.no_grad():
    print(seq(xr).grad_fn)
""")


def test_backward_hook_errors_and_non_tensor_outputs():
    same("""
lin = nn.Linear(3, 2)
def wrong_count(m, gin, gout):
    return (None, None)
lin.register_full_backward_hook(wrong_count)
lin(torch.randn(2, 3, requires_grad=True)).sum().backward()
""")
    same("""
lin = nn.Linear(3, 2)
def returns_grads(m, gin, gout):
    return (torch.ones(2, 3),)
lin.register_full_backward_hook(returns_grads)
lin(torch.randn(2, 3)).sum().backward()
""")
    same("""
flat = nn.Flatten()
def show(m, gin, gout):
    print(gout)
flat.register_full_backward_hook(show)
def as_list(m, args, out):
    return [out]
flat.register_forward_hook(as_list)
print(flat(torch.ones(1, 2, requires_grad=True)))
""")


def test_deprecated_backward_hook_sees_the_gradients_of_the_output_node():
    """register_backward_hook: grad_input is the output's grad_fn's (Linear's addmm: bias, input, weight.T, the
    input's None without a gradient), summed to each input's shape; returned values replace it."""
    same("""
lin = nn.Linear(3, 2)
x = torch.randn(4, 3)
def bwd(m, gin, gout):
    print("bwd", type(m).__name__, [None if g is None else tuple(g.shape) for g in gin],
          [None if g is None else tuple(g.shape) for g in gout])
    print(gin[0], gout[0])
h = lin.register_backward_hook(bwd)
print(h)
lin(x).sum().backward()
xr = torch.randn(4, 3, requires_grad=True)
lin(xr).sum().backward()
h.remove()
lin(xr).sum().backward()
print("removed")
relu = nn.ReLU()
def show(m, gin, gout):
    print("relu", gin, gout)
relu.register_backward_hook(show)
relu(xr * 1).sum().backward()
sig = nn.Sigmoid()
def replace(m, gin, gout):
    print("sig", [g.shape for g in gin])
    return (gin[0] * 0 + 1,)
sig.register_backward_hook(replace)
xr.grad = None
sig(xr).sum().backward()
print(xr.grad)
""")


def test_deprecated_backward_hook_warnings():
    """PyTorch's FutureWarnings (each shown once: they share one location inside torch) for a module of several
    nodes, several outputs, an output in a list, a non-tensor input; none for a one-node module on a non-leaf."""
    same("""
xr = torch.randn(4, 3, requires_grad=True)
def bwd(m, gin, gout):
    print("bwd", type(m).__name__, [None if g is None else tuple(g.shape) for g in gin],
          [None if g is None else tuple(g.shape) for g in gout])
relu = nn.ReLU()
relu.register_backward_hook(bwd)
relu(xr * 2).sum().backward()
class Two(nn.Module):
    def forward(self, a):
        return a * 2, a + 1
two = Two()
two.register_backward_hook(bwd)
p, q = two(xr)
(p.sum() + q.sum()).backward()
class Nested(nn.Module):
    def forward(self, a):
        return [a * 2]
nested = Nested()
nested.register_backward_hook(bwd)
nested(xr)[0].sum().backward()
class Chain(nn.Module):
    def forward(self, a):
        return (a * 2).exp()
chain = Chain()
chain.register_backward_hook(bwd)
chain(xr).sum().backward()
class Keyword(nn.Module):
    def forward(self, a, b=None):
        return a * 3
keyword = Keyword()
keyword.register_backward_hook(bwd)
keyword(xr, b=1).sum().backward()
keyword(xr, 5).sum().backward()
class Dict(nn.Module):
    def forward(self, a):
        return {"k": 1, "out": a.sin()}
d = Dict()
d.register_backward_hook(bwd)
d(xr)["out"].sum().backward()
with torch.no_grad():
    print(nn.Linear(3, 1).register_backward_hook(bwd) is not None, chain(xr).requires_grad)
""")


def test_deprecated_and_full_backward_hooks_do_not_mix():
    same("""
def bwd(m, gin, gout):
    pass
lin = nn.Linear(3, 2)
h = lin.register_backward_hook(bwd)
h.remove()
try:
    lin.register_full_backward_hook(bwd)
except RuntimeError as e:
    print(e)
lin2 = nn.Linear(3, 2)
lin2.register_full_backward_hook(bwd)
try:
    lin2.register_backward_hook(bwd)
except RuntimeError as e:
    print(e)
""")


GLOBAL_HOOKS_PRELUDE = """
from torch.nn.modules.module import (register_module_forward_pre_hook, register_module_forward_hook,
                                     register_module_full_backward_hook, register_module_full_backward_pre_hook)
"""


def test_global_module_hooks_run_before_each_modules_own():
    same(GLOBAL_HOOKS_PRELUDE + """
model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
x = torch.randn(2, 3, requires_grad=True)
def gpre(m, args):
    print("global pre", type(m).__name__, [tuple(a.shape) for a in args])
def gfwd(m, args, out):
    print("global fwd", type(m).__name__, tuple(out.shape))
def gbwd(m, gin, gout):
    print("global bwd", type(m).__name__, [None if g is None else tuple(g.shape) for g in gin],
          [tuple(g.shape) for g in gout])
def gbpre(m, gout):
    print("global bwd pre", type(m).__name__, [tuple(g.shape) for g in gout])
def lpre(m, args):
    print("local pre", type(m).__name__)
def lfwd(m, args, out):
    print("local fwd", type(m).__name__)
def lbwd(m, gin, gout):
    print("local bwd", type(m).__name__)
def lbpre(m, gout):
    print("local bwd pre", type(m).__name__)
handles = [register_module_forward_pre_hook(gpre), register_module_forward_hook(gfwd),
           register_module_full_backward_hook(gbwd), register_module_full_backward_pre_hook(gbpre)]
model[0].register_forward_pre_hook(lpre)
model[0].register_forward_hook(lfwd)
model[0].register_full_backward_hook(lbwd)
model[0].register_full_backward_pre_hook(lbpre)
out = model(x)
print(out.grad_fn)
out.sum().backward()
print(x.grad)
for h in handles:
    h.remove()
print("removed")
model(x).sum().backward()
""")


def test_global_module_hooks_replace_values_and_take_options():
    same(GLOBAL_HOOKS_PRELUDE + """
import torch.nn.modules.module as module_hooks
x = torch.randn(2, 3)
def double(m, args, out):
    return out * 2
h = register_module_forward_hook(double)
print(nn.Linear(3, 1)(x))
h.remove()
def add_one(m, args):
    return args[0] + 1
with register_module_forward_pre_hook(add_one):
    lin = nn.Linear(3, 1)
    print(lin(torch.zeros(1, 3)), lin.bias)
print(lin(torch.zeros(1, 3)))
def with_kwargs(m, args, kwargs, out):
    print("kwargs", kwargs, len(args))
h = module_hooks.register_module_forward_hook(with_kwargs, with_kwargs=True)
nn.Linear(3, 1)(x)
h.remove()
def always(m, args, out):
    print("always", type(m).__name__, out)
h = register_module_forward_hook(always, always_call=True)
try:
    nn.Linear(3, 1)(torch.zeros(2, 4))
except RuntimeError as e:
    print("error:", e)
h.remove()
def scale(m, gout):
    return (gout[0] * 3,)
xr = torch.ones(2, 3, requires_grad=True)
h = register_module_full_backward_pre_hook(scale)
nn.Tanh()(xr).sum().backward()
h.remove()
print(xr.grad)
print(torch.nn.modules.module.register_module_full_backward_hook is register_module_full_backward_hook)
""")


def test_global_deprecated_backward_hook_and_the_kinds_rule():
    same(GLOBAL_HOOKS_PRELUDE + """
from torch.nn.modules.module import register_module_backward_hook
xr = torch.randn(2, 3, requires_grad=True)
def gbwd(m, gin, gout):
    print("global bwd", type(m).__name__, [None if g is None else tuple(g.shape) for g in gin])
h = register_module_backward_hook(gbwd)
tanh = nn.Tanh()
tanh(xr * 1).sum().backward()
try:
    register_module_full_backward_hook(gbwd)
except RuntimeError as e:
    print(e)
h.remove()
try:
    register_module_full_backward_hook(gbwd)
except RuntimeError as e:
    print(e)
tanh(xr * 1).sum().backward()
print("done")
""")


def test_deprecated_backward_hook_holds_its_module_weakly():
    same("""
xr = torch.randn(2, 3, requires_grad=True)
def bwd(m, gin, gout):
    print("bwd", type(m).__name__)
class Hooked(nn.Tanh):
    def __init__(self):
        super().__init__()
        self.register_backward_hook(bwd)
Hooked()(xr * 1).sum().backward()
""")


def test_each_run_starts_without_global_module_hooks():
    same(GLOBAL_HOOKS_PRELUDE + """
register_module_forward_hook(lambda m, args, out: print("hooked", type(m).__name__))
nn.ReLU()(torch.ones(1))
""")
    same("""
print(nn.ReLU()(torch.ones(1)))
""")
