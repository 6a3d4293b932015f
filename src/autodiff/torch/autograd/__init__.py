"""torch.autograd: backward, grad, Function, functional, gradcheck."""
