"""The signature's least-squares solve: ``np.linalg.lstsq``'s answer, by normal equations where the design is well
posed and by ``lstsq`` itself where it is not (a calendar flag that never fires, a box the design holds)."""

from __future__ import annotations

import numpy as np
import pytest

from detector.models.changepoint import design, has_weather, with_season
from detector.models.regression import WELL_POSED, least_squares


def _design(seed: int, n: int = 365) -> np.ndarray:
    rng = np.random.default_rng(seed)
    k = int(rng.integers(5, 40))
    x = np.column_stack([np.ones(n), rng.random(n) < 2 / 7, rng.normal(size=(n, k - 2))])
    x[:, 3:] += 0.9 * x[:, [2]]  # correlated columns, as peers' levels and bands are
    return x / np.maximum(np.abs(x).max(0), 1e-12)  # scaled to at most 1, as ``changepoint.design`` does


@pytest.mark.parametrize("seed", range(8))
def test_equals_lstsq_on_well_posed_designs(seed: int) -> None:
    x = _design(seed)
    y = np.random.default_rng(100 + seed).normal(size=(len(x), 3))
    want = np.linalg.lstsq(x, y, rcond=None)[0]
    np.testing.assert_allclose(least_squares(x, y), want, rtol=0, atol=1e-9)
    np.testing.assert_allclose(least_squares(x, y[:, 0]), want[:, 0], rtol=0, atol=1e-9)


@pytest.mark.parametrize("broken", ["empty flag", "copied column", "nearly copied column"])
def test_rank_deficient_designs_get_the_minimum_norm_answer(broken: str) -> None:
    x = _design(0)
    if broken == "empty flag":
        x[:, 1] = 0.0  # no holiday in the window
    elif broken == "copied column":
        x[:, 4] = x[:, 3]
    else:
        x[:, 4] = x[:, 3] + 0.1 * WELL_POSED * np.random.default_rng(1).normal(size=len(x))
    y = np.random.default_rng(2).normal(size=len(x))
    np.testing.assert_array_equal(least_squares(x, y), np.linalg.lstsq(x, y, rcond=None)[0])


def test_the_season_added_to_a_design_equals_the_design_with_its_season() -> None:
    """The alone day-shape search builds one design and adds the smooth season to it (``changepoint.with_season``);
    the features read it as the design built with the season, to the bit."""
    rng = np.random.default_rng(0)
    n = 365
    off, holiday, doy = rng.random(n) < 2 / 7, rng.random(n) < 0.03, (np.arange(n) + 90) % 365
    plain = design(n, off, holiday, None, doy, season=False)
    np.testing.assert_array_equal(with_season(plain, doy), design(n, off, holiday, None, doy, season=True))
    temp = rng.normal(15, 8, n)
    assert has_weather(temp, n)
    assert not has_weather(np.where(np.arange(n) < 80, np.nan, temp), n)  # known on 78 % of the days
    np.testing.assert_array_equal(design(n, off, holiday, temp, doy), design(n, off, holiday, temp, doy, season=False))
