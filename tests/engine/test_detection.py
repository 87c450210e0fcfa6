"""The bundled model on labelled data: miners caught, look-alikes left alone, answers readable."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import detector
from detector import simulate
from detector.evaluation import false_alarm_budgets, intervals
from detector.features.calendar import date_text, solar_hijri

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


@pytest.fixture(scope="module")
def feeders() -> pd.DataFrame:
    reports = detector.score(SAMPLE / "tehran_feeders.parquet", tz="Asia/Tehran")
    truth = pd.read_csv(SAMPLE / "tehran_feeders.truth.csv", parse_dates=["start", "end"])
    rows = pd.DataFrame(
        {
            "series_id": [r.series_id for r in reports],
            "score": [r.score for r in reports],
            "flagged": [r.flagged for r in reports],
            "onset": [r.onset for r in reports],
            "excess": [r.excess_load for r in reports],
            "low": [(r.excess_interval or (np.nan, np.nan))[0] for r in reports],
            "high": [(r.excess_interval or (np.nan, np.nan))[1] for r in reports],
        }
    )
    return rows.merge(truth, on="series_id", suffixes=("", "_true"))


def test_flags_most_miners_and_no_lookalike(feeders: pd.DataFrame) -> None:
    miners = feeders[feeders.label == 1]
    honest = feeders[feeders.label == 0]
    assert miners.flagged.mean() >= 0.75
    assert not honest.flagged.any(), honest[honest.flagged][["series_id", "scenario", "score"]]
    assert miners.score.mean() > honest.score.mean() + 0.5


def test_onset_and_excess_of_flagged_steps(feeders: pd.DataFrame) -> None:
    hits = feeders[(feeders.label == 1) & feeders.flagged & feeders.scenario.isin(["step", "raided", "curtailed"])]
    assert len(hits) >= 3
    onset_error_h = (hits.onset - hits.start).abs().dt.total_seconds() / 3600
    assert onset_error_h.median() <= 24
    error = (hits.excess - hits.excess_true).abs() / hits.excess_true
    # At model 3756f8d1 four of the sample's six step-like farms are flagged (not the two smallest, 0.17 and
    # 0.21 MW; 5ce73f7b flagged the 0.21 MW one and read it 15.5 % high); the median error of the four is 3.7 %,
    # the largest 9.8 %; on the headline's real zones it is 6.0 % with peers (BENCHMARKS.md). Small blocks on a
    # feeder are read high.
    assert error.median() <= 0.12
    assert error.max() <= 0.35


def test_the_excess_interval_holds_the_true_power_of_flagged_mining(feeders: pd.DataFrame) -> None:
    hits = feeders[(feeders.label == 1) & feeders.flagged & (feeders.scenario != "staircase")]
    assert len(hits) >= 5
    inside = (hits.low <= hits.excess_true) & (hits.excess_true <= hits.high)
    assert inside.mean() >= 0.8, hits[["series_id", "excess_true", "low", "excess", "high"]]


def test_evidence_gives_powers_in_the_unit_they_read_best_in() -> None:
    # A zone metered in kW (GEFCom's are) with a block of thousands of kW: "2.68 MW", never "2.68e+03 kW".
    s = simulate.make_series("z", kind="region", scenario="step", days=365, rng=np.random.default_rng(5))
    frame = pd.DataFrame({"series_id": "z", "timestamp": s.index, "load": s.load * 1000, "temperature": s.temperature})
    report = detector.score(frame, unit="kW", tz="Asia/Tehran")[0]
    # Found (scored 0.82, under 1 % of clean training windows with temperature as high) though under the alone
    # threshold, 0.839 since stop 43: the evidence of every found segment is written, flagged or not.
    assert report.segments
    assert report.false_alarm_rate is not None
    assert report.false_alarm_rate < 0.01
    text = " ".join(report.evidence)
    assert "e+" not in text, text
    assert re.search(r"rose by \d[\d.]* (MW|GW) \(", report.evidence[0]), report.evidence[0]


@pytest.mark.parametrize("scenario", ["step", "curtailed", "raided", "mining_outages"])
def test_each_mining_kind_is_caught_on_a_meter(scenario: str) -> None:
    s = simulate.make_series("m", kind="meter", scenario=scenario, days=365, rng=np.random.default_rng(21))
    frame = pd.DataFrame({"series_id": "m", "timestamp": s.index, "load": s.load, "temperature": s.temperature})
    report = detector.score(frame, unit="kW", tz="Asia/Tehran")[0]
    assert report.flagged, report
    assert report.rigs == pytest.approx(s.event.excess / detector.RIG_KW, rel=0.3)
    assert report.evidence[0].startswith("load rose by")


@pytest.mark.parametrize("scenario", ["clean", "new_factory", "ev_charging", "heat_wave", "holidays", "outages"])
def test_lookalikes_on_a_feeder_are_not_flagged(scenario: str) -> None:
    s = simulate.make_series("f", kind="feeder", scenario=scenario, days=365, size=0.2, rng=np.random.default_rng(8))
    frame = pd.DataFrame({"series_id": "f", "timestamp": s.index, "load": s.load, "temperature": s.temperature})
    report = detector.score(frame, unit="MW", tz="Asia/Tehran")[0]
    assert not report.flagged, (scenario, report.score, report.evidence)


def _answer(path: str) -> list[list[object]]:
    """What ``detector.score`` says about each series of ``path``, as JSON would carry it (floats to the bit)."""
    reports = detector.score(path, tz="Asia/Tehran")
    rows = [[r.series_id, r.score, r.flagged, str(r.onset), r.excess_load, list(r.evidence)] for r in reports]
    return json.loads(json.dumps(rows))  # type: ignore[no-any-return]


def test_same_input_same_answer_in_separate_processes(tmp_path: Path) -> None:
    """A fresh interpreter (another hash seed) gives this one's scores, onsets, sizes and evidence, to the bit."""
    regions = pd.read_parquet(SAMPLE / "tehran_regions.parquet")
    path = str(tmp_path / "two.parquet")
    regions[regions.series_id.isin(["region-0000", "region-0004"])].to_parquet(path)
    code = f"import json, sys; from {__name__} import _answer; print(json.dumps(_answer(sys.argv[1])))"
    there = subprocess.Popen(
        [sys.executable, "-c", code, path],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "1", "PYTHONPATH": str(Path(__file__).parent)},
    )
    here = _answer(path)  # while the other process scores
    out, _ = there.communicate(timeout=300)
    assert there.returncode == 0
    assert [row[0] for row in here] == ["region-0000", "region-0004"]
    assert json.loads(out) == here


def test_expected_load_tracks_the_load_without_the_block() -> None:
    s = simulate.make_series("m", kind="feeder", scenario="step", days=365, size=0.2, rng=np.random.default_rng(3))
    frame = pd.DataFrame({"series_id": "m", "timestamp": s.index, "load": s.load, "temperature": s.temperature})
    report = detector.score(frame, unit="MW", tz="Asia/Tehran", with_expected=True)[0]
    expected = report.expected
    assert expected is not None
    assert expected.index.equals(s.index)
    hours = np.arange(len(s.load))
    on = (hours >= s.event.start) & (hours < (s.event.end or len(hours)))
    gap = s.load - expected.to_numpy()
    # Before the onset the model explains the load; while mining the load sits one block above it.
    assert abs(np.median(gap[~on])) < 0.03 * s.mean_load
    assert np.median(gap[on]) == pytest.approx(s.event.excess, rel=0.2)
    assert np.median(np.abs(s.base - expected.to_numpy())) < 0.1 * s.mean_load


def _frame(s: simulate.SimulatedSeries, load: np.ndarray | None = None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "series_id": s.series_id,
            "timestamp": s.index,
            "load": s.load if load is None else load,
            "temperature": s.temperature,
        }
    )


def test_two_mining_seasons_are_two_segments() -> None:
    s = simulate.make_series("f", kind="feeder", scenario="seasonal", days=730, size=0.2, rng=np.random.default_rng(5))
    report = detector.score(_frame(s), unit="MW", tz="Asia/Tehran")[0]
    on = np.flatnonzero(np.diff(np.concatenate([[0], (s.load - s.base > 0.5 * s.event.excess).astype(int)])) == 1)
    # Two-year inputs are outside the training windows (one year each): the flag is not asserted here.
    assert len(report.segments) == 2, report.segments
    for seg, hour in zip(report.segments, on, strict=True):
        assert abs(seg.start - s.index[hour]) <= pd.Timedelta(days=2)
        assert seg.excess_load == pytest.approx(s.event.excess, rel=0.3)
    assert report.segments[0].end is not None
    assert report.evidence[0].startswith("load rose by")  # the main season, fully explained
    assert re.search(r" on .+ and stayed on until ", report.evidence[0]), report.evidence[0]
    assert report.evidence[-1].startswith("segment 1: ")  # then a line for the other one


def test_staircase_reports_each_step_with_the_power_while_it_lasts() -> None:
    s = simulate.make_series("f", kind="feeder", scenario="clean", days=365, rng=np.random.default_rng(9))
    first, second = 0.10 * s.mean_load, 0.15 * s.mean_load
    hours = np.arange(len(s.load))
    load = s.load + first * (hours >= 100 * 24) + second * (hours >= 220 * 24)
    report = detector.score(_frame(s, load), unit="MW", tz="Asia/Tehran")[0]
    assert report.flagged
    assert len(report.segments) == 2, report.segments
    for seg, day in zip(report.segments, (100, 220), strict=True):
        assert abs(seg.start - s.index[day * 24]) <= pd.Timedelta(hours=24)
    assert report.segments[0].excess_load == pytest.approx(first, rel=0.25)
    assert report.segments[1].excess_load == pytest.approx(first + second, rel=0.25)
    assert report.excess_load == report.segments[1].excess_load
    assert report.segments[0].end == report.segments[1].start  # one farm growing: no gap between steps
    assert report.end is None


@pytest.fixture(scope="module")
def small_first_batch() -> tuple[simulate.SimulatedSeries, detector.ScoreReport]:
    """A feeder with three batches five weeks apart (4, 4 and 12 % of mean load from days 150, 185, 220)."""
    s = simulate.make_series("f", kind="feeder", scenario="clean", days=365, rng=np.random.default_rng(1))
    hours = np.arange(len(s.load))
    load = s.load.copy()
    for day, share in ((150, 0.04), (185, 0.04), (220, 0.12)):
        load = load + share * s.mean_load * (hours >= day * 24)
    return s, detector.score(_frame(s, load), unit="MW", tz="Asia/Tehran")[0]


def test_a_staircases_onset_is_its_first_batch_even_when_that_batch_is_small(
    small_first_batch: tuple[simulate.SimulatedSeries, detector.ScoreReport],
) -> None:
    # The search's own boxes start at the second and third batch; the first, too small to be a shift of its own,
    # is found as the step that leads into them.
    # Since model d63ab1b4 (alone, the search explains the level by the day's shape) the second batch, 4 % like
    # the first, is placed 71 h late (found as two boxes a day apart, joined into one segment): 72 h allowed there.
    s, report = small_first_batch
    assert len(report.segments) == 3, report.segments
    for seg, day, hours in zip(report.segments, (150, 185, 220), (36, 72, 36), strict=True):
        assert abs(seg.start - s.index[day * 24]) <= pd.Timedelta(hours=hours), (seg.start, day)
        assert seg.end is None or seg.end > seg.start  # never a segment that ends before it starts
    assert report.onset == report.segments[0].start
    assert report.segments[0].excess_load == pytest.approx(0.04 * s.mean_load, rel=0.25)
    assert report.segments[0].end == report.segments[1].start


def _kw(number: str, unit: str) -> float:
    return float(number) * {"W": 1e-3, "kW": 1.0, "MW": 1e3, "GW": 1e6}[unit]


def test_the_main_segments_evidence_gives_numbers_from_the_fit_that_sized_it(
    small_first_batch: tuple[simulate.SimulatedSeries, detector.ScoreReport],
) -> None:
    # A staircase: the main segment's power comes from the boxes fitted together; its hourly steps must come from
    # the same fit, or the sentence contradicts the headline figure ("rose by 143 kW", "hourly steps 156 to 209 kW").
    _, report = small_first_batch
    text = " ".join(report.evidence)
    rose = re.search(r"load rose by ([\d.]+) (W|kW|MW|GW) ", text)
    steps = re.search(r"hourly steps ([\d.]+) (W|kW|MW|GW) to ([\d.]+) (W|kW|MW|GW)", text)
    assert rose is not None, report.evidence
    assert steps is not None, report.evidence
    low, high = _kw(steps[1], steps[2]), _kw(steps[3], steps[4])
    assert low <= _kw(rose[1], rose[2]) <= high, report.evidence


def test_tehran_before_2022_daylight_saving_at_midnight_scores() -> None:
    # Iran kept DST until 2022, switching at 00:00 (no local midnight on 22 March): local days must not
    # need a midnight that does not exist.
    s = simulate.make_series(
        "m", kind="meter", scenario="step", start="2021-01-01", days=365, rng=np.random.default_rng(4)
    )
    report = detector.score(_frame(s), unit="kW", tz="Asia/Tehran")[0]
    assert report.flagged
    assert abs(report.onset - s.index[s.event.start]) <= pd.Timedelta(hours=24)


@pytest.mark.parametrize("days", [60, 182, 730])
def test_short_and_long_series(days: int) -> None:
    rng = np.random.default_rng(days)
    miner = simulate.make_series("m", kind="meter", scenario="step", days=days, rng=rng)
    honest = simulate.make_series("f", kind="feeder", scenario="clean", days=days, rng=rng)
    assert detector.score(_frame(miner), unit="kW", tz="Asia/Tehran")[0].flagged
    assert not detector.score(_frame(honest), unit="MW", tz="Asia/Tehran")[0].flagged


def test_evaluate_a_simulated_fleet_as_is() -> None:
    fleet = simulate.make_fleet(kind="meter", n_series=8, days=120, mining_share=0.5, seed=11)
    labelled = detector.LabelledSet("meters", fleet.loads, fleet.truth, fleet.unit, fleet.tz, "IR")
    scores, summary = detector.evaluate([labelled])  # no model: the bundled default, named in the summary
    assert summary["model_version"] == detector.load_model().version
    assert len(scores) == 8
    assert set(summary["by_source"]) == {"meters"}  # no source column in the truth: grouped by set
    assert summary["overall"]["roc_auc"] > 0.9
    # Whether the bundled model's false-alarm rates hold on these meters: each budget's share of clean ones kept.
    rate = scores.false_alarm_rate.astype(float)
    assert rate.notna().all()  # 120-day meters alone: the short alone table
    clean = rate[(scores.label == 0) & (scores.scenario == "clean")]
    budgets = summary["false_alarm_budgets"]
    assert list(budgets) == ["0.01", "0.02", "0.05", "0.1"]
    assert budgets["0.05"]["clean_kept"] == (round(float((clean <= 0.05).mean()), 4) if len(clean) else None)


def test_evaluate_says_whether_the_false_alarm_rates_hold_on_the_series_given() -> None:
    # 10 clean series read 0.005-0.09, 4 look-alikes 0.5, 6 mining series 0.001-0.2, one without a rate.
    scores = pd.DataFrame(
        {
            "label": [0] * 14 + [1] * 6,
            "scenario": ["clean"] * 10 + ["growth"] * 4 + ["step"] * 6,
            "false_alarm_rate": [0.005, 0.015, 0.03, 0.04, 0.06, 0.07, 0.08, 0.09, 0.09, 0.09]
            + [0.5] * 4
            + [0.001, 0.01, 0.02, 0.05, 0.2, None],
        }
    )
    budgets = false_alarm_budgets(scores)
    assert budgets["0.01"] == {"clean_kept": 0.1, "negatives_kept": round(1 / 14, 4), "recall": round(2 / 6, 4)}
    assert budgets["0.05"] == {"clean_kept": 0.4, "negatives_kept": round(4 / 14, 4), "recall": round(4 / 6, 4)}
    assert budgets["0.1"]["clean_kept"] == 1.0  # every clean series within 10 %: the rates are optimistic here


def test_evaluate_gives_intervals_that_hold_its_figures() -> None:
    # 20 mining series (10 flagged) and 20 clean ones (1 flagged); a "baseline" that is the model's own score.
    y = np.repeat([1, 0], 20)
    scores = pd.DataFrame(
        {
            "label": y,
            "score": np.r_[np.linspace(0.3, 0.9, 20), np.linspace(0.0, 0.6, 20)],
            "flagged": np.r_[np.arange(20) < 10, np.arange(20) == 0],
        }
    )
    scores["same"] = scores["score"]
    ci = intervals(scores, ["same"], draws=400)
    assert ci == intervals(scores, ["same"], draws=400)  # a fixed seed: reproducible
    assert ci["recall"][0] < 0.5 < ci["recall"][1]
    assert ci["fpr"][0] <= 0.05 <= ci["fpr"][1]
    assert ci["ap_minus_baseline"] == {"same": [0.0, 0.0]}  # the same scores on the same draws


def test_evaluate_intervals_can_draw_windows_of_one_base_together() -> None:
    # 10 bases, 4 identical windows each: drawn window by window, the intervals claim 40 independent series.
    base = np.repeat(np.arange(10), 4)
    y = (base % 2).astype(int)
    scores = pd.DataFrame({"base": base, "label": y, "score": 0.1 + 0.08 * base, "flagged": np.isin(base, [3, 5, 7])})
    by_window = intervals(scores, draws=400)
    by_base = intervals(scores, draws=400, resample_by="base")
    assert by_base["resampled"] == "groups of base (10)"
    assert by_window["resampled"] == "series"
    width = {k: b["recall"][1] - b["recall"][0] for k, b in (("window", by_window), ("base", by_base))}
    assert width["base"] > width["window"]


def test_evaluate_refuses_to_resample_by_a_column_the_truth_lacks() -> None:
    fleet = simulate.make_fleet(kind="meter", n_series=2, days=60, seed=3)
    labelled = detector.LabelledSet("meters", fleet.loads, fleet.truth, fleet.unit, fleet.tz, "IR")
    with pytest.raises(detector.InputValidationError) as err:
        detector.evaluate([labelled], resample_by="base")
    assert str(err.value).startswith(
        "field 'base': the truth table of 'meters' has no such column to resample by (got ["
    )


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2023, 3, 21), (1402, 1, 1)),  # Nowruz 1402
        (date(2023, 11, 8), (1402, 8, 17)),  # 17 Aban
        (date(2024, 3, 19), (1402, 12, 29)),  # last day of Esfand 1402
        (date(2024, 3, 20), (1403, 1, 1)),  # Nowruz 1403
        (date(2025, 3, 20), (1403, 12, 30)),  # 1403 is a leap year: 30 Esfand
        (date(2021, 9, 23), (1400, 7, 1)),  # 1 Mehr
    ],
)
def test_solar_hijri_dates(day: date, expected: tuple[int, int, int]) -> None:
    assert solar_hijri(day) == expected


def test_evidence_dates_follow_the_country() -> None:
    s = simulate.make_series("m", kind="meter", scenario="step", days=365, rng=np.random.default_rng(21))
    iran = detector.score(_frame(s), unit="kW", tz="Asia/Tehran")[0]
    elsewhere = detector.score(_frame(s), unit="kW", tz="Asia/Tehran", country="TR")[0]
    local = iran.onset.tz_convert("Asia/Tehran").date()
    assert date_text(local, "IR") in iran.evidence[0]
    assert re.search(r"on \d+ [A-Z][a-z]+ 14\d\d \(\d\d [A-Z][a-z]{2} 20\d\d\)", iran.evidence[0]), iran.evidence[0]
    assert f"on {local:%d %b %Y} and" in elsewhere.evidence[0]
