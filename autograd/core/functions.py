"""Module-level functions: the op table's ops on Values or numbers, and the n-ary ops.

Each table row that names a function (:attr:`Op.function`) gets one here, generated at import
like :class:`Value`'s methods: on a Value it calls the row's method, on a number the generic
path. The n-ary ops (``sum``, ``mean``, ``dot``, ``logsumexp``, and ``matvec``, a ``dot`` per
row) make ONE graph node however many inputs they take: a neuron's weighted sum is one node
with 2n parent edges instead of 2n binary nodes, which is most of what makes training on
scalars affordable. ``sum``, ``mean`` and ``logsumexp`` are generated from their rows (the
forward and the bulk partial are the table's text); ``dot`` and ``matvec`` are written here,
calling the function compiled from the dot row (:attr:`Op.pair`: the forward and the partials
of both halves in one call).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import compress, repeat
from operator import add, attrgetter, is_, not_
from typing import TYPE_CHECKING, Any

from . import fastpaths
from .generated import by_name
from .modes import MODE, RECORD
from .node import (
    Consts,
    Scalar,
    Value,
    compile_function,
    leaf,
    link,
    make_many,
    nary,
    real,
)
from .ops import OPS, TABLE, Op

__all__ = [op.function for op in TABLE if op.function is not None] + ["matvec", "softmax"]


def _as_sequence(xs: Any, what: str) -> Sequence[Any]:
    if type(xs) is list or type(xs) is tuple:
        return xs
    if isinstance(xs, (list, tuple)):
        return xs
    if isinstance(xs, (Value, str, bytes)) or not hasattr(xs, "__iter__"):
        raise TypeError(f"{what} expects a sequence of Values or numbers, got {type(xs).__name__}")
    return list(xs)


def _split(xs: Sequence[Any], what: str) -> tuple[list[float], list[bool] | None, Consts | None]:
    """Each input's float; which inputs are Values (``None``: all of them); the constants as
    ``(positions, values)`` (``None`` when all are Values).

    The common cases (all Values; Values and floats, as in ``dot(w + [b], x + [1.0])``) run in
    C through ``map``, so a neuron's dot product pays no Python-level step per input.
    """
    types = set(map(type, xs))
    if types == _JUST_VALUE:
        return list(map(_DATA, xs)), None, None
    if types == _JUST_FLOAT:  # a data point: no Value, no lookup that would fail per input
        return list(xs), [False] * len(xs), (range(len(xs)), tuple(xs))
    if types <= _VALUE_OR_FLOAT:  # floats are their own data; getattr gives x.data for Values
        datas: list[float] = list(map(getattr, xs, repeat("data"), xs))
        mask = list(map(is_, map(type, xs), repeat(Value)))
    else:
        datas = [x.data if isinstance(x, Value) else real(x, what) for x in xs]
        mask = [type(x) is Value for x in xs]
    constant = list(map(not_, mask))
    return datas, mask, (tuple(compress(range(len(xs)), constant)),
                         tuple(compress(datas, constant)))


_JUST_VALUE = {Value}
_JUST_FLOAT = {float}
_VALUE_OR_FLOAT = {Value, float}
_DATA = attrgetter("data")
_mode = MODE.get


def _join(
    xs: Sequence[Any], xmask: list[bool] | None, xconsts: Consts | None,
    ys: Sequence[Any], ymask: list[bool] | None, yconsts: Consts | None,
) -> tuple[tuple[Any, ...], list[bool] | None, Consts | None]:
    """A paired op's inputs, mask and constants from its two halves' (as :func:`_split`)."""
    both = (*xs, *ys)
    if xmask is None and ymask is None:
        return both, None, None
    n = len(xs)
    mask = (xmask or [True] * n) + (ymask or [True] * n)
    if yconsts is None:
        return both, mask, xconsts
    shifted = _shift(yconsts, n)
    if xconsts is None or shifted is None:
        return both, mask, shifted
    return both, mask, ((*xconsts[0], *shifted[0]), (*xconsts[1], *shifted[1]))


def _shift(consts: Consts | None, n: int) -> Consts | None:
    """Constants of a paired op's second half, at their positions in the whole."""
    if consts is None:
        return None
    at, values = consts
    if type(at) is range:
        return range(at.start + n, at.stop + n), values
    return tuple(map(add, at, repeat(n))), values


_HELPERS = by_name(_as_sequence, _split, leaf, nary)
"""What the generated n-ary functions call besides the node module's own names."""


def _functions() -> dict[str, Any]:
    """The function of each table row that names one, but a paired row's (``dot``, below)."""
    made = {}
    for op in TABLE:
        name = op.function
        if name is None:
            continue
        if op.paired:
            if op is not OPS["dot"]:
                raise NotImplementedError(
                    f"op {op.name!r}: the function of a paired op is written by hand in "
                    "autograd/core/functions.py, and only dot's is"
                )
            continue
        source = fastpaths.nary_source(op) if op.nary else fastpaths.function_source(op)
        made[name] = compile_function(name, source, f"autograd.{name}", OP=op, **_HELPERS)
    return made


if TYPE_CHECKING:
    # What the generated functions take and return, for type checkers and editors: written
    # from the table by `python3 -m tests.generated --write`, checked by a test.
    # op-table:start
    def abs(x: Scalar) -> Value: ...
    def exp(x: Scalar) -> Value: ...
    def log(x: Scalar) -> Value: ...
    def sqrt(x: Scalar) -> Value: ...
    def tanh(x: Scalar) -> Value: ...
    def sigmoid(x: Scalar) -> Value: ...
    def relu(x: Scalar) -> Value: ...
    def softplus(x: Scalar) -> Value: ...
    def sin(x: Scalar) -> Value: ...
    def cos(x: Scalar) -> Value: ...
    def leaky_relu(x: Scalar, slope: Scalar = 0.01) -> Value: ...
    def sum(xs: Iterable[Scalar]) -> Value: ...
    def mean(xs: Iterable[Scalar]) -> Value: ...
    def logsumexp(xs: Iterable[Scalar]) -> Value: ...
    # op-table:end
else:
    globals().update(_functions())  # the functions themselves, one per table row


# -- dot and matvec: one node per weighted sum, from the dot row's compiled pair ------------

Pair = Callable[[Sequence[float], Sequence[float]], tuple[float, Sequence[float], Sequence[float]]]


def _pair_of(op: Op) -> Pair:
    """A paired row's ``pair``: ``(out, partials of xs, partials of ys)`` over its halves."""
    if op.pair is None:
        raise TypeError(f"op {op.name!r} is not a paired op")
    return op.pair


_DOT = OPS["dot"]
_dot = _pair_of(_DOT)


def dot(xs: Sequence[Scalar], ys: Sequence[Scalar]) -> Value:
    """sum(x * y for x, y in zip(xs, ys)) as one node; ValueError for unequal lengths."""
    if type(xs) is not list and type(xs) is not tuple:
        xs = _as_sequence(xs, "dot")
    if type(ys) is not list and type(ys) is not tuple:
        ys = _as_sequence(ys, "dot")
    n = len(xs)
    if len(ys) != n:
        raise ValueError(f"dot: sequences of unequal length ({n} and {len(ys)})")
    parents: tuple[Any, ...]  # (Values, once the types are checked)
    partials: Sequence[float]
    consts: Any
    if set(map(type, xs)) == _JUST_VALUE:  # the common calls: Values times Values or floats
        y_types = set(map(type, ys))
        if y_types == _JUST_VALUE or y_types == _JUST_FLOAT:
            xd = list(map(_DATA, xs))
            yd: Sequence[Any] = ys if y_types == _JUST_FLOAT else list(map(_DATA, ys))
            data, for_x, for_y = _dot(xd, yd)
            mode = _mode()
            if not mode.record:
                return leaf(data)
            if y_types == _JUST_VALUE:
                parents, partials, consts = (*xs, *ys), (*for_x, *for_y), None
            else:
                parents, partials, consts = tuple(xs), tuple(for_x), (range(n, 2 * n), tuple(ys))
            if mode is RECORD and n > 1:  # three or more arguments: the node built at once
                return make_many(_DOT, data, (parents, partials, consts))
            return link(_DOT, data, parents, partials, consts, mode)
    xd, xmask, xconsts = _split(xs, "dot")
    yd, ymask, yconsts = _split(ys, "dot")
    data, for_x, for_y = _dot(xd, yd)
    mode = _mode()
    if not mode.record:
        return leaf(data)
    if xmask is None and ymask is None:
        parents, partials, consts = (*xs, *ys), (*for_x, *for_y), None
    elif xmask is None and ymask is not None and True not in ymask:  # Values times constants
        parents, partials, consts = tuple(xs), tuple(for_x), _shift(yconsts, n)
    elif ymask is None and xmask is not None and True not in xmask:  # constants times Values
        parents, partials, consts = tuple(ys), tuple(for_y), xconsts
    else:
        return nary(mode, _DOT, data, *_join(xs, xmask, xconsts, ys, ymask, yconsts),
                    (*for_x, *for_y))
    return link(_DOT, data, parents, partials, consts, mode)


def matvec(
    rows: Sequence[Sequence[Scalar]], xs: Sequence[Scalar], *, rows_are_values: bool = False
) -> list[Value]:
    """``[dot(row, xs) for row in rows]``: one ``dot`` node per row, ``xs`` split once.

    This is a layer of neurons: each row holds one neuron's weights, ``xs`` the layer's input.

    Args:
        rows: sequences of Values or numbers, each as long as ``xs``.
        xs: the shared right operand.
        rows_are_values: a promise that every row holds only Values (as a layer's weight
            lists do), which skips checking their types.

    >>> w = [[Value(1.0), Value(2.0)], [Value(-1.0), Value(0.5)]]
    >>> [v.data for v in matvec(w, [3.0, Value(4.0)])]
    [11.0, -1.0]
    """
    xs = _as_sequence(xs, "matvec")
    n = len(xs)
    yd, ymask, yconsts = _split(xs, "matvec")
    y_values: tuple[Any, ...] = ()
    y_consts = None
    if ymask is not None:  # the shared input's Values and constants, once for all rows
        y_values = tuple(compress(xs, ymask))
        y_consts = _shift(yconsts, n)
    mode = _mode()
    at_once = mode is RECORD and n > 1  # build each node at once (three or more arguments)
    out: list[Value] = []
    append = out.append
    for row in rows:
        if type(row) is not list and type(row) is not tuple:
            row = _as_sequence(row, "matvec")
        if len(row) != n:
            raise ValueError(f"matvec: a row of length {len(row)} for {n} inputs")
        xmask: list[bool] | None
        if rows_are_values:
            xd = list(map(_DATA, row))
            xmask = xconsts = None
        else:
            xd, xmask, xconsts = _split(row, "matvec")
        data, for_row, for_input = _dot(xd, yd)
        if not mode.record:
            append(leaf(data))
            continue
        if xmask is not None:
            append(nary(mode, _DOT, data, *_join(row, xmask, xconsts, xs, ymask, yconsts),
                        (*for_row, *for_input)))
            continue
        parents: tuple[Any, ...]
        partials: Sequence[float]
        consts: Any
        if ymask is None:
            parents, partials, consts = (*row, *xs), (*for_row, *for_input), None
        elif y_values:  # a row of Values: its partials, then the input's Values'
            parents = (*row, *y_values)
            partials = (*for_row, *compress(for_input, ymask))
            consts = y_consts
        else:  # a constant input (the first layer): the row's partials only
            parents = row if type(row) is tuple else tuple(row)
            partials, consts = for_row, y_consts
        if at_once:
            append(make_many(_DOT, data, (parents, partials, consts)))
        else:
            append(link(_DOT, data, parents, partials, consts, mode))
    return out


def softmax(xs: Sequence[Scalar]) -> list[Value]:
    """exp(x_i) / sum(exp(x)) for each input, stable and accurate for any finite logits."""
    # A new name, its items typed Any (typeshed would type a numbers.Real - float as complex).
    logits = _as_sequence(xs, "softmax")
    if not logits:
        raise ValueError("softmax: needs at least one input, got an empty sequence")
    # softmax(x) = exp(x - logsumexp(x)), computed in two shifts so that it stays accurate
    # for any finite logits. The first, by the logits' own logsumexp, is a node of the graph
    # rather than a number read from the data: a compiled softmax (jit) shifts every call by
    # that call's logits (a baked shift made one call with 1e17 or NaN wrong for all later
    # ones). softmax is unchanged by any shift, so the gradient through it is zero up to
    # rounding. The shifted logits are <= 0 with a logsumexp in [0, log n]: subtracting that
    # second one keeps what a single shift would round away at 1e17 (the 0.5 of two equal
    # logits there).
    top = logsumexp(logits)
    shifted = [x - top for x in logits]
    lse = logsumexp(shifted)
    return [exp(z - lse) for z in shifted]
