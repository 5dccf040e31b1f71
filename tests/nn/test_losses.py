"""Losses against closed forms: values, gradients, extreme inputs and input checks.

Expected numbers are worked out by hand in the comments (PyTorch gives the same; it is not
imported here).
"""

import math
import random

import pytest

from autograd import Value, gradcheck
from nn.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge,
    l1,
    mse,
    smooth_l1,
)


def values(*xs):
    return [Value(float(x)) for x in xs]


def run(loss_fn, preds, *args, **kwargs):
    out = loss_fn(preds, *args, **kwargs)
    out.backward()
    return out.data, [p.grad for p in preds]


# -- regression losses ---------------------------------------------------------------------


def test_mse():
    # ((1-0)^2 + (3-1)^2) / 2 = 2.5; d/dp = 2 (p - t) / n = [1, 2]
    assert run(mse, values(1, 3), [0, 1]) == (2.5, [1.0, 2.0])


def test_mse_over_rows_averages_every_element():
    rows = [values(1, 2), values(3, 4)]
    out = mse(rows, [[0, 0], [0, 0]])
    out.backward()
    assert out.data == (1 + 4 + 9 + 16) / 4
    assert [p.grad for r in rows for p in r] == [0.5, 1.0, 1.5, 2.0]  # 2 p / 4


def test_mse_is_one_dot_node_over_differences():
    out = mse(values(1, 2, 3), [0, 0, 0])
    assert out.op == "div" and out.parents[0].op == "dot"


def test_l1_with_zero_slope_at_zero():
    # (|1| + |-2| + |0|) / 3 = 1; slopes sign(d) / 3, with sign(0) = 0
    data, grads = run(l1, values(1, -2, 0.5), [0, 0, 0.5])
    assert data == 1.0
    assert grads == [1 / 3, -1 / 3, 0.0]


def test_smooth_l1_both_branches_and_the_boundary():
    # beta = 1, d = [0.5, -2, 1]: 0.5 d^2 = 0.125; |d| - 0.5 = 1.5; at |d| = beta: 0.5
    data, grads = run(smooth_l1, values(0.5, -2, 1), [0, 0, 0])
    assert data == pytest.approx((0.125 + 1.5 + 0.5) / 3, abs=1e-16)
    assert grads == pytest.approx([0.5 / 3, -1 / 3, 1 / 3], abs=1e-16)


def test_smooth_l1_beta():
    # beta = 2, d = [1, 3]: 0.5 * 1 / 2 = 0.25; 3 - 1 = 2 -> mean 1.125; grads [1/2, 1] / 2
    data, grads = run(smooth_l1, values(1, 3), [0, 0], beta=2.0)
    assert data == 1.125
    assert grads == [0.25, 0.5]


def test_smooth_l1_with_beta_zero_is_l1():
    preds = [random.gauss(0, 2) for _ in range(6)]
    targets = [random.gauss(0, 2) for _ in range(6)]
    a = run(smooth_l1, values(*preds), targets, beta=0.0)
    b = run(l1, values(*preds), targets)
    assert a == b


def test_smooth_l1_rejects_negative_beta():
    with pytest.raises(ValueError, match="beta"):
        smooth_l1(values(1), [0], beta=-1.0)


# -- hinge ---------------------------------------------------------------------------------


def test_hinge():
    # relu(1 - y s): [relu(-1), relu(0.5), relu(1.3), relu(0) kink, relu(1.5)] -> 3.3 / 5
    scores = values(2, 0.5, -0.3, 1, 0.5)
    data, grads = run(hinge, scores, [1, 1, 1, 1, -1])
    assert data == pytest.approx(3.3 / 5, abs=1e-16)
    assert grads == [0.0, -0.2, -0.2, 0.0, 0.2]  # -y / n inside the margin, 0 outside


def test_hinge_accepts_float_labels_and_refuses_zero_one():
    assert hinge(values(0.0), [-1.0]).data == 1.0
    with pytest.raises(ValueError, match=r"label 1 must be -1 or \+1.*2 \* y - 1"):
        hinge(values(1, 2), [1, 0])
    with pytest.raises(ValueError, match="label 0"):
        hinge(values(1), [True])


# -- binary cross-entropy --------------------------------------------------------------------


def test_bce_with_logits_closed_forms():
    # x = 0: log 2 whatever t; x = ln 3: sigmoid = 3/4, t = 1 -> -log(3/4); t = 0.25 soft label
    xs = values(0, math.log(3), math.log(3))
    ts = [0.0, 1.0, 0.25]
    data, grads = run(binary_cross_entropy_with_logits, xs, ts)
    expected = (math.log(2) - math.log(0.75) - (0.25 * math.log(0.75) + 0.75 * math.log(0.25)))
    assert data == pytest.approx(expected / 3, rel=1e-15)
    # d/dx = (sigmoid(x) - t) / n
    assert grads == pytest.approx([0.5 / 3, -0.25 / 3, 0.5 / 3], rel=1e-15)


def test_bce_with_logits_is_finite_and_exact_for_extreme_logits():
    xs = values(1000, -1000, 1e308, -1e308, 40, -40)
    ts = [0.0, 0.0, 1.0, 1.0, 1.0, 0.0]
    out = binary_cross_entropy_with_logits(xs, ts)
    out.backward()
    # per element: 1000, e^-1000 (= 0.0), e^-1e308, 1e308, log1p(e^-40), log1p(e^-40)
    tiny = math.log1p(math.exp(-40))
    assert out.data == pytest.approx((1000 + 1e308 + 2 * tiny) / 6, rel=1e-15)
    assert all(math.isfinite(x.grad) for x in xs)
    # d/dx = (sigmoid(x) - t) / 6: [1, 0, 0, -1, -e^-40, e^-40] / 6 (to within e^-80)
    assert [x.grad * 6 for x in xs[:4]] == pytest.approx([1.0, 0.0, 0.0, -1.0], abs=1e-300)
    assert xs[4].grad * 6 == pytest.approx(-math.exp(-40), rel=1e-12)
    assert xs[5].grad * 6 == pytest.approx(math.exp(-40), rel=1e-12)
    assert tiny > 0.0  # no cancellation to 0 on the "confident and right" side


def test_bce_rejects_targets_outside_unit_interval():
    with pytest.raises(ValueError, match=r"target 1 must be in \[0, 1\]"):
        binary_cross_entropy_with_logits(values(0, 0), [1.0, 1.5])
    with pytest.raises(ValueError, match="not finite"):
        binary_cross_entropy_with_logits(values(0), [math.nan])


# -- cross-entropy ---------------------------------------------------------------------------


def test_cross_entropy_closed_form():
    # logits [0, ln 2, ln 5]: softmax [1, 2, 5] / 8; target 2 -> -log(5/8)
    row = values(0, math.log(2), math.log(5))
    out = cross_entropy([row], [2])
    out.backward()
    assert out.data == pytest.approx(math.log(8 / 5), rel=1e-15)
    assert [v.grad for v in row] == pytest.approx([1 / 8, 2 / 8, 5 / 8 - 1], rel=1e-14)


def test_cross_entropy_is_the_batch_mean():
    rows = [values(0, 0), values(0, math.log(3))]
    out = cross_entropy(rows, [0, 1])
    out.backward()
    # row 0: log 2; row 1: softmax [1/4, 3/4], -log(3/4)
    assert out.data == pytest.approx((math.log(2) - math.log(0.75)) / 2, rel=1e-15)
    grads = [[v.grad for v in r] for r in rows]
    assert grads[0] == pytest.approx([-0.25, 0.25], rel=1e-14)
    assert grads[1] == pytest.approx([0.125, -0.125], rel=1e-14)


def test_cross_entropy_extreme_logits():
    rows = [values(1000, -1000), values(-1e300, 1e300), values(5e307, 5e307)]
    out = cross_entropy(rows, [1, 0, 1])
    out.backward()
    assert out.data == pytest.approx((2000 + 2e300 + math.log(2)) / 3, rel=1e-15)
    grads = [[v.grad * 3 for v in r] for r in rows]
    assert grads == [[1.0, -1.0], [-1.0, 1.0], pytest.approx([0.5, -0.5], abs=1e-15)]


def test_cross_entropy_checks_rows_and_targets():
    with pytest.raises(ValueError, match="2 rows of logits but 1 targets"):
        cross_entropy([values(0, 1), values(0, 1)], [0])
    with pytest.raises(ValueError, match="row 1 has 3 logits, row 0 has 2"):
        cross_entropy([values(0, 1), values(0, 1, 2)], [0, 0])
    with pytest.raises(ValueError, match=r"target 0 must be a class index in 0\.\.1, got 2"):
        cross_entropy([values(0, 1)], [2])
    with pytest.raises(ValueError, match="target 0"):
        cross_entropy([values(0, 1)], [-1])
    with pytest.raises(ValueError, match="target 0"):
        cross_entropy([values(0, 1)], [True])
    with pytest.raises(TypeError, match="row 0 must be a list"):
        cross_entropy([Value(1.0)], [0])
    with pytest.raises(ValueError, match="non-empty"):
        cross_entropy([], [])


# -- shared checks and gradients vs finite differences --------------------------------------------


@pytest.mark.parametrize("loss_fn", [mse, l1, smooth_l1, binary_cross_entropy_with_logits])
def test_length_mismatch_and_empty_batches(loss_fn):
    with pytest.raises(ValueError, match="3 predictions but 2 targets"):
        loss_fn(values(0.1, 0.2, 0.3), [0, 1])
    with pytest.raises(ValueError, match="empty"):
        loss_fn([], [])
    with pytest.raises(TypeError, match="target 0 must be a real number"):
        loss_fn(values(0.1), ["1"])


def test_hinge_length_mismatch():
    with pytest.raises(ValueError, match="2 scores but 1 labels"):
        hinge(values(1, 2), [1])


@pytest.mark.parametrize(
    "loss",
    [
        lambda xs: mse(xs, [0.3, -1.0, 2.0]),
        lambda xs: l1(xs, [0.3, -1.0, 2.0]),
        lambda xs: smooth_l1(xs, [0.3, -1.0, 2.0], beta=0.7),
        lambda xs: hinge(xs, [1, -1, 1]),
        lambda xs: binary_cross_entropy_with_logits(xs, [0.0, 1.0, 0.3]),
        lambda xs: cross_entropy([list(xs)], [1]),
    ],
    ids=["mse", "l1", "smooth_l1", "hinge", "bce", "cross_entropy"],
)
def test_gradients_match_finite_differences(loss):
    # points chosen away from every kink (|d| != 0, beta; margins != 1)
    assert gradcheck(lambda a, b, c: loss([a, b, c]), [1.7, 0.35, -0.4])


def test_cross_entropy_gradient_accurate_for_huge_equal_logits():
    # log 2 is far below the spacing of floats near 1e17: the loss and gradient must not lose it
    row = values(1e17, 1e17)
    out = cross_entropy([row], [0])
    out.backward()
    assert out.data == pytest.approx(math.log(2), rel=1e-15)
    assert [v.grad for v in row] == pytest.approx([-0.5, 0.5], rel=1e-15)
