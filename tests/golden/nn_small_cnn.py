import torch
import torch.nn as nn

# A small convolutional classifier on noisy 1x8x8 images: a bright vertical line (class 0) or a horizontal one (1).
torch.manual_seed(0)
labels = torch.randint(0, 2, (16,))
images = torch.randn(16, 1, 8, 8) * 0.5
for i in range(16):
    position = torch.randint(0, 8, (1,)).item()
    if labels[i] == 0:
        images[i, 0, :, position] += 2.0
    else:
        images[i, 0, position, :] += 2.0
print(labels)
print(images[0, 0, :3])

model = nn.Sequential(
    nn.Conv2d(1, 4, kernel_size=3, padding=1, bias=False),  # BatchNorm follows: a bias would cancel out
    nn.BatchNorm2d(4),
    nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Conv2d(4, 8, kernel_size=3),
    nn.ReLU(),
    nn.AvgPool2d(2),
    nn.Flatten(),
    nn.Dropout(0.25),
    nn.Linear(8, 2),
)
print(model)
print("parameters:", sum(p.numel() for p in model.parameters()))

optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
loss_fn = nn.CrossEntropyLoss()
for step in range(8):
    optimizer.zero_grad()
    logits = model(images)
    loss = loss_fn(logits, labels)
    loss.backward()
    optimizer.step()
    print(f"step {step}: loss {loss.item():.4f}")

print(logits[:2], model[0].weight.grad.shape)
print(model[1].running_mean, model[1].num_batches_tracked)
model.eval()
with torch.no_grad():
    predictions = model(images).argmax(dim=1)
print(predictions)
print("accuracy:", (predictions == labels).float().mean().item())
