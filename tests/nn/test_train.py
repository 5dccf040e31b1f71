"""``fit`` mechanics, and the classic small networks trained end to end."""

import functools
import math
import random
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from autograd import Value, dot, softmax
from nn import (
    MLP,
    SGD,
    Adam,
    Callback,
    EarlyStopping,
    Layer,
    Module,
    accuracy,
    datasets,
    evaluate,
    fit,
    losses,
)

# -- the classic networks -------------------------------------------------------------------------


def test_micrograd_moons_recipe_reaches_97_percent():
    # moons n=100 noise 0.1, MLP(2, [16, 16, 1]), hinge + 1e-4 L2, SGD lr 1.0 -> 0.1 over 100
    X, y = datasets.moons(n=100, noise=0.1, seed=0)
    signs = [2 * t - 1 for t in y]  # hinge wants -1/+1 labels
    model = MLP(2, [16, 16, 1], seed=0)
    params = model.parameters()

    def loss(outputs, labels):
        return losses.hinge(outputs, labels) + 1e-4 * dot(params, params)

    history = fit(model, X, signs, loss=loss, optimizer=SGD(params, lr=1.0), epochs=100,
                  progress=False, lr_schedule=lambda k: 1.0 - 0.9 * k / 100)
    assert [r["lr"] for r in history[:2]] == [1.0, 0.991]
    assert history[-1]["lr"] == pytest.approx(0.109)
    assert history[-1]["loss"] < 0.5 * history[0]["loss"]
    assert accuracy([model(x) for x in X], signs) >= 0.97


class XorNet(Module):
    """The textbook 2-3-1 network with sigmoid units everywhere (output included)."""

    def __init__(self, seed):
        rng = random.Random(seed)
        self.hidden = Layer(2, 3, activation="sigmoid", seed=rng)
        self.output = Layer(3, 1, activation="sigmoid", seed=rng)

    def __call__(self, x):
        return self.output(self.hidden(x))[0]


def test_xor_with_a_2_3_1_sigmoid_network_mse_and_plain_gradient_descent():
    X = [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]
    y = [0, 1, 1, 0]
    model = XorNet(seed=0)
    assert len(model.parameters()) == 3 * 3 + 4
    history = fit(model, X, y, loss=losses.mse, optimizer=SGD(model.parameters(), lr=0.5),
                  epochs=3000, progress=False, metrics=["accuracy"])
    outs = [model(x).data for x in X]
    assert [int(o > 0.5) for o in outs] == y
    assert history[-1]["loss"] < 0.01 < history[0]["loss"]
    # sigmoid outputs are all positive: judged by sign this read 50%; mse judges by the
    # nearer label, and a last epoch's mse under 0.01 puts each output within 0.2 of its label
    assert history[-1]["accuracy"] == 1.0


def test_softmax_classifier_on_three_spirals():
    X, y = datasets.spirals(n=60, classes=3, noise=0.1, seed=0)
    model = MLP(2, [16, 3], activation="relu", seed=0)  # hidden relu layer, 3 logits
    history = fit(model, X, y, loss=losses.cross_entropy,
                  optimizer=SGD(model.parameters(), lr=0.2, momentum=0.9), epochs=120,
                  progress=False)
    assert history[0]["loss"] == pytest.approx(math.log(3), rel=0.2)  # near-uniform at init
    assert history[-1]["loss"] < 0.3 * history[0]["loss"]
    probs = [softmax(model(x)) for x in X]
    assert all(sum(p.data for p in row) == pytest.approx(1.0) for row in probs)
    predicted = [max(range(3), key=lambda k, row=row: row[k].data) for row in probs]
    assert sum(p == t for p, t in zip(predicted, y, strict=True)) / len(y) >= 0.9


# -- fit mechanics ---------------------------------------------------------------------------------


def _problem():
    X, y = datasets.moons(n=20, noise=0.1, seed=1)
    return X, y, MLP(2, [4, 1], seed=0)


def test_history_records_every_epoch():
    X, y, model = _problem()
    opt = SGD(model.parameters(), lr=0.1)
    history = fit(model, X, y, loss=losses.binary_cross_entropy_with_logits, optimizer=opt,
                  epochs=3, progress=False)
    assert [r["epoch"] for r in history] == [0, 1, 2]
    assert all({"loss", "accuracy", "lr"} <= set(r) for r in history)
    assert all(0.0 <= r["accuracy"] <= 1.0 and r["loss"] > 0 for r in history)


def test_full_batch_epoch_is_exactly_one_step_on_the_whole_data():
    X, y, model = _problem()
    twin = MLP(2, [4, 1], seed=0)
    history = fit(model, X, y, loss=losses.binary_cross_entropy_with_logits,
                  optimizer=SGD(model.parameters(), lr=0.1), epochs=1, progress=False)
    # the same step by hand
    outputs = [twin(x) for x in X]
    loss = losses.binary_cross_entropy_with_logits(outputs, y)
    loss.backward()
    SGD(twin.parameters(), lr=0.1).step()
    assert model.state_dict() == twin.state_dict()
    assert history[0]["loss"] == loss.data
    assert history[0]["accuracy"] == accuracy(outputs, y)


def test_minibatches_are_seeded_and_loss_is_sample_weighted():
    X, y, _ = _problem()

    def run(seed):
        model = MLP(2, [4, 1], seed=0)
        h = fit(model, X, y, loss=losses.binary_cross_entropy_with_logits,
                optimizer=SGD(model.parameters(), lr=0.1), epochs=2, batch_size=6,
                seed=seed, progress=False)
        return h, model.state_dict()

    assert run(5) == run(5)
    assert run(5)[1] != run(6)[1]  # a different shuffle, different updates

    # seed=None draws from the global random state, as MLP(seed=None) does: random.seed
    # makes the shuffles repeatable
    random.seed(11)
    first = run(None)
    random.seed(11)
    assert run(None) == first
    with pytest.raises(TypeError, match="seed must be an int"):
        run("5")
    # full-batch training never shuffles, and leaves the global random state alone
    state = random.getstate()
    model = MLP(2, [4, 1], seed=0)
    fit(model, X, y, loss=losses.binary_cross_entropy_with_logits,
        optimizer=SGD(model.parameters(), lr=0.1), epochs=2, progress=False)
    assert random.getstate() == state

    # batch_size >= n is full-batch: no shuffling, same as batch_size=None
    a, b = MLP(2, [4, 1], seed=0), MLP(2, [4, 1], seed=0)
    for model, bs in ((a, None), (b, 1000)):
        fit(model, X, y, loss=losses.mse, optimizer=SGD(model.parameters(), lr=0.1),
            epochs=2, batch_size=bs, seed=1, progress=False)
    assert a.state_dict() == b.state_dict()


def test_epoch_loss_is_the_sample_weighted_mean_of_batch_losses():
    # model with frozen output (lr 0): batches of 3 and 1 over 4 samples
    X = [(0.0,), (1.0,), (2.0,), (3.0,)]
    y = [0.0, 0.0, 0.0, 0.0]

    def model(x):
        return Value(x[0]) * 1.0

    opt = SGD([Value(0.0)], lr=0.0)
    (record,) = fit(model, X, y, loss=losses.mse, optimizer=opt, epochs=1, batch_size=3,
                    seed=0, progress=False)
    assert record["loss"] == pytest.approx((0 + 1 + 4 + 9) / 4)  # whatever the split


def test_multi_output_accuracy_is_argmax():
    outputs = [[Value(0.1), Value(0.9), Value(0.0)], [Value(2.0), Value(-1.0), Value(1.9)]]
    assert accuracy(outputs, [1, 2]) == 0.5
    assert accuracy([Value(0.5), Value(-0.5), Value(0.0)], [1, -1, 0]) == 1.0
    assert accuracy([Value(0.5), Value(-0.5)], [0, 1]) == 0.0


def test_a_row_of_one_output_is_judged_by_sign_not_argmax():
    # argmax of a single output is always 0: every label 1 would count as wrong
    assert accuracy([[0.5], [Value(2.0)], [-0.5]], [1, 1, 0]) == 1.0
    assert accuracy([[0.5], [-0.5]], [0, 1]) == 0.0


def test_progress_bar_on_stderr_only_when_asked(capsys):
    X, y, model = _problem()
    opt = Adam(model.parameters(), lr=0.01)
    fit(model, X, y, loss=losses.binary_cross_entropy_with_logits, optimizer=opt, epochs=2,
        validation_data=(X[:5], y[:5]), progress=True)
    err = capsys.readouterr().err
    assert "training" in err and "2/2" in err
    for key in ("loss=", "accuracy=", "val_loss=", "val_accuracy="):
        assert key in err
    fit(model, X, y, loss=losses.mse, optimizer=opt, epochs=2, progress=True)
    err = capsys.readouterr().err
    assert "loss=" in err and "accuracy" not in err  # regression: no accuracy shown
    fit(model, X, y, loss=losses.mse, optimizer=opt, epochs=2, progress=False)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_lr_schedule_sets_the_optimizer_lr_each_epoch():
    X, y, model = _problem()
    opt = SGD(model.parameters(), lr=1.0)
    history = fit(model, X, y, loss=losses.mse, optimizer=opt, epochs=3, progress=False,
                  lr_schedule=lambda k: 0.1 / (k + 1))
    assert [r["lr"] for r in history] == [0.1, 0.05, 0.1 / 3]
    assert opt.lr == 0.1 / 3


def test_zero_epochs_is_an_empty_history():
    X, y, model = _problem()
    before = model.state_dict()
    assert fit(model, X, y, loss=losses.mse, optimizer=SGD(model.parameters(), lr=1.0),
               epochs=0, progress=False) == []
    assert model.state_dict() == before


def test_diverging_training_raises_with_the_epoch():
    X, y, model = _problem()
    with pytest.raises(FloatingPointError, match="epoch"):
        fit(model, X, [t * 1e200 for t in y], loss=losses.mse,
            optimizer=SGD(model.parameters(), lr=1e10), epochs=5, progress=False)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"epochs": -1}, ValueError, "epochs"),
        ({"epochs": 1.5}, ValueError, "epochs"),
        ({"epochs": 1, "batch_size": 0}, ValueError, "batch_size"),
        ({"epochs": 1, "loss": "mse"}, TypeError, "loss"),
        ({"epochs": 1, "optimizer": object()}, TypeError, "optimizer"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    X, y, model = _problem()
    args = {"loss": losses.mse, "optimizer": SGD(model.parameters(), lr=0.1),
            "progress": False, **kwargs}
    with pytest.raises(error, match=match):
        fit(model, X, y, **args)


def test_mismatched_or_empty_data():
    _, _, model = _problem()
    opt = SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="2 inputs but 1 labels"):
        fit(model, [(0.0, 0.0), (1.0, 1.0)], [1], loss=losses.mse, optimizer=opt, epochs=1)
    with pytest.raises(ValueError, match="empty"):
        fit(model, [], [], loss=losses.mse, optimizer=opt, epochs=1)


# -- history keys, validation and metrics ----------------------------------------------------------


def test_classification_history_has_keras_keys_and_regression_has_no_accuracy():
    X, y, model = _problem()
    history = fit(model, X, y, loss=losses.binary_cross_entropy_with_logits,
                  optimizer=SGD(model.parameters(), lr=0.1), epochs=2,
                  validation_data=(X[:6], y[:6]), progress=False)
    assert [list(r) for r in history] == [
        ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr"]] * 2
    signs = [2 * t - 1 for t in y]
    hinge_history = fit(model, X, signs, loss=losses.hinge,
                        optimizer=SGD(model.parameters(), lr=0.1), epochs=1, progress=False)
    assert "accuracy" in hinge_history[0]


def test_regression_history_on_x_squared_minus_one_has_no_accuracy():
    # y = x^2 - 1 on [-1, 1]; validation on the points halfway between
    X = [[-1.0 + 2.0 * i / 20] for i in range(21)]
    y = [x * x - 1.0 for (x,) in X]
    X_val = [[-0.95 + 2.0 * i / 20] for i in range(20)]
    y_val = [x * x - 1.0 for (x,) in X_val]
    model = MLP(1, [8, 8, 1], activation="tanh", seed=0)
    history = fit(model, X, y, loss=losses.mse, optimizer=Adam(model.parameters(), lr=0.05),
                  epochs=100, validation_data=(X_val, y_val), progress=False)
    assert all(list(r) == ["epoch", "loss", "val_loss", "lr"] for r in history)
    assert history[-1]["loss"] < 0.01 * history[0]["loss"]
    # val_loss is the mean squared error of the end-of-training model, computed by hand
    by_hand = sum((model(x).data - t) ** 2 for x, t in zip(X_val, y_val, strict=True)) / 20
    assert history[-1]["val_loss"] == pytest.approx(by_hand, rel=1e-12)
    assert by_hand < 0.01


class Recorder(Callback):
    """Remembers every hook call and the model's state at the end of each epoch."""

    def __init__(self):
        super().__init__()
        self.calls = []
        self.states = []

    def on_train_begin(self, logs=None):
        self.calls.append("train_begin")

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(f"begin {epoch}")

    def on_epoch_end(self, epoch, logs):
        self.calls.append(f"end {epoch}")
        self.states.append(self.model.state_dict())

    def on_train_end(self, logs=None):
        self.calls.append("train_end")


def test_validation_figures_are_those_of_the_end_of_epoch_model():
    X, y, model = _problem()
    signs = [2 * t - 1 for t in y]
    X_val, y_val = datasets.moons(n=12, noise=0.2, seed=7)
    s_val = [2 * t - 1 for t in y_val]
    rec = Recorder()
    history = fit(model, X, signs, loss=losses.hinge, optimizer=SGD(model.parameters(), lr=0.3),
                  epochs=4, batch_size=7, seed=3, validation_data=(X_val, s_val),
                  callbacks=[rec], progress=False)
    twin = MLP(2, [4, 1], seed=0)
    for record, state in zip(history, rec.states, strict=True):
        twin.load_state_dict(state)
        scores = [twin(x).data for x in X_val]
        hinge = sum(max(0.0, 1.0 - t * s) for s, t in zip(scores, s_val, strict=True)) / 12
        right = sum((s > 0) == (t > 0) for s, t in zip(scores, s_val, strict=True)) / 12
        assert record["val_loss"] == pytest.approx(hinge, rel=1e-12, abs=1e-15)
        assert record["val_accuracy"] == right
        assert evaluate(twin, X_val, s_val, loss=losses.hinge) == {
            "loss": record["val_loss"], "accuracy": record["val_accuracy"]}


def test_minibatch_loss_and_accuracy_are_weighted_means_over_the_batches_before_each_step():
    X, y, model = _problem()
    twin = MLP(2, [4, 1], seed=0)
    (record,) = fit(model, X, y, loss=losses.binary_cross_entropy_with_logits,
                    optimizer=SGD(model.parameters(), lr=0.5), epochs=1, batch_size=8,
                    seed=11, progress=False)
    # the same epoch by hand: shuffle as fit documents (random.Random(seed)), batches of 8, 8, 4
    order = list(range(20))
    random.Random(11).shuffle(order)
    opt = SGD(twin.parameters(), lr=0.5)
    total_loss = total_right = 0.0
    for start in (0, 8, 16):
        idx = order[start:start + 8]
        opt.zero_grad()
        outs = [twin(X[i]) for i in idx]
        batch_loss = losses.binary_cross_entropy_with_logits(outs, [y[i] for i in idx])
        batch_loss.backward()
        opt.step()
        total_loss += batch_loss.data * len(idx)
        total_right += sum((o.data > 0) == (y[i] > 0) for o, i in zip(outs, idx, strict=True))
    assert record["loss"] == pytest.approx(total_loss / 20, rel=1e-14)
    assert record["accuracy"] == total_right / 20
    assert model.state_dict() == twin.state_dict()


def test_metrics_choice():
    X, y, model = _problem()

    def hits(outputs, labels):
        assert all(type(o) is float for o in outputs)  # metrics see plain floats
        return float(sum((o > 0) == (t == 1) for o, t in zip(outputs, labels, strict=True)))

    def run(**kwargs):
        return fit(model, X, y, optimizer=SGD(model.parameters(), lr=0.0), epochs=1,
                   progress=False, validation_data=(X[:4], y[:4]), **kwargs)[0]

    bce = losses.binary_cross_entropy_with_logits
    assert "accuracy" not in run(loss=bce, metrics=[])
    record = run(loss=bce, metrics=["accuracy", hits])
    assert record["hits"] == record["accuracy"] * 20  # lr 0: every batch sees the same model
    assert record["val_hits"] == record["val_accuracy"] * 4

    def own_loss(outputs, labels):
        return bce(outputs, labels) + 0.0

    assert "accuracy" not in run(loss=own_loss)
    with pytest.raises(ValueError, match="own_loss declares no accuracy_rule"):
        run(loss=own_loss, metrics=["accuracy"])  # 0/1 labels: sign or midpoint? not guessed
    own_loss.accuracy_rule = "sign"  # logits, as bce's
    assert run(loss=own_loss)["accuracy"] == record["accuracy"]
    signs = [2 * t - 1 for t in y]
    partial_hinge = fit(model, X, signs, loss=functools.partial(losses.hinge), epochs=1,
                        optimizer=SGD(model.parameters(), lr=0.0), progress=False)
    assert "accuracy" in partial_hinge[0]


@pytest.mark.parametrize(
    ("metrics", "error", "match"),
    [
        ("accuracy", TypeError, "must be a list"),
        (["f1"], ValueError, "unknown metric 'f1'"),
        ([lambda o, t: 0.0], ValueError, "needs a name"),
        ([42], TypeError, "a metric must be"),
        (["accuracy", "acc"], ValueError, "given twice"),
        ([losses.mse], ValueError, None),  # fine: a function named mse
    ],
)
def test_bad_metrics(metrics, error, match):
    X, y, model = _problem()
    args = {"loss": losses.mse, "optimizer": SGD(model.parameters(), lr=0.0), "epochs": 1,
            "progress": False, "metrics": metrics}
    if match is None:
        assert "mse" in fit(model, X, y, **args)[0]
        return
    with pytest.raises(error, match=match):
        fit(model, X, y, **args)


def test_reserved_metric_names_are_refused():
    X, y, model = _problem()

    def val_loss(outputs, labels):
        return 0.0

    with pytest.raises(ValueError, match="reserved"):
        fit(model, X, y, loss=losses.mse, optimizer=SGD(model.parameters(), lr=0.1), epochs=1,
            progress=False, metrics=[val_loss])


# -- callbacks and early stopping ------------------------------------------------------------------


class Scale(Module):
    """``w * x``: one parameter, so the whole trajectory has a closed form."""

    def __init__(self):
        self.w = Value(0.0)

    def __call__(self, x):
        return self.w * x[0]


def _scale_run(callbacks, epochs=20):
    # train on y = 2x, validate on y = x: full-batch SGD on mse moves w from 0 towards 2 by
    # w <- w + 0.2 (2 - w): 0.4, 0.72, 0.976, 1.1808, ...; val_loss (w - 1)^2 is least at
    # the end of epoch 2 and grows from then on.
    model = Scale()
    history = fit(model, [[1.0]], [2.0], loss=losses.mse,
                  optimizer=SGD(model.parameters(), lr=0.1), epochs=epochs,
                  validation_data=([[1.0]], [1.0]), callbacks=callbacks, progress=False)
    return model, history


def test_closed_form_of_the_scale_run():
    _, history = _scale_run([], epochs=4)
    w = [0.4, 0.72, 0.976, 1.1808]
    assert [r["val_loss"] for r in history] == pytest.approx([(v - 1) ** 2 for v in w])


def test_early_stopping_stops_after_patience_and_restores_the_best_weights_exactly():
    rec = Recorder()
    stop = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    model, history = _scale_run([rec, stop])
    assert len(history) == 5  # best at epoch 2, then two epochs without improvement
    assert stop.best_epoch == 2 and stop.stopped_epoch == 4
    assert stop.best == history[2]["val_loss"]
    assert model.w.data == rec.states[2]["w"]  # bit for bit
    assert model.w.data == pytest.approx(0.976)
    assert rec.calls == ["train_begin", "begin 0", "end 0", "begin 1", "end 1", "begin 2",
                         "end 2", "begin 3", "end 3", "begin 4", "end 4", "train_end"]


def test_early_stopping_without_restore_keeps_the_last_weights_and_restores_at_the_end_too():
    model, history = _scale_run([EarlyStopping(patience=1)])
    assert len(history) == 4 and model.w.data == pytest.approx(1.1808)
    # ran to the end without stopping: the best epoch's weights still come back
    rec = Recorder()
    model, history = _scale_run([rec, EarlyStopping(patience=50, restore_best_weights=True)],
                                epochs=6)
    assert len(history) == 6 and model.w.data == rec.states[2]["w"]


def test_early_stopping_modes_and_min_delta():
    # monitor the training loss, which falls every epoch: (w - 2)^2 -> 2.56, 1.6384, ...
    stop = EarlyStopping(monitor="loss", patience=0)
    _, history = _scale_run([stop], epochs=8)
    assert len(history) == 8 and stop.stopped_epoch is None
    # a min_delta larger than the later improvements stops it: losses fall by 0.8^2 each time
    stop = EarlyStopping(monitor="loss", patience=0, min_delta=1.0)
    _, history = _scale_run([stop], epochs=8)
    assert [round(r["loss"], 4) for r in history] == [4.0, 2.56, 1.6384]
    assert stop.best_epoch == 1 and stop.stopped_epoch == 2
    # mode max on a falling figure: nothing after epoch 0 improves
    stop = EarlyStopping(monitor="loss", patience=1, mode="max")
    _, history = _scale_run([stop], epochs=8)
    assert len(history) == 2 and stop.best_epoch == 0
    assert EarlyStopping(monitor="val_accuracy").mode == "max"
    assert EarlyStopping(monitor="val_loss").mode == "min"


def test_early_stopping_is_reset_by_each_run():
    stop = EarlyStopping(patience=2, restore_best_weights=True)
    for _ in range(2):
        model, history = _scale_run([stop])
        assert len(history) == 5 and model.w.data == pytest.approx(0.976)


def test_early_stopping_errors():
    with pytest.raises(ValueError, match="'val_loss' is not in the history; it has loss"):
        fit(Scale(), [[1.0]], [2.0], loss=losses.mse, optimizer=SGD([Value(0.0)], lr=0.1),
            epochs=3, callbacks=[EarlyStopping()], progress=False)
    with pytest.raises(TypeError, match="needs an nn.Module"):
        fit(lambda x: Value(x[0]), [[1.0]], [2.0], loss=losses.mse,
            optimizer=SGD([Value(0.0)], lr=0.1), epochs=3,
            callbacks=[EarlyStopping(monitor="loss", restore_best_weights=True)], progress=False)
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=-1)
    with pytest.raises(ValueError, match="mode"):
        EarlyStopping(mode="lowest")
    with pytest.raises(ValueError, match="min_delta"):
        EarlyStopping(min_delta=float("nan"))
    with pytest.raises(TypeError, match="nn.Callback"):
        fit(Scale(), [[1.0]], [2.0], loss=losses.mse, optimizer=SGD([Value(0.0)], lr=0.1),
            epochs=1, callbacks=[object()], progress=False)


# -- bad input is refused up front -----------------------------------------------------------------


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_inputs_are_refused_with_row_and_column(bad):
    X, y, model = _problem()
    before = model.state_dict()
    X = [list(r) for r in X]
    X[7][1] = bad
    opt = SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"X\[7\]\[1\] \(row 7, column 1\) is"):
        fit(model, X, y, loss=losses.mse, optimizer=opt, epochs=1, progress=False)
    with pytest.raises(ValueError, match=r"validation X\[7\]\[1\] \(row 7, column 1\)"):
        fit(model, datasets.moons(n=20, seed=1)[0], y, loss=losses.mse, optimizer=opt,
            epochs=1, validation_data=(X, y), progress=False)
    with pytest.raises(ValueError, match=r"y\[3\] is"):
        fit(model, X[:3] + X[8:], [0, 1, 0, bad] + y[4:15], loss=losses.mse, optimizer=opt,
            epochs=1, progress=False)
    assert model.state_dict() == before


def test_bad_rows_and_labels_are_named():
    _, _, model = _problem()
    opt = SGD(model.parameters(), lr=0.1)
    with pytest.raises(TypeError, match=r"X\[1\]\[0\] \(row 1, column 0\) must be a real number, "
                                        "got str"):
        fit(model, [(0.0, 0.0), ("1", 0.0)], [0, 1], loss=losses.mse, optimizer=opt, epochs=1)
    with pytest.raises(TypeError, match=r"X\[0\] must be a number or a row of numbers, "
                                        "got NoneType"):
        fit(model, [None], [0], loss=losses.mse, optimizer=opt, epochs=1)
    with pytest.raises(TypeError, match=r"y\[1\] must be a number or a row of numbers, got str"):
        fit(model, [(0.0, 0.0), (1.0, 1.0)], [0, "1"], loss=losses.mse, optimizer=opt, epochs=1)
    with pytest.raises(TypeError, match=r"X\[0\] must be a real number, got bool \(convert"):
        fit(model, [True], [0], loss=losses.mse, optimizer=opt, epochs=1)
    with pytest.raises(TypeError, match=r"y\[0\] must be a real number, got bool"):
        fit(model, [(0.0, 0.0), (1.0, 1.0)], [False, True], loss=losses.mse, optimizer=opt,
            epochs=1)
    with pytest.raises(ValueError, match="too large"):
        fit(model, [(0.0, 10 ** 400)], [0], loss=losses.mse, optimizer=opt, epochs=1)
    with pytest.raises(ValueError, match=r"validation_data must be a pair"):
        fit(model, [(0.0, 0.0)], [0], loss=losses.mse, optimizer=opt, epochs=1,
            validation_data=([(0.0, 0.0)],))
    with pytest.raises(ValueError, match="2 validation inputs but 1 validation labels"):
        fit(model, [(0.0, 0.0)], [0], loss=losses.mse, optimizer=opt, epochs=1,
            validation_data=([(0.0, 0.0), (1.0, 1.0)], [0]))


@pytest.mark.parametrize("batch_size", [None, 5])
def test_a_row_of_another_width_is_named_before_any_training(batch_size):
    X, y, model = _problem()
    X = [list(r) for r in X]
    X[19] = [0.5]  # the last row is short: batches before it used to train first
    before = model.state_dict()
    opt = SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"^fit: X\[19\] has 1 value, but the model \(MLP, "
                                         r"nin=2\) takes 2 inputs; nothing was trained$"):
        fit(model, X, y, loss=losses.mse, optimizer=opt, epochs=1, batch_size=batch_size,
            progress=False)
    assert model.state_dict() == before
    good = X[:19]
    with pytest.raises(ValueError, match=r"validation X\[1\] has 3 values, but the model"):
        fit(model, good, y[:19], loss=losses.mse, optimizer=opt, epochs=1, progress=False,
            validation_data=([[1.0, 2.0], [1.0, 2.0, 3.0]], [0, 1]))
    with pytest.raises(ValueError, match=r"X\[0\] is a single number, but the model"):
        fit(model, [0.5, 0.2], [0, 1], loss=losses.mse, optimizer=opt, epochs=1, progress=False)
    with pytest.raises(ValueError, match=r"^evaluate: X\[19\] has 1 value, but the model"):
        evaluate(model, X, y, loss=losses.mse)
    assert model.state_dict() == before


def test_a_model_without_nin_is_checked_against_the_first_row():
    X, y, model = _problem()
    before = model.state_dict()

    def plain(x):  # a function states no input width
        return model(x)

    rows = [list(r) for r in X[:5]] + [[0.1, 0.2, 0.3]]
    with pytest.raises(ValueError, match=r"X\[5\] has 3 values, but X\[0\] has 2 values \(the "
                                         "model does not state its input width"):
        fit(plain, rows, y[:6], loss=losses.mse, optimizer=SGD(model.parameters(), lr=0.1),
            epochs=1, progress=False)
    with pytest.raises(ValueError, match=r"validation X\[0\] has 1 value, but X\[0\] has 2"):
        fit(plain, rows[:5], y[:5], loss=losses.mse, optimizer=SGD(model.parameters(), lr=0.1),
            epochs=1, progress=False, validation_data=([[1.0]], [0]))
    assert model.state_dict() == before


def test_a_non_finite_loss_stops_before_the_step():
    X, y, model = _problem()
    before = model.state_dict()

    def nan_loss(outputs, labels):
        return losses.mse(outputs, labels) * math.nan

    with pytest.raises(FloatingPointError, match=r"loss became nan in epoch 0 .*not taken"):
        fit(model, X, y, loss=nan_loss, optimizer=SGD(model.parameters(), lr=0.1), epochs=2,
            progress=False)
    assert model.state_dict() == before


def test_any_sequence_of_numbers_is_data():
    class Rows(Sequence):
        """A read-only sequence that is neither a list nor a tuple."""

        def __init__(self, items):
            self.items = items

        def __len__(self):
            return len(self.items)

        def __getitem__(self, i):
            return self.items[i]

    X, y, _ = _problem()
    a, b = MLP(2, [4, 1], seed=0), MLP(2, [4, 1], seed=0)
    ha = fit(a, X, y, loss=losses.mse, optimizer=SGD(a.parameters(), lr=0.1), epochs=2,
             progress=False)
    hb = fit(b, Rows([Rows(r) for r in X]), Rows(y), loss=losses.mse,
             optimizer=SGD(b.parameters(), lr=0.1), epochs=2, progress=False)
    assert ha == hb and a.state_dict() == b.state_dict()


def test_training_needs_no_numpy():
    # NumPy made unimportable: nn imports, trains with a progress bar, and never asks for it
    code = (
        "import sys\n"
        "sys.modules['numpy'] = None\n"
        "from nn import MLP, SGD, EarlyStopping, datasets, fit, losses\n"
        "X, y = datasets.moons(n=10, seed=0)\n"
        "m = MLP(2, [3, 1], seed=0)\n"
        "h = fit(m, X, y, loss=losses.binary_cross_entropy_with_logits, epochs=2,\n"
        "        optimizer=SGD(m.parameters(), lr=0.1), validation_data=(X, y),\n"
        "        callbacks=[EarlyStopping(restore_best_weights=True)])\n"
        "print(sorted(h[-1]))\n"
    )
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=root, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "'val_accuracy'" in proc.stdout
