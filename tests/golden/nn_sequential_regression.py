# A two-layer regression: nn.Sequential of Linear/ReLU/Linear trained with optim.SGD and nn.MSELoss,
# with the weights set explicitly so the run does not depend on random initialisation.
import torch
import torch.nn as nn
import torch.optim as optim

model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
with torch.no_grad():
    model[0].weight.copy_(torch.tensor([[0.5, -0.2], [0.1, 0.4], [-0.3, 0.8]]))
    model[0].bias.copy_(torch.tensor([0.1, -0.1, 0.05]))
    model[2].weight.copy_(torch.tensor([[0.7, -0.5, 0.3]]))
    model[2].bias.fill_(0.2)
print(model)

x = torch.tensor([[1.0, 2.0], [2.0, 1.0], [0.5, -1.0], [-1.5, 0.5]])
y = torch.tensor([[1.0], [0.5], [-0.5], [0.25]])
loss_fn = nn.MSELoss()
optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
print(optimizer)

for step in range(5):
    optimizer.zero_grad()
    prediction = model(x)
    loss = loss_fn(prediction, y)
    loss.backward()
    optimizer.step()
    print(f"step {step}: loss {loss.item():.6f}")

print(loss)
print(prediction)
print(model[0].weight)
print(model[2].bias.grad)
for name, param in model.named_parameters():
    print(name, list(param.shape), param.requires_grad)
optimizer.zero_grad()
print(model[0].weight.grad)
print(len(model), model.training, model.eval().training)
print(model(x))
