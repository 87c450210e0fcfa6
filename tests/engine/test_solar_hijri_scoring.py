"""Issue 18's done-when: local Solar Hijri timestamps score exactly as the same readings in ISO UTC.

The loads span Iran's last DST year, 1401: clocks went forward at the start of 2 Farvardin 1401 (22 March
2022, 00:00 -> 01:00) and back at the end of 30 Shahrivar 1401 (21 September 2022, 24:00 -> 23:00, so
``1401/06/30 23:30`` is written twice). The Solar Hijri texts come from ``tests.solar_hijri_text``, not
from the converter under test.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import detector
from detector import simulate
from detector.cli import app
from tests.solar_hijri_text import solar_hijri_texts

TZ = "Asia/Tehran"
runner = CliRunner()


@pytest.fixture(scope="module")
def loads() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same three feeders as ISO UTC text and as local Solar Hijri text (ASCII, Persian, mixed digits)."""
    fleet = simulate.make_fleet(
        kind="feeder",
        n_series=3,
        days=300,
        mining_share=0.5,
        start="2022-01-01",
        spec=detector.CalendarSpec(tz=TZ, country="IR"),
        seed=3,
    )
    frame = fleet.loads.assign(unit=fleet.unit).reset_index(drop=True)
    iso = frame.assign(timestamp=frame["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
    ascii_text = solar_hijri_texts(frame["timestamp"], TZ)
    persian_text = solar_hijri_texts(frame["timestamp"], TZ, persian=True)
    series = frame["series_id"].to_numpy()
    # feeder-0000 in ASCII digits, feeder-0001 in Persian digits, feeder-0002 alternating row by row
    persian = (series == "feeder-0001") | ((series == "feeder-0002") & (frame.index.to_numpy() % 2 == 1))
    hijri = frame.assign(
        timestamp=[p if use else a for a, p, use in zip(ascii_text, persian_text, persian, strict=True)]
    )
    return iso, hijri


def test_the_input_covers_both_dst_changes_of_1401(loads: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    _, hijri = loads
    text = set(hijri["timestamp"])
    assert {"1401/01/01 23:00", "1401/01/02 01:00"} <= text  # 23:00, then 01:00: the hour 00:00 is skipped
    assert "1401/01/02 00:00" not in text
    first = hijri[hijri.series_id == "feeder-0000"]
    assert (first["timestamp"] == "1401/06/30 23:00").sum() == 2  # the hour repeated when clocks went back
    assert "۱۴۰۱/۰۶/۳۰ ۲۳:۰۰" in text


def test_python_api_scores_solar_hijri_as_iso_utc(loads: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    iso, hijri = loads
    expected = detector.score(iso, tz=TZ)
    got = detector.score(hijri, tz=TZ, calendar="solar-hijri")
    assert [r.series_id for r in got] == ["feeder-0000", "feeder-0001", "feeder-0002"]
    assert any(r.flagged for r in got)  # a verdict worth comparing, with onsets
    for ours, theirs in zip(got, expected, strict=True):
        assert dataclasses.replace(ours, calendar="gregorian") == theirs
        assert theirs.onset_local is None
        if ours.onset is not None:
            assert ours.onset_local == solar_hijri_texts(pd.Series([ours.onset]), TZ)[0]


def test_cli_score_file_is_the_same_with_local_dates_added(
    loads: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    iso, hijri = loads
    iso.to_csv(tmp_path / "iso.csv", index=False)
    hijri.to_csv(tmp_path / "hijri.csv", index=False)
    common = ["--tz", TZ, "--quiet", "--workers", "1"]
    first = runner.invoke(app, ["score", str(tmp_path / "iso.csv"), "--out", str(tmp_path / "a.csv"), *common])
    second = runner.invoke(
        app,
        ["score", str(tmp_path / "hijri.csv"), "--out", str(tmp_path / "b.csv"), "--calendar", "solar-hijri", *common],
    )
    assert (first.exit_code, second.exit_code) == (0, 0), second.output
    a, b = pd.read_csv(tmp_path / "a.csv"), pd.read_csv(tmp_path / "b.csv")
    assert list(b.columns) == list(detector.ScoreReport.ROW_COLUMNS)
    local = ["onset_local", "end_local"]
    pd.testing.assert_frame_equal(a.drop(columns=local), b.drop(columns=local))
    assert a[local].isna().all().all()  # Gregorian input: the columns are there, empty
    onset = b.dropna(subset=["onset"])
    assert len(onset) > 0
    assert list(onset["onset_local"]) == solar_hijri_texts(pd.to_datetime(onset["onset"], utc=True), TZ)


def test_cli_errors_name_the_flags_and_the_row(loads: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path) -> None:
    _, hijri = loads
    one = hijri[hijri.series_id == "feeder-0000"].head(800).astype({"timestamp": object})
    one.iloc[4, one.columns.get_loc("timestamp")] = "1400/12/30 00:00"  # 1400 is not a leap year
    one.to_csv(tmp_path / "bad.csv", index=False)
    args = ["score", str(tmp_path / "bad.csv"), "--out", str(tmp_path / "s.csv"), "--calendar", "solar-hijri"]
    no_zone = runner.invoke(app, args)
    assert no_zone.exit_code == 2
    assert no_zone.output == (
        "error: field '--calendar': Solar Hijri timestamps are local time: give --tz (e.g. --tz Asia/Tehran) "
        "(got 'solar-hijri')\n"
    )
    bad_row = runner.invoke(app, [*args, "--tz", TZ, "--quiet"])
    assert bad_row.exit_code == 1
    assert bad_row.output == (
        "failed: row 5, field 'timestamp': Esfand 1400 has 29 days (got '1400/12/30 00:00') [series 'feeder-0000']\n"
    )


def test_cli_check_reads_the_export_as_score_does(loads: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path) -> None:
    _, hijri = loads
    hijri.to_csv(tmp_path / "hijri.csv", index=False)
    args = ["check", str(tmp_path / "hijri.csv"), "--tz", TZ, "--out", str(tmp_path / "q.csv")]
    assert runner.invoke(app, args).exit_code == 1  # read as ISO, every series is rejected
    assert runner.invoke(app, [*args, "--calendar", "solar-hijri"]).exit_code == 0
    quality = pd.read_csv(tmp_path / "q.csv")
    assert list(quality["series_id"]) == ["feeder-0000", "feeder-0001", "feeder-0002"]
    assert (quality["coverage"] == 1.0).all()
