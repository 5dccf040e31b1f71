"""Gradient checking: the engine's derivatives against central finite differences.

``gradcheck`` compares the Jacobian that reverse mode computes with one estimated from the
function values alone, ``(f(x + h) - f(x - h)) / 2h`` in float64, entry by entry with the test
``|analytic - numeric| <= atol + rtol * |numeric|``. ``gradgradcheck`` does the same one order
up: the Hessian that ``backward(create_graph=True)`` builds against finite differences of the
engine's own first-order gradient, which catches derivatives that are right in value but not
differentiable (a ``custom_op`` whose derivative calls ``math.cos`` where ``autograd.cos`` was
needed). Both ship in the package, so users check their own functions and custom ops with the
tool the project checks itself with.

>>> from autograd import gradcheck, gradgradcheck
>>> gradcheck(lambda x, y: [x * y, (x / y).tanh()], [1.5, -2.0])
True
>>> gradgradcheck(lambda x, y: x.sin() * y ** 3, [0.3, 1.2])
True
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from ..core.modes import run_recording
from ..core.node import Value

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]

C = TypeVar("C", bound=Callable[..., Any])


class GradcheckError(AssertionError):
    """Raised when the engine's derivatives disagree with finite differences.

    An ``AssertionError`` so that a failed check reads as a failed test under pytest and
    unittest alike. The message tabulates every mismatching entry.
    """


# ---------------------------------------------------------------------------------------------
# Argument checking.
# ---------------------------------------------------------------------------------------------

def _check_callable(f: object, who: str) -> None:
    if not callable(f):
        raise TypeError(f"{who}: f must be callable, got {type(f).__name__}")


def _check_inputs(inputs: object, who: str) -> list[float]:
    """The input point as floats; TypeError / ValueError saying what is wrong."""
    if isinstance(inputs, (Value, numbers.Number, str, bytes)) or not isinstance(
        inputs, Sequence
    ):
        raise TypeError(
            f"{who}: inputs must be a list or tuple with one real number per argument of f, "
            f"got {type(inputs).__name__} (wrap a single input as [x])"
        )
    if len(inputs) == 0:
        raise ValueError(f"{who}: inputs is empty; f needs at least one input to differentiate")
    point = []
    for i, x in enumerate(inputs):
        if type(x) is Value:
            x = x.data
        elif isinstance(x, bool) or not isinstance(x, numbers.Real):
            raise TypeError(
                f"{who}: inputs[{i}] must be a real number or a Value, "
                f"got {type(x).__name__}: {x!r}"
            )
        x = float(x)
        if not math.isfinite(x):
            raise ValueError(f"{who}: inputs[{i}] is {x!r}; every input must be finite")
        point.append(x)
    return point


def _check_arity(f: Callable[..., Any], n: int, who: str) -> None:
    """TypeError when f cannot be called with n positional arguments (if that can be known)."""
    try:
        signature = inspect.signature(f)
    except (TypeError, ValueError):  # builtins without a signature: the call will tell
        return
    try:
        signature.bind(*([0.0] * n))
    except TypeError as exc:
        raise TypeError(
            f"{who}: inputs has {n} entr{'y' if n == 1 else 'ies'} but f{signature} cannot "
            f"take {n} positional argument(s): {exc}"
        ) from None


def _check_tolerances(eps: object, atol: object, rtol: object, who: str) -> None:
    for name, value, positive in (("eps", eps, True), ("atol", atol, False), ("rtol", rtol, False)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{who}: {name} must be a real number, got {type(value).__name__}")
        v = float(value)
        if not math.isfinite(v) or v < 0.0 or (positive and v == 0.0):
            need = "finite and > 0" if positive else "finite and >= 0"
            raise ValueError(f"{who}: {name} must be {need}, got {value!r}")


def _scalar(out: object, what: str, who: str) -> float:
    """The float value of one output of f (a Value or a real number), else TypeError."""
    if isinstance(out, Value):
        return out.data
    if isinstance(out, numbers.Real) and not isinstance(out, bool):
        return float(out)
    raise TypeError(
        f"{who}: {what} must be a scalar (a Value or a real number), got {type(out).__name__}"
    )


def _outputs(out: object, who: str, *, allow_list: bool) -> tuple[list[Any], bool]:
    """f's outputs as a list, and whether f returned a list (True) or a single scalar."""
    if isinstance(out, (list, tuple)):
        if not allow_list:
            raise TypeError(
                f"{who}: f must return a scalar (a Value or a real number), got a "
                f"{type(out).__name__} of {len(out)}; check each output separately"
            )
        if not out:
            raise ValueError(f"{who}: f returned an empty {type(out).__name__}; nothing to check")
        for k, item in enumerate(out):
            _scalar(item, f"output {k} of f", who)
        return list(out), True
    what = "f's output" if not allow_list else "f's output (or each item of the list it returns)"
    _scalar(out, what, who)
    return [out], False


# ---------------------------------------------------------------------------------------------
# The pieces of a check.
# ---------------------------------------------------------------------------------------------

def _leaves(point: Sequence[float]) -> list[Value]:
    return [Value(x, label=f"x[{j}]") for j, x in enumerate(point)]


def _check_not_mutated(leaves: Sequence[Value], point: Sequence[float], who: str) -> None:
    for j, (leaf, x) in enumerate(zip(leaves, point, strict=True)):
        if leaf.data != x and not (math.isnan(leaf.data) and math.isnan(x)):
            raise GradcheckError(
                f"{who}: f mutated its input x[{j}]: its data changed from {x!r} to "
                f"{leaf.data!r}. A differentiable function must not modify its arguments."
            )


def _evaluate(
    f: Callable[..., Any], point: Sequence[float], n_out: int | None, who: str, where: str
) -> list[float]:
    """f's output values at ``point`` (for finite differences).

    Graphs are recorded as usual (not under ``no_grad``): f may differentiate internally, as
    ``lambda x: grad(g)(x)`` does, and would compute zeros without them.
    """
    leaves = _leaves(point)
    out = f(*leaves)
    _check_not_mutated(leaves, point, who)
    outs, _ = _outputs(out, who, allow_list=True)
    values = [_scalar(o, "f's output", who) for o in outs]
    if n_out is not None and len(values) != n_out:
        raise ValueError(
            f"{who}: f returned {n_out} output(s) at the input point but {len(values)} at {where}"
        )
    for k, v in enumerate(values):
        if not math.isfinite(v):
            raise ValueError(
                f"{who}: output {k} of f is {v!r} at {where}; finite differences need f finite "
                "around the input point (move the point away from the edge of f's domain, or "
                "lower eps)"
            )
    return values


def _numeric_jacobian(
    values_at: Callable[[list[float], str], list[float]], point: Sequence[float], eps: float
) -> list[list[float]]:
    """Central differences of a vector function, as an m x n list of lists."""
    columns = []
    for j, x in enumerate(point):
        up, down = list(point), list(point)
        up[j] = x + eps
        down[j] = x - eps
        step = up[j] - down[j]  # the step actually taken, after rounding
        f_up = values_at(up, f"x[{j}] + eps")
        f_down = values_at(down, f"x[{j}] - eps")
        columns.append([(a - b) / step for a, b in zip(f_up, f_down, strict=True)])
    m = len(columns[0]) if columns else 0
    return [[columns[j][i] for j in range(len(point))] for i in range(m)]


def _backward_jacobian(outs: Sequence[Any], leaves: Sequence[Value]) -> list[list[float]]:
    """Each output's gradient with respect to the leaves, by ``Value.backward``."""
    rows = []
    for out in outs:
        for leaf in leaves:
            leaf.grad = 0.0
        if type(out) is Value:
            out.backward()
        rows.append([float(leaf.grad) for leaf in leaves])
    for leaf in leaves:
        leaf.grad = 0.0
    return rows


def _close(analytic: float, numeric: float, atol: float, rtol: float) -> bool:
    # Written so that a NaN on either side counts as a mismatch.
    return abs(analytic - numeric) <= atol + rtol * abs(numeric)


def _fmt(x: float, digits: int) -> str:
    return f"{x:.{digits}g}"


def _table(
    entries: Sequence[tuple[str, str, float, float, float]], headers: Sequence[str]
) -> str:
    """An aligned text table: text columns left-aligned, numbers right-aligned."""
    rows = []
    for out_name, in_name, x, a, n in entries:
        err = abs(a - n)
        rel = err / abs(n) if n != 0.0 else (0.0 if err == 0.0 else math.inf)
        rows.append(
            (out_name, in_name, _fmt(x, 10), _fmt(a, 10), _fmt(n, 10), _fmt(err, 3), _fmt(rel, 3))
        )
    widths = [max([len(h)] + [len(r[c]) for r in rows]) for c, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.ljust(w) if c < 2 else cell.rjust(w)
            for c, (cell, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  " + "  ".join(parts)

    rule = "  " + "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def _mismatches(
    analytic: Sequence[Sequence[float]],
    numeric: Sequence[Sequence[float]],
    point: Sequence[float],
    out_names: Sequence[str],
    atol: float,
    rtol: float,
) -> list[tuple[str, str, float, float, float]]:
    bad = []
    for i, (row_a, row_n) in enumerate(zip(analytic, numeric, strict=True)):
        for j, (a, n) in enumerate(zip(row_a, row_n, strict=True)):
            if not _close(a, n, atol, rtol):
                bad.append((out_names[i], f"x[{j}]", point[j], a, n))
    return bad


def _criterion(eps: float, atol: float, rtol: float) -> str:
    return (
        f"  (eps={eps:g}; an entry passes when |analytic - numeric| <= atol + rtol * |numeric|"
        f" with atol={atol:g}, rtol={rtol:g})\n\n"
    )


_HEADERS = ("output", "input", "input value", "analytic", "numeric", "abs err", "rel err")


# ---------------------------------------------------------------------------------------------
# The checks.
# ---------------------------------------------------------------------------------------------


def _recorded(check: C) -> C:
    """A checker that records whatever mode surrounds it (an outer no_grad), switched on in a
    copy of the context (:func:`autograd.core.modes.run_recording`)."""

    @functools.wraps(check)
    def run(*args: Any, **kwargs: Any) -> Any:
        return run_recording(check, *args, **kwargs)

    return cast(C, run)


def _check_arguments(
    f: Any, inputs: Any, eps: Any, atol: Any, rtol: Any, who: str
) -> tuple[list[float], float, float, float]:
    """Validates a checker's arguments; returns the point and the tolerances as floats."""
    _check_callable(f, who)
    point = _check_inputs(inputs, who)
    _check_tolerances(eps, atol, rtol, who)
    _check_arity(f, len(point), who)
    return point, float(eps), float(atol), float(rtol)


@_recorded
def gradcheck(
    f: Callable[..., Any],
    inputs: Sequence[float | Value],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Checks the engine's first derivatives of ``f`` at ``inputs`` against finite differences.

    ``f`` is called with one fresh leaf ``Value`` per input. Its Jacobian, by ``backward`` on each
    output, must match central differences ``(f(x + eps) - f(x - eps)) / 2 eps`` per entry:
    ``|analytic - numeric| <= atol + rtol * |numeric|``. Also checked: a second ``backward`` on
    the same graph gives the same Jacobian (a pass must not depend on what earlier passes left
    behind), and ``f`` leaves its arguments' data unchanged.

    Args:
        f: takes ``len(inputs)`` scalars (Values) and returns a scalar or a list of scalars
            (Values or real numbers).
        inputs: the point, one finite real number (or Value, whose data is used) per argument.
        eps: the finite-difference step.
        atol: absolute tolerance per entry.
        rtol: tolerance relative to the numeric estimate.

    Returns:
        ``True`` when every entry agrees.

    Raises:
        GradcheckError: an entry disagrees (the message tabulates every such entry), the
            second backward pass differs from the first, or f mutated an input.
        TypeError: f is not callable, cannot take ``len(inputs)`` arguments, or returns
            something other than a scalar or a list of scalars; an input is not a real number.
        ValueError: an input is not finite, inputs is empty, f is not finite around the
            point, or a tolerance is out of range.

    >>> import math
    >>> from autograd import cos, custom_op
    >>> off = custom_op(math.sin, lambda x: 1.01 * cos(x), name="off_sin")  # 1% wrong
    >>> gradcheck(lambda x, y: x * off(y), [2.0, 0.5])
    Traceback (most recent call last):
      ...
    autograd.check.gradcheck.GradcheckError: gradcheck: 1 of 2 Jacobian entries differ...
    """
    who = "gradcheck"
    point, eps, atol, rtol = _check_arguments(f, inputs, eps, atol, rtol, who)

    leaves = _leaves(point)
    out = f(*leaves)
    _check_not_mutated(leaves, point, who)
    outs, many = _outputs(out, who, allow_list=True)
    for k, o in enumerate(outs):
        v = _scalar(o, "f's output", who)
        if not math.isfinite(v):
            raise ValueError(f"{who}: output {k} of f is {v!r} at the input point")

    first = _backward_jacobian(outs, leaves)
    second = _backward_jacobian(outs, leaves)
    _check_not_mutated(leaves, point, who)
    out_names = [f"out[{i}]" for i in range(len(outs))] if many else ["out"]
    differing = [
        (out_names[i], f"x[{j}]", point[j], b, a)
        for i, (ra, rb) in enumerate(zip(first, second, strict=True))
        for j, (a, b) in enumerate(zip(ra, rb, strict=True))
        if not (a == b or (math.isnan(a) and math.isnan(b)))
    ]
    if differing:
        raise GradcheckError(
            f"{who}: backward is not reentrant: a second backward pass over the same graph gave "
            "a different Jacobian (analytic = second pass, numeric = first pass):\n"
            + _table(differing, _HEADERS)
        )

    n_out = len(outs)
    numeric = _numeric_jacobian(lambda p, where: _evaluate(f, p, n_out, who, where), point, eps)
    bad = _mismatches(first, numeric, point, out_names, atol, rtol)
    if bad:
        total = n_out * len(point)
        raise GradcheckError(
            f"{who}: {len(bad)} of {total} Jacobian entr{'y' if total == 1 else 'ies'} "
            f"differ{'s' if len(bad) == 1 else ''} from central finite differences\n"
            + _criterion(eps, atol, rtol)
            + _table(bad, _HEADERS)
        )
    return True


def _gradient(f: Callable[..., Any], point: Sequence[float], who: str, where: str) -> list[float]:
    """The engine's first-order gradient of scalar f at ``point`` (plain backward, floats)."""
    leaves = _leaves(point)
    out = f(*leaves)
    _check_not_mutated(leaves, point, who)
    outs, _ = _outputs(out, who, allow_list=False)
    v = _scalar(outs[0], "f's output", who)
    if not math.isfinite(v):
        raise ValueError(
            f"{who}: f is {v!r} at {where}; finite differences need f finite around the input "
            "point (move the point away from the edge of f's domain, or lower eps)"
        )
    (row,) = _backward_jacobian(outs, leaves)
    for j, g in enumerate(row):
        if not math.isfinite(g):
            raise ValueError(f"{who}: the gradient d f / d x[{j}] is {g!r} at {where}")
    return row


@_recorded
def gradgradcheck(
    f: Callable[..., Any],
    inputs: Sequence[float | Value],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Checks the engine's second derivatives of a scalar ``f`` against finite differences.

    The analytic Hessian differentiates the gradients that ``backward(create_graph=True)``
    builds; the numeric one takes central differences of the engine's plain first-order
    gradient. A derivative that is right in value but not itself differentiable (a custom op
    whose derivative uses ``math`` functions on floats) gives a wrong analytic Hessian and is
    caught. Also checked: the ``create_graph`` gradients equal the plain ones in value.

    Args:
        f: takes ``len(inputs)`` scalars (Values) and returns one scalar.
        inputs: the point, as for :func:`gradcheck`.
        eps: the finite-difference step, as for :func:`gradcheck`.
        atol: the absolute tolerance, as for :func:`gradcheck`.
        rtol: the relative tolerance, as for :func:`gradcheck`.

    Returns:
        ``True`` when every Hessian entry agrees.

    Raises:
        GradcheckError: a Hessian entry (or a create_graph gradient) disagrees; the message
            tabulates every such entry, ``grad[i]`` / ``x[j]`` meaning d2f / dx[i] dx[j].
        TypeError, ValueError: bad arguments, as for :func:`gradcheck`; a list output is a
            TypeError.

    >>> import math
    >>> from autograd import custom_op
    >>> flat_sin = custom_op(math.sin, lambda x: math.cos(x), name="flat_sin")
    >>> gradcheck(flat_sin, [0.5])  # first derivatives are right...
    True
    >>> gradgradcheck(flat_sin, [0.5])  # ...but math.cos cannot be differentiated again
    Traceback (most recent call last):
      ...
    autograd.check.gradcheck.GradcheckError: gradgradcheck: 1 of 1 Hessian entry differs...
    """
    who = "gradgradcheck"
    point, eps, atol, rtol = _check_arguments(f, inputs, eps, atol, rtol, who)
    n = len(point)

    plain = _gradient(f, point, who, "the input point")

    leaves = _leaves(point)
    out = f(*leaves)
    _check_not_mutated(leaves, point, who)
    outs, _ = _outputs(out, who, allow_list=False)
    if type(outs[0]) is Value:
        outs[0].backward(create_graph=True)
    first = [leaf.grad for leaf in leaves]
    for leaf in leaves:
        leaf.grad = 0.0
    grad_names = [f"grad[{i}]" for i in range(n)]

    first_values = [[float(g)] for g in first]
    bad = [
        (grad_names[i], "-", point[i], first_values[i][0], plain[i])
        for i in range(n)
        if not _close(first_values[i][0], plain[i], atol, rtol)
    ]
    if bad:
        raise GradcheckError(
            f"{who}: {len(bad)} gradient(s) from backward(create_graph=True) differ from plain "
            "backward (analytic = create_graph, numeric = plain):\n" + _table(bad, _HEADERS)
        )

    hessian = []
    for g in first:
        if type(g) is Value:
            hessian.append(_backward_jacobian([g], leaves)[0])
        else:  # the gradient does not depend on any input
            hessian.append([0.0] * n)
    _check_not_mutated(leaves, point, who)

    numeric = _numeric_jacobian(lambda p, where: _gradient(f, p, who, where), point, eps)
    bad = _mismatches(hessian, numeric, point, grad_names, atol, rtol)
    if bad:
        total = n * n
        raise GradcheckError(
            f"{who}: {len(bad)} of {total} Hessian entr{'y' if total == 1 else 'ies'} "
            f"differ{'s' if len(bad) == 1 else ''} from central differences of the gradient\n"
            "  (row grad[i], input x[j] is d2f / dx[i] dx[j])\n"
            + _criterion(eps, atol, rtol)
            + _table(bad, _HEADERS)
        )
    return True
