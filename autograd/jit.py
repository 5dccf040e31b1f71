"""``jit``: trace a function once per input structure and run it as straight-line Python.

A graph of one Python object per op costs about a microsecond per op to build and sweep. Training
rebuilds the same graph at every step, so ``jit`` traces it once (``autograd.trace``), writes the
forward pass and the chain rule out as plain float statements (``autograd.codegen``) and runs
that instead: no node is made, no graph is sorted.

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
import time
import warnings
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

from .codegen import Generated, GuardFailed, generate
from .node import Value
from .trace import (
    ConcretizationError,
    Trace,
    build_output,
    flatten,
    output_shape,
    rebuild,
    run_trace,
)

__all__ = ["Compiled", "ConcretizationError", "compile_estimate", "jit"]

MAX_VARIANTS = 16
"""Traces kept per input structure (one per combination of branches seen); past this, calls
of that structure run in the engine, with a warning."""

COMPILE_NOW_S = 0.5
"""A structure whose estimated compile time is at most this is compiled at its first call.
A bigger one runs in the engine until the engine time spent on it reaches that estimate, and
is compiled then: whether f is called once or a thousand times, jit costs at most about twice
what the engine alone would (the ski-rental rule), and a long run gets the compiled speed.
``g.compile(*args)`` compiles at once instead."""


class _CostModel:
    """Seconds of tracing, generating and compiling per graph node, as measured so far."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.nodes = 0

    def estimate(self, nodes: int) -> float:
        per_node = self.seconds / self.nodes if self.nodes >= 2000 else 150e-6
        return nodes * per_node

    def record(self, seconds: float, nodes: int) -> None:
        self.seconds += seconds
        self.nodes += nodes


COSTS = _CostModel()

_DATA = attrgetter("data")


def compile_estimate(nodes: int) -> float:
    """Estimated seconds to trace, generate and compile a graph of ``nodes`` op nodes, from
    the costs measured in this process so far (150 us per node until 2,000 nodes are known).

    What a caller that knows how many calls will follow (``nn.fit``) weighs against the time
    compiling would save.
    """
    return COSTS.estimate(nodes)


def jit(f: Callable[..., Any], *, static_argnums: int | Sequence[int] = ()) -> Compiled:
    """Compiles ``f`` into straight-line Python, one trace per input structure.

    Args:
        f: a function of numbers (and nested lists/tuples of numbers) built from autograd
            operations. Values it reads from outside (a model's parameters) are inputs too,
            read afresh at every call. ``grad(f)`` and ``value_and_grad(f)`` are compiled as
            one function computing the gradient from the forward trace.
        static_argnums: positions of arguments baked into the trace as constants (hashable;
            each distinct value traces again).

    Returns:
        A :class:`Compiled` function: ``g(*args)`` returns what ``f(*args)`` returns, as floats;
        ``g.backward(*args)`` (scalar f) returns the value and adds to the ``.grad`` of every
        outside leaf what ``f(*args).backward()`` would.

    Tracing sees every op, every comparison and ``bool()`` on a Value (guards: the compiled
    code re-checks them and traces again when a branch changes) and ``float()``/``int()``/
    ``item()`` (refused with :class:`ConcretizationError`, naming the line). It cannot see a
    ``.data`` read, a ``detach()`` or a ``no_grad`` block inside ``f``: the number seen while
    tracing is baked in. That is the escape hatch for numbers meant to stay fixed. The outside
    Values are the objects seen while tracing: change their ``.data`` (as optimizers do), or
    make a new ``jit`` after replacing them by new Value objects.

    A structure is compiled at its first call when that is cheap (``COMPILE_NOW_S``); a big
    graph first runs in the engine until compiling pays, or at once after ``g.compile(*args)``.
    """
    return Compiled(f, static_argnums)


class _Variant:
    """One trace of a structure (one combination of branches) and its compiled functions."""

    __slots__ = ("generated", "nodes", "params", "trace")

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self.params = trace.params
        self.nodes = sum(1 for n in trace.order if not n.is_leaf)
        self.generated: dict[str, Generated] = {}


class _Entry:
    """One input structure: its traces, and whether it is compiled yet (see COMPILE_NOW_S)."""

    __slots__ = ("estimate", "fallback", "hot", "spent", "variants")

    def __init__(self) -> None:
        self.variants: list[_Variant] = []
        self.fallback = False  # too many branch combinations: the engine runs it
        self.hot = False  # worth compiling (its variants are compiled when first needed)
        self.estimate = -1.0  # estimated compile time, known after the first trace
        self.spent = 0.0  # engine time spent on it while not hot


class Compiled:
    """A function compiled by :func:`jit` (see there). ``cache_size`` counts the traces held;
    ``source`` is the generated Python of the last compiled call; ``stats`` has the costs."""

    def __init__(self, f: Callable[..., Any], static_argnums: int | Sequence[int]) -> None:
        if not callable(f):
            raise TypeError(f"jit: f must be callable, got {type(f).__name__}")
        if isinstance(static_argnums, int):
            static_argnums = (static_argnums,)
        static = tuple(static_argnums)
        if not all(isinstance(i, int) and not isinstance(i, bool) for i in static):
            raise TypeError(f"jit: static_argnums must be ints, got {static_argnums!r}")
        self._static = static
        self._f = f
        marker = getattr(f, "__autograd_transform__", None)
        self._kind = "call"
        self._target = f
        self._argnums: Any = None
        if marker is not None:
            kind, inner, argnums = marker
            if kind in ("grad", "value_and_grad"):
                self._kind, self._target, self._argnums = kind, inner, argnums
            else:
                raise TypeError(
                    f"jit: cannot compile {kind}(f) (it reads the data of its inputs); compile "
                    "f, or grad(f) / value_and_grad(f), instead"
                )
        self._arg_names = _parameter_names(self._target)
        self._cache: dict[Any, _Entry] = {}
        self._source = ""
        self.stats: dict[str, float] = {
            "traces": 0, "nodes": 0, "lines": 0,
            "trace_s": 0.0, "generate_s": 0.0, "compile_s": 0.0,
        }
        functools.update_wrapper(self, f, updated=())

    # -- public --------------------------------------------------------------------------------

    @property
    def cache_size(self) -> int:
        """How many traces are held (one per input structure and branch combination)."""
        return sum(len(e.variants) for e in self._cache.values())

    @property
    def source(self) -> str:
        """The generated Python of the function the last compiled call ran."""
        return self._source

    def __call__(self, *args: Any) -> Any:
        return self._run("grad" if self._kind != "call" else "forward", args)

    def backward(self, *args: Any, has_aux: bool = False) -> Any:
        """Returns ``f(*args)`` (a scalar) and adds its gradient to every outside leaf's
        ``.grad``, as ``f(*args).backward()`` would.

        With ``has_aux=True``, ``f`` returns ``(loss, aux)``: the gradient is the loss's, and
        the call returns ``(loss, aux)`` with ``aux`` as floats (a model's outputs, say, for
        an accuracy), all from one compiled pass.
        """
        if self._kind != "call":
            raise TypeError(f"jit: backward() is for functions, not for {self._kind}(f)")
        return self._run("backward_aux" if has_aux else "backward", args)

    def compile(self, *args: Any, backward: bool = False) -> None:
        """Traces and compiles for the structure of ``args`` now, without running the call.

        The function ``g(*args)`` uses is compiled, or with ``backward=True`` the one of
        ``g.backward(*args)``. Useful before many calls of a big graph, which would otherwise
        run in the engine until compiling pays (see ``COMPILE_NOW_S``).
        """
        kind = "backward" if backward else ("grad" if self._kind != "call" else "forward")
        # (the backward function serves g.backward with and without has_aux alike)
        if backward and self._kind != "call":
            raise TypeError(f"jit: backward() is for functions, not for {self._kind}(f)")
        static = self._static_set(len(args))
        key, flat = flatten(args, static)
        entry = self._cache.setdefault(key, _Entry())
        entry.hot = True
        if not entry.variants:
            entry.variants.append(self._trace(key, args, flat, static))
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
        static = self._static_set(len(args))
        key, flat = flatten(args, static)
        entry = self._cache.get(key)
        if entry is None:
            entry = self._cache[key] = _Entry()
        if entry.fallback:
            return self._engine(kind, args, key, flat)
        failed: GuardFailed | None = None
        for k, variant in enumerate(entry.variants):
            result = self._call(kind, variant, key, flat)
            if type(result) is GuardFailed:
                failed = result
                continue
            if k:  # the branch taken last is the likeliest next time
                entry.variants.insert(0, entry.variants.pop(k))
            return self._finish(kind, variant, result, args, key, flat)
        if len(entry.variants) >= MAX_VARIANTS:
            entry.fallback = True
            warnings.warn(
                f"jit: {len(entry.variants)} traces of one input structure and a branch "
                f"changed again (the guard at {failed.site if failed else '?'}); this structure "
                "now runs in the engine. Branch with relu/abs/leaky_relu or make the deciding "
                "argument static to compile it.",
                RuntimeWarning,
                stacklevel=3,
            )
            return self._engine(kind, args, key, flat)
        if not entry.hot:
            return self._warm(kind, entry, args, key, flat, static)
        variant = self._trace(key, args, flat, static)
        entry.variants.insert(0, variant)
        result = self._call(kind, variant, key, flat)
        if type(result) is GuardFailed:  # a guard that cannot hold (nan == nan): no compiling
            return self._engine(kind, args, key, flat)
        return self._finish(kind, variant, result, args, key, flat)

    def _warm(
        self, kind: str, entry: _Entry, args: tuple[Any, ...], key: Any, flat: list[float],
        static: frozenset[int],
    ) -> Any:
        """A call of a structure not compiled yet: its first call traces (an engine run that
        measures the graph), compiling at once when that is cheap; later calls run in the
        engine until the time spent reaches the estimated compile time."""
        start = time.perf_counter()
        if entry.estimate < 0.0:
            variant = self._trace(key, args, flat, static, keep_result=True)
            entry.estimate = COSTS.estimate(variant.nodes)
            if entry.estimate <= COMPILE_NOW_S:
                entry.hot = True
                variant.trace.result = None
                entry.variants.insert(0, variant)
                result = self._call(kind, variant, key, flat)
                if type(result) is GuardFailed:
                    return self._engine(kind, args, key, flat)
                return self._finish(kind, variant, result, args, key, flat)
            result = self._traced(kind, variant.trace, args)
        else:
            result = self._engine(kind, args, key, flat)
        entry.spent += time.perf_counter() - start
        if entry.spent >= entry.estimate:
            entry.hot = True
        return result

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
        if self._kind != "call" and (len(trace.outputs) != 1 or trace.shape != 0):
            raise TypeError(
                f"{self._kind}: the function must return a scalar (a Value or a real number)"
            )
        if not keep_result:
            trace.result = None  # the engine's graph is not needed any more
        return _Variant(trace)

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
                    f"{self._kind}: argnums={argnums!r} but the function was called with "
                    f"{len(key)} positional argument(s)"
                )
            if j in static:
                raise TypeError(
                    f"{self._kind}: argnums={argnums!r} but argument {j} is in static_argnums "
                    "(baked in as a constant: nothing to differentiate by)"
                )
            if key[j] != 0:
                raise TypeError(f"{self._kind} argument {i} expects a real number")
            wrt.append(trace.inputs[offsets[j]])
        return wrt

    def _call(self, kind: str, variant: _Variant, key: Any, flat: list[float]) -> Any:
        if kind == "backward_aux":
            kind = "backward"
        gen = variant.generated.get(kind)
        if gen is None:
            gen = self._generate(kind, variant, key)
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
        gen = generate(trace, kind, wrt)
        middle = time.perf_counter()
        gen.function()
        end = time.perf_counter()
        self.stats["generate_s"] += middle - start
        self.stats["compile_s"] += end - middle
        COSTS.record(end - start, gen.nodes)
        self.stats["nodes"] = gen.nodes
        self.stats["lines"] = gen.source.count("\n")
        variant.generated[kind] = gen
        return gen

    def _finish(
        self, kind: str, variant: _Variant, result: Any, args: tuple[Any, ...], key: Any,
        flat: list[float],
    ) -> Any:
        if result is _ENGINE:  # a domain error: the engine raises it in its own words
            return self._engine(kind, args, key, flat)
        if kind == "forward":
            return build_output(variant.trace.shape, iter(result))
        if kind != "grad":
            aux_shape = _loss_shape(kind, variant.trace.shape, variant.trace.outputs[0])
            value, grads = result[0], result[1]
            extras = result[2] if len(result) > 2 else ()
            for p, g in zip(variant.params, grads, strict=True):
                old = p.grad
                p.grad = g if old is None else old + g
            return value if aux_shape is None else (value, build_output(aux_shape, iter(extras)))
        value, grads = result
        gradient = grads if isinstance(self._argnums, tuple) else grads[0]
        return (value, gradient) if self._kind == "value_and_grad" else gradient

    def _engine(self, kind: str, args: tuple[Any, ...], key: Any, flat: list[float]) -> Any:
        """The call run by the engine itself, on fresh leaves as a trace would be (no tracer):
        the reference semantics, and the engine's own exceptions."""
        if kind == "grad":
            return self._f(*args)
        static = self._static_set(len(args))
        leaves = rebuild(key, args, static, iter([Value(x) for x in flat]))
        out = self._target(*leaves)
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
