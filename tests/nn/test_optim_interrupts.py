"""Interrupt safety of ``optimizer.step()`` (issue 16): all or nothing, tested deterministically.

A tracer (``sys.settrace``) raises an exception at the k-th ``line`` event executed inside
``step()`` (in ``step`` itself and in everything it calls), for k = 1, 2, ... until a step runs
to the end. After every interrupted step, each parameter and the whole optimizer state must be
either exactly as before the step or exactly as after an uninterrupted one, and the optimizer
must go on working.

``Value.data`` is a plain slot today, so storing the new values runs no Python line and cannot
be interrupted; the same tests run on a Value subclass whose ``data`` is a Python property, so
the interrupts also land between the stores and the step's restore path is exercised.
"""

import itertools
import random
import sys

import pytest

from autograd import Value
from nn import SGD, Adam, AdamW


class PropertyValue(Value):
    """A Value whose ``data`` goes through Python code, so that storing it can be interrupted."""

    @property
    def data(self):
        return Value.data.__get__(self)

    @data.setter
    def data(self, x):
        x = float(x)
        Value.data.__set__(self, x)


OPTIMIZERS = {
    "sgd": lambda ps: SGD(ps, lr=0.1),
    "sgd-nesterov": lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True),
    "sgd-dampening-maximize": lambda ps: SGD(ps, lr=0.1, momentum=0.5, dampening=0.5,
                                             maximize=True),
    "adam-amsgrad": lambda ps: Adam(ps, lr=0.1, weight_decay=0.01, amsgrad=True),
    "adamw": lambda ps: AdamW(ps, lr=0.1),
}


def set_grads(params, rng):
    for i, p in enumerate(params):
        if i == len(params) - 1:
            p.grad = None  # never has a gradient
        elif i == 0:
            p.grad = Value(rng.gauss(0.0, 1.0))  # as after backward(create_graph=True)
        else:
            p.grad = rng.gauss(0.0, 1.0)


def build(make, value_cls):
    """Parameters and an optimizer that has taken 3 steps, with gradients for the next one."""
    rng = random.Random(3)
    params = [value_cls(rng.uniform(-1.0, 1.0)) for _ in range(5)]
    opt = make(params)
    for _ in range(3):
        set_grads(params, rng)
        opt.step()
    set_grads(params, rng)
    return params, opt


def snapshot(params, opt):
    grads = [p.grad if p.grad is None or isinstance(p.grad, float) else p.grad.data
             for p in params]
    return [p.data for p in params], grads, opt.state_dict()


def call_with_interrupt(fn, k, exc_type):
    """Calls ``fn()``, raising ``exc_type`` at the k-th line event inside it.

    Returns the name of the function where it was raised, or None if ``fn`` finished first.
    """
    count = 0
    where = None

    def local(frame, event, arg):
        nonlocal count, where
        if event == "line" and where is None:
            count += 1
            if count == k:
                where = frame.f_code.co_name
                raise exc_type(f"injected at line event {k}")
        return local

    old = sys.gettrace()
    sys.settrace(lambda frame, event, arg: local)
    try:
        fn()
    except exc_type:
        assert where is not None  # the exception is ours, not a failure of step()
        return where
    finally:
        sys.settrace(old)
    return None


@pytest.mark.parametrize("exc_type", [KeyboardInterrupt, RuntimeError])
@pytest.mark.parametrize("value_cls", [Value, PropertyValue])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_an_interrupt_at_any_line_of_step_is_all_or_nothing(name, value_cls, exc_type):
    make = OPTIMIZERS[name]
    before = snapshot(*build(make, value_cls))
    params, opt = build(make, value_cls)
    opt.step()
    after = snapshot(params, opt)
    assert after[0][:-1] != before[0][:-1] and after[0][-1] == before[0][-1]

    places = set()
    for k in itertools.count(1):
        params, opt = build(make, value_cls)
        where = call_with_interrupt(opt.step, k, exc_type)
        now = snapshot(params, opt)
        if where is None:  # ran to the end without meeting line event k
            assert now == after
            break
        places.add(where)
        assert now in (before, after), f"line event {k} (in {where}) split the step"
        if now == before:  # the interrupted optimizer still works: a retry is exact
            opt.step()
            assert snapshot(params, opt) == after
    assert k > 10  # the tracer did see step()'s lines
    if value_cls is PropertyValue:
        assert "data" in places  # interrupts landed between the stores of the new values


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_an_interrupt_in_load_state_dict_is_all_or_nothing(name):
    make = OPTIMIZERS[name]
    params, source = build(make, Value)
    source.step()
    source.lr = 0.03125
    saved = source.state_dict()
    fresh = make(params).state_dict()
    for k in itertools.count(1):
        opt = make(params)
        where = call_with_interrupt(lambda opt=opt: opt.load_state_dict(saved), k,
                                    KeyboardInterrupt)
        now = opt.state_dict()
        if where is None:
            assert now == saved
            break
        assert now in (fresh, saved), f"line event {k} (in {where}) split the load"
    assert k > 10
