"""``python -m nn.demo``: train an MLP on a 2-D toy dataset and draw what it learned.

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
    "DATASETS", "main", "plot_decision_boundary", "plot_loss_curve", "train_demo_model",
    "write_neuron_graph",
]

DATASETS: dict[str, Callable[..., datasets.Data]] = {
    "moons": datasets.moons,
    "circles": datasets.circles,
    "xor": datasets.xor,
    "spirals": datasets.spirals,
}
"""The datasets the demo can train on, each called with ``n=100`` and a seed."""

MATPLOTLIB_HINT = (
    "matplotlib is not installed, so no decision-boundary plot was written; install it with\n"
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
        "curve and draw one neuron's computation graph.",
    )
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="moons")
    parser.add_argument("--epochs", type=_positive_int, default=200, help="epochs (200)")
    parser.add_argument("--batch-size", type=_positive_int, default=20,
                        help="samples per step (20)")
    parser.add_argument("--lr", type=_positive_float, default=0.05,
                        help="Adam learning rate (0.05)")
    parser.add_argument("--seed", type=int, default=0, help="data and init seed (0)")
    parser.add_argument("--out", default="demo-out", help="output folder (./demo-out)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument("--no-jit", action="store_true",
                        help="run every step in the engine instead of compiling it with "
                        "autograd.jit (same result, about 3x slower)")
    args = parser.parse_args(argv)
    _prepare_out(parser, args.out)

    start = time.perf_counter()
    try:
        model, X, y, history = train_demo_model(
            args.dataset, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
            seed=args.seed, progress=not args.no_progress, jit=not args.no_jit,
        )
    except (FloatingPointError, OverflowError) as exc:
        # the settings made the numbers blow up (a huge --lr): say so in one line, no traceback
        print(f"{parser.prog}: training diverged, probably because --lr {args.lr:g} is too "
              f"large (the default is 0.05): {exc}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - start
    # loss and accuracy of the same, final model (the history's figures are measured during
    # each epoch, before its update)
    final = evaluate(model, X, [2 * t - 1 for t in y], loss=losses.hinge)
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


if __name__ == "__main__":
    sys.exit(main())
