"""The figures of a benchmark run as one picture, for the documentation's performance page.

One panel per measured section that compares implementations on one number (the moons
training step, the op throughput and the memory per node), one above the other, each a bar per
implementation on a logarithmic axis (the peers differ by up to two orders of magnitude), the
number written at the end of each bar. Drawn with matplotlib (the ``demo`` extra), imported
only here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# section -> (panel title, the figure's key in each implementation's data, scale, unit)
PANELS = {
    "moons": ("Moons training step", "median_s", 1e3, "ms"),
    "ops": ("Op throughput (build + backward)", "total_ns", 1.0, "ns per op"),
    "memory": ("Memory per binary-op node", "bytes_per_node", 1.0, "bytes"),
}


def bars(results: dict[str, dict[str, Any]]) -> list[tuple[str, str, list[tuple[str, float]]]]:
    """Each panel's title, unit and (implementation, value) pairs, in the tables' order."""
    panels = []
    for section, (title, key, scale, unit) in PANELS.items():
        rows = [(name, d[key] * scale) for name, d in results.get(section, {}).items() if key in d]
        if rows:
            panels.append((title, unit, rows))
    return panels


def write_png(results: dict[str, dict[str, Any]], path: str | Path) -> None:
    """Draws ``results`` (``section -> implementation -> figures``, as in the JSON) to ``path``."""
    try:
        import matplotlib
    except ModuleNotFoundError as error:
        raise SystemExit(
            "the plot needs matplotlib: pip install -e \".[demo]\" (or \".[dev]\")"
        ) from error
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = bars(results)
    if not panels:
        raise ValueError("nothing to plot: the run has none of " + ", ".join(PANELS))
    heights = [len(rows) * 0.3 + 0.9 for _, _, rows in panels]
    fig, axes = plt.subplots(len(panels), 1, figsize=(7.0, sum(heights)), squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    for ax, (title, unit, rows) in zip(axes[:, 0], panels, strict=True):
        names = [name for name, _ in rows][::-1]
        values = [value for _, value in rows][::-1]
        colors = ["#3f51b5" if name.startswith("valuegrad") else "#9e9e9e" for name in names]
        ax.barh(names, values, color=colors)
        ax.set_xscale("log")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(f"{unit} (log scale; shorter is better)", fontsize=8)
        ax.tick_params(labelsize=8)
        ax.set_xlim(min(values) / 2, max(values) * 12)
        for y, value in enumerate(values):
            ax.text(value * 1.1, y, f"{value:,.0f}" if value >= 100 else f"{value:.3g}",
                    va="center", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})  # no version: stable bytes
    plt.close(fig)
