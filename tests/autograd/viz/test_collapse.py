"""Collapsed drawings: neurons as one node, layers as clusters, a model's architecture."""

from __future__ import annotations

import math
import re
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from autograd import Value, dot, topological_order
from autograd import sum as vsum
from autograd.viz import draw_dot, to_svg
from nn import MLP

from ..conftest import WorkedExample

SVG_NS = {"svg": "http://www.w3.org/2000/svg"}


def groups(svg: str, kind: str) -> list[ET.Element]:
    return ET.fromstring(svg).findall(f".//svg:g[@class='{kind}']", SVG_NS)


def inches(svg: str) -> tuple[float, float]:
    """The picture's width and height in inches (Graphviz writes points, 72 to the inch)."""
    m = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    assert m is not None
    return float(m.group(1)) / 72, float(m.group(2)) / 72


def plain(source: str) -> str:
    """DOT text with the escaped spaces of labels (backslash space) read back as spaces."""
    return source.replace("\\ ", " ")


def one_sample(inputs: list[float | Value] | None = None) -> tuple[MLP, Value]:
    """One sample through the demo's network, after backward."""
    model = MLP(2, [16, 16, 1], seed=0)
    out = model(inputs if inputs is not None else [0.5, -1.0])
    out.backward()
    return model, out


def test_one_sample_collapsed_by_neuron_is_33_nodes_that_fit_a_screen() -> None:
    model, out = one_sample()
    whole = draw_dot(out)
    assert whole.values_drawn == 402  # 337 parameters, 32 dots, 32 relus, 1 output dot
    g = draw_dot(out, collapse="neuron")
    assert g.values_drawn == 33 == sum(len(layer.neurons) for layer in model.layers)
    svg = to_svg(g)
    assert len(groups(svg, "node")) == 33
    # Inputs are numbers (drawn inside the first layer); 16 x 16 between hidden layers, 16
    # into the output.
    assert len(groups(svg, "edge")) == 16 * 16 + 16
    width, height = inches(svg)
    assert width <= 20 and height <= 11.25, (width, height)  # 1920 x 1080 pixels at 96 dpi
    whole_height = inches(to_svg(whole))[1]
    assert whole_height > 10 * height  # what collapsing is for: 220 inches tall uncollapsed


def test_neuron_nodes_show_activation_output_and_the_weights_gradient_norm() -> None:
    model, out = one_sample()
    g = draw_dot(out, collapse="neuron")
    for layer in model.layers:
        for neuron in layer.neurons:
            params = neuron.parameters()
            norm = math.sqrt(sum(p.grad ** 2 for p in params))
            found = [info for info in g.nodes.values() if info["kind"] == "neuron"
                     and math.isclose(info.get("weight_grad_norm", -1.0), norm, rel_tol=1e-12)]
            assert found, norm
    top = g.nodes[g.root_name]
    assert top["activation"] == "linear" and top["data"] == out.data and top["grad"] == 1.0
    assert 'label="{linear neuron, 16 in|data ' in plain(g.source)


def test_gradients_stay_visible_as_shading() -> None:
    _, out = one_sample()
    fills = re.findall(r'fillcolor="(#[0-9a-f]{6})"', draw_dot(out, collapse="neuron").source)
    assert len(set(fills)) > 10  # shaded by |grad|, not one colour per kind
    assert "#ff8f00" in fills  # the largest |grad| (the output's 1.0) is full amber


def test_collapse_by_layer_draws_three_clusters_joined_by_one_edge_each() -> None:
    _, out = one_sample()
    g = draw_dot(out, collapse="layer")
    svg = to_svg(g)
    clusters = groups(svg, "cluster")
    assert len(clusters) == 3
    blocks = re.findall(r"subgraph cluster_\d+ \{(.*?)\n\t\}", g.source, re.DOTALL)
    assert [len(re.findall(r"\n\t\tv\d+ \[", b)) for b in blocks] == [16, 16, 1]
    assert len(groups(svg, "node")) == 33
    assert len(groups(svg, "edge")) == 2  # layer 1 -> layer 2 -> layer 3
    # The logical links behind those two edges are all kept for the interactive page.
    neuron_names = {n for n, info in g.nodes.items() if info["kind"] == "neuron"}
    assert len([e for e in g.edges if set(e) <= neuron_names]) == 16 * 16 + 16
    assert sorted(info["group"] for info in g.nodes.values()).count("cluster_0") == 16
    titles = re.findall(r'label="(layer \d+: [^"]*)"', plain(g.source))
    assert titles == ["layer 1: 16 relu neurons, 2 in", "layer 2: 16 relu neurons, 16 in",
                      "layer 3: 1 linear neurons, 16 in"]


def test_value_inputs_are_drawn_and_not_taken_for_weights() -> None:
    x = [Value(0.5, label="x0"), Value(-1.0, label="x1")]
    _, out = one_sample(x)
    g = draw_dot(out, collapse="neuron")
    assert g.values_drawn == 33 + 2
    assert g.source.count("-> ") == 2 * 16 + 16 * 16 + 16
    assert g.nodes[g.node_of[x[0]]]["label"] == "x0"


def test_a_weight_read_elsewhere_stays_a_node() -> None:
    model, _ = one_sample()
    w = model.layers[2].neurons[0].w[3]
    loss = model([0.5, -1.0]) + 0.1 * w * w
    loss.backward()
    g = draw_dot(loss, collapse="neuron")
    assert w in g.node_of
    # w: one node; its edges go to the output neuron and to the multiplication w * w.
    name = g.node_of[w]
    heads = [h for t, h in g.edges if t == name]
    assert len(heads) == 3 and g.nodes[heads[0]]["kind"] == "neuron"


def test_a_batch_draws_one_neuron_node_per_sample_and_one_layer_per_sample() -> None:
    model = MLP(2, [4, 1], seed=1)
    outs = [model([float(i), 1.0 - i]) for i in range(3)]
    loss = sum(outs[1:], outs[0])
    loss.backward()
    g = draw_dot(loss, collapse="layer")
    assert g.values_drawn == 3 * 5 + 2  # 15 neurons, two additions
    assert g.source.count("subgraph cluster_") == 6


def test_a_dot_of_non_leaf_weights_is_not_a_neuron() -> None:
    a, b = Value(1.0), Value(2.0)
    out = dot([a * 2, b], [3.0, 4.0])
    with pytest.warns(UserWarning, match="does not pair leaf weights with inputs"):
        collapsed = draw_dot(out, collapse="neuron")
    assert collapsed.values_drawn == draw_dot(out).values_drawn


def test_the_worked_example_is_the_textbooks(worked_example: WorkedExample) -> None:
    """37 Values, the article's total error, and the gradients its updated weights imply
    (each w+ = w - 0.5 dE/dw, printed to 8 or 9 decimals)."""
    assert len(topological_order(worked_example.root)) == 37
    v = worked_example.values
    assert v["E_total"].data == pytest.approx(0.298371109, abs=1e-9)
    updated = {"w1": 0.149780716, "w2": 0.19956143, "w3": 0.24975114, "w4": 0.29950229,
               "w5": 0.35891648, "w6": 0.408666186, "w7": 0.511301270, "w8": 0.561370121}
    for name, new in updated.items():
        assert v[name].grad == pytest.approx((v[name].data - new) / 0.5, abs=2e-8), name


def neurons_of(g: Any) -> dict[str, dict[str, Any]]:
    return {info["label"]: info for info in g.nodes.values() if info["kind"] == "neuron"}


def test_hand_built_neurons_collapse(worked_example: WorkedExample) -> None:
    """The worked example's four neurons (w * i + w * i + b, then sigmoid), written with
    * and +, are found: 4 neuron nodes and the 7 Values of the error."""
    v = worked_example.values
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = draw_dot(worked_example.root, collapse="neuron")
    found = neurons_of(g)
    assert sorted(found) == ["out_h1", "out_h2", "out_o1", "out_o2"]
    assert all(n["activation"] == "sigmoid" and n["inputs"] == n["weights"] == 3
               for n in found.values())
    assert g.values_drawn == 4 + 7
    for name in ("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "b1", "b2"):
        assert v[name] not in g.node_of  # drawn inside their neurons
    for name in ("h1", "h2", "o1", "o2"):  # the sum's nodes stand for the neuron too
        assert g.node_of[v[f"net_{name}"]] == g.node_of[v[f"out_{name}"]]
    o1 = g.node_of[v["out_o1"]]
    assert sorted(t for t, h in g.edges if h == o1) == sorted(
        [g.node_of[v["out_h1"]], g.node_of[v["out_h2"]]])
    norm = math.sqrt(v["w5"].grad ** 2 + v["w6"].grad ** 2 + v["b2"].grad ** 2)
    assert found["out_o1"]["weight_grad_norm"] == pytest.approx(norm, rel=1e-12)
    layered = draw_dot(worked_example.root, collapse="layer")
    assert re.findall(r'label="(layer \d+: [^"]*)"', plain(layered.source)) == [
        "layer 1: 2 sigmoid neurons, 2 in", "layer 2: 2 sigmoid neurons, 2 in"]


def test_a_hand_built_neuron_keeps_its_inputs_outside() -> None:
    """x1 * w1 + x2 * w2 + b: in a product of two leaves the weight is the one read once
    (the second on a tie), so x1 and x2 stay nodes with an edge into the neuron."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2, b = Value(-3.0, label="w1"), Value(1.0, label="w2"), Value(6.88, label="b")
    out = (x1 * w1 + x2 * w2 + b).tanh()
    out.backward()
    g = draw_dot(out, collapse="neuron")
    assert g.values_drawn == 3
    assert sorted(g.nodes[t]["label"] for t, h in g.edges if h == g.root_name) == ["x1", "x2"]
    # A layer of three neurons reading x1 and x2, weight first: x1, x2 are read thrice.
    ws = [[Value(0.1 * (j + k), label=f"w{j}{k}") for k in range(2)] for j in range(3)]
    outs = [(ws[j][0] * x1 + ws[j][1] * x2 + b).relu() for j in range(3)]
    total = outs[0] + outs[1] + outs[2]
    layered = draw_dot(total, collapse="layer")
    assert layered.source.count("subgraph cluster_") == 1
    assert {w for row in ws for w in row}.isdisjoint(layered.node_of)
    assert x1 in layered.node_of and x2 in layered.node_of


def test_sums_and_dots_with_a_bias_are_neurons_too() -> None:
    x1, x2 = Value(0.5, label="x1"), Value(-1.0, label="x2")
    w1, w2, b = Value(0.3, label="w1"), Value(-0.2, label="w2"), Value(0.1, label="b")
    for out in (vsum([w1 * x1, w2 * x2, b]).sigmoid(), (dot([w1, w2], [x1, x2]) + b).tanh()):
        g = draw_dot(out, collapse="neuron")
        [neuron] = neurons_of(g).values()
        assert (neuron["inputs"], neuron["weights"]) == (3, 3)  # two inputs and the bias
        assert g.values_drawn == 3


@pytest.mark.parametrize(("build", "why"), [
    (lambda x, w, b: (x * x).tanh(), r"tanh\(a mul node\): its argument is not a sum"),
    (lambda x, w, b: (w * x + 0.5).tanh(), "adds a constant"),
    (lambda x, w, b: ((x * 2) * (w * 3) + b).tanh(), "the product a mul node has no leaf"),
    (lambda x, w, b: (w * x + x + b).tanh(), r"two terms have no weight \('x' and 'b'\)"),
    (lambda x, w, b: w * x + b, "This graph has no activation op"),
])
def test_collapse_says_why_it_found_no_neuron(build: Any, why: str) -> None:
    x, w, b = Value(0.5, label="x"), Value(0.3, label="w"), Value(0.1, label="b")
    out = build(x, w, b)
    for collapse in ("neuron", "layer"):
        with pytest.warns(UserWarning, match=f"collapse='{collapse}' found no neuron") as caught:
            g = draw_dot(out, collapse=collapse)
        assert re.search(why, str(caught[0].message)), caught[0].message
        assert "weighted sum" in str(caught[0].message)
        assert caught[0].filename == __file__  # it points at the caller's line
        assert g.values_drawn == draw_dot(out).values_drawn


def test_a_sum_whose_inside_is_read_elsewhere_is_not_a_neuron() -> None:
    x, w, b = Value(0.5, label="x"), Value(0.3, label="w"), Value(0.1, label="b")
    product = w * x
    product.label = "wx"
    out = (product + b).tanh() + product
    with pytest.warns(UserWarning, match="'wx' inside it is also read elsewhere"):
        g = draw_dot(out, collapse="neuron")
    assert g.values_drawn == draw_dot(out).values_drawn


def test_draw_model_draws_the_architecture() -> None:
    model = MLP(2, [16, 16, 1], seed=0)
    model([0.5, -1.0]).backward()
    g = draw_dot(model)
    assert g.source.count("subgraph cluster_") == 3
    assert re.findall(r'label="(layer[^"]*)"', plain(g.source)) == [
        "layer 1: 2 → 16, relu\\n48 parameters",
        "layer 2: 16 → 16, relu\\n272 parameters",
        "layer 3: 16 → 1, linear\\n17 parameters",
    ]
    svg = to_svg(g)
    assert len(groups(svg, "node")) == 33 + 2
    assert len(groups(svg, "edge")) == 4
    norms = [info["weight_grad_norm"] for info in g.nodes.values() if info["kind"] == "neuron"]
    first = model.layers[0].neurons[0].parameters()
    assert norms[0] == math.sqrt(sum(p.grad ** 2 for p in first))


def test_draw_model_of_a_layer_and_a_neuron() -> None:
    from nn import Layer, Neuron

    assert draw_dot(Layer(3, 4, seed=0)).values_drawn == 4
    assert draw_dot(Neuron(3, activation="tanh", seed=0)).values_drawn == 1


def _titles(source: str) -> list[str]:
    return re.findall(r'label="(layer[^"]*)"', plain(source))


def test_draw_model_of_a_sequential_and_a_linear() -> None:
    from nn import Linear, ReLU, Sequential, Softmax, Tanh

    net = Sequential(Linear(2, 8, seed=0), ReLU(), Sequential(Linear(8, 4, bias=False, seed=1),
                                                              Tanh()),
                     Linear(4, 3, seed=2), Softmax())
    sum((k + 1.0) * v for k, v in enumerate(net([0.5, -1.0]))).backward()
    g = draw_dot(net)
    assert _titles(g.source) == [
        "layer 1: 2 → 8, relu\\n24 parameters",
        "layer 2: 8 → 4, tanh\\n32 parameters",
        "layer 3: 4 → 3, softmax\\n15 parameters",
    ]
    assert g.values_drawn == 8 + 4 + 3
    first = [*net[0].weight[0], net[0].bias[0]]
    norms = [info["weight_grad_norm"] for info in g.nodes.values() if info["kind"] == "neuron"]
    assert norms[0] == math.sqrt(sum(p.grad ** 2 for p in first)) > 0.0
    assert _titles(draw_dot(Linear(3, 2, seed=0)).source) == [
        "layer 1: 3 → 2, linear\\n8 parameters"]
    assert _titles(draw_dot(Sequential(MLP(2, [3, 2], seed=0), Softmax())).source)[-1] == (
        "layer 2: 3 → 2, softmax\\n8 parameters")


def test_draw_model_of_a_user_model_keeping_its_layers_in_a_list() -> None:
    from nn import Linear, Module, Tanh

    class Net(Module):
        def __init__(self) -> None:
            self.layers = [Linear(2, 3, seed=0), Tanh(), Linear(3, 1, seed=1)]

        def forward(self, x: list[float]) -> list[Value]:
            for layer in self.layers:
                x = layer(x)
            return x

    assert _titles(draw_dot(Net()).source) == [
        "layer 1: 2 → 3, tanh\\n9 parameters", "layer 2: 3 → 1, linear\\n4 parameters"]


def test_draw_model_shows_an_mlp_s_output_activation() -> None:
    model = MLP(2, [3, 3], activation="tanh", seed=0, output_activation="softmax")
    assert _titles(draw_dot(model).source) == [
        "layer 1: 2 → 3, tanh\\n9 parameters", "layer 2: 3 → 3, softmax\\n12 parameters"]
    sigmoid = MLP(2, [3, 1], seed=0, output_activation="sigmoid")
    assert _titles(draw_dot(sigmoid).source)[-1] == "layer 2: 3 → 1, sigmoid\\n4 parameters"


def test_what_is_not_a_model_is_refused() -> None:
    from nn import Linear, ReLU, Sequential

    selfish: list[object] = []
    selfish.append(selfish)
    for bad in ([Value(1.0)], Sequential(ReLU(), Linear(2, 2, seed=0)), Sequential(), selfish,
                {"a": Linear(2, 2, seed=0)}, "layers"):
        with pytest.raises(TypeError, match="a Value or an nn model"):
            draw_dot(bad)


def test_a_linear_s_outputs_collapse_into_neurons() -> None:
    from nn import Linear, Sequential, Tanh

    net = Sequential(Linear(2, 3, seed=0), Tanh(), Linear(3, 1, bias=False, seed=1))
    out = net([0.5, -1.0])[0]
    g = draw_dot(out, collapse="layer")
    assert g.source.count("subgraph cluster_") == 2
    neurons = [info for info in g.nodes.values() if info.get("kind") == "neuron"]
    assert len(neurons) == 4


def test_collapse_validation() -> None:
    with pytest.raises(ValueError, match="collapse must be"):
        draw_dot(Value(1.0), collapse="neurons")
    with pytest.raises(TypeError, match="a Value or an nn model"):
        draw_dot(object())


def test_committed_network_picture_is_what_make_assets_draws(tmp_path: Path) -> None:
    import importlib.util

    repo = Path(__file__).resolve().parents[3]
    spec = importlib.util.spec_from_file_location("make_assets", repo / "notebooks/make_assets.py")
    assert spec is not None and spec.loader is not None
    make_assets = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_assets)
    fresh = make_assets.network_by_neuron(tmp_path).read_text(encoding="utf-8")
    committed = (repo / "notebooks/assets/network_by_neuron.svg").read_text(encoding="utf-8")

    def content(svg: str) -> list[tuple[str | None, list[str]]]:
        # What is drawn, not where: another Graphviz may place things differently.
        return [(g.findtext("svg:title", namespaces=SVG_NS),
                 [t.text or "" for t in g.findall("svg:text", SVG_NS)])
                for kind in ("node", "edge") for g in groups(svg, kind)]

    assert len(groups(fresh, "node")) == 33
    assert content(committed) == content(fresh)
