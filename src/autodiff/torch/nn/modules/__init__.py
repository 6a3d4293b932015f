"""The nn.Module classes, one file per family as in PyTorch's torch/nn/modules."""
