"""Shared test setup: one seed for all randomness, jit's compile-time estimates fixed, and the
hypothesis profiles.

The ``ci`` profile (used when ``CI`` is set, as ``.ci/run`` does) is derandomized and has no
deadline, so runs are repeatable and shared, noisy machines cannot fail a test on time.
"""

import importlib
import os
import random

import pytest

from autograd.jit import CostModel

JIT = importlib.import_module("autograd.jit.compiled")  # where jit reads COSTS

try:
    from hypothesis import HealthCheck, settings
except ImportError:  # pragma: no cover - hypothesis comes with the dev extra
    settings = None

if settings is not None:
    settings.register_profile(
        "ci",
        derandomize=True,
        deadline=None,
        max_examples=100,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.register_profile("dev", deadline=None, max_examples=100)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(autouse=True)
def _seed_everything():
    """Every test starts from the same global random state."""
    random.seed(0)
    yield


@pytest.fixture(autouse=True)
def _jit_costs_from_the_model(monkeypatch):
    """Every test starts with jit's cost model as its figures give it, learning nothing from
    the clock: whether a test's graph is compiled at its first call (``COMPILE_NOW_S``) depends
    on the graph, not on how loaded the machine was during the compiles before it."""
    monkeypatch.setattr(JIT, "COSTS", CostModel(learn=False))
