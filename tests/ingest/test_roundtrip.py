"""Units, zones, DST, resolutions, duplicates and gaps all land on the same canonical hourly series."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import detector
from detector import InputValidationError


def _hourly(frame: pd.DataFrame, **kwargs: object) -> detector.LoadSeries:
    return detector.load(frame, **kwargs)[0]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("unit", "factor", "power_unit"),
    [("W", 1e3, "W"), ("kW", 1.0, "kW"), ("MW", 1e-3, "MW"), ("GW", 1e-6, "GW")],
)
def test_power_units_keep_their_scale(
    table: Callable[..., pd.DataFrame], unit: str, factor: float, power_unit: str
) -> None:
    base = table()
    s = _hourly(base.assign(load=base.load * factor), unit=unit)
    assert s.unit == power_unit
    np.testing.assert_allclose(s.load, base.load.to_numpy() * factor)


def test_energy_per_interval_becomes_mean_power(table: Callable[..., pd.DataFrame]) -> None:
    quarter = table(days=30, freq="15min")
    as_power = _hourly(quarter, unit="kW")
    as_energy = _hourly(quarter.assign(load=quarter.load / 4), unit="kWh")  # kWh per 15 min
    assert as_energy.unit == "kW"
    assert as_energy.quality.input_unit == "kWh"
    np.testing.assert_allclose(as_energy.load, as_power.load)
    hourly_mwh = table(days=30)
    np.testing.assert_allclose(_hourly(hourly_mwh, unit="MWh").load, hourly_mwh.load)  # MWh per hour = MW


@pytest.mark.parametrize("freq", ["1min", "5min", "10min", "15min", "30min", "h"])
def test_resolutions_average_to_the_same_hours(freq: str) -> None:
    idx = pd.date_range("2024-01-01T00:00Z", periods=30 * 24 * 60, freq="1min")
    minute = pd.Series(np.arange(len(idx)) % 60 + 100.0, index=idx)  # hourly mean 129.5
    sampled = minute.resample(freq).mean()
    frame = pd.DataFrame({"series_id": "m", "timestamp": sampled.index, "load": sampled.to_numpy()})
    s = _hourly(frame, unit="kW")
    assert s.quality.resolution == ("1h" if freq == "h" else freq)
    assert len(s.load) == 30 * 24
    np.testing.assert_allclose(s.load, 129.5)


def test_offsets_and_naive_local_times_agree(table: Callable[..., pd.DataFrame]) -> None:
    aware = table(start="2020-03-01", days=60)  # spans Tehran's 2020 DST change (+03:30 -> +04:30)
    naive = aware.assign(timestamp=[t[:19] for t in aware.timestamp])
    a, n = _hourly(aware, unit="kW", tz="Asia/Tehran"), _hourly(naive, unit="kW", tz="Asia/Tehran")
    assert a.start == n.start == pd.Timestamp("2020-02-29T20:30Z")
    np.testing.assert_array_equal(a.load, n.load)
    assert a.quality.coverage == 1.0


def test_dst_in_new_york_spring_gap_and_autumn_repeat() -> None:
    local = pd.date_range("2024-02-20", "2024-11-20", freq="h", tz="America/New_York")
    frame = pd.DataFrame(
        {
            "series_id": "ny",
            "timestamp": local.tz_localize(None).astype(str),
            "load": np.arange(len(local), dtype=float),
        }
    )
    s = _hourly(frame, unit="MW", tz="America/New_York")
    assert s.quality.hours == len(local)  # UTC grid has no hole in March and no double hour in November
    assert s.quality.missing_hours == 0
    np.testing.assert_array_equal(s.load, np.arange(len(local)))


def test_duplicates_dropped_unsorted_sorted(table: Callable[..., pd.DataFrame]) -> None:
    base = table()
    shuffled = pd.concat([base, base.iloc[:5]], ignore_index=True).sample(frac=1.0, random_state=1)
    s = _hourly(shuffled, unit="kW")
    np.testing.assert_allclose(s.load, base.load)
    assert s.quality.duplicates_dropped == 5
    assert "5 identical duplicate rows dropped" in s.quality.warnings


def test_short_gaps_filled_long_gaps_kept(table: Callable[..., pd.DataFrame]) -> None:
    base = table(days=40)
    dropped = base.drop(index=list(range(100, 103)) + list(range(300, 310)))  # a 3 h gap and a 10 h gap
    s = _hourly(dropped, unit="kW")
    assert s.quality.gaps_filled == 3
    assert s.quality.missing_hours == 10
    assert s.quality.longest_gap_hours == 10
    assert np.isnan(s.load[300:310]).all()
    np.testing.assert_allclose(s.load[100:103], np.interp([100, 101, 102], [99, 103], base.load.iloc[[99, 103]]))
    assert s.quality.coverage == pytest.approx(1 - 13 / (40 * 24))


def test_null_loads_are_gaps_not_zeros(table: Callable[..., pd.DataFrame]) -> None:
    frame = table()
    frame.loc[200:220, "load"] = np.nan
    s = _hourly(frame, unit="kW")
    assert np.isnan(s.load[200:221]).all()


def test_csv_parquet_and_arrays_agree(table: Callable[..., pd.DataFrame], tmp_path: Path) -> None:
    frame = table().assign(temperature=21.5)
    frame.to_csv(tmp_path / "t.csv", index=False)
    frame.to_parquet(tmp_path / "t.parquet", index=False)
    a = _hourly(tmp_path / "t.csv", unit="kW")  # type: ignore[arg-type]
    b = _hourly(tmp_path / "t.parquet", unit="kW")  # type: ignore[arg-type]
    c = detector.from_arrays(
        "m1", list(frame.timestamp), list(frame.load), unit="kW", temperature=list(frame.temperature)
    )
    for other in (b, c):
        np.testing.assert_allclose(a.load, other.load)
        assert other.temperature is not None
        np.testing.assert_allclose(other.temperature, 21.5)
    assert a.quality.to_dict()["start"] == "2023-12-31T20:30:00+00:00"


def test_quarter_hours_align_to_local_clock_hours() -> None:
    local = pd.date_range("2024-01-01", periods=30 * 96, freq="15min", tz="Asia/Tehran")
    frame = pd.DataFrame({"series_id": "m", "timestamp": local, "load": (local.hour == 0).astype(float)})
    s = _hourly(frame, unit="kW", tz="Asia/Tehran")
    local_hours = s.index.tz_convert("Asia/Tehran")
    assert (local_hours.minute == 0).all()
    np.testing.assert_array_equal(s.load, (local_hours.hour == 0).astype(float))


def test_read_table_takes_a_csv_stream_and_a_default_series_id(tmp_path: Path) -> None:
    """A CSV body (e.g. HTTP) reads as the same file would; ``series_id`` names a table without that column."""
    text = "timestamp,load,temperature\n2024-03-20T00:00+03:30,1.5,12\n2024-03-20T01:00+03:30,,11\n"
    frame = detector.read_table(io.BytesIO(text.encode()), series_id="m1")
    (tmp_path / "one.csv").write_text(text)
    assert frame.equals(detector.read_table(tmp_path / "one.csv", series_id="m1"))
    assert frame.columns.tolist() == ["series_id", "timestamp", "load", "temperature"]
    assert frame["series_id"].tolist() == ["m1", "m1"]
    assert frame["timestamp"].tolist() == ["2024-03-20T00:00+03:30", "2024-03-20T01:00+03:30"]  # text, as from files
    with pytest.raises(InputValidationError, match=r"^field 'series_id': required column missing"):
        detector.read_table(io.BytesIO(text.encode()))  # without a default the column is required
    two = "series_id,timestamp,load\nm2,2024-03-20T00:00+03:30,1.5\n"
    assert detector.read_table(io.BytesIO(two.encode()), series_id="m1")["series_id"].tolist() == ["m2"]
