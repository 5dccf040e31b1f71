"""The Value node: construction, attributes, comparisons, identity, errors, stability."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

import autograd as ag
from autograd import Value


@pytest.mark.parametrize(
    "bad, name",
    [("1.0", "str"), (None, "NoneType"), (1j, "complex"), (True, "bool"), ([1.0], "list")],
)
def test_non_real_data_raises_type_error_naming_the_type(bad, name):
    with pytest.raises(TypeError, match=name):
        Value(bad)


@pytest.mark.parametrize("good", [1, 2.5, Fraction(3, 4), -0.0])
def test_real_data_is_stored_as_float(good):
    v = Value(good)
    assert type(v.data) is float and v.data == float(good)


def test_attributes_of_a_leaf():
    v = Value(2.0, label="w")
    assert (v.data, v.grad, v.label, v.op, v.parents) == (2.0, 0.0, "w", "", ())
    assert v.is_leaf


def test_label_must_be_str():
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)


def test_parents_in_argument_order():
    a, b = Value(1.0), Value(2.0)
    assert (b - a).parents == (b, a)
    assert (a * a).parents == (a, a)
    assert (b / a).op == "div"


def test_float_and_comparisons_use_data():
    a, b = Value(1.0), Value(2.0)
    assert float(a) == 1.0 and int(Value(2.7)) == 2
    assert a < b and a <= b and b > a and b >= a
    assert a < 1.5 and not a > 1.5 and a <= 1.0 and a >= 1.0
    assert 0.5 < a  # reflected comparison
    assert isinstance(a < b, bool)


def test_equality_and_hash_are_by_identity():
    a, b = Value(1.0), Value(1.0)
    same = a
    assert a != b and a == same
    assert len({a, b}) == 2
    d = {a: "a", b: "b"}
    assert d[a] == "a" and d[b] == "b"


def test_truthiness_follows_data():
    assert Value(1.0) and not Value(0.0)


def test_repr_shows_data_grad_label_op():
    x = Value(2.0, label="x")
    y = x * x
    y.backward()
    assert repr(x) == "Value(data=2.0, grad=4.0, label='x')"
    assert repr(y) == "Value(data=4.0, grad=1.0, op='mul')"


def test_unsupported_operands_raise_type_error():
    x = Value(1.0)
    for bad in ("a", None, [1.0], 1j):
        with pytest.raises(TypeError):
            x + bad
        with pytest.raises(TypeError):
            bad * x
    with pytest.raises(TypeError, match="bool"):
        x + True
    with pytest.raises(TypeError, match="str"):
        ag.exp("1")


def test_a_method_with_a_bad_argument_raises_rather_than_returning_not_implemented():
    # NotImplemented is an operator's answer (Python then tries the other operand); a plain
    # method returning it would hand the caller a non-Value as if it were a result.
    for bad, name in (("a", "str"), (None, "NoneType"), (True, "bool"), (1j, "complex")):
        with pytest.raises(TypeError, match=f"leaky_relu.*{name}"):
            Value(-1.0).leaky_relu(bad)


@pytest.mark.parametrize(
    "make, exc, words",
    [
        (lambda: ag.log(-1.0), ValueError, ["log", "-1.0"]),
        (lambda: ag.log(Value(0.0)), ValueError, ["log", "0.0"]),
        (lambda: Value(-4.0).sqrt(), ValueError, ["sqrt", "-4.0"]),
        (lambda: Value(1.0) / 0, ZeroDivisionError, ["div", "1.0", "0.0"]),
        (lambda: 1.0 / Value(0.0), ZeroDivisionError, ["div"]),
        (lambda: Value(1000.0).exp(), OverflowError, ["exp", "1000.0"]),
        (lambda: Value(-8.0) ** (1 / 3), ValueError, ["pow", "-8.0"]),
        (lambda: Value(10.0) ** 1000, OverflowError, ["pow"]),
        (lambda: ag.mean([]), ValueError, ["mean", "empty"]),
        (lambda: ag.logsumexp([]), ValueError, ["logsumexp", "empty"]),
        (lambda: ag.dot([1.0, 2.0], [1.0]), ValueError, ["dot", "2", "1"]),
    ],
)
def test_domain_errors_follow_math_and_name_op_and_input(make, exc, words):
    with pytest.raises(exc) as info:
        make()
    for word in words:
        assert word in str(info.value)


def test_domain_error_types_match_math():
    for fn, arg in ((math.log, -1.0), (math.sqrt, -1.0), (math.exp, 1000.0)):
        with pytest.raises(Exception) as expected:
            fn(arg)
        with pytest.raises(type(expected.value)):
            getattr(ag, fn.__name__)(arg)


@pytest.mark.parametrize("x", [-1000.0, -745.0, -50.0, 0.0, 50.0, 745.0, 1000.0, 1e300, -1e300])
def test_sigmoid_and_softplus_are_stable(x):
    s = Value(x).sigmoid()
    assert 0.0 <= s.data <= 1.0
    p = Value(x).softplus()
    assert math.isfinite(p.data) and p.data >= 0.0
    if x > 40:
        assert p.data == pytest.approx(x) and s.data == 1.0
    if x < -800:
        assert s.data == 0.0 and p.data == 0.0
    v = Value(x)
    v.softplus().backward()
    assert v.grad == pytest.approx(s.data)


def test_logsumexp_and_softmax_are_stable_for_extreme_logits():
    xs = [Value(1000.0), Value(-1000.0), Value(999.0)]
    lse = ag.logsumexp(xs)
    assert lse.data == pytest.approx(1000.0 + math.log(1 + math.exp(-1.0)))
    probs = ag.softmax(xs)
    assert sum(p.data for p in probs) == pytest.approx(1.0)
    assert probs[1].data == 0.0
    lse.backward()
    assert [x.grad for x in xs] == pytest.approx([p.data for p in probs])


@pytest.mark.parametrize("big", [1e17, -1e17, 1e300])
def test_logsumexp_gradient_and_softmax_at_huge_magnitudes(big):
    # log(2) is far below the float spacing at 1e17: the derivative must not be exp(x - out).
    xs = [Value(big), Value(big)]
    out = ag.logsumexp(xs)
    out.backward()
    assert [x.grad for x in xs] == [0.5, 0.5]
    assert [p.data for p in ag.softmax([Value(big), Value(big)])] == [0.5, 0.5]
    with pytest.raises(ValueError, match="softmax"):
        ag.softmax([])


def test_softmax_gradient_matches_closed_form():
    xs = [Value(v) for v in (0.5, -1.0, 2.0)]
    probs = ag.softmax(xs)
    probs[0].backward()
    p = [q.data for q in probs]
    expected = [p[0] * ((1.0 if j == 0 else 0.0) - p[j]) for j in range(3)]
    assert [x.grad for x in xs] == pytest.approx(expected, abs=1e-15)


def test_detach_makes_a_leaf_with_the_same_data():
    x = Value(2.0, label="x")
    y = (x * x).detach()
    assert y.is_leaf and y.data == 4.0
    z = y * x
    z.backward()
    assert x.grad == 4.0


def test_nary_ops_accept_iterables_and_reject_non_sequences():
    xs = [Value(1.0), Value(2.0)]
    assert ag.sum(x for x in xs).data == 3.0
    assert ag.sum([]).data == 0.0
    with pytest.raises(TypeError, match="sequence"):
        ag.sum(Value(1.0))
    with pytest.raises(TypeError, match="str"):
        ag.sum([Value(1.0), "2"])


def _cube(x):
    return x**3


def _cube_derivative(x):
    return 3 * x**2


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_a_graph_survives_deepcopy_and_pickle(how):
    """Copies of a graph (one-, two- and many-parent nodes, constants, a custom op) are graphs
    of their own: backward on the copy gives the original's gradients and touches nothing of
    the original; built-in ops come back as the table's own records."""
    import copy
    import pickle

    import autograd as ag

    cube = ag.custom_op(_cube, _cube_derivative, name="cube")
    a, b, c = Value(1.0, label="a"), Value(2.0), Value(3.0)
    y = ag.dot([a, b, c], [c, b, a]).tanh() * 2.0 + (3 - a) ** 2 + cube(b) + ag.sum([a, 1.0, c])
    twin = copy.deepcopy(y) if how == "deepcopy" else pickle.loads(pickle.dumps(y))
    twin.backward()
    assert all(v.grad == 0.0 for v in (a, b, c, y))
    y.backward()
    copies = {n.label or n.data: n for n in ag.topological_order(twin) if n.is_leaf}
    assert copies["a"].grad == a.grad and copies[2.0].grad == b.grad
    assert copies[3.0].grad == c.grad
    assert twin.data == y.data and twin.op == y.op == "add"
    assert twin.primitive is y.primitive is ag.OPS["add"]  # the built-in record itself
    assert ag.hessian(lambda u: (u * copies["a"]).tanh())(0.5) == ag.hessian(
        lambda u: (u * a).tanh()
    )(0.5)


# -- issue 11: relu(nan), the overflow rule per op, messages, is_leaf --------------------------

def test_relu_keeps_nan_as_leaky_relu_and_abs_do():
    nan = float("nan")
    for out in (Value(nan).relu(), ag.relu(nan), Value(nan).leaky_relu(), abs(Value(nan))):
        assert math.isnan(out.data)
    assert Value(-0.0).relu().data == 0.0 and Value(-2.0).relu().data == 0.0


INF = float("inf")
# (op, arguments, what the op must do): Python's float operator / math function decides.
OVERFLOW_RULE = [
    (lambda a, b: a + b, (1e308, 1e308), INF),
    (lambda a, b: a - b, (INF, INF), "nan"),
    (lambda a, b: a * b, (1e308, 1e308), INF),
    (lambda a, b: a * b, (INF, 0.0), "nan"),
    (lambda a, b: a / b, (1e308, 1e-308), INF),
    (lambda a, b: a / b, (1.0, 0.0), ZeroDivisionError),
    (lambda a, b: a ** b, (1e308, 2.0), OverflowError),
    (lambda a, b: a.leaky_relu(b), (-1e308, 1e10), -INF),
    (lambda a: -a, (INF,), -INF),
    (lambda a: abs(a), (-INF,), INF),
    (lambda a: a.exp(), (1000.0,), OverflowError),
    (lambda a: a.log(), (0.0,), ValueError),
    (lambda a: a.sqrt(), (-1.0,), ValueError),
    (lambda a: a.tanh(), (INF,), 1.0),
    (lambda a: a.sigmoid(), (-INF,), 0.0),
    (lambda a: a.relu(), (INF,), INF),
    (lambda a: a.softplus(), (1e308,), 1e308),
    (lambda a: a.sin(), (INF,), ValueError),
    (lambda a: a.cos(), (INF,), ValueError),
]


@pytest.mark.parametrize("fn, args, expected", OVERFLOW_RULE)
def test_the_overflow_rule_per_op(fn, args, expected):
    values = [Value(a) for a in args]
    if isinstance(expected, type):
        with pytest.raises(expected):
            fn(*values)
        return
    out = fn(*values).data
    if expected == "nan":
        assert math.isnan(out)
    else:
        assert out == expected


def test_the_overflow_rule_is_stated_in_the_table_and_the_op_table_page():
    from pathlib import Path

    assert "**The overflow rule**" in ag.core.ops.__doc__
    page = Path(__file__).parents[3].joinpath("docs", "reference", "ops.md").read_text()
    assert "overflow rule" in page


def test_messages_of_issue_11():
    with pytest.raises(TypeError, match=r"got a Value \(use \.data or \.detach\(\)\)"):
        Value(Value(1.0))
    with pytest.raises(OverflowError, match=r"add: the number 1000.*too large to convert"):
        Value(1.0) + 10**400
    with pytest.raises(ValueError, match=r"sin\(inf\): input outside the domain \(finite x\)"):
        Value(INF).sin()
    x = Value(0.0)
    with ag.detect_anomaly(), pytest.raises(FloatingPointError, match="produced an infinite"):
        x.sqrt().backward()


def test_is_leaf_is_a_property():
    x = Value(1.0)
    y = x * 2.0
    assert x.is_leaf is True and y.is_leaf is False
    assert not y.is_leaf  # "if v.is_leaf:" now means what it says
    assert y.item() == 2.0 and type(y.item()) is float


def test_an_int_past_reprs_digit_limit_is_named_too_large_not_a_repr_error():
    # repr refuses ints of over 4,300 digits (sys.get_int_max_str_digits): the message that
    # quotes the number raised ValueError("Exceeds the limit ...") instead of OverflowError.
    huge = 10**5000
    with pytest.raises(OverflowError, match=r"Value.*about 5000 digits.*too large"):
        Value(huge)
    with pytest.raises(OverflowError, match=r"add.*about 5000 digits.*too large"):
        Value(1.0) + huge
    with pytest.raises(OverflowError, match=r"jvp.*about 5000 digits.*too large"):
        ag.jvp(lambda x: x * x, (huge,), (1.0,))


# -- the layout: stated once (autograd.core.layout), every builder fills every slot -------------

def test_values_slots_are_the_layouts_with_a_type_each():
    from autograd.core.layout import SLOTS

    assert Value.__slots__ == SLOTS
    assert tuple(Value.__annotations__) == SLOTS  # the types, for type checkers


def test_every_way_of_making_a_node_fills_every_slot():
    from autograd.core.layout import SLOTS

    square = ag.custom_op(lambda t: t * t, lambda t: 2 * t, name="square")
    x, y = Value(1.5), Value(-2.0)
    made = [x, x + y, 2.0 - x, x.exp(), ag.exp(1.0), ag.dot([x, y, x], [y, 1.0, 2.0]),
            ag.sum([x, 2.0, y]), square(x), x.leaky_relu(y), ag.matvec([[x, y]], [1.0, y])[0]]
    with ag.no_grad():
        made.append(x * y)
    with ag.detect_anomaly():
        made.append(x * y)
    for node in made:
        for slot in SLOTS:
            getattr(node, slot)  # an unset slot would raise AttributeError
