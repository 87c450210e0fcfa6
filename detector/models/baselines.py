"""Detectors to compare against, scored the same way: generic ones an analyst might reach for, and a reference.

Each maps one hourly series (and its local calendar) to a series-level anomaly score; higher
means "more likely a new load". The generic ones model neither weather nor the shape of a mining block.
``flat_step_reference`` is issue 14's outside reference as the issue describes it (the daily level against the
day's amplitude, the weekday and a smooth season, the best single step, then the same step in all 24 hours; peers
optional): what this project's engine has to beat clearly on the same windows.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest

from detector.features.calendar import Calendar
from detector.features.daily import daily_view
from detector.models.signature import day_of_year


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


def flat_step_reference(
    load: np.ndarray, cal: Calendar, peers: np.ndarray | None = None, margin: int = 14, max_peers: int = 5
) -> float:
    """Issue 14's reference: t of the best single upward step in the daily level, shrunk unless flat across hours.

    The daily mean is regressed on the day's amplitude (peak minus floor), the day of the week, two harmonics of
    the season and, when given, ``peers`` (days x k daily levels of other places over the same days: a synthetic
    control; the ``max_peers`` whose day-to-day changes follow the target's best). Every onset ``margin`` days or
    more from either end is tried as a step (Frisch-Waugh: one QR, then all onsets at once). The best t, adjusted
    for the residuals' lag-1 autocorrelation, is multiplied by how evenly the 24 hours share that step (their
    10th percentile over their mean, clipped to [0, 1]) and by how alike it is on working days and days off: a
    factory, EV charging, growth or a heat wave raise some hours or days much more than others; a block raises
    them all alike. Written from the issue's description, not from its code.
    """
    v = daily_view(load, cal)
    level = np.nanmean(v.mean)
    if not np.isfinite(level) or level <= 0:
        return 0.0
    n = len(v.mean)
    doy = day_of_year(cal, n)
    dow = np.asarray(pd.Series(cal.dow).groupby(cal.day).first().to_numpy(int))[:n]
    cols = [np.ones(n), (v.peak - v.floor) / level, *(dow == d for d in range(1, 7))]
    cols += [f(2 * np.pi * k * doy / 365.25) for k in (1, 2) for f in (np.cos, np.sin)]
    if peers is not None and peers.size:
        p = peers[:n] / np.nanmean(peers[:n], axis=0)
        p = np.where(np.isfinite(p), p, np.nanmean(p, axis=0))
        dz = np.diff(v.mean)
        fine = np.isfinite(dz)
        follow = [_correlation(dz[fine], np.diff(col)[fine]) for col in p.T]
        cols += [p[:, i] for i in np.argsort(-np.nan_to_num(np.asarray(follow, float)))[:max_peers]]
    x = np.column_stack(cols).astype(float)
    hours = v.matrix / level
    ok = np.isfinite(v.mean) & np.isfinite(x).all(1) & np.isfinite(hours).all(1)
    days = np.flatnonzero(ok)
    onsets = np.arange(margin, n - margin)
    if len(days) < 3 * margin + x.shape[1] or not len(onsets):
        return 0.0
    q, _ = np.linalg.qr(x[ok])
    steps = (days[:, None] >= onsets[None, :]).astype(float)
    r_steps = steps - q @ (q.T @ steps)
    y = v.mean[ok] / level
    r = y - q @ (q.T @ y)
    norm2 = np.maximum((r_steps**2).sum(0), 1e-12)
    delta = r_steps.T @ r / norm2
    dof = max(len(y) - x.shape[1] - 1, 1)
    ssr = np.maximum(r @ r - delta**2 * norm2, 1e-18)
    t = delta * np.sqrt(norm2) / np.sqrt(ssr / dof)
    j = int(np.argmax(t))
    if t[j] <= 0:
        return 0.0
    e = r - delta[j] * r_steps[:, j]
    rho = float(np.clip(_correlation(e[:-1], e[1:]), 0.0, 0.95)) if len(e) > 2 else 0.0
    t_adj = float(t[j]) * np.sqrt((1 - rho) / (1 + rho))
    # The step in each hour at the chosen onset, with the same regressors.
    h = hours[ok]
    by_hour = r_steps[:, j] @ (h - q @ (q.T @ h)) / norm2[j]
    evenness = float(np.clip(np.percentile(by_hour, 10) / max(float(by_hour.mean()), 1e-12), 0.0, 1.0))
    # And the step on working days against days off (a factory or an office works on the one only).
    off = v.off_day[ok]
    by_kind = [r_steps[m, j] @ r[m] / max(float(r_steps[m, j] @ r_steps[m, j]), 1e-12) for m in (off, ~off)]
    alike = float(np.clip(min(by_kind) / max(max(by_kind), 1e-12), 0.0, 1.0)) if off.any() and (~off).any() else 1.0
    return float(t_adj * evenness * alike)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of two equal-length arrays (0 where either is constant)."""
    a, b = a - a.mean(), b - b.mean()
    den = float(np.sqrt((a @ a) * (b @ b)))
    return float(a @ b) / den if den > 0 else 0.0


BASELINES: dict[str, Callable[[np.ndarray, Calendar], float]] = {
    "cusum_level_shift": cusum_level_shift,
    "night_minimum_rule": night_minimum_rule,
    "isolation_forest_days": isolation_forest_days,
    "mstl_residual_z": mstl_residual_z,
    "flat_step_reference": flat_step_reference,
}
