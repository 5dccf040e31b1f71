"""Shared test setup: one seed for all randomness, and the hypothesis profiles.

The ``ci`` profile (used when ``CI`` is set, as ``.ci/run`` does) is derandomized and has no
deadline, so runs are repeatable and shared, noisy machines cannot fail a test on time.
"""

import os
import random

import pytest

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
