"""User code type-checks against the package: mypy reports misuse and passes correct code.

mypy runs with the project's configuration (``[tool.mypy]``, strict) on small user modules in a
temporary directory, finding ``autograd`` and ``nn`` in this checkout. ``--follow-imports=silent``
reports errors in the user modules only: the package's own typing is a separate CI step. That
the installed wheel carries the annotations (``py.typed``) is checked in ``test_packaging.py``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CORRECT = """\
import autograd as ag
from autograd import Value, grad, no_grad
from nn import MLP, SGD

x = Value(1.0, label="x")
y = x + 2
z = 2 * x - x / 3.0 + x**2 + 2**x
r = x.relu().tanh().exp()
s = ag.sum([x, y, 1.0])
slope = grad(lambda v: v * v)(1.0)
as_float: float = float(z)
with no_grad():
    w = x * 3
z.backward()
model = MLP(2, [4, 1], seed=0)
opt = SGD(model.parameters(), lr=0.1)
opt.step()
reveal_type(y)
reveal_type(r)
reveal_type(s)
reveal_type(model.parameters())
"""

# Each misuse on its own line, with what mypy must say about that line.
MISUSES = {
    'plus_str = Value(1.0) + "x"': 'Unsupported operand types for + ("Value" and "str")',
    'str_times = "x" * Value(1.0)': 'Unsupported operand types for * ("str" and "Value")',
    "from_none = Value(None)": 'Argument 1 to "Value" has incompatible type "None"',
    "relu_arg = Value(1.0).relu(2)": 'Too many arguments for "relu" of "Value"',
    "as_str: str = Value(1.0).data": 'expression has type "float", variable has type "str"',
}


def _mypy(source: str, tmp_path: Path) -> list[str]:
    """mypy's output lines for ``source`` saved as a user's module."""
    (tmp_path / "user.py").write_text(source)
    env = dict(os.environ, MYPYPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
         "--follow-imports=silent", "--cache-dir", str(tmp_path / "cache"), "user.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr  # 2 would be a mypy crash
    return done.stdout.splitlines()


def test_correct_user_code_is_clean_and_precisely_typed(tmp_path: Path) -> None:
    lines = _mypy(CORRECT, tmp_path)
    assert not [line for line in lines if ": error:" in line], "\n".join(lines)
    revealed = [line.split("Revealed type is ")[1] for line in lines if "Revealed type" in line]
    # Not Any: the results are typed as Values, so the clean run above means something.
    value = r'"autograd\.[\w.]*Value"'
    assert len(revealed) == 4 and all(re.fullmatch(value, t) for t in revealed[:3]), revealed
    assert re.fullmatch(r'"builtins\.list\[autograd\.[\w.]*Value\]"|"list\[autograd\.[\w.]*Value\]"',
                        revealed[3]), revealed


def test_misuse_in_user_code_is_reported(tmp_path: Path) -> None:
    source = "from autograd import Value\n\n" + "\n".join(MISUSES) + "\n"
    errors = [line for line in _mypy(source, tmp_path) if ": error:" in line]
    for number, (code, message) in enumerate(MISUSES.items(), start=3):
        on_line = [error for error in errors if error.startswith(f"user.py:{number}:")]
        assert len(on_line) == 1 and message in on_line[0], (code, errors)
    assert len(errors) == len(MISUSES), errors
