"""Explaining a gradient: the chain rule from an output back to an input, with its numbers.

``autograd.explain(output, wrt)`` shows, for every node on the paths from ``wrt`` to
``output``, d output / d node = upstream x local = value, each local derivative written as its
op-table row writes it; a node that feeds several consumers gets one term per consumer and
their sum. ``d`` marks a whole derivative (through every path), ``∂`` a local one (one op's
own, its other arguments held fixed): ``dE/dw5 = dE/dnet × ∂net/∂w5``.

Every number is the engine's: the gradients come from the engine's own sweep
(:func:`autograd.core.backprop.gradients`), the local derivatives are the ones the forward pass
stored, and the terms come in the order the sweep adds them. Nothing here touches ``.grad``.

``autograd.explain`` (an :class:`Explainer`, callable) is also the namespace of the pieces the
interactive page of :func:`autograd.viz.to_html` shows: ``autograd.explain.node_lines(output)``,
``.local_formula(node, i)`` and ``.name_of(node)``, which this module also exports.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import overload

from .core.backprop import gradients, topological_order
from .core.node import Value

__all__ = [
    "Explainer",
    "Explanation",
    "Step",
    "Term",
    "explain",
    "local_formula",
    "name_of",
    "node_lines",
]

DEFAULT_LIMIT = 40
"""Steps an explanation shows before it summarises the rest."""
DEFAULT_DIGITS = 4
"""Significant digits of the numbers shown (the structured data keeps exact floats)."""

_DEPTH = 3  # how many levels of arguments an unlabelled node's name spells out
_WIDTH = 48  # a name longer than this is spelled out one level less deep
_ITEMS = 3  # arguments of an n-ary op named before "..."
_TERMS = 6  # terms of a sum written out in one line; beyond, the line counts the rest


# ---------------------------------------------------------------------------------------------
# Names: a node's label, else its op over its arguments' names, as Python would write it.
# ---------------------------------------------------------------------------------------------

# How tightly a name's outermost operator binds, as in Python; a looser one is parenthesised
# where it stands as an operand.
_SUM, _PRODUCT, _SIGN, _POWER, _ATOM = range(5)
_INFIX = {"+": _SUM, "-": _SUM, "*": _PRODUCT, "/": _PRODUCT, "**": _POWER}
_SIMPLE = re.compile(r"[\w.\[\]]+")  # names written after "d" without parentheses

Named = tuple[str, int]
"""A name and how tightly its outermost operator binds."""


def _number(x: float) -> Named:
    """A constant or an unlabelled leaf, as its number (short: at most 4 digits if long)."""
    text = repr(x)
    if len(text) > 10:
        text = format(x, ".4g")
    return text, _SIGN if text.startswith("-") else _ATOM


def _wrap(named: Named, tighter_than: int) -> str:
    """The name as an operand: parenthesised unless it binds tighter than ``tighter_than``."""
    text, strength = named
    return text if strength > tighter_than else f"({text})"


def _d(name: str) -> str:
    """``name`` after the "d" of a derivative: ``dw5``, ``d(w5 * out_h1)``."""
    return name if _SIMPLE.fullmatch(name) else f"({name})"


class _Namer:
    """Display names of nodes, each rendered once per form, so naming a whole graph costs
    time linear in its size."""

    def __init__(self) -> None:
        self._memo: dict[tuple[Value, int, int], Named] = {}
        self._names: dict[Value, Named] = {}

    def named(self, node: Value) -> Named:
        """The node's display name: its label, else its op over its arguments' names, spelled
        out as deep as fits in ``_WIDTH`` characters ("…" stands for what is left out)."""
        hit = self._names.get(node)
        if hit is None:
            hit = self._fitting(node)
            self._names[node] = hit
        return hit

    def _fitting(self, node: Value) -> Named:
        """The deepest rendering of ``node`` that fits in ``_WIDTH`` (n-ary ops with all their
        first arguments, else with one: a neuron's ``dot([layers.0.neurons.0.w.0, …], …)``),
        else the shortest."""
        tries = []
        for depth in range(_DEPTH, 0, -1):
            for items in (_ITEMS, 1):
                named = self._render(node, depth, items)
                if len(named[0]) <= _WIDTH:
                    return named
                tries.append(named)
        return min(tries, key=lambda t: len(t[0]))

    def name(self, node: Value) -> str:
        return self.named(node)[0]

    def operand(self, node: Value) -> str:
        """The name as it stands inside a formula (parenthesised unless an atom)."""
        return _wrap(self.named(node), _SIGN)

    def plain(self, arg: object) -> str:
        """The name of an argument, a Value or a constant, as it stands alone."""
        if isinstance(arg, Value):
            return self.name(arg)
        assert isinstance(arg, float)
        return _number(arg)[0]

    def _render(self, node: Value, depth: int, items: int) -> Named:
        """``node`` spelled out ``depth`` levels deep, n-ary ops showing ``items`` arguments
        (one: only the first of a paired op's two lists)."""
        label = node.label
        if label:  # reassigned to a non-string (a number, an object), it reads as its str()
            return (label if type(label) is str else str(label)), _ATOM
        op = node.primitive
        if op is None:
            return _number(node.data)
        if depth == 0:
            return "…", _ATOM
        key = (node, depth, items)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        args = node.arguments
        below = depth - 1
        if op.nary:
            if not op.paired:
                inside = self._list(args, below, items)
            elif items == 1:
                inside = f"{self._list(args[: len(args) // 2], below, items)}, …"
            else:
                half = len(args) // 2
                inside = (
                    f"{self._list(args[:half], below, items)}, "
                    f"{self._list(args[half:], below, items)}"
                )
            hit = f"{op.name}({inside})", _ATOM
        elif not op.custom and op.symbol in _INFIX and len(args) == 2:
            strength = _INFIX[op.symbol]
            left, right = (self._argument(a, below, items) for a in args)
            # The graph's grouping, as Python reads it: a + (b + c) is not (a + b) + c; and
            # (x ** y) ** z. A signed right operand is parenthesised to read clearly: x * (-c).
            left_text = _wrap(left, strength if op.symbol == "**" else strength - 1)
            right_text = f"({right[0]})" if right[1] == _SIGN else _wrap(right, strength)
            hit = f"{left_text} {op.symbol} {right_text}", strength
        elif not op.custom and op.symbol == "-" and len(args) == 1:
            hit = "-" + _wrap(self._argument(args[0], below, items), _POWER), _SIGN
        else:
            inside = ", ".join(self._argument(a, below, items)[0] for a in args)
            hit = f"{op.name}({inside})", _ATOM
        self._memo[key] = hit
        return hit

    def _argument(self, arg: object, depth: int, items: int) -> Named:
        if isinstance(arg, Value):
            return self._render(arg, depth, items)
        assert isinstance(arg, float)
        return _number(arg)

    def _list(self, args: Sequence[object], depth: int, items: int) -> str:
        shown = [self._argument(a, depth, items)[0] for a in args[:items]]
        if len(args) > items:
            shown.append("…")
        return f"[{', '.join(shown)}]"


def name_of(node: Value) -> str:
    """The name explanations use for ``node``: its label if it has one; else its op over its
    arguments' names (``w5 * out_h1``, ``sigmoid(net_h1)``, ``sum([a, b, c, …])``), a leaf as
    its number; deterministic, and at most about 40 characters unless labels are longer.

    >>> from autograd import Value
    >>> w5, out_h1 = Value(0.4, label="w5"), Value(0.6, label="out_h1")
    >>> name_of(w5 * out_h1), name_of((w5 * out_h1 + 0.6).sigmoid())
    ('w5 * out_h1', 'sigmoid(w5 * out_h1 + 0.6)')
    """
    _check_value(node, "name_of", "node")
    return _Namer().name(node)


# ---------------------------------------------------------------------------------------------
# Local derivatives, as the op table writes them.
# ---------------------------------------------------------------------------------------------

class _Operands(Sequence[str]):
    """The names of a node's arguments as formula operands, each made when first read: an
    n-ary op's formula reads only its own argument, its partner and the count."""

    def __init__(self, namer: _Namer, args: Sequence[object]) -> None:
        self._namer = namer
        self._args = args

    def __len__(self) -> int:
        return len(self._args)

    @overload
    def __getitem__(self, k: int) -> str: ...
    @overload
    def __getitem__(self, k: slice) -> Sequence[str]: ...
    def __getitem__(self, k: int | slice) -> str | Sequence[str]:
        if isinstance(k, slice):
            return [self[j] for j in range(*k.indices(len(self)))]
        arg = self._args[k]
        if isinstance(arg, Value):
            return self._namer.operand(arg)
        assert isinstance(arg, float)
        return _wrap(_number(arg), _SIGN)


def _formula(namer: _Namer, node: Value, args: Sequence[object], i: int) -> str:
    op = node.primitive
    assert op is not None
    text = op.partial_text(i, _Operands(namer, args), namer.operand(node))
    if text is None:  # a custom op: its derivative is the user's function
        at = ", ".join(namer.plain(a) for a in args)
        return f"derivative {i} of {op.name} (a user function) at ({at})"
    return text


def local_formula(node: Value, i: int) -> str:
    """d node / d (argument ``i`` of node), as the op table's row writes it, with the
    arguments' names (and the node's own, for the output) put in: for ``out = net.sigmoid()``
    labelled, ``out * (1.0 - out)``; for ``a * b``, argument 0, ``b``. ``i`` indexes
    ``node.arguments`` (Values and constants). A custom op's derivative is the user's
    function, and the text says so.

    >>> from autograd import Value
    >>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
    >>> local_formula(a * b, 0), local_formula(a / b, 1)
    ('b', '-(a / b) * recip(b)')
    """
    _check_value(node, "local_formula", "node")
    args = node.arguments
    if node.primitive is None:
        raise ValueError(
            f"local_formula: {name_of(node)!r} is a leaf: no op made it, so it has no local "
            "derivative"
        )
    if type(i) is not int or not 0 <= i < len(args):
        raise IndexError(
            f"local_formula: argument index {i!r} out of range: {name_of(node)!r} has "
            f"{len(args)} argument(s)"
        )
    return _formula(_Namer(), node, args, i)


# ---------------------------------------------------------------------------------------------
# The chain rule with the engine's numbers.
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    """One consumer's contribution to d output / d node: upstream x local = product.

    Attributes:
        consumer: the node that takes ``node`` as an argument.
        argument: which of ``consumer.arguments`` it is.
        upstream: d output / d consumer (the engine's).
        local: d consumer / d node as the forward pass stored it.
        product: ``upstream * local``, the very product the engine adds.
        formula: d consumer / d node as the op table writes it, names put in (made when read).
    """

    consumer: Value
    argument: int
    upstream: float
    local: float
    product: float

    @property
    def formula(self) -> str:
        return local_formula(self.consumer, self.argument)


@dataclass(frozen=True)
class Step:
    """d output / d node: its terms (one per consumer edge, in the engine's order; none for
    the output itself) and ``total``, the gradient the engine's sweep gives ``node``."""

    node: Value
    name: str
    terms: tuple[Term, ...]
    total: float


def _chain(
    order: list[Value], keep: set[Value] | None, namer: _Namer,
) -> list[Step]:
    """The steps for the nodes of ``order`` (a topological order ending at the output) that are
    in ``keep`` (None: all), output first, in the engine's order."""
    grads = dict(zip(order, gradients(order[-1], order, False), strict=True))
    terms: dict[Value, list[Term]] = {}
    for consumer in reversed(order):
        if keep is not None and consumer not in keep:
            continue
        parents = consumer.parents
        if not parents:
            continue
        positions = [i for i, a in enumerate(consumer.arguments) if isinstance(a, Value)]
        upstream = grads[consumer]
        for parent, i, local in zip(parents, positions, consumer.local_grads, strict=True):
            if keep is None or parent in keep:
                term = Term(consumer, i, upstream, local, upstream * local)
                terms.setdefault(parent, []).append(term)
    return [
        Step(node, namer.name(node), tuple(terms.get(node, ())), grads[node])
        for node in reversed(order)
        if keep is None or node in keep
    ]


def _num(x: float, digits: int | None) -> str:
    return repr(x) if digits is None else format(x, f".{digits}g")


def _later(x: float, digits: int | None) -> str:
    """A number after an operator: a negative one in parentheses, ``+ (-0.019)``."""
    text = _num(x, digits)
    return f"({text})" if text.startswith("-") else text


def _joined(parts: list[str], extra: int) -> str:
    """``parts`` joined by " + ", with the count of terms left out (the line stays short)."""
    if extra:
        parts = [*parts, f"… ({extra} more terms)"]
    return " + ".join(parts)


def _shown(terms: tuple[Term, ...]) -> tuple[tuple[Term, ...], int]:
    """The terms a line writes out, and how many it leaves out."""
    if len(terms) <= _TERMS:
        return terms, 0
    return terms[: _TERMS - 1], len(terms) - (_TERMS - 1)


def _statement(step: Step, out: str, namer: _Namer, digits: int | None) -> tuple[str, str]:
    """A step as two texts: the chain rule in names, and in numbers (both without the
    leading "d out / d node")."""
    if not step.terms:
        return "", _num(step.total, digits)
    terms, extra = _shown(step.terms)
    symbols = []
    for term in terms:
        via = _d(namer.name(term.consumer))
        symbols.append(f"d{out}/d{via} × ∂{via}/∂{_d(step.name)}")
    products = [
        f"{_num(t.upstream, digits) if k == 0 else _later(t.upstream, digits)}"
        f" × {_later(t.local, digits)}"
        for k, t in enumerate(terms)
    ]
    numbers = _joined(products, extra)
    if len(step.terms) > 1:
        added = [_num(terms[0].product, digits)] + [_later(t.product, digits) for t in terms[1:]]
        numbers += " = " + _joined(added, extra)
    return _joined(symbols, extra), f"{numbers} = {_num(step.total, digits)}"


def _line(step: Step, out: str, namer: _Namer, digits: int | None) -> str:
    symbols, numbers = _statement(step, out, namer, digits)
    head = f"d{out}/d{_d(step.name)} = "
    return head + (f"{symbols} = {numbers}" if symbols else numbers)


def node_lines(output: Value, *, digits: int | None = DEFAULT_DIGITS) -> dict[Value, str]:
    """For every node reaching ``output``, its chain-rule statement as one line of text, with
    the engine's numbers: ``dE/dw5 = dE/d(w5 * out_h1) × ∂(w5 * out_h1)/∂w5 = 0.1385 × 0.5933 =
    0.08217``; a sum where the node feeds several consumers (the first few terms, then a
    count); ``dE/dE = 1`` for the output. Time linear in the graph's size.

    >>> from autograd import Value
    >>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
    >>> c = a * b + a
    >>> c.label = "c"
    >>> print(node_lines(c)[a])
    dc/da = dc/dc × ∂c/∂a + dc/d(a * b) × ∂(a * b)/∂a = 1 × 1 + 1 × 3 = 1 + 3 = 4
    """
    _check_value(output, "node_lines", "output")
    digits = _check_digits(digits, "node_lines")
    namer = _Namer()
    steps = _chain(topological_order(output), None, namer)
    out = _d(namer.name(output))
    return {step.node: _line(step, out, namer, digits) for step in steps}


class Explanation:
    """d output / d wrt as the chain rule with the engine's numbers (what
    :func:`autograd.explain` returns). ``str()`` is plain text; Jupyter shows it as HTML.

    Attributes:
        output: the Value differentiated.
        wrt: the Values it is differentiated by (a tuple).
        steps: every node on a path from ``wrt`` to ``output``, output first, in the order the
            engine's backward sweep reaches them (each a :class:`Step`; none are left out here).
        gradients: d output / d w for each w of ``wrt`` (0.0 where there is no path).
        no_path: the Values of ``wrt`` that ``output`` does not depend on.
        limit: how many steps the text and HTML show (None: all).
        digits: significant digits they show (None: every digit, as ``repr``).
    """

    def __init__(
        self, output: Value, wrt: tuple[Value, ...], steps: list[Step],
        limit: int | None, digits: int | None, namer: _Namer,
    ) -> None:
        self.output = output
        self.wrt = wrt
        self.steps = steps
        totals = {step.node: step.total for step in steps}
        self.gradients = tuple(totals.get(w, 0.0) for w in wrt)
        self.no_path = tuple(w for w in wrt if w not in totals)
        self.limit = limit
        self.digits = digits
        self._namer = namer

    def _out(self) -> str:
        return _d(self._namer.name(self.output))

    def _shown_steps(self) -> tuple[list[Step], list[Step], int]:
        """The steps shown, as the first ones and the last ones, and how many are left out
        between them: past ``limit``, the first steps and those of ``wrt`` (the answer)."""
        limit = self.limit
        if limit is None or len(self.steps) <= limit:
            return self.steps, [], 0
        answers = set(self.wrt)
        last = [s for s in self.steps if s.node in answers]
        first = [s for s in self.steps if s.node not in answers][: max(limit - len(last), 0)]
        return first, last, len(self.steps) - len(first) - len(last)

    def _headline(self) -> str:
        out = self._out()
        wanted = ", ".join(f"d{out}/d{_d(self._namer.name(w))}" for w in self.wrt)
        precision = "every digit" if self.digits is None else f"{self.digits} significant digits"
        count = len(self.steps)
        return (
            f"{wanted} by the chain rule, from {self._namer.name(self.output)} back: "
            f"{count} step{'s' if count != 1 else ''}, numbers to {precision}; each local "
            "derivative as the op table writes it."
        )

    def _no_path_lines(self) -> list[str]:
        out = self._out()
        output = self._namer.name(self.output)
        return [
            f"No path leads from {name} to {output}: d{out}/d{_d(name)} = 0."
            for name in map(self._namer.name, self.no_path)
        ]

    def _left_out(self, count: int) -> str:
        return (
            f"… {count} step{'s' if count != 1 else ''} left out (limit={self.limit}); "
            "explain(output, wrt, limit=None) shows every step …"
        )

    def __str__(self) -> str:
        if not self.steps:
            return "\n".join(self._no_path_lines())
        lines = [self._headline()]
        first, last, left_out = self._shown_steps()
        for step in first:
            lines += ["", *self._step_lines(step)]
        if left_out:
            lines += ["", self._left_out(left_out)]
        for step in last:
            lines += ["", *self._step_lines(step)]
        no_path = self._no_path_lines()
        if no_path:
            lines += ["", *no_path]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _step_lines(self, step: Step) -> list[str]:
        """A step in text: the chain rule in names, then in numbers, then each local
        derivative with its formula and value."""
        out = self._out()
        head = f"d{out}/d{_d(step.name)} = "
        symbols, numbers = _statement(step, out, self._namer, self.digits)
        if not symbols:
            return [head + numbers]
        # the numbers under the names, their "=" under the first one (unless that is far right)
        indent = len(head) - 2 if len(head) <= _WIDTH else 4
        lines = [head + symbols, " " * indent + "= " + numbers]
        terms, extra = _shown(step.terms)
        for term in terms:
            via = _d(self._namer.name(term.consumer))
            lines.append(
                f"    ∂{via}/∂{_d(step.name)} = {term.formula} = {_num(term.local, self.digits)}"
            )
        if extra:
            lines.append(f"    … and {extra} more local derivatives")
        return lines

    def _repr_html_(self) -> str:
        """The explanation as an HTML table (Jupyter): a row stating each step, then a row per
        term. Every name and formula is escaped: labels are user text."""
        e = html.escape
        out = e(self._out())
        rows: list[str] = []
        first, last, left_out = self._shown_steps()
        for step in first:
            rows += self._step_rows(step)
        if left_out:
            rows.append(f'<tr><td colspan="5"><i>{e(self._left_out(left_out))}</i></td></tr>')
        for step in last:
            rows += self._step_rows(step)
        table = ""
        if rows:
            table = (
                '<table style="border-collapse:collapse"><thead><tr>'
                f"<th>via</th><th>upstream d{out}/d(via)</th><th>local derivative, as the op "
                "table writes it</th><th>its value</th><th>upstream × local</th></tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table>"
            )
        notes = "".join(f"<p>{e(line)}</p>" for line in self._no_path_lines())
        headline = f"<p>{e(self._headline())}</p>" if self.steps else ""
        return f'<div class="valuegrad-explain">{headline}{table}{notes}</div>'

    def _step_rows(self, step: Step) -> list[str]:
        """A step as table rows: its chain-rule line, then one row per term."""
        e = html.escape
        digits = self.digits
        line = _line(step, self._out(), self._namer, digits)
        head = '<tr style="border-top:1px solid #ccc"><td colspan="5" style="text-align:left">'
        rows = [f"{head}<b>{e(line)}</b></td></tr>"]
        terms, extra = _shown(step.terms)
        node = _d(step.name)
        for term in terms:
            via = self._namer.name(term.consumer)
            rows.append(
                f"<tr><td>{e(via)}</td><td>{e(_num(term.upstream, digits))}</td>"
                f"<td><code>∂{e(_d(via))}/∂{e(node)} = {e(term.formula)}</code></td>"
                f"<td>{e(_num(term.local, digits))}</td>"
                f"<td>{e(_num(term.product, digits))}</td></tr>"
            )
        if extra:
            rows.append(f'<tr><td colspan="5">… and {extra} more terms</td></tr>')
        return rows


class Explainer:
    """``autograd.explain``: call it to explain a gradient (``explain(output, wrt)``, see
    :meth:`__call__`); its attributes ``node_lines``, ``local_formula`` and ``name_of`` are the
    pieces an explanation is made of. (One object is both, so that ``autograd.explain(...)``
    and ``autograd.explain.node_lines(...)`` both work, and type checkers see both.)"""

    node_lines = staticmethod(node_lines)
    local_formula = staticmethod(local_formula)
    name_of = staticmethod(name_of)

    def __call__(
        self,
        output: Value,
        wrt: Value | list[Value] | tuple[Value, ...],
        *,
        limit: int | None = DEFAULT_LIMIT,
        digits: int | None = DEFAULT_DIGITS,
    ) -> Explanation:
        """d output / d wrt as the chain rule, with the engine's numbers.

        Args:
            output: the Value to differentiate (a loss).
            wrt: a Value, or a list or tuple of Values, to differentiate by.
            limit: how many steps ``str()`` and the HTML show; past it, the first steps and
                those of ``wrt``, with a line saying how many were left out. None: all.
            digits: significant digits shown (the structured data keeps exact floats);
                None: every digit.

        Returns:
            An :class:`Explanation`: for every node on the paths from ``wrt`` to ``output``
            (and no other), d output / d node = upstream x local, one term per consumer, each
            local derivative as its op-table row writes it. The numbers are the ones
            ``output.backward()`` would give (bit for bit); no ``.grad`` is touched.

        >>> from autograd import Value, explain
        >>> x, w = Value(3.0, label="x"), Value(-2.0, label="w")
        >>> y = (x * w).tanh()
        >>> y.label = "y"
        >>> print(explain(y, w))
        dy/dw by the chain rule, from y back: 3 steps, numbers to 4 significant digits; each local derivative as the op table writes it.
        <BLANKLINE>
        dy/dy = 1
        <BLANKLINE>
        dy/d(x * w) = dy/dy × ∂y/∂(x * w)
                    = 1 × 2.458e-05 = 2.458e-05
            ∂y/∂(x * w) = 1.0 - y * y = 2.458e-05
        <BLANKLINE>
        dy/dw = dy/d(x * w) × ∂(x * w)/∂w
              = 2.458e-05 × 3 = 7.373e-05
            ∂(x * w)/∂w = x = 3
        """
        _check_value(output, "explain", "output")
        wanted = _check_wrt(wrt)
        limit = _check_limit(limit)
        digits = _check_digits(digits, "explain")
        order = topological_order(output)
        keep = set(wanted).intersection(order)
        for node in order:  # a node is on a path when wrt is or one of its arguments is
            if node not in keep and any(p in keep for p in node.parents):
                keep.add(node)
        namer = _Namer()
        steps = _chain(order, keep, namer) if keep else []
        return Explanation(output, wanted, steps, limit, digits, namer)

    def __repr__(self) -> str:
        return "<autograd.explain: explain(output, wrt, *, limit=40, digits=4)>"


explain = Explainer()
"""``autograd.explain(output, wrt)``: see :meth:`Explainer.__call__`."""


# ---------------------------------------------------------------------------------------------
# Argument checks: a clear error naming what was wrong, before any work.
# ---------------------------------------------------------------------------------------------

def _check_value(x: object, who: str, what: str) -> None:
    if not isinstance(x, Value):
        raise TypeError(f"{who}: {what} must be a Value, got {type(x).__name__}")


def _check_wrt(wrt: object) -> tuple[Value, ...]:
    if isinstance(wrt, Value):
        return (wrt,)
    if not isinstance(wrt, (list, tuple)):
        raise TypeError(
            f"explain: wrt must be a Value or a list or tuple of Values, got {type(wrt).__name__}"
        )
    if not wrt:
        raise ValueError("explain: wrt is empty; give at least one Value")
    for k, w in enumerate(wrt):
        if not isinstance(w, Value):
            raise TypeError(f"explain: wrt[{k}] must be a Value, got {type(w).__name__}")
    return tuple(dict.fromkeys(wrt))  # each once, in the order given


def _check_limit(limit: object) -> int | None:
    if limit is None:
        return None
    if type(limit) is not int:
        raise TypeError(f"explain: limit must be an int or None, got {type(limit).__name__}")
    if limit < 1:
        raise ValueError(f"explain: limit must be at least 1, got {limit}")
    return limit


def _check_digits(digits: object, who: str) -> int | None:
    if digits is None:
        return None
    if type(digits) is not int:
        raise TypeError(f"{who}: digits must be an int or None, got {type(digits).__name__}")
    if not 1 <= digits <= 17:
        raise ValueError(f"{who}: digits must be between 1 and 17, got {digits}")
    return digits
