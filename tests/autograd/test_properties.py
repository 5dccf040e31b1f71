"""Property tests of the engine over random expressions drawn by ``autograd.testing``.

Finite differences (gradcheck, gradgradcheck) and identities that hold for any correct
reverse mode: linearity in the seed, the chain rule, agreement between ``backward``, ``grad``,
``jacobian`` and ``hessian``. Nothing here needs PyTorch.
"""

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import (
    Value,
    grad,
    gradcheck,
    gradgradcheck,
    hessian,
    jacobian,
    sin,
    tanh,
    topological_order,
    value_and_grad,
)
from autograd.testing import expressions_with_inputs

# Ops that are smooth and defined on the whole real line: outer functions for the chain rule.
SMOOTH = ["neg", "exp", "tanh", "sigmoid", "softplus", "sin", "cos", "add", "sub", "mul",
          "sum", "mean", "dot", "logsumexp"]


def leaves_for(point):
    return [Value(x) for x in point]


def backward_gradient(e, point, **kwargs):
    xs = leaves_for(point)
    out = e(*xs)
    out.backward(**kwargs)
    return [x.grad for x in xs]


def close(a, b, scale=1.0):
    """Equal up to a few hundred roundings, relative to ``scale`` and the values."""
    return abs(a - b) <= 1e-12 * (scale + abs(a) + abs(b))


@settings(max_examples=400)
@given(expressions_with_inputs())
def test_gradients_match_finite_differences(case):
    e, point = case
    assert gradcheck(e, point)


@settings(max_examples=200)
@given(expressions_with_inputs(max_depth=3))
def test_second_derivatives_match_finite_differences(case):
    e, point = case
    assert gradgradcheck(e, point)


@given(expressions_with_inputs(arity=(1, 2), max_depth=3), st.lists(
    st.floats(-2.0, 2.0), min_size=2, max_size=2))
def test_vector_functions_match_finite_differences(case, weights):
    # Several outputs over one shared graph: e, a function of e, and e mixed with an input.
    e, point = case
    a, b = weights

    def f(*xs):
        out = e(*xs)
        return [out, tanh(out) * a, out * xs[0] + b]

    assert gradcheck(f, point)


@given(expressions_with_inputs(), st.integers(-3, 3), st.sampled_from([1.0, -1.0]))
def test_backward_is_exactly_linear_in_power_of_two_seeds(case, k, sign):
    # Scaling by a power of two commutes exactly with every product and sum of the pass.
    e, point = case
    c = sign * 2.0 ** k
    assert backward_gradient(e, point, gradient=c) == [c * g for g in backward_gradient(e, point)]


@given(expressions_with_inputs(), st.floats(0.1, 4.0) | st.floats(-4.0, -0.1))
def test_backward_is_linear_in_the_seed(case, c):
    e, point = case
    xs = leaves_for(point)
    out = e(*xs)
    nodes = topological_order(out)
    out.backward()
    unit = [n.grad for n in nodes]
    for n in nodes:
        n.grad = 0.0
    out.backward(gradient=c)
    # Roundings differ between the two passes; bound them by the largest gradient in the graph.
    scale = abs(c) * max(abs(g) for g in unit)
    for n, g in zip(nodes, unit, strict=True):
        assert close(n.grad, c * g, scale=scale)


@given(expressions_with_inputs(), st.integers(2, 3))
def test_k_backward_passes_leave_k_times_the_gradients(case, k):
    e, point = case
    xs = leaves_for(point)
    out = e(*xs)
    nodes = topological_order(out)
    out.backward()
    once = [n.grad for n in nodes]
    for _ in range(k - 1):
        out.backward()
    # g + g == 2g and (g + g) + g == 3g exactly in floating point.
    assert [n.grad for n in nodes] == [k * g for g in once]


@given(
    expressions_with_inputs(arity=1, ops=SMOOTH, max_depth=2),
    expressions_with_inputs(arity=(1, 3), max_depth=3),
)
def test_chain_rule(outer_case, inner_case):
    # d/dx f(g(x)) = f'(g(x)) * grad g(x), with f and g differentiated separately.
    f, _ = outer_case
    g, point = inner_case
    inner_value, inner_grad = value_and_grad(lambda *xs: g(*xs), argnums=tuple(
        range(g.arity)))(*point)
    outer_slope = grad(f)(inner_value)
    composed = grad(lambda *xs: f(g(*xs)), argnums=tuple(range(g.arity)))(*point)
    for c, d in zip(composed, inner_grad, strict=True):
        assert close(c, outer_slope * d, scale=abs(outer_slope * d))


@given(expressions_with_inputs())
def test_grad_agrees_with_backward(case):
    e, point = case
    by_grad = grad(e, argnums=tuple(range(e.arity)))(*point)
    by_backward = backward_gradient(e, point)
    for a, b in zip(by_grad, by_backward, strict=True):
        assert close(a, b)


@given(expressions_with_inputs(arity=(1, 3), max_depth=3), st.floats(-2.0, 2.0))
def test_jacobian_rows_are_gradients(case, c):
    e, point = case
    outputs = [
        lambda *xs: e(*xs),
        lambda *xs: sin(e(*xs)) + c * xs[-1],
        lambda *xs: e(*xs) * e(*xs),
    ]
    rows = jacobian(lambda *xs: [o(*xs) for o in outputs])(*point)
    assert len(rows) == len(outputs) and all(len(r) == e.arity for r in rows)
    for row, o in zip(rows, outputs, strict=True):
        expected = grad(o, argnums=tuple(range(e.arity)))(*point)
        for a, b in zip(row, expected, strict=True):
            assert close(a, b)


@given(expressions_with_inputs(arity=(2, 3), max_depth=3))
def test_hessian_is_symmetric(case):
    e, point = case
    h = hessian(e)(*point)
    scale = max(1.0, *(abs(v) for row in h for v in row))
    for i in range(e.arity):
        for j in range(i):
            assert abs(h[i][j] - h[j][i]) <= 1e-8 * scale, (i, j, h)


@given(expressions_with_inputs(arity=(1, 3), max_depth=3))
def test_nested_grad_agrees_with_hessian(case):
    e, point = case
    h = hessian(e)(*point)
    n = e.arity
    for i in range(n):
        row = grad(lambda *xs, i=i: grad(e, argnums=i)(*xs), argnums=tuple(range(n)))(*point)
        for j in range(n):
            assert close(row[j], h[i][j], scale=1.0)


@given(expressions_with_inputs())
def test_values_and_floats_give_the_same_result(case):
    e, point = case
    assert math.isclose(e(*leaves_for(point)).data, e(*point), rel_tol=1e-12, abs_tol=1e-300)
