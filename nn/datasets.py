"""Classification datasets: toy 2-D sets generated in code, and real handwritten digits.
Nothing is ever downloaded.

Each function returns ``(X, y)``: ``X`` a list of float tuples, ``y`` a list of int labels.
The toy sets (``moons``, ``circles``, ``xor``, ``spirals``) give ``(x0, x1)`` points drawn with
``random.Random(seed)`` only, so the same arguments give the same data on every machine and
Python version, and the global ``random`` state is untouched; their samples are shuffled, so a
prefix of the data is a fair mini-batch. ``digits`` reads 1,797 8x8 images of handwritten digits
from a file shipped inside the package (``nn/data/digits.csv.gz``, with its licence beside it).

>>> X, y = moons(n=4, noise=0.0, seed=0)
>>> len(X), sorted(y)
(4, [0, 0, 1, 1])
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import importlib.resources
import math
import random
import zlib

__all__ = ["circles", "digits", "moons", "spirals", "xor"]

Data = tuple[list[tuple[float, float]], list[int]]
"""A toy set: 2-D points and their labels."""

Images = tuple[list[tuple[float, ...]], list[int]]
"""Images, each a flat tuple of pixels in [0, 1], and their labels."""


def _check(n: int, noise: float, seed: int, who: str) -> None:
    """Refuses a sample count below 1, a negative or non-finite noise, and a non-int seed."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{who}: n must be an int >= 1, got {n!r}")
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not (
        math.isfinite(noise) and noise >= 0
    ):
        raise ValueError(f"{who}: noise must be a finite number >= 0, got {noise!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"{who}: seed must be an int, got {type(seed).__name__}")


def _shuffled(points: list[tuple[float, float]], labels: list[int], rng: random.Random) -> Data:
    """Points and labels in one random order, so that any prefix mixes the classes."""
    order = list(range(len(points)))
    rng.shuffle(order)
    return [points[i] for i in order], [labels[i] for i in order]


def _spaced(k: int, stop: float, *, endpoint: bool = True) -> list[float]:
    """``k`` evenly spaced numbers from 0 to ``stop`` (like numpy's linspace)."""
    if k == 1:
        return [0.0]
    steps = k - 1 if endpoint else k
    return [stop * i / steps for i in range(k)]


def moons(n: int = 100, noise: float = 0.1, seed: int = 0) -> Data:
    """Two interleaving half circles (as scikit-learn's ``make_moons``).

    Class 0 is the upper arc ``(cos t, sin t)``, class 1 the lower arc
    ``(1 - cos t, 0.5 - sin t)`` for t in [0, pi]; Gaussian noise of standard deviation
    ``noise`` is added to both coordinates. Class 0 gets ``n // 2`` points.
    """
    _check(n, noise, seed, "moons")
    rng = random.Random(seed)
    gauss = rng.gauss
    n0 = n // 2
    n1 = n - n0
    points = [(math.cos(t), math.sin(t)) for t in _spaced(n0, math.pi)]
    points += [(1.0 - math.cos(t), 0.5 - math.sin(t)) for t in _spaced(n1, math.pi)]
    points = [(x + gauss(0.0, noise), y + gauss(0.0, noise)) for x, y in points]
    return _shuffled(points, [0] * n0 + [1] * n1, rng)


def circles(n: int = 100, noise: float = 0.05, factor: float = 0.5, seed: int = 0) -> Data:
    """A circle of radius ``factor`` (class 1) inside a unit circle (class 0).

    As scikit-learn's ``make_circles``: points evenly spaced in angle on each circle, plus
    Gaussian noise of standard deviation ``noise``. ``factor`` must be in (0, 1).
    """
    _check(n, noise, seed, "circles")
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 0 < factor < 1:
        raise ValueError(f"circles: factor must be in (0, 1), got {factor!r}")
    rng = random.Random(seed)
    gauss = rng.gauss
    n0 = n // 2
    n1 = n - n0
    points = [(math.cos(t), math.sin(t)) for t in _spaced(n0, 2 * math.pi, endpoint=False)]
    points += [
        (factor * math.cos(t), factor * math.sin(t))
        for t in _spaced(n1, 2 * math.pi, endpoint=False)
    ]
    points = [(x + gauss(0.0, noise), y + gauss(0.0, noise)) for x, y in points]
    return _shuffled(points, [0] * n0 + [1] * n1, rng)


def xor(n: int = 100, noise: float = 0.1, seed: int = 0) -> Data:
    """Points in the four quadrants; label 1 where exactly one coordinate is negative.

    Each point picks a quadrant, lands uniformly in ``[0.1, 1]`` from the axes inside it (so
    classes are separable before noise), and then gets Gaussian noise of standard deviation
    ``noise``. The label is that of the quadrant it was drawn in.
    """
    _check(n, noise, seed, "xor")
    rng = random.Random(seed)
    uniform, gauss = rng.uniform, rng.gauss
    points: list[tuple[float, float]] = []
    labels: list[int] = []
    for i in range(n):
        sx = 1.0 if i % 2 == 0 else -1.0  # quadrants in turn, so classes stay balanced
        sy = 1.0 if i % 4 < 2 else -1.0
        x = sx * uniform(0.1, 1.0) + gauss(0.0, noise)
        y = sy * uniform(0.1, 1.0) + gauss(0.0, noise)
        points.append((x, y))
        labels.append(int(sx * sy < 0))
    return _shuffled(points, labels, rng)


def spirals(n: int = 100, classes: int = 2, noise: float = 0.1, seed: int = 0) -> Data:
    """``classes`` spiral arms winding out from the origin, one class per arm.

    Arm ``k`` holds points at radius r in (0, 1] and angle ``2 pi k / classes + 4 r`` (a bit
    over half a turn), plus Gaussian noise of standard deviation ``noise`` on the angle.
    Points are shared out as evenly as possible (earlier arms get the remainder).
    """
    _check(n, noise, seed, "spirals")
    if isinstance(classes, bool) or not isinstance(classes, int) or classes < 2:
        raise ValueError(f"spirals: classes must be an int >= 2, got {classes!r}")
    rng = random.Random(seed)
    gauss = rng.gauss
    points: list[tuple[float, float]] = []
    labels: list[int] = []
    for k in range(classes):
        count = n // classes + (1 if k < n % classes else 0)
        for i in range(count):
            r = (i + 1) / count
            theta = 2 * math.pi * k / classes + 4.0 * r + gauss(0.0, noise)
            points.append((r * math.cos(theta), r * math.sin(theta)))
            labels.append(k)
    return _shuffled(points, labels, rng)


DIGITS_FILE = "data/digits.csv.gz"
"""Where the digits live, relative to the ``nn`` package (``LICENSE-digits.md`` beside it)."""

DIGITS_SHA256 = "6ebb3d2fee246a4e99363262ddf8a00a3c41bee6014c373ed9d9216ba7f651b8"
"""SHA-256 of the decompressed file: ``digits`` refuses any other content."""

DIGITS_SPLITS = ("all", "train", "test")


@functools.lru_cache(maxsize=1)
def _digits_table() -> tuple[tuple[tuple[float, ...], ...], tuple[int, ...]]:
    """Every image (pixels divided by 16) and label of the shipped file, read once."""
    resource = importlib.resources.files(__package__).joinpath(DIGITS_FILE)
    where = f"{__package__}/{DIGITS_FILE}"
    try:
        text = gzip.decompress(resource.read_bytes())
    except (OSError, EOFError, zlib.error) as exc:  # missing, unreadable or not gzip
        raise RuntimeError(
            f"digits: cannot read {where} ({type(exc).__name__}: {exc}); the installation is "
            "incomplete: reinstall valuegrad"
        ) from exc
    if hashlib.sha256(text).hexdigest() != DIGITS_SHA256:
        raise RuntimeError(
            f"digits: {where} is not the file valuegrad ships (its checksum differs); the "
            "installation is damaged: reinstall valuegrad"
        )
    images: list[tuple[float, ...]] = []
    labels: list[int] = []
    for line in text.decode("ascii").splitlines():
        *pixels, label = (int(field) for field in line.split(","))
        images.append(tuple(count / 16 for count in pixels))  # 0..16 ink counts: exact
        labels.append(label)
    return tuple(images), tuple(labels)


def digits(split: str = "all") -> Images:
    """The UCI handwritten digits: 1,797 8x8 images, 64 pixels each in [0, 1], labels 0-9.

    E. Alpaydin and C. Kaynak's "Optical Recognition of Handwritten Digits" (UCI, 1998; the
    1,797-image test set that scikit-learn also ships), CC BY 4.0: see
    ``nn/data/LICENSE-digits.md`` for the attribution. A pixel is the number of ink pixels,
    0 to 16, in a 4x4 block of the original 32x32 bitmap, divided by 16 (exactly); row ``r``
    of an image is ``pixels[8 * r: 8 * r + 8]``. Images come in the file's order.

    ``split`` picks a fixed, stratified hold-out: ``"test"`` is every fifth image of each digit
    (the 5th, 10th, ... in file order; 355 images, about 20%), ``"train"`` the other 1,442,
    ``"all"`` (the default) all 1,797. The data is read from the package, never downloaded,
    and checked against its checksum; a damaged installation raises ``RuntimeError``.

    >>> X, y = digits()
    >>> len(X), len(X[0]), sorted(set(y))
    (1797, 64, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    >>> [len(digits(part)[0]) for part in ("train", "test")]
    [1442, 355]
    """
    if not isinstance(split, str) or split not in DIGITS_SPLITS:
        raise ValueError(
            f"digits: split must be one of {', '.join(map(repr, DIGITS_SPLITS))}, got {split!r}"
        )
    images, labels = _digits_table()
    if split == "all":
        return list(images), list(labels)
    seen = [0] * 10  # images of each digit so far
    X: list[tuple[float, ...]] = []
    y: list[int] = []
    for image, label in zip(images, labels, strict=True):
        seen[label] += 1
        if (seen[label] % 5 == 0) == (split == "test"):
            X.append(image)
            y.append(label)
    return X, y
