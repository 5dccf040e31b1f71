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
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import graphviz

from ..backprop import topological_order
from ..node import Value
from ..ops import OPS
from .collapse import Unit, find_layers, find_neurons
from .render import DEFAULT_TIMEOUT, RendererNotFoundError, render, render_svg, write_atomic

__all__ = ["DEFAULT_MAX_NODES", "FAR_USE", "LABEL_LIMIT", "Drawing", "draw_dot", "draw_model", "to_svg"]

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


def _trim_lines(text: str) -> str:
    r"""Line breaks normalised to ``\n``, and blank lines at either end dropped.

    A record field that starts with a line break corrupts Graphviz's state (the WebAssembly
    build trapped two renders later), and blank lines around a label show nothing anyway.

    >>> _trim_lines("\r\n"), _trim_lines(" \n a\r\n\r\nb \n\t\n")
    ('', ' a\n\nb ')
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


def _escape(text: str, limit: int = LABEL_LIMIT) -> str:
    r"""User text as a literal field of a Graphviz record label (also fine in plain labels).

    >>> print(_escape(r'a{b}|"c"\N'))
    a\{b\}\|\"c\"\\N
    >>> print(_escape("bell\x07 & line\nbreak"))
    bell\\x07\ &amp;\ line\nbreak
    """
    text = _trim_lines(text)
    if len(text) > limit:
        text = text[: limit - 1] + "\u2026"
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
# Reading the graph: public accessors only.
# ---------------------------------------------------------------------------------------------

def _arguments(node: Value) -> tuple[Any, ...]:
    """The op's full arguments (Values and constants, in order)."""
    return node.arguments


def _symbol(node: Value) -> str:
    op = OPS.get(node.op)
    return op.symbol if op is not None else (node.op or "?")


def _op_label(node: Value) -> str:
    """The op's symbol from the op table; with the constants mixed in when there were any.

    ``x * y`` shows ``*``; ``3 - x`` shows ``3 - ·`` and ``x.leaky_relu(0.1)`` shows
    ``leaky_relu(·, 0.1)``, where ``·`` stands for a Value argument (drawn as an edge).
    """
    symbol = _symbol(node)
    args = _arguments(node)
    if all(isinstance(a, Value) for a in args):  # nothing to show but the symbol
        return symbol
    shown = ["\u00b7" if isinstance(a, Value) else _number(a) for a in args]
    if len(shown) == 2 and not symbol.replace("_", "").isalnum():
        return f"{shown[0]} {symbol} {shown[1]}"
    if len(shown) > 6:
        return f"{symbol}({', '.join(shown[:5])}, \u2026 {len(shown)} args)"
    return f"{symbol}({', '.join(shown)})"


# ---------------------------------------------------------------------------------------------
# Which nodes to draw, and in what order.
# ---------------------------------------------------------------------------------------------

Inputs = Callable[[Value], Sequence[Value]]


def _nearest(root: Value, limit: float, inputs_of: Inputs) -> tuple[set[Value], int]:
    """The ``limit`` nodes nearest ``root`` (breadth-first, inputs in argument order), and
    the number of distinct nodes in the whole graph."""
    queue = [root]
    seen = {root}
    i = 0
    while i < len(queue):
        for parent in inputs_of(queue[i]):
            if parent not in seen:
                seen.add(parent)
                queue.append(parent)
        i += 1
    if len(queue) <= limit:
        return seen, len(queue)
    return set(queue[: int(limit)]), len(queue)


def _drawing_order(root: Value, kept: set[Value], inputs_of: Inputs) -> list[Value]:
    """The kept nodes, each after its kept inputs, ``root`` last (iterative DFS)."""
    order: list[Value] = []
    seen = {root}
    stack: list[tuple[Value, Iterator[Value]]] = [(root, iter(inputs_of(root)))]
    while stack:
        node, todo = stack[-1]
        for parent in todo:
            if parent in kept and parent not in seen:
                seen.add(parent)
                stack.append((parent, iter(inputs_of(parent))))
                break
        else:
            order.append(node)
            stack.pop()
    return order


#: A use more than this many ops after the Value it reads is drawn from a copy of that Value
#: placed beside the op (see :func:`_far_uses`).
FAR_USE = 2


def _far_uses(order: list[Value], kept: set[Value], inputs_of: Inputs) -> set[tuple[Value, Value]]:
    """The (value, consumer) edges to draw from a copy of ``value`` next to the consumer.

    ``y = y * x + 1`` repeated 100 times reads ``x`` at every step. Drawn as one node with
    100 edges, each edge spans up to 400 ranks; dot splits long edges into a chain of virtual
    nodes per rank (20,000 here) and its crossing and placement passes then took minutes. A
    use more than :data:`FAR_USE` ops deeper than the Value is drawn from a dashed copy of it
    instead, so every edge stays short. A node's depth is one more than its deepest input's;
    a source (no drawn inputs) sits just before its first consumer, as dot places it.
    """
    depth: dict[Value, int] = {}
    consumers: dict[Value, list[Value]] = {}
    for node in order:
        drawn = [p for p in inputs_of(node) if p in kept]
        depth[node] = 1 + max((depth[p] for p in drawn), default=-1)
        for p in drawn:
            consumers.setdefault(p, []).append(node)
    far: set[tuple[Value, Value]] = set()
    for value, users in consumers.items():
        if not any(p in kept for p in inputs_of(value)):  # a source: placed by its users
            start = min(depth[u] for u in users) - 1
        else:
            start = depth[value]
        for user in users:
            if depth[user] - start > FAR_USE:
                far.add((value, user))
    return far


# ---------------------------------------------------------------------------------------------
# The drawing.
# ---------------------------------------------------------------------------------------------

class Drawing(graphviz.Digraph):  # type: ignore[misc]  # graphviz has no types: Digraph is Any
    """A ``graphviz.Digraph`` of a computation graph that renders without system Graphviz.

    Everything a ``Digraph`` does works (``.source``, ``.render``, ``.pipe``, ``.view``).
    ``render``/``pipe``/``view`` call the system ``dot`` when it is on ``PATH``, else the
    embedded WebAssembly Graphviz (which writes SVG, the default format here, and DOT text,
    but no raster images or PDF). Jupyter's inline display goes through :func:`to_svg`.

    Attributes:
        values_drawn: how many nodes standing for Values the drawing shows (a collapsed
            neuron counts once).
        values_omitted: how many were cut by ``max_nodes``.
        node_of: the DOT node showing each drawn Value (a collapsed neuron's dot and output
            both map to the neuron's node).
        nodes: DOT node name -> what it shows (``kind``, ``op``, ``label``, ``data``,
            ``grad``), for pages that explain the picture (:func:`autograd.viz.to_html`).
        edges: the data flow between DOT nodes as ``(tail, head)`` names, including the links
            a collapsed drawing summarises into one edge.
        root_name: the DOT node of the output.
        timeout: seconds ``render``/``pipe``/``view`` allow the layout (default 30).
    """

    values_drawn: int = 0
    values_omitted: int = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("format", "svg")
        super().__init__(*args, **kwargs)
        self.node_of: dict[Value, str] = {}
        self.nodes: dict[str, dict[str, Any]] = {}
        self.edges: list[tuple[str, str]] = []
        self.root_name = ""
        self.timeout = DEFAULT_TIMEOUT

    def __repr__(self) -> str:
        # Stable across runs (no address), so notebooks re-executed show no spurious diffs.
        cut = f", {self.values_omitted} cut by max_nodes" if self.values_omitted else ""
        return f"<Drawing of {self.values_drawn} Values{cut}>"

    def pipe(
        self,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        *,
        engine: str | None = None,
        encoding: str | None = None,
    ) -> bytes | str:
        """The rendered output (bytes, or text when ``encoding`` is given); no system
        Graphviz needed for ``svg`` and ``dot``-like formats."""
        if shutil.which("dot"):
            piped: bytes | str = super().pipe(format, renderer, formatter, neato_no_op, quiet,
                                              engine=engine, encoding=encoding)
            return piped
        self._check_embedded(renderer, formatter, neato_no_op, engine)
        data = render(self.source, format or self.format, timeout=self.timeout)
        return data.decode(encoding) if encoding is not None else data

    def render(
        self,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        quiet_view: bool = False,
        *,
        outfile: str | os.PathLike[str] | None = None,
        engine: str | None = None,
        raise_if_result_exists: bool = False,
        overwrite_source: bool = False,
    ) -> str:
        """Saves the DOT source and renders it to ``<source file>.<format>`` (or ``outfile``);
        returns the output path. As ``graphviz``'s, but without needing system Graphviz."""
        if shutil.which("dot"):
            path: str = super().render(
                filename, directory, view, cleanup, format, renderer, formatter, neato_no_op,
                quiet, quiet_view, outfile=outfile, engine=engine,
                raise_if_result_exists=raise_if_result_exists,
                overwrite_source=overwrite_source,
            )
            return path
        self._check_embedded(renderer, formatter, neato_no_op, engine)
        fmt = format or self.format
        if filename is None and outfile is not None:
            filename = os.path.splitext(os.fspath(outfile))[0] + ".gv"
        source_path = self.save(filename, directory=directory)
        out = os.fspath(outfile) if outfile is not None else f"{source_path}.{fmt}"
        if raise_if_result_exists and os.path.exists(out):
            raise FileExistsError(f"output file exists: {out!r}")
        write_atomic(out, render(self.source, fmt, timeout=self.timeout))
        if cleanup:
            os.remove(source_path)
        if view:
            graphviz.view(out, quiet=quiet_view)
        return out

    @staticmethod
    def _check_embedded(renderer: str | None, formatter: str | None,
                        neato_no_op: bool | int | None, engine: str | None) -> None:
        if renderer or formatter or neato_no_op or engine not in (None, "dot"):
            raise RendererNotFoundError(
                "renderer, formatter, neato_no_op and layout engines other than dot need "
                "Graphviz's programs on PATH (https://graphviz.org/download/); the embedded "
                "renderer runs dot only"
            )

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


def _info(kind: str, node: Value) -> dict[str, Any]:
    return {"kind": kind, "op": node.op, "label": node.label, "data": node.data,
            "grad": _grad_float(node.grad)}


def _norm(values: Iterable[Value]) -> float:
    return math.sqrt(math.fsum(_grad_float(v.grad) ** 2 for v in values))


_COLLAPSE = (None, "neuron", "layer")


def draw_dot(
    root: Any,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    max_nodes: float | None = None,
    collapse: str | None = None,
    shade: bool | None = None,
    params: Any = None,
) -> Drawing:
    """Draws the computation graph that produced ``root`` (or an ``nn`` model's architecture).

    Each Value is a record node (label | data | grad); each op is a small oval,
    with an edge from each argument in argument order (``a * a`` has two edges from ``a``)
    and one to its result. Colours tell the kinds apart: the output is green, parameters red,
    other leaves (inputs, constants) blue, intermediate values white. A Value read again far
    downstream (more than :data:`FAR_USE` ops later) is also drawn as a dashed copy next to
    that use, which keeps the layout fast and the edges short.

    Args:
        root: the Value whose graph is drawn; or an ``nn`` model (``MLP``, ``Layer``,
            ``Neuron``), whose layers, sizes and activations are drawn (see
            :func:`draw_model`).
        rankdir: layout direction: ``"LR"`` (left to right), ``"RL"``, ``"TB"`` or ``"BT"``.
        show_grad: show each Value's ``.grad`` (a Value grad, after
            ``backward(create_graph=True)``, shows its data).
        max_nodes: most nodes standing for Values to draw. ``None`` means
            :data:`DEFAULT_MAX_NODES`; ``math.inf`` draws everything. Over the limit, those
            nearest the root (fewest ops away, ties in argument order) are kept, and one
            dashed node says how many were left out, with a dashed edge to every op that
            lost an argument.
        collapse: ``"neuron"`` draws each neuron (a ``dot`` of weights and inputs, with its
            activation) as one node, its weights inside it; ``"layer"`` also groups the
            neurons reading the same inputs into one cluster per layer, with one edge
            between consecutive layers. See :mod:`autograd.viz.collapse`.
        shade: fill each node by its gradient magnitude (white at 0, amber at the largest
            drawn ``|grad|``, grey for NaN) instead of by kind; the outline keeps the kind.
            ``None``: shade collapsed drawings only.
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
        if _is_model(root):
            return draw_model(root, rankdir=rankdir, show_grad=show_grad)
        raise TypeError(f"draw_dot expects a Value or an nn model, got {type(root).__name__}")
    if rankdir not in _RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(_RANKDIRS)}; got {rankdir!r}")
    if collapse not in _COLLAPSE:
        raise ValueError(f"collapse must be None, 'neuron' or 'layer'; got {collapse!r}")
    limit = _check_max_nodes(max_nodes)
    if shade is None:
        shade = collapse is not None

    units: dict[Value, Unit] = {}
    hidden: set[Value] = set()
    if collapse is not None:
        units, hidden = find_neurons(topological_order(root), _arguments)
    unit_inputs = {
        out: unit.input_values() + [w for w in unit.weights if w not in hidden]
        for out, unit in units.items()
    }

    def inputs_of(node: Value) -> Sequence[Value]:
        found = unit_inputs.get(node)
        return found if found is not None else node.parents

    kept, total = _nearest(root, limit, inputs_of)
    order = _drawing_order(root, kept, inputs_of)
    far = _far_uses(order, kept, inputs_of)
    parameters = _param_set(params)
    names = {node: f"v{i}" for i, node in enumerate(order)}
    # A record's top-level fields stack across the rank direction; braces turn them, so that
    # label | data | grad read as one row in every layout.
    horizontal_fields = rankdir in ("LR", "RL")

    def brace(record: str) -> str:
        return "{" + record + "}" if horizontal_fields else record

    largest = 0.0
    if shade:
        magnitudes = [abs(_grad_float(n.grad)) for n in order]
        largest = max((m for m in magnitudes if not math.isnan(m)), default=0.0)

    graph_attr = {"rankdir": rankdir}
    node_attr = {"shape": "record", "style": "filled", "fontname": _FONT, "fontsize": "11"}
    if collapse is not None:  # compact: a network's layers are tall columns of nodes
        graph_attr.update(nodesep="0.1", ranksep="0.9")
        node_attr.update(height="0.3", fontsize="10")
    if collapse == "layer":
        graph_attr["compound"] = "true"
    g = Drawing(
        name="computation_graph",
        graph_attr=graph_attr,
        node_attr=node_attr,
        edge_attr={"arrowsize": "0.6", "fontname": _FONT, "fontsize": "10"},
    )
    g.values_drawn = len(order)
    g.values_omitted = total - len(order)
    g.root_name = names[root]
    # Statements are written straight into the body: every string in them is either ours or
    # passed through _escape, and graphviz's per-attribute quoting would make drawing 100,000
    # nodes take 15 s instead of 1.
    body: list[str] = []
    add = body.append
    cut_targets: list[str] = []
    copies: set[str] = set()

    def kind_of(node: Value) -> str:
        if node is root:
            return "output"
        if node in parameters:
            return "parameter"
        return "inner" if node.parents else "leaf"

    def fill_of(node: Value, kind: str) -> str:
        return _shade(abs(_grad_float(node.grad)), largest) if shade else _STYLE[kind][1]

    def source_of(value: Value, user: Value) -> str:
        """The node an edge from ``value`` to ``user`` starts at: a copy when far."""
        if (value, user) not in far:
            return names[value]
        copy = f"{names[value]}_to_{names[user]}"
        if copy not in copies:
            copies.add(copy)
            kind = kind_of(value)
            fields = [f"data\\ {_number(value.data)}"]
            label = _escape(value.label)
            if label:
                fields.insert(0, label)
            add(f'\t{copy} [label="{brace("|".join(fields))}" fillcolor="{fill_of(value, kind)}"'
                f' color="{_STYLE[kind][0]}" style="dashed,filled"]\n')
            g.nodes[copy] = {**_info("copy", value), "of": names[value]}
            g.edges.append((names[value], copy))
        return copy

    # Layers (collapse="layer"): which cluster each neuron goes in.
    layer_of: dict[Value, int] = {}
    layers: list[list[Unit]] = []
    if collapse == "layer":
        layers = find_layers(units[n] for n in order if n in units)
        for i, layer in enumerate(layers):
            for member in layer:
                layer_of[member.out] = i
    clusters: list[list[str]] = [[] for _ in layers]

    for node in order:
        name = names[node]
        kind = kind_of(node)
        outline = _STYLE[kind][0]
        fill = fill_of(node, kind)
        unit = units.get(node)
        g.node_of[node] = name
        if unit is not None:
            g.node_of[unit.dot] = name
            info = {**_info("neuron", node), "activation": unit.activation or "linear",
                    "inputs": len(unit.inputs), "weights": len(unit.weights)}
            fields = [f"data\\ {_number(node.data)}"]
            if show_grad:
                fields.append(f"grad\\ {_number(_grad_float(node.grad))}")
            if collapse == "neuron":
                title = _escape(f"{unit.activation or 'linear'} neuron, {unit.fan_in()} in")
                if node.label:
                    title = _escape(node.label) + "\\n" + title
                fields.insert(0, title)
                if show_grad and unit.absorbed:
                    norm = _norm(unit.absorbed)
                    info["weight_grad_norm"] = norm
                    fields.insert(-1, f"\u2016\u2207w\u2016\\ {_number(norm)}")
            statement = (f'\t{name} [label="{brace("|".join(fields))}" fillcolor="{fill}" '
                         f'color="{outline}" penwidth=2 style="rounded,filled"]\n')
            g.nodes[name] = info
            if node in layer_of:
                clusters[layer_of[node]].append(statement)
                info["group"] = f"cluster_{layer_of[node]}"
            else:
                add(statement)
            lost = 0
            for parent in inputs_of(node):
                if parent not in kept:
                    lost += 1
                elif node not in layer_of:
                    add(f"\t{source_of(parent, node)} -> {name}\n")
                    g.edges.append((source_of(parent, node), name))
                else:
                    g.edges.append((names[parent], name))
            if lost:
                cut_targets.append(name)
            continue

        # "data\\ " is the escaped "data " (a hard space); _number's output needs no escaping.
        fields = [f"data\\ {_number(node.data)}"]
        label = _escape(node.label)
        if label:
            fields.insert(0, label)
        if show_grad:
            fields.append(f"grad\\ {_number(_grad_float(node.grad))}")
        width = "1" if kind == "inner" else "2"
        add(f'\t{name} [label="{brace("|".join(fields))}" fillcolor="{fill}" color="{outline}" '
            f"penwidth={width}]\n")
        g.nodes[name] = _info("value", node)
        if not node.parents:
            continue
        op_name = f"{name}_op"
        add(f'\t{op_name} [label="{_escape(_op_label(node))}" {_OP_STYLE}]\n')
        g.nodes[op_name] = {**_info("op", node), "of": name}
        lost = 0
        for parent in node.parents:
            if parent in kept:
                source = source_of(parent, node)
                add(f"\t{source} -> {op_name}\n")
                g.edges.append((source, op_name))
            else:
                lost += 1
        if lost:
            cut_targets.append(op_name)
        add(f"\t{op_name} -> {name}\n")
        g.edges.append((op_name, name))

    for i, layer in enumerate(layers):
        first = layer[0]
        title = _escape(
            f"layer {i + 1}: {len(layer)} {first.activation or 'linear'} neurons, "
            f"{first.fan_in()} in", limit=200)
        add(f'\tsubgraph cluster_{i} {{\n\t\tlabel="{title}" style="rounded,filled" '
            f'color="#90a4ae" fillcolor="#f5f7f8" fontname={_FONT} fontsize=11\n')
        body.extend("\t" + s for s in clusters[i])
        add("\t}\n")
    for i, layer in enumerate(layers):
        _layer_edges(i, layer, layer_of, layers, names, kept, add)

    if cut_targets:
        shown = "all" if limit == math.inf else f"{int(limit):,}"
        text = _escape(
            f"{g.values_omitted:,} more Values not drawn\n"
            f"(max_nodes={shown}; {total:,} in the graph)",
            limit=200,
        )
        add(f'\tcut [label="{text}" {_CUT_STYLE}]\n')
        g.nodes["cut"] = {"kind": "cut", "label": f"{g.values_omitted} Values not drawn"}
        for target in cut_targets:
            add(f'\tcut -> {target} [style=dashed color="#9e9e9e"]\n')
    g.body.extend(body)
    return g


def _middle(layer: list[Unit]) -> Value:
    return layer[len(layer) // 2].out


def _layer_edges(i: int, layer: list[Unit], layer_of: dict[Value, int],
                 layers: list[list[Unit]], names: dict[Value, str], kept: set[Value],
                 add: Callable[[str], None]) -> None:
    """One edge into layer ``i`` per source: a whole layer feeding it, or a single Value."""
    head = names[_middle(layer)]
    sources: dict[Any, None] = {}  # ordered set: a layer's index, or a Value
    for unit in layer:
        for value in unit.input_values():
            if value in kept:
                sources[layer_of.get(value, value)] = None
    for key in sources:
        if isinstance(key, int):
            src = layers[key]
            width = len(src)
            add(f'\t{names[_middle(src)]} -> {head} [ltail=cluster_{key} lhead=cluster_{i} '
                f'label="{width}\\ \u00d7\\ {len(layer)}" penwidth=2]\n')
        else:
            add(f"\t{names[key]} -> {head} [lhead=cluster_{i}]\n")


# ---------------------------------------------------------------------------------------------
# A model's architecture.
# ---------------------------------------------------------------------------------------------

def _is_model(obj: Any) -> bool:
    """An ``nn`` MLP, Layer or Neuron, recognised by its attributes (viz never imports nn)."""
    return hasattr(obj, "layers") or hasattr(obj, "neurons") or (
        hasattr(obj, "w") and hasattr(obj, "b") and hasattr(obj, "activation"))


def _model_layers(model: Any) -> list[tuple[int, list[Any], str | None]]:
    """``(nin, neurons, activation)`` per layer of an MLP, Layer or Neuron."""
    if hasattr(model, "layers"):
        layers = list(model.layers)
    elif hasattr(model, "neurons"):
        layers = [model]
    else:
        return [(len(model.w), [model], model.activation)]
    return [(layer.nin, list(layer.neurons), layer.activation) for layer in layers]


def draw_model(model: Any, *, rankdir: str = "LR", show_grad: bool = True) -> Drawing:
    """Draws an ``nn`` model's architecture: its input, one cluster per layer (a dot per
    neuron, shaded by the size of its parameters' gradient when ``show_grad``), the output.

    >>> from nn import MLP
    >>> g = draw_model(MLP(2, [16, 16, 1], seed=0))
    >>> g.source.count("subgraph cluster_"), g.values_drawn
    (3, 33)
    """
    if rankdir not in _RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(_RANKDIRS)}; got {rankdir!r}")
    layers = _model_layers(model)
    norms = [[_norm(_neuron_params(n)) for n in neurons] for _, neurons, _ in layers]
    largest = max((x for row in norms for x in row if not math.isnan(x)), default=0.0)
    g = Drawing(
        name="model",
        graph_attr={"rankdir": rankdir, "compound": "true", "nodesep": "0.08"},
        node_attr={"fontname": _FONT, "fontsize": "11", "style": "filled"},
        edge_attr={"arrowsize": "0.6"},
    )
    add = g.body.append
    nin = layers[0][0]
    add(f'\tinput [label="input\\n{nin} values" shape=box style="rounded,filled" '
        f'fillcolor="{_STYLE["leaf"][1]}" color="{_STYLE["leaf"][0]}"]\n')
    g.nodes["input"] = {"kind": "input", "label": f"{nin} inputs"}
    previous, previous_names = "input", ["input"]
    for i, (lin, neurons, activation) in enumerate(layers):
        nparams = sum(len(_neuron_params(n)) for n in neurons)
        title = _escape(f"layer {i + 1}: {lin} \u2192 {len(neurons)}, "
                        f"{activation or 'linear'}\n{nparams:,} parameters", limit=200)
        add(f'\tsubgraph cluster_{i} {{\n\t\tlabel="{title}" style="rounded,filled" '
            f'color="#90a4ae" fillcolor="#f5f7f8"\n')
        names = [f"n{i}_{j}" for j in range(len(neurons))]
        for j, name in enumerate(names):
            fill = _shade(norms[i][j], largest) if show_grad else "#ffffff"
            add(f'\t\t{name} [label="" shape=circle width=0.25 fixedsize=true '
                f'fillcolor="{fill}" color="#616161"]\n')
            g.nodes[name] = {"kind": "neuron", "label": f"layer {i + 1} neuron {j + 1}",
                             "op": activation or "linear", "inputs": lin,
                             "weight_grad_norm": norms[i][j]}
            g.edges.extend((tail, name) for tail in previous_names)
        add("\t}\n")
        head = names[len(names) // 2]
        tail_attr = "" if previous == "input" else f" ltail=cluster_{i - 1}"
        add(f"\t{previous} -> {head} [lhead=cluster_{i}{tail_attr} penwidth=2]\n")
        previous, previous_names = head, names
    nout = len(layers[-1][1])
    add(f'\toutput [label="output\\n{nout} value{"s" if nout != 1 else ""}" shape=box '
        f'style="rounded,filled" fillcolor="{_STYLE["output"][1]}" '
        f'color="{_STYLE["output"][0]}"]\n')
    g.nodes["output"] = {"kind": "output", "label": f"{nout} outputs"}
    add(f"\t{previous} -> output [ltail=cluster_{len(layers) - 1} penwidth=2]\n")
    g.edges.extend((tail, "output") for tail in previous_names)
    g.values_drawn = sum(len(neurons) for _, neurons, _ in layers)
    g.root_name = "output"
    return g


def _neuron_params(neuron: Any) -> list[Value]:
    return [*neuron.w, neuron.b]


def to_svg(root_or_digraph: Value | graphviz.Graph | graphviz.Digraph | graphviz.Source,
           path: str | os.PathLike[str] | None = None, *,
           timeout: float = DEFAULT_TIMEOUT) -> str:
    """Renders a graph to SVG text, and writes it to ``path`` (atomically) when given.

    Args:
        root_or_digraph: a Value (drawn with :func:`draw_dot`'s defaults) or any ``graphviz``
            graph, e.g. one returned by :func:`draw_dot` with other options.
        path: where to write the SVG (UTF-8), replacing any file there in one rename.
        timeout: seconds the layout may take (``math.inf``: no limit).

    Returns:
        The SVG document. It comes from the system ``dot`` when one is on ``PATH``, and from
        the embedded WebAssembly Graphviz otherwise (compiled once per process).

    Raises:
        TimeoutError: the layout took longer than ``timeout``; the message gives the graph's
            size and how to draw less of it.
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
    svg = render_svg(source, timeout=timeout)
    if path is not None:
        write_atomic(path, svg)
    return svg
