# d2l's synthetic linear-regression data with random.shuffle batches, and the NumPy round trip
import numpy as np
import torch
import random
import math

def synthetic_data(w, b, num_examples):
    X = torch.normal(0, 1, (num_examples, len(w)))
    y = torch.matmul(X, w) + b
    y += torch.normal(0, 0.01, y.shape)
    return X, y.reshape((-1, 1))

torch.manual_seed(0)
true_w = torch.tensor([2, -3.4])
true_b = 4.2
features, labels = synthetic_data(true_w, true_b, 20)
print('features:', features[0], '\nlabel:', labels[0])

def data_iter_list(batch_size, features, labels):
    num_examples = len(features)
    indices = list(range(num_examples))
    random.shuffle(indices)
    out = []
    for i in range(0, num_examples, batch_size):
        batch_indices = torch.tensor(indices[i: min(i + batch_size, num_examples)])
        out.append((features[batch_indices], labels[batch_indices]))
    return out

random.seed(0)
for X, y in data_iter_list(10, features, labels):
    print(X, '\n', y)
    break

X = torch.arange(12, dtype=torch.float32).reshape((3, 4))
A = X.numpy()
B = torch.from_numpy(A)
print(A.shape, B.shape)
a = torch.tensor([3.5])
print(a, a.item(), float(a), int(a))
A[0, 0] = 100
print(X[0], B[0])
x = np.arange(12).reshape(3, 4)
print(x, x.shape, x.dtype, x.sum(axis=0), x.mean(), x.T)
np.random.seed(42)
print(np.random.rand(2, 3))
print(np.random.randn(3))
print(np.random.normal(0, 1, (2, 2)), np.random.randint(0, 10, size=5))
print(np.zeros((2, 3)), np.ones(3), np.linspace(0, 1, 5), np.array([1, 2, 3]) * 2)
print(np.mean([1, 2, 3]), np.sum(np.array([[1, 2], [3, 4]]), axis=1), np.sqrt(2.0), np.exp(np.array([0.0, 1.0])))
t = torch.tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))
print(t, t.dtype)
f = torch.from_numpy(np.ones(3, dtype=np.float32))
print(f, torch.as_tensor(np.arange(3)))
print(np.dot(np.array([1, 2]), np.array([3, 4])), np.linalg.norm(np.array([3.0, 4.0])))
print(np.linalg.inv(np.array([[2.0, 0.0], [0.0, 4.0]])), np.linalg.det(np.eye(3)))
print(np.argmax(np.array([1, 5, 2])), np.pi, np.e, np.float32(1.5), np.int64(3) + 1)
print(np.array([1.5, 2.25]).tolist(), np.array([[1, 2], [3, 4]]).reshape(-1), np.concatenate([np.ones(2), np.zeros(2)]))
x = np.linspace(-1, 1, 5)
y = 2 * x + 1 + np.random.randn(5) * 0.1
print(y, np.round(y, 2), y.astype(np.float32))
print(torch.tensor(y, dtype=torch.float32).view(-1, 1))
w = torch.randn(3, requires_grad=True)
print(w.detach().numpy().shape, w.grad)
arr = np.random.random((2, 2))
print(arr.max(), arr.argmin(), np.std(arr), np.var(arr))
r = np.random.default_rng(0)
print(r.normal(size=3), r.integers(0, 10, size=4), r.random())
print(np.random.permutation(5), np.random.choice(5, 3, replace=False))
idx = np.arange(6)
np.random.shuffle(idx)
print(idx)
