# CyclicLR in a training loop, stepped once per batch: a small regression fitted with SGD while the learning rate
# climbs from base_lr to max_lr and back (momentum cycles the other way); then triangular2 halving each cycle's
# height, exp_range with Adam (beta1 cycles), a scale_fn of the script's own, and a scheduler restored from its
# state_dict.
import torch
import torch.nn as nn
from torch.optim.lr_scheduler import CyclicLR

torch.manual_seed(0)
x = torch.linspace(-1, 1, 16).unsqueeze(1)
y = 3 * x - 0.5
model = nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
scheduler = CyclicLR(optimizer, base_lr=0.01, max_lr=0.1, step_size_up=4, step_size_down=2)
loss_fn = nn.MSELoss()
for epoch in range(3):
    for batch in range(4):
        xb, yb = x[batch * 4:(batch + 1) * 4], y[batch * 4:(batch + 1) * 4]
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        scheduler.step()
        group = optimizer.param_groups[0]
        print(f"epoch {epoch} batch {batch} loss {loss.item():.5f} lr {scheduler.get_last_lr()[0]:.4f} "
              f"momentum {group['momentum']:.4f}")
print(model.weight, model.bias)
print(scheduler.last_epoch, scheduler.total_size, scheduler.step_ratio)

optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
scheduler = CyclicLR(optimizer, 0.001, 0.01, step_size_up=2, mode="triangular2")
for step in range(12):
    optimizer.step()
    scheduler.step()
    print(step, scheduler.get_last_lr(), optimizer.param_groups[0]["momentum"])

optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
scheduler = CyclicLR(optimizer, 0.001, 0.01, step_size_up=3, mode="exp_range", gamma=0.95,
                     base_momentum=0.85, max_momentum=0.95)
for step in range(10):
    optimizer.step()
    scheduler.step()
    print(step, scheduler.get_last_lr(), optimizer.param_groups[0]["betas"])
print(scheduler.scale_mode, scheduler.scale_fn(4))

def shrink(cycle):
    return 1 / cycle

optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scheduler = CyclicLR(optimizer, 0.01, 0.05, step_size_up=2, scale_fn=shrink, cycle_momentum=False)
for step in range(9):
    optimizer.step()
    scheduler.step()
print(scheduler.get_last_lr())
state = scheduler.state_dict()
print(state)

restored = CyclicLR(optimizer, 0.2, 0.4, scale_fn=shrink, cycle_momentum=False)
restored.load_state_dict(state)
for step in range(3):
    optimizer.step()
    scheduler.step()
    restored.step()
    print(scheduler.get_last_lr(), restored.get_last_lr())

try:
    CyclicLR(torch.optim.Adagrad(model.parameters()), 0.01, 0.1)
except ValueError as error:
    print("ValueError:", error)
CyclicLR(optimizer, 0.01, 0.1, mode="cosine")
