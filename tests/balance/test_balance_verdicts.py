"""Verdicts on labelled feeders: taps and bypasses found with onset and size, look-alikes left alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import detector
from detector.balance.simulate import make_balance_set


def test_tap_is_found_with_onset_and_size_close_to_truth(
    sample_results: dict[str, detector.FeederBalance], sample_truth: pd.DataFrame
) -> None:
    r, truth = sample_results["feeder-01"], sample_truth.loc["feeder-01"]
    assert truth.scenario == "tap"
    assert r.verdict == "unbilled-step"
    assert r.rank == 1
    assert abs((r.onset - truth.start) / pd.Timedelta(hours=1)) <= 24
    assert abs(r.unbilled_load - truth.excess_kw) / truth.excess_kw <= 0.10
    assert r.unit == "kW"
    assert abs(r.rigs - truth.rigs) <= 0.5
    assert r.shape is not None
    assert r.shape.flat
    assert r.shape.share_on > 0.9
    assert r.end is None  # still on at the end of the data


def test_bypass_is_found_and_the_bypassed_meter_named(
    sample_results: dict[str, detector.FeederBalance], sample_truth: pd.DataFrame
) -> None:
    r, truth = sample_results["feeder-02"], sample_truth.loc["feeder-02"]
    assert truth.scenario == "bypass"
    assert r.flagged
    assert abs((r.onset - truth.start) / pd.Timedelta(hours=1)) <= 24
    assert abs(r.unbilled_load - truth.excess_kw) / truth.excess_kw <= 0.25
    dropped = [m.meter_id for m in r.meter_changes if m.kind == "dropped"]
    assert dropped == [truth.meter_id]
    assert any("possible bypass" in line for line in r.evidence)


def test_remapped_joining_missing_and_clean_feeders_are_not_flagged(
    sample_results: dict[str, detector.FeederBalance], sample_truth: pd.DataFrame
) -> None:
    for fid in ("feeder-03", "feeder-04", "feeder-05", "feeder-06"):
        assert sample_truth.loc[fid, "label"] == 0
        assert sample_results[fid].verdict == "no-step", (fid, sample_results[fid].evidence)
    ranks = sorted(r.rank for r in sample_results.values())
    assert ranks == list(range(1, 7))
    assert {sample_results["feeder-01"].rank, sample_results["feeder-02"].rank} == {1, 2}


def test_missing_reads_make_hours_unusable_never_zero(
    sample_results: dict[str, detector.FeederBalance], sample_truth: pd.DataFrame
) -> None:
    r = sample_results["feeder-04"]
    named = set(sample_truth.loc["feeder-04", "meter_id"].split(","))
    assert r.unusable_hours > 24 * 5
    assert {m for m, _ in r.missing_meters} <= named
    assert len(r.missing_meters) >= 3
    assert r.unbilled is not None
    assert int(r.unbilled.isna().sum()) == r.unusable_hours
    assert any("not counted as 0" in w for w in r.warnings)


def test_missing_reads_treated_as_zero_would_look_like_theft() -> None:
    """The reason for the rule: the same feeder with its gaps filled with 0 shows unbilled steps."""
    s = make_balance_set(("missing",), n_meters=20, days=200, seed=5)
    honest = detector.balance_feeders(s.feeders, s.meters, s.mapping, tz=s.tz)[0]
    grid = s.feeders[["timestamp"]].drop_duplicates()
    ids = s.meters["series_id"].unique()
    full = pd.MultiIndex.from_product([ids, grid["timestamp"]], names=["series_id", "timestamp"]).to_frame(index=False)
    zeroed = full.merge(s.meters, how="left", on=["series_id", "timestamp"]).fillna({"load": 0.0, "unit": "kW"})
    naive = detector.balance_feeders(s.feeders, zeroed, s.mapping, tz=s.tz)[0]
    assert honest.verdict == "no-step"
    assert naive.verdict != "no-step"
    assert naive.t > honest.t


def test_meters_in_another_unit_than_the_feeder() -> None:
    """Feeder in MW, meters in Wh per hour: the balance is the same as all in kW, reported in MW."""
    s = make_balance_set(("tap",), n_meters=10, days=120, rigs=3, seed=8)
    kw = detector.balance_feeders(s.feeders, s.meters, s.mapping, tz=s.tz)[0]
    feeders = s.feeders.assign(load=s.feeders["load"] / 1000, unit="MW")
    meters = s.meters.assign(load=s.meters["load"] * 1000, unit="Wh")
    mw = detector.balance_feeders(feeders, meters, s.mapping, tz=s.tz)[0]
    assert kw.flagged
    assert mw.flagged
    assert mw.unit == "MW"
    assert np.isclose(mw.unbilled_load * 1000, kw.unbilled_load, rtol=1e-6)
    assert np.isclose(mw.rigs, kw.rigs, rtol=1e-6)
    assert mw.onset == kw.onset


def test_too_little_data_is_undecidable_with_the_reason() -> None:
    s = make_balance_set(("tap", "clean"), n_meters=5, days=35, seed=2)
    r = detector.balance_feeders(s.feeders, s.meters, s.mapping, tz=s.tz)[0]
    assert r.verdict == "undecidable"
    assert not r.flagged
    assert r.evidence == ("need >= 42 usable days to fit losses and find a step; got 35",)
    short = s.feeders[(s.feeders["series_id"] == "feeder-01") | (s.feeders.index % 840 < 10 * 24)]
    results = {x.feeder_id: x for x in detector.balance_feeders(short, s.meters, s.mapping, tz=s.tz)}
    assert results["feeder-02"].evidence == ("need >= 42 usable days to fit losses and find a step; got 10",)


def test_a_tap_below_the_noise_is_not_flagged() -> None:
    """A 50 W lamp on a ~20 kW feeder with 2 % metering noise: nothing the data can show."""
    s = make_balance_set(("clean",), n_meters=15, days=200, seed=4)
    rng = np.random.default_rng(0)
    f = s.feeders.copy()
    f["load"] = f["load"] * (1 + rng.normal(0, 0.02, len(f)))
    f.loc[f.index >= len(f) // 2, "load"] += 0.05
    r = detector.balance_feeders(f, s.meters, s.mapping, tz=s.tz)[0]
    assert r.verdict in ("no-step", "undecidable")
    assert r.t < 8


def test_feeder_without_meters_is_undecidable() -> None:
    s = make_balance_set(("clean", "clean"), n_meters=4, days=60, seed=1)
    mapping = s.mapping.assign(feeder_id="feeder-01")
    results = {r.feeder_id: r for r in detector.balance_feeders(s.feeders, s.meters, mapping, tz=s.tz)}
    assert results["feeder-02"].verdict == "undecidable"
    assert results["feeder-02"].evidence == ("no meters are mapped to this feeder",)
    assert results["feeder-01"].meters == 8


def test_daily_unbilled_energy_adds_up(sample_results: dict[str, detector.FeederBalance]) -> None:
    r = sample_results["feeder-01"]
    daily = r.daily()
    assert r.unbilled is not None
    assert np.isclose(daily["unbilled_energy"].sum(), r.unbilled.sum())
    assert daily["usable_hours"].sum() == r.usable_hours


def test_a_tap_that_stops_has_an_end() -> None:
    """Rigs switched off at 75 % of the period (a raid): onset and end both found to the day, size close."""
    s = make_balance_set(("tap",), n_meters=20, days=300, rigs=2, onset_range=(0.3, 0.4), tap_end=0.75, seed=12)
    truth = s.truth.iloc[0]
    r = detector.balance_feeders(s.feeders, s.meters, s.mapping, tz=s.tz)[0]
    assert r.flagged
    assert abs(r.onset - truth.start) <= pd.Timedelta(hours=24)
    assert r.end is not None
    assert abs(r.end - truth.end) <= pd.Timedelta(hours=24)
    assert r.unbilled_load == pytest.approx(truth.excess_kw, rel=0.1)


def test_a_meter_mapped_away_but_still_supplied_is_unbilled_and_named() -> None:
    """The mapping says a meter left on day 150; its household still draws from the feeder."""
    s = make_balance_set(("clean",), n_meters=20, days=300, seed=13)
    when = (s.feeders["timestamp"].iloc[0] + pd.Timedelta(days=150)).isoformat()
    mapping = s.mapping.copy()
    mapping.loc[0, "valid_to"] = when
    r = detector.balance_feeders(s.feeders, s.meters, mapping, tz=s.tz)[0]
    assert r.flagged
    assert abs(r.onset - pd.Timestamp(when)) <= pd.Timedelta(hours=2)
    assert [(m.meter_id, m.kind) for m in r.meter_changes] == [("feeder-01-m01", "left")]
    assert any("left the feeder then (mapping)" in line for line in r.evidence)


@pytest.mark.slow  # balances a whole simulated set (about 15 s): `make test-slow`
def test_a_bypass_in_the_first_weeks_is_still_found() -> None:
    """19 quiet days only: losses are fitted across the step, the bypass found (its size less certain)."""
    s = make_balance_set(
        n_meters=(20, 60), rigs=(1, 6), feeder_noise=0.01, meter_noise=0.01, onset_range=(0.05, 0.95), seed=1013
    )
    truth = s.truth.set_index("feeder_id").loc["feeder-02"]
    assert truth.scenario == "bypass"
    assert (truth.start - s.feeders["timestamp"].iloc[0]) < pd.Timedelta(days=20)
    r = {x.feeder_id: x for x in detector.balance_feeders(s.feeders, s.meters, s.mapping, tz=s.tz)}["feeder-02"]
    assert r.flagged
    assert abs(r.onset - truth.start) <= pd.Timedelta(hours=24)
    assert r.unbilled_load == pytest.approx(truth.excess_kw, rel=0.4)
    assert any("losses fitted across the step" in w for w in r.warnings)
