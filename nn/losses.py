"""Loss functions: each takes a batch and returns the batch mean as one ``Value``.

Values and gradients follow PyTorch's ``reduction="mean"`` losses of the same name (for
``hinge``: ``torch.relu(1 - labels * scores).mean()``). Per-sample terms are built from the
engine's ops and averaged by a single n-ary ``mean`` (or ``dot``) node. Predictions may be
Values or plain numbers. Targets may be numbers (checked: finite, and in the loss's domain) or
Values: a Value target is an input of the graph, and gets its gradient as a PyTorch target
tensor with ``requires_grad`` does (a class index gets none). Nothing in a loss branches on
its data in Python (the kinks and the stable forms are ops), so every loss can be compiled by
``autograd.jit`` with predictions and targets as traced inputs: the compiled loss is right
for every batch, not only the one it was traced on. Regression losses also take a batch of rows
(lists of outputs), averaging over every element as PyTorch does. Batches, rows and targets may
be NumPy arrays and their items NumPy scalars of any numeric dtype (read by :mod:`nn.arrays`,
without importing NumPy); booleans are refused, as by ``Value`` and by PyTorch's
classification losses.

>>> from autograd import Value
>>> p = [Value(1.0), Value(3.0)]
>>> loss = mse(p, [0.0, 1.0])
>>> loss.backward()
>>> loss.data, p[0].grad, p[1].grad
(2.5, 1.0, 2.0)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

from autograd import Value, custom_op, dot, logsumexp, mean, relu, sigmoid

from .arrays import as_sequence, is_integer, is_number
from .checks import finite_float

__all__ = [
    "binary_cross_entropy_with_logits", "cross_entropy", "hinge", "l1", "mse", "smooth_l1",
]


def _batch(xs: Any, what: str, name: str) -> list[Any]:
    """The batch as a list; a single Value or number is a batch of one; arrays are read."""
    if isinstance(xs, Value) or is_number(xs):
        return [xs]
    seq = as_sequence(xs)
    if seq is None:
        raise TypeError(f"{name}: {what} must be a list or an array, got {type(xs).__name__}")
    if not seq:
        raise ValueError(f"{name}: {what} is empty")
    return list(seq)


def _row(x: Any) -> list[Any] | tuple[Any, ...] | None:
    """The items of ``x`` when it is a row (list, tuple, array), None for a single element."""
    if isinstance(x, (list, tuple)):
        return x
    if isinstance(x, Value) or is_number(x):
        return None
    return as_sequence(x)


def _number(t: Any, name: str, where: str) -> float:
    """``t`` as a finite float (any real number but a bool)."""
    return finite_float(t, f"{name}: {where}")


def _target(t: Any, name: str, where: str) -> Any:
    """A target: a Value as it is (an input of the graph), a number as a finite float."""
    if isinstance(t, Value):
        return t
    return _number(t, name, where)


def _prediction(p: Any, name: str, where: str) -> Any:
    """A prediction: a Value as it is, a real number (NumPy scalars included) as a float."""
    if isinstance(p, Value):
        return p
    if is_number(p):
        return float(p)
    raise TypeError(f"{name}: {where} must be a Value or a number, got {type(p).__name__}")


def _mixed_shapes(p_row: Any, t_row: Any, i: int) -> str:
    """Why prediction ``i`` and target ``i`` do not pair: one is a row, the other a number (with
    how to match them when the row holds one item, the usual way this happens)."""
    if p_row is not None:
        text = f"prediction {i} is a row of {len(p_row)} but target {i} is one number"
        if len(p_row) == 1:
            text += (" (a model ending in Linear(..., 1) returns a list of one output): give "
                     "the targets as rows too, [[t] for t in y]")
        return text
    text = f"prediction {i} is one number but target {i} is a row of {len(t_row)}"
    if len(t_row) == 1:
        text += (" (targets of shape (n, 1)?): flatten the targets, e.g. y.ravel() or "
                 "[t for (t,) in y]")
    return text


def _pairs(preds: Any, targets: Any, name: str) -> tuple[list[Any], list[Any]]:
    """Flattened (prediction, target) lists with matching shapes; targets as floats or
    Values."""
    ps = _batch(preds, "predictions", name)
    ts = _batch(targets, "targets", name)
    if len(ps) != len(ts):
        raise ValueError(f"{name}: {len(ps)} predictions but {len(ts)} targets")
    flat_p: list[Any] = []
    flat_t: list[Any] = []
    for i, (p, t) in enumerate(zip(ps, ts, strict=True)):
        p_row = _row(p)
        t_row = _row(t)
        if (p_row is None) != (t_row is None):
            raise ValueError(f"{name}: {_mixed_shapes(p_row, t_row, i)}")
        if p_row is not None and t_row is not None:
            if len(p_row) != len(t_row):
                raise ValueError(f"{name}: prediction {i} has {len(p_row)} outputs but "
                                 f"target {i} has {len(t_row)}")
            flat_p.extend(_prediction(v, name, f"prediction [{i}][{j}]")
                          for j, v in enumerate(p_row))
            flat_t.extend(_target(v, name, f"target [{i}][{j}]") for j, v in enumerate(t_row))
        else:
            flat_p.append(_prediction(p, name, f"prediction {i}"))
            flat_t.append(_target(t, name, f"target {i}"))
    if not flat_p:
        raise ValueError(f"{name}: the batch has no elements")
    return flat_p, flat_t


def mse(preds: Sequence[Any], targets: Sequence[Any]) -> Value:
    """Mean squared error, ``mean((pred - target) ** 2)`` (``torch.nn.MSELoss``).

    Built as one ``dot`` of the differences with themselves, divided by the count.
    """
    ps, ts = _pairs(preds, targets, "mse")
    diffs = [p - t for p, t in zip(ps, ts, strict=True)]
    return dot(diffs, diffs) / len(diffs)


def l1(preds: Sequence[Any], targets: Sequence[Any]) -> Value:
    """Mean absolute error, ``mean(|pred - target|)`` (``torch.nn.L1Loss``; slope 0 at 0)."""
    ps, ts = _pairs(preds, targets, "l1")
    return mean([abs(p - t) for p, t in zip(ps, ts, strict=True)])


def _smooth_l1_f(d: float, beta: float) -> float:
    """One element of ``smooth_l1`` on the difference ``d`` (``beta > 0``)."""
    a = abs(d)
    return d * d * (0.5 / beta) if a < beta else a - 0.5 * beta


def _smooth_l1_dd(d: Any, beta: Any) -> Any:
    """d/d(difference): ``d / beta`` inside the quadratic zone, the sign of ``d`` outside
    (``|d| = beta`` counts as outside, as in PyTorch; the two agree there)."""
    if abs(d) < beta:
        return d / beta
    return 1.0 if d > 0.0 else -1.0


def _smooth_l1_dbeta(d: Any, beta: Any) -> Any:
    """d/d(beta): ``-d**2 / (2 beta**2)`` inside the quadratic zone, ``-1/2`` outside."""
    if abs(d) < beta:
        return -0.5 * (d / beta) * (d / beta)
    return -0.5


_smooth_l1_element = custom_op(_smooth_l1_f, _smooth_l1_dd, _smooth_l1_dbeta, name="smooth_l1")
"""``smooth_l1`` of one difference as one op: the choice of zone is made on floats inside the
op, so a compiled loss decides it afresh for every batch (a Python ``if`` on a Value would be
a guard, tracing again whenever a batch's pattern of zones changes)."""


def smooth_l1(preds: Sequence[Any], targets: Sequence[Any], beta: float = 1.0) -> Value:
    """Huber-like loss (``torch.nn.SmoothL1Loss``): quadratic below ``beta``, linear above.

    Per element with ``d = pred - target``: ``0.5 * d**2 / beta`` if ``|d| < beta``, else
    ``|d| - 0.5 * beta``, one ``smooth_l1`` op per element. ``beta = 0`` is exactly ``l1``.
    """
    beta = _number(beta, "smooth_l1", "beta")
    if beta < 0.0:
        raise ValueError(f"smooth_l1: beta must be >= 0, got {beta}")
    ps, ts = _pairs(preds, targets, "smooth_l1")
    if beta == 0.0:  # a hyperparameter, not data: this branch is the same for every batch
        return mean([abs(p - t) for p, t in zip(ps, ts, strict=True)])
    return mean([_smooth_l1_element(p - t, beta) for p, t in zip(ps, ts, strict=True)])


def hinge(scores: Sequence[Any], labels: Sequence[Any]) -> Value:
    """Mean hinge loss ``mean(relu(1 - label * score))`` for labels in {-1, +1}.

    This is the SVM loss of micrograd's moons demo; its PyTorch equivalent is
    ``torch.relu(1 - labels * scores).mean()``. Labels 0/1 are refused rather than guessed:
    map them with ``[2 * t - 1 for t in y]``. A label given as a Value is used as it is, in
    ``relu(1 - label * score)`` (its data cannot be checked: under ``jit`` it is a traced
    input), and gets the gradient ``-score`` where the margin is violated.
    """
    ss = _batch(scores, "scores", "hinge")
    ys = _batch(labels, "labels", "hinge")
    if len(ss) != len(ys):
        raise ValueError(f"hinge: {len(ss)} scores but {len(ys)} labels")
    terms = []
    for i, (s, y) in enumerate(zip(ss, ys, strict=True)):
        row = _row(s)
        if row is not None:
            hint = (" (a model ending in Linear(..., 1) returns a list of one: pass its item, "
                    "e.g. a model whose forward returns net(x)[0])") if len(row) == 1 else ""
            raise TypeError(f"hinge: score {i} is a row of {len(row)}; hinge takes one score "
                            f"per sample{hint}")
        s = _prediction(s, "hinge", f"score {i}")
        if isinstance(y, Value):
            terms.append(relu(1.0 - y * s))
            continue
        if not is_number(y) or y not in (1, -1):
            raise ValueError(f"hinge: label {i} must be -1 or +1, got {y!r} "
                             "(map 0/1 labels with 2 * y - 1)")
        # 1 - y * s without multiplying by +-1: one node fewer per sample.
        terms.append(relu(1.0 - s if y > 0 else s + 1.0))
    return mean(terms)


def _softplus_f(x: float) -> float:
    """log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|)."""
    return max(0.0, x) + math.log1p(math.exp(-abs(x)))


def _sigmoid_f(x: float) -> float:
    """1 / (1 + e^-x) without overflow."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _bce_f(x: float, t: float) -> float:
    """One element of the binary cross-entropy of logit ``x`` against target ``t``:
    ``softplus(-x) + x (1 - t)`` for ``x >= 0``, ``softplus(x) - x t`` below (the same
    function; softplus only ever sees ``-|x|``)."""
    if x >= 0.0:
        return _softplus_f(-x) + x * (1.0 - t)
    return _softplus_f(x) - x * t


def _bce_dx(x: Any, t: Any) -> Any:
    """d/dx = sigmoid(x) - t, written as ``(1 - t) - sigmoid(-x)`` for ``x >= 0``: exact
    where sigmoid(x) rounds to 1 (a confident, right logit keeps its tiny gradient)."""
    if type(x) is float and type(t) is float:
        return (1.0 - t) - _sigmoid_f(-x) if x >= 0.0 else _sigmoid_f(x) - t
    return (1.0 - t) - sigmoid(-x) if x >= 0.0 else sigmoid(x) - t  # on Values: differentiable


def _bce_dt(x: Any, t: Any) -> Any:
    """d/dt = -x."""
    return -x


_bce_element = custom_op(_bce_f, _bce_dx, _bce_dt, name="binary_cross_entropy")
"""One element of ``binary_cross_entropy_with_logits`` as one op: the stable form's branch
on the sign of the logit is taken on floats inside the op, for every batch afresh."""


def binary_cross_entropy_with_logits(
    logits: Sequence[Any], targets: Sequence[Any]
) -> Value:
    """Mean binary cross-entropy of sigmoid(logit) against targets in [0, 1].

    Equals ``torch.nn.BCEWithLogitsLoss()``: ``(1 - t) * x + softplus(-x)`` per element, which
    is ``softplus(x) - t * x``. Written each way round so that softplus only ever sees
    ``-|x|``: no overflow and no cancellation, finite for any finite logit. Each element is
    one ``binary_cross_entropy`` op; a target given as a Value gets the gradient ``-x``.
    Logits that are outputs of a ``sigmoid`` node are probabilities: a ``UserWarning`` says so
    (when they were computed with a graph: a pass under ``no_grad``, as in ``evaluate`` and
    ``fit``'s validation, records no ops to recognise).
    """
    xs, ts = _pairs(logits, targets, "binary_cross_entropy_with_logits")
    for i, x in enumerate(xs):
        if isinstance(x, Value) and x.op == "sigmoid":
            _warn_not_logits("binary_cross_entropy_with_logits", f"logit {i}", "sigmoid",
                             "Pass the outputs before it: MLP(..., output_activation=None), "
                             "or drop the final Sigmoid().")
            break
    for i, t in enumerate(ts):
        if not isinstance(t, Value) and not 0.0 <= t <= 1.0:
            raise ValueError(f"binary_cross_entropy_with_logits: target {i} must be in [0, 1], "
                             f"got {t!r}")
    return mean([_bce_element(x, t) for x, t in zip(xs, ts, strict=True)])


def _is_softmax(row: Sequence[Any]) -> bool:
    """True when ``row`` is what ``autograd.softmax`` returns: every entry ``exp(z - lse)``
    with one ``logsumexp`` node ``lse`` shared by the whole row."""
    shared = None
    for v in row:
        if not isinstance(v, Value) or v.op != "exp" or len(v.parents) != 1:
            return False
        (diff,) = v.parents
        if diff.op != "sub" or not diff.parents:
            return False
        lse = diff.parents[-1]
        if lse.op != "logsumexp" or (shared is not None and lse is not shared):
            return False
        shared = lse
    return shared is not None


def _warn_not_logits(name: str, where: str, what: str, fix: str) -> None:
    """The warning for probabilities given to a loss that takes logits (it would apply its
    own softmax or sigmoid again, and training would stall short of its optimum)."""
    warnings.warn(f"{name} takes logits (scores before any {what}), but {where} is the output "
                  f"of a {what}: the loss applies its own {what}, so training goes through two "
                  f"and plateaus short of the optimum. {fix}", UserWarning, stacklevel=3)


def cross_entropy(logit_rows: Sequence[Sequence[Any]], target_indices: Sequence[Any]) -> Value:
    """Mean categorical cross-entropy of softmax(row) against class indices.

    Equals ``torch.nn.CrossEntropyLoss()`` on a batch of unnormalised logits: per row
    ``logsumexp(row) - row[target]``, computed on the row shifted by its own ``logsumexp`` so
    that value and gradient stay accurate for any finite logits. Gradient per row:
    ``softmax(row) - onehot(target)``, over the batch size.

    A class index given as a Value (a traced label under ``jit``) picks its logit with the
    weights ``relu(1 - |target - j|)``: exactly 1 for ``j == target`` and 0 for every other
    class when the target is a whole number, with no Python branch on its data. It cannot be
    checked (a traced input has no fixed data), gets a zero gradient (an index has none in
    PyTorch either), and a target that is not a class index picks nothing sensible.

    Rows that are the outputs of ``autograd.softmax`` (an MLP's ``output_activation="softmax"``,
    a ``Softmax`` module) are probabilities, not logits: a ``UserWarning`` says so, once a call
    (when they were computed with a graph: a pass under ``no_grad``, as in ``evaluate`` and
    ``fit``'s validation, records no ops to recognise).

    >>> from autograd import Value
    >>> row = [Value(2.0), Value(2.0)]
    >>> loss = cross_entropy([row], [0])
    >>> loss.backward()
    >>> round(loss.data, 12)
    0.69314718056
    >>> round(row[0].grad, 12), round(row[1].grad, 12)
    (-0.5, 0.5)
    """
    name = "cross_entropy"
    rows = _row(logit_rows)
    if not rows:
        raise ValueError(f"{name}: logit_rows must be a non-empty list (or array) of rows")
    targets = _row(target_indices)
    if targets is None:
        raise TypeError(f"{name}: target_indices must be a list (or array) of ints, "
                        f"got {type(target_indices).__name__}")
    if len(rows) != len(targets):
        raise ValueError(f"{name}: {len(rows)} rows of logits but {len(targets)} targets")
    nclasses = None
    terms = []
    warned = False
    for i, (logits, k) in enumerate(zip(rows, targets, strict=True)):
        row = _row(logits)
        if row is None:
            raise TypeError(f"{name}: row {i} must be a list of logits, got "
                            f"{type(logits).__name__} (one output per class is needed)")
        if not warned and _is_softmax(row):
            warned = True
            _warn_not_logits(name, f"row {i}", "softmax", "Pass the outputs before it: "
                             "MLP(..., output_activation=None), or drop the final Softmax().")
        if nclasses is None:
            nclasses = len(row)
            if nclasses < 1:
                raise ValueError(f"{name}: row 0 is empty")
        elif len(row) != nclasses:
            raise ValueError(f"{name}: row {i} has {len(row)} logits, row 0 has {nclasses}")
        if not isinstance(k, Value) and (not is_integer(k) or not 0 <= k < nclasses):
            raise ValueError(f"{name}: target {i} must be a class index in "
                             f"0..{nclasses - 1}, got {k!r}")
        row = [_prediction(x, name, f"logit [{i}][{j}]") for j, x in enumerate(row)]
        # Shift by the row's own logsumexp first: log_softmax is shift-invariant, and the
        # shifted row's logsumexp lies in [0, log C], so its derivatives exp(x_i - lse) stay
        # accurate however large the logits (unshifted, an lse of 1e17 rounds away log C and
        # every derivative becomes exp(0) = 1). The shift is a node, not a number read from
        # the data, so a compiled loss shifts every batch by that batch's own logsumexp.
        # (Its own gradient is sum(softmax) - 1: zero up to rounding.)
        top = logsumexp(row)
        shifted = [x - top for x in row]
        if isinstance(k, Value):
            weights = [relu(1.0 - abs(k - j)) for j in range(len(row))]
            picked = dot(weights, shifted)
        else:
            picked = shifted[int(k)]
        terms.append(logsumexp(shifted) - picked)
    return mean(terms)


# How ``nn.accuracy`` (and ``fit``/``evaluate``) judges a model's single output under each loss:
# "sign" for scores and logits (the output's sign picks the class), "nearest" for outputs that
# predict the label itself (the nearer of the two label values). Several outputs are judged by
# argmax either way. A loss of your own declares its rule the same way:
# ``my_loss.accuracy_rule = "sign"``. (Set through vars(): type checkers know no function
# attributes.)
for _loss, _rule in (
    (mse, "nearest"), (l1, "nearest"), (smooth_l1, "nearest"),
    (hinge, "sign"), (binary_cross_entropy_with_logits, "sign"), (cross_entropy, "sign"),
):
    vars(_loss)["accuracy_rule"] = _rule
del _loss, _rule
