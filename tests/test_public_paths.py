"""The public import paths hold wherever the modules behind them live (issue 21 part 3 moved
the engine into autograd/core, jit/ and check/): the names of ``autograd``, ``autograd.testing``,
``autograd.viz``, and ``autograd.jit`` as the function and as the path of its names."""

import importlib
import subprocess
import sys
from pathlib import Path

import autograd

ROOT = Path(__file__).resolve().parents[1]


def test_every_name_of_autograd_is_an_attribute():
    for name in [*autograd.__all__, "sum", "abs"]:
        assert getattr(autograd, name) is not None, name


def test_autograd_jit_is_the_function_and_the_path_of_its_names():
    import autograd.jit  # the package: the attribute stays the function
    from autograd.jit import CostModel, compile_cost

    assert callable(autograd.jit) and not isinstance(autograd.jit, type(autograd))
    assert autograd.jit(lambda x: x * 3.0)(2.0) == 6.0
    assert compile_cost is importlib.import_module("autograd.jit.compiled").compile_cost
    assert isinstance(CostModel(learn=False).estimate(10, 20), float)


def test_autograd_testing_is_the_strategies_of_autograd_check_testing():
    import autograd.testing
    from autograd.check import testing

    assert autograd.testing.__all__ == testing.__all__
    for name in testing.__all__:
        assert getattr(autograd.testing, name) is getattr(testing, name)


def test_autograd_viz_names_and_no_graphviz_without_it():
    code = (
        "import sys, autograd\n"
        "assert 'graphviz' not in sys.modules and 'hypothesis' not in sys.modules\n"
        "import autograd.viz\n"
        "assert all(hasattr(autograd.viz, n) for n in autograd.viz.__all__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
