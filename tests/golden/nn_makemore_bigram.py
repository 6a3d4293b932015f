import torch
import torch.nn.functional as F

# makemore, part 1: a character-level bigram model of names, first by counting, then as a one-layer network.
words = ["emma", "olivia", "ava", "isabella", "sophia", "charlotte", "mia", "amelia", "harper", "evelyn",
         "abigail", "emily", "elizabeth", "mila", "ella", "avery", "sofia", "camila", "aria", "scarlett"]
chars = sorted(list({c: 0 for c in "".join(words)}))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi["."] = 0
itos = {i: s for s, i in stoi.items()}
vocab = len(stoi)
print(vocab, "".join(chars))

# count every bigram, with "." marking the start and the end of a name
N = torch.zeros((vocab, vocab), dtype=torch.int32)
for w in words:
    chs = ["."] + list(w) + ["."]
    for ch1, ch2 in zip(chs, chs[1:]):
        N[stoi[ch1], stoi[ch2]] += 1
print(N[0])
print(N.sum(), N.max(), N[stoi["a"], 0])

# smoothed probabilities, each row normalised
P = (N + 1).float()
P /= P.sum(1, keepdim=True)
print(P[0].sum(), P[stoi["e"]][:6])

g = torch.Generator().manual_seed(2147483647)
for _ in range(5):
    out = []
    ix = 0
    while True:
        ix = torch.multinomial(P[ix], num_samples=1, replacement=True, generator=g).item()
        out.append(itos[ix])
        if ix == 0:
            break
    print("".join(out))

# the average negative log likelihood of the training set under the counts
log_likelihood = 0.0
n = 0
for w in words:
    chs = ["."] + list(w) + ["."]
    for ch1, ch2 in zip(chs, chs[1:]):
        log_likelihood += torch.log(P[stoi[ch1], stoi[ch2]])
        n += 1
print(f"nll={-log_likelihood / n:.4f}")

# the same model as a network: one-hot inputs, a 27x27 weight matrix, softmax, gradient descent
xs, ys = [], []
for w in words:
    chs = ["."] + list(w) + ["."]
    for ch1, ch2 in zip(chs, chs[1:]):
        xs.append(stoi[ch1])
        ys.append(stoi[ch2])
xs = torch.tensor(xs)
ys = torch.tensor(ys)
num = xs.nelement()
print("examples:", num)

g = torch.Generator().manual_seed(2147483647)
W = torch.randn((vocab, vocab), generator=g, requires_grad=True)
for k in range(30):
    xenc = F.one_hot(xs, num_classes=vocab).float()
    logits = xenc @ W
    counts = logits.exp()
    probs = counts / counts.sum(1, keepdim=True)
    loss = -probs[torch.arange(num), ys].log().mean() + 0.01 * (W ** 2).mean()
    W.grad = None
    loss.backward()
    W.data += -10 * W.grad
    if k % 10 == 0:
        print(k, f"{loss.item():.4f}")
print(xenc.shape, xenc[:2, :6], logits[:1, :4])

for _ in range(3):
    out = []
    ix = 0
    while True:
        xenc = F.one_hot(torch.tensor([ix]), num_classes=vocab).float()
        p = (xenc @ W).exp()
        p = p / p.sum(1, keepdim=True)
        ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
        out.append(itos[ix])
        if ix == 0:
            break
    print("".join(out))
