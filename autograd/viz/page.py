"""One self-contained HTML page to explore a computation graph: :func:`to_html`.

The page holds everything inline (the SVG, the style, the script) and loads nothing, so it
works offline, from an e-mail attachment, a CI artifact or a notebook's output (an
:class:`HtmlPage` shows itself in a sandboxed frame). Its script is ``page.js`` and its style
``page.css``, files of this package read with ``importlib.resources``. What it says about the
chain rule (each Value's line, each edge's local derivative) comes from
:mod:`autograd.explain`, and so from the engine's own numbers and the op table's formulas.

Labels are user text and the page is HTML, so nothing user-made is pasted into markup: the
SVG comes from Graphviz, which writes text as XML character data with ``<``, ``>`` and ``&``
escaped (and :mod:`autograd.viz.labels` has escaped it for DOT before); the facts the script
reads (labels, numbers, names, formulas) travel in a ``<script type="application/json">`` block with every
``<``, ``>`` and ``&`` written as a JSON ``\\u`` escape, so no ``</script>`` can close it; and
the script puts them on screen with ``textContent`` only. A Content-Security-Policy allows no
script but ours (by its hash) and no network access at all.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import os
from importlib import resources
from typing import Any

from ..core.backprop import topological_order
from ..core.node import Value
from ..explain import local_formula, name_of, node_lines
from .drawing_result import Drawing
from .files import write_atomic
from .graph_to_dot import draw_dot
from .graph_to_svg import to_svg
from .renderers import DEFAULT_TIMEOUT

__all__ = ["FRAME_HEIGHT", "STEP_ORDERS", "HtmlPage", "to_html"]


def _asset(name: str) -> str:
    """A file of this package (the page's script or style) as text."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _plain(x: Any) -> Any:
    """JSON has no NaN or infinity: those travel as the strings JavaScript prints."""
    if isinstance(x, float) and not math.isfinite(x):
        return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    return x


def _json_for_script(data: Any) -> str:
    """JSON that is inert inside ``<script>``: ``<``, ``>`` and ``&`` as ``\\u`` escapes.

    >>> _json_for_script({"label": "</script><b>&"})
    '{"label": "\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}'
    """
    text = json.dumps(data, ensure_ascii=False, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _svg_element(svg: str) -> str:
    """The ``<svg>`` element alone, without the XML declaration and doctype before it."""
    return svg[svg.index("<svg"):]


#: The orders the "Step" button can play the backward pass in (``to_html``'s ``step_order``).
STEP_ORDERS = ("layers", "engine")

#: Height of the frame a page displays in inline in Jupyter (the page pans and zooms inside).
FRAME_HEIGHT = 600


class HtmlPage(str):
    """An HTML document (a ``str``: write it, search it) that displays itself in Jupyter.

    A notebook shows it in an ``<iframe>`` whose ``srcdoc`` holds the whole page, escaped:
    the page's own Content-Security-Policy and script come with it, it loads nothing, and its
    ``sandbox`` keeps it from reaching the notebook.
    """

    __slots__ = ()

    def _repr_html_(self) -> str:
        """The page in a sandboxed frame, for Jupyter's inline display."""
        return (f'<iframe srcdoc="{html.escape(self, quote=True)}" sandbox="allow-scripts" '
                f'title="valuegrad: computation graph" style="width: 100%; '
                f'height: {FRAME_HEIGHT}px; border: 1px solid #e0e0e0"></iframe>')

    def __repr__(self) -> str:
        return f"<HtmlPage: {len(self):,} characters>"


def to_html(
    root: Any,
    path: str | os.PathLike[str] | None = None,
    *,
    step_order: str = "layers",
    timeout: float = DEFAULT_TIMEOUT,
    **draw_options: Any,
) -> HtmlPage:
    """An interactive page of the graph that produced ``root``, as one HTML document.

    Drag to pan; zoom with the wheel, the + and - buttons or keys; "Fit" (or 0) shows the
    whole graph. A graph too big to read whole opens at a readable size around its output.
    Hovering a node shows its op, label, data, grad and chain-rule line; hovering an edge into
    an op shows that op's local derivative (the op table's formula, and its value); clicking a
    node highlights its paths to the output. The "Step" button plays the backward pass, one
    drawn Value at a time, revealing its gradient, bringing it into view and showing its
    chain-rule line (:func:`autograd.explain.node_lines`). Collapsed drawings work too.

    Args:
        root: the output Value (or an ``nn`` model, drawn as its architecture; no steps).
        path: where to write the page (UTF-8, atomically), if anywhere.
        step_order: ``"layers"``: layer by layer back from the output, as a textbook does
            (a node comes after all of its consumers, grouped by its longest distance from
            the output, ties in the order the graph was built); ``"engine"``: the order of
            the engine's backward pass (the reverse of :func:`autograd.topological_order`).
        timeout: seconds the layout may take (see :func:`autograd.viz.to_svg`).
        **draw_options: passed to :func:`autograd.viz.draw_dot` (``collapse``,
            ``max_nodes``, ``rankdir``, ``show_grad``, ``shade``, ``params``).

    Returns:
        The HTML text, as an :class:`HtmlPage` (a ``str`` that Jupyter displays inline).

    >>> from autograd import Value
    >>> x = Value(3.0, label="x")
    >>> page = to_html(x * x)
    >>> page.startswith("<!DOCTYPE html>") and "<svg" in page and "http" not in page.split(
    ...     "<svg")[0].replace("http-equiv", "")
    True
    """
    if step_order not in STEP_ORDERS:
        raise ValueError(f"step_order must be 'layers' or 'engine'; got {step_order!r}")
    drawing = draw_dot(root, **draw_options)
    svg = _svg_element(to_svg(drawing, timeout=timeout))
    nodes = {name: _plain(info) for name, info in drawing.nodes.items()}
    if isinstance(root, Value):
        _explain(root, drawing, nodes)
    facts = {
        "nodes": nodes,
        "edges": drawing.edges,
        "root": drawing.root_name,
        "steps": _backward_steps(root, drawing, step_order),
        "order": step_order,
    }
    page = HtmlPage(_document(svg, facts))
    if path is not None:
        write_atomic(path, page)
    return page


def _shown_values(drawing: Drawing) -> dict[str, Value]:
    """The Value each drawn node shows (a collapsed neuron: its output, which ``node_of``
    lists before the nodes merged into it)."""
    shown: dict[str, Value] = {}
    for value, name in drawing.node_of.items():
        shown.setdefault(name, value)
    return shown


def _layer_order(root: Value) -> list[Value]:
    """Every node reaching ``root``, layer by layer back from it: by the longest path from
    ``root`` (so each node comes after all of its consumers), ties in topological order."""
    forward = topological_order(root)
    distance = {root: 0}
    for node in reversed(forward):  # each node after all of its consumers
        for parent in node.parents:
            distance[parent] = max(distance.get(parent, 0), distance[node] + 1)
    return sorted(forward, key=distance.__getitem__)  # stable: ties keep topological order


def _backward_steps(root: Any, drawing: Drawing, step_order: str) -> list[str]:
    """The drawn nodes in the order "Step" reveals them (each once); empty for a model's
    architecture."""
    if not isinstance(root, Value):
        return []
    nodes = _layer_order(root) if step_order == "layers" else reversed(topological_order(root))
    steps: dict[str, None] = {}  # an ordered set
    for node in nodes:
        name = drawing.node_of.get(node)
        if name is not None:
            steps.setdefault(name)
    return list(steps)


def _explain(root: Value, drawing: Drawing, nodes: dict[str, dict[str, Any]]) -> None:
    """Adds what :mod:`autograd.explain` says to the page's facts: each drawn Value's name and
    chain-rule line, and each op node's local derivative per drawn argument (the op table's
    formula, and the value the forward pass stored)."""
    lines = node_lines(root)
    shown = _shown_values(drawing)
    for name, value in shown.items():
        nodes[name]["name"] = name_of(value)
        nodes[name]["explain"] = lines[value]
    for info in nodes.values():
        if info["kind"] != "op":
            continue
        value = shown[info["of"]]
        positions = [i for i, a in enumerate(value.arguments) if isinstance(a, Value)]
        info["args"] = [
            {"from": source, "formula": local_formula(value, i), "value": _plain(d)}
            for source, i, d in zip(info["inputs"], positions, value.local_grads, strict=True)
            if source is not None
        ]


def _document(svg: str, facts: dict[str, Any]) -> str:
    """The HTML page: the SVG, the facts as inert JSON, our style and script inline, and a
    Content-Security-Policy that lets only that script (by its hash) run."""
    script = _asset("page.js")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    policy = (f"default-src 'none'; script-src 'sha256-{digest}'; "
              "style-src 'unsafe-inline'; img-src data:")
    return "".join([
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        "<title>valuegrad: computation graph</title>\n",
        f"<style>\n{_asset('page.css')}</style>\n</head>\n<body>\n",
        "<header><h1>Computation graph</h1>",
        '<button id="step" type="button">Step</button>',
        '<button id="reset" type="button">Reset</button>',
        '<span class="zoom" role="group" aria-label="Zoom">',
        '<button id="zoom-out" type="button" title="Zoom out (-)" aria-label="Zoom out">\u2212'
        + "</button>",
        '<span id="zoom" aria-live="polite"></span>',
        '<button id="zoom-in" type="button" title="Zoom in (+)" aria-label="Zoom in">+</button>',
        '<button id="fit" type="button" title="Show the whole graph (0)">Fit</button></span>',
        '<span class="hint" id="hint">drag to move; wheel, + and \u2212 zoom; 0 fits; 1 is 100%</span>',
        '<p id="status" role="status"></p></header>\n',
        f'<main id="graph">\n{svg}</main>\n',
        '<div id="tooltip" hidden></div>\n',
        f'<script type="application/json" id="graph-data">{_json_for_script(facts)}</script>\n',
        f"<script>{script}</script>\n</body>\n</html>\n",
    ])
