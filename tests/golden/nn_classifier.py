# A small classifier: CrossEntropyLoss, argmax accuracy, f-strings on one-element tensors.
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(1)
model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3))
x = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.5, 0.5], [0.2, 0.8]])
labels = torch.tensor([0, 1, 2, 1, 0, 2])
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
for epoch in range(6):
    logits = model(x)
    loss = criterion(logits, labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    accuracy = (logits.argmax(dim=1) == labels).float().mean()
    print(f"epoch {epoch} loss {loss:.4f} accuracy {accuracy.item():.3f}")
print(loss.grad_fn.name(), loss.grad_fn.next_functions[0][0].name())
probs = F.softmax(model(x), dim=1)
print(probs)
print(probs.sum(dim=1))
