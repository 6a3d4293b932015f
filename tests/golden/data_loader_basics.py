import torch
from torch.utils.data import DataLoader, TensorDataset, random_split, Subset
torch.manual_seed(0)
X = torch.arange(20.).reshape(10, 2)
y = torch.arange(10)
ds = TensorDataset(X, y)
print(len(ds), ds[3])
loader = DataLoader(ds, batch_size=4, shuffle=True)
print(len(loader))
for epoch in range(2):
    for xb, yb in loader:
        print(epoch, yb, xb.shape)
print(torch.rand(1))
g = torch.Generator().manual_seed(42)
loader = DataLoader(ds, batch_size=3, shuffle=True, drop_last=True, generator=g)
print(len(loader), [b[1].tolist() for b in loader])
train, test = random_split(ds, [7, 3], generator=torch.Generator().manual_seed(1))
print(len(train), len(test), train.indices, test[0])
a, b, c = random_split(range(10), [0.5, 0.3, 0.2])
print(list(a), list(b), list(c))
print(torch.rand(1))
sub = Subset(ds, [1, 5, 7])
for batch in DataLoader(sub, batch_size=2):
    print(batch)
pairs = [(1.5, 2), (2.5, 3), (3.5, 4)]
print(list(DataLoader(pairs, batch_size=2)))
dicts = [{"a": torch.ones(2), "b": 1}, {"a": torch.zeros(2), "b": 2}]
print(list(DataLoader(dicts, batch_size=2)))
print(list(DataLoader([1, 2, 3], batch_size=None)))
print(list(DataLoader(["x", "y", "z"], batch_size=2, num_workers=2)))
print(loader.batch_size, loader.drop_last, loader.dataset is ds)
