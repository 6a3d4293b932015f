# Anomaly detection names the forward operation whose backward produced NaN.
import torch

x = torch.tensor([0.0, 1.0, 4.0], requires_grad=True)
print(torch.is_anomaly_enabled())
with torch.autograd.detect_anomaly():
    y = x.sqrt()
    z = (y * torch.tensor([0.0, 1.0, 1.0])).sum()
    print(z)
    z.backward()
