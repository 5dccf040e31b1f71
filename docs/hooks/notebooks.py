"""MkDocs hook: the notebooks in ``notebooks/`` become pages of the site, without a copy.

mkdocs-jupyter renders ``.ipynb`` files found among the site's files, which MkDocs collects
from ``docs/`` only. This hook adds every notebook of ``notebooks/`` (and its ``assets/``, the
pictures the pages show) as a site file at ``notebooks/<name>``, read from where it lives, so
pages link to ``../notebooks/train_moons.ipynb`` and the notebook page is rendered from the
committed file with its outputs (the docs build executes nothing). It runs before the
mkdocs-jupyter plugin sees the files.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
SERVED = ("*.ipynb", "assets/*")


@event_priority(100)  # before mkdocs-jupyter's on_files, which turns .ipynb files into pages
def on_files(files: Files, config: MkDocsConfig) -> Files:
    for pattern in SERVED:
        for path in sorted(NOTEBOOKS.glob(pattern)):
            uri = "notebooks/" + path.relative_to(NOTEBOOKS).as_posix()
            if files.get_file_from_path(uri) is not None:
                raise ValueError(f"docs/{uri} would hide {path}: remove the copy from docs/")
            files.append(File(uri, str(ROOT), config.site_dir, config.use_directory_urls))
    return files
