"""nn.Flatten."""

from __future__ import annotations

from autodiff.engine import ops
from autodiff.torch.nn.modules.activation import _Activation


class Flatten(_Activation):
    ATTRIBUTES = ("start_dim", "end_dim")

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__(lambda x: ops.flatten(x, self.start_dim, self.end_dim))
        self.start_dim = start_dim
        self.end_dim = end_dim

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
