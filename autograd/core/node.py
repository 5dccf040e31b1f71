"""The ``Value`` node, and every function that builds one.

The node's slots, what each holds and its empty value are stated once, in
:mod:`autograd.core.layout`; only this module, :mod:`autograd.core.backprop` and
:mod:`autograd.core.serial` (pickling, copying) read the private slots, everything else uses
the public accessors below (``op``: the name of the op that made the node, a str;
``primitive``: the op table's record of it, an :class:`~autograd.core.ops.Op`; ``parents``,
``arguments``, ``local_grads``, ``is_leaf``).

**Generated fast paths.** The operators and methods (``+ - * / **``, their reflected forms,
``relu``, ``exp``, ...) are generated at import from the op table's rows: each row names its
methods (:attr:`Op.method`, :attr:`Op.reflected`), and its forward and each local derivative
are inlined from the row's templates (:meth:`Op.forward_expr`, :meth:`Op.partial_exprs`); the
node is filled by :func:`autograd.core.fastpaths.build_source`, the only text that fills a node.
Anything they do not cover (other number types, custom ops, recording modes other than the
default) goes through :func:`apply`, which calls the same table row. Every generated source is
registered for tracebacks, ``pdb`` and ``inspect`` (:mod:`autograd.core.generated`).
"""

from __future__ import annotations

import builtins
import numbers
from collections.abc import Sequence
from itertools import compress
from typing import TYPE_CHECKING, Any, Union

from . import backprop, fastpaths, serial
from .generated import by_name, define
from .layout import SLOTS
from .modes import MODE, RECORD, TRACER, Mode, creation_site
from .ops import NAMESPACE, TABLE, Op

__all__ = [
    "Consts", "Value", "apply", "compile_function", "leaf", "link", "make", "make_many", "nary",
    "real",
]

Number = int | float | numbers.Real
Scalar = Union["Value", int, float, numbers.Real]
Consts = tuple[Sequence[int], Sequence[float]]
"""Constant arguments of a node: their positions (ascending) and their values."""

_ARITH = (ValueError, ZeroDivisionError, OverflowError)


# ---------------------------------------------------------------------------------------------
# Input validation and error messages.
# ---------------------------------------------------------------------------------------------

def real(x: object, what: str) -> float:
    """Converts a real number to float, or raises a TypeError (OverflowError for an int out
    of the float range) naming ``what`` and the value received."""
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        try:
            return float(x)
        except OverflowError:
            raise OverflowError(
                f"{what}: the number {_short(x)} is too large to convert to a float"
            ) from None
    if isinstance(x, Value):
        raise TypeError(f"{what} expects a real number, got a Value (use .data or .detach())")
    raise TypeError(f"{what} expects a real number or a Value, got {type(x).__name__}: {x!r}")


def _short(x: object) -> str:
    try:
        text = repr(x)
    except ValueError:  # an int past sys.get_int_max_str_digits() (4,300 digits by default)
        if not isinstance(x, int):
            raise
        return f"of about {int(x.bit_length() * 0.30103)} digits"
    return text if len(text) <= 40 else f"{text[:18]}...{text[-18:]} ({len(text)} digits)"


def _constant(x: Any, op: Op) -> float:
    return real(x, op.name)


def _shown(xs: Sequence[float]) -> str:
    return ", ".join(repr(x) for x in xs) if len(xs) <= 6 else f"{len(xs)} inputs"


def domain_error(op: Op, xs: Sequence[float], exc: BaseException) -> BaseException:
    """The exception of a forward pass that ``math`` refused, naming the op and its inputs."""
    shown = _shown(xs)
    if not xs:
        why = f"empty input (needs {op.domain})"
    elif isinstance(exc, OverflowError):
        why = "result overflows a float"
    elif isinstance(exc, ZeroDivisionError):
        why = "division by zero"
    else:
        why = f"input outside the domain ({op.domain})"
    return type(exc)(f"{op.name}({shown}): {why}")


# ---------------------------------------------------------------------------------------------
# Generic node building: every path that is not a generated fast path.
# ---------------------------------------------------------------------------------------------

_new = object.__new__


def link(
    op: Op,
    data: float,
    parents: Sequence[Value],
    partials: Sequence[float],
    consts: Consts | None,
    mode: Mode,
) -> Value:
    """A node made by ``op`` with these parents, their local derivatives and its constant
    arguments as ``(positions, values)``; a leaf when there are no parents or mode records
    nothing. Under detect_anomaly the node's creation site is kept."""
    if not parents or not mode.record:
        return leaf(data)
    if len(parents) + (len(consts[1]) if consts else 0) > 2:
        ps = parents if type(parents) is tuple else tuple(parents)
        node = make(op, data, None, 0.0, None, 0.0, None, (ps, partials, consts))
    elif len(parents) == 2:
        node = make(op, data, parents[0], partials[0], parents[1], partials[1], None, None)
    elif not consts:
        node = make(op, data, parents[0], partials[0], None, 0.0, None, None)
    elif consts[0][0] == 0:  # the constant first, the Value second
        node = make(op, data, None, 0.0, parents[0], partials[0], consts[1][0], None)
    else:
        node = make(op, data, parents[0], partials[0], None, 0.0, consts[1][0], None)
    if mode.sites is not None:
        mode.sites[id(node)] = (creation_site(), data, op)
    return node


def leaf(data: float) -> Value:
    """A new leaf holding ``data`` (a float): what an op returns under no_grad."""
    return make(None, data, None, 0.0, None, 0.0, None, None)


def apply(op: Op, args: Sequence[Any]) -> Value:
    """Runs ``op`` on Values and/or real numbers and returns the output node."""
    xs: list[float] = []
    for a in args:
        xs.append(a.data if type(a) is Value else real(a, op.name))
    try:
        data = op.forward(*xs)
    except _ARITH as exc:
        if op.custom:  # the user's own error: keep its message and chain it
            raise type(exc)(f"{op.name}({_shown(xs)}): {exc}") from exc
        raise domain_error(op, xs, exc) from None
    if type(data) is not float:
        data = real(data, f"the forward function of {op.name}")
    mode = MODE.get()
    if not mode.record or not any(type(a) is Value for a in args):
        return leaf(data)
    return _finish(mode, op, data, args, xs)


def _finish(mode: Mode, op: Op, data: float, args: Sequence[Any], xs: Sequence[float]) -> Value:
    """Links a node whose forward is done: the table's partials for its Value arguments."""
    try:
        partials = op.partials(xs, data)
    except _ARITH as exc:
        if not op.custom:
            raise
        # A custom op's derivative function refused the point: say whose it was.
        raise type(exc)(f"the derivatives of {op.name}({_shown(xs)}): {exc}") from exc
    parents: list[Value] = []
    kept: list[float] = []
    for i, a in enumerate(args):
        if type(a) is Value:
            d = partials[i]
            if type(d) is not float:
                d = d.data if type(d) is Value else real(d, f"derivative {i} of {op.name}")
            parents.append(a)
            kept.append(d)
    at = tuple(i for i, a in enumerate(args) if type(a) is not Value)
    consts = (at, tuple(xs[i] for i in at)) if at else None
    return link(op, data, parents, kept, consts, mode)


def _slow(mode: Mode, op: Op, data: float, args: tuple[Any, ...]) -> Value:
    """A generated fast path outside the default mode: a leaf under no_grad, otherwise (under
    detect_anomaly) the generic node with its creation site."""
    if not mode.record:
        return leaf(data)
    return _finish(mode, op, data, args, [a.data if type(a) is Value else a for a in args])


def _other_operand(op: Op, args: tuple[Any, ...]) -> Any:
    """A Value with an operand the fast path does not take: another real number type, or
    NotImplemented (so Python tries the other operand, then raises its TypeError)."""
    for a in args:
        if type(a) is not Value and (not isinstance(a, numbers.Real) or isinstance(a, bool)):
            return NotImplemented
    return apply(op, args)


def nary(
    mode: Mode, op: Op, data: float, xs: Sequence[Any], mask: list[bool] | None,
    consts: Consts | None, partials: Sequence[float],
) -> Value:
    """Links an n-ary node from its inputs ``xs``: ``mask`` says which are Values (None: all
    of them), ``consts`` the others as ``(positions, values)``, ``partials`` the op's
    bulk partials for every input."""
    if mask is None:  # (a tuple of floats: the cycle collector soon stops tracking it)
        ds = partials if type(partials) is tuple else tuple(partials)
        return link(op, data, xs if type(xs) is tuple else tuple(xs), ds, None, mode)
    kept = tuple(compress(partials, mask))
    return link(op, data, tuple(compress(xs, mask)), kept, consts, mode)


# ---------------------------------------------------------------------------------------------
# Code generation from the table rows.
# ---------------------------------------------------------------------------------------------

_NS: dict[str, Any] = {
    **{k: v for k, v in NAMESPACE.items() if k != "__builtins__"},
    "__builtins__": builtins,
    "ARITH": _ARITH,
    "RECORD": RECORD,
    "mode_get": MODE.get,  # bound methods, looked up once
    "tracer_get": TRACER.get,
    "_new": _new,
    **by_name(_slow, _other_operand, apply, _constant, domain_error, creation_site, real),
}
"""What generated code reads besides the table's own names: each function under its own name,
so a name in a traceback's generated line is the name of its definition."""


def compile_function(name: str, source: str, title: str, **names: Any) -> Any:
    """Compiles one generated function, whose text :mod:`autograd.core.fastpaths` built from the op
    table's templates and identifiers of this package only, in this module's namespace (plus
    ``names``), registered for tracebacks as ``<generated: title>``; returns it. Nodes it
    builds follow the layout of :mod:`autograd.core.layout`."""
    namespace = define(source, f"generated: {title}", _NS | names)
    _GENERATED.append(namespace)
    return namespace[name]


_GENERATED: list[dict[str, Any]] = []
"""The globals of every generated function: each learns ``Value`` once the class exists."""


def _method(op: Op, name: str, reflected: bool = False) -> Any:
    if op.arity == 2:
        source = fastpaths.binary_source(op, name, reflected)
    else:
        source = fastpaths.unary_source(op, name)
    function = compile_function(name, source, f"Value.{name}", OP=op)
    function.__qualname__ = f"Value.{name}"
    return function


def _methods() -> dict[str, Any]:
    """``Value``'s operators and elementary methods: the ones each table row names."""
    methods = {}
    for op in TABLE:
        if op.method is not None:
            methods[op.method] = _method(op, op.method)
        if op.reflected is not None:
            methods[op.reflected] = _method(op, op.reflected, reflected=True)
    return methods


Many = tuple[tuple["Value", ...], Sequence[float], Consts | None]
"""A node of three or more arguments: its parents, their partials and its constants."""

if TYPE_CHECKING:  # the generated builders' signatures, for type checkers
    def make(
        op: Op | None, data: float, p0: Value | None, d0: float, p1: Value | None, d1: float,
        c: float | None, many: Many | None,
    ) -> Value: ...
    def make_many(op: Op, data: float, many: Many) -> Value: ...
else:
    make = compile_function("make", fastpaths.MAKE, "make")
    make_many = compile_function("make_many", fastpaths.MAKE_MANY, "make_many")
_init = compile_function("__init__", fastpaths.INIT, "Value.__init__")
_init.__qualname__ = "Value.__init__"


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

    __slots__ = SLOTS

    # The slots' types, for type checkers (the slots and their meaning: autograd.core.layout).
    data: float
    grad: Any
    label: str
    _primitive: Op | None
    _p0: Value | None
    _d0: float
    _p1: Value | None
    _d1: float
    _c: float | None
    _many: Many | None
    _g: Any

    if TYPE_CHECKING:  # the signature of the generated __init__, for type checkers and editors
        def __init__(self, data: Number, *, label: str = "") -> None: ...
    else:
        __init__ = _init

    # -- public read accessors (what viz, transforms, checkers and compilers use) -------------

    @property
    def op(self) -> str:
        """The name of the op that made this node, a str ("" for a leaf): what drawings and
        messages show. Its record in the op table is :attr:`primitive`."""
        op = self._primitive
        return op.name if op is not None else ""

    @property
    def primitive(self) -> Op | None:
        """The op table's record (an :class:`~autograd.Op`) of the op that made this node:
        its templates, domain and local derivatives (None for a leaf). :attr:`op` is its
        name."""
        return self._primitive

    @property
    def parents(self) -> tuple[Value, ...]:
        """The Value arguments of the op that made this node, in argument order."""
        return backprop.parents(self)

    @property
    def arguments(self) -> tuple[Any, ...]:
        """The op's full arguments in order: Values and float constants (() for a leaf)."""
        return backprop.arguments(self)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d(self)/d(parent) for each parent, as computed in the forward pass."""
        return tuple(d for _, d in backprop.edges(self))

    @property
    def is_leaf(self) -> bool:
        """True when no op made this node (inputs, parameters, detached values, constants)."""
        return self._primitive is None

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
        if type(grad) is not float or grad != 0.0:
            parts.append(f"grad={grad!r}")
        if self.label:
            parts.append(f"label={self.label!r}")
        if self._primitive is not None:
            parts.append(f"op={self._primitive.name!r}")
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
    # (< and <= silence mypy's [operator]: typeshed's numbers.Real declares no __gt__/__ge__,
    # so mypy rejects float < Real; at run time the Real's own __gt__ answers, as for >.)
    def __lt__(self, other: Scalar) -> bool:
        result = self.data < (other.data if type(other) is Value else other)  # type: ignore[operator]
        tracer = TRACER.get()
        if tracer is not None:
            tracer.branch(self, "<", other, result)
        return result

    def __le__(self, other: Scalar) -> bool:
        result = self.data <= (other.data if type(other) is Value else other)  # type: ignore[operator]
        tracer = TRACER.get()
        if tracer is not None:
            tracer.branch(self, "<=", other, result)
        return result

    def __gt__(self, other: Scalar) -> bool:
        result = self.data > (other.data if type(other) is Value else other)
        tracer = TRACER.get()
        if tracer is not None:
            tracer.branch(self, ">", other, result)
        return result

    def __ge__(self, other: Scalar) -> bool:
        result = self.data >= (other.data if type(other) is Value else other)
        tracer = TRACER.get()
        if tracer is not None:
            tracer.branch(self, ">=", other, result)
        return result

    # -- end of the jit hook

    __hash__ = object.__hash__

    # -- arithmetic and elementary functions: generated from the op table's rows --------------

    if TYPE_CHECKING:
        # What the generated methods take and return, for type checkers and editors: written
        # from the table by `python3 -m tests.generated --write`, checked by a test.
        # op-table:start
        def __neg__(self) -> Value: ...
        def __abs__(self) -> Value: ...
        def exp(self) -> Value: ...
        def log(self) -> Value: ...
        def sqrt(self) -> Value: ...
        def tanh(self) -> Value: ...
        def sigmoid(self) -> Value: ...
        def relu(self) -> Value: ...
        def softplus(self) -> Value: ...
        def sin(self) -> Value: ...
        def cos(self) -> Value: ...
        def __add__(self, other: Scalar) -> Value: ...
        def __radd__(self, other: Scalar) -> Value: ...
        def __sub__(self, other: Scalar) -> Value: ...
        def __rsub__(self, other: Scalar) -> Value: ...
        def __mul__(self, other: Scalar) -> Value: ...
        def __rmul__(self, other: Scalar) -> Value: ...
        def __truediv__(self, other: Scalar) -> Value: ...
        def __rtruediv__(self, other: Scalar) -> Value: ...
        def __pow__(self, other: Scalar) -> Value: ...
        def __rpow__(self, other: Scalar) -> Value: ...
        def leaky_relu(self, slope: Scalar = 0.01) -> Value: ...
        # op-table:end
    else:
        vars().update(_methods())  # the methods themselves, one or two per table row

    def __pos__(self) -> Value:
        return self

    # -- reverse mode ----------------------------------------------------------------------

    def backward(self, gradient: Scalar = 1.0, *, create_graph: bool = False) -> None:
        """Adds d(self)/d(node) * gradient to ``.grad`` of every node in self's graph.

        Args:
            gradient: the seed, d(loss)/d(self); 1.0 for a scalar loss.
            create_graph: make the gradients Values whose graphs can be differentiated again.

        Passes from several threads over graphs that share nodes take turns (one lock), so each
        adds its whole gradient. A ``.grad`` of None counts as 0. All or nothing: every
        ``.grad`` is stored at once, by one statement at the end, so a call interrupted
        before it (or stopped by a detect_anomaly error) changes none of them.
        """
        seed: Any = gradient
        if type(seed) is not Value:
            seed = real(seed, "backward(gradient=...)")
        elif not create_graph:
            seed = seed.data
        backprop.backward(self, seed, create_graph)

    # -- pickling and copying: iterative at any depth (autograd.core.serial) -------------------

    def __reduce__(self) -> Any:
        return serial.reduce_node(self)

    def __setstate__(self, state: Any) -> None:
        serial.restore_node(self, state)

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        return serial.deepcopy_node(self, memo)  # type: ignore[no-any-return]

    def __copy__(self) -> Value:
        return serial.copy_node(self)  # type: ignore[no-any-return]


_NS["Value"] = Value  # for functions compiled from now on
for _namespace in _GENERATED:
    _namespace["Value"] = Value
