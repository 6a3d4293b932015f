import torch
from torch.autograd import Variable

# the article draws x at random; fixed values keep the output reproducible
x = torch.tensor([0.25, -1.5, 0.75])
x = Variable(x, requires_grad=True)
y = x * 2
while y.data.norm() < 1000:
    y = y * 2
gradients = torch.FloatTensor([0.1, 1.0, 0.0001])
y.backward(gradients)
print(y)
print(x.grad)
