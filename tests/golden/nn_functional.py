# torch.nn.functional: activations and losses, their values, grad_fn names and gradients.
import torch
import torch.nn.functional as F

x = torch.tensor([[-1.5, 0.0, 0.5, 2.0], [0.25, -1.25, 1.0, -2.0], [3.0, -0.5, -1.0, 0.75]], requires_grad=True)
for name, out in [("relu", F.relu(x)), ("leaky_relu", F.leaky_relu(x, 0.1)), ("gelu", F.gelu(x)),
                  ("gelu tanh", F.gelu(x, approximate="tanh")), ("elu", F.elu(x)), ("sigmoid", F.sigmoid(x)),
                  ("tanh", F.tanh(x)), ("softmax", F.softmax(x, dim=1)), ("log_softmax", F.log_softmax(x, dim=1))]:
    (out * torch.tensor([1.0, -0.5, 2.0, 0.25])).sum().backward()
    print(name, out.grad_fn.name())
    print(out)
    print(x.grad)
    x.grad = None

target = torch.tensor([[0.0, 0.5, 1.0, 0.25], [1.0, 0.0, 0.5, 0.75], [0.5, 0.5, 0.0, 1.0]])
probs = torch.sigmoid(x)
for reduction in ["mean", "sum", "none"]:
    for name, loss in [("mse", F.mse_loss(x, target, reduction=reduction)),
                       ("l1", F.l1_loss(x, target, reduction=reduction)),
                       ("smooth_l1", F.smooth_l1_loss(x, target, reduction=reduction)),
                       ("smooth_l1 beta", F.smooth_l1_loss(x, target, reduction=reduction, beta=0.5)),
                       ("bce", F.binary_cross_entropy(probs, target, reduction=reduction)),
                       ("bce logits", F.binary_cross_entropy_with_logits(x, target, reduction=reduction))]:
        print(reduction, name, loss.grad_fn.name())
        print(loss)
        (loss if reduction != "none" else loss.sum()).backward(retain_graph=True)
        print(x.grad)
        x.grad = None

labels = torch.tensor([3, 0, 1])
for reduction in ["mean", "sum", "none"]:
    ce = F.cross_entropy(x, labels, reduction=reduction)
    nll = F.nll_loss(F.log_softmax(x, dim=1), labels, reduction=reduction)
    soft = F.cross_entropy(x, target.softmax(dim=1), reduction=reduction)
    print(reduction, ce.grad_fn.name(), nll.grad_fn.name(), soft.grad_fn.name())
    print(ce)
    print(nll)
    print(soft)
    (ce.sum() + soft.sum()).backward()
    print(x.grad)
    x.grad = None

weighted = F.cross_entropy(x, labels, weight=torch.tensor([1.0, 2.0, 0.5, 1.5]))
smoothed = F.cross_entropy(x, labels, label_smoothing=0.1)
ignored = F.cross_entropy(x, torch.tensor([3, -100, 1]))
print(weighted, smoothed, ignored)
(weighted + smoothed + ignored).backward()
print(x.grad)
print(F.cross_entropy(x[0], labels[0]))
w = torch.tensor([[0.5, -1.0, 0.25, 2.0], [1.0, 0.5, -0.5, 0.0]], requires_grad=True)
b = torch.tensor([0.1, -0.2], requires_grad=True)
for inp in [x, x[0], x.view(3, 2, 2).transpose(1, 2).reshape(1, 3, 4)]:
    out = F.linear(inp, w, b)
    print(out.grad_fn.name(), out.shape)
    print(out)
print(F.linear(x, w).grad_fn.name(), F.linear(x[1], w).grad_fn.name())
