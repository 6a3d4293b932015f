# Every optimizer with each documented option, trained on the same seeded regression, then printed.
import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(0)
X = torch.randn(16, 3)
true_w = torch.tensor([[1.5], [-2.0], [0.5]])
Y = X @ true_w + 0.3

def train(make_opt, steps=15):
    torch.manual_seed(1)
    model = nn.Linear(3, 1)
    opt = make_opt(model.parameters())
    loss_fn = nn.MSELoss()
    for step in range(steps):
        opt.zero_grad()
        loss = loss_fn(model(X), Y)
        loss.backward()
        opt.step()
    print(f"loss={loss.item():.4f}")
    return opt

def make1(p):
    return optim.SGD(p, lr=0.05)

def make2(p):
    return optim.SGD(p, lr=0.05, momentum=0.9)

def make3(p):
    return optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.1)

def make4(p):
    return optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-2)

def make5(p):
    return optim.SGD(p, lr=0.05, maximize=True)

def make6(p):
    return optim.Adam(p, lr=0.05)

def make7(p):
    return optim.Adam(p, lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01)

def make8(p):
    return optim.Adam(p, lr=0.05, amsgrad=True)

def make9(p):
    return optim.AdamW(p, lr=0.05)

def make10(p):
    return optim.AdamW(p, lr=0.05, weight_decay=0.1, amsgrad=True)

def make11(p):
    return optim.RMSprop(p, lr=0.01)

def make12(p):
    return optim.RMSprop(p, lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.01)

def make13(p):
    return optim.Adagrad(p, lr=0.1)

def make14(p):
    return optim.Adagrad(p, lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1)

def make15(p):
    return optim.Adadelta(p)

def make16(p):
    return optim.Adadelta(p, lr=1.0, rho=0.95, eps=1e-5, weight_decay=0.01)

configs = [
    make1,
    make2,
    make3,
    make4,
    make5,
    make6,
    make7,
    make8,
    make9,
    make10,
    make11,
    make12,
    make13,
    make14,
    make15,
    make16,
]
for make in configs:
    opt = train(make)
    print(opt)
