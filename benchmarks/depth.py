"""Benchmark 3: a chain of 10^6 nodes, forward + backward time and peak memory.

The chain is ``y = y + x`` repeated, so every node has depth one more than the last: a
recursive topological sort (micrograd's) cannot handle it, an iterative one must. Peak memory
is traced (tracemalloc) in a separate, untimed run, since tracing slows allocation down.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable
from typing import Any

from .common import Config, Section, available, fmt_time, isolated, skipped_note

MICROGRAD_PROBE_DEPTH = 2_000  # deep enough to show micrograd's recursion limit, and quick


def _chain(x: Any, n: int) -> Any:
    y = x
    for _ in range(n):
        y = y + x
    return y


def _timed_chain(
    make_leaf: Callable[[], Any], n: int, repeat: int, timer: Callable[[], float]
) -> tuple[float, float]:
    """Median forward and backward seconds over ``repeat`` fresh chains."""
    forwards, backwards = [], []
    for _ in range(max(1, repeat)):
        x = make_leaf()
        start = timer()
        y = _chain(x, n)
        mid = timer()
        y.backward()
        end = timer()
        if abs(float(x.grad) - (n + 1)) > 1e-6 * n:
            raise AssertionError(f"chain gradient {x.grad!r}, expected {n + 1}")
        forwards.append(mid - start)
        backwards.append(end - mid)
        del x, y
    forwards.sort()
    backwards.sort()
    return forwards[len(forwards) // 2], backwards[len(backwards) // 2]


def _peak_bytes(make_leaf: Callable[[], Any], n: int) -> int:
    tracemalloc.start()
    try:
        x = make_leaf()
        y = _chain(x, n)
        y.backward()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _leaf(name: str) -> Callable[[], Any]:
    if name.startswith("valuegrad"):
        from autograd import Value

        return lambda: Value(1.0)
    if name == "micrograd":
        from micrograd.engine import Value as MValue

        return lambda: MValue(1.0)
    import torch

    return lambda: torch.tensor(1.0, dtype=torch.float64, requires_grad=True)


def measure_one(name: str, cfg: Config) -> dict[str, Any]:
    make_leaf = _leaf(name)
    if name == "micrograd":
        depth = min(cfg.depth, MICROGRAD_PROBE_DEPTH)
        try:
            _timed_chain(make_leaf, depth, 1, cfg.timer)
        except RecursionError:
            return {"outcome": f"RecursionError at depth {depth:,}"}
        return {"outcome": f"works at depth {depth:,}"}  # pragma: no cover
    repeat = cfg.depth_repeat if name.startswith("valuegrad") else 1
    if name == "valuegrad, gc paused":
        gc.disable()
        try:
            fwd, bwd = _timed_chain(make_leaf, cfg.depth, repeat, cfg.timer)
        finally:
            gc.enable()
        return {"forward_s": fwd, "backward_s": bwd}
    fwd, bwd = _timed_chain(make_leaf, cfg.depth, repeat, cfg.timer)
    figures: dict[str, Any] = {"forward_s": fwd, "backward_s": bwd}
    if name == "valuegrad":
        figures["peak_bytes"] = _peak_bytes(make_leaf, cfg.depth)
    return figures


def run(cfg: Config) -> Section:
    n = cfg.depth
    section = Section(
        "depth",
        f"3. Depth: a chain of {n:,} nodes (y = y + x)",
        ["implementation", "forward", "backward", "peak memory", "bytes/node"],
    )
    for name, peer in (
        ("valuegrad", None),
        ("valuegrad, gc paused", None),
        ("micrograd", "micrograd"),
        ("torch (0-dim)", "torch"),
    ):
        if peer is not None and not available(peer, cfg):
            section.notes.append(skipped_note(peer, cfg))
            continue
        d = section.data[name] = isolated(cfg, measure_one, name, cfg)
        if "outcome" in d:
            section.rows.append([name, "-", d["outcome"], "-", "-"])
        elif "peak_bytes" in d:
            peak = d["peak_bytes"]
            section.rows.append([
                name, fmt_time(d["forward_s"]), fmt_time(d["backward_s"]),
                f"{peak / 2**20:.0f} MiB", f"{peak / n:.0f}",
            ])
        else:  # torch's memory is out of tracemalloc's sight; the paused run is not traced
            shown = "-" if name.startswith("valuegrad") else "n/a"
            section.rows.append(
                [name, fmt_time(d["forward_s"]), fmt_time(d["backward_s"]), shown, shown]
            )
    if "torch (0-dim)" in section.data:
        section.notes.append(
            "torch: one run; its graph lives in C++ allocations that tracemalloc cannot see."
        )
    section.notes.append(
        f"valuegrad: median of {cfg.depth_repeat} runs; peak memory traced in a separate run "
        "(the graph plus backward's order list and stack)."
    )
    section.notes.append(
        "'gc paused': the cycle collector disabled while the chain is built and differentiated, "
        "which is safe for valuegrad's graphs (they hold no cycles); with it on, its full "
        "collections walk the growing graph again and again."
    )
    return section
