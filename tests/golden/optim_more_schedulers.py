# The other schedulers a tutorial reaches for: ConstantLR, LinearLR (warm-up and decay), PolynomialLR,
# MultiplicativeLR, CosineAnnealingWarmRestarts (stepped and with epochs), SequentialLR and ChainedScheduler.
import torch
from torch.optim import lr_scheduler
w = torch.nn.Parameter(torch.ones(2))

def run(name, opt, sched, n=12):
    rates = []
    for epoch in range(n):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
        sched.step()
        rates.append(round(sched.get_last_lr()[0], 7))
    print(name, rates)
    return sched

opt = torch.optim.SGD([w], lr=0.1)
s = run("ConstantLR", opt, lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=4))
print(s.state_dict())
opt = torch.optim.SGD([w], lr=0.1)
s = run("LinearLR", opt, lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=5))
print(s.state_dict())
opt = torch.optim.SGD([w], lr=0.1)
run("LinearLR down", opt, lr_scheduler.LinearLR(opt, start_factor=1.0, end_factor=0.2, total_iters=8))
opt = torch.optim.SGD([w], lr=0.1)
run("PolynomialLR", opt, lr_scheduler.PolynomialLR(opt, total_iters=6, power=2.0))
def half(epoch):
    return 0.95
opt = torch.optim.SGD([w], lr=0.1)
s = run("MultiplicativeLR", opt, lr_scheduler.MultiplicativeLR(opt, lr_lambda=half))
print(s.state_dict())
opt = torch.optim.SGD([w], lr=0.1)
s = run("WarmRestarts", opt, lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=0.001), 16)
print(s.state_dict())
opt = torch.optim.SGD([w], lr=0.1)
warm = lr_scheduler.LinearLR(opt, start_factor=0.01, total_iters=3)
decay = lr_scheduler.CosineAnnealingLR(opt, T_max=7)
s = run("SequentialLR", opt, lr_scheduler.SequentialLR(opt, schedulers=[warm, decay], milestones=[3]))
print(s.state_dict())
print(warm.last_epoch, decay.last_epoch)
opt = torch.optim.SGD([w], lr=1.0)
s1 = lr_scheduler.ConstantLR(opt, factor=0.1, total_iters=2)
s2 = lr_scheduler.ExponentialLR(opt, gamma=0.9)
s = run("ChainedScheduler", opt, lr_scheduler.ChainedScheduler([s1, s2], optimizer=opt))
print(s.state_dict())
opt = torch.optim.SGD([w], lr=0.1)
wr = lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=4)
for e in [0, 1.5, 5, 9]:
    wr.step(e)
    print(e, wr.get_last_lr(), wr.T_cur, wr.T_i)
opt = torch.optim.SGD([w], lr=0.1)
c = lr_scheduler.ConstantLR(opt)
print(c.get_last_lr(), c.factor, c.total_iters, c.base_lrs)
c.step(7)
print(c.get_last_lr())
