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


CYCLIC_LOOP = """
import torch
w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
b = torch.nn.Parameter(torch.tensor([0.5]))
opt = {optimizer}
sched = torch.optim.lr_scheduler.CyclicLR(opt, {arguments})
print(sched.get_last_lr(), sched.last_epoch, sched.total_size, sched.step_ratio, sched.scale_mode)
for step in range({steps}):
    opt.zero_grad()
    loss = (w * w).sum() + (b * b).sum()
    loss.backward()
    opt.step()
    sched.step()
    print(step, sched.get_last_lr(), [(group["lr"], group.get("momentum"), group.get("betas"))
                                      for group in opt.param_groups])
print(opt)
print(sched.state_dict())
print(w, b)
"""

CYCLIC_ARGUMENTS = [
    "base_lr=0.01, max_lr=0.1, step_size_up=4",
    "0.001, 0.006, step_size_up=5, step_size_down=3",
    "0.01, 0.1, step_size_up=3, mode='triangular2'",
    "0.01, 0.1, step_size_up=4, step_size_down=7, mode='triangular2'",
    "0.01, 0.1, step_size_up=4, mode='exp_range', gamma=0.97",
    "0.02, 0.2, 2, 5, mode='exp_range', gamma=0.9, base_momentum=0.7, max_momentum=0.95",
    "[0.01, 0.001], [0.1, 0.05], step_size_up=3, base_momentum=[0.8, 0.85], max_momentum=[0.9, 0.99]",
    "0.01, 0.1, step_size_up=3, cycle_momentum=False",
    "0.01, 0.1, step_size_up=1, step_size_down=1",
    "0.05, 0.01, step_size_up=3",  # a max_lr below base_lr cycles downwards
    "0.01, 0.1, step_size_up=2.5, step_size_down=1.5",
]
CYCLIC_OPTIMIZERS = [
    "torch.optim.SGD([w, b], lr=0.1, momentum=0.9)",
    "torch.optim.SGD([{'params': [w]}, {'params': [b], 'lr': 0.01}], lr=0.1, momentum=0.5, nesterov=True)",
    "torch.optim.Adam([w, b], lr=0.05)",
    "torch.optim.RMSprop([w, b], lr=0.05, momentum=0.3)",
]


@pytest.mark.parametrize("optimizer", CYCLIC_OPTIMIZERS, ids=str)
@pytest.mark.parametrize("arguments", CYCLIC_ARGUMENTS, ids=str)
def test_cyclic_lr_matches_torch_over_several_cycles(optimizer, arguments):
    groups = 2 if "'lr': 0.01" in optimizer else 1
    if arguments.startswith("[") and groups == 1:
        pytest.skip("a list per group needs two groups")
    assert_same(CYCLIC_LOOP.format(optimizer=optimizer, arguments=arguments, steps=40))


def test_cyclic_lr_with_a_script_scale_fn_matches_torch():
    assert_same("""
        import torch
        w = torch.nn.Parameter(torch.tensor([1.0]))
        calls = []
        def halve(x):
            calls.append(x)
            return 0.5 ** x
        opt = torch.optim.SGD([w], lr=1.0, momentum=0.9)
        sched = torch.optim.lr_scheduler.CyclicLR(opt, 0.1, 1.0, step_size_up=2, scale_fn=halve)
        for i in range(9):
            opt.step()
            sched.step()
            print(sched.get_last_lr(), opt.param_groups[0]["momentum"], sched.scale_fn(2))
        print(calls)
        print(sched.state_dict())
        opt = torch.optim.SGD([w], lr=1.0, momentum=0.9)
        sched = torch.optim.lr_scheduler.CyclicLR(opt, 0.1, 1.0, step_size_up=3, scale_fn=lambda x: 1 / (x + 1),
                                                  scale_mode="iterations", mode="ignored")
        for i in range(8):
            opt.step()
            sched.step()
            print(sched.get_last_lr(), sched.mode, sched.scale_mode)

        class Decay:
            def __init__(self, rate):
                self.rate = rate
            def __call__(self, x):
                return self.rate ** x
        decay = Decay(0.8)
        opt = torch.optim.Adam([w], lr=1.0)
        sched = torch.optim.lr_scheduler.CyclicLR(opt, 0.1, 1.0, step_size_up=2, scale_fn=decay)
        for i in range(5):
            opt.step()
            sched.step()
        state = sched.state_dict()
        print(state)
        state["_scale_fn_custom"]["rate"] = 0.5
        sched.load_state_dict(state)
        print(decay.rate, "_scale_fn_custom" in state)
        for i in range(4):
            opt.step()
            sched.step()
            print(sched.get_last_lr(), opt.param_groups[0]["betas"])
    """)


def test_cyclic_lr_state_dict_resumes_as_torch():
    assert_same("""
        import torch
        w = torch.nn.Parameter(torch.tensor([1.0]))
        opt = torch.optim.SGD([w], lr=1.0, momentum=0.9)
        sched = torch.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, step_size_up=3, mode="exp_range", gamma=0.9)
        for i in range(5):
            opt.step()
            sched.step()
        saved = sched.state_dict()
        opt2 = torch.optim.SGD([w], lr=1.0, momentum=0.9)
        other = torch.optim.lr_scheduler.CyclicLR(opt2, 0.5, 0.6, step_size_up=10)
        other.load_state_dict(saved)
        print(other.mode, other.scale_mode, other.last_epoch, other.get_last_lr())
        for i in range(6):
            opt.step()
            sched.step()
            opt2.step()
            other.step()
            print(sched.get_last_lr(), other.get_last_lr(), opt2.param_groups[0]["momentum"])
        other.load_state_dict(saved)
    """)


def test_cyclic_lr_after_another_scheduler_and_when_resumed_matches_torch():
    assert_same("""
        import torch
        w = torch.nn.Parameter(torch.tensor([1.0]))
        opt = torch.optim.SGD([w], lr=0.5, momentum=0.9)
        first = torch.optim.lr_scheduler.StepLR(opt, 2)
        sched = torch.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, step_size_up=2)
        print(sched.get_last_lr(), sched.base_lrs, opt.param_groups[0]["initial_lr"])
        for i in range(5):
            opt.step()
            sched.step()
            print(sched.get_last_lr())
        resumed = torch.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, step_size_up=2, last_epoch=6)
        print(resumed.get_last_lr(), resumed.last_epoch, opt.param_groups[0]["momentum"])
        print(resumed.get_lr())
        print(opt.param_groups[0]["momentum"])
        bare = torch.optim.SGD([w], lr=0.5)
        torch.optim.lr_scheduler.CyclicLR(bare, 0.01, 0.1, last_epoch=3)
    """)


def test_cyclic_lr_stepped_before_the_optimizer_warns():
    assert_same("""
        import torch
        w = torch.nn.Parameter(torch.tensor([1.0]))
        opt = torch.optim.SGD([w], lr=1.0, momentum=0.9)
        sched = torch.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, step_size_up=2)
        for i in range(3):
            sched.step()
            opt.step()
            print(sched.get_last_lr())
    """)


@pytest.mark.parametrize("call", [
    "torch.optim.lr_scheduler.CyclicLR(w, 0.01, 0.1)",
    "torch.optim.lr_scheduler.CyclicLR(opt, 0.01)",
    "torch.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, mode='cosine')",
    "torch.optim.lr_scheduler.CyclicLR(opt, [0.01, 0.02], 0.1)",
    "torch.optim.lr_scheduler.CyclicLR(opt, 0.01, [0.1, 0.2])",
    "torch.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, base_momentum=[0.8, 0.7])",
    "torch.optim.lr_scheduler.CyclicLR(torch.optim.Adagrad([w]), 0.01, 0.1)",
    "torch.optim.lr_scheduler.CyclicLR(torch.optim.Adagrad([w]), 0.01, 0.1, cycle_momentum=False).get_last_lr()",
    "torch.optim.lr_scheduler.CyclicLR(torch.optim.Adagrad([w]), 0.01, 0.1, cycle_momentum=False).base_momentums",
    "torch.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, step_size_up='3')",
    "torch.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, step_size_up=0)",
    "torch.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, step_size_up=0, step_size_down=0)",
    "torch.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, step_size_up=2, step_size_down=0).step()",
    "torch.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, scale_fn=5, mode='x')",
], ids=str)
def test_cyclic_lr_errors_match_torch(call):
    assert_same(f"""
        import torch
        w = torch.nn.Parameter(torch.tensor([1.0]))
        opt = torch.optim.SGD([w], lr=1.0, momentum=0.9)
        print({call})
    """)
