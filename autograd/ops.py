"""The op table: every differentiable primitive, declared once.

Each :class:`Op` states its forward function on floats, one local derivative per input, its
display symbol and its domain. The derivative formulas take the op's arguments followed by its
output ``out`` and are written with arithmetic operators and the generic helpers below, so the
same formula yields a float during an ordinary forward pass and a differentiable ``Value`` when
``backward(create_graph=True)`` asks for higher orders. The engine, the graph renderer, the
property-test strategies and the op tests all read this table; :func:`autograd.custom_op` builds
entries of the same kind.

This module knows nothing of ``Value``: the engine imports it, never the reverse.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["BINARY", "NARY", "OPS", "UNARY", "Op", "markdown_table"]

_inf = math.inf
_nan = math.nan


# ---------------------------------------------------------------------------------------------
# Generic helpers: the float path uses ``math``; anything else (a Value) uses its own methods.
# ---------------------------------------------------------------------------------------------

def _exp(x: Any) -> Any:
    if type(x) is float:
        try:
            return math.exp(x)
        except OverflowError:
            return _inf
    return x.exp()


def _log(x: Any) -> Any:
    return math.log(x) if type(x) is float else x.log()


def _cos(x: Any) -> Any:
    return math.cos(x) if type(x) is float else x.cos()


def _sin(x: Any) -> Any:
    return math.sin(x) if type(x) is float else x.sin()


def _sigmoid(x: Any) -> Any:
    return _sigmoid_f(x) if type(x) is float else x.sigmoid()


def _recip(x: Any) -> Any:
    """1 / x, with IEEE infinities at zero on the float path (as PyTorch gives)."""
    if type(x) is float:
        if x == 0.0:
            return math.copysign(_inf, x)
        return 1.0 / x
    return 1.0 / x


def _pow(x: Any, y: Any) -> Any:
    """x ** y; on floats, math.pow with IEEE results instead of exceptions (for derivatives)."""
    if type(x) is float and type(y) is float:
        try:
            return math.pow(x, y)
        except ZeroDivisionError:  # pragma: no cover - math.pow raises ValueError instead
            return _inf
        except ValueError:
            if x == 0.0:
                return _inf
            return _nan
        except OverflowError:
            return _inf
    return x ** y


# ---------------------------------------------------------------------------------------------
# Forward functions on floats (numerically stable where it matters).
# ---------------------------------------------------------------------------------------------

def _sigmoid_f(x: float) -> float:
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _softplus_f(x: float) -> float:
    # log(1 + e^x) = max(x, 0) + log1p(e^-|x|): never overflows.
    return max(0.0, x) + math.log1p(math.exp(-abs(x)))


def _relu_f(x: float) -> float:
    # A branch, not max(): relu runs once per neuron, and the builtin call costs twice as much.
    if x > 0.0:
        return x
    return 0.0


def _leaky_relu_f(x: float, slope: float) -> float:
    return x if x > 0.0 else slope * x


def _pow_f(x: float, y: float) -> float:
    return math.pow(x, y)


def _div_f(x: float, y: float) -> float:
    return x / y


def _logsumexp_f(*xs: float) -> float:
    if not xs:
        raise ValueError("logsumexp of an empty sequence")
    m = max(xs)
    if m == _inf or m == -_inf:
        return m
    exp = math.exp
    return m + math.log(math.fsum([exp(x - m) for x in xs]))


def _sum_f(*xs: float) -> float:
    return math.fsum(xs)


def _mean_f(*xs: float) -> float:
    if not xs:
        raise ValueError("mean of an empty sequence")
    return math.fsum(xs) / len(xs)


def _dot_f(*xs: float) -> float:
    n = len(xs) // 2
    return math.fsum(map(operator.mul, xs[:n], xs[n:]))


# ---------------------------------------------------------------------------------------------
# Domains: used for error messages and by the test strategies to pick safe points.
# ``valid(*xs)`` is true where the op is defined, finite and differentiable with some margin.
# ---------------------------------------------------------------------------------------------

_MARGIN = 1e-2


def _everywhere(*xs: float) -> bool:
    return True


def _away_from_zero(x: float, *rest: float) -> bool:
    return abs(x) > _MARGIN


def _positive(x: float, *rest: float) -> bool:
    return x > _MARGIN


def _exp_ok(x: float) -> bool:
    return x < 700.0


def _div_ok(x: float, y: float) -> bool:
    return abs(y) > _MARGIN


def _pow_ok(x: float, y: float) -> bool:
    return x > _MARGIN and abs(y * math.log(x)) < 700.0


# ---------------------------------------------------------------------------------------------
# The Op record.
# ---------------------------------------------------------------------------------------------

class Op:
    """One differentiable primitive: forward on floats and a local derivative per input.

    Args:
        name: identifier shown as ``Value.op`` and in graph drawings ("mul", "tanh").
        forward: maps the op's float arguments to a float.
        derivatives: for a fixed-arity op, one function per argument giving d out / d arg from
            ``(*args, out)``. For an n-ary op, a single function ``(i, args, out)``.
        symbol: short display form ("*", "tanh").
        nary: True for ops taking any number of arguments (sum, mean, dot, logsumexp).
        domain: human-readable domain, quoted in error messages.
        valid: predicate on float arguments, true where the op is safely differentiable.
        uses_out: False when the derivative functions take only the arguments (custom ops).
        doc: the forward formula, for people (the README's op list is generated from it).
        rule: the local derivatives, for people, in argument order.
    """

    __slots__ = (
        "arity",
        "derivatives",
        "doc",
        "domain",
        "forward",
        "name",
        "nary",
        "rule",
        "symbol",
        "uses_out",
        "valid",
    )

    def __init__(
        self,
        name: str,
        forward: Callable[..., float],
        derivatives: Sequence[Callable[..., Any]] | Callable[..., Any],
        *,
        symbol: str | None = None,
        nary: bool = False,
        domain: str = "all real numbers",
        valid: Callable[..., bool] = _everywhere,
        uses_out: bool = True,
        doc: str = "",
        rule: str = "",
    ) -> None:
        self.name = name
        self.symbol = symbol or name
        self.forward = forward
        self.nary = nary
        if nary:
            if not callable(derivatives):
                raise TypeError(f"op {name!r}: an n-ary op takes one derivative function")
            self.derivatives = derivatives
            self.arity = None
        else:
            derivatives = tuple(derivatives)  # type: ignore[arg-type]
            for i, d in enumerate(derivatives):
                if not callable(d):
                    raise TypeError(
                        f"op {name!r}: derivative {i} must be callable, got {type(d).__name__}"
                    )
            self.derivatives = derivatives
            self.arity = len(derivatives)
        self.domain = domain
        self.valid = valid
        self.uses_out = uses_out
        self.doc = doc
        self.rule = rule

    def partial(self, i: int, args: Sequence[Any], out: Any) -> Any:
        """d out / d args[i], as a float or (on Values) a differentiable Value."""
        if self.nary:
            return self.derivatives(i, args, out)
        if self.uses_out:
            return self.derivatives[i](*args, out)
        return self.derivatives[i](*args)

    def __repr__(self) -> str:
        return f"<op {self.name}>"

    def __reduce__(self) -> Any:
        # A built-in op pickles (and deep-copies) as its name: the table's own record comes
        # back, not a copy holding the table's lambdas. A custom op pickles attribute by
        # attribute, so its functions must be importable ones.
        if OPS.get(self.name) is self:
            return (builtin_op, (self.name,))
        return (_restore_op, (_state(self),))


def builtin_op(name: str) -> Op:
    """The built-in op called ``name`` (KeyError for an unknown name)."""
    return OPS[name]


def _state(op: Op) -> dict[str, Any]:
    return {slot: getattr(op, slot) for slot in Op.__slots__}


def _restore_op(state: dict[str, Any]) -> Op:
    op = Op.__new__(Op)
    for slot, value in state.items():
        setattr(op, slot, value)
    return op


# ---------------------------------------------------------------------------------------------
# Derivative formulas. Each works on floats and on Values alike.
# ---------------------------------------------------------------------------------------------

def _one(*_: Any) -> float:
    return 1.0


def _minus_one(*_: Any) -> float:
    return -1.0


def _abs_d(x: Any, out: Any) -> float:
    return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)


def _relu_d(x: Any, out: Any) -> float:
    return 1.0 if x > 0.0 else 0.0


def _leaky_relu_d(x: Any, slope: Any, out: Any) -> Any:
    return 1.0 if x > 0.0 else slope


def _leaky_relu_dslope(x: Any, slope: Any, out: Any) -> Any:
    return min(x, 0.0)


def _pow_dx(x: Any, y: Any, out: Any) -> Any:
    if type(y) is float and y == 0.0:
        return 0.0
    return y * _pow(x, y - 1.0)


def _pow_dy(x: Any, y: Any, out: Any) -> Any:
    if type(x) is float:
        if x > 0.0:
            return out * math.log(x)
        if x == 0.0 and y >= 0.0:
            return 0.0
        return _nan
    return out * _log(x)


def _sum_d(i: int, args: Sequence[Any], out: Any) -> float:
    return 1.0


def _mean_d(i: int, args: Sequence[Any], out: Any) -> float:
    return 1.0 / len(args)


def _dot_d(i: int, args: Sequence[Any], out: Any) -> Any:
    n = len(args) // 2
    return args[i + n] if i < n else args[i - n]


def _logsumexp_d(i: int, args: Sequence[Any], out: Any) -> Any:
    return _exp(args[i] - out)


# ---------------------------------------------------------------------------------------------
# The table.
# ---------------------------------------------------------------------------------------------

ADD = Op(
    "add", float.__add__, (_one, _one), symbol="+",
    doc="x + y", rule="1, 1",
)
SUB = Op(
    "sub", float.__sub__, (_one, _minus_one), symbol="-",
    doc="x - y", rule="1, -1",
)
MUL = Op(
    "mul", float.__mul__, (lambda x, y, out: y, lambda x, y, out: x), symbol="*",
    doc="x * y", rule="y, x",
)
DIV = Op(
    "div", _div_f, (lambda x, y, out: _recip(y), lambda x, y, out: -out * _recip(y)),
    symbol="/", domain="y != 0", valid=_div_ok,
    doc="x / y", rule="1/y, -out/y",
)
POW = Op(
    "pow", _pow_f, (_pow_dx, _pow_dy), symbol="**",
    domain="x > 0, or x == 0 with y >= 0, or x < 0 with integer y", valid=_pow_ok,
    doc="x ** y", rule="y * x**(y-1), out * log(x)",
)
LEAKY_RELU = Op(
    "leaky_relu", _leaky_relu_f, (_leaky_relu_d, _leaky_relu_dslope), valid=_away_from_zero,
    doc="x if x > 0 else slope * x", rule="1 if x > 0 else slope; 0 if x > 0 else x",
)
NEG = Op("neg", float.__neg__, (_minus_one,), symbol="-", doc="-x", rule="-1")
ABS = Op(
    "abs", float.__abs__, (_abs_d,), valid=_away_from_zero,
    doc="absolute value of x", rule="sign(x), 0 at 0",
)
EXP = Op(
    "exp", math.exp, (lambda x, out: out,),
    domain="x <= 709.78 (larger overflows)", valid=_exp_ok,
    doc="e ** x", rule="out",
)
LOG = Op(
    "log", math.log, (lambda x, out: _recip(x),), domain="x > 0", valid=_positive,
    doc="ln x", rule="1/x",
)
SQRT = Op(
    "sqrt", math.sqrt, (lambda x, out: 0.5 * _recip(out),), domain="x >= 0", valid=_positive,
    doc="x ** 0.5", rule="0.5/out",
)
TANH = Op(
    "tanh", math.tanh, (lambda x, out: 1.0 - out * out,),
    doc="tanh x", rule="1 - out**2",
)
SIGMOID = Op(
    "sigmoid", _sigmoid_f, (lambda x, out: out * (1.0 - out),),
    doc="1 / (1 + e**-x), stable", rule="out * (1 - out)",
)
RELU = Op(
    "relu", _relu_f, (_relu_d,), valid=_away_from_zero,
    doc="max(x, 0)", rule="1 if x > 0 else 0",
)
SOFTPLUS = Op(
    "softplus", _softplus_f, (lambda x, out: _sigmoid(x),),
    doc="log(1 + e**x), stable", rule="sigmoid(x)",
)
SIN = Op("sin", math.sin, (lambda x, out: _cos(x),), doc="sin x", rule="cos(x)")
COS = Op("cos", math.cos, (lambda x, out: -_sin(x),), doc="cos x", rule="-sin(x)")

SUM = Op(
    "sum", _sum_f, _sum_d, symbol="sum", nary=True,
    doc="x1 + ... + xn (exactly rounded)", rule="1 each",
)
MEAN = Op(
    "mean", _mean_f, _mean_d, symbol="mean", nary=True, domain="at least one input",
    doc="(x1 + ... + xn) / n", rule="1/n each",
)
DOT = Op(
    "dot", _dot_f, _dot_d, symbol="dot", nary=True, domain="two sequences of equal length",
    doc="x1*y1 + ... + xn*yn", rule="y_i for x_i, x_i for y_i",
)
LOGSUMEXP = Op(
    "logsumexp", _logsumexp_f, _logsumexp_d, nary=True, domain="at least one input",
    doc="log(e**x1 + ... + e**xn), stable", rule="exp(x_i - out) (the softmax)",
)

UNARY: tuple[Op, ...] = (NEG, ABS, EXP, LOG, SQRT, TANH, SIGMOID, RELU, SOFTPLUS, SIN, COS)
BINARY: tuple[Op, ...] = (ADD, SUB, MUL, DIV, POW, LEAKY_RELU)
NARY: tuple[Op, ...] = (SUM, MEAN, DOT, LOGSUMEXP)
OPS: dict[str, Op] = {op.name: op for op in UNARY + BINARY + NARY}
"""Every built-in op by name."""


_CALLS = {
    "add": "`x + y`", "sub": "`x - y`", "mul": "`x * y`", "div": "`x / y`", "pow": "`x ** y`",
    "neg": "`-x`", "abs": "`abs(x)`",
    "leaky_relu": "`x.leaky_relu(slope=0.01)`",
    "sum": "`sum(xs)`", "mean": "`mean(xs)`", "dot": "`dot(xs, ys)`",
    "logsumexp": "`logsumexp(xs)`",
}


def markdown_table() -> str:
    """The op table as Markdown: the README's op list is generated from this."""
    rows = [
        "| op | call | computes | local derivatives | domain |",
        "| --- | --- | --- | --- | --- |",
    ]
    for op in UNARY + BINARY + NARY:
        call = _CALLS.get(op.name, f"`x.{op.name}()`")
        rows.append(f"| `{op.name}` | {call} | {op.doc} | {op.rule} | {op.domain} |")
    return "\n".join(rows) + "\n"
