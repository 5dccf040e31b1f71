"""Forward mode: the tangent pass, reverse mode's mirror over the same recorded graph.

Reverse mode (:mod:`autograd.core.backprop`) walks the graph from the output back to the leaves:
``gradient(p) += d(node)/d(p) * gradient(node)`` for each parent p. Forward mode walks it the
other way, parents first, and a node's tangent (its derivative along one direction of the
inputs) is::

    tangent(node) = sum over its parents p of  d(node)/d(p) * tangent(p)

One product per edge either way, with the same local derivatives from the same op table row:
nothing is written twice. One forward pass gives every output's derivative along one input
direction; one reverse pass gives one output's derivative along every input. A loss has one
output and many weights, which is why training runs backward.

At first order the pass multiplies the very floats the forward pass stored on each node
(``node.local_grads``, the ones ``backward`` multiplies). When the tangent must stay
differentiable (``grad`` of a ``jvp``, a Hessian-vector product, a ``jit`` trace) it re-derives
them from the table on the recorded Values (:func:`autograd.core.backprop.differentiable_edges`, as
``backward(create_graph=True)`` does), so each tangent is itself a graph; the arithmetic is the
same, so ``jit``'s compiled code computes the very floats of the first-order pass. Only the
nodes the caller seeds get a tangent from outside; a node the pass does not reach from them
has tangent zero however it is connected elsewhere, so a variable of an outer transform stays
the outer transform's business (no perturbation confusion).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .backprop import differentiable_edges, topological_order
from .functions import sum as join
from .modes import enable_grad
from .node import Value

__all__ = ["tangents"]


def tangents(
    outputs: Sequence[Any], seeds: Mapping[Value, Any], *, differentiable: bool
) -> list[Any]:
    """The tangent of each output when the nodes of ``seeds`` have the given tangents.

    Args:
        outputs: Values (or numbers, whose tangent is 0.0).
        seeds: node -> its tangent (a float, or a Value when ``differentiable``).
        differentiable: make the tangents graphs (Values), differentiable by the seeds' and
            the outputs' own variables; otherwise floats, from the stored local derivatives.

    Returns:
        One tangent per output: a float, or (``differentiable``) a Value, or a float where it
        is a constant. Recorded whatever the mode around.
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
            total: Any = None
            for parent, d in _local_derivatives(node, differentiable):
                t = known.get(parent)
                if t is None:
                    continue
                c = _product(d, t)
                total = c if total is None else total + c
            known[node] = total
    return [known.get(o, 0.0) if type(o) is Value else 0.0 for o in outputs]


def _local_derivatives(node: Value, differentiable: bool) -> Sequence[tuple[Value, Any]]:
    """Each parent of ``node`` with d(node)/d(parent): the floats the forward pass stored
    (the ones ``backward`` multiplies), or, for a differentiable pass, the table's formulas
    re-derived on Values. Both are the same numbers but where an op keeps a bulk form
    (logsumexp's softmax, computed on floats and on Values alike); there the first-order pass
    too evaluates it on the Values, so that a ``jit`` trace of the differentiable pass
    compiles to exactly the floats of the first-order one."""
    op = node.primitive
    if differentiable or (op is not None and op.bulk):
        pairs = differentiable_edges(node)
        if differentiable:
            return pairs
        return [(p, d.data if type(d) is Value else d) for p, d in pairs]
    return list(zip(node.parents, node.local_grads, strict=True))


def _product(d: Any, t: Any) -> Any:
    """``d * t``, leaving out a factor 1.0 (``x * 1.0`` is exactly ``x``), as the reverse
    sweep does."""
    if type(d) is float and d == 1.0:
        return t
    if type(t) is float and t == 1.0:
        return d
    return d * t
