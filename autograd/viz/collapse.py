"""Finding neurons and layers in a computation graph, from the graph alone.

Nothing in a Value records which module made it, and :func:`draw_dot` takes only a root, so
neurons are recognised by shape. A **neuron** is a weighted sum and the activation after it:

* the **weighted sum** is a ``dot`` node whose arguments split into two halves of equal
  length, the first all leaf Values (its weights, the bias last when the second half ends
  with the constant 1), as ``nn`` builds it: ``dot(w + [b], x + [1])``; or, built by hand, a
  tree of ``+`` and ``sum`` nodes over products ``w * x`` of a leaf weight and an input (and
  ``dot`` nodes as above), plus at most one leaf term, the bias: ``w1 * x1 + w2 * x2 + b``.
  Every node inside the sum is read by the sum alone. In a product of two leaf Values the
  weight is the one fewer nodes read (an input feeds every neuron of its layer), the second
  on a tie (``x1 * w1``);
* its **activation** is a one-argument activation op (``relu``, ``tanh``, ``sigmoid``, ...)
  that is the sum's only consumer, merged into the neuron. A ``dot`` with no activation is a
  linear neuron (``nn``'s output layer); a hand-built sum needs its activation, or every
  ``a * b + c`` would be a neuron;
* a **layer** is the neurons that read the same inputs (the same Values, the same numbers).

A weight (or bias) is drawn inside its neuron when neurons are its only consumers; a weight
also used elsewhere (in a weight-decay term, say) stays a node of its own with an edge to the
neuron. When nothing is recognised, :func:`find_neurons` says why for each activation it saw.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.node import Value

__all__ = ["ACTIVATIONS", "Neurons", "Unit", "find_layers", "find_neurons", "no_neuron_message"]

#: One-argument ops that count as a neuron's activation.
ACTIVATIONS = frozenset({"relu", "tanh", "sigmoid", "leaky_relu", "softplus"})

_SUMS = frozenset({"add", "sum"})  # the ops a hand-built weighted sum adds its terms with

Arguments = Callable[[Value], tuple[Any, ...]]


@dataclass(eq=False)
class Unit:
    """A neuron found in the graph: what one collapsed node stands for.

    Attributes:
        out: the Value downstream ops read (the activation's output, else the dot).
        dot: the weighted-sum node (a ``dot``, or the top ``+`` of a hand-built sum).
        activation: the merged activation's op name, or ``""``.
        weights: the leaf weights, in the order of the sum's terms, the bias last.
        inputs: what each weight multiplies (Values and numbers); the bias's is 1.0.
        inner: the op nodes merged into the neuron besides ``out`` (the dot; or the sum's
            ``+`` nodes and products).
        absorbed: the weights drawn inside this node (those no non-neuron node reads).
    """

    out: Value
    dot: Value
    activation: str
    weights: tuple[Value, ...]
    inputs: tuple[Any, ...]
    inner: tuple[Value, ...] = ()
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


@dataclass
class Neurons:
    """What :func:`find_neurons` found.

    Attributes:
        units: each neuron, keyed by its ``out`` Value.
        hidden: the Values a collapsed drawing does not draw (merged nodes, absorbed weights).
        rejected: for each activation whose argument is not a weighted sum, why not.
    """

    units: dict[Value, Unit]
    hidden: set[Value]
    rejected: list[str]


def _named(node: Value) -> str:
    """A node as error messages name it: its label, else its op."""
    if node.label:
        return repr(node.label)
    return f"a {node.op} node" if node.op else "an unlabelled leaf"


def _is_leaf_value(x: Any) -> bool:
    return isinstance(x, Value) and not x.parents


def _weight_of(product: tuple[Any, ...], readers: Callable[[Value], int]) -> int | None:
    """Which argument of a two-argument product is its weight (a leaf Value), if any."""
    if len(product) != 2:
        return None
    leaves = [i for i, a in enumerate(product) if _is_leaf_value(a)]
    if len(leaves) < 2:
        return leaves[0] if leaves else None
    return 0 if readers(product[0]) < readers(product[1]) else 1


def _weighted_sum(top: Value, arguments: Arguments, consumers: dict[Value, list[Value]]
                  ) -> tuple[list[Value], list[Any], list[Value]] | str:
    """``(weights, inputs, inner nodes)`` of the weighted sum ``top``, or why it is not one."""
    weights: list[Value] = []
    inputs: list[Any] = []
    inner: list[Value] = []
    bias: Value | None = None

    def readers(v: Value) -> int:
        return len(consumers.get(v, ()))

    todo = [top]
    while todo:
        node = todo.pop()
        if not node.parents:
            if bias is not None:
                return f"two terms have no weight ({_named(bias)} and {_named(node)})"
            bias = node
            continue
        if node is not top and readers(node) != 1:
            return f"{_named(node)} inside it is also read elsewhere"
        args = arguments(node)
        if node.op in _SUMS:
            if not all(isinstance(a, Value) for a in args):
                return f"{_named(node)} adds a constant (a bias is a leaf Value)"
            inner.append(node)
            todo.extend(reversed(args))
        elif node.op == "dot":
            half = len(args) // 2
            if half == 0 or len(args) % 2 or not all(map(_is_leaf_value, args[:half])):
                which = "it" if node is top else _named(node)
                return f"{which} does not pair leaf weights with inputs"
            inner.append(node)
            weights.extend(args[:half])
            inputs.extend(args[half:])
        elif node.op == "mul":
            i = _weight_of(args, readers)
            if i is None:
                return f"the product {_named(node)} has no leaf weight"
            inner.append(node)
            weights.append(args[i])
            inputs.append(args[1 - i])
        else:
            return f"the term {_named(node)} is not a weight times an input"
    if bias is not None:
        weights.append(bias)
        inputs.append(1.0)
    return weights, inputs, inner


def _consumers(order: Sequence[Value]) -> dict[Value, list[Value]]:
    """Each node's consumers, once per use, in ``order``."""
    consumers: dict[Value, list[Value]] = {}
    for node in order:
        for parent in node.parents:
            consumers.setdefault(parent, []).append(node)
    return consumers


def find_neurons(order: Iterable[Value], arguments: Arguments) -> Neurons:
    """The neurons among ``order`` (every node of a graph, parents before children)."""
    order = list(order)
    consumers = _consumers(order)
    units: dict[Value, Unit] = {}
    rejected: list[str] = []
    for node in order:
        if node.op in ACTIVATIONS and len(node.parents) == 1:
            top = node.parents[0]
            if consumers[top] != [node]:
                rejected.append(f"{node.op}({_named(top)}): its argument is also read elsewhere")
                continue
            if top.op not in _SUMS and top.op != "dot":
                rejected.append(f"{node.op}({_named(top)}): its argument is not a sum")
                continue
        elif node.op == "dot" and not _activated(node, consumers):
            top = node
        else:
            continue
        found = _weighted_sum(top, arguments, consumers)
        if isinstance(found, str):
            where = _named(top) if node is top else f"{node.op}({_named(top)})"
            rejected.append(f"{where}: {found}")
            continue
        weights, inputs, inner = found
        activation = node.op if node is not top else ""
        merged = tuple(inner) if activation else tuple(n for n in inner if n is not node)
        units[node] = Unit(out=node, dot=top, activation=activation, weights=tuple(weights),
                           inputs=tuple(inputs), inner=merged)
    hidden: set[Value] = {n for unit in units.values() for n in unit.inner}
    holder = {n: unit for unit in units.values() for n in (*unit.inner, unit.dot)}
    for node in order:  # weights: inside their neurons when only neurons read them
        readers = consumers.get(node)
        if node.parents or not readers:
            continue
        owners = [holder.get(r) for r in readers]
        if not all(u is not None and any(w is node for w in u.weights) for u in owners):
            continue
        for unit in dict.fromkeys(u for u in owners if u is not None):
            unit.absorbed.append(node)
        hidden.add(node)
    return Neurons(units, hidden, rejected)


def _activated(dot: Value, consumers: dict[Value, list[Value]]) -> bool:
    """True when ``dot``'s one consumer is an activation (which then stands for the neuron)."""
    users = consumers.get(dot, [])
    return len(users) == 1 and users[0].op in ACTIVATIONS and len(users[0].parents) == 1


def no_neuron_message(collapse: str, rejected: list[str]) -> str:
    """What ``collapse`` looked for and why nothing matched: the warning of a drawing that
    collapses nothing."""
    why = "; ".join(rejected[:3]) + ("; ..." if len(rejected) > 3 else "")
    return (
        f"collapse={collapse!r} found no neuron, so every Value is drawn. A neuron is a "
        "weighted sum (a dot of leaf weights and inputs, or + / sum over products w * x of "
        "a leaf weight w, plus a leaf bias) read only by an activation ("
        + ", ".join(sorted(ACTIVATIONS)) + "). "
        + (f"Here: {why}." if rejected else "This graph has no activation op.")
    )


def find_layers(units: Iterable[Unit]) -> list[list[Unit]]:
    """Neurons grouped by identical inputs, in first-seen order (each layer's own order)."""
    layers: dict[tuple[Hashable, ...], list[Unit]] = {}
    for unit in units:
        layers.setdefault(unit.input_key(), []).append(unit)
    return list(layers.values())
