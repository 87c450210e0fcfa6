"""The spike mask: short departures are masked from the shift search, the first days of a lasting block are not.

Found on the headline (BENCHMARKS.md, stop 49): a 41 % farm switched on just before a hot spell scored 0.43.
``mask_spikes`` fits the level without a box, and that fit took the farm for the hot season's weather, so only
its first days stood out and were masked. The box then began days late, with the farm's own level just before
it, and the ramp test read the farm as a ramp. ``unmask_lead`` gives those days back to the search.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import detector
from detector.models.changepoint import Box
from detector.models.signature import mask_spikes, unmask_lead
from tests.conftest import SAMPLE_DATA

DAYS = 365


def _design() -> np.ndarray:
    return np.ones((DAYS, 1))


def _noise(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 0.02, DAYS)


def test_a_three_day_outage_is_masked() -> None:
    z = 1 + _noise()
    z[200:203] -= 0.4  # the level comes back
    masked = ~np.isfinite(mask_spikes(z, _design()))
    assert masked[200:203].all()
    assert masked.sum() <= 6


def test_masked_days_at_the_box_level_just_before_it_are_given_back() -> None:
    raw = 1 + _noise() + 0.4 * (np.arange(DAYS) >= 140)
    z = raw.copy()
    z[140:143] = np.nan  # what the mask did when its fit took the block for the weather from day 143
    box = Box(start=143, end=DAYS, delta=0.4, t=20.0, sigma=0.02, rho=0.1)
    kept = unmask_lead(z, raw, box)
    assert kept is not None
    assert np.isfinite(kept[140:143]).all()
    np.testing.assert_array_equal(kept[:140], z[:140])


def test_a_masked_storm_before_a_box_stays_masked() -> None:
    raw = 1 + _noise() + 0.4 * (np.arange(DAYS) >= 143)
    raw[140:143] -= 0.5  # an outage just before the switch-on: nowhere near the box's level
    z = raw.copy()
    z[140:143] = np.nan
    box = Box(start=143, end=DAYS, delta=0.4, t=20.0, sigma=0.02, rho=0.1)
    assert unmask_lead(z, raw, box) is None


@pytest.mark.parametrize("zone", ["GEF12-Z05", "GEF12-Z13"])
def test_a_big_block_switched_on_before_the_hot_season_is_dated_on_its_day(zone: str) -> None:
    """Real GEFCom load with temperature (sample data), +40 % of mean load from 20 May to 1 October 2006, scored
    alone. Before the fix Z05 was dated 28 May (score 0.84) and Z13 22 May."""
    tz = "America/New_York"
    frame = pd.read_parquet(SAMPLE_DATA / "real_gefcom2012_2006.parquet")
    frame = frame[frame.series_id == zone].copy()
    on, off = pd.Timestamp("2006-05-20", tz=tz), pd.Timestamp("2006-10-01", tz=tz)
    frame.loc[(frame.timestamp >= on) & (frame.timestamp < off), "load"] += 0.4 * frame.load.mean()
    (report,) = detector.score(frame, tz=tz, country="US", peers="none")
    assert report.flagged
    assert report.onset is not None
    assert abs((report.onset - on).total_seconds()) <= 24 * 3600, report.onset
