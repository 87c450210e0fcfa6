"""The shrunk covariance behind the flat-weighted daily level equals scikit-learn's Ledoit-Wolf estimate."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.covariance import ledoit_wolf as sklearn_ledoit_wolf

from detector.models.regression import ledoit_wolf


@pytest.mark.parametrize(("n", "seed"), [(365, 0), (730, 1), (60, 2), (30, 3)])
def test_equals_scikit_learn(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    hourly = rng.normal(size=(n, 24)) @ rng.normal(size=(24, 24)) + 5.0  # correlated hours, not centred
    expected, _ = sklearn_ledoit_wolf(hourly)
    np.testing.assert_allclose(ledoit_wolf(hourly), expected, rtol=1e-10, atol=1e-12)


def test_identical_hours_need_no_shrinkage() -> None:
    """Every hour the same series: the sample covariance is already the target's shape (shrinkage 0)."""
    day = np.random.default_rng(4).normal(size=(200, 1))
    hourly = np.repeat(day, 24, axis=1)
    expected, _ = sklearn_ledoit_wolf(hourly)
    np.testing.assert_allclose(ledoit_wolf(hourly), expected, atol=1e-12)
