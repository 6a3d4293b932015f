"""The tensor engine: Tensor over NumPy, the autograd graph and backward pass, the op table."""
