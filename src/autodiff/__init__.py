"""autodiff: run small PyTorch-style autograd scripts and show what autograd does."""

__version__ = "0.1.0"
