"""Module-level functions: the elementary ops on Values or numbers, and the n-ary ops.

The n-ary ops (``sum``, ``mean``, ``dot``, ``logsumexp``) make ONE graph node however many
inputs they take: a neuron's weighted sum is one node with 2n parent edges instead of 2n binary
nodes, which is most of what makes training on scalars affordable.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import compress, repeat
from operator import attrgetter, is_, mul
from typing import Any

from . import ops as _ops
from .engine import (
    _MANY,
    _MODE,
    _RECORD,
    Scalar,
    SharedTail,
    Value,
    _apply,
    _finish_slow,
    _link,
    _new,
    _real,
    _unary,
)

__all__ = [
    "abs",
    "cos",
    "dot",
    "exp",
    "leaky_relu",
    "log",
    "logsumexp",
    "matvec",
    "mean",
    "relu",
    "sigmoid",
    "sin",
    "softmax",
    "softplus",
    "sqrt",
    "sum",
    "tanh",
]


def exp(x: Scalar) -> Value:
    """e ** x."""
    return _unary(_ops.EXP, x) if type(x) is Value else _apply(_ops.EXP, (x,))


def log(x: Scalar) -> Value:
    """Natural logarithm (ValueError for x <= 0)."""
    return _unary(_ops.LOG, x) if type(x) is Value else _apply(_ops.LOG, (x,))


def sqrt(x: Scalar) -> Value:
    """Square root (ValueError for x < 0)."""
    return _unary(_ops.SQRT, x) if type(x) is Value else _apply(_ops.SQRT, (x,))


def tanh(x: Scalar) -> Value:
    """Hyperbolic tangent."""
    return _unary(_ops.TANH, x) if type(x) is Value else _apply(_ops.TANH, (x,))


def sigmoid(x: Scalar) -> Value:
    """Logistic function, stable for every finite input."""
    return _unary(_ops.SIGMOID, x) if type(x) is Value else _apply(_ops.SIGMOID, (x,))


def relu(x: Scalar) -> Value:
    """max(x, 0)."""
    return _unary(_ops.RELU, x) if type(x) is Value else _apply(_ops.RELU, (x,))


def leaky_relu(x: Scalar, slope: Scalar = 0.01) -> Value:
    """x for x > 0, else slope * x."""
    if type(x) is Value:
        return x.leaky_relu(slope)
    return _apply(_ops.LEAKY_RELU, (x, slope))


def softplus(x: Scalar) -> Value:
    """log(1 + e^x), stable for every finite input."""
    return _unary(_ops.SOFTPLUS, x) if type(x) is Value else _apply(_ops.SOFTPLUS, (x,))


def sin(x: Scalar) -> Value:
    """Sine."""
    return _unary(_ops.SIN, x) if type(x) is Value else _apply(_ops.SIN, (x,))


def cos(x: Scalar) -> Value:
    """Cosine."""
    return _unary(_ops.COS, x) if type(x) is Value else _apply(_ops.COS, (x,))


def abs(x: Scalar) -> Value:
    """|x|, with derivative 0 at 0."""
    return _unary(_ops.ABS, x) if type(x) is Value else _apply(_ops.ABS, (x,))


def _datas(xs: Sequence[Any], what: str) -> list[float]:
    return [
        x.data if type(x) is Value else (x if type(x) is float else _real(x, what)) for x in xs
    ]


def _as_sequence(xs: Any, what: str) -> Sequence[Any]:
    if isinstance(xs, (list, tuple)):
        return xs
    if isinstance(xs, (Value, str, bytes)) or not hasattr(xs, "__iter__"):
        raise TypeError(f"{what} expects a sequence of Values or numbers, got {type(xs).__name__}")
    return list(xs)


def _node(
    op: Any, data: float, parents: Sequence[Value], partials: Sequence[Any], ctx: Any
) -> Value:
    """Finishes an n-ary node whose float work was done in bulk by the caller."""
    mode = _MODE.get()
    if mode is not _RECORD or not parents:
        return _finish_slow(mode, data, op, parents, partials, ctx) if parents else Value(data)
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._op = op
    out._g = 0.0
    _link(out, parents, partials, ctx)
    return out


def sum(xs: Sequence[Scalar]) -> Value:
    """Sum of the inputs as one node (exactly rounded: ``math.fsum``). Empty -> 0."""
    xs = _as_sequence(xs, "sum")
    datas, is_value, args = _split(xs, "sum")
    parents, partials = _values_of(xs, is_value, [1.0] * len(xs))
    return _node(_ops.SUM, math.fsum(datas), parents, partials, _context(is_value, args))


def mean(xs: Sequence[Scalar]) -> Value:
    """Arithmetic mean of the inputs as one node; ValueError when empty."""
    xs = _as_sequence(xs, "mean")
    if not xs:
        raise ValueError("mean: needs at least one input, got an empty sequence")
    datas, is_value, args = _split(xs, "mean")
    n = len(xs)
    parents, partials = _values_of(xs, is_value, [1.0 / n] * n)
    return _node(_ops.MEAN, math.fsum(datas) / n, parents, partials, _context(is_value, args))


def _context(is_value: list[bool] | None, args: Sequence[Any]) -> tuple[Any, ...] | None:
    """What a node keeps of its arguments: nothing when all are Values (its parents)."""
    return None if is_value is None else tuple(args)


def _split(xs: Sequence[Any], what: str) -> tuple[list[float], list[bool] | None, Sequence[Any]]:
    """Each input's float; which inputs are Values (``None``: all of them); the op's arguments
    (each input as its Value, or as a float when a constant).

    The common cases (all Values; Values and floats, as in ``dot(w + [b], x + [1.0])``) run in
    C through ``map``, so a neuron's dot product pays no Python-level step per input.
    """
    types = set(map(type, xs))
    if types == _JUST_VALUE:
        return list(map(_DATA, xs)), None, xs
    if types == _JUST_FLOAT:  # a data point: no Value, no lookup that would fail per input
        return list(xs), [False] * len(xs), xs
    if types <= _VALUE_OR_FLOAT:  # floats are their own data; getattr gives x.data for Values
        datas = list(map(getattr, xs, repeat("data"), xs))
        return datas, list(map(is_, map(type, xs), repeat(Value))), xs
    datas = _datas(xs, what)
    is_value = [type(x) is Value for x in xs]
    return datas, is_value, [x if v else d for x, v, d in zip(xs, is_value, datas, strict=True)]


_JUST_VALUE = {Value}
_JUST_FLOAT = {float}
_VALUE_OR_FLOAT = {Value, float}
_DATA = attrgetter("data")


def dot(xs: Sequence[Scalar], ys: Sequence[Scalar]) -> Value:
    """sum(x * y for x, y in zip(xs, ys)) as one node; ValueError for unequal lengths."""
    if type(xs) is not list and type(xs) is not tuple:
        xs = _as_sequence(xs, "dot")
    if type(ys) is not list and type(ys) is not tuple:
        ys = _as_sequence(ys, "dot")
    n = len(xs)
    if len(ys) != n:
        raise ValueError(f"dot: sequences of unequal length ({n} and {len(ys)})")
    # The common calls go straight to the node: Values times Values (a neuron deeper in a
    # network), Values times floats either way round (a neuron reading a data point).
    x_types = set(map(type, xs))
    y_types = set(map(type, ys))
    if x_types == _JUST_VALUE and y_types == _JUST_VALUE:
        xd = list(map(_DATA, xs))
        yd = list(map(_DATA, ys))
        return _node(_ops.DOT, math.fsum(map(mul, xd, yd)), (*xs, *ys), (*yd, *xd), None)
    if x_types == _JUST_VALUE and y_types == _JUST_FLOAT:
        data = math.fsum(map(mul, map(_DATA, xs), ys))
        return _node(_ops.DOT, data, tuple(xs), tuple(ys), (*xs, *ys))
    if x_types == _JUST_FLOAT and y_types == _JUST_VALUE:
        data = math.fsum(map(mul, xs, map(_DATA, ys)))
        return _node(_ops.DOT, data, tuple(ys), tuple(xs), (*xs, *ys))
    xd, x_is_value, x_args = _split(xs, "dot")
    yd, y_is_value, y_args = _split(ys, "dot")
    data = math.fsum(map(mul, xd, yd))
    mode = _MODE.get()
    if not mode.record:  # no_grad: a leaf, with no edges built for nothing
        return _finish_slow(mode, data, _ops.DOT, (), (), None)
    # d/dx_i = y_i and d/dy_i = x_i: the parents are the Values of xs then of ys.
    if x_is_value is None and y_is_value is None:
        return _node(_ops.DOT, data, (*xs, *ys), yd + xd, None)
    x_values, x_partials = _values_of(xs, x_is_value, yd)
    y_values, y_partials = _values_of(ys, y_is_value, xd)
    return _node(
        _ops.DOT, data, (*x_values, *y_values), x_partials + y_partials, (*x_args, *y_args)
    )


def _values_of(
    xs: Sequence[Any], is_value: list[bool] | None, partials: Sequence[Any]
) -> tuple[Sequence[Any], Sequence[Any]]:
    """The Values among ``xs`` (``is_value`` None: all of them) and their ``partials``."""
    if is_value is None:
        return xs, partials
    return list(compress(xs, is_value)), list(compress(partials, is_value))


def matvec(
    rows: Sequence[Sequence[Scalar]], xs: Sequence[Scalar], *, rows_are_values: bool = False
) -> list[Value]:
    """``[dot(row, xs) for row in rows]``: one ``dot`` node per row, ``xs`` examined once.

    This is a layer of neurons: each row holds one neuron's weights, ``xs`` the layer's input.
    The nodes are exactly those ``dot`` makes; the shared input is split into floats and
    Values once for all rows instead of once per row.

    Args:
        rows: sequences of Values or numbers, each as long as ``xs``.
        xs: the shared right operand.
        rows_are_values: a promise that every row holds only Values (as a layer's weight
            lists do), which skips checking their types.

    >>> w = [[Value(1.0), Value(2.0)], [Value(-1.0), Value(0.5)]]
    >>> [v.data for v in matvec(w, [3.0, Value(4.0)])]
    [11.0, -1.0]
    """
    if type(xs) is not list and type(xs) is not tuple:
        xs = _as_sequence(xs, "matvec")
    n = len(xs)
    xd, x_is_value, x_args = _split(xs, "matvec")
    x_values = tuple(xs) if x_is_value is None else tuple(compress(xs, x_is_value))
    x_args = tuple(x_args)
    shared = None if x_is_value is None else SharedTail(x_args)
    mode = _MODE.get()
    fast = mode is _RECORD
    fsum = math.fsum
    dot_op = _ops.DOT
    out: list[Value] = []
    append = out.append
    for row in rows:
        if type(row) is not list and type(row) is not tuple:
            row = _as_sequence(row, "matvec")
        if len(row) != n:
            raise ValueError(f"matvec: a row of length {len(row)} for {n} inputs")
        if rows_are_values:
            rd = list(map(_DATA, row))
            r_is_value = None
        else:
            rd, r_is_value, r_args = _split(row, "matvec")
        data = fsum(map(mul, rd, xd))
        if not mode.record:
            append(_finish_slow(mode, data, dot_op, (), (), None))
            continue
        # d/d row_i = x_i and d/d x_i = row_i: the parents are the row's Values, then xs's.
        if r_is_value is None:  # an all-Value row
            if x_values:
                parents: Sequence[Value] = (*row, *x_values)
                # A tuple of floats: the cycle collector stops tracking it at its first pass.
                partials = (*xd, *(rd if x_is_value is None else compress(rd, x_is_value)))
            else:  # a constant input (the first layer): nothing to copy
                parents = row if type(row) is tuple else tuple(row)
                partials = xd  # shared by every row's node; read only
            ctx = shared  # None when every argument is a Value
        else:
            r_values, r_partials = _values_of(row, r_is_value, xd)
            v_values, v_partials = _values_of(xs, x_is_value, rd)
            parents = (*r_values, *v_values)
            partials = r_partials + v_partials
            ctx = (*r_args, *x_args)
        if not fast or len(parents) <= 2:  # other modes, or few enough parents for the slots
            if not parents:
                append(Value(data))
            elif fast:
                append(_node(dot_op, data, parents, partials, ctx))
            else:
                append(_finish_slow(mode, data, dot_op, parents, partials, ctx))
            continue
        # Built inline rather than through _node: the call costs ~8% of a layer's forward.
        node = _new(Value)
        node.data = data
        node.grad = 0.0
        node.label = ""
        node._op = dot_op
        node._p0 = parents
        node._d0 = partials
        node._p1 = _MANY
        node._d1 = 0.0
        node._g = 0.0
        node._ctx = ctx
        append(node)
    return out


def logsumexp(xs: Sequence[Scalar]) -> Value:
    """log(sum(exp(x))) as one node, stable for any finite inputs; ValueError when empty.

    The local derivatives are the softmax, computed as exp(x_i - max) / sum: exact to the last
    bits even where log(sum) is below the float spacing of the result (inputs near 1e17).
    """
    xs = _as_sequence(xs, "logsumexp")
    if not xs:
        raise ValueError("logsumexp: needs at least one input, got an empty sequence")
    datas, is_value, args = _split(xs, "logsumexp")
    m = max(datas)
    if not math.isfinite(m):
        return _apply(_ops.LOGSUMEXP, xs)
    exp_ = math.exp
    exps = [exp_(d - m) for d in datas]
    total = math.fsum(exps)
    data = m + math.log(total)
    parents, partials = _values_of(xs, is_value, [e / total for e in exps])
    return _node(_ops.LOGSUMEXP, data, parents, partials, _context(is_value, args))


def softmax(xs: Sequence[Scalar]) -> list[Value]:
    """exp(x_i) / sum(exp(x)) for each input, stable and accurate for any finite logits."""
    xs = _as_sequence(xs, "softmax")
    if not xs:
        raise ValueError("softmax: needs at least one input, got an empty sequence")
    # Shifting by the largest logit (a constant) keeps every exponent <= 0 and log(sum) small.
    m = max(_split(xs, "softmax")[0])
    shifted = [x - m for x in xs]
    lse = logsumexp(shifted)
    return [exp(z - lse) for z in shifted]
