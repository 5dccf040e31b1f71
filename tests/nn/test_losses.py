"""Losses against closed forms: values, gradients, extreme inputs and input checks.

Expected numbers are worked out by hand in the comments (PyTorch gives the same; it is not
imported here).
"""

import math
import random

import pytest

from autograd import Value, gradcheck, jit, value_and_grad
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


def test_cross_entropy_given_softmax_outputs_warns_once_that_it_takes_logits():
    import warnings

    from autograd import softmax
    from nn import MLP, Sequential, Softmax

    rows = [softmax(values(0, 1, 2)), softmax(values(2, 0, -1)), softmax(values(1, 1, 1))]
    with pytest.warns(UserWarning) as caught:
        loss = cross_entropy(rows, [0, 1, 2])
    assert len(caught) == 1  # once per call, not per row
    text = str(caught[0].message)
    assert text.startswith("cross_entropy takes logits") and "row 0 is the output of a softmax" \
        in text and "output_activation=None" in text
    assert caught[0].filename == __file__  # points at the caller
    # Only a warning: the loss is that of the same numbers as logits (row 2: log 3, uniform).
    plain = [[v.data for v in r] for r in rows]
    assert loss.data == cross_entropy(plain, [0, 1, 2]).data
    assert plain[2] == pytest.approx([1 / 3] * 3, rel=1e-15)
    later = [values(0, 1), softmax(values(3, 1))]  # a softmax row after a row of logits
    with pytest.warns(UserWarning, match="row 1 is the output of a softmax"):
        cross_entropy(later, [0, 1])
    model = MLP(2, [3, 3], seed=0, output_activation="softmax")
    with pytest.warns(UserWarning, match="cross_entropy takes logits"):
        cross_entropy([model([0.5, 1.0])], [1])
    net = Sequential(MLP(2, [3, 3], seed=0), Softmax())
    with pytest.warns(UserWarning, match="cross_entropy takes logits"):
        cross_entropy([net([0.5, 1.0])], [1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # logits, and look-alikes that are no softmax: silent
        cross_entropy([values(0, 1, 2), MLP(2, [3, 3], seed=0)([0.5, 1.0])], [0, 1])
        cross_entropy([[v.exp() for v in values(0, 1)]], [0])  # exp of leaves
        a, b = softmax(values(0, 1)), softmax(values(1, 0))
        cross_entropy([[a[0], b[1]]], [0])  # two softmaxes' entries: not one row's


def test_bce_with_logits_given_sigmoid_outputs_warns_once():
    import warnings

    from nn import MLP

    with pytest.warns(UserWarning) as caught:
        binary_cross_entropy_with_logits([Value(0.5), Value(-1.0).sigmoid(),
                                          Value(2.0).sigmoid()], [1, 0, 1])
    assert len(caught) == 1
    assert "binary_cross_entropy_with_logits takes logits" in str(caught[0].message)
    assert "logit 1 is the output of a sigmoid" in str(caught[0].message)
    model = MLP(2, [3, 1], seed=0, output_activation="sigmoid")
    with pytest.warns(UserWarning, match="takes logits"):
        binary_cross_entropy_with_logits([model([0.5, 1.0])], [1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        binary_cross_entropy_with_logits([MLP(2, [3, 1], seed=0)([0.5, 1.0]), 0.3], [1, 0])


# -- shared checks and gradients vs finite differences --------------------------------------------


@pytest.mark.parametrize("loss_fn", [mse, l1, smooth_l1, binary_cross_entropy_with_logits])
def test_length_mismatch_and_empty_batches(loss_fn):
    with pytest.raises(ValueError, match="3 predictions but 2 targets"):
        loss_fn(values(0.1, 0.2, 0.3), [0, 1])
    with pytest.raises(ValueError, match="empty"):
        loss_fn([], [])
    with pytest.raises(TypeError, match="target 0 must be a real number"):
        loss_fn(values(0.1), ["1"])


@pytest.mark.parametrize("loss_fn", [mse, l1, smooth_l1, binary_cross_entropy_with_logits])
def test_a_row_of_one_against_a_number_says_which_is_which_and_how_to_match(loss_fn):
    # Sequential(..., Linear(16, 1)) returns a list of one output per sample; labels read
    # from an (n, 1) array are rows of one. Each side alone is fine; mixed, say so.
    with pytest.raises(ValueError, match=r"prediction 0 is a row of 1 but target 0 is one "
                                         r"number .*Linear\(\.\.\., 1\).*\[\[t\] for t in y\]"):
        loss_fn([values(0.5), values(-0.5)], [1, 0])
    with pytest.raises(ValueError, match=r"prediction 1 is one number but target 1 is a row of "
                                         r"1 .*flatten the targets"):
        loss_fn(values(0.5, -0.5), [1, [0]])
    with pytest.raises(ValueError, match=r"prediction 0 is a row of 2 but target 0 is one "
                                         r"number$"):
        loss_fn([values(0.5, 0.1)], [1])


def test_hinge_given_a_row_of_one_says_how_to_take_its_score():
    with pytest.raises(TypeError, match=r"hinge: score 0 is a row of 1; hinge takes one score "
                                        r"per sample.*Linear\(\.\.\., 1\).*\[0\]"):
        hinge([values(0.5)], [1])


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


# -- Value targets and jit ---------------------------------------------------------------------
#
# Each loss as a function of scalars: n predictions, then n targets (cross_entropy: rows of
# three logits, then one class index per row). Targets go in as Values (traced inputs under
# jit), so the compiled gradient includes the targets' gradients.

N = 4


def _rows(xs):
    return [list(xs[3 * i:3 * i + 3]) for i in range(len(xs) // 3)]


LOSSES = {
    "mse": lambda *a: mse(list(a[:N]), list(a[N:])),
    "l1": lambda *a: l1(list(a[:N]), list(a[N:])),
    "smooth_l1": lambda *a: smooth_l1(list(a[:N]), list(a[N:]), beta=0.5),
    "hinge": lambda *a: hinge(list(a[:N]), list(a[N:])),
    "bce": lambda *a: binary_cross_entropy_with_logits(list(a[:N]), list(a[N:])),
    "cross_entropy": lambda *a: cross_entropy(_rows(a[:3 * N]), list(a[3 * N:])),
}


def _batches(name, rng):
    """Several batches per loss, on both sides of every kink and on the kinks themselves."""
    batches = []
    for _ in range(6):
        if name == "cross_entropy":
            logits = [rng.gauss(0, 3) for _ in range(3 * N)]
            batches.append(logits + [float(rng.randrange(3)) for _ in range(N)])
            continue
        targets = [rng.choice([-1.0, 1.0]) if name == "hinge" else
                   rng.random() if name == "bce" else rng.gauss(0, 1) for _ in range(N)]
        # differences (margins for hinge) placed below, at and above each kink
        kinks = {"mse": [0.0], "l1": [0.0], "smooth_l1": [0.0, -0.5, 0.5],
                 "hinge": [1.0], "bce": [0.0]}[name]
        preds = []
        for t in targets:
            k = rng.choice(kinks)
            offset = rng.choice([-0.3, -1e-9, 0.0, 1e-9, 0.3, rng.gauss(0, 2)])
            if name == "hinge":
                preds.append(t * (k + offset))  # margin t * s = k + offset
            elif name == "bce":
                preds.append(k + offset)
            else:
                preds.append(t + k + offset)
        batches.append(preds + targets)
    return batches


@pytest.mark.parametrize("name", list(LOSSES))
def test_jit_compiled_loss_and_gradients_equal_the_engines_on_every_batch(name):
    f = LOSSES[name]
    rng = random.Random(12)
    batches = _batches(name, rng)
    argnums = tuple(range(len(batches[0])))
    compiled = jit(value_and_grad(f, argnums=argnums))
    engine = value_and_grad(f, argnums=argnums)
    for batch in batches:
        assert compiled(*batch) == engine(*batch)  # the same formulas in the same order
    assert compiled.cache_size == 1  # one trace served every batch: nothing was baked in


@pytest.mark.parametrize("name", list(LOSSES))
def test_jit_backward_fills_parameter_gradients_as_the_engine_does(name):
    # predictions made from parameters (outside leaves), targets as traced inputs
    f = LOSSES[name]
    rng = random.Random(5)
    batches = _batches(name, rng)
    n_pred = 3 * N if name == "cross_entropy" else N
    params = [Value(0.0) for _ in range(n_pred)]

    def loss(targets, scale):
        return f(*[p * scale for p in params], *targets)

    g = jit(loss)
    for batch in batches:
        for p, x in zip(params, batch[:n_pred], strict=True):
            p.data, p.grad = x, 0.0
        value = g.backward(batch[n_pred:], 1.0)
        got = [p.grad for p in params]
        for p in params:
            p.grad = 0.0
        targets = batch[n_pred:]
        if name == "cross_entropy":  # plain-number class indices must be ints
            targets = [int(k) for k in targets]
        out = loss(targets, 1.0)
        out.backward()
        assert value == out.data and got == [p.grad for p in params]
    assert g.cache_size == 1


def test_value_targets_get_their_gradients():
    # d/dt of mean((p - t)^2) = -2 (p - t) / n; of mean|p - t| = -sign(p - t) / n;
    # of hinge relu(1 - t s): -s where the margin is violated; of bce: -x / n
    p, t = values(1.0, 4.0), values(0.5, 1.0)
    mse(p, t).backward()
    assert [v.grad for v in t] == [-0.5, -3.0]
    p, t = values(1.0, 4.0), values(0.5, 5.0)
    l1(p, t).backward()
    assert [v.grad for v in t] == [-0.5, 0.5]
    s, y = values(0.5, 2.0), values(1.0, 1.0)
    hinge(s, y).backward()
    assert [v.grad for v in y] == [-0.25, 0.0]
    x, t = values(0.7, -2.0), values(0.3, 1.0)
    binary_cross_entropy_with_logits(x, t).backward()
    assert [v.grad for v in t] == [-0.35, 1.0]
    # smooth_l1 (beta 1): d/dt = -d inside the quadratic zone, -sign(d) outside, over n
    p, t = values(0.25, 3.0), values(0.0, 0.0)
    smooth_l1(p, t).backward()
    assert [v.grad for v in t] == [-0.125, -0.5]


def test_a_traced_class_index_picks_the_same_logit_as_an_int():
    rows = [values(0.5, -1.0, 2.0), values(3.0, 3.0, -7.0)]
    for ks in ([0, 2], [1, 0], [2, 1]):
        by_int = cross_entropy(rows, ks)
        by_value = cross_entropy(rows, values(*ks))
        assert by_value.data == by_int.data
        by_int.backward()
        grads = [v.grad for r in rows for v in r]
        for r in rows:
            for v in r:
                v.grad = 0.0
        k = values(*ks)
        cross_entropy(rows, k).backward()
        assert [v.grad for r in rows for v in r] == grads
        assert [v.grad for v in k] == [0.0, 0.0]  # an index has no gradient
        for r in rows:
            for v in r:
                v.grad = 0.0


def test_number_targets_are_still_checked_but_value_targets_are_used_as_given():
    with pytest.raises(ValueError, match="label 0 must be -1 or"):
        hinge(values(1.0), [0])
    assert hinge(values(1.0), values(0.0)).data == 1.0  # relu(1 - 0 * 1): used as given
    with pytest.raises(ValueError, match=r"target 0 must be in \[0, 1\]"):
        binary_cross_entropy_with_logits(values(0.0), [2.0])
    with pytest.raises(ValueError, match="not finite"):
        mse(values(0.0), [math.inf])


# -- PyTorch parity, targets' gradients included ------------------------------------------------


@pytest.mark.parametrize("name", ["mse", "l1", "smooth_l1", "hinge", "bce", "cross_entropy"])
def test_values_and_gradients_equal_pytorchs(name):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = random.Random(3)
    for batch in _batches(name, rng):
        n_pred = 3 * N if name == "cross_entropy" else N
        vs = values(*batch)
        out = LOSSES[name](*vs)
        out.backward()
        x = torch.tensor(batch[:n_pred], dtype=torch.float64, requires_grad=True)
        t = torch.tensor(batch[n_pred:], dtype=torch.float64, requires_grad=name != "cross_entropy")
        if name == "mse":
            ref = F.mse_loss(x, t)
        elif name == "l1":
            ref = F.l1_loss(x, t)
        elif name == "smooth_l1":
            ref = F.smooth_l1_loss(x, t, beta=0.5)
        elif name == "hinge":
            ref = torch.relu(1 - t * x).mean()
        elif name == "bce":
            ref = F.binary_cross_entropy_with_logits(x, t)
        else:
            ref = F.cross_entropy(x.reshape(N, 3), t.long())
        ref.backward()
        assert out.data == pytest.approx(ref.item(), rel=1e-12, abs=1e-15)
        expected = x.grad.tolist() + (t.grad.tolist() if t.grad is not None else [0.0] * N)
        assert [v.grad for v in vs] == pytest.approx(expected, rel=1e-12, abs=1e-15), name
