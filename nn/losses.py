"""Loss functions: each takes a batch and returns the batch mean as one ``Value``.

Values and gradients follow PyTorch's ``reduction="mean"`` losses of the same name (for
``hinge``: ``torch.relu(1 - labels * scores).mean()``). Per-sample terms are built from the
engine's ops and averaged by a single n-ary ``mean`` (or ``dot``) node. Predictions may be
Values or plain numbers; targets are numbers. Regression losses also take a batch of rows
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

from collections.abc import Sequence
from typing import Any

from autograd import Value, dot, logsumexp, mean, relu, softplus

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
    """``t`` as a finite float (any real number but a bool; a Value's data)."""
    if isinstance(t, Value):
        return t.data  # constants given as Values are allowed; they get no gradient here
    return finite_float(t, f"{name}: {where}")


def _prediction(p: Any, name: str, where: str) -> Any:
    """A prediction: a Value as it is, a real number (NumPy scalars included) as a float."""
    if isinstance(p, Value):
        return p
    if is_number(p):
        return float(p)
    raise TypeError(f"{name}: {where} must be a Value or a number, got {type(p).__name__}")


def _pairs(preds: Any, targets: Any, name: str) -> tuple[list[Any], list[float]]:
    """Flattened (prediction, target) lists with matching shapes, targets as floats."""
    ps = _batch(preds, "predictions", name)
    ts = _batch(targets, "targets", name)
    if len(ps) != len(ts):
        raise ValueError(f"{name}: {len(ps)} predictions but {len(ts)} targets")
    flat_p: list[Any] = []
    flat_t: list[float] = []
    for i, (p, t) in enumerate(zip(ps, ts, strict=True)):
        p_row = _row(p)
        t_row = _row(t)
        if (p_row is None) != (t_row is None):
            raise ValueError(f"{name}: prediction {i} and target {i} differ in shape")
        if p_row is not None and t_row is not None:
            if len(p_row) != len(t_row):
                raise ValueError(f"{name}: prediction {i} has {len(p_row)} outputs but "
                                 f"target {i} has {len(t_row)}")
            flat_p.extend(_prediction(v, name, f"prediction [{i}][{j}]")
                          for j, v in enumerate(p_row))
            flat_t.extend(_number(v, name, f"target [{i}][{j}]") for j, v in enumerate(t_row))
        else:
            flat_p.append(_prediction(p, name, f"prediction {i}"))
            flat_t.append(_number(t, name, f"target {i}"))
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


def smooth_l1(preds: Sequence[Any], targets: Sequence[Any], beta: float = 1.0) -> Value:
    """Huber-like loss (``torch.nn.SmoothL1Loss``): quadratic below ``beta``, linear above.

    Per element with ``d = pred - target``: ``0.5 * d**2 / beta`` if ``|d| < beta``, else
    ``|d| - 0.5 * beta``. ``beta = 0`` is exactly ``l1``.
    """
    beta = _number(beta, "smooth_l1", "beta")
    if beta < 0.0:
        raise ValueError(f"smooth_l1: beta must be >= 0, got {beta}")
    ps, ts = _pairs(preds, targets, "smooth_l1")
    half_over_beta = 0.5 / beta if beta > 0.0 else 0.0
    half_beta = 0.5 * beta
    terms = []
    for p, t in zip(ps, ts, strict=True):
        d = p - t
        if abs(float(d)) < beta:
            terms.append(d * d * half_over_beta)
        else:
            terms.append(abs(d) - half_beta)
    return mean(terms)


def hinge(scores: Sequence[Any], labels: Sequence[Any]) -> Value:
    """Mean hinge loss ``mean(relu(1 - label * score))`` for labels in {-1, +1}.

    This is the SVM loss of micrograd's moons demo; its PyTorch equivalent is
    ``torch.relu(1 - labels * scores).mean()``. Labels 0/1 are refused rather than guessed:
    map them with ``[2 * t - 1 for t in y]``.
    """
    ss = _batch(scores, "scores", "hinge")
    ys = _batch(labels, "labels", "hinge")
    if len(ss) != len(ys):
        raise ValueError(f"hinge: {len(ss)} scores but {len(ys)} labels")
    terms = []
    for i, (s, y) in enumerate(zip(ss, ys, strict=True)):
        if not is_number(y) or y not in (1, -1):
            raise ValueError(f"hinge: label {i} must be -1 or +1, got {y!r} "
                             "(map 0/1 labels with 2 * y - 1)")
        if _row(s) is not None:
            raise TypeError(f"hinge: score {i} must be a single Value, got a row")
        s = _prediction(s, "hinge", f"score {i}")
        # 1 - y * s without multiplying by +-1: one node fewer per sample.
        terms.append(relu(1.0 - s if y > 0 else s + 1.0))
    return mean(terms)


def binary_cross_entropy_with_logits(
    logits: Sequence[Any], targets: Sequence[Any]
) -> Value:
    """Mean binary cross-entropy of sigmoid(logit) against targets in [0, 1].

    Equals ``torch.nn.BCEWithLogitsLoss()``: ``(1 - t) * x + softplus(-x)`` per element, which
    is ``softplus(x) - t * x``. Written each way round so that softplus only ever sees
    ``-|x|``: no overflow and no cancellation, finite for any finite logit.
    """
    xs, ts = _pairs(logits, targets, "binary_cross_entropy_with_logits")
    terms = []
    for i, (x, t) in enumerate(zip(xs, ts, strict=True)):
        if not 0.0 <= t <= 1.0:
            raise ValueError(f"binary_cross_entropy_with_logits: target {i} must be in [0, 1], "
                             f"got {t!r}")
        if float(x) >= 0.0:
            terms.append(softplus(-x) + x * (1.0 - t))
        else:
            terms.append(softplus(x) - x * t)
    return mean(terms)


def cross_entropy(logit_rows: Sequence[Sequence[Any]], target_indices: Sequence[int]) -> Value:
    """Mean categorical cross-entropy of softmax(row) against class indices.

    Equals ``torch.nn.CrossEntropyLoss()`` on a batch of unnormalised logits: per row
    ``logsumexp(row) - row[target]``, computed on the row shifted by its maximum so that value
    and gradient stay accurate for any finite logits. Gradient per row:
    ``softmax(row) - onehot(target)``, over the batch size.

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
    for i, (logits, k) in enumerate(zip(rows, targets, strict=True)):
        row = _row(logits)
        if row is None:
            raise TypeError(f"{name}: row {i} must be a list of logits, got "
                            f"{type(logits).__name__} (one output per class is needed)")
        if nclasses is None:
            nclasses = len(row)
            if nclasses < 1:
                raise ValueError(f"{name}: row 0 is empty")
        elif len(row) != nclasses:
            raise ValueError(f"{name}: row {i} has {len(row)} logits, row 0 has {nclasses}")
        if not is_integer(k) or not 0 <= k < nclasses:
            raise ValueError(f"{name}: target {i} must be a class index in "
                             f"0..{nclasses - 1}, got {k!r}")
        k = int(k)
        row = [_prediction(x, name, f"logit [{i}][{j}]") for j, x in enumerate(row)]
        # Shift by the row's largest logit (a constant) first: log_softmax is shift-invariant,
        # and logsumexp of the shifted row lies in [0, log C], so its derivatives
        # exp(x_i - lse) stay accurate however large the logits (unshifted, an lse of 1e17
        # rounds away log C and every derivative becomes exp(0) = 1).
        top = max(float(x) for x in row)
        shifted = [x - top for x in row]
        terms.append(logsumexp(shifted) - shifted[k])
    return mean(terms)
