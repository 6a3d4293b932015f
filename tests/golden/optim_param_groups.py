# Parameter groups with their own lr, state_dict(), changing lr through param_groups, add_param_group,
# zero_grad(set_to_none=False), load_state_dict and optimizer.state.
import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
opt = optim.SGD([
    {"params": model[0].parameters()},
    {"params": model[2].parameters(), "lr": 1e-3},
], lr=1e-2, momentum=0.9)
print(opt)
print(len(opt.param_groups))
for g in opt.param_groups:
    print(g["lr"], g["momentum"], len(g["params"]), sorted(g.keys()))
x = torch.randn(4, 2)
y = torch.randn(4, 1)
for step in range(3):
    opt.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    opt.step()
    print(step, round(loss.item(), 5))
sd = opt.state_dict()
print(sd.keys())
print(sd["param_groups"])
print(sd["state"].keys())
print(sd["state"][0])
print(sd)
for g in opt.param_groups:
    g["lr"] = g["lr"] * 0.1
print(opt.param_groups[0]["lr"], opt.param_groups[1]["lr"])
extra = torch.zeros(2, requires_grad=True)
opt.add_param_group({"params": extra, "lr": 0.5})
print(opt)
print(opt.state_dict()["param_groups"][2])
opt.zero_grad(set_to_none=False)
print(model[0].weight.grad)
opt.zero_grad()
print(model[0].weight.grad)
opt2 = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
opt2.load_state_dict(optim.SGD(model.parameters(), lr=0.3, momentum=0.5).state_dict())
print(opt2)
print(opt.state[model[0].weight])
print(opt.defaults)
adam = optim.Adam(model.parameters(), lr=0.01)
((model(x) - y) ** 2).mean().backward()
adam.step()
print(adam.state_dict()["state"][0])
s = adam.state_dict()
adam2 = optim.Adam(model.parameters(), lr=0.5)
adam2.load_state_dict(s)
print(adam2.param_groups[0]["lr"], adam2.state_dict()["state"][1]["step"])
