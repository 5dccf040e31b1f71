"""Array inputs without NumPy: array-likes become Python lists and numbers by duck typing.

``nn`` accepts NumPy arrays (and PyTorch tensors, pandas series, ...) wherever it takes a
sequence of numbers, yet never imports NumPy. An object is read as a sequence when it is a
list or tuple, offers ``tolist()`` (NumPy arrays, tensors) or ``__array__()`` (whose result
offers ``tolist()``), or is a ``collections.abc.Sequence`` other than text. ``tolist`` turns
every NumPy scalar into the Python ``int`` or ``float`` of the same value (float32 widens to
double exactly), so nothing downstream needs to know arrays exist.

A number is a ``numbers.Real`` (NumPy's scalar types are registered there) that is not a
bool. Booleans are refused, as ``autograd.Value`` refuses them and as PyTorch's
classification losses refuse boolean targets: convert them with ``astype(int)`` first.

>>> as_sequence((1, 2.5))
(1, 2.5)
>>> as_sequence(range(3))
[0, 1, 2]
>>> as_sequence("ab") is None, as_sequence(4.0) is None
(True, True)
>>> is_number(3), is_number(True)
(True, False)
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["as_sequence", "is_integer", "is_number"]

_TEXT = (str, bytes, bytearray, memoryview)


def is_number(x: Any) -> bool:
    """True for a real number of any type (int, float, Fraction, NumPy scalars), not a bool."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def is_integer(x: Any) -> bool:
    """True for an integral number (int, NumPy integer scalars), not a bool."""
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _listed(x: Any) -> list[Any] | tuple[Any, ...] | None:
    """``x.tolist()`` when that gives a list (a 0-d array gives a scalar: not a sequence)."""
    out = x.tolist()
    return out if isinstance(out, (list, tuple)) else None


def as_sequence(x: Any) -> list[Any] | tuple[Any, ...] | None:
    """``x`` as a list or tuple of its items, or ``None`` when ``x`` is not a sequence.

    Lists and tuples are returned as they are (no copy); arrays through ``tolist()``, so
    nested arrays become nested lists of Python numbers. Strings, bytes, mappings, numbers
    and ``Value``s are not sequences.
    """
    if isinstance(x, (list, tuple)):
        return x
    if isinstance(x, (*_TEXT, Mapping, numbers.Number)):
        return None
    if callable(getattr(x, "tolist", None)):
        return _listed(x)
    to_array = getattr(x, "__array__", None)
    if callable(to_array):
        array = to_array()
        return _listed(array) if callable(getattr(array, "tolist", None)) else None
    if isinstance(x, Sequence):
        return list(x)
    return None
