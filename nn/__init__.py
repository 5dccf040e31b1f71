"""Neural networks on top of the autograd engine (modules, losses, optimizers, training)."""
