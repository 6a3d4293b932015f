"""torch.utils.data: datasets, samplers, DataLoader (laid out as PyTorch's; members.py lists what scripts see)."""
