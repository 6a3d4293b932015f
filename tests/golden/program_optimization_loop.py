# PyTorch's 'Optimizing Model Parameters' loop on seeded synthetic data: SGD with momentum and weight decay,
# StepLR each epoch, accuracy and the learning rate printed per epoch.
# PyTorch "Optimizing Model Parameters" style loop on synthetic data
import torch
from torch import nn

torch.manual_seed(42)
X = torch.randn(64, 10)
y = (X[:, 0] > 0).long()

class_count = 2
model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, class_count))
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=1e-1, momentum=0.9, weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)

for epoch in range(5):
    for i in range(0, 64, 16):
        pred = model(X[i:i + 16])
        loss = loss_fn(pred, y[i:i + 16])
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    scheduler.step()
    with torch.no_grad():
        correct = (model(X).argmax(1) == y).type(torch.float).sum().item()
    print(f"Epoch {epoch + 1}: loss {loss.item():>7f}, accuracy {100 * correct / 64:>0.1f}%, lr {scheduler.get_last_lr()[0]:.4f}")
print(optimizer.state_dict()["param_groups"])
print(optimizer.state_dict()["state"][3]["momentum_buffer"])
torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
