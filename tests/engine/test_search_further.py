"""The alone search that picks peers skips the further boxes: the box whose days the peers' step test reads is
the one the full search finds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from detector.features.calendar import CalendarSpec, grid_calendar
from detector.models.signature import finish, search


@pytest.mark.parametrize("seed", range(3))
def test_the_main_box_spans_the_same_days_without_the_further_ones(seed: int) -> None:
    rng = np.random.default_rng(seed)
    hours = pd.date_range("2023-01-01", periods=365 * 24, freq="h", tz="UTC")
    day = np.arange(len(hours)) // 24
    load = 100 + 15 * np.sin(2 * np.pi * (np.arange(len(hours)) % 24) / 24) + rng.normal(0, 2, len(hours))
    load += 3 * rng.normal(0, 1, 365)[day]  # day-to-day weather
    load += 8.0 * (day >= 90) + 12.0 * (day >= 200) + 6.0 * ((day >= 280) & (day < 330))  # two batches, a season
    cal = grid_calendar(hours[0], len(load), CalendarSpec(tz="UTC", country="US"))
    full = search(load, cal)
    quick = search(load, cal, further=False)
    assert len(full.boxes) > 1  # the full search found further boxes, and refitted the main one with them
    assert (quick.box.start, quick.box.end) == (full.box.start, full.box.end)
    assert quick.boxes == (quick.box,)
    assert quick.before is None


@pytest.mark.parametrize("day_shape", [False, True])
def test_a_search_stopped_at_its_first_box_and_finished_is_the_full_search(day_shape: bool) -> None:
    """``finish`` goes on from a search run with ``further=False``: the alone reading of a series scored with peers
    gates on that first box, then finishes it rather than searching again."""
    rng = np.random.default_rng(7)
    hours = pd.date_range("2023-01-01", periods=365 * 24, freq="h", tz="UTC")
    day = np.arange(len(hours)) // 24
    load = 100 + 15 * np.sin(2 * np.pi * (np.arange(len(hours)) % 24) / 24) + rng.normal(0, 2, len(hours))
    load += 3 * rng.normal(0, 1, 365)[day] + 8.0 * (day >= 90) + 12.0 * (day >= 200)
    cal = grid_calendar(hours[0], len(load), CalendarSpec(tz="UTC", country="US"))
    full = search(load, cal, day_shape=day_shape)
    done = finish(search(load, cal, day_shape=day_shape, further=False))
    assert len(full.boxes) > 1
    assert done.boxes == full.boxes
    assert done.box == full.box
    np.testing.assert_array_equal(done.x_scan, full.x_scan)


def test_a_search_with_peers_is_not_finished() -> None:
    """With peers the scan also looks for a block on before the data, which ``finish`` does not redo."""
    hours = pd.date_range("2023-01-01", periods=365 * 24, freq="h", tz="UTC")
    load = 100 + np.random.default_rng(0).normal(0, 2, len(hours))
    cal = grid_calendar(hours[0], len(load), CalendarSpec(tz="UTC", country="US"))
    peers = 100 + np.random.default_rng(1).normal(0, 1, (365, 2))
    with pytest.raises(ValueError, match="only a search without peers can be finished"):
        finish(search(load, cal, peers=peers, further=False))
