"""Benchmark 5: one training epoch on the handwritten digits, in the engine, compiled, and in
PyTorch.

``MLP(64, [32, 10])`` (ReLU hidden layer, linear output: one logit per digit), cross-entropy,
SGD with momentum 0.9, mini-batches of 32 shuffled from seed 0, on all 1,797 images of
``nn.datasets.digits()``: 56 batches of 32 and one of 5. A timed run is what a script that
trains for one epoch pays: in a fresh interpreter (``cfg.isolate``), ``fit(..., epochs=1)`` on a
fresh model with ``jit=False``, ``jit=True`` (compiling both batch sizes inside the run) or
``jit="auto"``. A fresh interpreter matters for ``"auto"``: jit refines its estimate of the
compile time with every compile a process makes, so a second ``fit`` in one process can choose
differently from the first.

``torch float64`` is the same network as PyTorch trains it: ``model.to_torch()`` (the same
initial weights), ``torch.nn.functional.cross_entropy`` and ``torch.optim.SGD`` on the same
batches in the same order (``random.Random(0)`` shuffles the indices each epoch, as ``fit``
does), whole batches as float64 tensors, one thread; its timed epoch is its second in the
process (the first pays PyTorch's start-up, reported apart). Before timing, one epoch of it
must end with the parameters one epoch of ``fit(jit=False)`` ends with, to 1e-9 relative.
"""

from __future__ import annotations

import itertools
import math
import random
import statistics
from typing import Any

from .common import Config, Section, fmt_ratio, fmt_time, isolated, runnable

LR = 0.05
MOMENTUM = 0.9
BATCH = 32
SEED = 0

IMPLEMENTATIONS = ["fit, jit=False", "fit, jit=True", 'fit, jit="auto"', "torch float64"]
JIT_OF: dict[str, bool | str] = {
    "fit, jit=False": False, "fit, jit=True": True, 'fit, jit="auto"': "auto",
}
PEERS = {"torch float64": "torch"}


def problem(cfg: Config) -> tuple[list[tuple[float, ...]], list[int], list[int]]:
    """The first ``cfg.digits_images`` images, their labels, and the MLP's layer sizes."""
    from nn.datasets import digits

    X, y = digits()
    n = cfg.digits_images
    return X[:n], y[:n], [64, cfg.digits_hidden, 10]


def fit_epochs(cfg: Config, epochs: int, jit: bool | str) -> tuple[Any, list[dict[str, float]],
                                                                   float]:
    """A fresh model trained by ``fit`` for ``epochs``: ``(model, history, seconds)``, the
    seconds (``cfg``'s clock) those of the ``fit`` call alone."""
    from nn import MLP, SGD, fit, losses

    X, y, sizes = problem(cfg)
    model = MLP(sizes[0], sizes[1:], seed=SEED)
    optimizer = SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    timer = cfg.timer
    start = timer()
    history = fit(model, X, y, loss=losses.cross_entropy, optimizer=optimizer, epochs=epochs,
                  batch_size=BATCH, seed=SEED, progress=False, jit=jit)
    return model, history, timer() - start


class TorchDigits:
    """The digits network in PyTorch, float64, trained on ``fit``'s batches."""

    def __init__(self, cfg: Config) -> None:
        import torch

        from nn import MLP

        torch.set_num_threads(1)  # small matrices: threads cost more than they give
        self.torch = torch
        X, y, sizes = problem(cfg)
        self.start = MLP(sizes[0], sizes[1:], seed=SEED)
        self.X = torch.tensor(X, dtype=torch.float64)
        self.y = torch.tensor(y, dtype=torch.int64)

    def train(self, epochs: int) -> tuple[Any, float]:
        """A fresh copy of the start model trained for ``epochs``; returns it and the last
        epoch's mean batch loss (each batch's loss weighted by its size, as ``fit`` reports)."""
        torch = self.torch
        net = self.start.to_torch()
        optimizer = torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)
        cross_entropy = torch.nn.functional.cross_entropy
        n = len(self.y)
        order = list(range(n))
        rng = random.Random(SEED)
        total = 0.0
        for _ in range(epochs):
            rng.shuffle(order)
            total = 0.0
            for start in range(0, n, BATCH):
                idx = torch.tensor(order[start:start + BATCH])
                optimizer.zero_grad()
                loss = cross_entropy(net(self.X[idx]), self.y[idx])
                loss.backward()
                optimizer.step()
                total += loss.item() * len(idx)
        return net, total / n


def check_torch(cfg: Config, torch_impl: TorchDigits) -> float:
    """One epoch of PyTorch against one of ``fit(jit=False)``: the largest relative parameter
    difference, after asserting it is below 1e-9."""
    from nn import MLP

    model, _, _ = fit_epochs(cfg, 1, False)
    ours = [p.data for p in model.parameters()]
    net, _ = torch_impl.train(1)
    theirs = [p.data for p in MLP.from_torch(net).parameters()]
    if len(theirs) != len(ours):
        raise AssertionError(f"torch has {len(theirs)} parameters, the MLP {len(ours)}")
    worst = 0.0
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        if not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12):
            raise AssertionError(f"torch float64: parameter {i} is {b!r} after one epoch, "
                                 f"fit gives {a!r}")
        worst = max(worst, abs(a - b) / max(abs(a), 1e-12))
    return worst


def checked_torch(cfg: Config) -> float:
    """:func:`check_torch` on a new :class:`TorchDigits` (run in its own interpreter)."""
    return check_torch(cfg, TorchDigits(cfg))


def timed_epoch(cfg: Config, name: str) -> tuple[float, float, float]:
    """One epoch of implementation ``name`` in this process: ``(seconds, epoch loss, first
    seconds)``; the setup (data, model, tensors) is not timed. PyTorch trains two epochs, each
    from the start model: its first operations in a process are slow (its own lazy
    initialisation, not the training), so the second is timed and the first reported apart."""
    timer = cfg.timer
    if name == "torch float64":
        impl = TorchDigits(cfg)
        start = timer()
        impl.train(1)
        first = timer() - start
        start = timer()
        _, loss = impl.train(1)
        return timer() - start, loss, first
    _, history, seconds = fit_epochs(cfg, 1, JIT_OF[name])
    return seconds, history[0]["loss"], seconds


def run(cfg: Config) -> Section:
    X, _, sizes = problem(cfg)
    params = sum((a + 1) * b for a, b in itertools.pairwise(sizes))
    batches = -(-len(X) // BATCH)
    section = Section(
        "digits",
        f"5. Digits epoch: MLP({sizes[0]}, [{sizes[1]}, {sizes[2]}]) ({params:,} parameters), "
        f"{len(X):,} images, batches of {BATCH}, cross-entropy, SGD momentum {MOMENTUM}",
        ["implementation", "epoch (median)", "vs jit=False", "epoch loss"],
    )
    names = runnable(IMPLEMENTATIONS, PEERS, cfg, section.notes)
    worst = isolated(cfg, checked_torch, cfg) if "torch float64" in names else None
    samples: dict[str, list[float]] = {name: [] for name in names}
    firsts: dict[str, list[float]] = {name: [] for name in names}
    loss: dict[str, float] = {}
    for _ in range(max(1, cfg.repeat)):
        for name in names:  # interleaved: load from other processes falls on all alike
            seconds, loss[name], first = isolated(cfg, timed_epoch, cfg, name)
            samples[name].append(seconds)
            firsts[name].append(first)
    for name in names:
        section.data[name] = {"median_s": statistics.median(samples[name]),
                              "samples_s": samples[name], "loss": loss[name],
                              "first_epoch_median_s": statistics.median(firsts[name])}
    engine = section.data["fit, jit=False"]["median_s"]
    for name, d in section.data.items():
        section.rows.append([name, fmt_time(d["median_s"]), fmt_ratio(d["median_s"] / engine),
                             f"{d['loss']:.6f}"])
    fresh = "a fresh interpreter for every run" if cfg.isolate else "all runs in one process"
    section.notes.insert(0, (
        f"One epoch = {batches} steps on a fresh model (MLP(..., seed={SEED}), fit(..., "
        f"epochs=1, batch_size={BATCH}, seed={SEED})), {fresh}, median of {cfg.repeat}: "
        "jit=True compiles both batch sizes inside the timed run, as one epoch of fit does; "
        "jit=\"auto\" compiles when it expects that to pay."
    ))
    if worst is not None:
        first = section.data["torch float64"]["first_epoch_median_s"]
        section.notes.append(
            "torch float64: model.to_torch() (the same initial weights), F.cross_entropy and "
            "torch.optim.SGD on the same batches in the same order, one thread; after one "
            f"epoch its parameters agree with fit's to {worst:.0e} relative (checked before "
            "timing). The epoch timed is its second in the process, from the same start: the "
            f"first, PyTorch's own start-up included, took {fmt_time(first)}."
        )
    return section
