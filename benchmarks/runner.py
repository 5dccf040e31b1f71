"""Command line of the benchmarks: runs the chosen sections and prints one Markdown report."""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import depth, digits, fit_jit, jit_costs, memory, moons, plot, throughput
from .common import Config, Section

SECTIONS: dict[str, Callable[[Config], Section]] = {
    "moons": moons.run,
    "ops": throughput.run,
    "depth": depth.run,
    "memory": memory.run,
    "digits": digits.run,
    "fit-jit": fit_jit.run,
    "jit-costs": jit_costs.run,
}


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine_info() -> dict[str, str]:
    return {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "cpu": f"{cpu_model()} ({os.cpu_count()} logical cores)",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": platform.platform(terse=True),
        "micrograd": _version("micrograd"),
        "torch": _version("torch"),
    }


def targets(sections: dict[str, Section]) -> list[str]:
    """The issue's targets, each with the ratio measured in this run."""
    lines = []

    def line(ok: bool, text: str) -> None:
        lines.append(f"- [{'x' if ok else ' '}] {text}")

    if "moons" in sections:
        d = sections["moons"].data
        ours = d["valuegrad (nn)"]["median_s"]
        r = ours / d["hand-written"]["median_s"]
        line(r <= 4.0, f"moons step within 4x of hand-written (stretch 3x): {r:.2f}x")
        if "valuegrad (jit)" in d:
            r = d["valuegrad (jit)"]["median_s"] / d["hand-written"]["median_s"]
            line(r <= 0.7, f"jit-compiled moons step <= 0.7x hand-written: {r:.2f}x")
        if "micrograd" in d:
            r = d["micrograd"]["median_s"] / ours
            line(r >= 50.0, f"moons step >= 50x faster than micrograd: {r:.1f}x")
    if "ops" in sections:
        d = sections["ops"].data
        ours = d["valuegrad"]["total_ns"]
        if "torch (0-dim)" in d:
            r = d["torch (0-dim)"]["total_ns"] / ours
            line(r >= 20.0, f"op throughput >= 20x torch scalar tensors: {r:.1f}x")
        if "micrograd" in d:
            r = d["micrograd"]["total_ns"] / ours
            line(r >= 15.0, f"op throughput >= 15x micrograd: {r:.1f}x")
    if "memory" in sections:
        b = sections["memory"].data["valuegrad"]["bytes_per_node"]
        line(b <= 200.0, f"memory <= 200 bytes/node: {b:.0f}")
    if "fit-jit" in sections:
        d = sections["fit-jit"].data
        worst = max(d, key=lambda key: d[key]["auto_ratio"])
        r = d[worst]["auto_ratio"]
        line(r <= fit_jit.WITHIN, f'fit(jit="auto") within {fit_jit.WITHIN}x of the better of '
             f"jit=False and jit=True at every run length (issue 23): worst {r:.2f}x ({worst} "
             "epochs)")
    return lines


def report(info: dict[str, str], cfg: Config, sections: dict[str, Section]) -> str:
    mode = "quick (smoke-test sizes, figures meaningless)" if cfg.quick else "full"
    head = [
        "## valuegrad benchmarks",
        "",
        f"{info['date']} · {info['cpu']} · {info['python']} · {info['os']}",
        "",
        (
            f"micrograd {info['micrograd']} · torch {info['torch']} · mode: {mode} · "
            f"{cfg.clock} time, median of {cfg.repeat} runs after {cfg.warmup} warm-up, "
            f"{'each implementation in its own interpreter' if cfg.isolate else 'in-process'}, "
            "samples interleaved"
        ),
        "",
    ]
    if info.get("note"):
        head.extend([info["note"], ""])
    body = [section.markdown() + "\n" for section in sections.values()]
    tail = targets(sections)
    if tail:
        tail = ["### Targets (issue 7 unless named), ratios from this run", "", *tail]
    return "\n".join(head + body + tail)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description="Benchmarks valuegrad against its peers."
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    parser.add_argument("--repeat", type=int, default=None,
                        help="timed runs per figure (default 5; fit-jit: 3 on digits, 9 on "
                        "moons and spirals)")
    parser.add_argument(
        "--only", action="append", choices=sorted(SECTIONS), default=None,
        help="run only this section (repeatable)",
    )
    parser.add_argument("--json", metavar="PATH", help="also write raw figures as JSON")
    parser.add_argument(
        "--docs", metavar="DIR",
        help="also write the report, the figures and a plot to DIR/figures.{md,json,png} "
             "(the documentation's performance page includes them)",
    )
    parser.add_argument(
        "--from-json", metavar="PATH",
        help="measure nothing: report the run saved in PATH (by --json or --docs) again",
    )
    parser.add_argument("--no-micrograd", action="store_true", help="skip micrograd")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch")
    parser.add_argument(
        "--in-process", action="store_true",
        help="measure every implementation in this process (default: a fresh one each)",
    )
    parser.add_argument(
        "--clock", choices=("cpu", "wall"), default="cpu",
        help="cpu: CPU time of this process (default; robust to other load), wall: elapsed",
    )
    return parser.parse_args(argv)


def payload(info: dict[str, str], cfg: Config, sections: dict[str, Section]) -> dict[str, Any]:
    """A run as JSON data: the machine, the config, each section's figures and its table."""
    return {
        "machine": info,
        "config": dict(cfg.__dict__),
        "results": {name: s.data for name, s in sections.items()},
        "tables": {
            name: {"title": s.title, "columns": s.columns, "rows": s.rows, "notes": s.notes}
            for name, s in sections.items()
        },
    }


def load(path: str) -> tuple[dict[str, str], Config, dict[str, Section]]:
    """The run saved by ``payload`` in ``path`` (a file of ``--json`` or ``--docs``)."""
    with open(path, encoding="utf-8") as f:
        saved = json.load(f)
    if "tables" not in saved:
        raise SystemExit(f"{path} holds no tables (written before --docs existed): run again")
    config = {k: tuple(v) if isinstance(v, list) else v for k, v in saved["config"].items()}
    sections = {
        name: Section(name, t["title"], t["columns"], t["rows"], t["notes"],
                      saved["results"][name])
        for name, t in saved["tables"].items()
    }
    return saved["machine"], Config(**config), sections


def write_docs(directory: str, text: str, data: dict[str, Any]) -> None:
    """The report, its figures and their plot, as the performance page includes them."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    (out / "figures.md").write_text(text + "\n", encoding="utf-8")
    (out / "figures.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    plot.write_png(data["results"], out / "figures.png")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        print("--repeat must be at least 1", file=sys.stderr)
        return 2
    if args.from_json:
        info, cfg, sections = load(args.from_json)
    else:
        cfg = (Config.quick_config(args.repeat) if args.quick
               else Config(repeat=args.repeat or 5, lengths_repeat=args.repeat or 3,
                           toy_lengths_repeat=args.repeat or 9))
        peers = tuple(
            p for p, off in (("micrograd", args.no_micrograd), ("torch", args.no_torch)) if not off
        )
        cfg = Config(**{**cfg.__dict__, "peers": peers, "clock": args.clock,
                           "isolate": not args.in_process})
        info = machine_info()
        sections = {}
        for name in args.only or list(SECTIONS):
            print(f"running {name}...", file=sys.stderr, flush=True)
            sections[name] = SECTIONS[name](cfg)
    text = report(info, cfg, sections)
    print(text)
    data = payload(info, cfg, sections)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2)
    if args.docs:
        write_docs(args.docs, text, data)
    return 0
