"""SGD and Adam trajectories against hand-computed closed forms (torch.optim's update rules).

The objectives are chosen so each trajectory has a closed form: ``0.5 w^2`` (gradient ``w``),
``c * w`` (constant gradient), and a constant (only weight decay moves ``w``). Step sizes are
powers of two where possible, so the expected numbers are exact.
"""

import math

import pytest

from autograd import Value
from nn import SGD, Adam, Optimizer


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
