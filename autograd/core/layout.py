"""The node's layout: its slots in order, what each holds, and its empty value.

This is the one statement of the layout. ``Value.__slots__`` is :data:`SLOTS`; the generated
builders fill every slot from :data:`EMPTY` (:func:`autograd.core.fastpaths.build_source`);
pickling and copying write and read :data:`STATE` (:mod:`autograd.core.serial`). Only
:mod:`autograd.core.node`, :mod:`autograd.core.backprop` and :mod:`autograd.core.serial` read
the private slots; everything else uses ``Value``'s public accessors.

============ ==============================================================================
slot         meaning
============ ==============================================================================
data         the float
grad         the gradient summed over backward passes (0.0; a Value after create_graph;
             None counts as 0)
label        a name for drawings
_primitive   the op table's record (an :class:`~autograd.core.ops.Op`) of the op that made the
             node; None for a leaf. Read as ``v.primitive``; ``v.op`` is its name, a str
_p0 _d0      an op applied to one or two arguments: its argument 0 when that is a Value, and
             d(node)/d(argument) from the forward pass (None, 0.0 otherwise)
_p1 _d1      the same for argument 1
_c           such an op's constant argument (a float: ``x * 2.0`` keeps 2.0), the one of
             _p0/_p1 that is None saying which; None when there is none. No tuple per node:
             the cycle collector tracks one object per binary op
_many        an op applied to three or more arguments (n-ary ops, custom ops):
             ``(parents, partials, constants)``: its Value arguments in order (a tuple),
             their local derivatives (a sequence of floats, read only: a layer's rows may
             share one), and its constant arguments as ``(positions, values)`` (ascending
             positions, a range or a tuple, and the floats there; shared by a layer's rows)
             or None; else None
_g           scratch of the last pass that reached the node (None on a new node): that
             pass's mark (its own zero), then the node's gradient summed so far, then
             (backward) the node's new ``grad``, stored from there all at once. Meaningful
             to that pass only: what an interrupted pass leaves here, the next one
             overwrites (:mod:`autograd.core.backprop`)
============ ==============================================================================

A binary op therefore makes one object. Nodes never refer to their children and hold no
closures, so reference counting frees a dropped graph at once.
"""

from __future__ import annotations

__all__ = ["EMPTY", "SCRATCH", "SLOTS", "STATE"]

EMPTY: dict[str, str] = {
    "data": "0.0",
    "grad": "0.0",
    "label": '""',
    "_primitive": "None",
    "_p0": "None",
    "_d0": "0.0",
    "_p1": "None",
    "_d1": "0.0",
    "_c": "None",
    "_many": "None",
    "_g": "None",
}
"""Every slot, in order, with its empty value as source text (what a new leaf holds; a
generated builder writes it wherever it is given nothing else)."""

SLOTS: tuple[str, ...] = tuple(EMPTY)
"""The slots in order: ``Value.__slots__``."""

SCRATCH = "_g"
"""The scratch slot: one pass's working space, never pickled or copied."""

STATE: tuple[str, ...] = tuple(slot for slot in SLOTS if slot != SCRATCH)
"""What a pickle or a copy holds, in order: every slot but the scratch one."""
