"""Argument checks shared by ``nn``'s modules: one rule for "a finite real number", one way to
quote a bad value in an error message, and the checks every layer constructor and call makes
(sizes, seeds, input lists).

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
import random
import reprlib
from collections.abc import Sequence
from typing import Any

from .arrays import as_sequence, is_number

__all__ = ["Seed", "finite_float", "input_list", "positive_int", "seeded_random", "short_repr"]

Seed = int | random.Random | None
"""A ``seed`` argument: an int, a ``random.Random`` (used and advanced) or None."""

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


def positive_int(n: Any, what: str) -> int:
    """``n`` when it is an int >= 1 (a layer size); ``what`` names it in the error.

    Raises:
        TypeError: ``n`` is not an int (a bool included).
        ValueError: ``n`` < 1.
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{what} must be a positive int, got {type(n).__name__}: {short_repr(n)}")
    if n < 1:
        raise ValueError(f"{what} must be a positive int, got {n}")
    return n


def seeded_random(seed: Any, who: str) -> random.Random:
    """A generator from ``seed``: a Random is used as is (and advanced), an int seeds a new one,
    None draws a seed from the global ``random`` state (so ``random.seed`` makes it repeatable).

    Raises:
        TypeError: ``seed`` is none of these (a bool included); ``who`` starts the message.
    """
    if isinstance(seed, random.Random):
        return seed
    if seed is None:
        return random.Random(random.getrandbits(64))
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"{who}: seed must be an int, a random.Random or None, "
                        f"got {type(seed).__name__}")
    return random.Random(seed)


def input_list(x: Any, nin: int, who: str) -> Sequence[Any]:
    """``x`` as a list or tuple of ``nin`` inputs; arrays are read through ``nn.arrays``.

    Raises:
        TypeError: ``x`` is not a sequence; ValueError: it does not hold ``nin`` items.
    """
    seq = x if isinstance(x, (list, tuple)) else as_sequence(x)
    if seq is None:
        raise TypeError(f"{who} expects a list of {nin} numbers or Values (or an array), "
                        f"got {type(x).__name__}")
    if len(seq) != nin:
        raise ValueError(f"{who} expects {nin} inputs, got {len(seq)}")
    return seq
