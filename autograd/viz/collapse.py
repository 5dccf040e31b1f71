"""Finding neurons and layers in a computation graph, from the graph alone.

A neuron of ``nn`` is one ``dot`` node, ``dot(w + [b], x + [1])``, usually followed by an
activation. Nothing in a Value records which module made it, and :func:`draw_dot` takes only
a root, so neurons are recognised by shape:

* a **neuron** is a ``dot`` node whose arguments split into two halves of equal length, the
  first all leaf Values (its weights, the bias last when the second half ends with the
  constant 1) and the second its inputs (Values or numbers);
* its **activation** is merged into it when the dot's only consumer is a one-argument
  activation op (``relu``, ``tanh``, ``sigmoid``, ...);
* a **layer** is the neurons that read the same inputs (the same Values, the same numbers).

A weight is drawn inside its neuron when neurons are its only consumers; a weight also used
elsewhere (in a weight-decay term, say) stays a node of its own with an edge to the neuron.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..node import Value

__all__ = ["ACTIVATIONS", "Unit", "find_layers", "find_neurons"]

#: One-argument ops that count as a neuron's activation.
ACTIVATIONS = frozenset({"relu", "tanh", "sigmoid", "leaky_relu", "softplus"})


@dataclass(eq=False)
class Unit:
    """A neuron found in the graph: what one collapsed node stands for.

    Attributes:
        out: the Value downstream ops read (the activation's output, else the dot).
        dot: the weighted-sum node.
        activation: the merged activation's op name, or ``""``.
        weights: the leaf Values of the first half of the dot's arguments (bias last).
        inputs: the second half of the dot's arguments (Values and numbers).
        absorbed: the weights drawn inside this node (those no non-neuron node reads).
    """

    out: Value
    dot: Value
    activation: str
    weights: tuple[Value, ...]
    inputs: tuple[Any, ...]
    absorbed: list[Value] = field(default_factory=list)

    def has_bias(self) -> bool:
        """True when the last input is the constant 1 (its weight, the last, is a bias)."""
        last = self.inputs[-1]
        return not isinstance(last, Value) and last == 1.0

    def fan_in(self) -> int:
        """How many inputs the neuron weighs, not counting the bias's constant 1."""
        return len(self.inputs) - self.has_bias()

    def input_values(self) -> list[Value]:
        """The Value inputs, each once, in argument order."""
        seen: set[Value] = set()
        out = []
        for a in self.inputs:
            if isinstance(a, Value) and a not in seen:
                seen.add(a)
                out.append(a)
        return out

    def input_key(self) -> tuple[Hashable, ...]:
        """Identity of the inputs: Values by identity, numbers by value."""
        return tuple(("v", id(a)) if isinstance(a, Value) else ("c", a) for a in self.inputs)


def _as_neuron(node: Value, arguments: Callable[[Value], tuple[Any, ...]]) -> Unit | None:
    if node.op != "dot":
        return None
    args = arguments(node)
    half = len(args) // 2
    if half == 0 or len(args) % 2:
        return None
    weights = args[:half]
    if not all(isinstance(w, Value) and not w.parents for w in weights):
        return None
    return Unit(out=node, dot=node, activation="", weights=tuple(weights), inputs=args[half:])


def find_neurons(
    order: Iterable[Value], arguments: Callable[[Value], tuple[Any, ...]]
) -> tuple[dict[Value, Unit], set[Value]]:
    """The neurons among ``order`` (every node of a graph, parents before children).

    Returns:
        ``(units, hidden)``: each neuron keyed by its ``out`` Value, and the Values a
        collapsed drawing does not draw (merged dots, absorbed weights).
    """
    order = list(order)
    consumers: dict[Value, list[Value]] = {}
    for node in order:
        for parent in node.parents:
            consumers.setdefault(parent, []).append(node)
    units: dict[Value, Unit] = {}
    by_dot: dict[Value, Unit] = {}
    hidden: set[Value] = set()
    for node in order:
        unit = _as_neuron(node, arguments)
        if unit is None:
            continue
        users = consumers.get(node, [])
        if len(users) == 1 and users[0].op in ACTIVATIONS and len(users[0].parents) == 1:
            unit.out = users[0]
            unit.activation = users[0].op
            hidden.add(node)
        units[unit.out] = unit
        by_dot[node] = unit
    for node in order:  # weights: inside their neurons when only neurons read them
        readers = consumers.get(node)
        if node.parents or not readers:
            continue
        if not all(r in by_dot and any(w is node for w in by_dot[r].weights) for r in readers):
            continue
        for r in dict.fromkeys(readers):
            by_dot[r].absorbed.append(node)
        hidden.add(node)
    return units, hidden


def find_layers(units: Iterable[Unit]) -> list[list[Unit]]:
    """Neurons grouped by identical inputs, in first-seen order (each layer's own order)."""
    layers: dict[tuple[Hashable, ...], list[Unit]] = {}
    for unit in units:
        layers.setdefault(unit.input_key(), []).append(unit)
    return list(layers.values())
