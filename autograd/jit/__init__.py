"""The graph compiler: trace a function once (:mod:`~autograd.jit.trace`), write it out as
straight-line Python (:mod:`~autograd.jit.codegen`), and run that (:mod:`~autograd.jit.compiled`),
checking what the trace baked in (:mod:`~autograd.jit.baked`).

``autograd.jit`` is the function ``jit`` (``from autograd import jit``); this package's names
are imported from it by path: ``from autograd.jit import CostModel, compile_cost``. (An
attribute chain through ``autograd.jit`` reaches the function, not this package.)
"""

from .compiled import (
    MAX_VARIANTS,
    Compiled,
    ConcretizationError,
    CostModel,
    JitCheckError,
    StaleTraceError,
    compile_cost,
    jit,
)

__all__ = [
    "MAX_VARIANTS",
    "Compiled",
    "ConcretizationError",
    "CostModel",
    "JitCheckError",
    "StaleTraceError",
    "compile_cost",
    "jit",
]
