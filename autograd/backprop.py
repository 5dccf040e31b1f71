"""Reverse mode: the sort, the first-order sweep, the create_graph sweep, the anomaly report.

The engine's two halves share the node layout documented in :mod:`autograd.node` and read
nowhere else: node.py builds nodes, this module walks them. It imports no ``Value``: it
reads the slots of whatever nodes it is given and makes new Values (create_graph) by
arithmetic on the ones it has.

- :func:`topological_order` sorts iteratively (no recursion: a chain of a million nodes works
  at the default recursion limit), marking visited nodes by giving their scratch slot ``_g``
  a float (it is ``None`` between passes).
- :func:`sweep` is the one first-order pass: it sums each node's gradient in ``_g`` and hands
  the total either to ``.grad`` (``backward``) or to a dictionary (the functional transforms,
  which must not touch ``.grad``).
- :func:`graph_sweep` is the one differentiable pass (``create_graph``): it re-derives every
  local derivative from the op table on Values, so gradients are graphs themselves.
- :func:`anomaly` words the one ``FloatingPointError`` both passes raise under detect_anomaly.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from itertools import repeat
from typing import Any

from .modes import MODE, TRACER, recording

__all__ = ["backward", "gradients", "topological_order"]

PASS_LOCK = threading.RLock()
"""Held by every sort and first-order sweep. Their scratch slot ``_g`` belongs to the node, so
two threads' passes over graphs that share nodes (a model's parameters) take turns."""

_EMIT = object()


def topological_order(root: Any) -> list[Any]:
    """Every node reaching ``root``, each after all of its parents; ``root`` last.

    Iterative depth-first search: depth is limited by memory, not by the recursion limit.
    Parents are explored in argument order, so the order is the same on every run.
    """
    order: list[Any] = []
    with PASS_LOCK:
        try:
            order = _marked_order(root)
            _unmark(order)
        except BaseException:
            _unmark(order)
            raise
    return order


def _unmark(nodes: Sequence[Any]) -> None:
    """Puts the scratch slot of ``nodes`` back to its between-passes state. One C-level
    statement (no Python line runs inside it), repeated if an interrupt lands on it first.

    Interrupt safety, for the sort and the sweeps: every path out of a pass that marked
    nodes, the exceptional ones included, unmarks them, so a KeyboardInterrupt at any line
    leaves the graph usable and a later pass exact (tests/autograd/test_faults.py injects one
    at every line in turn)."""
    try:
        deque(map(setattr, nodes, repeat("_g"), repeat(None)), maxlen=0)
    except BaseException:
        deque(map(setattr, nodes, repeat("_g"), repeat(None)), maxlen=0)
        raise


def _marked_order(root: Any) -> list[Any]:
    """``topological_order`` leaving every node's ``_g`` at -0.0 (visited), for :func:`sweep`.

    A node popped for the first time goes back on the stack under an ``_EMIT`` marker, with
    its unvisited parents above it (the first parent on top); when the marker comes back up,
    all of its parents are in the order, and the node is emitted.
    """
    order: list[Any] = []
    stack: list[Any] = [root]
    pop = stack.pop
    push = stack.append
    emit = order.append
    node = root
    try:
        while stack:
            node = pop()
            if node is _EMIT:
                emit(pop())
                continue
            if node._g is not None:  # pushed by several children: expanded by the first pop
                continue
            node._g = -0.0  # the additive identity: a sum of -0.0 terms stays -0.0
            p = node._p0
            q = node._p1
            if p is not None or q is not None:
                push(node)
                push(_EMIT)
                if q is not None and q._g is None:
                    push(q)
                if p is not None and p._g is None:
                    push(p)
                continue
            many = node._many
            if many is None:
                emit(node)
                continue
            push(node)
            push(_EMIT)
            for r in reversed(many[0]):
                if r._g is None:
                    push(r)
        return order  # inside the try: an interrupt on this line still unmarks
    except BaseException:  # an interrupt or a corrupt graph: leave no marks behind. Every
        # marked node is in the order, on the stack, or the one in hand.
        _unmark([n for n in (*order, *stack, node) if n is not _EMIT and hasattr(n, "_g")])
        raise


def parents(node: Any) -> tuple[Any, ...]:
    """The Value arguments of the op that made ``node``, in argument order."""
    p = node._p0
    q = node._p1
    if p is not None:
        return (p,) if q is None else (p, q)
    if q is not None:
        return (q,)
    many = node._many
    return () if many is None else many[0]


def edges(node: Any) -> list[tuple[Any, Any]]:
    """Each parent of ``node`` with d(node)/d(parent) as stored by the forward pass."""
    many = node._many
    if many is not None:
        return list(zip(many[0], many[1], strict=True))
    p = node._p0
    q = node._p1
    pairs = [] if p is None else [(p, node._d0)]
    return pairs if q is None else [*pairs, (q, node._d1)]


def arguments(node: Any) -> tuple[Any, ...]:
    """The full arguments of the op that made ``node``: Values and constants, in order."""
    c = node._c
    if c is not None:
        p = node._p0
        return (c, node._p1) if p is None else (p, c)
    many = node._many
    consts = None if many is None else many[2]
    if consts is None:
        return parents(node)
    args = list(parents(node))
    for at, value in zip(*consts, strict=True):  # ascending positions: each lands at its final place
        args.insert(at, value)
    return tuple(args)


_isfinite = math.isfinite
_plain_sum = sum  # the builtin: inf or nan when any term is, and cheap (no exact rounding)


def sweep(order: list[Any], seed: float, grads: dict[Any, float] | None = None) -> None:
    """The first-order pass over a ``_marked_order``: each node's total gradient goes to its
    ``.grad`` (``None`` counts as 0), or into ``grads`` when given. Leaves ``_g`` at None; the
    caller (:func:`_first_order`) unmarks the order if the pass is cut short."""
    root = order[-1]
    root._g = seed
    sites = MODE.get().sites
    if sites is not None:
        if not _isfinite(seed):
            raise FloatingPointError(f"backward was seeded with a non-finite gradient {seed!r}")
        for node in reversed(order):
            g = node._g
            node._g = None
            _deliver(node, g, grads)
            for k, (p, d) in enumerate(edges(node)):
                c = g * d
                if not _isfinite(c):
                    raise anomaly(node, k, g, d, sites)
                p._g += c
        return
    for node in reversed(order):
        g = node._g
        node._g = None
        if grads is None:
            grad = node.grad
            node.grad = g if grad is None else grad + g
        else:
            grads[node] = g
        p = node._p0
        if p is not None:
            p._g += g * node._d0
            q = node._p1
            if q is not None:
                q._g += g * node._d1
            continue
        q = node._p1
        if q is not None:
            q._g += g * node._d1
            continue
        many = node._many
        if many is None:
            continue
        ps, ds, _ = many
        if g == 0.0 and _isfinite(node.data if node._op.nary else _plain_sum(ds)):
            # Every product would be a zero (the partials are finite): the node is skipped.
            # A dead ReLU's neuron skips its whole weighted sum. An n-ary op's partials are
            # finite wherever its output is (they are constants, its inputs, or a softmax),
            # a test that costs nothing; a custom op's are summed. (jit's generated code makes
            # the same test, so that even the sign of a zero gradient is the engine's.)
            continue
        for r, d in zip(ps, ds, strict=False):
            r._g += g * d


def _first_order(root: Any, seed: float, grads: dict[Any, Any] | None) -> None:
    """Sort and sweep; whatever cuts them short (an interrupt, a detect_anomaly error), no
    node keeps a mark."""
    order: list[Any] = []
    try:
        order = _marked_order(root)
        sweep(order, seed, grads)
    except BaseException:
        _unmark(order)
        raise


def _deliver(node: Any, g: Any, grads: dict[Any, Any] | None) -> None:
    if grads is not None:
        grads[node] = g
    else:
        grad = node.grad
        node.grad = g if grad is None else grad + g


def anomaly(node: Any, k: int, g: Any, d: Any, sites: Mapping[int, Any]) -> FloatingPointError:
    """The error detect_anomaly raises when input ``k`` of ``node`` gets a non-finite
    gradient ``g * d``: it names the op, the label and where the node was created."""
    gd = g.data if hasattr(g, "data") else g
    dd = d.data if hasattr(d, "data") else d
    c = gd * dd
    kind = "a NaN" if math.isnan(c) else "an infinite"
    label = f" (label {node.label!r})" if node.label else ""
    site, data, op = sites.get(id(node), ("", None, None))
    # An id reused by a node made elsewhere has other data or another op (nan data, the
    # usual case here, is the same data: nan != nan would drop every such node's site).
    same_data = data == node.data or (
        type(data) is float and math.isnan(data) and math.isnan(node.data)
    )
    if op is not node._op or not same_data:
        site = ""
    where = (
        f"\n  created at {site}"
        if site
        else "\n  created outside detect_anomaly(); build the graph inside it to see where"
    )
    parent = arguments(node)
    shown = [a for a in parent if hasattr(a, "data")]
    value = shown[k].data if k < len(shown) else "?"
    return FloatingPointError(
        f"backward produced {kind} gradient for input {k} of op '{node.op}'{label}{where}"
        f"\n  incoming gradient {gd!r}, local derivative {dd!r}, input value {value!r}"
    )


def differentiable_edges(node: Any) -> list[tuple[Any, Any]]:
    """Each parent of ``node`` with d(node)/d(parent) re-derived from the op table on Values
    (a graph of its own); where a built-in formula is singular (sqrt' at 0), the IEEE value
    stored by the forward pass, as a constant. A custom op's derivative that raises raises."""
    op = node._op
    args = arguments(node)
    stored = edges(node)
    result = []
    k = 0
    for i, a in enumerate(args):
        if k < len(stored) and a is stored[k][0]:
            try:
                d = op.partial(i, args, node)
            except (ArithmeticError, ValueError):
                if op.custom:
                    raise
                d = stored[k][1]
                _pin(args)
            result.append((a, d))
            k += 1
    return result


def _pin(args: Sequence[Any]) -> None:
    """Inside a jit trace, a stored derivative standing in for its formula holds at this
    point only: each Value argument is guarded by equality, so the compiled code traces
    again anywhere else (jit(grad(grad(sqrt))) first called at 0)."""
    tracer = TRACER.get()
    if tracer is not None:
        for a in args:
            if type(a) is not float:
                tracer.branch(a, "==", a.data, True)


def graph_sweep(order: list[Any], seed: Any, grads: dict[Any, Any] | None = None) -> None:
    """The differentiable pass: gradients are Values (their own graphs), recorded whatever
    the mode around; they go to ``.grad`` (added as Values), or into ``grads`` when given."""
    root = order[-1]
    make = type(root)
    sums: dict[Any, Any] = {root: seed}
    sites = MODE.get().sites
    token = MODE.set(recording())
    try:
        for node in reversed(order):
            g = sums.pop(node, None)
            if g is None:
                continue
            if grads is None:
                total = g if node.grad is None else node.grad + g
                node.grad = total if type(total) is make else make(total)
            else:
                grads[node] = g
            if node._op is None:
                continue
            for k, (p, d) in enumerate(differentiable_edges(node)):
                if type(d) is float and d == 1.0:
                    c = g
                elif type(g) is float and g == 1.0:
                    c = d
                else:
                    c = g * d
                if sites is not None and not _isfinite(float(c)):
                    raise anomaly(node, k, g, d, sites)
                prev = sums.get(p)
                sums[p] = c if prev is None else prev + c
    finally:
        MODE.reset(token)


def backward(root: Any, seed: Any, create_graph: bool) -> None:
    """``root.backward(seed, create_graph=...)``: adds to ``.grad`` of every node reaching root."""
    with PASS_LOCK:  # concurrent passes over shared nodes take turns
        if create_graph:
            graph_sweep(topological_order(root), seed)
        else:
            _first_order(root, seed, None)


def gradients(root: Any, wrt: Sequence[Any], create_graph: bool) -> list[Any]:
    """d root / d w for each w in ``wrt`` (0.0 where root does not depend on w), leaving every
    ``.grad`` alone: what the functional transforms ask."""
    grads: dict[Any, Any] = {}
    with PASS_LOCK:
        if create_graph:
            graph_sweep(topological_order(root), 1.0, grads)
        else:
            _first_order(root, 1.0, grads)
    return [grads.get(w, 0.0) for w in wrt]
