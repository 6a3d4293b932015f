# makemore part 2 (Bengio et al.'s MLP) trained on random 3-character contexts: embedding, a ReLU layer (tanh goes through MKL, machine-dependent),
# cross_entropy, minibatch SGD; the loss printed every 20 steps to the last digit.
import torch
import torch.nn.functional as F

g = torch.Generator().manual_seed(2147483647)
X = torch.randint(0, 27, (500, 3), generator=g)
Y = (X[:, 0] * 7 + X[:, 1] * 3 + X[:, 2]) % 27
C = torch.randn((27, 10), generator=g)
W1 = torch.randn((30, 64), generator=g) * 0.2
b1 = torch.randn(64, generator=g) * 0.01
W2 = torch.randn((64, 27), generator=g) * 0.01
b2 = torch.randn(27, generator=g) * 0
parameters = [C, W1, b1, W2, b2]
for p in parameters:
    p.requires_grad = True
for i in range(200):
    ix = torch.randint(0, X.shape[0], (32,), generator=g)
    emb = C[X[ix]]
    h = torch.relu(emb.view(-1, 30) @ W1 + b1)
    logits = h @ W2 + b2
    loss = F.cross_entropy(logits, Y[ix])
    for p in parameters:
        p.grad = None
    loss.backward()
    lr = 0.1 if i < 150 else 0.01
    for p in parameters:
        p.data += -lr * p.grad
    if i % 20 == 0:
        print(i, loss.item())
emb = C[X]
h = torch.relu(emb.view(-1, 30) @ W1 + b1)
print(F.cross_entropy(h @ W2 + b2, Y).item())
