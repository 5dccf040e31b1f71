"""autograd.explain: the chain rule from an output back to an input, with the engine's numbers.

The figures are checked three ways: against the classic 2-2-2 sigmoid worked example (inputs
0.05/0.10, eight weights, two shared biases, squared error; Matt Mazur's "A Step by Step
Backpropagation Example") derived by hand in closed form here, against its published digits,
and bit for bit against what ``backward`` leaves in ``.grad``.
"""

from __future__ import annotations

import math
from functools import reduce

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import OPS, Value, explain, topological_order
from autograd.explain import Explanation, local_formula, name_of, node_lines
from autograd.testing import expressions_with_inputs

# ---------------------------------------------------------------------------------------------
# The worked example, by hand.
# ---------------------------------------------------------------------------------------------

I1, I2 = 0.05, 0.10
W = (0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55)  # w1..w8
B1, B2 = 0.35, 0.60
T1, T2 = 0.01, 0.99


def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def by_hand():
    """The forward pass and every derivative of the worked example, in closed form."""
    w1, w2, w3, w4, w5, w6, w7, w8 = W
    h = {}
    h["out_h1"] = _sigmoid(w1 * I1 + w2 * I2 + B1)
    h["out_h2"] = _sigmoid(w3 * I1 + w4 * I2 + B1)
    h["out_o1"] = _sigmoid(w5 * h["out_h1"] + w6 * h["out_h2"] + B2)
    h["out_o2"] = _sigmoid(w7 * h["out_h1"] + w8 * h["out_h2"] + B2)
    h["E"] = 0.5 * (T1 - h["out_o1"]) ** 2 + 0.5 * (T2 - h["out_o2"]) ** 2
    # E = 1/2 (t - out)^2 per output: dE/dout = out - t; a sigmoid's dout/dnet = out (1 - out)
    h["dE/dout_o1"] = h["out_o1"] - T1
    h["dE/dout_o2"] = h["out_o2"] - T2
    h["dout_o1/dnet_o1"] = h["out_o1"] * (1.0 - h["out_o1"])
    h["dout_o2/dnet_o2"] = h["out_o2"] * (1.0 - h["out_o2"])
    h["dE/dnet_o1"] = h["dE/dout_o1"] * h["dout_o1/dnet_o1"]
    h["dE/dnet_o2"] = h["dE/dout_o2"] * h["dout_o2/dnet_o2"]
    # dnet_o1/dw5 = out_h1 ...
    h["dE/dw5"] = h["dE/dnet_o1"] * h["out_h1"]
    h["dE/dw6"] = h["dE/dnet_o1"] * h["out_h2"]
    h["dE/dw7"] = h["dE/dnet_o2"] * h["out_h1"]
    h["dE/dw8"] = h["dE/dnet_o2"] * h["out_h2"]
    # out_h1 feeds net_o1 (through w5) and net_o2 (through w7): two contributions, summed
    h["dE_o1/dout_h1"] = h["dE/dnet_o1"] * w5
    h["dE_o2/dout_h1"] = h["dE/dnet_o2"] * w7
    h["dE/dout_h1"] = h["dE_o1/dout_h1"] + h["dE_o2/dout_h1"]
    h["dE/dout_h2"] = h["dE/dnet_o1"] * w6 + h["dE/dnet_o2"] * w8
    h["dout_h1/dnet_h1"] = h["out_h1"] * (1.0 - h["out_h1"])
    h["dout_h2/dnet_h2"] = h["out_h2"] * (1.0 - h["out_h2"])
    h["dE/dnet_h1"] = h["dE/dout_h1"] * h["dout_h1/dnet_h1"]
    h["dE/dnet_h2"] = h["dE/dout_h2"] * h["dout_h2/dnet_h2"]
    h["dE/dw1"] = h["dE/dnet_h1"] * I1
    h["dE/dw2"] = h["dE/dnet_h1"] * I2
    h["dE/dw3"] = h["dE/dnet_h2"] * I1
    h["dE/dw4"] = h["dE/dnet_h2"] * I2
    # the biases are shared: b1 by both hidden neurons, b2 by both outputs
    h["dE/db1"] = h["dE/dnet_h1"] + h["dE/dnet_h2"]
    h["dE/db2"] = h["dE/dnet_o1"] + h["dE/dnet_o2"]
    return h


# The tutorial's published figures (9 decimals; its intermediate rounding can move the last).
PUBLISHED = {
    "out_h1": 0.593269992, "out_h2": 0.596884378, "out_o1": 0.75136507,
    "out_o2": 0.772928465, "E": 0.298371109,
    "dE/dout_o1": 0.74136507, "dout_o1/dnet_o1": 0.186815602, "dE/dw5": 0.082167041,
    "dE/dw6": 0.082667628, "dE/dw7": -0.022602540, "dE/dw8": -0.022740242,
    "dE_o1/dout_h1": 0.055399425, "dE_o2/dout_h1": -0.019049118, "dE/dout_h1": 0.036350306,
    "dout_h1/dnet_h1": 0.241300709, "dE/dw1": 0.000438568, "dE/dw2": 0.000877135,
    "dE/dw3": 0.000497713, "dE/dw4": 0.000995425,
}


def test_the_hand_derivation_reproduces_the_published_digits():
    h = by_hand()
    for key, published in PUBLISHED.items():
        assert abs(h[key] - published) <= 1e-9, key


def network(use_dot=False):
    """The worked example built from raw Values (or with autograd.dot), every node a learner
    would name labelled."""
    v = {name: Value(x, label=name) for name, x in zip(
        ["w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"], W, strict=True)}
    v["i1"], v["i2"] = Value(I1, label="i1"), Value(I2, label="i2")
    v["b1"], v["b2"] = Value(B1, label="b1"), Value(B2, label="b2")

    def net(wa, wb, xa, xb, b):
        if use_dot:
            return autograd.dot([v[wa], v[wb]], [xa, xb]) + v[b]
        return v[wa] * xa + v[wb] * xb + v[b]

    for name, node in [("net_h1", net("w1", "w2", v["i1"], v["i2"], "b1")),
                       ("net_h2", net("w3", "w4", v["i1"], v["i2"], "b1"))]:
        node.label = name
        v[name] = node
    for k in "12":
        v[f"out_h{k}"] = v[f"net_h{k}"].sigmoid()
        v[f"out_h{k}"].label = f"out_h{k}"
    v["net_o1"] = net("w5", "w6", v["out_h1"], v["out_h2"], "b2")
    v["net_o2"] = net("w7", "w8", v["out_h1"], v["out_h2"], "b2")
    for k in "12":
        v[f"net_o{k}"].label = f"net_o{k}"
        v[f"out_o{k}"] = v[f"net_o{k}"].sigmoid()
        v[f"out_o{k}"].label = f"out_o{k}"
    v["E"] = 0.5 * (T1 - v["out_o1"]) ** 2 + 0.5 * (T2 - v["out_o2"]) ** 2
    v["E"].label = "E"
    return v


def step_of(explanation, node):
    (step,) = [s for s in explanation.steps if s.node is node]
    return step


CLOSE = {"rel_tol": 1e-12, "abs_tol": 1e-15}


def g(x):
    """A number as explanations show it by default: 4 significant digits."""
    return format(x, ".4g")


@pytest.mark.parametrize("use_dot", [False, True])
def test_worked_example_figures_match_the_hand_derivation(use_dot):
    h = by_hand()
    v = network(use_dot)
    e = explain(v["E"], [v[f"w{k}"] for k in range(1, 9)] + [v["b1"], v["b2"]])
    for name in ["out_o1", "out_o2", "net_o1", "net_o2", "out_h1", "out_h2", "net_h1",
                 "net_h2", "w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "b1", "b2"]:
        assert math.isclose(step_of(e, v[name]).total, h[f"dE/d{name}"], **CLOSE), name
    assert e.gradients == tuple(step_of(e, w).total for w in e.wrt)

    # dout_o1/dnet_o1: one term, the table's sigmoid formula with out_o1's name put in
    (term,) = step_of(e, v["net_o1"]).terms
    assert term.consumer is v["out_o1"]
    assert term.formula == "out_o1 * (1.0 - out_o1)"
    assert term.formula == OPS["sigmoid"].rule.replace("out", "out_o1")
    assert math.isclose(term.upstream, h["dE/dout_o1"], **CLOSE)
    assert math.isclose(term.local, h["dout_o1/dnet_o1"], **CLOSE)

    # out_h1 feeds two consumers: each contribution, then their sum
    step = step_of(e, v["out_h1"])
    assert len(step.terms) == 2
    by_weight = {t.formula: t for t in step.terms}
    assert set(by_weight) == {"w5", "w7"}  # d(w5 * out_h1)/dout_h1 = w5 (mul: d(x*y)/dy = x)
    assert math.isclose(by_weight["w5"].product, h["dE_o1/dout_h1"], **CLOSE)
    assert math.isclose(by_weight["w7"].product, h["dE_o2/dout_h1"], **CLOSE)
    assert math.isclose(by_weight["w5"].upstream, h["dE/dnet_o1"], **CLOSE)
    assert by_weight["w5"].local == 0.40 and by_weight["w7"].local == 0.50
    # at the published digits: 0.055399425 + (-0.019049118) = 0.036350306
    assert round(by_weight["w5"].product, 9) == 0.055399425
    assert abs(by_weight["w7"].product - -0.019049118) <= 1e-9
    assert round(step.total, 9) == 0.036350306

    # the shared bias b1: one term through each hidden neuron
    assert len(step_of(e, v["b1"]).terms) == 2


@pytest.mark.parametrize("use_dot", [False, True])
def test_numbers_are_the_engines_bit_for_bit(use_dot):
    v = network(use_dot)
    nodes = topological_order(v["E"])
    e = explain(v["E"], [v["w1"], v["w5"], v["b1"], v["i2"]], limit=None)
    lines = node_lines(v["E"])
    assert all(n.grad == 0.0 for n in nodes)  # explaining touched no .grad
    v["E"].backward()
    assert e.steps and len(lines) == len(nodes)
    for step in e.steps:
        assert step.total == step.node.grad, step.name
        for t in step.terms:
            assert t.upstream == t.consumer.grad
            assert t.local == t.consumer.local_grads[
                [i for i, a in enumerate(t.consumer.arguments) if isinstance(a, Value)].index(
                    t.argument)]
            assert t.product == t.upstream * t.local
        if step.terms:  # the terms in the order the sweep adds them give its total exactly
            assert reduce(lambda acc, t: acc + t.product, step.terms, -0.0) == step.total
    assert e.gradients == (v["w1"].grad, v["w5"].grad, v["b1"].grad, v["i2"].grad)


def test_terms_come_in_the_engines_summation_order():
    # Three contributions whose float sum depends on the order: 1e16 + -1e16 + 1 is 1, but
    # 1 + -1e16 + 1e16 is 0 (1e16 - 1 rounds to 1e16).
    x = Value(1.0, label="x")
    big = x * 1e16
    one = x * 1.0
    minus = x * -1e16
    big.label, one.label, minus.label = "big", "one", "minus"
    out = autograd.sum([big, minus, one])
    step = step_of(explain(out, x), x)
    products = [t.product for t in step.terms]
    assert sorted(products) == [-1e16, 1.0, 1e16]
    orders = {reduce(lambda a, b: a + b, p, -0.0) for p in (products, products[::-1])}
    assert len(orders) == 2  # the order matters here ...
    out.backward()
    assert reduce(lambda a, b: a + b, products, -0.0) == x.grad == step.total  # ... and is kept


def test_worked_example_text():
    h = by_hand()
    v = network()
    text = str(explain(v["E"], v["w1"]))
    # dE/dout_h1: both consumers, their contributions, their sum (the engine adds o2's first)
    lines = text.splitlines()
    at = lines.index(
        "dE/dout_h1 = dE/d(w7 * out_h1) × ∂(w7 * out_h1)/∂out_h1 "
        "+ dE/d(w5 * out_h1) × ∂(w5 * out_h1)/∂out_h1"
    )
    assert lines[at + 1].strip() == (
        f"= {g(h['dE/dnet_o2'])} × 0.5 + {g(h['dE/dnet_o1'])} × 0.4 "
        f"= {g(h['dE_o2/dout_h1'])} + {g(h['dE_o1/dout_h1'])} = {g(h['dE/dout_h1'])}"
    )
    assert "= -0.01905 + 0.0554 = 0.03635" in lines[at + 1]
    assert lines[at + 2].strip() == "∂(w7 * out_h1)/∂out_h1 = w7 = 0.5"
    assert lines[at + 3].strip() == "∂(w5 * out_h1)/∂out_h1 = w5 = 0.4"
    # the sigmoid's local derivative, as the table writes it, with its value
    assert f"    ∂out_h1/∂net_h1 = out_h1 * (1.0 - out_h1) = {g(h['dout_h1/dnet_h1'])}" in lines
    # the answer, last
    assert lines[-3:] == [
        "dE/dw1 = dE/d(w1 * i1) × ∂(w1 * i1)/∂w1",
        f"       = {g(h['dE/dnet_h1'])} × 0.05 = {g(h['dE/dw1'])}",
        "    ∂(w1 * i1)/∂w1 = i1 = 0.05",
    ]
    assert lines[0].startswith("dE/dw1 by the chain rule, from E back: 20 steps")
    assert repr(explain(v["E"], v["w1"])) == text


def test_node_lines_state_each_gradient_with_the_engines_numbers():
    h = by_hand()
    v = network()
    lines = node_lines(v["E"])
    assert set(lines) == set(topological_order(v["E"]))
    assert lines[v["E"]] == "dE/dE = 1"
    assert lines[v["w5"]] == (
        f"dE/dw5 = dE/d(w5 * out_h1) × ∂(w5 * out_h1)/∂w5 = {g(h['dE/dnet_o1'])} × "
        f"{g(h['out_h1'])} = {g(h['dE/dw5'])}"
    )
    assert lines[v["out_o1"]].endswith(f"= {g(h['dE/dout_o1'])}")
    assert lines[v["out_h1"]].endswith(
        f"= {g(h['dE_o2/dout_h1'])} + {g(h['dE_o1/dout_h1'])} = {g(h['dE/dout_h1'])}"
    )
    full = node_lines(v["E"], digits=None)
    v["E"].backward()
    assert full[v["w5"]].endswith(f" = {v['w5'].grad!r}")
    assert autograd.explain.node_lines(v["E"])[v["w5"]] == lines[v["w5"]]


def test_only_nodes_on_a_path_are_explained():
    v = network()
    e = explain(v["E"], v["w5"])
    on_path = {s.node for s in e.steps}
    # w5 -> w5 * out_h1 -> (+ w6 * out_h2) -> net_o1 -> out_o1 -> 0.01 - out_o1 -> ** 2 -> * 0.5
    # -> E: nine nodes; nothing of the o2 branch, the hidden layer or the other weights
    assert len(on_path) == 9
    assert {v["E"], v["out_o1"], v["net_o1"], v["w5"]} <= on_path
    assert not on_path & {v[n] for n in ["out_o2", "out_h1", "w6", "b2", "net_h1", "i1"]}
    assert e.steps[0].node is v["E"] and e.steps[0].terms == () and e.steps[0].total == 1.0
    assert e.steps[-1].node is v["w5"]
    assert e.no_path == ()


def test_an_input_with_no_path_says_so():
    v = network()
    z = Value(2.0, label="z")
    e = explain(v["E"], z)
    assert e.steps == [] and e.no_path == (z,) and e.gradients == (0.0,)
    assert str(e) == "No path leads from z to E: dE/dz = 0."
    assert "No path leads from z to E" in e._repr_html_()
    both = explain(v["E"], [z, v["w5"]])
    assert both.no_path == (z,)
    assert both.gradients[0] == 0.0 and both.gradients[1] != 0.0
    assert str(both).endswith("\n\nNo path leads from z to E: dE/dz = 0.")
    # the output itself depends on nothing else: an unlabelled leaf is named by its number
    assert str(explain(z, Value(1.5))) == "No path leads from 1.5 to z: dz/d1.5 = 0."


def test_the_output_by_itself():
    x = Value(3.0, label="x")
    e = explain(x, x)
    assert [(s.node, s.terms, s.total) for s in e.steps] == [(x, (), 1.0)]
    assert str(e).splitlines()[-1] == "dx/dx = 1"


def test_a_node_used_twice_by_one_op_has_a_term_for_each_argument():
    a = Value(3.0, label="a")
    sq = a * a
    sq.label = "sq"
    step = step_of(explain(sq, a), a)
    assert [(t.argument, t.formula, t.local) for t in step.terms] == [(0, "a", 3.0), (1, "a", 3.0)]
    assert step.total == 6.0  # d(a^2)/da = 2a


def _chain(n):
    x = Value(0.5, label="x")
    y = x
    for _ in range(n):
        y = y * 0.9 + x
    y.label = "y"
    return x, y


def test_a_big_graph_is_summarised_and_says_how_to_see_everything():
    x, y = _chain(100)  # 201 nodes on paths from x
    e = explain(y, x)
    assert len(e.steps) == 201
    text = str(e)
    heads = [line for line in text.splitlines()[1:] if line.startswith("dy/d")]
    assert len(heads) == 40  # the default limit: 39 first steps, then the answer
    assert "… 161 steps left out (limit=40); explain(output, wrt, limit=None) shows every step …" \
        in text
    assert heads[-1].startswith("dy/dx = ")
    assert text.splitlines()[0].startswith("dy/dx by the chain rule, from y back: 201 steps")
    html = e._repr_html_()
    assert html.count("<b>dy/d") == 40 and "161 steps left out" in html
    # a bigger graph gives no longer a text: the output is bounded
    assert len(str(explain(*reversed(_chain(1000))))) <= len(text) + 200
    whole = str(explain(y, x, limit=None))
    assert len([line for line in whole.splitlines()[1:] if line.startswith("dy/d")]) == 201
    assert "left out" not in whole
    short = explain(y, x, limit=5)
    assert len([line for line in str(short).splitlines()[1:] if line.startswith("dy/d")]) == 5


def test_a_node_with_many_consumers_shows_a_few_terms_and_counts_the_rest():
    x = Value(1.0, label="x")
    out = autograd.sum([x * float(k) for k in range(1, 21)])
    out.label = "out"
    e = explain(out, x)
    step = step_of(e, x)
    assert len(step.terms) == 20 and step.total == 210.0  # 1 + 2 + ... + 20
    line = node_lines(out)[x]
    assert line.count(" × ") == 10  # five terms in names and in numbers
    assert "… (15 more terms)" in line and line.endswith("= 210")
    assert "… and 15 more local derivatives" in str(e)


def test_html_escapes_labels():
    x = Value(2.0, label='<script>alert("x")</script>')
    w = Value(3.0, label="w&<u>")
    out = x * w
    out.label = "<img src=x onerror=alert(1)>"
    page = explain(out, [x, w])._repr_html_()
    assert "<script" not in page and "<img" not in page and "<u>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "w&amp;&lt;u&gt;" in page
    tags = {part.split(">")[0].split()[0] for part in page.split("<")[1:]}
    assert tags <= {"div", "/div", "p", "/p", "table", "/table", "thead", "/thead", "tbody",
                    "/tbody", "tr", "/tr", "th", "/th", "td", "/td", "code", "/code", "i", "/i",
                    "b", "/b"}
    # the text keeps the labels as they are
    assert '<script>alert("x")</script>' in str(explain(out, x))


def test_a_label_reassigned_to_a_non_string_reads_as_its_str():
    """``.label`` is a plain attribute (viz draws a number or an object as its str()); the
    explanation names such a node the same way instead of failing."""
    a = Value(2.0, label="a")
    a.label = 42
    y = a * 3.0
    y.label = 1.5
    assert name_of(a) == "42" and name_of(a * 3.0) == "42 * 3.0"
    assert node_lines(y)[a].startswith("d1.5/d42 = ")


def test_nary_ops_show_the_tables_formula():
    a, b, c, d = (Value(float(k), label=n) for k, n in zip([1, 2, 3, 4], "abcd", strict=True))
    s = autograd.sum([a, b, c])
    m = autograd.mean([a, b, 2.0])
    p = autograd.dot([a, b], [c, d])
    lse = autograd.logsumexp([a, b])
    lse.label = "lse"
    assert [local_formula(s, i) for i in range(3)] == ["1.0"] * 3
    assert local_formula(m, 1) == "1.0 / 3"  # the table's 1.0 / {n}, n = 3 arguments
    assert [local_formula(p, i) for i in range(4)] == ["c", "d", "a", "b"]  # its partner
    assert local_formula(lse, 1) == "exp(b - lse)"
    assert name_of(s) == "sum([a, b, c])" and name_of(p) == "dot([a, b], [c, d])"
    # the numbers next to them are the stored ones
    out = p * 1.0 + s + lse
    out.label = "out"
    e = explain(out, [a, d])
    (through_p,) = [t for t in step_of(e, d).terms]
    assert (through_p.formula, through_p.local) == ("b", 2.0)
    terms_a = {name_of(t.consumer): t for t in step_of(e, a).terms}
    assert terms_a["lse"].formula == "exp(a - lse)"
    assert terms_a["lse"].local == lse.local_grads[0]
    assert math.isclose(terms_a["lse"].local, math.exp(1.0) / (math.exp(1.0) + math.exp(2.0)),
                        rel_tol=1e-15)
    out.backward()
    assert step_of(e, a).total == a.grad == 3.0 + 1.0 + terms_a["lse"].local


def test_local_formula_puts_names_and_constants_into_the_table_text():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    assert local_formula(a * b, 0) == "b" and local_formula(a * b, 1) == "a"
    assert local_formula(a * 2.0, 0) == "2.0"
    assert local_formula(a / b, 1) == "-(a / b) * recip(b)"  # the table: -{out} * recip({y})
    assert local_formula(a.tanh(), 0) == "1.0 - tanh(a) * tanh(a)"
    s = (a + b).sigmoid()
    s.label = "s"
    assert local_formula(s, 0) == "s * (1.0 - s)"
    assert local_formula(a.leaky_relu(0.1), 1) == "0.0 if a > 0.0 else a"
    assert autograd.explain.local_formula(a * b, 0) == "b"
    with pytest.raises(IndexError, match="argument index 2 out of range"):
        local_formula(a * b, 2)
    with pytest.raises(ValueError, match="'a' is a leaf"):
        local_formula(a, 0)
    with pytest.raises(TypeError, match="node must be a Value, got float"):
        local_formula(1.0, 0)


def test_names_follow_the_graphs_grouping():
    a, b, c = (Value(1.0, label=n) for n in "abc")
    assert name_of(a - (b - c)) == "a - (b - c)"
    assert name_of((a - b) - c) == "a - b - c"
    assert name_of(a + b * c) == "a + b * c"
    assert name_of((a + b) * c) == "(a + b) * c"
    assert name_of((a ** b) ** c) == "(a ** b) ** c"
    assert name_of(a * -0.5) == "a * (-0.5)"
    assert name_of(-(a + b)) == "-(a + b)"
    assert name_of(Value(0.25)) == "0.25"
    assert name_of(a.exp().log()) == "log(exp(a))"
    assert name_of(autograd.sum([a, b, c, a, b])) == "sum([a, b, c, …])"
    assert autograd.explain.name_of(a) == "a"
    deep = a
    for _ in range(50):
        deep = (deep * b + c).tanh()
    name = name_of(deep)
    assert len(name) <= 48 and "…" in name and name == name_of(deep)  # short, deterministic


def test_a_networks_unlabelled_nodes_get_short_distinct_names():
    from nn import MLP

    out = MLP(2, [16, 16, 1], seed=0)([0.5, -1.0])
    nodes = topological_order(out)
    relus = [name_of(n) for n in nodes if n.op == "relu"]
    assert len(relus) == 32 and len(set(relus)) == 32  # each neuron's by its first weight
    assert "relu(dot([layers.0.neurons.1.w.0, …], …))" in relus
    assert all(len(name_of(n)) <= 48 for n in nodes)


def test_create_graph_gradients_are_explained_like_any_graph():
    x = Value(0.5, label="x")
    y = x.sin() * x
    y.backward(create_graph=True)
    dy = x.grad  # cos(x) x + sin(x), a Value with its own graph
    e = explain(dy, x)
    # d/dx (cos(x) x + sin(x)) = -sin(x) x + 2 cos(x)
    assert math.isclose(e.gradients[0], -math.sin(0.5) * 0.5 + 2 * math.cos(0.5), rel_tol=1e-15)
    assert e.gradients[0] == autograd.grad(autograd.grad(lambda t: t.sin() * t))(0.5)
    assert x.grad is dy  # untouched
    x.grad = 0.0
    dy.backward()
    assert e.gradients[0] == x.grad


def test_no_grad_is_left_untouched_even_none_or_values():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a * b
    c.label = "c"
    a.grad, b.grad = None, Value(7.0)
    before = (a.grad, b.grad, c.grad)
    explain(c, [a, b])
    node_lines(c)
    assert (a.grad, b.grad, c.grad) == before and b.grad is before[1]


def test_full_precision_and_digits():
    v = network()
    e = explain(v["E"], v["w5"], digits=None)
    v["E"].backward()
    text = str(e)
    assert f" = {v['w5'].grad!r}\n" in text and "every digit" in text.splitlines()[0]
    assert f"= {format(v['w5'].grad, '.2g')}\n" in str(explain(v["E"], v["w5"], digits=2))


def test_bad_arguments_raise_clear_errors():
    x = Value(1.0, label="x")
    y = x * 2.0
    with pytest.raises(TypeError, match="explain: output must be a Value, got float"):
        explain(1.0, x)
    with pytest.raises(TypeError, match="wrt must be a Value or a list or tuple of Values, got"
                                        " set"):
        explain(y, {x})
    with pytest.raises(TypeError, match=r"wrt\[1\] must be a Value, got int"):
        explain(y, [x, 3])
    with pytest.raises(ValueError, match="wrt is empty"):
        explain(y, [])
    with pytest.raises(ValueError, match="limit must be at least 1, got 0"):
        explain(y, x, limit=0)
    with pytest.raises(TypeError, match="limit must be an int or None, got bool"):
        explain(y, x, limit=True)
    with pytest.raises(ValueError, match="digits must be between 1 and 17, got 0"):
        explain(y, x, digits=0)
    with pytest.raises(TypeError, match="node_lines: output must be a Value, got list"):
        node_lines([y])
    with pytest.raises(TypeError, match="name_of: node must be a Value, got str"):
        name_of("x")


def test_explain_is_also_the_namespace_of_its_pieces():
    x = Value(1.0, label="x")
    assert isinstance(autograd.explain(x * x, x), Explanation)
    assert autograd.explain.node_lines is node_lines
    assert autograd.explain.local_formula is local_formula
    assert autograd.explain.name_of is name_of
    assert "explain" in autograd.__all__


@given(expressions_with_inputs(max_depth=3), st.data())
def test_every_figure_is_the_engines_on_random_expressions(case, data):
    expression, point = case
    xs = [Value(p, label=f"x{k}") for k, p in enumerate(point)]
    out = expression(*xs)
    if not isinstance(out, Value):
        return
    wrt = data.draw(st.sampled_from(xs))
    e = explain(out, wrt, limit=None)
    lines = node_lines(out)
    out.backward()
    assert e.gradients[0] == wrt.grad or (math.isnan(wrt.grad) and math.isnan(e.gradients[0]))
    for step in e.steps:
        assert step.total == step.node.grad or math.isnan(step.total)
        for t in step.terms:
            assert t.product == t.upstream * t.local or math.isnan(t.product)
    assert set(lines) == set(topological_order(out))
