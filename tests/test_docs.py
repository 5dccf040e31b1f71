"""The documentation site stays complete and true (docs/, mkdocs.yml; built by .ci/run).

- Every public name has an entry in the API reference, under its public import path: the
  names are read from the packages' ``__all__`` lists at run time, so a new name fails here
  until it is documented.
- Every notebook is a page of the site.
- The performance page's figures are what ``python -m benchmarks`` wrote, not numbers edited
  by hand. (The op table page and the functions' reference entries are written from the op
  table and checked by ``tests/test_generated.py``.)
- Every ``>>>`` example in docs/ runs as a doctest in the test suite.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import autograd
from benchmarks import runner

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
REFERENCE = DOCS / "reference"
FIGURES = DOCS / "explanation" / "benchmarks"

# The public modules whose names the reference documents. The modules that `nn.__all__` lists
# (nn.losses, ...) are added from it.
PUBLIC_MODULES = ["autograd", "autograd.viz", "autograd.testing", "nn", "nn.callbacks"]
# Public names deliberately left out of an `__all__`: `from autograd import *` must not
# shadow the builtins `sum` and `abs`, which stay reachable as autograd.sum and autograd.abs.
OUTSIDE_ALL = {"autograd": ["sum", "abs"]}
DIRECTIVE = re.compile(r"^::: ([\w.]+)\s*$", re.MULTILINE)


def public_names() -> dict[str, Any]:
    """Every public import path (``autograd.Value``, ``nn.losses.mse``) and its object."""
    names: dict[str, Any] = {}
    pending = list(PUBLIC_MODULES)
    while pending:
        module_name = pending.pop(0)
        module = importlib.import_module(module_name)
        names[module_name] = module
        exported = getattr(module, "__all__", None)
        assert exported is not None, f"{module_name} has no __all__: its public names are unknown"
        for name in [*exported, *OUTSIDE_ALL.get(module_name, [])]:
            value = getattr(module, name)
            if isinstance(value, ModuleType):
                if value.__name__ not in names and value.__name__ not in pending:
                    pending.append(value.__name__)
            else:
                names[f"{module_name}.{name}"] = value
    return names


def reference_entries() -> dict[str, str]:
    """Each ``::: path`` directive of the reference pages, and the page that holds it."""
    return {
        path: page.name
        for page in sorted(REFERENCE.glob("*.md"))
        for path in DIRECTIVE.findall(page.read_text(encoding="utf-8"))
    }


def _documents(entry: str, value: Any, entries: dict[str, str], names: dict[str, Any]) -> bool:
    """Is ``value`` (the object at public path ``entry``) documented?"""
    if entry in entries:
        return True
    if inspect.isclass(value) or inspect.isroutine(value):  # nn.optim.SGD is nn.SGD
        return any(names.get(other) is value for other in entries)
    return False


def test_every_public_name_has_a_reference_entry():
    names, entries = public_names(), reference_entries()
    assert {"autograd.Value", "autograd.sum", "nn.MLP", "nn.losses.mse"} <= set(names)
    missing = sorted(path for path, value in names.items()
                     if not _documents(path, value, entries, names))
    assert missing == [], (
        "public names without an entry in docs/reference/*.md (add a `::: <name>` line to the "
        f"page of its module): {missing}"
    )


def test_reference_entries_use_public_import_paths():
    """``::: autograd.Value``, never ``::: autograd.core.node.Value``: internal modules move."""
    names = public_names()
    for entry, page in reference_entries().items():
        public = entry in names or any(entry.startswith(name + ".") and not
                                       isinstance(names[name], ModuleType) for name in names)
        assert public, f"reference/{page}: `::: {entry}` is not a public import path"


def test_every_notebook_is_a_page_of_the_site():
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = config[config.index("\nnav:"):]
    notebooks = sorted(path.name for path in (ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks, "no notebooks found"
    missing = [name for name in notebooks if f": notebooks/{name}\n" not in nav + "\n"]
    assert missing == [], f"notebooks missing from mkdocs.yml's nav: {missing}"


def test_performance_figures_are_what_the_benchmarks_wrote():
    """figures.md is the runner's report of the run saved beside it, character for character."""
    info, cfg, sections = runner.load(str(FIGURES / "figures.json"))
    written = (FIGURES / "figures.md").read_text(encoding="utf-8")
    assert written == runner.report(info, cfg, sections) + "\n", (
        "docs/explanation/benchmarks/figures.md differs from the run in figures.json: "
        "regenerate both with python -m benchmarks --docs docs/explanation/benchmarks"
    )
    assert (FIGURES / "figures.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    page = (DOCS / "explanation" / "performance.md").read_text(encoding="utf-8")
    assert '--8<-- "docs/explanation/benchmarks/figures.md"' in page
    assert "(benchmarks/figures.png)" in page


def test_every_example_in_docs_runs_as_a_doctest():
    """pytest collects each page with a ``>>>`` example as a doctest (pyproject's options)."""
    example = re.compile(r"^\s*>>> ", re.MULTILINE)
    pages = sorted(p for p in DOCS.rglob("*.md") if example.search(p.read_text(encoding="utf-8")))
    assert len(pages) >= 10
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "docs"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    collected = {line.split("::")[0] for line in done.stdout.splitlines() if "::" in line}
    missing = [str(p.relative_to(ROOT)) for p in pages if str(p.relative_to(ROOT)) not in collected]
    assert missing == [], f"pages whose examples pytest does not run: {missing}"


# --- the griffe extension that makes the reference show what users import -------------------


def _public_api() -> ModuleType:
    """docs/hooks/public_api.py (it needs griffe, from the docs extra)."""
    pytest.importorskip("griffe", reason="the docs extra is not installed")
    spec = importlib.util.spec_from_file_location("public_api", DOCS / "hooks" / "public_api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docstrings_written_for_help_and_doctest_become_markdown():
    for_markdown = _public_api().for_markdown
    text = (
        "Like :func:`grad` and :meth:`~Compiled.backward`, nests::\n"
        "\n"
        "    >>> f(1)\n"
        "    <BLANKLINE>\n"
        "\n"
        "Per parameter::\n"
        "\n"
        "    p = p - lr * g\n"
        "\n"
        "Args:\n"
        "    x: a number.\n"
        "\n"
        "        >>> x\n"
        "        1\n"
    )
    assert for_markdown(text) == (
        "Like `grad` and `Compiled.backward`, nests:\n"
        "\n"
        "\n"
        "```pycon\n"           # the example, out of reST's literal block, as a console block
        ">>> f(1)\n"
        "\n"
        "```\n"
        "\n"
        "Per parameter:\n"     # any other literal block is an indented Markdown code block
        "\n"
        "    p = p - lr * g\n"
        "\n"
        "Args:\n"
        "    x: a number.\n"
        "\n"
        "\n"
        "        ```pycon\n"   # an example inside a section stays inside it
        "        >>> x\n"
        "        1\n"
        "        ```\n"
    )


def test_the_reference_sees_the_package_as_users_import_it():
    griffe = pytest.importorskip("griffe", reason="the docs extra is not installed")
    extension = _public_api().PublicNames()
    plain = griffe.load("autograd", search_paths=[ROOT])
    seen = griffe.load("autograd", search_paths=[ROOT],
                       extensions=griffe.load_extensions(extension))
    # autograd.jit is the function (griffe alone sees the submodule of the same name)
    assert plain["jit"].is_module and not seen["jit"].is_module
    assert seen["jit"].is_function and seen["jit"].target_path == "autograd.jit.compiled.jit"
    # autograd.explain, a callable object, is shown by its class: __call__ and the helpers
    assert seen["explain"].is_class
    assert seen["explain"]["node_lines"].is_function  # staticmethod(node_lines) in the source
    assert seen["explain"]["__call__"].docstring is not None
    # the generated methods and functions get the op table's docstrings
    assert plain["Value"]["exp"].docstring is None
    assert seen["Value"]["exp"].docstring.value == autograd.Value.exp.__doc__
    assert "the op table's 'exp'" in seen["Value"]["exp"].docstring.value
    assert seen["tanh"].docstring.value == autograd.tanh.__doc__
