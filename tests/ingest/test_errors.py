"""Every bad input is rejected with a message naming row, field, value and series."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import detector
from detector import DataSufficiencyError, InputValidationError


def _with(frame: pd.DataFrame, row: int, **values: object) -> pd.DataFrame:
    """Copy of ``frame`` with data row ``row`` (1-based) changed."""
    out = frame.astype(dict.fromkeys(values, object))
    for key, value in values.items():
        out.loc[row - 1, key] = value
    return out


def test_negative_energy_is_reported_with_row_and_field(write_csv: Callable[..., Path]) -> None:
    path = write_csv("series_id,timestamp,load\nm1,2024-03-20T00:00+03:30,-3.2\n")
    with pytest.raises(
        InputValidationError, match=r"^row 1, field 'load': load must be >= 0 \(got -3.2\) \[series 'm1'\]$"
    ):
        detector.load(path, unit="kW")


@pytest.mark.parametrize(
    ("row", "value", "message"),
    [
        (5, "abc", "row 5, field 'load': load is not a number (got 'abc') [series 'm1']"),
        (7, -1.5, "row 7, field 'load': load must be >= 0 (got -1.5) [series 'm1']"),
        (9, np.inf, "row 9, field 'load': load must be finite (got inf) [series 'm1']"),
    ],
)
def test_bad_load_values(table: Callable[..., pd.DataFrame], row: int, value: object, message: str) -> None:
    with pytest.raises(InputValidationError) as info:
        detector.load(_with(table(), row, load=value), unit="kW")
    assert str(info.value) == message
    assert (info.value.row, info.value.field, info.value.series_id) == (row, "load", "m1")


def test_counts_further_bad_rows(table: Callable[..., pd.DataFrame]) -> None:
    frame = table()
    frame.loc[[2, 10, 11], "load"] = -1.0
    with pytest.raises(
        InputValidationError, match=r"^row 3, field 'load': load must be >= 0 \(got -1.0\); 2 more rows"
    ):
        detector.load(frame, unit="kW")


def test_unparseable_timestamp(table: Callable[..., pd.DataFrame]) -> None:
    with pytest.raises(InputValidationError) as info:
        detector.load(_with(table(), 4, timestamp="2024-13-45 25:00"), unit="kW")
    assert str(info.value) == (
        "row 4, field 'timestamp': timestamp is not an ISO 8601 date-time (got '2024-13-45 25:00') [series 'm1']"
    )


def test_naive_timestamps_need_a_zone(write_csv: Callable[..., Path]) -> None:
    path = write_csv("series_id,timestamp,load\nm1,2024-03-20 00:00,1.0\nm1,2024-03-20 01:00,1.0\n")
    with pytest.raises(InputValidationError) as info:
        detector.load(path, unit="kW")
    assert str(info.value) == (
        "row 1, field 'timestamp': timestamp has no UTC offset; give tz (e.g. tz='Asia/Tehran') or write offsets "
        "(got '2024-03-20T00:00:00') [series 'm1']"
    )


def test_local_time_skipped_by_dst_is_rejected() -> None:
    # 2021-03-22 00:00 did not exist in Tehran: clocks went from 00:00 to 01:00 (DST until 2022).
    idx = pd.date_range("2021-03-01", "2021-04-15", freq="h")
    frame = pd.DataFrame({"series_id": "m1", "timestamp": idx.astype(str), "load": 1.0})
    with pytest.raises(InputValidationError) as info:
        detector.load(frame, unit="kW", tz="Asia/Tehran")
    bad_row = int(np.flatnonzero(idx == pd.Timestamp("2021-03-22 00:00"))[0]) + 1
    assert str(info.value) == (
        f"row {bad_row}, field 'timestamp': local time is skipped or repeated by a DST change in Asia/Tehran; "
        "write UTC offsets (got '2021-03-22T00:00:00') [series 'm1']"
    )


def test_unknown_unit_and_zone(table: Callable[..., pd.DataFrame]) -> None:
    with pytest.raises(
        InputValidationError,
        match=r"^field 'unit': unknown unit; use one of W, kW, MW, GW, Wh, kWh, MWh, GWh \(got 'kVA'\)$",
    ):
        detector.load(table(), unit="kVA")
    with pytest.raises(
        InputValidationError,
        match=r"^field 'tz': unknown time zone; use an IANA name such as 'Asia/Tehran' \(got 'Tehran'\)$",
    ):
        detector.load(table(), unit="kW", tz="Tehran")


def test_unit_is_required_and_checked_per_series(table: Callable[..., pd.DataFrame]) -> None:
    with pytest.raises(InputValidationError, match=r"^field 'unit': the unit is required"):
        detector.load(table())
    frame = table().assign(unit="kW")
    frame.loc[20, "unit"] = "MW"
    with pytest.raises(InputValidationError) as info:
        detector.load(frame)
    assert (
        str(info.value)
        == "row 21, field 'unit': mixed units within a series (first row says 'kW') (got 'MW') [series 'm1']"
    )
    with pytest.raises(InputValidationError, match=r"^row 1, field 'unit': unknown unit"):
        detector.load(table().assign(unit="amps"))


def test_missing_column_and_empty_input(write_csv: Callable[..., Path]) -> None:
    with pytest.raises(InputValidationError) as info:
        detector.load(write_csv("series_id,time,load\nm1,2024-01-01T00:00Z,1\n"), unit="kW")
    assert str(info.value).startswith(
        "field 'timestamp': required column missing; a load table has columns "
        "series_id, timestamp, load [, temperature, unit] (got ['series_id', 'time', 'load'])"
    )
    with pytest.raises(InputValidationError, match=r"^field 'load': input has no data rows \(got 0\)$"):
        detector.load(write_csv("series_id,timestamp,load\n"), unit="kW")


def test_unreadable_paths(tmp_path: Path) -> None:
    with pytest.raises(InputValidationError, match=r"^field 'path': file not found"):
        detector.load(tmp_path / "nope.csv", unit="kW")
    (tmp_path / "x.xlsx").write_text("")
    with pytest.raises(
        InputValidationError, match=r"^field 'path': unknown file type; use \.csv, \.csv\.gz or \.parquet"
    ):
        detector.load(tmp_path / "x.xlsx", unit="kW")


def test_conflicting_duplicates(table: Callable[..., pd.DataFrame]) -> None:
    frame = table()
    dup = frame.iloc[[10]].assign(load=99.0)
    frame = pd.concat([frame, dup], ignore_index=True)
    with pytest.raises(InputValidationError) as info:
        detector.load(frame, unit="kW")
    assert re.fullmatch(
        rf"row {len(frame)}, field 'load': conflicting values for one timestamp \(row 11 has [0-9.]+\) "
        r"\(got 99.0\) \[series 'm1'\]",
        str(info.value),
    )


def test_mixed_resolutions(table: Callable[..., pd.DataFrame]) -> None:
    quarter = table(days=20, freq="15min")
    hourly = table(days=20, start="2024-01-21")
    with pytest.raises(InputValidationError) as info:
        detector.load(pd.concat([quarter, hourly], ignore_index=True), unit="kW")
    assert str(info.value) == (
        f"row {len(quarter) + 2}, field 'timestamp': mixed resolutions within a series (usual step 15min) "
        "(got '1h') [series 'm1']"
    )


def test_resolution_outside_one_minute_to_one_hour(table: Callable[..., pd.DataFrame]) -> None:
    with pytest.raises(
        InputValidationError,
        match=r"^row 2, field 'timestamp': resolution must divide one hour and lie "
        r"between 1 min and 1 h \(got '2h'\)",
    ):
        detector.load(table(days=60, freq="2h"), unit="kW")
    with pytest.raises(InputValidationError, match=r"resolution must divide one hour .* \(got '7min'\)"):
        detector.load(table(days=30, freq="7min"), unit="kW")


def test_too_short_history(table: Callable[..., pd.DataFrame]) -> None:
    with pytest.raises(DataSufficiencyError) as info:
        detector.load(table(days=12), unit="kW")
    assert str(info.value) == (
        "need >= 28 days of hourly load (four weeks, so each hour-of-week slot is seen at least four times); "
        "got 12.0 [series 'm1']"
    )


def test_bad_temperature_and_series_id(table: Callable[..., pd.DataFrame]) -> None:
    frame = table().assign(temperature=20.0)
    with pytest.raises(InputValidationError) as info:
        detector.load(_with(frame, 3, temperature=75.0), unit="kW")
    assert str(info.value) == (
        "row 3, field 'temperature': temperature must be in °C between -60 and 60 (got 75.0) [series 'm1']"
    )
    with pytest.raises(InputValidationError, match=r"^row 2, field 'series_id': series_id is empty"):
        detector.load(_with(table(), 2, series_id=""), unit="kW")


def test_array_form_checks_lengths() -> None:
    with pytest.raises(
        InputValidationError, match=r"^field 'values': must have one value per timestamp \(3\) \(got 2\)$"
    ):
        detector.from_arrays("f1", ["2024-01-01T00:00Z"] * 3, [1.0, 2.0], unit="MW")


def test_one_bad_series_does_not_sink_the_others(table: Callable[..., pd.DataFrame]) -> None:
    good, bad = table("good"), _with(table("bad"), 3, load=-1.0)
    results = dict(detector.iter_series(pd.concat([good, bad], ignore_index=True), unit="kW"))
    assert isinstance(results["good"], detector.LoadSeries)
    assert isinstance(results["bad"], InputValidationError)
    assert results["bad"].row == len(good) + 3  # rows count in the whole file


@pytest.mark.parametrize("year", ["9999", "0001", "1677", "2262", "1500"])
def test_a_timestamp_out_of_range_fails_only_its_series(
    table: Callable[..., pd.DataFrame], write_csv: Callable[..., Path], year: str
) -> None:
    bad = table("bad")
    bad.loc[6, "timestamp"] = f"{year}-03-01T00:00:00+03:30"
    frame = pd.concat([table("good"), bad, table("also-good")], ignore_index=True)
    path = write_csv(frame.to_csv(index=False))
    for source in (frame, path):
        results = dict(detector.iter_series(source, unit="kW"))
        assert isinstance(results["good"], detector.LoadSeries)
        assert isinstance(results["also-good"], detector.LoadSeries)
        assert str(results["bad"]) == (
            f"row {720 + 7}, field 'timestamp': timestamp must be between 1900-01-01 and 2199-12-31 "
            f"(got '{year}-03-01T00:00:00+03:30') [series 'bad']"
        )


def test_out_of_range_naive_and_typed_timestamps(table: Callable[..., pd.DataFrame], tmp_path: Path) -> None:
    naive = table().assign(timestamp=lambda f: f.timestamp.str[:19])
    naive.loc[3, "timestamp"] = "9999-01-01T00:00:00"
    with pytest.raises(InputValidationError, match=r"^row 4, field 'timestamp': timestamp must be between 1900"):
        detector.load(naive, unit="kW", tz="Asia/Tehran")
    typed = table("good")
    typed["timestamp"] = pd.to_datetime(typed.timestamp, utc=True).dt.as_unit("us")
    bad = typed.assign(series_id="bad")
    bad.loc[2, "timestamp"] = pd.Timestamp("9999-01-01", tz="UTC")
    pd.concat([typed, bad], ignore_index=True).to_parquet(tmp_path / "typed.parquet")
    results = dict(detector.iter_series(tmp_path / "typed.parquet", unit="kW"))
    assert isinstance(results["good"], detector.LoadSeries)
    assert isinstance(results["bad"], InputValidationError)
    assert (results["bad"].row, results["bad"].field) == (720 + 3, "timestamp")


def test_overflowing_load_names_row_field_and_value(table: Callable[..., pd.DataFrame]) -> None:
    with pytest.raises(InputValidationError) as info:
        detector.load(_with(table(), 8, load=1e308), unit="MW")
    assert str(info.value) == (
        "row 8, field 'load': load must be below 1e+15 (check the unit) (got 1e+308) [series 'm1']"
    )


def test_a_repeated_column_is_an_error_naming_it(write_csv: Callable[..., Path]) -> None:
    text = "series_id,timestamp,load,load\nm1,2024-03-20T00:00+03:30,1.0,2.0\n"
    message = "field 'load': column 'load' appears 2 times; keep one (got ['series_id', 'timestamp', 'load', 'load'])"
    for chunk_rows in (None, 1000):
        with pytest.raises(InputValidationError) as info:
            list(detector.iter_series(write_csv(text), unit="kW", chunk_rows=chunk_rows))
        assert str(info.value) == message
    frame = pd.DataFrame(
        [["m1", "2024-03-20T00:00+03:30", 1.0, 2.0]], columns=["series_id", "timestamp", "load", "load"]
    )
    with pytest.raises(InputValidationError, match=r"^field 'load': column 'load' appears 2 times"):
        detector.load(frame, unit="kW")


def test_naive_and_offset_timestamps_mixed_in_a_series(table: Callable[..., pd.DataFrame]) -> None:
    frame = table()
    frame.loc[[4, 9], "timestamp"] = frame.loc[[4, 9], "timestamp"].str[:19]
    with pytest.raises(InputValidationError) as info:
        detector.load(frame, unit="kW", tz="Asia/Tehran")
    assert str(info.value) == (
        "row 5, field 'timestamp': timestamp has no UTC offset but row 1 has one; write every timestamp of a "
        "series the same way (got '2024-01-01T04:00:00'); 1 more row like this [series 'm1']"
    )
    naive_first = table().assign(timestamp=lambda f: f.timestamp.str[:19])
    naive_first.loc[2, "timestamp"] = "2024-01-01T02:00:00+03:30"
    with pytest.raises(InputValidationError, match=r"^row 3, field 'timestamp': timestamp has a UTC offset but row 1"):
        detector.load(naive_first, unit="kW", tz="Asia/Tehran")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", r"^field 'path': cannot read CSV: No columns to parse"),
        (b"\xff\xfe\x00", r"^field 'path': cannot read CSV: 'utf-8' codec can't decode"),
        (b"timestamp,load,load\nx,1,2\n", r"^field 'load': column 'load' appears 2 times; keep one"),
    ],
)
def test_an_unreadable_csv_stream_is_an_input_error(body: bytes, message: str) -> None:
    with pytest.raises(InputValidationError, match=message):
        detector.read_table(io.BytesIO(body), series_id="m1")
