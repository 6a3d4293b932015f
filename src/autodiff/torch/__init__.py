"""The torch API scripts call; its files mirror PyTorch's namespace."""
