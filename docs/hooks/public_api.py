"""A griffe extension: the API reference shows the package as users import it.

mkdocstrings reads the source statically (griffe); three things differ from what users see:

1. A name exported by a package and also the name of one of its submodules
   (``autograd.jit`` the function, ``autograd/jit/`` the package; the same for ``explain``)
   is the submodule to griffe, and the exported object to Python. The reference documents what
   ``import autograd`` binds: the function, or the class of an exported instance
   (``autograd.explain`` is a callable object; its class says how to call it).
2. ``Value``'s operators and elementary methods, and the module-level ops (``autograd.exp``,
   ``autograd.dot``, ...), are generated from the op table at import; the source holds their
   signatures only, so their docstrings are read from the imported objects.
3. Docstrings are written for ``help()`` and doctest: names cited with Sphinx roles
   (``:func:`grad```) are shown as code, ``>>>`` examples (which Markdown would take for
   nested quotes) as Python console blocks, and reST's ``text::`` before a literal block as
   ``text:`` (the indented block is a code block in Markdown too).
4. A class attribute bound to ``staticmethod(f)`` (``autograd.explain.node_lines``) is shown as
   the function ``f``.

Loaded by mkdocstrings (``extensions:`` in mkdocs.yml). It imports the checkout's packages,
and refuses to describe any other copy of them.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

import griffe

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("autograd", "nn")
ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|data|attr|exc|obj|const):`~?([^`]+)`")
# reST's "text::" and the literal block it introduces (indented under it).
LITERAL = re.compile(r"^([ \t]*)(\S.*?)::\n((?:[ \t]*\n)*)((?:\1[ \t]+\S.*(?:\n|$)|[ \t]*\n)*)",
                     re.MULTILINE)
# A doctest block: a ``>>>`` line and the lines up to the next blank one, at one indentation.
EXAMPLE = re.compile(r"^([ \t]*)>>>.*(?:\n\1(?!\s*\n)\S?.*)*", re.MULTILINE)


def _fence(match: re.Match[str]) -> str:
    indent = match.group(1)
    lines = [line.replace("<BLANKLINE>", "") for line in match.group(0).split("\n")]
    return "\n".join(["", f"{indent}```pycon", *lines, f"{indent}```"])  # a fence opens a block


def _literal(match: re.Match[str]) -> str:
    indent, text, blank, block = match.groups()
    if ">>>" in block:  # examples: at the text's indentation, to be fenced as examples
        block = textwrap.indent(textwrap.dedent(block), indent)
    return f"{indent}{text}:\n{blank}{block}"  # any other block is a Markdown code block


def for_markdown(text: str) -> str:
    """A docstring written for ``help()`` and doctest, as Markdown (see 3. above)."""
    return EXAMPLE.sub(_fence, LITERAL.sub(_literal, ROLE.sub(r"`\1`", text)))


def _import(name: str) -> ModuleType:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    module = importlib.import_module(name)
    where = Path(str(module.__file__)).resolve()
    if ROOT not in where.parents:
        raise RuntimeError(
            f"the docs describe the checkout at {ROOT}, but {name} was imported from {where}: "
            f"build them with the checkout first on the path (PYTHONPATH={ROOT})"
        )
    return module


def _modules(module: griffe.Module) -> list[griffe.Module]:
    found = [module]
    for member in module.modules.values():
        if not member.is_alias:
            found.extend(_modules(member))
    return found


def _classes(obj: griffe.Object) -> list[griffe.Class]:
    found = []
    for member in obj.members.values():
        if not member.is_alias and member.is_class:
            found.append(member)
            found.extend(_classes(member))
    return found


class PublicNames(griffe.Extension):
    """Makes the changes above to ``autograd`` and ``nn`` once griffe has loaded them."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None and obj.package.name in PACKAGES:
            obj.docstring.value = for_markdown(obj.docstring.value)

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        if pkg.name not in PACKAGES:
            return
        modules = {module.path: module for module in _modules(pkg)}  # before any is shadowed
        for module in modules.values():
            self._unshadow(module, modules)
            self._runtime_docstrings(module)
            for cls in _classes(module):
                self._runtime_docstrings(cls)
                self._static_methods(cls)

    @staticmethod
    def _unshadow(module: griffe.Module, modules: dict[str, griffe.Module]) -> None:
        runtime = _import(module.path)
        for name in module.exports or ():
            member = module.members.get(name)
            if member is None or member.is_alias or not member.is_module:
                continue
            bound = getattr(runtime, name)
            if inspect.ismodule(bound):
                continue
            shown = bound if inspect.isclass(bound) or inspect.isroutine(bound) else type(bound)
            target = modules[shown.__module__].get_member(shown.__qualname__)
            module.set_member(name, griffe.Alias(name, target, parent=module))

    @staticmethod
    def _runtime_docstrings(obj: griffe.Module | griffe.Class) -> None:
        runtime: Any = _import(obj.module.path)
        if obj.is_class:
            for part in obj.path.removeprefix(obj.module.path + ".").split("."):
                runtime = getattr(runtime, part)
        for name, member in obj.members.items():
            if member.is_alias or member.docstring is not None:
                continue
            function = vars(runtime).get(name)
            if inspect.isfunction(function) and function.__doc__:
                member.docstring = griffe.Docstring(for_markdown(function.__doc__), parent=member)

    @staticmethod
    def _static_methods(owner: griffe.Class) -> None:
        for name, member in list(owner.members.items()):
            if member.is_alias or not member.is_attribute:
                continue
            value = str(member.value or "")
            if value.startswith("staticmethod(") and value.endswith(")"):
                target = owner.module.get_member(value.removeprefix("staticmethod(")[:-1])
                owner.set_member(name, griffe.Alias(name, target, parent=owner))
