"""nn.Embedding."""

from __future__ import annotations

from typing import Any

import numpy as np

from autodiff.engine import rng
from autodiff.engine import tensor as tensor_module
from autodiff.engine.tensor import Tensor, check_size, to_numpy_dtype
from autodiff.errors import AutodiffError
from autodiff.torch.nn.functional import embedding
from autodiff.torch.nn.modules.linear import _parameter, _size_arg
from autodiff.torch.nn.modules.module import Module


class Embedding(Module):
    """A lookup table of `num_embeddings` rows drawn from N(0, 1); the `padding_idx` row starts at zero and
    gets no gradient."""

    ATTRIBUTES = ("num_embeddings", "embedding_dim", "padding_idx", "max_norm", "norm_type", "scale_grad_by_freq",
                  "sparse")

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight: Tensor | None = None, _freeze: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        _size_arg(num_embeddings, 0)
        _size_arg(embedding_dim, 1)
        if padding_idx is not None:
            if padding_idx > 0 and padding_idx >= num_embeddings:
                raise AutodiffError("AssertionError", "Padding_idx must be within num_embeddings")
            if padding_idx < 0:
                if padding_idx < -num_embeddings:
                    raise AutodiffError("AssertionError", "Padding_idx must be within num_embeddings")
                padding_idx = num_embeddings + padding_idx
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            check_size((num_embeddings, embedding_dim))
            float_dtype = tensor_module.default_float if dtype is None else to_numpy_dtype(dtype)
            array = np.empty((num_embeddings, embedding_dim), dtype=float_dtype)
            rng.normal_(array)
            if padding_idx is not None:
                array[padding_idx] = 0
        else:
            array = _weight.array
        weight = _parameter(array)
        weight.requires_grad = not _freeze
        self._parameters["weight"] = weight

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return embedding(input, self._parameters["weight"], self.padding_idx, self.max_norm, self.norm_type,
                         self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            text += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse is not False:
            text += ", sparse=True"
        return text
