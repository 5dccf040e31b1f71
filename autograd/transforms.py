"""Functional transformations: ``grad``, ``value_and_grad``, ``jacobian``, ``hessian`` (reverse
mode), ``jvp`` and ``hvp`` (forward mode, and forward over reverse).

They differentiate a Python function without touching any node's ``.grad``: each call builds a
fresh graph from its arguments and collects the gradients of that one pass
(:func:`autograd.core.backprop.gradients`), or pushes tangents forward through it
(:func:`autograd.core.forward.tangents`). They record whatever mode surrounds them (an outer
``no_grad`` does not turn them off, as with ``torch.func.grad``).

Nesting. Called at top level with floats, a transform returns floats. Called with Values, or
inside another transform or a function ``autograd.jit`` traces, it differentiates with
``create_graph`` (``jvp``: with the table's partials on Values) and returns Values, so the
outer transform (or the trace) sees through it. Each call differentiates only with respect to
its own variables (fresh nodes it makes for its arguments), never a variable of an outer call
that the function captured; that variable stays in the result's graph for the outer call to
differentiate. This is what keeps nested transforms free of perturbation confusion. Each
function ``grad``, ``value_and_grad``, ``jacobian`` and ``hessian`` return carries ``__autograd_transform__ = (kind, f, argnums)``, which
``autograd.jit`` reads to compile the gradient directly::

    >>> from autograd import grad
    >>> grad(lambda x: grad(lambda y: x * y)(1.0))(2.0)  # d/dx [d/dy x*y] = d/dx x = 1
    1.0
    >>> f = lambda x: x ** 3
    >>> grad(f)(2.0), grad(grad(f))(2.0), grad(grad(grad(f)))(2.0)
    (12.0, 12.0, 6.0)
"""

from __future__ import annotations

import contextvars
import functools
import numbers
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from .core.backprop import gradients
from .core.forward import tangents as push_tangents
from .core.modes import MODE, TRACER, recording
from .core.node import Value, real

__all__ = ["grad", "hessian", "hvp", "jacobian", "jvp", "value_and_grad"]

T = TypeVar("T")

_DEPTH: contextvars.ContextVar[int] = contextvars.ContextVar("autograd_transforms", default=0)
"""How many transform calls are running in this thread or task: inside one, every nested
call returns Values (differentiable by the outer one) instead of floats."""


def _transform_call(body: Callable[[bool], T]) -> T:
    """Runs ``body(inside)`` as one transform call: recording on, one level deeper, in a copy
    of the context, so that neither outlives the call, however it ends (a KeyboardInterrupt
    at any bytecode included: the copy is simply dropped, nothing is reset). ``inside`` says
    whether an outer transform call, or a jit trace, is running: either must see the gradient
    as a graph (a float would be the number of this one call, baked into the compiled code)."""
    return contextvars.copy_context().run(_enter, body)


def _enter(body: Callable[[bool], T]) -> T:
    """:func:`_transform_call`'s part inside the copy of the context."""
    depth = _DEPTH.get()
    _DEPTH.set(depth + 1)
    MODE.set(recording())
    return body(depth > 0 or TRACER.get() is not None)


def _variables(args: Sequence[Any], indices: Sequence[int], who: str) -> list[Value]:
    """A fresh node per differentiated argument: the call's own variables. A Value argument
    becomes ``arg + -0.0`` (the exact identity, -0.0 included), so the graph still reaches the
    caller's node (outer transforms see through it) while repeated arguments stay apart."""
    out = []
    for i in indices:
        a = args[i]
        out.append(a + -0.0 if type(a) is Value else Value(real(a, f"{who} argument {i}")))
    return out


def _gradients(out: Any, wrt: Sequence[Value], *, create_graph: bool, who: str) -> list[Any]:
    """d out / d w for each w in ``wrt`` (0 where out does not depend on w)."""
    if type(out) is not Value:
        if isinstance(out, numbers.Real) and not isinstance(out, bool):
            return [0.0] * len(wrt)  # a constant function
        raise TypeError(
            f"{who}: the function must return a scalar (a Value or a real number), "
            f"got {type(out).__name__}"
        )
    return gradients(out, wrt, create_graph)


def _check_argnums(argnums: int | tuple[int, ...], who: str) -> tuple[int, ...]:
    if isinstance(argnums, int) and not isinstance(argnums, bool):
        return (argnums,)
    if isinstance(argnums, tuple) and argnums and all(
        isinstance(i, int) and not isinstance(i, bool) for i in argnums
    ):
        return argnums
    raise TypeError(f"{who}: argnums must be an int or a non-empty tuple of ints, got {argnums!r}")


def _check_callable(f: Any, who: str) -> None:
    if not callable(f):
        raise TypeError(f"{who}: f must be callable, got {type(f).__name__}")


def _differentiate(
    f: Callable[..., Any], argnums: int | tuple[int, ...], who: str
) -> Callable[..., tuple[Any, Any]]:
    """The shared body of ``grad`` and ``value_and_grad``."""
    _check_callable(f, who)
    indices = _check_argnums(argnums, who)
    many = isinstance(argnums, tuple)

    def run(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        for i in indices:
            if not -len(args) <= i < len(args):
                raise TypeError(
                    f"{who}: argnums={argnums!r} but the function was called with "
                    f"{len(args)} positional argument(s)"
                )
        def body(inside: bool) -> tuple[bool, Any, list[Any]]:
            nested = inside or any(type(a) is Value for a in (*args, *kwargs.values()))
            # One variable per argument, however argnums names it (0 and -1 of one argument,
            # or 0 twice): each entry of argnums then gets the whole derivative.
            positions = [i % len(args) for i in indices]
            unique = list(dict.fromkeys(positions))
            variables = dict(zip(unique, _variables(args, unique, who), strict=True))
            args_list = list(args)
            for i, w in variables.items():
                args_list[i] = w
            wrt = [variables[i] for i in positions]
            out = f(*args_list, **kwargs)
            return nested, out, _gradients(out, wrt, create_graph=nested, who=who)

        nested, out, grads = _transform_call(body)
        value: Value | float
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
        argnums); Values that stay differentiable when any argument is a Value or when called
        inside another transform (nesting, through closures too).

    >>> grad(lambda x, y: x * y + y, argnums=(0, 1))(2.0, 3.0)
    (3.0, 3.0)
    """
    run = _differentiate(f, argnums, "grad")

    @functools.wraps(f)
    def gradient(*args: Any, **kwargs: Any) -> Any:
        return run(*args, **kwargs)[1]

    # The marker jit reads; [attr-defined]: mypy allows no new attributes on a function.
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


def _entries(rows: list[list[Any]], nested: bool) -> list[list[Any]]:
    """Floats at top level; Values (differentiable by an outer call) when nested."""
    if nested:
        return [[g if type(g) is Value else Value(g) for g in row] for row in rows]
    return [[float(g) for g in row] for row in rows]


def _at_point(
    f: Callable[..., Any], who: str, rows: Callable[[list[Value], bool], list[list[Any]]]
) -> Callable[..., list[list[Any]]]:
    """The shared body of ``jacobian`` and ``hessian``: one variable per argument, ``rows``
    computed from them (differentiably when nested), floats or Values out."""
    _check_callable(f, who)

    @functools.wraps(f)
    def at(*args: Any) -> list[list[Any]]:
        def body(inside: bool) -> tuple[bool, list[list[Any]]]:
            nested = inside or any(type(a) is Value for a in args)
            return nested, rows(_variables(args, range(len(args)), who), nested)

        nested, result = _transform_call(body)
        return _entries(result, nested)

    at.__autograd_transform__ = (who, f, None)  # type: ignore[attr-defined]
    return at


def jacobian(f: Callable[..., Any]) -> Callable[..., list[list[Any]]]:
    """Returns a function giving the m x n Jacobian of f at a point, as lists of floats
    (Values, differentiable, when called with Values or inside another transform).

    Args:
        f: takes n scalars and returns a list (or tuple) of m scalars.

    >>> jacobian(lambda x, y: [x * y, x + y])(2.0, 3.0)
    [[3.0, 2.0], [1.0, 1.0]]
    """

    def rows(leaves: list[Value], nested: bool) -> list[list[Any]]:
        outs = f(*leaves)
        if not isinstance(outs, (list, tuple)):
            raise TypeError(
                "jacobian: the function must return a list or tuple of scalars, "
                f"got {type(outs).__name__}"
            )
        return [_gradients(out, leaves, create_graph=nested, who="jacobian") for out in outs]

    return _at_point(f, "jacobian", rows)


def hessian(f: Callable[..., Any]) -> Callable[..., list[list[Any]]]:
    """Returns a function giving the n x n Hessian of a scalar f at a point (Values when
    called with Values or inside another transform).

    >>> hessian(lambda x, y: x * x * y)(2.0, 3.0)
    [[6.0, 4.0], [4.0, 0.0]]
    """

    def rows(leaves: list[Value], nested: bool) -> list[list[Any]]:
        first = _gradients(f(*leaves), leaves, create_graph=True, who="hessian")
        return [
            _gradients(g, leaves, create_graph=nested, who="hessian")
            if type(g) is Value
            else [0.0] * len(leaves)
            for g in first
        ]

    return _at_point(f, "hessian", rows)


# ---------------------------------------------------------------------------------------------
# Forward mode.
# ---------------------------------------------------------------------------------------------

def jvp(
    f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]
) -> tuple[Any, Any]:
    """f's value and its derivative along ``tangents`` (a Jacobian-vector product), in one
    forward pass: forward mode.

    Each node's tangent is the dot product of its local derivatives (the op table's, the ones
    ``backward`` multiplies) with its parents' tangents, computed parents first
    (:mod:`autograd.core.forward`). One pass gives every output's derivative along one direction
    of the inputs, where reverse mode gives one output's derivative along every input.
    ``jit`` compiles a function calling it (``jit(lambda *x: jvp(f, x, t))``) by tracing
    through it, to the very same floats.

    Args:
        f: maps scalars to a scalar, or to a list or tuple (nested too) of scalars.
        primals: the point, one scalar (real number or Value) per argument of f.
        tangents: the direction, one scalar per primal.

    Returns:
        ``(f(*primals), tangent)``, the tangent in the structure of f's result; floats, or
        Values that stay differentiable when a primal or tangent is a Value or when called
        inside another transform or a ``jit`` trace (nesting, through closures too).

    >>> jvp(lambda x, y: x * y + y, (2.0, 3.0), (1.0, 0.0))  # d/dx at (2, 3)
    (9.0, 3.0)
    >>> jvp(lambda x, y: [x * y, x + y], (2.0, 3.0), (1.0, 1.0))
    ([6.0, 5.0], [5.0, 2.0])
    """
    return _forward(f, primals, tangents, "jvp")


def hvp(f: Callable[..., Any], primals: Sequence[Any], v: Sequence[Any]) -> list[Any]:
    """The Hessian of a scalar f at ``primals`` times the vector ``v``, without building the
    Hessian: forward over reverse, one ``jvp`` of f's gradient graph along ``v``.

    Args:
        f: maps scalars to a scalar.
        primals: the point, one scalar per argument of f.
        v: the vector, one scalar per primal.

    Returns:
        A list of floats (Values when nested, as :func:`jvp`'s).

    >>> hvp(lambda x, y: x * x * y, (2.0, 3.0), (1.0, 0.0))  # the Hessian's first column
    [6.0, 4.0]
    """
    _check_callable(f, "hvp")
    n = len(_scalars(primals, "primals", "hvp"))
    gradient = _differentiate(f, tuple(range(n)), "hvp") if n else None

    def gradient_list(*args: Any) -> list[Any]:
        return list(gradient(*args)[1]) if gradient is not None else []

    product: list[Any] = _forward(gradient_list, primals, v, "hvp", direction="v")[1]
    return product


def _scalars(xs: Any, what: str, who: str) -> Sequence[Any]:
    if not isinstance(xs, (list, tuple)):
        raise TypeError(
            f"{who}: {what} must be a tuple or list with one scalar per argument of f, "
            f"got {type(xs).__name__}"
        )
    return xs


def _forward(
    f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any], who: str,
    direction: str = "tangents",
) -> tuple[Any, Any]:
    """The body of ``jvp`` (and of ``hvp``, over f's gradient, its ``direction`` called v)."""
    _check_callable(f, who)
    _scalars(primals, "primals", who)
    _scalars(tangents, direction, who)
    if len(primals) != len(tangents):
        raise ValueError(
            f"{who}: {len(primals)} primal(s) but {len(tangents)} entries in {direction}; "
            f"give one per primal"
        )
    seeds: list[Any] = [
        t if type(t) is Value else real(t, f"{who} {direction}[{i}]")
        for i, t in enumerate(tangents)
    ]
    def body(inside: bool) -> tuple[bool, Any, list[Any], list[Any]]:
        nested = inside or any(type(a) is Value for a in (*primals, *seeds))
        variables = _variables(primals, range(len(primals)), who)
        outputs: list[Any] = []
        shape = _output_structure(f(*variables), outputs, who)
        seeded = dict(zip(variables, seeds, strict=True))
        return nested, shape, outputs, push_tangents(outputs, seeded, differentiable=nested)

    nested, shape, outputs, pushed = _transform_call(body)
    values = _entries([outputs, pushed], nested)
    return _rebuild(shape, iter(values[0])), _rebuild(shape, iter(values[1]))


def _output_structure(out: Any, flat: list[Any], who: str) -> Any:
    """Appends the scalars of f's result to ``flat``; returns its structure (None for a
    scalar, else the sequence type and its items' structures)."""
    if type(out) is Value or (isinstance(out, numbers.Real) and not isinstance(out, bool)):
        flat.append(out)
        return None
    if isinstance(out, (list, tuple)):
        kind = list if isinstance(out, list) else tuple
        return kind, [_output_structure(o, flat, who) for o in out]
    raise TypeError(
        f"{who}: the function must return a scalar (a Value or a real number) or a list or "
        f"tuple of scalars, got {type(out).__name__}"
    )


def _rebuild(shape: Any, items: Iterator[Any]) -> Any:
    """The inverse of :func:`_output_structure`."""
    if shape is None:
        return next(items)
    kind, inner = shape
    return kind(_rebuild(s, items) for s in inner)
