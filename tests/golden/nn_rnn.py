import torch
import torch.nn as nn
torch.manual_seed(0)
x = torch.randn(5, 2, 3)
for m, lstm in [(nn.RNN(3, 4), False), (nn.RNN(3, 4, 2, 'relu'), False), (nn.GRU(3, 4, num_layers=2), False), (nn.LSTM(3, 4), True),
          (nn.LSTM(3, 4, num_layers=2, bidirectional=True), True),
          (nn.GRU(3, 4, bidirectional=True, bias=False), False), (nn.LSTM(3, 4, proj_size=2), True), (nn.RNN(3, 4, num_layers=2, dropout=0.5), False)]:
    print(m)
    out = m(x)
    o = out[0]
    h = out[1][0] if lstm else out[1]
    print(o[-1], h)
    (o.sum() + h.sum()).backward()
    print([(n, p.grad.abs().sum().item() > 0) for n, p in m.named_parameters()][:3])
    print(m.weight_hh_l0.grad[0])
b = nn.LSTM(3, 4, batch_first=True)
o, (h, c) = b(torch.randn(2, 5, 3), (torch.zeros(1, 2, 4), torch.ones(1, 2, 4)))
print(o.shape, o[1, 2], c)
g = nn.GRU(3, 4, batch_first=True)
o, h = g(torch.randn(5, 3))
print(o.shape, h.shape, o[0], h)
for cell in [nn.RNNCell(3, 4), nn.GRUCell(3, 4), nn.LSTMCell(3, 4), nn.RNNCell(3, 4, nonlinearity='relu')]:
    out = cell(torch.randn(2, 3))
    print(cell, out)
    out = cell(torch.randn(3))
    print(out)
