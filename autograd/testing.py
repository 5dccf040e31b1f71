"""Hypothesis strategies for property-based gradient tests: the public path of
:mod:`autograd.check.testing`, where they are defined. Importing it imports hypothesis."""

from .check.testing import Expression, expressions, expressions_with_inputs

__all__ = ["Expression", "expressions", "expressions_with_inputs"]
