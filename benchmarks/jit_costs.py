"""Benchmark 7: the compile and a compiled run of a training step, in engine runs of that step,
against what ``autograd.jit.compile_cost`` predicts.

``fit(jit="auto")`` decides from a step's graph alone: ``compile_cost`` predicts the compile and
a compiled run in engine runs of the step, from its op nodes and edges by the figures of
``autograd.jit.CostModel`` (seconds per node plus seconds per edge, for each of the three).
This section measures the three on a dozen MLP training steps (from a batch of 4 on a 3-unit
network to batches of 100 moons points and of 64 digits), each in a fresh interpreter (the
compile is the process's first, as a ``fit`` pays it), and prints the two ratios beside their
predictions; the notes give the per-node and per-edge figures that fit this run best, to
compare with the model's.
"""

from __future__ import annotations

import random
import statistics
from typing import Any

from .common import Config, Section, fmt_time, isolated

# name, inputs, layer sizes, activation, loss, batch size
Step = tuple[str, int, tuple[int, ...], str, str, int]

STEPS: list[Step] = [
    ("digits, batch 32", 64, (32, 10), "relu", "cross_entropy", 32),
    ("digits, batch 5", 64, (32, 10), "relu", "cross_entropy", 5),
    ("digits, batch 8", 64, (32, 10), "relu", "cross_entropy", 8),
    ("digits 16 hidden, batch 64", 64, (16, 10), "relu", "cross_entropy", 64),
    ("moons, batch 20", 2, (16, 16, 1), "relu", "hinge", 20),
    ("moons, batch 5", 2, (16, 16, 1), "relu", "hinge", 5),
    ("moons, batch 100", 2, (16, 16, 1), "relu", "hinge", 100),
    ("3 classes, batch 16", 2, (8, 8, 3), "relu", "cross_entropy", 16),
    ("tanh 32x32, mse, batch 20", 2, (32, 32, 1), "tanh", "mse", 20),
    ("sigmoid 4x4x4x4, bce, batch 32", 2, (4, 4, 4, 4, 1), "sigmoid",
     "binary_cross_entropy_with_logits", 32),
    ("10 inputs, 64 hidden, mse, batch 16", 10, (64, 1), "relu", "mse", 16),
    ("3 hidden, batch 4", 2, (3, 1), "relu", "hinge", 4),
]

QUICK_STEPS: list[Step] = [
    ("moons 4x4, batch 5", 2, (4, 4, 1), "relu", "hinge", 5),
    ("3 classes, batch 4", 2, (4, 3), "relu", "cross_entropy", 4),
    ("3 hidden, batch 4", 2, (3, 1), "relu", "hinge", 4),
]

FIGURES = ("ENGINE", "COMPILE", "COMPILED")


def _problem(step: Step) -> tuple[Any, Any, list[Any], list[Any]]:
    """The model, the loss and one batch of ``step``: digits images for 64 inputs, else
    random inputs from seed 0 with labels the loss takes."""
    from nn import MLP, losses
    from nn.datasets import digits

    _, nin, sizes, activation, loss_name, batch = step
    rng = random.Random(0)
    if nin == 64:
        X, y = digits()
        xs, ys = [list(row) for row in X[:batch]], list(y[:batch])
    else:
        xs = [[rng.gauss(0.0, 1.0) for _ in range(nin)] for _ in range(batch)]
        if loss_name == "cross_entropy":
            ys = [rng.randrange(sizes[-1]) for _ in range(batch)]
        elif loss_name == "hinge":
            ys = [rng.choice([-1, 1]) for _ in range(batch)]
        else:
            ys = [float(rng.random() < 0.5) for _ in range(batch)]
    model = MLP(nin, list(sizes), activation=activation, seed=0)
    return model, getattr(losses, loss_name), xs, ys


def measure_step(cfg: Config, step: Step) -> dict[str, Any]:
    """The graph's size and the medians (``cfg``'s clock) of its engine runs and compiled
    runs, and its compile, in this process."""
    from autograd import jit
    from autograd.jit import CostModel

    model, loss, xs, ys = _problem(step)
    params = model.parameters()
    timer = cfg.timer

    def forward(xb: list[Any], yb: list[Any]) -> tuple[Any, list[Any]]:
        outputs = [model(x) for x in xb]
        return loss(outputs, yb), outputs

    def engine() -> Any:
        for p in params:
            p.grad = 0.0
        out, _ = forward(xs, ys)
        out.backward()
        return out

    root = engine()  # warm-up, and the graph whose size the model reads
    engine_s = []
    for _ in range(max(1, cfg.repeat)):
        start = timer()
        engine()
        engine_s.append(timer() - start)
    compiled = jit(forward)
    start = timer()
    compiled.compile(xs, ys, backward=True)
    compile_s = timer() - start
    compiled.backward(xs, ys, has_aux=True)
    run_s = []
    for _ in range(max(1, cfg.repeat)):
        start = timer()
        compiled.backward(xs, ys, has_aux=True)
        run_s.append(timer() - start)
    nodes, edges = _size(root)
    measured = {"ENGINE": statistics.median(engine_s), "COMPILE": compile_s,
                "COMPILED": statistics.median(run_s)}
    predicted = {f: CostModel.predict(getattr(CostModel, f), nodes, edges) for f in FIGURES}
    return {"nodes": nodes, "edges": edges, "measured_s": measured, "predicted_s": predicted}


def _size(root: Any) -> tuple[int, int]:
    from autograd import topological_order

    ops = [n for n in topological_order(root) if not n.is_leaf]
    return len(ops), sum(len(n.parents) for n in ops)


def best_figures(sizes: list[tuple[int, int]], seconds: list[float]) -> tuple[float, float]:
    """Seconds per node and per edge whose predictions are closest to ``seconds`` in relative
    terms (least squares of ``prediction / measured - 1``)."""
    rows = [(n / s, e / s) for (n, e), s in zip(sizes, seconds, strict=True)]
    nn_ = sum(a * a for a, _ in rows)
    ne = sum(a * b for a, b in rows)
    ee = sum(b * b for _, b in rows)
    n1 = sum(a for a, _ in rows)
    e1 = sum(b for _, b in rows)
    det = nn_ * ee - ne * ne
    return (n1 * ee - e1 * ne) / det, (e1 * nn_ - n1 * ne) / det


def run(cfg: Config) -> Section:
    from autograd.jit import CostModel

    section = Section(
        "jit-costs",
        "7. jit's cost model: the compile and a compiled run of a training step, in engine runs "
        "of that step, measured and predicted",
        ["step", "nodes", "edges", "engine run", "compile", "in engine runs", "predicted",
         "compiled run", "in engine runs", "predicted"],
    )
    steps = QUICK_STEPS if cfg.quick else STEPS
    results = {step[0]: isolated(cfg, measure_step, cfg, step) for step in steps}
    for name, r in results.items():
        measured, predicted = r["measured_s"], r["predicted_s"]
        cells = [name, f"{r['nodes']:,}", f"{r['edges']:,}", fmt_time(measured["ENGINE"])]
        for f in ("COMPILE", "COMPILED"):
            cells += [fmt_time(measured[f]), f"{measured[f] / measured['ENGINE']:.3g}",
                      f"{predicted[f] / predicted['ENGINE']:.3g}"]
        section.rows.append(cells)
    section.data = dict(results)
    sizes = [(r["nodes"], r["edges"]) for r in results.values()]
    fitted = []
    for f in FIGURES:
        per_node, per_edge = best_figures(sizes, [r["measured_s"][f] for r in results.values()])
        model_node, model_edge = getattr(CostModel, f)
        fitted.append(f"{f} {per_node * 1e6:.3g} us per node + {per_edge * 1e6:.3g} us per edge "
                      f"(the model: {model_node * 1e6:.3g} + {model_edge * 1e6:.3g})")
        section.data[f"fitted {f}"] = {"per_node_s": per_node, "per_edge_s": per_edge}
    section.notes.append(
        "'predicted' is what autograd.jit.compile_cost gives, from the step's nodes and edges by "
        "CostModel's figures; fit(jit=\"auto\") decides on it. Engine and compiled runs: medians "
        f"of {cfg.repeat} after one warm-up; the compile: one, the first of a fresh interpreter "
        "(tracing, generating and compiling the backward pass), as fit pays it. Each step in its "
        "own interpreter."
    )
    section.notes.append(
        "The per-node and per-edge figures that fit this run's seconds best (least squares of "
        "the relative error): " + "; ".join(fitted) + "."
    )
    return section
