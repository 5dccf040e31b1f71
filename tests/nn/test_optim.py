"""SGD, Adam and AdamW: trajectories against hand-computed closed forms (torch.optim's update
rules), ``None`` gradients, the settings and their checks, and the optimizer's habits.

The objectives are chosen so each trajectory has a closed form: ``0.5 w^2`` (gradient ``w``),
``c * w`` (constant gradient), and a constant (only weight decay moves ``w``). Step sizes are
powers of two where possible, so the expected numbers are exact. The comparison with PyTorch
itself is in ``test_optim_torch.py``; checkpoints and interrupts in ``test_optim_state.py``.
"""

import math

import pytest

from autograd import Value
from nn import MLP, SGD, Adam, AdamW, Optimizer


def quadratic_steps(opt, w, steps):
    """Runs ``steps`` updates on 0.5 * w^2 and returns the trajectory (after each step)."""
    path = []
    for _ in range(steps):
        opt.zero_grad()
        (0.5 * w * w).backward()
        opt.step()
        path.append(w.data)
    return path


# -- SGD -----------------------------------------------------------------------------------------


def test_sgd_plain_is_geometric_on_a_quadratic():
    w = Value(1.0)
    path = quadratic_steps(SGD([w], lr=0.25), w, 10)
    assert path == [0.75**k for k in range(1, 11)]  # w <- (1 - lr) w, exactly


def test_sgd_momentum_trajectory():
    # lr = mu = 0.5 on 0.5 w^2 from w = 1:
    #   g=1     buf=1 (first step: buf = g)  w=0.5
    #   g=0.5   buf=0.5*1+0.5=1              w=0
    #   g=0     buf=0.5                      w=-0.25
    #   g=-0.25 buf=0.25-0.25=0              w=-0.25
    #   g=-0.25 buf=-0.25                    w=-0.125
    w = Value(1.0)
    path = quadratic_steps(SGD([w], lr=0.5, momentum=0.5), w, 5)
    assert path == [0.5, 0.0, -0.25, -0.25, -0.125]


def test_sgd_momentum_buffer_is_scaled_by_the_current_lr():
    # torch keeps lr outside the buffer: p -= lr_t * buf. Constant gradient 1, mu = 0.5:
    # buf = 1, 1.5, 1.75; with lr 1, then 0.5, then 0.25: w = -1, -1.75, -2.1875
    w = Value(0.0)
    opt = SGD([w], lr=1.0, momentum=0.5)
    path = []
    for lr in (1.0, 0.5, 0.25):
        opt.lr = lr
        opt.zero_grad()
        (w * 1.0).backward()
        opt.step()
        path.append(w.data)
    assert path == [-1.0, -1.75, -2.1875]


def test_sgd_weight_decay_is_added_to_the_gradient():
    # zero loss gradient: w <- w - lr * wd * w = 0.75 w
    w = Value(2.0)
    opt = SGD([w], lr=0.5, weight_decay=0.5)
    for k in range(1, 6):
        opt.zero_grad()
        opt.step()
        assert w.data == 2.0 * 0.75**k


def test_sgd_weight_decay_goes_into_the_momentum_buffer():
    # wd = 1, mu = 0.5, lr = 0.5, zero loss gradient, w0 = 1:
    #   g = w = 1, buf = 1, w = 0.5;  g = 0.5, buf = 0.5 + 0.5 = 1, w = 0
    w = Value(1.0)
    opt = SGD([w], lr=0.5, momentum=0.5, weight_decay=1.0)
    opt.step()
    opt.step()
    assert w.data == 0.0


# -- Adam ----------------------------------------------------------------------------------------


def test_adam_constant_gradient_moves_lr_per_step_thanks_to_bias_correction():
    # gradient c every step: m_hat = c, v_hat = c^2 => each step moves lr * c / (|c| + eps).
    # With c = eps the step is exactly half of lr.
    w = Value(0.0)
    c = 1e-8
    opt = Adam([w], lr=0.01, eps=1e-8)
    for t in range(1, 21):
        opt.zero_grad()
        (w * c).backward()
        opt.step()
        assert w.data == pytest.approx(-t * 0.005, rel=1e-12)


def test_adam_first_step_is_lr_times_sign_whatever_the_betas():
    for betas in [(0.9, 0.999), (0.0, 0.0), (0.5, 0.25)]:
        w = Value(3.0)
        opt = Adam([w], lr=0.125, betas=betas, eps=0.0)
        opt.zero_grad()
        (w * -7.0).backward()
        opt.step()
        assert w.data == 3.125


def test_adam_two_steps_on_a_quadratic_by_hand():
    # 0.5 w^2 from w = 1, lr 0.1, betas (0.5, 0.5), eps 0:
    #   t=1: g=1,   m=0.5, v=0.5,               w = 1 - (0.1/0.5) * 0.5 / (sqrt(0.5)/sqrt(0.5))
    #   t=2: g=0.9, m=0.5+0.5*(0.9-0.5)=0.7, v=0.5*0.5+0.5*0.81=0.655,
    #        w = 0.9 - (0.1/0.75) * 0.7 / (sqrt(0.655)/sqrt(0.75))
    w = Value(1.0)
    path = quadratic_steps(Adam([w], lr=0.1, betas=(0.5, 0.5), eps=0.0), w, 2)
    assert path[0] == pytest.approx(0.9, rel=1e-15)
    expected = 0.9 - (0.1 / 0.75) * 0.7 / (math.sqrt(0.655) / math.sqrt(0.75))
    assert path[1] == pytest.approx(expected, rel=1e-15)


def test_adam_default_hyperparameters():
    opt = Adam([Value(0.0)])
    assert (opt.lr, opt.betas, opt.eps, opt.weight_decay) == (1e-3, (0.9, 0.999), 1e-8, 0.0)


def test_adam_weight_decay_is_coupled_as_in_torch_adam_not_adamw():
    # zero loss gradient, wd 1, w 2 => g = 2, first step moves lr (= 0.1): 1.9.
    # (AdamW would decay first, w * (1 - lr * wd) = 1.8, then take no Adam step.)
    w = Value(2.0)
    opt = Adam([w], lr=0.1, weight_decay=1.0, eps=0.0)
    opt.step()
    assert w.data == pytest.approx(1.9, rel=1e-15)


def test_adam_converges_on_a_quadratic():
    w = Value(5.0)
    path = quadratic_steps(Adam([w], lr=0.1), w, 500)
    assert abs(path[-1]) < 1e-2


# -- shared behaviour ----------------------------------------------------------------------------


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.9),
                                  lambda ps: Adam(ps, lr=0.1)])
def test_zero_grad_and_lr_zero_freezes(make):
    ps = [Value(1.0), Value(-2.0)]
    opt = make(ps)
    (ps[0] * ps[1]).backward()
    opt.zero_grad()
    assert [p.grad for p in ps] == [0.0, 0.0]
    (ps[0] * ps[1]).backward()
    opt.lr = 0.0
    opt.step()
    assert [p.data for p in ps] == [1.0, -2.0]


def test_gradients_that_are_values_are_used_by_value():
    w = Value(1.0)
    (w * w * w).backward(create_graph=True)  # grad 3 w^2 = 3, as a Value
    assert isinstance(w.grad, Value)
    SGD([w], lr=0.25).step()
    assert w.data == 0.25


def test_params_may_be_a_generator_and_are_kept_in_order():
    ps = [Value(float(i)) for i in range(4)]
    opt = SGD((p for p in ps), lr=0.1)
    assert opt.params == ps
    assert isinstance(opt, Optimizer)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda p: SGD(p, lr=-0.1), ValueError, "lr"),
        (lambda p: SGD(p, lr=math.nan), ValueError, "lr"),
        (lambda p: SGD(p, lr="0.1"), TypeError, "lr"),
        (lambda p: SGD(p, lr=0.1, momentum=-0.5), ValueError, "momentum"),
        (lambda p: SGD(p, lr=0.1, weight_decay=-1), ValueError, "weight_decay"),
        (lambda p: Adam(p, betas=(1.0, 0.999)), ValueError, r"betas\[0\]"),
        (lambda p: Adam(p, betas=(0.9, -0.1)), ValueError, r"betas\[1\]"),
        (lambda p: Adam(p, betas=0.9), ValueError, "pair"),
        (lambda p: Adam(p, eps=-1e-8), ValueError, "eps"),
        (lambda p: Adam(p, lr=True), TypeError, "lr"),
    ],
)
def test_bad_hyperparameters(make, error, match):
    with pytest.raises(error, match=match):
        make([Value(1.0)])


def test_bad_parameter_lists():
    w = Value(1.0)
    with pytest.raises(ValueError, match="empty"):
        SGD([], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        SGD([w, w], lr=0.1)
    with pytest.raises(TypeError, match="not a Value"):
        Adam([w, 1.0])
    with pytest.raises(TypeError, match="single Value"):
        Adam(w)


def test_lr_assignment_is_validated():
    opt = SGD([Value(0.0)], lr=0.1)
    opt.lr = 0.05
    assert opt.lr == 0.05
    with pytest.raises(ValueError):
        opt.lr = -1.0


# -- new options, by hand -----------------------------------------------------------------------


def constant_gradient_steps(opt, w, c, steps):
    """Runs ``steps`` updates with gradient ``c`` and returns the trajectory."""
    path = []
    for _ in range(steps):
        w.grad = c
        opt.step()
        path.append(w.data)
    return path


def test_sgd_nesterov_looks_ahead_along_the_buffer():
    # lr = mu = 0.5, gradient 1: buf = 1, g = 1 + 0.5 * 1 = 1.5, w = -0.75;
    # buf = 0.5 + 1 = 1.5, g = 1 + 0.75 = 1.75, w = -0.75 - 0.875 = -1.625
    w = Value(0.0)
    path = constant_gradient_steps(SGD([w], lr=0.5, momentum=0.5, nesterov=True), w, 1.0, 2)
    assert path == [-0.75, -1.625]


def test_sgd_dampening_scales_the_gradient_into_the_buffer_after_the_first_step():
    # mu = 0.5, dampening 0.25, gradient 1, lr 1: buf = 1 (first step: the gradient itself),
    # then 0.5 * 1 + 0.75 = 1.25, then 0.625 + 0.75 = 1.375
    w = Value(0.0)
    path = constant_gradient_steps(SGD([w], lr=1.0, momentum=0.5, dampening=0.25), w, 1.0, 3)
    assert path == [-1.0, -2.25, -3.625]


def test_sgd_maximize_ascends_but_weight_decay_still_decays():
    w = Value(0.0)
    assert constant_gradient_steps(SGD([w], lr=0.25, maximize=True), w, 1.0, 3) == [
        0.25, 0.5, 0.75]
    # torch negates the gradient before adding the decay: g = -0 + 1 * w, w = 1 - 0.5 * 1
    w = Value(1.0)
    assert constant_gradient_steps(SGD([w], lr=0.5, weight_decay=1.0, maximize=True),
                                   w, 0.0, 2) == [0.5, 0.25]


def test_adam_maximize_mirrors_minimize():
    a, b = Value(1.0), Value(1.0)
    down = constant_gradient_steps(Adam([a], lr=0.125), a, 3.0, 5)
    up = constant_gradient_steps(Adam([b], lr=0.125, maximize=True), b, -3.0, 5)
    assert up == down


def test_adam_amsgrad_divides_by_the_largest_second_moment():
    # betas (0.5, 0.5), eps 0, lr 0.1, gradients 2 then 0:
    #   t=1: m = 1, v = 2, v_max = 2, step = (0.1/0.5) * 1 / (sqrt(2)/sqrt(0.5)) = 0.1
    #   t=2: m = 0.5, v = 1, v_max = 2: step = (0.1/0.75) * 0.5 / (sqrt(v_max)/sqrt(0.75))
    #        (plain Adam would divide by sqrt(v)/sqrt(0.75) = sqrt(1/0.75) instead)
    for amsgrad, v_used in [(True, 2.0), (False, 1.0)]:
        w = Value(1.0)
        opt = Adam([w], lr=0.1, betas=(0.5, 0.5), eps=0.0, amsgrad=amsgrad)
        path = [constant_gradient_steps(opt, w, g, 1)[0] for g in (2.0, 0.0)]
        assert path[0] == pytest.approx(0.9, rel=1e-15)
        second = (0.1 / 0.75) * 0.5 / (math.sqrt(v_used) / math.sqrt(0.75))
        assert path[1] == pytest.approx(0.9 - second, rel=1e-15)


def test_adamw_decays_the_parameter_not_the_gradient():
    # zero gradient: the Adam step is 0 (m = 0), so only the decay p * (1 - lr * wd) acts
    w = Value(2.0)
    path = constant_gradient_steps(AdamW([w], lr=0.1, weight_decay=1.0), w, 0.0, 4)
    assert path == pytest.approx([2.0 * 0.9**k for k in range(1, 5)], rel=1e-15)


def test_adamw_defaults_are_torchs():
    opt = AdamW([Value(0.0)])
    assert (opt.lr, opt.betas, opt.eps, opt.weight_decay, opt.amsgrad, opt.maximize) == (
        1e-3, (0.9, 0.999), 1e-8, 1e-2, False, False)
    assert isinstance(opt, Adam)


# -- None gradients ------------------------------------------------------------------------------


def test_zero_grad_set_to_none():
    ps = [Value(1.0), Value(2.0)]
    opt = SGD(ps, lr=0.1)
    opt.zero_grad(set_to_none=True)
    assert [p.grad for p in ps] == [None, None]
    opt.zero_grad()
    assert [p.grad for p in ps] == [0.0, 0.0]
    with pytest.raises(TypeError, match="set_to_none"):
        opt.zero_grad(set_to_none="yes")


@pytest.mark.parametrize("make", [
    lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1),
    lambda ps: Adam(ps, lr=0.1, weight_decay=0.1),
    lambda ps: AdamW(ps, lr=0.1),
])
def test_parameters_without_gradient_are_left_alone(make):
    # The case: Adam with weight decay moved an unused parameter from 0.7 to 0.26.
    used, unused = Value(1.0), Value(0.7)
    opt = make([used, unused])
    for _ in range(50):
        opt.zero_grad(set_to_none=True)
        used.grad = 0.5 * used.data
        opt.step()
    assert unused.data == 0.7
    assert used.data != 1.0
    assert opt.state_dict()["state"][1] == {}


def test_a_skipped_step_does_not_advance_adams_step_count():
    a, b = Value(1.0), Value(1.0)
    opt = Adam([a, b], lr=0.1)
    a.grad, b.grad = 1.0, 1.0
    opt.step()
    b.grad = None
    opt.step()
    opt.step()
    steps = [s["step"] for s in opt.state_dict()["state"]]
    assert steps == [3, 1]


def test_a_gradient_of_the_wrong_type_raises_and_changes_nothing():
    ps = [Value(1.0), Value(2.0)]
    opt = SGD(ps, lr=0.1)
    ps[0].grad = 1.0
    ps[1].grad = "1.0"
    with pytest.raises(TypeError, match=r"params\[1\]\.grad"):
        opt.step()
    assert [p.data for p in ps] == [1.0, 2.0]


# -- settings and habits -------------------------------------------------------------------------


def test_repr_shows_the_settings():
    ps = MLP(2, [3, 1], seed=0).parameters()
    assert repr(SGD(ps, lr=0.1, momentum=0.9)) == (
        "SGD(13 parameters, lr=0.1, momentum=0.9, dampening=0.0, weight_decay=0.0, "
        "nesterov=False, maximize=False)")
    assert repr(AdamW([Value(1.0)])) == (
        "AdamW(1 parameter, lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.01, "
        "amsgrad=False, maximize=False)")


def test_parameters_method_not_called_says_so():
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(TypeError, match=r"did you mean model\.parameters\(\)"):
        SGD(model.parameters, lr=0.1)


@pytest.mark.parametrize(("params", "match"), [
    (5, "iterable of Values"),
    ("abc", "iterable of Values"),
    ({"w": Value(1.0)}, "iterable of Values"),
    ([Value(1.0), 2.0], r"params\[1\] is a float, not a Value"),
    ([("w", Value(1.0))], r"not named_parameters\(\)"),
    ([{"params": [Value(1.0)]}], "parameter groups"),
])
def test_params_that_are_not_values(params, match):
    with pytest.raises(TypeError, match=match):
        SGD(params, lr=0.1)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda p: SGD(p, lr=0.1, nesterov=True), ValueError, "nesterov.*momentum > 0"),
        (lambda p: SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), ValueError,
         "nesterov.*dampening == 0"),
        (lambda p: SGD(p, lr=0.1, nesterov=1), TypeError, "nesterov"),
        (lambda p: SGD(p, lr=0.1, maximize="no"), TypeError, "maximize"),
        (lambda p: SGD(p, lr=0.1, dampening=1.5), ValueError, "dampening"),
        (lambda p: SGD(p, lr=0.1, momentum=math.inf), ValueError, "momentum"),
        (lambda p: Adam(p, amsgrad=None), TypeError, "amsgrad"),
        (lambda p: Adam(p, betas=(0.9, "0.999")), TypeError, r"betas\[1\]"),
        (lambda p: AdamW(p, weight_decay=-0.01), ValueError, "weight_decay"),
        (lambda p: AdamW(p, maximize=0), TypeError, "maximize"),
    ],
)
def test_bad_option_combinations(make, error, match):
    with pytest.raises(error, match=match):
        make([Value(1.0)])


def test_settings_other_than_lr_are_read_only():
    opt = SGD([Value(1.0)], lr=0.1, momentum=0.9)
    with pytest.raises(AttributeError, match="fixed at construction"):
        opt.momentum = 0.5
    assert opt.momentum == 0.9
    opt.lr = 0.01
    assert opt.lr == 0.01
    with pytest.raises(TypeError, match="lr"):
        opt.lr = None
    assert opt.lr == 0.01


def test_params_property_is_a_copy():
    ps = [Value(1.0)]
    opt = SGD(ps, lr=0.1)
    opt.params.append(Value(2.0))
    assert opt.params == ps
