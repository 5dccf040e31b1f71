"""SGD, Adam and AdamW against ``torch.optim`` on float64 tensors, step for step.

Each run drives both optimizers through 300 steps of the same gradient rule, ``c * p + noise``
(so a difference in the parameters feeds back into the gradients), computed on each side from
its own parameters. Parameter 0 never gets a gradient, others lose theirs (``.grad = None``) at
random steps, and ``lr`` changes half-way. After every step the parameters, and at the end the
optimizer state (momentum buffers, moments, step counts), must agree to 1e-12.
"""

from __future__ import annotations

import itertools
import random

import pytest

torch = pytest.importorskip("torch")

from autograd import Value
from nn import SGD, Adam, AdamW

STEPS = 300
N = 6
TOL = 1e-12

SGD_OPTIONS = [
    {"momentum": m, "dampening": d, "weight_decay": wd, "nesterov": nest, "maximize": mx}
    for m, d, wd, nest, mx in itertools.product(
        (0.0, 0.9), (0.0, 0.3), (0.0, 0.05), (False, True), (False, True)
    )
    if not nest or (m > 0 and d == 0)
]
ADAM_OPTIONS = [
    {"betas": b, "eps": eps, "weight_decay": wd, "amsgrad": ams, "maximize": mx}
    for b, eps, wd, ams, mx in itertools.product(
        ((0.9, 0.999), (0.3, 0.6)), (1e-8, 1e-3), (0.0, 0.1), (False, True), (False, True)
    )
]


def _ident(options):
    return ",".join(f"{k}={v}" for k, v in options.items())


def run_against_torch(ours_cls, torch_cls, options, *, lr, seed):
    """Runs both optimizers side by side; returns (worst parameter gap, worst state gap)."""
    rng = random.Random(seed)
    start = [rng.uniform(-2.0, 2.0) for _ in range(N)]
    ours = [Value(x) for x in start]
    theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in start]
    opt = ours_cls(ours, lr=lr, **options)
    topt = torch_cls(theirs, lr=lr, foreach=False, **options)
    c = -0.5 if options["maximize"] else 0.5  # a well-posed problem either way
    worst = 0.0
    for t in range(STEPS):
        if t == STEPS // 2:
            opt.lr = lr / 3
            for group in topt.param_groups:
                group["lr"] = lr / 3
        for i in range(N):
            if i == 0 or (i > 1 and rng.random() < 0.25):
                ours[i].grad = None
                theirs[i].grad = None
            else:
                noise = rng.gauss(0.0, 1.0)
                ours[i].grad = c * ours[i].data + noise
                theirs[i].grad = torch.tensor(c * theirs[i].item() + noise, dtype=torch.float64)
        opt.step()
        topt.step()
        worst = max(worst, *(abs(p.data - q.item()) for p, q in zip(ours, theirs, strict=True)))
    assert ours[0].data == start[0]  # never had a gradient: never moved
    state = opt.state_dict()["state"]
    state_gap = 0.0
    for entry, q in zip(state, theirs, strict=True):
        expected = topt.state.get(q, {})
        assert sorted(entry) == sorted(expected)
        for key, value in expected.items():
            if key == "step":
                assert entry[key] == int(value.item())
            else:
                state_gap = max(state_gap, abs(entry[key] - value.item()))
    assert state[0] == {}
    return worst, state_gap


@pytest.mark.parametrize("options", SGD_OPTIONS, ids=_ident)
def test_sgd_equals_torch(options):
    worst, state_gap = run_against_torch(SGD, torch.optim.SGD, options, lr=0.05, seed=1)
    assert worst <= TOL
    assert state_gap <= TOL


@pytest.mark.parametrize("options", ADAM_OPTIONS, ids=_ident)
def test_adam_equals_torch(options):
    worst, state_gap = run_against_torch(Adam, torch.optim.Adam, options, lr=0.02, seed=2)
    assert worst <= TOL
    assert state_gap <= TOL


@pytest.mark.parametrize("options", ADAM_OPTIONS, ids=_ident)
def test_adamw_equals_torch(options):
    worst, state_gap = run_against_torch(AdamW, torch.optim.AdamW, options, lr=0.02, seed=3)
    assert worst <= TOL
    assert state_gap <= TOL


def test_adamw_default_weight_decay_is_torchs():
    ours = AdamW([Value(1.0)])
    theirs = torch.optim.AdamW([torch.zeros((), dtype=torch.float64, requires_grad=True)])
    assert ours.weight_decay == theirs.defaults["weight_decay"] == 1e-2
    assert ours.lr == theirs.defaults["lr"]
    assert ours.betas == tuple(theirs.defaults["betas"])
    assert ours.eps == theirs.defaults["eps"]


def test_state_dict_names_match_torch():
    """The per-parameter state keys are torch's, so the files read naturally to its users."""
    for ours_cls, torch_cls, options in [
        (SGD, torch.optim.SGD, {"momentum": 0.9}),
        (Adam, torch.optim.Adam, {"amsgrad": True}),
        (AdamW, torch.optim.AdamW, {}),
    ]:
        p = Value(1.0)
        q = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
        opt = ours_cls([p], lr=0.1, **options)
        topt = torch_cls([q], lr=0.1, **options)
        p.grad = 1.0
        q.grad = torch.tensor(1.0, dtype=torch.float64)
        opt.step()
        topt.step()
        assert sorted(opt.state_dict()["state"][0]) == sorted(topt.state_dict()["state"][0])
        group = topt.state_dict()["param_groups"][0]
        for key, value in opt.state_dict()["hyperparameters"].items():
            assert value == (list(group[key]) if isinstance(group[key], tuple) else group[key])
