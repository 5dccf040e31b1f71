"""The ``Value`` node and reverse mode.

A ``Value`` holds a float, the op that made it and its parents, each with the local derivative
d(self)/d(parent) computed during the forward pass. One or two parents live in the node's own
slots (``_p0, _d0, _p1, _d1``), so a binary op makes one object; an n-ary node (a neuron's
``dot``) keeps the tuple of its parents in ``_p0`` and their partials in ``_d0``, marked by
``_p1 is _MANY``. Nodes never refer to their children and hold no closures, so a graph is a
tree of plain references that reference counting frees the moment it is dropped (the cycle
collector never has to free it).

Reverse mode sorts the graph iteratively (no recursion, so a chain of a million nodes works at
the default recursion limit), then sweeps it once from the root, collecting this pass's
gradients in a scratch slot ``_g`` before adding them to ``.grad``. With ``create_graph=True``
the sweep re-derives each local derivative from the op table as a ``Value`` instead, so the
gradients are themselves differentiable.
"""

from __future__ import annotations

import contextvars
import functools
import math
import numbers
import os
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar, Union

from . import ops as _ops
from .ops import Op

__all__ = ["Value", "custom_op", "detect_anomaly", "enable_grad", "is_grad_enabled", "no_grad"]

Number = int | float | numbers.Real
Scalar = Union["Value", int, float, numbers.Real]
F = TypeVar("F", bound=Callable[..., Any])


# ---------------------------------------------------------------------------------------------
# Recording mode: one context variable, read once per op.
# ---------------------------------------------------------------------------------------------

class _Mode:
    """What ops record: parents (grad on), nothing (no_grad), or parents plus creation sites."""

    __slots__ = ("record", "sites")

    def __init__(self, record: bool, sites: dict[Value, str] | None = None) -> None:
        self.record = record
        self.sites = sites


_RECORD = _Mode(True)
_NO_GRAD = _Mode(False)
_MODE: contextvars.ContextVar[_Mode] = contextvars.ContextVar("autograd_mode", default=_RECORD)

TRACER: contextvars.ContextVar[Any] = contextvars.ContextVar("autograd_tracer", default=None)
"""The jit hook: autograd.jit's active tracer while it traces a function, None otherwise. A leaf
made, a comparison or ``bool`` taken, a ``float``/``int``/``item()`` read on a Value report to
it (``leaf``, ``branch``, ``concrete``), so data-dependent control flow is guarded or refused."""


def is_grad_enabled() -> bool:
    """True when ops record their parents (outside any ``no_grad`` block)."""
    return _MODE.get().record


class _ModeSwitch:
    """Base of the context managers that set the recording mode; usable as decorators too."""

    def __init__(self) -> None:
        self._tokens: list[contextvars.Token[_Mode]] = []

    def _mode(self) -> _Mode:  # pragma: no cover - abstract
        raise NotImplementedError

    def __enter__(self) -> None:
        self._tokens.append(_MODE.set(self._mode()))

    def __exit__(self, *exc: object) -> None:
        _MODE.reset(self._tokens.pop())

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


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

    def __new__(cls, func: Callable[..., Any] | None = None) -> Any:
        self = super().__new__(cls)
        if func is not None:  # used bare, as ``@no_grad``
            self.__init__()  # type: ignore[misc]
            return self(func)
        return self

    def __init__(self, func: Callable[..., Any] | None = None) -> None:
        super().__init__()

    def _mode(self) -> _Mode:
        return _NO_GRAD


class enable_grad(_ModeSwitch):
    """Turns recording back on inside a ``no_grad`` block (as ``torch.enable_grad``)."""

    def _mode(self) -> _Mode:
        current = _MODE.get()
        return current if current.record else _RECORD


class detect_anomaly(_ModeSwitch):
    """Context manager: a backward pass producing a NaN or infinite gradient raises.

    The ``FloatingPointError`` names the op whose local derivative produced the bad value, the
    node's label, and the source line where that node was created inside this block. Slower:
    every node created inside remembers its creation site, and backward checks every product.
    """

    def _mode(self) -> _Mode:
        current = _MODE.get()
        sites = current.sites if current.sites is not None else {}
        return _Mode(True, sites)


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _creation_site() -> str:
    """The first stack frame outside this package: where the user created a node."""
    frame = sys._getframe(2)
    while frame is not None and os.path.dirname(
        os.path.abspath(frame.f_code.co_filename)
    ).startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:  # pragma: no cover - the interpreter always has a caller frame
        return "<unknown>"
    return f'File "{frame.f_code.co_filename}", line {frame.f_lineno}, in {frame.f_code.co_name}'


# ---------------------------------------------------------------------------------------------
# Input validation.
# ---------------------------------------------------------------------------------------------

def _real(x: object, what: str) -> float:
    """Converts a real number to float, or raises TypeError naming the type received."""
    if type(x) is float:
        return x  # type: ignore[return-value]
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return float(x)
    raise TypeError(f"{what} expects a real number or a Value, got {type(x).__name__}: {x!r}")


def _domain_error(op: Op, xs: Sequence[float], exc: BaseException) -> BaseException:
    shown = ", ".join(repr(x) for x in xs) if len(xs) <= 6 else f"{len(xs)} inputs"
    if isinstance(exc, OverflowError):
        why = "result overflows a float"
    elif isinstance(exc, ZeroDivisionError):
        why = "division by zero"
    else:
        why = f"input outside the domain ({op.domain})"
    return type(exc)(f"{op.name}({shown}): {why}")


# ---------------------------------------------------------------------------------------------
# The node.
# ---------------------------------------------------------------------------------------------

class Value:
    """A scalar node of a dynamic computation graph.

    Args:
        data: any real number (int, float, Fraction, NumPy scalar...); stored as a float.
        label: a name shown in ``repr`` and graph drawings.

    >>> a = Value(2.0, label="a")
    >>> b = a * a + 3 * a
    >>> b.backward()
    >>> b.data, a.grad
    (10.0, 7.0)
    """

    # _p0/_d0, _p1/_d1: the first two parents and their partials (None: no such parent); for
    # three or more parents, _p0 is the tuple of parents, _d0 their partials, _p1 = _MANY.
    # _ctx: how to rebuild the op's full arguments when constants were mixed in (see arguments).
    # _g: this backward pass's gradient; 0.0 between passes, _SEEN while a sort has visited it.
    __slots__ = ("_ctx", "_d0", "_d1", "_g", "_op", "_p0", "_p1", "data", "grad", "label")

    data: float
    grad: Any
    label: str

    def __init__(self, data: Number, *, label: str = "") -> None:
        if type(data) is not float:
            data = _real(data, "Value")
        if type(label) is not str:
            raise TypeError(f"Value label must be a str, got {type(label).__name__}")
        self.data = data
        self.grad = 0.0
        self.label = label
        self._op: Op | None = None
        self._p0: Any = None
        self._d0: Any = 0.0
        self._p1: Any = None
        self._d1: Any = 0.0
        self._g = 0.0
        self._ctx: Any = None
        mode = _MODE.get()
        if mode.sites is not None:
            mode.sites[self] = _creation_site()
        tracer = TRACER.get()  # jit hook: leaves made inside a trace are its constants
        if tracer is not None:
            tracer.leaf(self)

    # -- read-only views -----------------------------------------------------------------

    @property
    def op(self) -> str:
        """Name of the op that made this node ("" for a leaf)."""
        op = self._op
        return op.name if op is not None else ""

    @property
    def parents(self) -> tuple[Value, ...]:
        """The Value arguments of the op that made this node, in argument order."""
        if self._p1 is _MANY:
            return self._p0  # type: ignore[no-any-return]
        return _pairs(self)[0::2]

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d(self)/d(parent) for each parent, as computed in the forward pass."""
        if self._p1 is _MANY:
            return tuple(self._d0)
        return _pairs(self)[1::2]

    @property
    def primitive(self) -> Op | None:
        """The op table's record of the op that made this node (None for a leaf)."""
        return self._op

    @property
    def arguments(self) -> tuple[Any, ...]:
        """The op's full arguments in order: Values and float constants (() for a leaf)."""
        return arguments(self)

    @property
    def is_leaf(self) -> bool:
        """True when no op made this node (inputs, parameters, detached values, constants)."""
        return self._p0 is None

    def item(self) -> float:
        """The data as a Python float (as ``torch.Tensor.item``)."""
        tracer = TRACER.get()  # jit hook
        return self.data if tracer is None else tracer.concrete(self, "item()")

    def detach(self) -> Value:
        """A new leaf with the same data, cut from the graph."""
        return Value(self.data, label=self.label)

    def __repr__(self) -> str:
        parts = [f"data={self.data!r}"]
        grad = self.grad
        if type(grad) is float:
            if grad != 0.0:
                parts.append(f"grad={grad!r}")
        else:
            parts.append(f"grad={grad!r}")
        if self.label:
            parts.append(f"label={self.label!r}")
        if self._op is not None:
            parts.append(f"op={self._op.name!r}")
        return f"Value({', '.join(parts)})"

    # -- jit hook: reading a Value as a Python number or branching on it reports to the active
    # tracer (TRACER, None outside autograd.jit's traces), which guards or refuses it.

    def __float__(self) -> float:
        tracer = TRACER.get()
        return self.data if tracer is None else tracer.concrete(self, "float()")

    def __int__(self) -> int:
        tracer = TRACER.get()
        return int(self.data if tracer is None else tracer.concrete(self, "int()"))

    def __bool__(self) -> bool:
        result = self.data != 0.0
        tracer = TRACER.get()
        if tracer is not None:
            tracer.branch(self, "!=", 0.0, result)
        return result

    # Comparisons look at data only; == and hash stay by identity so nodes key dicts and sets.
    def __lt__(self, other: Scalar) -> bool:
        result = self.data < (other.data if type(other) is Value else other)  # type: ignore
        tracer = TRACER.get()
        if tracer is not None:
            tracer.branch(self, "<", other, result)
        return result  # type: ignore[no-any-return]

    def __le__(self, other: Scalar) -> bool:
        result = self.data <= (other.data if type(other) is Value else other)  # type: ignore
        tracer = TRACER.get()
        if tracer is not None:
            tracer.branch(self, "<=", other, result)
        return result  # type: ignore[no-any-return]

    def __gt__(self, other: Scalar) -> bool:
        result = self.data > (other.data if type(other) is Value else other)  # type: ignore
        tracer = TRACER.get()
        if tracer is not None:
            tracer.branch(self, ">", other, result)
        return result  # type: ignore[no-any-return]

    def __ge__(self, other: Scalar) -> bool:
        result = self.data >= (other.data if type(other) is Value else other)  # type: ignore
        tracer = TRACER.get()
        if tracer is not None:
            tracer.branch(self, ">=", other, result)
        return result  # type: ignore[no-any-return]

    # -- end of the jit hook

    __hash__ = object.__hash__

    # -- arithmetic: the hot ops build their node inline ---------------------------------
    # No helper call and no edge tuple. A constant operand is not a parent: it is kept in _d1
    # with its argument position in _ctx, for create_graph and drawings (see ``arguments``).

    def __add__(self, other: Scalar) -> Value:
        if type(other) is Value:
            data = self.data + other.data
            mode = _MODE.get()
            if mode is not _RECORD:
                if not mode.record:
                    return _leaf(data)
                return _finish_slow(mode, data, _ops.ADD, (self, other), (1.0, 1.0), None)
            out = _new(Value)
            out.data = data
            out.grad = 0.0
            out.label = ""
            out._op = _ops.ADD
            out._p0 = self
            out._d0 = 1.0
            out._p1 = other
            out._d1 = 1.0
            out._g = 0.0
            out._ctx = None
            return out
        if type(other) is float or type(other) is int:
            c = float(other)
            data = self.data + c
            mode = _MODE.get()
            if mode is not _RECORD:
                if not mode.record:
                    return _leaf(data)
                return _finish_slow(mode, data, _ops.ADD, (self,), (1.0,), (self, c))
            out = _new(Value)
            out.data = data
            out.grad = 0.0
            out.label = ""
            out._op = _ops.ADD
            out._p0 = self
            out._d0 = 1.0
            out._p1 = None
            out._d1 = c
            out._g = 0.0
            out._ctx = 1
            return out
        if not isinstance(other, numbers.Real) or isinstance(other, bool):
            return NotImplemented
        return _apply(_ops.ADD, (self, other))

    def __radd__(self, other: Scalar) -> Value:
        if type(other) is float or type(other) is int:
            c = float(other)
            data = c + self.data
            mode = _MODE.get()
            if mode is not _RECORD:
                if not mode.record:
                    return _leaf(data)
                return _finish_slow(mode, data, _ops.ADD, (self,), (1.0,), (c, self))
            out = _new(Value)
            out.data = data
            out.grad = 0.0
            out.label = ""
            out._op = _ops.ADD
            out._p0 = self
            out._d0 = 1.0
            out._p1 = None
            out._d1 = c
            out._g = 0.0
            out._ctx = 0
            return out
        if not isinstance(other, numbers.Real) or isinstance(other, bool):
            return NotImplemented
        return _apply(_ops.ADD, (other, self))

    def __sub__(self, other: Scalar) -> Value:
        if type(other) is Value:
            data = self.data - other.data
            mode = _MODE.get()
            if mode is not _RECORD:
                if not mode.record:
                    return _leaf(data)
                return _finish_slow(mode, data, _ops.SUB, (self, other), (1.0, -1.0), None)
            out = _new(Value)
            out.data = data
            out.grad = 0.0
            out.label = ""
            out._op = _ops.SUB
            out._p0 = self
            out._d0 = 1.0
            out._p1 = other
            out._d1 = -1.0
            out._g = 0.0
            out._ctx = None
            return out
        if type(other) is float or type(other) is int:
            c = float(other)
            data = self.data - c
            mode = _MODE.get()
            if mode is not _RECORD:
                if not mode.record:
                    return _leaf(data)
                return _finish_slow(mode, data, _ops.SUB, (self,), (1.0,), (self, c))
            out = _new(Value)
            out.data = data
            out.grad = 0.0
            out.label = ""
            out._op = _ops.SUB
            out._p0 = self
            out._d0 = 1.0
            out._p1 = None
            out._d1 = c
            out._g = 0.0
            out._ctx = 1
            return out
        if not isinstance(other, numbers.Real) or isinstance(other, bool):
            return NotImplemented
        return _apply(_ops.SUB, (self, other))

    def __rsub__(self, other: Scalar) -> Value:
        if type(other) is float or type(other) is int:
            c = float(other)
            data = c - self.data
            mode = _MODE.get()
            if mode is not _RECORD:
                if not mode.record:
                    return _leaf(data)
                return _finish_slow(mode, data, _ops.SUB, (self,), (-1.0,), (c, self))
            out = _new(Value)
            out.data = data
            out.grad = 0.0
            out.label = ""
            out._op = _ops.SUB
            out._p0 = self
            out._d0 = -1.0
            out._p1 = None
            out._d1 = c
            out._g = 0.0
            out._ctx = 0
            return out
        if not isinstance(other, numbers.Real) or isinstance(other, bool):
            return NotImplemented
        return _apply(_ops.SUB, (other, self))

    def __mul__(self, other: Scalar) -> Value:
        if type(other) is Value:
            sd = self.data
            od = other.data
            data = sd * od
            mode = _MODE.get()
            if mode is not _RECORD:
                if not mode.record:
                    return _leaf(data)
                return _finish_slow(mode, data, _ops.MUL, (self, other), (od, sd), None)
            out = _new(Value)
            out.data = data
            out.grad = 0.0
            out.label = ""
            out._op = _ops.MUL
            out._p0 = self
            out._d0 = od
            out._p1 = other
            out._d1 = sd
            out._g = 0.0
            out._ctx = None
            return out
        if type(other) is float or type(other) is int:
            c = float(other)
            data = self.data * c
            mode = _MODE.get()
            if mode is not _RECORD:
                if not mode.record:
                    return _leaf(data)
                return _finish_slow(mode, data, _ops.MUL, (self,), (c,), (self, c))
            out = _new(Value)
            out.data = data
            out.grad = 0.0
            out.label = ""
            out._op = _ops.MUL
            out._p0 = self
            out._d0 = c
            out._p1 = None
            out._d1 = c
            out._g = 0.0
            out._ctx = 1
            return out
        if not isinstance(other, numbers.Real) or isinstance(other, bool):
            return NotImplemented
        return _apply(_ops.MUL, (self, other))

    def __rmul__(self, other: Scalar) -> Value:
        if type(other) is float or type(other) is int:
            c = float(other)
            data = c * self.data
            mode = _MODE.get()
            if mode is not _RECORD:
                if not mode.record:
                    return _leaf(data)
                return _finish_slow(mode, data, _ops.MUL, (self,), (c,), (c, self))
            out = _new(Value)
            out.data = data
            out.grad = 0.0
            out.label = ""
            out._op = _ops.MUL
            out._p0 = self
            out._d0 = c
            out._p1 = None
            out._d1 = c
            out._g = 0.0
            out._ctx = 0
            return out
        if not isinstance(other, numbers.Real) or isinstance(other, bool):
            return NotImplemented
        return _apply(_ops.MUL, (other, self))

    def __truediv__(self, other: Scalar) -> Value:
        if type(other) is Value or type(other) is float or type(other) is int:
            return _binary(_ops.DIV, self, other)
        if not isinstance(other, numbers.Real) or isinstance(other, bool):
            return NotImplemented
        return _apply(_ops.DIV, (self, other))

    def __rtruediv__(self, other: Scalar) -> Value:
        if type(other) is float or type(other) is int:
            return _binary(_ops.DIV, other, self)
        if not isinstance(other, numbers.Real) or isinstance(other, bool):
            return NotImplemented
        return _apply(_ops.DIV, (other, self))

    def __pow__(self, other: Scalar) -> Value:
        if type(other) is Value or type(other) is float or type(other) is int:
            return _binary(_ops.POW, self, other)
        if not isinstance(other, numbers.Real) or isinstance(other, bool):
            return NotImplemented
        return _apply(_ops.POW, (self, other))

    def __rpow__(self, other: Scalar) -> Value:
        if type(other) is float or type(other) is int:
            return _binary(_ops.POW, other, self)
        if not isinstance(other, numbers.Real) or isinstance(other, bool):
            return NotImplemented
        return _apply(_ops.POW, (other, self))

    def __neg__(self) -> Value:
        return _unary(_ops.NEG, self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _unary(_ops.ABS, self)

    # -- elementary functions --------------------------------------------------------------

    def exp(self) -> Value:
        """e ** self; raises OverflowError past ~709.78."""
        return _unary(_ops.EXP, self)

    def log(self) -> Value:
        """Natural logarithm; raises ValueError for inputs <= 0."""
        return _unary(_ops.LOG, self)

    def sqrt(self) -> Value:
        """Square root; raises ValueError for negative inputs."""
        return _unary(_ops.SQRT, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent."""
        return _unary(_ops.TANH, self)

    def sigmoid(self) -> Value:
        """1 / (1 + e^-x), without overflow for any finite input."""
        return _unary(_ops.SIGMOID, self)

    def relu(self) -> Value:
        """max(x, 0), with derivative 0 at 0 (as PyTorch)."""
        # Inline: the activation of nearly every neuron. Same value and local derivative as
        # the table's RELU (the op tests check the two agree).
        mode = _MODE.get()
        if mode is not _RECORD:
            if not mode.record:
                return _leaf(_forward(_ops.RELU, self.data))
            return _apply(_ops.RELU, (self,))
        out = _new(Value)
        if self.data > 0.0:
            out.data = self.data
            out._d0 = 1.0
        else:
            out.data = self.data if self.data != self.data else 0.0  # relu(nan) is nan
            out._d0 = 0.0
        out.grad = 0.0
        out.label = ""
        out._op = _ops.RELU
        out._p0 = self
        out._p1 = None
        out._d1 = 0.0
        out._g = 0.0
        out._ctx = None
        return out

    def leaky_relu(self, slope: Scalar = 0.01) -> Value:
        """x for x > 0, else slope * x."""
        if type(slope) is Value or type(slope) is float or type(slope) is int:
            return _binary(_ops.LEAKY_RELU, self, slope)
        return _apply(_ops.LEAKY_RELU, (self, slope))

    def softplus(self) -> Value:
        """log(1 + e^x), without overflow for any finite input."""
        return _unary(_ops.SOFTPLUS, self)

    def sin(self) -> Value:
        """Sine."""
        return _unary(_ops.SIN, self)

    def cos(self) -> Value:
        """Cosine."""
        return _unary(_ops.COS, self)

    # -- reverse mode ----------------------------------------------------------------------

    def backward(self, gradient: Scalar = 1.0, *, create_graph: bool = False) -> None:
        """Adds d(self)/d(node) * gradient to ``.grad`` of every node in self's graph.

        Args:
            gradient: the seed, d(loss)/d(self); 1.0 for a scalar loss.
            create_graph: make the gradients Values whose graphs can be differentiated again.

        Passes from several threads over graphs that share nodes take turns (one lock), so each
        adds its whole gradient.
        """
        if type(gradient) is not Value:
            gradient = _real(gradient, "backward(gradient=...)")
        with _PASS_LOCK:  # concurrent passes over shared nodes take turns
            if create_graph:
                order = topological_order(self)
                _gradient_map(order, gradient, create_graph=True, accumulate=True)
                return
            if type(gradient) is Value:
                gradient = gradient.data
            _sweep(_marked_order(self), gradient, _MODE.get().sites)


_new = object.__new__


class _Many:
    """The marker in ``_p1`` of a node with three or more parents (a tuple in ``_p0``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "_MANY"

    def __reduce__(self) -> str:
        return "_MANY"  # one marker: copies and unpickled graphs must find this very object


_MANY = _Many()


def _pairs(node: Value) -> tuple[Any, ...]:
    """``(parent0, d0, parent1, d1, ...)``: each parent of ``node`` with d(node)/d(parent)."""
    p = node._p0
    if p is None:
        return ()
    q = node._p1
    if q is None:
        return (p, node._d0)
    if q is _MANY:
        pairs: list[Any] = [None] * (2 * len(p))
        pairs[0::2] = p
        pairs[1::2] = node._d0
        return tuple(pairs)
    return (p, node._d0, q, node._d1)


def _link(out: Value, parents: Sequence[Value], partials: Sequence[Any], ctx: Any) -> None:
    """Stores ``parents`` with their ``partials`` and the op's full arguments ``ctx`` (``None``
    when they are just the parents) in ``out``'s slots, in their compact form.

    Three or more parents are kept as given: a tuple of parents (copied if a list) and the
    partials sequence itself, which the caller must not change afterwards.
    """
    n = len(parents)
    if n > 2:
        out._p0 = parents if type(parents) is tuple else tuple(parents)
        out._d0 = partials
        out._p1 = _MANY
        out._d1 = 0.0
    elif n == 2:
        out._p0, out._p1 = parents
        out._d0, out._d1 = partials
    elif n == 1:
        out._p0 = parents[0]
        out._d0 = partials[0]
        out._p1 = None
        out._d1 = 0.0
        if type(ctx) is tuple and len(ctx) == 2:
            # One Value and one constant: the constant goes in the free _d1, its position in
            # _ctx (no argument tuple to allocate).
            k = 1 if type(ctx[0]) is Value else 0
            out._d1 = ctx[k]
            ctx = k
    else:
        out._p0 = out._p1 = None
        out._d0 = out._d1 = 0.0
    out._ctx = ctx


def _finish_slow(
    mode: _Mode,
    data: float,
    op: Op,
    parents: Sequence[Value],
    partials: Sequence[Any],
    ctx: Any,
) -> Value:
    """Completes a node outside the plain recording mode (no_grad or detect_anomaly)."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._g = 0.0
    if mode.record:
        out._op = op
        _link(out, parents, partials, ctx)
        if mode.sites is not None:
            mode.sites[out] = _creation_site()
    else:
        out._op = None
        _link(out, (), (), None)
    return out


def _apply(op: Op, args: Sequence[Any]) -> Value:
    """Runs ``op`` on Values and/or real numbers and returns the output node."""
    xs: list[float] = []
    any_value = False
    any_const = False
    for a in args:
        if type(a) is Value:
            xs.append(a.data)
            any_value = True
        else:
            xs.append(a if type(a) is float else _real(a, op.name))
            any_const = True
    try:
        data = op.forward(*xs)
    except (ValueError, ZeroDivisionError, OverflowError) as exc:
        raise _domain_error(op, xs, exc) from None
    if type(data) is not float:
        data = _real(data, f"the forward function of {op.name}")
    mode = _MODE.get()
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._g = 0.0
    if not (any_value and mode.record):
        out._op = None
        _link(out, (), (), None)
        return out
    parents: list[Value] = []
    partials: list[float] = []
    partial = op.partial
    for i, a in enumerate(args):
        if type(a) is Value:
            d = partial(i, xs, data)
            if type(d) is not float:
                d = d.data if type(d) is Value else _real(d, f"derivative {i} of {op.name}")
            parents.append(a)
            partials.append(d)
    out._op = op
    _link(
        out,
        parents,
        partials,
        tuple(a if type(a) is Value else x for a, x in zip(args, xs, strict=True))
        if any_const
        else None,
    )
    if mode.sites is not None:
        mode.sites[out] = _creation_site()
    return out


def _unary(op: Op, x: Value) -> Value:
    """``_apply(op, (x,))`` for a built-in one-argument op on a Value, without the lists.

    Same forward, same local derivative (read from the op table), same checks. Under no_grad
    the derivative is not computed at all; detect_anomaly takes the general path.
    """
    mode = _MODE.get()
    if mode is not _RECORD:
        if not mode.record:
            return _leaf(_forward(op, x.data))
        return _apply(op, (x,))
    xd = x.data
    data = _forward(op, xd)
    if type(data) is not float:
        data = _real(data, f"the forward function of {op.name}")
    d = op.partial(0, (xd,), data)
    if type(d) is not float:
        d = d.data if type(d) is Value else _real(d, f"derivative 0 of {op.name}")
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._op = op
    out._p0 = x
    out._d0 = d
    out._p1 = None
    out._d1 = 0.0
    out._g = 0.0
    out._ctx = None
    return out


def _binary(op: Op, x: Any, y: Any) -> Value:
    """``_apply(op, (x, y))`` for a built-in two-argument op, without the lists: x and y are
    Values, floats or ints, at least one a Value.

    Same forward, same local derivatives (read from the op table), same checks; no derivative
    under no_grad, and detect_anomaly takes the general path.
    """
    x_node = type(x) is Value
    y_node = type(y) is Value
    xd = x.data if x_node else float(x)
    yd = y.data if y_node else float(y)
    try:
        data = op.forward(xd, yd)
    except (ValueError, ZeroDivisionError, OverflowError) as exc:
        raise _domain_error(op, [xd, yd], exc) from None
    mode = _MODE.get()
    if mode is not _RECORD:
        if not mode.record:
            return _leaf(data)
        return _apply(op, (x, y))
    partial = op.partial
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._op = op
    out._g = 0.0
    if x_node and y_node:
        out._p0 = x
        out._d0 = partial(0, (xd, yd), data)
        out._p1 = y
        out._d1 = partial(1, (xd, yd), data)
        out._ctx = None
    elif x_node:  # the constant second: kept in _d1, its position in _ctx
        out._p0 = x
        out._d0 = partial(0, (xd, yd), data)
        out._p1 = None
        out._d1 = yd
        out._ctx = 1
    else:
        out._p0 = y
        out._d0 = partial(1, (xd, yd), data)
        out._p1 = None
        out._d1 = xd
        out._ctx = 0
    return out


def _forward(op: Op, xd: float) -> float:
    """A built-in one-argument op's forward, with its domain errors in the engine's words."""
    try:
        return op.forward(xd)  # type: ignore[no-any-return]
    except (ValueError, ZeroDivisionError, OverflowError) as exc:
        raise _domain_error(op, [xd], exc) from None


def _leaf(data: float) -> Value:
    """A new leaf holding ``data`` (a float): what an op returns under no_grad."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._op = None
    out._p0 = None
    out._d0 = 0.0
    out._p1 = None
    out._d1 = 0.0
    out._g = 0.0
    out._ctx = None
    return out


# ---------------------------------------------------------------------------------------------
# Graph traversal and the backward sweeps.
# ---------------------------------------------------------------------------------------------

def topological_order(root: Value) -> list[Value]:
    """Every node reaching ``root``, each after all of its parents; ``root`` last.

    Iterative depth-first search: depth is limited by memory, not by the recursion limit.
    Parents are explored in argument order, so the order is the same on every run.
    """
    with _PASS_LOCK:
        order = _marked_order(root)
        for node in order:
            node._g = 0.0
    return order


_PASS_LOCK = threading.RLock()
"""Held by every sort and first-order sweep. Their scratch slot ``_g`` belongs to the node, so
two threads' passes over graphs that share nodes (a model's parameters) take turns; the
create_graph pass and the functional transforms keep their sums in a dictionary instead."""

_SEEN = float("-0.0")  # an object of its own: no constant in any module can be it
"""The visited mark of the sort, kept in ``_g``. Tested by identity, it costs no hashing (a set
of visited nodes did); being a zero, it is also where the sweep's sums can start, so the sweep
clears the marks as it goes."""

_EMIT = object()


def _marked_order(root: Value) -> list[Value]:
    """``topological_order`` leaving every node's ``_g`` set to ``_SEEN``, for ``_sweep``."""
    order: list[Value] = []
    # A node popped for the first time is expanded: it goes back on the stack under an
    # _EMIT marker, with its unseen parents above it (the first parent on top). When the
    # marker comes back up, all of the node's parents are in ``order``: emit the node.
    stack: list[Any] = [root]
    pop = stack.pop
    push = stack.append
    emit = order.append
    seen = _SEEN
    try:
        while stack:
            node = pop()
            if node is _EMIT:
                emit(pop())
                continue
            if node._g is seen:  # pushed by several children: expanded by the first pop
                continue
            node._g = seen
            p = node._p0
            if p is None:
                emit(node)
                continue
            push(node)
            push(_EMIT)
            q = node._p1
            if q is None:
                if p._g is not seen:
                    push(p)
            elif q is _MANY:
                for r in reversed(p):
                    if r._g is not seen:
                        push(r)
            else:
                if q._g is not seen:
                    push(q)
                if p._g is not seen:
                    push(p)
    except BaseException:
        for node in order:
            node._g = 0.0
        for node in stack:
            if node is not _EMIT:
                node._g = 0.0
        raise
    return order


_isfinite = math.isfinite
_plain_sum = sum  # the builtin: inf or nan when any term is, and cheap (no exact rounding)


def _sweep(order: list[Value], seed: float, sites: dict[Value, str] | None) -> None:
    """The first-order pass over a ``_marked_order``: sum into ``_g``, add each total to
    ``.grad``, and leave ``_g`` at 0.0."""
    root = order[-1]
    root._g = seed
    try:
        if sites is not None:
            _check_seed(root, seed, sites)
            for node in reversed(order):
                g = node._g
                node._g = 0.0
                node.grad += g
                if node._p0 is not None:
                    _propagate_checked(node, g, sites)
            return
        for node in reversed(order):
            g = node._g
            node._g = 0.0
            node.grad += g
            p = node._p0
            if p is None:
                continue
            q = node._p1
            if q is None:
                p._g += g * node._d0
            elif q is _MANY:
                partials = node._d0
                if g == 0.0 and _isfinite(_plain_sum(partials)):
                    # Every product would be a zero (the partials are finite): adding them
                    # changes no sum. A dead ReLU's neuron skips its whole weighted sum.
                    continue
                for r, d in zip(p, partials, strict=False):
                    r._g += g * d
            else:
                p._g += g * node._d0
                q._g += g * node._d1
    except BaseException:
        for node in order:  # leave every scratch slot clean for the next pass
            node._g = 0.0
        raise


def _check_seed(root: Value, seed: float, sites: dict[Value, str]) -> None:
    if not math.isfinite(seed):
        raise FloatingPointError(f"backward was seeded with a non-finite gradient {seed!r}")


def _describe(node: Value, sites: dict[Value, str] | None) -> str:
    label = f" (label {node.label!r})" if node.label else ""
    name = node.op or "leaf"
    site = sites.get(node) if sites else None
    where = (
        f"\n  created at {site}"
        if site
        else "\n  created outside detect_anomaly(); build the graph inside it to see where"
    )
    return f"op '{name}'{label}{where}"


def _propagate_checked(node: Value, g: float, sites: dict[Value, str]) -> None:
    edges = _pairs(node)
    for k in range(0, len(edges), 2):
        p = edges[k]
        contribution = g * edges[k + 1]
        if not math.isfinite(contribution):
            raise FloatingPointError(
                f"backward produced a {_kind(contribution)} gradient for input {k // 2} of "
                f"{_describe(node, sites)}\n  incoming gradient {g!r}, local derivative "
                f"{edges[k + 1]!r}, input value {p.data!r}"
            )
        p._g += contribution


def _kind(x: float) -> str:
    return "NaN" if math.isnan(x) else "infinite"


class SharedTail:
    """The constants-bearing last arguments shared by many nodes (a layer's input in matvec).

    A node whose ``_ctx`` is a SharedTail has all-Value leading arguments, which are its first
    parents; its full argument tuple is those parents followed by ``tail``. One SharedTail per
    ``matvec`` call replaces an argument tuple per neuron.
    """

    __slots__ = ("tail",)

    def __init__(self, tail: tuple[Any, ...]) -> None:
        self.tail = tail


def arguments(node: Value) -> tuple[Any, ...]:
    """The full arguments of the op that made ``node``: its Values and any constants, in order."""
    ctx = node._ctx
    if ctx is None:
        return _pairs(node)[0::2]
    if type(ctx) is int:  # one Value and one constant, kept in _d1; ctx is its position
        return (node._p0, node._d1) if ctx else (node._d1, node._p0)
    if type(ctx) is SharedTail:
        tail = ctx.tail
        return node.parents[: len(tail)] + tail
    return ctx  # type: ignore[no-any-return]


def _graph_partials(node: Value) -> list[tuple[Value, Any]]:
    """Each parent of ``node`` with d(node)/d(parent) re-derived as a differentiable Value."""
    op = node._op
    assert op is not None
    edges = _pairs(node)
    args = arguments(node)
    result = []
    k = 1
    for i, a in enumerate(args):
        if type(a) is Value:
            try:
                d = op.partial(i, args, node)
            except (ArithmeticError, ValueError):
                # The formula is singular here (sqrt' at 0, say): keep the IEEE value the
                # forward pass stored (inf or nan), as a constant.
                d = edges[k]
            result.append((a, d))
            k += 2
    return result


def _gradient_map(
    order: list[Value], seed: Any, *, create_graph: bool, accumulate: bool = False
) -> dict[Value, Any]:
    """Gradients of ``order[-1]`` for every node of ``order``.

    With ``create_graph`` the gradients are Values built from differentiable local derivatives
    (recorded even inside ``no_grad``); otherwise floats from the partials stored in the forward
    pass. With ``accumulate`` each is added to the node's ``.grad`` (as a Value); otherwise
    ``.grad`` is left alone, as the functional transforms need.
    """
    grads: dict[Value, Any] = {order[-1]: seed}
    sites = _MODE.get().sites
    token = _MODE.set(_MODE.get() if _MODE.get().record else _RECORD) if create_graph else None
    try:
        for node in reversed(order):
            g = grads.get(node)
            if g is None or node._p0 is None:
                continue
            if create_graph:
                pairs: Iterable[tuple[Value, Any]] = _graph_partials(node)
            else:
                it = iter(_pairs(node))
                pairs = zip(it, it, strict=False)
            for k, (p, d) in enumerate(pairs):
                if type(d) is float and d == 1.0:
                    c = g
                elif type(g) is float and g == 1.0:
                    c = d
                else:
                    c = g * d
                if sites is not None:
                    cd = c.data if type(c) is Value else c
                    if not math.isfinite(cd):
                        raise FloatingPointError(
                            f"backward produced a {_kind(cd)} gradient for input {k} of "
                            f"{_describe(node, sites)}"
                        )
                prev = grads.get(p)
                grads[p] = c if prev is None else prev + c
        if accumulate:
            for node, g in grads.items():
                total = node.grad + g
                node.grad = total if type(total) is Value else Value(total)
    finally:
        if token is not None:
            _MODE.reset(token)
    return grads


# ---------------------------------------------------------------------------------------------
# Custom ops: the public door into the op table's mechanism.
# ---------------------------------------------------------------------------------------------

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

    def apply(*args: Scalar) -> Value:
        if len(args) != arity:
            raise TypeError(f"{name} takes {arity} argument(s), got {len(args)}")
        return _apply(op, args)

    apply.__name__ = name
    apply.__qualname__ = name
    apply.__doc__ = f"Custom op {name!r} of {arity} argument(s)."
    apply.op = op  # type: ignore[attr-defined]
    return apply
