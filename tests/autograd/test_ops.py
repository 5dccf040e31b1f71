"""One sweep over the op table: every declared op is checked the moment it is declared.

For each op: the forward value against an independent reference written with ``math``; each
local derivative stored by the engine against its closed form and against central differences
of the reference; the differentiable (``create_graph``) derivatives against the float ones; and
second derivatives against central differences of the closed-form first derivatives.
"""

from __future__ import annotations

import itertools
import math
import operator
import random
from fractions import Fraction

import pytest

import autograd as ag
from autograd import OPS, Value

# -- independent references: forward, closed-form derivatives, and the public entry point ---


def _sig(x):
    return 1.0 / (1.0 + math.exp(-x)) if x > -700 else 0.0


def _dot(*a):
    n = len(a) // 2
    return sum(a[i] * a[n + i] for i in range(n))


def _lse(*a):
    return math.log(sum(math.exp(x) for x in a))


FORWARD = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
    "pow": lambda x, y: x**y,
    "leaky_relu": lambda x, s: x if x > 0 else s * x,
    "neg": lambda x: -x,
    "abs": lambda x: x if x >= 0 else -x,
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "tanh": lambda x: (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1),
    "sigmoid": _sig,
    "relu": lambda x: max(x, 0.0),
    "softplus": lambda x: math.log(1.0 + math.exp(x)),
    "sin": math.sin,
    "cos": math.cos,
    "sum": lambda *a: sum(a),
    "mean": lambda *a: sum(a) / len(a),
    "dot": _dot,
    "logsumexp": _lse,
}

# d out / d arg_i at the point, for i in range(len(args)).
DERIVATIVES = {
    "add": lambda x, y: [1.0, 1.0],
    "sub": lambda x, y: [1.0, -1.0],
    "mul": lambda x, y: [y, x],
    "div": lambda x, y: [1 / y, -x / y**2],
    "pow": lambda x, y: [y * x ** (y - 1), x**y * math.log(x)],
    "leaky_relu": lambda x, s: [1.0 if x > 0 else s, 0.0 if x > 0 else x],
    "neg": lambda x: [-1.0],
    "abs": lambda x: [1.0 if x > 0 else -1.0],
    "exp": lambda x: [math.exp(x)],
    "log": lambda x: [1 / x],
    "sqrt": lambda x: [1 / (2 * math.sqrt(x))],
    "tanh": lambda x: [1 / math.cosh(x) ** 2],
    "sigmoid": lambda x: [math.exp(-x) / (1 + math.exp(-x)) ** 2],
    "relu": lambda x: [1.0 if x > 0 else 0.0],
    "softplus": lambda x: [1 / (1 + math.exp(-x))],
    "sin": lambda x: [math.cos(x)],
    "cos": lambda x: [-math.sin(x)],
    "sum": lambda *a: [1.0] * len(a),
    "mean": lambda *a: [1.0 / len(a)] * len(a),
    "dot": lambda *a: list(a[len(a) // 2:]) + list(a[: len(a) // 2]),
    "logsumexp": lambda *a: [math.exp(x) / sum(math.exp(z) for z in a) for x in a],
}

# How a user reaches each op: operators, methods and module-level functions.
PUBLIC = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "pow": operator.pow,
    "leaky_relu": lambda x, s: ag.leaky_relu(x, s),
    "neg": operator.neg,
    "abs": lambda x: abs(x),
    "exp": ag.exp,
    "log": ag.log,
    "sqrt": ag.sqrt,
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu(),
    "softplus": ag.softplus,
    "sin": lambda x: x.sin(),
    "cos": ag.cos,
    "sum": lambda *a: ag.sum(a),
    "mean": lambda *a: ag.mean(list(a)),
    "dot": lambda *a: ag.dot(a[: len(a) // 2], a[len(a) // 2:]),
    "logsumexp": lambda *a: ag.logsumexp(a),
}

NARY_ARITY = {"sum": 4, "mean": 3, "dot": 6, "logsumexp": 5}


def arity(name: str) -> int:
    op = OPS[name]
    return NARY_ARITY[name] if op.nary else op.arity


def points(name: str, count: int = 40, seed: int = 1) -> list[tuple[float, ...]]:
    """Random points where the op is defined and differentiable (per its own ``valid``)."""
    rng = random.Random(seed)
    op = OPS[name]
    out = []
    while len(out) < count:
        xs = tuple(rng.uniform(-3.0, 3.0) for _ in range(arity(name)))
        if name == "pow":
            xs = (rng.uniform(0.1, 3.0), xs[1])
        if name == "leaky_relu":
            xs = (xs[0], rng.uniform(0.0, 0.5))
        if op.valid(*xs):
            out.append(xs)
    return out


NAMES = sorted(OPS)


def test_every_op_has_a_reference_a_closed_form_and_a_public_entry():
    assert set(FORWARD) == set(OPS)
    assert set(DERIVATIVES) == set(OPS)
    assert set(PUBLIC) == set(OPS)


def test_the_table_covers_the_contract():
    expected = {
        "add", "sub", "mul", "div", "pow", "neg", "abs", "exp", "log", "sqrt", "tanh",
        "sigmoid", "relu", "leaky_relu", "softplus", "sin", "cos", "sum", "mean", "dot",
        "logsumexp",
    }
    assert set(OPS) == expected


@pytest.mark.parametrize("name", NAMES)
def test_forward_matches_reference(name):
    for xs in points(name):
        out = PUBLIC[name](*map(Value, xs))
        assert isinstance(out, Value)
        assert out.op == name
        assert out.data == pytest.approx(FORWARD[name](*xs), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_stored_local_derivatives_match_closed_form(name):
    for xs in points(name):
        args = [Value(x) for x in xs]
        out = PUBLIC[name](*args)
        assert out.parents == tuple(args)
        expected = DERIVATIVES[name](*xs)
        assert list(out.local_grads) == pytest.approx(expected, rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_local_derivatives_match_central_differences(name):
    h = 1e-6
    f = FORWARD[name]
    for xs in points(name, count=20):
        out = PUBLIC[name](*map(Value, xs))
        for i, analytic in enumerate(out.local_grads):
            up = list(xs)
            down = list(xs)
            up[i] += h
            down[i] -= h
            numeric = (f(*up) - f(*down)) / (2 * h)
            assert analytic == pytest.approx(numeric, rel=1e-5, abs=1e-6), (name, xs, i)


@pytest.mark.parametrize("name", NAMES)
def test_table_partial_agrees_with_the_engine_path(name):
    """Fast paths in the engine compute the same partials as the table's formulas."""
    op = OPS[name]
    for xs in points(name, count=10):
        out = PUBLIC[name](*map(Value, xs))
        table = [op.partial(i, list(xs), out.data) for i in range(len(xs))]
        assert list(out.local_grads) == pytest.approx(table, rel=1e-14, abs=0.0)


@pytest.mark.parametrize("name", NAMES)
def test_differentiable_derivatives_equal_float_derivatives(name):
    for xs in points(name, count=10):
        first = [Value(x) for x in xs]
        PUBLIC[name](*first).backward()
        second = [Value(x) for x in xs]
        PUBLIC[name](*second).backward(create_graph=True)
        for a, b in zip(first, second, strict=True):
            assert isinstance(b.grad, Value)
            assert b.grad.data == pytest.approx(a.grad, rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("name", NAMES)
def test_second_derivatives_match_differences_of_closed_forms(name):
    h = 1e-5
    d = DERIVATIVES[name]
    for xs in points(name, count=8):
        n = len(xs)
        hess = ag.hessian(PUBLIC[name])(*xs)
        for j in range(n):
            up = list(xs)
            down = list(xs)
            up[j] += h
            down[j] -= h
            column = [(a - b) / (2 * h) for a, b in zip(d(*up), d(*down), strict=True)]
            for i in range(n):
                assert hess[i][j] == pytest.approx(column[i], rel=1e-4, abs=1e-5), (name, xs, i, j)


@pytest.mark.parametrize("name", [op.name for op in ag.ops.BINARY])
@pytest.mark.parametrize("side", [0, 1])
def test_binary_ops_with_a_constant_on_either_side(name, side):
    for xs in points(name, count=10):
        args = [Value(x) for x in xs]
        args[1 - side] = xs[1 - side]  # a plain float on the other side
        out = PUBLIC[name](*args)
        assert out.data == pytest.approx(FORWARD[name](*xs), rel=1e-12, abs=1e-12)
        assert out.parents == (args[side],)
        assert out.local_grads[0] == pytest.approx(DERIVATIVES[name](*xs)[side], rel=1e-10)
        # The differentiable path sees the constant too.
        assert ag.grad(lambda v, s=side, a=args: PUBLIC[name](
            *[v if k == s else a[k] for k in range(2)]))(args[side]).data == pytest.approx(
            DERIVATIVES[name](*xs)[side], rel=1e-10)


@pytest.mark.parametrize("name", [op.name for op in ag.ops.NARY])
def test_nary_ops_are_one_node_with_constants_mixed_in(name):
    for xs in points(name, count=10):
        args: list = [Value(x) if k % 2 == 0 else x for k, x in enumerate(xs)]
        out = PUBLIC[name](*args)
        assert out.op == name
        assert out.data == pytest.approx(FORWARD[name](*xs), rel=1e-12, abs=1e-12)
        values = [a for a in args if isinstance(a, Value)]
        assert out.parents == tuple(values)
        expected = [d for d, a in zip(DERIVATIVES[name](*xs), args, strict=True) if isinstance(a, Value)]
        assert list(out.local_grads) == pytest.approx(expected, rel=1e-10, abs=1e-12)
        # every input of the n-ary op is a parent of the one node, no intermediate nodes
        assert all(p.is_leaf for p in out.parents)


@pytest.mark.parametrize(
    "constant", [2, 2.0, Fraction(1, 2), True], ids=["int", "float", "Fraction", "bool"]
)
def test_mixed_value_number_arithmetic(constant):
    x = Value(3.0)
    if constant is True:
        with pytest.raises(TypeError, match="bool"):
            ag.exp(True)
        return
    c = float(constant)
    cases = [
        (x + constant, 3.0 + c), (constant + x, c + 3.0), (x - constant, 3.0 - c),
        (constant - x, c - 3.0), (x * constant, 3.0 * c), (constant * x, c * 3.0),
        (x / constant, 3.0 / c), (constant / x, c / 3.0), (x**constant, 3.0**c),
        (constant**x, c**3.0),
    ]
    for out, expected in cases:
        assert isinstance(out, Value)
        assert out.data == pytest.approx(expected, rel=1e-15)
        assert out.parents == (x,)


def test_numpy_scalars_are_real_numbers():
    np = pytest.importorskip("numpy")  # ships with matplotlib in the dev extra
    x = Value(np.float32(1.5))
    assert type(x.data) is float and x.data == 1.5
    y = x * np.float64(2.0) + np.int64(1)
    assert y.data == 4.0 and y.parents[0].parents == (x,)


def test_power_of_values_on_both_sides():
    x, y = Value(2.0), Value(3.0)
    z = x**y
    z.backward()
    assert z.data == 8.0
    assert x.grad == pytest.approx(3.0 * 4.0)
    assert y.grad == pytest.approx(8.0 * math.log(2.0))
    w = Value(3.0)
    (2**w).backward()
    assert w.grad == pytest.approx(8.0 * math.log(2.0))


def test_derivatives_at_kinks_follow_pytorch():
    for f in (lambda v: v.relu(), lambda v: abs(v)):
        x = Value(0.0)
        f(x).backward()
        assert x.grad == 0.0
    x = Value(0.0)
    x.leaky_relu(0.1).backward()
    assert x.grad == pytest.approx(0.1)


def test_derivatives_at_domain_boundaries_are_ieee_not_exceptions():
    x = Value(0.0)
    x.sqrt().backward()
    assert x.grad == math.inf
    y = Value(0.0)
    (y**0.5).backward()
    assert y.grad == math.inf
    z = Value(0.0)
    (z**2).backward()
    assert z.grad == 0.0


@pytest.mark.parametrize("name", NAMES)
def test_under_no_grad_every_op_gives_a_leaf_with_the_same_value(name):
    """No derivative is computed or stored under no_grad, and the forward pass is the same,
    with Values only and (binary ops) a constant on either side."""
    for xs in points(name, count=10):
        calls = [[Value(x) for x in xs]]
        if OPS[name] in ag.ops.BINARY:
            calls += [[Value(xs[0]), xs[1]], [xs[0], Value(xs[1])]]
        for args in calls:
            recorded = PUBLIC[name](*args)
            with ag.no_grad():
                plain = PUBLIC[name](*args)
            assert plain.is_leaf and plain.op == "" and plain.parents == ()
            assert plain.data == recorded.data


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (lambda: Value(1.0) / 0, ZeroDivisionError, "div"),
        (lambda: 1 / Value(0.0), ZeroDivisionError, "div"),
        (lambda: Value(-8.0) ** 0.5, ValueError, "pow"),
        (lambda: 0.0 ** Value(-1.0), (ValueError, ZeroDivisionError), "pow"),
        (lambda: Value(-1.0).log(), ValueError, "log"),
        (lambda: Value(1000.0).exp(), OverflowError, "exp"),
    ],
)
def test_domain_errors_name_the_op_with_or_without_recording(make, error, words):
    with pytest.raises(error, match=words):
        make()
    with ag.no_grad(), pytest.raises(error, match=words):
        make()


# -- the templates: the text code generators read computes what the engine's callables do ---

def _random_args(op, rng):
    if op.nary:
        n = 2 * rng.randint(1, 4) if op.paired else rng.randint(1, 6)
        return [rng.uniform(-3.0, 3.0) for _ in range(n)]
    while True:
        xs = [rng.uniform(-3.0, 3.0) for _ in range(op.arity)]
        if op.valid(*xs):
            return xs


@pytest.mark.parametrize("name", NAMES)
def test_templates_evaluated_with_the_namespace_equal_the_compiled_callables(name):
    op = OPS[name]
    rng = random.Random(name)
    for _ in range(30):
        xs = _random_args(op, rng)
        names = [f"a{i}" for i in range(len(xs))]
        env = dict(ag.ops.NAMESPACE, **dict(zip(names, xs, strict=True)))
        out = op.forward(*xs)
        assert eval(op.forward_expr(names), env) == out
        env["out_"] = out
        exprs = op.partial_exprs(names, "out_")
        bulk = list(eval(op.bulk_expr("args_", "out_"), dict(env, args_=tuple(xs))))
        assert bulk == list(op.partials(xs, out))
        assert len(bulk) == len(xs)
        for i in range(len(xs)):
            assert op.partial(i, xs, out) == pytest.approx(bulk[i], rel=1e-14, abs=0.0)
            if exprs is not None:  # None only for an op that keeps a bulk partial
                assert eval(exprs[i], env) == op.partial(i, xs, out)


@pytest.mark.parametrize("name", NAMES)
def test_the_text_people_see_evaluates_to_the_engines_partial(name):
    # partial_text (what autograd.explain shows) is the row's own template: evaluated, it is
    # the partial the engine stores (logsumexp's bulk softmax agrees to rounding).
    op = OPS[name]
    rng = random.Random(name)
    for _ in range(30):
        xs = _random_args(op, rng)
        names = [f"a{i}" for i in range(len(xs))]
        out = op.forward(*xs)
        env = dict(ag.ops.NAMESPACE, **dict(zip(names, xs, strict=True)), out_=out)
        exprs = op.partial_exprs(names, "out_")
        for i in range(len(xs)):
            text = op.partial_text(i, names, "out_")
            if exprs is not None:
                assert f"({text})" == exprs[i]
            assert eval(text, env) == pytest.approx(op.partial(i, xs, out), rel=1e-14, abs=0.0)


def test_a_custom_op_has_no_partial_text():
    assert ag.custom_op(math.sin, math.cos).op.partial_text(0, ["x"], "out") is None


def test_only_logsumexp_keeps_a_bulk_partial():
    def names(op):
        return ["a", "b"] if op.nary else ["a", "b"][: op.arity]

    assert [op.name for op in OPS.values() if op.partial_exprs(names(op), "o") is None] == [
        "logsumexp"
    ]


def test_templates_read_only_the_namespace():
    # No builtins reach generated code: an expression naming one fails to evaluate.
    with pytest.raises(NameError):
        eval("open", dict(ag.ops.NAMESPACE))


# -- the engine's first-order gradients equal the table's formula, for every mix of argument
# kinds: Value/Value, Value/number, number/Value; n-ary with mixed Values and numbers ---------

def _kinds(n):
    """Every Value/number pattern over n arguments with at least one Value."""
    return [mask for mask in itertools.product([True, False], repeat=n) if any(mask)]


@pytest.mark.parametrize("name", NAMES)
def test_engine_gradients_equal_the_table_for_every_mix_of_argument_kinds(name):
    op = OPS[name]
    rng = random.Random(f"kinds-{name}")
    sizes = [op.arity] if not op.nary else ([2, 4] if op.paired else [1, 3])
    for n in sizes:
        for mask in _kinds(n):
            xs = _random_args(op, rng) if not op.nary else [rng.uniform(-2, 2) for _ in range(n)]
            args = [Value(x) if m else x for x, m in zip(xs, mask, strict=True)]
            for number in (float, int):  # ints take the operators' int path
                if number is int:
                    args = [a if m else round(x) or 1 for a, x, m in zip(args, xs, mask,
                                                                         strict=True)]
                plain = [a.data if isinstance(a, Value) else float(a) for a in args]
                out = PUBLIC[name](*args)
                out.backward()
                expected = op.partials(plain, out.data)
                for i, a in enumerate(args):
                    if isinstance(a, Value):
                        assert a.grad == pytest.approx(expected[i], rel=1e-14, abs=0.0), (
                            name, mask, number, i)
                        a.grad = 0.0
                assert out.arguments == tuple(
                    a if isinstance(a, Value) else float(a) for a in args
                )
