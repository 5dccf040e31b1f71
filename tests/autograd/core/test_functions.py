"""Module-level functions beyond the op sweep: ``matvec`` makes exactly the nodes ``dot`` makes."""

from __future__ import annotations

import math
import random

import pytest

import autograd as ag
from autograd import Value


def _same_node(a: Value, b: Value) -> None:
    assert a.op == b.op == "dot"
    assert a.data == b.data
    assert a.parents == b.parents
    assert a.local_grads == b.local_grads
    assert a.arguments == b.arguments


@pytest.mark.parametrize("kind", ["floats", "values", "mixed", "ints"])
def test_matvec_rows_equal_dot(kind):
    rng = random.Random(3)
    rows = [[Value(rng.uniform(-1, 1)) for _ in range(4)] for _ in range(3)]
    rows[1][2] = 0.5  # a constant inside a row
    if kind == "floats":
        xs = [rng.uniform(-1, 1) for _ in range(4)]
    elif kind == "values":
        xs = [Value(rng.uniform(-1, 1)) for _ in range(4)]
    elif kind == "ints":
        xs = [1, 2, 3, 4]
    else:
        xs = [Value(0.3), 1.0, Value(-2.0), 4]
    outs = ag.matvec(rows, xs)
    assert len(outs) == 3
    for out, row in zip(outs, rows, strict=True):
        _same_node(out, ag.dot(row, xs))


def test_matvec_gradients_match_dot_to_second_order():
    def via(fn):
        def f(a, b, c, x, y):
            rows = [[a, b], [c, a]]
            return ag.sum([o.tanh() for o in fn(rows, [x, y])])

        return f

    matvec_f = via(ag.matvec)
    dot_f = via(lambda rows, xs: [ag.dot(r, xs) for r in rows])
    point = (0.2, -0.4, 0.9, 1.1, -0.7)
    assert ag.hessian(matvec_f)(*point) == ag.hessian(dot_f)(*point)
    assert ag.grad(matvec_f, argnums=(0, 1, 2, 3, 4))(*point) == ag.grad(
        dot_f, argnums=(0, 1, 2, 3, 4)
    )(*point)


def test_matvec_rows_are_dot_nodes_with_their_constants():
    rows = [[Value(1.0), Value(2.0)], [Value(3.0), Value(4.0)]]
    x = Value(0.5)
    a, b = ag.matvec(rows, [x, 1.0])
    assert a.arguments == (rows[0][0], rows[0][1], x, 1.0)
    assert b.parents == (rows[1][0], rows[1][1], x)
    assert b.local_grads == (0.5, 1.0, 3.0)
    assert (a.data, b.data) == (2.5, 5.5)


def test_matvec_under_no_grad_makes_leaves():
    rows = [[Value(1.0), Value(2.0)]]
    with ag.no_grad():
        (out,) = ag.matvec(rows, [Value(3.0), 4.0])
    assert out.data == 11.0 and out.is_leaf


def test_matvec_bad_arguments():
    with pytest.raises(ValueError, match="length 1 for 2 inputs"):
        ag.matvec([[Value(1.0)]], [1.0, 2.0])
    with pytest.raises(TypeError, match="str"):
        ag.matvec([[Value(1.0)]], ["a"])
    with pytest.raises(TypeError, match="sequence"):
        ag.matvec([Value(1.0)], [1.0])
    assert ag.matvec([], [1.0]) == []


def test_matvec_with_rows_promised_to_be_values_makes_the_same_nodes():
    rows = [[Value(0.5), Value(-1.5), Value(2.0)], [Value(1.0), Value(0.25), Value(-3.0)]]
    for xs in ([1.0, 2.0, 3.0], [Value(1.0), 2.0, Value(3.0)], [Value(1.0)] * 3):
        checked = ag.matvec(rows, xs)
        trusted = ag.matvec(rows, xs, rows_are_values=True)
        for a, b in zip(checked, trusted, strict=True):
            _same_node(a, b)


@pytest.mark.parametrize(
    "pattern",
    ["VV", "VF", "FV", "MM", "VI"],  # Values, floats, a mix, ints: each path of dot
)
def test_dot_of_every_input_mix(pattern):
    xs_f, ys_f = [0.5, -1.5, 2.0], [3.0, 0.25, -2.0]

    def make(kind, fs):
        if kind == "V":
            return [Value(f) for f in fs]
        if kind == "F":
            return list(fs)
        if kind == "I":
            return [int(f * 4) for f in fs]
        return [Value(fs[0]), fs[1], Value(fs[2])]  # mixed

    xs, ys = make(pattern[0], xs_f), make(pattern[1], ys_f)
    xd = [float(x.data if isinstance(x, Value) else x) for x in xs]
    yd = [float(y.data if isinstance(y, Value) else y) for y in ys]
    out = ag.dot(xs, ys)
    assert out.data == math.fsum(a * b for a, b in zip(xd, yd, strict=True))
    assert out.op == "dot"
    assert out.arguments == tuple(x if isinstance(x, Value) else float(x) for x in xs + ys)
    out.backward()
    for x, partner in zip(xs, yd, strict=True):
        if isinstance(x, Value):
            assert x.grad == partner
    for y, partner in zip(ys, xd, strict=True):
        if isinstance(y, Value):
            assert y.grad == partner
    # Second order, through create_graph: the Hessian in the Value entries is 1 between x_i
    # and y_i when both are Values, else 0.
    def f(*vs):
        it = iter(vs)
        return ag.dot([next(it) if isinstance(x, Value) else x for x in xs],
                      [next(it) if isinstance(y, Value) else y for y in ys])

    variables = [v for v in xs + ys if isinstance(v, Value)]
    index = {id(v): k for k, v in enumerate(variables)}
    expected = [[0.0] * len(variables) for _ in variables]
    for x, y in zip(xs, ys, strict=True):
        if isinstance(x, Value) and isinstance(y, Value):
            expected[index[id(x)]][index[id(y)]] = expected[index[id(y)]][index[id(x)]] = 1.0
    assert ag.hessian(f)(*[v.data for v in variables]) == expected


# -- n-ary ops give what their binary spelling gives (issue 11, item 4) ------------------------

@pytest.mark.parametrize(
    "xs", [[1e308, 1e308], [1e308, 1e308, -1e308], [float("inf"), 1.0], [float("inf"), -float("inf")],
           [-float("inf"), -1e308], [float("nan"), 1.0]],
)
def test_sum_mean_dot_matvec_on_huge_and_infinite_inputs(xs):
    def spelled_sum(values):
        total = 0.0
        for v in values:
            total = total + v
        return total

    def same(a, b):
        return (math.isnan(a) and math.isnan(b)) or a == b

    values = [Value(x) for x in xs]
    assert same(ag.sum(values).data, spelled_sum(xs))
    assert same(ag.sum(xs).data, spelled_sum(xs))
    assert same(ag.mean(values).data, spelled_sum(xs) / len(xs))
    ones = [1.0] * len(xs)
    assert same(ag.dot(values, ones).data, spelled_sum([x * 1.0 for x in xs]))
    (row,) = ag.matvec([values], ones)
    assert same(row.data, spelled_sum(xs))
    twos = [Value(2.0)] * len(xs)
    assert same(ag.dot(values, twos).data, spelled_sum([x * 2.0 for x in xs]))
