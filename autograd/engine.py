"""Compatibility imports: the engine now lives in :mod:`autograd.modes` (recording modes),
:mod:`autograd.node` (the Value node and its builders), :mod:`autograd.backprop` (reverse
mode) and :mod:`autograd.custom` (custom ops). Import from ``autograd`` instead; this module
only keeps old ``from autograd.engine import ...`` lines working.
"""

from __future__ import annotations

from .backprop import arguments, topological_order
from .custom import custom_op
from .modes import TRACER, detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .node import Value

__all__ = [
    "TRACER",
    "Value",
    "arguments",
    "custom_op",
    "detect_anomaly",
    "enable_grad",
    "is_grad_enabled",
    "no_grad",
    "topological_order",
]
