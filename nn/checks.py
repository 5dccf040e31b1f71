"""Argument checks shared by ``nn``'s modules: one rule for "a finite real number", one way to
quote a bad value in an error message.

Every place that takes a number from a user (a hyperparameter, a state-dict entry, a loss
target, a training input) refuses the same things with the same words: a non-number (a bool
included, as ``autograd.Value`` refuses it), an int too large for a float, NaN and infinities.

>>> finite_float(3, "lr")
3.0
>>> finite_float(True, "lr")
Traceback (most recent call last):
  ...
TypeError: lr must be a real number, got bool: True
"""

from __future__ import annotations

import math
import reprlib
from typing import Any

from .arrays import is_number

__all__ = ["finite_float", "short_repr"]

_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = _REPR.maxlong = 100
_REPR.maxlevel = 2


def short_repr(value: Any) -> str:
    """``repr(value)`` cut to about 100 characters, for error messages (never raises)."""
    if isinstance(value, str) and len(value) > 100:
        return f"{value[:80]!r}... ({len(value)} characters)"
    if isinstance(value, (bytes, bytearray)) and len(value) > 100:
        return f"{bytes(value[:80])!r}... ({len(value)} bytes)"
    try:
        return _REPR.repr(value)
    except (ValueError, TypeError, AttributeError, RuntimeError):  # e.g. an int too long
        return f"<{type(value).__name__} object>"


def finite_float(x: Any, what: str, *, advice: str = "") -> float:
    """``x`` as a float when it is a finite real number (int, float, Fraction, NumPy scalar).

    Args:
        x: the value to check.
        what: names ``x`` in the error message, e.g. ``"SGD: lr"``.
        advice: appended to the message for NaN and infinities (what to do about them).

    Raises:
        TypeError: ``x`` is not a real number, or is a bool.
        ValueError: ``x`` is too large for a float, NaN or infinite.
    """
    if not is_number(x):
        raise TypeError(f"{what} must be a real number, got {type(x).__name__}: {short_repr(x)}")
    try:
        f = float(x)
    except OverflowError:
        raise ValueError(f"{what} is too large for a float: {short_repr(x)}") from None
    if not math.isfinite(f):
        raise ValueError(f"{what} is not finite ({f!r}){advice}")
    return f
