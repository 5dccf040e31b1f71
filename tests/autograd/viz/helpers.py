"""Helpers of the viz tests: graphs to draw, a parser of draw_dot's DOT, SVG queries, a fake
``dot`` program."""

from __future__ import annotations

import re
import stat
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

from autograd import Value

SVG_NS = {"svg": "http://www.w3.org/2000/svg"}
REPO = Path(__file__).resolve().parents[3]  # the checkout

# One DOT statement per body line: a node with attributes, or an edge with optional ones.
# A quoted string is "..." holding no bare quote; anything a label could smuggle in would
# break this shape.
_QUOTED = r'"(?:[^"\\]|\\.)*"'
_ATTR = rf"\w+=(?:{_QUOTED}|[\w.#-]+)"
_NODE_LINE = re.compile(rf"\t(\w+) \[{_ATTR}(?: {_ATTR})*\]")
_EDGE_LINE = re.compile(rf"\t(\w+) -> (\w+)(?: \[{_ATTR}(?: {_ATTR})*\])?")


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


def fake_dot(directory: Path, script: str) -> Path:
    """Writes an executable ``dot`` (a Python script) into ``directory``."""
    directory.mkdir(exist_ok=True)
    path = directory / "dot"
    path.write_text(f"#!{sys.executable}\n" + textwrap.dedent(script))
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def page_parts(page: str) -> tuple[str, str, str]:
    """(the JSON block's text, our script's text, everything outside the two scripts)."""
    m = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>\n'
                  r"<script>(.*?)</script>", page, re.DOTALL)
    assert m is not None
    return m.group(1), m.group(2), page[: m.start()] + page[m.end():]
