import torch

x_data = [1.0,2.0,3.0]
y_data = [2.0,4.0,6.0]

w = torch.tensor([1.0])
w.requires_grad = True #因为默认的tensor不需要计算和保存grad

# 定义一个简单线性模型:y=x*w
def forward(x):
    return x*w

def loss(x,y):
    y_pred = forward(x)
    return (y_pred - y) ** 2

print("predict (before training)", 4, forward(4).item())

for epoch in range(100):
    for x, y in zip(x_data, y_data):
        l = loss(x, y)
        l.backward()
        print('\tgrad:', x, y, w.grad.item())
        w.data = w.data - 0.01 * w.grad.data

        w.grad.data.zero_() ## 在默认情况下,PyTorch会累积梯度,我们需要清除之前的值!必不可少!!!

    print("progress:", epoch, l.item())

print("predict (after training)", 4, forward(4).item())
