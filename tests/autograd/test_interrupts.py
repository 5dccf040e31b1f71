"""Interrupts at every bytecode (issue 19, part 1): a KeyboardInterrupt arriving anywhere in a
pass leaves nothing that a later pass reads.

Python runs a signal handler between bytecodes, not only at line starts (right after a call
returns, before its result is stored, for one), so the injection here is per bytecode: a
``sys.settrace`` hook turns on ``frame.f_trace_opcodes`` in every frame of the package's code
(``autograd/``, ``nn/``, the generated operators and jit's compiled functions) and raises
KeyboardInterrupt at the k-th ``opcode`` event, for k = 0, 1, 2, ... until the call runs to its
end. A ``line`` event comes right before the first bytecode of its line, so this covers every
line-level position too. After each interrupt:

- ``backward`` (first order, ``create_graph``, under ``detect_anomaly``) and a compiled
  ``g.backward`` (warm, and its first, compiling call) left every ``.grad`` either untouched
  or exactly as a finished call leaves it (all or nothing);
- the interrupted graph's rerun gives exactly the gradients of an uninterrupted run (``==``),
  and so does a new graph over the same leaves;
- ``topological_order``, ``grad``, ``jacobian`` and ``jvp`` give exactly what they give
  uninterrupted, and the recording mode around is as it was (``no_grad`` included);
- ``optimizer.step()`` left the parameters and the optimizer's state before or after the step
  (all or nothing), and the optimizer then goes on exactly as one never interrupted.

The last test sends real signals: ``signal.setitimer`` at random (seeded) instants of the
backward pass of a 100,000-node chain.
"""

from __future__ import annotations

import dis
import math
import os
import random
import signal
import sys
import threading
import time

import pytest

import autograd as ag
import nn
from autograd import Value
from autograd.core import backprop

_OURS = tuple(os.path.dirname(os.path.abspath(m.__file__)) + os.sep for m in (ag, nn))


def _ours(filename: str) -> bool:
    """A file of the package, or generated code: every generated source is compiled under a
    name in the package's folder (``autograd/<generated: Value.log>``, ``autograd/<op table:
    log>``, ``autograd/<jit 3: f backward>``: autograd.core.generated)."""
    return filename.startswith(_OURS)


class _Interrupt:
    """A ``sys.settrace`` hook raising KeyboardInterrupt at the k-th bytecode executed in the
    package's code (k from 0); ``fired`` says whether it did, ``where`` at which instruction
    (code object, offset)."""

    def __init__(self, k: int) -> None:
        self.fired = False
        self.where = None
        left = k

        def opcode(frame, event, arg):
            nonlocal left
            if event == "opcode":
                if left == 0:
                    self.fired = True
                    self.where = (frame.f_code, frame.f_lasti)
                    sys.settrace(None)  # once
                    raise KeyboardInterrupt(f"injected at bytecode {k}")
                left -= 1
            return opcode

        self._opcode = opcode

    def __call__(self, frame, event, arg):
        if not _ours(frame.f_code.co_filename):
            return None
        frame.f_trace_lines = False
        frame.f_trace_opcodes = True
        return self._opcode


def interrupted(call, k: int) -> _Interrupt:
    """Runs ``call()`` with a KeyboardInterrupt at its k-th bytecode in the package; the hook
    says whether it fired (False: the call ran to the end first)."""
    hook = _Interrupt(k)
    sys.settrace(hook)
    try:
        call()
    except KeyboardInterrupt:
        assert hook.fired  # ours, not some other failure
    finally:
        sys.settrace(None)
    return hook


def every_bytecode(call, check, setup=None) -> int:
    """Interrupts ``call()`` at its bytecode 0, 1, 2, ... in turn, running ``check(k)`` after
    each, until a call runs to the end (``check`` runs after that one too). With ``setup``,
    each call is ``setup()()``, the setup itself not interrupted. Returns how many positions
    were interrupted.

    After each interrupt the engine's pass lock must be free for other threads, except where
    the interrupt came between the end of a ``with PASS_LOCK:`` block and the C-level call
    that releases it: bytecodes no exception handler covers, where CPython never runs a
    signal handler (it does so on entering a function, on a backward jump and after a call
    returns from C code, and the lock's ``__exit__`` is that call). Those holds are released
    here, so that later tests' threads are not blocked."""
    k = 0
    while True:
        hook = interrupted(call if setup is None else setup(), k)
        # (the lock is taken by backprop.py's code only: elsewhere it cannot have been left)
        if hook.fired and hook.where[0].co_filename == backprop.__file__ and not (
            _pass_lock_is_free()
        ):
            code, offset = hook.where
            assert not _handled(code, offset), k
            backprop.PASS_LOCK.release()
        check(k)
        if not hook.fired:
            return k
        k += 1


def _handled(code, offset: int) -> bool:
    """Whether an exception at ``offset`` of ``code`` reaches a handler of that code (a
    ``with`` block's included)."""
    return any(e.start <= offset < e.end for e in dis.Bytecode(code).exception_entries)


def _pass_lock_is_free() -> bool:
    """Whether another thread can take the engine's pass lock now."""
    result = []

    def take():
        got = backprop.PASS_LOCK.acquire(blocking=False)
        if got:
            backprop.PASS_LOCK.release()
        result.append(got)

    thread = threading.Thread(target=take)
    thread.start()
    thread.join()
    return result[0]


# ---------------------------------------------------------------------------------------------
# A small graph: an op on two Values, one on a Value and a constant, tanh (its derivative
# reuses its output), an n-ary dot with a constant among its arguments, a shared node.
# ---------------------------------------------------------------------------------------------

X, Y = 1.5, -0.5


def graph(x, y):
    a = x * y + 1.0
    return ag.dot([a, x, 2.0], [a.tanh(), y, y])  # a tanh(a) + x y + 2 y


def closed_form(x, y):
    """d graph / dx and d graph / dy by hand."""
    a = x * y + 1.0
    da = math.tanh(a) + a * (1.0 - math.tanh(a) ** 2)  # d (a tanh a) / da
    return da * y + y, da * x + x + 2.0


def test_the_reference_gradients_are_the_closed_form():
    x, y = Value(X), Value(Y)
    graph(x, y).backward()
    assert (x.grad, y.grad) == pytest.approx(closed_form(X, Y), rel=1e-14)


def _grads(nodes):
    """Each node's ``.grad``; a Value (create_graph) as ("Value", its data)."""
    return [n.grad if type(n.grad) is not Value else ("Value", n.grad.data) for n in nodes]


@pytest.mark.parametrize("kind", ["first order", "create_graph", "detect_anomaly"])
def test_backward_interrupted_at_every_bytecode(kind):
    create_graph = kind == "create_graph"
    with ag.detect_anomaly() if kind == "detect_anomaly" else ag.enable_grad():
        x, y = Value(X), Value(Y)
        out = graph(x, y)
        nodes = ag.topological_order(out)
        before = _grads(nodes)  # every .grad 0.0
        out.backward(create_graph=create_graph)
        after = _grads(nodes)
        leaves = _grads([x, y])
        assert [g[1] if create_graph else g for g in leaves] == pytest.approx(closed_form(X, Y))
        second = None
        if create_graph:  # d/dx (d out/dx), through the gradient's own graph
            gx = x.grad
            x.grad = 0.0
            gx.backward()
            second = x.grad

        def check(k):
            assert _grads(nodes) in (before, after), f"bytecode {k} split the delivery"
            for n in nodes:
                n.grad = 0.0
            out.backward(create_graph=create_graph)  # the interrupted graph again
            assert _grads(nodes) == after, k
            if create_graph:
                gx = x.grad
                x.grad = 0.0
                gx.backward()
                assert x.grad == second, k
            x.grad = y.grad = 0.0
            graph(x, y).backward(create_graph=create_graph)  # a new graph, the same leaves
            assert _grads([x, y]) == leaves, k
            for n in nodes:
                n.grad = 0.0

        for n in nodes:
            n.grad = 0.0
        positions = every_bytecode(lambda: out.backward(create_graph=create_graph), check)
    assert positions > 150


def test_topological_order_interrupted_at_every_bytecode():
    x, y = Value(X), Value(Y)
    out = graph(x, y)
    expected = ag.topological_order(out)
    out.backward()
    grads = _grads([x, y])

    def check(k):
        assert ag.topological_order(out) == expected, k
        x.grad = y.grad = 0.0
        out.backward()
        assert _grads([x, y]) == grads, k
        x.grad = y.grad = 0.0
        graph(x, y).backward()
        assert _grads([x, y]) == grads, k

    assert every_bytecode(lambda: ag.topological_order(out), check) > 50


@pytest.mark.parametrize("transform", ["grad", "jacobian", "jvp"])
def test_transforms_interrupted_at_every_bytecode(transform):
    w = Value(Y)  # a leaf the function captures: backward over it afterwards must be exact
    if transform == "grad":
        call = ag.grad(lambda v, u: graph(v, u) * w, argnums=(0, 1))
        expected = call(X, Y)
        assert expected == pytest.approx([d * Y for d in closed_form(X, Y)], rel=1e-14)
    elif transform == "jvp":  # forward mode, along (1, 2)
        call = lambda v, u: ag.jvp(lambda a, b: graph(a, b) * w, (v, u), (1.0, 2.0))
        expected = call(X, Y)
        dx, dy = closed_form(X, Y)
        assert expected[1] == pytest.approx((dx + 2.0 * dy) * Y, rel=1e-14)
    else:
        call = ag.jacobian(lambda v, u: [graph(v, u), v * w])
        expected = call(X, Y)
        assert expected == [pytest.approx(closed_form(X, Y), rel=1e-14), [Y, 0.0]]
    reference = Value(X)
    graph(reference, w).backward()
    w_grad = w.grad
    assert w_grad == pytest.approx(closed_form(X, Y)[1], rel=1e-14)

    def check(k):
        assert ag.is_grad_enabled(), k
        assert call(X, Y) == expected, k  # floats: no transform call is left running
        w.grad = 0.0
        graph(Value(X), w).backward()
        assert w.grad == w_grad, k

    assert every_bytecode(lambda: call(X, Y), check) > 1000


@pytest.mark.parametrize("call", ["grad", "backward(create_graph=True)"])
def test_an_interrupt_at_every_bytecode_leaves_the_mode_around_it(call):
    """The transforms and the create_graph sweep record, whatever the mode around them."""
    x = Value(3.0)
    y = x * x
    if call == "grad":
        square = ag.grad(lambda v: v * v)
        run = lambda: square(3.0)
    else:
        run = lambda: y.backward(create_graph=True)

    def check(k):
        assert not ag.is_grad_enabled(), k
        x.grad = 0.0
        assert ag.grad(lambda v: v * v)(3.0) == 6.0, k
        y.backward(create_graph=True)
        assert x.grad.data == 6.0 and x.grad.parents, k  # recorded: a graph of its own
        x.grad = 0.0

    with ag.no_grad():
        assert every_bytecode(run, check) > 100
    assert ag.is_grad_enabled()


@pytest.mark.parametrize("call", ["jit engine run", "gradcheck", "gradgradcheck"])
def test_the_library_switches_modes_only_in_a_copy_of_the_context(call):
    """jit's engine runs (its checking mode, a fallback, a domain error) and the gradient
    checkers record whatever the mode around; they switched it with ``enable_grad`` in the
    caller's context, so an interrupt inside that switch's ``__enter__`` or ``__exit__`` left
    the caller's ``no_grad`` recording."""
    if call == "jit engine run":
        g = ag.jit(lambda v: graph(v, Y), check_every=1)  # every call also runs the engine
        expected = g(X)
        run = lambda: g(X)
        again = lambda: g(X) == expected
    else:
        check = ag.gradcheck if call == "gradcheck" else ag.gradgradcheck
        run = lambda: check(lambda v: graph(v, Y), [X])
        again = run

    def after(k):
        assert not ag.is_grad_enabled(), k
        assert again(), k

    with ag.no_grad():
        assert every_bytecode(run, after) > 500
    assert ag.is_grad_enabled()


def test_compiled_backward_interrupted_at_every_bytecode():
    w, u = Value(Y), Value(2.0)  # outside leaves: the compiled backward adds to their .grad
    g = ag.jit(lambda v: graph(v, w) * u)
    g.compile(X, backward=True)
    value = g.backward(X)
    expected = [w.grad, u.grad]
    a = X * Y + 1.0
    out = a * math.tanh(a) + X * Y + 2.0 * Y  # graph(X, Y), the derivative by u
    assert expected == pytest.approx([closed_form(X, Y)[1] * 2.0, out], rel=1e-14)

    def check(k):
        assert [w.grad, u.grad] in ([0.0, 0.0], expected), f"bytecode {k} split the delivery"
        w.grad = u.grad = 0.0
        assert g.backward(X) == value and [w.grad, u.grad] == expected, k
        w.grad = u.grad = 0.0
        (graph(Value(X), w) * u).backward()  # a new graph over the same leaves
        assert [w.grad, u.grad] == expected, k
        w.grad = u.grad = 0.0

    w.grad = u.grad = 0.0
    assert every_bytecode(lambda: g.backward(X), check) > 50


def test_a_compiling_call_interrupted_at_every_bytecode():
    """The first call traces, generates and compiles (a one-op function: 4,000 bytecodes)."""
    w = Value(2.0)

    def f(v):
        return v * w

    g = ag.jit(f)

    def check(k):
        assert w.grad in (0.0, 3.0), k  # d/dw = v = 3
        assert ag.grad(lambda v: v * v)(3.0) == 6.0, k  # a float: no trace left running
        w.grad = 0.0
        assert g.backward(3.0) == 6.0 and w.grad == 3.0, k  # whatever g had cached
        w.grad = 0.0
        f(Value(3.0)).backward()  # a new graph over the same leaf
        assert w.grad == 3.0, k
        w.grad = 0.0

    def setup():
        nonlocal g
        g = ag.jit(f)
        return lambda: g.backward(3.0)

    assert every_bytecode(None, check, setup) > 2000


def _loss(params):
    a, b, c = params
    return (a * b - 1.0) ** 2 + (b + c).tanh() * a


def _state(params, opt):
    return [p.data for p in params], opt.state_dict()


@pytest.mark.parametrize("name", ["sgd-momentum", "adam"])
def test_optimizer_step_interrupted_at_every_bytecode(name):
    make = {
        "sgd-momentum": lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9),
        "adam": lambda ps: nn.Adam(ps, lr=0.1),
    }[name]

    def ready():
        """Parameters and their optimizer after one step, with the gradients for the second."""
        params = [Value(0.5), Value(-1.25), Value(2.0)]
        opt = make(params)
        _loss(params).backward()
        opt.step()
        opt.zero_grad()
        _loss(params).backward()
        return params, opt

    params, opt = ready()
    before = _state(params, opt)
    opt.step()
    after = _state(params, opt)
    opt.zero_grad()
    _loss(params).backward()
    next_grads = [p.grad for p in params]
    opt.step()
    next_state = _state(params, opt)
    assert before != after != next_state

    current = []

    def setup():
        current[:] = ready()
        return current[1].step

    def check(k):
        params, opt = current
        now = _state(params, opt)
        assert now in (before, after), f"bytecode {k} split the step"
        if now == before:
            opt.step()  # the interrupted optimizer still works
        assert _state(params, opt) == after, k
        opt.zero_grad()
        _loss(params).backward()  # a new graph over the same leaves
        assert [p.grad for p in params] == next_grads, k
        opt.step()
        assert _state(params, opt) == next_state, k

    assert every_bytecode(None, check, setup) > 200


# ---------------------------------------------------------------------------------------------
# Real signals.
# ---------------------------------------------------------------------------------------------

def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs signal.setitimer (POSIX)")
def test_real_signals_at_random_instants_of_a_large_backward():
    n = 100_000
    x = Value(2.0)
    y = x
    for _ in range(n):
        y = y + x
    start = time.perf_counter()
    y.backward()
    duration = time.perf_counter() - start
    assert x.grad == n + 1
    rng = random.Random(19)
    old = signal.signal(signal.SIGALRM, _raise_interrupt)
    untouched = 0
    try:
        for _ in range(8):
            x.grad = 0.0
            finished = False
            try:
                signal.setitimer(signal.ITIMER_REAL, rng.uniform(0.0, duration))
                y.backward()
                finished = True
                time.sleep(duration + 1.0)  # the timer fires here, not in a later statement
            except KeyboardInterrupt:
                pass
            assert x.grad in (0.0, n + 1.0)  # all or nothing
            untouched += not finished and x.grad == 0.0
            x.grad = 0.0
            y.backward()  # the interrupted graph again
            assert x.grad == n + 1.0
            x.grad = 0.0
            (x * 5.0 + x).backward()  # a new graph over the same leaf
            assert x.grad == 6.0
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0.0)
        signal.signal(signal.SIGALRM, old)
    assert untouched > 0  # some signals did land inside backward
