"""The daily view's per-day and per-hour medians equal numpy's nanmedian to the bit."""

from __future__ import annotations

import numpy as np
import pytest

from detector.features.daily import row_nanmedian


@pytest.mark.parametrize("seed", range(6))
def test_equals_numpy_nanmedian_on_both_axes(seed: int) -> None:
    rng = np.random.default_rng(seed)
    matrix = rng.normal(100.0, 20.0, size=(365, 24))
    matrix[rng.random(matrix.shape) < 0.05 * seed] = np.nan  # none up to a quarter of hours missing
    matrix[7] = np.nan  # a day without data
    matrix[:, 3] = np.where(np.arange(365) % 2 == 0, np.nan, matrix[:, 3])  # an hour with half its days
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        by_day, by_hour = np.nanmedian(matrix, axis=1), np.nanmedian(matrix, axis=0)
    np.testing.assert_array_equal(row_nanmedian(matrix), by_day)
    np.testing.assert_array_equal(row_nanmedian(matrix.T), by_hour)


def test_even_and_odd_counts() -> None:
    rows = np.array([[1.0, 3.0, np.nan, 2.0], [4.0, np.nan, 1.0, 2.0], [np.nan] * 4, [5.0, 5.0, 5.0, 5.0]])
    np.testing.assert_array_equal(row_nanmedian(rows), [2.0, 2.0, np.nan, 5.0])
