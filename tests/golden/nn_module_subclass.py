import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(0)

class Squares(Dataset):
    def __init__(self, n):
        self.x = torch.linspace(-1, 1, n).unsqueeze(1)
        self.y = self.x ** 2
    def __len__(self):
        return len(self.x)
    def __getitem__(self, i):
        return self.x[i], self.y[i]

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(1, 8)
        self.bn = nn.BatchNorm1d(8)
        self.fc2 = nn.Linear(8, 1)
        self.register_buffer("calls", torch.zeros(1))
    def forward(self, x):
        self.calls += 1
        return self.fc2(F.relu(self.bn(self.fc1(x))))

class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(2 * 2 * 2, 2)
    def forward(self, x):
        return self.fc(torch.flatten(self.pool(F.relu(self.conv(x))), 1))

model = Net()
print(model)
print(model.state_dict().keys())
def shapes(module, inp, out):
    print("hook", module.__class__.__name__, tuple(out.shape))
h = model.fc1.register_forward_hook(shapes)
loader = DataLoader(Squares(12), batch_size=4, shuffle=True)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(2):
    for xb, yb in loader:
        loss = F.mse_loss(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(epoch, round(loss.item(), 4))
    h.remove()
print(model.calls, model.bn.num_batches_tracked)
def init(m):
    if isinstance(m, nn.Linear):
        nn.init.normal_(m.weight, std=0.1)
        print("init", type(m).__name__)
model.apply(init)
model.eval()
print(model(torch.tensor([[0.5]])).shape)
cnn = CNN()
out = cnn(torch.randn(3, 1, 4, 4))
print(out.shape, out.grad_fn.name())
for name, m in cnn.named_modules():
    print(repr(name), type(m).__name__)
print(next(iter(loader))[0].shape)
