"""torch.utils.data.DataLoader: batches of a dataset in sampler order, collated; PyTorch's random draws exactly
(each new iterator draws a base seed, a shuffle seeds its own generator from the default one). Worker processes
are not started: `num_workers` is accepted and the loading runs in the script's process, in the same order."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from autodiff.engine import rng
from autodiff.errors import value_error
from autodiff.torch.utils.data.collate import default_collate, default_convert
from autodiff.torch.utils.data.sampler import BatchSampler, RandomSampler, SequentialSampler

_FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


class DataLoader:
    TORCH_MODULE = "torch.utils.data.dataloader"

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool | None = None, sampler: Any = None,
                 batch_sampler: Any = None, num_workers: int = 0, collate_fn: Callable[[Any], Any] | None = None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Any = None, multiprocessing_context: Any = None, generator: Any = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False, pin_memory_device: str = "",
                 in_order: bool = True) -> None:
        if num_workers < 0:
            raise value_error("num_workers option should be non-negative; use num_workers=0 to disable "
                              "multiprocessing.")
        if timeout < 0:
            raise value_error("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise value_error("prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 "
                              "to enable multiprocessing, otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise value_error("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise value_error("persistent_workers option needs num_workers > 0")
        if sampler is not None and shuffle:
            raise value_error("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise value_error("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and "
                                  "drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise value_error("batch_size=None option disables auto-batching and is mutually exclusive with "
                              "drop_last")
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if batch_sampler is not None else default_convert)

    @property
    def _index_sampler(self) -> Any:
        return self.batch_sampler if self.batch_sampler is not None else self.sampler

    def __iter__(self) -> _DataLoaderIter:
        return _DataLoaderIter(self)

    def __len__(self) -> int:
        return len(self._index_sampler)

    def __repr__(self) -> str:
        return "<torch.utils.data.dataloader.DataLoader object>"


def _set_attribute(loader: DataLoader, name: str, value: Any) -> None:
    if name in _FROZEN:
        raise value_error(f"{name} attribute should not be set after DataLoader is initialized")
    setattr(loader, name, value)


class _DataLoaderIter:
    """One pass over a DataLoader (`iter(loader)`): PyTorch's _SingleProcessDataLoaderIter."""

    def __init__(self, loader: DataLoader) -> None:
        self._loader = loader
        self._sampler_iter: Iterator[Any] = iter(loader._index_sampler)
        seed = np.empty((), dtype=np.int64)
        (loader.generator or rng.default_generator).random_(seed)  # PyTorch's _base_seed, drawn even if unused
        self._base_seed = int(seed)
        self._auto_collation = loader.batch_sampler is not None

    def __iter__(self) -> _DataLoaderIter:
        return self

    def __next__(self) -> Any:
        index = next(self._sampler_iter)
        dataset = self._loader.dataset
        if self._auto_collation:
            data = [dataset[i] for i in index]
        else:
            data = dataset[index]
        return self._loader.collate_fn(data)

    def __len__(self) -> int:
        return len(self._loader._index_sampler)

    def __repr__(self) -> str:
        return "<torch.utils.data.dataloader._SingleProcessDataLoaderIter object>"
