"""The op table: every differentiable primitive, declared once as expression templates.

Each row states its forward computation and one local derivative per argument as Python
expression text over the argument names (``{x}``, ``{y}``, ...) and the output ``{out}``. At
import the rows are compiled into the callables the engine uses (the way ``dataclasses``
generates ``__init__``), and the same text is available to code generators
(:meth:`Op.forward_expr`, :meth:`Op.partial_exprs`): the engine's fast paths and the graph
compiler are generated from it, so a derivative is written here and nowhere else.

Derivative templates use arithmetic and the generic helpers of :data:`NAMESPACE` (``exp``,
``log``, ``recip``, ...), which take floats or ``Value``s: evaluated on floats they give the
partials stored by an ordinary forward pass; on Values, the differentiable partials of
``backward(create_graph=True)``. Forward templates run on floats only.

**The overflow rule** (one rule for every op, tested per op): an op raises exactly where
Python's float operator or the ``math`` function it is written with raises (``ZeroDivisionError``
for ``x / 0``; ``OverflowError`` for ``exp(1000)`` or ``1e308 ** 2``; ``ValueError`` for
``log(-1)`` or ``sin(inf)``); everywhere else it gives the IEEE result, inf or nan
(``1e308 * 10`` is inf, ``inf - inf`` is nan, ``relu(nan)`` is nan). An n-ary op gives what its
binary spelling gives: ``sum`` is exactly rounded (``math.fsum``) while that is finite and
otherwise falls back to repeated ``+`` (inf, or nan for inf + -inf), ``dot`` likewise over the
products. ``sigmoid``, ``softplus`` and ``logsumexp`` are the stable forms, finite wherever
their result is.

This module knows nothing of ``Value``: the engine imports it, never the reverse.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .generated import define, global_names
from .kernels import NAMESPACE

__all__ = [
    "BINARY", "NAMESPACE", "NARY", "OPS", "TABLE", "UNARY", "Op", "call_text", "markdown_table",
]

# ---------------------------------------------------------------------------------------------
# Domains: used in error messages and by the test strategies to pick safe points.
# ``valid(*xs)`` is true where the op is defined, finite and differentiable with some margin.
# ---------------------------------------------------------------------------------------------

_MARGIN = 1e-2


def _everywhere(*xs: float) -> bool:
    return True


def _away_from_zero(x: float, *rest: float) -> bool:
    return abs(x) > _MARGIN


def _positive(x: float, *rest: float) -> bool:
    return x > _MARGIN


def _exp_ok(x: float) -> bool:
    return x < 700.0


def _div_ok(x: float, y: float) -> bool:
    return abs(y) > _MARGIN


def _pow_ok(x: float, y: float) -> bool:
    return x > _MARGIN and abs(y * math.log(x)) < 700.0


# ---------------------------------------------------------------------------------------------
# Compiling a row: its templates become named functions in one generated source per row.
# ---------------------------------------------------------------------------------------------

def _fill(op: str, template: str, **names: str) -> str:
    """``template`` with its ``{placeholders}`` filled; a placeholder the row cannot fill is
    an error naming the row."""
    try:
        return template.format(**names)
    except (KeyError, IndexError, ValueError) as exc:
        allowed = ", ".join("{" + n + "}" for n in names)
        raise ValueError(
            f"op {op!r}: the template {template!r} cannot be filled ({exc!r}); its "
            f"placeholders are {allowed}"
        ) from None


def _compile_row(op: str, functions: Mapping[str, tuple[str, str]]) -> dict[str, Any]:
    """Compiles a row's templates, ``role -> (parameters, expression)``, as one generated
    source of functions named ``<op>_<role>`` (``log_forward``, ``log_partial_0``, ...),
    registered for tracebacks as ``<op table: log>``; returns ``role -> function``.

    Every name a template reads must be a parameter or a name of :data:`NAMESPACE`: an
    unknown one (a kernel not written yet) fails here, at import, naming the row."""
    source = "".join(
        f"def {op}_{role}({params}):\n    return {body}\n\n"
        for role, (params, body) in functions.items()
    )
    namespace = define(source, f"op table: {op}", dict(NAMESPACE))
    compiled = {role: namespace[f"{op}_{role}"] for role in functions}
    for role, function in compiled.items():
        unknown = sorted(set(global_names(function.__code__)) - NAMESPACE.keys())
        if unknown:
            raise NameError(
                f"op {op!r}: its {role.replace('_', ' ')} template reads {', '.join(unknown)}, "
                "which autograd.core.kernels.NAMESPACE does not define (a template may use "
                "arithmetic, its placeholders and the names of NAMESPACE: math's functions as "
                "math_<name>, the generic helpers and the kernels)"
            )
    return compiled


def _tuple_expr(names: Sequence[str]) -> str:
    """A tuple display of ``names``: ``(a, b)``, ``(a,)``, ``()``."""
    if len(names) == 1:
        return f"({names[0]},)"
    return f"({', '.join(names)})"


class Op:
    """One differentiable primitive: forward on floats and a local derivative per input.

    Table rows are declared with templates (:meth:`Op.row`); a custom op (:func:`custom_op`)
    with plain functions, ``Op(name, forward, derivatives)``, where ``derivatives[i](*args)`` is
    d out / d arg_i. Both give the same interface:

    - ``forward(*floats) -> float``;
    - ``partial(i, args, out)``: d out / d args[i] (floats in, float out; Values in, a
      differentiable Value out);
    - ``partials(args, out)``: every local derivative at once (an n-ary op's bulk partial);
    - ``forward_expr(names)`` / ``partial_exprs(names, out)``: the same as Python expression
      text over the given identifiers, evaluated with :data:`NAMESPACE` (None for custom ops,
      whose functions a generator must call by a bound name);
    - ``partial_text(i, names, out)``: one local derivative as the row writes it, for people.

    Attributes: ``name`` (what ``Value.op`` shows; ``Value.primitive`` is this record),
    ``symbol`` (display), ``arity`` (None for n-ary), ``nary``, ``paired`` (an n-ary op over
    two equal halves, as dot), ``domain`` (for messages), ``valid`` (predicate true where the op
    is safely differentiable), ``doc`` (the formula for people), ``params`` (argument names of a
    row), ``custom``, ``bulk`` (float partials from a bulk expression).

    How users call a row (None for custom ops, which are called through ``custom_op``'s
    function): ``method`` (the ``Value`` method, an operator such as ``__add__`` or a name such
    as ``exp``), ``reflected`` (a binary operator's reflected form, ``__radd__``), ``function``
    (the module-level function, ``autograd.exp``), ``defaults`` (default values of trailing
    arguments, ``{"slope": 0.01}``). A paired row also has ``pair(xs, ys)``, compiled from its
    templates: ``(out, partials of xs, partials of ys)`` over its two halves, in one call.
    """

    __slots__ = (
        "_bulk",
        "_derivatives",
        "_each",
        "_forward_t",
        "_partial_fns",
        "_partial_t",
        "_partials_fn",
        "arity",
        "custom",
        "defaults",
        "doc",
        "domain",
        "forward",
        "function",
        "method",
        "name",
        "nary",
        "pair",
        "paired",
        "params",
        "reflected",
        "symbol",
        "valid",
    )

    def __init__(
        self,
        name: str,
        forward: Callable[..., float],
        derivatives: Sequence[Callable[..., Any]],
        *,
        symbol: str | None = None,
        domain: str = "all real numbers",
        valid: Callable[..., bool] = _everywhere,
        doc: str = "",
    ) -> None:
        derivatives = tuple(derivatives)
        for i, d in enumerate(derivatives):
            if not callable(d):
                raise TypeError(
                    f"op {name!r}: derivative {i} must be callable, got {type(d).__name__}"
                )
        self.name = name
        self.symbol = symbol or name
        self.forward = forward
        self.arity: int | None = len(derivatives)
        self.nary = False
        self.paired = False
        self.domain = domain
        self.valid = valid
        self.doc = doc
        self.custom = True
        self.params: tuple[str, ...] = ()
        self.method: str | None = None
        self.reflected: str | None = None
        self.function: str | None = None
        self.defaults: dict[str, float] = {}
        self.pair: Callable[..., tuple[float, Sequence[Any], Sequence[Any]]] | None = None
        self._forward_t: str | None = None
        self._partial_t: tuple[str, ...] | None = None
        self._each: Any = None
        self._bulk: str | None = None
        self._derivatives = derivatives
        self._partial_fns: tuple[Callable[..., Any], ...] = ()
        self._partials_fn: Callable[..., Sequence[Any]] | None = None

    @classmethod
    def row(
        cls,
        name: str,
        params: Sequence[str],
        forward: str,
        partials: Sequence[str] | str,
        *,
        method: str | None = None,
        reflected: str | None = None,
        function: str | None = None,
        defaults: Mapping[str, float] | None = None,
        symbol: str | None = None,
        bulk: str | None = None,
        paired: bool = False,
        domain: str = "all real numbers",
        valid: Callable[..., bool] = _everywhere,
        doc: str = "",
    ) -> Op:
        """A table row from templates.

        Args:
            name: what ``Value.op`` shows; an identifier.
            params: the argument names the templates use (``("x", "y")``); ``()`` for an n-ary
                op, whose forward template reads ``{args}`` (a tuple of all arguments).
            forward: the forward expression on floats; a paired op's reads ``{xs}`` and ``{ys}``
                (its two halves).
            partials: one template per argument over ``{param}`` and ``{out}``; for an n-ary op
                ONE template for every argument over ``{x}`` (that argument), ``{other}`` (its
                partner in a paired op), ``{n}`` (the argument count) and ``{out}``.
            method: the ``Value`` method generated for it (``"exp"``, ``"__add__"``), if any.
            reflected: a binary operator's reflected method (``"__radd__"``), if any.
            function: the module-level function generated for it (``autograd.exp``), if any.
            defaults: default values of trailing arguments of the method and the function.
            bulk: an n-ary op's expression for all partials at once over ``{args}`` and
                ``{out}``, when it is more exact than the per-argument template (it serves floats
                and Values alike).

        Raises (at import, naming the row): ValueError for a placeholder a template cannot
        fill, NameError for a name a template reads that :data:`NAMESPACE` lacks.
        """
        if not name.isidentifier():
            raise ValueError(f"op {name!r}: a row's name must be an identifier")
        op = cls.__new__(cls)
        op.name = name
        op.symbol = symbol or name
        op.nary = not params
        op.arity = None if op.nary else len(params)
        op.paired = paired
        op.domain = domain
        op.valid = valid
        op.doc = doc
        op.custom = False
        op.params = tuple(params)
        op.method = method
        op.reflected = reflected
        op.function = function
        op.defaults = dict(defaults or {})
        if list(op.defaults) != list(op.params[len(op.params) - len(op.defaults):]):
            raise ValueError(f"op {name!r}: defaults must name the last arguments, in order")
        op.pair = None
        op._forward_t = forward
        op._bulk = bulk
        op._derivatives = ()
        roles: dict[str, tuple[str, str]] = {}
        if op.nary:
            if not isinstance(partials, str):
                raise TypeError(f"op {name!r}: an n-ary op takes one partial template")
            op._partial_t = None
            op._each = partials
            if paired:
                body = _fill(name, forward, xs="args[:len(args) // 2]",
                             ys="args[len(args) // 2:]")
            else:
                body = _fill(name, forward, args="args")
            roles["forward"] = ("*args", body)
            roles["partial"] = ("x, other, n, out",
                                _fill(name, partials, x="x", other="other", n="n", out="out"))
            if bulk is not None:
                _fill(name, bulk, args="args", out="out")
            roles["partials"] = ("args, out", str(op.bulk_expr("args", "out")))
            if paired:
                halves = op.paired_half_exprs("xs", "ys", "out")
                assert halves is not None
                roles["pair"] = (
                    "xs, ys", f"(out := {op.sequence_forward_expr('xs', 'ys')}), {', '.join(halves)}"
                )
        else:
            if isinstance(partials, str) or len(partials) != len(params):
                raise TypeError(f"op {name!r}: give one partial template per argument")
            op._partial_t = tuple(partials)
            op._each = None
            names = ", ".join(params)
            fill = {p: p for p in params}
            roles["forward"] = (names, _fill(name, forward, **fill))
            bodies = [_fill(name, t, **fill, out="out") for t in partials]
            for i, body in enumerate(bodies):
                roles[f"partial_{i}"] = (f"{names}, out", body)
            roles["partials"] = (f"{names}, out", f"({', '.join(bodies)},)")
        compiled = _compile_row(name, roles)
        op.forward = compiled["forward"]
        op._partials_fn = compiled["partials"]
        if op.nary:
            op._partial_fns = (compiled["partial"],)
            op.pair = compiled.get("pair")
        else:
            op._partial_fns = tuple(compiled[f"partial_{i}"] for i in range(len(params)))
        return op

    # -- what generators read ------------------------------------------------------------------

    def forward_expr(self, names: Sequence[str]) -> str | None:
        """The forward as an expression over the identifiers ``names`` (None: custom op)."""
        if self._forward_t is None:
            return None
        if self.nary:
            if self.paired:
                half = len(names) // 2
                return self._forward_t.format(
                    xs=_tuple_expr(names[:half]), ys=_tuple_expr(names[half:])
                )
            return self._forward_t.format(args=_tuple_expr(names))
        self._check_count(names)
        return "(" + self._forward_t.format(**dict(zip(self.params, names, strict=True))) + ")"

    def partial_exprs(self, names: Sequence[str], out: str) -> list[str] | None:
        """d out / d names[i] for each argument, as expressions over ``names`` and ``out``.

        None for custom ops and for an n-ary op with a bulk partial (call :meth:`partials`).
        """
        if self._forward_t is None or self._bulk is not None:
            return None
        if self.nary:
            n = len(names)
            return ["(" + self._each_expr(i, names, out) + ")" for i in range(n)]
        self._check_count(names)
        fill = dict(zip(self.params, names, strict=True))
        fill["out"] = out
        assert self._partial_t is not None
        return ["(" + t.format(**fill) + ")" for t in self._partial_t]

    def partial_text(self, i: int, names: Sequence[str], out: str) -> str | None:
        """d out / d names[i] as the row writes it, for people (:func:`autograd.explain`):
        ``names`` and ``out`` stand in for the arguments and the output. An n-ary op gives its
        per-argument template even where a bulk partial computes the same derivative more
        exactly (logsumexp), and reads only ``names[i]``, its partner and ``len(names)``.
        None for a custom op, whose derivatives are the user's functions."""
        if self._forward_t is None:
            return None
        if self.nary:
            return self._each_expr(i, names, out)
        self._check_count(names)
        assert self._partial_t is not None
        return self._partial_t[i].format(**dict(zip(self.params, names, strict=True)), out=out)

    def bulk_expr(self, args: str, out: str) -> str | None:
        """All partials at once as one expression giving a sequence, over the identifier
        ``args`` (a tuple or list of the arguments) and ``out``; None for custom ops."""
        if self._forward_t is None:
            return None
        if self.nary:
            if self.paired:
                half = f"len({args}) // 2"
                return self.paired_bulk_expr(f"{args}[:{half}]", f"{args}[{half}:]", out)
            return self._bulk_source(args, out)
        names = [f"{args}[{i}]" for i in range(len(self.params))]
        exprs = self.partial_exprs(names, out)
        assert exprs is not None
        return _tuple_expr(exprs)

    def sequence_forward_expr(self, *sequences: str) -> str | None:
        """An n-ary op's forward over identifiers of whole sequences (no tuple display): one
        sequence of all arguments, or a paired op's two halves."""
        if self._forward_t is None or not self.nary:
            return None
        if self.paired:
            xs, ys = sequences
            return self._forward_t.format(xs=xs, ys=ys)
        (args,) = sequences
        return self._forward_t.format(args=args)

    def paired_bulk_expr(self, xs: str, ys: str, out: str) -> str | None:
        """A paired op's partials at once, over the identifiers of its two halves."""
        halves = self.paired_half_exprs(xs, ys, out)
        if halves is None:
            return None
        return f"(*{halves[0]}, *{halves[1]})"

    def paired_half_exprs(self, xs: str, ys: str, out: str) -> tuple[str, str] | None:
        """A paired op's partials for each half (sequences), over the identifiers of its two
        halves: for dot, the other half itself (no copy)."""
        if self._forward_t is None or not self.paired:
            return None
        each = str(self._each)
        if each.strip() == "{other}":
            return ys, xs
        n = f"2 * len({xs})"
        return (
            f"[{each.format(x='x_', other='o_', n=n, out=out)} for x_, o_ in zip({xs}, {ys})]",
            f"[{each.format(x='x_', other='o_', n=n, out=out)} for x_, o_ in zip({ys}, {xs})]",
        )

    def _each_expr(self, i: int, names: Sequence[str], out: str) -> str:
        n = len(names)
        half = n // 2
        other = "None"
        if self.paired:
            other = names[i + half] if i < half else names[i - half]
        return str(self._each).format(x=names[i], other=other, n=str(n), out=out)

    def _bulk_source(self, args: str, out: str) -> str:
        """An n-ary op's bulk partial as source: its ``bulk`` template, or the per-argument
        template mapped over the arguments (a constant computed once, a paired op's partner
        half swapped in)."""
        if self._bulk is not None:
            return self._bulk.format(args=args, out=out)
        each = str(self._each)
        n = f"len({args})"
        if "{x}" not in each and "{other}" not in each:
            return f"[{each.format(x='', other='', n=n, out=out)}] * {n}"
        other = f"[None] * {n}"
        body = each.format(x="x_", other="o_", n=n, out=out)
        return f"[{body} for x_, o_ in zip({args}, {other})]"

    def _check_count(self, names: Sequence[str]) -> None:
        if len(names) != len(self.params):
            raise TypeError(f"op {self.name!r} takes {len(self.params)} names, got {len(names)}")

    # -- what the engine calls -----------------------------------------------------------------

    def partial(self, i: int, args: Sequence[Any], out: Any) -> Any:
        """d out / d args[i], as a float or (on Values) a differentiable Value."""
        if self.custom:
            return self._derivatives[i](*args)
        if self.nary:
            n = len(args)
            if self._bulk is not None:  # more exact than the template, on Values too
                return self.partials(args, out)[i]
            half = n // 2
            other = (args[i + half] if i < half else args[i - half]) if self.paired else None
            return self._partial_fns[0](args[i], other, n, out)
        return self._partial_fns[i](*args, out)

    def partials(self, args: Sequence[Any], out: Any) -> Sequence[Any]:
        """Every local derivative at once, in argument order."""
        if self.custom:
            return [d(*args) for d in self._derivatives]
        assert self._partials_fn is not None
        if self.nary:
            return self._partials_fn(args, out)
        return self._partials_fn(*args, out)

    @property
    def bulk(self) -> bool:
        """True for an op whose partials come from its bulk expression (logsumexp's softmax),
        more exact than its per-argument template (which shows people the formula), on floats
        and on Values alike."""
        return self._bulk is not None

    @property
    def rule(self) -> str:
        """The local derivatives as written in the table (the documentation's op list shows them)."""
        if self.custom:
            return ""
        if self.nary:
            text = str(self._each).format(x="x_i", other="y_i", n="n", out="out")
            if self.paired:
                return f"{text} for x_i, and x_i for y_i"
            return f"{text} for each x_i"
        assert self._partial_t is not None
        return "; ".join(
            t.format(**{p: p for p in self.params}, out="out") for t in self._partial_t
        )

    def __repr__(self) -> str:
        return f"<op {self.name}>"

    def __reduce__(self) -> Any:
        # A built-in op pickles (and deep-copies) as its name: the table's own record comes
        # back. A custom op pickles its defining arguments, so its functions must be
        # importable ones.
        if OPS.get(self.name) is self:
            return (builtin_op, (self.name,))
        return (
            _custom_op_record,
            (self.name, self.forward, self._derivatives, self.symbol, self.domain, self.doc),
        )


def builtin_op(name: str) -> Op:
    """The built-in op called ``name`` (KeyError for an unknown name)."""
    return OPS[name]


def _custom_op_record(
    name: str, forward: Callable[..., float], derivatives: Sequence[Callable[..., Any]],
    symbol: str, domain: str, doc: str,
) -> Op:
    return Op(name, forward, derivatives, symbol=symbol, domain=domain, doc=doc)


# ---------------------------------------------------------------------------------------------
# The table. Each row: name, argument names, forward, one local derivative per argument.
# ---------------------------------------------------------------------------------------------

_XY = ("x", "y")
_X = ("x",)

TABLE: tuple[Op, ...] = (
    # -- one argument ------------------------------------------------------------------------
    Op.row("neg", _X, "-{x}", ("-1.0",), method="__neg__", symbol="-", doc="-x"),
    Op.row(
        "abs", _X, "abs({x})", ("1.0 if {x} > 0.0 else (-1.0 if {x} < 0.0 else 0.0)",),
        method="__abs__", function="abs", valid=_away_from_zero, doc="absolute value of x",
    ),
    Op.row(
        "exp", _X, "math_exp({x})", ("{out}",), method="exp", function="exp",
        domain="x <= 709.78 (larger overflows)", valid=_exp_ok, doc="e ** x",
    ),
    Op.row("log", _X, "math_log({x})", ("recip({x})",), method="log", function="log",
           domain="x > 0", valid=_positive, doc="ln x"),
    Op.row("sqrt", _X, "math_sqrt({x})", ("0.5 * recip({out})",), method="sqrt",
           function="sqrt", domain="x >= 0", valid=_positive, doc="x ** 0.5"),
    Op.row("tanh", _X, "math_tanh({x})", ("1.0 - {out} * {out}",), method="tanh",
           function="tanh", doc="tanh x"),
    Op.row("sigmoid", _X, "sigmoid_f({x})", ("{out} * (1.0 - {out})",), method="sigmoid",
           function="sigmoid", doc="1 / (1 + e**-x), stable"),
    Op.row(
        # "not x <= 0" rather than "x > 0" in the forward: relu(nan) is nan, as in PyTorch.
        "relu", _X, "0.0 if {x} <= 0.0 else {x}", ("1.0 if {x} > 0.0 else 0.0",),
        method="relu", function="relu", valid=_away_from_zero, doc="max(x, 0); nan stays nan",
    ),
    Op.row("softplus", _X, "softplus_f({x})", ("sigmoid({x})",), method="softplus",
           function="softplus", doc="log(1 + e**x), stable"),
    Op.row("sin", _X, "math_sin({x})", ("cos({x})",), method="sin", function="sin",
           domain="finite x", doc="sin x"),
    Op.row("cos", _X, "math_cos({x})", ("-sin({x})",), method="cos", function="cos",
           domain="finite x", doc="cos x"),
    # -- two arguments -----------------------------------------------------------------------
    Op.row("add", _XY, "{x} + {y}", ("1.0", "1.0"), method="__add__", reflected="__radd__",
           symbol="+", doc="x + y"),
    Op.row("sub", _XY, "{x} - {y}", ("1.0", "-1.0"), method="__sub__", reflected="__rsub__",
           symbol="-", doc="x - y"),
    Op.row("mul", _XY, "{x} * {y}", ("{y}", "{x}"), method="__mul__", reflected="__rmul__",
           symbol="*", doc="x * y"),
    Op.row(
        "div", _XY, "{x} / {y}", ("recip({y})", "-{out} * recip({y})"),
        method="__truediv__", reflected="__rtruediv__",
        symbol="/", domain="y != 0", valid=_div_ok, doc="x / y",
    ),
    Op.row(
        "pow", _XY, "math_pow({x}, {y})",
        (
            "0.0 if {y} == 0.0 and {x} == 0.0 else {y} * power({x}, {y} - 1.0)",
            # (x >= 0 once x > 0 failed is x == 0: a comparison, which jit's traces guard; on a
            # Value, == is identity and float() is refused inside a trace. So on Values the
            # first row is always y * x ** (y - 1), and on floats it is the same but at 0 ** 0,
            # whose nan the differentiable pass replaces by this 0.0: jvp and jit(jvp) agree to
            # the sign of a zero exponent's zero.)
            "{out} * log({x}) if {x} > 0.0 else (0.0 if {x} >= 0.0 and {y} >= 0.0 else nan)",
        ),
        method="__pow__", reflected="__rpow__",
        symbol="**", domain="x > 0, or x == 0 with y >= 0, or x < 0 with integer y",
        valid=_pow_ok, doc="x ** y",
    ),
    Op.row(
        "leaky_relu", ("x", "slope"), "{x} if {x} > 0.0 else {slope} * {x}",
        ("1.0 if {x} > 0.0 else {slope}", "0.0 if {x} > 0.0 else {x}"),
        method="leaky_relu", function="leaky_relu", defaults={"slope": 0.01},
        valid=_away_from_zero, doc="x if x > 0 else slope * x",
    ),
    # -- any number of arguments: one node however many --------------------------------------
    Op.row("sum", (), "sum_f({args})", "1.0", function="sum",
           doc="x1 + ... + xn (exactly rounded)"),
    Op.row("mean", (), "mean_f({args})", "1.0 / {n}", function="mean",
           domain="at least one input", doc="(x1 + ... + xn) / n"),
    Op.row(
        "dot", (), "dot_f({xs}, {ys})", "{other}", paired=True, function="dot",
        domain="two sequences of equal length", doc="x1*y1 + ... + xn*yn",
    ),
    Op.row(
        "logsumexp", (), "logsumexp_f({args})", "exp({x} - {out})",
        bulk="softmax_f({args}, {out})", function="logsumexp",
        domain="at least one input", doc="log(e**x1 + ... + e**xn), stable",
    ),
)
"""Every built-in op, one row each: the only place a primitive is declared (its forward, its
local derivatives, how users call it). Everything else follows from here: ``Value``'s methods
(:mod:`autograd.core.node`), the module-level functions (:mod:`autograd.core.functions`),
their type stubs and the package's ``__all__`` (generated text, checked by a test), the
documentation's op list, the op tests' sweeps and the hypothesis strategies."""

OPS: dict[str, Op] = {op.name: op for op in TABLE}
"""Every built-in op by name."""
UNARY: tuple[Op, ...] = tuple(op for op in TABLE if op.arity == 1)
BINARY: tuple[Op, ...] = tuple(op for op in TABLE if op.arity == 2)
NARY: tuple[Op, ...] = tuple(op for op in TABLE if op.nary)


_UNARY_OPERATORS = {"__neg__": "-x", "__pos__": "+x", "__abs__": "abs(x)"}


def call_text(op: Op) -> str:
    """How a user calls ``op``, as code: ``x + y``, ``x.exp()``, ``dot(xs, ys)``."""
    if op.nary:
        return f"{op.function}(xs, ys)" if op.paired else f"{op.function}(xs)"
    method = op.method or ""
    if method in _UNARY_OPERATORS:
        return _UNARY_OPERATORS[method]
    if method.startswith("__"):
        return f"x {op.symbol} y"
    if method:
        args = ", ".join(f"{p}={v!r}" for p, v in op.defaults.items())
        return f"x.{method}({args})"
    return f"{op.function}({', '.join(op.params)})"


def markdown_table() -> str:
    """The op table as Markdown: the documentation's op list is generated from this."""
    rows = [
        "| op | call | computes | local derivatives (as written in the table) | domain |",
        "| --- | --- | --- | --- | --- |",
    ]
    for op in TABLE:
        rule = op.rule.replace("|", "\\|")
        rows.append(f"| `{op.name}` | `{call_text(op)}` | {op.doc} | `{rule}` | {op.domain} |")
    return "\n".join(rows) + "\n"
