# torch.linspace's bits: each value one fused multiply-add from the start (first half) or the end (second half).
import torch

for dtype in (torch.float32, torch.float64, torch.float16, torch.int64):
    for start, end, steps in ((0, 1, 20), (-1, 1, 8), (-3.3, 7.1, 17), (2.5, -1.7, 33), (1e-3, 0.7, 1000),
                              (5, 5, 4), (0, 1, 1), (0, 1, 0)):
        values = torch.linspace(start, end, steps, dtype=dtype)
        if dtype.is_floating_point:
            print(dtype, steps, values.double().sum().item(), values[:4].tolist(), values[-3:].tolist())
        else:
            print(dtype, steps, values.sum().item(), values[:6].tolist())
print(torch.linspace(0, 1, 20).sum().item())
print(torch.linspace(-1, 1, 8).view(torch.int32))
