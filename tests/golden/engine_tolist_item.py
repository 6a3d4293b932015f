import torch
x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
print(x.tolist())
print(x.sum().item(), x[0, 1].item())
print(torch.tensor([1, 2]).tolist())
print(float(x[1, 1]), int(x[0, 0]))
