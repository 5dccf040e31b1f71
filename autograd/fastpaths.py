"""Source text of the engine's fast paths, built from the op table's rows.

Every specialised path (the operators, the elementary methods, the n-ary ops and a layer's
``matvec``) is Python text assembled here from a row's :meth:`~autograd.ops.Op.forward_expr`
and :meth:`~autograd.ops.Op.partial_exprs` (or its bulk partial) and from identifiers of this
package; :func:`autograd.node.compile_function` compiles it. Nothing a user writes enters it.
:func:`build_source` is the one text that fills a node: every generated builder uses it, so
the node's layout (documented in :mod:`autograd.node`) is written out in one place.
"""

from __future__ import annotations

from collections.abc import Sequence

from .ops import Op

__all__ = ["INIT", "LAYOUT", "MAKE", "binary_source", "build_source", "dot_source",
           "nary_source", "unary_source"]

LAYOUT = ("data", "grad", "label", "_op", "_p0", "_d0", "_p1", "_d1", "_c", "_many", "_g")
"""The node's slots, in the order :func:`build_source` fills them (meanings: autograd.node)."""

_DEFAULTS = {
    "grad": "0.0", "label": '""', "_p0": "None", "_d0": "0.0", "_p1": "None", "_d1": "0.0",
    "_c": "None", "_many": "None", "_g": "None",
}


def build_source(indent: str, node: str, **fields: str) -> str:
    """Source that fills every slot of ``node`` (already allocated) from expressions; the
    slots not given take their empty value."""
    values = _DEFAULTS | fields
    return "".join(f"{indent}{node}.{slot} = {values[slot]}\n" for slot in LAYOUT)


def _fast_path(op: Op, indent: str, names: Sequence[str], args: str, **fields: str) -> str:
    """The body every generated operator shares: the forward from the table row (domain
    errors named), the mode check (any mode but the default goes through the generic path
    with the op's arguments ``args``), then the node."""
    inputs = ", ".join(names)
    return (
        f"{indent}try:\n{indent}    data = {op.forward_expr(names)}\n"
        f"{indent}except ARITH as exc:\n"
        f"{indent}    raise domain_error(OP, ({inputs},), exc) from None\n"
        f"{indent}mode = mode_get()\n"
        f"{indent}if mode is not RECORD:\n"
        f"{indent}    return slow(mode, OP, data, {args})\n"
        f"{indent}node = new(Value)\n"
        + build_source(indent, "node", data="data", _op="OP", **fields)
        + f"{indent}return node\n"
    )


def binary_source(op: Op, name: str, reflected: bool = False, default: str = "") -> str:
    """``self <op> other`` (``other <op> self`` when reflected) from the table row: Value and
    Value, Value and float or int, each with the row's forward and partials inlined."""
    d0, d1 = op.partial_exprs(["x", "y"], "data") or ("", "")
    xy = ["x", "y"]
    # An operator answers NotImplemented to an operand it does not take (Python then asks
    # the other operand); a plain method (leaky_relu) raises apply's TypeError instead.
    fallback = "other_operand" if name.startswith("__") else "apply"
    source = f"def {name}(self, other{default}):\n"
    if reflected:
        return source + (
            "    if type(other) is float or type(other) is int:\n"
            "        x = other if type(other) is float else constant(other, OP)\n"
            "        y = self.data\n"
            + _fast_path(op, "        ", xy, "(x, self)", _p1="self", _d1=d1, _c="x")
            + "    return other_operand(OP, (other, self))\n"
        )
    return source + (
        "    if type(other) is Value:\n"
        "        x = self.data\n"
        "        y = other.data\n"
        + _fast_path(op, "        ", xy, "(self, other)", _p0="self", _d0=d0, _p1="other",
                     _d1=d1)
        + "    if type(other) is float or type(other) is int:\n"
        "        x = self.data\n"
        "        y = other if type(other) is float else constant(other, OP)\n"
        + _fast_path(op, "        ", xy, "(self, y)", _p0="self", _d0=d0, _c="y")
        + f"    return {fallback}(OP, (self, other))\n"
    )


def unary_source(op: Op, name: str) -> str:
    """``self.<op>()`` from the table row."""
    (d0,) = op.partial_exprs(["x"], "data") or ("",)
    return f"def {name}(self):\n    x = self.data\n" + _fast_path(
        op, "    ", ["x"], "(self,)", _p0="self", _d0=d0
    )


MAKE = (
    "def make(op, data, p0, d0, p1, d1, c, many):\n"
    "    node = new(Value)\n"
    + build_source("    ", "node", data="data", _op="op", _p0="p0", _d0="d0", _p1="p1",
                   _d1="d1", _c="c", _many="many")
    + "    return node\n"
)
"""Any node from its fields: what the generic builders call."""

INIT = (
    "def __init__(self, data, *, label=''):\n"
    "    if type(data) is not float:\n"
    "        data = real(data, 'Value()')\n"
    "    if type(label) is not str:\n"
    "        raise TypeError(f'Value label must be a str, got {type(label).__name__}')\n"
    + build_source("    ", "self", data="data", label="label", _op="None")
    + "    mode = mode_get()\n"
    "    if mode.sites is not None:\n"
    "        mode.sites[id(self)] = (sites_of(), data, None)\n"
    "    tracer = tracer_get()  # jit hook: leaves made inside a trace are its constants\n"
    "    if tracer is not None:\n"
    "        tracer.leaf(self)\n"
)
"""``Value.__init__``: a leaf."""


def nary_source(op: Op) -> str:
    """``name(xs)`` for an n-ary op over one sequence: the row's forward and bulk partial."""
    return (
        f"def {op.name}(xs):\n"
        f"    xs = as_sequence(xs, {op.name!r})\n"
        f"    datas, mask, consts = split(xs, {op.name!r})\n"
        "    try:\n"
        f"        data = {op.sequence_forward_expr('datas')}\n"
        "    except ARITH as exc:\n"
        "        raise domain_error(OP, datas, exc) from None\n"
        "    mode = mode_get()\n"
        "    if not mode.record:\n"
        "        return leaf(data)\n"
        f"    return nary(mode, OP, data, xs, mask, consts, {op.bulk_expr('datas', 'data')})\n"
    )


def _many(indent: str, parents: str, partials: str, consts: str, out: str = "append") -> str:
    """The node of a dot over n > 1 pairs (three or more arguments), built inline in the
    default mode (other modes, and n = 1, take the generic builder), handed to ``out``
    (``append``, or ``return``)."""
    give = "return " if out == "return" else f"{out}("
    end = "" if out == "return" else ")"
    return (
        f"{indent}ps = {parents}\n"
        f"{indent}ds = {partials}\n"
        f"{indent}if mode is RECORD and n > 1:\n"
        f"{indent}    node = new(Value)\n"
        + build_source(f"{indent}    ", "node", data="data", _op="OP",
                       _many=f"(ps, ds, {consts})")
        + f"{indent}    {give}node{end}\n"
        f"{indent}else:\n"
        f"{indent}    {give}link(OP, data, ps, ds, {consts}, mode){end}\n"
    )


def dot_source(op: Op) -> str:
    """``dot(xs, ys)`` and ``matvec(rows, xs)`` (a layer: one ``dot`` node per row, the
    shared input split once) for a paired op."""
    forward = op.sequence_forward_expr("xd", "yd")
    bulk = op.paired_bulk_expr("xd", "yd", "data")
    row_half, input_half = op.paired_half_exprs("xd", "yd", "data") or ("", "")
    return (
        "def dot(xs, ys):\n"
        "    if type(xs) is not list and type(xs) is not tuple:\n"
        "        xs = as_sequence(xs, 'dot')\n"
        "    if type(ys) is not list and type(ys) is not tuple:\n"
        "        ys = as_sequence(ys, 'dot')\n"
        "    n = len(xs)\n"
        "    if len(ys) != n:\n"
        "        raise ValueError(f'dot: sequences of unequal length ({n} and {len(ys)})')\n"
        "    x_types = set(map(type, xs))\n"
        "    if x_types == JUST_VALUE:  # the common calls: Values times Values or floats\n"
        "        y_types = set(map(type, ys))\n"
        "        if y_types == JUST_VALUE or y_types == JUST_FLOAT:\n"
        "            xd = list(map(data_of, xs))\n"
        "            yd = ys if y_types == JUST_FLOAT else list(map(data_of, ys))\n"
        f"            data = {forward}\n"
        "            mode = mode_get()\n"
        "            if not mode.record:\n"
        "                return leaf(data)\n"
        "            if y_types == JUST_VALUE:\n"
        + _many("                ", "(*xs, *ys)", f"(*{row_half}, *{input_half})", "None",
                "return")
        + _many("            ", "tuple(xs)", f"tuple({row_half})", "(range(n, 2 * n), tuple(ys))",
                "return")
        + "    xd, xmask, xconsts = split(xs, 'dot')\n"
        "    yd, ymask, yconsts = split(ys, 'dot')\n"
        f"    data = {forward}\n"
        "    mode = mode_get()\n"
        "    if not mode.record:\n"
        "        return leaf(data)\n"
        "    if xmask is None and ymask is None:\n"
        f"        return link(OP, data, (*xs, *ys), (*{row_half}, *{input_half}), None, mode)\n"
        "    if xmask is None and True not in ymask:  # Values times constants\n"
        f"        return link(OP, data, tuple(xs), tuple({row_half}), shift(yconsts, n), mode)\n"
        "    if ymask is None and True not in xmask:  # constants times Values\n"
        f"        return link(OP, data, tuple(ys), tuple({input_half}), xconsts, mode)\n"
        f"    partials = {bulk}\n"
        "    return nary(mode, OP, data, *join(xs, xmask, xconsts, ys, ymask, yconsts), partials)\n"
        "\n"
        "def matvec(rows, xs, *, rows_are_values=False):\n"
        "    xs = as_sequence(xs, 'matvec')\n"
        "    n = len(xs)\n"
        "    yd, ymask, yconsts = split(xs, 'matvec')\n"
        "    if ymask is not None:  # the shared input's Values and constants, once for all rows\n"
        "        y_values = tuple(compress(xs, ymask))\n"
        "        y_consts = shift(yconsts, n)\n"
        "    mode = mode_get()\n"
        "    out = []\n"
        "    append = out.append\n"
        "    for row in rows:\n"
        "        if type(row) is not list and type(row) is not tuple:\n"
        "            row = as_sequence(row, 'matvec')\n"
        "        if len(row) != n:\n"
        "            raise ValueError(f'matvec: a row of length {len(row)} for {n} inputs')\n"
        "        if rows_are_values:\n"
        "            xd = list(map(data_of, row))\n"
        "            xmask = xconsts = None\n"
        "        else:\n"
        "            xd, xmask, xconsts = split(row, 'matvec')\n"
        f"        data = {forward}\n"
        "        if not mode.record:\n"
        "            append(leaf(data))\n"
        "            continue\n"
        "        if xmask is not None:\n"
        f"            partials = {bulk}\n"
        "            append(nary(mode, OP, data, *join(row, xmask, xconsts, xs, ymask, yconsts),\n"
        "                        partials))\n"
        "        elif ymask is None:\n"
        + _many("            ", "(*row, *xs)", f"(*{row_half}, *{input_half})", "None")
        + "        elif y_values:  # a row of Values: its partials, then the input's Values'\n"
        + _many("            ", "(*row, *y_values)",
                f"(*{row_half}, *compress({input_half}, ymask))", "y_consts")
        + "        else:  # a constant input (the first layer): the row's partials only\n"
        + _many("            ", "row if type(row) is tuple else tuple(row)", row_half,
                "y_consts")
        + "    return out\n"
    )
