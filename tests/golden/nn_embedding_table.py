import torch
import torch.nn.functional as F
g = torch.Generator().manual_seed(2147483647)
C = torch.randn((27, 2), generator=g, requires_grad=True)
X = torch.tensor([[0, 0, 5], [0, 5, 13], [5, 13, 13], [13, 13, 1], [13, 1, 0]])
Y = torch.tensor([13, 13, 1, 0, 0])
emb = C[X]
print(emb.shape, emb[1])
W1 = torch.randn((6, 10), generator=g, requires_grad=True)
b1 = torch.randn(10, generator=g, requires_grad=True)
h = torch.tanh(emb.view(-1, 6) @ W1 + b1)
W2 = torch.randn((10, 27), generator=g, requires_grad=True)
logits = h @ W2
loss = F.cross_entropy(logits, Y)
print(loss)
loss.backward()
print(C.grad[13], C.grad[0], C.grad[2])
print(C[torch.tensor(5)], C[[1, 1, 2]], C[X[:, 0]][:2])
print(F.embedding(X, C)[0], F.embedding(X, C).shape)
