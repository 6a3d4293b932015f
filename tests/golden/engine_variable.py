import torch
from torch.autograd import Variable
x = Variable(torch.tensor([1.0, 2.0]), requires_grad=True)
y = (x * x).sum()
y.backward()
print(x.grad, x.is_leaf)
print(torch.FloatTensor([1, 2]), torch.LongTensor([1, 2]), torch.DoubleTensor([1.5]))
