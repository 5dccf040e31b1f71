"""``nn`` models to and from PyTorch, for the modules' ``to_torch`` and ``from_torch``.

This module speaks plain data, so that it needs none of ``nn``'s classes: a ``Linear`` is its
weight rows and biases (:class:`LinearWeights`), an activation its name (``"relu"``,
``"tanh"``, ``"sigmoid"``, ``"softmax"``), a ``Sequential`` the list of what it holds
(:data:`Part`), and a stack of dense layers a list of :data:`Dense` triples. ``nn.module`` and
``nn.sequential`` turn their modules into these and back. The PyTorch side is made of
``torch.nn.Linear`` (float64), ``ReLU``, ``Tanh``, ``Sigmoid``, ``Softmax(dim=-1)`` and
``Sequential``. PyTorch is optional: it is imported only inside these functions, and its
absence is an ``ImportError`` naming the extra to install.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

__all__ = [
    "TORCH_ACTIVATIONS", "Dense", "LinearWeights", "Part", "activation_to_torch",
    "dense_from_torch", "dense_to_torch", "linear_to_torch", "read_torch", "require_torch",
    "sequential_to_torch",
]


@dataclass(frozen=True)
class LinearWeights:
    """A linear layer as numbers: ``nout`` weight rows of ``nin`` floats (PyTorch's layout),
    and ``nout`` biases or ``None`` (no bias)."""

    weights: list[list[float]]
    biases: list[float] | None


Part = LinearWeights | str | list["Part"]
"""What a PyTorch module holds, as read by :func:`read_torch`: a ``Linear``'s weights, an
activation's name, or a ``Sequential``'s parts in order."""

Dense = tuple[list[list[float]], list[float], str | None]
"""One dense layer: ``nout`` weight rows of ``nin`` floats, ``nout`` biases, the activation
after it (an activation name or None)."""

TORCH_ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "softmax": "Softmax"}
"""Activation name -> the ``torch.nn`` class computing it (Softmax with ``dim=-1``)."""

_TORCH_NAMES = ", ".join(["Linear", *TORCH_ACTIVATIONS.values()])


def require_torch(who: str) -> ModuleType:
    """The ``torch`` module, or an ImportError saying how to install it."""
    try:
        return importlib.import_module("torch")
    except ImportError as exc:
        raise ImportError(f'{who} needs PyTorch, which is not installed: '
                          f'pip install "valuegrad[torch]"') from exc


# -- to PyTorch -------------------------------------------------------------------------------

def linear_to_torch(layer: LinearWeights, who: str) -> torch.nn.Linear:
    """A float64 ``torch.nn.Linear`` with these weights (and no bias when ``biases`` is None)."""
    th = require_torch(who)
    nout, nin = len(layer.weights), len(layer.weights[0])
    linear: torch.nn.Linear = th.nn.Linear(nin, nout, bias=layer.biases is not None,
                                           dtype=th.float64)
    with th.no_grad():
        linear.weight.copy_(th.tensor(layer.weights, dtype=th.float64))
        if layer.biases is not None:
            linear.bias.copy_(th.tensor(layer.biases, dtype=th.float64))
    return linear


def activation_to_torch(name: str, who: str) -> torch.nn.Module:
    """The ``torch.nn`` module for an activation name (``Softmax`` over the last dimension)."""
    th = require_torch(who)
    cls = getattr(th.nn, TORCH_ACTIVATIONS[name])
    module: torch.nn.Module = cls(dim=-1) if name == "softmax" else cls()
    return module


def sequential_to_torch(modules: Sequence[torch.nn.Module], who: str) -> torch.nn.Sequential:
    """``torch.nn.Sequential(*modules)``."""
    sequential: torch.nn.Sequential = require_torch(who).nn.Sequential(*modules)
    return sequential


def dense_to_torch(layers: Sequence[Dense], who: str) -> torch.nn.Sequential:
    """A float64 ``torch.nn.Sequential`` computing the stack ``layers`` with their weights."""
    modules: list[torch.nn.Module] = []
    for weights, biases, activation in layers:
        modules.append(linear_to_torch(LinearWeights(weights, biases), who))
        if activation is not None:
            modules.append(activation_to_torch(activation, who))
    return sequential_to_torch(modules, who)


# -- from PyTorch -----------------------------------------------------------------------------

def read_torch(module: Any, who: str, where: str = "") -> Part:
    """What ``module`` computes as plain data: a ``Linear``'s weights, an activation's name or
    a ``Sequential``'s parts (nested ones included). ``where`` names the module in errors
    (e.g. ``"layer 2"``).

    Only these exact classes are read (a subclass's ``forward`` could compute anything else).
    A ``Softmax`` must take ``dim=-1`` or ``dim=1``: over the features of a ``[batch, n]``
    input, which is what a softmax over one sample's list is.

    Raises:
        TypeError: a module of another kind, or a weight of a non-floating dtype.
        ValueError: a weight is empty or not finite, or a Softmax's ``dim`` is another one.
    """
    th = require_torch(who)
    nn = th.nn
    kind = type(module)
    label = f"{where} ({kind.__name__})" if where else kind.__name__
    if kind is nn.Linear:
        weights = _finite_rows(module.weight, f"{who}: {label} weight", th)
        biases = None
        if module.bias is not None:
            biases = _finite_rows(module.bias.reshape(1, -1), f"{who}: {label} bias", th)[0]
        return LinearWeights(weights, biases)
    if kind is nn.Sequential:
        prefix = f"{where}." if where else "layer "
        return [read_torch(item, who, f"{prefix}{i}") for i, item in enumerate(module)]
    for name, cls in TORCH_ACTIVATIONS.items():
        if kind is getattr(nn, cls):
            if name == "softmax" and module.dim not in (-1, 1):
                raise ValueError(f"{who}: {label} has dim={module.dim!r}; only a softmax over "
                                 "each sample's outputs (dim=-1, or dim=1 for a [batch, n] "
                                 "input) has an equivalent here")
            return name
    place = f"{where} is a" if where else "got a"
    raise TypeError(f"{who}: {place} {kind.__name__}; only {_TORCH_NAMES} and Sequential "
                    "have an equivalent here")


def dense_from_torch(module: Any, who: str) -> list[Dense]:
    """The stack a ``Sequential`` of ``Linear`` and activation layers (or a ``Linear``) computes.

    Raises:
        TypeError: ``module`` is not a ``Sequential`` or ``Linear``, or holds another kind of
            layer (subclasses and nested Sequentials included).
        ValueError: it is empty, two activations follow one ``Linear``, an activation comes
            first, a ``Linear`` does not read its predecessor's outputs, or a weight is not
            finite.
    """
    th = require_torch(who)
    if type(module) is th.nn.Linear:
        parts: list[Part] = [read_torch(module, who)]
    elif type(module) is th.nn.Sequential:
        parts = [_flat_part(item, who, f"layer {i}", th) for i, item in enumerate(module)]
    else:
        raise TypeError(f"{who}: expected a torch.nn.Sequential of Linear layers each followed "
                        "by ReLU, Tanh, Sigmoid, Softmax or nothing (as to_torch() makes), or "
                        f"a torch.nn.Linear; got {type(module).__name__}")
    if not parts:
        raise ValueError(f"{who}: the Sequential is empty")
    layers: list[Dense] = []
    for i, part in enumerate(parts):
        if isinstance(part, LinearWeights):
            nout, nin = len(part.weights), len(part.weights[0])
            if layers and len(layers[-1][0]) != nin:
                raise ValueError(f"{who}: layer {i} (Linear) reads {nin} inputs but the Linear "
                                 f"before it gives {len(layers[-1][0])} outputs")
            biases = [0.0] * nout if part.biases is None else part.biases  # no bias: zeros
            layers.append((part.weights, biases, None))
        else:
            assert isinstance(part, str)
            cls = TORCH_ACTIVATIONS[part]
            if not layers:
                raise ValueError(f"{who}: layer {i} ({cls}) comes before any Linear layer")
            weights, biases, activation = layers[-1]
            if activation is not None:
                raise ValueError(f"{who}: layer {i} ({cls}) is a second activation after one "
                                 "Linear layer")
            layers[-1] = (weights, biases, part)
    return layers


def _flat_part(item: Any, who: str, where: str, th: ModuleType) -> Part:
    """One item of a flat stack: a Linear or an activation (not a nested Sequential)."""
    if type(item) is th.nn.Sequential:
        raise TypeError(f"{who}: {where} is a Sequential; a stack of dense layers is one flat "
                        "Sequential (use nn.Sequential.from_torch for nested ones)")
    return read_torch(item, who, where)


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
