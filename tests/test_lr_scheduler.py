"""torch.optim.lr_scheduler against PyTorch 2.13: every learning rate (as printed floats, so to the last bit),
the optimizer's groups, state_dict, and the warnings for a scheduler stepped before its optimizer."""

from __future__ import annotations

import pytest

from differential import assert_same

pytest.importorskip("torch")
pytestmark = pytest.mark.oracle

LOOP = """
import torch
w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
b = torch.nn.Parameter(torch.tensor([0.5]))
opt = {optimizer}
sched = {scheduler}
print(sched.get_last_lr(), sched.last_epoch)
for epoch in range({steps}):
    opt.zero_grad()
    loss = (w * w).sum() + (b * b).sum()
    loss.backward()
    opt.step()
    {step}
    print(epoch, sched.get_last_lr(), [group["lr"] for group in opt.param_groups])
print(opt)
print(sched.state_dict())
"""

SCHEDULERS = [
    "torch.optim.lr_scheduler.StepLR(opt, step_size=3)",
    "torch.optim.lr_scheduler.StepLR(opt, 2, gamma=0.5)",
    "torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[2, 5, 5, 9], gamma=0.3)",
    "torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)",
    "torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4)",
    "torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=5, eta_min=0.001)",
    "torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda=decay)",
    "torch.optim.lr_scheduler.LambdaLR(opt, [decay, decay])",
    "torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=12)",
    "torch.optim.lr_scheduler.OneCycleLR(opt, [0.5, 0.2], epochs=3, steps_per_epoch=4, anneal_strategy='linear')",
    "torch.optim.lr_scheduler.OneCycleLR(opt, 0.3, total_steps=12, three_phase=True, pct_start=0.25)",
    "torch.optim.lr_scheduler.MultiplicativeLR(opt, lr_lambda=decay)",
    "torch.optim.lr_scheduler.ConstantLR(opt)",
    "torch.optim.lr_scheduler.ConstantLR(opt, factor=0.25, total_iters=3)",
    "torch.optim.lr_scheduler.LinearLR(opt)",
    "torch.optim.lr_scheduler.LinearLR(opt, start_factor=1.0, end_factor=0.1, total_iters=8)",
    "torch.optim.lr_scheduler.PolynomialLR(opt, total_iters=8, power=0.5)",
    "torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3)",
    "torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, 2, T_mult=2, eta_min=0.01)",
    "torch.optim.lr_scheduler.SequentialLR(opt, [torch.optim.lr_scheduler.LinearLR(opt, 0.1, total_iters=3), "
    "torch.optim.lr_scheduler.ExponentialLR(opt, 0.8)], milestones=[3])",
    "torch.optim.lr_scheduler.SequentialLR(opt, [torch.optim.lr_scheduler.ConstantLR(opt, 0.5, 2), "
    "torch.optim.lr_scheduler.StepLR(opt, 2), torch.optim.lr_scheduler.CosineAnnealingLR(opt, 4)], [2, 6])",
    "torch.optim.lr_scheduler.ChainedScheduler([torch.optim.lr_scheduler.ConstantLR(opt, 0.1, 2), "
    "torch.optim.lr_scheduler.ExponentialLR(opt, 0.9)])",
]
OPTIMIZERS = [
    "torch.optim.SGD([w, b], lr=0.1, momentum=0.9)",
    "torch.optim.SGD([{'params': [w]}, {'params': [b], 'lr': 0.01}], lr=0.1, momentum=0.5)",
    "torch.optim.Adam([w, b], lr=0.05)",
]


def _program(optimizer: str, scheduler: str, steps: int = 12, step: str = "sched.step()") -> str:
    source = LOOP.format(optimizer=optimizer, scheduler=scheduler, steps=steps, step=step)
    if "decay" in scheduler:
        source = source.replace("opt = ", "def decay(epoch):\n    return 0.8 ** epoch\nopt = ", 1)
    return source


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=str)
@pytest.mark.parametrize("scheduler", SCHEDULERS, ids=str)
def test_schedule_matches_torch(optimizer, scheduler):
    groups = 2 if "'lr': 0.01" in optimizer else 1
    if ("[decay, decay]" in scheduler or "[0.5, 0.2]" in scheduler) and groups == 1:
        pytest.skip("a list per group needs two groups")
    assert_same(_program(optimizer, scheduler))


@pytest.mark.parametrize("scheduler", [s for s in SCHEDULERS if "OneCycle" not in s][:6], ids=str)
def test_scheduler_stepped_before_the_optimizer_warns(scheduler):
    source = _program("torch.optim.SGD([w, b], lr=0.1)", scheduler, steps=4)
    source = source.replace("    opt.zero_grad()", "    sched.step()\n    opt.zero_grad()").replace(
        "    sched.step()\n    print", "    print")
    assert_same(source)


def test_plateau_matches_torch():
    assert_same("""
        import torch
        w = torch.nn.Parameter(torch.tensor([1.0]))
        opt = torch.optim.SGD([w], lr=1.0)
        sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1, cooldown=1, min_lr=0.05)
        for metric in [1.0, 0.9, 0.95, 0.97, 0.99, 0.5, 0.6, 0.7, 0.8, 0.9, 0.91, 0.92, 0.93]:
            sched.step(metric)
            print(sched.get_last_lr(), sched.num_bad_epochs, sched.best, sched.cooldown_counter)
        print(sched.state_dict())
        opt2 = torch.optim.Adam([w], lr=0.1)
        s2 = torch.optim.lr_scheduler.ReduceLROnPlateau(opt2, mode="max", threshold=0.1, threshold_mode="abs",
                                                        patience=0)
        for metric in [1.0, 1.05, 1.2, 1.25, 1.3]:
            s2.step(torch.tensor(metric))
            print(s2.get_last_lr(), s2.best)
        s2.step(1.0, 10)
        print(s2.last_epoch)
    """)


def test_get_lr_warns_and_epoch_argument_is_deprecated():
    assert_same("""
        import torch
        w = torch.nn.Parameter(torch.tensor([1.0]))
        opt = torch.optim.SGD([w], lr=1.0)
        sched = torch.optim.lr_scheduler.StepLR(opt, 2, gamma=0.5)
        opt.step()
        print(sched.get_lr())
        print(sched.get_lr())
        sched.step(5)
        print(sched.get_last_lr(), sched.last_epoch)
        sched.step()
        print(sched.get_last_lr(), sched.last_epoch)
    """)


@pytest.mark.parametrize("call", [
    "torch.optim.lr_scheduler.StepLR(w, 2)",
    "torch.optim.lr_scheduler.OneCycleLR(opt, 0.1)",
    "torch.optim.lr_scheduler.OneCycleLR(opt, 0.1, total_steps=0)",
    "torch.optim.lr_scheduler.OneCycleLR(opt, 0.1, total_steps=10, pct_start=1)",
    "torch.optim.lr_scheduler.OneCycleLR(opt, 0.1, total_steps=10, anneal_strategy='exp')",
    "torch.optim.lr_scheduler.OneCycleLR(torch.optim.Adagrad([w]), 0.1, total_steps=10)",
    "torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)",
    "torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode='low')",
    "torch.optim.lr_scheduler.ReduceLROnPlateau(opt, min_lr=[0.1, 0.2])",
    "torch.optim.lr_scheduler.LambdaLR(opt, [abs, abs])",
    "torch.optim.lr_scheduler.MultiplicativeLR(opt, 0.5)",
    "torch.optim.lr_scheduler.ConstantLR(opt, factor=2)",
    "torch.optim.lr_scheduler.LinearLR(opt, start_factor=0)",
    "torch.optim.lr_scheduler.LinearLR(opt, end_factor=1.5)",
    "torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=0)",
    "torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=0)",
    "torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, eta_min='0')",
    "torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, 2).step(-1)",
    "torch.optim.lr_scheduler.SequentialLR(opt, [], [])",
    "torch.optim.lr_scheduler.SequentialLR(opt, [torch.optim.lr_scheduler.StepLR(opt, 2)], [2])",
    "torch.optim.lr_scheduler.SequentialLR(opt, [torch.optim.lr_scheduler.ReduceLROnPlateau(opt)], [])",
    "torch.optim.lr_scheduler.ChainedScheduler([])",
    "torch.optim.lr_scheduler.ChainedScheduler([opt])",
], ids=str)
def test_errors_match_torch(call):
    assert_same(f"""
        import torch
        w = torch.nn.Parameter(torch.tensor([1.0]))
        opt = torch.optim.SGD([w], lr=1.0)
        {call}
    """)


def test_one_cycle_past_total_steps_fails_as_torch():
    assert_same("""
        import torch
        w = torch.nn.Parameter(torch.tensor([1.0]))
        opt = torch.optim.SGD([w], lr=1.0, momentum=0.9)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, 0.1, total_steps=3)
        for i in range(4):
            opt.step()
            sched.step()
            print(sched.get_last_lr(), opt.param_groups[0]["momentum"])
    """)
