"""Dense layer stacks to and from PyTorch, for ``Module.to_torch`` and ``MLP.from_torch``.

This module speaks plain data: a stack is a list of :data:`Dense` triples (weight rows, biases,
activation after the layer), which ``nn.module`` makes from and turns into its ``Layer``s. The
PyTorch side is a ``torch.nn.Sequential`` of ``Linear`` layers, each followed by ``ReLU``,
``Tanh`` or ``Sigmoid`` or by nothing (linear). PyTorch is optional: it is imported only inside
these functions, and its absence is an ``ImportError`` naming the extra to install.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

__all__ = ["Dense", "dense_from_torch", "dense_to_torch", "require_torch"]

Dense = tuple[list[list[float]], list[float], str | None]
"""One layer: ``nout`` weight rows of ``nin`` floats, ``nout`` biases, the activation after."""

_ACTIVATION_CLASSES = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}


def require_torch(who: str) -> ModuleType:
    """The ``torch`` module, or an ImportError saying how to install it."""
    try:
        return importlib.import_module("torch")
    except ImportError as exc:
        raise ImportError(f'{who} needs PyTorch, which is not installed: '
                          f'pip install "valuegrad[torch]"') from exc


def dense_to_torch(layers: Sequence[Dense], who: str) -> torch.nn.Sequential:
    """A float64 ``torch.nn.Sequential`` computing the stack ``layers`` with their weights."""
    th = require_torch(who)
    modules: list[torch.nn.Module] = []
    for weights, biases, activation in layers:
        nout, nin = len(weights), len(weights[0])
        linear = th.nn.Linear(nin, nout, dtype=th.float64)
        with th.no_grad():
            linear.weight.copy_(th.tensor(weights, dtype=th.float64))
            linear.bias.copy_(th.tensor(biases, dtype=th.float64))
        modules.append(linear)
        if activation is not None:
            modules.append(getattr(th.nn, _ACTIVATION_CLASSES[activation])())
    sequential: torch.nn.Sequential = th.nn.Sequential(*modules)
    return sequential


def dense_from_torch(module: Any, who: str) -> list[Dense]:
    """The stack a ``Sequential`` of ``Linear`` and activation layers (or a ``Linear``) computes.

    Raises:
        TypeError: ``module`` is not a ``Sequential`` or ``Linear``, or holds another kind of
            layer (subclasses included: their ``forward`` could differ).
        ValueError: it is empty, two activations follow one ``Linear``, an activation comes
            first, a ``Linear`` does not read its predecessor's outputs, or a weight is not
            finite.
    """
    th = require_torch(who)
    nn = th.nn
    if type(module) is nn.Linear:
        items = [module]
    elif type(module) is nn.Sequential:
        items = list(module)
    else:
        raise TypeError(f"{who}: expected a torch.nn.Sequential of Linear layers each followed "
                        "by ReLU, Tanh, Sigmoid or nothing (as to_torch() makes), or a "
                        f"torch.nn.Linear; got {type(module).__name__}")
    if not items:
        raise ValueError(f"{who}: the Sequential is empty")
    kinds = {getattr(nn, cls): name for name, cls in _ACTIVATION_CLASSES.items()}
    layers: list[Dense] = []
    for i, item in enumerate(items):
        if type(item) is nn.Linear:
            weights = _finite_rows(item.weight, f"{who}: layer {i} (Linear) weight", th)
            nout, nin = len(weights), len(weights[0])
            if layers and len(layers[-1][0]) != nin:
                raise ValueError(f"{who}: layer {i} (Linear) reads {nin} inputs but the Linear "
                                 f"before it gives {len(layers[-1][0])} outputs")
            if item.bias is None:
                biases = [0.0] * nout  # no bias is a bias of zeros
            else:
                biases = _finite_rows(item.bias.reshape(1, -1), f"{who}: layer {i} (Linear) "
                                      "bias", th)[0]
            layers.append((weights, biases, None))
        elif type(item) in kinds:
            if not layers:
                raise ValueError(f"{who}: layer {i} ({type(item).__name__}) comes before any "
                                 "Linear layer")
            weights, biases, activation = layers[-1]
            if activation is not None:
                raise ValueError(f"{who}: layer {i} ({type(item).__name__}) is a second "
                                 "activation after one Linear layer")
            layers[-1] = (weights, biases, kinds[type(item)])
        else:
            raise TypeError(f"{who}: layer {i} is a {type(item).__name__}; only Linear, ReLU, "
                            "Tanh and Sigmoid have an equivalent here")
    return layers


def _finite_rows(tensor: Any, what: str, th: ModuleType) -> list[list[float]]:
    """A 2-D floating tensor as rows of Python floats, refusing non-finite entries."""
    if not tensor.is_floating_point():
        raise TypeError(f"{what} has dtype {tensor.dtype}; expected a floating dtype")
    rows: list[list[float]] = tensor.detach().to(device="cpu", dtype=th.float64).tolist()
    if not rows or not rows[0]:
        raise ValueError(f"{what} is empty (shape {tuple(tensor.shape)})")
    for r, row in enumerate(rows):
        for c, x in enumerate(row):
            if not math.isfinite(x):
                raise ValueError(f"{what}[{r}][{c}] is not finite ({x!r})")
    return rows
