"""Pickling and deep-copying graphs of any depth: nothing recurses through a node's parents.

Python's pickler and ``copy.deepcopy`` recurse into each object's state, so a node whose state
names its parents makes a 10^4-deep graph a RecursionError. Here a node handed to the pickler
on its own (a *root*) brings the topological list of its ancestors not yet written (an
iterative search); the pickler writes that list first, so when each node's own flat state is
written its parents are already in the pickler's memo. Identity is kept as by the default
pickling: shared nodes stay shared, within one graph and across objects pickled together.

Gradients that are Values (after ``create_graph``) are graphs reaching back into the graph
being written, so they are written after the whole list, by its root: one level of nesting
per order of differentiation, not per node.

Which nodes a pickler has written is known per thread, for as long as that pickler keeps its
memo (to the end of ``pickle.dumps``). One limit: while a ``Pickler`` object that wrote part of
a graph is kept alive, another pickler in the same thread writing the same graph is told those
nodes are written, and recurses through them (its result is still exact). And a pure-Python
pickler (``pickle._Pickler``, dill) that failed mid-graph keeps its records while its traceback
lives: a dump in that window may write a node it had read ahead without a gradient that is a
Value. The C pickler (``pickle.dumps``) drops them as the error leaves it.

This module, :mod:`autograd.core.node` and :mod:`autograd.core.backprop` read the node's
private slots; what a pickle holds is :data:`autograd.core.layout.STATE`, every slot but the
scratch one, in the layout's order. Nothing here imports ``Value``.
"""

from __future__ import annotations

import copy
import threading
from collections import deque
from collections.abc import Container, Iterator
from itertools import repeat
from operator import attrgetter
from typing import Any

from .backprop import parents
from .layout import SCRATCH, STATE

__all__ = ["ancestors", "blank", "copy_node", "deepcopy_node", "reduce_node", "restore_node"]

_EMIT = object()


def ancestors(root: Any, known: Container[int]) -> list[Any]:
    """The nodes reaching ``root`` (itself excluded) whose ``id`` is not in ``known``, each
    after its parents; known nodes are not explored. Iterative: depth is limited by memory."""
    order: list[Any] = []
    visited: set[int] = set()
    stack = [p for p in reversed(parents(root)) if id(p) not in known]
    pop = stack.pop
    push = stack.append
    while stack:
        node = pop()
        if node is _EMIT:
            order.append(pop())
            continue
        key = id(node)
        if key in visited:  # pushed by several children: explored by the first pop
            continue
        visited.add(key)
        ps = parents(node)
        if not ps:
            order.append(node)
            continue
        push(node)
        push(_EMIT)
        for p in reversed(ps):
            k = id(p)
            if k not in visited and k not in known:
                push(p)
    return order


def blank(cls: type[Any]) -> Any:
    """A node of class ``cls`` with no slot set: what the pickler makes before its state."""
    return object.__new__(cls)


_ARGS: dict[type, tuple[type]] = {}
"""One ``(cls,)`` per node class, so the pickler writes it once and refers to it after."""


def _inline(grad: object) -> bool:
    """Whether a gradient is written with its node (a number or None) rather than by its root
    after every node (a Value: a graph of its own)."""
    return grad is None or type(grad) is float or type(grad) is int


_read_state = attrgetter(*STATE)
_GRAD = STATE.index("grad")
_RENAMED = {"_op": "_primitive"}
"""Slots renamed since a pickle in the default form (a slot dictionary) may have been written:
old name -> new name."""


def _fields(node: Any) -> tuple[Any, ...]:
    """A node's :data:`~autograd.core.layout.STATE`; a gradient that is a Value reads 0.0 (its root
    writes it later); a subclass's ``__dict__`` last when it has one."""
    fields: tuple[Any, ...] = _read_state(node)
    if not _inline(fields[_GRAD]):
        fields = (*fields[:_GRAD], 0.0, *fields[_GRAD + 1:])
    extra = getattr(node, "__dict__", None)
    return (*fields, extra) if extra else fields


def _set(node: Any, names: Iterator[str] | tuple[str, ...], values: Any) -> None:
    """``setattr(node, name, value)`` for each name and value (in C)."""
    deque(map(setattr, repeat(node), names, values), maxlen=0)


def _fill(node: Any, fields: tuple[Any, ...]) -> None:
    """Sets every slot of ``node`` from :func:`_fields` (the scratch slot empty)."""
    n = len(STATE)
    if type(fields) is not tuple or len(fields) not in (n, n + 1):
        raise TypeError(f"a Value's pickled state must be a tuple of {n} or {n + 1} fields, "
                        f"got {type(fields).__name__}")
    _set(node, STATE, fields[:n])
    setattr(node, SCRATCH, None)
    if len(fields) == n + 1:
        node.__dict__.update(fields[n])


class _Pickling(threading.local):
    """Per thread: the nodes already in a live pickler's memo (``saved``, by id), and the nodes
    a root's list has handed to the pickler, which writes them next (``expected``: by id, the
    list's batch)."""

    def __init__(self) -> None:
        self.saved: dict[int, Any] = {}
        self.expected: dict[int, _Batch] = {}


_STATE = _Pickling()


class _Batch:
    """A root's list of ancestors, as the pickler writes it (a list built by appending).

    It hands the nodes over as the pickler asks (picklers read a few ahead), recording each as
    expected, so that it writes its flat state, then as saved. The pickler keeps this object
    in its memo, so the records last as long as the memo: when the memo goes (the end of
    ``pickle.dumps``, or a failed dump), so do they, and a later dump starts afresh.
    """

    __slots__ = ("expected", "handed", "nodes", "owned", "saved")

    def __init__(self, nodes: list[Any], state: _Pickling) -> None:
        self.nodes = nodes
        self.saved = state.saved
        self.expected = state.expected
        self.owned: list[int] = []  # the keys this batch added to saved
        self.handed: list[int] = []  # and to expected

    def own(self, node: Any) -> None:
        """Records ``node`` as saved (in the memo from now on) until this batch goes."""
        key = id(node)
        if key not in self.saved:
            self.saved[key] = node
            self.owned.append(key)

    def __reduce__(self) -> Any:
        return (list, (), None, self._items())

    def _items(self) -> Iterator[Any]:
        saved = self.saved
        expected = self.expected
        handed = self.handed
        for node in self.nodes:
            key = id(node)
            if key not in saved:  # (a node saved meanwhile, in the memo, is a reference)
                expected[key] = self
                handed.append(key)
            yield node

    def __del__(self) -> None:
        saved = self.saved
        for key in self.owned:
            saved.pop(key, None)
        expected = self.expected
        for key in self.handed:  # none left unless the dump failed
            if expected.get(key) is self:
                del expected[key]


def reduce_node(node: Any) -> Any:
    """``Value.__reduce__``: a node from a root's list writes its fields (its parents are in
    the memo already); any other node is a root and writes its unsaved ancestors first, then
    its fields, then the gradients that are Values of them all."""
    state = _STATE
    args = _ARGS.get(type(node))
    if args is None:
        args = _ARGS[type(node)] = (type(node),)
    batch = state.expected.pop(id(node), None)
    if batch is not None:
        batch.own(node)
        return (blank, args, _fields(node))
    order = ancestors(node, state.saved)
    batch = _Batch(order, state)
    batch.own(node)  # the pickler memoizes it right after this call
    deferred = [(n, n.grad) for n in (*order, node) if not _inline(n.grad)]
    return (blank, args, (batch, _fields(node), deferred))


def restore_node(node: Any, state: Any) -> None:
    """``Value.__setstate__``: the flat fields, or a root's (ancestors, fields, gradients)
    (its ancestors are built by then), or the slot dictionary of the default pickling."""
    if type(state) is tuple and len(state) == 3:
        _, fields, deferred = state
        _fill(node, fields)
        for n, grad in deferred:
            n.grad = grad
    elif type(state) is tuple and len(state) == 2 and state[0] is None:  # the default form
        for name, value in state[1].items():
            setattr(node, _RENAMED.get(name, name), value)
        setattr(node, SCRATCH, None)
    else:
        _fill(node, state)


def deepcopy_node(root: Any, memo: dict[int, Any]) -> Any:
    """``Value.__deepcopy__``: copies the nodes reaching ``root`` that ``memo`` lacks, parents
    first, then their gradients that are Values and subclass attributes (graphs of their own,
    copied with the same memo)."""
    order = ancestors(root, memo)
    order.append(root)
    deep = copy.deepcopy
    for node in order:
        twin = blank(type(node))
        _set(twin, STATE, _read_state(node))  # every slot as the node's; then what must differ:
        setattr(twin, SCRATCH, None)
        if not _inline(node.grad):
            twin.grad = 0.0  # a graph of its own: copied below, once every node is
        op = node._primitive
        if op is not None:
            twin._primitive = deep(op, memo)
        p0 = node._p0
        if p0 is not None:
            twin._p0 = memo[id(p0)]
        p1 = node._p1
        if p1 is not None:
            twin._p1 = memo[id(p1)]
        many = node._many
        if many is not None:
            twin._many = (
                tuple([memo[id(r)] for r in many[0]]), deep(many[1], memo), deep(many[2], memo)
            )
        memo[id(node)] = twin
    for node in order:
        grad = node.grad
        if not _inline(grad):
            memo[id(node)].grad = deep(grad, memo)
        extra = getattr(node, "__dict__", None)
        if extra:
            memo[id(node)].__dict__.update(deep(extra, memo))
    return memo[id(root)]


def copy_node(node: Any) -> Any:
    """``Value.__copy__``: a new node with the same slots (the same parents and gradient)."""
    twin = blank(type(node))
    _fill(twin, _fields(node))
    twin.grad = node.grad
    return twin
