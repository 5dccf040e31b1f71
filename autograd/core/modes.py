"""Recording modes: what ops record (``no_grad``, ``enable_grad``, ``detect_anomaly``).

The mode is one context variable read once per op, so it is local to the thread or async task
that set it, and nests. Each mode switch is a context manager and a decorator, bare
(``@no_grad``) or called (``@no_grad()``); decorated generator functions and coroutines run
their whole body in the mode, not just the call that creates them.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import os
import sys
from collections.abc import Callable, Generator
from types import FrameType
from typing import Any, TypeVar, cast

from .generated import PACKAGE_DIR

__all__ = [
    "TRACER", "detect_anomaly", "enable_grad", "is_grad_enabled", "no_grad", "run_recording",
]

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


class Mode:
    """What ops record: parents (``record``), and, under detect_anomaly, creation sites:
    ``sites[id(node)] = (site, data, op)`` (data and op tell a reused id apart)."""

    __slots__ = ("record", "sites")

    def __init__(self, record: bool, sites: dict[int, Any] | None = None) -> None:
        self.record = record
        self.sites = sites


RECORD = Mode(True)
"""The default mode: ops record their parents and local derivatives, nothing else."""
NO_GRAD = Mode(False)
"""Ops record nothing: every result is a leaf."""
MODE: contextvars.ContextVar[Mode] = contextvars.ContextVar("autograd_mode", default=RECORD)
_SAVED: contextvars.ContextVar[tuple[Mode, ...]] = contextvars.ContextVar(
    "autograd_saved_modes", default=()
)
"""The modes to restore, innermost last, per thread / task: a mode switch keeps no state of
its own, so one instance can be entered by overlapping threads and tasks."""


TRACER: contextvars.ContextVar[Any] = contextvars.ContextVar("autograd_tracer", default=None)
"""The jit hook: autograd.jit's active tracer while it traces a function, None otherwise. A leaf
made, a comparison or ``bool`` taken, a ``float``/``int``/``item()`` read on a Value report to
it (``leaf``, ``branch``, ``concrete``), so data-dependent control flow is guarded or refused."""


def is_grad_enabled() -> bool:
    """True when ops record their parents (outside any ``no_grad`` block)."""
    return MODE.get().record


def recording() -> Mode:
    """The current mode with recording on (creation sites kept): what a differentiating pass
    and the functional transforms run in, whatever mode surrounds them."""
    current = MODE.get()
    if current.record:
        return current
    return RECORD if current.sites is None else Mode(True, current.sites)


def run_recording(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``func(*args, **kwargs)`` recording whatever the mode around, in a copy of the context:
    how the library's own code switches recording on. The mode goes with the copy however the
    call ends, a KeyboardInterrupt at any bytecode included; a ``with enable_grad():`` in the
    caller's context could be interrupted inside its own ``__enter__`` or ``__exit__`` and
    leave the caller's ``no_grad`` recording."""
    return contextvars.copy_context().run(_recording, func, args, kwargs)


def _recording(func: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
    MODE.set(recording())  # in run_recording's copy of the context
    return func(*args, **kwargs)


class _ModeSwitch:
    """Base of the context managers that set the recording mode; usable as decorators too,
    bare or called."""

    def __new__(cls, func: Callable[..., Any] | None = None) -> Any:
        self = super().__new__(cls)
        if func is not None:  # used bare, as ``@no_grad``
            if not callable(func):
                raise TypeError(f"{cls.__name__}() takes no arguments, got {func!r}")
            return self(func)
        return self

    def __init__(self, func: Callable[..., Any] | None = None) -> None:
        pass

    def _mode(self) -> Mode:  # pragma: no cover - abstract
        raise NotImplementedError

    def __enter__(self) -> None:
        mode = self._mode()
        _SAVED.set((*_SAVED.get(), MODE.get()))
        MODE.set(mode)

    def __exit__(self, *exc: object) -> None:
        saved = _SAVED.get()
        MODE.set(saved[-1])
        _SAVED.set(saved[:-1])

    def __call__(self, func: F) -> F:
        kind = type(self)
        if inspect.isasyncgenfunction(func):
            raise TypeError(f"{kind.__name__} cannot decorate an async generator function")
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with kind():
                    return await func(*args, **kwargs)

            return cast(F, run_async)
        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def run_generator(*args: Any, **kwargs: Any) -> Any:
                return _InMode(func(*args, **kwargs), kind)

            return cast(F, run_generator)

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with kind():
                return func(*args, **kwargs)

        return cast(F, run)


class _InMode:
    """A generator run in a mode: each step (``next``, ``send``, ``throw``, ``close``) runs in
    it, and the caller's code between steps does not. What the caller sends or throws in
    reaches the generator, as with the generator itself."""

    __slots__ = ("_gen", "_kind")

    def __init__(self, gen: Generator[Any, Any, Any], kind: type[_ModeSwitch]) -> None:
        self._gen = gen
        self._kind = kind

    def __iter__(self) -> _InMode:
        return self

    def __next__(self) -> Any:
        return self.send(None)

    def send(self, value: Any) -> Any:
        with self._kind():
            return self._gen.send(value)

    def throw(self, exc: BaseException) -> Any:
        with self._kind():
            return self._gen.throw(exc)

    def close(self) -> None:
        with self._kind():
            self._gen.close()


class no_grad(_ModeSwitch):
    """Context manager and decorator: ops inside record no parents (results are leaves).

    Local to the thread or async task that entered it (``contextvars``), and nests::

        >>> from autograd import Value, no_grad
        >>> x = Value(2.0)
        >>> with no_grad():
        ...     y = x * x
        >>> y.parents
        ()
    """

    def _mode(self) -> Mode:
        return NO_GRAD


class enable_grad(_ModeSwitch):
    """Turns recording back on inside a ``no_grad`` block (as ``torch.enable_grad``)."""

    def _mode(self) -> Mode:
        return recording()


class detect_anomaly(_ModeSwitch):
    """Context manager: a backward pass producing a NaN or infinite gradient raises.

    The ``FloatingPointError`` names the op whose local derivative produced the bad value, the
    node's label, and the source line where that node was created inside this block. Slower:
    every node created inside remembers its creation site, and backward checks every product.
    """

    def _mode(self) -> Mode:
        current = MODE.get()
        # Sites are keyed by the node's id, not the node: the block keeps no node alive, so a
        # long anomaly-checked training loop frees each step's graph as usual (the table
        # holds one entry per address in use, reused as the allocator reuses them).
        # Recording stays as it was: inside no_grad, ops still record nothing (as in torch).
        sites = current.sites if current.sites is not None else {}
        return Mode(current.record, sites)


def _in_package(filename: str) -> bool:
    """True for a file of this package or its subpackages (not of a sibling folder whose name
    merely starts alike, as ``autograd_examples``)."""
    folder = os.path.dirname(os.path.abspath(filename))
    return folder == PACKAGE_DIR or folder.startswith(PACKAGE_DIR + os.sep)


def creation_site() -> str:
    """The first stack frame outside this package: where the user created a node."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and _in_package(frame.f_code.co_filename):
        frame = frame.f_back
    if frame is None:  # pragma: no cover - the interpreter always has a caller frame
        return "<unknown>"
    return f'File "{frame.f_code.co_filename}", line {frame.f_lineno}, in {frame.f_code.co_name}'
