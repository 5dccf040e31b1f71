"""The result of drawing a graph: :class:`Drawing`, a ``graphviz.Digraph`` that renders
and displays itself (in Jupyter, too) without system Graphviz, and carries what it shows.

Its ``render``, ``pipe`` and ``view`` call the system ``dot`` when there is one and the
embedded WebAssembly Graphviz of :mod:`autograd.viz.renderers` otherwise;
:mod:`autograd.viz.graph_to_dot` and :mod:`autograd.viz.model_to_dot` fill it in.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from typing import Any

import graphviz

from ..core.node import Value
from .files import write_atomic
from .renderers import DEFAULT_TIMEOUT, RendererNotFoundError, render, render_svg

__all__ = ["Drawing"]


class Drawing(graphviz.Digraph):  # type: ignore[misc]  # graphviz has no types: Digraph is Any
    """A ``graphviz.Digraph`` of a computation graph that renders without system Graphviz.

    Everything a ``Digraph`` does works (``.source``, ``.render``, ``.pipe``, ``.view``).
    ``render``/``pipe``/``view`` call the system ``dot`` when it is on ``PATH``, else the
    embedded WebAssembly Graphviz (which writes SVG, the default format here, and DOT text,
    but no raster images or PDF). Jupyter's inline display is SVG, from either.

    Attributes:
        values_drawn: how many nodes standing for Values the drawing shows (a collapsed
            neuron counts once).
        values_omitted: how many were cut by ``max_nodes``.
        node_of: the DOT node showing each drawn Value; the nodes merged into a collapsed
            neuron (its weighted sum's nodes) map to the neuron's node too, after its output.
        nodes: DOT node name -> what it shows (``kind``, ``op``, ``label``, ``data``,
            ``grad``; an op node also the Value node it makes, ``of``, and where each Value
            argument's edge comes from, ``inputs``), for pages that explain the picture
            (:func:`autograd.viz.to_html`).
        edges: the data flow between DOT nodes as ``(tail, head)`` names, including the links
            a collapsed drawing summarises into one edge.
        root_name: the DOT node of the output.
        timeout: seconds the layout may take (default 30) in the inline display and in
            ``render``/``pipe``/``view`` through the embedded renderer (with system ``dot``,
            those three are ``graphviz``'s own, which set no limit).
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
        """IPython's display hook: SVG as :func:`autograd.viz.to_svg` renders it; PNG/JPEG only
        with system dot."""
        wanted = set(include) if include is not None else {"image/svg+xml"}
        wanted -= set(exclude or ())
        bundle: dict[str, str | bytes] = {}
        if "image/svg+xml" in wanted:
            bundle["image/svg+xml"] = self._svg()
        raster = wanted & {"image/png", "image/jpeg"}
        if raster and shutil.which("dot"):
            bundle.update(super()._repr_mimebundle_(include=raster))
        return bundle

    def _repr_image_svg_xml(self) -> str:
        return self._svg()

    def _repr_svg_(self) -> str:
        """SVG for front ends that look for ``_repr_svg_`` rather than the mimebundle."""
        return self._svg()

    def _svg(self) -> str:
        """The SVG shown inline: rendered as :func:`autograd.viz.to_svg` renders a graph."""
        return render_svg(self.source, timeout=self.timeout)
