"""Drawing computation graphs: ``draw_dot`` builds a Graphviz graph, ``to_svg`` renders it,
``to_html`` makes an interactive page of it.

Rendering needs no system Graphviz: without ``dot`` on ``PATH``, :func:`to_svg` (and Jupyter's
inline display of a drawing) uses Graphviz compiled to WebAssembly, installed by pip. This is
the only part of ``autograd`` that imports ``graphviz``; ``import autograd`` does not load it.

>>> from autograd import Value
>>> from autograd.viz import draw_dot
>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> out = (a * b).tanh()
>>> out.backward()
>>> drawing = draw_dot(out)
>>> drawing.values_drawn, drawing.values_omitted
(4, 0)
"""

from .drawing_result import Drawing
from .graph_to_dot import DEFAULT_MAX_NODES, draw_dot
from .graph_to_svg import to_svg
from .labels import LABEL_LIMIT
from .model_to_dot import draw_model
from .page import HtmlPage, to_html
from .renderers import (
    DEFAULT_TIMEOUT,
    RendererNotFoundError,
    RenderError,
    RenderTimeoutError,
    renderer_name,
)

__all__ = [
    "DEFAULT_MAX_NODES",
    "DEFAULT_TIMEOUT",
    "LABEL_LIMIT",
    "Drawing",
    "HtmlPage",
    "RenderError",
    "RenderTimeoutError",
    "RendererNotFoundError",
    "draw_dot",
    "draw_model",
    "renderer_name",
    "to_html",
    "to_svg",
]
