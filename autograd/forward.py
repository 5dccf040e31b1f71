"""Forward mode: the tangent pass, reverse mode's mirror over the same recorded graph.

Reverse mode (:mod:`autograd.backprop`) walks the graph from the output back to the leaves,
adding ``gradient x local derivative`` into each parent. Forward mode walks it the other way,
parents first: a node's tangent (its derivative along one direction of the inputs) is

    tangent(node) = sum over its parents p of  d(node)/d(p) * tangent(p)

the dot product of its local derivatives with its parents' tangents. Both read the same local
derivatives, from the same op table row, so nothing is written twice; one forward pass gives
the derivative of every output along one input direction, one reverse pass the derivative of
one output along every input. That asymmetry is why training, with one loss and many weights,
runs backward.

The local derivatives are re-derived from the table on the recorded Values
(:func:`autograd.backprop.differentiable_edges`, as ``backward(create_graph=True)`` does), so
each tangent is itself a graph: an outer transform can differentiate it (``grad`` of a ``jvp``,
a Hessian-vector product), and ``jit`` compiles it by tracing. Only the nodes the caller seeds
get a tangent from outside; a node the pass does not reach from them has tangent zero, however
it is connected elsewhere (a variable of an outer transform stays the outer one's business).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .backprop import differentiable_edges, topological_order
from .functions import dot
from .functions import sum as join
from .modes import enable_grad
from .node import Value

__all__ = ["tangents"]


def tangents(outputs: Sequence[Any], seeds: Mapping[Value, Any]) -> list[Any]:
    """The tangent of each output when the nodes of ``seeds`` have the given tangents.

    Args:
        outputs: Values (or numbers, whose tangent is 0.0).
        seeds: node -> its tangent (a float, or a Value to stay differentiable by it).

    Returns:
        One tangent per output: a Value (a graph over the outputs' graphs and the seeds'), or a
        float where it is a constant. Recorded whatever the mode around.
    """
    roots = [o for o in outputs if type(o) is Value]
    if not roots:
        return [0.0] * len(outputs)
    known: dict[Value, Any] = dict(seeds)
    with enable_grad():
        # One sort covers every output: a node joining them (dropped) is the sort's root.
        order = topological_order(roots[0] if len(roots) == 1 else join(roots))
        if len(roots) > 1:
            order.pop()
        for node in order:
            if node in known or not any(p in known for p in node.parents):
                continue
            ds: list[Any] = []
            ts: list[Any] = []
            for parent, d in differentiable_edges(node):
                t = known.get(parent)
                if t is not None:
                    ds.append(d)
                    ts.append(t)
            known[node] = _combine(ds, ts)
    return [known.get(o, 0.0) if type(o) is Value else 0.0 for o in outputs]


def _combine(ds: list[Any], ts: list[Any]) -> Any:
    """d1 * t1 + ... + dk * tk: one product, or one exactly rounded ``dot`` node (a float when
    every factor is a number). A factor 1.0 is left out: ``x * 1.0`` is exactly ``x``."""
    if len(ds) == 1:
        d, t = ds[0], ts[0]
        if type(d) is float and d == 1.0:
            return t
        if type(t) is float and t == 1.0:
            return d
        return d * t
    out = dot(ds, ts)
    return out.data if out.is_leaf else out
