"""torch.utils.data's samplers: the order (and grouping) in which a DataLoader visits a dataset's indices."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np

from autodiff.engine import rng
from autodiff.errors import type_error, value_error


class Sampler:
    """The base of samplers: a script's subclass defines `__iter__` (and `__len__`)."""

    TORCH_MODULE = "torch.utils.data.sampler"

    def __init__(self, data_source: Any = None) -> None:
        pass

    def __iter__(self) -> Iterator[Any]:
        from autodiff.errors import AutodiffError

        raise AutodiffError("NotImplementedError", "")

    def __repr__(self) -> str:
        from autodiff.torch.utils.data.dataset import _qualified_name

        return f"<{_qualified_name(type(self))} object>"


class SequentialSampler(Sampler):
    def __init__(self, data_source: Any) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


def _seeded_generator(generator: rng.Generator | None) -> rng.Generator:
    """The generator a shuffle uses: the given one, or a new one seeded from a draw of the default generator
    (PyTorch's `torch.empty((), dtype=torch.int64).random_()`)."""
    if generator is not None:
        return generator
    seed = np.empty((), dtype=np.int64)
    rng.default_generator.random_(seed)
    return rng.Generator(int(seed))


class RandomSampler(Sampler):
    def __init__(self, data_source: Any, replacement: bool = False, num_samples: int | None = None,
                 generator: Any = None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise type_error(f"replacement should be a boolean value, but got replacement={replacement}")
        if isinstance(self.num_samples, bool) or not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise value_error(f"num_samples should be a positive integer value, but got "
                              f"num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        size = len(self.data_source)
        generator = _seeded_generator(self.generator)
        if self.replacement:
            for _ in range(self.num_samples // 32):
                yield from generator.randint(0, size, (32,)).tolist()
            yield from generator.randint(0, size, (self.num_samples % 32,)).tolist()
        else:
            for _ in range(self.num_samples // size):
                yield from generator.randperm(size).tolist()
            yield from generator.randperm(size).tolist()[:self.num_samples % size]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    def __init__(self, indices: Any, generator: Any = None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[Any]:
        generator = rng.default_generator if self.generator is None else self.generator
        for i in generator.randperm(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    def __init__(self, weights: Any, num_samples: int, replacement: bool = True, generator: Any = None) -> None:
        if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples <= 0:
            raise value_error(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise value_error(f"replacement should be a boolean value, but got replacement={replacement}")
        from autodiff.engine.tensor import Tensor

        values = weights.array if type(weights) is Tensor else weights
        self.weights = Tensor(np.asarray(values, dtype=np.float64))
        if self.weights.array.ndim != 1:
            raise value_error(f"weights should be a 1d sequence but given weights have shape "
                              f"{tuple(self.weights.array.shape)}")
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        generator = rng.default_generator if self.generator is None else self.generator
        try:
            drawn = generator.multinomial(self.weights.array, self.num_samples, self.replacement)
        except RuntimeError as error:
            from autodiff.errors import runtime_error

            raise runtime_error(str(error)) from None
        yield from drawn.tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups another sampler's indices into lists of `batch_size` (the last one shorter unless drop_last)."""

    def __init__(self, sampler: Any, batch_size: int, drop_last: bool) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise value_error(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise value_error(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[Any]]:
        indices = iter(self.sampler)
        while True:
            batch = list(itertools.islice(indices, self.batch_size))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield batch

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
