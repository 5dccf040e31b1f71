"""``custom_op`` (autograd/core/custom.py): a user's op, and every part of the package it meets.

A custom op is a row of the op table made from plain functions, so it goes wherever a
built-in op goes: the engine's first and higher orders, forward mode, errors, pickling, jit's
compiled code, ``explain`` and drawings. Its tests are here, one section per place it goes;
expected values are closed forms (the derivatives of x**3, sin, hypot) written by hand.
"""

from __future__ import annotations

import copy
import math
import pickle
import re

import pytest

import autograd
import autograd as ag
from autograd import Value, custom_op, explain, grad, hvp, jit, jvp
from autograd.explain import local_formula
from autograd.viz import draw_dot
from tests.autograd.viz.helpers import statements


def close(a, b, rel=1e-12, abs_=1e-300):
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_) or (math.isnan(a) and math.isnan(b))


# ---------------------------------------------------------------------------------------------
# Declaring one, first and higher orders, and its errors.
# ---------------------------------------------------------------------------------------------

def test_custom_op_first_order():
    cube = custom_op(lambda x: x**3, lambda x: 3 * x**2, name="cube")
    x = Value(2.0)
    y = cube(x)
    assert y.op == "cube" and y.data == 8.0
    y.backward()
    assert x.grad == 12.0

def test_custom_op_two_arguments_and_constants():
    hyp = custom_op(math.hypot, lambda x, y: x / math.hypot(x, y), lambda x, y: y / math.hypot(x, y))
    x = Value(3.0)
    z = hyp(x, 4.0)
    assert z.data == 5.0 and z.parents == (x,)
    z.backward()
    assert x.grad == pytest.approx(0.6)

def test_custom_op_higher_order_with_autograd_derivatives():
    my_sin = custom_op(math.sin, lambda x: ag.cos(x), name="my_sin")
    assert ag.grad(ag.grad(my_sin))(0.4) == pytest.approx(-math.sin(0.4))
    assert ag.grad(ag.grad(ag.grad(my_sin)))(0.4) == pytest.approx(-math.cos(0.4))

def test_custom_op_with_float_derivative_is_first_order_only():
    flat_sin = custom_op(math.sin, lambda x: math.cos(x))
    assert ag.grad(flat_sin)(0.4) == pytest.approx(math.cos(0.4))
    assert ag.grad(ag.grad(flat_sin))(0.4) == 0.0  # gradgradcheck exists to catch this

def test_custom_op_argument_errors():
    with pytest.raises(TypeError, match="callable"):
        custom_op(3.0, lambda x: 1.0)
    with pytest.raises(TypeError, match="derivative"):
        custom_op(math.sin)
    with pytest.raises(TypeError, match="derivative 0"):
        custom_op(math.sin, "cos")
    with pytest.raises(TypeError, match="name"):
        custom_op(math.sin, math.cos, name="")
    op = custom_op(math.sin, math.cos)
    with pytest.raises(TypeError, match="1 argument"):
        op(1.0, 2.0)
    # atan2 takes two arguments; declared with one derivative, the op takes one, and the error
    # says where that count comes from rather than contradicting atan2's own signature.
    short = custom_op(math.atan2, lambda y, x: x / (x * x + y * y), name="atan2")
    with pytest.raises(TypeError, match=r"atan2 takes 1 argument\(s\), one per derivative"):
        short(1.0, 2.0)

def test_custom_op_domain_error_names_it():
    my_log = custom_op(math.log, lambda x: 1 / x, name="my_log")
    with pytest.raises(ValueError, match="my_log"):
        my_log(-1.0)

def test_custom_op_derivative_error_names_the_op_and_point():
    # sqrt is defined at 0, its derivative written as 0.5 / sqrt(x) is not: the forward pass
    # (which stores the local derivatives) must say which op's derivative failed, and where.
    my_sqrt = custom_op(math.sqrt, lambda x: 0.5 / math.sqrt(x), name="my_sqrt")
    with pytest.raises(ZeroDivisionError, match=r"derivatives of my_sqrt\(0\.0\)"):
        my_sqrt(Value(0.0))


def test_a_custom_derivative_that_raises_under_create_graph_raises():
    def broken(x):
        raise ValueError("no second derivative here")

    sq = ag.custom_op(lambda x: x * x, lambda x: 2.0 * x if type(x) is float else broken(x),
                      name="sq")
    assert ag.grad(sq)(3.0) == 6.0
    with pytest.raises(ValueError, match="no second derivative here"):
        ag.grad(ag.grad(sq))(3.0)

def test_custom_op_keeps_and_chains_the_users_own_error():
    def picky(x):
        if x < 0:
            raise ValueError("picky wants x >= 0")
        return x

    op = ag.custom_op(picky, lambda x: 1.0, name="picky")
    with pytest.raises(ValueError, match=r"picky\(-1.0\): picky wants x >= 0") as info:
        op(Value(-1.0))
    assert isinstance(info.value.__cause__, ValueError)


def test_a_custom_op_has_no_partial_text():
    assert ag.custom_op(math.sin, math.cos).op.partial_text(0, ["x"], "out") is None


# ---------------------------------------------------------------------------------------------
# Forward mode.
# ---------------------------------------------------------------------------------------------

def test_custom_ops_first_order_with_any_derivative_higher_orders_with_autograd_ones():
    float_sin = ag.custom_op(math.sin, math.cos, name="float_sin")  # derivative on floats only
    value_sin = ag.custom_op(math.sin, lambda x: ag.cos(x), name="value_sin")
    expected = (math.sin(0.4), 2.0 * math.cos(0.4))
    assert jvp(float_sin, (0.4,), (2.0,)) == expected
    assert jvp(value_sin, (0.4,), (2.0,)) == expected
    assert hvp(value_sin, (0.4,), (2.0,)) == [-2.0 * math.sin(0.4)]


# ---------------------------------------------------------------------------------------------
# Pickling and copying: a custom op travels by reference (its functions importable).
# ---------------------------------------------------------------------------------------------

DEEP = 10_000


def _chain(n, x=None):
    """y = x + x + ... (n additions, one node each): dy/dx = n + 1 exactly."""
    x = Value(1.5, label="x") if x is None else x
    y = x
    for _ in range(n):
        y = y + x
    return x, y


def _pickled(obj, protocol=pickle.HIGHEST_PROTOCOL):
    return pickle.loads(pickle.dumps(obj, protocol=protocol))


COPIES = {"pickle": _pickled, "deepcopy": copy.deepcopy}


def _cube(x):
    return x ** 3

def _cube_derivative(x):
    return 3 * x ** 2

CUBE = ag.custom_op(_cube, _cube_derivative, name="cube")

@pytest.mark.parametrize("how", COPIES)
def test_custom_ops_travel_by_reference_and_stay_one_record(how):
    x, y = _chain(DEEP)
    top = CUBE(y) + CUBE(x)
    twin = COPIES[how](top)
    ops = {n.primitive for n in ag.topological_order(twin) if n.op == "cube"}
    assert len(ops) == 1  # both nodes share one record
    twin.backward()
    top.backward()
    expected = 3 * (1.5 * 10_001) ** 2 * 10_001 + 3 * 1.5**2  # d/dx (cube(y) + cube(x))
    assert ag.topological_order(twin)[0].grad == x.grad
    assert math.isclose(x.grad, expected, rel_tol=1e-12)

def test_a_lambda_custom_op_cannot_be_pickled_and_nothing_is_left_behind():
    square = ag.custom_op(lambda t: t * t, lambda t: 2 * t, name="square")
    _, y = _chain(DEEP)
    top = square(y)
    with pytest.raises((pickle.PicklingError, AttributeError), match="lambda"):
        pickle.dumps(top)
    assert top.op == "square" and top.parents == (y,)  # the graph is as it was
    twin = _pickled(y)  # the failed dump left no record behind: still iterative
    twin.backward()
    assert ag.topological_order(twin)[0].grad == 10_001


# ---------------------------------------------------------------------------------------------
# jit: custom ops in compiled code, their names kept out of it.
# ---------------------------------------------------------------------------------------------

def test_custom_ops_run_in_compiled_code():
    cube = custom_op(lambda x: x ** 3, lambda x: 3 * x ** 2, name="cube")
    my_sin = custom_op(math.sin, lambda x: autograd.cos(x), name="my_sin")
    w = Value(0.7)

    def f(x):
        return cube(x) * my_sin(w * x)

    x = 1.3
    ref_w = Value(0.7)
    out = cube(Value(x)) * my_sin(ref_w * x)
    out.backward()
    g = jit(f)
    assert close(g.backward(x), out.data)
    assert close(w.grad, ref_w.grad)
    dg = jit(grad(f))
    assert close(dg(x), 3 * x ** 2 * math.sin(0.7 * x) + x ** 3 * math.cos(0.7 * x) * 0.7)
    assert "cube" not in g.source and "my_sin" not in g.source  # user text stays out

HOSTILE = [
    "x\nimport os", "__import__('os')", "#", "'", '"""', "\\", "ü", "λ", "A", "D", "fsum",
    "inf", "nan", "t1", "g_w", "w", "lambda", "print", "_GUARD", "exp", "x" * 80, "1x",
    "a b", "é", "ｘ", "__builtins__", "",
]

_ALLOWED_LINE = re.compile(r"[A-Za-z0-9_ ,.()\[\]=+\-*/<>!:#]*\Z")

def test_hostile_labels_and_custom_op_names_cannot_change_the_generated_code():
    evil = custom_op(lambda x: 2.0 * x, lambda x: 2.0, name="x)\nimport os\n#")
    params = [Value(0.1 * (k + 1), label=label) for k, label in enumerate(HOSTILE)]

    def f(xs):
        terms = []
        for p, x in zip(params, xs, strict=True):
            t = evil(p * x)
            t.label = "y\n__import__('os').system('echo pwned')"
            terms.append(t)
        return autograd.sum(terms)

    xs = [float(k) for k in range(len(HOSTILE))]
    g = jit(f)
    reference = [Value(p.data) for p in params]
    expected = autograd.sum([evil(r * x) for r, x in zip(reference, xs, strict=True)])
    expected.backward()
    assert close(g.backward(xs), expected.data)
    assert all(close(p.grad, r.grad) for p, r in zip(params, reference, strict=True))
    source = g.source
    for line in source.splitlines():
        assert _ALLOWED_LINE.match(line), line
    assert "import" not in source and "os" not in source.replace("pos", "")
    assert "echo" not in source and "'" not in source and '"' not in source
    compile(source, "<check>", "exec")
    # Safe labels are used, and made unique.
    assert re.search(r"\bw\b", source) and re.search(r"\bg_w\b", source)


# ---------------------------------------------------------------------------------------------
# explain and drawings.
# ---------------------------------------------------------------------------------------------

def test_a_custom_ops_derivative_is_the_users_function():
    my_sin = custom_op(math.sin, lambda x: autograd.cos(x), name="my_sin")
    x = Value(0.5, label="x")
    y = my_sin(x * 2.0)
    y.label = "y"
    assert local_formula(y, 0) == "derivative 0 of my_sin (a user function) at (x * 2.0)"
    e = explain(y, x)
    (step,) = [s for s in e.steps if s.node is x]
    assert step.total == 2.0 * math.cos(1.0)
    assert "my_sin (a user function)" in str(e)
    y.backward()
    assert step.total == x.grad


def test_custom_op_names_are_escaped_too() -> None:
    evil = autograd.custom_op(lambda x: 2 * x, lambda x: 2.0, name='tw"o}|<b>')
    out = evil(Value(1.0, label="x"))
    nodes, edges = statements(draw_dot(out).source)
    assert len(nodes) == 3 and len(edges) == 2
