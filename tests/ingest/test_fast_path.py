"""The fast path (one clean series with offset timestamps) gives bit-identical series, signatures and reports.

Before/after on the sample data: every series is scored with the fast path and the calendar cache, and again
with both switched off (``check_rows`` and an uncached ``calendar_features``, the code as it was), and the
answers must be equal to the last bit. The timestamp parser is checked against pandas, value by value.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import detector
import detector.ingest.reader as reader
import detector.scoring as scoring
from detector.features.calendar import CalendarSpec, calendar_features, grid_calendar
from detector.ingest.fast import iso_utc_ns
from detector.pipeline import iter_signatures
from tests.conftest import hourly_table

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


def _as_text(frame: pd.DataFrame, layout: str, tz: str) -> pd.DataFrame:
    """The frame's timestamps as ISO 8601 texts, as a client would post them."""
    ts = pd.DatetimeIndex(frame["timestamp"])
    text = {
        "utc": lambda: ts.tz_convert("UTC").map(lambda t: t.isoformat()),
        "local": lambda: ts.tz_convert(tz).map(lambda t: t.isoformat()),
        "zulu": lambda: ts.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ"),
        "minutes": lambda: ts.tz_convert(tz).map(lambda t: t.isoformat(timespec="minutes")),
    }[layout]()
    out = frame.drop(columns=["unit"], errors="ignore").reset_index(drop=True)
    out["timestamp"] = list(text)
    return out


def _cases() -> Iterator[tuple[str, pd.DataFrame, str, str]]:
    feeders = pd.read_parquet(SAMPLE / "tehran_feeders.parquet")
    regions = pd.read_parquet(SAMPLE / "tehran_regions.parquet")
    layouts = ("utc", "local", "zulu", "minutes")
    for i, sid in enumerate(sorted(feeders.series_id.unique())[:4]):
        one = feeders[feeders.series_id == sid]
        yield f"{sid}-{layouts[i % 4]}", _as_text(one, layouts[i % 4], "Asia/Tehran"), "MW", "Asia/Tehran"
    for i, sid in enumerate(sorted(regions.series_id.unique())[:1]):
        one = regions[regions.series_id == sid]
        yield f"{sid}-{layouts[i % 4]}", _as_text(one, layouts[i % 4], "Asia/Tehran"), "MW", "Asia/Tehran"
    chicago = hourly_table("chicago", days=365, start="2024-01-01", tz="America/Chicago", seed=3)  # DST offsets
    yield "chicago-dst", chicago, "kW", "America/Chicago"


CASES = list(_cases())


@pytest.fixture
def general_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The code before the fast path: every block through ``check_rows``, every calendar built afresh."""
    monkeypatch.setattr(reader, "clean_series_arrays", lambda frame: None)

    def uncached(start: pd.Timestamp, hours: int, spec: CalendarSpec) -> object:
        return calendar_features(pd.date_range(start, periods=hours, freq="h"), spec)

    monkeypatch.setattr(scoring, "grid_calendar", uncached)


def _answers(frame: pd.DataFrame, unit: str, tz: str) -> tuple[detector.LoadSeries, np.ndarray, detector.ScoreReport]:
    series = detector.load(frame, unit=unit, tz=tz)[0]
    (_, features), *_ = iter_signatures(frame, unit=unit, tz=tz, peers="none")
    report = detector.score(frame, unit=unit, tz=tz, peers="none", with_expected=True)[0]
    return series, features, report


@pytest.fixture(scope="module")
def fast_answers() -> dict[str, tuple[detector.LoadSeries, np.ndarray, detector.ScoreReport]]:
    taken = []
    real = reader.clean_series_arrays

    def spy(frame: pd.DataFrame) -> object:
        out = real(frame)
        taken.append(out is not None)
        return out

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(reader, "clean_series_arrays", spy)
        answers = {name: _answers(frame, unit, tz) for name, frame, unit, tz in CASES}
    assert taken
    assert all(taken)  # every case really took the fast path
    return answers


@pytest.mark.parametrize(("name", "frame", "unit", "tz"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.usefixtures("general_path")
def test_fast_path_is_bit_identical(
    fast_answers: dict[str, tuple[detector.LoadSeries, np.ndarray, detector.ScoreReport]],
    name: str,
    frame: pd.DataFrame,
    unit: str,
    tz: str,
) -> None:
    series, features, report = _answers(frame, unit, tz)
    f_series, f_features, f_report = fast_answers[name]
    assert series.start == f_series.start
    assert series.quality == f_series.quality
    np.testing.assert_array_equal(series.load, f_series.load)
    np.testing.assert_array_equal(series.temperature, f_series.temperature)
    assert features.tobytes() == f_features.tobytes()  # to the last bit (NaN included)
    assert (report.score, report.threshold, report.rigs) == (f_report.score, f_report.threshold, f_report.rigs)
    assert report.segments == f_report.segments
    assert report.evidence == f_report.evidence
    assert report.warnings == f_report.warnings
    assert report.quality == f_report.quality
    assert report.expected is not None
    assert f_report.expected is not None
    assert report.expected.to_numpy().tobytes() == f_report.expected.to_numpy().tobytes()


def test_cached_calendar_is_read_only_and_equal() -> None:
    start, spec = pd.Timestamp("2023-03-20T20:30Z"), CalendarSpec(tz="Asia/Tehran", country="IR")
    cal = grid_calendar(start, 8760, spec)
    assert grid_calendar(start, 8760, spec) is cal
    fresh = calendar_features(pd.date_range(start, periods=8760, freq="h"), spec)
    for field in ("hour", "dow", "weekend", "holiday", "ramadan", "day", "doy"):
        np.testing.assert_array_equal(getattr(cal, field), getattr(fresh, field))
        with pytest.raises(ValueError, match="read-only"):
            getattr(cal, field)[0] = 0


def test_bad_rows_still_take_the_general_path_and_its_errors() -> None:
    frame = hourly_table(days=30)
    frame.loc[17, "load"] = -3.2
    expected = r"^row 18, field 'load': load must be >= 0 \(got -3.2\) \[series 'm1'\]$"
    with pytest.raises(detector.InputValidationError, match=expected):
        detector.load(frame, unit="kW")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.datetimes(min_value=datetime(1901, 1, 1), max_value=datetime(2198, 12, 31)), min_size=1),
    st.integers(-12 * 4, 14 * 4),
    st.sampled_from(["seconds", "minutes"]),
    st.booleans(),
)
def test_timestamp_parser_agrees_with_pandas(
    times: list[datetime], quarter_hours: int, timespec: str, zulu: bool
) -> None:
    zone = UTC if zulu else timezone(timedelta(minutes=15 * quarter_hours))
    stamps = [t.replace(tzinfo=UTC).astimezone(zone).isoformat(timespec=timespec) for t in times]
    text = pd.Series([t.replace("+00:00", "Z") for t in stamps] if zulu else stamps)
    ours = iso_utc_ns(text)
    theirs = pd.to_datetime(text, format="ISO8601", utc=True).dt.tz_localize(None).dt.as_unit("ns")
    assert ours is not None
    np.testing.assert_array_equal(ours, theirs.to_numpy().astype(np.int64))


@pytest.mark.parametrize(
    "bad",
    [
        "2023-02-29T00:00:00+00:00",  # no such day
        "2024-13-01T00:00:00+00:00",
        "2024-01-01T24:00:00+00:00",
        "2024-01-01T00:60:00+00:00",
        "2024-01-01T00:00:00+15:00",  # not an offset taken here (pandas decides)
        "2024-01-01 00:00:00+00:00",  # space: pandas decides
        "2024-01-01T00:00:00 +0000",
        "1899-12-31T23:00:00+00:00",  # outside TIME_RANGE
        "2200-01-01T00:00:00+00:00",
        "2024-01-01T00:00:00",  # naive: localised per series on the general path
        "２０２４-01-01T00:00:00+00:00",
    ],
)
def test_timestamp_parser_leaves_anything_else_to_pandas(bad: str) -> None:
    good = "2024-01-01T01:00:00+00:00"
    assert iso_utc_ns(pd.Series([good, bad])) is None
    assert iso_utc_ns(pd.Series([good, bad], dtype=object)) is None


def test_timestamp_parser_needs_every_value() -> None:
    assert iso_utc_ns(pd.Series(["2024-01-01T01:00:00+00:00", None])) is None
    assert iso_utc_ns(pd.Series(["2024-01-01T01:00:00+00:00", None], dtype=object)) is None
    assert iso_utc_ns(pd.Series(["2024-01-01T01:00:00+00:00", "2024-01-01T02:00+00:00"])) is None  # two layouts
