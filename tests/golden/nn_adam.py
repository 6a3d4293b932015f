# Adam and AdamW on a small linear model (weights set explicitly), printing the optimizer and its state.
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Linear(3, 1)
with torch.no_grad():
    model.weight.copy_(torch.tensor([[0.1, -0.2, 0.3]]))
    model.bias.zero_()
x = torch.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0], [-1.0, 0.0, 1.0], [2.0, 1.0, 0.0]])
y = torch.tensor([[1.0], [0.0], [-1.0], [2.0]])
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
print(optimizer)
for step in range(8):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    print(step, round(loss.item(), 5))
print(model.weight)
print(model.bias)
state = optimizer.state[model.weight]
print(state["step"])
print(state["exp_avg"])
print(optimizer.param_groups[0]["lr"], optimizer.param_groups[0]["betas"])

w = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
opt = torch.optim.AdamW([w], lr=0.1, weight_decay=0.1, amsgrad=True)
print(opt)
for step in range(4):
    opt.zero_grad()
    (w ** 2).sum().backward()
    opt.step()
print(w)
v = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
sgd = torch.optim.SGD([v], lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)
for step in range(4):
    sgd.zero_grad()
    (v ** 3).sum().backward()
    sgd.step()
print(v)
print(sgd.state[v]["momentum_buffer"])
