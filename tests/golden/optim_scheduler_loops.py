# Scheduler loops as the docs write them: StepLR with get_last_lr(), OneCycleLR per batch (Adam's betas cycle),
# three-phase linear OneCycleLR, LambdaLR per group, CosineAnnealingLR past T_max, ReduceLROnPlateau on accuracy.
import torch
from torch.optim.lr_scheduler import StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LambdaLR, OneCycleLR, ReduceLROnPlateau
import torch.optim as optim

model = torch.nn.Linear(2, 1)
optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
scheduler = StepLR(optimizer, step_size=2, gamma=0.1)
for epoch in range(6):
    optimizer.step()
    print(epoch, scheduler.get_last_lr(), optimizer.param_groups[0]["lr"])
    scheduler.step()
print(scheduler.state_dict())
print(scheduler.last_epoch, scheduler.base_lrs)

opt = optim.Adam(model.parameters(), lr=1e-3)
sched = OneCycleLR(opt, max_lr=0.01, steps_per_epoch=5, epochs=2)
for i in range(10):
    opt.step()
    sched.step()
    print(i, sched.get_last_lr(), opt.param_groups[0]["betas"])

opt = optim.SGD(model.parameters(), lr=0.1)
sched = OneCycleLR(opt, max_lr=1.0, total_steps=8, anneal_strategy="linear", pct_start=0.25, three_phase=True)
for i in range(8):
    opt.step()
    sched.step()
    print(i, sched.get_last_lr(), opt.param_groups[0]["momentum"])

opt = optim.SGD([{"params": model.weight}, {"params": model.bias, "lr": 0.5}], lr=0.1)
def f1(e):
    return 0.9 ** e
def f2(e):
    return 1 / (e + 1)
sched = LambdaLR(opt, lr_lambda=[f1, f2])
for i in range(4):
    opt.step()
    sched.step()
    print(sched.get_last_lr())

opt = optim.SGD(model.parameters(), lr=0.1)
sched = CosineAnnealingLR(opt, T_max=4)
for i in range(10):
    opt.step()
    sched.step()
    print(i, sched.get_last_lr())

opt = optim.SGD(model.parameters(), lr=0.1)
sched = ReduceLROnPlateau(opt, mode="max", factor=0.1, patience=0, threshold=0.1, threshold_mode="abs", cooldown=1, min_lr=1e-3)
for acc in [0.5, 0.55, 0.7, 0.72, 0.73, 0.74, 0.75, 0.76, 0.77]:
    opt.step()
    sched.step(acc)
    print(acc, sched.get_last_lr(), opt.param_groups[0]["lr"])
print(sched.state_dict())

opt = optim.SGD(model.parameters(), lr=0.1)
sched = MultiStepLR(opt, milestones=[1, 3, 3], gamma=0.5)
for i in range(5):
    opt.step()
    sched.step()
    print(sched.get_last_lr())
sched = ExponentialLR(opt, gamma=0.5)
print(sched.get_last_lr(), sched.last_epoch)
