"""Module-level functions: the elementary ops on Values or numbers, and the n-ary ops.

The n-ary ops (``sum``, ``mean``, ``dot``, ``logsumexp``, and ``matvec``, a ``dot`` per row)
make ONE graph node however many inputs they take: a neuron's weighted sum is one node with 2n
parent edges instead of 2n binary nodes, which is most of what makes training on scalars
affordable. Their bodies are generated at import from the op table's rows, like the
operators of :class:`Value`: the forward and the bulk partial are the table's text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import compress, repeat
from operator import add, attrgetter, is_, not_
from typing import TYPE_CHECKING, Any

from . import fastpaths
from . import ops as _ops
from .node import Consts, Scalar, Value, apply, compile_function, leaf, link, nary, real

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


def _elementary(method: Any) -> Any:
    """The module-level form of a one-argument op: the Value method, or the op on a number."""
    op = _ops.OPS[method.__name__]

    def function(x: Scalar) -> Value:
        return method(x) if type(x) is Value else apply(op, (x,))

    function.__name__ = function.__qualname__ = op.name
    function.__doc__ = f"{op.doc}, for a Value or a real number (the op table's {op.name!r})."
    return function


if TYPE_CHECKING:
    # The signatures of the functions built below, for type checkers and editors.
    def exp(x: Scalar) -> Value: ...
    def log(x: Scalar) -> Value: ...
    def sqrt(x: Scalar) -> Value: ...
    def tanh(x: Scalar) -> Value: ...
    def sigmoid(x: Scalar) -> Value: ...
    def relu(x: Scalar) -> Value: ...
    def softplus(x: Scalar) -> Value: ...
    def sin(x: Scalar) -> Value: ...
    def cos(x: Scalar) -> Value: ...
else:
    exp = _elementary(Value.exp)
    log = _elementary(Value.log)
    sqrt = _elementary(Value.sqrt)
    tanh = _elementary(Value.tanh)
    sigmoid = _elementary(Value.sigmoid)
    relu = _elementary(Value.relu)
    softplus = _elementary(Value.softplus)
    sin = _elementary(Value.sin)
    cos = _elementary(Value.cos)


def abs(x: Scalar) -> Value:
    """|x|, with derivative 0 at 0."""
    return x.__abs__() if isinstance(x, Value) else apply(_ops.ABS, (x,))


def leaky_relu(x: Scalar, slope: Scalar = 0.01) -> Value:
    """x for x > 0, else slope * x."""
    if isinstance(x, Value):
        return x.leaky_relu(slope)
    return apply(_ops.LEAKY_RELU, (x, slope))


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


_HELPERS: dict[str, Any] = {
    "as_sequence": _as_sequence,
    "split": _split,
    "join": _join,
    "shift": _shift,
    "data_of": _DATA,
    "leaf": leaf,
    "nary": nary,
    "link": link,
    "compress": compress,
    "JUST_VALUE": _JUST_VALUE,
    "JUST_FLOAT": _JUST_FLOAT,
}
"""What the generated n-ary ops call besides the node module's own names."""


def _generate(name: str, source: str, op: _ops.Op, doc: str) -> Any:
    function = compile_function(name, source, OP=op, **_HELPERS)
    function.__doc__ = doc
    return function


if TYPE_CHECKING:
    # The signatures of the n-ary ops generated below, for type checkers and editors.
    def sum(xs: Iterable[Scalar]) -> Value: ...
    def mean(xs: Iterable[Scalar]) -> Value: ...
    def logsumexp(xs: Iterable[Scalar]) -> Value: ...
    def dot(xs: Sequence[Scalar], ys: Sequence[Scalar]) -> Value: ...
    def matvec(
        rows: Sequence[Sequence[Scalar]], xs: Sequence[Scalar], *, rows_are_values: bool = False
    ) -> list[Value]: ...
else:
    sum = _generate(
        "sum", fastpaths.nary_source(_ops.SUM), _ops.SUM,
        "Sum of the inputs as one node: exactly rounded (``math.fsum``) where finite, else what "
        "repeated ``+`` gives. Empty -> 0.",
    )
    mean = _generate("mean", fastpaths.nary_source(_ops.MEAN), _ops.MEAN,
                     "Arithmetic mean of the inputs as one node; ValueError when empty.")
    logsumexp = _generate(
        "logsumexp", fastpaths.nary_source(_ops.LOGSUMEXP), _ops.LOGSUMEXP,
        "log(sum(exp(x))) as one node, stable for any finite inputs; ValueError when empty. The "
        "local derivatives are the softmax, exp(x_i - max) / sum: exact to the last bits.",
    )
    dot = _generate(
        "dot", fastpaths.dot_source(_ops.DOT), _ops.DOT,
        "sum(x * y for x, y in zip(xs, ys)) as one node; ValueError for unequal lengths.",
    )
    matvec = dot.__globals__["matvec"]  # generated with dot, from the same row
matvec.__doc__ = """``[dot(row, xs) for row in rows]``: one ``dot`` node per row, ``xs`` split once.

This is a layer of neurons: each row holds one neuron's weights, ``xs`` the layer's input.

Args:
    rows: sequences of Values or numbers, each as long as ``xs``.
    xs: the shared right operand.
    rows_are_values: a promise that every row holds only Values (as a layer's weight lists
        do), which skips checking their types.

>>> w = [[Value(1.0), Value(2.0)], [Value(-1.0), Value(0.5)]]
>>> [v.data for v in matvec(w, [3.0, Value(4.0)])]
[11.0, -1.0]
"""


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
