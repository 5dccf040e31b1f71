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

**Metrics**: ``metrics=None`` gives ``accuracy`` for the losses whose outputs are scores or
logits (``hinge``, ``binary_cross_entropy_with_logits``, ``cross_entropy``, and a loss of your
own that declares ``accuracy_rule = "sign"``) and nothing for regression losses or a loss that
declares no rule; pass ``metrics=["accuracy"]`` to get it anyway, ``[]``
for none. A metric is ``"accuracy"`` or a named function ``metric(outputs, labels) -> float``,
called with the outputs as floats (one per sample, or a list per sample for several outputs);
its name is its history key.

**Accuracy** (:func:`accuracy`): several outputs are judged by argmax (a label that is one
number must then be a class index, checked before training). One output is judged by
the rule its loss declares as ``accuracy_rule``: ``"sign"`` for scores and logits (``hinge``,
``binary_cross_entropy_with_logits``: positive means the higher label), ``"nearest"`` for
probabilities and regression outputs (``mse``, ``l1``, ``smooth_l1``: the nearer of the two
label values, so 0.5 splits 0/1 labels and 0 splits -1/+1). The two label values are the
smallest and largest label of all the data (training and validation), so every batch is judged
alike. A loss of your own (a function, a lambda; ``functools.partial`` passes its function's
rule on) declares its rule the same way, ``my_loss.accuracy_rule = "sign"``; one that declares
none is judged only where both rules agree (labels -1/+1) or by argmax, and otherwise ``fit``
refuses before training rather than guess.

**Compiling the step** (``jit``): the batch step, ``loss([model(x) for x in xb], yb)`` and its
backward, is compiled by ``autograd.jit`` with the batch's inputs and labels as traced inputs,
one trace per batch size. The default ``jit="auto"`` compiles a batch size only when that
pays, judged at its first step from the step's graph: :func:`autograd.jit.compile_cost`
predicts from the graph's op nodes and edges what compiling it costs and what a compiled step
costs, both counted in engine steps of that graph, and :func:`worth_compiling` compiles when
the steps left would take at least ``JIT_MARGIN`` times longer in the engine than compiled,
compiling included. The digits step (``MLP(64, [32, 10])``, batches of 32) costs about 68
engine steps to compile and a third of one compiled, so one epoch (57 steps) stays in the
engine and five compile; the demo's moons step (batches of 20) costs 46 and a quarter, so its
1,000 steps compile and a 40-epoch full-batch run does not. No clock is read: the choice is the
same on every run, under any load. ``True`` makes short runs slower (one epoch of the moons
demo 10x, one of digits 1.6x) and ``False`` leaves long runs 2x to 4x slower, hence "auto".
The first two steps of each batch size run in the engine too, and the compiled step must agree
with them (it does bit for bit for anything jit can follow); a model or loss that reads
``.data``, calls ``float()`` on a Value or compares a label with ``==`` (labels are traced
Values) fails that check, and the fit carries on in the engine, with a ``RuntimeWarning``.
"""

from __future__ import annotations

import functools
import math
import random
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from autograd import Value, no_grad
from autograd import jit as autograd_jit  # fit's own argument is named jit
from autograd.jit import CostModel, compile_cost

from .arrays import as_sequence, is_integer, is_number
from .callbacks import Callback
from .checks import finite_float
from .module import Module
from .optim import Optimizer

__all__ = ["accuracy", "evaluate", "fit", "worth_compiling"]

Metric = Callable[[list[Any], list[Any]], float]
Record = dict[str, float]

_RESERVED = ("epoch", "loss", "lr")


# -- accuracy and metrics --------------------------------------------------------------------------

_RULES = ("sign", "nearest")  # how one output is judged; a loss declares its accuracy_rule


def _items(x: Any, what: str, i: int) -> list[float]:
    """A sample's output or label as a list of floats: one item for a single number or Value,
    every item for a row."""
    if isinstance(x, Value):
        return [x.data]
    if is_number(x):
        return [float(x)]
    row = as_sequence(x)
    if row is None or not row:
        raise TypeError(f"accuracy: {what} {i} must be a number or a non-empty row of numbers, "
                        f"got {type(x).__name__}")
    out = []
    for v in row:
        if not (isinstance(v, Value) or is_number(v)):
            raise TypeError(f"accuracy: {what} {i} must hold numbers, got {type(v).__name__}")
        out.append(v.data if isinstance(v, Value) else float(v))
    return out


def _argmax(row: list[float]) -> int:
    return max(range(len(row)), key=row.__getitem__)


def _is_index(label: float, outputs: int) -> bool:
    """True when ``label`` (a float) names one of ``outputs`` classes: 0, 1, ... outputs - 1."""
    return label.is_integer() and 0 <= label < outputs


def _label_values(rule: str, labels: list[float], given: Any) -> tuple[float, float] | None:
    """The two label values ``(low, high)`` that one output is judged between: ``given``, else
    the smallest and largest label. None when the sign rule meets one label value only (each
    label is then read by its own sign). Raises ValueError, its message without a prefix, when
    ``rule`` cannot judge these labels."""
    if given is not None:
        pair = as_sequence(given)
        if pair is None or len(pair) != 2 or not all(is_number(v) for v in pair):
            raise TypeError(f"accuracy: label_values must be a pair of numbers such as (0, 1), "
                            f"got {given!r}")
        low, high = sorted(float(v) for v in pair)
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(f"label_values must be two different finite numbers, got {given!r}")
        return low, high
    distinct = sorted(set(labels))
    if rule == "nearest" and len(distinct) == 1:
        raise ValueError(
            f"every label is {distinct[0]:g}, so the nearest-label rule does not know the "
            "other label value; pass label_values=(low, high), e.g. (0, 1)")
    if rule == "nearest" and len(distinct) > 2:
        raise ValueError(
            f"the labels take {len(distinct)} different values, but judging one output by the "
            "nearer label value needs two (classes such as 0/1 or -1/+1); regression targets "
            "have no accuracy, and several classes need one output each")
    return (distinct[0], distinct[-1]) if len(distinct) > 1 else None


def accuracy(
    outputs: Sequence[Any],
    labels: Sequence[Any],
    *,
    rule: str = "sign",
    label_values: tuple[float, float] | None = None,
) -> float:
    """Fraction of ``outputs`` classified right.

    Several outputs per sample: right when the largest output's index is the label (or, for a
    row label such as a one-hot target, the index of its largest entry); a label that is no
    class index (-1, 2.5, or past the last output) raises ValueError. One output: the two
    label values ``low < high`` are ``label_values``, else the smallest and largest label, and
    each label stands for the nearer of them; the output picks ``high`` when

    - ``rule="sign"`` (the default; scores and logits, as ``hinge`` and
      ``binary_cross_entropy_with_logits`` train): it is above 0;
    - ``rule="nearest"`` (probabilities and regression outputs, as ``mse``, ``l1`` and
      ``smooth_l1`` train): it is nearer ``high`` than ``low``, i.e. above their midpoint
      (0.5 for 0/1 labels, 0 for -1/+1). Without ``label_values``, the labels must take
      exactly two values.

    ``fit`` and ``evaluate`` take the rule from the loss (its ``accuracy_rule``) and the two
    label values from all the labels they are given. Outputs may be Values, numbers or rows
    of them; outputs and labels may be arrays.

    >>> accuracy([0.3, -1.2, 2.0], [1, 0, 0])  # scores: by sign
    0.6666666666666666
    >>> accuracy([0.018, 0.984, 0.983, 0.017], [0, 1, 1, 0], rule="nearest")  # probabilities
    1.0
    >>> accuracy([[0.1, 0.9], [2.0, -1.0]], [1, 1])  # several outputs: argmax
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
    if rule not in _RULES:
        raise ValueError(f"accuracy: rule must be 'sign' or 'nearest', got {rule!r}")
    right = 0
    singles: list[tuple[float, float]] = []  # (output, label) of the one-output samples
    for i, (o, t) in enumerate(zip(outs, labs, strict=True)):
        out, label = _items(o, "output", i), _items(t, "label", i)
        if len(out) == 1:  # a row of one output too: argmax would always say 0
            if len(label) != 1:
                raise ValueError(f"accuracy: output {i} is one number but label {i} is a row "
                                 f"of {len(label)}")
            singles.append((out[0], label[0]))
        elif len(label) == 1:
            if not _is_index(label[0], len(out)):
                raise ValueError(f"accuracy: label {i} is {label[0]:g}, but output {i} has "
                                 f"{len(out)} values: a label must be a class index "
                                 f"0..{len(out) - 1} (the index of the largest output)")
            right += _argmax(out) == label[0]
        elif len(label) == len(out):
            right += _argmax(out) == _argmax(label)
        else:
            raise ValueError(f"accuracy: output {i} has {len(out)} values but label {i} has "
                             f"{len(label)}")
    if singles:
        try:
            pair = _label_values(rule, [t for _, t in singles], label_values)
        except ValueError as exc:
            raise ValueError(f"accuracy: {exc}") from None
        if pair is None:  # the sign rule and one label value: the label's own sign
            right += sum((o > 0.0) == (t > 0.0) for o, t in singles)
        else:
            low, high = pair
            middle = low / 2 + high / 2  # (low + high) / 2 could overflow
            cut = 0.0 if rule == "sign" else middle
            right += sum((o > cut) == (t > middle) for o, t in singles)
    return right / len(outs)


def _accuracy_rule(loss: Any, who: str) -> str | None:
    """The rule ``loss`` declares for :func:`accuracy` (its ``accuracy_rule`` attribute, looked
    up through ``functools.partial``), or None when it declares none."""
    while True:
        rule = getattr(loss, "accuracy_rule", None)
        if rule is not None or not isinstance(loss, functools.partial):
            break
        loss = loss.func
    if rule is not None and rule not in _RULES:
        raise ValueError(f"{who}: the loss's accuracy_rule must be 'sign' or 'nearest', "
                         f"got {rule!r}")
    return rule


def _resolve_metrics(metrics: Any, loss: Any, who: str) -> list[tuple[str, Metric]]:
    """``(history key, function)`` pairs for the ``metrics`` argument."""
    if metrics is None:
        return [("accuracy", accuracy)] if _accuracy_rule(loss, who) == "sign" else []
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


def _loss_name(loss: Any) -> str:
    """How a message names the loss: its function name, else "your loss"."""
    while isinstance(loss, functools.partial):
        loss = loss.func
    name = getattr(loss, "__name__", "")
    return name if isinstance(name, str) and name.isidentifier() else "your loss"


def _bind_accuracy(
    chosen: list[tuple[str, Metric]],
    loss: Any,
    model: Callable[[Any], Any],
    first: Any,
    labels: list[Any],
    who: str,
) -> list[tuple[str, Metric]]:
    """``chosen`` with ``accuracy`` bound to the loss's rule and to the two label values of
    ``labels`` (every label the run will judge, so that each batch is judged alike).

    Checked before anything trains; ``first`` (one input row) is run once, with no graph, to
    count the outputs. Several outputs are judged by argmax whatever the rule, so a label
    given as one number must be a class index. A loss that declares no rule (a function of
    your own, a lambda) is judged only where both rules agree: two label values around 0,
    such as -1/+1. Otherwise, and when the labels do not suit the declared rule, a model with
    one output is refused.
    """
    if not any(fn is accuracy for _, fn in chosen):
        return chosen
    singles = [item[0] for item in (_items(t, "label", i) for i, t in enumerate(labels))
               if len(item) == 1]
    distinct = sorted(set(singles))
    rule = _accuracy_rule(loss, who)
    name = _loss_name(loss)
    if len(distinct) == 2:
        seen = f"labels {distinct[0]:g} and {distinct[1]:g}"
    else:
        seen = (f"every label {distinct[0]:g}" if len(distinct) == 1
                else f"{len(distinct)} different label values")
    problem = ""
    if rule is None and distinct and not (len(distinct) == 2 and sum(distinct) == 0.0):
        variable = "your_loss" if name == "your loss" else name
        problem = (f"{name} declares no accuracy_rule, and with {seen} judging the output by "
                   "its sign (a score or logit) and by the nearer label value (a prediction of "
                   f"the label) can differ; declare which: {variable}.accuracy_rule = 'sign' "
                   "or 'nearest'")
    elif rule == "nearest" and len(distinct) == 1:
        problem = (f"with {seen}, {name}'s nearer-label rule does not know the other label "
                   "value; pass a metric of your own, e.g. def acc(outputs, labels): return "
                   "nn.accuracy(outputs, labels, rule='nearest', label_values=(0, 1))")
    elif rule == "nearest" and len(distinct) > 2:
        problem = (f"{name} judges one output by the nearer of two label values, but there are "
                   f"{seen}: regression targets have no accuracy (several classes need one "
                   "output each)")
    pair = (distinct[0], distinct[-1]) if len(distinct) > 1 and not problem else None
    if distinct:
        with no_grad():
            outputs = len(_items(model(first), "output", 0))
        if outputs == 1 and problem:
            raise ValueError(f"{who}: accuracy of one output: {problem}")
        wrong = next((t for t in distinct if not _is_index(t, outputs)), None)
        if outputs > 1 and wrong is not None:
            raise ValueError(f"{who}: accuracy of {outputs} outputs is the index of the largest, "
                             f"so the labels must be class indices 0..{outputs - 1}, but one is "
                             f"{wrong:g}")
    bound = functools.partial(accuracy, rule=rule or "sign", label_values=pair)
    return [(key, bound if fn is accuracy else fn) for key, fn in chosen]


def _input_width(model: Any) -> int | None:
    """The number of inputs a model states (``nin`` of ``Neuron``, ``Layer``, ``MLP``)."""
    nin = getattr(model, "nin", None) if isinstance(model, Module) else None
    return nin if isinstance(nin, int) and not isinstance(nin, bool) else None


def _check_widths(model: Any, sets: list[tuple[str, list[Any]]], who: str) -> None:
    """Every input row has the model's input width, checked before anything runs; for a
    model that does not state it (no ``nin``), the width of the first row of the first set."""

    def size(row: Any) -> str:
        if not isinstance(row, list):
            return "is a single number"
        return f"has {len(row)} value{'' if len(row) == 1 else 's'}"

    width = _input_width(model)
    if width is not None:
        expected = f"the model ({type(model).__name__}, nin={width}) takes {width} inputs"
    else:
        name, rows = sets[0]
        width = len(rows[0]) if isinstance(rows[0], list) else None
        expected = (f"{name}X[0] {size(rows[0])} (the model does not state its input width, "
                    "nin, so every row must match the first)")
    for name, rows in sets:
        for i, row in enumerate(rows):
            if (len(row) if isinstance(row, list) else None) != width:
                raise ValueError(f"{who}: {name}X[{i}] {size(row)}, but {expected}"
                                 + ("; nothing was trained" if who == "fit" else ""))


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


JIT_CHECKED_STEPS = 2
"""Steps of each batch size on which the compiled step is checked against the engine."""

JIT_MARGIN = 1.1
"""``jit="auto"`` compiles a batch size when its steps left are predicted to take at least
this many times longer in the engine than compiled, compiling included."""


def worth_compiling(steps_left: int, compile_runs: float, run_ratio: float) -> bool:
    """Whether compiling a batch step pays for the steps still to come, ``jit="auto"``'s rule.

    Everything is counted in engine steps of that batch size: compiling costs
    ``compile_runs`` of them and a compiled step ``run_ratio`` of one (as
    :func:`autograd.jit.compile_cost` predicts them). In the engine the steps left cost
    ``steps_left``; compiled, they cost the compile, the next step run both ways and checked
    (``JIT_CHECKED_STEPS``: the step just taken is checked too), and the other steps compiled.

    >>> worth_compiling(56, 68.3, 0.36)  # one epoch of digits in batches of 32: 57 steps
    False
    >>> worth_compiling(284, 68.3, 0.36)  # five epochs
    True
    """
    compiled = compile_runs + 1.0 + (steps_left + 1) * run_ratio
    return steps_left > JIT_MARGIN * compiled


class _CompiledSteps:
    """The batch step (outputs, loss, backward) compiled by ``autograd.jit``, one trace per
    batch size, with the engine as the reference.

    The first steps of each batch size run in the engine as well: the first shows the step's
    graph (for ``jit="auto"``'s choice, :func:`worth_compiling`), and on the first
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
        value, outputs, root = _forward_backward(self.model, self.loss, self.optimizer, xb, yb)
        if state is None:
            pays = self.always or (
                # too few steps left for any graph to pay: not worth walking this one
                self.left[m] > JIT_MARGIN * (1.0 + CostModel.least_compile_runs())
                and worth_compiling(self.left[m], *compile_cost(root))
            )
            state = self.state[m] = "compiled" if pays else "engine"
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
            if not self.checked[len(xb)]:  # compiled now, whatever jit's own rule would do
                self.compiled.compile(xb, yb, backward=True)
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

    Metrics as in :func:`fit` (``accuracy`` by default for losses of scores and logits,
    judged by the loss's rule). This is
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
    _check_widths(model, [("", xs)], "evaluate")
    chosen = _bind_accuracy(chosen, loss, model, xs[0], ys, "evaluate")
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
        metrics: ``None`` (accuracy for losses of scores and logits), or a list of
            ``"accuracy"`` (judged by the loss's rule; see "Accuracy" in the module docstring)
            and named functions ``metric(outputs, labels) -> float``.
        callbacks: :class:`nn.Callback` objects, e.g. ``nn.EarlyStopping(patience=5)``.
        lr_schedule: ``epoch -> lr``, assigned to ``optimizer.lr`` before each epoch.
        jit: compile the batch step (outputs, loss and backward) with ``autograd.jit``, one
            trace per batch size (a short last batch is a second one). ``"auto"`` (the
            default) compiles a batch size when the steps it has left would take longer in
            the engine than compiling and running compiled (predicted from its first step's
            graph: :func:`worth_compiling`); ``True`` always compiles, ``False`` never. The
            history, metrics, callbacks and parameters are the same either way (the compiled
            step computes the engine's formulas in the engine's order); see "Compiling the
            step" in the module docstring for why ``"auto"`` and what is checked.

    Returns:
        A list with one dict per epoch run: ``epoch``, ``loss``, each metric, ``val_loss`` and
        each ``val_`` metric (with validation data), ``lr``.

    Raises:
        ValueError: bad arguments; a NaN/inf among the inputs (naming row and column); a row
            of another width than the model's ``nin`` (or, for a model without one, than
            ``X[0]``); accuracy asked of one output under a loss whose rule does not fit the
            labels. All checked before anything trains: the model is unchanged.
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
    _check_widths(model, [("", xs)] + ([("validation ", val[0])] if val else []), who)
    chosen = _bind_accuracy(chosen, loss, model, xs[0], ys + (val[1] if val else []), who)
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
