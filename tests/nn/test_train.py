"""``fit`` mechanics, and the classic small networks trained end to end."""

import math
import random

import pytest

from autograd import Value, dot, softmax
from nn import MLP, SGD, Adam, Layer, Module, accuracy, datasets, fit, losses

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
                  epochs=3000, progress=False)
    outs = [model(x).data for x in X]
    assert [int(o > 0.5) for o in outs] == y
    assert history[-1]["loss"] < 0.01 < history[0]["loss"]


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


def test_progress_bar_on_stderr_only_when_asked(capsys):
    X, y, model = _problem()
    opt = Adam(model.parameters(), lr=0.01)
    fit(model, X, y, loss=losses.mse, optimizer=opt, epochs=2, progress=True)
    err = capsys.readouterr().err
    assert "training" in err and "2/2" in err and "loss=" in err and "acc=" in err
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
