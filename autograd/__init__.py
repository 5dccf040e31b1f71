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

from .backprop import topological_order
from .custom import custom_op
from .functions import (
    abs,
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
    sum,
    tanh,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .modes import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .node import Value
from .ops import OPS, Op
from .transforms import grad, hessian, jacobian, value_and_grad

__version__ = "0.1.0"

__all__ = [
    "OPS",
    "GradcheckError",
    "Op",
    "Value",
    "abs",
    "cos",
    "custom_op",
    "detect_anomaly",
    "dot",
    "enable_grad",
    "exp",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "hessian",
    "is_grad_enabled",
    "jacobian",
    "leaky_relu",
    "log",
    "logsumexp",
    "matvec",
    "mean",
    "no_grad",
    "relu",
    "sigmoid",
    "sin",
    "softmax",
    "softplus",
    "sqrt",
    "sum",
    "tanh",
    "topological_order",
    "value_and_grad",
]
