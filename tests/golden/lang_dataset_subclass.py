# A map-style Dataset written as a class (d2l and the PyTorch data tutorial do this), batched by a DataLoader.
import torch
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)


class Squares(Dataset):
    def __init__(self, n):
        self.x = torch.arange(n, dtype=torch.float32).unsqueeze(1)
        self.y = self.x ** 2

    def __len__(self):
        return len(self.x)

    def __getitem__(self, index):
        return self.x[index], self.y[index]


data = Squares(10)
print(len(data), data[3], isinstance(data, Dataset))
loader = DataLoader(data, batch_size=4, shuffle=True)
for epoch in range(2):
    for xb, yb in loader:
        print(epoch, xb.squeeze(1).tolist(), yb.squeeze(1).tolist())
both = data + Squares(2)
print(len(both), both[11])
