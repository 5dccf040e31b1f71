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


def _check_complete() -> None:
    """Fail with the repair command when a module imported below is missing from this package.

    HIPS autograd (``pip install autograd``) has the same import name; installing or removing it
    over valuegrad can delete some of this package's files, and Python's own error ("No module
    named 'autograd.node'") would say neither why nor what to do.
    """
    if not __file__.endswith(".py"):  # no source to read (a sourceless install): nothing to check
        return
    here = _os.path.dirname(_os.path.abspath(__file__))
    with open(__file__, encoding="utf-8") as source:
        names = {line.split()[1][1:].split(".")[0] for line in source if line.startswith("from .")}
    missing = sorted(
        name + ".py"
        for name in names
        if not _os.path.isfile(_os.path.join(here, name + ".py"))
        and not _os.path.isdir(_os.path.join(here, name))
    )
    if missing:
        raise ImportError(
            f"valuegrad's autograd package at {here} is incomplete (missing: "
            f"{', '.join(missing)}). Another package with the import name `autograd` (HIPS "
            "autograd, `pip install autograd`) was probably installed or removed over it. "
            "Repair: pip uninstall autograd && pip install --force-reinstall valuegrad"
        )


_check_complete()

from .backprop import topological_order
from .custom import custom_op
from .explain import explain

# op-table:imports:start (autograd.functions' names: python3 -m tests.test_generated --write)
from .functions import abs as abs  # not in __all__ (a builtin)
from .functions import (
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
from .functions import sum as sum  # not in __all__ (a builtin)

# op-table:imports:end
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .jit import jit
from .modes import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .node import Value
from .ops import OPS, Op
from .transforms import grad, hessian, hvp, jacobian, jvp, value_and_grad

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
