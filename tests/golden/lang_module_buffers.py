# Buffers: register_buffer (persistent or not), buffers in state_dict after parameters, assignment checks, dtype
# conversion, PyTorch's errors for bad names and values; BatchNorm's running statistics in state_dict.
import torch
import torch.nn as nn
torch.manual_seed(0)
m = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
print(list(m.state_dict().keys()))
print([n for n, b in m.named_buffers()])
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("a", torch.ones(2))
        self.register_buffer("b", torch.zeros(1), persistent=False)
        self.w = nn.Parameter(torch.ones(1))
    def forward(self, x):
        return x * self.a + self.w
m = M()
print(m.a, m.b, list(m.state_dict()), [n for n, _ in m.named_buffers()], list(m.buffers()))
m.a = torch.full((2,), 3.0)
print(m(torch.ones(2)), m.state_dict())
for bad in [lambda: m.register_buffer("w", torch.ones(1)), lambda: m.register_buffer("x.y", None), lambda: m.register_buffer(3, None), lambda: m.register_buffer("z", 3)]:
    try:
        bad()
    except (KeyError, TypeError) as e:
        print(type(e).__name__, e)
try:
    m.a = 5
except TypeError as e:
    print(e)
m.double()
print(m.a.dtype, m.w.dtype)
del m.a
print(list(m.state_dict()))
