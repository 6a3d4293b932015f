# Stepping the scheduler before the optimizer: PyTorch warns once that the first learning rate is skipped.
import torch

w = torch.nn.Parameter(torch.tensor([2.0]))
opt = torch.optim.SGD([w], lr=0.5)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
for epoch in range(3):
    sched.step()
    opt.zero_grad()
    (w ** 2).sum().backward()
    opt.step()
    print(epoch, sched.get_last_lr(), w)
print(sched.get_lr())
