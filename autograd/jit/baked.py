"""What a ``jit`` trace bakes in from outside its arguments, and how jit notices it changed.

A compiled function reads afresh at every call only its arguments and the ``.data`` of the
outside Values the trace read. Everything else it took from f's surroundings is fixed at the
trace: closed-over numbers, which Value objects f reads (the list ``params`` as it was), what
f did with a static argument. Two checks catch a change:

- :func:`watch` (every call, cheap): the numbers, Values and lists or tuples of them that f's
  own code names, its closure variables and the module globals it reads (lambdas and
  comprehensions inside f included), as they were when the trace was made. A call after one
  of them changed raises :class:`StaleTraceError` naming it. Nothing deeper is watched: an
  attribute (``model.w``), a dict, a list inside a list, what a function f calls reads, the
  inside of a static argument.
- the checking mode (``jit(f, check_every=n)``, for development): every n-th call also runs
  the engine and compares, raising :class:`JitCheckError` at the first output (or gradient)
  that differs, by :func:`same`: bit for bit, -0.0 apart from 0.0, NaN equal to NaN.
"""

from __future__ import annotations

import dis
import functools
import math
import numbers
import types
from collections.abc import Callable, Iterator
from operator import is_
from typing import Any

from ..core.node import Value

__all__ = ["JitCheckError", "StaleTraceError", "Watch", "first_difference", "same", "watch"]


class StaleTraceError(RuntimeError):
    """A compiled function was called after something its trace baked in (a number, a Value
    or a list of them that f's own code names) was changed: the compiled code would still
    use what it saw while tracing."""


class JitCheckError(AssertionError):
    """The checking mode (``jit(f, check_every=n)``) found a compiled result that differs from
    the engine's: the message names the first differing output and both values."""


# ---------------------------------------------------------------------------------------------
# The watch over f's own names.
# ---------------------------------------------------------------------------------------------

_MISSING = object()


class _Place:
    """One name f's code reads: a closure cell, or a global in f's module."""

    __slots__ = ("cell", "name", "namespace", "what")

    def __init__(self, name: str, cell: Any = None, namespace: Any = None) -> None:
        self.name = name
        self.cell = cell
        self.namespace = namespace
        self.what = "closed-over" if cell is not None else "global"

    def get(self) -> Any:
        """What the name holds now (``_MISSING`` when nothing)."""
        if self.cell is not None:
            try:
                return self.cell.cell_contents
            except ValueError:  # the variable was deleted
                return _MISSING
        return self.namespace.get(self.name, _MISSING)


class Watch:
    """What f's own names held when a trace was made (see the module docstring);
    :meth:`check` raises :class:`StaleTraceError` at the first one that changed."""

    __slots__ = ("function", "items")

    def __init__(self, function: str, items: list[tuple[_Place, str, Any]]) -> None:
        self.function = function
        self.items = items  # (place, "number" | "value" | "sequence", what it held)

    def check(self) -> None:
        for place, kind, saved in self.items:
            now = place.get()
            if kind == "sequence":
                t, items = saved
                if not (type(now) is t and len(now) == len(items) and all(map(is_, now, items))):
                    self._check_sequence(place, t, items, now)
            elif now is not saved and (kind == "value" or not same(now, saved)):
                self._stale(place, saved, now)

    def _stale(self, place: _Place, saved: Any, now: Any) -> None:
        head = f"jit: {self.function} reads the {place.what} `{place.name}`"
        if type(saved) is Value and type(now) is Value:
            raise StaleTraceError(
                f"{head}, which is another Value than when f was traced: the compiled code "
                "reads (and backward adds gradients to) the Value it saw then. Change a "
                "parameter through its .data, as optimizers do, or make a new jit(f) after "
                "replacing it."
            )
        raise StaleTraceError(
            f"{head}: {_shown(saved)} when f was traced, {_shown(now)} now; the compiled "
            f"code has {_shown(saved)} baked in. Pass the number as an argument (a traced "
            "input) or in static_argnums, or make a new jit(f) after changing it."
        )

    def _check_sequence(
        self, place: _Place, t: Any, items: tuple[Any, ...], now: Any
    ) -> None:
        """Raises unless ``now`` holds what ``items`` held (equal numbers stored again are)."""
        if type(now) is not t:
            change = f"{_shown(now)} now"
        elif len(now) != len(items):
            change = f"{len(items)} item(s) when f was traced, {len(now)} now"
        else:
            for k, (a, b) in enumerate(zip(now, items, strict=True)):
                if a is not b and (type(a) is Value or type(b) is Value or not same(a, b)):
                    change = f"item {k} is {_shown(a)} now, {_shown(b)} when f was traced"
                    break
            else:
                return
        raise StaleTraceError(
            f"jit: {self.function} reads the {place.what} {t.__name__} `{place.name}`: "
            f"{change}. The compiled code reads the Values and numbers it held then. Pass "
            "numbers as arguments, change parameters through their .data, or make a new "
            "jit(f) after changing the list."
        )


def _shown(x: Any) -> str:
    if type(x) is Value:
        return f"a Value (data {x.data!r})"
    if x is _MISSING:
        return "nothing (deleted)"
    if type(x) is list or type(x) is tuple:
        return f"a {type(x).__name__} of {len(x)} item(s)"
    text = repr(x)
    return text if len(text) <= 40 else text[:37] + "..."


def _kind(value: Any) -> str | None:
    """Whether a name's value is something the compiled code bakes in and a check can see
    cheaply: a number (bools included), a Value, or a list or tuple of those."""
    if type(value) is Value:
        return "value"
    if isinstance(value, numbers.Number):
        return "number"
    if (type(value) is list or type(value) is tuple) and all(
        type(v) is Value or isinstance(v, numbers.Number) for v in value
    ):
        return "sequence"
    return None


def watch(f: Callable[..., Any]) -> Watch | None:
    """The watch over what ``f``'s own code names (None when there is nothing to watch, or
    ``f`` is not a Python function: a callable object, a builtin)."""
    function = _function_of(f)
    if function is None:
        return None
    code = function.__code__
    places = [_Place(name, cell=cell)
              for name, cell in zip(code.co_freevars, function.__closure__ or (), strict=True)]
    places += [_Place(name, namespace=function.__globals__) for name in _global_names(code)]
    items: list[tuple[_Place, str, Any]] = []
    for place in places:
        value = place.get()
        kind = _kind(value)
        if kind == "sequence":
            items.append((place, kind, (type(value), tuple(value))))
        elif kind is not None:
            items.append((place, kind, value))
    if not items:
        return None
    return Watch(getattr(f, "__qualname__", type(f).__name__), items)


def _function_of(f: Any) -> types.FunctionType | None:
    while isinstance(f, functools.partial):
        f = f.func
    if isinstance(f, types.MethodType):
        f = f.__func__
    return f if isinstance(f, types.FunctionType) else None


def _global_names(code: types.CodeType) -> Iterator[str]:
    """The globals read by ``code`` and the code nested in it (lambdas, comprehensions)."""
    seen: set[str] = set()
    stack = [code]
    while stack:
        c = stack.pop()
        for instruction in dis.get_instructions(c):
            if instruction.opname == "LOAD_GLOBAL" and instruction.argval not in seen:
                seen.add(instruction.argval)
                yield instruction.argval
        stack.extend(k for k in c.co_consts if isinstance(k, types.CodeType))


# ---------------------------------------------------------------------------------------------
# Comparing results, for the checking mode.
# ---------------------------------------------------------------------------------------------

def same(a: Any, b: Any) -> bool:
    """Bit-for-bit equality of two numbers: 0.0 and -0.0 differ, NaN equals NaN (numbers of
    other types: the same type and equal)."""
    if type(a) is float and type(b) is float:
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and (a != 0.0 or math.copysign(1.0, a) == math.copysign(1.0, b))
    if isinstance(a, numbers.Number) and isinstance(b, numbers.Number):
        return type(a) is type(b) and (a == b or (_nan(a) and _nan(b)))
    return a is b


def _nan(x: Any) -> bool:
    try:
        return math.isnan(x)
    except (TypeError, ValueError, OverflowError):
        return False


def first_difference(compiled: Any, engine: Any, path: str) -> tuple[str, Any, Any] | None:
    """The first place where two results (floats in nested lists and tuples) differ, as
    ``(path, compiled item, engine item)``; None when they are the same bit for bit."""
    if type(compiled) in (list, tuple) or type(engine) in (list, tuple):
        if type(compiled) is not type(engine) or len(compiled) != len(engine):
            return path, compiled, engine
        for k, (a, b) in enumerate(zip(compiled, engine, strict=True)):
            found = first_difference(a, b, f"{path} [{k}]")
            if found is not None:
                return found
        return None
    return None if same(compiled, engine) else (path, compiled, engine)
