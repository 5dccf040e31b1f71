"""Drawing a computation graph: ``Value`` nodes to Graphviz DOT, with :func:`draw_dot`.

:func:`draw_dot` chooses the Values to show (:mod:`autograd.viz.selection`), then writes one
DOT statement per node and edge into a :class:`~autograd.viz.drawing_result.Drawing`, which renders
and displays itself without system Graphviz. Nodes are named by their position in the drawing
order, so the same graph gives the same DOT text, byte for byte, in every process. Every
user string in a statement goes through :func:`~autograd.viz.labels.escape` first.
"""

from __future__ import annotations

import math
import sys
import warnings
from typing import Any

from ..core.node import Value
from .collapse import Unit, find_layers, no_neuron_message
from .drawing_result import Drawing
from .labels import (
    CUT_STYLE,
    FONT,
    OP_STYLE,
    RANKDIRS,
    STYLE,
    escape,
    grad_float,
    grad_norm,
    label_text,
    number,
    op_label,
    shade,
)
from .model_to_dot import draw_model, is_model
from .selection import FAR_USE, Selection, select

__all__ = ["DEFAULT_MAX_NODES", "FAR_USE", "draw_dot"]

#: ``max_nodes=None`` draws at most this many Values. Graphviz's layout time grows faster than
#: linearly and a drawing of thousands of nodes is unreadable, so an uncapped default would
#: turn "draw my network's loss" into a frozen notebook. Pass ``max_nodes=math.inf`` for all.
DEFAULT_MAX_NODES = 500

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
            ``Neuron``, ``Linear``, or a ``Sequential`` of these and activation modules),
            whose layers, sizes and activations are drawn (see :func:`draw_model`).
        rankdir: layout direction: ``"LR"`` (left to right), ``"RL"``, ``"TB"`` or ``"BT"``.
        show_grad: show each Value's ``.grad`` (a Value grad, after
            ``backward(create_graph=True)``, shows its data).
        max_nodes: most nodes standing for Values to draw. ``None`` means
            :data:`DEFAULT_MAX_NODES`; ``math.inf`` draws everything. Over the limit, those
            nearest the root (fewest ops away, ties in argument order) are kept, and one
            dashed node says how many were left out, with a dashed edge to every op that
            lost an argument.
        collapse: ``"neuron"`` draws each neuron (a weighted sum of inputs plus a bias, as
            ``nn``'s ``dot`` or written by hand with ``*`` and ``+``, with its activation)
            as one node, its weights inside it; ``"layer"`` also groups the neurons reading
            the same inputs into one cluster per layer, with one edge between consecutive
            layers. When no neuron is found, a warning says why and every Value is drawn.
            See :mod:`autograd.viz.collapse`.
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
        if is_model(root):
            return draw_model(root, rankdir=rankdir, show_grad=show_grad)
        raise TypeError(f"draw_dot expects a Value or an nn model, got {type(root).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}; got {rankdir!r}")
    if collapse not in _COLLAPSE:
        raise ValueError(f"collapse must be None, 'neuron' or 'layer'; got {collapse!r}")
    limit = _check_max_nodes(max_nodes)
    if shade is None:
        shade = collapse is not None

    chosen = select(root, limit, collapse is not None)
    if collapse is not None and not chosen.units:
        warnings.warn(no_neuron_message(collapse, chosen.rejected), stacklevel=_caller_level())
    g = _empty_drawing(rankdir, collapse)
    g.values_drawn = len(chosen.order)
    g.values_omitted = chosen.total - len(chosen.order)
    writer = _Writer(g, root, chosen, _param_set(params), rankdir=rankdir,
                     show_grad=show_grad, shade=shade, collapse=collapse)
    g.root_name = writer.names[root]
    writer.write_nodes()
    writer.write_layers()
    writer.write_cut(limit)
    g.body.extend(writer.body)
    return g


def _caller_level() -> int:
    """The ``stacklevel`` that makes a warning point at the first caller outside this
    package (the user's ``draw_dot`` or ``to_html`` call)."""
    frame = sys._getframe(1)
    level = 1
    while frame.f_back is not None and frame.f_globals["__name__"].startswith(__package__):
        frame = frame.f_back
        level += 1
    return level


def _check_max_nodes(max_nodes: float | None) -> float:
    """``max_nodes`` checked: a whole number of at least 1, or ``math.inf``; ``None``: the
    default."""
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
    """The Values to colour as parameters: from an iterable, or a ``parameters()`` method."""
    if params is None:
        return set()
    if hasattr(params, "parameters") and callable(params.parameters):
        params = params.parameters()
    return {p for p in params if isinstance(p, Value)}


def _empty_drawing(rankdir: str, collapse: str | None) -> Drawing:
    """A Drawing with the graph-wide attributes and no nodes yet."""
    graph_attr = {"rankdir": rankdir}
    node_attr = {"shape": "record", "style": "filled", "fontname": FONT, "fontsize": "11"}
    if collapse is not None:  # compact: a network's layers are tall columns of nodes
        graph_attr.update(nodesep="0.1", ranksep="0.9")
        node_attr.update(height="0.3", fontsize="10")
    if collapse == "layer":
        graph_attr["compound"] = "true"
    return Drawing(
        name="computation_graph",
        graph_attr=graph_attr,
        node_attr=node_attr,
        edge_attr={"arrowsize": "0.6", "fontname": FONT, "fontsize": "10"},
    )


def _info(kind: str, node: Value) -> dict[str, Any]:
    """What a node shows, for ``Drawing.nodes``."""
    return {"kind": kind, "op": node.op, "label": label_text(node), "data": node.data,
            "grad": grad_float(node.grad)}


class _Writer:
    """Writes the DOT statements for the chosen Values, in drawing order, and records what
    each node shows and links in the Drawing's ``nodes``, ``edges`` and ``node_of``.

    Statements are written straight into :attr:`body` (the Drawing's body at the end), not
    through ``graphviz``'s ``node``/``edge``: every string in them is either ours or passed
    through :func:`escape`, and graphviz's per-attribute quoting would make drawing 100,000
    nodes take 15 s instead of 1.
    """

    def __init__(self, g: Drawing, root: Value, chosen: Selection, parameters: set[Value], *,
                 rankdir: str, show_grad: bool, shade: bool, collapse: str | None) -> None:
        self.g = g
        self.root = root
        self.chosen = chosen
        self.parameters = parameters
        self.show_grad = show_grad
        self.shade = shade
        self.collapse = collapse
        self.names = {node: f"v{i}" for i, node in enumerate(chosen.order)}
        # A record's top-level fields stack across the rank direction; braces turn them, so
        # that label | data | grad read as one row in every layout.
        self.horizontal_fields = rankdir in ("LR", "RL")
        self.largest = 0.0  # the largest drawn |grad|, which shades full amber
        if shade:
            magnitudes = [abs(grad_float(n.grad)) for n in chosen.order]
            self.largest = max((m for m in magnitudes if not math.isnan(m)), default=0.0)
        self.body: list[str] = []
        self.cut_targets: list[str] = []  # nodes that lost an input to max_nodes
        self.copies: set[str] = set()
        # Layers (collapse="layer"): which cluster each neuron goes in, and its statements.
        self.layers: list[list[Unit]] = []
        self.layer_of: dict[Value, int] = {}
        if collapse == "layer":
            self.layers = find_layers(chosen.units[n] for n in chosen.order if n in chosen.units)
            for i, layer in enumerate(self.layers):
                for member in layer:
                    self.layer_of[member.out] = i
        self.clusters: list[list[str]] = [[] for _ in self.layers]

    # -- How a node looks. -------------------------------------------------------------------

    def kind_of(self, node: Value) -> str:
        """The node's kind, which picks its colours (see ``labels.STYLE``)."""
        if node is self.root:
            return "output"
        if node in self.parameters:
            return "parameter"
        return "inner" if node.parents else "leaf"

    def fill_of(self, node: Value, kind: str) -> str:
        """The fill colour: by gradient when shading, else by kind."""
        if self.shade:
            return shade(abs(grad_float(node.grad)), self.largest)
        return STYLE[kind][1]

    def record(self, fields: list[str]) -> str:
        """Escaped fields as one record label reading as a row in every layout direction."""
        joined = "|".join(fields)
        return "{" + joined + "}" if self.horizontal_fields else joined

    def value_fields(self, node: Value, with_grad: bool) -> list[str]:
        """label | data | grad of a Value (label when it has one, grad when asked for)."""
        # "data\\ " is the escaped "data " (a hard space); number()'s output needs no escaping.
        fields = [f"data\\ {number(node.data)}"]
        label = escape(label_text(node))
        if label:
            fields.insert(0, label)
        if with_grad:
            fields.append(f"grad\\ {number(grad_float(node.grad))}")
        return fields

    # -- Values, ops, neurons. ---------------------------------------------------------------

    def write_nodes(self) -> None:
        """Every chosen Value, in drawing order: as a neuron, or as a Value and its op."""
        for node in self.chosen.order:
            self.g.node_of[node] = self.names[node]
            unit = self.chosen.units.get(node)
            if unit is not None:
                self.write_neuron(node, unit)
            else:
                self.write_value(node)
                if node.parents:
                    self.write_op(node)

    def write_value(self, node: Value) -> None:
        """A Value's record node, outlined in its kind's colour (leaves thicker)."""
        name = self.names[node]
        kind = self.kind_of(node)
        fields = self.value_fields(node, self.show_grad)
        width = "1" if kind == "inner" else "2"
        self.body.append(
            f'\t{name} [label="{self.record(fields)}" fillcolor="{self.fill_of(node, kind)}" '
            f'color="{STYLE[kind][0]}" penwidth={width}]\n')
        self.g.nodes[name] = _info("value", node)

    def write_op(self, node: Value) -> None:
        """The op that made ``node``: an oval with an edge from each argument drawn, one to
        ``node``, and a place in the cut's targets when an argument was not drawn. Its
        ``inputs`` (in ``Drawing.nodes``) name the node each edge comes from, one per Value
        argument in order (None for one not drawn)."""
        name = self.names[node]
        op_name = f"{name}_op"
        self.body.append(f'\t{op_name} [label="{escape(op_label(node))}" {OP_STYLE}]\n')
        inputs: list[str | None] = []  # the node each Value argument's edge comes from
        self.g.nodes[op_name] = {**_info("op", node), "of": name, "inputs": inputs}
        for parent in node.parents:
            if parent in self.chosen.kept:
                source = self.source_of(parent, node)
                self.body.append(f"\t{source} -> {op_name}\n")
                self.g.edges.append((source, op_name))
                inputs.append(source)
            else:
                inputs.append(None)
        if None in inputs:
            self.cut_targets.append(op_name)
        self.body.append(f"\t{op_name} -> {name}\n")
        self.g.edges.append((op_name, name))

    def write_neuron(self, node: Value, unit: Unit) -> None:
        """A collapsed neuron: one rounded record (in its layer's cluster when layered),
        with an edge from each input drawn outside it."""
        name = self.names[node]
        kind = self.kind_of(node)
        for inner in unit.inner:
            self.g.node_of[inner] = name
        info = {**_info("neuron", node), "activation": unit.activation or "linear",
                "inputs": len(unit.inputs), "weights": len(unit.weights)}
        fields = self.neuron_fields(node, unit, info)
        statement = (f'\t{name} [label="{self.record(fields)}" '
                     f'fillcolor="{self.fill_of(node, kind)}" color="{STYLE[kind][0]}" '
                     f'penwidth=2 style="rounded,filled"]\n')
        self.g.nodes[name] = info
        layer = self.layer_of.get(node)
        if layer is not None:
            self.clusters[layer].append(statement)
            info["group"] = f"cluster_{layer}"
        else:
            self.body.append(statement)
        lost = 0
        for parent in self.chosen.inputs_of(node):
            if parent not in self.chosen.kept:
                lost += 1
            elif layer is None:
                source = self.source_of(parent, node)
                self.body.append(f"\t{source} -> {name}\n")
                self.g.edges.append((source, name))
            else:  # drawn as one edge per layer by write_layers
                self.g.edges.append((self.names[parent], name))
        if lost:
            self.cut_targets.append(name)

    def neuron_fields(self, node: Value, unit: Unit, info: dict[str, Any]) -> list[str]:
        """data | grad of a neuron; with ``collapse="neuron"``, also a title and the norm of
        its weights' gradient (recorded in ``info``)."""
        fields = [f"data\\ {number(node.data)}"]
        if self.show_grad:
            fields.append(f"grad\\ {number(grad_float(node.grad))}")
        if self.collapse == "neuron":
            title = escape(f"{unit.activation or 'linear'} neuron, {unit.fan_in()} in")
            label = label_text(node)
            if label:
                title = escape(label) + "\\n" + title
            fields.insert(0, title)
            if self.show_grad and unit.absorbed:
                norm = grad_norm(unit.absorbed)
                info["weight_grad_norm"] = norm
                fields.insert(-1, f"\u2016\u2207w\u2016\\ {number(norm)}")
        return fields

    def source_of(self, value: Value, user: Value) -> str:
        """The node an edge from ``value`` to ``user`` starts at: a dashed copy of ``value``
        written now when the use is far (see :data:`FAR_USE`), else ``value``'s node."""
        if (value, user) not in self.chosen.far:
            return self.names[value]
        copy = f"{self.names[value]}_to_{self.names[user]}"
        if copy not in self.copies:
            self.copies.add(copy)
            kind = self.kind_of(value)
            fields = self.value_fields(value, with_grad=False)
            self.body.append(
                f'\t{copy} [label="{self.record(fields)}" fillcolor="{self.fill_of(value, kind)}"'
                f' color="{STYLE[kind][0]}" style="dashed,filled"]\n')
            self.g.nodes[copy] = {**_info("copy", value), "of": self.names[value]}
            self.g.edges.append((self.names[value], copy))
        return copy

    # -- Layers and the cut. -----------------------------------------------------------------

    def write_layers(self) -> None:
        """With ``collapse="layer"``: a titled cluster per layer holding its neurons, then
        the edges into each layer."""
        for i, layer in enumerate(self.layers):
            first = layer[0]
            title = escape(
                f"layer {i + 1}: {len(layer)} {first.activation or 'linear'} neurons, "
                f"{first.fan_in()} in", limit=200)
            self.body.append(
                f'\tsubgraph cluster_{i} {{\n\t\tlabel="{title}" style="rounded,filled" '
                f'color="#90a4ae" fillcolor="#f5f7f8" fontname={FONT} fontsize=11\n')
            self.body.extend("\t" + s for s in self.clusters[i])
            self.body.append("\t}\n")
        for i, layer in enumerate(self.layers):
            self.write_layer_edges(i, layer)

    def write_layer_edges(self, i: int, layer: list[Unit]) -> None:
        """One edge into layer ``i`` per source: a whole layer feeding it, or a single Value."""
        head = self.names[_middle(layer)]
        sources: dict[Any, None] = {}  # ordered set: a layer's index, or a Value
        for unit in layer:
            for value in unit.input_values():
                if value in self.chosen.kept:
                    sources[self.layer_of.get(value, value)] = None
        for key in sources:
            if isinstance(key, int):
                src = self.layers[key]
                self.body.append(
                    f'\t{self.names[_middle(src)]} -> {head} [ltail=cluster_{key} '
                    f'lhead=cluster_{i} label="{len(src)}\\ \u00d7\\ {len(layer)}" penwidth=2]\n')
            else:
                self.body.append(f"\t{self.names[key]} -> {head} [lhead=cluster_{i}]\n")

    def write_cut(self, limit: float) -> None:
        """When ``max_nodes`` left Values out: one dashed node saying how many, with a dashed
        edge to every node that lost an input."""
        if not self.cut_targets:
            return
        shown = "all" if limit == math.inf else f"{int(limit):,}"
        text = escape(
            f"{self.g.values_omitted:,} more Values not drawn\n"
            f"(max_nodes={shown}; {self.chosen.total:,} in the graph)",
            limit=200,
        )
        self.body.append(f'\tcut [label="{text}" {CUT_STYLE}]\n')
        self.g.nodes["cut"] = {"kind": "cut", "label": f"{self.g.values_omitted} Values not drawn"}
        for target in self.cut_targets:
            self.body.append(f'\tcut -> {target} [style=dashed color="#9e9e9e"]\n')


def _middle(layer: list[Unit]) -> Value:
    """The neuron in the middle of a layer, where edges to and from its cluster attach."""
    return layer[len(layer) // 2].out
