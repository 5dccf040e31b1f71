"""Toy datasets: shapes, labels, geometry without noise, seeding, argument checks."""

import itertools
import math
import random
from collections import Counter

import pytest

from nn import datasets

ALL = [datasets.moons, datasets.circles, datasets.xor, datasets.spirals]


@pytest.mark.parametrize("make", ALL)
@pytest.mark.parametrize("n", [1, 7, 100])
def test_shapes_and_types(make, n):
    X, y = make(n=n, seed=3)
    assert len(X) == len(y) == n
    assert all(type(p) is tuple and len(p) == 2 for p in X)
    assert all(type(c) is float and math.isfinite(c) for p in X for c in p)
    assert all(type(t) is int for t in y)
    assert set(y) <= {0, 1}


@pytest.mark.parametrize("make", ALL)
def test_same_seed_same_data_and_global_random_untouched(make):
    state = random.getstate()
    a = make(n=50, seed=11)
    b = make(n=50, seed=11)
    c = make(n=50, seed=12)
    assert a == b
    assert a != c
    assert random.getstate() == state


@pytest.mark.parametrize("make", ALL)
def test_classes_are_balanced_and_shuffled(make):
    _, y = make(n=101, seed=0)
    counts = Counter(y)
    assert abs(counts[0] - counts[1]) <= 1
    assert y[:50] != sorted(y[:50])  # not all of one class first


def test_moons_without_noise_lie_on_the_two_arcs():
    X, y = datasets.moons(n=40, noise=0.0, seed=0)
    for (a, b), t in zip(X, y, strict=True):
        if t == 0:  # upper arc: unit circle around the origin, y >= 0
            assert math.hypot(a, b) == pytest.approx(1.0, abs=1e-12) and b >= -1e-12
        else:  # lower arc: unit circle around (1, 0.5), y <= 0.5
            assert math.hypot(a - 1.0, b - 0.5) == pytest.approx(1.0, abs=1e-12)
            assert b <= 0.5 + 1e-12
    xs0 = sorted(a for (a, _), t in zip(X, y, strict=True) if t == 0)
    assert xs0[0] == pytest.approx(-1.0) and xs0[-1] == pytest.approx(1.0)  # t from 0 to pi


def test_moons_noise_has_the_requested_spread():
    # distance of the upper arc's points from the unit circle has std about ``noise``
    X, y = datasets.moons(n=4000, noise=0.1, seed=1)
    dist = [math.hypot(a, b) - 1.0 for (a, b), t in zip(X, y, strict=True) if t == 0]
    std = math.sqrt(sum(r * r for r in dist) / len(dist))
    assert std == pytest.approx(0.1, rel=0.1)


def test_circles_without_noise():
    X, y = datasets.circles(n=30, noise=0.0, factor=0.3, seed=0)
    for (a, b), t in zip(X, y, strict=True):
        assert math.hypot(a, b) == pytest.approx(1.0 if t == 0 else 0.3, abs=1e-12)
    angles = sorted(math.atan2(b, a) for (a, b), t in zip(X, y, strict=True) if t == 0)
    gaps = [j - i for i, j in itertools.pairwise(angles)]
    assert gaps == pytest.approx([2 * math.pi / 15] * 14)


def test_xor_without_noise_labels_by_quadrant():
    X, y = datasets.xor(n=200, noise=0.0, seed=0)
    for (a, b), t in zip(X, y, strict=True):
        assert 0.1 <= abs(a) <= 1.0 and 0.1 <= abs(b) <= 1.0
        assert t == int(a * b < 0)
    assert len({(a > 0, b > 0) for a, b in X}) == 4


def test_spirals_classes_and_radii():
    X, y = datasets.spirals(n=100, classes=3, noise=0.0, seed=0)
    assert sorted(Counter(y).values()) == [33, 33, 34]
    assert set(y) == {0, 1, 2}
    for (a, b), t in zip(X, y, strict=True):
        r = math.hypot(a, b)
        assert 0.0 < r <= 1.0 + 1e-12
        # without noise the angle is 2 pi t / 3 + 4 r (mod 2 pi)
        expected = 2 * math.pi * t / 3 + 4.0 * r
        diff = (math.atan2(b, a) - expected) % (2 * math.pi)
        assert min(diff, 2 * math.pi - diff) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: datasets.moons(n=0), "n must be"),
        (lambda: datasets.moons(n=2.5), "n must be"),
        (lambda: datasets.circles(noise=-0.1), "noise"),
        (lambda: datasets.xor(noise=math.inf), "noise"),
        (lambda: datasets.circles(factor=1.0), "factor"),
        (lambda: datasets.circles(factor=0), "factor"),
        (lambda: datasets.spirals(classes=1), "classes"),
    ],
)
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_seed_must_be_an_int():
    with pytest.raises(TypeError, match="seed"):
        datasets.moons(seed="0")
