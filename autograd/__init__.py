"""A scalar reverse-mode autograd engine.

``Value`` is a node of a dynamic computation graph; ``backward`` runs the chain rule over it.
The functional transforms (``grad``, ``value_and_grad``, ``jacobian``, ``hessian``, and the
forward-mode ``jvp`` and ``hvp``) differentiate Python functions to any order; ``gradcheck``
compares the engine with finite differences; ``autograd.viz`` draws graphs and ``autograd.testing`` holds hypothesis strategies.

>>> from autograd import Value
>>> x = Value(3.0, label="x")
>>> y = (x * x).tanh() + x.exp()
>>> y.backward()
>>> round(x.grad, 6)
20.085537
"""

import os as _os
import sys as _sys


def _check_complete() -> None:
    """Fail with the repair command when a module imported below is missing from this package.

    HIPS autograd (``pip install autograd``) has the same import name; installing or removing it
    over valuegrad can delete some of this package's files, and Python's own error ("No module
    named 'autograd.core.node'") would say neither why nor what to do.
    """
    if not __file__.endswith(".py"):  # no source to read (a sourceless install): nothing to check
        return
    here = _os.path.dirname(_os.path.abspath(__file__))
    with open(__file__, encoding="utf-8") as source:  # "from .core.node import": core/node
        lines = [line for line in source if line.startswith("from .")]
    paths = {line.split()[1][1:].replace(".", "/") for line in lines}
    missing = sorted(
        path + ".py"
        for path in paths
        if not _os.path.isfile(_os.path.join(here, path + ".py"))
        and not _os.path.isdir(_os.path.join(here, path))
    )
    if missing:
        raise ImportError(
            f"valuegrad's autograd package at {here} is incomplete (missing: "
            f"{', '.join(missing)}). Another package with the import name `autograd` (HIPS "
            "autograd, `pip install autograd`) was probably installed or removed over it. "
            "Repair: pip uninstall autograd && pip install --force-reinstall valuegrad"
        )


_check_complete()

from .check.gradcheck import GradcheckError, gradcheck, gradgradcheck
from .core.backprop import topological_order
from .core.custom import custom_op

# op-table:imports:start (autograd.core.functions' names: python3 -m tests.test_generated --write)
from .core.functions import abs as abs  # not in __all__ (a builtin)
from .core.functions import (
    cos,
    dot,
    exp,
    leaky_relu,
    log,
    logsumexp,
    matvec,
    mean,
    relu,
    sigmoid,
    sin,
    softmax,
    softplus,
    sqrt,
    tanh,
)
from .core.functions import sum as sum  # not in __all__ (a builtin)

# op-table:imports:end
from .core.modes import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .core.node import Value
from .core.ops import OPS, Op
from .explain import explain
from .jit import jit
from .transforms import grad, hessian, hvp, jacobian, jvp, value_and_grad

# Pickles written before the engine moved into autograd/core name its class and reducers by
# their old modules (autograd.node.Value, autograd.serial.blank, autograd.ops.builtin_op):
# those names still load, as the modules they became.
for _old, _new in (("node", "core.node"), ("ops", "core.ops"), ("serial", "core.serial")):
    _sys.modules.setdefault(f"{__name__}.{_old}", _sys.modules[f"{__name__}.{_new}"])
del _old, _new

__version__ = "0.1.0"
# Tells `nn` (and users) that this `autograd` is valuegrad's, not HIPS autograd of the same name.
__distribution__ = "valuegrad"

__all__ = [
    "OPS",
    "GradcheckError",
    "Op",
    "Value",
    "custom_op",
    "detect_anomaly",
    "enable_grad",
    "explain",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "hessian",
    "hvp",
    "is_grad_enabled",
    "jacobian",
    "jit",
    "jvp",
    "no_grad",
    "topological_order",
    "value_and_grad",
]
# The functions (a function per op of the table, matvec, softmax) but those named like a builtin
# (`sum`, `abs`): `from autograd import *` must not shadow the builtins (a micrograd-style
# `sum(terms, bias)` would break), so they are reached as `autograd.sum` and `autograd.abs`.
# op-table:all:start
__all__ += [
    "cos",
    "dot",
    "exp",
    "leaky_relu",
    "log",
    "logsumexp",
    "matvec",
    "mean",
    "relu",
    "sigmoid",
    "sin",
    "softmax",
    "softplus",
    "sqrt",
    "tanh",
]
# op-table:all:end
