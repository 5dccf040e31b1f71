"""The training loop: ``fit`` runs mini-batch gradient descent and records loss and metrics.

Labels are passed through to the loss, so they are whatever the loss expects: 0/1 for
``binary_cross_entropy_with_logits`` and ``mse``, -1/+1 for ``hinge`` (convert with
``[2 * t - 1 for t in y]``), class indices for ``cross_entropy``. Inputs and labels may be lists,
tuples or arrays (NumPy arrays of any numeric dtype; see :mod:`nn.arrays`): ``fit`` reads them
once into Python floats (ints for integral labels) and refuses non-finite inputs up front.

**What the history reports** (as Keras does): ``loss`` and the training metrics of an epoch
are the sample-weighted means over its batches, each batch measured on the outputs its own
step computed, i.e. on the model *before* that batch's update, so loss and accuracy describe
the same forward passes. ``val_loss`` and the ``val_`` metrics are measured on the whole
validation set with the model as it is at the *end* of the epoch. :func:`evaluate` measures any
data on the model as it is now.

**Metrics**: ``metrics=None`` gives ``accuracy`` for the classification losses (``hinge``,
``binary_cross_entropy_with_logits``, ``cross_entropy``) and nothing for regression losses or
a loss of your own; pass ``metrics=["accuracy"]`` to get it anyway, ``[]`` for none. A metric
is ``"accuracy"`` or a named function ``metric(outputs, labels) -> float``, called with the
outputs as floats (one per sample, or a list per sample for several outputs); its name is its
history key. Accuracy: with one output a sample is right when ``(out > 0) == (label > 0)``;
with several, when the largest output's index equals the label. That reads outputs as scores
or logits (as ``MLP``'s linear last layer gives); for a model ending in a sigmoid, threshold
its outputs at 0.5 yourself.

**Compiling the step** (``jit``): the batch step, ``loss([model(x) for x in xb], yb)`` and its
backward, is compiled by ``autograd.jit`` with the batch's inputs and labels as traced inputs,
one trace per batch size. The default ``jit="auto"`` compiles a batch size only when that
pays: compiling costs about 125 us per graph node (jit's own estimate, measured as it goes),
a compiled step saves about three quarters of the engine's step, so a batch size is compiled
when the steps it has left, times the first step's engine time, times 0.6, exceed the
estimate. Measured on moons (MLP(2, [16, 16, 1]), hinge, Adam): 40 full-batch epochs stay in
the engine (0.57 s; ``jit=True`` 0.66 s), the demo's 200 epochs of batches of 20 compile
(0.80 s against 2.81 s). ``True`` could make short runs slower and ``False`` leaves long runs
3x slower, hence "auto". The first two steps of each batch size run in the engine too, and
the compiled step must agree with them (it does bit for bit for anything jit can follow); a
model or loss that reads ``.data``, calls ``float()`` on a Value or compares a label with
``==`` (labels are traced Values) fails that check, and the fit carries on in the engine,
with a ``RuntimeWarning``.
"""

from __future__ import annotations

import functools
import math
import random
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from autograd import Value, no_grad, topological_order
from autograd import jit as autograd_jit  # fit's own argument is named jit
from autograd.jit import compile_estimate

from . import losses
from .arrays import as_sequence, is_integer, is_number
from .callbacks import Callback
from .checks import finite_float
from .module import Module
from .optim import Optimizer

__all__ = ["accuracy", "evaluate", "fit"]

Metric = Callable[[list[Any], list[Any]], float]
Record = dict[str, float]

_CLASSIFICATION_LOSSES = (
    losses.hinge, losses.binary_cross_entropy_with_logits, losses.cross_entropy,
)
_RESERVED = ("epoch", "loss", "lr")


# -- accuracy and metrics --------------------------------------------------------------------------


def _correct(out: Any, label: Any) -> bool:
    row = as_sequence(out) if not isinstance(out, Value) else None
    if row is not None and len(row) == 1:  # a row of one output: by sign, not argmax (always 0)
        out, row = row[0], None
    if row is not None:
        best = max(range(len(row)), key=lambda k: float(row[k]))
        return bool(best == label)
    return (float(out) > 0) == (float(label) > 0)


def accuracy(outputs: Sequence[Any], labels: Sequence[Any]) -> float:
    """Fraction of ``outputs`` classified right (one output: by sign; several: by argmax).

    Outputs may be Values, numbers or rows of them; outputs and labels may be arrays.

    >>> accuracy([0.3, -1.2, 2.0], [1, 0, 0])
    0.6666666666666666
    >>> accuracy([[0.1, 0.9], [2.0, -1.0]], [1, 1])
    0.5
    """
    outs = as_sequence(outputs)
    labs = as_sequence(labels)
    if outs is None or labs is None:
        raise TypeError("accuracy: outputs and labels must be lists or arrays, got "
                        f"{type(outputs).__name__} and {type(labels).__name__}")
    if len(outs) != len(labs):
        raise ValueError(f"accuracy: {len(outs)} outputs but {len(labs)} labels")
    if not outs:
        raise ValueError("accuracy: no outputs")
    for i, t in enumerate(labs):
        if not is_number(t):
            raise TypeError(f"accuracy: label {i} must be a real number, got {type(t).__name__}")
    return sum(_correct(o, t) for o, t in zip(outs, labs, strict=True)) / len(outs)


def _is_classification(loss: Any) -> bool:
    while isinstance(loss, functools.partial):
        loss = loss.func
    return any(loss is known for known in _CLASSIFICATION_LOSSES)


def _resolve_metrics(metrics: Any, loss: Any, who: str) -> list[tuple[str, Metric]]:
    """``(history key, function)`` pairs for the ``metrics`` argument."""
    if metrics is None:
        return [("accuracy", accuracy)] if _is_classification(loss) else []
    if isinstance(metrics, str) or callable(metrics) or as_sequence(metrics) is None:
        raise TypeError(f"{who}: metrics must be a list such as ['accuracy'], got "
                        f"{type(metrics).__name__}")
    out: list[tuple[str, Metric]] = []
    for m in metrics:
        if isinstance(m, str):
            if m not in ("accuracy", "acc"):
                raise ValueError(f"{who}: unknown metric {m!r}; use 'accuracy' or a function "
                                 "metric(outputs, labels) -> float")
            name, fn = "accuracy", accuracy
        elif callable(m):
            name = getattr(m, "__name__", "")
            if not name or name == "<lambda>":
                raise ValueError(f"{who}: a metric function needs a name (define it with def): "
                                 "the name is its key in the history")
            fn = m
        else:
            raise TypeError(f"{who}: a metric must be 'accuracy' or a function, "
                            f"got {type(m).__name__}")
        if name in _RESERVED or name.startswith("val_"):
            raise ValueError(f"{who}: metric name {name!r} is reserved for the history")
        if any(name == known for known, _ in out):
            raise ValueError(f"{who}: metric {name!r} is given twice")
        out.append((name, fn))
    return out


def _floats(out: Any) -> Any:
    """A model output as plain floats: a float, or a list of floats for several outputs."""
    if isinstance(out, Value):
        return out.data
    row = as_sequence(out)
    if row is not None:
        return [float(v) for v in row]
    return float(out)


# -- reading data ----------------------------------------------------------------------------------


def _finite(v: Any, where: str, who: str) -> float:
    """``v`` as a finite float, refusing non-numbers (bools included) and NaN/inf."""
    if isinstance(v, bool):
        raise TypeError(f"{who}: {where} must be a real number, got bool (convert booleans "
                        "with astype(int))")
    return finite_float(v, f"{who}: {where}",
                        advice="; inputs and labels must be finite (drop or impute missing "
                        "values first)")


def _check_label(t: Any, where: str, who: str) -> int | float:
    """A finite label as a Python int (class indices stay integers) or float."""
    f = _finite(t, where, who)
    return int(t) if is_integer(t) else f


def _read_items(
    data: Any, name: str, what: str, who: str, read: Callable[[Any, str, str], Any]
) -> list[Any]:
    """The items of ``data``, each a number or a row of numbers, every number through ``read``.

    ``read(number, where, who)`` checks and converts one number (``_finite`` for inputs,
    ``_check_label`` for labels); ``where`` names it by index, and by row and column in a row.
    """
    items = as_sequence(data)
    if items is None:
        raise TypeError(f"{who}: {name} must be a list or array of {what}, "
                        f"got {type(data).__name__}")
    out: list[Any] = []
    for i, item in enumerate(items):
        row = None if is_number(item) else as_sequence(item)
        if row is not None:
            out.append([read(v, f"{name}[{i}][{j}] (row {i}, column {j})", who)
                        for j, v in enumerate(row)])
        elif is_number(item) or isinstance(item, bool):  # a bool: refused with a hint
            out.append(read(item, f"{name}[{i}]", who))
        else:
            raise TypeError(f"{who}: {name}[{i}] must be a number or a row of numbers, "
                            f"got {type(item).__name__}")
    return out


def _read_data(X: Any, y: Any, who: str, *, prefix: str = "") -> tuple[list[Any], list[Any]]:
    """Inputs as floats (rows as lists of floats) and labels as ints or floats, checked."""
    xs = _read_items(X, f"{prefix}X", "input rows", who, _finite)
    ys = _read_items(y, f"{prefix}y", "labels", who, _check_label)
    if not xs:
        raise ValueError(f"{who}: {prefix}X is empty")
    if len(ys) != len(xs):
        raise ValueError(f"{who}: {len(xs)} {prefix}inputs but {len(ys)} {prefix}labels")
    return xs, ys


# -- one batch -------------------------------------------------------------------------------------


class _NonFiniteLoss(FloatingPointError):
    """A batch's loss is NaN or infinite; ``fit`` adds where it happened."""


def _loss_value(
    loss: Callable[[list[Any], list[Any]], Value], outputs: list[Any], yb: list[Any]
) -> Value:
    value = loss(outputs, yb)
    if not isinstance(value, Value):
        raise TypeError(f"fit: loss returned {type(value).__name__}, not a Value")
    return value


def _forward_backward(
    model: Callable[[Any], Any],
    loss: Callable[[list[Any], list[Any]], Value],
    optimizer: Optimizer,
    xb: list[Any],
    yb: list[Any],
) -> tuple[float, list[Any], Value]:
    """Gradients of one batch's loss in the parameters' ``.grad``; returns the loss, the
    outputs as floats and the loss node. Refused (``_NonFiniteLoss``, no backward) when the
    loss is not finite."""
    optimizer.zero_grad()
    outputs = [model(x) for x in xb]
    value = _loss_value(loss, outputs, yb)
    if not math.isfinite(value.data):
        raise _NonFiniteLoss(f"the loss became {value.data!r}")
    value.backward()
    return value.data, [_floats(o) for o in outputs], value


def _train_step(
    model: Callable[[Any], Any],
    loss: Callable[[list[Any], list[Any]], Value],
    optimizer: Optimizer,
    xb: list[Any],
    yb: list[Any],
) -> tuple[float, list[Any]]:
    """One update on one batch in the engine; returns the batch loss and the outputs as floats.

    The step is refused (FloatingPointError, parameters untouched) when the loss is not finite.
    """
    value, outputs, _ = _forward_backward(model, loss, optimizer, xb, yb)
    optimizer.step()
    return value, outputs


JIT_STEP_RATIO = 0.4
"""What ``jit="auto"`` assumes a compiled step costs, as a fraction of the engine's step on
the same batch (measured: about 0.2 for the moons MLP on batches of 20; kept cautious)."""

JIT_CHECKED_STEPS = 2
"""Steps of each batch size on which the compiled step is checked against the engine."""


class _CompiledSteps:
    """The batch step (outputs, loss, backward) compiled by ``autograd.jit``, one trace per
    batch size, with the engine as the reference.

    The first steps of each batch size run in the engine as well: the first measures the
    engine (time and nodes, for ``jit="auto"``'s choice), and on the first
    ``JIT_CHECKED_STEPS`` the compiled step must give the engine's loss, outputs and
    gradients. It does, bit for bit, for anything jit can follow; a model or loss that reads
    ``.data``, compares a label with ``==`` (labels are traced Values) or calls ``float()`` on
    a Value gives another answer or an error there, and that fit then runs in the engine,
    with a warning: a compiled step is never silently wrong.
    """

    def __init__(
        self,
        model: Callable[[Any], Any],
        loss: Callable[[list[Any], list[Any]], Value],
        optimizer: Optimizer,
        always: bool,
        steps: dict[int, int],
    ) -> None:
        self.model = model
        self.loss = loss
        self.optimizer = optimizer
        self.always = always  # jit=True: compile every batch size; "auto": when it pays
        self.left = steps  # batch size -> steps still to come
        self.compiled = autograd_jit(self._step)
        self.state: dict[int, str] = {}  # batch size -> "engine" | "compiled"
        self.checked: dict[int, int] = {}  # batch size -> steps checked against the engine
        self.disabled = False

    def _step(self, xb: list[Any], yb: list[Any]) -> tuple[Value, list[Any]]:
        outputs = [self.model(x) for x in xb]
        return _loss_value(self.loss, outputs, yb), outputs

    def run(self, xb: list[Any], yb: list[Any]) -> tuple[float, list[Any]]:
        """One update on one batch, compiled when chosen; as ``_train_step``."""
        m = len(xb)
        self.left[m] = self.left.get(m, 1) - 1
        state = self.state.get(m)
        if self.disabled or state == "engine":
            return _train_step(self.model, self.loss, self.optimizer, xb, yb)
        if state == "compiled" and self.checked[m] >= JIT_CHECKED_STEPS:
            optimizer = self.optimizer
            optimizer.zero_grad()
            value, outputs = self.compiled.backward(xb, yb, has_aux=True)
            if not math.isfinite(value):
                optimizer.zero_grad()
                raise _NonFiniteLoss(f"the loss became {value!r}")
            optimizer.step()
            return value, outputs
        # An engine step, checked against the compiled one (compiling first when it pays).
        start = time.perf_counter()
        value, outputs, root = _forward_backward(self.model, self.loss, self.optimizer, xb, yb)
        seconds = time.perf_counter() - start
        if state is None:
            nodes = sum(1 for n in topological_order(root) if not n.is_leaf)
            saving = self.left[m] * seconds * (1.0 - JIT_STEP_RATIO)
            state = "compiled" if self.always or saving > compile_estimate(nodes) else "engine"
            self.state[m] = state
            self.checked[m] = 0
        if state == "compiled":
            self._check(xb, yb, value, outputs)
        self.optimizer.step()
        return value, outputs

    def _check(self, xb: list[Any], yb: list[Any], value: float, outputs: list[Any]) -> None:
        """Runs the compiled step on the batch the engine just did; on any difference, warns
        and leaves the engine's gradients in place for the rest of the fit."""
        params = self.optimizer.params
        grads = [p.grad for p in params]
        self.optimizer.zero_grad()
        problem = ""
        try:
            got, got_outputs = self.compiled.backward(xb, yb, has_aux=True)
        except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError,
                RuntimeError) as exc:  # e.g. ConcretizationError, == on a traced label
            problem = f"compiling it raised {type(exc).__name__}: {exc}"
        else:
            if not (_same(got, value) and _same(got_outputs, outputs)
                    and all(_same(p.grad, g) for p, g in zip(params, grads, strict=True))):
                problem = "the compiled step's loss or gradients differ from the engine's"
        for p, g in zip(params, grads, strict=True):
            p.grad = g
        if problem:
            self.disabled = True
            warnings.warn(
                f"fit: jit: {problem}, so this fit runs in the engine. The model or the loss "
                "probably reads data that tracing cannot follow: .data, float() or int() of a "
                "Value, or == on a label (labels are traced Values under jit). Pass jit=False "
                "to silence this.",
                RuntimeWarning,
                stacklevel=4,
            )
        else:
            self.checked[len(xb)] += 1


def _same(a: Any, b: Any) -> bool:
    """True when two results (floats, lists of floats, None) agree to 1e-9 relative."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if a is None or b is None:
        return a is b
    if not (isinstance(a, float) and isinstance(b, float)):
        return False
    return (a == b or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-300)
            or (math.isnan(a) and math.isnan(b)))


def _measure(
    model: Callable[[Any], Any],
    loss: Callable[[list[Any], list[Any]], Value],
    metrics: list[tuple[str, Metric]],
    xs: list[Any],
    ys: list[Any],
) -> Record:
    """Loss and metrics of the model as it is now, on all of ``xs``, recording no graph."""
    with no_grad():
        outputs = [model(x) for x in xs]
        value = float(loss(outputs, ys))
    floats = [_floats(o) for o in outputs]
    record = {"loss": value}
    for name, fn in metrics:
        record[name] = float(fn(floats, ys))
    return record


# -- public entry points ---------------------------------------------------------------------------


def evaluate(
    model: Module | Callable[[Any], Any],
    X: Any,
    y: Any,
    *,
    loss: Callable[[list[Any], list[Any]], Value],
    metrics: Sequence[str | Metric] | None = None,
) -> Record:
    """Loss and metrics of ``model`` as it is now on ``(X, y)``, as one batch, with no graph.

    Metrics as in :func:`fit` (``accuracy`` by default for classification losses). This is
    how ``fit`` measures ``val_loss``; use it to report a final model's loss and accuracy
    together.

    >>> from nn import MLP, losses
    >>> model = MLP(2, [1], seed=0)
    >>> sorted(evaluate(model, [[1.0, 2.0]], [1], loss=losses.hinge))
    ['accuracy', 'loss']
    """
    if not callable(loss):
        raise TypeError("evaluate: loss must be callable as loss(outputs, labels)")
    chosen = _resolve_metrics(metrics, loss, "evaluate")
    xs, ys = _read_data(X, y, "evaluate")
    return _measure(model, loss, chosen, xs, ys)


def fit(
    model: Module | Callable[[Any], Any],
    X: Any,
    y: Any,
    *,
    loss: Callable[[list[Any], list[Any]], Value],
    optimizer: Optimizer,
    epochs: int,
    batch_size: int | None = None,
    progress: bool = True,
    seed: int | random.Random | None = None,
    validation_data: tuple[Any, Any] | None = None,
    metrics: Sequence[str | Metric] | None = None,
    callbacks: Sequence[Callback] | None = None,
    lr_schedule: Callable[[int], float] | None = None,
    jit: bool | str = "auto",
) -> list[Record]:
    """Trains ``model`` on ``(X, y)`` and returns one record per epoch.

    Each step: zero the gradients, run the model on a batch, ``loss(outputs, y_batch)``,
    backward, ``optimizer.step()``. The loss callable may add regularisation terms over
    ``model.parameters()``. What each figure measures is in the module docstring.

    Args:
        model: a callable from one input row to a Value (one output) or a list of Values.
        X: input rows (lists, tuples or a 2-D array); every value must be finite.
        y: labels, in the form ``loss`` expects (see the module docstring).
        loss: ``loss(outputs, y_batch) -> Value``, e.g. from :mod:`nn.losses`.
        optimizer: holds the parameters to train, e.g. ``SGD(model.parameters(), lr=0.1)``.
        epochs: passes over the data.
        batch_size: samples per step; ``None`` (or ``>= len(X)``) is full-batch, one step per
            epoch.
        progress: show a progress bar (``tqdm.auto``: a widget in notebooks) with the
            epoch's figures.
        seed: int or ``random.Random`` for shuffling mini-batches (each epoch reshuffles);
            ``None`` draws one from the global ``random`` state, as the models' ``seed=None``
            does (so ``random.seed`` makes a run repeatable). Full-batch training never
            shuffles.
        validation_data: ``(X_val, y_val)``, measured after every epoch as ``val_loss`` and
            ``val_`` + each metric.
        metrics: ``None`` (accuracy for classification losses), or a list of ``"accuracy"``
            and named functions ``metric(outputs, labels) -> float``.
        callbacks: :class:`nn.Callback` objects, e.g. ``nn.EarlyStopping(patience=5)``.
        lr_schedule: ``epoch -> lr``, assigned to ``optimizer.lr`` before each epoch.
        jit: compile the batch step (outputs, loss and backward) with ``autograd.jit``, one
            trace per batch size (a short last batch is a second one). ``"auto"`` (the
            default) compiles a batch size when the steps it has left would save more than
            jit's estimate of the compile time (estimated from the first step's engine time
            and node count); ``True`` always compiles, ``False`` never. The history,
            metrics, callbacks and parameters are the same either way (the compiled step
            computes the engine's formulas in the engine's order); see "Compiling the step"
            in the module docstring for why ``"auto"`` and what is checked.

    Returns:
        A list with one dict per epoch run: ``epoch``, ``loss``, each metric, ``val_loss`` and
        each ``val_`` metric (with validation data), ``lr``.

    Raises:
        ValueError: bad arguments, or a NaN/inf among the inputs (naming row and column).
        FloatingPointError: a batch's loss is not finite (the step is not taken).
    """
    who = "fit"
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"fit: epochs must be an int >= 0, got {epochs!r}")
    if batch_size is not None and (
        isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1
    ):
        raise ValueError(f"fit: batch_size must be a positive int or None, got {batch_size!r}")
    if not callable(loss):
        raise TypeError("fit: loss must be callable as loss(outputs, y_batch)")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"fit: optimizer must be an nn.optim optimizer, "
                        f"got {type(optimizer).__name__}")
    if not (jit is True or jit is False or (isinstance(jit, str) and jit == "auto")):
        raise ValueError(f"fit: jit must be True, False or 'auto', got {jit!r}")
    chosen = _resolve_metrics(metrics, loss, who)
    hooks = _check_callbacks(callbacks)
    xs, ys = _read_data(X, y, who)
    val: tuple[list[Any], list[Any]] | None = None
    if validation_data is not None:
        pair = as_sequence(validation_data)
        if pair is None or len(pair) != 2:
            raise ValueError("fit: validation_data must be a pair (X_val, y_val)")
        val = _read_data(pair[0], pair[1], who, prefix="validation ")
    n = len(xs)
    batch = n if batch_size is None else min(batch_size, n)
    rng = _shuffler(seed, draw=batch < n)
    order = list(range(n))
    step: Callable[[list[Any], list[Any]], tuple[float, list[Any]]] = functools.partial(
        _train_step, model, loss, optimizer)
    if jit is not False and epochs > 0:
        per_epoch = {batch: n // batch}
        if n % batch:
            per_epoch[n % batch] = 1
        steps = {size: count * epochs for size, count in per_epoch.items()}
        step = _CompiledSteps(model, loss, optimizer, jit is True, steps).run

    bar: Any = None
    if progress:
        from tqdm.auto import tqdm  # the one third-party import, only when a bar is wanted

        bar = tqdm(total=epochs, desc="training", unit="epoch", leave=True)
    history: list[Record] = []
    try:
        for cb in hooks:
            cb.set_model(model)
            cb.stop_training = False
            cb.on_train_begin()
        for epoch in range(epochs):
            for cb in hooks:
                cb.on_epoch_begin(epoch)
            if lr_schedule is not None:
                optimizer.lr = lr_schedule(epoch)
            if batch < n:
                rng.shuffle(order)
            sums = dict.fromkeys(["loss", *(name for name, _ in chosen)], 0.0)
            for start in range(0, n, batch):
                idx = order[start:start + batch]
                xb = [xs[i] for i in idx] if batch < n else xs
                yb = [ys[i] for i in idx] if batch < n else ys
                try:
                    value, outputs = step(xb, yb)
                except _NonFiniteLoss as exc:
                    raise FloatingPointError(
                        f"fit: {exc} in epoch {epoch} (batch starting at sample {start}); "
                        "the step was not taken; lower the learning rate"
                    ) from None
                sums["loss"] += value * len(idx)
                for name, fn in chosen:
                    sums[name] += float(fn(outputs, yb)) * len(idx)
            record: Record = {"epoch": epoch}
            record.update((k, total / n) for k, total in sums.items())
            if val is not None:
                measured = _measure(model, loss, chosen, *val)
                record.update((f"val_{k}", v) for k, v in measured.items())
            record["lr"] = optimizer.lr
            history.append(record)
            if bar is not None:
                bar.set_postfix_str(_postfix(record), refresh=False)
                bar.update(1)
            for cb in hooks:
                cb.on_epoch_end(epoch, dict(record))
            if any(cb.stop_training for cb in hooks):
                break
        last = dict(history[-1]) if history else None
        for cb in hooks:
            cb.on_train_end(last)
    finally:
        if bar is not None:
            bar.close()
    return history


def _shuffler(seed: Any, *, draw: bool) -> random.Random:
    """The generator that shuffles the batches: ``seed`` itself when a ``random.Random``, else
    one seeded by the int, or for ``None`` by the global ``random`` state (read only when
    ``draw``: full-batch training never shuffles and leaves that state alone)."""
    if isinstance(seed, random.Random):
        return seed
    if seed is None:
        return random.Random(random.getrandbits(64) if draw else 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"fit: seed must be an int, a random.Random or None, "
                        f"got {type(seed).__name__}")
    return random.Random(seed)


def _check_callbacks(callbacks: Any) -> list[Callback]:
    if callbacks is None:
        return []
    seq = as_sequence(callbacks)
    if seq is None:
        raise TypeError(f"fit: callbacks must be a list of nn.Callback objects, "
                        f"got {type(callbacks).__name__}")
    for cb in seq:
        if not isinstance(cb, Callback):
            raise TypeError(f"fit: callbacks must be nn.Callback objects (e.g. "
                            f"nn.EarlyStopping), got {type(cb).__name__}")
    return list(seq)


def _postfix(record: Record) -> str:
    """The bar's text: every figure but epoch and lr; accuracies as percentages."""
    parts = []
    for key, v in record.items():
        if key in ("epoch", "lr"):
            continue
        parts.append(f"{key}={v:.1%}" if key.endswith("accuracy") else f"{key}={v:.4g}")
    return ", ".join(parts)
