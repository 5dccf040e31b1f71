"""Benchmark 3: a chain of 10^6 nodes, forward + backward time and peak memory.

The chain is ``y = y + x`` repeated, so every node has depth one more than the last: a
recursive topological sort (micrograd's) cannot handle it, an iterative one must. Peak memory
is traced (tracemalloc) in a separate, untimed run, since tracing slows allocation down.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import Any

from .common import Config, Section, available, fmt_time, skipped_note

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


def run(cfg: Config) -> Section:
    from autograd import Value

    n = cfg.depth
    section = Section(
        "depth",
        f"3. Depth: a chain of {n:,} nodes (y = y + x)",
        ["implementation", "forward", "backward", "peak memory", "bytes/node"],
    )
    fwd, bwd = _timed_chain(lambda: Value(1.0), n, cfg.depth_repeat, cfg.timer)
    peak = _peak_bytes(lambda: Value(1.0), n)
    section.rows.append([
        "valuegrad", fmt_time(fwd), fmt_time(bwd), f"{peak / 2**20:.0f} MiB", f"{peak / n:.0f}",
    ])
    section.data["valuegrad"] = {"forward_s": fwd, "backward_s": bwd, "peak_bytes": peak}

    if available("micrograd", cfg):
        from micrograd.engine import Value as MValue

        depth = min(n, MICROGRAD_PROBE_DEPTH)
        try:
            _timed_chain(lambda: MValue(1.0), depth, 1, cfg.timer)
        except RecursionError:
            outcome = f"RecursionError at depth {depth:,}"
        else:  # pragma: no cover - only if micrograd's sort stops recursing
            outcome = f"works at depth {depth:,}"
        section.rows.append(["micrograd", "-", outcome, "-", "-"])
        section.data["micrograd"] = {"outcome": outcome}
    else:
        section.notes.append(skipped_note("micrograd", cfg))

    if available("torch", cfg):
        import torch

        fwd, bwd = _timed_chain(
            lambda: torch.tensor(1.0, dtype=torch.float64, requires_grad=True), n, 1, cfg.timer
        )
        section.rows.append(["torch (0-dim)", fmt_time(fwd), fmt_time(bwd), "n/a", "n/a"])
        section.data["torch (0-dim)"] = {"forward_s": fwd, "backward_s": bwd}
        section.notes.append(
            "torch: one run; its graph lives in C++ allocations that tracemalloc cannot see."
        )
    else:
        section.notes.append(skipped_note("torch", cfg))
    section.notes.append(
        f"valuegrad: median of {cfg.depth_repeat} runs; peak memory traced in a separate run "
        "(graph plus backward's order list and visited set)."
    )
    return section
