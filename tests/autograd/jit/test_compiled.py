"""``autograd.jit``: compiled values and gradients equal the engine's, guards, the structure
cache, custom ops, and generated code no user text can change.

Every expected value comes from the engine itself run on the same inputs (an independent
computation: graph objects and a sweep, not generated code) or from a closed form.
"""

import contextlib
import functools
import importlib
import math
import threading
import warnings
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import (
    Value,
    dot,
    grad,
    hessian,
    jacobian,
    jit,
    leaky_relu,
    mean,
    relu,
    value_and_grad,
)
from autograd.jit import MAX_VARIANTS, ConcretizationError, JitCheckError, StaleTraceError
from autograd.testing import expressions


def close(a, b, rel=1e-12, abs_=1e-300):
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_) or (math.isnan(a) and math.isnan(b))


# ---------------------------------------------------------------------------------------------
# Random programs: values and gradients equal the engine's.
# ---------------------------------------------------------------------------------------------

def _points(data, e, calls):
    """Points for several calls of one compiled expression: valid ones (away from kinks and
    poles), and raw ones that may sit on a kink (0.0, -0.0), outside the domain or anywhere
    in [-3, 3] (compiled code must then do whatever the engine does, raise included)."""
    raw = st.tuples(*[st.one_of(st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5]),
                                st.floats(-3.0, 3.0)) for _ in range(e.arity)])
    return [data.draw(st.one_of(e.inputs(), raw), label=f"point {k}") for k in range(calls)]


def _backward_data(f, leaves):
    out = f(*leaves)
    out.backward()
    return out.data


def _maybe_no_grad(data, k):
    quiet = data.draw(st.booleans(), label=f"call {k} under no_grad")
    return autograd.no_grad() if quiet else contextlib.nullcontext()


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_random_programs_values_and_input_gradients_equal_the_engines(data):
    # Several calls of one compiled function (the first traces), some under no_grad, each
    # equal to the engine's call bit for bit: zeros' signs and NaNs included.
    e = data.draw(expressions(max_depth=3), label="expression")
    argnums = tuple(range(e.arity))
    g = jit(e)
    vg = jit(value_and_grad(e, argnums=argnums))
    for k, point in enumerate(_points(data, e, 3)):
        expected_value = outcome(engine_value, e, *point)
        expected = outcome(value_and_grad(e, argnums=argnums), *point)
        with _maybe_no_grad(data, k):
            got_value = outcome(g, *point)
            got = outcome(vg, *point)
        assert same(got_value, expected_value), (str(e), point, got_value, expected_value)
        assert same(got, expected), (str(e), point, got, expected)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_random_programs_backward_adds_the_engines_gradients_to_outside_leaves(data):
    e = data.draw(expressions(max_depth=3), label="expression")
    points = _points(data, e, 3)
    params = [Value(x) for x in points[0]]
    g = jit(lambda: e(*params))
    for k, point in enumerate(points):
        reference = [Value(x) for x in point]
        for p, r, x in zip(params, reference, point, strict=True):
            p.data = x
            p.grad = r.grad = -0.0  # the sign of a zero gradient added must show

        expected = outcome(_backward_data, e, reference)
        with _maybe_no_grad(data, k):
            got = outcome(g.backward)
        if isinstance(expected, type):
            assert got is expected, (str(e), point, got)
            continue
        assert same(got, expected), (str(e), point, got, expected)
        for p, r in zip(params, reference, strict=True):
            assert same(p.grad, r.grad), (str(e), point, p.grad, r.grad)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_random_softmax_programs_equal_the_engine_at_every_call(data):
    # softmax and logsumexp over random expressions of (x, y), scaled up to 1e17, at points
    # where the largest logit moves, and after a NaN: a shift taken from the data of one call
    # must never reach the next.
    es = [data.draw(expressions(max_depth=2, arity=2), label=f"logit {k}")
          for k in range(data.draw(st.integers(2, 3), label="logits"))]
    scale = data.draw(st.sampled_from([1.0, 50.0, 1e17, -1e17]), label="scale")
    pick = data.draw(st.integers(0, len(es) - 1), label="output")

    def f(x, y):
        logits = [e(x, y) * scale for e in es]
        return autograd.softmax(logits)[pick] + autograd.logsumexp(logits) * 1e-20

    nan = st.just((math.nan, 0.0))
    points = [data.draw(st.one_of(es[0].inputs(), es[1].inputs(), nan), label=f"point {k}")
              for k in range(4)]
    g = jit(f)
    vg = jit(value_and_grad(f, argnums=(0, 1)))
    for k, point in enumerate(points):
        expected_value = outcome(engine_value, f, *point)
        expected = outcome(value_and_grad(f, argnums=(0, 1)), *point)
        with _maybe_no_grad(data, k):
            got_value = outcome(g, *point)
            got = outcome(vg, *point)
        assert same(got_value, expected_value), (point, got_value, expected_value)
        assert same(got, expected), (point, got, expected)


def _mlp_and_data(seed=0):
    from nn import MLP
    from nn.datasets import moons

    model = MLP(2, [8, 8, 1], activation="relu", seed=seed)
    X, y = moons(24, seed=seed)
    labels = [2.0 * t - 1.0 for t in y]
    return model, X, labels


def _hinge_l2(model, labels):
    from nn.losses import hinge

    params = model.parameters()

    def loss(X):
        scores = [model(x) for x in X]
        return hinge(scores, labels) + 1e-4 * dot(params, params)

    return loss


def test_mlp_loss_gradients_equal_the_engines_and_parameters_are_read_afresh():
    model, X, labels = _mlp_and_data()
    loss = _hinge_l2(model, labels)
    params = model.parameters()
    g = jit(loss)
    for _ in range(3):
        for p in params:
            p.grad = 0.0
        out = loss(X)
        out.backward()
        expected = [p.grad for p in params]
        for p in params:
            p.grad = 0.0
        assert close(g.backward(X), out.data)
        assert all(close(p.grad, e) for p, e in zip(params, expected, strict=True))
        assert close(g(X), out.data)
        for p in params:  # an SGD step: the compiled code must see the new data
            p.data -= 0.3 * p.grad
    assert g.cache_size >= 1


def test_backward_accumulates_like_the_engine_and_treats_none_as_zero():
    w = Value(3.0)
    b = Value(1.0)
    b.grad = None
    g = jit(lambda x: w * x + b)
    assert g.backward(2.0) == 7.0
    assert g.backward(2.0) == 7.0
    assert w.grad == 4.0  # two passes, 2.0 each
    assert b.grad == 2.0


def test_constants_made_inside_are_baked_and_leaves_made_outside_are_inputs():
    w = Value(2.0, label="w")
    g = jit(lambda x: x * w + Value(5.0))
    assert g(1.0) == 7.0
    assert "5.0" in g.source and "w, = D" in g.source
    w.data = 10.0
    assert g(1.0) == 15.0  # read afresh
    assert g.cache_size == 1


# ---------------------------------------------------------------------------------------------
# Kinks: nothing seen while tracing is baked in.
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("f", "left", "right"),
    [
        (lambda x: relu(x * 3.0), 0.0, 3.0),
        (lambda x: abs(x * 3.0), -3.0, 3.0),
        (lambda x: leaky_relu(x * 3.0, 0.1), 0.3, 3.0),
    ],
)
@pytest.mark.parametrize("first", [-1.5, 2.0])
def test_gradients_are_right_on_both_sides_of_each_kink(f, left, right, first):
    dg = jit(grad(f))
    assert close(dg(first), left if first < 0 else right)
    assert close(dg(-first), left if -first < 0 else right)
    assert close(dg(-0.25), left) and close(dg(0.25), right)
    assert dg.cache_size == 1  # no branch in f: one trace serves both sides
    w = Value(first)
    g = jit(lambda: f(w))
    g.backward()
    w.data = -first
    w.grad = 0.0
    g.backward()
    assert close(w.grad, left if -first < 0 else right)


def test_value_and_grad_with_argnums_and_second_derivatives():
    def f(x, y):
        return x * x * y + y.exp()

    vg = jit(value_and_grad(f, argnums=(0, 1)))
    value, (gx, gy) = vg(2.0, 0.5)
    assert close(value, 2.0 + math.exp(0.5))
    assert close(gx, 2.0) and close(gy, 4.0 + math.exp(0.5))
    d2 = jit(grad(grad(lambda x: x ** 3 + relu(x) * x)))
    assert close(d2(2.0), 12.0 + 2.0)
    assert close(d2(-2.0), -12.0)


def test_a_transform_called_inside_the_traced_function_is_traced_through_its_closure():
    # grad of y -> y * x * x at y = 1 is x * x; d/dy relu(y * x) is x for x > 0, else 0. The
    # inner grad gets a number and captures the traced x: its result must stay a graph of x,
    # not the number of the tracing call baked into the compiled code.
    square = jit(lambda x: grad(lambda y: y * x * x)(1.0))
    assert square(2.0) == 4.0 and square(3.0) == 9.0
    step = jit(lambda x: grad(lambda y: (y * x).relu())(1.0))
    assert step(2.0) == 2.0 and step(-2.0) == 0.0 and step(-3.0) == 0.0 and step(3.0) == 3.0
    entry = jit(lambda x: autograd.jacobian(lambda y: [y * x * x])(1.0)[0][0])
    assert entry(2.0) == 4.0 and entry(3.0) == 9.0


def test_a_second_derivative_first_traced_at_a_singular_point_traces_again_elsewhere():
    # sqrt'' = -1 / (4 x ** 1.5): -1/32 at 4. At 0 the formula of sqrt' divides by zero and
    # the pass uses the forward's stored inf instead, a number valid at that point only.
    second = jit(grad(grad(lambda x: x.sqrt())))
    assert second(0.0) == grad(grad(lambda x: x.sqrt()))(0.0)
    assert second(4.0) == -1.0 / 32.0
    assert second(1.0) == -0.25


def test_second_derivatives_of_a_power_with_a_value_exponent_at_a_negative_base():
    # d2/dx2 x**y = y*(y-1)*x**(y-2): 2 at x = -2, y = 2; d2/dxdy gives x**(y-1)*(1 + y*log x),
    # nan at a negative base (as in PyTorch). The pow row's partial for y reads its base's
    # sign: a guard when traced, never a float() the trace must refuse.
    def power(x, y):
        return x ** y

    dxx = jit(grad(grad(power, argnums=0), argnums=0))
    assert dxx(-2.0, 2.0) == 2.0 == grad(grad(power, argnums=0), argnums=0)(-2.0, 2.0)
    assert dxx(3.0, 2.0) == 2.0
    dxy = jit(grad(grad(power, argnums=0), argnums=1))
    assert math.isnan(dxy(-2.0, 2.0))
    assert close(dxy(2.0, 2.0), 2.0 * (1.0 + 2.0 * math.log(2.0)))


def test_jacobian_and_hessian_are_refused_with_a_clear_error():
    with pytest.raises(TypeError, match="jacobian"):
        jit(jacobian(lambda x, y: [x * y, x + y]))
    with pytest.raises(TypeError, match="hessian"):
        jit(hessian(lambda x: x * x))


# ---------------------------------------------------------------------------------------------
# Data-dependent control flow: guards, and the float() error.
# ---------------------------------------------------------------------------------------------

def test_an_if_on_a_traced_value_is_guarded_and_both_branches_compile():
    def f(x):
        if x > 0:
            return x * 2.0
        return x * x

    g = jit(f)
    assert g(3.0) == 6.0
    assert g(-3.0) == 9.0  # the guard failed: a second trace
    assert g.cache_size == 2
    assert g(5.0) == 10.0 and g(-4.0) == 16.0
    assert g.cache_size == 2  # each branch has its trace now
    dg = jit(grad(f))
    assert dg(3.0) == 2.0 and dg(-3.0) == -6.0


def test_max_over_values_and_bool_are_guarded():
    def f(xs):
        return max(xs) * 1.0

    g = jit(f)
    assert g([1.0, 5.0, 2.0]) == 5.0
    assert g([7.0, 5.0, 2.0]) == 7.0
    assert g([1.0, 0.0, 9.0]) == 9.0
    w = Value(2.0)
    h = jit(lambda x: w * x if x * 1.0 else w + x)
    assert h(3.0) == 6.0
    assert h(0.0) == 2.0
    h.backward(0.0)
    assert w.grad == 1.0


def test_float_of_a_traced_value_names_the_file_and_line():
    def f(x):
        return x * float(x)  # the line the error must name

    line = f.__code__.co_firstlineno + 1
    with pytest.raises(ConcretizationError) as info:
        jit(f)(2.0)
    message = str(info.value)
    assert __file__ in message and f"line {line}" in message
    assert "relu" in message and "static" in message
    assert isinstance(info.value, TypeError)
    with pytest.raises(ConcretizationError, match="item"):
        jit(lambda x: x.item())(1.0)
    with pytest.raises(ConcretizationError, match="int"):
        jit(lambda x: int(x))(1.0)


def test_too_many_branch_combinations_fall_back_to_the_engine_with_a_warning():
    def f(x):
        total = x * 0.0
        for t in range(40):
            if x > t:  # a different outcome set for every integer part of x
                total = total + x
        return total

    g = jit(f)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for k in range(MAX_VARIANTS + 3):
            x = k + 0.5
            assert g(x) == f(x)
    assert g.cache_size == MAX_VARIANTS
    assert any(__file__ in str(w.message) and issubclass(w.category, RuntimeWarning)
               for w in caught)


# ---------------------------------------------------------------------------------------------
# Structures and static arguments.
# ---------------------------------------------------------------------------------------------

def test_one_trace_per_structure_and_output_structures_are_kept():
    g = jit(lambda xs, pair: ([x * 2.0 for x in xs], (pair[0] + pair[1], 1.0)))
    assert g([1.0, 2.0], (3.0, 4.0)) == ([2.0, 4.0], (7.0, 1.0))
    assert g([5.0, 6.0], (1.0, 1.0)) == ([10.0, 12.0], (2.0, 1.0))
    assert g.cache_size == 1
    assert g([1.0, 2.0, 3.0], (0.0, 0.0)) == ([2.0, 4.0, 6.0], (0.0, 1.0))
    assert g.cache_size == 2
    assert g([[1.0][0], 2], (3, 4.0)) == ([2.0, 4.0], (7.0, 1.0))  # ints are numbers too
    assert g.cache_size == 2
    rows = jit(lambda X: mean([a * b for a, b in X]))
    assert rows([(1.0, 2.0), (3.0, 4.0)]) == 7.0
    assert rows([[1.0, 2.0], [3.0, 4.0]]) == 7.0  # lists and tuples of rows: two structures
    assert rows.cache_size == 2


def test_static_arguments_are_baked_and_key_the_cache():
    g = jit(lambda x, power: x ** power, static_argnums=1)
    assert g(2.0, 3) == 8.0 and g(3.0, 3) == 27.0
    assert g.cache_size == 1
    assert g(2.0, 2) == 4.0
    assert g.cache_size == 2
    with pytest.raises(TypeError, match="hashable"):
        jit(lambda x, opts: x, static_argnums=(1,))(1.0, [1, 2])
    # A gradient by a static argument: the error says so (the argument is a number).
    with pytest.raises(TypeError, match="argument 1 is in static_argnums"):
        jit(grad(lambda x, power: x ** power, argnums=1), static_argnums=1)(2.0, 3.0)


def test_bad_arguments_are_refused_clearly():
    g = jit(lambda x: x * 2.0)
    with pytest.raises(TypeError, match="argument 0 holds a str"):
        g("a")
    with pytest.raises(TypeError, match="Value"):
        g(Value(1.0))
    with pytest.raises(TypeError, match="scalar"):
        jit(lambda x: [x, x]).backward(1.0)
    with pytest.raises(TypeError, match="callable"):
        jit(3)


def test_domain_errors_raise_the_engines_exceptions_naming_the_op():
    log = jit(lambda x: x.log())
    assert close(log(2.0), math.log(2.0))
    with pytest.raises(ValueError, match="log"):
        log(-1.0)
    div = jit(lambda x: 1.0 / x)
    assert div(4.0) == 0.25
    with pytest.raises(ZeroDivisionError, match="div"):
        div(0.0)
    exp = jit(lambda x: x.exp())
    assert exp(0.0) == 1.0
    with pytest.raises(OverflowError, match="exp"):
        exp(1000.0)
    assert log(2.0) == math.log(2.0)  # still compiled afterwards


# ---------------------------------------------------------------------------------------------
# Custom ops, hostile text, deterministic source.
# ---------------------------------------------------------------------------------------------


def test_generated_source_is_deterministic_and_readable():
    def make():
        x = Value(1.0, label="x")
        w = Value(-0.5, label="w")
        b = Value(0.25, label="b")
        return jit(lambda: (w * x + b).tanh())

    g1, g2 = make(), make()
    g1.backward()
    g2.backward()
    assert g1.source == g2.source
    assert "# mul" in g1.source and "# tanh" in g1.source
    assert "g_w = " in g1.source and "math_tanh(" in g1.source


def test_non_finite_constants_are_bound_names():
    g = jit(lambda x: x + float("inf") * 0 + x * float("-inf"))
    assert math.isnan(g(1.0))
    h = jit(lambda x: autograd.sum([x, float("-inf")]))
    assert h(1.0) == -math.inf
    assert "inf" in h.source


# ---------------------------------------------------------------------------------------------
# Big graphs: generated as several functions.
# ---------------------------------------------------------------------------------------------

def test_big_graphs_are_split_into_parts_that_compute_the_same(monkeypatch):
    from autograd.jit import codegen

    monkeypatch.setattr(codegen, "CHUNK_LINES", 9)
    # compiled at the first call, however slow compiling was measured so far in this process
    monkeypatch.setattr(importlib.import_module("autograd.jit.compiled"), "COMPILE_NOW_S", math.inf)
    model, X, labels = _mlp_and_data(seed=2)
    loss = _hinge_l2(model, labels)
    params = model.parameters()
    out = loss(X)
    out.backward()
    expected = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    g = jit(loss)
    assert g.backward(X) == out.data
    assert [p.grad for p in params] == expected  # the engine's order: equal to the last bit
    assert g.source.count("def ") > 50 and "S[" in g.source
    assert g(X) == out.data

    def branchy(x):  # a guard failing inside a later part still traces again
        y = x
        for _ in range(12):
            y = y * 1.5 + 0.25
        return y * 2.0 if y > 10.0 else -y

    h = jit(branchy)
    assert close(h(1.0), branchy(1.0)) and close(h(-1.0), branchy(-1.0))
    assert h.cache_size == 2


def test_a_graph_not_yet_worth_compiling_runs_in_the_engine_until_it_pays(monkeypatch):
    jit_module = importlib.import_module("autograd.jit.compiled")  # autograd.jit: the function
    monkeypatch.setattr(jit_module, "COMPILE_NOW_S", 0.0)
    monkeypatch.setattr(jit_module.COSTS, "estimate", lambda nodes, edges: 1e9)  # never pays
    w = Value(2.0)
    g = jit(lambda xs: autograd.sum([w * x for x in xs]))
    for k in range(3):
        assert g.backward([1.0, 2.0]) == 6.0
        assert w.grad == 3.0 * (k + 1)
        assert g([1.0, 3.0]) == 8.0
    assert g.cache_size == 0 and g.source == ""  # the engine ran every call
    g.compile([1.0, 2.0], backward=True)  # unless asked to compile now
    assert g.cache_size == 1
    w.grad = 0.0
    assert g.backward([5.0, 1.0]) == 12.0 and w.grad == 6.0
    assert "def backward(A, D):" in g.source

    monkeypatch.setattr(jit_module.COSTS, "estimate", lambda nodes, edges: 1e-12)  # pays at once
    h = jit(lambda x: w * x)
    assert h(3.0) == 6.0  # the trace's engine run
    assert h.cache_size == 0
    assert h(4.0) == 8.0  # now worth it: compiled
    assert h.cache_size == 1 and "def forward" in h.source


def test_the_compile_estimate_counts_edges_so_one_long_dot_waits_in_the_engine():
    # One dot of 20,000 inputs by 20,000 inputs: a single op node with 40,000 edges, and as
    # many statements in its backward pass. Counted by nodes alone (as jit once did: 150 us a
    # node) it would look free and be compiled at the first call; by the model's figures it
    # takes 46 us + 40,000 * 15 us = 0.6 s, more than COMPILE_NOW_S, so the engine runs it.
    jit_module = importlib.import_module("autograd.jit.compiled")
    per_node, per_edge = jit_module.CostModel.COMPILE
    assert per_node + 40_000 * per_edge > jit_module.COMPILE_NOW_S
    xs = [float(i % 7) for i in range(20_000)]
    ys = [1.0] * 20_000
    g = jit(lambda a, b: dot(a, b))
    assert g(xs, ys) == sum(xs)  # small integers: exact in any order
    assert g.cache_size == 0  # traced by an engine run, not compiled
    small = jit(lambda a, b: dot(a, b))
    assert small(xs[:100], ys[:100]) == sum(xs[:100]) and small.cache_size == 1


def test_compile_cost_is_the_model_over_the_engine_for_the_graphs_size():
    jit_module = importlib.import_module("autograd.jit.compiled")
    model = jit_module.CostModel
    x, y, z = Value(1.0), Value(2.0), Value(3.0)
    shared = x * y  # one node, two edges
    root = (shared + z) * shared + 1.5  # add: 2 edges, mul: 2 edges, + constant: 1 edge
    nodes, edges = 4, 7  # leaves are not nodes; the shared node counts once
    compiling, running = jit_module.compile_cost(root)

    def seconds(figure):
        return nodes * figure[0] + edges * figure[1]

    assert compiling == seconds(model.COMPILE) / seconds(model.ENGINE)
    assert running == seconds(model.COMPILED) / seconds(model.ENGINE)
    assert compiling > 1.0 > running > 0.0  # compiling costs more than a run; running less


def test_the_cost_model_learns_from_compiles_unless_told_not_to():
    jit_module = importlib.import_module("autograd.jit.compiled")
    learning, fixed = jit_module.CostModel(), jit_module.CostModel(learn=False)
    per_node, per_edge = jit_module.CostModel.COMPILE
    before = learning.estimate(100, 1_000)
    assert before == fixed.estimate(100, 1_000) == 100 * per_node + 1_000 * per_edge
    # compiles of 5,000-edge graphs (predicted 0.075 s each) that take twice that
    predicted = 5_000 * per_edge
    assert 3 * predicted < learning.CALIBRATE_S <= 4 * predicted
    for compiles in range(1, 5):
        learning.record(2 * predicted, 0, 5_000)
        fixed.record(2 * predicted, 0, 5_000)
        if compiles < 4:  # too few seconds predicted to trust yet
            assert learning.estimate(100, 1_000) == before
    assert math.isclose(learning.estimate(100, 1_000), 2 * before, rel_tol=1e-12)
    assert fixed.estimate(100, 1_000) == before


def test_backward_with_aux_returns_the_other_outputs_from_the_same_pass():
    model, X, labels = _mlp_and_data(seed=4)
    loss = _hinge_l2(model, labels)
    params = model.parameters()

    def loss_and_scores(X):
        scores = [model(x) for x in X]
        return loss(X), scores

    out = loss(X)
    out.backward()
    expected = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    g = jit(loss_and_scores)
    value, scores = g.backward(X, has_aux=True)
    assert value == out.data
    assert scores == [model(x).data for x in X]
    assert [p.grad for p in params] == expected
    with pytest.raises(TypeError, match="has_aux"):
        g.backward(X)
    with pytest.raises(TypeError, match="pair"):
        jit(loss).backward(X, has_aux=True)


def test_grad_with_data_arguments_static_arguments_and_explicit_compiling():
    def f(w, xs, scale):
        return scale * mean([(w * x - 1.0) ** 2 for x in xs])

    dg = jit(grad(f), static_argnums=-1)
    for w, xs in [(0.5, [1.0, 2.0]), (2.0, [3.0, -1.0]), (1.5, [0.5, 0.25, 4.0])]:
        assert close(dg(w, xs, 3.0), grad(f)(w, xs, 3.0))
    assert dg.cache_size == 2  # two lengths of xs
    vg = jit(value_and_grad(f))
    vg.compile(2.0, [1.0, 1.0], 1.0)
    assert vg.cache_size == 1
    value, slope = vg(2.0, [1.0, 1.0], 1.0)
    assert value == 1.0 and slope == 2.0  # d/dw (w - 1)^2 at 2
    with pytest.raises(TypeError, match="real number"):
        jit(grad(f, argnums=1))(1.0, [1.0], 1.0)


# ---------------------------------------------------------------------------------------------
# Issue 19, part 2: no silent wrong answer. Every expected value below is the engine's on the
# same call, compared bit for bit (0.0 is not -0.0, NaN is NaN), or a closed form.
# ---------------------------------------------------------------------------------------------

def same(a, b):
    """Bit-for-bit equality of results: floats equal with the same sign (0.0 is not -0.0),
    NaN equal to NaN; lists and tuples item by item (and of the same type)."""
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return (type(a) is type(b) and len(a) == len(b)
                and all(same(x, y) for x, y in zip(a, b, strict=True)))
    if type(a) is float and type(b) is float:
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    return type(a) is type(b) and a == b


def outcome(call, *args):
    """What ``call(*args)`` gives: its result, or the type of the exception it raises."""
    try:
        return call(*args)
    except (ArithmeticError, ValueError) as exc:
        return type(exc)


def engine_value(f, *args):
    """f run by the engine on fresh leaves: its data (floats in f's output structure)."""
    out = f(*[Value(a) for a in args])
    if isinstance(out, (list, tuple)):
        return type(out)(o.data if isinstance(o, Value) else float(o) for o in out)
    return out.data if isinstance(out, Value) else float(out)


def test_same_tells_zeros_apart_and_nan_equals_nan():
    assert same(0.0, 0.0) and same(math.nan, math.nan) and same((1.0, [-0.0]), (1.0, [-0.0]))
    assert not same(0.0, -0.0) and not same((0.0,), [0.0]) and not same(1.0, math.nan)


# -- the caller's recording mode ----------------------------------------------------------------

def test_a_first_call_under_no_grad_traces_what_a_call_outside_would():
    g = jit(lambda x: x * 2.0)
    with autograd.no_grad():
        assert g(1.0) == 2.0
    assert g(3.0) == 6.0  # main: 2.0 (the no_grad trace was a constant)
    w = Value(0.5)
    h = jit(lambda x: w * x)
    with autograd.no_grad():
        assert h(1.0) == 0.5
    assert h.backward(3.0) == 1.5 and w.grad == 3.0  # main: 0.5 and nothing added
    # Like grad, a compiled backward differentiates whatever mode surrounds it.
    with autograd.no_grad():
        assert h.backward(2.0) == 1.0
    assert w.grad == 5.0
    dg = jit(grad(lambda x: x * x * x))
    with autograd.no_grad():
        assert dg(1.0) == 3.0
    assert dg(2.0) == 12.0


def test_calls_run_in_the_engine_ignore_the_callers_mode_too(monkeypatch):
    # A structure not yet worth compiling runs in the engine: under no_grad it must still
    # give the gradient (as the compiled code would), and trace the real graph.
    jit_module = importlib.import_module("autograd.jit.compiled")
    monkeypatch.setattr(jit_module.COSTS, "estimate", lambda nodes, edges: 1e9)  # never pays
    w = Value(2.0)
    g = jit(lambda x: w * x)
    with autograd.no_grad():
        assert g.backward(3.0) == 6.0  # the first call: a trace
        assert g.backward(4.0) == 8.0  # then the engine
    assert w.grad == 7.0
    g.compile(1.0, backward=True)
    assert g.backward(5.0) == 10.0 and w.grad == 12.0


# -- softmax, and every library function deciding something on data ----------------------------

def test_softmax_shift_is_part_of_the_trace():
    g = jit(lambda a, b: autograd.softmax([a, b])[0])
    assert g(1e17, 0.0) == 1.0
    right = 1.0 / (1.0 + math.exp(-1.0))  # 0.7310585786300049
    assert math.isclose(g(1.0, 0.0), right, rel_tol=1e-15)  # main: 1.0
    assert same(g(1.0, 0.0), engine_value(lambda a, b: autograd.softmax([a, b])[0], 1.0, 0.0))
    assert g.cache_size == 1
    h = jit(lambda a, b: autograd.softmax([a, b])[0])
    assert math.isnan(h(math.nan, 0.0))
    assert math.isclose(h(1.0, 0.0), right, rel_tol=1e-15)  # main: nan for ever after
    dg = jit(grad(lambda a, b: autograd.softmax([a, b])[0]))
    assert dg(1e17, 0.0) == 0.0
    assert math.isclose(dg(1.0, 0.0), right * (1.0 - right), rel_tol=1e-14)  # main: 0.0
    assert same(dg(1.0, 0.0), grad(lambda a, b: autograd.softmax([a, b])[0])(1.0, 0.0))


@pytest.mark.parametrize(
    "logits",
    [
        [(1.0, 0.0, -1.0), (-1.0, 0.0, 1.0), (0.0, 5.0, -3.0)],  # the largest logit moves
        [(1e17, 1e17, 0.0), (1.0, 2.0, 3.0), (-1e300, 0.0, 1e300)],  # huge magnitudes
        [(math.nan, 0.0, 1.0), (2.0, 1.0, 0.0), (math.inf, 0.0, 1.0), (0.5, 0.25, 0.0)],
    ],
)
def test_softmax_and_logsumexp_compiled_equal_the_engine_across_the_argmax(logits):
    def f(a, b, c):
        probs = autograd.softmax([a, b, c])
        return probs[0] * 3.0 + probs[2] + autograd.logsumexp([a, b, c]) * 0.5

    argnums = (0, 1, 2)
    g, vg = jit(f), jit(value_and_grad(f, argnums=argnums))
    for point in logits:
        assert same(g(*point), engine_value(f, *point)), point
        assert same(vg(*point), value_and_grad(f, argnums=argnums)(*point)), point
    assert g.cache_size == 1 and vg.cache_size == 1  # nothing decided on data in Python


def test_softmax_over_a_models_outputs_compiled_follows_each_point():
    from nn import MLP

    model = MLP(2, [4, 3], activation="tanh", seed=3)
    g = jit(lambda x: autograd.softmax(model(x)))
    loss = jit(lambda x: autograd.log(autograd.softmax(model(x))[1]))
    for x in [(0.5, -1.0), (40.0, 2.0), (-3.0, 7.0), (1e17, -1e17)]:
        assert same(g(list(x)), [p.data for p in autograd.softmax(model(list(x)))]), x
        got = loss.backward(list(x))
        grads = [p.grad for p in model.parameters()]
        model.zero_grad()
        out = autograd.log(autograd.softmax(model(list(x)))[1])
        out.backward()
        assert same(got, out.data) and same(grads, [p.grad for p in model.parameters()]), x
        model.zero_grad()
    assert g.cache_size == 1 and loss.cache_size == 1


def _losses():
    from nn import losses

    return losses


# Every place in autograd and nn where a value's data decides something (the audit of issue
# 19): each is an op deciding on floats at every call, or a comparison the trace guards. Each
# case: a function of two numbers and points on both sides of its boundary and on it.
DECISIONS = {
    # kernels deciding inside an op: the stable sigmoid and softplus on the sign of x, the
    # logsumexp kernel on its largest input (and on a non-finite one), sum's fallback from
    # fsum to repeated + (an overflow), relu/abs/leaky_relu's kinks
    "sigmoid, softplus": (lambda a, b: (a * b).sigmoid() + (a - b).softplus(),
                          [(1.0, 2.0), (-1.0, 2.0), (0.0, 0.0), (-0.0, 3.0), (800.0, 1.0)]),
    "logsumexp": (lambda a, b: autograd.logsumexp([a, b, a * 0.5]),
                  [(1.0, 2.0), (2.0, 1.0), (1.0, 1.0), (math.inf, 0.0), (1e308, 1e308)]),
    "sum overflow": (lambda a, b: autograd.sum([a, b, a]) * 0.5,
                     [(1.0, 2.0), (1e308, 1e308), (1e308, -1e308), (math.inf, -math.inf)]),
    "kinks": (lambda a, b: relu(a - b) + abs(a + b) + leaky_relu(a * b, 0.1),
              [(1.0, 2.0), (2.0, 1.0), (1.0, 1.0), (0.0, -0.0), (-1.0, 1.0)]),
    # the op table's one comparison on a Value (pow's partial by the exponent: the base's
    # sign), guarded when traced
    "pow by the exponent": (lambda a, b: a ** b,
                            [(2.0, 3.0), (0.0, 2.0), (-2.0, 2.0), (0.0, 0.0), (3.0, -1.0)]),
    # the losses (nn.losses): smooth_l1's |d| < beta, the stable BCE's sign of the logit,
    # hinge's margin, cross_entropy's shift by the row's logsumexp; softmax's shift
    "smooth_l1": (lambda a, b: _losses().smooth_l1([a, b], [0.5, -0.5], beta=0.5),
                  [(0.5, -0.5), (0.75, -1.5), (1.0, 0.0), (0.25, -0.25), (1.5, 0.5)]),
    "bce": (lambda a, b: _losses().binary_cross_entropy_with_logits([a, b], [1.0, 0.0]),
            [(1.0, -1.0), (-1.0, 1.0), (0.0, -0.0), (40.0, -40.0), (-800.0, 800.0)]),
    "hinge": (lambda a, b: _losses().hinge([a, b], [1, -1]),
              [(2.0, -2.0), (1.0, -1.0), (0.5, 0.5), (-1.0, 1.0)]),
    "cross_entropy": (lambda a, b: _losses().cross_entropy([[a, b, 0.0]], [1]),
                      [(1.0, 2.0), (2.0, 1.0), (1e17, 0.0), (0.0, 1e17), (math.nan, 0.0)]),
    "softmax": (lambda a, b: autograd.softmax([a, b, 0.0])[1] * 2.0,
                [(1.0, 2.0), (2.0, 1.0), (1e17, 0.0), (0.0, 1e17), (math.nan, 0.0), (1.0, 0.0)]),
}


def _call_with(f, leaves):
    return f(*leaves)


@pytest.mark.parametrize("name", list(DECISIONS))
def test_every_decision_on_data_is_made_afresh_at_every_call(name):
    f, points = DECISIONS[name]
    for order in (points, points[::-1]):  # each point traced first once
        g = jit(f)
        vg = jit(value_and_grad(f, argnums=(0, 1)))
        w = [Value(0.0), Value(0.0)]
        h = jit(functools.partial(_call_with, f, w))
        for point in order:
            assert same(outcome(g, *point), outcome(engine_value, f, *point)), point
            expected = outcome(value_and_grad(f, argnums=(0, 1)), *point)
            assert same(outcome(vg, *point), expected), point
            for p, x in zip(w, point, strict=True):
                p.data, p.grad = x, -0.0
            got = outcome(h.backward)
            if not isinstance(expected, type):
                assert same(got, expected[0]) and same((w[0].grad, w[1].grad), expected[1])
        assert vg.cache_size == 1  # each decision is an op's, made on floats at every call


# -- comparisons with other real number types --------------------------------------------------

@pytest.mark.parametrize(
    "limit", [Decimal("0.5"), Fraction(1, 2), 0.5, 1, True, 2 ** 70, Fraction(2 ** 70 + 1)]
)
def test_a_comparison_with_any_real_number_type_is_guarded(limit):
    def f(x):
        return x * 2.0 if x > limit else x * 3.0

    g = jit(f)
    big, small = (2.0 ** 71, 2.0 ** 69) if isinstance(limit, int | Fraction) and limit > 2 else (
        1.75, 0.25)
    assert g(big) == big * 2.0
    assert g(small) == small * 3.0  # main, for a Decimal: small * 2.0 (no guard)
    assert g.cache_size == 2


def test_a_guard_compares_exactly_as_python_does():
    # 2**70 + 1 and 1/3 have no float: converting them would move the boundary.
    third = 1.0 / 3.0  # below 1/3
    g = jit(lambda x: x * 2.0 if x >= Fraction(1, 3) else x * 3.0)
    assert g(0.5) == 1.0
    assert g(third) == third * 3.0  # main: 2/3 (compared with float(1/3) == third)
    big = float(2 ** 70)
    h = jit(lambda x: x * 2.0 if x < 2 ** 70 + 1 else x * 3.0)
    assert h(1.0) == 2.0 and h(big) == big * 2.0
    huge = jit(lambda x: x * 2.0 if x < 10 ** 400 else x * 3.0)
    assert huge(1.0) == 2.0 and huge(math.inf) == math.inf  # main: OverflowError


def test_numpy_scalars_in_comparisons_are_guarded():
    np = pytest.importorskip("numpy")
    for limit in (np.float64(0.5), np.float32(0.5), np.int64(0), np.float16(0.5)):
        g = jit(lambda x, limit=limit: x * 2.0 if x > limit else x * 3.0)
        h = jit(lambda x, limit=limit: x * 2.0 if limit < x else x * 3.0)
        for k in (g, h):
            assert k(0.75) == 1.5 and k(-0.25) == -0.75


# -- static arguments --------------------------------------------------------------------------

def test_static_zeros_of_either_sign_and_nan_each_have_their_own_entry():
    g = jit(lambda x, s: x * s, static_argnums=1)
    assert same(g(1.0, 0.0), 0.0)
    assert same(g(1.0, -0.0), -0.0)  # main: 0.0 (one entry for both zeros)
    assert g.cache_size == 2
    assert same(g(1.0, (-0.0)), -0.0) and g.cache_size == 2
    for _ in range(3):
        assert math.isnan(g(1.0, math.nan))
    assert g.cache_size == 3  # main: one more trace per call
    h = jit(lambda x, s: x * s[0] + s[1], static_argnums=1)
    assert same(h(1.0, (-0.0, -0.0)), -0.0) and same(h(1.0, (0.0, -0.0)), 0.0)
    for _ in range(3):
        assert math.isnan(h(1.0, (1.0, math.nan)))
    assert h.cache_size == 3


# -- the sign of zero --------------------------------------------------------------------------

def test_zero_gradients_have_the_engines_sign():
    def f(a, b):
        return relu(autograd.sum([a, a, b]))

    dg = jit(grad(f, argnums=(0, 1)))
    assert same(dg(-3.0, 1.0), grad(f, argnums=(0, 1))(-3.0, 1.0))  # (-0.0, -0.0); main: 0.0
    assert same(dg(-3.0, 1.0), (-0.0, -0.0))

    def g(a, b):  # one argument of a three-argument sum: still the engine's skipped node
        return relu(autograd.sum([a, b, 2.0]))

    for argnums in (0, (0, 1)):
        dg = jit(grad(g, argnums=argnums))
        for point in [(-5.0, 1.0), (5.0, 1.0), (math.inf, -math.inf), (-math.inf, 1.0)]:
            assert same(dg(*point), grad(g, argnums=argnums)(*point)), (argnums, point)


def test_a_parameter_read_only_by_a_guard_gets_no_gradient():
    w = Value(1.0)
    w.grad = None
    g = jit(lambda x: x * 2.0 if w > 0.0 else x * 3.0)
    k = Value(0.0)  # an output, not the loss: backward must leave it too
    k.grad = -0.0
    h = jit(lambda x: (x * 2.0, k * 1.0))
    assert g.backward(1.0) == 2.0
    assert w.grad is None  # the engine's loss does not reach w; main: 0.0
    assert h.backward(1.0, has_aux=True) == (2.0, 0.0)
    assert same(k.grad, -0.0)  # main: 0.0


# -- threads -----------------------------------------------------------------------------------

def test_concurrent_first_calls_trace_each_structure_once():
    # Every thread's first call arrives while the first trace is still running (the traced
    # function waits for the others at a barrier, which breaks after a while when they do
    # not come, as they must not: they wait for the trace instead).
    threads = 6
    barrier = threading.Barrier(threads, timeout=0.3)

    def f(xs):
        if autograd.sum(xs) > 0.0:  # two branches: two variants per length at most
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                pass
            return autograd.sum([x * 2.0 for x in xs])
        return autograd.sum(xs)

    g = jit(f)
    results = []
    start = threading.Barrier(threads)

    def work(k):
        start.wait()
        for n in (1, 2, 3):
            results.append((n, g([1.0] * n), g([-1.0] * n)))

    pool = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert all(pos == 2.0 * n and neg == -1.0 * n for n, pos, neg in results)
    assert len(results) == 3 * threads
    assert g.cache_size == 6  # main: up to 6 more, one per thread that traced at once


def test_concurrent_calls_over_many_structures_keep_the_variant_lists_whole():
    def f(xs):
        if xs[0] > 0.0:
            return autograd.sum(xs) * 2.0
        return autograd.sum(xs)

    g = jit(f)
    errors = []

    def work(k):
        try:
            for n in range(1, 21):
                x = [float((-1) ** (n + k))] * n
                assert g(x) == f([Value(v) for v in x]).data
        except (AssertionError, RuntimeError, TypeError, ValueError) as exc:  # pragma: no cover
            errors.append(exc)

    pool = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert not errors
    assert g.cache_size <= 40  # at most one trace per length and branch


# -- what a trace bakes in: detected changes, and the checking mode ----------------------------

def test_a_closed_over_number_changed_after_tracing_is_refused():
    scale = 2.0
    g = jit(lambda x: x * scale)
    assert g(1.0) == 2.0
    scale = 3.0
    with pytest.raises(StaleTraceError, match=r"scale.*2\.0.*3\.0"):
        g(1.0)  # main: 2.0
    assert jit(lambda x: x * scale)(1.0) == 3.0  # a new jit traces again


def test_a_parameter_list_that_grows_or_a_replaced_parameter_is_refused():
    params = [Value(1.0)]
    g = jit(lambda x: autograd.sum([p * x for p in params]))
    assert g(1.0) == 1.0
    params.append(Value(10.0))
    with pytest.raises(StaleTraceError, match="params"):
        g(1.0)  # main: 1.0 (11.0 is right)
    params.pop()
    assert g(1.0) == 1.0  # the traced list again
    params[0] = Value(5.0)
    with pytest.raises(StaleTraceError, match="params"):
        g(1.0)
    w = Value(1.0)
    h = jit(lambda x: w * x)
    assert h.backward(2.0) == 2.0
    old, w = w, Value(4.0)
    with pytest.raises(StaleTraceError, match=r"\bw\b"):
        h.backward(2.0)  # main: 2.0, added to the old w
    assert old.grad == 2.0 and w.grad == 0.0  # nothing half-done


def test_a_global_number_changed_after_tracing_is_refused():
    global _GLOBAL_SCALE
    g = jit(_scaled)
    assert g(2.0) == 4.0
    try:
        _GLOBAL_SCALE = 5.0
        with pytest.raises(StaleTraceError, match="_GLOBAL_SCALE"):
            g(2.0)
    finally:
        _GLOBAL_SCALE = 2.0
    assert g(2.0) == 4.0


_GLOBAL_SCALE = 2.0


def _scaled(x):
    return x * _GLOBAL_SCALE


def test_unchanged_or_equal_values_are_not_refused():
    labels = [1.0, -1.0]
    w = Value(2.0)
    g = jit(lambda x: autograd.sum([w * x * t for t in labels]))
    assert g(1.0) == 0.0
    labels[0] = float("1.0")  # another object, the same number
    w.data = 3.0  # data is read afresh
    assert g(2.0) == 0.0 and g.backward(1.0) == 0.0


class _Model:
    def __init__(self):
        self.w = Value(1.0)


def test_the_checking_mode_names_the_first_output_that_differs():
    model = _Model()
    g = jit(lambda x: [x + 1.0, model.w * x], check_every=1)
    assert g(2.0) == [3.0, 2.0]
    model.w = Value(5.0)  # an attribute: not watched, the trace has the old Value
    with pytest.raises(JitCheckError, match=r"output \[1\].*2\.0.*10\.0") as info:
        g(2.0)
    assert isinstance(info.value, AssertionError)
    unchecked = jit(lambda x: [x + 1.0, model.w * x])
    unchecked(2.0)
    model.w = Value(7.0)
    assert unchecked(2.0) == [3.0, 10.0]  # what the checking mode is for: silently stale


def test_the_checking_mode_compares_gradients_added_by_backward():
    model = _Model()
    g = jit(lambda x: model.w * x, check_every=1)
    assert g.backward(3.0) == 3.0 and model.w.grad == 3.0
    old = model.w
    model.w = Value(1.0)  # the same data, another Value: only the gradients tell
    with pytest.raises(JitCheckError, match="gradient") as info:
        g.backward(3.0)
    assert "3.0" in str(info.value)
    assert old.grad == 3.0 and model.w.grad == 0.0  # nothing was added


def test_the_checking_mode_catches_data_read_baked_and_static_arguments_mutated():
    k = Value(2.0)
    g = jit(lambda x: x * k.data, check_every=1)
    assert g(1.0) == 2.0
    k.data = -0.0
    with pytest.raises(JitCheckError, match=r"2\.0.*-0\.0"):
        g(1.0)
    k.data = math.nan
    nan_g = jit(lambda x: x * k.data, check_every=1)
    assert math.isnan(nan_g(1.0)) and math.isnan(nan_g(2.0))  # nan equals nan
    config = _Model()  # hashable by identity: mutating it keeps its cache entry
    dg = jit(grad(lambda x, c: x * x * c.w.data), static_argnums=1, check_every=1)
    assert dg(1.0, config) == 2.0
    config.w.data = 3.0
    with pytest.raises(JitCheckError, match=r"6\.0"):
        dg(1.0, config)


def test_the_checking_mode_checks_every_nth_call():
    k = Value(1.0)
    g = jit(lambda x: x * k.data, check_every=3)
    assert g(1.0) == 1.0  # call 1
    k.data = 2.0
    assert g(1.0) == 1.0  # call 2: not checked (silently stale)
    with pytest.raises(JitCheckError, match="call 3"):
        g(1.0)
    assert g(1.0) == 1.0  # call 4


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_check_every_must_be_a_positive_int(bad):
    with pytest.raises((TypeError, ValueError), match="check_every"):
        jit(lambda x: x, check_every=bad)


# -- messages ----------------------------------------------------------------------------------

def test_keyword_arguments_are_refused_saying_jit_takes_positional_ones():
    g = jit(lambda x, y=1.0: x * y)
    for call in (g, g.backward, g.compile):
        with pytest.raises(TypeError, match=r"positional.*\by\b"):
            call(1.0, y=3.0)
    assert g(1.0, 3.0) == 3.0


def test_an_int_too_large_for_a_float_names_jit_and_the_argument():
    g = jit(lambda x, ys: x * ys[0])
    with pytest.raises(OverflowError, match=r"jit.*argument 0"):
        g(10 ** 400, [1.0])
    with pytest.raises(OverflowError, match=r"jit.*argument 1"):
        g(1.0, [10 ** 400])
    with pytest.raises(OverflowError, match=r"jit.*argument 0.*5000 digits"):
        g(10 ** 5000, [1.0])  # too long even for repr
    assert g(2, [3]) == 6.0


def test_compile_after_a_deferred_first_call_uses_its_trace(monkeypatch):
    jit_module = importlib.import_module("autograd.jit.compiled")
    monkeypatch.setattr(jit_module.COSTS, "estimate", lambda nodes, edges: 1e9)  # never pays
    w = Value(2.0)
    g = jit(lambda xs: autograd.sum([w * x for x in xs]))
    assert g([1.0, 2.0]) == 6.0  # traced (an engine run), not compiled
    assert g.stats["traces"] == 1 and g.cache_size == 0
    g.compile([5.0, 5.0])
    assert g.stats["traces"] == 1 and g.cache_size == 1  # main: traced a second time
    assert g([1.0, 3.0]) == 8.0 and g.stats["traces"] == 1


def test_a_kept_first_trace_that_does_not_hold_for_a_later_call_is_kept_beside_a_new_one(
    monkeypatch,
):
    jit_module = importlib.import_module("autograd.jit.compiled")
    monkeypatch.setattr(jit_module, "COMPILE_NOW_S", 0.0)
    monkeypatch.setattr(jit_module.COSTS, "estimate", lambda nodes, edges: 1e-12)  # pays at once
    g = jit(lambda x: x * 2.0 if x > 0.0 else x * 3.0)
    assert g(1.0) == 2.0  # traced by an engine run, kept
    assert g.cache_size == 0
    assert g(-1.0) == -3.0  # the kept trace's guard fails: a second trace
    assert g.cache_size == 2 and g.stats["traces"] == 2
    assert g(5.0) == 10.0 and g(-2.0) == -6.0 and g.stats["traces"] == 2
