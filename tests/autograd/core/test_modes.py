"""no_grad, enable_grad and detect_anomaly (custom_op's tests: test_custom.py)."""

from __future__ import annotations

import asyncio
import math
import pathlib
import threading

import pytest

import autograd as ag
from autograd import Value, detect_anomaly, no_grad


def test_no_grad_records_no_parents_and_nests():
    x = Value(2.0)
    with no_grad():
        y = x * x + ag.dot([x], [x]) + x.tanh()
        with no_grad():
            z = x.exp()
        w = x * 3.0
    after = x * x
    assert y.parents == () and y.op == "" and z.parents == () and w.parents == ()
    assert after.parents == (x, x)
    assert ag.is_grad_enabled()


def test_no_grad_as_decorator_with_and_without_parentheses():
    @no_grad()
    def f(v):
        return v * v

    @no_grad
    def g(v):
        return v * v

    x = Value(3.0)
    assert f(x).parents == () and g(x).parents == ()
    assert f(x).data == 9.0 and g.__name__ == "g"
    assert (x * x).parents == (x, x)


def test_enable_grad_inside_no_grad():
    x = Value(1.0)
    with no_grad(), ag.enable_grad():
        y = x * 2.0
    assert y.parents == (x,)


def test_no_grad_is_local_to_its_thread():
    seen = {}
    ready = threading.Event()
    release = threading.Event()

    def other():
        ready.wait()
        seen["other"] = ag.is_grad_enabled()
        release.set()

    t = threading.Thread(target=other)
    t.start()
    with no_grad():
        ready.set()
        release.wait()
        seen["main"] = ag.is_grad_enabled()
    t.join()
    assert seen == {"other": True, "main": False}


def test_no_grad_is_local_to_its_async_task():
    async def inside():
        with no_grad():
            await asyncio.sleep(0.01)
            return ag.is_grad_enabled()

    async def outside():
        await asyncio.sleep(0.005)
        return ag.is_grad_enabled()

    async def main():
        return await asyncio.gather(inside(), outside())

    assert asyncio.run(main()) == [False, True]


def test_detect_anomaly_names_op_label_and_source_line():
    x = Value(0.0, label="x")
    with detect_anomaly():
        root = x.sqrt()  # the line the message must point at
        root.label = "root"
        y = root * 1.0
        with pytest.raises(FloatingPointError) as info:
            y.backward()
    message = str(info.value)
    assert "'sqrt'" in message and "'root'" in message
    assert __file__ in message
    import inspect

    source = inspect.getsource(test_detect_anomaly_names_op_label_and_source_line)
    offset = source.splitlines().index("        root = x.sqrt()  # the line the message must point at")
    line = test_detect_anomaly_names_op_label_and_source_line.__code__.co_firstlineno + offset
    assert f"line {line}" in message


def test_the_creation_site_may_be_in_a_folder_named_like_the_package():
    # A user's file in <...>/autograd_examples/ is the user's line, not one of the package's
    # own frames to skip (its folder name merely starts with the package's).
    import os
    import types

    from autograd.core.modes import creation_site

    def make() -> str:
        return creation_site()

    package = os.path.dirname(os.path.abspath(ag.__file__))
    user_file = package + "_examples/train.py"
    code = make.__code__.replace(co_filename=user_file)
    site = types.FunctionType(code, make.__globals__, None, None, make.__closure__)()
    assert site == f'File "{user_file}", line {code.co_firstlineno + 1}, in make'


def test_detect_anomaly_catches_nan_from_inf_times_zero():
    x = Value(0.0)
    with detect_anomaly():
        y = x.sqrt() * 0.0
        with pytest.raises(FloatingPointError, match="NaN|infinite"):
            y.backward()


def test_detect_anomaly_names_the_line_of_a_node_whose_data_is_nan():
    # inf - inf is nan, and exp's local derivative (its output) is nan too: the node is the
    # one made on the marked line, not one "created outside detect_anomaly()".
    x = Value(math.inf)
    with detect_anomaly():
        y = (x - x).exp()  # the nan node
        with pytest.raises(FloatingPointError) as info:
            y.backward()
    message = str(info.value)
    assert "'exp'" in message and "outside" not in message
    line = int(message.split(", line ")[1].split(",")[0])
    source = pathlib.Path(__file__).read_text().splitlines()
    assert source[line - 1].strip() == "y = (x - x).exp()  # the nan node"


def test_detect_anomaly_in_the_differentiable_pass():
    x = Value(0.0)
    with detect_anomaly():
        y = x.sqrt()
        with pytest.raises(FloatingPointError, match="sqrt"):
            ag.grad(lambda v: v.sqrt())(x)
        with pytest.raises(FloatingPointError):
            y.backward(create_graph=True)


def test_detect_anomaly_inside_no_grad_records_nothing_and_transforms_keep_checking():
    # As torch.autograd.detect_anomaly inside torch.no_grad: checking does not turn recording
    # back on. A transform inside still records, and still checks its pass.
    x = Value(0.0)
    with no_grad(), detect_anomaly():
        assert not ag.is_grad_enabled()
        assert (x * x).parents == ()
        with pytest.raises(FloatingPointError, match="sqrt"):
            ag.grad(lambda v: v.sqrt())(0.0)
    assert ag.is_grad_enabled()


def test_without_anomaly_mode_the_pass_gives_ieee_values():
    x = Value(0.0)
    y = x.sqrt() * 0.0
    y.backward()
    assert math.isnan(x.grad)


def test_bare_enable_grad_and_detect_anomaly_decorators():
    @ag.enable_grad
    def square(x):
        return x * x

    @ag.detect_anomaly
    def root_of(x):
        x.sqrt().backward()

    with ag.no_grad():
        assert square(Value(3.0)).parents != ()
    x = Value(0.0)
    with pytest.raises(FloatingPointError, match="sqrt"):
        root_of(x)


def test_no_grad_decorates_generator_functions_and_coroutines():
    import asyncio

    @ag.no_grad
    def steps(x):
        for _ in range(2):
            yield x * x

    @ag.no_grad()
    async def twice(x):
        await asyncio.sleep(0)
        return x * 2.0

    x = Value(3.0)
    gen = steps(x)
    first = next(gen)
    assert first.parents == () and (x * x).parents == (x, x)  # mode held only inside
    assert all(v.parents == () for v in gen)
    assert asyncio.run(twice(x)).parents == ()


def test_a_decorated_generator_receives_throw_and_close_in_its_mode():
    # As for an undecorated generator: an exception thrown in reaches the generator's own
    # handler, and close() runs its cleanup; both inside the mode.
    seen = []

    @no_grad
    def worker():
        try:
            yield 1
        except ValueError:
            yield ("caught", ag.is_grad_enabled())
        finally:
            seen.append(ag.is_grad_enabled())

    gen = worker()
    assert next(gen) == 1
    assert gen.throw(ValueError("stop")) == ("caught", False)
    gen.close()
    assert seen == [False] and ag.is_grad_enabled()
