import torch
x = torch.tensor([-1.0, 0.5, 3.0], requires_grad=True)
y = torch.exp(x) + torch.sin(x) * torch.tanh(x) - torch.sigmoid(x) + torch.relu(x)
y.sum().backward()
print(y)
print(x.grad)
