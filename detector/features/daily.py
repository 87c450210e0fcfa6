"""Hourly series -> local day × hour matrix and robust daily levels (mean, night floor, peak).

A mining block adds the same power to every hour, so it lifts the daily mean, the night floor and
the peak by the same amount; look-alikes lift them unequally. Outage hours (near-zero load) and
missing hours are NaN and do not bias the daily levels: each level is the mean of (load − typical
profile) over the valid hours, plus the profile's mean.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

import numpy as np

from detector.features.calendar import Calendar

OUTAGE_SHARE = 0.02  # an hour below 2 % of the series' median load is an outage, not a reading
MIN_HOURS_PER_DAY = 12
BAND_HOURS = 6  # the floor is the 6 hours with the lowest typical load; the peak the 6 highest


@dataclass(frozen=True, slots=True, eq=False)
class DailyView:
    """Per-day arrays, length ``n_days``, and the day × hour matrix they came from."""

    matrix: np.ndarray  # (n_days, 24) local hours, NaN where missing or outage
    profile: np.ndarray  # (24,) typical load by local hour
    mean: np.ndarray  # (n_days,) daily level, NaN if too few valid hours
    floor: np.ndarray
    peak: np.ndarray
    off_day: np.ndarray  # bool: weekend or holiday
    holiday: np.ndarray
    temp: np.ndarray | None  # daily mean °C
    temp_max: np.ndarray | None  # daily maximum and minimum °C (cooling follows the day's heat, heating its cold)
    temp_min: np.ndarray | None
    outage_hours: int
    floor_hours: np.ndarray  # local hours that make up the floor band
    peak_hours: np.ndarray


_P = ParamSpec("_P")
_R = TypeVar("_R")


def quiet(func: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs) -> _R:
    """Run a nan-reduction; all-NaN rows give NaN without a RuntimeWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return func(*args, **kwargs)


def _band_level(matrix: np.ndarray, profile: np.ndarray, hours: np.ndarray, min_valid: int) -> np.ndarray:
    part = matrix[:, hours] - profile[hours]
    valid = np.count_nonzero(~np.isnan(part), axis=1)
    level = quiet(np.nanmean, part, axis=1) + profile[hours].mean()
    return np.where(valid >= min_valid, level, np.nan)


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    """``np.corrcoef(a, b)[0, 1]`` for two 1-D float arrays, NaN where one is constant, without a warning.

    Written out because ``np.corrcoef`` validates and handles weights, complex input and more (about 50 µs a call),
    and the engine asks for a correlation some twenty times a series-year (each box's lag-1 autocorrelation, each
    candidate peer). The same operations in the same order: equal to it to the bit (test_pearson.py).
    """
    x = np.concatenate((a[None, :], b[None, :]), axis=0).astype(np.float64, copy=False)
    x = x - x.mean(axis=1)[:, None]
    c = np.dot(x, x.T)
    c *= np.true_divide(1, x.shape[1] - 1)
    stddev = np.sqrt(np.diag(c))
    if stddev[0] == 0 or stddev[1] == 0:  # a constant: 0 / 0, as np.corrcoef gives (with its warning)
        return float("nan")
    return float(np.clip(c[0, 1] / stddev[0] / stddev[1], -1, 1))


def row_nanmedian(a: np.ndarray) -> np.ndarray:
    """Median of each row of a 2-D array over its non-NaN values (NaN for an all-NaN row), as ``np.nanmedian``.

    Written out because ``np.nanmedian`` along an axis of a small array goes through masked arrays: 1.2 ms
    against 0.26 ms here for a year of days × 24 hours, twice per daily view. Equal to it to the bit
    (test_row_nanmedian.py): NaN sorts last, and the median of k values is the mean of the middle two.
    """
    ordered = np.sort(a, axis=1)
    k = np.count_nonzero(~np.isnan(a), axis=1)
    lo = np.take_along_axis(ordered, np.maximum((k - 1) // 2, 0)[:, None], axis=1)[:, 0]
    hi = np.take_along_axis(ordered, np.minimum(k // 2, a.shape[1] - 1)[:, None], axis=1)[:, 0]
    return np.where(k > 0, np.where(k % 2 == 1, lo, (lo + hi) / 2), np.nan)


def daily_view(load: np.ndarray, cal: Calendar, temp: np.ndarray | None = None) -> DailyView:
    """Build the day × hour view of one hourly series (local days and hours from ``cal``)."""
    n_days = int(cal.day.max()) + 1
    y = load.astype(np.float64, copy=True)
    med = quiet(np.nanmedian, y)
    outage = y < OUTAGE_SHARE * med
    y[outage] = np.nan
    matrix = np.full((n_days, 24), np.nan)
    matrix[cal.day, cal.hour] = y
    day_med = row_nanmedian(matrix)[:, None]
    profile = row_nanmedian((matrix - day_med).T)
    profile = np.where(np.isnan(profile), 0.0, profile) + quiet(np.nanmedian, day_med)
    order = np.argsort(profile)
    floor_hours, peak_hours = np.sort(order[:BAND_HOURS]), np.sort(order[-BAND_HOURS:])
    off_day = np.zeros(n_days, dtype=bool)
    off_day[cal.day] = cal.weekend | cal.holiday
    holiday = np.zeros(n_days, dtype=bool)
    holiday[cal.day] = cal.holiday
    tday = tmax = tmin = None
    if temp is not None:
        ok = ~np.isnan(temp)
        tsum = np.bincount(cal.day[ok], weights=temp[ok], minlength=n_days)
        tcnt = np.bincount(cal.day[ok], minlength=n_days)
        tday = np.where(tcnt > 0, tsum / np.maximum(tcnt, 1), np.nan)
        tmat = np.full((n_days, 24), np.nan)
        tmat[cal.day, cal.hour] = temp
        tmax, tmin = quiet(np.nanmax, tmat, axis=1), quiet(np.nanmin, tmat, axis=1)
    return DailyView(
        matrix=matrix,
        profile=profile,
        mean=_band_level(matrix, profile, np.arange(24), MIN_HOURS_PER_DAY),
        floor=_band_level(matrix, profile, floor_hours, BAND_HOURS // 2),
        peak=_band_level(matrix, profile, peak_hours, BAND_HOURS // 2),
        off_day=off_day,
        holiday=holiday,
        temp=tday,
        temp_max=tmax,
        temp_min=tmin,
        outage_hours=int(outage.sum()),
        floor_hours=floor_hours,
        peak_hours=peak_hours,
    )
