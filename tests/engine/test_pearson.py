"""The engine's correlation (each box's lag-1 autocorrelation, each candidate peer) is np.corrcoef's, to the bit."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from detector.features.daily import pearson


@pytest.mark.parametrize("seed", range(40))
def test_equals_numpy_corrcoef_to_the_bit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 800))
    a = rng.normal(size=n) * 10.0 ** rng.integers(-8, 8)
    b = 0.3 * a + rng.normal(size=n) * 10.0 ** rng.integers(-8, 8)
    assert pearson(a, b) == float(np.corrcoef(a, b)[0, 1])
    assert pearson(a[:-1], a[1:]) == float(np.corrcoef(a[:-1], a[1:])[0, 1])  # a residual's lag-1 autocorrelation


def test_a_constant_series_gives_nan_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(pearson(np.ones(30), np.arange(30.0)))
    assert pearson(np.arange(5.0), -np.arange(5.0)) == pytest.approx(-1.0)
