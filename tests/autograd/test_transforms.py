"""grad, value_and_grad, jacobian, hessian."""

from __future__ import annotations

import math

import pytest

import autograd as ag
from autograd import Value, grad, hessian, jacobian, value_and_grad


def f(x, y):
    return x * ag.sin(y) + ag.exp(x * x)


def df_dx(x, y):
    return math.sin(y) + 2 * x * math.exp(x * x)


def df_dy(x, y):
    return x * math.cos(y)


def test_grad_returns_floats_for_floats():
    g = grad(f)(0.5, 1.2)
    assert type(g) is float and g == pytest.approx(df_dx(0.5, 1.2), rel=1e-14)
    assert grad(f, argnums=1)(0.5, 1.2) == pytest.approx(df_dy(0.5, 1.2), rel=1e-14)
    both = grad(f, argnums=(0, 1))(0.5, 1.2)
    assert isinstance(both, tuple)
    assert both == pytest.approx((df_dx(0.5, 1.2), df_dy(0.5, 1.2)), rel=1e-14)


def test_grad_accepts_ints_and_negative_argnums():
    assert grad(lambda x, y: x * y, argnums=-1)(2, 5) == 2.0


def test_argnums_naming_one_argument_twice_give_its_whole_derivative_each_time():
    # d/dx x*x*y = 2xy = 12 and d/dy = x*x = 4 at (2, 3): every entry naming an argument gets
    # its derivative (as the compiled gradient does), not 0 for all but the last.
    def g(x, y):
        return x * x * y

    assert grad(g, argnums=(0, 0))(2.0, 3.0) == (12.0, 12.0)
    assert grad(g, argnums=(0, -2, 1))(2.0, 3.0) == (12.0, 12.0, 4.0)
    assert value_and_grad(g, argnums=(1, -1))(2.0, 3.0) == (12.0, (4.0, 4.0))
    assert ag.jit(grad(g, argnums=(0, -2)))(2.0, 3.0) == (12.0, 12.0)


def test_value_and_grad():
    value, g = value_and_grad(f)(0.5, 1.2)
    assert value == pytest.approx(0.5 * math.sin(1.2) + math.exp(0.25))
    assert g == pytest.approx(df_dx(0.5, 1.2))


def test_nested_grad_to_third_order():
    h = lambda x: x.sin() * x
    x = 0.7
    assert grad(h)(x) == pytest.approx(math.cos(x) * x + math.sin(x))
    assert grad(grad(h))(x) == pytest.approx(-math.sin(x) * x + 2 * math.cos(x))
    assert grad(grad(grad(h)))(x) == pytest.approx(-math.cos(x) * x - 3 * math.sin(x))
    assert grad(grad(grad(grad(h))))(x) == pytest.approx(math.sin(x) * x - 4 * math.cos(x))


def test_grad_called_with_values_returns_differentiable_values():
    x = Value(0.3)
    g = grad(lambda v: v**4)(x)
    assert isinstance(g, Value) and g.data == pytest.approx(4 * 0.3**3)
    g.backward()
    assert x.grad == pytest.approx(12 * 0.3**2)


def test_mixed_partials_by_nesting():
    # d/dy d/dx (x^2 y^3) = 6 x y^2
    inner = grad(lambda x, y: x * x * y**3, argnums=0)
    mixed = grad(inner, argnums=1)(2.0, 3.0)
    assert mixed == pytest.approx(6 * 2.0 * 9.0)


def test_value_among_other_arguments_makes_results_values():
    g = grad(lambda x, y: x * y, argnums=0)(2.0, Value(3.0))
    assert isinstance(g, Value) and g.data == 3.0


def test_repeated_value_argument_is_kept_apart():
    x = Value(2.0)
    gx, gy = grad(lambda a, b: a * b * b, argnums=(0, 1))(x, x)
    assert gx.data == 4.0 and gy.data == 8.0


def test_transforms_leave_grad_of_closed_over_values_alone():
    w = Value(3.0)
    assert grad(lambda x: x * w)(2.0) == 3.0
    assert w.grad == 0.0


def test_constant_function_has_zero_gradient():
    assert grad(lambda x: 5.0)(1.0) == 0.0
    assert grad(lambda x, y: y * 2.0)(1.0, 2.0) == 0.0
    assert hessian(lambda x: x * 2.0)(1.0) == [[0.0]]


def test_jacobian():
    jac = jacobian(lambda x, y, z: [x * y, y.exp() + z, x / z])(1.0, 2.0, 4.0)
    expected = [[2.0, 1.0, 0.0], [0.0, math.exp(2.0), 1.0], [0.25, 0.0, -1.0 / 16.0]]
    assert len(jac) == 3 and all(len(row) == 3 for row in jac)
    for row, exp_row in zip(jac, expected, strict=True):
        assert row == pytest.approx(exp_row, rel=1e-14)


def test_jacobian_equals_grads_of_each_output():
    fs = [lambda x, y: x * y.tanh(), lambda x, y: ag.logsumexp([x, y])]
    jac = jacobian(lambda x, y: [g(x, y) for g in fs])(0.4, -1.1)
    for row, g in zip(jac, fs, strict=True):
        assert row == pytest.approx(list(grad(g, argnums=(0, 1))(0.4, -1.1)), rel=1e-14)


def test_hessian_closed_form_and_symmetry():
    def rosenbrock(x, y):
        return (1 - x) ** 2 + 100 * (y - x * x) ** 2

    x, y = 0.5, -0.3
    hess = hessian(rosenbrock)(x, y)
    expected = [[2 - 400 * (y - x * x) + 800 * x * x, -400 * x], [-400 * x, 200.0]]
    assert hess[0] == pytest.approx(expected[0], rel=1e-12)
    assert hess[1] == pytest.approx(expected[1], rel=1e-12)
    assert hess[0][1] == hess[1][0]


def test_hessian_of_nary_ops():
    hess = hessian(lambda a, b, c: ag.dot([a, b], [b, c]))(1.0, 2.0, 3.0)
    assert hess == [[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]


@pytest.mark.parametrize(
    "call, exc, words",
    [
        (lambda: grad(3.0), TypeError, ["callable"]),
        (lambda: grad(f, argnums="0"), TypeError, ["argnums"]),
        (lambda: grad(f, argnums=())(1.0, 2.0), TypeError, ["argnums"]),
        (lambda: grad(f, argnums=2)(1.0, 2.0), TypeError, ["argnums", "2 positional"]),
        (lambda: grad(lambda x: [x, x])(1.0), TypeError, ["scalar", "list"]),
        (lambda: grad(f)("a", 1.0), TypeError, ["str"]),
        (lambda: jacobian(lambda x: x * 2)(1.0), TypeError, ["list", "Value"]),
        (lambda: hessian(lambda x: [x])(1.0), TypeError, ["scalar"]),
    ],
)
def test_argument_errors_say_what_was_wrong(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    for word in words:
        assert word in str(info.value)


# -- the transforms record whatever mode surrounds them (issue 11, item 1) ----------------------

def test_transforms_ignore_an_outer_no_grad():
    with ag.no_grad():
        assert ag.grad(lambda x: x * x)(3.0) == 6.0
        assert ag.value_and_grad(lambda x: x * x)(3.0) == (9.0, 6.0)
        assert ag.jacobian(lambda x, y: [x * y])(2.0, 3.0) == [[3.0, 2.0]]
        assert ag.hessian(lambda x, y: x * x * y)(2.0, 3.0) == [[6.0, 4.0], [4.0, 0.0]]
        assert ag.gradcheck(lambda x: x.sin() * x, [0.7])
        assert ag.gradgradcheck(lambda x: x.sin() * x, [0.7])
        assert not ag.is_grad_enabled()  # and the mode is back afterwards


# -- nesting through closures: no perturbation confusion (issue 11, item 2) ---------------------

def test_nested_grad_through_a_closure_differentiates_the_captured_variable():
    # d/dx [d/dy (x * y)] = d/dx x = 1 (JAX gives 1.0)
    assert ag.grad(lambda x: ag.grad(lambda y: x * y)(1.0))(2.0) == 1.0
    # d/dx [x * d/dy (x + y)] = d/dx [x] = 1, the classic perturbation-confusion example
    assert ag.grad(lambda x: x * ag.grad(lambda y: x + y)(1.0))(5.0) == 1.0


def test_three_levels_of_closures():
    # f(x) = d/dy [ d/dz (x*y*z**2) ] at z=1: d/dz = 2xyz -> 2xy at z=1; d/dy -> 2x; d/dx -> 2
    def f(x):
        return ag.grad(lambda y: ag.grad(lambda z: x * y * z * z)(1.0))(3.0)

    assert f(4.0) == 8.0
    assert ag.grad(f)(4.0) == 2.0
    # x captured two levels down, differentiated twice by the outermost transforms:
    # g(x) = d/dy[x**3 * y] = x**3; g'' = 6x
    g = lambda x: ag.grad(lambda y: x * x * x * y)(2.0)
    assert ag.grad(ag.grad(g))(1.5) == pytest.approx(9.0)


def test_closures_with_a_mix_of_grad_jacobian_and_hessian():
    x0 = 3.0
    # hessian of x*y*y*z in (y, z) at (1, 2): d2/dydz = 2xy = 2x; its d/dx = 2
    assert ag.grad(lambda x: ag.hessian(lambda y, z: x * y * y * z)(1.0, 2.0)[0][1])(x0) == 2.0
    # jacobian of [x*y, x**2 + y] in y: [x, 1]; the x-derivative of its first entry is 1
    assert ag.grad(lambda x: ag.jacobian(lambda y: [x * y, x * x + y])(2.0)[0][0])(x0) == 1.0
    # jacobian (outer) of grad (inner) through a closure: d/dx [d/dy x**2 * y**2] = 4xy
    assert ag.jacobian(lambda x: [ag.grad(lambda y: x * x * y * y)(1.5)])(x0) == [[4 * x0 * 1.5]]
    # hessian (outer) of a grad (inner) of sin(x*y): d/dy = x cos(xy); at y = 1: x cos x;
    # its second x-derivative: -2 sin x - x cos x
    h = ag.hessian(lambda x: ag.grad(lambda y: (x * y).sin())(1.0))(0.7)
    assert h[0][0] == pytest.approx(-2 * math.sin(0.7) - 0.7 * math.cos(0.7), rel=1e-12)


@pytest.mark.parametrize("big", [1e17, -1e17, 1e300])
def test_logsumexp_differentiable_partials_are_the_softmax_at_huge_logits(big):
    # d logsumexp / d x_i is softmax_i: (1/2, 1/2) for two equal logits, whose Hessian is
    # diag(p) - p p^T = [[1/4, -1/4], [-1/4, 1/4]] (closed form). Where log 2 is below the
    # spacing of the output (|x| >= 1e16), exp(x_i - out) is exp(0) = 1: the differentiable
    # partials (nested grad, create_graph, hessian) gave 1 and a Hessian of [[1/2, -1/2], ...].
    def lse(a, b):
        return ag.logsumexp([a, b])

    assert grad(lse, (0, 1))(big, big) == (0.5, 0.5)  # first order: the engine's bulk softmax
    nested = grad(lse, (0, 1))(Value(big), Value(big))
    assert [g.data for g in nested] == [0.5, 0.5]
    a, b = Value(big), Value(big)
    lse(a, b).backward(create_graph=True)
    assert [a.grad.data, b.grad.data] == [0.5, 0.5]
    assert hessian(lse)(big, big) == [[0.25, -0.25], [-0.25, 0.25]]
    # with a constant among the inputs and three of them: softmax (1/3, 1/3, 1/3)
    third = grad(lambda x: grad(lambda y: ag.logsumexp([y, x, big]))(big))(big)
    assert third == pytest.approx(-1.0 / 9.0, rel=1e-15)  # d/dx p_y = -p_y p_x
