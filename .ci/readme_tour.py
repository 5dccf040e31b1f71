"""Run the README's tour against an installed valuegrad, from outside the repository.

Usage (with the Python of an environment where valuegrad is installed, in any directory but the
checkout)::

    python -I path/to/.ci/readme_tour.py path/to/README.md

``-I`` keeps the script's folder and the working directory off ``sys.path``, so ``autograd``
and ``nn`` come from the installation; the script checks that too. It then:

1. imports every module of both packages (``autograd.testing`` may only be missing hypothesis);
2. checks that the documentation's op list (``docs/reference/ops.md`` beside the README) is
   the installed op table;
3. runs every fenced ``python`` block of the README that holds ``>>>`` examples and needs no
   extra (blocks naming hypothesis, matplotlib, numpy, torch, autograd.testing or playwright are
   skipped), as one doctest in README order, with pytest's option flags.

It exits non-zero on any failure, so CI fails when the plain install lacks something the README
promises. Standard library only.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
import sys
from pathlib import Path

# A block that mentions one of these needs an extra (or a package valuegrad does not declare).
NEEDS_EXTRA = ("hypothesis", "matplotlib", "numpy", "torch", "autograd.testing", "playwright")
# Modules that may fail to import in a plain install, and the one package each may miss.
OPTIONAL_MODULES = {"autograd.testing": "hypothesis", "autograd.check.testing": "hypothesis"}
FENCE = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
OP_TABLE = re.compile(r"<!-- op-table:start -->\n(.*?)<!-- op-table:end -->", re.DOTALL)


def select_blocks(text: str) -> tuple[str, list[str], list[str]]:
    """Split the README's doctest blocks into those to run and those that need an extra.

    Returns:
        The README with every line outside the blocks to run blanked (so doctest line numbers
        are the README's), and the first line of each block run and of each block skipped.
    """
    lines = [""] * (text.count("\n") + 1)
    ran: list[str] = []
    skipped: list[str] = []
    for match in FENCE.finditer(text):
        body = match.group(1)
        if ">>>" not in body:
            continue
        first = next(line for line in body.splitlines() if line.strip())
        if any(name in body for name in NEEDS_EXTRA):
            skipped.append(first)
            continue
        ran.append(first)
        start = text.count("\n", 0, match.start(1))
        for offset, line in enumerate(body.splitlines()):
            lines[start + offset] = line
    return "\n".join(lines), ran, skipped


def check_installed(checkout: Path) -> None:
    """``autograd`` and ``nn`` come from an installation, not from the checkout."""
    for name in ("autograd", "nn"):
        module = importlib.import_module(name)
        path = Path(str(module.__file__)).resolve()
        if checkout in path.parents:
            raise SystemExit(f"{name} was imported from the checkout ({path}), not the install")
        print(f"{name}: {path.parent}")


def import_every_module() -> None:
    """Import each module of both packages; only the documented optional ones may fail."""
    for package_name in ("autograd", "nn"):
        package = importlib.import_module(package_name)
        for info in pkgutil.walk_packages(package.__path__, package_name + "."):
            try:
                importlib.import_module(info.name)
            except ModuleNotFoundError as error:
                if OPTIONAL_MODULES.get(info.name) != error.name:
                    raise
                print(f"{info.name}: needs {error.name} (an extra), as documented")


def check_op_list(page: Path) -> None:
    """The documentation's op list is the installed package's op table."""
    from autograd.core.ops import markdown_table

    match = OP_TABLE.search(page.read_text(encoding="utf-8"))
    if match is None:
        raise SystemExit(f"{page} has no op-table section")
    if match.group(1) != markdown_table():
        raise SystemExit(f"{page}'s op list differs from the installed op table")
    print(f"op list: {page.name} is the installed op table")


def run_tour(text: str, path: Path) -> None:
    """Run the selected blocks as one doctest named like pytest's (``README.md``)."""
    tour, ran, skipped = select_blocks(text)
    if not ran:
        raise SystemExit("found no README examples to run")
    test = doctest.DocTestParser().get_doctest(tour, {}, path.name, str(path), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    runner.run(test)
    for first in skipped:
        print(f"skipped (needs an extra): {first}")
    results = runner.summarize(verbose=False)
    print(f"README tour: {len(ran)} blocks, {results.attempted} examples, {results.failed} failed")
    if results.failed:
        raise SystemExit(1)


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        raise SystemExit(__doc__)
    readme = Path(argv[0]).resolve()
    text = readme.read_text(encoding="utf-8")
    check_installed(readme.parent)
    import_every_module()
    check_op_list(readme.parent / "docs" / "reference" / "ops.md")
    run_tour(text, readme)


if __name__ == "__main__":
    main(sys.argv[1:])
