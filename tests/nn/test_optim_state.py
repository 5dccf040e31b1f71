"""Optimizer checkpoints: ``state_dict`` / ``load_state_dict``.

Stopping a run, saving the optimizer through JSON, loading it into a fresh optimizer (built with
other settings) over fresh parameters holding the same values, and continuing must give the
uninterrupted trajectory bit for bit, for every optimizer and option. A bad state is refused
with a ValueError naming the key, and leaves the optimizer as it was.
"""

import copy
import itertools
import json
import math
import random
from fractions import Fraction

import pytest

from autograd import Value
from nn import SGD, Adam, AdamW, StateError

SGD_CASES = [
    (SGD, {"lr": 0.05, "momentum": m, "dampening": d, "weight_decay": wd, "nesterov": nest,
           "maximize": mx})
    for m, d, wd, nest, mx in itertools.product(
        (0.0, 0.9), (0.0, 0.3), (0.0, 0.05), (False, True), (False, True))
    if not nest or (m > 0 and d == 0)
]
ADAM_CASES = [
    (cls, {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": wd, "amsgrad": ams,
           "maximize": mx})
    for cls in (Adam, AdamW)
    for wd, ams, mx in itertools.product((0.0, 0.1), (False, True), (False, True))
]
CASES = SGD_CASES + ADAM_CASES


def _ident(case):
    cls, options = case
    return cls.__name__ + "-" + ",".join(f"{k}={v}" for k, v in options.items() if k != "lr")


def fresh(cls, params):
    """An optimizer of ``cls`` with settings unlike every case's: loading must replace them."""
    return cls(params, lr=1.0) if cls is SGD else cls(params, lr=0.5)


def trajectory(cls, options, steps=40, stop=None):
    """Parameter values after each step; with ``stop``, checkpointed and resumed there."""
    rng = random.Random(7)
    params = [Value(rng.uniform(-1.0, 1.0)) for _ in range(4)]
    opt = cls(params, **options)
    sign = -1.0 if options["maximize"] else 1.0
    path = []
    for t in range(steps):
        if t == stop:
            text = json.dumps(opt.state_dict())  # to a file and back, as a checkpoint would go
            params = [Value(p.data) for p in params]  # ...and so would the model
            opt = fresh(cls, params)
            opt.load_state_dict(json.loads(text))
        if t == 25:
            opt.lr = opt.lr / 3
        for i, p in enumerate(params):
            skip = i == 3 or (i == 2 and rng.random() < 0.3)
            p.grad = None if skip else sign * 0.5 * p.data + rng.gauss(0.0, 1.0)
        opt.step()
        path.append([p.data for p in params])
    return path, opt.state_dict()


@pytest.mark.parametrize("case", CASES, ids=_ident)
def test_resume_from_a_json_checkpoint_is_bit_exact(case):
    cls, options = case
    expected_path, expected_state = trajectory(cls, options)
    for stop in (1, 17, 33):
        path, state = trajectory(cls, options, stop=stop)
        assert path == expected_path  # exact float equality, every parameter, every step
        assert state == expected_state


def test_state_dict_is_plain_json_data():
    w, unused = Value(1.0), Value(2.0)
    opt = Adam([w, unused], lr=0.1, amsgrad=True)
    w.grad, unused.grad = 0.5, None
    opt.step()
    d = opt.state_dict()
    assert json.loads(json.dumps(d)) == d
    assert d == {
        "optimizer": "Adam",
        "version": 1,
        "hyperparameters": {"lr": 0.1, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.0,
                            "amsgrad": True, "maximize": False},
        "state": [
            # m = 0.1 * 0.5, v = 0.001 * 0.25 (one step from zero); the second param: no grad
            {"step": 1, "exp_avg": (1 - 0.9) * 0.5, "exp_avg_sq": (1 - 0.999) * 0.5 * 0.5,
             "max_exp_avg_sq": (1 - 0.999) * 0.5 * 0.5},
            {},
        ],
    }


def test_state_dict_is_a_copy():
    w = Value(1.0)
    opt = SGD([w], lr=0.1, momentum=0.9)
    w.grad = 1.0
    opt.step()
    d = opt.state_dict()
    d["state"][0]["momentum_buffer"] = 99.0
    d["hyperparameters"]["lr"] = 5.0
    assert opt.state_dict()["state"][0] == {"momentum_buffer": 1.0}
    assert opt.lr == 0.1


def test_loading_replaces_the_settings():
    ps = [Value(1.0)]
    opt = SGD(ps, lr=1.0)
    opt.load_state_dict(SGD(ps, lr=0.25, momentum=0.5, nesterov=True).state_dict())
    assert (opt.lr, opt.momentum, opt.nesterov) == (0.25, 0.5, True)
    opt = AdamW(ps)
    opt.load_state_dict(AdamW(ps, betas=(0.5, 0.75), weight_decay=0.0).state_dict())
    assert (opt.betas, opt.weight_decay) == ((0.5, 0.75), 0.0)


def test_numbers_of_any_real_type_load():
    w = Value(1.0)
    opt = SGD([w], lr=0.1, momentum=0.5)
    d = opt.state_dict()
    d["hyperparameters"]["lr"] = Fraction(1, 4)
    d["state"] = [{"momentum_buffer": Fraction(1, 2)}]
    opt.load_state_dict(d)
    w.grad = 1.0
    opt.step()
    assert w.data == 1.0 - 0.25 * (0.5 * 0.5 + 1.0)


# -- refusals ------------------------------------------------------------------------------------


def stepped(cls, **options):
    ps = [Value(1.0), Value(-1.0)]
    opt = cls(ps, lr=0.1, **options)
    ps[0].grad, ps[1].grad = 0.5, None
    opt.step()
    return ps, opt


def edit(path_value):
    """A function that sets one entry (by key path) of a deep copy of a state dict."""
    *path, value = path_value

    def apply(d):
        d = copy.deepcopy(d)
        target = d
        for key in path[:-1]:
            target = target[key]
        if value is DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value
        return d

    return apply


DELETE = object()

SGD_BAD = [
    (lambda d: [d], "mapping"),
    (edit(("state", DELETE)), "missing key.*'state'"),
    (edit(("extra", 1)), "unexpected key.*'extra'"),
    (edit(("optimizer", "Adam")), "'optimizer' is 'Adam'.*not for SGD"),
    (edit(("version", 2)), "version"),
    (edit(("version", True)), "version"),
    (edit(("hyperparameters", "lr", -0.1)), r"hyperparameters\['lr'\].*>= 0"),
    (edit(("hyperparameters", "lr", "0.1")), r"hyperparameters\['lr'\].*real number"),
    (edit(("hyperparameters", "lr", math.nan)), r"hyperparameters\['lr'\].*finite"),
    (edit(("hyperparameters", "lr", 10**400)), r"hyperparameters\['lr'\].*too large"),
    (edit(("hyperparameters", "momentum", DELETE)), "hyperparameters.*missing.*'momentum'"),
    (edit(("hyperparameters", "betas", [0.9, 0.99])), "hyperparameters.*unexpected.*'betas'"),
    (edit(("hyperparameters", "nesterov", "true")), r"hyperparameters\['nesterov'\]"),
    (lambda d: edit(("hyperparameters", "nesterov", True))(
        edit(("hyperparameters", "dampening", 0.5))(d)), r"hyperparameters\['nesterov'\].*dampening"),
    (edit(("state", [{"momentum_buffer": 1.0}])), "1 entries.*2 parameters"),
    (edit(("state", {"0": {"momentum_buffer": 1.0}})), "'state' must be a list"),
    (edit(("state", 0, "momentum_buffer", math.inf)), r"state\[0\]\['momentum_buffer'\].*finite"),
    (edit(("state", 0, "momentum_buffer", None)), r"state\[0\]\['momentum_buffer'\]"),
    (edit(("state", 0, "buffer", 1.0)), r"state\[0\].*unexpected.*'buffer'"),
    (edit(("state", 1, None)), r"state\[1\] must be a mapping"),
    (edit(("hyperparameters", "momentum", 0.0)), r"state\[0\].*momentum is 0"),
]
ADAM_BAD = [
    (edit(("optimizer", "AdamW")), "not for Adam"),
    (edit(("hyperparameters", "betas", [0.9])), r"hyperparameters\['betas'\].*pair"),
    (edit(("hyperparameters", "betas", [0.9, 1.0])), r"hyperparameters\['betas'\]\[1\]"),
    (edit(("hyperparameters", "amsgrad", False)), r"state\[0\].*unexpected.*'max_exp_avg_sq'"),
    (edit(("state", 0, "max_exp_avg_sq", DELETE)), r"state\[0\].*missing.*'max_exp_avg_sq'"),
    (edit(("state", 0, "step", 0)), r"state\[0\]\['step'\].*>= 1"),
    (edit(("state", 0, "step", 1.0)), r"state\[0\]\['step'\].*int"),
    (edit(("state", 0, "step", True)), r"state\[0\]\['step'\].*int"),
    (edit(("state", 0, "exp_avg", math.nan)), r"state\[0\]\['exp_avg'\].*finite"),
    (edit(("state", 0, "exp_avg_sq", -1.0)), r"state\[0\]\['exp_avg_sq'\].*>= 0"),
]


@pytest.mark.parametrize(("cls", "options", "corrupt", "match"), [
    *[(SGD, {"momentum": 0.9}, corrupt, match) for corrupt, match in SGD_BAD],
    *[(Adam, {"amsgrad": True}, corrupt, match) for corrupt, match in ADAM_BAD],
])
def test_a_bad_state_is_refused_and_changes_nothing(cls, options, corrupt, match):
    _, opt = stepped(cls, **options)
    good = opt.state_dict()
    bad = corrupt(good)
    other_ps, other = stepped(cls, **options)
    other.lr = 0.125  # a state that differs from ``good``, to see that nothing is overwritten
    other_ps[0].grad = 0.25
    other.step()
    before = (other.state_dict(), repr(other), [p.data for p in other_ps])
    with pytest.raises(StateError, match=match) as info:
        other.load_state_dict(bad)
    assert isinstance(info.value, ValueError)
    assert (other.state_dict(), repr(other), [p.data for p in other_ps]) == before
    other.load_state_dict(good)  # and the good state still loads
    assert other.state_dict() == good


def test_adamw_state_is_not_adam_state():
    ps = [Value(1.0)]
    with pytest.raises(StateError, match="'optimizer' is 'AdamW'.*not for Adam"):
        Adam(ps).load_state_dict(AdamW(ps).state_dict())
    with pytest.raises(StateError, match="'optimizer' is 'Adam'.*not for AdamW"):
        AdamW(ps).load_state_dict(Adam(ps).state_dict())


def test_a_huge_value_is_not_copied_into_the_message():
    ps = [Value(1.0)]
    opt = SGD(ps, lr=0.1)
    d = opt.state_dict()
    d["optimizer"] = "x" * 10**6
    with pytest.raises(StateError) as info:
        opt.load_state_dict(d)
    assert len(str(info.value)) < 200
