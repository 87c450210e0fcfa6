"""The simulator's truth matches what it injected; look-alikes are labelled 0; it is deterministic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import detector
from detector import simulate


@pytest.fixture(scope="module")
def fleet() -> simulate.Fleet:
    return simulate.make_fleet(kind="feeder", n_series=30, days=240, mining_share=0.4, seed=3)


def test_same_seed_same_data() -> None:
    a = simulate.make_fleet(kind="meter", n_series=4, days=40, seed=11)
    b = simulate.make_fleet(kind="meter", n_series=4, days=40, seed=11)
    pd.testing.assert_frame_equal(a.loads, b.loads)
    pd.testing.assert_frame_equal(a.truth, b.truth)
    c = simulate.make_fleet(kind="meter", n_series=4, days=40, seed=12)
    assert not np.allclose(a.loads.load, c.loads.load)


def test_labels_follow_scenarios(fleet: simulate.Fleet) -> None:
    truth = fleet.truth
    assert set(truth.loc[truth.label == 1, "scenario"]) <= set(simulate.MINING)
    assert set(truth.loc[truth.label == 0, "scenario"]) <= set(simulate.LOOKALIKES)
    assert truth.label.sum() == 12
    assert set(truth.scenario) == set(simulate.SCENARIOS)


@pytest.mark.parametrize("scenario", ["step", "curtailed", "raided", "seasonal", "mining_outages"])
def test_mining_excess_equals_injected_power(scenario: str) -> None:
    s = simulate.make_series("f", kind="feeder", scenario=scenario, days=200, size=0.2, rng=np.random.default_rng(5))
    ev = s.event
    running = ev.component > 0
    assert ev.label == 1
    assert ev.excess == pytest.approx(0.2 * s.mean_load)
    np.testing.assert_allclose(ev.component[running].mean(), ev.excess, rtol=0.005)
    assert int(np.argmax(running)) == ev.start
    on = running & (s.load > 0)  # outside outages the load is base + rigs
    np.testing.assert_allclose((s.load - s.base)[on & (s.base > 0)].mean(), ev.excess, rtol=0.05)
    if ev.end is None:  # still on when the data ends
        assert running[-1]
    else:  # on until the hour before ``end``, off from then on
        assert running[ev.end - 1]
        assert not running[ev.end :].any()


def _runs(on: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) hour ranges where ``on`` holds."""
    edges = np.flatnonzero(np.diff(np.r_[0, on.astype(int), 0]))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def test_seasonal_mining_runs_a_season_then_returns_a_year_after_its_onset() -> None:
    s = simulate.make_series("f", kind="feeder", scenario="seasonal", days=800, size=0.2, rng=np.random.default_rng(1))
    ev = s.event
    runs = _runs(ev.component > 0)
    assert len(runs) == 2
    (on1, off1), (on2, off2) = runs
    assert on1 == ev.start
    assert 90 * 24 <= off1 - on1 < 180 * 24
    assert on2 == ev.start + 365 * 24
    assert ev.end == off2 < len(s.load)  # this seed: the second season ends inside the data


def test_staircase_reaches_full_power_in_batches() -> None:
    s = simulate.make_series("f", kind="feeder", scenario="staircase", days=365, size=0.3, rng=np.random.default_rng(2))
    levels = np.unique(np.round(s.event.component / s.event.excess, 1))
    assert len(levels) >= 3  # off, then at least two batches
    np.testing.assert_allclose(s.event.component[-24:].mean(), s.event.excess, rtol=0.01)


def test_meters_hold_whole_rigs() -> None:
    fleet = simulate.make_fleet(kind="meter", n_series=12, days=60, mining_share=0.5, seed=4)
    rigs = fleet.truth.loc[fleet.truth.label == 1, "rigs"]
    np.testing.assert_allclose(rigs, np.round(rigs))
    assert fleet.unit == "kW"


def test_lookalikes_are_not_flat_blocks() -> None:
    rng = np.random.default_rng(9)
    factory = simulate.make_series("f", scenario="new_factory", days=120, size=0.3, rng=rng).event
    on_hours = factory.component > 0
    assert factory.label == 0
    assert 0.2 < on_hours[factory.start :].mean() < 0.35  # weekday daytime only
    stuck = simulate.make_series("m", kind="meter", scenario="stuck_meter", days=120, rng=rng)
    window = stuck.load[stuck.event.start : stuck.event.end]
    assert np.unique(window).size == 1  # exact repeats


def test_kinds_have_their_scale_and_a_tehran_summer() -> None:
    region = simulate.make_series("r", kind="region", scenario="clean", days=365, rng=np.random.default_rng(1))
    assert region.unit == "MW"
    assert 1000 < region.mean_load < 15000
    local = region.index.tz_convert("Asia/Tehran")
    july, january = region.load[local.month == 7].mean(), region.load[local.month == 1].mean()
    assert july > 1.2 * january  # cooling-driven summer peak
    assert region.temperature[local.month == 7].mean() > 25 > region.temperature[local.month == 1].mean()
    friday = region.load[(local.day_of_week == 4) & (local.hour == 11)].mean()
    monday = region.load[(local.day_of_week == 0) & (local.hour == 11)].mean()
    assert friday < monday  # Friday weekend


def test_simulated_fleet_passes_ingest(fleet: simulate.Fleet) -> None:
    series = detector.load(fleet.loads, unit=fleet.unit, tz=fleet.tz)
    assert len(series) == 30
    assert all(s.quality.coverage == 1.0 and s.temperature is not None for s in series)
