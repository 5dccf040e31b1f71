"""``draw_dot`` (autograd/viz/graph_to_dot.py): DOT structure, determinism, escaping of user
text, the ``max_nodes`` cut, far uses drawn from a copy, the README's drawing."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd import Value, topological_order
from autograd.viz import (
    DEFAULT_MAX_NODES,
    Drawing,
    draw_dot,
    to_svg,
)
from tests.autograd.viz.helpers import (
    REPO,
    SVG_NS,
    chain,
    neuron,
    node_texts,
    op_nodes,
    page_parts,
    squash,
    statements,
    svg_groups,
    value_nodes,
)


def test_returns_a_graphviz_digraph_with_its_usual_api() -> None:
    import graphviz

    out, _ = neuron()
    g = draw_dot(out)
    assert isinstance(g, graphviz.Digraph) and isinstance(g, Drawing)
    assert g.source.startswith("digraph computation_graph {")
    assert g.copy().source == g.source


def test_node_and_edge_counts_equal_the_graphs() -> None:
    out, _ = neuron()
    graph = topological_order(out)
    ops = [v for v in graph if not v.is_leaf]
    nodes, edges = statements(draw_dot(out).source)
    assert len(value_nodes(nodes)) == len(graph) == 10
    assert len(op_nodes(nodes)) == len(ops) == 5
    assert len(nodes) == len(graph) + len(ops)
    assert len(edges) == sum(len(v.parents) for v in graph) + len(ops)


def test_every_value_shows_label_data_and_grad() -> None:
    out, _ = neuron()
    nodes, _ = statements(draw_dot(out).source)
    labels = sorted(re.search(r'label="\{(\w*)\|', line).group(1) for n, line in nodes.items()
                    if n in value_nodes(nodes) and "label=\"{data" not in line)
    assert labels == ["b", "n", "o", "w1", "w2", "x1", "x2"]
    root_line = nodes[value_nodes(nodes)[-1]]
    assert 'label="{o|data\\ 0.7071|grad\\ 1.0000}"' in root_line


def test_op_nodes_use_the_op_tables_symbols() -> None:
    x = Value(2.0, label="x")
    y = ((x * x + x) / 3 - x).tanh()
    nodes, _ = statements(draw_dot(y).source)
    shown = [re.search(r'label="([^"]*)"', nodes[n]).group(1) for n in op_nodes(nodes)]
    # mul, add, div by a constant, sub, tanh; a constant argument is shown in the op node.
    assert shown == ["*", "+", "·\\ /\\ 3.0000", "-", "tanh"]


def test_edges_follow_argument_order_and_repeat_for_repeated_arguments() -> None:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    for out, expected in ((a - b, ["a", "b"]), (b - a, ["b", "a"]), (a * a, ["a", "a"])):
        nodes, edges = statements(draw_dot(out).source)
        label_of = {n: re.search(r'label="\{(\w*)\|', line) for n, line in nodes.items()}
        into_op = [label_of[t].group(1) for t, h in edges if h.endswith("_op")]
        assert into_op == expected


def test_leaf_root_draws_one_node() -> None:
    nodes, edges = statements(draw_dot(Value(3.0)).source)
    assert list(nodes) == ["v0"] and edges == []


def test_kinds_are_coloured_apart() -> None:
    out, params = neuron()
    nodes, _ = statements(draw_dot(out, params=params).source)

    def colour(label: str) -> str:
        line = next(v for v in nodes.values() if f'label="{{{label}|' in v)
        return re.search(r'color="(#\w+)"', line.replace("fillcolor", "fill")).group(1)

    assert colour("o") == "#2e7d32"  # output
    assert colour("w1") == colour("w2") == colour("b") == "#c62828"  # parameters
    assert colour("x1") == colour("x2") == "#1565c0"  # other leaves
    assert colour("n") == "#616161"  # intermediate
    assert len({colour("o"), colour("w1"), colour("x1"), colour("n")}) == 4


def test_params_accepts_a_module_like_object() -> None:
    out, params = neuron()

    class Model:
        def parameters(self) -> list[Value]:
            return params

    assert draw_dot(out, params=Model()).source == draw_dot(out, params=params).source
    assert draw_dot(out, params=Model()).source != draw_dot(out).source


def test_shade_fills_by_gradient_magnitude() -> None:
    a, b, c = Value(1.0, label="a"), Value(1.0, label="b"), Value(1.0, label="c")
    out = 4 * a + 2 * b + 0 * c
    out.label = "out"
    out.backward()  # |grad|: a 4, b 2, c 0, out 1
    nodes, _ = statements(draw_dot(out, shade=True).source)

    def fill(label: str) -> tuple[int, ...]:
        line = next(v for v in nodes.values() if f'label="{{{label}|' in v)
        hex_ = re.search(r'fillcolor="#(\w{6})"', line).group(1)
        return tuple(int(hex_[i:i + 2], 16) for i in (0, 2, 4))

    # Blue channel falls from 255 (white, zero gradient) as the gradient grows.
    assert fill("c") == (255, 255, 255)
    assert fill("a")[2] < fill("b")[2] < fill("out")[2] < 255
    plain, _ = statements(draw_dot(out).source)
    assert plain != nodes


def test_shade_handles_nan_and_infinite_gradients() -> None:
    a, b = Value(1.0, label="a"), Value(1.0, label="b")
    out = a + b
    a.grad, b.grad, out.grad = math.nan, math.inf, 1.0
    source = draw_dot(out, shade=True).source
    assert "grad\\ nan" in source and "grad\\ inf" in source
    nodes, _ = statements(source)
    assert 'fillcolor="#bdbdbd"' in next(v for v in nodes.values() if 'label="{a|' in v)


def test_show_grad_false_hides_gradients() -> None:
    out, _ = neuron()
    source = draw_dot(out, show_grad=False).source
    assert "grad" not in source and "data\\ " in source


def test_grad_that_is_a_value_shows_its_data() -> None:
    x = Value(3.0, label="x")
    y = x * x
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value)
    assert 'label="{x|data\\ 3.0000|grad\\ 6.0000}"' in draw_dot(y).source


def test_rankdir() -> None:
    out, _ = neuron()
    tb = draw_dot(out, rankdir="TB").source
    assert "rankdir=TB" in tb
    assert 'label="o|data\\ 0.7071|grad\\ 1.0000"' in tb  # no braces: fields still in a row
    with pytest.raises(ValueError, match="rankdir"):
        draw_dot(out, rankdir="LR; x -> y")


def test_rejects_non_values() -> None:
    with pytest.raises(TypeError, match="Value"):
        draw_dot(3.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="to_svg"):
        to_svg("digraph { a -> b }")  # type: ignore[arg-type]


def test_same_graph_same_dot() -> None:
    first, _ = neuron()
    second, _ = neuron()
    assert draw_dot(first).source == draw_dot(second).source
    assert draw_dot(first).source == draw_dot(first).source


_DRAW_IN_SUBPROCESS = """
import sys
from autograd import Value
from autograd.viz import draw_dot
xs = [Value(float(i), label=f"x{i}") for i in range(30)]
total = xs[0]
for i, x in enumerate(xs[1:]):
    total = total * x if i % 3 else total + x.tanh() * xs[i // 2]
total.backward()
sys.stdout.write(draw_dot(total, max_nodes=40).source)
"""


def test_same_dot_in_every_process() -> None:
    """Node names and order never depend on id() or hash order."""
    outputs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)}
        proc = subprocess.run([sys.executable, "-c", _DRAW_IN_SUBPROCESS], env=env,
                              capture_output=True, text=True, check=True)
        outputs.add(proc.stdout)
    assert len(outputs) == 1
    assert "cut ->" in outputs.pop()  # the cut is deterministic too


HOSTILE = [
    'say "hi"',
    '"]; evil [shape=box]; v0 -> evil; x [label="',
    "}|{x|y",
    "<port> and <b>bold</b>",
    "<script>alert(1)</script>",
    "back\\slash \\N \\G \\L \\n \\l \\r \\\\",
    "ends with a backslash \\",
    '\\"',
    "two\nlines\nthree",
    "&amp; &lt;tag&gt; &#1; &#x41; &nbsp;",
    "]]> <!-- --> <?xml?>",
    "{[(|)]}",
    "tab\there",
    "héllo 世界 ∂L/∂w",
    "-> -- ;",
]


@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_labels_add_nothing_to_the_dot(label: str) -> None:
    a = Value(1.0, label=label)
    b = Value(2.0, label=label)
    out = a * b
    out.label = label
    out.backward()
    nodes, edges = statements(draw_dot(out).source)  # every line is one well-formed statement
    assert sorted(nodes) == ["v0", "v1", "v2", "v2_op"]
    assert edges == [("v0", "v2_op"), ("v1", "v2_op"), ("v2_op", "v2")]


@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_labels_add_no_markup_to_the_svg(label: str, no_system_dot: None) -> None:
    a = Value(1.0, label=label)
    b = Value(2.0, label="b")
    out = a * b
    out.label = label
    svg = to_svg(out)
    groups = svg_groups(svg, "node")  # parses as XML, or fails here
    assert len(groups) == 4
    assert len(svg_groups(svg, "edge")) == 3
    # No element the renderer would not have made for four plain nodes.
    tags = {el.tag.split("}")[1] for el in ET.fromstring(svg).iter()}
    assert tags <= {"svg", "g", "title", "text", "polygon", "polyline", "path", "ellipse"}
    # The label's text comes back out of the drawing, character for character.
    expected = label.replace("\t", " ")
    for group in groups:
        title = group.find("svg:title", SVG_NS).text
        if title in ("v0", "v2"):
            texts = node_texts(group)
            assert squash(" ".join(texts[:-2])) == squash(expected)
            assert squash(texts[-2]).startswith("data ")


class Shown:
    """An object used as a label: drawn as its ``str()``, which may be hostile."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text


class Text(str):
    """A str subclass: what a label's ``__str__`` may return."""


class Sneaky:
    """``str()`` gives a str subclass carrying markup."""

    def __str__(self) -> str:
        return Text('"]; evil [shape=box]; v0 -> evil; x [label="')


@pytest.mark.parametrize(("label", "shown"), [
    (42, "42"), (None, "None"), (1.5, "1.5"), (Shown("w_1"), "w_1"),
    (Shown('"]; evil [shape=box]; v0 -> evil; x [label="'),
     '"]; evil [shape=box]; v0 -> evil; x [label="'),
    (Shown("<script>alert(1)</script>"), "<script>alert(1)</script>"),
    (Sneaky(), '"]; evil [shape=box]; v0 -> evil; x [label="'),
])
def test_a_label_assigned_a_non_string_is_drawn_as_its_str(label: object, shown: str,
                                                           no_system_dot: None) -> None:
    import json

    from autograd.viz import to_html

    a = Value(1.0, label="a")
    a.label = label  # type: ignore[assignment]  # what the issue's users did
    out = a * Value(2.0, label="b")
    out.backward()
    drawing = draw_dot(out)
    nodes, edges = statements(drawing.source)  # well-formed: nothing injected
    assert sorted(nodes) == ["v0", "v1", "v2", "v2_op"] and len(edges) == 3
    assert drawing.nodes["v0"]["label"] == shown
    assert type(drawing.nodes["v0"]["label"]) is str  # a plain str, whatever __str__ gave
    svg = to_svg(drawing)
    leaf = next(g for g in svg_groups(svg, "node") if g.find("svg:title", SVG_NS).text == "v0")
    assert squash(node_texts(leaf)[0]) == squash(shown)
    tags = {el.tag.split("}")[1] for el in ET.fromstring(svg).iter()}
    assert "script" not in tags
    facts, _, _ = page_parts(to_html(out))
    assert json.loads(facts)["nodes"]["v0"]["label"] == shown


def test_a_collapsed_neuron_labelled_with_a_number_shows_it() -> None:
    from nn import Neuron

    out = Neuron(2, seed=0)([0.5, -1.0])
    out.label = 7  # type: ignore[assignment]
    out.backward()
    source = draw_dot(out, collapse="neuron").source
    assert 'label="{7\\nrelu\\ neuron,\\ 2\\ in|data' in source


def test_a_label_whose_str_fails_is_refused_naming_the_node() -> None:
    class Broken:
        def __str__(self) -> str:
            raise RuntimeError("no text")

    x = Value(3.25)
    x.label = Broken()  # type: ignore[assignment]
    with pytest.raises(TypeError, match=r"the label of the Value with data 3.25 cannot be drawn: "
                                        r"str\(\) of its Broken raised RuntimeError: no text"):
        draw_dot(x * 2)


def test_control_characters_and_surrogates_become_visible_escapes(no_system_dot: None) -> None:
    label = "bell\x07 nul\x00 esc\x1b del\x7f lone\ud800"
    out = Value(1.0, label=label) * 2
    svg = to_svg(out)
    groups = svg_groups(svg, "node")
    assert len(groups) == 3
    leaf = next(g for g in groups if g.find("svg:title", SVG_NS).text == "v0")
    assert node_texts(leaf)[0] == "bell\\x07 nul\\x00 esc\\x1b del\\x7f lone\\ud800"


def test_long_labels_are_shortened() -> None:
    label = "x" * 500
    source = draw_dot(Value(1.0, label=label)).source
    assert "x" * 47 + "\u2026" in source and "x" * 48 not in source


def test_max_nodes_keeps_the_part_nearest_the_root_and_shows_the_cut() -> None:
    out = chain(1000)  # 1001 Values
    g = draw_dot(out, max_nodes=10)
    assert (g.values_drawn, g.values_omitted) == (10, 991)
    nodes, edges = statements(g.source)
    kept = sorted(int(re.search(r'label="\{(\d+)\|', nodes[n]).group(1))
                  for n in value_nodes(nodes))
    assert kept == list(range(991, 1001))
    assert "991\\ more\\ Values\\ not\\ drawn" in nodes["cut"]
    assert "max_nodes=10;\\ 1,001\\ in\\ the\\ graph" in nodes["cut"]
    cut_edges = [(t, h) for t, h in edges if t == "cut"]
    assert cut_edges == [("cut", "v0_op")]  # the op whose argument was left out
    # The drawn part is complete: 9 ops with their in-graph edges, plus the cut's edge.
    assert len(op_nodes(nodes)) == 10 and len(edges) == 9 * 2 + 1 + 1


def test_max_nodes_cut_on_a_wide_op() -> None:
    from autograd import sum as vsum

    xs = [Value(float(i), label=f"x{i}") for i in range(50)]
    g = draw_dot(vsum(xs), max_nodes=11)
    nodes, edges = statements(g.source)
    assert g.values_omitted == 40
    # Nearest the root, ties broken by argument order: the first ten arguments.
    labels = [re.search(r'label="\{(\w+)\|', nodes[n]).group(1) for n in value_nodes(nodes)[:-1]]
    assert labels == [f"x{i}" for i in range(10)]
    assert [h for t, h in edges if t == "cut"] == ["v10_op"]


def test_max_nodes_default_caps_at_default_max_nodes() -> None:
    out = chain(2 * DEFAULT_MAX_NODES)
    g = draw_dot(out)
    assert g.values_drawn == DEFAULT_MAX_NODES
    assert g.values_omitted == DEFAULT_MAX_NODES + 1
    small = chain(10)
    assert "cut" not in statements(draw_dot(small).source)[0]


def test_max_nodes_at_or_above_the_graph_size_cuts_nothing() -> None:
    out = chain(20)
    for limit in (21, 22, math.inf):
        g = draw_dot(out, max_nodes=limit)
        assert (g.values_drawn, g.values_omitted) == (21, 0)
        assert "cut" not in g.source


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-5, ValueError), (True, TypeError),
                                        (2.5, TypeError), ("10", TypeError)])
def test_max_nodes_validation(bad: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="max_nodes"):
        draw_dot(chain(3), max_nodes=bad)  # type: ignore[arg-type]


def test_a_100k_node_deep_graph_draws_without_recursion() -> None:
    out = chain(99_999)  # 100,000 Values, 99,999 ops
    assert sys.getrecursionlimit() < 100_000
    g = draw_dot(out, max_nodes=math.inf)
    assert g.values_drawn == 100_000
    source = g.source
    assert source.count(" -> ") == 2 * 99_999
    assert source.count(" [label=") == 100_000 + 99_999
    capped = draw_dot(out)
    assert capped.values_drawn == DEFAULT_MAX_NODES
    assert capped.values_omitted == 100_000 - DEFAULT_MAX_NODES


def test_committed_graph_svg_is_what_make_assets_draws(tmp_path: Path, no_system_dot: None) -> None:
    """notebooks/assets/graph.svg is generated, not hand-made, and is up to date."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_assets", REPO / "notebooks/make_assets.py")
    assert spec is not None and spec.loader is not None
    make_assets = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_assets)
    written = make_assets.neuron_graph(tmp_path)
    assert written == tmp_path / "graph.svg"
    fresh = written.read_text(encoding="utf-8")
    committed = (REPO / "notebooks/assets/graph.svg").read_text(encoding="utf-8")

    def content(svg: str) -> list[tuple[str, list[str]]]:
        # What is drawn, not where: a newer Graphviz may place things differently.
        return [(g.find("svg:title", SVG_NS).text, node_texts(g))
                for kind in ("node", "edge") for g in svg_groups(svg, kind)]

    assert len(svg_groups(fresh, "node")) == 15
    assert content(committed) == content(fresh)


def test_a_value_read_at_every_step_is_drawn_beside_each_far_use(no_system_dot: None) -> None:
    """Issue 16 item 6: y = y * x + 1 repeated 100 times took over 120 s to lay out."""
    x, y = Value(0.5, label="x"), Value(1.0, label="y")
    for _ in range(100):
        y = y * x + 1.0
    y.backward()
    g = draw_dot(y)
    assert g.values_drawn == 202
    copies = [n for n, info in g.nodes.items() if info["kind"] == "copy"]
    # The first multiplication reads x next to it; the other 99 read a dashed copy.
    assert len(copies) == 99
    assert all(g.nodes[c]["of"] == g.node_of[x] for c in copies)
    svg = to_svg(g)
    assert len(svg_groups(svg, "node")) == 202 + 200 + 99
    assert len(svg_groups(svg, "edge")) == 100 * 3 + 100 * 2
    texts = [squash(" ".join(node_texts(n))) for n in svg_groups(svg, "node")]
    assert texts.count("x data 0.5000") == 99  # every copy says what it is
