"""One sweep over the op table: every declared op is checked the moment it is declared.

Every test that takes ``name`` runs for every row of the table, reached the way users reach it
(its operator or module-level function, as the row names them). For each op: the forward value
against an independent reference written with ``math``; each local derivative stored by the
engine against its closed form and against central differences of the row's forward; the
differentiable (``create_graph``) derivatives against the float ones; second derivatives
against central differences of the first; the compiled code (``jit``) against the engine, bit
for bit; and the templates' text (what code generators and ``explain`` read) against the
closed forms.

A new op needs one line here: its forward and closed-form derivatives in ``REFERENCES``.
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
from autograd.jit.baked import same

# -- independent references: the forward and d out / d arg_i for each argument, in math -----


def _sig(x):
    return 1.0 / (1.0 + math.exp(-x)) if x > -700 else 0.0


def _dot(*a):
    n = len(a) // 2
    return sum(a[i] * a[n + i] for i in range(n))


def _lse(*a):
    return math.log(sum(math.exp(x) for x in a))


REFERENCES = {
    "neg": (lambda x: -x, lambda x: [-1.0]),
    "abs": (lambda x: x if x >= 0 else -x, lambda x: [1.0 if x > 0 else -1.0]),
    "exp": (math.exp, lambda x: [math.exp(x)]),
    "log": (math.log, lambda x: [1 / x]),
    "sqrt": (math.sqrt, lambda x: [1 / (2 * math.sqrt(x))]),
    "tanh": (lambda x: (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1),
             lambda x: [1 / math.cosh(x) ** 2]),
    "sigmoid": (_sig, lambda x: [math.exp(-x) / (1 + math.exp(-x)) ** 2]),
    "relu": (lambda x: max(x, 0.0), lambda x: [1.0 if x > 0 else 0.0]),
    "softplus": (lambda x: math.log(1.0 + math.exp(x)), lambda x: [1 / (1 + math.exp(-x))]),
    "sin": (math.sin, lambda x: [math.cos(x)]),
    "cos": (math.cos, lambda x: [-math.sin(x)]),
    "add": (lambda x, y: x + y, lambda x, y: [1.0, 1.0]),
    "sub": (lambda x, y: x - y, lambda x, y: [1.0, -1.0]),
    "mul": (lambda x, y: x * y, lambda x, y: [y, x]),
    "div": (lambda x, y: x / y, lambda x, y: [1 / y, -x / y**2]),
    "pow": (lambda x, y: x**y, lambda x, y: [y * x ** (y - 1), x**y * math.log(x)]),
    "leaky_relu": (lambda x, s: x if x > 0 else s * x,
                   lambda x, s: [1.0 if x > 0 else s, 0.0 if x > 0 else x]),
    "sum": (lambda *a: sum(a), lambda *a: [1.0] * len(a)),
    "mean": (lambda *a: sum(a) / len(a), lambda *a: [1.0 / len(a)] * len(a)),
    "dot": (_dot, lambda *a: list(a[len(a) // 2:]) + list(a[: len(a) // 2])),
    "logsumexp": (_lse, lambda *a: [math.exp(x) / sum(math.exp(z) for z in a) for x in a]),
}


def forward(name):
    return REFERENCES[name][0]


def derivatives(name):
    return REFERENCES[name][1]


# -- how a user reaches each op: as its row says ---------------------------------------------

def public(op):
    """The op through its operator or module-level function, on positional arguments (an
    n-ary op's as one list, a paired op's as two)."""
    if op.function is not None:
        function = getattr(ag, op.function)
        if op.paired:
            return lambda *a: function(list(a[: len(a) // 2]), list(a[len(a) // 2:]))
        if op.nary:
            return lambda *a: function(list(a))
        return function
    return getattr(operator, op.method.strip("_"))  # __add__ -> operator.add


PUBLIC = {name: public(op) for name, op in OPS.items()}

NARY_ARITY = {"sum": 4, "mean": 3, "dot": 6, "logsumexp": 5}


def arity(name: str) -> int:
    op = OPS[name]
    if op.nary:
        return NARY_ARITY.get(name, 6 if op.paired else 3)
    return op.arity


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


def test_every_op_has_an_independent_reference():
    missing = sorted(set(OPS) - set(REFERENCES))
    assert not missing, (
        f"write the forward and the closed-form derivatives of {', '.join(missing)} in "
        "REFERENCES (tests/autograd/core/test_ops.py), in math, independently of the table's row"
    )
    assert set(REFERENCES) <= set(OPS), sorted(set(REFERENCES) - set(OPS))


def test_the_table_covers_the_contract():
    # SPEC.md's ops (the table may hold more).
    contract = {
        "add", "sub", "mul", "div", "pow", "neg", "abs", "exp", "log", "sqrt", "tanh",
        "sigmoid", "relu", "leaky_relu", "softplus", "sin", "cos", "sum", "mean", "dot",
        "logsumexp",
    }
    assert contract <= set(OPS), sorted(contract - set(OPS))


@pytest.mark.parametrize("name", NAMES)
def test_every_method_and_function_of_the_row_builds_the_ops_node(name):
    """The row's method (on a Value), its reflected operator (a number on the left) and its
    module-level function (on Values, and on plain numbers) all make the op's node."""
    op = OPS[name]
    for xs in points(name, count=5):
        args = [Value(x) for x in xs]
        expected = forward(name)(*xs)
        calls = []
        if op.method is not None:
            calls.append(getattr(Value, op.method)(*args))
        if op.reflected is not None:
            calls.append(getattr(Value, op.reflected)(args[1], xs[0]))
        if op.function is not None:
            calls.append(PUBLIC[name](*args))
            plain = PUBLIC[name](*xs)
            assert plain.is_leaf and plain.data == pytest.approx(expected, rel=1e-12, abs=1e-12)
        assert calls
        for out in calls:
            assert out.op == name and out.primitive is op
            assert out.data == pytest.approx(expected, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("name", [op.name for op in ag.core.ops.BINARY])
def test_named_methods_and_functions_take_the_rows_argument_names(name):
    """``x.leaky_relu(slope=0.1)`` and ``leaky_relu(x, slope=0.1)``, as the row names its
    arguments (an operator's operand is positional), and the row's defaults."""
    op = OPS[name]
    xs = points(name, count=1)[0]
    expected = forward(name)(*xs)
    param = op.params[1]
    if op.method is not None and not op.method.startswith("__"):
        method = getattr(Value(xs[0]), op.method)
        assert method(**{param: xs[1]}).data == pytest.approx(expected, rel=1e-12)
    if op.function is not None:
        function = getattr(ag, op.function)
        assert function(xs[0], **{param: xs[1]}).data == pytest.approx(expected, rel=1e-12)
    for default_of, value in op.defaults.items():
        assert default_of == param
        assert getattr(ag, op.function)(xs[0]).data == forward(name)(xs[0], value)


@pytest.mark.parametrize("name", NAMES)
def test_forward_matches_reference(name):
    for xs in points(name):
        out = PUBLIC[name](*map(Value, xs))
        assert isinstance(out, Value)
        assert out.op == name
        assert out.data == pytest.approx(forward(name)(*xs), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_stored_local_derivatives_match_closed_form(name):
    for xs in points(name):
        args = [Value(x) for x in xs]
        out = PUBLIC[name](*args)
        assert out.parents == tuple(args)
        expected = derivatives(name)(*xs)
        assert list(out.local_grads) == pytest.approx(expected, rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_local_derivatives_match_central_differences(name):
    h = 1e-6
    f = forward(name)
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
    d = derivatives(name)
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


@pytest.mark.parametrize("name", [op.name for op in ag.core.ops.BINARY])
@pytest.mark.parametrize("side", [0, 1])
def test_binary_ops_with_a_constant_on_either_side(name, side):
    for xs in points(name, count=10):
        args = [Value(x) for x in xs]
        args[1 - side] = xs[1 - side]  # a plain float on the other side
        out = PUBLIC[name](*args)
        assert out.data == pytest.approx(forward(name)(*xs), rel=1e-12, abs=1e-12)
        assert out.parents == (args[side],)
        assert out.local_grads[0] == pytest.approx(derivatives(name)(*xs)[side], rel=1e-10)
        # The differentiable path sees the constant too.
        assert ag.grad(lambda v, s=side, a=args: PUBLIC[name](
            *[v if k == s else a[k] for k in range(2)]))(args[side]).data == pytest.approx(
            derivatives(name)(*xs)[side], rel=1e-10)


@pytest.mark.parametrize("name", [op.name for op in ag.core.ops.NARY])
def test_nary_ops_are_one_node_with_constants_mixed_in(name):
    for xs in points(name, count=10):
        args: list = [Value(x) if k % 2 == 0 else x for k, x in enumerate(xs)]
        out = PUBLIC[name](*args)
        assert out.op == name
        assert out.data == pytest.approx(forward(name)(*xs), rel=1e-12, abs=1e-12)
        values = [a for a in args if isinstance(a, Value)]
        assert out.parents == tuple(values)
        expected = [d for d, a in zip(derivatives(name)(*xs), args, strict=True) if isinstance(a, Value)]
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
        if OPS[name] in ag.core.ops.BINARY:
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


# -- the templates: the text code generators and explain read is the closed form ----------

def _random_args(op, rng):
    if op.nary:
        n = 2 * rng.randint(1, 4) if op.paired else rng.randint(1, 6)
        return [rng.uniform(-3.0, 3.0) for _ in range(n)]
    while True:
        xs = [rng.uniform(-3.0, 3.0) for _ in range(op.arity)]
        if op.valid(*xs):
            return xs


@pytest.mark.parametrize("name", NAMES)
def test_every_text_of_the_row_evaluates_to_the_closed_forms(name):
    """What the fast paths, jit's code and explain are made of, evaluated as text with the
    template namespace: ``forward_expr`` gives the reference forward; ``partial_exprs``,
    ``bulk_expr`` (all partials at once) and ``partial_text`` (one, for people) give the
    closed-form derivatives."""
    op = OPS[name]
    rng = random.Random(name)
    for _ in range(30):
        xs = _random_args(op, rng)
        names = [f"a{i}" for i in range(len(xs))]
        env = dict(ag.core.ops.NAMESPACE, **dict(zip(names, xs, strict=True)))
        out = eval(op.forward_expr(names), env)
        assert out == pytest.approx(forward(name)(*xs), rel=1e-12, abs=1e-12)
        env["out_"] = out
        expected = derivatives(name)(*xs)
        bulk = list(eval(op.bulk_expr("args_", "out_"), dict(env, args_=tuple(xs))))
        assert bulk == pytest.approx(expected, rel=1e-10, abs=1e-12)
        exprs = op.partial_exprs(names, "out_")
        for i in range(len(xs)):
            text = op.partial_text(i, names, "out_")
            assert eval(text, env) == pytest.approx(expected[i], rel=1e-10, abs=1e-12), text
            if exprs is not None:  # None only for an op that keeps a bulk partial
                assert eval(exprs[i], env) == pytest.approx(expected[i], rel=1e-10, abs=1e-12)


def test_a_bulk_partial_is_exact_where_the_per_argument_template_rounds():
    # logsumexp of two equal inputs near 1e17: out = x + log 2 rounds to x (the float spacing
    # there is 16), so the per-argument template exp(x - out) gives 1.0; the softmax is 0.5.
    lse = OPS["logsumexp"]
    assert lse.bulk and not OPS["sum"].bulk and not ag.custom_op(math.sin, math.cos).op.bulk
    xs = [1e17, 1e17]
    out = lse.forward(*xs)
    assert out == 1e17
    env = dict(ag.core.ops.NAMESPACE, a=1e17, b=1e17, o=out)
    assert eval(lse.partial_text(0, ["a", "b"], "o"), env) == 1.0
    assert list(lse.partials(xs, out)) == [0.5, 0.5] == derivatives("logsumexp")(0.0, 0.0)
    a, b = Value(1e17), Value(1e17)
    ag.logsumexp([a, b]).backward()
    assert (a.grad, b.grad) == (0.5, 0.5)


def test_templates_read_only_the_namespace():
    # No builtins reach generated code: an expression naming one fails to evaluate.
    with pytest.raises(NameError):
        eval("open", dict(ag.core.ops.NAMESPACE))


def test_a_row_reading_an_unknown_name_fails_when_declared_naming_the_row():
    with pytest.raises(NameError, match=r"op 'atan': its forward template reads math_atn, "):
        ag.Op.row("atan", ("x",), "math_atn({x})", ("recip(1.0 + {x} * {x})",))
    with pytest.raises(NameError, match=r"op 'atan': its partial 0 template reads open"):
        ag.Op.row("atan", ("x",), "math_atan({x})", ("open({x})",))
    with pytest.raises(ValueError, match=r"op 'twice': the template '\{x\} \+ \{y\}'"):
        ag.Op.row("twice", ("x",), "{x} + {y}", ("2.0",))
    # every math function is a name the templates may read, as math_<name>
    atan = ag.Op.row("atan", ("x",), "math_atan({x})", ("recip(1.0 + {x} * {x})",))
    assert atan.forward(1.0) == math.atan(1.0) and atan.partial(0, [1.0], None) == 0.5


@pytest.mark.parametrize("name", NAMES)
def test_compiled_code_equals_the_engine_bit_for_bit(name):
    f = PUBLIC[name]
    argnums = tuple(range(arity(name)))
    g = ag.jit(f)
    vg = ag.jit(ag.value_and_grad(f, argnums=argnums))
    for xs in points(name, count=5):
        assert same(g(*xs), f(*map(Value, xs)).data), (name, xs)
        value, grads = vg(*xs)
        expected_value, expected_grads = ag.value_and_grad(f, argnums=argnums)(*xs)
        assert same(value, expected_value), (name, xs)
        assert all(map(same, grads, expected_grads)), (name, xs, grads, expected_grads)


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
