"""A scalar reverse-mode autograd engine.

``Value`` is a node of a dynamic computation graph; ``backward`` runs the chain rule over it.
The functional transforms (``grad``, ``value_and_grad``, ``jacobian``, ``hessian``) differentiate
Python functions to any order; ``gradcheck`` compares the engine with finite differences;
``autograd.viz`` draws graphs and ``autograd.testing`` holds hypothesis strategies.

>>> from autograd import Value
>>> x = Value(3.0, label="x")
>>> y = (x * x).tanh() + x.exp()
>>> y.backward()
>>> round(x.grad, 6)
20.085537
"""

from .engine import Value, custom_op, detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .functions import (
    abs,
    cos,
    dot,
    exp,
    leaky_relu,
    log,
    logsumexp,
    mean,
    relu,
    sigmoid,
    sin,
    softmax,
    softplus,
    sqrt,
    sum,
    tanh,
)
from .ops import OPS, Op
from .transforms import grad, hessian, jacobian, value_and_grad

__version__ = "0.1.0"

__all__ = [
    "Value", "no_grad", "enable_grad", "is_grad_enabled", "detect_anomaly", "custom_op",
    "grad", "value_and_grad", "jacobian", "hessian",
    "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "leaky_relu", "softplus", "sin", "cos",
    "abs", "sum", "mean", "dot", "logsumexp", "softmax",
    "Op", "OPS",
]
