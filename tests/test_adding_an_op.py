"""Adding an op takes the steps "Adding an op" says (docs/how-to/contribute.md), and nothing else.

The test follows those steps as written (the row, the reference and the commands are read from
that section's code blocks) in a copy of the repository, then checks in a fresh interpreter that
the new op (``atan``) works everywhere: the engine, ``create_graph``, ``jit``, ``gradcheck``,
``explain``, the hypothesis strategies, the op tests' sweeps, the type stubs (mypy), ``__all__``
and the generated documentation. Nothing of it reaches the real package: the copy lives in a
temporary folder, and this process never imports it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import autograd

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs/how-to/contribute.md"  # the page whose "Adding an op" the test follows
# What the steps touch, and what the op tests need to run.
COPIED = [
    "autograd", "pyproject.toml", "docs/reference/ops.md",
    "docs/reference/autograd.md", "tests/__init__.py", "tests/conftest.py",
    "tests/test_generated.py", "tests/autograd/__init__.py", "tests/autograd/conftest.py",
    "tests/autograd/core/test_ops.py",
]


def steps(markdown: str) -> tuple[str, str, list[str]]:
    """The row, the reference line and the commands of the "Adding an op" section."""
    section = markdown.split("## Adding an op", 1)[1].split("\n## ", 1)[0]
    blocks = [textwrap.dedent(b) for b in re.findall(r"```\w+\n(.*?)^\s*```", section,
                                                     re.DOTALL | re.MULTILINE)]
    row, reference, commands = blocks
    return row, reference, [line for line in commands.splitlines() if line.strip()]


def _copy(tmp: Path) -> None:
    for path in COPIED:
        source, target = ROOT / path, tmp / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)


def _insert(path: Path, before: str, text: str) -> None:
    """Puts ``text`` (indented 4 spaces) on the lines before the first line holding
    ``before``."""
    source = path.read_text(encoding="utf-8")
    at = source.index(before)
    at = source.rindex("\n", 0, at) + 1
    path.write_text(source[:at] + textwrap.indent(text, "    ") + source[at:], encoding="utf-8")


def _run(args: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(cwd), PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def _command(line: str) -> list[str]:
    words = line.split()
    assert words[0] == "python3", line
    extra = ["-q", "-p", "no:cacheprovider"] if words[1:3] == ["-m", "pytest"] else []
    return [sys.executable, *words[1:], *extra]


CHECKS = r'''
import math
import autograd as ag
from autograd import Value, explain, gradcheck, gradgradcheck, jit
from autograd.testing import expressions
from hypothesis import find, given, settings

def slope(x):
    return 1 / (1 + x * x)

# the engine: the method, the function, on Values and numbers
x = Value(0.5)
y = x.atan()
y.backward()
assert y.op == "atan" and y.primitive is ag.OPS["atan"] and y.data == math.atan(0.5)
assert x.grad == slope(0.5)
assert ag.atan(0.5).data == math.atan(0.5) and ag.atan(x).op == "atan"
assert "atan" in ag.__all__ and ag.atan.__doc__ == "arctan x, for a Value or a real number " \
    "(the op table's 'atan')."

# create_graph: the second derivative, -2x / (1 + x^2)^2, through the template on Values
second = ag.grad(ag.grad(lambda v: v.atan()))(0.5)
assert abs(second - (-2 * 0.5 / (1 + 0.25) ** 2)) < 1e-15, second

# jit: the compiled forward, gradient and backward, equal to the engine's
f = lambda v: v.atan() * v
g = jit(f)
assert g(0.5) == f(Value(0.5)).data
assert jit(ag.grad(f))(0.5) == ag.grad(f)(0.5)
w = Value(0.25)
h = jit(lambda v: (w * v).atan())
h.backward(2.0)
assert w.grad == 2.0 * slope(0.5), w.grad
assert "math_atan(" in h.source

# gradcheck, gradgradcheck
assert gradcheck(lambda a, b: ag.atan(a * b), [0.3, -1.2])
assert gradgradcheck(lambda a: ag.atan(a) * a, [0.7])

# explain: the row's formula text, with the engine's numbers
a = Value(0.5, label="a")
text = str(explain(ag.atan(a), a))
assert "∂(atan(a))/∂a = recip(1.0 + a * a) = 0.8" in text, text

# the strategies: drawn, printed and differentiated
e = find(expressions(ops=["atan", "mul"]), lambda e: "atan" in e.op_names,
         settings=settings(database=None, derandomize=True))
assert str(e) == "atan(x)", str(e)

@settings(max_examples=30, database=None, derandomize=True, deadline=None)
@given(expressions(ops=["atan", "add", "mul", "exp"], max_depth=3))
def test_gradients(e):
    assert gradcheck(e, [0.3] * e.arity)

test_gradients()
print("checked")
'''

USER = """\
from autograd import Value, atan
a: Value = Value(1.0).atan()
b: Value = atan(2.0)
c = Value(1.0).atan(2)
"""


def test_adding_an_op_takes_the_steps_of_the_guide(tmp_path):
    row, reference, commands = steps(GUIDE.read_text(encoding="utf-8"))

    repo = tmp_path / "repo"
    _copy(repo)
    _insert(repo / "autograd/core/ops.py", "# -- two arguments", row)  # step 1
    _insert(repo / "tests/autograd/core/test_ops.py", '"add": (lambda x, y', reference)  # step 2
    results = [_run(_command(line), repo) for line in commands]  # step 3
    for line, done in zip(commands, results, strict=True):
        assert done.returncode == 0, f"{line}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert "autograd/core/node.py" in results[0].stdout  # the stubs were written
    swept = _run([sys.executable, "-m", "pytest", "tests/autograd/core/test_ops.py", "-k", "atan",
                  "--co", "-q", "-p", "no:cacheprovider"], repo)
    assert swept.stdout.count("[atan") >= 10, swept.stdout  # the sweeps include the new op

    checked = _run([sys.executable, "-c", CHECKS], repo)
    assert checked.returncode == 0 and "checked" in checked.stdout, checked.stderr[-3000:]

    # What readers and type checkers see follows.
    assert "def atan(self) -> Value: ..." in (repo / "autograd/core/node.py").read_text()
    assert "def atan(x: Scalar) -> Value: ..." in (repo / "autograd/core/functions.py").read_text()
    assert "| `atan` | `x.atan()` | arctan x | `recip(1.0 + x * x)` |" in (
        repo / "docs/reference/ops.md").read_text()
    assert "::: autograd.atan" in (repo / "docs/reference/autograd.md").read_text()
    (tmp_path / "user.py").write_text(USER)
    typed = _run([sys.executable, "-m", "mypy", "--config-file", str(repo / "pyproject.toml"),
                  "--follow-imports=silent", "--cache-dir", str(tmp_path / "cache"),
                  str(tmp_path / "user.py")], repo)
    errors = [line for line in typed.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1 and "user.py:4:" in errors[0] and 'Too many arguments for "atan"' \
        in errors[0], typed.stdout + typed.stderr

    # Nothing reached the real package.
    assert "atan" not in autograd.OPS and not hasattr(autograd.Value, "atan")


def test_a_row_reading_a_missing_kernel_fails_at_import_naming_the_row(tmp_path):
    row, _, _ = steps(GUIDE.read_text(encoding="utf-8"))
    repo = tmp_path / "repo"
    _copy(repo)
    _insert(repo / "autograd/core/ops.py", "# -- two arguments", row.replace("math_atan", "atan_f"))
    done = _run([sys.executable, "-c", "import autograd"], repo)
    assert done.returncode == 1
    assert "NameError: op 'atan': its forward template reads atan_f, which " \
        "autograd.core.kernels.NAMESPACE does not define" in done.stderr, done.stderr[-2000:]
