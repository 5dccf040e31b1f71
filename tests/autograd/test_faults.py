"""Fault injection into the engine: interrupts at every line of a backward pass, shared mode
objects across threads and tasks, gradients set to None (issue 16)."""

from __future__ import annotations

import asyncio
import sys
import threading

import pytest

import autograd as ag
from autograd import Value, backprop


class _Interrupt:
    """A tracer raising KeyboardInterrupt at the k-th line executed inside autograd/backprop.py
    (the sort and the sweeps): deterministic, every line in turn, no luck of timing."""

    def __init__(self, k: int) -> None:
        self.k = k
        self.count = 0
        self.fired = False

    def __call__(self, frame, event, arg):
        if frame.f_code.co_filename != backprop.__file__:
            return None
        return self._line

    def _line(self, frame, event, arg):
        if event == "line" and not self.fired:
            if self.count == self.k:
                self.fired = True
                raise KeyboardInterrupt
            self.count += 1
        return self._line


def _graph():
    x, y = Value(1.5), Value(-0.5)
    a = x * y + x
    b = ag.dot([a, x, y], [y, 2.0, a]).relu() + a.tanh()
    return x, y, a, b * x - 3.0


def _exact(x, y):
    xs, ys = Value(x.data), Value(y.data)
    *_, out = _graph_at(xs, ys)
    out.backward()
    return xs.grad, ys.grad


def _graph_at(x, y):
    a = x * y + x
    b = ag.dot([a, x, y], [y, 2.0, a]).relu() + a.tanh()
    return x, y, a, b * x - 3.0


@pytest.mark.parametrize("create_graph", [False, True])
def test_an_interrupt_at_any_line_of_backward_leaves_the_graph_usable(create_graph):
    x, y, _, out = _graph()
    nodes = ag.topological_order(out)
    expected = _exact(x, y)
    k = 0
    while True:
        for node in nodes:
            node.grad = 0.0
        tracer = _Interrupt(k)
        sys.settrace(tracer)
        try:
            out.backward(create_graph=create_graph)
        except KeyboardInterrupt:
            pass
        finally:
            sys.settrace(None)
        assert all(node._g is None for node in nodes), k  # no mark left behind
        for node in nodes:
            node.grad = 0.0
        out.backward()  # a later pass is exact
        assert (x.grad, y.grad) == expected, k
        if not tracer.fired:
            break
        k += 1
    assert k > 20  # every line of the sort and the sweep was hit


def test_an_interrupt_in_topological_order_and_the_transforms_leaves_no_marks():
    x, y, _, out = _graph()
    nodes = ag.topological_order(out)
    for k in range(200):
        tracer = _Interrupt(k)
        sys.settrace(tracer)
        try:
            ag.topological_order(out)
            ag.grad(lambda v: _graph_at(v, y)[-1])(1.5)
        except KeyboardInterrupt:
            pass
        finally:
            sys.settrace(None)
        assert all(node._g is None for node in nodes), k
        if not tracer.fired:
            break
    assert ag.grad(lambda v: _graph_at(v, Value(-0.5))[-1])(1.5) == _exact(x, y)[0]


def test_backward_treats_a_gradient_of_none_as_zero():
    x = Value(2.0)
    x.grad = None  # nn's zero_grad(set_to_none=True), as PyTorch's
    y = x * x
    y.grad = None
    y.backward()
    assert x.grad == 4.0 and y.grad == 1.0
    x.grad = None
    (x * 3.0).backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 3.0


def test_one_no_grad_instance_shared_by_overlapping_threads():
    shared = ag.no_grad()
    entered = threading.Barrier(2)
    results = {}

    def work(name):
        with shared:
            entered.wait()  # both threads are inside at once
            results[name] = (Value(1.0) * 2.0).parents
            entered.wait()
        results[name + " after"] = ag.is_grad_enabled()

    threads = [threading.Thread(target=work, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {"a": (), "b": (), "a after": True, "b after": True}
    assert ag.is_grad_enabled()


def test_one_no_grad_instance_shared_by_overlapping_tasks():
    shared = ag.no_grad()

    async def work():
        with shared:
            await asyncio.sleep(0)  # the other task enters and leaves meanwhile
            inside = (Value(1.0) * 2.0).parents
        return inside, ag.is_grad_enabled()

    async def main():
        return await asyncio.gather(work(), work())

    assert asyncio.run(main()) == [((), True), ((), True)]


def test_a_custom_derivative_that_raises_under_create_graph_raises():
    def broken(x):
        raise ValueError("no second derivative here")

    sq = ag.custom_op(lambda x: x * x, lambda x: 2.0 * x if type(x) is float else broken(x),
                      name="sq")
    assert ag.grad(sq)(3.0) == 6.0
    with pytest.raises(ValueError, match="no second derivative here"):
        ag.grad(ag.grad(sq))(3.0)


def test_custom_op_keeps_and_chains_the_users_own_error():
    def picky(x):
        if x < 0:
            raise ValueError("picky wants x >= 0")
        return x

    op = ag.custom_op(picky, lambda x: 1.0, name="picky")
    with pytest.raises(ValueError, match=r"picky\(-1.0\): picky wants x >= 0") as info:
        op(Value(-1.0))
    assert isinstance(info.value.__cause__, ValueError)


def test_detect_anomaly_keeps_no_node_alive():
    import gc
    import tracemalloc

    from nn import MLP

    model = MLP(2, [8, 8, 1], seed=0)

    def step():
        loss = ag.sum([model([0.1 * i, -0.2]) ** 2 for i in range(5)])
        loss.backward()

    def live_values():
        gc.collect()
        return sum(1 for o in gc.get_objects() if type(o) is Value)

    before = live_values()
    with ag.detect_anomaly():
        for _ in range(300):  # also fills the interpreter's free lists of small tuples
            step()
        tracemalloc.start()
        for _ in range(200):  # the table of creation sites reaches its size
            step()
        first = tracemalloc.get_traced_memory()[0]
        for _ in range(200):
            step()
        grown = tracemalloc.get_traced_memory()[0] - first
        tracemalloc.stop()
        assert live_values() == before  # every step's graph freed
    assert grown < 5_000  # flat over 200 steps (one step's graph alone is ~100 kB)
