# A small regression network trained the way tutorials schedule it: SGD with Nesterov momentum and weight decay,
# a cosine learning-rate schedule with a short linear warm-up (LambdaLR), then AdamW with ReduceLROnPlateau.
import math
import torch
import torch.nn as nn

torch.manual_seed(42)
inputs = torch.rand(64, 2) * 4 - 2
targets = (torch.sin(inputs[:, :1]) + 0.5 * inputs[:, 1:] ** 2).detach()

model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1))
loss_fn = nn.MSELoss()
epochs = 30
warmup = 3


def schedule(epoch):
    if epoch < warmup:
        return (epoch + 1) / warmup
    progress = (epoch - warmup) / (epochs - warmup)
    return 0.5 * (1 + math.cos(math.pi * progress))


optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
for epoch in range(epochs):
    for batch in range(4):
        x = inputs[batch * 16:(batch + 1) * 16]
        y = targets[batch * 16:(batch + 1) * 16]
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    scheduler.step()
    if epoch % 5 == 0 or epoch == epochs - 1:
        with torch.no_grad():
            full = loss_fn(model(inputs), targets)
        print(f"epoch {epoch:2d}  lr {scheduler.get_last_lr()[0]:.5f}  loss {full.item():.5f}")

optimizer = torch.optim.AdamW(model.parameters(), lr=0.01, weight_decay=0.05, amsgrad=True)
plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=2)
for epoch in range(12):
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    plateau.step(loss.item())
    print(f"fine-tune {epoch:2d}  lr {plateau.get_last_lr()[0]:.5f}  loss {loss.item():.5f}")
print(optimizer.param_groups[0]["lr"], len(optimizer.state))
