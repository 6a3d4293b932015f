# Hooks that inspect every layer: the deprecated register_backward_hook (it sees the gradients of the one
# autograd node that made the module's output) and the global hooks of torch.nn.modules.module.
import torch
import torch.nn as nn
from torch.nn.modules.module import (
    register_module_forward_pre_hook,
    register_module_forward_hook,
    register_module_full_backward_pre_hook,
    register_module_full_backward_hook,
)

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
x = torch.randn(5, 3)


def shapes(grads):
    return [None if g is None else tuple(g.shape) for g in grads]


def old_style(module, grad_input, grad_output):
    print(f"old-style {type(module).__name__}: grad_input {shapes(grad_input)}, grad_output {shapes(grad_output)}")


handles = [layer.register_backward_hook(old_style) for layer in model]
model(x).pow(2).sum().backward()
for handle in handles:
    handle.remove()
print("bias grad of the last layer:", model[2].bias.grad)


def clip(module, grad_input, grad_output):
    return tuple(None if g is None else g.clamp(-0.1, 0.1) for g in grad_input)


model.zero_grad()
model[2].register_backward_hook(clip)
model(x).pow(2).sum().backward()
print("clipped:", model[2].bias.grad)

calls = []
hooks = [
    register_module_forward_pre_hook(lambda m, args: calls.append(f"pre {type(m).__name__}")),
    register_module_forward_hook(lambda m, args, out: calls.append(f"fwd {type(m).__name__} {tuple(out.shape)}")),
    register_module_full_backward_pre_hook(lambda m, gout: calls.append(f"bwd-pre {type(m).__name__}")),
    register_module_full_backward_hook(lambda m, gin, gout: calls.append(f"bwd {type(m).__name__} {shapes(gin)}")),
]
net = nn.Sequential(nn.Linear(3, 3), nn.Tanh())
inputs = torch.randn(2, 3, requires_grad=True)
net(inputs).sum().backward()
print("\n".join(calls))
for hook in hooks:
    hook.remove()
calls.clear()
net(inputs).sum().backward()
print("after remove:", calls)
print(inputs.grad)
