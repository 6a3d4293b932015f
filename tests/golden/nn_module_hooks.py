import torch
import torch.nn as nn
torch.manual_seed(0)
lin = nn.Linear(3, 2)
x = torch.randn(4, 3)
def double_out(m, inp, out):
    return out * 2
def add_one_in(m, args):
    return args[0] + 1
def show(m, inp, out):
    print("show", out.grad_fn.name(), len(inp))
h1 = lin.register_forward_hook(double_out)
h2 = lin.register_forward_hook(show, prepend=True)
h3 = lin.register_forward_pre_hook(add_one_in)
y = lin(x)
print(y)
h1.remove(); h2.remove(); h3.remove()
print(torch.equal(lin(x), x @ lin.weight.T + lin.bias))
def kw_pre(m, args, kwargs):
    print("kwargs", sorted(kwargs))
    return (args, kwargs)
def kw_post(m, args, kwargs, out):
    print("post kwargs", len(args), out.shape)
h = lin.register_forward_pre_hook(kw_pre, with_kwargs=True)
g = lin.register_forward_hook(kw_post, with_kwargs=True)
lin(x)
h.remove(); g.remove()
def bwd(m, gin, gout):
    print("bwd", m, gin, [g.shape for g in gout])
def bwd_pre(m, gout):
    print("bwd pre", gout[0].shape)
    return (gout[0] * 10,)
hb = lin.register_full_backward_hook(bwd)
hp = lin.register_full_backward_pre_hook(bwd_pre)
out = lin(x)
print(out.grad_fn.name(), [f.name() for f, _ in out.grad_fn.next_functions])
out.sum().backward()
print(lin.bias.grad)
hb.remove(); hp.remove()
lin.zero_grad()
xr = torch.randn(4, 3, requires_grad=True)
def scale_gin(m, gin, gout):
    print("gin", gin[0].shape)
    return (gin[0] * 0,)
hs = lin.register_full_backward_hook(scale_gin)
lin(xr).sum().backward()
print(xr.grad)
print(lin.weight.grad)
hs.remove()
seq = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
acts = {}
def save(name):
    def hook(m, i, o):
        acts[name] = o.detach()
    return hook
for name, m in seq.named_children():
    m.register_forward_hook(save(name))
seq(x)
for k in acts:
    print(k, acts[k].shape)
grads = []
def keep(m, gi, go):
    grads.append(go[0].shape)
seq[0].register_full_backward_hook(keep)
seq(x).mean().backward()
print(grads)
lstm = nn.LSTM(3, 2, batch_first=True)
def lstm_hook(m, i, o):
    print("lstm out", o[0].shape, o[1][0].shape)
lstm.register_forward_hook(lstm_hook)
lstm(torch.randn(1, 4, 3))
def ctx_hook(m, i, o):
    print("ctx hook")
with lin.register_forward_hook(ctx_hook):
    lin(x)
lin(x)
print("done")
