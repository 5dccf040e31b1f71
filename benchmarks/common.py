"""Shared pieces of the benchmarks: sizes, timing, result sections and peer detection."""

from __future__ import annotations

import gc
import importlib.util
import multiprocessing
import statistics
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Config:
    """Sizes and repetition counts; ``quick()`` shrinks everything to a smoke test."""

    repeat: int = 5
    warmup: int = 1
    moons_points: int = 100
    moons_hidden: tuple[int, ...] = (16, 16)
    dag_ops: int = 18_000  # plus ~7k additions joining the sinks: ~25k nodes
    dag_leaves: int = 100
    depth: int = 1_000_000
    depth_repeat: int = 3
    memory_nodes: int = 20_000
    digits_images: int = 1797  # all of nn.datasets.digits()
    digits_hidden: int = 32
    run_lengths: tuple[int, ...] = (1, 5, 20)  # epochs, for fit(jit=...) by run length
    lengths_repeat: int = 3  # runs per digits figure there: a run of 20 epochs is ~20 s
    toy_lengths_repeat: int = 9  # runs per moons or spirals figure there (each well under 1 s)
    peers: tuple[str, ...] = ("micrograd", "torch")
    quick: bool = False
    clock: str = "cpu"  # "cpu": this process's CPU time; "wall": elapsed time
    isolate: bool = True  # measure each implementation in a fresh interpreter

    @property
    def timer(self) -> Callable[[], float]:
        """CPU time by default: on a shared machine it ignores time spent descheduled."""
        return time.process_time if self.clock == "cpu" else time.perf_counter

    @classmethod
    def quick_config(cls, repeat: int | None = None) -> Config:
        return cls(
            repeat=repeat or 2,
            warmup=1,
            moons_points=12,
            moons_hidden=(4, 4),
            dag_ops=600,
            dag_leaves=20,
            depth=5_000,
            depth_repeat=1,
            memory_nodes=2_000,
            digits_images=40,
            digits_hidden=4,
            run_lengths=(1, 2),
            lengths_repeat=repeat or 1,
            toy_lengths_repeat=repeat or 1,
            quick=True,
        )


@dataclass
class Timing:
    """The median and every sample of a timed function, in seconds."""

    median: float
    samples: list[float]

    @property
    def spread(self) -> float:
        """(max - min) / median: how noisy the samples were."""
        return (max(self.samples) - min(self.samples)) / self.median if self.median else 0.0


def measure(
    fn: Callable[[], Any],
    *,
    repeat: int,
    warmup: int,
    timer: Callable[[], float] = time.process_time,
) -> Timing:
    """Runs ``fn`` ``warmup`` times untimed, then ``repeat`` times timed; returns the median.

    Samples run back to back with the cycle collector enabled, as in a training loop: garbage
    an implementation leaves for the collector (micrograd's closure cycles) is paid for during
    the following samples, as a user would pay for it. One collection runs before the warm-up
    so that no earlier benchmark's garbage is charged here.
    """
    gc.collect()
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(max(1, repeat)):
        start = timer()
        fn()
        samples.append(timer() - start)
    return Timing(statistics.median(samples), samples)


@dataclass
class Section:
    """One benchmark's result: a Markdown table plus notes."""

    name: str
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)  # raw figures for --json

    def markdown(self) -> str:
        lines = [f"### {self.title}", ""]
        lines.append("| " + " | ".join(self.columns) + " |")
        lines.append("|" + "|".join("---" if i == 0 else "---:" for i in range(len(self.columns)))
                     + "|")
        for row in self.rows:
            lines.append("| " + " | ".join(row) + " |")
        if self.notes:
            lines.append("")
            lines.extend(f"- {note}" for note in self.notes)
        return "\n".join(lines)


def isolated(cfg: Config, fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` in a fresh interpreter (``cfg.isolate``), else in this process.

    Isolation matters: the cycle collector's full collections walk every tracked object of the
    process, so an engine measured next to an imported PyTorch (~170k objects) or a previous
    benchmark's garbage pays for them. Each implementation runs alone, as a user would run it.
    ``fn`` must be a module-level function and its arguments and result picklable.
    """
    if not cfg.isolate:
        return fn(*args)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(fn, *args).result()


Prepared = tuple[dict[str, Callable[[], Any]], dict[str, Any]]
"""What a benchmark's ``prepare(name, cfg)`` returns: the functions to time, and facts."""


def _serve(prepare: Callable[..., Prepared], args: tuple[Any, ...], clock: str, conn: Any) -> None:
    """Worker loop: prepare once, then time one named function per request."""
    try:
        fns, facts = prepare(*args)
    except Exception as exc:  # report setup failures (e.g. a gradient mismatch) upstream
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        raise
    conn.send(("ready", facts))
    timer = time.process_time if clock == "cpu" else time.perf_counter
    gc.collect()
    while True:
        name = conn.recv()
        if name is None:
            return
        fn = fns[name]
        start = timer()
        fn()
        conn.send(timer() - start)


class _Local:
    """The in-process stand-in for a worker (``--in-process``)."""

    def __init__(self, prepare: Callable[..., Prepared], args: tuple[Any, ...], clock: str):
        self.fns, self.facts = prepare(*args)
        self.timer = time.process_time if clock == "cpu" else time.perf_counter

    def time(self, name: str) -> float:
        start = self.timer()
        self.fns[name]()
        return self.timer() - start

    def close(self) -> None:
        self.fns = {}


class _Remote:
    """A worker process holding one implementation, timed on request."""

    def __init__(self, prepare: Callable[..., Prepared], args: tuple[Any, ...], clock: str):
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(prepare, args, clock, child))
        self.process.start()
        child.close()
        status, facts = self.conn.recv()
        if status != "ready":
            self.close()
            raise RuntimeError(f"benchmark worker failed during setup: {facts}")
        self.facts = facts

    def time(self, name: str) -> float:
        self.conn.send(name)
        return self.conn.recv()

    def close(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(timeout=60)


def interleaved(
    cfg: Config,
    prepare: Callable[..., Prepared],
    names: list[str],
    fn_names: list[str],
) -> dict[str, tuple[dict[str, Timing], dict[str, Any]]]:
    """Times ``fn_names`` of every implementation in ``names``, their samples interleaved.

    Each implementation lives in its own fresh interpreter (``cfg.isolate``): the cycle
    collector's full collections walk every object of a process, so an engine measured next to
    an imported PyTorch (~170k objects) would pay for them. The samples are taken round-robin,
    one of each implementation in turn, so that a burst of load from other processes on a shared
    machine falls on all of them alike and the ratios stay meaningful.
    """
    kind = _Remote if cfg.isolate else _Local
    workers = {}
    try:
        for name in names:
            workers[name] = kind(prepare, (name, cfg), cfg.clock)
        for _ in range(cfg.warmup):
            for worker in workers.values():
                for fn in fn_names:
                    worker.time(fn)
        samples: dict[str, dict[str, list[float]]] = {
            name: {fn: [] for fn in fn_names} for name in names
        }
        for _ in range(max(1, cfg.repeat)):
            for name, worker in workers.items():
                for fn in fn_names:
                    samples[name][fn].append(worker.time(fn))
    finally:
        for worker in workers.values():
            worker.close()
    return {
        name: (
            {fn: Timing(statistics.median(s), s) for fn, s in samples[name].items()},
            workers[name].facts,
        )
        for name in names
    }


def available(peer: str, cfg: Config) -> bool:
    """True when ``peer`` is requested by the config and importable."""
    return peer in cfg.peers and importlib.util.find_spec(peer) is not None


def runnable(
    implementations: Iterable[str], peers: dict[str, str], cfg: Config, notes: list[str]
) -> list[str]:
    """The implementations to measure; a note in ``notes`` for each peer left out."""
    names = []
    for name in implementations:
        peer = peers.get(name)
        if peer is not None and not available(peer, cfg):
            notes.append(skipped_note(peer, cfg))
        else:
            names.append(name)
    return names


def skipped_note(peer: str, cfg: Config) -> str:
    if peer not in cfg.peers:
        return f"{peer}: skipped (--no-{peer})."
    extra = " (`pip install valuegrad[bench]`)" if peer == "micrograd" else ""
    return f"{peer}: not installed, skipped{extra}."


def fmt_time(seconds: float) -> str:
    """A duration with a sensible unit."""
    if seconds >= 1.0:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    if seconds >= 1e-6:
        return f"{seconds * 1e6:.1f} us"
    return f"{seconds * 1e9:.0f} ns"


def fmt_ratio(x: float) -> str:
    return f"{x:.1f}x" if x < 100 else f"{x:.0f}x"
