# RMSprop (plain, centered with momentum), Adagrad (lr_decay) and Adadelta fitting y = 2x - 1, printed as they go;
# then the optimizers' state and printing.
import torch

torch.manual_seed(0)
x = torch.linspace(-1, 1, 8).reshape(8, 1)
y = 2 * x - 1



def make(name, params):
    if name == "RMSprop":
        return torch.optim.RMSprop(params, lr=0.05)
    if name == "RMSprop centered":
        return torch.optim.RMSprop(params, lr=0.02, centered=True, momentum=0.5)
    if name == "Adagrad":
        return torch.optim.Adagrad(params, lr=0.3, lr_decay=0.01)
    if name == "Adadelta":
        return torch.optim.Adadelta(params, lr=2.0, weight_decay=0.001)
    if name == "SGD nesterov":
        return torch.optim.SGD(params, lr=0.1, momentum=0.8, nesterov=True)
    return torch.optim.Adam(params, lr=0.1, amsgrad=True, maximize=False)


for name in ["RMSprop", "RMSprop centered", "Adagrad", "Adadelta", "SGD nesterov", "Adam amsgrad"]:
    w = torch.zeros(1, 1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    opt = make(name, [w, b])
    for step in range(25):
        opt.zero_grad()
        loss = ((x @ w + b - y) ** 2).mean()
        loss.backward()
        opt.step()
        if step % 8 == 0:
            print(f"{name:17} step {step:2d} loss {loss.item():.6f}")
    # Five decimals: PyTorch's float32 sqrt (MKL) is not always correctly rounded, autodiff's is.
    print(name, f"w = {w.item():.5f} b = {b.item():.5f}")
    print(opt.state_dict()["state"][0])
print(opt)
