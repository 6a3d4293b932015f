# nn modules: construction, printing, indexing, parameters, modes, zero_grad, loss modules.
import torch
from torch import nn

model = nn.Sequential(
    nn.Flatten(),
    nn.Linear(4, 3),
    nn.LeakyReLU(0.2),
    nn.Linear(3, 3, bias=False),
    nn.Tanh(),
    nn.Linear(3, 2),
    nn.Sigmoid(),
    nn.Identity(),
    nn.Softmax(dim=1),
)
print(model)
print(len(model), model[1], model[-1], model[3].bias)
print(model[1:3])
print(nn.Sequential(nn.Sequential(nn.Linear(1, 1), nn.ReLU()), nn.LogSoftmax(dim=1), nn.GELU(), nn.ELU(alpha=0.5)))
for layer in model:
    print(type(layer).__name__ if False else layer)
with torch.no_grad():
    for i, p in enumerate(model.parameters()):
        p.copy_(torch.linspace(-1.0, 1.0, p.numel()).reshape(p.shape) * (0.5 + 0.1 * i))
names = [name for name, _ in model.named_parameters()]
print(names)
x = torch.tensor([[[0.5, -1.0], [2.0, 0.25]], [[1.5, 0.0], [-0.5, 1.0]]])
out = model(x)
print(out)
out[:, 0].sum().backward()
print(model[1].weight.grad)
print(model[5].bias.grad)
model.zero_grad()
print(model[1].weight.grad)
print(model.training, model[0].training)
model.eval()
print(model.training, model[2].training)
model.train()
print(model.training)
print(model[1].in_features, model[1].out_features, model[2].negative_slope, model[8].dim)
lin = nn.Linear(2, 1)
lin.weight = nn.Parameter(torch.tensor([[2.0, -1.0]]))
lin.bias = nn.Parameter(torch.tensor([0.5]))
print(lin.weight, lin.bias)
print(lin(torch.tensor([1.0, 3.0])))
print(lin(torch.tensor([[1.0, 3.0], [0.0, 1.0]])))
print(lin(torch.ones(2, 3, 2)).grad_fn.name())
for loss in [nn.MSELoss(), nn.L1Loss(), nn.SmoothL1Loss(), nn.BCELoss(), nn.BCEWithLogitsLoss(), nn.NLLLoss(),
             nn.CrossEntropyLoss(), nn.MSELoss(reduction="sum"), nn.CrossEntropyLoss(label_smoothing=0.2)]:
    print(loss, loss.reduction)
p = torch.tensor([[0.2, 0.8], [0.6, 0.4]], requires_grad=True)
t = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
print(nn.MSELoss()(p, t), nn.L1Loss()(p, t), nn.SmoothL1Loss()(p, t), nn.BCELoss()(p, t))
print(nn.BCEWithLogitsLoss()(p, t), nn.CrossEntropyLoss()(p, torch.tensor([1, 0])), nn.NLLLoss()(p, torch.tensor([1, 0])))
print(nn.CrossEntropyLoss(reduction="none")(p, t))
