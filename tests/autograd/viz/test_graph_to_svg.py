"""``to_svg`` (autograd/viz/graph_to_svg.py): a Value or a graphviz graph to SVG in one call,
without system Graphviz, written atomically."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from autograd import Value
from autograd.viz import to_svg
from tests.autograd.viz.helpers import (
    REPO,
    neuron,
    svg_groups,
)

_RENDER_WITHOUT_DOT = """
import shutil, sys
assert shutil.which("dot") is None, "dot is on PATH"
from autograd.viz import renderer_name, to_svg
from autograd import Value
x = Value(2.0, label="x")
y = (x * x).tanh()
y.backward()
print(renderer_name())
sys.stdout.write(to_svg(y, sys.argv[1]))
"""


def test_svg_renders_in_a_process_whose_path_has_no_dot(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    out_file = tmp_path / "graph.svg"
    env = {**os.environ, "PATH": str(empty), "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", _RENDER_WITHOUT_DOT, str(out_file)],
                          env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    name, svg = proc.stdout.split("\n", 1)
    assert name == "wasm"
    assert len(svg_groups(svg, "node")) == 5 and len(svg_groups(svg, "edge")) == 5
    assert out_file.read_text(encoding="utf-8") == svg


def test_to_svg_writes_atomically(tmp_path: Path, no_system_dot: None,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    out, _ = neuron()
    path = tmp_path / "graph.svg"
    svg = to_svg(out, path)
    assert path.read_text(encoding="utf-8") == svg
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty-bin", "graph.svg"]

    def failing_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        to_svg(Value(5.0), str(path))
    assert path.read_text(encoding="utf-8") == svg  # the old file is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty-bin", "graph.svg"]
