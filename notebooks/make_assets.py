"""Regenerates the images the README and the documentation show, from code, into ``notebooks/assets/``.

Each asset has one function taking the output directory and returning the path it wrote;
``main()`` runs them all (or the ones named on the command line)::

    python notebooks/make_assets.py            # every asset
    python notebooks/make_assets.py graph      # just graph.svg

Rendering needs no system Graphviz (``autograd.viz`` falls back to its WebAssembly build), and
the drawings are deterministic, so rerunning this leaves the committed files unchanged unless
the code that draws them changed (or a different renderer, the system ``dot``, is used).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a checkout without installing;
    sys.path.insert(0, str(ROOT))  # so each maker imports the project inside itself

ASSETS = ROOT / "notebooks" / "assets"


def neuron_graph(out_dir: Path = ASSETS) -> Path:
    """``graph.svg``: one tanh neuron, o = tanh(w1*x1 + w2*x2 + b), after ``o.backward()``.

    The numbers are micrograd's classic example (b chosen so that n is about 0.8814 and
    o = tanh(n) about 0.7071), so readers can check every gradient by hand: do/dn = 1 - o^2
    = 0.5, and each weight's gradient is 0.5 times its input.
    """
    from autograd import Value
    from autograd.viz import draw_dot, to_svg

    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    total = x1w1 + x2w2
    total.label = "x1*w1 + x2*w2"
    n = total + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    path = out_dir / "graph.svg"
    to_svg(draw_dot(o, params=[w1, w2, b]), path)
    return path


def moons_boundary(out_dir: Path = ASSETS) -> Path:
    """``moons_boundary.png``: the decision boundary ``python -m nn.demo`` learns on moons.

    Same model, data and training as the demo's defaults (MLP(2, [16, 16, 1]), hinge loss,
    Adam on shuffled mini-batches of 20, seed 0), so the picture is what a reader gets from
    the quickstart.
    Needs matplotlib (the ``demo`` extra).
    """
    from nn.demo import plot_decision_boundary, train_demo_model
    from nn.train import accuracy

    model, X, y, _ = train_demo_model("moons", progress=False)
    final = accuracy([model(x) for x in X], [2 * t - 1 for t in y])
    path = out_dir / "moons_boundary.png"
    if not plot_decision_boundary(model, X, y, path,
                                  title=f"moons: MLP(2, [16, 16, 1]), {final:.0%} train"):
        raise SystemExit("moons_boundary needs matplotlib: pip install 'valuegrad[demo]'")
    return path


def network_by_neuron(out_dir: Path = ASSETS) -> Path:
    """``network_by_neuron.svg``: one sample through the demo's ``MLP(2, [16, 16, 1])`` after
    ``backward``, drawn with ``collapse="neuron"``: 33 nodes instead of 402 Values, shaded by
    |grad|. (The interactive page's screenshot, ``interactive_page.png``, is written by
    ``UPDATE_ASSETS=1 pytest tests/autograd/viz/test_page_browser.py``: it needs a browser.)
    """
    from autograd.viz import draw_dot, to_svg
    from nn import MLP

    model = MLP(2, [16, 16, 1], seed=0)
    out = model([0.5, -1.0])
    out.backward()
    path = out_dir / "network_by_neuron.svg"
    to_svg(draw_dot(out, collapse="neuron"), path)
    return path


#: Every asset: name (as given on the command line) -> the function that writes it.
MAKERS: dict[str, Callable[[Path], Path]] = {
    "graph": neuron_graph,
    "moons": moons_boundary,
    "network": network_by_neuron,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assets", nargs="*", metavar="ASSET",
                        help=f"assets to make, of: {', '.join(MAKERS)} (default: all)")
    parser.add_argument("--out", type=Path, default=ASSETS, help="output directory")
    args = parser.parse_args(argv)
    unknown = [name for name in args.assets if name not in MAKERS]
    if unknown:
        parser.error(f"unknown asset(s) {', '.join(unknown)}; choose from {', '.join(MAKERS)}")
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.assets or list(MAKERS):
        print(MAKERS[name](args.out))


if __name__ == "__main__":
    main()
