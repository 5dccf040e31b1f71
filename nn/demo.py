"""``python -m nn.demo``: train an MLP on a 2-D toy dataset, or on handwritten digits, and draw
what it learned.

Trains ``MLP(2, [16, 16, 1])`` with the hinge loss and Adam on ``moons`` (or ``circles``,
``xor``, ``spirals``) with a progress bar, prints the final model's training accuracy and loss
(both measured on that same model), and writes into the output folder (default
``./demo-out``, checked writable before training):

- ``<dataset>_boundary.png``: the decision boundary over the data (needs matplotlib, the
  ``demo`` extra; without it the demo says what to install and carries on);
- ``<dataset>_loss.png``: the loss and accuracy of each epoch, then of the final model
  (matplotlib too);
- ``neuron_graph.svg``: the computation graph of one first-layer neuron on one sample, with its
  gradients (rendered by :func:`autograd.viz.to_svg`, no system Graphviz needed).

On the default settings (200 epochs of mini-batches of 20, Adam, the batch step compiled by
``autograd.jit``) it reaches 100% training accuracy on moons in well under a second of
training; ``--no-jit`` runs the same training in the engine, about 3x slower. Bad arguments
exit with a usage message (status 2); training that diverges (a learning rate far too large)
exits with one line on stderr saying so (status 1), never a traceback.

``--data digits`` (``--dataset`` and ``--data`` are one option) trains ``MLP(64, [32, 10])``
with cross-entropy and Adam (10 epochs of batches of 32, lr 0.01, unless given) on the 1,442
training images of :func:`nn.datasets.digits`, prints its accuracy on the 355 held-out test
images, and writes ``digits_confusion.png`` (which digits it confuses), ``digits_mistakes.png``
(the test images it got wrong) and ``digits_loss.png``. A 64-D input has no decision boundary to
draw, and a neuron with 64 inputs makes a graph too tall to read, so those two are left out.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import Any

import autograd
from autograd import Value, no_grad

from . import datasets, losses
from .module import MLP
from .optim import Adam
from .train import evaluate, fit

__all__ = [
    "DATASETS", "DEFAULTS", "confusion_matrix", "main", "plot_confusion_matrix",
    "plot_decision_boundary", "plot_images", "plot_loss_curve", "predict_classes",
    "train_demo_model", "train_digits_model", "write_neuron_graph",
]

DATASETS: dict[str, Callable[..., datasets.Data]] = {
    "moons": datasets.moons,
    "circles": datasets.circles,
    "xor": datasets.xor,
    "spirals": datasets.spirals,
}
"""The datasets the demo can train on, each called with ``n=100`` and a seed."""

DEFAULTS: dict[str, tuple[int, int, float]] = {"toy": (200, 20, 0.05), "digits": (10, 32, 0.01)}
"""Epochs, batch size and Adam learning rate when not given: the 2-D sets', the digits'."""

MATPLOTLIB_HINT = (
    "matplotlib is not installed, so no plot was written; install it with\n"
    "    python3 -m pip install matplotlib     (or: pip install 'valuegrad[demo]')"
)


def train_demo_model(
    dataset: str = "moons",
    *,
    epochs: int = 200,
    batch_size: int = 20,
    lr: float = 0.05,
    seed: int = 0,
    progress: bool = True,
    jit: bool = True,
) -> tuple[MLP, list[tuple[float, float]], list[int], list[dict[str, float]]]:
    """Trains the demo's model and returns ``(model, X, y, history)``.

    ``y`` holds the dataset's 0/1 labels; training uses them as -1/+1 for the hinge loss.
    Mini-batches of 20 shuffled from ``seed``: the same run on every machine. With ``jit``
    the batch step is compiled by ``autograd.jit`` (one trace, reused by all 1,000 steps of the
    default run; the same parameters as without it).
    """
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; choose one of {', '.join(DATASETS)}")
    X, y = DATASETS[dataset](n=100, seed=seed)
    signs = [2 * t - 1 for t in y]
    model = MLP(2, [16, 16, 1], activation="relu", seed=seed)
    history = fit(
        model, X, signs,
        loss=losses.hinge,
        optimizer=Adam(model.parameters(), lr=lr),
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        progress=progress,
        jit=jit,
    )
    return model, X, y, history


def train_digits_model(
    *,
    epochs: int = 10,
    batch_size: int = 32,
    lr: float = 0.01,
    seed: int = 0,
    progress: bool = True,
    jit: bool = True,
) -> tuple[MLP, list[dict[str, float]]]:
    """Trains ``MLP(64, [32, 10])`` with cross-entropy and Adam on ``digits("train")``; returns
    ``(model, history)``.

    The model outputs one logit per digit; ``seed`` fixes its initial weights and the order of
    the batches. With ``jit`` the batch step is compiled, as in :func:`train_demo_model`.
    """
    X, y = datasets.digits("train")
    model = MLP(64, [32, 10], seed=seed)
    history = fit(
        model, X, y,
        loss=losses.cross_entropy,
        optimizer=Adam(model.parameters(), lr=lr),
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        progress=progress,
        jit=jit,
    )
    return model, history


def predict_classes(model: Callable[[Any], Any], X: Sequence[Sequence[float]]) -> list[int]:
    """The index of the largest output for each sample (the first, on a tie), under no_grad."""
    predicted = []
    with no_grad():
        for x in X:
            outputs = [float(out) for out in model(list(x))]
            predicted.append(max(range(len(outputs)), key=outputs.__getitem__))
    return predicted


def confusion_matrix(
    labels: Sequence[int], predicted: Sequence[int], classes: int
) -> list[list[int]]:
    """``matrix[t][p]``: how many samples of class ``t`` were predicted as ``p``.

    >>> confusion_matrix([0, 0, 1, 2], [0, 1, 1, 0], classes=3)
    [[1, 1, 0], [0, 1, 0], [1, 0, 0]]
    """
    if len(labels) != len(predicted):
        raise ValueError(f"confusion_matrix: {len(labels)} labels but {len(predicted)} "
                         "predictions")
    matrix = [[0] * classes for _ in range(classes)]
    for t, p in zip(labels, predicted, strict=True):
        if not (0 <= t < classes and 0 <= p < classes):
            raise ValueError(f"confusion_matrix: class {t if not 0 <= t < classes else p} is "
                             f"outside 0..{classes - 1}")
        matrix[t][p] += 1
    return matrix


def _scores(
    model: Callable[[Any], Any], points: Sequence[Sequence[float]], *, jit: bool = True
) -> list[float]:
    """The model's score at each point: one forward pass compiled once by ``autograd.jit`` and
    run per point (the parameters are read afresh at each call), or the engine under no_grad."""
    if jit:
        score = autograd.jit(lambda point: model(point))
        return [score(list(p)) for p in points]
    with no_grad():  # forward only: no graph is kept
        return [float(model(list(p))) for p in points]


def _pyplot() -> Any:
    """``matplotlib.pyplot`` on the Agg backend (no display needed), imported only when a plot
    is drawn; None, after printing what to install, when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(MATPLOTLIB_HINT)
        return None
    return plt


def _save(fig: Any, ax: Any, title: str, path: str | os.PathLike[str]) -> None:
    """Titles ``ax`` (when ``title`` is given) and writes ``fig`` to ``path``, leaving out
    matplotlib's version stamp (so the file does not change with the matplotlib release)."""
    if title:
        ax.set_title(title)
    fig.tight_layout()
    fig.savefig(os.fspath(path), metadata={"Software": None})


def plot_decision_boundary(
    model: Callable[[Any], Any],
    X: Sequence[Sequence[float]],
    y: Sequence[int],
    path: str | os.PathLike[str],
    *,
    title: str = "",
    resolution: int = 60,
    jit: bool = True,
) -> bool:
    """Draws the sign of ``model``'s score over the data's bounding box, and the data, to a PNG.

    The score is evaluated at ``resolution ** 2`` grid points: with ``jit`` through one compiled
    forward pass, else in the engine.

    matplotlib is imported here (with the Agg backend, so no display is needed), not at module
    import. Returns False, after printing what to install, when matplotlib is missing.
    """
    plt = _pyplot()
    if plt is None:
        return False
    xs = [p[0] for p in X]
    ys = [p[1] for p in X]
    pad = 0.25
    x0, x1 = min(xs) - pad, max(xs) + pad
    y0, y1 = min(ys) - pad, max(ys) + pad
    gx = [x0 + (x1 - x0) * i / (resolution - 1) for i in range(resolution)]
    gy = [y0 + (y1 - y0) * j / (resolution - 1) for j in range(resolution)]
    flat = _scores(model, [(a, b) for b in gy for a in gx], jit=jit)
    grid = [flat[j * resolution:(j + 1) * resolution] for j in range(resolution)]
    fig, ax = plt.subplots(figsize=(6.0, 4.4), dpi=100)
    try:
        ax.contourf(gx, gy, grid, levels=[-1e300, 0.0, 1e300], colors=["#f4c7a1", "#a9c8e8"],
                    alpha=0.8)
        ax.contour(gx, gy, grid, levels=[0.0], colors="k", linewidths=1.0)
        colors = ["#d95f02" if t == 0 else "#1f5fa8" for t in y]
        ax.scatter(xs, ys, c=colors, s=22, edgecolors="white", linewidths=0.5)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal")
        _save(fig, ax, title, path)
    finally:
        plt.close(fig)
    return True


def plot_loss_curve(
    history: Sequence[dict[str, float]],
    path: str | os.PathLike[str],
    *,
    final: dict[str, float] | None = None,
    title: str = "",
) -> bool:
    """Draws the history's loss (and accuracy, when recorded) per epoch to a PNG.

    An epoch's figures are the means over its batches, each measured before its batch's step
    (in full-batch training: the model after k steps at x = k); ``final`` (from
    :func:`nn.evaluate` after training) adds the model after the last step at
    x = len(history). Returns False, after printing what
    to install, when matplotlib is missing.
    """
    plt = _pyplot()
    if plt is None:
        return False
    epochs = list(range(len(history) + (final is not None)))
    records = [*history, final] if final is not None else list(history)
    fig, ax = plt.subplots(figsize=(6.0, 3.6), dpi=100)
    try:
        ax.plot(epochs, [r["loss"] for r in records], color="#1f5fa8", label="loss")
        ax.set_xlabel("epochs")
        ax.set_ylabel("loss")
        ax.set_yscale("log" if all(r["loss"] > 0 for r in records) else "linear")
        if all("accuracy" in r for r in records):
            acc = ax.twinx()
            acc.plot(epochs, [r["accuracy"] for r in records], color="#d95f02",
                     label="accuracy")
            acc.set_ylabel("accuracy")
            acc.set_ylim(0.0, 1.05)
            fig.legend(loc="center right", bbox_to_anchor=(0.85, 0.5))
        _save(fig, ax, title, path)
    finally:
        plt.close(fig)
    return True


def plot_confusion_matrix(
    matrix: Sequence[Sequence[int]], path: str | os.PathLike[str], *, title: str = ""
) -> bool:
    """Draws a confusion matrix (rows: true class, columns: predicted) with its counts, to a
    PNG. Returns False, after printing what to install, when matplotlib is missing."""
    plt = _pyplot()
    if plt is None:
        return False
    classes = len(matrix)
    dark = max(max(row) for row in matrix) / 2
    fig, ax = plt.subplots(figsize=(5.0, 4.4), dpi=100)
    try:
        ax.imshow(matrix, cmap="Blues")
        for t in range(classes):
            for p in range(classes):
                if matrix[t][p]:
                    ax.text(p, t, str(matrix[t][p]), ha="center", va="center", fontsize=8,
                            color="white" if matrix[t][p] > dark else "black")
        ax.set_xticks(range(classes))
        ax.set_yticks(range(classes))
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        _save(fig, ax, title, path)
    finally:
        plt.close(fig)
    return True


def plot_images(
    images: Sequence[Sequence[float]],
    captions: Sequence[str],
    path: str | os.PathLike[str],
    *,
    title: str = "",
    columns: int = 8,
) -> bool:
    """Draws square images (flat rows of pixels in [0, 1], row after row; ink dark), each with
    its caption, ``columns`` to a line, to a PNG. Returns False, after printing what to install,
    when matplotlib is missing."""
    plt = _pyplot()
    if plt is None:
        return False
    side = math.isqrt(len(images[0])) if images else 1
    rows = max(1, -(-len(images) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(1.1 * columns, 1.25 * rows + 0.4),
                             dpi=100, squeeze=False)
    try:
        for ax in axes.flat:
            ax.axis("off")
        for ax, image, caption in zip(axes.flat, images, captions, strict=False):
            ax.imshow([list(image[side * r:side * r + side]) for r in range(side)],
                      cmap="gray_r", vmin=0.0, vmax=1.0)
            ax.set_title(caption, fontsize=9)
        if title:
            fig.suptitle(title, fontsize=10)
        fig.tight_layout()
        fig.savefig(os.fspath(path), metadata={"Software": None})
    finally:
        plt.close(fig)
    return True


def write_neuron_graph(model: MLP, sample: Sequence[float], path: str) -> str:
    """Renders one first-layer neuron on ``sample`` (inputs shown as x0, x1) to an SVG file."""
    from autograd.viz import draw_dot, to_svg  # imports graphviz: only when drawing

    neuron = model.layers[0].neurons[0]
    params = neuron.parameters()
    saved = [p.grad for p in params]  # the drawing's backward pass must not leak into them
    inputs = [Value(v, label=f"x{i}") for i, v in enumerate(sample)]
    out = neuron(inputs)
    out.label = "out"
    for p in params:
        p.grad = 0.0
    out.backward()
    try:
        return to_svg(draw_dot(out, params=params), path)  # parameters drawn in red
    finally:
        for p, g in zip(params, saved, strict=True):
            p.grad = g


def _positive_int(text: str) -> int:
    """argparse type: an int >= 1 (the error becomes a usage message, exit status 2)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def _positive_float(text: str) -> float:
    """argparse type: a finite number > 0 (nan, inf, 0 and negatives are usage errors)."""
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(x) or x <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return x


def _prepare_out(parser: argparse.ArgumentParser, out: str) -> None:
    """Makes the output folder and checks it is writable, before any training time is spent."""
    if os.path.exists(out) and not os.path.isdir(out):
        parser.error(f"--out {out!r} is a file, not a folder")
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as exc:
        parser.error(f"--out: cannot create the folder {out!r}: {exc.strerror or exc}")
    try:
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        parser.error(f"--out: cannot write into the folder {out!r}: {exc.strerror or exc}")


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status: 2 (with usage) for bad arguments, 1
    with one line on stderr when training diverges (a learning rate too large)."""
    parser = argparse.ArgumentParser(
        prog="python -m nn.demo",
        description="Train an MLP on a 2-D toy dataset; plot its decision boundary and loss "
        "curve and draw one neuron's computation graph. Or train one on handwritten digits "
        "(--data digits) and plot what it gets wrong.",
    )
    parser.add_argument("--dataset", "--data", choices=sorted([*DATASETS, "digits"]),
                        default="moons", help="a 2-D toy set, or the handwritten digits")
    parser.add_argument("--epochs", type=_positive_int, default=None,
                        help="epochs (200; digits: 10)")
    parser.add_argument("--batch-size", type=_positive_int, default=None,
                        help="samples per step (20; digits: 32)")
    parser.add_argument("--lr", type=_positive_float, default=None,
                        help="Adam learning rate (0.05; digits: 0.01)")
    parser.add_argument("--seed", type=int, default=0, help="data and init seed (0)")
    parser.add_argument("--out", default="demo-out", help="output folder (./demo-out)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument("--no-jit", action="store_true",
                        help="run every step in the engine instead of compiling it with "
                        "autograd.jit (same result, about 3x slower)")
    args = parser.parse_args(argv)
    defaults = DEFAULTS["digits" if args.dataset == "digits" else "toy"]
    for name, default in zip(("epochs", "batch_size", "lr"), defaults, strict=True):
        if getattr(args, name) is None:
            setattr(args, name, default)
    _prepare_out(parser, args.out)
    try:
        if args.dataset == "digits":
            return _digits_main(args)
        start = time.perf_counter()
        model, X, y, history = train_demo_model(
            args.dataset, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
            seed=args.seed, progress=not args.no_progress, jit=not args.no_jit,
        )
        seconds = time.perf_counter() - start
        # loss and accuracy of the same, final model (the history's figures are measured
        # during each epoch, before its update)
        final = _final_figures(model, X, [2 * t - 1 for t in y], losses.hinge)
    except (FloatingPointError, OverflowError) as exc:
        # the settings made the numbers blow up (a huge --lr): say so in one line, no traceback
        print(f"{parser.prog}: training diverged, probably because --lr {args.lr:g} is too "
              f"large (the default is {defaults[2]:g}): {exc}", file=sys.stderr)
        return 1
    print(f"{args.dataset}: final training accuracy {final['accuracy']:.1%}, hinge loss "
          f"{final['loss']:.4g} (both of the final model) after {args.epochs} epochs "
          f"({seconds:.2f} s, {'engine' if args.no_jit else 'jit'})")

    png = os.path.join(args.out, f"{args.dataset}_boundary.png")
    title = f"{args.dataset}: MLP(2, [16, 16, 1]), {final['accuracy']:.0%} train"
    if plot_decision_boundary(model, X, y, png, title=title, jit=not args.no_jit):
        print(f"wrote {png}")
        curve = os.path.join(args.out, f"{args.dataset}_loss.png")
        plot_loss_curve(history, curve, final=final, title=f"{args.dataset}: training")
        print(f"wrote {curve}")
    svg = os.path.join(args.out, "neuron_graph.svg")
    try:
        write_neuron_graph(model, X[0], svg)
    except (ImportError, OSError, RuntimeError) as exc:
        # no renderer (RenderError and RendererNotFoundError are RuntimeErrors), graphviz not
        # installed, or an unwritable folder: report it, but keep the training result
        print(f"could not render the computation graph: {exc}", file=sys.stderr)
    else:
        print(f"wrote {svg}")
    return 0


def _final_figures(
    model: MLP, X: Sequence[Any], y: Sequence[int], loss: Callable[..., Value]
) -> dict[str, float]:
    """``evaluate`` of the trained model; FloatingPointError when its loss is not finite: the
    last step diverged (fit refuses a step from a non-finite loss, but no step follows the
    last one to find its result non-finite)."""
    final = evaluate(model, X, y, loss=loss)
    if not math.isfinite(final["loss"]):
        raise FloatingPointError(f"the final model's loss is {final['loss']!r}")
    return final


def _digits_main(args: argparse.Namespace) -> int:
    """``main`` for ``--data digits``: train, report test accuracy, draw the confusion matrix,
    the mistakes and the loss curve."""
    start = time.perf_counter()
    model, history = train_digits_model(
        epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=args.seed,
        progress=not args.no_progress, jit=not args.no_jit,
    )
    seconds = time.perf_counter() - start
    X_train, y_train = datasets.digits("train")
    X_test, y_test = datasets.digits("test")
    final = _final_figures(model, X_train, y_train, losses.cross_entropy)
    predicted = predict_classes(model, X_test)
    right = sum(p == t for p, t in zip(predicted, y_test, strict=True))
    print(f"digits: test accuracy {right / len(y_test):.1%} ({right} of {len(y_test)} held-out "
          f"images); training accuracy {final['accuracy']:.1%}, cross-entropy "
          f"{final['loss']:.4g} (all of the final model) after {args.epochs} epochs "
          f"({seconds:.2f} s, {'engine' if args.no_jit else 'jit'})")

    png = os.path.join(args.out, "digits_confusion.png")
    matrix = confusion_matrix(y_test, predicted, classes=10)
    if plot_confusion_matrix(matrix, png, title=f"digits: {right} of {len(y_test)} test "
                             "images right"):
        print(f"wrote {png}")
        wrong = [i for i, (p, t) in enumerate(zip(predicted, y_test, strict=True)) if p != t]
        mistakes = os.path.join(args.out, "digits_mistakes.png")
        plot_images([X_test[i] for i in wrong],
                    [f"{y_test[i]} \N{RIGHTWARDS ARROW} {predicted[i]}" for i in wrong],
                    mistakes, title=f"the {len(wrong)} test images read wrong (true "
                    "\N{RIGHTWARDS ARROW} predicted)")
        print(f"wrote {mistakes}")
        curve = os.path.join(args.out, "digits_loss.png")
        plot_loss_curve(history, curve, final=final, title="digits: training")
        print(f"wrote {curve}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
