"""``to_html`` (autograd/viz/page.py): the self-contained page, what it carries, and what it
keeps out of its markup (its behaviour in a browser: test_page_browser.py)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from autograd import Value, topological_order
from autograd.viz import draw_dot
from tests.autograd.viz.helpers import (
    neuron,
    node_texts,
    page_parts,
    squash,
    svg_groups,
)


@pytest.mark.parametrize("label", [
    "</script><script>alert(1)</script>", "<img src=x onerror=alert(2)>", "</SCRIPT >",
    "<!--", "]]>", "&amp;", "\u2028\u2029"])
def test_to_html_keeps_labels_out_of_markup_and_script(label: str, no_system_dot: None) -> None:
    import json

    from autograd.viz import to_html

    x = Value(1.0, label=label)
    page = to_html(x * 2)
    facts, _, rest = page_parts(page)
    assert "<" not in facts and ">" not in facts and "&" not in facts
    assert json.loads(facts)["nodes"]["v0"]["label"] == label
    assert page.count("<script") == 2 and page.count("</script>") == 2
    assert "<img" not in rest
    # Graphviz's own comments name nodes and edges; no label opened one.
    assert all(re.fullmatch(r" [\w;&#]+ ", c) for c in re.findall(r"<!--(.*?)-->", rest, re.DOTALL))
    # The SVG part is well-formed XML, and its texts read back as the label.
    svg = rest[rest.index("<svg"): rest.index("</svg>") + 6]
    texts = [squash(t) for g in svg_groups(svg, "node") for t in node_texts(g)]
    assert squash(label) in texts or not squash(label)


def test_to_html_is_self_contained_and_allows_only_its_own_script(no_system_dot: None,
                                                                  tmp_path: Path) -> None:
    import base64
    import hashlib
    import json

    from autograd.viz import to_html

    out, _ = neuron()
    path = tmp_path / "graph.html"
    page = to_html(out, path)
    assert path.read_text(encoding="utf-8") == page
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty-bin", "graph.html"]
    facts, script, rest = page_parts(page)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in page and "default-src 'none'" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", rest)  # nothing loaded
    data = json.loads(facts)
    assert data["root"] == draw_dot(out).root_name and len(data["nodes"]) == 15


def test_to_html_carries_nan_and_infinite_numbers(no_system_dot: None) -> None:
    import json

    from autograd.viz import to_html

    x = Value(float("inf"), label="x")
    y = x * 0.0  # nan
    y.grad = float("-inf")
    data = json.loads(page_parts(to_html(y))[0])
    assert data["nodes"]["v0"]["data"] == "Infinity"
    assert data["nodes"]["v1"]["data"] == "NaN" and data["nodes"]["v1"]["grad"] == "-Infinity"


def test_to_html_step_orders(no_system_dot: None) -> None:
    """"engine": the reverse of the engine's topological order; "layers" (the default): back
    from the output layer by layer, each node after all of its consumers (the longest path
    from the output, ties in the order the graph was built)."""
    import json

    from autograd.viz import to_html

    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a * b
    c.label = "c"
    d = c + a  # a is read by d (1 op from the output) and by c (2 ops)
    d.label = "d"
    e = d * b
    e.label = "e"
    e.backward()
    drawing = draw_dot(e)

    def steps(**options: str) -> list[str]:
        names = json.loads(page_parts(to_html(e, **options))[0])["steps"]
        return [drawing.nodes[n]["label"] for n in names]

    assert steps(step_order="engine") == [
        drawing.nodes[drawing.node_of[n]]["label"] for n in reversed(topological_order(e))]
    # e; d; c; then a and b: both are read by e or d too, but wait for c, three ops from the
    # output; they come in the order the graph was built (a * b).
    assert steps() == steps(step_order="layers") == ["e", "d", "c", "a", "b"]
    with pytest.raises(ValueError, match="step_order must be 'layers' or 'engine'"):
        to_html(e, step_order="textbook")


def test_to_html_carries_each_edges_local_derivative_and_each_steps_chain_rule(
        no_system_dot: None) -> None:
    """What explain says, per drawn Value (its name and chain-rule line) and per edge into an
    op (the op table's formula and the local derivative the forward pass stored), cut edges
    and constants left out."""
    import json

    from autograd.explain import local_formula, name_of, node_lines
    from autograd.viz import to_html

    x = Value(2.0, label="x")
    y = x ** x  # two edges from x: d/dbase = x * x ** (x - 1) = 4, d/dexponent = x ** x ln x
    y.label = "y"
    z = 3.0 - y  # a constant first: the Value is argument 1
    z.label = "z"
    z.backward()
    data = json.loads(page_parts(to_html(z))[0])
    drawing = draw_dot(z)
    lines = node_lines(z)
    for value in (x, y, z):
        info = data["nodes"][drawing.node_of[value]]
        assert info["explain"] == lines[value] and info["name"] == name_of(value)
    pow_args = data["nodes"][drawing.node_of[y] + "_op"]["args"]
    assert [a["from"] for a in pow_args] == [drawing.node_of[x]] * 2
    assert [a["value"] for a in pow_args] == pytest.approx([4.0, 4.0 * math.log(2.0)])
    assert [a["formula"] for a in pow_args] == [local_formula(y, 0), local_formula(y, 1)]
    [sub_arg] = data["nodes"][drawing.node_of[z] + "_op"]["args"]
    assert (sub_arg["formula"], sub_arg["value"]) == (local_formula(z, 1), -1.0)
    # Cut by max_nodes: the op keeps no derivative for the argument not drawn.
    cut = json.loads(page_parts(to_html(z, max_nodes=2))[0])
    assert cut["nodes"][draw_dot(z, max_nodes=2).node_of[y] + "_op"]["args"] == []


def test_to_html_returns_a_page_jupyter_displays_in_a_sandboxed_frame(no_system_dot: None) -> None:
    import html

    from autograd.viz import HtmlPage, to_html

    x = Value(1.0, label='"</iframe><script>alert(1)</script>&')
    page = to_html(x * 2)
    assert isinstance(page, HtmlPage) and isinstance(page, str)
    assert repr(page) == f"<HtmlPage: {len(page):,} characters>"
    frame = page._repr_html_()
    m = re.fullmatch(r'<iframe srcdoc="([^"]*)" sandbox="allow-scripts" ([^<>]*)></iframe>', frame)
    assert m is not None, frame[:200]
    assert html.unescape(m.group(1)) == page
    assert "<" not in m.group(1) and ">" not in m.group(1)
