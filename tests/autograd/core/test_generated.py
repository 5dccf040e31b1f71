"""Generated code is readable while debugging (autograd/core/generated.py).

Every source the package generates (the op table's rows, the fast paths, the n-ary functions,
``jit``'s compiled functions) is compiled under a stable file name in the package's folder and
entered in ``linecache``: tracebacks, ``pdb`` and ``inspect`` show its lines, and the helpers
it calls are named as they are defined.
"""

from __future__ import annotations

import gc
import inspect
import linecache
import os
import subprocess
import sys
import traceback
import types
from pathlib import Path

import pytest

import autograd
from autograd import OPS, Value, custom_op, jit
from autograd.core import functions as functions_module
from autograd.core import node as node_module

PACKAGE = os.path.dirname(os.path.abspath(autograd.__file__))


def _traceback(call):
    with pytest.raises(Exception) as info:
        call()
    return "".join(traceback.format_exception(info.value))


def test_a_domain_error_shows_the_generated_line_in_its_traceback():
    text = _traceback(lambda: Value(-1.0).log())
    where = os.path.join(PACKAGE, "<generated: Value.log>")
    assert f'File "{where}", line 7, in log\n    raise domain_error(OP, (x,), exc) from None\n' \
        in text, text


def test_inspect_shows_the_source_of_generated_methods_functions_and_rows():
    assert inspect.getsource(Value.log).startswith(
        "def log(self):\n    \"ln x (the op table's 'log').\"\n    x = self.data\n")
    assert "data = (x + y)" in inspect.getsource(Value.__add__)
    assert inspect.getsource(Value.__init__).startswith("def __init__(self, data, *, label=''):")
    assert inspect.getsource(autograd.exp).startswith("def exp(x):")
    assert "data = sum_f(datas)" in inspect.getsource(autograd.sum)
    # a row of the op table: its templates as the functions the engine calls
    assert inspect.getsource(OPS["log"].forward) == "def log_forward(x):\n    return math_log(x)\n"
    assert inspect.getsource(OPS["div"].partial.__self__._partial_fns[1]) == (
        "def div_partial_1(x, y, out):\n    return -out * recip(y)\n")
    assert Value.log.__code__.co_filename == os.path.join(PACKAGE, "<generated: Value.log>")
    assert OPS["log"].forward.__code__.co_filename == os.path.join(PACKAGE, "<op table: log>")


def test_checking_the_cache_keeps_the_generated_sources():
    linecache.checkcache()
    assert "math_exp(x)" in inspect.getsource(Value.exp)
    assert "math_exp(" in "".join(linecache.getlines(Value.exp.__code__.co_filename))


def test_pdb_lists_generated_code(tmp_path):
    script = tmp_path / "user.py"
    script.write_text("from autograd import Value\nx = Value(0.5)\nx.tanh()\n")
    root = Path(PACKAGE).parent
    done = subprocess.run(
        [sys.executable, "-m", "pdb", str(script)], input="next\nnext\nstep\nlist\nquit\n",
        capture_output=True, text=True, timeout=120, check=False,
        env=dict(os.environ, PYTHONPATH=str(root)), cwd=tmp_path,
    )
    listed = done.stdout
    assert "<generated: Value.tanh>(1)tanh()" in listed, listed + done.stderr
    assert "  5  \t        data = (math_tanh(x))" in listed, listed


def _functions_of(namespace):
    return {name: value for name, value in namespace.items()
            if isinstance(value, types.FunctionType) and not name.startswith("__")}


def test_the_helpers_generated_code_calls_are_named_as_defined():
    """A name read in generated text is the name of the function's definition (grep leads
    there). The namespace's only other callables are the template helpers (their own names
    too, math's as ``math_<name>``), the bound methods ``mode_get`` and ``tracer_get``, and
    the generated functions themselves."""
    for namespace in (node_module._NS, functions_module._HELPERS):
        for name, function in _functions_of(namespace).items():
            assert function.__name__ == name, (name, function)
    assert node_module._NS["mode_get"].__self__ is autograd.core.modes.MODE
    assert node_module._NS["tracer_get"].__self__ is autograd.core.modes.TRACER


def test_an_error_inside_a_compiled_function_shows_its_generated_line():
    def risky(x):
        if x > 10.0:
            raise RuntimeError("too big")
        return 2.0 * x

    boom = custom_op(risky, lambda x: 2.0, name="boom")

    def model(x):
        return boom(x * 3.0) + 1.0

    g = jit(model)
    assert g(1.0) == 7.0
    text = _traceback(lambda: g(5.0))
    assert "autograd/<jit " in text and ".model forward>\", line 4, in forward\n" in text, text
    assert "    t2 = _c0_f(t1)  # custom op\n" in text, text


def _jit_files():
    return {name for name in linecache.cache if os.path.basename(name).startswith("<jit ")}


def test_compiled_sources_are_kept_while_their_function_lives():
    gc.collect()  # (the compiled functions of earlier tests)
    before = _jit_files()
    w = Value(0.5)
    compiled = [jit(lambda x, k=k: (w * x).tanh() * k) for k in range(5)]
    for g in compiled:
        g.backward(1.0)
    added = _jit_files() - before
    assert len(added) == 5
    for name in added:  # a lazy entry: the text is read (split into lines) on demand
        lines = linecache.getlines(name)
        assert lines[0] == "def backward(A, D):\n" and "math_tanh(" in "".join(lines)
    del compiled, g
    gc.collect()
    assert _jit_files() == before
