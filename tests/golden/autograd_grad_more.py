# torch.autograd.grad and backward options: grad_outputs, several outputs, create_graph to third derivatives,
# inputs=, grad modes; then an unused input without allow_unused.
import torch
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x ** 2
print(torch.autograd.grad(y, x, torch.ones_like(y), retain_graph=True))
print(torch.autograd.grad((y.sum(), y.mean()), (x,), retain_graph=True))
print(torch.autograd.grad(y.sum(), x, only_inputs=True, retain_graph=True))
torch.autograd.backward(y, grad_tensors=torch.tensor([1.0, 0.0, 2.0]), retain_graph=True)
print(x.grad)
y.backward(gradient=torch.ones(3), inputs=[x], retain_graph=True)
print(x.grad)
torch.set_grad_enabled(False)
z = x * 2
print(z.requires_grad)
torch.set_grad_enabled(True)
with torch.set_grad_enabled(False):
    print((x * 2).requires_grad)
with torch.inference_mode():
    w = x * 2
print(w.requires_grad, torch.is_grad_enabled())
with torch.no_grad():
    with torch.enable_grad():
        print((x * 2).requires_grad)
g, = torch.autograd.grad(y.sum(), x, create_graph=True)
print(g, g.grad_fn.name())
g2, = torch.autograd.grad(g.sum(), x)
print(g2)
a = torch.tensor(2.0, requires_grad=True)
b = a ** 3
db = torch.autograd.grad(b, a, create_graph=True)[0]
d2b = torch.autograd.grad(db, a, create_graph=True)[0]
d3b = torch.autograd.grad(d2b, a)[0]
print(db, d2b, d3b)
print(torch.autograd.grad(y, x, grad_outputs=[torch.ones(3)], is_grads_batched=False))
u = torch.tensor([1.0], requires_grad=True)
torch.autograd.grad((u * 2).sum(), [x, u])
