"""What torch.utils.data offers a script, and the attribute tables of its objects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autodiff.language.protocol import TypeTable, allow_subclassing, register
from autodiff.torch.utils.data.collate import default_collate, default_convert
from autodiff.torch.utils.data.dataloader import DataLoader, _DataLoaderIter, _set_attribute
from autodiff.torch.utils.data.dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from autodiff.torch.utils.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

_READABLE: dict[type, tuple[str, ...]] = {
    DataLoader: ("dataset", "batch_size", "drop_last", "sampler", "batch_sampler", "num_workers", "collate_fn",
                 "generator", "pin_memory", "timeout", "prefetch_factor", "persistent_workers", "worker_init_fn"),
    _DataLoaderIter: (),
    Dataset: (),
    TensorDataset: ("tensors",),
    Subset: ("dataset", "indices"),
    ConcatDataset: ("datasets", "cumulative_sizes"),
    Sampler: (),
    SequentialSampler: ("data_source",),
    RandomSampler: ("data_source", "replacement", "num_samples", "generator"),
    SubsetRandomSampler: ("indices", "generator"),
    WeightedRandomSampler: ("weights", "num_samples", "replacement", "generator"),
    BatchSampler: ("sampler", "batch_size", "drop_last"),
}


def _getter(name: str) -> Callable[[Any], Any]:
    return lambda value: getattr(value, name)


def register_tables() -> None:
    for cls, names in _READABLE.items():
        setters: dict[str, Callable[[Any, Any], None]] = {}
        if cls is DataLoader:
            setters = {name: (lambda loader, value, n=name: _set_attribute(loader, n, value)) for name in names}
        register(cls, TypeTable(cls.__name__, getters={name: _getter(name) for name in names}, setters=setters))
    allow_subclassing(Dataset)  # `class MyData(Dataset)` with its own __getitem__ and __len__


DATA: dict[str, Any] = {
    "Dataset": Dataset, "TensorDataset": TensorDataset, "ConcatDataset": ConcatDataset, "Subset": Subset,
    "random_split": random_split, "DataLoader": DataLoader, "default_collate": default_collate,
    "default_convert": default_convert, "Sampler": Sampler, "SequentialSampler": SequentialSampler,
    "RandomSampler": RandomSampler, "SubsetRandomSampler": SubsetRandomSampler,
    "WeightedRandomSampler": WeightedRandomSampler, "BatchSampler": BatchSampler,
}


def members() -> dict[str, dict[str, Any]]:
    """The extension hook: torch.utils (a namespace of namespaces) and torch.utils.data."""
    register_tables()
    return {"torch.utils": {}, "torch.utils.data": dict(DATA)}
