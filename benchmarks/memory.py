"""Benchmark 4: bytes per graph node for binary ops, measured with tracemalloc.

A chain alternating ``y = y * b`` and ``y = y + b`` keeps every node alive through its child
(no list holds them), so the traced growth divided by the node count is what one binary-op node
costs: the node object, its parent/derivative storage and its float result.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable
from typing import Any

from .common import Config, Section, available, isolated, skipped_note


def _bytes_per_node(make_leaf: Callable[[float], Any], n: int) -> float:
    a = make_leaf(0.5)
    b = make_leaf(1.0001)
    y = a * b  # warm any per-type caches before tracing
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(n // 2):
            y = y * b
            y = y + b
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del y
    return (after - before) / (2 * (n // 2))


def measure_one(name: str, cfg: Config) -> float:
    if name == "valuegrad":
        from autograd import Value

        return _bytes_per_node(Value, cfg.memory_nodes)
    from micrograd.engine import Value as MValue

    return _bytes_per_node(MValue, cfg.memory_nodes)


def run(cfg: Config) -> Section:
    section = Section(
        "memory",
        f"4. Memory: bytes per binary-op node ({cfg.memory_nodes:,}-node chain, tracemalloc)",
        ["implementation", "bytes/node", "vs valuegrad"],
    )
    ours = isolated(cfg, measure_one, "valuegrad", cfg)
    section.rows.append(["valuegrad", f"{ours:.0f}", "1.0x"])
    section.data["valuegrad"] = {"bytes_per_node": ours}
    if available("micrograd", cfg):
        theirs = isolated(cfg, measure_one, "micrograd", cfg)
        section.rows.append(["micrograd", f"{theirs:.0f}", f"{theirs / ours:.1f}x"])
        section.data["micrograd"] = {"bytes_per_node": theirs}
    else:
        section.notes.append(skipped_note("micrograd", cfg))
    section.notes.append(
        "torch is left out: its graph nodes and storage are C++ allocations tracemalloc cannot "
        "see, so a traced figure would be meaningless."
    )
    return section
