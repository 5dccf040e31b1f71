"""Loss functions: each takes a batch and returns the batch mean as one ``Value``.

Values and gradients follow PyTorch's ``reduction="mean"`` losses of the same name (for
``hinge``: ``torch.relu(1 - labels * scores).mean()``). Per-sample terms are built from the
engine's ops and averaged by a single n-ary ``mean`` (or ``dot``) node. Predictions may be
Values or plain numbers; targets are numbers. Regression losses also take a batch of rows
(lists of outputs), averaging over every element as PyTorch does.

>>> from autograd import Value
>>> p = [Value(1.0), Value(3.0)]
>>> loss = mse(p, [0.0, 1.0])
>>> loss.backward()
>>> loss.data, p[0].grad, p[1].grad
(2.5, 1.0, 2.0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from autograd import Value, dot, logsumexp, mean, relu, softplus

__all__ = [
    "binary_cross_entropy_with_logits", "cross_entropy", "hinge", "l1", "mse", "smooth_l1",
]


def _batch(xs: Any, what: str, name: str) -> list[Any]:
    """The batch as a list; a single Value or number is a batch of one."""
    if isinstance(xs, (Value, int, float)) and not isinstance(xs, bool):
        return [xs]
    if not isinstance(xs, (list, tuple)):
        raise TypeError(f"{name}: {what} must be a list, got {type(xs).__name__}")
    if not xs:
        raise ValueError(f"{name}: {what} is empty")
    return list(xs)


def _number(t: Any, name: str, where: str) -> float:
    if isinstance(t, bool) or not isinstance(t, (int, float)):
        if isinstance(t, Value):
            return t.data  # constants given as Values are allowed; they get no gradient here
        raise TypeError(f"{name}: {where} must be a number, got {type(t).__name__}: {t!r}")
    t = float(t)
    if not math.isfinite(t):
        raise ValueError(f"{name}: {where} is not finite ({t!r})")
    return t


def _pairs(preds: Any, targets: Any, name: str) -> tuple[list[Any], list[float]]:
    """Flattened (prediction, target) lists with matching shapes, targets as floats."""
    ps = _batch(preds, "predictions", name)
    ts = _batch(targets, "targets", name)
    if len(ps) != len(ts):
        raise ValueError(f"{name}: {len(ps)} predictions but {len(ts)} targets")
    flat_p: list[Any] = []
    flat_t: list[float] = []
    for i, (p, t) in enumerate(zip(ps, ts, strict=True)):
        p_row = isinstance(p, (list, tuple))
        t_row = isinstance(t, (list, tuple))
        if p_row != t_row:
            raise ValueError(f"{name}: prediction {i} and target {i} differ in shape")
        if p_row:
            if len(p) != len(t):
                raise ValueError(
                    f"{name}: prediction {i} has {len(p)} outputs but target {i} has {len(t)}"
                )
            flat_p.extend(p)
            flat_t.extend(_number(v, name, f"target [{i}][{j}]") for j, v in enumerate(t))
        else:
            flat_p.append(p)
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
        if isinstance(y, bool) or y not in (1, -1):
            raise ValueError(f"hinge: label {i} must be -1 or +1, got {y!r} "
                             "(map 0/1 labels with 2 * y - 1)")
        if isinstance(s, (list, tuple)):
            raise TypeError(f"hinge: score {i} must be a single Value, got a row")
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
    if not isinstance(logit_rows, (list, tuple)) or not logit_rows:
        raise ValueError(f"{name}: logit_rows must be a non-empty list of rows")
    if not isinstance(target_indices, (list, tuple)):
        raise TypeError(f"{name}: target_indices must be a list of ints, "
                        f"got {type(target_indices).__name__}")
    if len(logit_rows) != len(target_indices):
        raise ValueError(
            f"{name}: {len(logit_rows)} rows of logits but {len(target_indices)} targets"
        )
    nclasses = None
    terms = []
    for i, (row, k) in enumerate(zip(logit_rows, target_indices, strict=True)):
        if not isinstance(row, (list, tuple)):
            raise TypeError(f"{name}: row {i} must be a list of logits, got "
                             f"{type(row).__name__} (one output per class is needed)")
        if nclasses is None:
            nclasses = len(row)
            if nclasses < 1:
                raise ValueError(f"{name}: row 0 is empty")
        elif len(row) != nclasses:
            raise ValueError(f"{name}: row {i} has {len(row)} logits, row 0 has {nclasses}")
        if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < nclasses:
            raise ValueError(f"{name}: target {i} must be a class index in "
                             f"0..{nclasses - 1}, got {k!r}")
        # Shift by the row's largest logit (a constant) first: log_softmax is shift-invariant,
        # and logsumexp of the shifted row lies in [0, log C], so its derivatives
        # exp(x_i - lse) stay accurate however large the logits (unshifted, an lse of 1e17
        # rounds away log C and every derivative becomes exp(0) = 1).
        top = max(float(x) for x in row)
        shifted = [x - top for x in row]
        terms.append(logsumexp(shifted) - shifted[k])
    return mean(terms)
