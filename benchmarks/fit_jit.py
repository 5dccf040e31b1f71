"""Benchmark 6: ``fit(jit=False | True | "auto")`` over run lengths, on three problems.

Whether compiling pays depends on how many steps reuse the compiled graph, so each problem is
trained for 1, 5 and 20 epochs with each ``jit`` setting. Every run is what a script that calls
``fit`` once pays: a fresh interpreter (``cfg.isolate``), a fresh model, compiling included.
(jit refines its estimate of the compile time with every compile a process makes, so in one
long-lived process ``jit="auto"`` can choose differently from its first ``fit``.)
``jit="auto"`` should never lose: the last columns give its time over the better of the other
two, and the targets ask for at most 1.1x at every length.

- ``digits``: benchmark 5's problem (``MLP(64, [32, 10])``, cross-entropy, SGD momentum 0.9,
  batches of 32, 1,797 images);
- ``moons`` and ``spirals``: the demo's (``python -m nn.demo --dataset ...``):
  ``MLP(2, [16, 16, 1])``, hinge loss on -1/+1 labels, Adam (lr 0.05), batches of 20, 100
  points.
"""

from __future__ import annotations

import statistics

from . import digits
from .common import Config, Section, fmt_time, isolated

MODES: dict[str, bool | str] = {"jit=False": False, "jit=True": True, 'jit="auto"': "auto"}
PROBLEMS = ("digits", "moons", "spirals")
TOY_BATCH = 20
WITHIN = 1.1  # the target: auto's time over the better of False and True


def train_toy(cfg: Config, dataset: str, epochs: int, jit: bool | str) -> float:
    """The demo's training on ``dataset`` for ``epochs`` from a fresh model: the seconds
    (``cfg``'s clock) of the ``fit`` call."""
    from nn import MLP, Adam, datasets, fit, losses

    X, y = getattr(datasets, dataset)(n=cfg.moons_points, seed=0)
    model = MLP(2, [*cfg.moons_hidden, 1], seed=0)
    optimizer = Adam(model.parameters(), lr=0.05)
    signs = [2 * t - 1 for t in y]
    timer = cfg.timer
    start = timer()
    fit(model, X, signs, loss=losses.hinge, optimizer=optimizer, epochs=epochs,
        batch_size=TOY_BATCH, seed=0, progress=False, jit=jit)
    return timer() - start


def timed_run(cfg: Config, problem: str, epochs: int, mode: str) -> float:
    """One run of ``problem`` for ``epochs`` with jit setting ``mode``, in this process."""
    if problem == "digits":
        return digits.fit_epochs(cfg, epochs, MODES[mode])[2]
    return train_toy(cfg, problem, epochs, MODES[mode])


def run_name(problem: str, epochs: int) -> str:
    return f"{problem} x{epochs}"


def run(cfg: Config) -> Section:
    section = Section(
        "fit-jit",
        "6. fit(jit=...) by run length: a fresh model trained for 1 to "
        f"{max(cfg.run_lengths)} epochs, compiling included",
        ["problem", "epochs", "steps", "jit=False", "jit=True", 'jit="auto"',
         "auto / better", f"auto within {WITHIN}x"],
    )
    repeats = {"digits": cfg.lengths_repeat, "moons": cfg.toy_lengths_repeat,
               "spirals": cfg.toy_lengths_repeat}
    samples = {run_name(p, e): {mode: [] for mode in MODES}
               for p in PROBLEMS for e in cfg.run_lengths}
    for round_ in range(max(repeats.values())):
        for problem in PROBLEMS:
            if round_ >= repeats[problem]:
                continue
            for epochs in cfg.run_lengths:
                for mode in MODES:  # interleaved: load from other processes falls on all alike
                    seconds = isolated(cfg, timed_run, cfg, problem, epochs, mode)
                    samples[run_name(problem, epochs)][mode].append(seconds)
    steps_per_epoch = {"digits": -(-cfg.digits_images // digits.BATCH),
                       "moons": -(-cfg.moons_points // TOY_BATCH),
                       "spirals": -(-cfg.moons_points // TOY_BATCH)}
    for problem in PROBLEMS:
        for epochs in cfg.run_lengths:
            key = run_name(problem, epochs)
            medians = {mode: statistics.median(s) for mode, s in samples[key].items()}
            best = min(medians["jit=False"], medians["jit=True"])
            ratio = medians['jit="auto"'] / best
            section.data[key] = {"medians_s": medians, "samples_s": samples[key],
                                 "auto_ratio": ratio}
            section.rows.append([
                problem, str(epochs), str(steps_per_epoch[problem] * epochs),
                *(fmt_time(medians[mode]) for mode in MODES),
                f"{ratio:.2f}x", "yes" if ratio <= WITHIN else "**no**",
            ])
    hidden = ", ".join(map(str, cfg.moons_hidden))
    fresh = "a fresh interpreter for every run" if cfg.isolate else "all runs in one process"
    section.notes.append(
        f"digits: benchmark 5's problem; moons and spirals: the demo's (MLP(2, [{hidden}, 1]), "
        f"hinge, Adam lr 0.05, batches of {TOY_BATCH}, {cfg.moons_points} points). Each run "
        f"trains a fresh model, {fresh}; the settings take turns; medians of "
        f"{cfg.lengths_repeat} runs (digits) and {cfg.toy_lengths_repeat} (moons, spirals)."
    )
    section.notes.append(
        "'auto / better' is jit=\"auto\"'s time over the better of jit=False and jit=True on "
        f"that row; the issue's target is at most {WITHIN}x on every row."
    )
    return section
