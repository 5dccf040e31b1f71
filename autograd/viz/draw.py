"""Drawing a computation graph: ``Value`` nodes to Graphviz DOT, and DOT to SVG.

:func:`draw_dot` walks the graph that reaches a root (iteratively: a chain of 100,000 nodes
draws at the default recursion limit) and returns a :class:`Drawing`, a ``graphviz.Digraph``
whose ``.source``, ``.render`` and ``.pipe`` behave as usual and which displays itself in
Jupyter through :func:`to_svg`, so it needs no system Graphviz.

The output is a function of the graph alone: nodes are named by their position in a walk that
follows parents in argument order (never by ``id()``), so the same graph gives the same DOT
text, byte for byte, in every process.

Labels are user text, and DOT is a language: a label reading ``"]; evil -> x; "`` must not
become an edge, ``{a|b}`` must not split a record into fields, ``\\N`` must not turn into the
node's name, and ``<script>`` must not become an SVG element. Labels are Graphviz *record*
labels escaped character by character (see :func:`_escape`); HTML-like labels would be simpler
to escape, but the WebAssembly Graphviz is built without the XML parser they need and silently
draws the node's name instead. Characters XML cannot carry (control characters, lone
surrogates) are shown as visible escapes, and labels longer than :data:`LABEL_LIMIT`
characters are shortened with an ellipsis.
"""

from __future__ import annotations

import math
import os
import re
import shutil
from collections.abc import Iterable, Iterator
from typing import Any

import graphviz

from ..engine import Value, arguments
from .render import render_svg, write_atomic

__all__ = ["DEFAULT_MAX_NODES", "LABEL_LIMIT", "Drawing", "draw_dot", "to_svg"]

#: ``max_nodes=None`` draws at most this many Values. Graphviz's layout time grows faster than
#: linearly and a drawing of thousands of nodes is unreadable, so an uncapped default would
#: turn "draw my network's loss" into a frozen notebook. Pass ``max_nodes=math.inf`` for all.
DEFAULT_MAX_NODES = 500

#: Longest label shown, in characters; longer ones end in an ellipsis.
LABEL_LIMIT = 48

_RANKDIRS = ("LR", "RL", "TB", "BT")
_FONT = "Helvetica"

# Node kinds: (outline colour, fill colour).
_STYLE = {
    "output": ("#2e7d32", "#dcedc8"),
    "parameter": ("#c62828", "#ffcdd2"),
    "leaf": ("#1565c0", "#bbdefb"),
    "inner": ("#616161", "#ffffff"),
}
_OP_STYLE = 'shape=oval fillcolor="#eeeeee" fontsize=10 height=0.3 margin="0.04,0.02"'
_CUT_STYLE = 'shape=box style="dashed,rounded" color="#757575" fontcolor="#424242"'
_SHADE_RGB = (255, 143, 0)  # full-strength gradient colour (amber); zero gradient is white
_SHADE_NAN = "#bdbdbd"  # NaN gradients: grey

# Characters XML 1.0 cannot contain (or that render invisibly and confuse): C0 and C1 control
# characters other than newline, surrogates, and the two non-characters U+FFFE/FFFF.
_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

# Escapes inside a quoted DOT string holding a record label. In order of the pipeline that
# reads it: the DOT lexer turns \" into "; Graphviz then expands \N, \G, \L... to object
# names and decodes HTML entities (&lt; &#1;); the record parser splits on { } | and reads
# < > as port markers; and the line breaker reads \n, \l, \r. A backslash before any of
# these characters makes it literal, a doubled backslash is one backslash, and "&amp;" is
# one ampersand, so no user character reaches any stage with a meaning. A backslash before a
# space makes it a hard space, which keeps runs of spaces. (Both renderers are verified by
# tests that read the text back out of the SVG.)
_ESCAPES = {ord("\\"): "\\\\", ord("\n"): "\\n", ord("&"): "&amp;", ord('"'): '\\"'}
_ESCAPES.update({ord(c): "\\" + c for c in "{}|<> "})


# ---------------------------------------------------------------------------------------------
# Text: user strings to escaped label text.
# ---------------------------------------------------------------------------------------------

def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _escape(text: str, limit: int = LABEL_LIMIT) -> str:
    r"""User text as a literal field of a Graphviz record label (also fine in plain labels).

    >>> print(_escape(r'a{b}|"c"\N'))
    a\{b\}\|\"c\"\\N
    >>> print(_escape("bell\x07 & line\nbreak"))
    bell\\x07\ &amp;\ line\nbreak
    """
    if len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    text = text.replace("\r\n", "\n").replace("\t", " ")
    return _UNSAFE.sub(_visible, text).translate(_ESCAPES)


def _number(x: float) -> str:
    """A float for a node: 4 decimals in the everyday range, else scientific; nan, inf.

    >>> _number(2.0), _number(-0.12345), _number(1e-9), _number(float("inf"))
    ('2.0000', '-0.1235', '1.000e-09', 'inf')
    """
    if x == 0.0 or 1e-3 <= abs(x) < 1e6 or math.isnan(x) or math.isinf(x):
        return f"{x:.4f}" if math.isfinite(x) else str(x)
    return f"{x:.3e}"


def _grad_float(grad: Any) -> float:
    """``.grad`` as a float: it is a Value after ``backward(create_graph=True)``."""
    return grad.data if isinstance(grad, Value) else float(grad)


def _shade(magnitude: float, largest: float) -> str:
    """Fill colour for a gradient of ``magnitude``: white at 0, amber at ``largest``."""
    if math.isnan(magnitude):
        return _SHADE_NAN
    if largest == 0.0 or math.isinf(largest):
        t = 1.0 if magnitude == largest and largest != 0.0 else 0.0
    else:
        t = min(magnitude / largest, 1.0)
    t = math.sqrt(t)  # lifts small gradients off white so they stay visible
    r, g, b = (round(255 + (c - 255) * t) for c in _SHADE_RGB)
    return f"#{r:02x}{g:02x}{b:02x}"


# ---------------------------------------------------------------------------------------------
# Which nodes to draw, and in what order.
# ---------------------------------------------------------------------------------------------

def _parents(node: Value) -> tuple[Value, ...]:
    return node.parents


def _nearest(root: Value, limit: float) -> tuple[set[Value], int]:
    """The ``limit`` Values nearest ``root`` (breadth-first, parents in argument order), and
    the number of distinct Values in the whole graph."""
    queue = [root]
    seen = {root}
    i = 0
    while i < len(queue):
        for parent in _parents(queue[i]):
            if parent not in seen:
                seen.add(parent)
                queue.append(parent)
        i += 1
    if len(queue) <= limit:
        return seen, len(queue)
    return set(queue[: int(limit)]), len(queue)


def _drawing_order(root: Value, kept: set[Value]) -> list[Value]:
    """The kept Values, each after its kept parents, ``root`` last (iterative DFS)."""
    order: list[Value] = []
    seen = {root}
    stack: list[tuple[Value, Iterator[Value]]] = [(root, iter(_parents(root)))]
    while stack:
        node, todo = stack[-1]
        for parent in todo:
            if parent in kept and parent not in seen:
                seen.add(parent)
                stack.append((parent, iter(_parents(parent))))
                break
        else:
            order.append(node)
            stack.pop()
    return order


def _op_label(node: Value) -> str:
    """The op's symbol from the op table; with the constants mixed in when there were any.

    ``x * y`` shows ``*``; ``3 - x`` shows ``3 - ·`` and ``x.leaky_relu(0.1)`` shows
    ``leaky_relu(·, 0.1)``, where ``·`` stands for a Value argument (drawn as an edge).
    """
    op = node._op
    symbol = op.symbol if op is not None else "?"
    if node._ctx is None:  # every argument a Value: nothing to show but the symbol
        return symbol
    args = arguments(node)
    shown = ["\u00b7" if isinstance(a, Value) else _number(a) for a in args]
    if len(shown) == 2 and not symbol.replace("_", "").isalnum():
        return f"{shown[0]} {symbol} {shown[1]}"
    if len(shown) > 6:
        return f"{symbol}({', '.join(shown[:5])}, \u2026 {len(shown)} args)"
    return f"{symbol}({', '.join(shown)})"


# ---------------------------------------------------------------------------------------------
# The drawing.
# ---------------------------------------------------------------------------------------------

class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` of a computation graph that renders without system Graphviz.

    Everything a ``Digraph`` does works (``.source``, ``.render``, ``.pipe``; the last two
    call the system ``dot`` as usual). Jupyter's inline display goes through :func:`to_svg`,
    which falls back to the embedded WebAssembly Graphviz.

    Attributes:
        values_drawn: how many Values the drawing shows.
        values_omitted: how many Values of the graph were cut by ``max_nodes``.
    """

    values_drawn: int = 0
    values_omitted: int = 0

    def __repr__(self) -> str:
        # Stable across runs (no address), so notebooks re-executed show no spurious diffs.
        cut = f", {self.values_omitted} cut by max_nodes" if self.values_omitted else ""
        return f"<Drawing of {self.values_drawn} Values{cut}>"

    def _repr_mimebundle_(
        self,
        include: Iterable[str] | None = None,
        exclude: Iterable[str] | None = None,
        **kwargs: Any,
    ) -> dict[str, str | bytes]:
        """IPython's display hook: SVG from :func:`to_svg`; PNG/JPEG only with system dot."""
        wanted = set(include) if include is not None else {"image/svg+xml"}
        wanted -= set(exclude or ())
        bundle: dict[str, str | bytes] = {}
        if "image/svg+xml" in wanted:
            bundle["image/svg+xml"] = to_svg(self)
        raster = wanted & {"image/png", "image/jpeg"}
        if raster and shutil.which("dot"):
            bundle.update(super()._repr_mimebundle_(include=raster))
        return bundle

    def _repr_image_svg_xml(self) -> str:
        return to_svg(self)

    def _repr_svg_(self) -> str:
        """SVG for front ends that look for ``_repr_svg_`` rather than the mimebundle."""
        return to_svg(self)


def _check_max_nodes(max_nodes: float | None) -> float:
    if max_nodes is None:
        return DEFAULT_MAX_NODES
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, (int, float)):
        raise TypeError(f"max_nodes must be an int, math.inf or None, got {max_nodes!r}")
    if isinstance(max_nodes, float) and max_nodes != math.inf:
        raise TypeError(f"max_nodes must be an int, math.inf or None, got {max_nodes!r}")
    if max_nodes < 1:
        raise ValueError(f"max_nodes must be at least 1, got {max_nodes!r}")
    return max_nodes


def _param_set(params: Any) -> set[Value]:
    if params is None:
        return set()
    if hasattr(params, "parameters") and callable(params.parameters):
        params = params.parameters()
    return {p for p in params if isinstance(p, Value)}


def draw_dot(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    max_nodes: float | None = None,
    shade: bool = False,
    params: Any = None,
) -> Drawing:
    """Draws the computation graph that produced ``root``.

    Each Value is a record node (label | data | grad); each op is a small oval,
    with an edge from each argument in argument order (``a * a`` has two edges from ``a``)
    and one to its result. Colours tell the kinds apart: the output is green, parameters red,
    other leaves (inputs, constants) blue, intermediate values white.

    Args:
        root: the Value whose graph is drawn.
        rankdir: layout direction: ``"LR"`` (left to right), ``"RL"``, ``"TB"`` or ``"BT"``.
        show_grad: show each Value's ``.grad`` (a Value grad, after
            ``backward(create_graph=True)``, shows its data).
        max_nodes: most Values to draw. ``None`` means :data:`DEFAULT_MAX_NODES`;
            ``math.inf`` draws everything. Over the limit, the Values nearest the root
            (fewest ops away, ties in argument order) are kept, and one dashed node says how
            many were left out, with a dashed edge to every op that lost an argument.
        shade: fill each Value by its gradient magnitude (white at 0, amber at the largest
            drawn ``|grad|``, grey for NaN) instead of by kind; the outline keeps the kind.
        params: the parameters to colour as such: an iterable of Values, or anything with a
            ``parameters()`` method (an ``nn.Module``).

    Returns:
        A :class:`Drawing` (a ``graphviz.Digraph``).

    >>> from autograd import Value
    >>> x = Value(2.0, label="x")
    >>> y = (x * x + 1).tanh()
    >>> g = draw_dot(y)
    >>> g.values_drawn, g.source.count("->")
    (4, 7)
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot expects a Value, got {type(root).__name__}")
    if rankdir not in _RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(_RANKDIRS)}; got {rankdir!r}")
    limit = _check_max_nodes(max_nodes)
    kept, total = _nearest(root, limit)
    order = _drawing_order(root, kept)
    parameters = _param_set(params)
    names = {node: f"v{i}" for i, node in enumerate(order)}
    # A record's top-level fields stack across the rank direction; braces turn them, so that
    # label | data | grad read as one row in every layout.
    horizontal_fields = rankdir in ("LR", "RL")

    largest = 0.0
    if shade:
        magnitudes = [abs(_grad_float(n.grad)) for n in order]
        largest = max((m for m in magnitudes if not math.isnan(m)), default=0.0)

    g = Drawing(
        name="computation_graph",
        graph_attr={"rankdir": rankdir},
        node_attr={"shape": "record", "style": "filled", "fontname": _FONT, "fontsize": "11"},
        edge_attr={"arrowsize": "0.6"},
    )
    g.values_drawn = len(order)
    g.values_omitted = total - len(order)
    # Statements are written straight into the body: every string in them is either ours or
    # passed through _escape, and graphviz's per-attribute quoting would make drawing 100,000
    # nodes take 15 s instead of 1.
    body: list[str] = []
    add = body.append
    cut_ops: list[str] = []
    for node in order:
        name = names[node]
        if node is root:
            kind = "output"
        elif node in parameters:
            kind = "parameter"
        elif node.is_leaf():
            kind = "leaf"
        else:
            kind = "inner"
        outline, fill = _STYLE[kind]
        if shade:
            fill = _shade(abs(_grad_float(node.grad)), largest)
        # "data\\ " is the escaped "data " (a hard space); _number's output needs no escaping.
        fields = [f"data\\ {_number(node.data)}"]
        if node.label:
            fields.insert(0, _escape(node.label))
        if show_grad:
            fields.append(f"grad\\ {_number(_grad_float(node.grad))}")
        record = "|".join(fields)
        if horizontal_fields:
            record = "{" + record + "}"
        width = "1" if kind == "inner" else "2"
        add(f'\t{name} [label="{record}" fillcolor="{fill}" color="{outline}" penwidth={width}]\n')
        if node.is_leaf():
            continue
        op_name = f"{name}_op"
        add(f'\t{op_name} [label="{_escape(_op_label(node))}" {_OP_STYLE}]\n')
        lost = 0
        for parent in _parents(node):
            if parent in kept:
                add(f"\t{names[parent]} -> {op_name}\n")
            else:
                lost += 1
        if lost:
            cut_ops.append(op_name)
        add(f"\t{op_name} -> {name}\n")

    if cut_ops:
        shown = "all" if limit == math.inf else f"{int(limit):,}"
        text = _escape(
            f"{g.values_omitted:,} more Values not drawn\n"
            f"(max_nodes={shown}; {total:,} in the graph)",
            limit=200,
        )
        add(f'\tcut [label="{text}" {_CUT_STYLE}]\n')
        for op_name in cut_ops:
            add(f'\tcut -> {op_name} [style=dashed color="#9e9e9e"]\n')
    g.body.extend(body)
    return g


def to_svg(root_or_digraph: Value | graphviz.Graph | graphviz.Digraph | graphviz.Source,
           path: str | os.PathLike[str] | None = None) -> str:
    """Renders a graph to SVG text, and writes it to ``path`` (atomically) when given.

    Args:
        root_or_digraph: a Value (drawn with :func:`draw_dot`'s defaults) or any ``graphviz``
            graph, e.g. one returned by :func:`draw_dot` with other options.
        path: where to write the SVG (UTF-8), replacing any file there in one rename.

    Returns:
        The SVG document. It comes from the system ``dot`` when one is on ``PATH``, and from
        the embedded WebAssembly Graphviz otherwise (loaded once per process).

    Raises:
        autograd.viz.RendererNotFoundError: no renderer can run; says what to install.
        autograd.viz.RenderError: the renderer failed.
    """
    if isinstance(root_or_digraph, Value):
        source = draw_dot(root_or_digraph).source
    elif isinstance(root_or_digraph, (graphviz.Graph, graphviz.Digraph, graphviz.Source)):
        source = root_or_digraph.source
    else:
        raise TypeError(
            "to_svg expects a Value or a graphviz graph, "
            f"got {type(root_or_digraph).__name__}"
        )
    svg = render_svg(source)
    if path is not None:
        write_atomic(path, svg)
    return svg
