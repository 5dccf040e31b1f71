"""Benchmark 1: one full-batch training step of micrograd's moons demo.

MLP(2, [16, 16, 1]) with ReLU hidden layers and a linear output, on 100 moons points; hinge loss
``mean(relu(1 - y * score))`` plus ``1e-4 * sum(p * p)``; one SGD update. Every implementation
starts from the same parameters and data, so they all report the same loss, and the hand-written
step's gradients are checked against the engine's (``check_gradients``).

Implementations:
- ``valuegrad (nn)``: this project as a user writes it (``nn.MLP``, ``nn.losses.hinge``,
  ``nn.SGD``), and ``valuegrad (autograd only)``: the same step on ``autograd`` alone;
- ``valuegrad (jit)``: the ``valuegrad (nn)`` step compiled by ``autograd.jit`` (compile time
  reported in the notes);
- ``hand-written``: straight-line Python over floats computing the forward pass, the loss and
  the backward pass by hand: the speed limit of pure Python for this step;
- ``micrograd`` (if installed), with its own ``micrograd.nn.MLP`` as in its demo notebook;
- ``torch`` (if installed), one 0-dim float64 tensor per scalar.
"""

from __future__ import annotations

import gc
import math
import random
from collections.abc import Callable, Sequence
from typing import Any

from .common import (
    Config,
    Prepared,
    Section,
    fmt_ratio,
    fmt_time,
    interleaved,
    runnable,
)

ALPHA = 1e-4  # L2 strength, as in micrograd's demo
LR = 0.05  # small enough that repeated timed steps stay well-behaved

Layers = list[list[list[float]]]  # layer -> neuron -> [w_0, ..., w_{nin-1}, bias]


# ---------------------------------------------------------------------------------------------
# Data and initial parameters (shared by every implementation).
# ---------------------------------------------------------------------------------------------

def make_moons(n: int, noise: float = 0.1, seed: int = 0) -> tuple[list[tuple[float, float]],
                                                                    list[float]]:
    """Two interleaving half circles with Gaussian noise; labels -1.0 / +1.0 (for hinge)."""
    rng = random.Random(seed)
    n_top = n // 2
    X: list[tuple[float, float]] = []
    y: list[float] = []
    for i in range(n):
        if i < n_top:
            t = math.pi * i / max(1, n_top - 1)
            px, py, label = math.cos(t), math.sin(t), -1.0
        else:
            t = math.pi * (i - n_top) / max(1, n - n_top - 1)
            px, py, label = 1.0 - math.cos(t), 0.5 - math.sin(t), 1.0
        X.append((px + rng.gauss(0.0, noise), py + rng.gauss(0.0, noise)))
        y.append(label)
    return X, y


def init_layers(nin: int, nouts: Sequence[int], seed: int = 1) -> Layers:
    """Uniform(-1, 1) weights and biases, laid out layer -> neuron -> weights then bias."""
    rng = random.Random(seed)
    sizes = [nin, *nouts]
    return [
        [[rng.uniform(-1.0, 1.0) for _ in range(sizes[k] + 1)] for _ in range(sizes[k + 1])]
        for k in range(len(nouts))
    ]


def flat(layers: Layers) -> list[float]:
    return [p for layer in layers for neuron in layer for p in neuron]


# ---------------------------------------------------------------------------------------------
# The speed limit: the same step written by hand over floats.
# ---------------------------------------------------------------------------------------------

def handwritten_loss_and_grads(
    layers: Layers, X: Sequence[Sequence[float]], y: Sequence[float], alpha: float = ALPHA
) -> tuple[float, Layers]:
    """The loss and its gradient for every parameter (same layout as ``layers``)."""
    grads: Layers = [[[0.0] * len(neuron) for neuron in layer] for layer in layers]
    last = len(layers) - 1
    inv_n = 1.0 / len(X)
    data_loss = 0.0
    for x, yi in zip(X, y, strict=True):
        # Forward: keep every layer's input; hidden layers are ReLU, the last is linear.
        inputs = [x]
        for k, layer in enumerate(layers):
            out = []
            for neuron in layer:
                s = neuron[-1]
                for w, v in zip(neuron, x, strict=False):  # the bias is left out
                    s += w * v
                out.append(s if k == last or s > 0.0 else 0.0)
            if k != last:
                inputs.append(out)
            x = out
        margin = 1.0 - yi * x[0]
        if margin > 0.0:
            data_loss += margin
            delta = [-yi * inv_n]
        else:
            delta = [0.0]
        # Backward: delta holds d loss / d (pre-activation) of the current layer's neurons.
        for k in range(last, -1, -1):
            inp = inputs[k]
            layer = layers[k]
            back = [0.0] * len(inp)
            for neuron, gneuron, d in zip(layer, grads[k], delta, strict=True):
                for j, v in enumerate(inp):
                    gneuron[j] += d * v
                    back[j] += d * neuron[j]
                gneuron[-1] += d
            if k:
                delta = [b if a > 0.0 else 0.0 for b, a in zip(back, inp, strict=True)]
    reg = 0.0
    for layer, glayer in zip(layers, grads, strict=True):
        for neuron, gneuron in zip(layer, glayer, strict=True):
            for j, p in enumerate(neuron):
                reg += p * p
                gneuron[j] += 2.0 * alpha * p
    return data_loss * inv_n + alpha * reg, grads


class Handwritten:
    name = "hand-written"

    def __init__(self, layers: Layers, X: Any, y: Any) -> None:
        self.layers = [[list(neuron) for neuron in layer] for layer in layers]
        self.X, self.y = X, y

    def loss_and_grads(self) -> tuple[float, list[float]]:
        loss, grads = handwritten_loss_and_grads(self.layers, self.X, self.y)
        return loss, flat(grads)

    def step(self) -> float:
        loss, grads = handwritten_loss_and_grads(self.layers, self.X, self.y)
        for layer, glayer in zip(self.layers, grads, strict=True):
            for neuron, gneuron in zip(layer, glayer, strict=True):
                for j, g in enumerate(gneuron):
                    neuron[j] -= LR * g
        return loss


# ---------------------------------------------------------------------------------------------
# This project.
# ---------------------------------------------------------------------------------------------

class Valuegrad:
    """The step written against ``autograd`` directly: one ``dot`` node per neuron."""

    name = "valuegrad (autograd only)"

    def __init__(self, layers: Layers, X: Any, y: Any) -> None:
        from autograd import Value

        self.layers = [[[Value(p) for p in neuron] for neuron in layer] for layer in layers]
        self.params = [p for layer in self.layers for neuron in layer for p in neuron]
        self.X, self.y = X, y

    def _model(self, x: Sequence[Any]) -> Any:
        from autograd import dot

        last = len(self.layers) - 1
        for k, layer in enumerate(self.layers):
            out = []
            for neuron in layer:
                act = dot(neuron[:-1], x) + neuron[-1]
                out.append(act if k == last else act.relu())
            x = out
        return x[0]

    def _loss(self) -> Any:
        from autograd import dot, mean

        scores = [self._model(x) for x in self.X]
        data_loss = mean([(1.0 - yi * s).relu() for yi, s in zip(self.y, scores, strict=True)])
        return data_loss + ALPHA * dot(self.params, self.params)

    def loss_and_grads(self) -> tuple[float, list[float]]:
        for p in self.params:
            p.grad = 0.0
        loss = self._loss()
        loss.backward()
        return loss.data, [p.grad for p in self.params]

    def step(self) -> float:
        for p in self.params:
            p.grad = 0.0
        loss = self._loss()
        loss.backward()
        for p in self.params:
            p.data -= LR * p.grad
        return loss.data


class ValuegradNN:
    """The step written with this project's ``nn``: MLP, ``losses.hinge``, ``SGD``."""

    name = "valuegrad (nn)"

    def __init__(self, layers: Layers, X: Any, y: Any) -> None:
        from nn import MLP, SGD

        self.model = MLP(2, [len(layer) for layer in layers], activation="relu", seed=0)
        self.params = self.model.parameters()
        for p, v in zip(self.params, flat(layers), strict=True):
            p.data = v
        self.optimizer = SGD(self.params, lr=LR)
        self.X, self.y = X, y

    def _loss(self) -> Any:
        from autograd import dot
        from nn.losses import hinge

        scores = [self.model(x) for x in self.X]
        return hinge(scores, self.y) + ALPHA * dot(self.params, self.params)

    def loss_and_grads(self) -> tuple[float, list[float]]:
        self.optimizer.zero_grad()
        loss = self._loss()
        loss.backward()
        return loss.data, [p.grad for p in self.params]

    def step(self) -> float:
        self.optimizer.zero_grad()
        loss = self._loss()
        loss.backward()
        self.optimizer.step()
        return loss.data


# ---------------------------------------------------------------------------------------------
# Peers.
# ---------------------------------------------------------------------------------------------

class Micrograd:
    """micrograd's own MLP and Value, used the way its demo notebook does."""

    name = "micrograd"

    def __init__(self, layers: Layers, X: Any, y: Any) -> None:
        from micrograd.engine import Value
        from micrograd.nn import MLP

        self.model = MLP(len(layers[0][0]) - 1, [len(layer) for layer in layers])
        self.params = self.model.parameters()
        for p, v in zip(self.params, flat(layers), strict=True):
            p.data = v
        self.Value = Value
        self.X, self.y = X, y

    def _loss(self) -> Any:
        Value = self.Value
        inputs = [[Value(v) for v in x] for x in self.X]
        scores = [self.model(x) for x in inputs]
        losses = [(1 + -yi * s).relu() for yi, s in zip(self.y, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        return data_loss + ALPHA * sum(p * p for p in self.params)

    def loss_and_grads(self) -> tuple[float, list[float]]:
        self.model.zero_grad()
        loss = self._loss()
        loss.backward()
        return loss.data, [p.grad for p in self.params]

    def step(self) -> float:
        self.model.zero_grad()
        loss = self._loss()
        loss.backward()
        for p in self.params:
            p.data -= LR * p.grad
        return loss.data


class Torch:
    """PyTorch with one 0-dim float64 tensor per scalar (the same graph as micrograd's)."""

    name = "torch (0-dim)"

    def __init__(self, layers: Layers, X: Any, y: Any) -> None:
        import torch

        self.torch = torch
        self.layers = [
            [
                [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in neuron]
                for neuron in layer
            ]
            for layer in layers
        ]
        self.params = [p for layer in self.layers for neuron in layer for p in neuron]
        self.X, self.y = X, y

    def _loss(self) -> Any:
        relu = self.torch.relu
        last = len(self.layers) - 1
        scores = []
        for x in self.X:
            for k, layer in enumerate(self.layers):
                out = []
                for neuron in layer:
                    act = neuron[-1]
                    for w, v in zip(neuron, x, strict=False):  # the bias is left out
                        act = act + w * v
                    out.append(act if k == last else relu(act))
                x = out
            scores.append(x[0])
        losses = [relu(1.0 - yi * s) for yi, s in zip(self.y, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        return data_loss + ALPHA * sum(p * p for p in self.params)

    def _zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def loss_and_grads(self) -> tuple[float, list[float]]:
        self._zero_grad()
        loss = self._loss()
        loss.backward()
        return loss.item(), [p.grad.item() for p in self.params]

    def step(self) -> float:
        self._zero_grad()
        loss = self._loss()
        loss.backward()
        with self.torch.no_grad():
            for p in self.params:
                p -= LR * p.grad
        return loss.item()


# ---------------------------------------------------------------------------------------------
# Checks and the benchmark.
# ---------------------------------------------------------------------------------------------

def check_gradients(
    reference: Any, other: Any, *, rel: float = 1e-9, abs_: float = 1e-12
) -> tuple[float, float]:
    """Asserts two implementations agree on the loss and every gradient; returns the max errors.

    Summation order differs between implementations, so agreement is to rounding, not bitwise.
    """
    loss_a, grads_a = reference.loss_and_grads()
    loss_b, grads_b = other.loss_and_grads()
    if not math.isclose(loss_a, loss_b, rel_tol=rel, abs_tol=abs_):
        raise AssertionError(f"{other.name}: loss {loss_b!r} != {reference.name} {loss_a!r}")
    if len(grads_a) != len(grads_b):
        raise AssertionError(f"{other.name}: {len(grads_b)} gradients, expected {len(grads_a)}")
    worst = 0.0
    for i, (a, b) in enumerate(zip(grads_a, grads_b, strict=True)):
        if not math.isclose(a, b, rel_tol=rel, abs_tol=abs_):
            raise AssertionError(
                f"{other.name}: gradient of parameter {i} is {b!r}, {reference.name} gives {a!r}"
            )
        worst = max(worst, abs(a - b))
    return abs(loss_a - loss_b), worst


class ValuegradNNPaused(ValuegradNN):
    """``valuegrad (nn)`` with the cycle collector paused during the step (informational).

    The engine's graphs hold no reference cycles, so reference counting frees them and pausing
    the collector loses nothing; the difference to ``valuegrad (nn)`` is what the collector's
    walks over the graph cost.
    """

    name = "valuegrad (nn), gc paused"

    def step(self) -> float:
        gc.disable()
        try:
            return super().step()
        finally:
            gc.enable()


class ValuegradJit(ValuegradNN):
    """The ``valuegrad (nn)`` step compiled with ``autograd.jit``: the loss of the batch is
    traced once and runs as straight-line Python; ``g.backward(X)`` fills the parameters'
    ``.grad`` and the same ``SGD`` updates them. Compiling happens in ``__init__`` (untimed),
    and its cost is reported separately (``compile_s``, per node)."""

    name = "valuegrad (jit)"

    def __init__(self, layers: Layers, X: Any, y: Any) -> None:
        import time

        from autograd import jit

        super().__init__(layers, X, y)
        self.compiled = jit(self._batch_loss)
        start = time.perf_counter()
        self.compiled.compile(X, backward=True)  # trace, generate and compile the step
        self.compile_s = time.perf_counter() - start
        self.optimizer.zero_grad()

    def _batch_loss(self, X: Any) -> Any:
        from autograd import dot
        from nn.losses import hinge

        scores = [self.model(x) for x in X]
        return hinge(scores, self.y) + ALPHA * dot(self.params, self.params)

    def facts(self) -> dict[str, Any]:
        stats = self.compiled.stats
        nodes = max(1, int(stats["nodes"]))
        return {
            "compile_s": self.compile_s,
            "nodes": nodes,
            "lines": int(stats["lines"]),
            "compile_us_per_node": 1e6 * self.compile_s / nodes,
        }

    def loss_and_grads(self) -> tuple[float, list[float]]:
        self.optimizer.zero_grad()
        loss = self.compiled.backward(self.X)
        return loss, [p.grad for p in self.params]

    def step(self) -> float:
        self.optimizer.zero_grad()
        loss = self.compiled.backward(self.X)
        self.optimizer.step()
        return loss


IMPLEMENTATIONS: dict[str, Callable[..., Any]] = {
    "hand-written": Handwritten,
    "valuegrad (nn)": ValuegradNN,
    "valuegrad (jit)": ValuegradJit,
    "valuegrad (autograd only)": Valuegrad,
    "valuegrad (nn), gc paused": ValuegradNNPaused,
    "micrograd": Micrograd,
    "torch (0-dim)": Torch,
}
PEERS = {"micrograd": "micrograd", "torch (0-dim)": "torch"}


def problem(cfg: Config) -> tuple[Layers, list[tuple[float, float]], list[float]]:
    X, y = make_moons(cfg.moons_points)
    return init_layers(2, [*cfg.moons_hidden, 1]), X, y


def prepare(name: str, cfg: Config) -> Prepared:
    """One implementation, checked against the hand-written step: its ``step`` and loss."""
    layers, X, y = problem(cfg)
    impl = IMPLEMENTATIONS[name](layers, X, y)
    if name != "hand-written":
        check_gradients(Handwritten(layers, X, y), impl, rel=1e-7, abs_=1e-10)
    loss = impl.loss_and_grads()[0]
    facts = {"loss": loss}
    if hasattr(impl, "facts"):
        facts.update(impl.facts())
    return {"step": impl.step}, facts


def _break_even(jit: dict[str, Any], engine_s: float) -> str:
    """Steps after which compiling has paid for itself against the nn step."""
    saved = engine_s - jit["median_s"]
    return f"{math.ceil(jit['compile_s'] / saved)}" if saved > 0 else "no number of"


def run(cfg: Config) -> Section:
    layers, _, _ = problem(cfg)
    arch = f"MLP(2, [{', '.join(map(str, cfg.moons_hidden))}, 1])"
    section = Section(
        "moons",
        f"1. Moons step: {arch} ({len(flat(layers))} parameters), {cfg.moons_points} points, "
        "hinge + L2, SGD",
        ["implementation", "step (median)", "vs hand-written", "valuegrad (nn) speedup",
         "loss"],
    )
    names = runnable(IMPLEMENTATIONS, PEERS, cfg, section.notes)
    for name, (timings, facts) in interleaved(cfg, prepare, names, ["step"]).items():
        t = timings["step"]
        section.data[name] = {"median_s": t.median, "samples_s": t.samples, **facts}
    limit = section.data["hand-written"]["median_s"]
    ours = section.data["valuegrad (nn)"]["median_s"]
    for name, d in section.data.items():
        t = d["median_s"]
        section.rows.append([
            name,
            fmt_time(t),
            fmt_ratio(t / limit),
            "-" if name.startswith("valuegrad") or name == "hand-written"
            else fmt_ratio(t / ours),
            f"{d['loss']:.6f}",
        ])
    section.notes.insert(0, (
        "Every implementation starts from the same parameters and data; each one's loss and "
        "gradients were checked against the hand-written step before timing."
    ))
    section.notes.insert(1, (
        "A step is zero_grad + forward + loss + backward + SGD update, graph freeing included."
    ))
    section.notes.insert(2, (
        "'gc paused' is informational (not used for the targets): the same nn step with the "
        "cycle collector disabled around it, i.e. what the collector's walks over the graph cost."
    ))
    jit = section.data.get("valuegrad (jit)")
    if jit is not None:
        section.notes.append(
            f"'valuegrad (jit)' compiles the nn step once with autograd.jit before timing: "
            f"{jit['nodes']} nodes, {jit['lines']} lines of Python, compiled in "
            f"{jit['compile_s']:.2f} s ({jit['compile_us_per_node']:.0f} us per node; trace, "
            "generate and compile); the compiled step is "
            f"{fmt_ratio(jit['median_s'] / limit)} the hand-written one and pays its compile "
            f"time back after {_break_even(jit, ours)} steps."
        )
    return section
