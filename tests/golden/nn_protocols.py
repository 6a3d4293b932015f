# Tensors in Python protocols: truthiness, float/int, len, iteration, shapes, f-strings, conversions,
# legacy constructors, function and method forms, unbound methods.
import torch

x = torch.tensor(2.5, requires_grad=True)
v = torch.tensor([2.5], requires_grad=True)
m = torch.tensor([[1.0, -2.0], [3.0, 0.5]])
print(f"{x:.4f}", f"{x}", f"{torch.tensor(7):>4}", f"{m}")
print(int(x), bool(x), int(torch.tensor(-2.7)), float(torch.tensor(3)), bool(torch.tensor([0.0])))
print(float(v))
if torch.tensor(1.0) > 0:
    print("one-element tensors are truthy")
print(m > 0, m == 1.0)
print(len(m), m.shape[0], list(m.shape), m.ndim, m.dim(), m.size(1), m.numel())
for row in m:
    print(row, row.shape)
print([float(value) for value in m[0]])
print(x.double(), x.float() is x, x.long(), x.int(), x.bool())
print(x.to(torch.float64), x.to(dtype=torch.float64), x.type(torch.float64), x.type(torch.DoubleTensor), x.type())
print(m.to(torch.float32) is m, m.double().dtype, m.double().float().dtype)
print(torch.Tensor([1, 2]), torch.FloatTensor([1.5]), torch.DoubleTensor([1, 2]), torch.LongTensor([1.7, 2]))
print(torch.Tensor(2, 3).shape, torch.Tensor(), torch.Tensor(x))
print(torch.is_tensor(x), torch.is_tensor([1.0]), torch.numel(m))
tanh = torch.Tensor.tanh
print(tanh(x), torch.Tensor.add(x, 1), torch.Tensor.sum(m, dim=0))
print(torch.tanh(m), m.tanh(), torch.relu(m), m.relu(), torch.sigmoid(m).sum(), torch.exp(m).mean())
y = m.clone()
torch.relu_(y)
print(y, torch.abs_(torch.tensor([-1.0, 2.0])))
print(x.device, torch.device("cpu"), m.masked_fill(m < 0, 0.0), torch.masked_fill(m, m > 1, -1.0))
print(torch.addmm(torch.ones(2), m, m), m.addmm(m, m))
print(torch.cuda.is_available())
