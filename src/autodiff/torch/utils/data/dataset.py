"""torch.utils.data.Dataset, TensorDataset, ConcatDataset, Subset and random_split."""

from __future__ import annotations

import bisect
import itertools
import math
from typing import Any

from autodiff.engine import rng
from autodiff.engine.tensor import Tensor
from autodiff.errors import AutodiffError, value_error, warn


class Dataset:
    """The base of map-style datasets: a script's subclass defines `__getitem__` (and usually `__len__`)."""

    def __getitem__(self, index: Any) -> Any:
        raise AutodiffError("NotImplementedError", "Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: Any) -> ConcatDataset:
        return ConcatDataset([self, other])

    def __repr__(self) -> str:
        return f"<{_qualified_name(type(self))} object>"


def _qualified_name(cls: type) -> str:
    module = getattr(cls, "TORCH_MODULE", None)
    if module is not None and cls.__module__.startswith("autodiff."):
        return f"{module}.{cls.__name__}"
    return f"__main__.{cls.__name__}"


class TensorDataset(Dataset):
    """Samples are tuples of the tensors' rows: `dataset[i] == (t[i] for t in tensors)`."""

    TORCH_MODULE = "torch.utils.data.dataset"

    def __init__(self, *tensors: Tensor) -> None:
        if any(tensor.array.shape[:1] != tensors[0].array.shape[:1] for tensor in tensors):
            raise AutodiffError("AssertionError", "Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index: Any) -> tuple[Any, ...]:
        return tuple(tensor[index] for tensor in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].array.shape[0]


class ConcatDataset(Dataset):
    """Several datasets one after the other."""

    TORCH_MODULE = "torch.utils.data.dataset"

    def __init__(self, datasets: Any) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise AutodiffError("AssertionError", "datasets should not be an empty iterable")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        if index < 0:
            if -index > len(self):
                raise value_error("absolute value of index should not exceed dataset length")
            index = len(self) + index
        which = bisect.bisect_right(self.cumulative_sizes, index)
        offset = index - (self.cumulative_sizes[which - 1] if which else 0)
        return self.datasets[which][offset]


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order."""

    TORCH_MODULE = "torch.utils.data.dataset"

    def __init__(self, dataset: Any, indices: Any) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


def random_split(dataset: Any, lengths: Any, generator: Any = None) -> list[Subset]:
    """Disjoint random subsets of the given lengths (or fractions summing to 1), from one randperm."""
    lengths = list(lengths)
    total = sum(lengths)
    if math.isclose(total, 1) and total <= 1:
        sizes: list[int] = []
        for i, fraction in enumerate(lengths):
            if fraction < 0 or fraction > 1:
                raise value_error(f"Fraction at index {i} is not between 0 and 1")
            sizes.append(math.floor(len(dataset) * fraction))
        for i in range(len(dataset) - sum(sizes)):
            sizes[i % len(sizes)] += 1
        lengths = sizes
        for i, length in enumerate(lengths):
            if length == 0:
                warn("UserWarning", f"Length of split at index {i} is 0. This might result in an empty dataset.")
    if sum(lengths) != len(dataset):
        raise value_error("Sum of input lengths does not equal the length of the input dataset!")
    source = rng.default_generator if generator is None else generator
    indices = source.randperm(sum(lengths)).tolist()
    return [Subset(dataset, indices[offset - length:offset])
            for offset, length in zip(itertools.accumulate(lengths), lengths)]
