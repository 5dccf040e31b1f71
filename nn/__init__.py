"""Neural networks on top of the autograd engine: modules, losses, optimizers, training.

>>> from nn import MLP, SGD, fit, losses, datasets
>>> X, y = datasets.moons(n=20, seed=0)
>>> model = MLP(2, [8, 1], seed=0)
>>> history = fit(model, X, y, loss=losses.binary_cross_entropy_with_logits,
...               optimizer=SGD(model.parameters(), lr=0.5), epochs=3, progress=False)
>>> sorted(history[-1])
['accuracy', 'epoch', 'loss', 'lr']
"""

from ._autograd_check import check_autograd as _check_autograd

# Before anything below imports autograd: if `autograd` is another package (HIPS autograd has
# the same import name), fail here with what was found and the repair command.
_check_autograd()

from . import datasets, losses, optim
from .callbacks import Callback, EarlyStopping
from .module import MLP, Layer, Module, Neuron, StateError
from .optim import SGD, Adam, AdamW, Optimizer
from .sequential import Linear, ReLU, Sequential, Sigmoid, Softmax, Tanh
from .train import accuracy, evaluate, fit

__all__ = [
    "MLP", "SGD", "Adam", "AdamW", "Callback", "EarlyStopping", "Layer", "Linear", "Module",
    "Neuron", "Optimizer", "ReLU", "Sequential", "Sigmoid", "Softmax", "StateError", "Tanh",
    "accuracy", "datasets", "evaluate", "fit", "losses", "optim",
]
