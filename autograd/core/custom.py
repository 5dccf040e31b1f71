"""Custom ops: the public door into the op table's mechanism.

``custom_op`` declares a new differentiable scalar function as an :class:`~autograd.core.ops.Op`
record built from plain functions; its nodes are built and swept exactly as the built-in ops'.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .node import Scalar, Value, apply
from .ops import Op

__all__ = ["custom_op"]


def custom_op(
    fn: Callable[..., float], *derivatives: Callable[..., Any], name: str | None = None
) -> Callable[..., Value]:
    """Declares a new differentiable scalar function.

    Args:
        fn: maps n floats to a float (the forward pass).
        derivatives: one per argument; ``derivatives[i](*args)`` is d fn / d arg_i. Written
            with autograd operations (``autograd.cos`` rather than ``math.cos``) they also give
            second and higher derivatives.
        name: shown as ``Value.op`` and in graph drawings; defaults to ``fn.__name__``.

    Returns:
        A function taking n Values or real numbers and returning a Value.

    >>> import math
    >>> from autograd import Value, custom_op, cos
    >>> my_sin = custom_op(math.sin, lambda x: cos(x), name="my_sin")
    >>> x = Value(0.0)
    >>> y = my_sin(x)
    >>> y.backward()
    >>> y.op, x.grad
    ('my_sin', 1.0)
    """
    if not callable(fn):
        raise TypeError(f"custom_op: fn must be callable, got {type(fn).__name__}")
    if not derivatives:
        raise TypeError("custom_op: give one derivative function per argument of fn")
    if name is None:
        name = getattr(fn, "__name__", "custom")
        if name == "<lambda>":
            name = "custom"
    if type(name) is not str or not name:
        raise TypeError(f"custom_op: name must be a non-empty str, got {name!r}")
    op = Op(name, fn, derivatives, doc=getattr(fn, "__doc__", "") or "")
    arity = op.arity

    def call(*args: Scalar) -> Value:
        if len(args) != arity:
            raise TypeError(
                f"{name} takes {arity} argument(s), one per derivative given to custom_op; "
                f"got {len(args)}"
            )
        return apply(op, args)

    call.__name__ = name
    call.__qualname__ = name
    call.__doc__ = f"Custom op {name!r} of {arity} argument(s)."
    call.op = op  # type: ignore[attr-defined]  # mypy allows no new attributes on a function
    return call
