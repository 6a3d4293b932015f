import torch
import torch.nn as nn

# A small convolutional classifier on random 1x8x8 "images": is the mean brightness positive?
torch.manual_seed(0)
images = torch.randn(16, 1, 8, 8)
labels = (images.mean(dim=(1, 2, 3)) > 0).long()
print(labels)

model = nn.Sequential(
    nn.Conv2d(1, 4, kernel_size=3, padding=1),
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
