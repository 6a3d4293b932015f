# A hook on a hidden activation: print the gradient flowing back through it, scale it, and see the effect on the
# weights' gradients; a hook on a leaf, a retained gradient, grad_fn hooks, and removing a hook.
import torch

torch.manual_seed(0)
x = torch.tensor([[1.0, 2.0], [0.5, -1.0]])
w = torch.randn(2, 3, requires_grad=True)
v = torch.randn(3, 1, requires_grad=True)

hidden = torch.tanh(x @ w)


def report_and_halve(grad):
    print("gradient reaching hidden:")
    print(grad)
    return grad * 0.5


handle = hidden.register_hook(report_and_halve)
hidden.retain_grad()
out = (hidden @ v).sum()
out.backward()
print("hidden.grad (after the hook):", hidden.grad)
print("w.grad:", w.grad)

w.grad = None
v.grad = None
handle.remove()
hidden = torch.tanh(x @ w)
(hidden @ v).sum().backward()
print("w.grad without the hook:", w.grad)


def clip_leaf(grad):
    return grad.clamp(-0.1, 0.1)


w.grad = None
w.register_hook(clip_leaf)
out = (torch.tanh(x @ w) @ v).sum()


def before(grad_outputs):
    print("TanhBackward0 receives", grad_outputs[0].shape)


def after(grad_inputs, grad_outputs):
    print("TanhBackward0 passes on", grad_inputs[0].shape)


tanh_node = out.grad_fn.next_functions[0][0].next_functions[0][0]
print(tanh_node.name())
tanh_node.register_prehook(before)
tanh_node.register_hook(after)
out.backward()
print("clipped w.grad:", w.grad)
