"""``ScoreReport.recall_by_size``: what an answer's context flags at 5, 10 and 20 % of mean load, and the sentence
an unflagged answer carries (``scoring.sensitivity``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

import detector
from detector.ingest.units import power_text
from detector.scoring import NO_WEATHER_WARNING
from detector.scoring.sensitivity import FOUND, MEASURED_MODEL, NOISE_BOUND, SHARES, recall_by_size

REGIONS = Path(__file__).resolve().parents[2] / "sample_data" / "tehran_regions.parquet"
NOTE_START = "not flagged, which does not rule out a block"


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return pd.read_parquet(REGIONS)


@pytest.fixture(scope="module")
def province(frame: pd.DataFrame) -> list[detector.ScoreReport]:
    return detector.score(frame, tz="Asia/Tehran")


def _notes(report: detector.ScoreReport) -> list[str]:
    return [w for w in report.warnings if w.startswith(NOTE_START)]


def test_the_shipped_model_is_the_one_measured() -> None:
    assert detector.load_model().version == MEASURED_MODEL
    for key in ("peers+temperature", "peers+no-temperature", "alone+temperature", "alone+no-temperature"):
        assert set(FOUND[key]) == set(SHARES)
        assert all(0 <= k <= n and n >= 30 for k, n in FOUND[key].values())  # a share of a few windows is noise


def test_each_answer_of_a_province_gives_its_contexts_recall_in_its_own_unit(
    frame: pd.DataFrame, province: list[detector.ScoreReport]
) -> None:
    for r in province:
        assert r.peers  # scored with peers, with the file's temperature
        found = FOUND["peers+temperature"]
        assert [(x.share, x.recall, x.windows) for x in r.recall_by_size] == [
            (s, found[s][0] / found[s][1], found[s][1]) for s in SHARES
        ]
        mean = frame.loc[frame.series_id == r.series_id, "load"].mean()
        for x in r.recall_by_size:
            assert x.load / x.share == pytest.approx(mean, rel=0.05)  # the series' mean load, in its unit


def test_an_unflagged_answer_says_what_it_does_not_rule_out_and_a_flagged_one_does_not(
    province: list[detector.ScoreReport],
) -> None:
    unflagged = [r for r in province if not r.flagged]
    assert unflagged
    assert len(unflagged) < len(province)
    for r in unflagged:
        loads = " / ".join(power_text(x.load, r.unit) for x in r.recall_by_size)
        rates = " / ".join(f"{100 * x.recall:.0f}" for x in r.recall_by_size)
        assert _notes(r) == [
            "not flagged, which does not rule out a block: on zones never seen in training, scored as this one was "
            f"(with peers, with temperature), blocks of 5 / 10 / 20 % of mean load ({loads} here) were flagged "
            f"{rates} % of the time"
        ]
    for r in province:
        if r.flagged:
            assert r.recall_by_size
            assert not _notes(r)


def test_the_score_file_writes_it_as_shares(province: list[detector.ScoreReport]) -> None:
    row = province[0].to_row()
    assert list(row)[-1] == "recall_by_size"
    cells = [f"{x.share:.0%}: {x.recall:.2f}" for x in province[0].recall_by_size]
    assert row["recall_by_size"] == "; ".join(cells)
    assert cells[0].startswith("5%: ")


def test_the_weather_warning_quotes_the_same_counts() -> None:
    found = FOUND["alone+no-temperature"]
    assert "{} of {} blocks of 10 % of mean load and {} of {} of 20 %".format(*found[0.1], *found[0.2]) in (
        NO_WEATHER_WARNING
    )


def test_alone_without_temperature_the_weather_warning_says_it_and_the_field_stays(frame: pd.DataFrame) -> None:
    one = frame[frame.series_id == frame.series_id.iloc[0]].drop(columns="temperature")
    (r,) = detector.score(one, tz="Asia/Tehran")
    found = FOUND["alone+no-temperature"]
    assert [x.recall for x in r.recall_by_size] == [found[s][0] / found[s][1] for s in SHARES]
    assert NO_WEATHER_WARNING in r.warnings
    assert not _notes(r)


def test_where_it_was_not_measured_there_is_neither_field_nor_sentence(frame: pd.DataFrame) -> None:
    """Another model, a threshold or budget of the caller's, or an input far from a year: not what was measured."""
    model = detector.load_model()
    other = dataclasses.replace(model, version="default-20990101-00000000")
    for answers in (
        detector.score(frame, tz="Asia/Tehran", model=other),
        detector.score(frame, tz="Asia/Tehran", threshold=0.99),
        detector.score(frame, tz="Asia/Tehran", max_false_alarm=0.05),
    ):
        assert all(r.recall_by_size == () and not _notes(r) for r in answers)
    start = frame.timestamp.min()
    short = frame[frame.timestamp < start + pd.Timedelta(days=120)]
    assert all(r.recall_by_size == () for r in detector.score(short, tz="Asia/Tehran"))


def test_the_sizes_scale_with_the_level_given() -> None:
    a = recall_by_size(MEASURED_MODEL, True, False, 365, 1000.0, 0.03)
    b = recall_by_size(MEASURED_MODEL, True, False, 365, 2000.0, 0.03)
    assert [x.load for x in a] == [50.0, 100.0, 200.0]
    assert [2 * x.load for x in a] == [x.load for x in b]
    assert recall_by_size(MEASURED_MODEL, True, False, 800, 1000.0, 0.03) == ()  # two years: the long context


def test_a_series_noisier_than_the_zones_measured_gets_none() -> None:
    """Household meters fit far more loosely than a region: what regions were measured at does not apply."""
    bound = NOISE_BOUND["alone+temperature"]
    assert recall_by_size(MEASURED_MODEL, False, True, 365, 1.0, bound)
    assert recall_by_size(MEASURED_MODEL, False, True, 365, 1.0, 1.01 * bound) == ()
    assert recall_by_size(MEASURED_MODEL, False, True, 365, 1.0, float("nan")) == ()
    meters = detector.score(Path(REGIONS).with_name("tehran_meters.parquet"), tz="Asia/Tehran")
    given = [r for r in meters if r.recall_by_size]
    assert given
    assert len(given) < len(meters)  # the noisier meters get none
    assert all(not _notes(r) for r in meters if not r.recall_by_size)
