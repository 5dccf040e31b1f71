"""nn.checks: the one rule for "a finite real number" that every nn module applies."""

import math
from fractions import Fraction

import numpy as np
import pytest

from autograd import Value
from nn import MLP, SGD, StateError, fit, losses
from nn.checks import finite_float, short_repr


@pytest.mark.parametrize(("x", "expected"), [
    (3, 3.0), (-2.5, -2.5), (Fraction(1, 4), 0.25), (np.float32(0.5), 0.5), (np.int64(-7), -7.0),
])
def test_real_numbers_become_floats(x, expected):
    out = finite_float(x, "x")
    assert type(out) is float and out == expected


@pytest.mark.parametrize(("x", "error", "match"), [
    (True, TypeError, r"^lr must be a real number, got bool: True$"),
    ("0.1", TypeError, r"^lr must be a real number, got str: '0\.1'$"),
    (1 + 2j, TypeError, "got complex"),
    (None, TypeError, "got NoneType"),
    (10**400, ValueError, "^lr is too large for a float: "),
    (math.nan, ValueError, r"^lr is not finite \(nan\)$"),
    (-math.inf, ValueError, r"^lr is not finite \(-inf\)$"),
])
def test_everything_else_is_refused_naming_the_argument(x, error, match):
    with pytest.raises(error, match=match):
        finite_float(x, "lr")


def test_advice_is_added_to_the_non_finite_message_only():
    with pytest.raises(ValueError, match=r"is not finite \(inf\); drop it$"):
        finite_float(math.inf, "x", advice="; drop it")
    with pytest.raises(TypeError) as info:
        finite_float("a", "x", advice="; drop it")
    assert "drop it" not in str(info.value)


def test_short_repr_cuts_long_values_and_never_raises():
    assert short_repr("ab") == "'ab'"
    long_text = short_repr("x" * 10_000)
    assert len(long_text) < 120 and "10000 characters" in long_text
    assert "5000 bytes" in short_repr(b"y" * 5000)
    assert len(short_repr(10**10_000)) < 120  # past int's str() digit limit: no ValueError
    assert len(short_repr(list(range(10_000)))) < 120


def test_the_modules_refuse_the_same_values_with_the_same_words():
    """A bool where a number belongs: one wording in optimizers, losses, state dicts and fit."""
    model = MLP(1, [1], seed=0)
    with pytest.raises(TypeError, match="lr must be a real number, got bool"):
        SGD(model.parameters(), lr=True)
    with pytest.raises(TypeError, match="target 0 must be a real number, got bool"):
        losses.mse([Value(1.0)], [True])
    state = {**model.state_dict(), "layers.0.neurons.0.b": True}
    with pytest.raises(StateError, match="'layers.0.neurons.0.b' must be a real number, got bool"):
        model.load_state_dict(state)
    with pytest.raises(TypeError, match=r"X\[0\]\[0\] \(row 0, column 0\) must be a real number, "
                                        "got bool"):
        fit(model, [[True]], [1.0], loss=losses.mse, optimizer=SGD(model.parameters(), lr=0.1),
            epochs=1, progress=False)
