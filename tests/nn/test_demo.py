"""``python -m nn.demo``: trains, reports, and writes the plot and the graph."""

import html
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nn import MLP, datasets, demo

ROOT = Path(__file__).resolve().parents[2]


def test_default_demo_reaches_full_accuracy_on_moons_and_writes_both_files(tmp_path, capsys):
    out = tmp_path / "demo-out"
    assert demo.main(["--out", str(out), "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "moons: final training accuracy 100.0%" in text
    png = out / "moons_boundary.png"
    svg = out / "neuron_graph.svg"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    content = svg.read_text()
    assert content.lstrip().startswith("<?xml") and "</svg>" in content
    # the drawn neuron: inputs x0, x1, its two weights and bias, a dot and a relu
    for label in ("x0", "x1", "layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1",
                  "layers.0.neurons.0.b", "dot", "relu"):
        assert label in content


def test_module_entry_point_with_other_dataset(tmp_path):
    out = tmp_path / "o"
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(
        [sys.executable, "-m", "nn.demo", "--dataset", "xor", "--epochs", "2", "--out", str(out)],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "xor: final training accuracy" in proc.stdout
    assert "2/2" in proc.stderr  # the progress bar
    assert sorted(os.listdir(out)) == ["neuron_graph.svg", "xor_boundary.png"]


def test_bad_arguments_exit_with_usage(capsys):
    with pytest.raises(SystemExit) as info:
        demo.main(["--dataset", "mnist"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        demo.main(["--epochs", "0"])


def test_missing_matplotlib_says_what_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    X, y = datasets.moons(n=10, seed=0)
    assert demo.plot_decision_boundary(MLP(2, [2, 1], seed=0), X, y, tmp_path / "p.png") is False
    assert "pip install" in capsys.readouterr().out
    assert not (tmp_path / "p.png").exists()


def test_neuron_graph_shows_this_pass_and_leaves_model_gradients_alone(tmp_path):
    model = MLP(2, [3, 1], seed=0)
    model.layers[0].neurons[0].b.data = 10.0  # relu open: d out / d w = x
    for i, p in enumerate(model.parameters()):
        p.grad = float(i)
    svg = demo.write_neuron_graph(model, (0.5, -0.5), str(tmp_path / "g.svg"))
    assert [p.grad for p in model.parameters()] == [float(i) for i in range(13)]
    assert "grad -0.5000" in html.unescape(svg)  # w1's gradient in the drawing is x1, not x1 + earlier grads


def test_neuron_graph_colours_parameters_apart_from_inputs(tmp_path):
    model = MLP(2, [3, 1], seed=0)
    svg = demo.write_neuron_graph(model, (0.5, -0.5), str(tmp_path / "g.svg"))
    # three parameters (two weights and the bias) in the parameter colour, two inputs in the leaf's
    assert svg.count('fill="#ffcdd2"') == 3
    assert svg.count('fill="#bbdefb"') == 2
