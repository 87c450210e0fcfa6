"""Read a long load table and check it row by row, vectorised over the table (or one block of it).

The checks run once over all rows (fast) and record per-row problems as boolean masks; each
series then raises only its own first problem, so one bad meter never sinks a batch.
Row numbers are 1-based data rows as the user counts them (the header is not a row).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from detector.errors import ErrorCode, InputValidationError, LimitExceededError
from detector.ingest import solar_hijri
from detector.ingest.bounded import check_parquet_size, open_counted

REQUIRED_COLUMNS: tuple[str, ...] = ("series_id", "timestamp", "load")
OPTIONAL_COLUMNS: tuple[str, ...] = ("temperature", "unit")
TEMP_RANGE_C: tuple[float, float] = (-60.0, 60.0)
# Loads at or above this (in any unit) are typing or unit errors; their squares would overflow the model's sums.
MAX_LOAD = 1e15
# Timestamps outside these years are typing errors, and beyond 2262 they do not fit pandas' nanoseconds.
TIME_RANGE: tuple[pd.Timestamp, pd.Timestamp] = (pd.Timestamp("1900-01-01"), pd.Timestamp("2200-01-01"))
CSV_DTYPES: dict[str, type] = {"series_id": str, "timestamp": str, "unit": str}
_BOUNDED_CHUNK_ROWS = 100_000  # rows per read of a file read within limits (a few MB of text)
# An ISO 8601 timestamp that carries its own offset: ends in Z or +hh:mm / -hhmm / +hh.
_OFFSET_RE = r"(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$"


def read_table(
    source: str | Path | pd.DataFrame | IO[bytes],
    *,
    series_id: str | None = None,
    max_bytes: int | None = None,
    max_rows: int | None = None,
    max_points: int | None = None,
) -> pd.DataFrame:
    """Read CSV (optionally gzipped) or Parquet, or take a DataFrame or a seekable stream of UTF-8 CSV text
    (e.g. an HTTP body); check the columns exist.

    ``series_id``: the id of every row of a table without a ``series_id`` column (one series); None: that
    column is required. ``max_bytes`` (uncompressed), ``max_rows`` (data rows) and ``max_points`` (readings: data
    rows x the values each row holds, load and temperature when the file has it) bound a file: they are counted
    as it is read, and ``LimitExceededError`` stops the read at the first one passed.
    """
    if isinstance(source, pd.DataFrame):
        frame = source.reset_index(drop=True)
    elif isinstance(source, str | Path) and (max_bytes, max_rows, max_points) != (None, None, None):
        frame = _read_bounded(file_path(source), series_id, Limits(max_bytes, max_rows, max_points))
    elif isinstance(source, str | Path):
        path = file_path(source)
        if not path.is_dir():
            check_columns(header(path), series_id)  # before pandas renames a repeated "load" to "load.1"
        with read_errors(path):
            frame = pd.read_parquet(path) if is_parquet(path) else pd.read_csv(path, dtype=CSV_DTYPES)
    else:
        name = str(getattr(source, "name", "CSV text"))
        with read_errors(name, what="CSV"):
            check_columns(header(source), series_id)
            source.seek(0)
            frame = pd.read_csv(source, dtype=CSV_DTYPES)
    if series_id is not None and "series_id" not in frame.columns:
        frame.insert(0, "series_id", series_id)
    check_columns(frame.columns)
    if len(frame) == 0:
        raise InputValidationError(code=ErrorCode.NO_ROWS, field="load", value=0, reason="input has no data rows")
    return frame


def _read_bounded(path: Path, series_id: str | None, limits: Limits) -> pd.DataFrame:
    """A file read whole within limits: CSV in chunks through a counted stream, Parquet after its footer's sizes."""
    with read_errors(path):
        if is_parquet(path):
            if not path.is_dir():  # an upload is one file; a directory is the caller's own data
                names = header(path)
                check_columns(names, series_id)
                rows = check_parquet_size(path, limits.max_bytes, limits.max_rows)  # one read of the footer
                limits.check_points(rows, names)
            return pd.read_parquet(path)
        with open_counted(path, limits.max_bytes) as handle:  # the header too: one 'line' may be the whole bomb
            names = header(handle)
        check_columns(names, series_id)
        chunks: list[pd.DataFrame] = []
        rows, step = 0, limits.chunk_rows(names)
        with (
            open_counted(path, limits.max_bytes) as handle,
            pd.read_csv(handle, dtype=CSV_DTYPES, chunksize=step) as reader,
        ):
            for chunk in reader:
                rows += len(chunk)
                if limits.max_rows is not None and rows > limits.max_rows:
                    raise LimitExceededError(limit="max_rows", maximum=limits.max_rows, what="data rows")
                limits.check_points(rows, names)
                chunks.append(chunk)
    return pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=names)


@dataclass(frozen=True, slots=True)
class Limits:
    """The bounds of one read (None: unbounded); see ``read_table``."""

    max_bytes: int | None = None
    max_rows: int | None = None
    max_points: int | None = None

    @staticmethod
    def values_per_row(names: Iterable[str]) -> int:
        """Readings one data row holds: its load, and its temperature when the table has that column."""
        return 2 if "temperature" in names else 1

    def check_points(self, rows: int, names: Iterable[str]) -> None:
        """Raise once ``rows`` data rows hold more readings than ``max_points``."""
        if self.max_points is not None and rows * self.values_per_row(names) > self.max_points:
            what = "points (data rows x values per row: load, and temperature when given)"
            raise LimitExceededError(limit="max_points", maximum=self.max_points, what=what)

    def chunk_rows(self, names: Iterable[str]) -> int:
        """Rows per chunk: few enough that no chunk reads far past a limit before it is counted."""
        step = _BOUNDED_CHUNK_ROWS
        if self.max_rows is not None:
            step = min(step, self.max_rows + 1)
        if self.max_points is not None:
            step = min(step, self.max_points // self.values_per_row(names) + 1)
        return step


def file_path(source: str | Path) -> Path:
    """The input path, checked to exist and to have a known file type."""
    path = Path(source)
    if not path.exists():
        raise InputValidationError(
            code=ErrorCode.FILE_NOT_FOUND, field="path", value=str(path), reason="file not found"
        )
    if not (is_parquet(path) or path.name.lower().endswith((".csv", ".csv.gz", ".txt"))):
        raise InputValidationError(
            code=ErrorCode.UNREADABLE_FILE,
            field="path",
            value=str(path),
            reason="unknown file type; use .csv, .csv.gz or .parquet",
        )
    return path


def is_parquet(path: Path) -> bool:
    return path.name.lower().endswith((".parquet", ".pq")) or path.is_dir()


@contextmanager
def read_errors(path: Path | str, what: str = "file") -> Iterator[None]:
    """Turn pandas/pyarrow parse and I/O errors into one clean ``InputValidationError`` (field ``path``)."""
    try:
        yield
    except InputValidationError:
        raise
    # pandas/pyarrow parse errors, bytes that are not UTF-8 (a ValueError), truncated .gz
    except (ValueError, OSError, EOFError, zlib.error) as exc:
        raise InputValidationError(
            code=ErrorCode.UNREADABLE_FILE, field="path", value=str(path), reason=f"cannot read {what}: {exc}"
        ) from exc


def header(path: Path | IO[bytes]) -> list[str]:
    """A file's (or CSV stream's) column names as written (a repeated name stays repeated), without its rows."""
    if not isinstance(path, Path):
        first = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False)
        return [str(c) for c in first.iloc[0].tolist()]
    with read_errors(path):
        if is_parquet(path):
            return list(pq.ParquetFile(path).schema_arrow.names)
        first = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False)
        return [str(c) for c in first.iloc[0].tolist()]


def check_columns(columns: Iterable[object], series_id: str | None = None) -> None:
    """Raise if a required column is missing or a column the table is read by appears twice.

    ``series_id`` given: the ``series_id`` column may be missing (``read_table`` adds it).
    """
    names = list(map(str, columns))
    required = REQUIRED_COLUMNS if series_id is None else REQUIRED_COLUMNS[1:]
    missing = [c for c in required if c not in names]
    if missing:
        raise InputValidationError(
            code=ErrorCode.MISSING_COLUMN,
            field=missing[0],
            value=names,
            reason=f"required column missing; a load table has columns {', '.join(REQUIRED_COLUMNS)}"
            " [, temperature, unit]",
        )
    repeated = [c for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if names.count(c) > 1]
    if repeated:
        raise InputValidationError(
            code=ErrorCode.DUPLICATE_COLUMN,
            field=repeated[0],
            value=names,
            reason=f"column {repeated[0]!r} appears {names.count(repeated[0])} times; keep one",
        )


def series_keys(raw: pd.Series) -> pd.Series:
    """The id each row is grouped by: stripped text, empty for a missing id."""
    return raw.astype("string").str.strip()


def check_zone(tz: str | None) -> str | None:
    """Validate an IANA zone name ('Asia/Tehran'); ``None`` passes through."""
    if tz is None:
        return None
    try:
        ZoneInfo(str(tz))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InputValidationError(
            code=ErrorCode.BAD_ZONE,
            field="tz",
            value=tz,
            reason="unknown time zone; use an IANA name such as 'Asia/Tehran'",
        ) from exc
    return str(tz)


@dataclass(frozen=True, slots=True)
class CheckedTable:
    """A table with parsed columns and one mask per kind of row problem (for per-series reporting)."""

    frame: pd.DataFrame  # series_id (str), ts_utc (UTC, NaT where naive), ts_naive, ts_raw, load, temperature
    problems: tuple[tuple[str, ErrorCode, str, np.ndarray, pd.Series], ...]  # (field, code, reason, bad mask, raw)
    row0: int = 0  # input position of this table's first row (a block of a file read in chunks)
    calendar: str = "gregorian"  # how the timestamps are written ("solar-hijri": local Solar Hijri date-times)


def check_rows(frame: pd.DataFrame, row0: int = 0, calendar: str = "gregorian") -> CheckedTable:
    """Parse load, temperature and timestamps for every row and mark bad rows (no raising here).

    ``row0`` is the input position of ``frame``'s first row, so errors name the row of the whole input.
    ``calendar`` "solar-hijri": timestamps are local Solar Hijri date-times (``ingest.solar_hijri``), read into
    the naive local times ISO input without offsets gives.
    """
    out = pd.DataFrame({"series_id": series_keys(frame["series_id"])})
    problems: list[tuple[str, ErrorCode, str, np.ndarray, pd.Series]] = []
    raw_sid = frame["series_id"]
    problems.append(
        (
            "series_id",
            ErrorCode.MISSING_VALUE,
            "series_id is empty",
            (out["series_id"].isna() | (out["series_id"] == "")).to_numpy(),
            raw_sid,
        )
    )

    raw_load = frame["load"]
    load = pd.to_numeric(raw_load, errors="coerce").astype("float64")
    problems.append(
        ("load", ErrorCode.BAD_VALUE, "load is not a number", (load.isna() & raw_load.notna()).to_numpy(), raw_load)
    )
    problems.append(("load", ErrorCode.NON_FINITE_VALUE, "load must be finite", np.isinf(load.to_numpy()), raw_load))
    problems.append(("load", ErrorCode.NEGATIVE_LOAD, "load must be >= 0", (load < 0).to_numpy(), raw_load))
    huge = (np.isfinite(load) & (load >= MAX_LOAD)).to_numpy()
    problems.append(
        ("load", ErrorCode.OUT_OF_RANGE, f"load must be below {MAX_LOAD:.0e} (check the unit)", huge, raw_load)
    )
    out["load"] = load

    if "temperature" in frame.columns:
        raw_t = frame["temperature"]
        temp = pd.to_numeric(raw_t, errors="coerce").astype("float64")
        lo, hi = TEMP_RANGE_C
        problems.append(
            (
                "temperature",
                ErrorCode.BAD_VALUE,
                "temperature is not a number",
                (temp.isna() & raw_t.notna()).to_numpy(),
                raw_t,
            )
        )
        problems.append(
            (
                "temperature",
                ErrorCode.OUT_OF_RANGE,
                f"temperature must be in °C between {lo:g} and {hi:g}",
                (~temp.between(lo, hi) & temp.notna()).to_numpy(),
                raw_t,
            )
        )
        out["temperature"] = temp

    raw_ts = frame["timestamp"]
    not_a_date = "timestamp is not an ISO 8601 date-time"
    if calendar == "solar-hijri":
        not_a_date = solar_hijri.NOT_A_DATE
        ts_naive, no_dates = solar_hijri.parse_timestamps(raw_ts)
        ts_utc = pd.Series(pd.NaT, index=raw_ts.index, dtype="datetime64[us, UTC]")
        problems += [("timestamp", ErrorCode.BAD_TIMESTAMP, reason, mask, raw_ts) for reason, mask in no_dates]
    else:
        ts_utc, ts_naive = _parse_timestamps(raw_ts)
    ts_utc, utc_out = _in_range(ts_utc.dt.tz_localize(None))  # naive UTC: plain datetime64[ns] for numpy
    ts_naive, naive_out = _in_range(ts_naive)
    out_of_range = utc_out | naive_out
    lo, hi = TIME_RANGE
    problems.append(
        (
            "timestamp",
            ErrorCode.TIMESTAMP_OUT_OF_RANGE,
            f"timestamp must be between {lo:%Y-%m-%d} and {hi - pd.Timedelta(days=1):%Y-%m-%d}",
            out_of_range,
            raw_ts,
        )
    )
    bad_ts = (ts_utc.isna() & ts_naive.isna() & raw_ts.notna()).to_numpy() & ~out_of_range
    for _, mask in no_dates if calendar == "solar-hijri" else ():
        bad_ts &= ~mask  # already named with the reason it is no date
    problems.append(("timestamp", ErrorCode.BAD_TIMESTAMP, not_a_date, bad_ts | raw_ts.isna().to_numpy(), raw_ts))
    out["ts_utc"] = ts_utc
    out["ts_naive"] = ts_naive
    out["ts_raw"] = raw_ts.to_numpy()  # as written, for errors that quote a timestamp
    if "unit" in frame.columns:
        out["unit"] = frame["unit"].astype("string")
    return CheckedTable(out, tuple(problems), row0, calendar)


def _in_range(ts: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Naive timestamps in nanoseconds, NaT outside ``TIME_RANGE``; and the mask of those outside.

    Parsed at pandas' own unit first (microseconds reach year 9999), so year 1500 or 9999 is one bad row
    rather than an overflow that sinks the whole table.
    """
    lo, hi = TIME_RANGE
    outside = ((ts < lo) | (ts >= hi)).to_numpy(dtype=bool)
    return ts.where(~outside).dt.as_unit("ns"), outside


def _parse_timestamps(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Split timestamps into offset-aware (-> UTC) and naive ones (localised later, per series).

    Both keep the unit pandas parsed them in (``_in_range`` bounds them and converts to nanoseconds).
    """
    if isinstance(raw.dtype, pd.DatetimeTZDtype):
        return raw.dt.tz_convert("UTC"), pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us]")
    if pd.api.types.is_datetime64_dtype(raw.dtype):
        return pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us, UTC]"), raw
    uniform = _parse_uniform(raw)
    if uniform is not None:
        return uniform
    text = raw.astype("string").str.strip()
    aware = text.str.contains(_OFFSET_RE, regex=True, na=False)
    utc = pd.to_datetime(text.where(aware), utc=True, format="ISO8601", errors="coerce")
    naive = pd.to_datetime(text.where(~aware), format="ISO8601", errors="coerce")
    return utc, naive


def _parse_uniform(raw: pd.Series) -> tuple[pd.Series, pd.Series] | None:
    """One strict parse when every timestamp is a valid ISO 8601 string of one kind, else None.

    All with one offset (or all naive) is the common case — a posted year of load, an export in UTC —
    and one parse is 8x faster than splitting aware from naive rows first. Anything else (gaps, bad
    strings, offsets that change with DST, aware mixed with naive) raises here and takes the general path.
    """
    if len(raw) == 0 or pd.api.types.infer_dtype(raw, skipna=False) != "string":
        return None
    try:
        parsed = pd.to_datetime(raw, format="ISO8601")
    except (ValueError, TypeError, OverflowError):
        return None
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        return parsed.dt.tz_convert("UTC"), pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us]")
    return pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us, UTC]"), parsed


def first_problem(table: CheckedTable, rows: np.ndarray, series_id: str | None) -> InputValidationError | None:
    """The first bad row among ``rows`` (positions into the table), as an error, or ``None``."""
    for field, code, reason, mask, raw in table.problems:
        bad = rows[mask[rows]]
        if bad.size:
            pos = int(bad[0])
            value = raw.iloc[pos]
            value = None if pd.isna(value) else (value.item() if hasattr(value, "item") else value)
            return InputValidationError(
                code=code,
                row=table.row0 + pos + 1,
                field=field,
                value=value,
                reason=reason,
                series_id=series_id,
                more=int(bad.size - 1),
            )
    return None
