"""Callbacks for :func:`nn.fit`: hooks run around training, with Keras' names.

``fit`` calls ``set_model(model)`` and ``on_train_begin()`` before the first epoch,
``on_epoch_begin(epoch)`` and ``on_epoch_end(epoch, logs)`` around each epoch (``logs`` is that
epoch's history record: ``loss``, ``val_loss``, metrics...), and ``on_train_end()`` after the
last one. A callback ends training by setting its ``stop_training`` attribute (Keras sets it on
the model; ours are plain callables or Modules, so the flag lives on the callback).

:class:`EarlyStopping` stops when a monitored figure stops improving and can put back the
weights of the best epoch.
"""

from __future__ import annotations

import math
from typing import Any

from .arrays import is_number
from .module import Module

__all__ = ["Callback", "EarlyStopping"]


class Callback:
    """Base class: override the hooks you need; each default does nothing."""

    def __init__(self) -> None:
        self.model: Any = None
        self.stop_training = False

    def set_model(self, model: Any) -> None:
        """Called by ``fit`` first, with the model being trained."""
        self.model = model

    def on_train_begin(self, logs: dict[str, float] | None = None) -> None:
        """Before the first epoch."""

    def on_epoch_begin(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        """Before epoch ``epoch`` (counted from 0)."""

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        """After epoch ``epoch``; ``logs`` is its history record (a copy)."""

    def on_train_end(self, logs: dict[str, float] | None = None) -> None:
        """After the last epoch (also after an early stop); ``logs`` is the last record."""


class EarlyStopping(Callback):
    """Stops training when ``monitor`` has not improved for ``patience`` epochs.

    Keras' rule: an epoch improves on the best so far when its figure is lower by more than
    ``min_delta`` (``mode="min"``) or higher by more than ``min_delta`` (``mode="max"``);
    ``mode="auto"`` means max for names containing ``"acc"``, min otherwise. Training stops at
    the end of the ``patience``-th epoch in a row without improvement (``patience=0`` stops at
    the first one, as in Keras). A NaN never improves.

    With ``restore_best_weights=True`` the model (an ``nn.Module``) gets back, bit for bit, the
    weights it had at the end of its best epoch when training ends, whether it stopped early or
    ran all its epochs (Keras restores only after an early stop; keeping the last weights when
    a better epoch exists is rarely what is wanted). The optimizer's state is not rewound, and
    nothing is restored when ``fit`` raises (a non-finite loss, an interrupt). Only the ``val_``
    figures are measured on those end-of-epoch weights: ``loss`` and the training metrics are
    measured during the epoch, before its updates (see :mod:`nn.train`), so the weights restored
    for the best ``loss`` are that epoch's updates past the ones that scored it.

    After training, ``best``, ``best_epoch`` and ``stopped_epoch`` (``None`` if it ran to the
    end) say what happened.

    >>> stop = EarlyStopping(monitor="val_accuracy", patience=3)
    >>> stop.mode
    'max'
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        mode: str = "auto",
        restore_best_weights: bool = False,
    ) -> None:
        super().__init__()
        if not isinstance(monitor, str) or not monitor:
            raise TypeError(f"EarlyStopping: monitor must be a history key such as 'val_loss', "
                            f"got {monitor!r}")
        if not is_number(min_delta) or not (math.isfinite(min_delta) and min_delta >= 0):
            raise ValueError(f"EarlyStopping: min_delta must be a finite number >= 0, "
                             f"got {min_delta!r}")
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
            raise ValueError(f"EarlyStopping: patience must be an int >= 0, got {patience!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'auto', 'min' or 'max', got {mode!r}")
        if not isinstance(restore_best_weights, bool):
            raise TypeError("EarlyStopping: restore_best_weights must be True or False")
        self.monitor = monitor
        self.min_delta = float(min_delta)
        self.patience = patience
        self.mode = ("max" if "acc" in monitor else "min") if mode == "auto" else mode
        self.restore_best_weights = restore_best_weights
        self._reset()

    def _reset(self) -> None:
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.stopped_epoch: int | None = None
        self.wait = 0
        self._best_state: dict[str, float] | None = None
        self.stop_training = False

    def _improves(self, current: float) -> bool:
        if math.isnan(current):
            return False
        if self.best is None:
            return True
        if self.mode == "min":
            return current < self.best - self.min_delta
        return current > self.best + self.min_delta

    def on_train_begin(self, logs: dict[str, float] | None = None) -> None:
        """Starts afresh (the same callback can serve several runs)."""
        self._reset()
        if self.restore_best_weights and not isinstance(self.model, Module):
            raise TypeError("EarlyStopping: restore_best_weights needs an nn.Module model "
                            f"(with state_dict), got {type(self.model).__name__}")

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        """Records an improvement, or counts one more epoch without and stops when due."""
        if self.monitor not in logs:
            keys = ", ".join(k for k in logs if k not in ("epoch", "lr"))
            hint = " (pass validation_data to fit)" if self.monitor.startswith("val_") else ""
            raise ValueError(f"EarlyStopping: monitor {self.monitor!r} is not in the history; "
                             f"it has {keys}{hint}")
        current = float(logs[self.monitor])
        if self._improves(current):
            self.best = current
            self.best_epoch = epoch
            self.wait = 0
            if self.restore_best_weights:
                self._best_state = self.model.state_dict()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.stop_training = True

    def on_train_end(self, logs: dict[str, float] | None = None) -> None:
        """Puts back the best epoch's weights when asked to."""
        if self.restore_best_weights and self._best_state is not None:
            self.model.load_state_dict(self._best_state)
