# Each learning-rate scheduler over ten epochs, the learning rate read with get_last_lr(), and a plateau schedule.
import math
import torch

w = torch.nn.Parameter(torch.tensor([1.0, -1.0]))


def run(name, scheduler, optimizer):
    rates = []
    for epoch in range(10):
        optimizer.zero_grad()
        (w * w).sum().backward()
        optimizer.step()
        scheduler.step()
        rates.append(round(scheduler.get_last_lr()[0], 6))
    print(f"{name:18}", rates)
    return scheduler


def warm_up(epoch):
    return min(1.0, (epoch + 1) / 4)


opt = torch.optim.SGD([w], lr=0.1)
run("StepLR", torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5), opt)
opt = torch.optim.SGD([w], lr=0.1)
run("MultiStepLR", torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[2, 6], gamma=0.1), opt)
opt = torch.optim.SGD([w], lr=0.1)
run("ExponentialLR", torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.8), opt)
opt = torch.optim.SGD([w], lr=0.1)
run("CosineAnnealingLR", torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.001), opt)
opt = torch.optim.Adam([w], lr=0.01)
warmup = run("LambdaLR", torch.optim.lr_scheduler.LambdaLR(opt, warm_up), opt)
one_cycle_opt = torch.optim.SGD([w], lr=0.1, momentum=0.9)
one_cycle = run("OneCycleLR", torch.optim.lr_scheduler.OneCycleLR(one_cycle_opt, max_lr=0.5, total_steps=10),
                one_cycle_opt)
print(one_cycle_opt)
print(warmup.state_dict())
print(one_cycle.get_last_lr(), one_cycle.last_epoch)

plateau_opt = torch.optim.SGD([w], lr=1.0)
plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(plateau_opt, mode="min", factor=0.5, patience=1)
for metric in [1.0, 0.8, 0.81, 0.82, 0.7, 0.71, 0.72, 0.73]:
    plateau.step(metric)
    print("plateau", metric, plateau.get_last_lr(), plateau.num_bad_epochs)
print(math.isclose(plateau.get_last_lr()[0], 0.25))
