# The remaining in-place samplers and torch.poisson draw PyTorch's numbers for the same seed.
import torch

torch.manual_seed(2024)
trials = torch.empty(2, 8).geometric_(0.25)
print(trials)
print(torch.empty(6, dtype=torch.int64).geometric_(p=0.5))
print(torch.empty(3, 5).log_normal_())
print(torch.empty(20, dtype=torch.float64).log_normal_(mean=0.0, std=0.5))
print(torch.empty(4, 4).t().cauchy_(median=1.0, sigma=0.1))
rates = torch.tensor([[0.5, 3.0, 9.5], [10.0, 42.0, 1000.0]])
print(torch.poisson(rates))
print(torch.poisson(rates.double(), generator=torch.Generator().manual_seed(1)))
w = torch.ones(3, requires_grad=True)
noisy = (w * 2).cauchy_()
print(noisy.grad_fn.name(), noisy.is_leaf)
noisy.sum().backward()
print(w.grad)
counts = torch.poisson(w * 4)
print(counts, counts.grad_fn.name())
print(torch.randn(3))
try:
    torch.empty(3, dtype=torch.int32).log_normal_()
except NotImplementedError as error:
    print("NotImplementedError:", error)
torch.empty(2).geometric_(1.5)
