"""``fit(..., jit=...)``: the compiled batch step trains exactly as the engine does.

The reference is always the same ``fit`` run with ``jit=False`` (the engine's graph objects and
sweep: an independent computation of the same formulas), from the same seed.
"""

import functools
import importlib
import math
import warnings

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, dot
from nn import MLP, SGD, Adam, Callback, datasets, fit, losses
from nn import train as train_module
from nn.train import worth_compiling

JIT = importlib.import_module("autograd.jit.compiled")  # where jit reads its settings


class Recorder(Callback):
    """Every hook call with its arguments, for comparing two runs."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def on_train_begin(self, logs=None):
        self.calls.append(("begin", logs))

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(("epoch_begin", epoch))

    def on_epoch_end(self, epoch, logs):
        self.calls.append(("epoch_end", epoch, dict(logs)))

    def on_train_end(self, logs=None):
        self.calls.append(("end", logs))


@pytest.fixture
def compiled_steps(monkeypatch):
    """The ``autograd.jit`` functions fit makes, to look at their traces."""
    made = []

    def spy(f, **kwargs):
        g = autograd.jit(f, **kwargs)
        made.append(g)
        return g

    monkeypatch.setattr(train_module, "autograd_jit", spy)
    return made


def _run(jit, loss, y_of, nouts=1, epochs=6, batch_size=16, callbacks=None, optimizer=Adam,
         n=70, **kwargs):
    X, y = datasets.spirals(n=n, classes=3, seed=1) if nouts == 3 else datasets.moons(n=n, seed=1)
    model = MLP(2, [8, 8, nouts], seed=3)
    opt = optimizer(model.parameters(), lr=0.05)
    recorder = Recorder()
    history = fit(model, X, y_of(y), loss=loss, optimizer=opt, epochs=epochs,
                  batch_size=batch_size, seed=7, progress=False,
                  callbacks=[recorder, *(callbacks or [])], jit=jit, **kwargs)
    return model, history, recorder.calls


CASES = {
    "hinge": (losses.hinge, lambda y: [2 * t - 1 for t in y], 1),
    "mse": (losses.mse, lambda y: [float(t) for t in y], 1),
    "cross_entropy": (losses.cross_entropy, list, 3),
}


@pytest.mark.parametrize("name", list(CASES))
def test_jit_and_engine_give_the_same_parameters_history_and_callbacks(name, compiled_steps):
    loss, y_of, nouts = CASES[name]
    # 70 samples in batches of 16: four full batches and a short one of 6 in every epoch
    model_e, history_e, calls_e = _run(False, loss, y_of, nouts)
    assert compiled_steps == []  # jit=False makes no compiled function
    model_j, history_j, calls_j = _run(True, loss, y_of, nouts)
    engine = model_e.parameters()
    compiled = model_j.parameters()
    assert all(math.isclose(a.data, b.data, rel_tol=1e-12, abs_tol=1e-12)
               for a, b in zip(engine, compiled, strict=True))
    # in fact bit for bit: the compiled step computes the engine's formulas in its order
    assert model_j.state_dict() == model_e.state_dict()
    assert history_j == history_e
    assert calls_j == calls_e
    (step,) = compiled_steps
    assert step.cache_size == 2  # one trace for the batches of 16, one for the short batch


def test_auto_compiles_a_long_run_and_not_a_short_one(compiled_steps):
    loss, y_of, _ = CASES["hinge"]
    _run("auto", loss, y_of, epochs=1, batch_size=None)  # one step: nothing to win
    assert compiled_steps[0].cache_size == 0
    # 400 steps of a ~400-node graph: compiling (about 40 of its engine steps) pays
    model_a, history_a, _ = _run("auto", loss, y_of, epochs=100, batch_size=20, n=80)
    assert compiled_steps[1].cache_size == 1
    model_e, history_e, _ = _run(False, loss, y_of, epochs=100, batch_size=20, n=80)
    assert model_a.state_dict() == model_e.state_dict() and history_a == history_e


def test_worth_compiling_weighs_the_steps_left_against_the_compile():
    # Compiling costs 10 engine steps and a compiled step half of one. With k steps left the
    # engine takes k; compiled: 10, then the next step both ways and checked (1 + 0.5), the
    # check of the step just taken (0.5) and k - 1 compiled steps: 11.5 + 0.5 k. Compiled
    # when k > 1.1 * (11.5 + 0.5 k), i.e. 0.45 k > 12.65: k > 28.1.
    assert train_module.JIT_MARGIN == 1.1
    assert not worth_compiling(28, 10.0, 0.5)
    assert worth_compiling(29, 10.0, 0.5)
    assert not worth_compiling(0, 0.0, 0.0)  # nothing left to save
    assert not worth_compiling(10**9, 10.0, 1.0)  # a compiled step no faster never pays


def test_auto_follows_the_rule_at_its_boundary(compiled_steps, monkeypatch):
    # jit's prediction replaced by the one above: full-batch training, one step an epoch,
    # so after the first step `epochs - 1` steps are left
    seen = []

    def cost(root):
        seen.append(root)
        return 10.0, 0.5

    monkeypatch.setattr(train_module, "compile_cost", cost)
    loss, y_of, _ = CASES["hinge"]
    for epochs, compiled in ((29, 0), (30, 1)):
        model_a, history_a, calls_a = _run("auto", loss, y_of, epochs=epochs, batch_size=None)
        assert compiled_steps[-1].cache_size == compiled
        model_e, history_e, calls_e = _run(False, loss, y_of, epochs=epochs, batch_size=None)
        assert model_a.state_dict() == model_e.state_dict() and history_a == history_e
        assert calls_a == calls_e
    assert len(seen) == 2 and all(isinstance(root, Value) for root in seen)  # once a fit


@settings(max_examples=300)
@given(nodes=st.integers(0, 10**7), edges=st.integers(0, 10**8), data=st.data())
def test_no_graph_pays_for_the_few_steps_fit_does_not_measure(nodes, edges, data):
    # fit skips walking the graph when the steps left are at most JIT_MARGIN * (1 + the
    # least compile cost of any graph); no graph's own prediction says otherwise there
    assume(nodes + edges > 0)
    model = JIT.CostModel
    bound = train_module.JIT_MARGIN * (1.0 + model.least_compile_runs())
    steps_left = data.draw(st.integers(0, math.floor(bound)))
    engine = model.predict(model.ENGINE, nodes, edges)
    compile_runs = model.predict(model.COMPILE, nodes, edges) / engine
    run_ratio = model.predict(model.COMPILED, nodes, edges) / engine
    assert compile_runs >= model.least_compile_runs() * (1 - 1e-12)
    assert not worth_compiling(steps_left, compile_runs, run_ratio)


def test_a_short_run_does_not_even_measure_its_graph(monkeypatch):
    seen = []
    monkeypatch.setattr(train_module, "compile_cost", seen.append)
    loss, y_of, _ = CASES["hinge"]
    _run("auto", loss, y_of, epochs=4, batch_size=16)  # 16 steps of 16 and 4 of 6 samples
    assert seen == []


def _digits_step_graph(batch):
    X, y = datasets.digits()
    model = MLP(64, [32, 10], seed=0)
    return losses.cross_entropy([model(x) for x in X[:batch]], y[:batch])


def test_one_digits_epoch_stays_in_the_engine_and_five_or_twenty_compile(compiled_steps):
    # Issue 23's measurements (benchmarks section 6, main of 2026-12-02): one epoch of digits
    # in batches of 32 (57 steps) takes 1.45 s in the engine and 3.27 s compiling; 5 epochs
    # 7.19 s against 5.20 s; 20 epochs 27.5 s against 12.95 s.
    cost = JIT.compile_cost
    batch_32 = cost(_digits_step_graph(32))
    assert not worth_compiling(56, *batch_32)
    assert worth_compiling(5 * 57 - 1, *batch_32)
    assert worth_compiling(20 * 57 - 1, *batch_32)
    # the last batch of each epoch, 5 images: 19 steps left after the first in 20 epochs
    assert not worth_compiling(19, *cost(_digits_step_graph(5)))
    X, y = datasets.digits()
    model = MLP(64, [32, 10], seed=0)
    fit(model, X, y, loss=losses.cross_entropy, optimizer=SGD(model.parameters(), lr=0.05,
        momentum=0.9), epochs=1, batch_size=32, seed=0, progress=False)  # jit="auto"
    assert compiled_steps[0].cache_size == 0


def test_jit_true_compiles_at_once_even_where_jits_own_rule_would_wait(
    compiled_steps, monkeypatch
):
    # jit alone defers a graph whose compile looks expensive; fit(jit=True) compiles anyway
    monkeypatch.setattr(JIT.COSTS, "estimate", lambda *size: 1e9)
    loss, y_of, _ = CASES["hinge"]
    model_j, history_j, _ = _run(True, loss, y_of)
    assert compiled_steps[0].cache_size == 2  # both batch sizes, from their first step
    model_e, history_e, _ = _run(False, loss, y_of)
    assert model_j.state_dict() == model_e.state_dict() and history_j == history_e


@pytest.mark.parametrize("seconds", [1e-12, 1e9])
def test_autos_choice_does_not_depend_on_what_jit_has_measured(
    seconds, compiled_steps, monkeypatch
):
    # whatever jit's own estimate says (learned from the clock), fit decides from the graph:
    # 12 steps of a ~400-node graph stay in the engine, 400 steps compile
    monkeypatch.setattr(JIT.COSTS, "estimate", lambda *size: seconds)
    loss, y_of, _ = CASES["hinge"]
    _run("auto", loss, y_of, epochs=3, batch_size=20, n=80)
    _run("auto", loss, y_of, epochs=100, batch_size=20, n=80)
    assert [g.cache_size for g in compiled_steps] == [0, 1]


def test_a_custom_loss_with_an_if_on_data_is_right_on_both_branches(compiled_steps):
    X, y = datasets.moons(n=40, seed=2)
    signs = [2 * t - 1 for t in y]

    def loss(outputs, labels):
        value = losses.hinge(outputs, labels)
        if value > 0.5:  # a guard: the compiled code re-checks it and traces again
            return value * 2.0
        return value

    results = []
    for jit in (False, True):
        model = MLP(2, [8, 1], seed=0)
        history = fit(model, X, signs, loss=loss, optimizer=SGD(model.parameters(), lr=0.1),
                      epochs=30, batch_size=10, seed=0, progress=False, jit=jit)
        results.append((model.state_dict(), history))
    assert results[0] == results[1]
    losses_seen = [r["loss"] for r in results[0][1]]
    assert max(losses_seen) > 1.0 and min(losses_seen) < 0.5  # both branches were taken
    assert compiled_steps[0].cache_size == 2  # one trace per branch


def test_regularised_loss_over_the_parameters_compiles_too():
    X, y = datasets.moons(n=30, seed=0)
    signs = [2 * t - 1 for t in y]
    states = []
    for jit in (False, True):
        model = MLP(2, [8, 1], seed=0)
        params = model.parameters()
        loss = functools.partial(_l2_hinge, params)
        fit(model, X, signs, loss=loss, optimizer=SGD(params, lr=0.2, momentum=0.9),
            epochs=8, batch_size=8, seed=1, progress=False, jit=jit)
        states.append(model.state_dict())
    assert states[0] == states[1]


def _l2_hinge(params, outputs, labels):
    return losses.hinge(outputs, labels) + 1e-3 * dot(params, params)


def _train_with_warning(loss, n=30):
    X, y = datasets.moons(n=n, seed=0)
    signs = [2 * t - 1 for t in y]
    out = []
    for jit in (False, True):
        model = MLP(2, [4, 1], seed=0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            history = fit(model, X, signs, loss=loss, optimizer=SGD(model.parameters(), lr=0.1),
                          epochs=5, batch_size=10, seed=0, progress=False, jit=jit)
        out.append((model.state_dict(), history, [str(w.message) for w in caught]))
    return out


def test_a_loss_comparing_labels_with_eq_is_caught_and_runs_in_the_engine():
    # Under jit labels are traced Values, and Value == number is identity (always False):
    # the compiled step would be wrong. Its first check against the engine catches that.
    def loss(outputs, labels):
        terms = [(1.0 - o) if t == 1 else (1.0 + o) for o, t in zip(outputs, labels, strict=True)]
        return autograd.mean([term.relu() for term in terms])

    (engine_state, engine_history, none), (state, history, warned) = _train_with_warning(loss)
    assert none == []
    assert state == engine_state and history == engine_history
    assert len(warned) == 1 and "runs in the engine" in warned[0] and "==" in warned[0]


def test_a_loss_reading_data_is_caught_on_the_second_checked_batch():
    # .data is invisible to tracing: the number of the traced batch would be baked in
    def loss(outputs, labels):
        scale = 1.0 / (1.0 + abs(outputs[0].data))
        return losses.hinge(outputs, labels) * scale

    (engine_state, engine_history, _), (state, history, warned) = _train_with_warning(loss)
    assert state == engine_state and history == engine_history
    assert len(warned) == 1 and ".data" in warned[0]


def test_a_loss_calling_float_on_a_value_runs_in_the_engine_with_a_warning():
    def loss(outputs, labels):
        worst = max(float(o) for o in outputs)  # ConcretizationError under jit
        return losses.hinge(outputs, labels) + 0.0 * worst

    (engine_state, engine_history, _), (state, history, warned) = _train_with_warning(loss)
    assert state == engine_state and history == engine_history
    assert len(warned) == 1 and "ConcretizationError" in warned[0]


def test_a_non_finite_loss_stops_the_compiled_run_as_the_engine_does(compiled_steps):
    # a linear model with too large a step diverges in epoch 3, well past the checked steps
    X = [[float(i), 1.0] for i in range(12)]
    y = [float(i % 3) for i in range(12)]
    messages, states = [], []
    for jit in (False, True):
        model = MLP(2, [4, 1], activation=None, seed=0)
        with pytest.raises(FloatingPointError) as info:
            fit(model, X, y, loss=losses.mse, optimizer=SGD(model.parameters(), lr=0.05),
                epochs=30, batch_size=6, seed=0, progress=False, jit=jit)
        messages.append(str(info.value))
        states.append(model.state_dict())
        assert all(p.grad == 0.0 for p in model.parameters())  # no gradient left behind
    assert messages[0] == messages[1]
    assert "the loss became inf in epoch 3" in messages[0]
    assert states[0] == states[1]  # the step was not taken in either
    assert compiled_steps[0].cache_size == 1


@pytest.mark.parametrize("bad", ["yes", 1, 0, None, "True"])
def test_bad_jit_argument(bad):
    model = MLP(2, [1], seed=0)
    with pytest.raises(ValueError, match="jit must be True, False or 'auto'"):
        fit(model, [[0.0, 1.0]], [1], loss=losses.hinge, optimizer=SGD(model.parameters(), lr=0.1),
            epochs=1, progress=False, jit=bad)


def test_multi_output_outputs_reach_the_metrics_as_lists(compiled_steps):
    seen = []

    def first_output_mean(outputs, labels):
        seen.append(type(outputs[0]))
        return sum(o[0] for o in outputs) / len(outputs)

    X, y = datasets.spirals(n=30, classes=3, seed=0)
    model = MLP(2, [6, 3], seed=0)
    fit(model, X, y, loss=losses.cross_entropy, optimizer=Adam(model.parameters(), lr=0.01),
        epochs=3, batch_size=10, seed=0, progress=False, jit=True,
        metrics=["accuracy", first_output_mean])
    assert set(seen) == {list} and compiled_steps[0].cache_size == 1


def test_under_jit_the_loss_sees_traced_labels(compiled_steps):
    kinds = []

    def loss(outputs, labels):
        kinds.append((type(outputs[0]), type(labels[0])))
        return losses.mse(outputs, labels)

    model = MLP(2, [3, 1], seed=0)
    fit(model, [[0.0, 1.0], [1.0, 0.0]] * 4, [0.5, -0.5] * 4, loss=loss,
        optimizer=SGD(model.parameters(), lr=0.1), epochs=4, batch_size=4, progress=False,
        jit=True)
    # engine steps (the first, checked ones) see the labels as numbers; the trace as Values
    assert (Value, float) in kinds and (Value, Value) in kinds
    assert compiled_steps[0].cache_size == 1
