"""Fault injection into the engine: shared mode objects across threads and tasks, gradients set
to None (issue 16). Failing custom derivatives are in test_custom.py; interrupts at every
bytecode of every pass in tests/autograd/test_interrupts.py."""

from __future__ import annotations

import asyncio
import threading

import autograd as ag
from autograd import Value


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
