# nn.Module subclasses: nested modules, ModuleList, a Parameter and a buffer assigned in __init__, both super()
# spellings; print(model), parameter and state_dict order, train()/eval() reaching submodules, SGD steps, the error
# of a module without forward.
import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, n_in, n_out):
        super(Block, self).__init__()
        self.lin = nn.Linear(n_in, n_out)
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.lin(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block(3, 4)
        self.head = nn.Linear(4, 1)
        self.scale = nn.Parameter(torch.ones(1))
        self.register_buffer("running", torch.zeros(1))
        self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(2)])
        self.name = "net"

    def forward(self, x):
        h = self.block(x)
        for layer in self.layers:
            h = F.relu(layer(h))
        return self.head(h) * self.scale


torch.manual_seed(0)
model = Net()
print(model)
print([n for n, _ in model.named_parameters()])
print(list(model.state_dict().keys()))
print(sum(p.numel() for p in model.parameters()))
print(model.training, model.block.training)
model.eval()
print(model.training, model.block.training, model.layers[0].training)
model.train()
x = torch.randn(5, 3)
y = torch.randn(5, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(3):
    opt.zero_grad()
    loss = F.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    print(step, loss.item())
print(model.name, type(model).__name__, isinstance(model, nn.Module), isinstance(model.head, nn.Linear))
print(model.scale, type(model.scale))
print(isinstance(model.scale, nn.Parameter), isinstance(model.scale, torch.Tensor), isinstance(x, nn.Parameter))
print(type(x), type(model.head), nn.Linear, type(torch.float32))
print(model.block)
for name, child in model.named_children():
    print(name, type(child).__name__)


class Empty(nn.Module):
    pass


print(Empty())
try:
    Empty()(x)
except NotImplementedError as e:
    print("NotImplementedError", e)
