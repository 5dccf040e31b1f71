"""``python -m nn.demo``: trains, reports, and writes the plot and the graph."""

import html
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograd import no_grad
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
    assert (out / "moons_loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
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
    assert sorted(os.listdir(out)) == ["neuron_graph.svg", "xor_boundary.png", "xor_loss.png"]


def test_printed_loss_and_accuracy_are_those_of_the_same_final_model(tmp_path, capsys):
    assert demo.main(["--dataset", "xor", "--epochs", "3", "--out", str(tmp_path),
                      "--no-progress"]) == 0
    line = capsys.readouterr().out.splitlines()[0]
    found = re.search(r"accuracy ([0-9.]+)%, hinge loss ([0-9.e+-]+) \(both of the final model\)",
                      line)
    assert found, line
    # the same training again (deterministic), then both figures by hand on its final model
    model, X, y, _ = demo.train_demo_model("xor", epochs=3, progress=False)
    signs = [2 * t - 1 for t in y]
    scores = [model(list(x)).data for x in X]
    hinge = sum(max(0.0, 1.0 - s * t) for s, t in zip(scores, signs, strict=True)) / len(X)
    right = sum((s > 0) == (t > 0) for s, t in zip(scores, signs, strict=True)) / len(X)
    assert found.group(1) == f"{right:.1%}"[:-1]
    assert found.group(2) == f"{hinge:.4g}"
    assert 0 < hinge  # three epochs leave a visible loss to compare


def test_the_compiled_demo_trains_exactly_as_the_engine(tmp_path, capsys):
    compiled, _, _, history_j = demo.train_demo_model("moons", epochs=4, progress=False)
    engine, _, _, history_e = demo.train_demo_model("moons", epochs=4, progress=False, jit=False)
    assert compiled.state_dict() == engine.state_dict() and history_j == history_e
    assert demo.main(["--epochs", "2", "--no-jit", "--out", str(tmp_path), "--no-progress"]) == 0
    assert "s, engine)" in capsys.readouterr().out
    assert demo.main(["--epochs", "2", "--out", str(tmp_path), "--no-progress"]) == 0
    assert "s, jit)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--dataset", "mnist"], "invalid choice"),
        (["--data", "mnist"], "invalid choice"),
        (["--epochs", "0"], "--epochs: must be at least 1, got 0"),
        (["--epochs", "-3"], "--epochs: must be at least 1, got -3"),
        (["--epochs", "2.5"], "--epochs: expected a whole number, got '2.5'"),
        (["--lr", "-1"], "--lr: must be a finite number > 0, got '-1'"),
        (["--lr", "0"], "--lr: must be a finite number > 0, got '0'"),
        (["--lr", "nan"], "--lr: must be a finite number > 0, got 'nan'"),
        (["--lr", "inf"], "--lr: must be a finite number > 0, got 'inf'"),
        (["--lr=-inf"], "--lr: must be a finite number > 0, got '-inf'"),
        (["--lr", "fast"], "--lr: expected a number, got 'fast'"),
        (["--seed", "x"], "--seed: invalid int value"),
        (["--batch-size", "0"], "--batch-size: must be at least 1, got 0"),
    ],
)
def test_bad_arguments_exit_with_usage(argv, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        demo.main([*argv, "--out", str(tmp_path / "o")])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m nn.demo") and message in err
    assert "Traceback" not in err
    assert not (tmp_path / "o").exists()  # refused before anything was written


def test_out_naming_a_file_or_an_unwritable_folder_is_a_usage_error(tmp_path, capsys,
                                                                      monkeypatch):
    a_file = tmp_path / "taken"
    a_file.write_text("keep me")
    for out, message in ((a_file, "is a file, not a folder"),
                         (a_file / "sub", "cannot create the folder")):
        with pytest.raises(SystemExit) as info:
            demo.main(["--out", str(out), "--no-progress"])
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert message in err and str(out) in err and "Traceback" not in err
    assert a_file.read_text() == "keep me"

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(demo.tempfile, "TemporaryFile", refuse)  # as a read-only folder does
    with pytest.raises(SystemExit) as info:
        demo.main(["--out", str(tmp_path / "ro"), "--no-progress"])
    assert info.value.code == 2
    assert "cannot write into the folder" in capsys.readouterr().err


def test_bad_out_from_the_command_line_gives_a_message_not_a_traceback(tmp_path):
    (tmp_path / "f").write_text("")
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(
        [sys.executable, "-m", "nn.demo", "--out", "f", "--lr", "0.05"],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120, check=False,
    )
    assert proc.returncode == 2
    assert "error: --out 'f' is a file, not a folder" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


@pytest.mark.parametrize("jit", [[], ["--no-jit"]])
def test_a_diverging_learning_rate_is_one_line_and_exit_status_1(tmp_path, jit):
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(
        [sys.executable, "-m", "nn.demo", "--lr", "1e300", "--epochs", "2", "--no-progress",
         "--out", "o", *jit],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120, check=False,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    (line,) = proc.stderr.splitlines()
    assert line.startswith("python -m nn.demo: training diverged, probably because --lr 1e+300 "
                           "is too large (the default is 0.05): fit: the loss became nan")
    assert os.listdir(tmp_path / "o") == []  # no plot of a diverged model


def test_an_overflow_during_training_is_reported_the_same_way(tmp_path, monkeypatch, capsys):
    def overflow(*args, **kwargs):
        raise OverflowError("math range error")

    monkeypatch.setattr(demo, "train_demo_model", overflow)
    assert demo.main(["--lr", "1e10", "--out", str(tmp_path), "--no-progress"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == (
        "python -m nn.demo: training diverged, probably because --lr 1e+10 is too large (the "
        "default is 0.05): math range error\n")



def test_digits_divergence_is_reported_with_the_digits_default(tmp_path, monkeypatch, capsys):
    def overflow(*args, **kwargs):
        raise FloatingPointError("fit: the loss became nan")

    monkeypatch.setattr(demo, "train_digits_model", overflow)
    assert demo.main(["--data", "digits", "--lr", "1e10", "--out", str(tmp_path),
                      "--no-progress"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == (
        "python -m nn.demo: training diverged, probably because --lr 1e+10 is too large (the "
        "default is 0.01): fit: the loss became nan\n")

@pytest.mark.parametrize("jit", [[], ["--no-jit"]])
def test_a_last_step_that_diverges_is_reported_not_printed_as_a_result(tmp_path, capsys, jit):
    # One full-batch Adam step of size 1e308 leaves every weight near +-1e308: finite, so fit
    # takes the step, but the final model's sums overflow and its loss is nan. That run
    # diverged; it is not a model with "50% accuracy and loss nan" (exit status 0, plots).
    out = tmp_path / "o"
    status = demo.main(["--lr", "1e308", "--epochs", "1", "--batch-size", "1000",
                        "--no-progress", "--out", str(out), *jit])
    captured = capsys.readouterr()
    assert status == 1
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith("python -m nn.demo: training diverged, probably because --lr 1e+308 "
                           "is too large (the default is 0.05): the final model's loss is nan")
    assert os.listdir(out) == []  # no plot of a diverged model


def test_a_digits_run_whose_last_step_diverges_is_reported(tmp_path, capsys, monkeypatch):
    few = {part: tuple(data[:40] for data in datasets.digits(part)) for part in ("train", "test")}
    monkeypatch.setattr(demo.datasets, "digits", lambda split="all": few[split])
    out = tmp_path / "o"
    status = demo.main(["--data", "digits", "--lr", "1e308", "--epochs", "1",
                        "--batch-size", "1000", "--no-progress", "--out", str(out)])
    captured = capsys.readouterr()
    assert status == 1
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith("python -m nn.demo: training diverged, probably because --lr 1e+308 "
                           "is too large (the default is 0.01): the final model's loss is nan")
    assert os.listdir(out) == []


def test_loss_curve_plot(tmp_path, monkeypatch, capsys):
    history = [{"epoch": 0, "loss": 1.0, "accuracy": 0.5}, {"epoch": 1, "loss": 0.5,
                                                             "accuracy": 0.75}]
    path = tmp_path / "curve.png"
    assert demo.plot_loss_curve(history, path, final={"loss": 0.25, "accuracy": 1.0})
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert demo.plot_loss_curve([{"epoch": 0, "loss": 0.0}], tmp_path / "flat.png")
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert demo.plot_loss_curve(history, tmp_path / "none.png") is False
    assert "pip install" in capsys.readouterr().out
    assert not (tmp_path / "none.png").exists()


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


def test_boundary_scores_compiled_equal_the_engine_and_follow_parameter_changes():
    model = MLP(2, [8, 1], seed=3)
    points = [(0.1 * i - 1.0, 0.05 * i) for i in range(25)]
    compiled = demo._scores(model, points, jit=True)
    assert compiled == demo._scores(model, points, jit=False)
    assert compiled == [model(list(p)).data for p in points]
    model.layers[-1].neurons[0].b.data += 1.5  # parameters are read afresh at every call
    moved = demo._scores(model, points, jit=True)
    assert moved == demo._scores(model, points, jit=False)
    assert all(abs(a - (b + 1.5)) < 1e-12 for a, b in zip(moved, compiled, strict=True))


# --- --data digits ------------------------------------------------------------------------------

DIGITS_LINE = re.compile(
    r"digits: test accuracy ([0-9.]+)% \(([0-9]+) of 355 held-out images\); training accuracy "
    r"([0-9.]+)%, cross-entropy ([0-9.e+-]+) \(all of the final model\) after ([0-9]+) epochs"
)


def test_digits_demo_reads_95_percent_of_the_held_out_images_and_draws_its_mistakes(tmp_path,
                                                                                    capsys):
    out = tmp_path / "o"
    assert demo.main(["--data", "digits", "--out", str(out), "--no-progress"]) == 0
    text = capsys.readouterr().out
    found = DIGITS_LINE.search(text)
    assert found, text
    assert int(found.group(2)) >= 0.95 * 355 and found.group(5) == "10"  # digits' own default
    assert sorted(os.listdir(out)) == ["digits_confusion.png", "digits_loss.png",
                                       "digits_mistakes.png"]
    for name in os.listdir(out):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _cross_entropy(logits, label):
    top = max(logits)
    return top + math.log(sum(math.exp(v - top) for v in logits)) - logits[label]


def test_digits_demo_prints_the_final_models_figures(tmp_path, capsys, monkeypatch):
    trained = []  # the demo's own model, kept to check its printed figures by hand

    def train(**settings):
        trained.append(train_digits_model(**settings))
        return trained[-1]

    train_digits_model = demo.train_digits_model
    monkeypatch.setattr(demo, "train_digits_model", train)
    # two epochs in the engine: compiling would cost more than it saves (same parameters)
    assert demo.main(["--dataset", "digits", "--epochs", "2", "--no-jit", "--out", str(tmp_path),
                      "--no-progress"]) == 0
    found = DIGITS_LINE.search(capsys.readouterr().out)
    assert found
    [(model, history)] = trained
    assert len(history) == 2
    X_test, y_test = datasets.digits("test")
    X_train, y_train = datasets.digits("train")
    with no_grad():
        test_logits = [[out.data for out in model(list(x))] for x in X_test]
        train_logits = [[out.data for out in model(list(x))] for x in X_train]
    test_pairs = list(zip(test_logits, y_test, strict=True))
    train_pairs = list(zip(train_logits, y_train, strict=True))
    right = sum(max(range(10), key=row.__getitem__) == t for row, t in test_pairs)
    train_right = sum(max(range(10), key=row.__getitem__) == t for row, t in train_pairs)
    loss = sum(_cross_entropy(row, t) for row, t in train_pairs) / len(X_train)
    assert found.group(2) == str(right) and found.group(1) == f"{right / 355:.1%}"[:-1]
    assert found.group(3) == f"{train_right / len(X_train):.1%}"[:-1]
    assert float(found.group(4)) == pytest.approx(loss, rel=1e-3)  # printed to 4 digits


def test_confusion_matrix_by_hand_and_its_errors():
    assert demo.confusion_matrix([2, 0, 1, 1, 2], [2, 1, 1, 1, 0], classes=3) == [
        [0, 1, 0],
        [0, 2, 0],
        [1, 0, 1],
    ]
    with pytest.raises(ValueError, match="2 labels but 1 predictions"):
        demo.confusion_matrix([0, 1], [0], classes=2)
    with pytest.raises(ValueError, match=r"class 3 is outside 0\.\.2"):
        demo.confusion_matrix([0, 3], [0, 0], classes=3)
    with pytest.raises(ValueError, match=r"class -1 is outside 0\.\.2"):
        demo.confusion_matrix([0, 1], [0, -1], classes=3)


def test_predict_classes_takes_the_largest_output_and_the_first_on_a_tie():
    def model(x):  # three outputs made from the input, as Values
        from autograd import Value
        return [Value(x[0]), Value(x[1]), Value(x[0])]

    assert demo.predict_classes(model, [(1.0, 0.0), (0.0, 2.0), (3.0, 3.0), (-1.0, -2.0)]) == [
        0, 1, 0, 0]


def test_digit_plots(tmp_path, monkeypatch, capsys):
    X, y = datasets.digits("test")
    path = tmp_path / "m.png"
    assert demo.plot_images(X[:11], [str(t) for t in y[:11]], path, title="eleven")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert demo.plot_images([], [], tmp_path / "none-wrong.png")  # a perfect model: no mistakes
    assert demo.plot_confusion_matrix([[3, 1], [0, 4]], tmp_path / "c.png", title="two")
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert demo.plot_images(X[:2], ["a", "b"], tmp_path / "x.png") is False
    assert demo.plot_confusion_matrix([[1]], tmp_path / "y.png") is False
    assert "pip install" in capsys.readouterr().out
    assert not (tmp_path / "x.png").exists() and not (tmp_path / "y.png").exists()
