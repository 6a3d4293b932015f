# What tutorials bring from NumPy and from newer PyTorch: axis= and keepdims=, size=, out=, torch.__version__,
# the default dtype and device, finfo and iinfo.
import torch

print(torch.__version__, torch.__version__ >= "2.0")
x = torch.tensor([[1.0, 4.0, 2.0], [3.0, 0.5, 6.0]])
print(x.sum(axis=1), torch.mean(x, axis=0, keepdims=True), x.argmax(axis=1), x.max(axis=0))
print(torch.zeros(size=(2, 3)), torch.ones(size=(1, 2), dtype=torch.int64))
out = torch.empty(3)
torch.add(x[0], x[1], out=out)
print(out)
torch.mul(x[0], 2, out=out)
print(out)
print(torch.get_default_dtype(), torch.get_default_device())
torch.set_default_device("cpu")
torch.set_default_dtype(torch.float64)
print(torch.tensor([0.1, 0.2]), torch.ones(2).dtype)
torch.set_default_dtype(torch.float32)
print(torch.finfo(torch.float32).eps, torch.finfo(torch.float16).max, torch.iinfo(torch.int8))
print(torch.finfo(torch.float64))
torch.add(x, 1, out=torch.empty(2, 2))
