"""The per-hour box sizes behind the flat-across-the-day test: one batched solve equals 24 separate fits."""

from __future__ import annotations

import numpy as np
import pytest

from detector import simulate
from detector.features.calendar import CalendarSpec, grid_calendar
from detector.models.regression import hourly_box_sizes
from detector.models.signature import extract


def _per_hour_lstsq(matrix: np.ndarray, x: np.ndarray, inds: np.ndarray) -> np.ndarray:
    """The definition: each hour's own least squares over its own observed days (0 where it cannot be sized)."""
    out = np.zeros((matrix.shape[1], inds.shape[1]))
    a = np.column_stack([x, inds])
    for h in range(matrix.shape[1]):
        ok = np.isfinite(matrix[:, h])
        if ok.sum() < a.shape[1] + 2 or (inds[ok].std(axis=0) == 0).any():
            continue
        coef, *_ = np.linalg.lstsq(a[ok], matrix[ok, h], rcond=None)
        out[h] = coef[x.shape[1] :]
    return out


@pytest.mark.parametrize("seed", range(12))
def test_equals_each_hours_own_least_squares(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, k = 365, int(rng.integers(7, 30))
    x = rng.normal(size=(n, k))
    x[:, 0] = 1.0
    if seed % 3 == 0:
        x[:, 2] = 0.0  # a flag that never fires in this window (no holiday): rank-deficient design
    x /= np.maximum(np.abs(x).max(0), 1e-12)
    inds = np.zeros((n, 1 + seed % 3))
    for b in range(inds.shape[1]):
        start = int(rng.integers(0, 300))
        inds[start : start + int(rng.integers(14, 200)), b] = 1.0
    matrix = rng.normal(size=(n, 24)) + 0.1 * inds.sum(axis=1)[:, None]
    if seed % 2:
        matrix[rng.random((n, 24)) < 0.02] = np.nan  # a meter's scattered missing hours
    if seed % 4 == 1:
        matrix[:40] = np.nan  # whole days missing too
    np.testing.assert_allclose(hourly_box_sizes(matrix, x, inds), _per_hour_lstsq(matrix, x, inds), atol=1e-9)


def test_hours_that_cannot_size_the_box_get_zero() -> None:
    n = 200
    x = np.ones((n, 1))
    inds = np.zeros((n, 1))
    inds[100:, 0] = 1.0
    matrix = 1.0 + 0.05 * inds + np.random.default_rng(0).normal(0, 0.01, (n, 24))
    matrix[:100, 3] = np.nan  # hour 3 only seen while the box is on: its size is not identified
    matrix[5, 7] = np.nan
    sizes = hourly_box_sizes(matrix, x, inds)[:, 0]
    assert sizes[3] == 0.0
    assert np.all(np.abs(np.delete(sizes, 3) - 0.05) < 0.01)


def test_a_night_only_rise_searched_with_the_days_shape_reads_as_night_only() -> None:
    """The hour-by-hour step behind "same step at night as by day" is measured over the seasonal design: over the
    day's shape (what the alone search explains the level by) every hour would take the day's mean shift, and a
    night-only rise would read as flat (stop 33: sized that way, every alone segment said night step = day step)."""
    s = simulate.make_series("f", kind="feeder", scenario="clean", days=365, rng=np.random.default_rng(5))
    load = np.asarray(s.load, dtype=float).copy()
    cal = grid_calendar(s.index[0], len(load), CalendarSpec(tz="Asia/Tehran", country="IR"))
    night = (cal.hour >= 0) & (cal.hour < 6)
    load[(cal.day >= 150) & night] += float(np.mean(load))
    sig = extract(load, cal, None, day_shape=True)
    hours = sig.hour_deltas
    assert hours[1:5].mean() > 3 * abs(hours[10:18].mean()), np.round(hours / np.mean(load), 3)
