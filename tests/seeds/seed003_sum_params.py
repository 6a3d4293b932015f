import torch
import torch.nn as nn

a = nn.Parameter(torch.FloatTensor([[1, 1], [2, 2]]))
b = nn.Parameter(torch.FloatTensor([[1, 2], [1, 2]]))
c = torch.sum(a - b)
c.backward(None)  # 可以是c.backward(torch.FloatTensor([1.])),结果相同
print(a.grad, b.grad)
