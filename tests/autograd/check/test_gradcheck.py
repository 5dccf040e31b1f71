"""gradcheck and gradgradcheck: what they accept, what they catch, and what they report."""

import math
import subprocess
import sys

import pytest

import autograd
from autograd import (
    GradcheckError,
    Value,
    cos,
    custom_op,
    grad,
    gradcheck,
    gradgradcheck,
    sin,
)
from autograd.core import backprop

# A sine whose derivative is 1% too large, and one whose derivative is right in value but
# computed with math.cos, so that it is a float constant to any higher-order pass.
off_by_one_percent = custom_op(math.sin, lambda x: 1.01 * cos(x), name="off_sin")
flat_sin = custom_op(math.sin, lambda x: math.cos(x), name="flat_sin")
good_sin = custom_op(math.sin, lambda x: cos(x), name="good_sin")


def table_rows(message: str) -> list[list[str]]:
    """The data rows of the table in a GradcheckError message, split into cells."""
    lines = message.splitlines()
    rule = next(i for i, line in enumerate(lines) if set(line.strip()) <= {"-", " "} and line)
    return [line.split() for line in lines[rule + 1:] if line.strip()]


# --- what passes -------------------------------------------------------------------------------

def test_correct_functions_pass_and_return_true():
    assert gradcheck(lambda x, y: x * y + x.sin() / y, [0.7, -1.3]) is True
    assert gradcheck(lambda x: x.exp().log(), [2.0]) is True
    assert gradcheck(lambda x, y, z: [x * y, y.tanh() * z, x ** 2.0], [0.5, 1.5, -2.0]) is True
    assert gradcheck(good_sin, [0.3]) is True


def test_inputs_may_be_ints_fractions_or_values_and_are_left_alone():
    from fractions import Fraction

    v = Value(0.25)
    assert gradcheck(lambda a, b, c: a * b * c, [2, Fraction(1, 3), v])
    assert v.data == 0.25 and v.grad == 0.0  # gradcheck works on its own fresh leaves


def test_functions_that_differentiate_internally_are_checked():
    # f(x) = d/dt t**3 at x = 3x**2, built by the engine itself; f'(x) = 6x.
    assert gradcheck(lambda x: grad(lambda t: t**3)(x), [1.5])
    assert gradgradcheck(lambda x: grad(lambda t: t**3)(x), [1.5])  # f''(x) = 6


def test_constant_outputs_and_unused_inputs_have_zero_derivatives():
    assert gradcheck(lambda x, y: 3.0, [1.0, 2.0])
    assert gradcheck(lambda x, y: [x * 2.0, 5], [1.0, 2.0])
    assert gradcheck(lambda x, y: x.sin(), [1.0, 2.0])


def test_the_checker_returns_true_for_gradgradcheck_on_correct_functions():
    assert gradgradcheck(lambda x, y: x.sin() * y ** 3.0 + (x * y).exp(), [0.3, -0.8]) is True
    assert gradgradcheck(good_sin, [0.9]) is True
    assert gradgradcheck(lambda x: x * 2.0, [1.0])  # a gradient that is a constant


# --- what fails, and the report ----------------------------------------------------------------

def test_a_derivative_off_by_one_percent_is_caught_and_the_entry_named():
    x, y = 2.0, 0.5
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: a * off_by_one_percent(b), [x, y])
    message = str(info.value)
    assert "1 of 2 Jacobian entries" in message
    rows = table_rows(message)
    assert len(rows) == 1
    output, name, value, analytic, numeric, abs_err, rel_err = rows[0]
    assert (output, name) == ("out", "x[1]")
    assert float(value) == y
    # d/db of a * sin(b) is a * cos(b); the custom op claims 1% more.
    assert float(analytic) == pytest.approx(1.01 * x * math.cos(y), rel=1e-9)
    assert float(numeric) == pytest.approx(x * math.cos(y), rel=1e-6)
    assert float(rel_err) == pytest.approx(0.01, rel=1e-2)
    assert float(abs_err) == pytest.approx(0.01 * x * math.cos(y), rel=1e-2)


def test_every_mismatching_entry_of_a_vector_function_is_listed():
    def f(a, b):
        return [a * off_by_one_percent(b), off_by_one_percent(a) + b, a * b]

    with pytest.raises(GradcheckError) as info:
        gradcheck(f, [2.0, 0.5])
    message = str(info.value)
    assert "2 of 6 Jacobian entries" in message
    assert [row[:2] for row in table_rows(message)] == [["out[0]", "x[1]"], ["out[1]", "x[0]"]]


def test_the_table_is_aligned():
    def f(a, b, c):
        return [off_by_one_percent(a * 1000.0), off_by_one_percent(b) * c, c]

    with pytest.raises(GradcheckError) as info:
        gradcheck(f, [0.001, -0.25, 123.456])
    lines = str(info.value).splitlines()
    header = next(i for i, line in enumerate(lines) if "input value" in line)
    rule, rows = lines[header + 1], lines[header + 2:]
    assert len(rows) == 2
    # Column spans from the rule of dashes under the header.
    spans, start = [], None
    for i, ch in enumerate(rule + " "):
        if ch == "-" and start is None:
            start = i
        elif ch != "-" and start is not None:
            spans.append((start, i))
            start = None
    assert len(spans) == 7
    for line in [lines[header], *rows]:
        assert len(line) == len(rule)
        for column, (start, end) in enumerate(spans):
            cell = line[start:end]
            assert line[start - 1] == " " and (end == len(line) or line[end] == " ")
            if column < 2:  # names: left-aligned
                assert cell[0] != " "
            else:  # numbers: right-aligned
                assert cell[-1] != " "


def test_tolerances_decide():
    # The custom op is exactly 1% off, so rel err is 0.01 (up to the finite-difference error).
    f = off_by_one_percent
    assert gradcheck(f, [0.5], rtol=0.02)
    with pytest.raises(GradcheckError):
        gradcheck(f, [0.5], rtol=0.005)
    # atol alone can absorb it too: the absolute error is 0.01 * cos(0.5) ~ 0.0088.
    assert gradcheck(f, [0.5], atol=0.01, rtol=0.0)
    with pytest.raises(GradcheckError):
        gradcheck(f, [0.5], atol=0.008, rtol=0.0)


def test_gradcheck_error_is_an_assertion_error():
    assert issubclass(GradcheckError, AssertionError)
    assert autograd.GradcheckError is GradcheckError


def test_a_node_cut_from_the_graph_is_caught():
    # detach() hides the dependence from backward but not from finite differences.
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: x * x.detach(), [1.5])
    (row,) = table_rows(str(info.value))
    assert float(row[3]) == pytest.approx(1.5) and float(row[4]) == pytest.approx(3.0)


def test_a_nan_derivative_is_a_mismatch():
    nan_sin = custom_op(math.sin, lambda x: math.nan, name="nan_sin")
    with pytest.raises(GradcheckError, match="nan"):
        gradcheck(nan_sin, [0.5])


def test_a_function_that_mutates_its_input_is_caught():
    def f(x):
        x.data += 1.0
        return x * x

    with pytest.raises(GradcheckError, match=r"mutated its input x\[0\]"):
        gradcheck(f, [1.0])


def test_a_backward_that_is_not_reentrant_is_caught(monkeypatch):
    """Simulate an engine that propagates each node's running ``.grad`` instead of this pass's
    gradient (micrograd's pattern): the first pass is right, the second sees the first's."""

    def leaky_sweep(order, seed, into_grad):
        order[-1]._g = seed
        for node in reversed(order):
            node._g += node.grad  # the new .grad, which backward then stores
            for parent, d in backprop.edges(node):
                parent._g += node._g * d

    monkeypatch.setattr(backprop, "sweep", leaky_sweep)
    with pytest.raises(GradcheckError, match="not reentrant") as info:
        gradcheck(lambda x, y: x * y + x, [2.0, 3.0])
    rows = table_rows(str(info.value))
    assert [row[1] for row in rows] == ["x[0]", "x[1]"]


def test_gradgradcheck_catches_a_derivative_that_is_not_differentiable():
    x = 0.5
    assert gradcheck(flat_sin, [x])  # first derivatives are right
    with pytest.raises(GradcheckError) as info:
        gradgradcheck(flat_sin, [x])
    message = str(info.value)
    assert "Hessian" in message
    ((output, name, value, analytic, numeric, *_),) = table_rows(message)
    assert (output, name, float(value)) == ("grad[0]", "x[0]", x)
    assert float(analytic) == 0.0  # math.cos(x) is a constant to the second pass
    assert float(numeric) == pytest.approx(-math.sin(x), rel=1e-6)


def test_gradgradcheck_names_the_wrong_entries_of_a_hessian():
    # f(a, b) = flat_sin(a) * b: the only wrong entry is d2f/da2 = -sin(a) * b.
    with pytest.raises(GradcheckError) as info:
        gradgradcheck(lambda a, b: flat_sin(a) * b, [0.5, 2.0])
    assert [row[:2] for row in table_rows(str(info.value))] == [["grad[0]", "x[0]"]]


def test_gradgradcheck_catches_wrong_second_derivatives_of_a_builtin(monkeypatch):
    # A sin whose derivative is right but whose derivative's derivative is off by 1%.
    from autograd.core import ops

    table_partial = ops.Op.partial

    def partial(op, i, args, out):
        if op is ops.OPS["sin"]:
            return _cos_with_wrong_slope(args[0])
        return table_partial(op, i, args, out)

    monkeypatch.setattr(ops.Op, "partial", partial)
    assert gradcheck(sin, [0.7])
    with pytest.raises(GradcheckError, match="1 of 1 Hessian entry"):
        gradgradcheck(sin, [0.7])


_wrong_slope_cos = custom_op(math.cos, lambda x: -1.01 * sin(x), name="wrong_slope_cos")


def _cos_with_wrong_slope(x):
    return math.cos(x) if type(x) is float else _wrong_slope_cos(x)


# --- bad arguments -----------------------------------------------------------------------------

def test_wrong_number_of_inputs_is_a_type_error():
    with pytest.raises(TypeError, match="inputs has 3 entries"):
        gradcheck(lambda x, y: x * y, [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="inputs has 1 entry"):
        gradgradcheck(lambda x, y: x * y, [1.0])


def test_non_scalar_outputs_are_type_errors():
    with pytest.raises(TypeError, match="must be a scalar.*got str"):
        gradcheck(lambda x: "x", [1.0])
    with pytest.raises(TypeError, match=r"output 1 of f must be a scalar.*got list"):
        gradcheck(lambda x: [x, [x]], [1.0])
    with pytest.raises(TypeError, match="got NoneType"):
        gradcheck(lambda x: None, [1.0])
    with pytest.raises(TypeError, match="got a list of 2"):
        gradgradcheck(lambda x: [x, x], [1.0])
    with pytest.raises(ValueError, match="empty"):
        gradcheck(lambda x: [], [1.0])


def test_non_finite_inputs_are_value_errors():
    for bad in (math.inf, -math.inf, math.nan):
        with pytest.raises(ValueError, match=r"inputs\[1\] is"):
            gradcheck(lambda x, y: x * y, [1.0, bad])
        with pytest.raises(ValueError, match=r"inputs\[0\] is"):
            gradgradcheck(lambda x, y: x * y, [bad, 1.0])


def test_other_bad_arguments():
    with pytest.raises(TypeError, match="f must be callable"):
        gradcheck(3.0, [1.0])
    with pytest.raises(TypeError, match="list or tuple"):
        gradcheck(lambda x: x, 1.0)
    with pytest.raises(TypeError, match="list or tuple"):
        gradcheck(lambda x: x, Value(1.0))
    with pytest.raises(TypeError, match=r"inputs\[0\].*got bool"):
        gradcheck(lambda x: x, [True])
    with pytest.raises(TypeError, match=r"inputs\[0\].*got str"):
        gradcheck(lambda x: x, ["1.0"])
    with pytest.raises(ValueError, match="inputs is empty"):
        gradcheck(lambda: 1.0, [])
    with pytest.raises(ValueError, match="eps must be finite and > 0"):
        gradcheck(lambda x: x, [1.0], eps=0.0)
    with pytest.raises(ValueError, match="rtol must be finite and >= 0"):
        gradcheck(lambda x: x, [1.0], rtol=-1e-3)
    with pytest.raises(TypeError, match="atol must be a real number"):
        gradgradcheck(lambda x: x, [1.0], atol="0.1")


def test_a_function_undefined_next_to_the_point_is_a_value_error():
    # sqrt is defined at 0 but not at 0 - eps: the math error surfaces as such.
    with pytest.raises(ValueError, match="sqrt"):
        gradcheck(lambda x: x.sqrt(), [0.0])
    with pytest.raises(ValueError, match="output 0 of f is inf"):
        gradcheck(lambda x: Value(math.inf) * x, [1.0])


def test_the_core_package_does_not_import_hypothesis():
    code = (
        "import sys, autograd, autograd.check.gradcheck\n"
        "assert 'hypothesis' not in sys.modules, sorted(m for m in sys.modules if 'hypo' in m)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
