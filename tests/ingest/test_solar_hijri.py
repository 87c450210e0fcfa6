"""Solar Hijri timestamps in (``calendar="solar-hijri"``): the same canonical series as ISO input, exact errors."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

import detector
from detector import InputValidationError
from detector.ingest.solar_hijri import parse_timestamps
from tests.solar_hijri_text import solar_hijri_texts

TZ = "Asia/Tehran"


def _hijri(frame: pd.DataFrame, persian: bool = False) -> pd.DataFrame:
    """``frame`` (ISO timestamps with offsets) with its timestamps as local Solar Hijri texts."""
    utc = pd.to_datetime(frame["timestamp"], utc=True, format="ISO8601")
    return frame.assign(timestamp=solar_hijri_texts(utc, TZ, persian=persian))


def _with(frame: pd.DataFrame, row: int, timestamp: object) -> pd.DataFrame:
    out = frame.astype({"timestamp": object})
    out.loc[row - 1, "timestamp"] = timestamp
    return out


@pytest.mark.parametrize(
    "text",
    [
        "1402/08/17 14:00",
        "۱۴۰۲/۰۸/۱۷ ۱۴:۰۰",  # Persian digits
        "١٤٠٢/٠٨/١٧ ١٤:٠٠",  # Arabic-Indic digits
        "1402-08-17 14:00",
        "1402/08/17 14:00:00",
        "1402-08-17T14:00:00",
        "1402/8/17 14:00",
        " 1402/08/17 14:00 ",
    ],
)
def test_layouts_and_digits_read_as_one_local_time(text: str) -> None:
    # 17 Aban 1402 is 8 November 2023 (Tehran had no DST any more: +03:30)
    naive, problems = parse_timestamps(pd.Series([text]))
    assert problems == []
    assert naive.iloc[0] == pd.Timestamp("2023-11-08 14:00")


def test_esfand_30_exists_in_leap_year_1403() -> None:
    naive, problems = parse_timestamps(pd.Series(["1403/12/30 23:00", "1404/01/01 00:00", "1399/12/30 00:00"]))
    assert problems == []
    assert list(naive) == [pd.Timestamp("2025-03-20 23:00"), pd.Timestamp("2025-03-21"), pd.Timestamp("2021-03-20")]


@pytest.mark.parametrize("persian", [False, True])
def test_same_series_as_iso_across_the_dst_changes_of_1401(table: Callable[..., pd.DataFrame], persian: bool) -> None:
    # 2 Farvardin 1401 (22 March 2022) lost its 00:00 hour; 30 Shahrivar 1401 (21 September) had 23:00 twice.
    for start in ("2022-03-01", "2022-09-01"):
        iso = table(days=45, start=start)
        expected = detector.load(iso, unit="kW", tz=TZ)[0]
        got = detector.load(_hijri(iso, persian), unit="kW", tz=TZ, calendar="solar-hijri")[0]
        assert got.start == expected.start
        np.testing.assert_array_equal(got.load, expected.load)
        assert got.quality == expected.quality


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1402/13/01 00:00", "Solar Hijri months are 1 to 12 (got '1402/13/01 00:00')"),
        ("1402/12/30 00:00", "Esfand 1402 has 29 days (got '1402/12/30 00:00')"),  # 1402 is not a leap year
        ("1402/07/31 00:00", "Mehr 1402 has 30 days (got '1402/07/31 00:00')"),
        ("1402/08/00 00:00", "Aban 1402 has 30 days (got '1402/08/00 00:00')"),
        ("1402/08/17 24:00", "time of day must be 00:00 to 23:59:59 (got '1402/08/17 24:00')"),
        ("۱۴۰۲/۱۳/۰۱ ۰۰:۰۰", "Solar Hijri months are 1 to 12 (got '۱۴۰۲/۱۳/۰۱ ۰۰:۰۰')"),  # quoted as written
        (
            "2023-11-08 14:00",
            "Solar Hijri years must be 1279 to 1578; Gregorian timestamps need calendar gregorian "
            "(got '2023-11-08 14:00')",
        ),
        (
            "17 Aban 1402",
            "timestamp is not a Solar Hijri date-time such as 1402/08/17 14:00 (got '17 Aban 1402')",
        ),
        (
            "1402/08/17 14:00+03:30",  # local time only: an offset belongs to ISO input
            "timestamp is not a Solar Hijri date-time such as 1402/08/17 14:00 (got '1402/08/17 14:00+03:30')",
        ),
        (None, "timestamp is not a Solar Hijri date-time such as 1402/08/17 14:00 (got None)"),
    ],
)
def test_bad_solar_hijri_timestamps_name_row_field_and_value(
    table: Callable[..., pd.DataFrame], value: object, message: str
) -> None:
    frame = _with(_hijri(table(days=30, start="2023-11-01")), 4, value)
    with pytest.raises(InputValidationError) as info:
        detector.load(frame, unit="kW", tz=TZ, calendar="solar-hijri")
    assert str(info.value) == f"row 4, field 'timestamp': {message} [series 'm1']"
    assert (info.value.row, info.value.field, info.value.value) == (4, "timestamp", value)


def test_time_skipped_by_dst_is_quoted_as_written(table: Callable[..., pd.DataFrame]) -> None:
    frame = _hijri(table(days=30, start="2022-03-10"))
    skipped = frame.index[frame["timestamp"] == "1401/01/02 01:00"][0]  # the hour after the gap, read 1 h early
    frame.loc[skipped, "timestamp"] = "1401/01/02 00:00"
    with pytest.raises(InputValidationError) as info:
        detector.load(frame, unit="kW", tz=TZ, calendar="solar-hijri")
    assert str(info.value) == (
        f"row {skipped + 1}, field 'timestamp': local time is skipped or repeated by a DST change in Asia/Tehran; "
        "write ISO 8601 timestamps with UTC offsets instead (got '1401/01/02 00:00') [series 'm1']"
    )


@pytest.mark.parametrize(
    ("calendar", "tz", "message"),
    [
        ("persian", TZ, "field 'calendar': calendar must be one of gregorian, solar-hijri (got 'persian')"),
        (
            "solar-hijri",
            None,
            "field 'calendar': Solar Hijri timestamps are local time: give tz (e.g. tz='Asia/Tehran') "
            "(got 'solar-hijri')",
        ),
    ],
)
def test_calendar_argument_is_checked(
    table: Callable[..., pd.DataFrame], calendar: str, tz: str | None, message: str
) -> None:
    with pytest.raises(InputValidationError) as info:
        detector.load(table(), unit="kW", tz=tz, calendar=calendar)
    assert str(info.value) == message


def test_gregorian_stays_the_default(table: Callable[..., pd.DataFrame]) -> None:
    with pytest.raises(InputValidationError) as info:  # 1402/10/11 read as ISO: the year 1402
        detector.load(_hijri(table()), unit="kW", tz=TZ)
    assert str(info.value) == (
        "row 1, field 'timestamp': timestamp must be between 1900-01-01 and 2199-12-31 (got '1402/10/11 00:00'); "
        "719 more rows like this [series 'm1']"
    )
