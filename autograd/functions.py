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


def _node(op: Any, data: float, edges: list[Any], ctx: tuple[Any, ...] | None) -> Value:
    """Finishes an n-ary node whose float work was done in bulk by the caller."""
    mode = _MODE.get()
    if mode is not _RECORD or not edges:
        return _finish_slow(mode, data, op, edges, ctx) if edges else Value(data)
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._op = op
    out._g = 0.0
    _link(out, edges, ctx)
    return out


def _interleave(nodes: Sequence[Any], partials: Sequence[Any]) -> tuple[list[Any], bool]:
    """Edges ``[node, partial, ...]`` for the Values among ``nodes``; and whether all were."""
    n = len(nodes)
    edges: list[Any] = [None] * (2 * n)
    edges[0::2] = nodes
    edges[1::2] = partials
    if all(type(x) is Value for x in nodes):
        return edges, True
    kept = []
    for x, d in zip(nodes, partials, strict=True):
        if type(x) is Value:
            kept.append(x)
            kept.append(d)
    return kept, False


def _with_constants(xs: Sequence[Any], datas: Sequence[float]) -> tuple[Any, ...]:
    """The op's arguments as stored for higher orders: each Value, and each constant as float."""
    return tuple(x if type(x) is Value else d for x, d in zip(xs, datas, strict=True))


def sum(xs: Sequence[Scalar]) -> Value:
    """Sum of the inputs as one node (exactly rounded: ``math.fsum``). Empty -> 0."""
    xs = _as_sequence(xs, "sum")
    datas = _datas(xs, "sum")
    data = math.fsum(datas)
    edges, pure = _interleave(xs, [1.0] * len(xs))
    ctx = None if pure else _with_constants(xs, datas)
    return _node(_ops.SUM, data, edges, ctx)


def mean(xs: Sequence[Scalar]) -> Value:
    """Arithmetic mean of the inputs as one node; ValueError when empty."""
    xs = _as_sequence(xs, "mean")
    if not xs:
        raise ValueError("mean: needs at least one input, got an empty sequence")
    datas = _datas(xs, "mean")
    n = len(xs)
    data = math.fsum(datas) / n
    edges, pure = _interleave(xs, [1.0 / n] * n)
    ctx = None if pure else _with_constants(xs, datas)
    return _node(_ops.MEAN, data, edges, ctx)


def _split(xs: Sequence[Any], what: str) -> tuple[list[float], list[bool] | None, Sequence[Any]]:
    """Each input's float; which inputs are Values (``None``: all of them); the op's arguments
    (each input as its Value, or as a float when a constant).

    The common cases (all Values; Values and floats, as in ``dot(w + [b], x + [1.0])``) run in
    C through ``map``, so a neuron's dot product pays no Python-level step per input.
    """
    types = set(map(type, xs))
    if types == _JUST_VALUE:
        return list(map(_DATA, xs)), None, xs
    if types <= _VALUE_OR_FLOAT:  # floats are their own data; getattr gives x.data for Values
        datas = list(map(getattr, xs, repeat("data"), xs))
        return datas, list(map(is_, map(type, xs), repeat(Value))), xs
    datas = _datas(xs, what)
    is_value = [type(x) is Value for x in xs]
    return datas, is_value, [x if v else d for x, v, d in zip(xs, is_value, datas, strict=True)]


_JUST_VALUE = {Value}
_VALUE_OR_FLOAT = {Value, float}
_DATA = attrgetter("data")


def _edges(xs: Sequence[Any], is_value: list[bool] | None, partials: list[float]) -> list[Any]:
    """Edges ``[x, partial, ...]`` for the Values among ``xs``."""
    if is_value is None:
        edges: list[Any] = [None] * (2 * len(xs))
        edges[0::2] = xs
    else:
        values = list(compress(xs, is_value))
        edges = [None] * (2 * len(values))
        edges[0::2] = values
        partials = compress(partials, is_value)  # type: ignore[assignment]
    edges[1::2] = partials
    return edges


def dot(xs: Sequence[Scalar], ys: Sequence[Scalar]) -> Value:
    """sum(x * y for x, y in zip(xs, ys)) as one node; ValueError for unequal lengths."""
    if type(xs) is not list and type(xs) is not tuple:
        xs = _as_sequence(xs, "dot")
    if type(ys) is not list and type(ys) is not tuple:
        ys = _as_sequence(ys, "dot")
    n = len(xs)
    if len(ys) != n:
        raise ValueError(f"dot: sequences of unequal length ({n} and {len(ys)})")
    xd, x_is_value, x_args = _split(xs, "dot")
    yd, y_is_value, y_args = _split(ys, "dot")
    data = math.fsum(map(mul, xd, yd))
    mode = _MODE.get()
    if not mode.record:  # no_grad: a leaf, with no edges built for nothing
        return _finish_slow(mode, data, _ops.DOT, (), None)
    edges = _edges(xs, x_is_value, yd)
    edges += _edges(ys, y_is_value, xd)
    ctx = None if x_is_value is None and y_is_value is None else (*x_args, *y_args)
    return _node(_ops.DOT, data, edges, ctx)


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
    x_values = xs if x_is_value is None else list(compress(xs, x_is_value))
    x_args = tuple(x_args)
    shared = None if x_is_value is None else SharedTail(x_args)
    mode = _MODE.get()
    fast = mode is _RECORD
    fsum = math.fsum
    dot_op = _ops.DOT
    two_n = 2 * n
    size = two_n + 2 * len(x_values)
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
            append(_finish_slow(mode, data, dot_op, (), None))
            continue
        if r_is_value is None:  # all-Value row: every edge goes straight into one list
            edges: list[Any] = [None] * size
            edges[0:two_n:2] = row
            edges[1:two_n:2] = xd
            edges[two_n::2] = x_values
            edges[two_n + 1 :: 2] = rd if x_is_value is None else compress(rd, x_is_value)
            ctx = shared  # None when every argument is a Value
        else:
            edges = _edges(row, r_is_value, xd)
            edges += _edges(xs, x_is_value, rd)
            ctx = (*r_args, *x_args)
        if not fast or len(edges) <= 4:  # other modes, or few enough parents for the slots
            if not edges:
                append(Value(data))
            elif fast:
                append(_node(dot_op, data, edges, ctx))
            else:
                append(_finish_slow(mode, data, dot_op, edges, ctx))
            continue
        # Built inline rather than through _node: the call costs ~8% of a layer's forward.
        node = _new(Value)
        node.data = data
        node.grad = 0.0
        node.label = ""
        node._op = dot_op
        node._p0 = tuple(edges)
        node._d0 = 0.0
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
    datas = _datas(xs, "logsumexp")
    m = max(datas)
    if not math.isfinite(m):
        return _apply(_ops.LOGSUMEXP, xs)
    exp_ = math.exp
    exps = [exp_(d - m) for d in datas]
    total = math.fsum(exps)
    data = m + math.log(total)
    edges, pure = _interleave(xs, [e / total for e in exps])
    ctx = None if pure else _with_constants(xs, datas)
    return _node(_ops.LOGSUMEXP, data, edges, ctx)


def softmax(xs: Sequence[Scalar]) -> list[Value]:
    """exp(x_i) / sum(exp(x)) for each input, stable and accurate for any finite logits."""
    xs = _as_sequence(xs, "softmax")
    if not xs:
        raise ValueError("softmax: needs at least one input, got an empty sequence")
    # Shifting by the largest logit (a constant) keeps every exponent <= 0 and log(sum) small.
    m = max(_datas(xs, "softmax"))
    shifted = [x - m for x in xs]
    lse = logsumexp(shifted)
    return [exp(z - lse) for z in shifted]
