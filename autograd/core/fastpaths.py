"""Source text of the engine's fast paths, built from the op table's rows.

Every generated function (``Value``'s operators and elementary methods, the module-level
functions of the table's rows, the n-ary ops) is Python text assembled here from a row's
:meth:`~autograd.core.ops.Op.forward_expr` and :meth:`~autograd.core.ops.Op.partial_exprs` (or
its bulk partial), its parameter names and defaults, and from identifiers of this package;
:func:`autograd.core.node.compile_function` compiles it. Nothing a user writes enters it.
:func:`build_source` is the one text that fills a node: every generated builder uses it, so
the node's layout (:mod:`autograd.core.layout`) is written out in one place.

The helpers generated text calls are named as they are defined (``_slow``, ``apply``,
``creation_site``, ...: see ``autograd.core.node``'s namespace), so a name read in a traceback leads
to its definition. The two exceptions are bound methods looked up once: ``mode_get`` is
``MODE.get`` and ``tracer_get`` is ``TRACER.get`` (:mod:`autograd.core.modes`).
"""

from __future__ import annotations

from collections.abc import Sequence

from .layout import EMPTY
from .ops import Op

__all__ = ["INIT", "MAKE", "MAKE_MANY", "binary_source", "build_source", "function_source",
           "nary_source", "unary_source"]


def build_source(indent: str, node: str, **fields: str) -> str:
    """Source that fills every slot of ``node`` (already allocated) from expressions; the
    slots not given take their empty value."""
    values = EMPTY | fields
    return "".join(f"{indent}{node}.{slot} = {value}\n" for slot, value in values.items())


def _docstring(indent: str, text: str) -> str:
    return f"{indent}{text!r}\n"


def method_doc(op: Op) -> str:
    """The docstring of ``op``'s ``Value`` methods."""
    return f"{op.doc} (the op table's {op.name!r})."


def function_doc(op: Op) -> str:
    """The docstring of ``op``'s module-level function."""
    if op.nary:
        return (f"{op.doc}, as one node however many inputs (Values and real numbers, mixed); "
                f"domain: {op.domain} (the op table's {op.name!r}).")
    return f"{op.doc}, for a Value or a real number (the op table's {op.name!r})."


def _fast_path(op: Op, indent: str, names: Sequence[str], args: str, **fields: str) -> str:
    """The body every generated operator shares: the forward from the table row (domain
    errors named), the mode check (any mode but the default goes through the generic path
    with the op's arguments ``args``), then the node."""
    inputs = ", ".join(names) + ("," if len(names) == 1 else "")
    return (
        f"{indent}try:\n{indent}    data = {op.forward_expr(names)}\n"
        f"{indent}except ARITH as exc:\n"
        f"{indent}    raise domain_error(OP, ({inputs}), exc) from None\n"
        f"{indent}mode = mode_get()\n"
        f"{indent}if mode is not RECORD:\n"
        f"{indent}    return _slow(mode, OP, data, {args})\n"
        f"{indent}node = _new(Value)\n"
        + build_source(indent, "node", data="data", _primitive="OP", **fields)
        + f"{indent}return node\n"
    )


_LOCALS = {"self", "x", "y", "data", "mode", "node", "exc"}
"""The local names of a generated method's body."""


def parameters(op: Op, method: str | None = None) -> list[tuple[str, str]]:
    """The parameters of a row's generated ``method`` (``self`` apart) or, without one, of its
    module-level function: ``(name, default as source text or "")`` each. An operator's
    operand is ``other``; a named method's and a function's are the row's own (``slope``),
    with the row's defaults. (The type stubs are written from this too.)"""
    params = op.params if method is None else op.params[1:]
    declared = []
    for param in params:
        name = "other" if method is not None and method.startswith("__") else param
        if method is not None and name in _LOCALS:
            raise ValueError(
                f"op {op.name!r}: the argument name {name!r} is a local name of the generated "
                f"method {method}; name it otherwise (not {', '.join(sorted(_LOCALS))})"
            )
        default = repr(op.defaults[param]) if param in op.defaults else ""
        declared.append((name, default))
    return declared


def _declared(params: list[tuple[str, str]]) -> str:
    return ", ".join(f"{name}={default}" if default else name for name, default in params)


def binary_source(op: Op, name: str, reflected: bool = False) -> str:
    """``self <op> other`` (``other <op> self`` when reflected) from the table row: Value and
    Value, Value and float or int, each with the row's forward and partials inlined."""
    d0, d1 = op.partial_exprs(["x", "y"], "data") or ("", "")
    xy = ["x", "y"]
    [(other, _)] = params = parameters(op, name)
    # An operator answers NotImplemented to an operand it does not take (Python then asks
    # the other operand); a plain method (leaky_relu) raises apply's TypeError instead.
    fallback = "_other_operand" if name.startswith("__") else "apply"
    source = f"def {name}(self, {_declared(params)}):\n" + _docstring("    ", method_doc(op))
    if reflected:
        return source + (
            f"    if type({other}) is float or type({other}) is int:\n"
            f"        x = {other} if type({other}) is float else _constant({other}, OP)\n"
            "        y = self.data\n"
            + _fast_path(op, "        ", xy, "(x, self)", _p1="self", _d1=d1, _c="x")
            + f"    return _other_operand(OP, ({other}, self))\n"
        )
    return source + (
        f"    if type({other}) is Value:\n"
        "        x = self.data\n"
        f"        y = {other}.data\n"
        + _fast_path(op, "        ", xy, f"(self, {other})", _p0="self", _d0=d0, _p1=other,
                     _d1=d1)
        + f"    if type({other}) is float or type({other}) is int:\n"
        "        x = self.data\n"
        f"        y = {other} if type({other}) is float else _constant({other}, OP)\n"
        + _fast_path(op, "        ", xy, "(self, y)", _p0="self", _d0=d0, _c="y")
        + f"    return {fallback}(OP, (self, {other}))\n"
    )


def unary_source(op: Op, name: str) -> str:
    """``self.<op>()`` from the table row."""
    (d0,) = op.partial_exprs(["x"], "data") or ("",)
    return (
        f"def {name}(self):\n" + _docstring("    ", method_doc(op)) + "    x = self.data\n"
        + _fast_path(op, "    ", ["x"], "(self,)", _p0="self", _d0=d0)
    )


def function_source(op: Op) -> str:
    """``<function>(x, ...)`` for a row of one or two arguments: its method on a Value, the
    generic path (:func:`autograd.core.node.apply`) on a real number."""
    params = parameters(op)
    names = [name for name, _ in params]
    first, rest = names[0], ", ".join(names[1:])
    source = f"def {op.function}({_declared(params)}):\n" + _docstring("    ", function_doc(op))
    if op.method is not None:
        source += f"    if isinstance({first}, Value):\n        return {first}.{op.method}({rest})\n"
    return source + f"    return apply(OP, ({', '.join(names)},))\n"


MAKE = (
    "def make(op, data, p0, d0, p1, d1, c, many):\n"
    "    'A node from its fields (the layout: autograd.core.layout).'\n"
    "    node = _new(Value)\n"
    + build_source("    ", "node", data="data", _primitive="op", _p0="p0", _d0="d0", _p1="p1",
                   _d1="d1", _c="c", _many="many")
    + "    return node\n"
)
"""Any node from its fields: what the generic builders call."""

MAKE_MANY = (
    "def make_many(op, data, many):\n"
    "    'A node of three or more arguments: many is (parents, partials, constants).'\n"
    "    node = _new(Value)\n"
    + build_source("    ", "node", data="data", _primitive="op", _many="many")
    + "    return node\n"
)
"""A node of three or more arguments, ``many`` being ``(parents, partials, constants)``: what
``dot`` and ``matvec`` build in the default mode (a layer makes one per row)."""

INIT = (
    "def __init__(self, data, *, label=''):\n"
    "    if type(data) is not float:\n"
    "        data = real(data, 'Value()')\n"
    "    if type(label) is not str:\n"
    "        raise TypeError(f'Value label must be a str, got {type(label).__name__}')\n"
    + build_source("    ", "self", data="data", label="label")
    + "    mode = mode_get()\n"
    "    if mode.sites is not None:\n"
    "        mode.sites[id(self)] = (creation_site(), data, None)\n"
    "    tracer = tracer_get()  # jit hook: leaves made inside a trace are its constants\n"
    "    if tracer is not None:\n"
    "        tracer.leaf(self)\n"
)
"""``Value.__init__``: a leaf."""


def nary_source(op: Op) -> str:
    """``<function>(xs)`` for an n-ary op over one sequence: the row's forward and bulk
    partial."""
    name = op.function
    return (
        f"def {name}(xs):\n" + _docstring("    ", function_doc(op))
        + f"    xs = _as_sequence(xs, {name!r})\n"
        f"    datas, mask, consts = _split(xs, {name!r})\n"
        "    try:\n"
        f"        data = {op.sequence_forward_expr('datas')}\n"
        "    except ARITH as exc:\n"
        "        raise domain_error(OP, datas, exc) from None\n"
        "    mode = mode_get()\n"
        "    if not mode.record:\n"
        "        return leaf(data)\n"
        f"    return nary(mode, OP, data, xs, mask, consts, {op.bulk_expr('datas', 'data')})\n"
    )
