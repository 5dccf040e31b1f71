"""Datasets: the toy sets' shapes, labels, geometry without noise, seeding and argument checks;
the shipped digits against their file, their split, and a damaged installation."""

import csv
import gzip
import itertools
import math
import random
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

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


# --- digits: the UCI handwritten digits shipped in the package -----------------------------

DIGITS_FILE = Path(datasets.__file__).parent / "data" / "digits.csv.gz"
ROOT = Path(__file__).resolve().parents[2]


def _file_rows():
    """The shipped file read with the csv module alone: (64 ink counts, label) per line."""
    with gzip.open(DIGITS_FILE, "rt", newline="") as f:
        return [([int(v) for v in row[:64]], int(row[64])) for row in csv.reader(f)]


def test_digits_shape_range_and_types():
    X, y = datasets.digits()
    assert len(X) == len(y) == 1797
    assert all(type(row) is tuple and len(row) == 64 for row in X)
    assert all(type(v) is float and 0.0 <= v <= 1.0 for row in X for v in row)
    assert all((16 * v).is_integer() for row in X for v in row)  # ink counts 0..16, over 16
    assert min(min(row) for row in X) == 0.0 and max(max(row) for row in X) == 1.0
    assert all(type(t) is int for t in y) and set(y) == set(range(10))


def test_digits_are_the_files_counts_over_16_in_the_files_order():
    rows = _file_rows()
    assert len(rows) == 1797 and all(len(counts) == 64 for counts, _ in rows)
    X, y = datasets.digits()
    assert y == [label for _, label in rows]
    assert X == [tuple(c / 16 for c in counts) for counts, _ in rows]


def test_digits_label_counts_are_ucis_test_set():
    _, y = datasets.digits()
    counts = Counter(y)
    assert counts == Counter(label for _, label in _file_rows())
    # UCI's description of optdigits.tes (the test set): 178, 182, 177, 183, 181 images of 0-4
    assert [counts[d] for d in range(5)] == [178, 182, 177, 183, 181]
    assert sum(counts.values()) == 1797


def test_digits_first_and_last_image_by_hand():
    X, y = datasets.digits()
    # the file's first line: a 0; its top two rows of ink counts are 0 0 5 13 9 1 0 0 and
    # 0 0 13 15 10 15 5 0
    assert y[0] == 0
    assert X[0][:16] == (0.0, 0.0, 0.3125, 0.8125, 0.5625, 0.0625, 0.0, 0.0,
                         0.0, 0.0, 0.8125, 0.9375, 0.625, 0.9375, 0.3125, 0.0)
    # the last line: an 8, whose bottom row is 0 1 8 12 14 12 1 0
    assert y[-1] == 8
    assert X[-1][56:] == (0.0, 0.0625, 0.5, 0.75, 0.875, 0.75, 0.0625, 0.0)


def test_digits_split_holds_out_every_fifth_image_of_each_digit():
    X, y = datasets.digits()
    X_train, y_train = datasets.digits("train")
    X_test, y_test = datasets.digits(split="test")
    # floor(count / 5) of each digit: 35 + 36 + 35 + 36 + 36 + 36 + 36 + 35 + 34 + 36
    assert len(X_test) == len(y_test) == 355 and len(X_train) == len(y_train) == 1442
    counts = Counter(y)
    assert Counter(y_test) == Counter({d: counts[d] // 5 for d in range(10)})
    test_rows, seen = [], Counter()
    for i, label in enumerate(y):
        seen[label] += 1
        if seen[label] % 5 == 0:
            test_rows.append(i)
    assert X_test == [X[i] for i in test_rows] and y_test == [y[i] for i in test_rows]
    train_rows = sorted(set(range(len(y))) - set(test_rows))
    assert X_train == [X[i] for i in train_rows] and y_train == [y[i] for i in train_rows]


def test_digits_returns_fresh_lists():
    X, y = datasets.digits()
    X.clear()
    y[0] = 7
    X2, y2 = datasets.digits()
    assert len(X2) == 1797 and y2[0] == 0


@pytest.mark.parametrize("split", ["validation", "Train", "", None, 0, ("test",)])
def test_digits_bad_split(split):
    with pytest.raises(ValueError, match=r"digits: split must be one of 'all', 'train', 'test'"):
        datasets.digits(split)


def _digits_in_a_copy(tmp_path, damage=None):
    """``digits()`` in a fresh interpreter on a copy of the package (its data file damaged by
    ``damage``), with every network call refused; the finished process."""
    site = tmp_path / "site"
    for package in ("autograd", "nn"):
        shutil.copytree(ROOT / package, site / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    if damage is not None:
        damage(site / "nn" / "data" / "digits.csv.gz")
    code = (
        "import socket, sys\n"
        f"sys.path[:0] = [{str(site)!r}]\n"
        "def refuse(*args, **kwargs):\n"
        "    raise AssertionError('digits() used the network')\n"
        "socket.socket = socket.create_connection = socket.getaddrinfo = refuse\n"
        "from nn.datasets import digits\n"
        "X, y = digits()\n"
        "print(len(X), sum(map(sum, X)), sum(y))\n"
    )
    return subprocess.run([sys.executable, "-I", "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=False)


def test_digits_reads_the_package_and_never_the_network(tmp_path):
    done = _digits_in_a_copy(tmp_path)
    assert done.returncode == 0, done.stderr
    rows = _file_rows()
    ink = sum(sum(counts) for counts, _ in rows) / 16
    assert done.stdout.split() == ["1797", repr(ink), str(sum(label for _, label in rows))]


def _flip_one_pixel(path):
    lines = gzip.decompress(path.read_bytes()).split(b"\n")
    lines[100] = b"1" + lines[100][1:]  # its first pixel is 0 in the shipped file
    path.write_bytes(gzip.compress(b"\n".join(lines)))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_flip_one_pixel, "is not the file valuegrad ships (its checksum differs)"),
        (lambda path: path.write_bytes(b"not gzip"), "cannot read nn/data/digits.csv.gz"),
        (lambda path: path.unlink(), "cannot read nn/data/digits.csv.gz (FileNotFoundError"),
    ],
)
def test_digits_refuses_a_damaged_installation(tmp_path, damage, message):
    assert _file_rows()[100][0][0] == 0
    done = _digits_in_a_copy(tmp_path, damage)
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("RuntimeError: digits: ") and message in last
    assert "reinstall valuegrad" in last
