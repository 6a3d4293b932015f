"""torch.utils.data against PyTorch 2.13: the order a DataLoader visits a dataset under a seed, collation,
random_split, and the errors (the same script run by both). tests/golden/data_*.py keep programs checked
without torch."""

from __future__ import annotations

import pytest

from test_functional import run_autodiff, run_torch

pytestmark = pytest.mark.oracle

SETUP = """\
import torch.utils.data as data
ds = data.TensorDataset(torch.arange(20.).reshape(10, 2), torch.arange(10))
"""

ERRORS = [
    "data.DataLoader(ds, shuffle=True, sampler=data.SequentialSampler(ds))",
    "data.DataLoader(ds, num_workers=-1)",
    "data.DataLoader(ds, batch_size=None, drop_last=True)",
    "data.DataLoader(ds, batch_size=0)",
    "data.DataLoader(ds, batch_size=2, drop_last=1)",
    "data.DataLoader(ds, batch_sampler=data.BatchSampler(data.SequentialSampler(ds), 3, False), batch_size=2)",
    "data.DataLoader(ds, persistent_workers=True)",
    "data.DataLoader(ds, prefetch_factor=2)",
    "data.TensorDataset(torch.ones(3), torch.ones(4))",
    "data.random_split(ds, [1, 2])",
    "data.random_split(ds, [1.5, -0.5])",
    "list(data.DataLoader([[1, 2], [3]], batch_size=2))",
    "list(data.DataLoader([torch.ones(2), torch.ones(3)], batch_size=2))",
    "list(data.DataLoader([None, None], batch_size=2))",
    "data.RandomSampler(ds, num_samples=0)",
    "data.Dataset()[0]",
    "ds[10]",
    "data.ConcatDataset([])",
]


@pytest.mark.parametrize("index", range(len(ERRORS)))
def test_data_errors_match_torch(index):
    source = SETUP + f"print({ERRORS[index]})\n"
    mine, reference = run_autodiff(source), run_torch(source)
    assert reference[1] is not None, "the oracle did not fail"
    assert mine[:2] == reference[:2]


ORDERS = [
    "data.DataLoader(ds, batch_size=3, shuffle=True)",
    "data.DataLoader(ds, batch_size=4, shuffle=True, drop_last=True)",
    "data.DataLoader(ds, batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(3))",
    "data.DataLoader(ds, batch_size=2, sampler=data.RandomSampler(ds, replacement=True, num_samples=40))",
    "data.DataLoader(ds, batch_size=3, sampler=data.RandomSampler(ds, num_samples=13))",
    "data.DataLoader(ds, batch_size=2, sampler=data.SubsetRandomSampler([1, 3, 5, 7, 9]))",
    "data.DataLoader(ds, batch_size=2, sampler=data.WeightedRandomSampler([0.1, 0.9, 0.5, 1, 1, 1, 2, 0, 0, 3], 8))",
    "data.DataLoader(ds, batch_sampler=data.BatchSampler(data.RandomSampler(ds), 4, True))",
    "data.DataLoader(ds, batch_size=None, shuffle=True)",
    "data.DataLoader(ds, batch_size=5, shuffle=True, num_workers=2)",
    "data.DataLoader(data.ConcatDataset([ds, ds]), batch_size=7, shuffle=True)",
    "data.DataLoader(ds + ds, batch_size=8)",
]


@pytest.mark.parametrize("index", range(len(ORDERS)))
def test_loader_order_matches_torch(index):
    source = SETUP + f"""\
torch.manual_seed(5)
loader = {ORDERS[index]}
print(len(loader))
for epoch in range(2):
    for batch in loader:
        print(epoch, batch)
print(torch.rand(2))
"""
    mine, reference = run_autodiff(source), run_torch(source)
    assert reference[1] is None
    assert mine == reference


def test_collation_matches_torch():
    source = """\
from torch.utils.data import DataLoader, default_collate
samples = [(1.5, 2, "a", True), (2.5, 3, "b", False), (3.5, 4, "c", True)]
print(list(DataLoader(samples, batch_size=2)))
print(default_collate([{"x": torch.ones(2), "y": [1, 2]}, {"x": torch.zeros(2), "y": [3, 4]}]))
print(default_collate([[torch.ones(1), 0.5], [torch.zeros(1), 1.5]]))
print(list(DataLoader([torch.ones(2, requires_grad=True)] * 2, batch_size=2)))
def pick_first(batch):
    return [sample[0] for sample in batch]
print(list(DataLoader(samples, batch_size=2, collate_fn=pick_first)))
"""
    assert run_autodiff(source) == run_torch(source)


def _subclass_batches(data, seed, tensor):
    """A Python subclass of Dataset (what a script's `class Squares(Dataset)` is) through DataLoader(shuffle)."""

    class Squares(data.Dataset):
        def __init__(self, n):
            self.n = n

        def __len__(self):
            return self.n

        def __getitem__(self, i):
            return {"x": tensor([float(i)]), "y": i * i}

    seed()
    loader = data.DataLoader(Squares(7), batch_size=3, shuffle=True)
    return [len(loader)] + [(batch["x"].tolist(), batch["y"].tolist()) for batch in loader]


def test_python_subclass_of_dataset_matches_torch():
    import numpy as np
    import torch
    import torch.utils.data as torch_data

    from autodiff.engine import rng
    from autodiff.engine.tensor import Tensor
    from autodiff.torch.utils.data import members

    ours = members.members()["torch.utils.data"]

    class OurData:
        Dataset = ours["Dataset"]
        DataLoader = ours["DataLoader"]

    mine = _subclass_batches(OurData, lambda: rng.manual_seed(3), lambda v: Tensor(np.array(v, np.float32)))
    reference = _subclass_batches(torch_data, lambda: torch.manual_seed(3), torch.tensor)
    assert mine == reference
