"""A computation graph to SVG in one call: :func:`to_svg`, for a Value or any graphviz graph.

The SVG comes from :mod:`autograd.viz.renderers` (the system ``dot``, else Graphviz in
WebAssembly), so it needs no system Graphviz; a Value is drawn first with
:func:`autograd.viz.draw_dot`'s defaults.
"""

from __future__ import annotations

import os

import graphviz

from ..core.node import Value
from .files import write_atomic
from .graph_to_dot import draw_dot
from .renderers import DEFAULT_TIMEOUT, render_svg

__all__ = ["to_svg"]


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
