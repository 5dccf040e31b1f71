"""Functional transformations: ``grad``, ``value_and_grad``, ``jacobian``, ``hessian``.

They differentiate a Python function without touching any node's ``.grad``: each call builds a
fresh graph from its arguments and collects the gradients of that one pass. Called with floats
they return floats. Called with Values they differentiate with ``create_graph`` and return
Values, which is what makes nesting work to any order. Each returned function carries
``__autograd_transform__ = (kind, f, argnums)``, which ``autograd.jit`` reads to compile the
gradient directly::

    >>> from autograd import grad
    >>> f = lambda x: x ** 3
    >>> grad(f)(2.0), grad(grad(f))(2.0), grad(grad(grad(f)))(2.0)
    (12.0, 12.0, 6.0)
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable, Sequence
from typing import Any

from .engine import Value, _gradient_map, _real, topological_order

__all__ = ["grad", "hessian", "jacobian", "value_and_grad"]


def _gradients(out: Any, wrt: Sequence[Value], *, create_graph: bool, who: str) -> list[Any]:
    """d out / d w for each w in ``wrt`` (0 where out does not depend on w)."""
    if type(out) is not Value:
        if isinstance(out, numbers.Real) and not isinstance(out, bool):
            return [0.0] * len(wrt)  # a constant function
        raise TypeError(
            f"{who}: the function must return a scalar (a Value or a real number), "
            f"got {type(out).__name__}"
        )
    grads = _gradient_map(topological_order(out), 1.0, create_graph=create_graph)
    return [grads.get(w, 0.0) for w in wrt]


def _check_argnums(argnums: int | tuple[int, ...], who: str) -> tuple[int, ...]:
    if isinstance(argnums, int) and not isinstance(argnums, bool):
        return (argnums,)
    if isinstance(argnums, tuple) and argnums and all(
        isinstance(i, int) and not isinstance(i, bool) for i in argnums
    ):
        return argnums
    raise TypeError(f"{who}: argnums must be an int or a non-empty tuple of ints, got {argnums!r}")


def _differentiate(
    f: Callable[..., Any], argnums: int | tuple[int, ...], who: str
) -> Callable[..., tuple[Any, Any]]:
    """The shared body of ``grad`` and ``value_and_grad``."""
    if not callable(f):
        raise TypeError(f"{who}: f must be callable, got {type(f).__name__}")
    indices = _check_argnums(argnums, who)
    many = isinstance(argnums, tuple)

    def run(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        for i in indices:
            if not -len(args) <= i < len(args):
                raise TypeError(
                    f"{who}: argnums={argnums!r} but the function was called with "
                    f"{len(args)} positional argument(s)"
                )
        args_list = list(args)
        # Called with a Value anywhere (as an outer transformation does), the result must stay
        # differentiable: differentiate with create_graph and return Values.
        nested = any(type(a) is Value for a in args) or any(
            type(a) is Value for a in kwargs.values()
        )
        wrt: list[Value] = []
        for i in indices:
            a = args_list[i]
            if type(a) is Value:
                # A fresh node per argument keeps repeated arguments apart while the graph
                # still reaches the caller's node, so outer transformations see through it.
                a = a + 0.0
            else:
                a = Value(_real(a, f"{who} argument {i}"))
            args_list[i] = a
            wrt.append(a)
        out = f(*args_list, **kwargs)
        grads = _gradients(out, wrt, create_graph=nested, who=who)
        if nested:
            grads = [g if type(g) is Value else Value(g) for g in grads]
            value = out if type(out) is Value else Value(out)
        else:
            value = out.data if type(out) is Value else float(out)
        return value, (tuple(grads) if many else grads[0])

    return run


def grad(f: Callable[..., Any], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """Returns a function computing df/d(args[argnums]).

    Args:
        f: maps real numbers or Values to a scalar Value (or number).
        argnums: which positional argument to differentiate by, or a tuple of them.

    Returns:
        A function with f's signature returning a float (a tuple of floats for a tuple of
        argnums); Values that stay differentiable when any argument is a Value. To nest
        through a closure, pass the outer variable as an argument rather than capturing it.

    >>> grad(lambda x, y: x * y + y, argnums=(0, 1))(2.0, 3.0)
    (3.0, 3.0)
    """
    run = _differentiate(f, argnums, "grad")

    @functools.wraps(f)
    def gradient(*args: Any, **kwargs: Any) -> Any:
        return run(*args, **kwargs)[1]

    gradient.__autograd_transform__ = ("grad", f, argnums)  # type: ignore[attr-defined]
    return gradient


def value_and_grad(
    f: Callable[..., Any], argnums: int | tuple[int, ...] = 0
) -> Callable[..., tuple[Any, Any]]:
    """Like :func:`grad`, but the function returns ``(f(*args), gradient)``.

    >>> value_and_grad(lambda x: x * x)(3.0)
    (9.0, 6.0)
    """
    run = _differentiate(f, argnums, "value_and_grad")

    @functools.wraps(f)
    def value_and_gradient(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        return run(*args, **kwargs)

    value_and_gradient.__autograd_transform__ = (  # type: ignore[attr-defined]
        "value_and_grad", f, argnums)
    return value_and_gradient


def _leaves(args: Sequence[Any], who: str) -> list[Value]:
    return [Value(a.data if type(a) is Value else _real(a, f"{who} argument {i}"))
            for i, a in enumerate(args)]


def jacobian(f: Callable[..., Any]) -> Callable[..., list[list[float]]]:
    """Returns a function giving the m x n Jacobian of f at a point, as lists of floats.

    Args:
        f: takes n scalars and returns a list (or tuple) of m scalars.

    >>> jacobian(lambda x, y: [x * y, x + y])(2.0, 3.0)
    [[3.0, 2.0], [1.0, 1.0]]
    """
    if not callable(f):
        raise TypeError(f"jacobian: f must be callable, got {type(f).__name__}")

    @functools.wraps(f)
    def jac(*args: Any) -> list[list[float]]:
        leaves = _leaves(args, "jacobian")
        outs = f(*leaves)
        if not isinstance(outs, (list, tuple)):
            raise TypeError(
                "jacobian: the function must return a list or tuple of scalars, "
                f"got {type(outs).__name__}"
            )
        return [
            [float(g) for g in _gradients(out, leaves, create_graph=False, who="jacobian")]
            for out in outs
        ]

    jac.__autograd_transform__ = ("jacobian", f, None)  # type: ignore[attr-defined]
    return jac


def hessian(f: Callable[..., Any]) -> Callable[..., list[list[float]]]:
    """Returns a function giving the n x n Hessian of a scalar f at a point.

    >>> hessian(lambda x, y: x * x * y)(2.0, 3.0)
    [[6.0, 4.0], [4.0, 0.0]]
    """
    if not callable(f):
        raise TypeError(f"hessian: f must be callable, got {type(f).__name__}")

    @functools.wraps(f)
    def hess(*args: Any) -> list[list[float]]:
        leaves = _leaves(args, "hessian")
        out = f(*leaves)
        first = _gradients(out, leaves, create_graph=True, who="hessian")
        rows = []
        for g in first:
            if type(g) is Value:
                row = _gradients(g, leaves, create_graph=False, who="hessian")
                rows.append([float(x) for x in row])
            else:
                rows.append([0.0] * len(leaves))
        return rows

    hess.__autograd_transform__ = ("hessian", f, None)  # type: ignore[attr-defined]
    return hess
