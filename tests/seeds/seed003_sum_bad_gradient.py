import torch
import torch.nn as nn

a = nn.Parameter(torch.FloatTensor([[1, 1], [2, 2]]))
b = nn.Parameter(torch.FloatTensor([[1, 2], [1, 2]]))
c = torch.sum(a - b)
# the article ran an old PyTorch; today a (2,2) gradient for a scalar output is an error
c.backward(torch.FloatTensor([[1, 2], [3, 4]]))
print(a.grad, b.grad)
