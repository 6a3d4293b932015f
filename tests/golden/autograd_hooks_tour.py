# Hooks as a tutorial shows them: printing and doubling a non-leaf's gradient, a leaf hook, removing a handle,
# node pre- and post-hooks, a post-accumulate hook; then a hook on a tensor that does not require grad.
import torch

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x * 2
z = y ** 2
y.retain_grad()

def print_grad(grad):
    print("grad of y:", grad)

def double(grad):
    return grad * 2

h1 = y.register_hook(print_grad)
h2 = y.register_hook(double)
def leaf_hook(g):
    print("leaf grad", g)
    return g + 1
hx = x.register_hook(leaf_hook)
out = z.sum()
out.backward(retain_graph=True)
print(x.grad, y.grad)
h2.remove()
x.grad = None
y.grad = None
out.backward()
print(x.grad, y.grad)
print(y.requires_grad, y.retains_grad, x.retains_grad)

a = torch.tensor(2.0, requires_grad=True)
b = a * a
def pre(grad_outputs):
    print("pre", grad_outputs)
def post(grad_inputs, grad_outputs):
    print("post", grad_inputs, grad_outputs)
hp = b.grad_fn.register_prehook(pre)
hq = b.grad_fn.register_hook(post)
b.backward()
print(a.grad)
print(b.grad_fn.name())
acc = b.grad_fn.next_functions[0][0]
print(acc.name(), acc.variable is a)
def post_acc(p):
    print("accumulated", p.grad)
hh = a.register_post_accumulate_grad_hook(post_acc)
c = a * 3
c.backward()
t = torch.ones(2)
def h(g):
    return g
t.register_hook(h)
