"""``python -m nn.demo``: train an MLP on a 2-D toy dataset and draw what it learned.

Trains ``MLP(2, [16, 16, 1])`` with the hinge loss and Adam on ``moons`` (or ``circles``,
``xor``, ``spirals``) with a progress bar, prints the final training accuracy, and writes into
the output folder (default ``./demo-out``):

- ``<dataset>_boundary.png``: the decision boundary over the data (needs matplotlib, the
  ``demo`` extra; without it the demo says what to install and carries on);
- ``neuron_graph.svg``: the computation graph of one first-layer neuron on one sample, with its
  gradients (rendered by :func:`autograd.viz.to_svg`, no system Graphviz needed).

On the default settings it reaches 100% training accuracy on moons in a few seconds.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from autograd import Value, no_grad

from . import datasets, losses
from .module import MLP
from .optim import Adam
from .train import accuracy, fit

__all__ = ["DATASETS", "main", "plot_decision_boundary", "train_demo_model", "write_neuron_graph"]

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
    epochs: int = 60,
    lr: float = 0.1,
    seed: int = 0,
    progress: bool = True,
) -> tuple[MLP, list[tuple[float, float]], list[int], list[dict[str, float]]]:
    """Trains the demo's model and returns ``(model, X, y, history)``.

    ``y`` holds the dataset's 0/1 labels; training uses them as -1/+1 for the hinge loss.
    Full-batch Adam: no mini-batch noise, so the run is the same on every machine.
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
        progress=progress,
    )
    return model, X, y, history


def _scores(model: Callable[[Any], Any], points: Sequence[Sequence[float]]) -> list[float]:
    with no_grad():  # forward only: no graph is kept
        return [float(model(list(p))) for p in points]


def plot_decision_boundary(
    model: Callable[[Any], Any],
    X: Sequence[Sequence[float]],
    y: Sequence[int],
    path: str | os.PathLike[str],
    *,
    title: str = "",
    resolution: int = 60,
) -> bool:
    """Draws the sign of ``model``'s score over the data's bounding box, and the data, to a PNG.

    matplotlib is imported here (with the Agg backend, so no display is needed), not at module
    import. Returns False, after printing what to install, when matplotlib is missing.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(MATPLOTLIB_HINT)
        return False
    xs = [p[0] for p in X]
    ys = [p[1] for p in X]
    pad = 0.25
    x0, x1 = min(xs) - pad, max(xs) + pad
    y0, y1 = min(ys) - pad, max(ys) + pad
    gx = [x0 + (x1 - x0) * i / (resolution - 1) for i in range(resolution)]
    gy = [y0 + (y1 - y0) * j / (resolution - 1) for j in range(resolution)]
    flat = _scores(model, [(a, b) for b in gy for a in gx])
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
        if title:
            ax.set_title(title)
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


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m nn.demo",
        description="Train an MLP on a 2-D toy dataset; plot its decision boundary and draw "
        "one neuron's computation graph.",
    )
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="moons")
    parser.add_argument("--epochs", type=int, default=60, help="full-batch epochs (60)")
    parser.add_argument("--lr", type=float, default=0.1, help="Adam learning rate (0.1)")
    parser.add_argument("--seed", type=int, default=0, help="data and init seed (0)")
    parser.add_argument("--out", default="demo-out", help="output folder (./demo-out)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error("--epochs must be at least 1")

    os.makedirs(args.out, exist_ok=True)
    start = time.perf_counter()
    model, X, y, history = train_demo_model(
        args.dataset, epochs=args.epochs, lr=args.lr, seed=args.seed,
        progress=not args.no_progress,
    )
    seconds = time.perf_counter() - start
    with no_grad():
        final = accuracy([model(list(x)) for x in X], [2 * t - 1 for t in y])
    print(f"{args.dataset}: final training accuracy {final:.1%} after {args.epochs} epochs "
          f"({seconds:.1f} s); loss {history[-1]['loss']:.4f}")

    png = os.path.join(args.out, f"{args.dataset}_boundary.png")
    if plot_decision_boundary(model, X, y, png,
                              title=f"{args.dataset}: MLP(2, [16, 16, 1]), {final:.0%} train"):
        print(f"wrote {png}")
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
