"""The ``Value`` node, and every function that builds one.

**Layout** (the one place it is written; only this module and :mod:`autograd.backprop` read
the private slots, everything else uses the public accessors below):

======== ==================================================================================
slot     meaning
======== ==================================================================================
data     the float
grad     the gradient summed over backward passes (0.0; a Value after create_graph; None
         counts as 0)
label    a name for drawings
_op      the op table's record of the op that made the node; None for a leaf
_p0 _d0  the first parent and d(node)/d(parent) from the forward pass (None, 0.0: none)
_p1 _d1  the second parent and its local derivative (None, 0.0: none)
_ps _ds  a node with three or more parents: their tuple and their local derivatives (a
         sequence of floats); None otherwise (then _p0/_p1 hold the parents)
_c _cat  a binary op with one Value argument: its constant operand (a float) and that
         constant's argument position (0 or 1); None, 0 otherwise. No tuple per node: the
         cycle collector tracks one object per op
_consts  the other constant arguments: a tuple of (argument position, float) pairs in
         ascending position, shared between nodes where it can be (a layer's input); None
         when every argument is a Value (or the one constant is in _c)
_g       scratch of a running backward pass: this pass's gradient; None between passes
======== ==================================================================================

A binary op therefore makes one object. Nodes never refer to their children and hold no
closures, so reference counting frees a dropped graph at once.

**Generated fast paths.** The operators and methods (``+ - * / **``, their reflected forms,
``relu``, ``exp``, ...) are generated at import from the op table's templates
(:meth:`Op.forward_expr`, :meth:`Op.partial_exprs`): the forward and each local derivative
are inlined from the table row, and the node is built by :func:`_build_source`, the only text
that fills a node. Anything they do not cover (other number types, custom ops, recording
modes other than the default) goes through :func:`apply`, which calls the same table row.
"""

from __future__ import annotations

import builtins
import numbers
import os
from collections.abc import Sequence
from itertools import compress
from typing import Any, Union

from . import backprop
from . import ops as _ops
from .modes import MODE, RECORD, Mode, creation_site
from .ops import Op

__all__ = ["Value", "apply", "leaf", "link", "link_many", "real"]

Number = int | float | numbers.Real
Scalar = Union["Value", int, float, numbers.Real]

_LAYOUT = ("data", "grad", "label", "_op", "_p0", "_d0", "_p1", "_d1", "_ps", "_ds", "_c", "_cat",
           "_consts", "_g")


def _build_source(indent: str, node: str, **fields: str) -> str:
    """Source that fills every slot of ``node`` (already allocated) from expressions."""
    fields.setdefault("grad", "0.0")
    fields.setdefault("_g", "None")
    fields.setdefault("_c", "None")
    fields.setdefault("_cat", "0")
    fields.setdefault("_consts", "None")
    return "".join(f"{indent}{node}.{slot} = {fields[slot]}\n" for slot in _LAYOUT)


_ARITH = (ValueError, ZeroDivisionError, OverflowError)


# ---------------------------------------------------------------------------------------------
# Input validation and error messages.
# ---------------------------------------------------------------------------------------------

def real(x: object, what: str) -> float:
    """Converts a real number to float, or raises a TypeError (OverflowError for an int out
    of the float range) naming ``what`` and the value received."""
    if type(x) is float:
        return x  # type: ignore[return-value]
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        try:
            return float(x)
        except OverflowError:
            raise OverflowError(
                f"{what}: the number {_short(x)} is too large to convert to a float"
            ) from None
    if isinstance(x, Value):
        raise TypeError(f"{what} expects a real number, got a Value (use .data or .detach())")
    raise TypeError(f"{what} expects a real number or a Value, got {type(x).__name__}: {x!r}")


def _short(x: object) -> str:
    text = repr(x)
    return text if len(text) <= 40 else f"{text[:18]}...{text[-18:]} ({len(text)} digits)"


def _constant(x: Any, op: Op) -> float:
    return real(x, op.name)


def domain_error(op: Op, xs: Sequence[float], exc: BaseException) -> BaseException:
    """The exception of a forward pass that ``math`` refused, naming the op and its inputs."""
    shown = ", ".join(repr(x) for x in xs) if len(xs) <= 6 else f"{len(xs)} inputs"
    if not xs:
        why = f"empty input (needs {op.domain})"
    elif isinstance(exc, OverflowError):
        why = "result overflows a float"
    elif isinstance(exc, ZeroDivisionError):
        why = "division by zero"
    else:
        why = f"input outside the domain ({op.domain})"
    return type(exc)(f"{op.name}({shown}): {why}")


# ---------------------------------------------------------------------------------------------
# Generic node building: every path that is not a generated fast path.
# ---------------------------------------------------------------------------------------------

_new = object.__new__


def link(
    op: Op,
    data: float,
    parents: Sequence[Value],
    partials: Sequence[float],
    consts: tuple[tuple[int, float], ...] | None,
    mode: Mode,
) -> Value:
    """A node made by ``op`` with these parents, their local derivatives and its constant
    arguments as (position, float) pairs; a leaf when there are no parents or mode records
    nothing. Under detect_anomaly the node's creation site is kept."""
    if not parents or not mode.record:
        return leaf(data)
    n = len(parents)
    if n == 1 and consts is not None and len(consts) == 1:  # one Value, one constant
        ((at, c),) = consts
        node = _make(op, data, parents[0], partials[0], None, 0.0, None, None, c, at, None)
    elif n == 1:
        node = _make(op, data, parents[0], partials[0], None, 0.0, None, None, None, 0, consts)
    elif n == 2:
        node = _make(op, data, parents[0], partials[0], parents[1], partials[1], None, None,
                     None, 0, consts)
    else:
        ps = parents if type(parents) is tuple else tuple(parents)
        node = _make(op, data, None, 0.0, None, 0.0, ps, partials, None, 0, consts)
    if mode.sites is not None:
        mode.sites[node] = creation_site()
    return node


def leaf(data: float) -> Value:
    """A new leaf holding ``data`` (a float): what an op returns under no_grad."""
    return _make(None, data, None, 0.0, None, 0.0, None, None, None, 0, None)


def apply(op: Op, args: Sequence[Any]) -> Value:
    """Runs ``op`` on Values and/or real numbers and returns the output node."""
    xs: list[float] = []
    for a in args:
        xs.append(a.data if type(a) is Value else real(a, op.name))
    try:
        data = op.forward(*xs)
    except _ARITH as exc:
        raise domain_error(op, xs, exc) from None
    if type(data) is not float:
        data = real(data, f"the forward function of {op.name}")
    mode = MODE.get()
    if not mode.record or not any(type(a) is Value for a in args):
        return leaf(data)
    return _finish(mode, op, data, args, xs)


def _finish(mode: Mode, op: Op, data: float, args: Sequence[Any], xs: Sequence[float]) -> Value:
    """Links a node whose forward is done: the table's partials for its Value arguments."""
    partials = op.partials(xs, data)
    parents: list[Value] = []
    kept: list[float] = []
    for i, a in enumerate(args):
        if type(a) is Value:
            d = partials[i]
            if type(d) is not float:
                d = d.data if type(d) is Value else real(d, f"derivative {i} of {op.name}")
            parents.append(a)
            kept.append(d)
    consts = tuple((i, x) for i, (a, x) in enumerate(zip(args, xs, strict=True))
                   if type(a) is not Value)
    return link(op, data, parents, kept, consts or None, mode)


def _slow(mode: Mode, op: Op, data: float, args: tuple[Any, ...]) -> Value:
    """A generated fast path outside the default mode: a leaf under no_grad, otherwise (under
    detect_anomaly) the generic node with its creation site."""
    if not mode.record:
        return leaf(data)
    return _finish(mode, op, data, args, [a.data if type(a) is Value else a for a in args])


def _other(op: Op, args: tuple[Any, ...]) -> Any:
    """A Value with an operand the fast path does not take: another real number type, or
    NotImplemented (so Python tries the other operand, then raises its TypeError)."""
    for a in args:
        if type(a) is not Value and (not isinstance(a, numbers.Real) or isinstance(a, bool)):
            return NotImplemented
    return apply(op, args)


def nary(
    mode: Mode, op: Op, data: float, xs: Sequence[Any], mask: list[bool] | None,
    consts: tuple[tuple[int, float], ...] | None, partials: Sequence[float],
) -> Value:
    """Links an n-ary node from its inputs ``xs``: ``mask`` says which are Values (None: all
    of them), ``consts`` are the others as (position, float) pairs, ``partials`` the op's
    bulk partials for every input."""
    if mask is None:
        return link(op, data, xs if type(xs) is tuple else tuple(xs), partials, None, mode)
    kept = tuple(compress(partials, mask))
    return link(op, data, tuple(compress(xs, mask)), kept, consts, mode)


# ---------------------------------------------------------------------------------------------
# Code generation from the table rows.
# ---------------------------------------------------------------------------------------------

_GEN_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "<generated>")
_NS: dict[str, Any] = {
    **{k: v for k, v in _ops.NAMESPACE.items() if k != "__builtins__"},
    "__builtins__": builtins,
    "ARITH": _ARITH,
    "RECORD": RECORD,
    "mode_get": MODE.get,
    "new": _new,
    "slow": _slow,
    "other_operand": _other,
    "constant": _constant,
    "domain_error": domain_error,
    "sites_of": creation_site,
}


def _generate(name: str, source: str, **names: Any) -> Any:
    """Compiles one generated function (text built here from identifiers and table
    templates only) and returns it."""
    namespace = _NS | names
    eval(compile(source, f"{_GEN_FILE} {name}", "exec"), namespace)
    _GENERATED.append(namespace)
    return namespace[name]


_GENERATED: list[dict[str, Any]] = []
"""The globals of every generated function: each learns ``Value`` once the class exists."""


def _fast_path(op: Op, indent: str, names: Sequence[str], args: str, **fields: str) -> str:
    """The body every generated op shares: the forward from the table row (domain errors
    named), the mode check (any mode but the default goes through :func:`_slow` with the
    op's arguments ``args``), then the node, filled by :func:`_build_source`."""
    inputs = ", ".join(names)
    return (
        f"{indent}try:\n{indent}    data = {op.forward_expr(names)}\n"
        f"{indent}except ARITH as exc:\n"
        f"{indent}    raise domain_error(OP, ({inputs},), exc) from None\n"
        f"{indent}mode = mode_get()\n"
        f"{indent}if mode is not RECORD:\n"
        f"{indent}    return slow(mode, OP, data, {args})\n"
        f"{indent}node = new(Value)\n"
        + _build_source(indent, "node", data="data", label='""', _op="OP", _p0="self",
                        _ps="None", _ds="None", **fields)
        + f"{indent}return node\n"
    )


def _binary_method(op: Op, name: str, reflected: bool = False, default: str = "") -> Any:
    """``self <op> other`` (or ``other <op> self`` when reflected) from the table row: Value
    and Value, Value and float or int, each with the table's forward and partials inlined."""
    d0, d1 = op.partial_exprs(["x", "y"], "data") or ("", "")
    xy = ["x", "y"]
    source = f"def {name}(self, other{default}):\n"
    if reflected:
        source += (
            "    if type(other) is float or type(other) is int:\n"
            "        x = other if type(other) is float else constant(other, OP)\n"
            "        y = self.data\n"
            + _fast_path(op, "        ", xy, "(x, self)", _d0=d1, _p1="None", _d1="0.0",
                         _c="x", _cat="0")
            + "    return other_operand(OP, (other, self))\n"
        )
        return _generate(name, source, OP=op)
    source += (
        "    if type(other) is Value:\n"
        "        x = self.data\n"
        "        y = other.data\n"
        + _fast_path(op, "        ", xy, "(self, other)", _d0=d0, _p1="other", _d1=d1)
        + "    if type(other) is float or type(other) is int:\n"
        "        x = self.data\n"
        "        y = other if type(other) is float else constant(other, OP)\n"
        + _fast_path(op, "        ", xy, "(self, y)", _d0=d0, _p1="None", _d1="0.0", _c="y",
                     _cat="1")
        + "    return other_operand(OP, (self, other))\n"
    )
    return _generate(name, source, OP=op)


def _unary_method(op: Op, name: str) -> Any:
    """``self.<op>()`` from the table row."""
    (d0,) = op.partial_exprs(["x"], "data") or ("",)
    source = (
        f"def {name}(self):\n"
        "    x = self.data\n"
        + _fast_path(op, "    ", ["x"], "(self,)", _d0=d0, _p1="None", _d1="0.0")
    )
    function = _generate(name, source, OP=op)
    function.__doc__ = f"{op.doc} (the op table's {op.name!r})."
    return function


_make = _generate(
    "make",
    "def make(op, data, p0, d0, p1, d1, ps, ds, c, cat, consts):\n"
    "    node = new(Value)\n"
    + _build_source("    ", "node", data="data", label='""', _op="op", _p0="p0", _d0="d0",
                    _p1="p1", _d1="d1", _ps="ps", _ds="ds", _c="c", _cat="cat", _consts="consts")
    + "    return node\n",
)

link_many = _generate(
    "link_many",
    "def link_many(op, data, ps, ds, consts, mode):\n"
    "    if mode is not RECORD or len(ps) < 3:\n"
    "        return link(op, data, ps, ds, consts, mode)\n"
    "    node = new(Value)\n"
    + _build_source("    ", "node", data="data", label='""', _op="op", _p0="None", _d0="0.0",
                    _p1="None", _d1="0.0", _ps="ps", _ds="ds", _consts="consts")
    + "    return node\n",
    link=link,
)
"""``link`` for the common n-ary node (three or more parents, in a tuple; the default mode),
built inline: a layer's matvec makes one per neuron."""

_init = _generate(
    "__init__",
    "def __init__(self, data, *, label=''):\n"
    "    if type(data) is not float:\n"
    "        data = real(data, 'Value()')\n"
    "    if type(label) is not str:\n"
    "        raise TypeError(f'Value label must be a str, got {type(label).__name__}')\n"
    + _build_source("    ", "self", data="data", label="label", _op="None", _p0="None",
                    _d0="0.0", _p1="None", _d1="0.0", _ps="None", _ds="None")
    + "    mode = mode_get()\n"
    "    if mode.sites is not None:\n"
    "        mode.sites[self] = sites_of()\n",
    real=real,
)


# ---------------------------------------------------------------------------------------------
# The node.
# ---------------------------------------------------------------------------------------------

class Value:
    """A scalar node of a dynamic computation graph.

    Args:
        data: any real number (int, float, Fraction, NumPy scalar...); stored as a float.
        label: a name shown in ``repr`` and graph drawings.

    >>> a = Value(2.0, label="a")
    >>> b = a * a + 3 * a
    >>> b.backward()
    >>> b.data, a.grad
    (10.0, 7.0)
    """

    __slots__ = _LAYOUT

    data: float
    grad: Any
    label: str

    __init__ = _init

    # -- public read accessors (what viz, transforms, checkers and compilers use) -------------

    @property
    def op(self) -> str:
        """Name of the op that made this node ("" for a leaf)."""
        op = self._op
        return op.name if op is not None else ""

    @property
    def primitive(self) -> Op | None:
        """The op table's record of the op that made this node (None for a leaf)."""
        return self._op

    @property
    def parents(self) -> tuple[Value, ...]:
        """The Value arguments of the op that made this node, in argument order."""
        p = self._p0
        if p is None:
            ps = self._ps
            return () if ps is None else ps  # type: ignore[no-any-return]
        q = self._p1
        return (p,) if q is None else (p, q)

    @property
    def arguments(self) -> tuple[Any, ...]:
        """The op's full arguments in order: Values and float constants (() for a leaf)."""
        return backprop.arguments(self)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d(self)/d(parent) for each parent, as computed in the forward pass."""
        return tuple(d for _, d in backprop.edges(self))

    @property
    def is_leaf(self) -> bool:
        """True when no op made this node (inputs, parameters, detached values, constants)."""
        return self._op is None

    def item(self) -> float:
        """The data as a Python float (as ``torch.Tensor.item``)."""
        return self.data

    def detach(self) -> Value:
        """A new leaf with the same data, cut from the graph."""
        return Value(self.data, label=self.label)

    def __repr__(self) -> str:
        parts = [f"data={self.data!r}"]
        grad = self.grad
        if type(grad) is not float or grad != 0.0:
            parts.append(f"grad={grad!r}")
        if self.label:
            parts.append(f"label={self.label!r}")
        if self._op is not None:
            parts.append(f"op={self._op.name!r}")
        return f"Value({', '.join(parts)})"

    def __float__(self) -> float:
        return self.data

    def __int__(self) -> int:
        return int(self.data)

    def __bool__(self) -> bool:
        return self.data != 0.0

    # Comparisons look at data only; == and hash stay by identity so nodes key dicts and sets.
    def __lt__(self, other: Scalar) -> bool:
        return self.data < (other.data if type(other) is Value else other)  # type: ignore

    def __le__(self, other: Scalar) -> bool:
        return self.data <= (other.data if type(other) is Value else other)  # type: ignore

    def __gt__(self, other: Scalar) -> bool:
        return self.data > (other.data if type(other) is Value else other)  # type: ignore

    def __ge__(self, other: Scalar) -> bool:
        return self.data >= (other.data if type(other) is Value else other)  # type: ignore

    __hash__ = object.__hash__

    # -- arithmetic and elementary functions: generated from the op table's rows --------------

    __add__ = _binary_method(_ops.ADD, "__add__")
    __radd__ = _binary_method(_ops.ADD, "__radd__", reflected=True)
    __sub__ = _binary_method(_ops.SUB, "__sub__")
    __rsub__ = _binary_method(_ops.SUB, "__rsub__", reflected=True)
    __mul__ = _binary_method(_ops.MUL, "__mul__")
    __rmul__ = _binary_method(_ops.MUL, "__rmul__", reflected=True)
    __truediv__ = _binary_method(_ops.DIV, "__truediv__")
    __rtruediv__ = _binary_method(_ops.DIV, "__rtruediv__", reflected=True)
    __pow__ = _binary_method(_ops.POW, "__pow__")
    __rpow__ = _binary_method(_ops.POW, "__rpow__", reflected=True)
    leaky_relu = _binary_method(_ops.LEAKY_RELU, "leaky_relu", default=" = 0.01")
    __neg__ = _unary_method(_ops.NEG, "__neg__")
    __abs__ = _unary_method(_ops.ABS, "__abs__")
    exp = _unary_method(_ops.EXP, "exp")
    log = _unary_method(_ops.LOG, "log")
    sqrt = _unary_method(_ops.SQRT, "sqrt")
    tanh = _unary_method(_ops.TANH, "tanh")
    sigmoid = _unary_method(_ops.SIGMOID, "sigmoid")
    relu = _unary_method(_ops.RELU, "relu")
    softplus = _unary_method(_ops.SOFTPLUS, "softplus")
    sin = _unary_method(_ops.SIN, "sin")
    cos = _unary_method(_ops.COS, "cos")

    def __pos__(self) -> Value:
        return self

    # -- reverse mode ----------------------------------------------------------------------

    def backward(self, gradient: Scalar = 1.0, *, create_graph: bool = False) -> None:
        """Adds d(self)/d(node) * gradient to ``.grad`` of every node in self's graph.

        Args:
            gradient: the seed, d(loss)/d(self); 1.0 for a scalar loss.
            create_graph: make the gradients Values whose graphs can be differentiated again.

        Passes from several threads over graphs that share nodes take turns (one lock), so each
        adds its whole gradient. A ``.grad`` of None counts as 0.
        """
        if type(gradient) is not Value:
            gradient = real(gradient, "backward(gradient=...)")
        elif not create_graph:
            gradient = gradient.data
        backprop.backward(self, gradient, create_graph)


for _namespace in _GENERATED:
    _namespace["Value"] = Value
