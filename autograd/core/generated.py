"""Generated code as readable files: every source the package compiles gets a file name and a
``linecache`` entry, so that tracebacks, ``pdb`` and ``inspect.getsource`` show its lines.

The package generates Python at import (the op table's rows, the engine's fast paths, the
n-ary functions) and at run time (``jit``'s compiled functions). Each text is compiled under
a stable name in this package's folder, such as ``.../autograd/<generated: Value.log>``: a
path no file has (so nothing on disk is ever read in its place), inside the package (so the
frames of generated code count as the package's where a search for the user's frame skips
them: ``detect_anomaly``'s creation sites, ``jit``'s guard sites), and named after what it
defines (so a traceback says which op's code failed).

The entries have no modification time, which ``linecache.checkcache`` leaves alone (as it
leaves the sources of zip imports); ``linecache.clearcache()`` drops them like every other
entry. Sources made at import are kept for the process's life (a few kilobytes); ``jit``'s
(up to millions of characters) are entered lazily, as the string already held, split into
lines only when a traceback asks, and dropped when their function is garbage collected.
"""

from __future__ import annotations

import dis
import itertools
import linecache
import os
import re
import weakref
from collections.abc import Callable, Iterable
from types import CodeType
from typing import Any

__all__ = [
    "by_name", "define", "file_name", "global_names", "register", "register_lazily", "unique_title",
]

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
"""The ``autograd`` package's folder (this module is in its ``core/``): generated sources are
named inside it, and a frame of a file under it is the package's own."""

_UNSAFE = re.compile(r"[^\w.<>: -]")


def file_name(title: str) -> str:
    """The file name of the generated source called ``title``: ``<PACKAGE_DIR>/<title>``
    (characters other than letters, digits and ``_.<>:-`` and spaces become ``_``)."""
    return os.path.join(PACKAGE_DIR, "<" + _UNSAFE.sub("_", title) + ">")


_COUNT = itertools.count(1)


def unique_title(what: str) -> str:
    """``what`` numbered in order of creation (``jit 3: loss backward``): a name no other
    source of this process has, and the same in every run of the same program."""
    return f"jit {next(_COUNT)}: {what}"


def register(filename: str, source: str) -> None:
    """Enters ``source`` in ``linecache`` under ``filename`` for the process's life."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)


def register_lazily(filename: str, source: str, owner: Any) -> None:
    """Enters ``source`` in ``linecache`` under ``filename`` without copying it (``linecache``
    splits it into lines the first time a traceback or ``pdb`` asks), until ``owner`` is
    garbage collected."""
    linecache.cache[filename] = (_Source(source),)
    # The finalizer is dict.pop itself: no bytecode of ours runs when the owner is collected
    # (a collection can come at any bytecode of any code, a KeyboardInterrupt with it).
    weakref.finalize(owner, linecache.cache.pop, filename, None)


class _Source:
    """A lazy ``linecache`` entry's loader: gives the text it holds when called."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __call__(self) -> str:
        return self.text


def define(source: str, title: str, namespace: dict[str, Any]) -> dict[str, Any]:
    """Compiles ``source`` (module code: definitions) under the file name of ``title``,
    registers it, runs it in ``namespace`` and returns the namespace."""
    filename = file_name(title)
    code: CodeType = compile(source, filename, "exec")
    register(filename, source)
    eval(code, namespace)  # runs the module code of the source: its only statements are defs
    return namespace


def by_name(*functions: Callable[..., Any]) -> dict[str, Callable[..., Any]]:
    """Each function under its own ``__name__``: the names generated code calls them by, so
    that a name read in generated text is the name of its definition."""
    return {f.__name__: f for f in functions}


def global_names(code: CodeType) -> Iterable[str]:
    """The global names ``code`` and the code nested in it read (functions, lambdas,
    comprehensions)."""
    stack = [code]
    while stack:
        c = stack.pop()
        for instruction in dis.get_instructions(c):
            if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
                yield instruction.argval
        stack.extend(k for k in c.co_consts if isinstance(k, CodeType))
