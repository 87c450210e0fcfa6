"""``baselines.flat_step_reference``: issue 14's outside reference, as the headline compares the engine against it.

A flat block must outscore the same series without it, a block on working days by day only must score below a
flat one of the same energy, and peers that share the target's weather must take that weather out of its score.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from detector.features.calendar import Calendar, CalendarSpec, grid_calendar
from detector.features.daily import daily_view
from detector.models.baselines import BASELINES, flat_step_reference
from tests.conftest import benchmark_module

DAYS = 365
ONSET = 200  # day the added load switches on


def _places(n: int = 4, seed: int = 0) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """Hourly loads (hours x n) of places sharing one weather: a daily and weekly shape, a season, and spells of
    several weeks that lift every place's level by its own sensitivity, with a little noise of its own."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2023-01-01", periods=DAYS * 24, freq="h", tz="UTC")
    hour, day = index.hour.to_numpy(), np.arange(DAYS * 24) // 24
    weekday = index.day_of_week.to_numpy() < 5
    shape = 1 + 0.25 * np.sin(np.pi * (hour - 6) / 12).clip(0) + 0.08 * weekday
    season = 1 + 0.15 * np.cos(2 * np.pi * day / 365)
    spells = np.convolve(rng.normal(0, 1, DAYS + 40), np.ones(21) / 21, mode="same")[20 : 20 + DAYS]
    loads = []
    for k in range(n):
        weather = 1 + (0.6 + 0.2 * k) * spells[day]
        loads.append(100 * (1 + 0.3 * k) * shape * season * weather * rng.normal(1, 0.02, len(index)))
    return np.column_stack(loads), index


def _calendar(index: pd.DatetimeIndex) -> Calendar:
    return grid_calendar(index[0], len(index), CalendarSpec(tz="UTC", country="US"))


def test_a_flat_block_outscores_the_same_series_without_it() -> None:
    loads, index = _places()
    cal = _calendar(index)
    target = loads[:, 0]
    block = target + 0.10 * target.mean() * (np.arange(len(target)) >= ONSET * 24)
    assert flat_step_reference(block, cal) > 2 * flat_step_reference(target, cal)


def test_a_working_day_daytime_block_scores_below_a_flat_block_of_the_same_energy() -> None:
    loads, index = _places()
    cal = _calendar(index)
    target = loads[:, 0]
    on = np.arange(len(target)) >= ONSET * 24
    factory_hours = (index.day_of_week.to_numpy() < 5) & (index.hour.to_numpy() >= 7) & (index.hour.to_numpy() < 19)
    flat = 0.10 * target.mean() * on
    factory = np.where(factory_hours, flat.sum() / (on & factory_hours).sum(), 0.0) * on
    assert np.isclose(flat.sum(), factory.sum())
    assert flat_step_reference(target + factory, cal) < 0.5 * flat_step_reference(target + flat, cal)


def test_peers_that_share_the_weather_take_it_out_of_the_score() -> None:
    loads, index = _places(n=5, seed=3)
    cal = _calendar(index)
    peers = np.column_stack([daily_view(loads[:, k], cal).mean for k in range(1, 5)])
    target = loads[:, 0]
    block = target + 0.05 * target.mean() * (np.arange(len(target)) >= ONSET * 24)
    with_peers, alone = flat_step_reference(block, cal, peers), flat_step_reference(block, cal)
    clean_with_peers = flat_step_reference(target, cal, peers)
    assert with_peers > 3 * clean_with_peers
    assert with_peers > alone


def test_detector_evaluate_baselines_include_the_reference() -> None:
    assert BASELINES["flat_step_reference"] is flat_step_reference


def test_the_headline_reads_recall_at_the_point_where_one_percent_of_negatives_score_as_high() -> None:
    compare = benchmark_module("compare_headline")
    y = np.r_[np.zeros(200, int), np.ones(10, int)]
    score = np.r_[np.linspace(0, 1, 200), np.linspace(0.9, 1.1, 10)]
    cut = compare.point_at_fpr(y, score)
    assert (score[y == 0] >= cut).sum() == 2  # floor(1 % of 200)
    assert (score[y == 0] >= np.nextafter(cut, -np.inf)).sum() == 3
