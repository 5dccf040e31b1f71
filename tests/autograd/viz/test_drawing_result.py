"""``Drawing`` (autograd/viz/drawing_result.py): shown in Jupyter, its repr, its ``render``,
``pipe`` and ``view`` without system Graphviz."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograd import Value
from autograd.viz import (
    RendererNotFoundError,
    draw_dot,
)
from tests.autograd.viz.helpers import (
    neuron,
    svg_groups,
)


def test_jupyter_mimebundle_renders_svg_without_system_graphviz(no_system_dot: None) -> None:
    out, _ = neuron()
    g = draw_dot(out)
    bundle = g._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    assert len(svg_groups(bundle["image/svg+xml"], "node")) == 15
    assert g._repr_mimebundle_(include=[]) == {}
    assert g._repr_mimebundle_(exclude=["image/svg+xml"]) == {}
    # PNG needs the system dot: without it, it is left out rather than raising.
    assert list(g._repr_mimebundle_(include=["image/svg+xml", "image/png"])) == ["image/svg+xml"]
    assert g._repr_svg_() == bundle["image/svg+xml"]


def test_inline_display_allows_the_drawings_own_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    # A big graph's drawing given more time must get it when Jupyter displays it, too.
    import autograd.viz.drawing_result as drawing_module

    asked: list[float] = []

    def fake_render_svg(source: str, *, timeout: float) -> str:
        asked.append(timeout)
        return "<svg></svg>"

    monkeypatch.setattr(drawing_module, "render_svg", fake_render_svg)
    g = draw_dot(Value(2.0) * 3.0)
    g.timeout = 120.0
    g._repr_svg_()
    g._repr_mimebundle_()
    assert asked == [120.0, 120.0]


def test_ipython_display_formatter_uses_the_bundle(no_system_dot: None) -> None:
    from IPython.core import formatters  # ipykernel, in the dev extra, brings IPython

    out, _ = neuron()
    data, _ = formatters.DisplayFormatter().format(draw_dot(out))
    assert len(svg_groups(data["image/svg+xml"], "node")) == 15


def test_drawing_repr_is_stable_and_counts_values():
    from autograd import Value
    from autograd.viz import draw_dot

    x = Value(1.0)
    y = x * x + x
    assert repr(draw_dot(y)) == "<Drawing of 3 Values>"
    assert repr(draw_dot(y, max_nodes=1)) == "<Drawing of 1 Values, 2 cut by max_nodes>"


def test_drawing_render_pipe_and_view_work_without_system_dot(
    tmp_path: Path, no_system_dot: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import graphviz

    out, _ = neuron()
    g = draw_dot(out)
    svg = g.pipe()
    assert isinstance(svg, bytes) and len(svg_groups(svg.decode(), "node")) == 15
    assert g.pipe(encoding="utf-8") == svg.decode()
    assert b"digraph" in g.pipe(format="dot")
    path = g.render(tmp_path / "graph")
    assert path == str(tmp_path / "graph.svg")
    assert (tmp_path / "graph").read_text() == g.source
    assert Path(path).read_bytes() == svg
    viewed = []
    monkeypatch.setattr(graphviz, "view", lambda p, quiet=False: viewed.append(p))
    assert g.view(tmp_path / "v.gv", cleanup=True) == str(tmp_path / "v.gv.svg")
    assert viewed == [str(tmp_path / "v.gv.svg")] and not (tmp_path / "v.gv").exists()
    with pytest.raises(RendererNotFoundError, match="graphviz.org"):
        g.pipe(engine="neato")
