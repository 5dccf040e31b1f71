"""Hypothesis strategies for property-based gradient tests.

``expressions()`` draws random scalar expressions over every op of the op table
(:data:`autograd.OPS`): unary functions, the binary operators (``pow``, ``/`` and
``leaky_relu`` included) with Python constants mixed in on either side, the n-ary ops (``sum``,
``mean``, ``dot``, ``logsumexp``) over mixes of subexpressions and constants, and reused
subexpressions such as ``e * e`` and ``e + e`` (one node feeding another twice, the case that
breaks engines which overwrite gradients instead of summing them). Each drawn
:class:`Expression` is callable on floats (giving a float) or on Values (building a graph
through the public API) or, through :meth:`Expression.evaluate`, on any other scalar type (an
engine of your own), prints as a readable Python formula, and offers ``inputs()``, a
strategy for points where every op is defined, finite and differentiable with a margin from
kinks and poles. Trees are built with ``st.recursive``, so a failure shrinks to a short formula.

This module imports hypothesis; the rest of the package does not.

>>> from hypothesis import given, settings, strategies as st
>>> from autograd import gradcheck
>>> from autograd.testing import expressions
>>> @settings(max_examples=25, deadline=None, database=None)
... @given(st.data())
... def test_gradients_match_finite_differences(data):
...     e = data.draw(expressions(max_depth=3), label="expression")
...     point = data.draw(e.inputs(), label="point")
...     assert gradcheck(e, point)
>>> test_gradients_match_finite_differences()
"""

from __future__ import annotations

import functools
import math
import numbers
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from hypothesis import reject
from hypothesis import strategies as st

from ..core import functions as _functions
from ..core.node import Value, apply
from ..core.ops import BINARY, NARY, OPS, UNARY, Op

__all__ = ["Expression", "expressions", "expressions_with_inputs"]


# ---------------------------------------------------------------------------------------------
# Expression trees. Nodes are immutable; a node used twice (``e * e``) is the same object, and
# evaluation computes it once, so on Values it becomes one graph node with two uses.
# ---------------------------------------------------------------------------------------------

_VAR_NAMES = ("x", "y", "z")

# Precedence for printing: higher binds tighter. Calls, variables and non-negative constants
# are atoms. A binary operator prints by its row's symbol, with Python's precedence.
_ATOM, _POW, _UNARY, _MUL, _ADD = 5, 4, 3, 2, 1
_PRECEDENCE = {"+": _ADD, "-": _ADD, "*": _MUL, "/": _MUL, "//": _MUL, "%": _MUL, "@": _MUL,
               "**": _POW}


def _operator(op: Op) -> bool:
    """Whether users write ``op`` as an infix operator (its row's method is ``__add__``...)."""
    method = op.method or ""
    return op.arity == 2 and method.startswith("__") and op.symbol in _PRECEDENCE


def _public(op: Op) -> Callable[..., Any]:
    """How users apply ``op`` to Values, as its row says: its module-level function (n-ary:
    over a list, a paired op over two halves), or its operator; the generic path else."""
    if op.function is not None:
        function = getattr(_functions, op.function)
        if op.paired:
            return lambda *xs: function(list(xs[: len(xs) // 2]), list(xs[len(xs) // 2:]))
        if op.nary:
            return lambda *xs: function(list(xs))
        return function  # type: ignore[no-any-return]
    if op.method is not None and op.method.startswith("__"):
        return getattr(operator, op.method.strip("_"))  # type: ignore[no-any-return]
    return lambda *xs: apply(op, xs)


# How each op is applied to Values: through the public API, so the drawn expressions exercise
# the same code paths users do (the module-level functions, which call the Value methods; the
# inlined operators; reflected operators with a constant on the left).
_VALUE_API: dict[str, Callable[..., Any]] = {op.name: _public(op) for op in OPS.values()}


class _Node:
    __slots__ = ()

    def text(self, names: Sequence[str]) -> tuple[str, int]:  # pragma: no cover - abstract
        raise NotImplementedError


class _Var(_Node):
    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index

    def text(self, names: Sequence[str]) -> tuple[str, int]:
        return names[self.index], _ATOM


class _Const(_Node):
    __slots__ = ("value",)

    def __init__(self, value: float) -> None:
        self.value = value

    def text(self, names: Sequence[str]) -> tuple[str, int]:
        return repr(self.value), (_ATOM if self.value >= 0.0 else _UNARY)


class _Apply(_Node):
    __slots__ = ("args", "op")

    def __init__(self, op: Op, args: Sequence[_Node]) -> None:
        self.op = op
        self.args = tuple(args)

    def text(self, names: Sequence[str]) -> tuple[str, int]:
        op = self.op
        parts = [a.text(names) for a in self.args]
        if _operator(op):
            prec = _PRECEDENCE[op.symbol]
            (left, lp), (right, rp) = parts
            if prec == _POW:
                # ** is right-associative and binds tighter than unary minus: parenthesize
                # anything but an atom on the left, and anything below unary on the right.
                left = left if lp == _ATOM else f"({left})"
                right = right if rp >= _UNARY else f"({right})"
            else:
                # Parentheses keep the tree's evaluation order (x - (y - z), x * (y * z)), so
                # the printed formula computes exactly what the expression computes.
                left = left if lp >= prec and lp != _UNARY else f"({left})"
                right = right if rp > prec and rp != _UNARY else f"({right})"
            return f"{left} {op.symbol} {right}", prec
        if op.method == "__neg__":
            ((arg, ap),) = parts
            return f"-{arg}" if ap == _ATOM else f"-({arg})", _UNARY
        texts = [t for t, _ in parts]
        name = op.function or op.name
        if op.paired:
            half = len(texts) // 2
            return f"{name}([{', '.join(texts[:half])}], [{', '.join(texts[half:])}])", _ATOM
        if op.nary:
            return f"{name}([{', '.join(texts)}])", _ATOM
        return f"{name}({', '.join(texts)})", _ATOM


def _walk(root: _Node) -> list[_Node]:
    """Each distinct node once, children before parents (iteratively)."""
    order: list[_Node] = []
    seen: set[int] = set()
    stack: list[tuple[_Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        if isinstance(node, _Apply):
            stack.extend((a, False) for a in reversed(node.args) if id(a) not in seen)
    return order


def _depth(node: _Node) -> int:
    if isinstance(node, _Apply):
        return 1 + max(_depth(a) for a in node.args)
    return 0


class Expression:
    """A random scalar expression: callable on floats or Values, printable, with valid inputs.

    Drawn by :func:`expressions`; not meant to be built by hand.

    Attributes:
        arity: the number of arguments it takes (some may go unused, as in ``f(x, y) = sin(x)``).
        depth: the longest chain of ops from an input to the result.
        op_names: the names of the ops it uses.
    """

    __slots__ = ("_nodes", "_probe_cache", "arity", "depth", "op_names", "root")

    def __init__(self, root: _Node, arity: int) -> None:
        self.root = root
        self.arity = arity
        self._nodes = _walk(root)
        self.depth = _depth(root)
        self.op_names = frozenset(n.op.name for n in self._nodes if isinstance(n, _Apply))
        self._probe_cache: dict[tuple[float, float, float], tuple[tuple[float, ...], ...]] = {}

    @property
    def variable_names(self) -> tuple[str, ...]:
        """The argument names used by ``str()``: x, y, z, or x0, x1, ... beyond three."""
        if self.arity <= len(_VAR_NAMES):
            return _VAR_NAMES[: self.arity]
        return tuple(f"x{i}" for i in range(self.arity))

    def __str__(self) -> str:
        return self.root.text(self.variable_names)[0]

    def __repr__(self) -> str:
        return f"Expression({str(self)!r}, arity={self.arity})"

    def __call__(self, *args: Any) -> Any:
        """Evaluates at ``args``: a float on real numbers; a Value (a graph) when any arg is a
        Value. Anything else is a TypeError: another engine's scalars go through
        :meth:`evaluate`."""
        self._check_count(args)
        if any(type(a) is Value for a in args):
            return self._evaluate(args, self._apply_value)
        for i, a in enumerate(args):
            if not isinstance(a, numbers.Real):
                raise TypeError(
                    f"{self}: argument {i} is a {type(a).__module__}.{type(a).__qualname__}, "
                    "not a real number or an autograd.Value; to evaluate with another scalar "
                    "type, map each op to a function: e.evaluate(*args, functions={...})"
                )
        return self._evaluate([float(a) for a in args], self._apply_float)

    def evaluate(self, *args: Any, functions: Mapping[str, Callable[..., Any]]) -> Any:
        """Evaluates at ``args`` applying each op as ``functions[op_name](*its_arguments)``.

        This drives any scalar type, such as a small engine of your own, so the strategies can
        test it: map each op the expression may use to a function of that type
        (``{"add": operator.add, "tanh": lambda v: v.tanh(), ...}``), and draw with
        ``expressions(ops=...)`` restricted to those names. Each function gets the op's
        arguments positionally, in the order of the op table's forward: subexpression results
        and constants (floats), for an n-ary op all of them (``dot``: the first half, then the
        second). A subexpression used twice (``e * e``) is computed once and passed twice.

        Raises:
            TypeError: the wrong number of ``args``; ``functions`` is not a mapping or an entry
                this expression needs is not callable.
            ValueError: ``functions`` has no entry for an op this expression uses (all named).

        >>> from hypothesis import find
        >>> e = find(expressions(["mul"], constants=False), lambda e: str(e) == "x * x")
        >>> e.evaluate("a", functions={"mul": lambda u, v: f"({u} times {v})"})
        '(a times a)'
        """
        self._check_count(args)
        if not isinstance(functions, Mapping):
            raise TypeError(
                f"evaluate: functions must be a mapping from op name to function, "
                f"got {type(functions).__name__}"
            )
        missing = sorted(self.op_names - functions.keys())
        if missing:
            raise ValueError(
                f"evaluate: functions has no entry for {', '.join(map(repr, missing))}, "
                f"used by {self}"
            )
        for name in sorted(self.op_names):
            if not callable(functions[name]):
                raise TypeError(
                    f"evaluate: functions[{name!r}] must be callable, "
                    f"got {type(functions[name]).__name__}"
                )
        return self._evaluate(args, lambda op, xs: functions[op.name](*xs))

    def _check_count(self, args: Sequence[Any]) -> None:
        if len(args) != self.arity:
            raise TypeError(
                f"{self} takes {self.arity} argument(s) "
                f"({', '.join(self.variable_names)}), got {len(args)}"
            )

    @staticmethod
    def _apply_float(op: Op, xs: Sequence[Any]) -> Any:
        return op.forward(*xs)

    @staticmethod
    def _apply_value(op: Op, xs: Sequence[Any]) -> Any:
        return _VALUE_API[op.name](*xs)

    def _evaluate(self, args: Sequence[Any], apply: Callable[[Op, Sequence[Any]], Any]) -> Any:
        values: dict[int, Any] = {}
        for node in self._nodes:
            if isinstance(node, _Var):
                values[id(node)] = args[node.index]
            elif isinstance(node, _Const):
                values[id(node)] = node.value
            else:
                assert isinstance(node, _Apply)
                values[id(node)] = apply(node.op, [values[id(a)] for a in node.args])
        return values[id(self.root)]

    def valid_at(self, *point: float, max_value: float = 1e4) -> bool:
        """True where every op is defined, finite and differentiable with a margin.

        Each op's arguments must satisfy its ``Op.valid`` (which keeps them away from kinks and
        poles), and every intermediate value must be finite with magnitude at most
        ``max_value``, so finite differences stay accurate.
        """
        if len(point) != self.arity:
            raise TypeError(f"{self} takes {self.arity} argument(s), got {len(point)}")
        values: dict[int, float] = {}
        for node in self._nodes:
            if isinstance(node, _Var):
                v = float(point[node.index])
            elif isinstance(node, _Const):
                v = node.value
            else:
                assert isinstance(node, _Apply)
                xs = [values[id(a)] for a in node.args]
                if not node.op.valid(*xs):
                    return False
                try:
                    v = node.op.forward(*xs)
                except (ArithmeticError, ValueError):
                    return False
            if not (math.isfinite(v) and abs(v) <= max_value):
                return False
            values[id(node)] = v
        return True

    def _probe_points(self, low: float, high: float) -> Iterable[tuple[float, ...]]:
        """128 fixed points spread evenly over the box ``[low, high] ** arity``."""
        # An additive recurrence (a Kronecker sequence) with irrational steps: evenly spread in
        # any number of dimensions, deterministic, and cheap.
        steps = [math.sqrt(p) % 1.0 for p in (2, 3, 5, 7, 11, 13, 17, 19)]
        for k in range(1, 129):
            yield tuple(
                low + (high - low) * ((k * steps[i % len(steps)] + 0.5 * (i // 8)) % 1.0)
                for i in range(self.arity)
            )

    def _probe(self, low: float, high: float, max_value: float) -> tuple[tuple[float, ...], ...]:
        """The valid points among the probe points (cached)."""
        key = (low, high, max_value)
        found = self._probe_cache.get(key)
        if found is None:
            found = tuple(
                p for p in self._probe_points(low, high) if self.valid_at(*p, max_value=max_value)
            )
            self._probe_cache[key] = found
        return found

    def _has_valid_point(self) -> bool:
        """Whether some probe point of the default box is valid (stops at the first)."""
        return any(self.valid_at(*p) for p in self._probe_points(-3.0, 3.0))

    def inputs(
        self, *, low: float = -3.0, high: float = 3.0, max_value: float = 1e4
    ) -> st.SearchStrategy[tuple[float, ...]]:
        """A strategy for points in ``[low, high] ** arity`` where :meth:`valid_at` holds.

        Draws a few candidate points and keeps the first valid one; should all miss (a narrow
        domain such as ``log(sin(x))``), it picks one of the valid points of an evenly spread
        probe set. So the strategy practically never rejects, and failing points still shrink.
        """
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(f"inputs: need finite low < high, got low={low!r}, high={high!r}")
        return _points(self, float(low), float(high), float(max_value))


@st.composite
def _points(
    draw: st.DrawFn, e: Expression, low: float, high: float, max_value: float
) -> tuple[float, ...]:
    coordinate = st.floats(low, high, allow_nan=False, allow_infinity=False)
    for _ in range(8):
        point = tuple(draw(coordinate) for _ in range(e.arity))
        if e.valid_at(*point, max_value=max_value):
            return point
    fallback = e._probe(low, high, max_value)
    if not fallback:
        reject()
    return fallback[draw(st.integers(0, len(fallback) - 1))]


# ---------------------------------------------------------------------------------------------
# The strategies.
# ---------------------------------------------------------------------------------------------

# Constants are few and readable; none is 0 (a pole for /, a kink for relu and abs).
_CONSTANTS = (2.0, 0.5, -1.5, 3.0, -0.5, 1.0)
_EXPONENTS = (2.0, 3.0, 0.5, -1.0, 1.5, -2.0)
_BASES = (2.0, 0.5, 3.0, math.e)
_SLOPES = (0.01, 0.2, 0.5, -0.1)


def _resolve_ops(ops: Iterable[str | Op] | None) -> tuple[list[Op], list[Op], list[Op]]:
    if ops is None:
        chosen = list(OPS.values())
    else:
        if isinstance(ops, (str, Op)):
            ops = [ops]
        chosen = []
        for item in ops:
            name = item.name if isinstance(item, Op) else item
            if not isinstance(name, str) or name not in OPS:
                raise ValueError(
                    f"expressions: unknown op {item!r}; choose among {', '.join(OPS)}"
                )
            if OPS[name] not in chosen:
                chosen.append(OPS[name])
        if not chosen:
            raise ValueError("expressions: ops is empty; give at least one op name")
    unary = [op for op in UNARY if op in chosen]
    binary = [op for op in BINARY if op in chosen]
    nary = [op for op in NARY if op in chosen]
    return unary, binary, nary


def _check_int(value: object, name: str, lowest: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expressions: {name} must be an int, got {type(value).__name__}")
    if value < lowest:
        raise ValueError(f"expressions: {name} must be >= {lowest}, got {value}")
    return value


def _constant_pools(op: Op) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The constants ``op`` may take on its left and on its right."""
    if op.name == "pow":
        return _BASES, _EXPONENTS  # a positive base keeps ``c ** e`` defined
    if op.name == "leaky_relu":
        return _CONSTANTS, _SLOPES
    return _CONSTANTS, _CONSTANTS


def _nodes(
    ops: Sequence[Op], children: st.SearchStrategy[_Node], constants: bool, reuse: bool
) -> st.SearchStrategy[_Node]:
    """One op of ``ops`` applied to subexpressions drawn from ``children`` (and constants).

    Binary ops take two subexpressions, a subexpression and a constant on either side, or one
    subexpression twice (``e * e``, when ``reuse``); n-ary ops take 1-4 arguments (``dot``: 1-3
    pairs), at least one a subexpression. Every choice shrinks toward its first option: the
    first op of the table, applied to a single subexpression.
    """
    ops = tuple(ops)
    nary_args = {op.name: _nary_args(op, children, constants) for op in ops if op.nary}

    @st.composite
    def node(draw: st.DrawFn) -> _Node:
        op = draw(st.sampled_from(ops))
        if op.nary:
            return _Apply(op, draw(nary_args[op.name]))
        if op.arity == 1:
            return _Apply(op, [draw(children)])
        left_consts, right_consts = _constant_pools(op)
        forms = ["both"]
        if constants:
            forms += ["right", "left"]
            if op.name == "leaky_relu":  # leaky_relu(e, slope) is the common use
                forms.insert(0, "right")
        if reuse:
            forms.append("same")
        form = draw(st.sampled_from(forms))
        if form == "right":
            return _Apply(op, [draw(children), _Const(draw(st.sampled_from(right_consts)))])
        if form == "left":
            return _Apply(op, [_Const(draw(st.sampled_from(left_consts))), draw(children)])
        first = draw(children)
        return _Apply(op, [first, first if form == "same" else draw(children)])

    return node()


def _nary_args(
    op: Op, children: st.SearchStrategy[_Node], constants: bool
) -> st.SearchStrategy[list[_Node]]:
    @st.composite
    def args(draw: st.DrawFn) -> list[_Node]:
        def item() -> _Node:
            if constants and draw(st.booleans()):
                return _Const(draw(st.sampled_from(_CONSTANTS)))
            return draw(children)

        if op.paired:
            pairs = [(draw(children), item())]
            pairs += [(item(), item()) for _ in range(draw(st.integers(0, 2)))]
            pairs.insert(0, pairs.pop(draw(st.integers(0, len(pairs) - 1))))
            return [p[0] for p in pairs] + [p[1] for p in pairs]
        xs = [draw(children)] + [item() for _ in range(draw(st.integers(0, 3)))]
        xs.insert(0, xs.pop(draw(st.integers(0, len(xs) - 1))))
        return xs

    return args()


def expressions(
    ops: Iterable[str | Op] | None = None,
    *,
    arity: int | tuple[int, int] = (1, 3),
    max_depth: int = 4,
    constants: bool = True,
    reuse: bool = True,
) -> st.SearchStrategy[Expression]:
    """A strategy for random scalar expressions over the op table.

    Args:
        ops: names (or :class:`~autograd.Op` records) of the ops to use; all of
            :data:`autograd.OPS` by default.
        arity: the number of arguments of the drawn expressions, or an inclusive range
            ``(lowest, highest)``.
        max_depth: the longest chain of ops from an input to the result (at least 1).
        constants: mix Python constants into binary and n-ary ops (``2.0 ** x``, ``x / 0.5``,
            ``sum([x, 3.0])``), which exercises the reflected operators and constant arguments.
        reuse: also draw ops applied to one subexpression twice (``e * e``, ``e + e``).

    Returns:
        A strategy for :class:`Expression` objects that have valid points in ``[-3, 3]``.
        Failures shrink toward a single op applied to ``x``.

    >>> from hypothesis import find
    >>> str(find(expressions(), lambda e: "log" in e.op_names))
    'log(x)'
    """
    unary, binary, nary = _resolve_ops(ops)
    if isinstance(arity, list):
        arity = tuple(arity)
    if isinstance(arity, tuple):
        if len(arity) != 2:
            raise ValueError(f"expressions: arity range must be (lowest, highest), got {arity!r}")
        lowest = _check_int(arity[0], "the lowest arity", 1)
        highest = _check_int(arity[1], "the highest arity", lowest)
    else:
        lowest = highest = _check_int(arity, "arity", 1)
    max_depth = _check_int(max_depth, "max_depth", 1)
    return _expressions(
        tuple(unary + binary + nary), lowest, highest, max_depth, bool(constants), bool(reuse)
    )


@functools.lru_cache(maxsize=64)
def _expressions(
    chosen: tuple[Op, ...],
    lowest: int,
    highest: int,
    max_depth: int,
    constants: bool,
    reuse: bool,
) -> st.SearchStrategy[Expression]:
    """Builds the strategy once per set of arguments: tests often draw ``expressions()``
    inside the test body, and building (and validating) the strategy costs more than a draw.
    """
    variables = st.integers(0, highest - 1).map(_Var)

    def extend(children: st.SearchStrategy[_Node]) -> st.SearchStrategy[_Node]:
        # Every op equally likely; unary ops first, so failures shrink toward ``op(x)``.
        return _nodes(chosen, children, constants, reuse)

    # The leaves of the recursion are single ops over the variables, so every expression has
    # at least one op (a bare variable has nothing to differentiate) and the root is drawn from
    # the same strategy as its subtrees, which lets the shrinker replace a tree by a subtree.
    # st.recursive stacks floor(log2(max_leaves)) + 1 levels of ``extend`` on its leaves: with
    # this max_leaves, trees are at most max_depth deep. The depth filter only guards that.
    leaves = extend(variables)
    if max_depth == 1:
        trees = leaves
    else:
        trees = st.recursive(leaves, extend, max_leaves=2 ** (max_depth - 2))

    def build(root: _Node) -> Expression:
        used = max((n.index for n in _walk(root) if isinstance(n, _Var)), default=0)
        return Expression(root, max(lowest, used + 1))

    return (
        trees.map(build)
        .filter(lambda e: e.depth <= max_depth and e._has_valid_point())
    )


def expressions_with_inputs(
    ops: Iterable[str | Op] | None = None,
    *,
    arity: int | tuple[int, int] = (1, 3),
    max_depth: int = 4,
    constants: bool = True,
    reuse: bool = True,
) -> st.SearchStrategy[tuple[Expression, tuple[float, ...]]]:
    """Pairs ``(expression, point)``: :func:`expressions` with a draw from its ``inputs()``.

    >>> from hypothesis import given, settings
    >>> from autograd import gradcheck
    >>> @settings(max_examples=10, deadline=None, database=None)
    ... @given(expressions_with_inputs(max_depth=2))
    ... def test_gradcheck(case):
    ...     expression, point = case
    ...     assert gradcheck(expression, point)
    >>> test_gradcheck()
    """
    strategy = expressions(
        ops, arity=arity, max_depth=max_depth, constants=constants, reuse=reuse
    )

    @st.composite
    def pairs(draw: st.DrawFn) -> tuple[Expression, tuple[float, ...]]:
        e = draw(strategy)
        return e, draw(e.inputs())

    return pairs()
