import torch
print(torch.tensor([1.0, 2.5, 3.25]))
print(torch.tensor([1e-5, 1.0, 1e5]))
print(torch.tensor([123456.0, 0.001]))
print(torch.tensor([[1.5, -2.0], [3.0, 4.0]], requires_grad=True))
print(torch.arange(2000.0))
print(torch.tensor(float('nan')), torch.tensor(float('inf')))
print(torch.tensor([1.0, 2.0]) * torch.tensor(3.0, requires_grad=True))
