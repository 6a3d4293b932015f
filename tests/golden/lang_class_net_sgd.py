# A model written the way tutorials write one: class Net(nn.Module) with layers made in __init__ (old-style
# super call), forward, a parameter and a buffer of its own, trained with SGD on seeded random data.
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(42)


class TwoLayer(nn.Module):
    def __init__(self, n_in, n_hidden, n_out):
        super(TwoLayer, self).__init__()
        self.fc1 = nn.Linear(n_in, n_hidden)
        self.fc2 = nn.Linear(n_hidden, n_out)
        self.temperature = nn.Parameter(torch.ones(1))
        self.register_buffer("steps", torch.zeros((), dtype=torch.long))

    def forward(self, x):
        if self.training:
            self.steps += 1
        hidden = torch.tanh(self.fc1(x))
        return self.fc2(hidden) / self.temperature


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = TwoLayer(4, 8, 3)
        self.blocks = nn.ModuleList([nn.Linear(3, 3) for _ in range(2)])

    def forward(self, x):
        out = self.body(x)
        for block in self.blocks:
            out = out + F.relu(block(out))
        return out

    def extra_repr(self):
        return "classes=3"


model = Classifier()
print(model)
for name, param in model.named_parameters():
    print(name, tuple(param.shape), param.requires_grad)
print(list(model.state_dict().keys()))
print([name for name, _ in model.named_buffers()])

inputs = torch.randn(16, 4)
targets = torch.randint(0, 3, (16,))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
criterion = nn.CrossEntropyLoss()
for epoch in range(5):
    optimizer.zero_grad()
    loss = criterion(model(inputs), targets)
    loss.backward()
    optimizer.step()
    print(f"epoch {epoch}: loss {loss.item():.6f}")

model.eval()
print(model.training, model.body.training, model.blocks[1].training)
with torch.no_grad():
    predictions = model(inputs).argmax(dim=1)
print(predictions)
print("accuracy", (predictions == targets).float().mean().item())
print("steps", model.body.steps)
print(model.body.temperature)
print(isinstance(model, nn.Module), type(model).__name__, type(model.body.fc1))
