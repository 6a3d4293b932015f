"""nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d: batch statistics in training (moving the running statistics),
the running statistics in eval()."""

from __future__ import annotations

from typing import Any

import numpy as np

from autodiff.engine import tensor as tensor_module
from autodiff.engine.tensor import Tensor, check_size, to_numpy_dtype
from autodiff.errors import value_error
from autodiff.torch.nn.functional import batch_norm
from autodiff.torch.nn.modules.linear import _parameter
from autodiff.torch.nn.modules.module import Module


class _BatchNorm(Module):
    _version = 2
    ATTRIBUTES = ("num_features", "eps", "momentum", "affine", "track_running_stats")
    DIMS: tuple[int, ...] = (2, 3)
    DIMS_TEXT = "2D or 3D"

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        float_dtype = tensor_module.default_float if dtype is None else to_numpy_dtype(dtype)
        check_size((num_features,))
        if affine:
            self._parameters["weight"] = _parameter(np.ones(num_features, float_dtype))
            self._parameters["bias"] = _parameter(np.zeros(num_features, float_dtype)) if bias else None
        else:
            self._parameters["weight"] = None
            self._parameters["bias"] = None
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, float_dtype)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, float_dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def _complete_state_dict(self, state_dict: dict[str, Any], prefix: str, version: int | None) -> None:
        key = prefix + "num_batches_tracked"
        if (version is None or version < 2) and self.track_running_stats and key not in state_dict:
            tracked = self._buffers["num_batches_tracked"]
            state_dict[key] = tracked if tracked is not None else Tensor(np.array(0, dtype=np.int64))

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self._buffers["running_mean"].array[...] = 0
            self._buffers["running_var"].array[...] = 1
            self._buffers["num_batches_tracked"].array[...] = 0

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            self._parameters["weight"].array[...] = 1
            if self._parameters["bias"] is not None:
                self._parameters["bias"].array[...] = 0

    def _check_input_dim(self, input: Tensor) -> None:  # noqa: A002
        if input.array.ndim not in self.DIMS:
            raise value_error(f"expected {self.DIMS_TEXT} input (got {input.array.ndim}D input)")

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        tracked = self._buffers["num_batches_tracked"]
        if self.training and self.track_running_stats and tracked is not None:
            tracked.array[...] += 1
            tracked.bump_version()
            factor = 1.0 / float(tracked.array) if self.momentum is None else self.momentum
        use_batch = self.training or (self._buffers["running_mean"] is None and self._buffers["running_var"] is None)
        keep = not self.training or self.track_running_stats
        return batch_norm(input, self._buffers["running_mean"] if keep else None,
                          self._buffers["running_var"] if keep else None, self._parameters["weight"],
                          self._parameters["bias"], use_batch, factor, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self._parameters['bias'] is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    DIMS = (2, 3)
    DIMS_TEXT = "2D or 3D"


class BatchNorm2d(_BatchNorm):
    DIMS = (4,)
    DIMS_TEXT = "4D"


class BatchNorm3d(_BatchNorm):
    DIMS = (5,)
    DIMS_TEXT = "5D"
