"""torch.nn: modules, functional, init, parameters."""
