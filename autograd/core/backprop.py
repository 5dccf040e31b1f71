"""Reverse mode: the sort, the first-order sweep, the create_graph sweep, the anomaly report.

The engine's two halves share the node layout of :mod:`autograd.core.layout`, which only they (and
:mod:`autograd.core.serial`, pickling) read: node.py builds nodes, this module walks them. It
imports no ``Value``: it reads the slots of whatever nodes it is given and makes new Values
(create_graph) by arithmetic on the ones it has.

- :func:`topological_order` sorts iteratively (no recursion: a chain of a million nodes works
  at the default recursion limit), marking visited nodes in their scratch slot ``_g``.
- :func:`sweep` is the one first-order pass: it sums each node's gradient in ``_g``, for
  ``backward`` to store in ``.grad`` or for the functional transforms to read (they must not
  touch ``.grad``).
- :func:`graph_sweep` is the one differentiable pass (``create_graph``): it re-derives every
  local derivative from the op table on Values, so gradients are graphs themselves.
- :func:`anomaly` words the one ``FloatingPointError`` both passes raise under detect_anomaly.

**Interrupts.** A KeyboardInterrupt can land between any two bytecodes of a pass, so no pass
leaves anything a later pass reads, by construction rather than by cleaning up:

- A mark belongs to one pass. The sort marks a node by storing its pass's own zero in ``_g``:
  a ``-0.0`` made for that pass (:func:`_fresh_zero`), so ``node._g is zero`` means "reached by
  this pass" and the node's sum starts there. Whatever an interrupted pass left in ``_g`` (its
  own zero, a partial sum) is another object, which the next pass simply overwrites. Nothing is
  ever unmarked.
- ``.grad`` changes all at once. The sweep leaves each node's new ``.grad`` in ``_g``, and one
  C-level statement (:func:`_store`, inside which no bytecode runs, so no signal handler or
  tracer either) then stores them all. An interrupted ``backward`` leaves every ``.grad`` as it
  was, or, interrupted after that statement, as a finished ``backward`` leaves it; a
  ``detect_anomaly`` error, raised before the store, leaves every ``.grad`` as it was. (The
  price: one more pass over the nodes, 10-30% of a first-order ``backward`` as measured.)
- The create_graph sweep sums in a dictionary of its own and switches recording on inside a
  copy of the context (:func:`contextvars.copy_context`), which is dropped however it ends.

Marks still live in a slot of the node, so passes of several threads over shared nodes take
turns (:data:`PASS_LOCK`).
"""

from __future__ import annotations

import contextvars
import math
import threading
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from itertools import repeat
from operator import attrgetter
from typing import Any

from .modes import MODE, TRACER, recording

__all__ = ["backward", "gradients", "topological_order"]

PASS_LOCK = threading.RLock()
"""Held by every sort and sweep. A mark means nothing to another pass, but the scratch slot
``_g`` holding it belongs to the node: two threads' passes over graphs that share nodes (a
model's parameters) would overwrite each other's marks and sums, so they take turns. (A
``with PASS_LOCK:`` block releases it by a C call; only an exception raised in the few
bytecodes before that call, where CPython never runs a signal handler, could skip it.)"""

_EMIT = object()


def _fresh_zero() -> float:
    """A ``-0.0`` that is a new object, no other pass's: one pass's mark. (``float()`` of a
    string builds a new float on every call; a literal ``-0.0`` would be one shared
    constant.) ``-0.0`` because it is the additive identity: ``-0.0 + x`` is ``x``, even for
    ``x = -0.0``, so the mark doubles as the start of the node's sum."""
    return float("-0.0")


def topological_order(root: Any) -> list[Any]:
    """Every node reaching ``root``, each after all of its parents; ``root`` last.

    Iterative depth-first search: depth is limited by memory, not by the recursion limit.
    Parents are explored in argument order, so the order is the same on every run.
    """
    with PASS_LOCK:
        return _marked_order(root, _fresh_zero())


def _marked_order(root: Any, zero: float) -> list[Any]:
    """``topological_order``, marking every node it reaches with ``zero`` (``_g is zero``:
    visited; see the module docstring), where :func:`sweep` then sums.

    A node popped for the first time goes back on the stack under an ``_EMIT`` marker, with
    its unvisited parents above it (the first parent on top); when the marker comes back up,
    all of its parents are in the order, and the node is emitted.
    """
    order: list[Any] = []
    stack: list[Any] = [root]
    pop = stack.pop
    push = stack.append
    emit = order.append
    while stack:
        node = pop()
        if node is _EMIT:
            emit(pop())
            continue
        if node._g is zero:  # pushed by several children: expanded by the first pop
            continue
        node._g = zero
        p = node._p0
        q = node._p1
        if p is not None or q is not None:
            push(node)
            push(_EMIT)
            if q is not None and q._g is not zero:
                push(q)
            if p is not None and p._g is not zero:
                push(p)
            continue
        many = node._many
        if many is None:
            emit(node)
            continue
        push(node)
        push(_EMIT)
        for r in reversed(many[0]):
            if r._g is not zero:
                push(r)
    return order


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
_scratch = attrgetter("_g")


def sweep(order: list[Any], seed: float, into_grad: bool) -> None:
    """The first-order pass over a :func:`_marked_order`: sums each node's gradient in its
    ``_g`` and leaves there, with ``into_grad``, the node's new ``.grad`` (the old one, None
    counting as 0, plus this pass's gradient) for :func:`_store_grads`; otherwise this pass's
    gradient. Changes nothing but ``_g``."""
    root = order[-1]
    root._g = seed
    sites = MODE.get().sites
    if sites is not None:
        if not _isfinite(seed):
            raise FloatingPointError(f"backward was seeded with a non-finite gradient {seed!r}")
        for node in reversed(order):
            g = node._g
            if into_grad:
                grad = node.grad
                node._g = g if grad is None else grad + g
            for k, (p, d) in enumerate(edges(node)):
                c = g * d
                if not _isfinite(c):
                    raise anomaly(node, k, g, d, sites)
                p._g += c
        return
    for node in reversed(order):
        g = node._g
        if into_grad:
            grad = node.grad
            node._g = g if grad is None else grad + g
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
        if g == 0.0 and _isfinite(node.data if node._primitive.nary else _plain_sum(ds)):
            # Every product would be a zero (the partials are finite): the node is skipped.
            # A dead ReLU's neuron skips its whole weighted sum. An n-ary op's partials are
            # finite wherever its output is (they are constants, its inputs, or a softmax),
            # a test that costs nothing; a custom op's are summed. (jit's generated code makes
            # the same test, so that even the sign of a zero gradient is the engine's.)
            continue
        for r, d in zip(ps, ds, strict=False):
            r._g += g * d


def _store(nodes: Iterable[Any], name: str, values: Iterable[Any]) -> None:
    """``node.<name> = value`` for each node and value, all in one C-level statement: no
    bytecode runs inside it, so neither a signal handler nor a tracer can stop it halfway
    (for a slot; a subclass's Python property would run code)."""
    deque(map(setattr, nodes, repeat(name), values), maxlen=0)


def _store_grads(order: list[Any]) -> None:
    """Stores in ``.grad`` the new gradient a :func:`sweep` with ``into_grad`` left in each
    node's ``_g``: one :func:`_store`."""
    _store(order, "grad", map(_scratch, order))


def add_to_grads(nodes: Sequence[Any], gradients: Sequence[Any]) -> None:
    """Adds each gradient to its node's ``.grad`` (None counts as 0), all or nothing: the
    sums first, then one :func:`_store`. A gradient of None leaves its node's ``.grad`` alone
    (the pass did not reach it). The nodes must be distinct."""
    reached = [(n, g) for n, g in zip(nodes, gradients, strict=True) if g is not None]
    new = [g if (old := n.grad) is None else old + g for n, g in reached]
    _store([n for n, _ in reached], "grad", new)


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
    if op is not node._primitive or not same_data:
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
    op = node._primitive
    args = arguments(node)
    stored = edges(node)
    result = []
    every: Sequence[Any] | None = None  # a bulk partial (logsumexp's softmax), made once
    k = 0
    for i, a in enumerate(args):
        if k < len(stored) and a is stored[k][0]:
            try:
                if op.bulk:
                    every = op.partials(args, node) if every is None else every
                    d = every[i]
                else:
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
    the mode around; they are added to ``.grad`` all at once (as Values), or go into
    ``grads`` when given. Recording is switched on in a copy of the context, so no mode
    outlives the pass, however it ends."""
    contextvars.copy_context().run(_graph_sweep, order, seed, grads)


def _graph_sweep(order: list[Any], seed: Any, grads: dict[Any, Any] | None) -> None:
    root = order[-1]
    make = type(root)
    sums: dict[Any, Any] = {root: seed}
    sites = MODE.get().sites
    MODE.set(recording())  # in graph_sweep's copy of the context
    reached: list[Any] = []
    new: list[Any] = []
    for node in reversed(order):
        g = sums.pop(node, None)
        if g is None:
            continue
        if grads is None:
            total = g if node.grad is None else node.grad + g
            reached.append(node)
            new.append(total if type(total) is make else make(total))
        else:
            grads[node] = g
        if node._primitive is None:
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
    _store(reached, "grad", new)


def backward(root: Any, seed: Any, create_graph: bool) -> None:
    """``root.backward(seed, create_graph=...)``: adds to ``.grad`` of every node reaching
    root, all at once (an interrupted call changes no ``.grad``, or all of them)."""
    with PASS_LOCK:  # concurrent passes over shared nodes take turns
        if create_graph:
            graph_sweep(topological_order(root), seed)
        else:
            order = _marked_order(root, _fresh_zero())
            sweep(order, seed, True)
            _store_grads(order)


def gradients(root: Any, wrt: Sequence[Any], create_graph: bool) -> list[Any]:
    """d root / d w for each w in ``wrt`` (0.0 where root does not depend on w), leaving every
    ``.grad`` alone: what the functional transforms ask."""
    with PASS_LOCK:
        if create_graph:
            grads: dict[Any, Any] = {}
            graph_sweep(topological_order(root), 1.0, grads)
            return [grads.get(w, 0.0) for w in wrt]
        zero = _fresh_zero()
        order = _marked_order(root, zero)
        reached = [w._g is zero for w in wrt]  # the variables root depends on
        sweep(order, 1.0, False)
        return [w._g if r else 0.0 for w, r in zip(wrt, reached, strict=True)]
