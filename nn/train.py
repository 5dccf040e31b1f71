"""The training loop: ``fit`` runs mini-batch gradient descent and records loss and accuracy.

Labels are passed through to the loss untouched, so they are whatever the loss expects:
0/1 for ``binary_cross_entropy_with_logits`` and ``mse``, -1/+1 for ``hinge`` (convert with
``[2 * t - 1 for t in y]``), class indices for ``cross_entropy``. Accuracy is computed from the
same outputs and works for all of these: with one output a sample is right when
``(out > 0) == (label > 0)``; with several, when the largest output's index equals the label.
That rule reads outputs as scores or logits (as ``MLP``'s linear last layer gives); for a model
ending in a sigmoid, threshold its outputs at 0.5 yourself.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

from autograd import Value

from .module import Module
from .optim import Optimizer

__all__ = ["accuracy", "fit"]


def _correct(out: Any, label: Any) -> bool:
    if isinstance(out, (list, tuple)):
        best = max(range(len(out)), key=lambda k: float(out[k]))
        return best == label
    return (float(out) > 0) == (label > 0)


def accuracy(outputs: Sequence[Any], labels: Sequence[Any]) -> float:
    """Fraction of ``outputs`` classified right (one output: by sign; several: by argmax).

    >>> accuracy([0.3, -1.2, 2.0], [1, 0, 0])
    0.6666666666666666
    >>> accuracy([[0.1, 0.9], [2.0, -1.0]], [1, 1])
    0.5
    """
    if len(outputs) != len(labels):
        raise ValueError(f"accuracy: {len(outputs)} outputs but {len(labels)} labels")
    if not outputs:
        raise ValueError("accuracy: no outputs")
    return sum(_correct(o, t) for o, t in zip(outputs, labels, strict=True)) / len(outputs)


def fit(
    model: Module | Callable[[Any], Any],
    X: Sequence[Sequence[Any]],
    y: Sequence[Any],
    *,
    loss: Callable[[list[Any], list[Any]], Value],
    optimizer: Optimizer,
    epochs: int,
    batch_size: int | None = None,
    progress: bool = True,
    seed: int | random.Random | None = None,
    lr_schedule: Callable[[int], float] | None = None,
) -> list[dict[str, float]]:
    """Trains ``model`` on ``(X, y)`` and returns one record per epoch.

    Each step: zero the gradients, run the model on a batch, ``loss(outputs, y_batch)``,
    backward, ``optimizer.step()``. The loss callable may add regularisation terms over
    ``model.parameters()``.

    Args:
        model: a callable from one input row to a Value (one output) or a list of Values.
        X: input rows.
        y: labels, in the form ``loss`` expects (see the module docstring).
        loss: ``loss(outputs, y_batch) -> Value``, e.g. from :mod:`nn.losses`.
        optimizer: holds the parameters to train, e.g. ``SGD(model.parameters(), lr=0.1)``.
        epochs: passes over the data.
        batch_size: samples per step; ``None`` (or ``>= len(X)``) is full-batch, one step per
            epoch.
        progress: show a tqdm bar with the epoch's loss and accuracy.
        seed: int or ``random.Random`` for shuffling mini-batches (each epoch reshuffles);
            full-batch training never shuffles.
        lr_schedule: ``epoch -> lr``, assigned to ``optimizer.lr`` before each epoch.

    Returns:
        A list with one dict per epoch: ``epoch``, ``loss`` (mean over the epoch's samples of
        the batch losses), ``accuracy`` (of the outputs computed during the epoch, i.e. before
        each batch's update), ``lr``.
    """
    n = len(X)
    if n == 0:
        raise ValueError("fit: X is empty")
    if len(y) != n:
        raise ValueError(f"fit: {n} inputs but {len(y)} labels")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"fit: epochs must be an int >= 0, got {epochs!r}")
    if batch_size is None:
        batch_size = n
    elif isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"fit: batch_size must be a positive int or None, got {batch_size!r}")
    if not callable(loss):
        raise TypeError("fit: loss must be callable as loss(outputs, y_batch)")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"fit: optimizer must be an nn.optim optimizer, "
                        f"got {type(optimizer).__name__}")
    rng = seed if isinstance(seed, random.Random) else random.Random(seed)
    X = list(X)
    y = list(y)
    order = list(range(n))
    full_batch = batch_size >= n

    epoch_iter: Any = range(epochs)
    bar = None
    if progress:
        from tqdm import tqdm  # the one third-party import, only when a bar is wanted

        bar = tqdm(epoch_iter, desc="training", unit="epoch", leave=True)
        epoch_iter = bar

    history: list[dict[str, float]] = []
    for epoch in epoch_iter:
        if lr_schedule is not None:
            optimizer.lr = lr_schedule(epoch)
        if not full_batch:
            rng.shuffle(order)
        total_loss = 0.0
        correct = 0
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            xb = [X[i] for i in idx] if not full_batch else X
            yb = [y[i] for i in idx] if not full_batch else y
            optimizer.zero_grad()
            outputs = [model(x) for x in xb]
            value = loss(outputs, yb)
            if not isinstance(value, Value):
                raise TypeError(f"fit: loss returned {type(value).__name__}, not a Value")
            value.backward()
            optimizer.step()
            total_loss += value.data * len(xb)
            correct += sum(_correct(o, t) for o, t in zip(outputs, yb, strict=True))
        record = {
            "epoch": epoch,
            "loss": total_loss / n,
            "accuracy": correct / n,
            "lr": optimizer.lr,
        }
        history.append(record)
        if bar is not None:
            bar.set_postfix(loss=f"{record['loss']:.4f}", acc=f"{record['accuracy']:.1%}")
        if not math.isfinite(record["loss"]):
            if bar is not None:
                bar.close()
            raise FloatingPointError(
                f"fit: the loss became {record['loss']!r} in epoch {epoch}; "
                "lower the learning rate"
            )
    if bar is not None:
        bar.close()
    return history
