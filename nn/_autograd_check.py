"""Check that ``import autograd`` finds valuegrad's engine, not another package of that name.

HIPS autograd (``pip install autograd``) has the same import name. Installed after valuegrad it
overwrites ``autograd/__init__.py``; removed afterwards it leaves a directory without one (a
namespace package). Either way ``nn`` would otherwise fail deep in an import chain with a bare
ImportError; this check names what was found, where, and the repair command. It uses only the
standard library, and runs before anything in ``nn`` imports ``autograd``.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
from types import ModuleType

REPAIR = "pip uninstall autograd && pip install --force-reinstall valuegrad"


def check_autograd() -> ModuleType:
    """Import ``autograd`` and return it; raise ImportError naming the conflict if it is not ours.

    Returns:
        The ``autograd`` module, when it is valuegrad's engine.

    Raises:
        ImportError: ``autograd`` is another package, a namespace package left over from one,
            or fails to import; the message names the package found, its path, and the repair.
    """
    try:
        module = importlib.import_module("autograd")
    except ImportError as error:
        if REPAIR in str(error):  # valuegrad's own autograd already said what is wrong
            raise
        raise ImportError(_message(f"a package that fails to import ({error})", _locate())) from error
    if getattr(module, "__distribution__", None) == "valuegrad":
        return module
    if getattr(module, "__file__", None) is None:
        found = "a directory without __init__.py (a namespace package, left when a package is removed)"
        where = ", ".join(str(path) for path in getattr(module, "__path__", []))
    else:
        found = "another package (not valuegrad's engine)"
        where = str(module.__file__)
    raise ImportError(_message(found, where or "an unknown location"))


def _locate() -> str:
    """Where ``autograd`` would be imported from, without importing it."""
    try:
        spec = importlib.util.find_spec("autograd")
    except (ImportError, ValueError):
        return "an unknown location"
    if spec is None:
        return "nowhere (no package named autograd is installed)"
    if spec.origin not in (None, "namespace"):
        return str(spec.origin)
    return ", ".join(str(path) for path in spec.submodule_search_locations or [])


def _providers() -> str:
    """The installed distributions that ship a top-level ``autograd``, with their versions."""
    names = sorted(set(importlib.metadata.packages_distributions().get("autograd", [])))
    found = []
    for name in names:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(name)
    return ", ".join(found) or "none recorded"


def _message(found: str, where: str) -> str:
    return (
        f"nn needs valuegrad's autograd engine, but `import autograd` found {found} at {where}.\n"
        "valuegrad ships two import packages, `autograd` and `nn`; HIPS autograd (`pip install "
        "autograd`) uses the same name `autograd`, and installing or removing either one "
        "overwrites the other's files.\n"
        f"Installed distributions that provide `autograd`: {_providers()}.\n"
        f"Repair: {REPAIR}"
    )
