"""torch.utils.data.default_collate and default_convert: how a DataLoader stacks samples into a batch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from autodiff.engine import ops
from autodiff.engine.tensor import Tensor
from autodiff.errors import runtime_error, type_error

_ERROR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def default_collate(batch: Any) -> Any:
    """Tensors stacked on a new first dim; floats to a float64 tensor, ints (and bools) to a tensor; strings
    kept as a list; dicts, tuples and lists collated field by field (a tuple of fields becomes a list)."""
    elem = batch[0]
    if type(elem) is Tensor:
        return ops.stack(batch, 0)
    if isinstance(elem, float):
        return Tensor(np.array(batch, dtype=np.float64))
    if isinstance(elem, int):
        return Tensor(np.array(batch, dtype=np.bool_ if all(type(b) is bool for b in batch) else np.int64))
    if isinstance(elem, str):
        return batch
    if isinstance(elem, Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in elem}
    if isinstance(elem, Sequence):
        size = len(elem)
        if any(len(sample) != size for sample in batch):
            raise runtime_error("each element in list of batch should be of equal size")
        return [default_collate(samples) for samples in zip(*batch)]
    from autodiff.language.protocol import type_name

    raise type_error(_ERROR.format(f"<class '{type_name(elem)}'>"))


def default_convert(data: Any) -> Any:
    """What a DataLoader without batching does to each sample: tensors and numbers kept, dicts and lists
    converted element by element, a tuple becoming a list."""
    if isinstance(data, Mapping):
        return {key: default_convert(data[key]) for key in data}
    if isinstance(data, tuple):
        return [default_convert(item) for item in data]
    if isinstance(data, list):
        return [default_convert(item) for item in data]
    return data


__all__ = ["default_collate", "default_convert"]
