"""Tracing for ``autograd.jit``: run a function once on fresh leaf Values and record its graph.

A trace calls the user's function with a leaf ``Value`` in place of every input number, under a
:class:`Tracer` installed in the engine's hook (:data:`autograd.core.modes.TRACER`). The engine
reports to it: every leaf made while tracing (such leaves are the trace's constants, while
leaves made before are parameters, read afresh at every call), every comparison or ``bool()``
on a Value (a :class:`Guard` the compiled code re-checks) and every
``float()``/``int()``/``item()`` (refused with a :class:`ConcretizationError` naming the user's
line, as JAX does). What remains invisible is reading ``.data`` directly: that number is baked
into the trace.

This module knows nothing of code generation; ``autograd.jit.codegen`` turns a :class:`Trace` into
Python source.
"""

from __future__ import annotations

import contextvars
import math
import numbers
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from itertools import chain
from types import FrameType
from typing import Any

from ..core.backprop import topological_order
from ..core.generated import PACKAGE_DIR
from ..core.modes import MODE, TRACER, recording
from ..core.node import Value

__all__ = ["ConcretizationError", "Guard", "Trace", "Tracer", "flatten", "run_trace"]

class ConcretizationError(TypeError):
    """A traced Value was turned into a Python number (``float(v)``, ``int(v)``, ``v.item()``)
    inside a function compiled by ``jit``: the compiled code could not follow that number."""


def user_site() -> tuple[str, int, str]:
    """(file, line, function) of the innermost frame outside the ``autograd`` package."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(
        PACKAGE_DIR + os.sep
    ):
        frame = frame.f_back
    if frame is None:  # pragma: no cover - the interpreter always has a caller frame
        return ("<unknown>", 0, "<unknown>")
    return (frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)


def _caller_is_package() -> bool:
    """True when the frame that called float()/int()/item() is autograd's own code."""
    frame = sys._getframe(3)  # concrete <- Value.__float__ <- the caller
    return os.path.abspath(frame.f_code.co_filename).startswith(PACKAGE_DIR + os.sep)


class Guard:
    """A data-dependent outcome seen while tracing: ``left <op> right`` was ``outcome``.

    ``left`` is a Value; ``right`` a Value, a float, or whatever else the data was compared
    with (generated code binds it by a name of its own); ``site`` the user's file and line.
    """

    __slots__ = ("left", "op", "outcome", "right", "site")

    def __init__(self, left: Value, op: str, right: Any, outcome: bool, site: str) -> None:
        self.left = left
        self.op = op
        self.right = right
        self.outcome = outcome
        self.site = site


class Tracer:
    """What the engine reports to while a function is traced
    (:data:`autograd.core.modes.TRACER`)."""

    def __init__(self) -> None:
        self.created: set[int] = set()
        self.guards: list[Guard] = []

    def leaf(self, value: Value) -> None:
        """A leaf made inside the trace: a constant of the compiled code."""
        self.created.add(id(value))

    def branch(self, value: Value, op: str, other: Any, outcome: Any) -> None:
        """A comparison (or ``bool``) on a Value: re-checked by the compiled code.

        ``other`` is kept as it is (a Value, a float, or any other object the data was
        compared with: an int, a Decimal, a NumPy scalar), so that the guard compares exactly
        as Python did: converted to a float, ``2**70 + 1`` or ``Fraction(1, 3)`` would move
        the boundary.
        """
        file, line, _ = user_site()
        self.guards.append(Guard(value, op, other, bool(outcome), f"{file}:{line}"))

    def concrete(self, value: Value, what: str) -> float:
        """``float(v)``, ``int(v)`` or ``v.item()`` on a Value inside the trace.

        A constant made inside the trace is simply its number. From the package's own code (a
        derivative formula reading a float) the number is guarded by equality. From the user's
        code it is refused: the compiled code would silently keep the number seen now.
        """
        if value.is_leaf and id(value) in self.created:
            return value.data
        if _caller_is_package():
            self.branch(value, "==", value.data, True)
            return value.data
        file, line, func = user_site()
        raise ConcretizationError(
            f"jit: {what} of a traced Value at {file}, line {line}, in {func}: the compiled "
            "code cannot see a Python number taken from the data. Keep it a Value (use "
            "relu(), abs() or leaky_relu() instead of branching on its sign; comparisons such "
            "as `if x > 0:` are guarded and trace again when the branch changes), or pass the "
            "number as a static argument (jit(f, static_argnums=...))."
        )


def traced_call(tracer: Tracer, f: Callable[..., Any], args: Sequence[Any]) -> Any:
    """``f(*args)`` with ``tracer`` in the engine's hook, recording (a trace records the graph
    whatever mode the caller is in, as the transforms do), in a copy of the context: hook and
    mode go with the copy however the call ends (a KeyboardInterrupt at any bytecode
    included), so there is nothing to reset."""
    return contextvars.copy_context().run(_install_and_call, tracer, f, args)


def _install_and_call(tracer: Tracer, f: Callable[..., Any], args: Sequence[Any]) -> Any:
    TRACER.set(tracer)  # both in traced_call's copy of the context
    MODE.set(recording())  # the caller's mode (no_grad) changes nothing that is traced
    return f(*args)


# ---------------------------------------------------------------------------------------------
# Argument structures: numbers and nested lists/tuples of numbers are inputs.
# ---------------------------------------------------------------------------------------------

def flatten(args: Sequence[Any], static: frozenset[int]) -> tuple[Any, list[float]]:
    """The structure key of ``args`` (nesting, lengths, static values) and their numbers.

    Raises TypeError for an unhashable static argument or an argument jit cannot take, and
    OverflowError for a number too large for a float.
    """
    flat: list[float] = []
    key = tuple(_key(a, i, static, flat) for i, a in enumerate(args))
    return key, flat


def static_key(a: Any) -> Any:
    """What a static argument's cache entry is keyed by: the value itself, except that a
    float (in a tuple too) is keyed with its sign, and NaN by a marker. ``0.0 == -0.0`` would
    otherwise share one trace (one baked constant for both), and a NaN, equal to nothing,
    would never find its own."""
    t = type(a)
    if isinstance(a, tuple):
        return (t, tuple(map(static_key, a)))
    if isinstance(a, float):
        if math.isnan(a):
            return (t, "nan")
        return (t, a, math.copysign(1.0, a))
    return (t, a)


_NUMBER_TYPES = {float, int}
_ROW_TYPES = {list, tuple}


def _key(a: Any, i: int, static: frozenset[int], flat: list[float]) -> Any:
    if i in static:
        try:
            hash(a)
        except TypeError:
            raise TypeError(
                f"jit: static argument {i} must be hashable (it keys the trace cache), got "
                f"{type(a).__name__}; use a tuple instead of a list"
            ) from None
        return ("static", static_key(a))
    try:
        return _structure(a, i, flat)
    except OverflowError:
        big = next((x for x in _numbers(a) if not _fits(x)), a)
        raise OverflowError(
            f"jit: argument {i} holds the number {_short(big)}, too large for a float"
        ) from None


def _numbers(a: Any) -> Iterator[Any]:
    """The numbers of a (nested) argument, in order."""
    if type(a) is list or type(a) is tuple:
        for x in a:
            yield from _numbers(x)
    else:
        yield a


def _fits(x: Any) -> bool:
    try:
        float(x)
    except OverflowError:
        return False
    except (TypeError, ValueError):
        pass
    return True


def _short(x: Any) -> str:
    if type(x) is int and x.bit_length() > 10_000:  # repr refuses ints of over 4,300 digits
        return f"of about {int(x.bit_length() * math.log10(2))} digits"
    text = repr(x)
    return text if len(text) <= 40 else f"{text[:18]}...{text[-18:]} ({len(text)} characters)"


def _structure(a: Any, i: int, flat: list[float]) -> Any:
    t = type(a)
    if t is float:
        flat.append(a)
        return 0
    if t is list or t is tuple:
        types = set(map(type, a))
        if types <= _NUMBER_TYPES:  # a row of numbers: no per-item recursion
            flat.extend(map(float, a))
            return (t, len(a))
        if len(types) == 1 and types <= _ROW_TYPES and len(set(map(len, a))) == 1:
            # Rows of equal length (a batch of data points): checked and copied in bulk.
            items = list(chain.from_iterable(a))
            if set(map(type, items)) <= _NUMBER_TYPES:
                flat.extend(map(float, items))
                return (t, types.pop(), len(a), len(a[0]))
        return (t, tuple(_structure(x, i, flat) for x in a))
    if isinstance(a, numbers.Real) and not isinstance(a, bool):
        flat.append(float(a))
        return 0
    if t is Value:
        raise TypeError(
            f"jit: argument {i} holds a Value; pass numbers (the compiled function reads the "
            "Values f uses from outside, such as a model's parameters, by itself), or call f "
            "without jit inside another transformation"
        )
    raise TypeError(
        f"jit: argument {i} holds a {t.__name__}; inputs are numbers and nested lists or "
        "tuples of numbers; give other arguments in static_argnums"
    )


def rebuild(key: Any, args: Sequence[Any], static: frozenset[int], leaves: Iterator[Any]) -> list[Any]:
    """``args`` with every input number replaced by the next of ``leaves`` (same nesting)."""
    return [a if i in static else _fill(k, leaves) for i, (k, a) in enumerate(zip(key, args, strict=True))]


def _fill(k: Any, leaves: Iterator[Any]) -> Any:
    if k == 0:
        return next(leaves)
    if len(k) == 4:  # rows of equal length
        t, row, m, n = k
        return t(row(next(leaves) for _ in range(n)) for _ in range(m))
    t, inner = k
    if type(inner) is int:
        return t(next(leaves) for _ in range(inner))
    return t(_fill(x, leaves) for x in inner)


# ---------------------------------------------------------------------------------------------
# The trace.
# ---------------------------------------------------------------------------------------------

class Trace:
    """A traced call: the graph, how its leaves are fed, its outputs and its guards.

    Attributes:
        inputs: one leaf per input number, in flattened order.
        names: a name hint per input leaf (from f's parameter names).
        order: every node the compiled code computes (outputs and guard operands), parents
            first.
        params: the leaves made before the trace (parameters), read afresh at every call.
        constants: ids of the leaves made inside the trace (their data is baked in).
        outputs: the flattened outputs (Values or floats); ``shape`` rebuilds the structure.
        guards: the data-dependent outcomes to re-check.
        result: what the traced call itself returned (engine Values).
    """

    def __init__(
        self,
        inputs: list[Value],
        names: list[str],
        outputs: list[Any],
        shape: Any,
        guards: list[Guard],
        created: set[int],
        result: Any,
    ) -> None:
        self.inputs = inputs
        self.names = names
        self.outputs = outputs
        self.shape = shape
        self.guards = guards
        self.result = result
        input_ids = {id(v) for v in inputs}
        roots = [o for o in outputs if type(o) is Value]
        for g in guards:
            roots.append(g.left)
            if type(g.right) is Value:
                roots.append(g.right)
        order: list[Value] = []
        seen: set[Value] = set()
        for root in roots:
            if root in seen:
                continue
            for node in topological_order(root):
                if node not in seen:
                    seen.add(node)
                    order.append(node)
        self.order = order
        self.constants = {
            id(n) for n in order if n.is_leaf and id(n) in created and id(n) not in input_ids
        }
        self.params = [
            n for n in order if n.is_leaf and id(n) not in input_ids and id(n) not in created
        ]


def output_shape(out: Any, flat: list[Any]) -> Any:
    """Flattens f's result into ``flat`` (Values and floats); returns its structure."""
    if type(out) is Value:
        flat.append(out)
        return 0
    if type(out) is list or type(out) is tuple:
        return (type(out), tuple(output_shape(o, flat) for o in out))
    if isinstance(out, numbers.Real) and not isinstance(out, bool):
        flat.append(float(out))
        return 0
    raise TypeError(
        "jit: f must return a Value, a number, or (nested) lists or tuples of them; got "
        f"{type(out).__name__}"
    )


def build_output(shape: Any, values: Iterator[float]) -> Any:
    """The inverse of :func:`output_shape` over floats."""
    if shape == 0:
        return next(values)
    t, inner = shape
    return t(build_output(s, values) for s in inner)


def run_trace(
    f: Callable[..., Any],
    key: Any,
    args: Sequence[Any],
    flat: list[float],
    static: frozenset[int],
    arg_names: Sequence[str],
) -> Trace:
    """Calls ``f`` on fresh leaves in place of the input numbers and records the trace."""
    inputs = [Value(x) for x in flat]  # made before tracing starts: inputs, not constants
    names = _input_names(key, static, arg_names)
    traced_args = rebuild(key, args, static, iter(inputs))
    tracer = Tracer()
    result = traced_call(tracer, f, traced_args)
    outputs: list[Any] = []
    shape = output_shape(result, outputs)
    return Trace(inputs, names, outputs, shape, tracer.guards, tracer.created, result)


def _input_names(key: Any, static: frozenset[int], arg_names: Sequence[str]) -> list[str]:
    names: list[str] = []
    for i, k in enumerate(key):
        if i in static:
            continue
        base = arg_names[i] if i < len(arg_names) else f"arg{i}"
        _name_leaves(k, base, names)
    return names


def _name_leaves(k: Any, base: str, names: list[str]) -> None:
    if k == 0:
        names.append(base)
        return
    if len(k) == 4:
        names.extend(f"{base}_{i}_{j}" for i in range(k[2]) for j in range(k[3]))
        return
    _, inner = k
    if type(inner) is int:
        names.extend(f"{base}_{j}" for j in range(inner))
        return
    for j, x in enumerate(inner):
        _name_leaves(x, f"{base}_{j}", names)
