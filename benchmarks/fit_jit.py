"""Benchmark 6: ``fit(jit=False | True | "auto")`` over run lengths, on three problems.

Whether compiling pays depends on how many steps reuse the compiled graph, so each problem is
trained for 1, 5 and 20 epochs, a fresh model every run (compiling included, as a user pays
it), with each ``jit`` setting. ``jit="auto"`` should never lose: the last columns give its
time over the better of the other two, and the targets ask for at most 1.1x at every length.

- ``digits``: benchmark 5's problem (``MLP(64, [32, 10])``, cross-entropy, SGD momentum 0.9,
  batches of 32, 1,797 images);
- ``moons`` and ``spirals``: the demo's (``python -m nn.demo --dataset ...``):
  ``MLP(2, [16, 16, 1])``, hinge loss on -1/+1 labels, Adam (lr 0.05), batches of 20, 100
  points.
"""

from __future__ import annotations

from typing import Any

from . import digits
from .common import Config, Prepared, Section, fmt_time, interleaved

MODES: dict[str, bool | str] = {"jit=False": False, "jit=True": True, 'jit="auto"': "auto"}
PROBLEMS = ("digits", "moons", "spirals")
WITHIN = 1.1  # the target: auto's time over the better of False and True


def train_toy(cfg: Config, dataset: str, epochs: int, jit: bool | str) -> list[dict[str, float]]:
    """The demo's training on ``dataset`` for ``epochs``, from a fresh model; the history."""
    from nn import MLP, Adam, datasets, fit, losses

    X, y = getattr(datasets, dataset)(n=cfg.moons_points, seed=0)
    model = MLP(2, [*cfg.moons_hidden, 1], seed=0)
    return fit(model, X, [2 * t - 1 for t in y], loss=losses.hinge,
               optimizer=Adam(model.parameters(), lr=0.05), epochs=epochs, batch_size=20,
               seed=0, progress=False, jit=jit)


def run_name(problem: str, epochs: int) -> str:
    return f"{problem} x{epochs}"


def prepare(name: str, cfg: Config) -> Prepared:
    """Every problem and length for one ``jit`` setting (a warm-up fit first, untimed)."""
    jit = MODES[name]
    fns: dict[str, Any] = {}
    for epochs in cfg.run_lengths:
        fns[run_name("digits", epochs)] = (
            lambda e=epochs: digits.fit_epochs(cfg, e, jit))
        for toy in PROBLEMS[1:]:
            fns[run_name(toy, epochs)] = lambda t=toy, e=epochs: train_toy(cfg, t, e, jit)
    train_toy(cfg, "moons", 2, jit)  # imports, and jit's first compile, out of the timings
    return fns, {}


def run(cfg: Config) -> Section:
    section = Section(
        "fit-jit",
        "6. fit(jit=...) by run length: a fresh model trained for 1 to "
        f"{max(cfg.run_lengths)} epochs, compiling included",
        ["problem", "epochs", "steps", "jit=False", "jit=True", 'jit="auto"',
         'auto / better', f"auto within {WITHIN}x"],
    )
    fn_names = [run_name(p, e) for p in PROBLEMS for e in cfg.run_lengths]
    timed_cfg = Config(**{**cfg.__dict__, "repeat": cfg.lengths_repeat, "warmup": 0})
    results = interleaved(timed_cfg, prepare, list(MODES), fn_names)
    images = cfg.digits_images
    steps_per_epoch = {"digits": -(-images // digits.BATCH),
                       "moons": -(-cfg.moons_points // 20), "spirals": -(-cfg.moons_points // 20)}
    for problem in PROBLEMS:
        for epochs in cfg.run_lengths:
            key = run_name(problem, epochs)
            medians = {mode: results[mode][0][key].median for mode in MODES}
            samples = {mode: results[mode][0][key].samples for mode in MODES}
            best = min(medians["jit=False"], medians["jit=True"])
            ratio = medians['jit="auto"'] / best
            section.data[key] = {"medians_s": medians, "samples_s": samples, "auto_ratio": ratio}
            section.rows.append([
                problem, str(epochs), str(steps_per_epoch[problem] * epochs),
                *(fmt_time(medians[mode]) for mode in MODES),
                f"{ratio:.2f}x", "yes" if ratio <= WITHIN else "**no**",
            ])
    hidden = ", ".join(map(str, cfg.moons_hidden))
    section.notes.append(
        f"digits: benchmark 5's problem; moons and spirals: the demo's (MLP(2, [{hidden}, 1]), "
        f"hinge, Adam lr 0.05, batches of 20, {cfg.moons_points} points). Each run starts from "
        "a fresh model; "
        "each jit setting runs in its own interpreter (after one untimed warm-up fit), samples "
        f"interleaved, median of {cfg.lengths_repeat}."
    )
    section.notes.append(
        "'auto / better' is jit=\"auto\"'s time over the better of jit=False and jit=True on "
        "that row; the issue's target is at most 1.1x on every row."
    )
    return section
