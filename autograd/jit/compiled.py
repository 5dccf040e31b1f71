"""``jit``: trace a function once per input structure and run it as straight-line Python.

A graph of one Python object per op costs about a microsecond per op to build and sweep.
Training rebuilds the same graph at every step, so ``jit`` traces it once
(``autograd.jit.trace``), writes the forward pass and the chain rule out as plain float
statements (``autograd.jit.codegen``) and runs that instead: no node is made, no graph is
sorted. What a trace bakes in from around ``f``, and the checks that notice when it changed (a
watch at every call, the checking mode), are in ``autograd.jit.baked``.

>>> from autograd import Value, jit
>>> w = Value(0.5, label="w")
>>> f = jit(lambda x: (w * x).tanh())
>>> round(f.backward(2.0), 6), round(w.grad, 6)
(0.761594, 0.839949)
>>> print(f.source)
def backward(A, D):
    x, = A
    w, = D
    t1 = w * x  # mul
    t2 = math_tanh(t1)  # tanh
    g_t2 = 1.0
    g_t1 = g_t2 * (1.0 - t2 * t2)
    g_w = g_t1 * x
    return t2, (g_w,)
<BLANKLINE>
"""

from __future__ import annotations

import functools
import inspect
import itertools
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

from ..core.backprop import add_to_grads, gradients, topological_order
from ..core.modes import run_recording
from ..core.node import Value
from .baked import JitCheckError, StaleTraceError, Watch, first_difference, same, watch
from .codegen import Generated, GuardFailed, generate
from .trace import (
    ConcretizationError,
    Trace,
    build_output,
    flatten,
    output_shape,
    rebuild,
    run_trace,
)

__all__ = [
    "Compiled", "ConcretizationError", "CostModel", "JitCheckError", "StaleTraceError",
    "compile_cost", "jit",
]

MAX_VARIANTS = 16
"""Traces kept per input structure (one per combination of branches seen); past this, calls
of that structure run in the engine, with a warning."""

COMPILE_NOW_S = 0.5
"""A structure whose estimated compile time is at most this is compiled at its first call.
A bigger one runs in the engine until the engine time spent on it reaches that estimate, and
is compiled then: whether f is called once or a thousand times, jit costs at most about twice
what the engine alone would (the ski-rental rule), and a long run gets the compiled speed.
``g.compile(*args)`` compiles at once instead."""


class CostModel:
    """What running and compiling a graph costs, from its size: its op nodes and its edges
    (the Value arguments of its ops; the generated backward pass has one statement per edge).

    Each figure is seconds per node plus seconds per edge, fitted to CPU times measured on the
    benchmarks' machine (AMD EPYC, CPython 3.11) on twelve MLP training steps of 37 to 6,701
    nodes and 88 to 91,456 edges (benchmark 7, ``python -m benchmarks --only jit-costs``):
    ``ENGINE``, one engine run (build the graph, backward); ``COMPILE``, tracing, generating and
    compiling it; ``COMPILED``, one run of the compiled code. Counted in engine runs, as
    :func:`compile_cost` gives them, the predictions were 0.8x to 1.5x the measured compile and
    0.6x to 1.3x the measured compiled run on those steps (2026-12-02).

    :meth:`estimate` (the compile time, in seconds) also learns: once the compiles this
    process made were predicted to take ``CALIBRATE_S`` in all, it scales by what they took.
    ``CostModel(learn=False)`` never does, so that its estimates are the same on any machine,
    under any load (the tests use one).
    """

    ENGINE = (2.6e-6, 0.16e-6)
    COMPILE = (46e-6, 15e-6)
    COMPILED = (0.19e-6, 0.08e-6)
    CALIBRATE_S = 0.25

    def __init__(self, *, learn: bool = True) -> None:
        self.learn = learn
        self.measured = 0.0  # seconds the compiles recorded took
        self.predicted = 0.0  # seconds the model gave for them

    @staticmethod
    def predict(figure: tuple[float, float], nodes: int, edges: int) -> float:
        """Seconds for a graph of ``nodes`` op nodes and ``edges`` edges, by ``figure`` (one
        of ``ENGINE``, ``COMPILE``, ``COMPILED``)."""
        per_node, per_edge = figure
        return nodes * per_node + edges * per_edge

    @classmethod
    def least_compile_runs(cls) -> float:
        """The fewest engine runs that compiling any graph costs by these figures (a node's
        or an edge's, whichever is cheaper to compile for its engine time): below this many
        calls, compiling never pays, and the graph need not be measured."""
        return min(c / e for c, e in zip(cls.COMPILE, cls.ENGINE, strict=True))

    def estimate(self, nodes: int, edges: int) -> float:
        """Seconds to trace, generate and compile the graph, calibrated when learned."""
        seconds = self.predict(self.COMPILE, nodes, edges)
        if self.learn and self.predicted >= self.CALIBRATE_S:
            seconds *= self.measured / self.predicted
        return seconds

    def record(self, seconds: float, nodes: int, edges: int) -> None:
        """A compile of the graph took ``seconds``."""
        self.measured += seconds
        self.predicted += self.predict(self.COMPILE, nodes, edges)


COSTS = CostModel()
"""The model jit's own rule (``COMPILE_NOW_S``) reads; it learns from this process's
compiles."""

_DATA = attrgetter("data")


def _graph_size(order: Sequence[Value]) -> tuple[int, int]:
    """The op nodes and edges of a graph, from its nodes (leaves are skipped)."""
    nodes = edges = 0
    for node in order:
        if not node.is_leaf:
            nodes += 1
            edges += len(node.parents)
    return nodes, edges


def compile_cost(root: Value) -> tuple[float, float]:
    """What compiling the graph ending at ``root`` would cost, in engine runs of that graph
    (building it and its backward pass): ``(compiling it, one run of the compiled code)``.

    Predicted from the graph's size by the figures of :class:`CostModel` (not learned: the same
    on every machine and under any load, as long as the engine and the compiler slow down
    alike). For the digits step (``MLP(64, [32, 10])``, a batch of 32, cross-entropy: 2,785
    nodes, 89,760 edges) about ``(68, 0.36)``: by these, compiling pays after about 108 steps.
    What a caller that knows how many calls will follow (``nn.fit``) weighs.
    """
    nodes, edges = _graph_size(topological_order(root))
    engine = CostModel.predict(CostModel.ENGINE, nodes, edges)
    return (
        CostModel.predict(CostModel.COMPILE, nodes, edges) / engine,
        CostModel.predict(CostModel.COMPILED, nodes, edges) / engine,
    )


def jit(
    f: Callable[..., Any],
    *,
    static_argnums: int | Sequence[int] = (),
    check_every: int | None = None,
) -> Compiled:
    """Compiles ``f`` into straight-line Python, one trace per input structure.

    Args:
        f: a function of numbers (and nested lists/tuples of numbers) built from autograd
            operations. Values it reads from outside (a model's parameters) are inputs too,
            read afresh at every call. ``grad(f)`` and ``value_and_grad(f)`` are compiled as
            one function computing the gradient from the forward trace.
        static_argnums: positions of arguments baked into the trace as constants (hashable;
            each distinct value traces again: ``0.0`` and ``-0.0`` are distinct, a NaN finds
            its own trace).
        check_every: for development, a checking mode: every ``check_every``-th call also
            runs the engine on the same arguments and compares, bit for bit (``-0.0`` is not
            ``0.0``; NaN equals NaN), the outputs and, for ``g.backward``, the gradient added
            to each outside Value, raising :class:`JitCheckError` at the first difference
            (before anything of the call is applied). None, the default: no checking.

    Returns:
        A :class:`Compiled` function: ``g(*args)`` returns what ``f(*args)`` returns, as floats;
        ``g.backward(*args)`` (scalar f) returns the value and adds to the ``.grad`` of every
        outside leaf what ``f(*args).backward()`` would. Arguments are positional only.

    **Data-dependent Python.** Tracing sees every op, every comparison and ``bool()`` on a
    Value, with a float, an int, a Decimal or a NumPy scalar alike (guards: the compiled code
    re-checks them exactly as Python compared, and traces again when a branch changes), and
    ``float()``/``int()``/``item()`` (refused with :class:`ConcretizationError`, naming the
    line). Library functions decide nothing on data outside the traced ops (``softmax`` shifts
    by a traced ``logsumexp``).

    **Read afresh at every call:** the arguments, and the ``.data`` of the outside Values the
    trace read. The caller's recording mode changes nothing: under ``no_grad`` a call gives
    what it gives outside, and ``g.backward`` still adds the gradients (as ``grad``
    differentiates under ``no_grad``).

    **Baked in by the trace** (f must not rely on them changing), with what jit detects:

    - a ``.data`` read, ``detach()`` or a ``no_grad`` block inside ``f``: the number seen while
      tracing. This is the escape hatch for numbers meant to stay fixed; only the checking
      mode sees it change.
    - Python numbers ``f`` reads from its closure or its module's globals. Before every
      compiled call jit compares the numbers, Values, and lists or tuples of them that f's own
      code names (lambdas and comprehensions inside f included) with what they held at the
      trace, and raises :class:`StaleTraceError` naming the one that changed:

      >>> scale = 2.0
      >>> g = jit(lambda x: x * scale)
      >>> g(1.0)
      2.0
      >>> scale = 3.0
      >>> g(1.0)
      Traceback (most recent call last):
      ...
      autograd.jit.baked.StaleTraceError: jit: <lambda> reads the global `scale`: 2.0 when f was traced, 3.0 now; ...

    - which outside Values ``f`` reads: the objects seen while tracing. Change a parameter
      through its ``.data`` (as optimizers do); a list of parameters that grows, or a name
      bound to a new Value, is detected as above when f's own code names it:

      >>> params = [Value(1.0)]
      >>> h = jit(lambda x: sum([p * x for p in params]))
      >>> h(1.0)
      1.0
      >>> params.append(Value(10.0))
      >>> h(1.0)
      Traceback (most recent call last):
      ...
      autograd.jit.baked.StaleTraceError: jit: <lambda> reads the global list `params`: 1 item(s) when f was traced, 2 now. ...

    - static arguments: keyed by their value; what ``f`` does with a static argument that is
      hashed by identity (an object of your own) is fixed at its first call.

    Not detected: attributes (``model.w = Value(...)``), dicts, lists inside lists, what the
    functions ``f`` calls read, the inside of a static argument, ``.data`` reads. The checking
    mode compares with the engine and catches them all:

    >>> class Model:
    ...     w = Value(1.0)
    >>> model = Model()
    >>> k = jit(lambda x: model.w * x, check_every=1)
    >>> k(2.0)
    2.0
    >>> model.w = Value(5.0)
    >>> k(2.0)
    Traceback (most recent call last):
    ...
    autograd.jit.baked.JitCheckError: jit check of <lambda> (call 2): the compiled output differs from the engine's: compiled 2.0, engine 10.0. ...

    A structure is compiled at its first call when that is cheap (``COMPILE_NOW_S``); a big
    graph first runs in the engine until compiling pays, or at once after ``g.compile(*args)``.
    Calls from several threads are safe: each structure and branch is traced once.
    """
    return Compiled(f, static_argnums, check_every)


class _Variant:
    """One trace of a structure (one combination of branches) and its compiled functions."""

    __slots__ = ("edges", "generated", "nodes", "params", "trace", "watch")

    def __init__(self, trace: Trace, watched: Watch | None) -> None:
        self.trace = trace
        self.params = trace.params
        self.nodes, self.edges = _graph_size(trace.order)
        self.generated: dict[str, Generated] = {}
        self.watch = watched  # f's own names as they were when the trace was made


class _Entry:
    """One input structure: its traces, and whether it is compiled yet (see COMPILE_NOW_S).

    ``variants`` is a tuple, replaced (never changed in place) under the lock, so that calls
    in other threads may walk it at any time."""

    __slots__ = ("estimate", "fallback", "hot", "pending", "spent", "variants")

    def __init__(self) -> None:
        self.variants: tuple[_Variant, ...] = ()
        self.pending: _Variant | None = None  # the first trace, while not compiled yet
        self.fallback = False  # too many branch combinations: the engine runs it
        self.hot = False  # worth compiling (its variants are compiled when first needed)
        self.estimate = -1.0  # estimated compile time, known after the first trace
        self.spent = 0.0  # engine time spent on it while not hot


class Compiled:
    """A function compiled by :func:`jit` (see there). ``cache_size`` counts the traces held;
    ``source`` is the generated Python of the last compiled call; ``stats`` has the costs.

    Calls may come from several threads: tracing, compiling and every change to the cache
    happen under one lock (each structure and branch is traced once), while the compiled
    code itself runs outside it."""

    def __init__(
        self, f: Callable[..., Any], static_argnums: int | Sequence[int], check_every: int | None
    ) -> None:
        if not callable(f):
            raise TypeError(f"jit: f must be callable, got {type(f).__name__}")
        if isinstance(static_argnums, int):
            static_argnums = (static_argnums,)
        static = tuple(static_argnums)
        if not all(isinstance(i, int) and not isinstance(i, bool) for i in static):
            raise TypeError(f"jit: static_argnums must be ints, got {static_argnums!r}")
        if check_every is not None and (
            not isinstance(check_every, int) or isinstance(check_every, bool)
        ):
            raise TypeError(
                f"jit: check_every must be a positive int or None, got {check_every!r}"
            )
        if check_every is not None and check_every < 1:
            raise ValueError(
                f"jit: check_every must be a positive int (1 checks every call), got "
                f"{check_every!r}"
            )
        self._static = static
        self._f = f
        marker = getattr(f, "__autograd_transform__", None)
        # Which transform f is: None (a plain function), "grad" or "value_and_grad" (of
        # _target). Not to be confused with a call's ``kind``: which compiled function runs.
        self._transform: str | None = None
        self._target = f
        self._argnums: Any = None
        if marker is not None:
            transform, inner, argnums = marker
            if transform in ("grad", "value_and_grad"):
                self._transform, self._target, self._argnums = transform, inner, argnums
            else:
                raise TypeError(
                    f"jit: cannot compile {transform}(f) (it reads the data of its inputs); "
                    "compile f, or grad(f) / value_and_grad(f), instead"
                )
        self._arg_names = _parameter_names(self._target)
        self._cache: dict[Any, _Entry] = {}
        self._lock = threading.RLock()  # re-entrant: f may call g while g traces it
        self._check_every = check_every or 0
        self._calls = itertools.count(1)
        self._source = ""
        self.stats: dict[str, float] = {
            "traces": 0, "nodes": 0, "lines": 0,
            "trace_s": 0.0, "generate_s": 0.0, "compile_s": 0.0,
        }
        functools.update_wrapper(self, f, updated=())

    # -- public --------------------------------------------------------------------------------

    @property
    def cache_size(self) -> int:
        """How many traces are compiled or ready to be (one per input structure and branch
        combination)."""
        return sum(len(e.variants) for e in list(self._cache.values()))

    @property
    def source(self) -> str:
        """The generated Python of the function the last compiled call ran."""
        return self._source

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs:
            raise _keywords("g", kwargs)
        return self._run("grad" if self._transform is not None else "forward", args)

    def backward(self, *args: Any, has_aux: bool = False, **kwargs: Any) -> Any:
        """Returns ``f(*args)`` (a scalar) and adds its gradient to every outside leaf's
        ``.grad``, as ``f(*args).backward()`` would.

        With ``has_aux=True``, ``f`` returns ``(loss, aux)``: the gradient is the loss's, and
        the call returns ``(loss, aux)`` with ``aux`` as floats (a model's outputs, say, for
        an accuracy), all from one compiled pass.
        """
        if kwargs:
            raise _keywords("g.backward", kwargs)
        if self._transform is not None:
            raise TypeError(f"jit: backward() is for functions, not for {self._transform}(f)")
        return self._run("backward_aux" if has_aux else "backward", args)

    def compile(self, *args: Any, backward: bool = False, **kwargs: Any) -> None:
        """Traces and compiles for the structure of ``args`` now, without running the call.

        The function ``g(*args)`` uses is compiled, or with ``backward=True`` the one of
        ``g.backward(*args)``. Useful before many calls of a big graph, which would otherwise
        run in the engine until compiling pays (see ``COMPILE_NOW_S``). A structure already
        traced by a call that ran in the engine is compiled from that trace.
        """
        if kwargs:
            raise _keywords("g.compile", kwargs)
        kind = "backward" if backward else (
            "grad" if self._transform is not None else "forward")
        # (the backward function serves g.backward with and without has_aux alike)
        if backward and self._transform is not None:
            raise TypeError(f"jit: backward() is for functions, not for {self._transform}(f)")
        static = self._static_set(len(args))
        key, flat = flatten(args, static)
        with self._lock:
            entry = self._cache.setdefault(key, _Entry())
            entry.hot = True
            if not entry.variants:
                variant = entry.pending or self._trace(key, args, flat, static)
                entry.pending = None
                entry.variants = (variant,)
            variant = entry.variants[0]
            if kind not in variant.generated:
                self._generate(kind, variant, key)

    def __repr__(self) -> str:
        name = getattr(self._f, "__qualname__", type(self._f).__name__)
        return f"<jit {name}, {self.cache_size} trace(s)>"

    # -- calls ---------------------------------------------------------------------------------

    def _static_set(self, n: int) -> frozenset[int]:
        return frozenset(i + n if i < 0 else i for i in self._static)

    def _run(self, kind: str, args: tuple[Any, ...]) -> Any:
        """One call. ``kind`` (here and below) is which compiled function it runs:
        ``"forward"`` (``g(*args)``), ``"backward"`` / ``"backward_aux"`` (``g.backward``,
        without or with ``has_aux``), ``"grad"`` (``g(*args)`` for a compiled ``grad(f)`` or
        ``value_and_grad(f)``)."""
        static = self._static_set(len(args))
        key, flat = flatten(args, static)
        check = 0  # the number of this call when it is one the checking mode checks
        if self._check_every:
            number = next(self._calls)
            check = number if number % self._check_every == 0 else 0
        entry = self._cache.get(key)
        tried: tuple[_Variant, ...] = ()
        failed: GuardFailed | None = None
        if entry is not None and entry.hot and not entry.fallback:
            tried = entry.variants
            for variant in tried:
                result = self._attempt(kind, variant, key, flat)
                if type(result) is GuardFailed:
                    failed = result
                    continue
                if variant is not tried[0]:  # the branch taken last is the likeliest next time
                    self._promote(entry, variant)
                return self._finish(kind, variant, result, args, key, flat, check)
        found = self._locked(kind, args, key, flat, static, tried, failed)
        if found is None:  # too many variants, or a guard that cannot hold: the engine
            return self._engine(kind, args, key, flat)
        if found is _WARMING:  # traced, not worth compiling yet: the engine, timed
            start = time.perf_counter()
            result = self._engine(kind, args, key, flat)
            self._spend(key, time.perf_counter() - start)
            return result
        if type(found) is _Warm:
            return found.result
        variant, result = found
        return self._finish(kind, variant, result, args, key, flat, check)

    def _locked(
        self, kind: str, args: tuple[Any, ...], key: Any, flat: list[float],
        static: frozenset[int], tried: tuple[_Variant, ...], failed: GuardFailed | None,
    ) -> Any:
        """A call the compiled variants did not answer, decided under the lock: another
        thread's new variant, a new trace, or the engine (None). Returns ``(variant,
        result)``, None, or a :class:`_Warm` holding the result of a call that was traced
        but not compiled."""
        with self._lock:
            entry = self._cache.get(key)
            if entry is None:
                entry = self._cache[key] = _Entry()
            if entry.fallback:
                return None
            if not entry.hot:
                return self._warm(kind, entry, args, key, flat, static)
            if entry.pending is not None:  # the first trace, made by an engine run
                entry.variants = (entry.pending, *entry.variants)
                entry.pending = None
            for variant in entry.variants:
                if variant in tried:
                    continue
                result = self._attempt(kind, variant, key, flat)
                if type(result) is GuardFailed:
                    failed = result
                    continue
                self._promote(entry, variant)
                return variant, result
            if len(entry.variants) >= MAX_VARIANTS:
                entry.fallback = True
                warnings.warn(
                    f"jit: {len(entry.variants)} traces of one input structure and a branch "
                    f"changed again (the guard at {failed.site if failed else '?'}); this "
                    "structure now runs in the engine. Branch with relu/abs/leaky_relu or make "
                    "the deciding argument static to compile it.",
                    RuntimeWarning,
                    stacklevel=4,
                )
                return None
            variant = self._trace(key, args, flat, static)
            entry.variants = (variant, *entry.variants)
            result = self._attempt(kind, variant, key, flat)
            if type(result) is GuardFailed:  # a guard that cannot hold (nan == nan)
                return None
            return variant, result

    def _promote(self, entry: _Entry, variant: _Variant) -> None:
        """Moves ``variant`` to the front of its entry's list."""
        with self._lock:
            variants = entry.variants
            if variants and variants[0] is not variant and variant in variants:
                entry.variants = (variant, *(v for v in variants if v is not variant))

    def _warm(
        self, kind: str, entry: _Entry, args: tuple[Any, ...], key: Any, flat: list[float],
        static: frozenset[int],
    ) -> Any:
        """A call of a structure not compiled yet (under the lock). Its first call traces (an
        engine run that measures the graph), compiling at once when that is cheap, else
        keeping the trace for compiling later; later calls run in the engine (``_WARMING``)
        until the time spent reaches the estimated compile time."""
        if entry.estimate >= 0.0:
            return _WARMING
        start = time.perf_counter()
        variant = self._trace(key, args, flat, static, keep_result=True)
        entry.estimate = COSTS.estimate(variant.nodes, variant.edges)
        if entry.estimate <= COMPILE_NOW_S:
            entry.hot = True
            variant.trace.result = None
            entry.variants = (variant,)
            result = self._attempt(kind, variant, key, flat)
            return None if type(result) is GuardFailed else (variant, result)
        result = self._traced(kind, variant.trace, args)
        variant.trace.result = None
        entry.pending = variant
        self._spend(key, time.perf_counter() - start)
        return _Warm(result)

    def _spend(self, key: Any, seconds: float) -> None:
        """Counts engine time toward compiling a structure (see ``COMPILE_NOW_S``)."""
        with self._lock:
            entry = self._cache[key]
            entry.spent += seconds
            if entry.spent >= entry.estimate:
                entry.hot = True

    def _traced(self, kind: str, trace: Trace, args: tuple[Any, ...]) -> Any:
        """The call's result from the engine graph its trace built."""
        if kind == "grad":
            return self._f(*args)
        if kind == "forward":
            return build_output(
                trace.shape, (o.data if type(o) is Value else o for o in trace.outputs)
            )
        aux_shape = _loss_shape(kind, trace.shape, trace.outputs[0])
        out = trace.outputs[0]
        out.backward()
        if aux_shape is None:
            return out.data
        aux = build_output(aux_shape, (o.data if type(o) is Value else o for o in trace.outputs[1:]))
        return out.data, aux

    def _trace(
        self, key: Any, args: tuple[Any, ...], flat: list[float], static: frozenset[int],
        keep_result: bool = False,
    ) -> _Variant:
        start = time.perf_counter()
        trace = run_trace(self._target, key, args, flat, static, self._arg_names)
        self.stats["trace_s"] += time.perf_counter() - start
        self.stats["traces"] += 1
        if self._transform is not None and (len(trace.outputs) != 1 or trace.shape != 0):
            raise TypeError(
                f"{self._transform}: the function must return a scalar (a Value or a real "
                "number)"
            )
        if not keep_result:
            trace.result = None  # the engine's graph is not needed any more
        return _Variant(trace, watch(self._target))

    def _wrt(self, key: Any, trace: Trace) -> list[Value]:
        """The input leaves ``grad``'s argnums name."""
        argnums = self._argnums
        indices = (argnums,) if isinstance(argnums, int) else tuple(argnums)
        offsets, position = [], 0
        static = self._static_set(len(key))
        for i, k in enumerate(key):
            offsets.append(position)
            if i not in static:
                position += _count(k)
        wrt = []
        for i in indices:
            j = i + len(key) if i < 0 else i
            if not 0 <= j < len(key):
                raise TypeError(
                    f"{self._transform}: argnums={argnums!r} but the function was called with "
                    f"{len(key)} positional argument(s)"
                )
            if j in static:
                raise TypeError(
                    f"{self._transform}: argnums={argnums!r} but argument {j} is in "
                    "static_argnums (baked in as a constant: nothing to differentiate by)"
                )
            if key[j] != 0:
                raise TypeError(f"{self._transform} argument {i} expects a real number")
            wrt.append(trace.inputs[offsets[j]])
        return wrt

    def _attempt(self, kind: str, variant: _Variant, key: Any, flat: list[float]) -> Any:
        """Runs a variant's compiled code, after checking that nothing it baked in from f's own
        names changed (StaleTraceError)."""
        if variant.watch is not None:
            variant.watch.check()
        return self._call(kind, variant, key, flat)

    def _call(self, kind: str, variant: _Variant, key: Any, flat: list[float]) -> Any:
        if kind == "backward_aux":
            kind = "backward"
        gen = variant.generated.get(kind)
        if gen is None:
            with self._lock:
                gen = variant.generated.get(kind) or self._generate(kind, variant, key)
        function = gen.function()
        self._source = gen.source
        try:
            return function(flat, list(map(_DATA, variant.params)))
        except (ArithmeticError, ValueError):
            return _ENGINE

    def _generate(self, kind: str, variant: _Variant, key: Any) -> Generated:
        trace = variant.trace
        start = time.perf_counter()
        wrt = self._wrt(key, trace) if kind == "grad" else ()
        gen = generate(trace, kind, wrt, getattr(self._target, "__qualname__", ""))
        middle = time.perf_counter()
        gen.function()
        end = time.perf_counter()
        self.stats["generate_s"] += middle - start
        self.stats["compile_s"] += end - middle
        if kind != "forward":  # what the figures measure: the forward pass and the backward
            COSTS.record(end - start, variant.nodes, variant.edges)
        self.stats["nodes"] = gen.nodes
        self.stats["lines"] = gen.source.count("\n")
        variant.generated[kind] = gen
        return gen

    def _finish(
        self, kind: str, variant: _Variant, result: Any, args: tuple[Any, ...], key: Any,
        flat: list[float], check: int,
    ) -> Any:
        if result is _ENGINE:  # a domain error: the engine raises it in its own words
            return self._engine(kind, args, key, flat)
        if check:
            self._check(check, kind, variant, result, args, key, flat)
        if kind == "forward":
            return build_output(variant.trace.shape, iter(result))
        if kind != "grad":
            aux_shape = _loss_shape(kind, variant.trace.shape, variant.trace.outputs[0])
            value, grads = result[0], result[1]
            extras = result[2] if len(result) > 2 else ()
            # All at once, as backward() does; a None (the loss does not reach that Value)
            # leaves its .grad alone, as the engine does.
            add_to_grads(variant.params, grads)
            return value if aux_shape is None else (value, build_output(aux_shape, iter(extras)))
        return self._gradient_result(result)

    def _gradient_result(self, result: Any) -> Any:
        """What ``grad(f)`` / ``value_and_grad(f)`` return, from the compiled ``(value,
        gradients)``."""
        value, grads = result
        gradient = grads if isinstance(self._argnums, tuple) else grads[0]
        return (value, gradient) if self._transform == "value_and_grad" else gradient

    def _engine(self, kind: str, args: tuple[Any, ...], key: Any, flat: list[float]) -> Any:
        """The call run by the engine itself, on fresh leaves as a trace would be (no tracer),
        recording whatever the caller's mode: the reference semantics, and the engine's own
        exceptions."""
        if kind == "grad":
            return self._f(*args)
        static = self._static_set(len(args))
        leaves = rebuild(key, args, static, iter([Value(x) for x in flat]))
        out = run_recording(self._target, *leaves)
        if kind == "forward":
            outputs: list[Any] = []
            shape = output_shape(out, outputs)
            return build_output(shape, (o.data if type(o) is Value else o for o in outputs))
        outputs = []
        aux_shape = _loss_shape(kind, output_shape(out, outputs), outputs[0] if outputs else None)
        loss = outputs[0]
        loss.backward()
        if aux_shape is None:
            return loss.data
        return loss.data, build_output(
            aux_shape, (o.data if type(o) is Value else o for o in outputs[1:])
        )

    # -- the checking mode ---------------------------------------------------------------------

    def _check(
        self, number: int, kind: str, variant: _Variant, result: Any, args: tuple[Any, ...],
        key: Any, flat: list[float],
    ) -> None:
        """Compares a compiled call's result with the engine's on the same arguments; raises
        JitCheckError at the first difference (nothing of the call applied yet)."""
        if kind == "forward":
            compiled = build_output(variant.trace.shape, iter(result))
            found = first_difference(compiled, self._engine(kind, args, key, flat), "output")
        elif kind == "grad":
            compiled = self._gradient_result(result)
            engine = self._f(*args)
            if self._transform == "value_and_grad":
                found = first_difference(compiled[0], engine[0], "value") or first_difference(
                    compiled[1], engine[1], "gradient")
            else:
                found = first_difference(compiled, engine, "gradient")
        else:
            found = self._check_backward(kind, variant, result, args, key, flat)
        if found is not None:
            what, got, expected = found
            name = getattr(self._f, "__qualname__", type(self._f).__name__)
            raise JitCheckError(
                f"jit check of {name} (call {number}): the compiled {what} differs from the "
                f"engine's: compiled {_shown(got)}, engine {_shown(expected)}. The trace baked in "
                "something f reads that has changed since (a .data read, a closed-over "
                "number, an attribute holding another Value, a mutated static argument: "
                "see jit's docstring); make a new jit(f), or pass what changes as an argument."
            )

    def _check_backward(
        self, kind: str, variant: _Variant, result: Any, args: tuple[Any, ...], key: Any,
        flat: list[float],
    ) -> tuple[str, Any, Any] | None:
        """g.backward's value, aux and the gradient it adds to each outside Value, against a
        fresh engine run (traced, to learn which outside Values f reads now)."""
        static = self._static_set(len(args))
        reference = run_trace(self._target, key, args, flat, static, self._arg_names)
        outputs = reference.outputs
        aux_shape = _loss_shape(kind, reference.shape, outputs[0] if outputs else None)
        loss = outputs[0]
        found = first_difference(result[0], loss.data, "value")
        if found is None and aux_shape is not None:
            compiled_aux = build_output(
                _loss_shape(kind, variant.trace.shape, variant.trace.outputs[0]),
                iter(result[2] if len(result) > 2 else ()),
            )
            engine_aux = build_output(
                aux_shape, (o.data if type(o) is Value else o for o in outputs[1:])
            )
            found = first_difference(compiled_aux, engine_aux, "aux")
        if found is not None:
            return found
        reached = set(topological_order(loss))
        known = set(variant.params)
        params = [*variant.params, *(p for p in reference.params if p not in known)]
        engine_grads = dict(zip(params, gradients(loss, params, False), strict=True))
        compiled_grads = dict(zip(variant.params, result[1], strict=True))
        for k, p in enumerate(params):
            got = compiled_grads.get(p)
            expected = engine_grads[p] if p in reached else None
            if (got is None) != (expected is None) or (
                got is not None and not same(got, expected)
            ):
                label = f" (label {p.label!r})" if p.label else ""
                return f"gradient for the outside Value {k}{label}", got, expected
        return None


_WARMING = object()
"""What the locked part of a call answers for a structure that runs in the engine for now."""


class _Warm:
    """The result of a call that traced a structure without compiling it."""

    __slots__ = ("result",)

    def __init__(self, result: Any) -> None:
        self.result = result


def _keywords(who: str, kwargs: dict[str, Any]) -> TypeError:
    names = ", ".join(sorted(kwargs))
    return TypeError(
        f"jit: {who}(...) takes positional arguments only (they key the trace cache); got the "
        f"keyword argument(s) {names}. Pass them by position, or fix them in f before jit "
        "(jit(functools.partial(f, name=value)))."
    )


def _shown(x: Any) -> str:
    if x is None:
        return "nothing added"
    text = repr(x)
    return text if len(text) <= 80 else text[:77] + "..."


class _EngineMarker:
    __slots__ = ()


_ENGINE = _EngineMarker()


def _loss_shape(kind: str, shape: Any, first: Any) -> Any:
    """For ``g.backward``: checks f's result is a scalar Value (``kind == "backward"``) or a
    ``(loss, aux)`` pair (``"backward_aux"``); returns aux's shape, or None."""
    if kind == "backward":
        if shape != 0 or type(first) is not Value:
            raise TypeError(
                "jit: backward() needs f to return one scalar Value (a loss); for "
                "(loss, aux) pass has_aux=True"
            )
        return None
    if not (
        type(shape) is tuple and len(shape[1]) == 2 and shape[1][0] == 0
        and type(first) is Value
    ):
        raise TypeError(
            "jit: backward(..., has_aux=True) needs f to return a pair (loss, aux) whose "
            "loss is a scalar Value"
        )
    return shape[1][1]


def _count(k: Any) -> int:
    """How many input numbers a structure key holds."""
    if k == 0:
        return 1
    if len(k) == 4:  # rows of equal length
        return int(k[2] * k[3])
    _, inner = k
    if type(inner) is int:
        return inner
    return sum(_count(x) for x in inner)


def _parameter_names(f: Callable[..., Any]) -> list[str]:
    """f's positional parameter names, as hints for the generated code's input names."""
    try:
        params = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return []
    return [
        p.name for p in params
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
