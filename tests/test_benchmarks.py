"""Smoke tests of the benchmark suite: it runs, prints its tables, and measures the right thing.

Nothing here asserts on timings (the figures depend on the machine); the suite runs at its
``--quick`` sizes, which take seconds.
"""

import json
import math

import pytest

from benchmarks import digits, moons, runner, throughput
from benchmarks.common import Config


def test_quick_run_prints_every_table(capsys, tmp_path):
    out_json = tmp_path / "figures.json"
    assert runner.main(["--quick", "--repeat", "1", "--json", str(out_json)]) == 0
    report = capsys.readouterr().out
    for title in ("1. Moons step", "2. Op throughput", "3. Depth", "4. Memory",
                  "5. Digits epoch", "6. fit(jit=...) by run length", "7. jit's cost model"):
        assert f"### {title}" in report
    assert "| implementation |" in report
    assert "| valuegrad |" in report
    assert "| hand-written |" in report
    assert "| valuegrad (nn) |" in report
    assert "| valuegrad (jit) |" in report and "compiles the nn step once" in report
    assert "Python" in report and "### Targets" in report
    figures = json.loads(out_json.read_text())
    assert set(figures["results"]) == {"moons", "ops", "depth", "memory", "digits", "fit-jit",
                                       "jit-costs"}
    assert figures["results"]["memory"]["valuegrad"]["bytes_per_node"] > 0
    assert "| fit, jit=False |" in report and '| fit, jit="auto" |' in report
    # the digits rows trained the same network on the same batches: the same epoch loss
    losses = {round(row["loss"], 9) for row in figures["results"]["digits"].values()}
    assert len(losses) == 1 and len(figures["results"]["digits"]) >= 3
    # one row per problem and run length, auto's ratio over the better of the other two
    lengths = figures["results"]["fit-jit"]
    assert set(lengths) == {f"{p} x{e}" for p in ("digits", "moons", "spirals") for e in (1, 2)}
    for row in lengths.values():
        medians = row["medians_s"]
        better = min(medians["jit=False"], medians["jit=True"])
        assert row["auto_ratio"] == medians['jit="auto"'] / better
    assert 'fit(jit="auto") within 1.1x' in report
    # the cost model's three figures, measured on each step and fitted again (at the quick
    # sizes the fit means nothing, but it is made)
    costs = figures["results"]["jit-costs"]
    for figure in ("ENGINE", "COMPILE", "COMPILED"):
        assert all(math.isfinite(x) for x in costs[f"fitted {figure}"].values())
    # MLP(2, [3, 1]) on 4 samples, hinge with number labels. Per sample: 3 hidden neurons, each
    # a dot of (w1, w2, b) with (x1, x2, 1.0) (3 Value arguments) and a relu (1); the output
    # neuron a dot of 3 weights and a bias with the 3 hidden values (7); the hinge term,
    # 1 - s and its relu (1 each): 9 nodes, 21 edges. Then the mean of the 4 terms.
    step = costs["3 hidden, batch 4"]
    assert (step["nodes"], step["edges"]) == (4 * 9 + 1, 4 * 21 + 4)


def test_peers_can_be_left_out(capsys):
    assert runner.main(["--quick", "--repeat", "1", "--only", "moons", "--no-micrograd",
                        "--no-torch"]) == 0
    report = capsys.readouterr().out
    assert "micrograd: skipped" in report and "torch: skipped" in report
    assert "| micrograd |" not in report


def _tiny():
    X, y = moons.make_moons(7, seed=3)
    layers = moons.init_layers(2, [3, 4, 1], seed=5)
    return layers, X, y


@pytest.mark.parametrize("impl", [moons.Valuegrad, moons.ValuegradNN, moons.ValuegradJit])
def test_handwritten_gradients_equal_the_engines(impl):
    layers, X, y = _tiny()
    loss_error, grad_error = moons.check_gradients(
        moons.Handwritten(layers, X, y), impl(layers, X, y), rel=1e-12, abs_=1e-15
    )
    assert loss_error <= 1e-15 and grad_error <= 1e-15


def test_handwritten_gradients_match_finite_differences():
    layers, X, y = _tiny()
    _, grads = moons.handwritten_loss_and_grads(layers, X, y)
    eps = 1e-6
    for k, layer in enumerate(layers):
        for i, neuron in enumerate(layer):
            for j, p in enumerate(neuron):
                neuron[j] = p + eps
                up, _ = moons.handwritten_loss_and_grads(layers, X, y)
                neuron[j] = p - eps
                down, _ = moons.handwritten_loss_and_grads(layers, X, y)
                neuron[j] = p
                assert grads[k][i][j] == pytest.approx((up - down) / (2 * eps), abs=1e-6)


def test_a_step_updates_parameters_like_the_engine():
    layers, X, y = _tiny()
    hand, ours = moons.Handwritten(layers, X, y), moons.Valuegrad(layers, X, y)
    assert hand.step() == pytest.approx(ours.step(), rel=1e-12)
    new_hand = moons.flat(hand.layers)
    new_ours = [p.data for p in ours.params]
    assert new_hand == pytest.approx(new_ours, rel=1e-12, abs=1e-15)


def test_the_dag_program_reaches_every_node_from_its_root():
    from autograd import Value

    program = throughput.make_program(200, 10, seed=1)
    build = throughput.compile_program(program, "method")
    leaves = [Value(x) for x in program.leaves]
    root = build(leaves, None)
    root.backward()
    seen, stack = {root}, [root]
    while stack:
        for p in stack.pop().parents:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    # Every op made one node (the leaves are nodes too), and all of them reach the root.
    assert len(seen) == program.n_leaves + program.n_ops


def test_the_references_compute_the_engines_gradients():
    """The hand-written straight-line code and the bare node graph are only meaningful as
    references if they do the same math: same root value, same leaf gradients."""
    from autograd import Value

    program = throughput.make_program(300, 12, seed=4)
    build = throughput.compile_program(program, "method")
    leaves = [Value(x) for x in program.leaves]
    root = build(leaves, None)
    root.backward()
    expected = [leaf.grad for leaf in leaves]
    assert any(g != 0.0 for g in expected)

    forward, forward_backward = throughput.compile_handwritten(program)
    assert forward(list(program.leaves)) == pytest.approx(root.data, rel=1e-12)
    assert forward_backward(list(program.leaves)) == pytest.approx(expected, rel=1e-12, abs=1e-15)

    bare_leaves = [throughput.BareNode(x) for x in program.leaves]
    bare_root = build(bare_leaves, None)
    bare_root.backward()
    assert bare_root.data == pytest.approx(root.data, rel=1e-12)
    assert [leaf.grad for leaf in bare_leaves] == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_docs_writes_the_report_its_figures_and_a_plot(capsys, tmp_path):
    out = tmp_path / "figures"
    assert runner.main(["--quick", "--repeat", "1", "--only", "memory", "--no-torch",
                        "--docs", str(out)]) == 0
    printed = capsys.readouterr().out
    assert (out / "figures.md").read_text() == printed  # the report, as printed
    assert "### 4. Memory" in printed and "| valuegrad |" in printed
    saved = json.loads((out / "figures.json").read_text())
    assert saved["tables"]["memory"]["rows"][0][0] == "valuegrad"
    assert saved["results"]["memory"]["valuegrad"]["bytes_per_node"] > 0
    assert (out / "figures.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    # --from-json measures nothing and reports the saved run again, character for character
    assert runner.main(["--from-json", str(out / "figures.json")]) == 0
    assert capsys.readouterr().out == printed


def test_from_json_refuses_a_file_without_tables(tmp_path):
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"machine": {}, "config": {}, "results": {}}))
    with pytest.raises(SystemExit, match="holds no tables"):
        runner.main(["--from-json", str(old)])


def test_plot_panels_are_the_tables_figures_in_display_units():
    from benchmarks import plot

    results = {
        "moons": {"hand-written": {"median_s": 0.0058}, "valuegrad (nn)": {"median_s": 0.0156}},
        "ops": {"valuegrad": {"total_ns": 1105.0, "forward_ns": 569.0}},
        "depth": {"valuegrad": {"forward_s": 0.9}},  # not a panel: a different kind of figure
    }
    panels = plot.bars(results)
    assert [(title, unit) for title, unit, _ in panels] == [
        ("Moons training step", "ms"), ("Op throughput (build + backward)", "ns per op")]
    (name0, ms0), (name1, ms1) = panels[0][2]
    assert (name0, name1) == ("hand-written", "valuegrad (nn)")  # the table's order
    assert ms0 == pytest.approx(5.8) and ms1 == pytest.approx(15.6)  # seconds -> ms
    assert panels[1][2] == [("valuegrad", 1105.0)]


def test_torch_digits_epoch_ends_where_fits_does():
    pytest.importorskip("torch")
    cfg = Config.quick_config()
    assert digits.check_torch(cfg, digits.TorchDigits(cfg)) < 1e-12


def test_torch_digits_check_catches_another_start():
    pytest.importorskip("torch")
    from nn import MLP

    cfg = Config.quick_config()
    other = digits.TorchDigits(cfg)
    other.start = MLP(64, [cfg.digits_hidden, 10], seed=1)  # not fit's initial weights
    with pytest.raises(AssertionError, match="torch float64: parameter 0 is"):
        digits.check_torch(cfg, other)


def test_the_cost_figures_fitted_to_exact_times_are_the_ones_that_made_them():
    from benchmarks import jit_costs

    sizes = [(37, 88), (1_341, 12_880), (2_785, 89_760), (657, 3_872)]
    seconds = [n * 3e-6 + e * 0.2e-6 for n, e in sizes]
    per_node, per_edge = jit_costs.best_figures(sizes, seconds)
    assert per_node == pytest.approx(3e-6, rel=1e-9)
    assert per_edge == pytest.approx(0.2e-6, rel=1e-9)
