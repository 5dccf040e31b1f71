"""Which Values a drawing shows, in what order, and which uses are drawn from a copy.

Everything here is a function of the graph alone, walked in argument order (never by
``id()``), so the same graph gives the same drawing, byte for byte, in every process. The
walks are iterative: a chain of 100,000 nodes is drawn at the default recursion limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..core.backprop import topological_order
from ..core.node import Value
from .collapse import Unit, find_neurons

__all__ = ["FAR_USE", "Inputs", "Selection", "select"]

Inputs = Callable[[Value], Sequence[Value]]


def _nearest(root: Value, limit: float, inputs_of: Inputs) -> tuple[set[Value], int]:
    """The ``limit`` nodes nearest ``root`` (breadth-first, inputs in argument order), and
    the number of distinct nodes in the whole graph."""
    queue = [root]
    seen = {root}
    i = 0
    while i < len(queue):
        for parent in inputs_of(queue[i]):
            if parent not in seen:
                seen.add(parent)
                queue.append(parent)
        i += 1
    if len(queue) <= limit:
        return seen, len(queue)
    return set(queue[: int(limit)]), len(queue)


def _drawing_order(root: Value, kept: set[Value], inputs_of: Inputs) -> list[Value]:
    """The kept nodes, each after its kept inputs, ``root`` last (iterative DFS)."""
    order: list[Value] = []
    seen = {root}
    stack: list[tuple[Value, Iterator[Value]]] = [(root, iter(inputs_of(root)))]
    while stack:
        node, todo = stack[-1]
        for parent in todo:
            if parent in kept and parent not in seen:
                seen.add(parent)
                stack.append((parent, iter(inputs_of(parent))))
                break
        else:
            order.append(node)
            stack.pop()
    return order


#: A use more than this many ops after the Value it reads is drawn from a copy of that Value
#: placed beside the op (see :func:`_far_uses`).
FAR_USE = 2


def _far_uses(order: list[Value], kept: set[Value], inputs_of: Inputs) -> set[tuple[Value, Value]]:
    """The (value, consumer) edges to draw from a copy of ``value`` next to the consumer.

    ``y = y * x + 1`` repeated 100 times reads ``x`` at every step. Drawn as one node with
    100 edges, each edge spans up to 400 ranks; dot splits long edges into a chain of virtual
    nodes per rank (20,000 here) and its crossing and placement passes then took minutes. A
    use more than :data:`FAR_USE` ops deeper than the Value is drawn from a dashed copy of it
    instead, so every edge stays short. A node's depth is one more than its deepest input's;
    a source (no drawn inputs) sits just before its first consumer, as dot places it.
    """
    depth: dict[Value, int] = {}
    consumers: dict[Value, list[Value]] = {}
    for node in order:
        drawn = [p for p in inputs_of(node) if p in kept]
        depth[node] = 1 + max((depth[p] for p in drawn), default=-1)
        for p in drawn:
            consumers.setdefault(p, []).append(node)
    far: set[tuple[Value, Value]] = set()
    for value, users in consumers.items():
        if not any(p in kept for p in inputs_of(value)):  # a source: placed by its users
            start = min(depth[u] for u in users) - 1
        else:
            start = depth[value]
        for user in users:
            if depth[user] - start > FAR_USE:
                far.add((value, user))
    return far


@dataclass
class Selection:
    """What :func:`select` chose to draw.

    Attributes:
        order: the Values drawn, each after its drawn inputs, the root last.
        kept: the same Values as a set.
        total: how many distinct Values the whole graph has (collapsed neurons count once).
        far: the (value, consumer) edges drawn from a copy of ``value`` (see :data:`FAR_USE`).
        units: the collapsed neurons, by the Value standing for each (empty uncollapsed).
        inputs_of: a drawn node's inputs: a Value's parents, a neuron's inputs and the
            weights drawn outside it.
        rejected: why activations were not taken for neurons (see
            :class:`~autograd.viz.collapse.Neurons`).
    """

    order: list[Value]
    kept: set[Value]
    total: int
    far: set[tuple[Value, Value]]
    units: dict[Value, Unit]
    inputs_of: Inputs
    rejected: list[str]


def _arguments(node: Value) -> tuple[Any, ...]:
    """The op's full arguments (Values and constants, in order)."""
    return node.arguments


def select(root: Value, limit: float, collapse: bool) -> Selection:
    """The at most ``limit`` Values nearest ``root`` to draw, with neurons found and merged
    into one node each when ``collapse``."""
    units: dict[Value, Unit] = {}
    hidden: set[Value] = set()
    rejected: list[str] = []
    if collapse:
        found = find_neurons(topological_order(root), _arguments)
        units, hidden, rejected = found.units, found.hidden, found.rejected
    unit_inputs = {
        out: list(dict.fromkeys(
            unit.input_values() + [w for w in unit.weights if w not in hidden]))
        for out, unit in units.items()
    }

    def inputs_of(node: Value) -> Sequence[Value]:
        found = unit_inputs.get(node)
        return found if found is not None else node.parents

    kept, total = _nearest(root, limit, inputs_of)
    order = _drawing_order(root, kept, inputs_of)
    far = _far_uses(order, kept, inputs_of)
    return Selection(order, kept, total, far, units, inputs_of, rejected)
