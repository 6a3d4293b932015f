# NumPy beside torch: x.numpy() and torch.from_numpy share memory; torch.tensor copies
import numpy as np
import torch

x = torch.ones(3)
a = x.numpy()
a[0] = 5
print("x after a[0] = 5:", x)
x.add_(1)
print("a after x.add_(1):", a)
x[2] = -1
print("a after x[2] = -1:", a, a.dtype)

b = np.arange(4.0)
t = torch.from_numpy(b)
b[1] = 10
t.mul_(2)
print("t:", t)
print("b:", b)

c = np.array([[1, 2], [3, 4]])
copy = torch.tensor(c)
c[0, 0] = 100
print("copy:", copy, copy.dtype)
print("float32:", torch.tensor(c, dtype=torch.float32))
print("as_tensor shares:", torch.as_tensor(c)[0, 0].item())
print("legacy:", torch.Tensor(np.ones(2)), torch.FloatTensor(np.zeros(2)))
print("numpy scalars:", torch.tensor(np.float64(2.5)), torch.tensor([np.float32(1.5), 2]), torch.tensor([np.int64(3)]))
print("scalar operands:", torch.ones(2) * np.float32(3), np.int64(2) * torch.ones(2))
print("dtypes:", torch.from_numpy(np.arange(3)).dtype, torch.ones(2, dtype=torch.int32).numpy().dtype)
print("back and forth:", np.asarray(torch.arange(3)) + 1)

w = torch.tensor(np.array([0.5, -1.0]), requires_grad=True)
loss = (w * torch.from_numpy(np.array([2.0, 3.0]))).sum()
loss.backward()
print("grad:", w.grad, w.grad.numpy())
print("detached:", (w * 2).detach().numpy())
