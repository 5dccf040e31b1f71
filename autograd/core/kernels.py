"""What the op table's templates call: generic helpers and float kernels.

The helpers (``exp``, ``log``, ``recip``, ...) take a float or a ``Value`` and answer in kind,
so one derivative template serves the float pass and the differentiable one. The kernels
(``sigmoid_f``, ``sum_f``, ...) are forward computations one expression cannot say, or not
stably. :data:`NAMESPACE` names every identifier a template may use, and nothing else.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any

__all__ = ["NAMESPACE"]

_inf = math.inf
_nan = math.nan


# ---------------------------------------------------------------------------------------------
# Generic helpers for derivative templates: floats take the ``math`` path, anything else (a
# Value) its own methods, so one template serves both.
# ---------------------------------------------------------------------------------------------

def exp(x: Any) -> Any:
    """e ** x; inf (not OverflowError) past the float range, as a derivative should be."""
    if type(x) is float:
        try:
            return math.exp(x)
        except OverflowError:
            return _inf
    return x.exp()


def log(x: Any) -> Any:
    """Natural logarithm of a float or a Value."""
    return math.log(x) if type(x) is float else x.log()


def cos(x: Any) -> Any:
    """Cosine of a float or a Value."""
    return math.cos(x) if type(x) is float else x.cos()


def sin(x: Any) -> Any:
    """Sine of a float or a Value."""
    return math.sin(x) if type(x) is float else x.sin()


def sigmoid(x: Any) -> Any:
    """The logistic function of a float (stable) or a Value."""
    return sigmoid_f(x) if type(x) is float else x.sigmoid()


def recip(x: Any) -> Any:
    """1 / x, with IEEE infinities at zero on floats (as PyTorch gives for a derivative)."""
    if type(x) is float and x == 0.0:
        return math.copysign(_inf, x)
    return 1.0 / x


def power(x: Any, y: Any) -> Any:
    """x ** y; on floats, IEEE results instead of exceptions (for derivatives)."""
    if type(x) is float and type(y) is float:
        try:
            return math.pow(x, y)
        except ValueError:
            return _inf if x == 0.0 else _nan
        except OverflowError:
            return _inf
    return x ** y


# ---------------------------------------------------------------------------------------------
# Forward functions on floats, for what one expression cannot say (or say stably).
# ---------------------------------------------------------------------------------------------

def sigmoid_f(x: float) -> float:
    """1 / (1 + e^-x) without overflow for any input."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def softplus_f(x: float) -> float:
    """log(1 + e^x) = max(x, 0) + log1p(e^-|x|): never overflows."""
    return max(0.0, x) + math.log1p(math.exp(-abs(x)))


def sum_f(xs: Sequence[float]) -> float:
    """Exactly rounded sum; repeated ``+`` (inf, nan) where the exact sum leaves the floats."""
    try:
        return math.fsum(xs)
    except (OverflowError, ValueError):
        total = 0.0
        for x in xs:
            total += x
        return total


def mean_f(xs: Sequence[float]) -> float:
    """sum_f(xs) / len(xs); ValueError when empty."""
    if not xs:
        raise ValueError("mean of an empty sequence")
    return sum_f(xs) / len(xs)


def dot_f(xs: Sequence[float], ys: Sequence[float]) -> float:
    """x1*y1 + ... + xn*yn, summed as :func:`sum_f` sums (the products run in C)."""
    try:
        return math.fsum(map(operator.mul, xs, ys))
    except (OverflowError, ValueError):
        return sum_f([a * b for a, b in zip(xs, ys, strict=True)])


def logsumexp_f(xs: Sequence[float]) -> float:
    """log(e^x1 + ... + e^xn), shifted by the largest input; ValueError when empty."""
    if not xs:
        raise ValueError("logsumexp of an empty sequence")
    m = max(xs)
    if not math.isfinite(m):
        return m
    return m + math.log(math.fsum([math.exp(x - m) for x in xs]))


def softmax_f(xs: Sequence[Any], out: Any) -> list[Any]:
    """The partials of logsumexp, exp(x_i - m) / total: exact to the last bits even where
    log(total) is below the float spacing of ``out`` (inputs near 1e17).

    On Values (the differentiable partials), the shift is ``out`` itself, a node: softmax is
    the same for any shift, so exp(x_i - out) / sum_j exp(x_j - out) is softmax at every order
    of derivative, and dividing by the sum keeps the log(total) that ``out`` rounds away (the
    bare exp(x_i - out) is 1 for two equal logits of 1e17, not 1/2). A trace compiles the shift
    as a traced node, never a number read from the data."""
    if type(out) is float:
        m = max(xs)
        if not math.isfinite(m):
            return [exp(x - out) for x in xs]
        exps = [math.exp(x - m) for x in xs]
        total = math.fsum(exps)
        return [e / total for e in exps]
    if not math.isfinite(out.data):
        return [exp(x - out) for x in xs]
    shifted = [exp(x - out) for x in xs]
    total = shifted[0]
    for e in shifted[1:]:
        total = total + e
    return [e / total for e in shifted]


NAMESPACE: dict[str, Any] = {
    "__builtins__": {},
    "abs": abs,
    "float": float,
    "len": len,
    "zip": zip,
    "inf": _inf,
    "nan": _nan,
    "exp": exp,
    "log": log,
    "cos": cos,
    "sin": sin,
    "sigmoid": sigmoid,
    "recip": recip,
    "power": power,
    **{f"math_{name}": f for name, f in vars(math).items()
       if callable(f) and not name.startswith("_")},
    "sigmoid_f": sigmoid_f,
    "softplus_f": softplus_f,
    "sum_f": sum_f,
    "mean_f": mean_f,
    "dot_f": dot_f,
    "logsumexp_f": logsumexp_f,
    "softmax_f": softmax_f,
}
"""Every identifier a template uses, and nothing else (no builtins): code generated from the
table is evaluated in a copy of this dictionary. Every function of ``math`` is here as
``math_<name>`` (``math_atan``), so a row whose forward is one needs no kernel of its own."""
