"""Reverse mode: accumulation, reuse, repeated passes, depth, higher orders, freeing."""

from __future__ import annotations

import gc
import math
import sys
import tracemalloc

import pytest

import autograd as ag
from autograd import Value, topological_order


def test_a_plus_a_counts_both_edges():
    a = Value(3.0)
    b = a + a
    assert b.parents == (a, a)
    b.backward()
    assert a.grad == 2.0


def test_a_times_a():
    a = Value(3.0)
    b = a * a
    b.backward()
    assert a.grad == 6.0


def test_diamond():
    x = Value(2.0)
    left = x * 3.0
    right = x.exp()
    out = left * right  # d/dx (3x e^x) = 3 e^x + 3x e^x
    out.backward()
    assert x.grad == pytest.approx(3 * math.exp(2) + 6 * math.exp(2), rel=1e-14)
    assert left.grad == pytest.approx(math.exp(2))
    assert right.grad == pytest.approx(6.0)


def test_node_reused_across_outputs():
    x = Value(1.5)
    shared = x.tanh()
    y1 = shared * 2.0
    y2 = shared * shared
    y1.backward()
    after_first = x.grad
    assert after_first == pytest.approx(2 * (1 - math.tanh(1.5) ** 2))
    y2.backward()
    t = math.tanh(1.5)
    assert x.grad == pytest.approx(after_first + 2 * t * (1 - t * t))
    assert shared.grad == pytest.approx(2.0 + 2 * t)


def test_backward_k_times_gives_k_times_the_gradients_on_every_node():
    x = Value(0.7)
    h = (x * x).sin()
    y = h * x + 1.0
    y.backward()
    once = {id(n): n.grad for n in topological_order(y)}
    for _ in range(2):
        y.backward()
    for node in topological_order(y):
        assert node.grad == pytest.approx(3 * once[id(node)], rel=1e-14)


def test_gradient_seed_scales_linearly():
    x = Value(0.3)
    y = x.exp() * x
    y.backward(gradient=2.5)
    assert x.grad == pytest.approx(2.5 * (math.exp(0.3) * 1.3))
    assert y.grad == 2.5


def test_seed_must_be_a_real_number():
    with pytest.raises(TypeError, match="str"):
        Value(1.0).backward(gradient="1")


def test_constants_are_not_parents():
    x = Value(2.0)
    y = 3.0 * x + 1
    assert y.parents[0].parents == (x,)
    assert len(y.parents) == 1


def test_topological_order_puts_parents_first_and_is_deterministic():
    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    h = [(x * w + i).tanh() for i in range(5)]
    out = ag.sum(h) * x
    order = topological_order(out)
    position = {id(n): i for i, n in enumerate(order)}
    assert order[-1] is out
    assert len(position) == len(order)
    for node in order:
        for p in node.parents:
            assert position[id(p)] < position[id(node)]
    again = topological_order(out)
    assert [id(n) for n in again] == [id(n) for n in order]


def test_a_million_deep_chain_at_the_default_recursion_limit():
    assert sys.getrecursionlimit() <= 10_000
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + 1.0
    y.backward()
    assert y.data == 1_000_001.0
    assert x.grad == 1.0
    del y  # freeing the chain must not recurse either


def _net_memory_after(build) -> tuple[int, int, int]:
    """(peak bytes of one build, bytes one build-and-drop retains, cycle-collector finds).

    Measured on the second build: the first leaves a fixed residue in the interpreter's
    allocator (free lists) that does not grow with the graph.
    """
    gc.collect()
    gc.disable()
    try:
        tracemalloc.start()
        build()
        build()  # free lists (of the tuples some nodes keep, too) fill over two builds
        residue = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        kept = build()
        peak = tracemalloc.get_traced_memory()[1]
        del kept
        retained = tracemalloc.get_traced_memory()[0] - residue
        tracemalloc.stop()
        return peak, retained, gc.collect()
    finally:
        gc.enable()


def _deep_mixed_graph(n: int = 20_000) -> Value:
    x = Value(0.5)
    y = x
    for i in range(n):
        y = (y * 1.0001 + x).tanh() if i % 2 else ag.dot([y, x], [x, 0.5])
    return y


def test_graph_is_freed_by_reference_counting_alone():
    """No reference cycles: with the cycle collector off, dropping the root frees everything."""

    def build():
        y = _deep_mixed_graph()
        y.backward()
        y.backward()
        return y

    peak, retained, cycles = _net_memory_after(build)
    assert peak > 5_000_000
    assert retained < 1_000
    assert cycles == 0


def test_higher_order_transforms_leave_no_cycles():
    def build():
        f = lambda v: _deep_mixed_graph(2_000) * v
        return [ag.grad(ag.grad(f))(0.3), ag.hessian(lambda a, b: a * b.tanh())(1.0, 2.0)]

    peak, retained, cycles = _net_memory_after(build)
    assert peak > 1_000_000
    assert retained < 1_000
    assert cycles == 0


def test_create_graph_gives_differentiable_gradients():
    x = Value(1.3)
    y = x**3 + x.sin()
    y.backward(create_graph=True)
    g = x.grad
    assert isinstance(g, Value)
    assert g.data == pytest.approx(3 * 1.3**2 + math.cos(1.3))
    x2 = Value(1.3)
    y2 = x2**3 + x2.sin()
    y2.backward(create_graph=True)
    x2.grad.backward()
    # x2.grad now holds first + second derivative: the first pass left 3x^2 + cos x as a Value
    # and the second pass added 6x - sin x to it.
    assert x2.grad.data == pytest.approx(3 * 1.3**2 + math.cos(1.3) + 6 * 1.3 - math.sin(1.3))


def test_create_graph_constant_gradient_is_a_value_too():
    x = Value(2.0)
    (3.0 * x).backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 3.0


def test_third_derivative_through_backward():
    x = Value(0.5)
    y = x.exp() * x
    (g1,) = [None]
    y.backward(create_graph=True)
    g1 = x.grad
    x.grad = 0.0
    g1.backward(create_graph=True)
    g2 = x.grad
    x.grad = 0.0
    g2.backward()
    # d^3/dx^3 (x e^x) = (x + 3) e^x
    assert x.grad == pytest.approx(3.5 * math.exp(0.5))


def test_backward_inside_no_grad_still_works_and_create_graph_records():
    x = Value(2.0)
    y = x * x
    with ag.no_grad():
        y.backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.parents


def test_a_failed_pass_changes_no_grad_and_a_later_pass_is_exact():
    x = Value(0.0)
    r = x.sqrt()
    y = r * 0.0  # 0 * inf = nan in the backward pass, at the edge from r to x
    with ag.detect_anomaly(), pytest.raises(FloatingPointError):
        y.backward()
    assert (x.grad, r.grad, y.grad) == (0.0, 0.0, 0.0)  # y and r were swept before the error
    z = Value(4.0)
    w = x * 1.0 + z * 2.0
    w.backward()
    assert (x.grad, z.grad) == (1.0, 2.0)


def test_an_op_on_two_values_or_one_value_and_a_constant_makes_one_tracked_object():
    """The node carries up to two parents in its own slots: no edge or argument tuple that the
    cycle collector would have to walk (the dominant per-op cost on a growing graph)."""
    a, b = Value(1.5), Value(-2.0)
    ops = [
        lambda: a + b, lambda: a * b, lambda: a - b, lambda: a * 0.5, lambda: 3 - a,
        lambda: 2 * a, lambda: a.relu(), lambda: a.tanh(), lambda: -a, lambda: a / b,
        lambda: a**2, lambda: 2**a, lambda: a.leaky_relu(0.1), lambda: ag.dot([a], [b]),
    ]
    gc.collect()
    gc.disable()  # no collection may untrack (and so hide) a container made along the way
    try:
        for op in ops:
            keep = []
            before = len(gc.get_objects())
            for _ in range(200):
                keep.append(op())
            grown = len(gc.get_objects()) - before
            assert grown <= 200 + 5, (op(), grown)  # one object per node, plus list growth
            del keep
    finally:
        gc.enable()


def test_parents_and_local_grads_for_one_two_and_many_parents():
    a, b, c = Value(2.0), Value(3.0), Value(5.0)
    assert Value(1.0).parents == () and Value(1.0).local_grads == ()
    assert a.exp().parents == (a,) and a.exp().local_grads == (math.exp(2.0),)
    assert (a * b).parents == (a, b) and (a * b).local_grads == (3.0, 2.0)
    s = ag.dot([a, b, c], [c, 1.0, a])
    assert s.parents == (a, b, c, c, a)
    assert s.local_grads == (5.0, 1.0, 2.0, 2.0, 5.0)
    s.backward()
    assert (a.grad, b.grad, c.grad) == (10.0, 1.0, 4.0)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda x: x - 3, lambda x: (x, 3.0)),
        (lambda x: 3 - x, lambda x: (3.0, x)),
        (lambda x: x**3, lambda x: (x, 3.0)),
        (lambda x: 3**x, lambda x: (3.0, x)),
        (lambda x: 2 * x, lambda x: (2.0, x)),
        (lambda x: x / 4, lambda x: (x, 4.0)),
        (lambda x: ag.leaky_relu(x, 0.25), lambda x: (x, 0.25)),
        (lambda x: ag.sum([1.0, x, 2.0]), lambda x: (1.0, x, 2.0)),
    ],
)
def test_constants_keep_their_argument_position(make, expected):
    x = Value(1.5)
    y = make(x)
    assert y.arguments == expected(x)
    assert y.parents == (x,)
    (g,) = ag.grad(lambda v: make(v).exp(), argnums=(0,))(1.5)
    h = 1e-6
    numeric = (math.exp(make(Value(1.5 + h)).data) - math.exp(make(Value(1.5 - h)).data)) / (2 * h)
    assert g == pytest.approx(numeric, rel=1e-6)


def test_a_sort_that_fails_midway_leaves_nothing_a_later_pass_reads():
    class Broken:  # not a node: reading its scratch slot fails halfway through the sort
        pass

    x = Value(1.0)
    y = x * 2.0
    z = y + x
    z._p1 = Broken()  # corrupt the graph on purpose
    with pytest.raises(AttributeError):
        z.backward()
    assert (x.grad, y.grad, z.grad) == (0.0, 0.0, 0.0)
    w = y * x  # 2x * x: dw/dx = 4x, dw/dy = x
    w.backward()
    assert (x.grad, y.grad) == (4.0, 1.0)


def test_a_zero_gradient_skips_an_n_ary_node_only_when_that_changes_nothing():
    """A dead ReLU's weighted sum receives gradient 0; its parents then get exactly what
    multiplying by zero would give them (the functional transforms do no such skipping)."""
    from autograd.core.backprop import gradients
    from nn import MLP

    model = MLP(3, [6, 6, 1], seed=2)
    for neuron in model.layers[1].neurons[:3]:
        neuron.b = Value(-50.0)  # dead for every input below
    params = model.parameters()
    out = ag.sum([model(x) ** 2 for x in [[0.3, -0.2, 0.9], [-1.0, 0.5, 0.1]]])
    # The reference: the dictionary-based pass the functional transforms use.
    expected = gradients(out, params, create_graph=False)  # into a map: .grad untouched
    assert all(p.grad == 0.0 for p in params)
    out.backward()
    assert [p.grad for p in params] == expected
    dead = model.layers[1].neurons[0]
    assert all(w.grad == 0.0 for w in dead.w) and dead.b.grad == 0.0
    assert any(p.grad != 0.0 for p in params)

    # With an infinite partial, zero times it is NaN, as IEEE arithmetic (and PyTorch) say.
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    s = ag.dot([a, b, c], [1.0, 2.0, math.inf])
    (s * 0.0).backward()
    assert (a.grad, b.grad) == (0.0, 0.0)
    assert math.isnan(c.grad)


@pytest.mark.parametrize("create_graph", [False, True])
def test_concurrent_passes_over_shared_nodes_add_up(create_graph):
    """Threads running backward on graphs that share their leaves (as data-parallel training
    shares parameters) each contribute their whole gradient; the interpreter is made to switch
    threads every microsecond so that unguarded passes would interleave."""
    import threading

    leaves = [Value(0.01 * (i % 7) + 0.5) for i in range(40 if create_graph else 300)]

    def graph(offset):
        y = leaves[0]
        for x in leaves:
            y = (y * x + offset).tanh()
        return y

    roots = [graph(0.1), graph(0.2), graph(0.3)]
    alone = []
    for root in roots:
        for x in leaves:
            x.grad = 0.0
        root.backward()
        alone.append([x.grad for x in leaves])
    for x in leaves:
        x.grad = 0.0
    passes = 6 if create_graph else 20

    def work(root):
        for _ in range(passes):
            root.backward(create_graph=create_graph)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(root,)) for root in roots]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    for i, x in enumerate(leaves):
        total = x.grad.data if create_graph else x.grad
        expected = passes * math.fsum(g[i] for g in alone)
        assert total == pytest.approx(expected, rel=1e-9, abs=1e-300), i
