"""One self-contained HTML page to explore a computation graph: :func:`to_html`.

The page holds everything inline (the SVG, the style, the script) and loads nothing, so it
works offline, from an e-mail attachment or a CI artifact. Its script is ``page.js`` and its
style ``page.css``, files of this package read with ``importlib.resources``.

Labels are user text and the page is HTML, so nothing user-made is pasted into markup: the
SVG comes from Graphviz, which writes text as XML character data with ``<``, ``>`` and ``&``
escaped (and :mod:`autograd.viz.labels` has escaped it for DOT before); the facts the script
reads (labels, numbers) travel in a ``<script type="application/json">`` block with every
``<``, ``>`` and ``&`` written as a JSON ``\\u`` escape, so no ``</script>`` can close it; and
the script puts them on screen with ``textContent`` only. A Content-Security-Policy allows no
script but ours (by its hash) and no network access at all.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
from importlib import resources
from typing import Any

from ..backprop import topological_order
from ..node import Value
from .draw import draw_dot
from .drawing import Drawing
from .files import write_atomic
from .render import DEFAULT_TIMEOUT
from .svg import to_svg

__all__ = ["to_html"]


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


def to_html(
    root: Any,
    path: str | os.PathLike[str] | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    **draw_options: Any,
) -> str:
    """An interactive page of the graph that produced ``root``, as one HTML document.

    Hovering a node shows its op, label, data and grad; clicking one highlights its paths to
    the output; the "Step" button plays the backward pass in the engine's own order (the
    reverse of :func:`autograd.topological_order`, from the root), revealing each
    node's gradient as the chain rule reaches it. Collapsed drawings work too.

    Args:
        root: the output Value (or an ``nn`` model, drawn as its architecture; no steps).
        path: where to write the page (UTF-8, atomically), if anywhere.
        timeout: seconds the layout may take (see :func:`autograd.viz.to_svg`).
        **draw_options: passed to :func:`autograd.viz.draw_dot` (``collapse``,
            ``max_nodes``, ``rankdir``, ``show_grad``, ``shade``, ``params``).

    Returns:
        The HTML text.

    >>> from autograd import Value
    >>> x = Value(3.0, label="x")
    >>> page = to_html(x * x)
    >>> page.startswith("<!DOCTYPE html>") and "<svg" in page and "http" not in page.split(
    ...     "<svg")[0].replace("http-equiv", "")
    True
    """
    drawing = draw_dot(root, **draw_options)
    svg = _svg_element(to_svg(drawing, timeout=timeout))
    facts = {
        "nodes": {name: _plain(info) for name, info in drawing.nodes.items()},
        "edges": drawing.edges,
        "root": drawing.root_name,
        "steps": _backward_steps(root, drawing),
    }
    page = _document(svg, facts)
    if path is not None:
        write_atomic(path, page)
    return page


def _backward_steps(root: Any, drawing: Drawing) -> list[str]:
    """The drawn nodes in the order backward reaches them (each once): the "Step" button's
    script; empty for a model's architecture."""
    steps: list[str] = []
    if isinstance(root, Value):
        for node in reversed(topological_order(root)):
            name = drawing.node_of.get(node)
            if name is not None and name not in steps:
                steps.append(name)
    return steps


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
        '<span id="status" role="status"></span></header>\n',
        f'<main id="graph">\n{svg}</main>\n',
        '<div id="tooltip" hidden></div>\n',
        f'<script type="application/json" id="graph-data">{_json_for_script(facts)}</script>\n',
        f"<script>{script}</script>\n</body>\n</html>\n",
    ])
