"""Every text generated from the op table and checked in is what the table gives today.

A row of the op table (``autograd/core/ops.py``) declares an op once; the engine builds its methods
and functions from it at import. What type checkers, editors and readers see must follow, so
it is written from the table into these places, each between ``op-table`` marker lines:

- ``autograd/core/node.py``: the signatures of ``Value``'s generated methods (for type checkers);
- ``autograd/core/functions.py``: the signatures of the generated module-level functions;
- ``autograd/__init__.py``: the imports and ``__all__`` of ``autograd.core.functions``' names (a
  function named like a builtin, ``sum`` or ``abs``, is an attribute only: ``from autograd
  import *`` must not shadow it);
- ``docs/reference/ops.md``: the op list;
- ``docs/reference/autograd.md``: the reference entries of the functions and the filter
  that shows ``Value``'s operators.

``python3 -m tests.test_generated --write`` rewrites them all after a change to the table (see
"Adding an op" in ``docs/how-to/contribute.md``). Each test here fails, naming that command, when a place is out
of date.
"""

from __future__ import annotations

import builtins
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from autograd.core.fastpaths import parameters
from autograd.core.ops import TABLE, Op, markdown_table

ROOT = Path(__file__).resolve().parent.parent
COMMAND = "python3 -m tests.test_generated --write"


# -- the texts ----------------------------------------------------------------------------------

def _stub_params(params: list[tuple[str, str]]) -> str:
    return ", ".join(f"{name}: Scalar = {default}" if default else f"{name}: Scalar"
                     for name, default in params)


def _method_stub(op: Op, name: str) -> str:
    params = parameters(op, name)
    args = "self" + (f", {_stub_params(params)}" if params else "")
    return f"def {name}({args}) -> Value: ..."


def value_stubs() -> str:
    """``Value``'s generated methods, one line each, in the table's order."""
    lines = []
    for op in TABLE:
        if op.method is not None:
            lines.append(_method_stub(op, op.method))
        if op.reflected is not None:
            lines.append(_method_stub(op, op.reflected))
    return "".join(f"        {line}\n" for line in lines)


def _generated_functions() -> list[Op]:
    """The rows whose function is generated (a paired row's, dot's, is written by hand)."""
    return [op for op in TABLE if op.function is not None and not op.paired]


def function_stubs() -> str:
    """The generated module-level functions, one line each, in the table's order."""
    lines = []
    for op in _generated_functions():
        if op.nary:
            lines.append(f"def {op.function}(xs: Iterable[Scalar]) -> Value: ...")
            continue
        lines.append(f"def {op.function}({_stub_params(parameters(op))}) -> Value: ...")
    return "".join(f"    {line}\n" for line in lines)


BUILTIN_NOTE = "# not in __all__ (a builtin)"


def _functions() -> list[str]:
    """What ``autograd.core.functions`` exports: a function per row that names one, ``matvec`` and
    ``softmax``."""
    import autograd.core.functions

    return sorted(autograd.core.functions.__all__)


def _attribute_only(name: str) -> bool:
    """A function named like a builtin: reachable as ``autograd.<name>``, not in ``__all__``."""
    return hasattr(builtins, name)


def package_imports() -> str:
    """``autograd/__init__.py``'s imports of the functions, as ruff's import sorting has them."""
    plain = [n for n in _functions() if not _attribute_only(n)]
    lines = []
    for name in [n for n in _functions() if _attribute_only(n)]:
        if name < plain[0]:
            lines.append(f"from .core.functions import {name} as {name}  {BUILTIN_NOTE}")
    lines.append("from .core.functions import (")
    lines.extend(f"    {name}," for name in plain)
    lines.append(")")
    for name in [n for n in _functions() if _attribute_only(n)]:
        if name > plain[0]:
            lines.append(f"from .core.functions import {name} as {name}  {BUILTIN_NOTE}")
    return "".join(line + "\n" for line in lines) + "\n"  # (ruff's import sorting: a blank line)


def package_all() -> str:
    """The functions ``from autograd import *`` gives."""
    names = "".join(f'    "{n}",\n' for n in _functions() if not _attribute_only(n))
    return f"__all__ += [\n{names}]\n"


def reference_functions() -> str:
    """A reference entry (``::: autograd.exp``) per function of a table row."""
    return "".join(f"\n::: autograd.{op.function}\n" for op in TABLE if op.function) + "\n"


def reference_operators() -> str:
    """The filter that shows ``Value``'s generated operators in the reference."""
    dunders = [
        name[2:-2] for op in TABLE for name in (op.method, op.reflected)
        if name is not None and name.startswith("__")
    ]
    return (
        "::: autograd.Value\n"
        "    options:\n"
        f'      filters: ["!^_", "^__({"|".join(dunders)})__$"]\n'
    )


# -- the places ---------------------------------------------------------------------------------

PY_START, PY_END = "# op-table:start", "# op-table:end"
MD_START, MD_END = "<!-- op-table:start -->", "<!-- op-table:end -->"


def _markers(kind: str, part: str) -> tuple[str, str]:
    if kind == "py":
        return (f"# op-table:{part}:start", f"# op-table:{part}:end") if part else (PY_START, PY_END)
    return (f"<!-- op-table:{part}:start -->", f"<!-- op-table:{part}:end -->") if part else (
        MD_START, MD_END)


# (file, marker part, text) for every generated place.
PLACES: list[tuple[str, str, Callable[[], str]]] = [
    ("autograd/core/node.py", "", value_stubs),
    ("autograd/core/functions.py", "", function_stubs),
    ("autograd/__init__.py", "imports", package_imports),
    ("autograd/__init__.py", "all", package_all),
    ("docs/reference/ops.md", "", markdown_table),
    ("docs/reference/autograd.md", "functions", reference_functions),
    ("docs/reference/autograd.md", "operators", reference_operators),
]


def _pattern(path: str, part: str) -> re.Pattern[str]:
    start, end = _markers("md" if path.endswith(".md") else "py", part)
    # The markers' own lines (with their indentation) stay; what lies between is generated.
    return re.compile(rf"(^[ \t]*{re.escape(start)}[^\n]*\n)(.*?)(^[ \t]*{re.escape(end)})",
                      re.DOTALL | re.MULTILINE)


def section(root: Path, path: str, part: str) -> str:
    """What lies between the markers of ``part`` in ``root/path``."""
    text = (root / path).read_text(encoding="utf-8")
    found = _pattern(path, part).search(text)
    assert found, f"{path} has no op-table section {part or '(the op list)'}"
    return found.group(2)


def write(root: Path) -> list[str]:
    """Rewrites every generated place under ``root``; returns the files changed."""
    changed = []
    for path, part, text in PLACES:
        file = root / path
        old = file.read_text(encoding="utf-8")
        found = _pattern(path, part).search(old)
        assert found, f"{path} has no op-table section {part or '(the op list)'}"
        new = old[:found.start(2)] + text() + old[found.end(2):]
        if new != old:
            file.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


# -- the tests ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "part", "text"), PLACES,
                         ids=[f"{p}:{part or 'list'}" for p, part, _ in PLACES])
def test_generated_text_is_current(path, part, text):
    assert section(ROOT, path, part) == text(), f"{path} is out of date: run {COMMAND}"


def test_every_method_and_function_of_the_table_has_one_stub():
    """Read back from the files: each method a row names is declared once in Value's stubs
    with the row's arity, and each generated function once in functions.py's."""
    value = section(ROOT, "autograd/core/node.py", "")
    functions = section(ROOT, "autograd/core/functions.py", "")
    for op in TABLE:
        for name in (op.method, op.reflected):
            if name is not None:
                [params] = re.findall(rf"def {re.escape(name)}\(self(.*?)\)", value)
                assert params.count(":") == (op.arity or 0) - 1, (op.name, name, params)
        if op.function is not None and not op.paired:
            [params] = re.findall(rf"^    def {op.function}\((.*?)\)", functions, re.MULTILINE)
            assert params.count(":") == (op.arity or 1), (op.name, params)


def test_the_generated_names_are_what_the_package_binds():
    import autograd
    from autograd import Value
    from autograd.core import functions

    for op in TABLE:
        for name in (op.method, op.reflected):
            if name is not None:
                assert getattr(Value, name).__qualname__ == f"Value.{name}"
        if op.function is not None:
            assert getattr(autograd, op.function) is getattr(functions, op.function)
            assert (op.function in autograd.__all__) != _attribute_only(op.function)


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        done = write(ROOT)
        print("rewritten from the op table: " + (", ".join(done) if done else "nothing"))
    else:
        print(__doc__)
