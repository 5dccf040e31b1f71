"""Accuracy judged by the loss's rule: one output by sign (scores, logits) or by the nearer
label value (probabilities, regression outputs), several by argmax; through ``accuracy``,
``evaluate`` and ``fit``, for every loss of ``nn.losses`` and both label codings.

Every model here returns outputs chosen by hand (``Table``), so each expected accuracy is
counted by hand in the comments, and never copied from the code under test.
"""

import functools

import pytest

from autograd import Value, dot
from nn import MLP, SGD, Module, accuracy, evaluate, fit, losses


class Table(Module):
    """Returns ``bias + outputs[k]`` for the input row ``[k]``: outputs chosen by hand (a row
    of them for several outputs), behind one parameter for the optimizer (trained at lr 0)."""

    def __init__(self, outputs):
        self.outputs = outputs
        self.bias = Value(0.0)

    def forward(self, x):
        out = self.outputs[int(x[0])]
        if isinstance(out, list):
            return [self.bias + v for v in out]
        return self.bias + out


def _judged(loss, outputs, labels, batch_size=None):
    """The accuracy of ``outputs`` against ``labels`` under ``loss``, measured three ways
    (fit's history, evaluate, accuracy with the loss's rule), which must agree."""
    model = Table(outputs)
    X = [[float(k)] for k in range(len(outputs))]
    (record,) = fit(model, X, labels, loss=loss, optimizer=SGD(model.parameters(), lr=0.0),
                    epochs=1, batch_size=batch_size, seed=0, metrics=["accuracy"],
                    progress=False, jit=False)
    measured = evaluate(model, X, labels, loss=loss, metrics=["accuracy"])["accuracy"]
    direct = accuracy(outputs, labels, rule=loss.accuracy_rule)
    assert record["accuracy"] == pytest.approx(measured, abs=1e-15) and measured == direct
    return direct


# -- every loss, both label codings ----------------------------------------------------------------

# (loss, outputs, labels, expected), expected counted by hand below each case.
CASES = [
    # mse/l1/smooth_l1, labels 0/1, split at 0.5: predicted 0 1 0 1 0 0 against 0 1 1 0 0 0:
    # right, right, wrong, wrong, right, right. (By sign it would be 3/6.)
    *[(loss, [0.2, 0.7, 0.4, 0.9, -0.3, 0.1], [0, 1, 1, 0, 0, 0], 4 / 6)
      for loss in (losses.mse, losses.l1, losses.smooth_l1)],
    # the same, labels -1/+1, split at 0: predicted -1 1 -1 1 1 -1 against -1 1 1 -1 1 1.
    *[(loss, [-0.2, 0.3, -0.1, 0.8, 1.5, -2.0], [-1, 1, 1, -1, 1, 1], 3 / 6)
      for loss in (losses.mse, losses.l1, losses.smooth_l1)],
    # hinge (labels -1/+1 only), by sign, 0 counting as negative: right, wrong, wrong, right,
    # wrong.
    (losses.hinge, [0.5, -0.2, 0.1, -3.0, 0.0], [1, 1, -1, -1, 1], 2 / 5),
    # BCE with logits (targets in [0, 1]), by sign: predicted 1 0 1 0 1 against 1 0 0 1 1.
    # (By the nearer label value, 0.5, it would be 2/5.)
    (losses.binary_cross_entropy_with_logits, [0.3, -0.2, 0.4, -2.0, 0.1], [1, 0, 0, 1, 1],
     3 / 5),
    # ... and smoothed targets 0.05/0.95 stand for 0/1: predicted 1 0 0 0 1 against
    # 1 0 0 1 1. (Reading every target above 0 as positive would give 2/5.)
    (losses.binary_cross_entropy_with_logits, [0.3, -0.2, -0.4, -2.0, 0.1],
     [0.95, 0.05, 0.05, 0.95, 0.95], 4 / 5),
    # cross_entropy, 3 classes: argmax 0 2 1 0 against 0 2 0 1.
    (losses.cross_entropy, [[2.0, 1.0, 0.0], [0.0, 1.0, 3.0], [1.0, 1.5, 0.0], [0.2, 0.1, 0.0]],
     [0, 2, 0, 1], 2 / 4),
    # cross_entropy, 2 classes with labels 0/1: argmax 0 1 0 against 1 1 0.
    (losses.cross_entropy, [[0.3, -0.1], [0.0, 2.0], [1.0, 0.5]], [1, 1, 0], 2 / 3),
    # mse on several outputs against one-hot rows: argmax 0 2 0 against 0 1 2.
    (losses.mse, [[0.8, 0.1, 0.1], [0.3, 0.3, 0.4], [0.5, 0.2, 0.3]],
     [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], 1 / 3),
]


@pytest.mark.parametrize("batch_size", [None, 1])
@pytest.mark.parametrize(("loss", "outputs", "labels", "expected"), CASES)
def test_every_loss_and_label_coding(loss, outputs, labels, expected, batch_size):
    # batch_size=1: each batch holds one label value, yet is judged by the whole data's two
    assert _judged(loss, outputs, labels, batch_size) == pytest.approx(expected, abs=1e-15)


def test_the_losses_declare_their_rules():
    assert {name: getattr(losses, name).accuracy_rule for name in losses.__all__} == {
        "mse": "nearest", "l1": "nearest", "smooth_l1": "nearest", "hinge": "sign",
        "binary_cross_entropy_with_logits": "sign", "cross_entropy": "sign"}


def test_hinge_refuses_0_1_labels_so_only_one_coding_is_judged():
    model = Table([0.5])
    with pytest.raises(ValueError, match="must be -1 or \\+1"):
        fit(model, [[0.0]], [0], loss=losses.hinge, optimizer=SGD(model.parameters(), lr=0.0),
            epochs=1, progress=False, jit=False)


def test_the_issues_sigmoid_xor_model_through_fit():
    # a perfect sigmoid XOR model, judged with mse: every output is nearer its label
    outputs = {(0.0, 0.0): 0.018, (0.0, 1.0): 0.984, (1.0, 0.0): 0.983, (1.0, 1.0): 0.017}

    class Xor(Module):
        def __init__(self):
            self.bias = Value(0.0)

        def forward(self, x):
            return self.bias + outputs[tuple(x)]

    model = Xor()
    X = list(outputs)
    (record,) = fit(model, X, [0, 1, 1, 0], loss=losses.mse, metrics=["accuracy"], epochs=1,
                    optimizer=SGD(model.parameters(), lr=0.0), progress=False, jit=False)
    assert record["accuracy"] == 1.0  # was 0.5: every output is positive


class AndGate(Module):
    """``sigmoid(2 x0 + 2 x1 - 3)``: probabilities 0.047, 0.269, 0.269, 0.731 on the four
    corners, all positive."""

    def __init__(self):
        self.w = [Value(2.0), Value(2.0)]
        self.b = Value(-3.0)

    def forward(self, x):
        return (self.w[0] * x[0] + self.w[1] * x[1] + self.b).sigmoid()


def test_a_sigmoid_model_trained_with_mse_is_judged_by_its_probabilities():
    # nearer label: 0 0 0 1, all right (by sign all four would say 1: one right)
    model = AndGate()
    X = [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]
    for jit in (False, True):
        (record,) = fit(model, X, [0, 0, 0, 1], loss=losses.mse, metrics=["accuracy"],
                        optimizer=SGD(model.parameters(), lr=0.0), epochs=1, progress=False,
                        jit=jit)
        assert record["accuracy"] == 1.0


# -- accuracy itself -------------------------------------------------------------------------------


def test_accuracy_rules_by_hand():
    probs = [0.018, 0.984, 0.983, 0.017]
    assert accuracy(probs, [0, 1, 1, 0]) == 0.5  # the default reads scores: all positive
    assert accuracy(probs, [0, 1, 1, 0], rule="nearest") == 1.0
    # -1/+1 labels: the midpoint is 0, so the two rules agree
    assert accuracy([0.3, -0.4, 0.2], [1, -1, -1], rule="nearest") == 2 / 3
    assert accuracy([0.3, -0.4, 0.2], [1, -1, -1]) == 2 / 3
    # other label values: labels 1/2 split at 1.5
    assert accuracy([1.2, 1.7, 1.6], [1, 2, 1], rule="nearest") == 2 / 3
    # rows of one output are single outputs (argmax of one is always 0)
    assert accuracy([[0.7], [0.2]], [[1.0], [1.0]], rule="nearest", label_values=(0, 1)) == 0.5
    # Values are read by their data
    assert accuracy([Value(0.6), Value(0.4)], [1, 0], rule="nearest") == 1.0


def test_label_values_say_what_the_labels_cannot():
    # every label 1: nearest needs the other value; 0/1 and -1/+1 judge 0.3 differently
    with pytest.raises(ValueError, match=r"every label is 1.*label_values=\(low, high\)"):
        accuracy([0.3, 0.9], [1, 1], rule="nearest")
    assert accuracy([0.3, 0.9], [1, 1], rule="nearest", label_values=(0, 1)) == 0.5
    assert accuracy([0.3, 0.9], [1, 1], rule="nearest", label_values=(1, -1)) == 1.0
    # the sign rule with one label value reads the label's own sign
    assert accuracy([0.3, -0.9], [1, 1]) == 0.5
    assert accuracy([0.3, -0.9], [0, 0]) == 0.5


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"rule": "argmax"}, ValueError, "rule must be 'sign' or 'nearest'"),
        ({"label_values": (0,)}, TypeError, "label_values must be a pair"),
        ({"label_values": (1, 1)}, ValueError, "two different finite numbers"),
        ({"label_values": (0, float("inf"))}, ValueError, "two different finite numbers"),
    ],
)
def test_bad_accuracy_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        accuracy([0.3, 0.9], [0, 1], **kwargs)


def test_regression_targets_have_no_nearest_label_accuracy():
    with pytest.raises(ValueError, match="the labels take 3 different values"):
        accuracy([0.1, 0.5, 0.9], [0.0, 0.4, 1.0], rule="nearest")


def test_mismatched_rows_are_named():
    with pytest.raises(ValueError, match="output 1 has 3 values but label 1 has 2"):
        accuracy([[0.1, 0.9, 0.0], [0.1, 0.9, 0.0]], [[0, 1, 0], [0, 1]])
    with pytest.raises(ValueError, match="output 0 is one number but label 0 is a row of 2"):
        accuracy([0.1], [[0, 1]])


# -- fit and evaluate refuse what they cannot judge, before training ---------------------------


def _fit(model, X, y, loss, **kwargs):
    return fit(model, X, y, loss=loss, optimizer=SGD(model.parameters(), lr=0.1), epochs=2,
               progress=False, **kwargs)


def test_regression_with_accuracy_is_refused_before_training():
    X = [[x / 10] for x in range(-10, 11)]
    y = [x[0] ** 2 for x in X]
    model = MLP(1, [4, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match="fit: accuracy of one output: mse judges one output by "
                                         "the nearer of two label values, but there are 11"):
        _fit(model, X, y, losses.mse, metrics=["accuracy"])
    assert model.state_dict() == before
    assert "accuracy" not in _fit(model, X, y, losses.mse)[0]  # not asked: not measured


def test_one_label_value_with_the_nearest_rule_is_refused_before_training():
    model = MLP(1, [1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"every label 1, mse's nearer-label rule does not know "
                                         r"the other label value.*label_values=\(0, 1\)"):
        _fit(model, [[0.0], [1.0]], [1, 1], losses.mse, metrics=["accuracy"])
    assert model.state_dict() == before


def test_validation_labels_are_judged_by_the_values_of_all_the_data():
    # training labels 0/1, validation labels all 1: 0.3 is nearer 0, so wrong
    model = Table([0.2, 0.8, 0.3])
    (record,) = fit(model, [[0.0], [1.0]], [0, 1], loss=losses.mse, epochs=1,
                    optimizer=SGD(model.parameters(), lr=0.0), metrics=["accuracy"],
                    validation_data=([[2.0]], [1]), progress=False, jit=False)
    assert record["accuracy"] == 1.0 and record["val_accuracy"] == 0.0
    with pytest.raises(ValueError, match="evaluate: accuracy of one output: with every label 1"):
        evaluate(model, [[2.0]], [1], loss=losses.mse, metrics=["accuracy"])


# -- losses of your own ----------------------------------------------------------------------------

# Against 0 1 1 0 the nearer label is 0 1 0 0 (3 of 4 right), the sign 1 1 1 1 (2 of 4).
PROBS = [0.2, 0.7, 0.4, 0.1]
LABELS = [0, 1, 1, 0]


def test_a_loss_of_your_own_declares_its_rule():
    model = Table(PROBS)
    X = [[float(k)] for k in range(4)]

    def own(outputs, labels):
        return losses.mse(outputs, labels) + 1e-4 * dot(model.parameters(), model.parameters())

    before = model.state_dict()
    with pytest.raises(ValueError, match="own declares no accuracy_rule, and with labels 0 and "
                                         "1 .* own.accuracy_rule = 'sign' or 'nearest'"):
        _fit(model, X, LABELS, own, metrics=["accuracy"])
    assert model.state_dict() == before
    # -1/+1 labels: both rules agree, so an undeclared loss is judged (by sign)
    signs = [2 * t - 1 for t in LABELS]
    outputs = [0.3, 0.5, -0.2, -0.1]  # against -1 1 1 -1: wrong, right, wrong, right
    table = Table(outputs)
    (record,) = fit(table, X, signs, loss=lambda o, t: losses.mse(o, t), epochs=1,
                    optimizer=SGD(table.parameters(), lr=0.0), metrics=["accuracy"],
                    progress=False, jit=False)
    assert record["accuracy"] == 0.5
    own.accuracy_rule = "nearest"
    (record,) = fit(model, X, LABELS, loss=own, optimizer=SGD(model.parameters(), lr=0.0),
                    epochs=1, metrics=["accuracy"], progress=False, jit=False)
    assert record["accuracy"] == 3 / 4
    own.accuracy_rule = "sign"  # a declared "sign" also asks for accuracy by default
    (record,) = fit(model, X, LABELS, loss=own, optimizer=SGD(model.parameters(), lr=0.0),
                    epochs=1, progress=False, jit=False)
    assert record["accuracy"] == 2 / 4
    own.accuracy_rule = "by eye"
    with pytest.raises(ValueError, match="accuracy_rule must be 'sign' or 'nearest', got 'by "):
        _fit(model, X, LABELS, own)


def test_partial_and_lambda_losses():
    model = Table(PROBS)
    X = [[float(k)] for k in range(4)]

    def run(loss):
        return fit(model, X, LABELS, loss=loss, optimizer=SGD(model.parameters(), lr=0.0),
                   epochs=1, metrics=["accuracy"], progress=False, jit=False)[0]["accuracy"]

    # a partial keeps its function's rule: smooth_l1 judges by the nearer label
    assert run(functools.partial(losses.smooth_l1, beta=0.5)) == 3 / 4
    # a lambda hides it: refused, until it declares one
    lam = lambda o, t: losses.smooth_l1(o, t, beta=0.5)
    with pytest.raises(ValueError, match="your loss declares no accuracy_rule.*"
                                         "your_loss.accuracy_rule"):
        run(lam)
    lam.accuracy_rule = "nearest"
    assert run(lam) == 3 / 4
    # a partial may declare a rule of its own, over its function's
    partial = functools.partial(losses.mse)
    partial.accuracy_rule = "sign"
    assert run(partial) == 2 / 4


def test_an_undeclared_loss_on_several_outputs_is_judged_by_argmax():
    # cross-entropy plus an L2 term, as people write it: no rule is needed for argmax
    outputs = [[2.0, 1.0, 0.0], [0.0, 1.0, 3.0], [1.0, 1.5, 0.0]]  # argmax 0 2 1
    model = Table(outputs)
    params = model.parameters()

    def regularised(rows, labels):
        return losses.cross_entropy(rows, labels) + 1e-4 * dot(params, params)

    (record,) = fit(model, [[0.0], [1.0], [2.0]], [0, 2, 0], loss=regularised, epochs=1,
                    optimizer=SGD(params, lr=0.0), metrics=["accuracy"], progress=False,
                    jit=False)
    assert record["accuracy"] == 2 / 3


# -- several outputs need class indices ------------------------------------------------------------


def test_argmax_accuracy_refuses_labels_that_are_not_class_indices():
    rows = [[0.1, 0.9], [2.0, -1.0]]  # argmax 1, 0
    assert accuracy(rows, [1.0, 0.0]) == 1.0  # whole floats are indices (NumPy float labels)
    # -1/+1 labels, a class past the outputs, a fraction: no output's index can equal them,
    # so counting them wrong would report a made-up accuracy
    for labels, shown in (([1, -1], "-1"), ([1, 2], "2"), ([0.5, 0], "0.5")):
        with pytest.raises(ValueError, match=rf"accuracy: label \d is {shown}, but output \d "
                                             r"has 2 values: a label must be a class index "
                                             r"0\.\.1 \(the index of the largest output\)"):
            accuracy(rows, labels)


def test_fit_refuses_labels_that_are_not_class_indices_before_training():
    # two outputs, -1/+1 labels and a loss of one's own (a multi-class hinge): the argmax of
    # two outputs is 0 or 1, never -1, so every -1 sample would count as wrong
    outputs = [[0.3, -0.3], [-0.2, 0.2], [1.0, 0.0]]
    model = Table(outputs)
    before = model.state_dict()

    def margin(rows, labels):
        return losses.mse([r[1] - r[0] for r in rows], labels)

    with pytest.raises(ValueError, match=r"fit: accuracy of 2 outputs is the index of the "
                                         r"largest, so the labels must be class indices "
                                         r"0\.\.1, but one is -1"):
        fit(model, [[0.0], [1.0], [2.0]], [-1, 1, -1], loss=margin, epochs=1,
            optimizer=SGD(model.parameters(), lr=0.1), metrics=["accuracy"], progress=False)
    assert model.state_dict() == before
    with pytest.raises(ValueError, match=r"evaluate: accuracy of 2 outputs .* but one is 3"):
        evaluate(model, [[0.0], [1.0]], [1, 3], loss=losses.cross_entropy)
