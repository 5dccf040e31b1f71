"""Re-executes the notebooks in this folder in place, so their committed outputs are current.

Usage (from anywhere, in the environment where valuegrad is installed)::

    python notebooks/execute.py                          # every notebook
    python notebooks/execute.py engine_tour.ipynb ...    # some of them

Each notebook runs top to bottom in a fresh Jupyter kernel started from this interpreter, with
``notebooks/`` as its working directory and the checkout importable, and is written back with
its new outputs only when every cell succeeded. ``tests/test_notebooks.py`` runs the same
:func:`execute` on temporary copies, so what is committed is what the tests run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: Seconds one cell may run before the execution fails. Every cell of ours takes a few seconds;
#: the margin is for slow shared CI machines.
CELL_TIMEOUT = 240

KERNEL_NAME = "python3"


def notebooks() -> list[Path]:
    """The notebooks in this folder, in name order."""
    return sorted(HERE.glob("*.ipynb"))


@contextlib.contextmanager
def kernel_environment() -> Iterator[None]:
    """Makes the ``python3`` kernel run *this* interpreter, with this checkout importable.

    Jupyter looks kernels up by name along a search path (``JUPYTER_PATH``, then per-user
    folders, then the environment's), and a ``python3`` kernelspec left in a user folder may
    name another interpreter. So a kernelspec for ``sys.executable`` is written to a temporary
    folder placed first on ``JUPYTER_PATH``. ``PYTHONPATH`` gets the repository root (the
    kernel imports this checkout even when it is not installed), and ``MPLBACKEND`` is
    removed so matplotlib uses the kernel's inline backend (figures embedded as PNG).
    """
    from ipykernel.kernelspec import write_kernel_spec

    names = ("JUPYTER_PATH", "PYTHONPATH", "MPLBACKEND")
    saved = {name: os.environ.get(name) for name in names}
    with tempfile.TemporaryDirectory(prefix="valuegrad-kernel-") as tmp:
        write_kernel_spec(os.path.join(tmp, "kernels", KERNEL_NAME))
        os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [tmp, saved["JUPYTER_PATH"]]))
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), saved["PYTHONPATH"]]))
        os.environ.pop("MPLBACKEND", None)
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def execute(nb: nbformat.NotebookNode, *, timeout: int = CELL_TIMEOUT) -> nbformat.NotebookNode:
    """Runs every cell of ``nb`` (in place) in a fresh kernel whose working directory is
    ``notebooks/``; raises ``nbclient.exceptions.CellExecutionError`` at the first failing cell.

    Call it inside :func:`kernel_environment`.
    """
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=KERNEL_NAME,
        resources={"metadata": {"path": str(HERE)}},
        record_timing=False,  # no timestamps in the committed files: diffs show real changes
    )
    client.execute()
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to run (default: all in notebooks/)")
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT,
                        help=f"seconds per cell (default {CELL_TIMEOUT})")
    args = parser.parse_args(argv)
    paths = [p if p.exists() else HERE / p for p in args.notebooks] or notebooks()
    total = 0.0
    with kernel_environment():
        for path in paths:
            nb = nbformat.read(path, as_version=4)
            start = time.perf_counter()
            execute(nb, timeout=args.timeout)
            seconds = time.perf_counter() - start
            total += seconds
            nbformat.validate(nb)
            nbformat.write(nb, path)
            print(f"{path.name:32} {seconds:6.1f} s", flush=True)
    print(f"{'total':32} {total:6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
