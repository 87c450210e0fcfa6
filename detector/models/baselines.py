"""Generic detectors an analyst might reach for instead, scored the same way for comparison.

Each maps one hourly series (and its local calendar) to a series-level anomaly score; higher
means "more likely a new load". None models weather or the shape of a mining block.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest

from detector.features.calendar import Calendar
from detector.features.daily import daily_view


def cusum_level_shift(load: np.ndarray, cal: Calendar) -> float:
    """Largest standardised one-sided CUSUM of daily means above the first 28 days' mean."""
    v = daily_view(load, cal)
    z = v.mean[np.isfinite(v.mean)]
    if len(z) < 40:
        return 0.0
    ref, sd = np.mean(z[:28]), np.std(np.diff(z)) / np.sqrt(2) + 1e-12
    s, best = 0.0, 0.0
    for x in (z - ref) / sd - 0.5:  # one pass over days (a few hundred), the classic recursion
        s = max(0.0, s + x)
        best = max(best, s)
    return float(best / np.sqrt(len(z)))


def night_minimum_rule(load: np.ndarray, cal: Calendar) -> float:
    """Rise of the 14-day rolling minimum of night load (00-05 local) over its first value, relative."""
    night = np.where((cal.hour < 5), load, np.nan)
    daily_min = pd.Series(night).groupby(cal.day).min()
    roll = daily_min.rolling(14, min_periods=7).min().to_numpy()
    roll = roll[np.isfinite(roll)]
    if roll.size < 2:
        return 0.0
    return float((roll.max() - roll[0]) / (abs(roll[0]) + 1e-12))


def isolation_forest_days(load: np.ndarray, cal: Calendar, random_state: int = 0) -> float:
    """IsolationForest on daily 24-hour profiles; score = worst 30-day mean anomaly score."""
    v = daily_view(load, cal)
    ok = np.isfinite(v.matrix).all(1)
    if ok.sum() < 40:
        return 0.0
    x = v.matrix[ok] / np.nanmean(v.matrix)
    forest = IsolationForest(n_estimators=100, random_state=random_state).fit(x)
    s = pd.Series(-forest.score_samples(x)).rolling(30, min_periods=10).mean()
    return float(s.max())


def mstl_residual_z(load: np.ndarray, cal: Calendar) -> float:
    """MSTL (daily and weekly seasonality) residual; score = max 7-day mean residual z-score."""
    from statsmodels.tsa.seasonal import MSTL

    y = pd.Series(load).interpolate(limit_direction="both").to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        resid = MSTL(y, periods=(24, 168), iterate=1).fit().resid
    z = (resid - np.median(resid)) / (1.4826 * np.median(np.abs(resid - np.median(resid))) + 1e-12)
    return float(pd.Series(z).rolling(168, min_periods=24).mean().max())


BASELINES: dict[str, Callable[[np.ndarray, Calendar], float]] = {
    "cusum_level_shift": cusum_level_shift,
    "night_minimum_rule": night_minimum_rule,
    "isolation_forest_days": isolation_forest_days,
    "mstl_residual_z": mstl_residual_z,
}
