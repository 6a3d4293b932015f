# Karpathy's makemore data preparation: random.seed(42); random.shuffle(words), the 80/10/10 split, a seeded torch.Generator
import random
import torch
words = ["emma", "olivia", "ava", "isabella", "sophia", "charlotte", "mia", "amelia", "harper", "evelyn",
         "abigail", "emily", "elizabeth", "mila", "ella", "avery", "sofia", "camila", "aria", "scarlett"]
print(len(words), min(len(w) for w in words), max(len(w) for w in words))
seen = {}
for ch in ''.join(words):
    seen[ch] = True
chars = sorted(seen)
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi['.'] = 0
itos = {i: s for s, i in stoi.items()}
vocab_size = len(itos)
print(itos)
print(vocab_size)
block_size = 3

def build_dataset(words):
    X, Y = [], []
    for w in words:
        context = [0] * block_size
        for ch in w + '.':
            ix = stoi[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    X = torch.tensor(X)
    Y = torch.tensor(Y)
    print(X.shape, Y.shape)
    return X, Y

random.seed(42)
random.shuffle(words)
print(words)
n1 = int(0.8 * len(words))
n2 = int(0.9 * len(words))
Xtr, Ytr = build_dataset(words[:n1])
Xdev, Ydev = build_dataset(words[n1:n2])
Xte, Yte = build_dataset(words[n2:])
g = torch.Generator().manual_seed(2147483647)
C = torch.randn((vocab_size, 10), generator=g)
print(C[:2])
print(random.random(), random.randint(1, 10), random.choice(words), random.sample(words, 3))
print(random.gauss(0, 1), random.uniform(0, 1), random.randrange(10), random.choices(words, k=2))
random.seed(1337)
ix = [random.randint(0, len(words) - 1) for _ in range(5)]
print(ix)
state = random.getstate()
a = random.random()
random.setstate(state)
print(a == random.random())
r = random.Random(3)
print(r.random(), r.randint(0, 9), r.choice("xyz"))
print(random.getrandbits(70), random.randbytes(4))
