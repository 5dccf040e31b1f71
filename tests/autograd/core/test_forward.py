"""Forward mode: ``jvp`` and ``hvp`` (issue 24).

Expected values come from closed forms written by hand (per op: ``REFERENCES`` of
``tests/autograd/core/test_ops.py``), from central differences, from the reverse transforms (a Jacobian's column,
a Hessian times a vector), and from PyTorch (``torch.func.jvp``,
``torch.autograd.functional.hvp``) on random programs. Compiled forward mode is compared with
the uncompiled transform bit for bit.
"""

from __future__ import annotations

import math
import operator
import random
import struct

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autograd as ag
from autograd import OPS, Value, grad, hessian, hvp, jacobian, jit, jvp, no_grad, value_and_grad
from autograd.testing import expressions
from tests.autograd.core.test_ops import NAMES, PUBLIC, derivatives, points


def close(a: float, b: float, rel: float = 1e-12) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=rel) or (math.isnan(a) and math.isnan(b))


def same_bits(a: float, b: float) -> bool:
    """Equal to the last bit: -0.0 is not 0.0, and nan equals nan."""
    return struct.pack("<d", a) == struct.pack("<d", b) or (math.isnan(a) and math.isnan(b))


def _tangent_from_closed_form(name: str, xs: tuple[float, ...], ts: list[float]) -> float:
    return math.fsum(d * t for d, t in zip(derivatives(name)(*xs), ts, strict=True))


def test_exported_from_autograd():
    assert {"jvp", "hvp"} <= set(ag.__all__)
    assert ag.jvp is jvp and ag.hvp is hvp


# ---------------------------------------------------------------------------------------------
# Every op of the table: the tangent is sum_i partial_i * tangent_i.
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_every_op_pushes_its_tangent_as_the_closed_form_derivative(name):
    rng = random.Random(name)
    f = PUBLIC[name]
    for xs in points(name, count=10):
        ts = [rng.uniform(-2.0, 2.0) for _ in xs]
        value, tangent = jvp(f, xs, ts)
        assert value == f(*[Value(x) for x in xs]).data
        assert close(tangent, _tangent_from_closed_form(name, xs, ts), ), (xs, ts)


@pytest.mark.parametrize("name", NAMES)
def test_every_op_with_a_basis_tangent_gives_each_partial(name):
    f = PUBLIC[name]
    for xs in points(name, count=3):
        for i, expected in enumerate(derivatives(name)(*xs)):
            basis = [1.0 if j == i else 0.0 for j in range(len(xs))]
            assert close(jvp(f, xs, basis)[1], expected, ), (xs, i)


@pytest.mark.parametrize("name", NAMES)
def test_every_op_agrees_with_central_differences(name):
    f = PUBLIC[name]
    h = 1e-6
    for xs in points(name, count=3):
        ts = [0.3 + 0.1 * i for i in range(len(xs))]
        up = f(*[Value(x + h * t) for x, t in zip(xs, ts, strict=True)]).data
        down = f(*[Value(x - h * t) for x, t in zip(xs, ts, strict=True)]).data
        assert jvp(f, xs, ts)[1] == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-6)


def test_kinks_follow_the_engine_and_pytorch():
    assert jvp(lambda x: x.relu(), (0.0,), (1.0,)) == (0.0, 0.0)
    assert jvp(lambda x: abs(x), (0.0,), (1.0,)) == (0.0, 0.0)
    assert jvp(lambda x: x.leaky_relu(0.1), (0.0,), (2.0,)) == (0.0, pytest.approx(0.2))
    assert jvp(lambda x: x.relu(), (-1.5,), (1.0,))[1] == 0.0
    # sqrt'(0) = inf, the IEEE value the engine stores, not an exception
    assert jvp(lambda x: x.sqrt(), (0.0,), (1.0,)) == (0.0, math.inf)


@pytest.mark.parametrize(
    "f, x, error, words",
    [
        (lambda x: x.log(), -1.0, ValueError, ["log(-1.0)", "x > 0"]),
        (lambda x: x.sqrt(), -4.0, ValueError, ["sqrt(-4.0)"]),
        (lambda x: 1.0 / x, 0.0, ZeroDivisionError, ["div", "division by zero"]),
        (lambda x: x.exp(), 1000.0, OverflowError, ["exp(1000.0)", "overflows"]),
    ],
)
def test_domain_errors_are_the_engines(f, x, error, words):
    with pytest.raises(error) as info:
        jvp(f, (x,), (1.0,))
    for word in words:
        assert word in str(info.value)
    with pytest.raises(error):
        hvp(f, (x,), (1.0,))


# ---------------------------------------------------------------------------------------------
# Functions of several inputs, and list-valued functions.
# ---------------------------------------------------------------------------------------------

def test_a_directional_derivative_in_closed_form():
    # f = sin(x y) + x^2 / y; grad = (y cos(xy) + 2x/y, x cos(xy) - x^2/y^2)
    x, y, u, v = 0.7, 1.3, 0.4, -2.5
    value, tangent = jvp(lambda a, b: (a * b).sin() + a * a / b, (x, y), (u, v))
    assert value == pytest.approx(math.sin(x * y) + x * x / y, rel=1e-15)
    expected = (y * math.cos(x * y) + 2 * x / y) * u + (x * math.cos(x * y) - x * x / y**2) * v
    assert close(tangent, expected)


def test_list_valued_functions_give_the_tangent_in_the_outputs_structure():
    x, y, u, v = 0.5, 2.0, 1.0, 3.0

    def f(a, b):
        return [a * b, ((a + b).exp(), 3.0), [b / a]]

    value, tangent = jvp(f, (x, y), (u, v))
    assert value == [x * y, (math.exp(x + y), 3.0), [y / x]]
    assert type(tangent) is list and type(tangent[1]) is tuple and type(tangent[2]) is list
    t_prod, (t_exp, t_const), (t_div,) = tangent
    assert t_prod == y * u + x * v
    assert close(t_exp, math.exp(x + y) * (u + v))
    assert t_const == 0.0  # a constant output
    assert close(t_div, v / x - y * u / x**2)


def test_tangent_is_zero_for_outputs_that_do_not_depend_on_the_inputs():
    w = Value(2.0)
    assert jvp(lambda x: [w * w, 5.0, x], (1.0,), (4.0,)) == ([4.0, 5.0, 1.0], [0.0, 0.0, 4.0])
    assert jvp(lambda x: 7.0, (1.0,), (1.0,)) == (7.0, 0.0)
    assert jvp(lambda: w + 1.0, (), ()) == (3.0, 0.0)


def test_jvp_with_each_basis_tangent_gives_the_jacobians_columns():
    def f(a, b, c):
        return [a * b * c, (a - c).tanh(), ag.logsumexp([a, b, c])]

    point = (0.3, -1.2, 0.8)
    J = jacobian(f)(*point)
    for j in range(3):
        basis = tuple(1.0 if k == j else 0.0 for k in range(3))
        column = jvp(f, point, basis)[1]
        assert all(close(column[i], J[i][j]) for i in range(3)), (j, column)


def test_one_forward_pass_reads_the_graph_once_for_every_output():
    # The tangent of all m outputs comes from one pass: each node's tangent is computed once.
    calls = []

    def f(x):
        hidden = (x * 2.0).tanh()
        calls.append(hidden)
        return [hidden * k for k in range(1, 6)]

    _, tangent = jvp(f, (0.4,), (1.0,))
    assert len(calls) == 1
    d = 2.0 * (1.0 - math.tanh(0.8) ** 2)
    assert all(close(t, k * d) for k, t in zip(range(1, 6), tangent, strict=True))


# ---------------------------------------------------------------------------------------------
# Values in, Values out; composition with the reverse transforms; closures; no_grad.
# ---------------------------------------------------------------------------------------------

def test_values_in_give_differentiable_values_out_and_leave_grad_alone():
    x = Value(0.6)
    t = Value(2.0)
    value, tangent = jvp(lambda a: a.sin() * a, (x,), (t,))
    assert type(value) is Value and type(tangent) is Value
    assert close(tangent.data, (math.cos(0.6) * 0.6 + math.sin(0.6)) * 2.0)
    assert x.grad == 0.0 and t.grad == 0.0  # no .grad touched
    # one Value given twice is two variables: d(a b) along (1, 2) at a = b = 0.6 is b + 2 a
    assert jvp(lambda a, b: a * b, (x, x), (1.0, 2.0))[1].data == 0.6 + 2 * 0.6
    tangent.backward()
    # d tangent / dx = t * (2 cos x - x sin x), d tangent / dt = cos x * x + sin x
    assert close(x.grad, 2.0 * (2 * math.cos(0.6) - 0.6 * math.sin(0.6)))
    assert close(t.grad, math.cos(0.6) * 0.6 + math.sin(0.6))


def test_a_value_primal_equal_to_minus_zero_stays_minus_zero():
    # Each call's variable for a Value argument is arg + -0.0: the identity, -0.0 included
    # (arg + 0.0 turned -0.0 into 0.0, and 1/x from -inf into inf).
    value, _ = jvp(lambda x: x * 1.0, (Value(-0.0),), (1.0,))
    assert same_bits(value.data, -0.0)
    value = value_and_grad(lambda x: x * 1.0)(Value(-0.0))[0]
    assert same_bits(value.data, -0.0)


def test_jvp_of_grad_is_the_second_derivative():
    f = lambda x: x**4 + x.sin()
    x = 0.9
    value, second = jvp(grad(f), (x,), (1.0,))
    assert close(value, 4 * x**3 + math.cos(x))
    assert close(second, 12 * x**2 - math.sin(x))


def test_grad_of_a_function_that_calls_jvp_is_the_second_derivative():
    f = lambda x: x**4 + x.sin()
    x = 0.9
    assert close(grad(lambda a: jvp(f, (a,), (1.0,))[1])(x), 12 * x**2 - math.sin(x))
    # and through a tangent that is the outer variable: d/dt [f'(x) t] = f'(x)
    assert close(grad(lambda t: jvp(f, (x,), (t,))[1])(5.0), 4 * x**3 + math.cos(x))


def test_jvp_of_jvp_and_hessian_of_jvp_reach_third_order():
    f = lambda x: x**5
    x = 1.3
    inner = lambda a: jvp(f, (a,), (1.0,))[1]  # f'(a)
    assert close(jvp(lambda a: jvp(inner, (a,), (1.0,))[1], (x,), (1.0,))[1], 60 * x**2)
    assert close(hessian(inner)(x)[0][0], 60 * x**2)


def test_no_perturbation_confusion_through_closures():
    # d/dx [x * d/dy (x + y)] = d/dx [x * 1] = 1 (an implementation sharing one tangent
    # between the two calls gives 2: the classic perturbation-confusion example)
    assert jvp(lambda x: x * jvp(lambda y: x + y, (1.0,), (1.0,))[1], (5.0,), (1.0,)) == (5.0, 1.0)
    # d/dx [d/dy (x * y)] = d/dx x = 1, the captured x differentiated by the outer call only
    assert jvp(lambda x: jvp(lambda y: x * y, (2.0,), (1.0,))[1], (3.0,), (1.0,))[1] == 1.0
    # mixed with grad both ways
    assert grad(lambda x: x * jvp(lambda y: x + y, (1.0,), (1.0,))[1])(5.0) == 1.0
    assert jvp(lambda x: x * grad(lambda y: x + y)(1.0), (5.0,), (1.0,))[1] == 1.0


def test_three_levels_of_closures_mixing_jvp_and_grad():
    # g(x) = d/dy [ d/dz (x y z^2) ] at (y, z) = (3, 1): d/dz = 2xyz -> 2xy, d/dy -> 2x
    def g(x):
        return jvp(lambda y: grad(lambda z: x * y * z * z)(1.0), (3.0,), (1.0,))[1]

    assert g(4.0) == 8.0
    assert jvp(g, (4.0,), (1.0,)) == (8.0, 2.0)
    assert grad(g)(4.0) == 2.0
    # x captured two levels down, differentiated twice: h(x) = d/dy [x^3 y] = x^3, h'' = 6x
    h = lambda x: jvp(lambda y: x * x * x * y, (2.0,), (1.0,))[1]
    assert close(jvp(grad(h), (1.5,), (1.0,))[1], 9.0)
    assert close(hvp(h, (1.5,), (1.0,))[0], 9.0)


def test_transforms_ignore_an_outer_no_grad():
    with no_grad():
        assert jvp(lambda x: x * x, (3.0,), (1.0,)) == (9.0, 6.0)
        assert hvp(lambda x, y: x * x * y, (2.0, 3.0), (1.0, 0.0)) == [6.0, 4.0]
        x = Value(3.0)
        _, tangent = jvp(lambda a: a * a * a, (x,), (1.0,))
        assert type(tangent) is Value and not tangent.is_leaf  # still a graph
        assert grad(lambda a: jvp(lambda b: b * b * b, (a,), (1.0,))[1])(3.0) == 18.0
        assert not ag.is_grad_enabled()
    tangent.backward()
    assert x.grad == 18.0  # d/dx 3x^2 = 6x


# ---------------------------------------------------------------------------------------------
# hvp
# ---------------------------------------------------------------------------------------------

def test_hvp_closed_form_rosenbrock():
    # f = (1 - x)^2 + 100 (y - x^2)^2; H = [[2 - 400 y + 1200 x^2, -400 x], [-400 x, 200]]
    def f(x, y):
        return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2

    x, y, u, v = 1.2, 0.7, 0.5, -1.5
    H = [[2 - 400 * y + 1200 * x * x, -400 * x], [-400 * x, 200.0]]
    expected = [H[0][0] * u + H[0][1] * v, H[1][0] * u + H[1][1] * v]
    product = hvp(f, (x, y), (u, v))
    assert type(product) is list
    assert all(close(a, b) for a, b in zip(product, expected, strict=True))


def test_hvp_equals_the_hessian_times_v():
    def f(a, b, c):
        return ag.logsumexp([a * b, b * c, c.sin()]) + (a / (1.0 + b * b)).tanh()

    point, v = (0.4, -0.9, 1.1), (0.3, 2.0, -1.0)
    H = hessian(f)(*point)
    expected = [math.fsum(H[i][j] * v[j] for j in range(3)) for i in range(3)]
    assert all(close(a, b) for a, b in zip(hvp(f, point, v), expected, strict=True))


def test_hvp_of_a_function_independent_of_an_input():
    assert hvp(lambda x, y: x * x * x, (2.0, 5.0), (1.0, 1.0)) == [12.0, 0.0]
    assert hvp(lambda x: 3.0, (2.0,), (1.0,)) == [0.0]
    assert hvp(lambda: 3.0, (), ()) == []


def _recorded_operations(results):
    nodes = set()
    for r in results:
        nodes.update(ag.topological_order(r))
    return sum(1 for node in nodes if not node.is_leaf)


def test_hvp_is_one_pass_and_never_builds_the_hessian():
    calls = []

    def f(*x):  # every pair of inputs interacts: a dense Hessian
        calls.append(1)
        s = ag.sum(x)
        return ag.sum([(xi * s).sin() for xi in x])

    recorded = {}
    for n in (16, 32):
        xs = [Value(0.1 * i) for i in range(n)]
        calls.clear()
        product = hvp(f, xs, [1.0] * n)
        assert len(calls) == 1  # f evaluated once, its gradient graph swept forward once
        recorded[n] = (_recorded_operations(product),
                       _recorded_operations([h for row in hessian(f)(*xs) for h in row]))
    # hvp's work grows as n (one pass), the Hessian's as n^2 (n passes over n entries)
    assert recorded[32][0] <= 2 * recorded[16][0]
    assert recorded[32][1] >= 3.8 * recorded[16][1]


def test_hvp_with_values_is_differentiable():
    # hvp of x^3 y in direction (1, 0): [6 x y, 3 x^2]; d/dx of the first entry = 6 y
    x = Value(2.0)
    product = hvp(lambda a, b: a * a * a * b, (x, 3.0), (1.0, 0.0))
    assert [p.data for p in product] == [36.0, 12.0]
    product[0].backward()
    assert x.grad == 18.0
    assert grad(lambda a: hvp(lambda p, q: p * p * p * q, (a, 3.0), (1.0, 0.0))[1])(2.0) == 12.0


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: jvp(lambda x: x, 1.0, (1.0,)), TypeError, ["jvp", "primals", "float"]),
        (lambda: jvp(lambda x: x, (1.0,), 1.0), TypeError, ["jvp", "tangents", "float"]),
        (lambda: jvp(lambda x, y: x, (1.0, 2.0), (1.0,)), ValueError,
         ["2 primal", "1 entries in tangents"]),
        (lambda: jvp(3.0, (1.0,), (1.0,)), TypeError, ["jvp", "callable"]),
        (lambda: jvp(lambda x: x, ("a",), (1.0,)), TypeError, ["jvp argument 0", "str"]),
        (lambda: jvp(lambda x: x, (1.0,), (None,)), TypeError, ["jvp tangents[0]", "NoneType"]),
        (lambda: jvp(lambda x: x, (True,), (1.0,)), TypeError, ["jvp argument 0", "bool"]),
        (lambda: jvp(lambda x: "x", (1.0,), (1.0,)), TypeError, ["jvp", "return", "str"]),
        (lambda: jvp(lambda x: {"a": x}, (1.0,), (1.0,)), TypeError, ["jvp", "dict"]),
        (lambda: hvp(lambda x: [x, x], (1.0,), (1.0,)), TypeError, ["hvp", "scalar", "list"]),
        (lambda: hvp(lambda x: x, (1.0,), (1.0, 2.0)), ValueError,
         ["hvp", "1 primal", "2 entries in v"]),
        (lambda: hvp(lambda x: x, 1.0, (1.0,)), TypeError, ["hvp", "primals"]),
        (lambda: hvp(lambda x: x, (1.0,), 1.0), TypeError, ["hvp", "v must be"]),
        (lambda: hvp(lambda x: x, (1.0,), ("a",)), TypeError, ["hvp v[0]", "str"]),
        (lambda: hvp(None, (1.0,), (1.0,)), TypeError, ["hvp", "callable"]),
    ],
)
def test_bad_input_says_what_was_wrong(call, error, words):
    with pytest.raises(error) as info:
        call()
    for word in words:
        assert word in str(info.value)


# ---------------------------------------------------------------------------------------------
# Random programs: against the reverse transforms, PyTorch, and compiled by jit.
# ---------------------------------------------------------------------------------------------

_directions = st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_random_programs_basis_tangent_gives_a_column_of_the_jacobian(data):
    e1 = data.draw(expressions(max_depth=3, arity=3), label="first output")
    e2 = data.draw(expressions(max_depth=3, arity=3), label="second output")
    point = data.draw(e1.inputs(), label="point")
    assume(e2.valid_at(*point))
    j = data.draw(st.integers(0, 2), label="column")

    def f(*xs):
        return [e1(*xs), e2(*xs)]

    basis = tuple(1.0 if k == j else 0.0 for k in range(3))
    value, column = jvp(f, point, basis)
    J = jacobian(f)(*point)
    assert value == [e1(*point), e2(*point)]
    assert all(close(column[i], J[i][j]) for i in range(2)), (str(e1), str(e2), column, J)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_random_programs_hvp_equals_hessian_times_v(data):
    e = data.draw(expressions(max_depth=3), label="expression")
    point = data.draw(e.inputs(), label="point")
    v = data.draw(_directions, label="v")[: e.arity]
    H = hessian(e)(*point)
    expected = [math.fsum(H[i][k] * v[k] for k in range(e.arity)) for i in range(e.arity)]
    product = hvp(e, point, v)
    assert all(close(a, b) for a, b in zip(product, expected, strict=True)), (
        str(e), product, expected)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_random_programs_compiled_jvp_and_hvp_equal_the_transforms_bit_for_bit(data):
    e = data.draw(expressions(max_depth=3), label="expression")
    point = data.draw(e.inputs(), label="point")
    t = data.draw(_directions, label="tangent")[: e.arity]
    n = e.arity
    # the tangent closed over (baked into the trace) and passed as inputs
    g = jit(lambda *x: jvp(e, x, t))
    compiled = g(*point)
    assert "def forward" in g.source  # compiled code ran, not the engine
    as_inputs = jit(lambda *xt: jvp(e, xt[:n], xt[n:]))(*point, *t)
    expected = jvp(e, point, t)
    for got in (compiled, as_inputs):
        assert same_bits(got[0], expected[0]) and same_bits(got[1], expected[1]), (
            str(e), got, expected)
    compiled_hvp = jit(lambda *x: hvp(e, x, t))(*point)
    expected_hvp = hvp(e, point, t)
    assert all(same_bits(a, b) for a, b in zip(compiled_hvp, expected_hvp, strict=True)), (
        str(e), compiled_hvp, expected_hvp)


def test_compiled_jvp_and_hvp_trace_once_and_follow_new_points_and_kinks():
    f = lambda x, y: (x * y).relu() + ag.logsumexp([x, y * y])
    g = jit(lambda x, y: jvp(f, (x, y), (1.0, -2.0)))
    h = jit(lambda x, y: hvp(f, (x, y), (0.5, 1.0)))
    for point in [(0.5, 1.5), (0.7, 1.1), (-0.5, 1.5), (0.5, 1.5)]:  # the relu changes branch
        a, b = g(*point), jvp(f, point, (1.0, -2.0))
        assert same_bits(a[0], b[0]) and same_bits(a[1], b[1]), point
        assert all(map(same_bits, h(*point), hvp(f, point, (0.5, 1.0)))), point
    assert g.cache_size == 2 and h.cache_size == 2  # one trace per side of the kink
    # compiled code ran (hvp's graph needs relu's branch, a guard, but not its value)
    assert "relu" in g.source and "_GUARD[0]" in h.source


# -- PyTorch -----------------------------------------------------------------------------------

def _torch_functions(torch):
    """Every op of the table on 0-d float64 tensors, for ``Expression.evaluate``."""

    def tensor(x):
        return torch.as_tensor(x, dtype=torch.float64)

    def stack(xs):
        return torch.stack([tensor(x) for x in xs])

    return {
        "add": operator.add, "sub": operator.sub, "mul": operator.mul,
        "div": operator.truediv, "neg": operator.neg,
        "pow": lambda x, y: torch.pow(tensor(x), y),
        "exp": torch.exp, "log": torch.log, "sqrt": torch.sqrt, "tanh": torch.tanh,
        "sigmoid": torch.sigmoid, "relu": torch.relu, "sin": torch.sin, "cos": torch.cos,
        "abs": torch.abs,
        "leaky_relu": lambda x, slope: torch.where(tensor(x) > 0, tensor(x), slope * tensor(x)),
        # log(1 + e^x) exactly: torch's softplus is linear past its threshold of 20
        "softplus": lambda x: torch.logaddexp(tensor(x), tensor(0.0)),
        "sum": lambda *xs: stack(xs).sum(), "mean": lambda *xs: stack(xs).mean(),
        "logsumexp": lambda *xs: torch.logsumexp(stack(xs), 0),
        "dot": lambda *xs: (stack(xs[: len(xs) // 2]) * stack(xs[len(xs) // 2:])).sum(),
    }


def _pow_at_zero_exponent(e, point, torch):
    """Whether evaluating ``e`` at ``point`` raises something to an exponent of exactly 0."""
    seen = []
    functions = dict(_torch_functions(torch))

    def pow_(x, y):
        seen.append(float(y) == 0.0)
        return torch.pow(torch.as_tensor(x, dtype=torch.float64), y)

    functions["pow"] = pow_
    e.evaluate(*(torch.tensor(x, dtype=torch.float64) for x in point), functions=functions)
    return any(seen)


def _hvp_by_differences(e, point, t, h=1e-6):
    """The Hessian times ``t`` by central differences of the engine's gradient, as tensors."""
    import torch

    n = len(point)
    plus = ag.grad(e, argnums=tuple(range(n)))(*(x + h * d for x, d in zip(point, t, strict=True)))
    minus = ag.grad(e, argnums=tuple(range(n)))(*(x - h * d for x, d in zip(point, t, strict=True)))
    return [torch.tensor((a - b) / (2 * h), dtype=torch.float64) for a, b in zip(plus, minus, strict=True)]


def _as_torch(e, torch):
    functions = _torch_functions(torch)
    return lambda *xs: e.evaluate(*xs, functions=functions)


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:FutureWarning")
@settings(max_examples=100, deadline=None)
@given(st.data())
def test_random_programs_jvp_and_hvp_equal_pytorchs(data):
    torch = pytest.importorskip("torch")
    e = data.draw(expressions(max_depth=3), label="expression")
    point = data.draw(e.inputs(), label="point")
    t = data.draw(_directions, label="tangent")[: e.arity]
    f = _as_torch(e, torch)
    primals = tuple(torch.tensor(x, dtype=torch.float64) for x in point)
    tangents = tuple(torch.tensor(x, dtype=torch.float64) for x in t)
    value, tangent = jvp(e, point, t)
    expected_value, expected_tangent = torch.func.jvp(f, primals, tangents)
    assert close(value, expected_value.item()), (str(e), value, expected_value)
    assert close(tangent, expected_tangent.item()), (str(e), tangent, expected_tangent)
    _, expected_hvp = torch.autograd.functional.hvp(f, primals, tangents)
    product = hvp(e, point, t)
    if _pow_at_zero_exponent(e, point, torch):
        # torch's pow derivative masks the base's term where the exponent is exactly 0, and
        # its double backward inherits that: exp(x) ** -x (= exp(-x^2)) at 0 has Hessian -2
        # (closed form, and the engine's), torch's hvp gives -1. Checked by differences there.
        expected_hvp, rel = _hvp_by_differences(e, point, t), 1e-5
    else:
        rel = 1e-12
    assert all(close(a, b.item(), rel) for a, b in zip(product, expected_hvp, strict=True)), (
        str(e), product, expected_hvp)


def test_operators_covered_by_the_pytorch_translation():
    torch = pytest.importorskip("torch")
    assert set(_torch_functions(torch)) == set(OPS)


def test_jvp_and_hvp_of_logsumexp_at_huge_logits_are_the_softmaxes():
    # logsumexp([x, x]) = x + log 2: along (1, 0) its tangent is softmax_0 = 1/2, and its
    # Hessian [[1/4, -1/4], [-1/4, 1/4]] times (1, 0) is (1/4, -1/4) (closed forms). At 1e17
    # the per-argument formula exp(x - out) is exp(0) = 1: jvp gave 1.0 and hvp (0.0, -1.0).
    def lse(a, b):
        return ag.logsumexp([a, b])

    for big in (1e17, -1e17, 1e300):
        assert jvp(lse, (big, big), (1.0, 0.0)) == (lse(big, big).data, 0.5)
        assert jit(lambda a, b: jvp(lse, (a, b), (1.0, 0.0)))(big, big)[1] == 0.5
        assert hvp(lse, (big, big), (1.0, 0.0)) == [0.25, -0.25]
        assert jit(lambda a, b: hvp(lse, (a, b), (1.0, 0.0)))(big, big) == [0.25, -0.25]


def test_a_zero_exponents_derivative_has_the_same_sign_compiled_and_not():
    # d/dx x ** y = y * x ** (y - 1): at y = -0.0 (from -x at 0) it is -0.0 for x = 1. The
    # first-order pass read 0.0 (the table wrote 0.0 for any zero y) while jit's trace of the
    # differentiable pass computes y * x ** (y - 1), so jit(jvp) gave -0.0 where jvp gave 0.0.
    def f(x):
        return ag.exp(x) ** -x

    for t in (1.0, 0.5, -1.0):
        expected = jvp(f, (0.0,), (t,))
        compiled = jit(lambda x, t=t: jvp(f, (x,), (t,)))(0.0)
        assert all(map(same_bits, compiled, expected)), (t, compiled, expected)
    # both are y * x ** (y - 1) with its sign: -0.0 * 2.0 ** -1.0 is -0.0
    assert same_bits(ag.grad(lambda x, y: x**y)(2.0, -0.0), -0.0)
    # 0 ** 0 keeps its derivative 0.0 (y * x ** (y - 1) would be 0 * inf)
    assert ag.grad(lambda x, y: x**y, argnums=(0, 1))(0.0, 0.0) == (0.0, 0.0)
