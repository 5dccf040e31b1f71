"""Every notebook runs top to bottom in a fresh Jupyter kernel, and is committed executed.

Each notebook is copied to a temporary folder, its outputs are cleared, and it is executed
with nbclient in a new ``python3`` kernel started from this interpreter, with ``notebooks/``
as the working directory; a cell that raises fails the test with the cell's traceback. The
committed files are never rewritten (``python notebooks/execute.py`` does that). Execution
uses the same code as ``notebooks/execute.py``, so the tests run what regenerates the outputs.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(path.name for path in NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED = {
    "backprop_by_hand.ipynb",
    "build_your_own_engine.ipynb",
    "digits.ipynb",
    "engine_tour.ipynb",
    "forward_and_reverse.ipynb",
    "gradient_checks.ipynb",
    "train_moons.ipynb",
    "vanishing_gradients.ipynb",
    "xor_jit.ipynb",
}

# The check appended to each copy: which Python environment is the kernel running in?
PROBE = "import sys\nprint(sys.prefix)"


def _load_execute():
    spec = importlib.util.spec_from_file_location("notebooks_execute", NOTEBOOK_DIR / "execute.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


execute = _load_execute()


def _code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def _errors(nb: nbformat.NotebookNode) -> list[str]:
    return [
        f"{out.ename}: {out.evalue}"
        for cell in _code_cells(nb)
        for out in cell.get("outputs", [])
        if out.output_type == "error"
    ]


def test_all_notebooks_are_present():
    assert EXPECTED <= set(NOTEBOOKS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_notebook_is_executed(name):
    """Committed with outputs, every code cell run once, in order, and none failed."""
    nb = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    nbformat.validate(nb)
    counts = [cell.execution_count for cell in _code_cells(nb)]
    assert counts == list(range(1, len(counts) + 1)), f"{name}: re-run notebooks/execute.py"
    assert not _errors(nb)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs(name, tmp_path):
    copy = tmp_path / name
    shutil.copyfile(NOTEBOOK_DIR / name, copy)
    nb = nbformat.read(copy, as_version=4)
    for cell in _code_cells(nb):
        cell.outputs = []
        cell.execution_count = None
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))

    with execute.kernel_environment():
        execute.execute(nb, timeout=execute.CELL_TIMEOUT)  # raises CellExecutionError

    assert not _errors(nb)
    probe_output = "".join(
        out.text for out in nb.cells[-1].outputs if out.output_type == "stream"
    ).strip()
    assert probe_output == sys.prefix, "the kernel ran in another Python environment"
    assert all(cell.execution_count is not None for cell in _code_cells(nb))
