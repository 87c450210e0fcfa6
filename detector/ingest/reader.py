"""Reading: file, frame or arrays -> validated canonical ``LoadSeries`` with a quality report.

``iter_series`` yields each series or the error that rejected it, so callers scoring many
meters can report a bad one and go on; ``load`` is the strict form that raises the first error.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

import numpy as np
import pandas as pd

from detector.errors import DetectorError, ErrorCode, InputValidationError
from detector.ingest.fast import clean_series_arrays
from detector.ingest.reading import Reading
from detector.ingest.series import MIN_DAYS, LoadSeries, to_hourly
from detector.ingest.stream import CHUNK_ROWS, iter_blocks
from detector.ingest.table import CheckedTable, check_rows, file_path, first_problem, read_table
from detector.ingest.units import Unit, parse_unit

Source: TypeAlias = str | Path | pd.DataFrame  # a file path or a long-form frame


def iter_series(
    source: Source,
    *,
    unit: str | None = None,
    tz: str | None = None,
    min_days: float = MIN_DAYS,
    chunk_rows: int | None = CHUNK_ROWS,
    calendar: str = "gregorian",
) -> Iterator[tuple[str, LoadSeries | DetectorError]]:
    """Yield ``(series_id, LoadSeries or the error that rejected it)`` in input order.

    Files are read ``chunk_rows`` rows at a time and each series is handed on once all its rows are
    in, so memory stays bounded when rows are grouped by series (see ``detector.ingest.stream``);
    ``chunk_rows=None`` reads the whole file first. A DataFrame is used as it is. Table-wide problems
    (unreadable file, missing columns, no rows, unknown ``unit``/``tz``/``calendar`` argument) raise at once.
    ``calendar`` "solar-hijri": timestamps are local Solar Hijri date-times (``1402/08/17 14:00``, ASCII or
    Persian digits) in ``tz``, read as naive ISO local times are (same DST handling); default "gregorian": ISO 8601.
    """
    yield from iter_series_checked(source, Reading.check(unit, tz, calendar, min_days), chunk_rows)


def iter_series_checked(
    source: Source, reading: Reading, chunk_rows: int | None = CHUNK_ROWS
) -> Iterator[tuple[str, LoadSeries | DetectorError]]:
    """``iter_series`` with arguments already checked (``Reading.check``)."""
    for row0, frame in read_blocks_checked(source, reading, chunk_rows):
        yield from block_series_checked(row0, frame, reading)


def read_blocks(
    source: Source,
    *,
    unit: str | None = None,
    tz: str | None = None,
    chunk_rows: int | None = CHUNK_ROWS,
    calendar: str = "gregorian",
) -> Iterator[tuple[int, pd.DataFrame]]:
    """Raw blocks of whole series as ``(input position of the first row, rows)``; table-wide checks raise."""
    yield from read_blocks_checked(source, Reading.check(unit, tz, calendar), chunk_rows)


def read_blocks_checked(
    source: Source, reading: Reading, chunk_rows: int | None = CHUNK_ROWS
) -> Iterator[tuple[int, pd.DataFrame]]:
    """``read_blocks`` with arguments already checked (``Reading.check``)."""
    if isinstance(source, pd.DataFrame):
        blocks: Iterator[tuple[int, pd.DataFrame]] = iter([(0, read_table(source))])
    else:
        blocks = iter_blocks(file_path(source), chunk_rows)
    for row0, frame in blocks:
        if reading.unit is None and "unit" not in frame.columns:
            raise InputValidationError(
                code=ErrorCode.MISSING_VALUE,
                field="unit",
                value=None,
                reason="the unit is required: pass unit= (e.g. 'kW') or add a 'unit' column",
            )
        yield row0, frame


def block_series(
    row0: int,
    frame: pd.DataFrame,
    *,
    unit: str | None = None,
    tz: str | None = None,
    min_days: float = MIN_DAYS,
    calendar: str = "gregorian",
) -> Iterator[tuple[str, LoadSeries | DetectorError]]:
    """Check one block from ``read_blocks`` (vectorised) and yield each of its series or its error."""
    yield from block_series_checked(row0, frame, Reading.check(unit, tz, calendar, min_days))


def block_series_checked(
    row0: int, frame: pd.DataFrame, reading: Reading
) -> Iterator[tuple[str, LoadSeries | DetectorError]]:
    """``block_series`` with arguments already checked (``Reading.check``): no argument is checked again."""
    unit_arg, zone, min_days, calendar = reading.unit, reading.tz, reading.min_days, reading.calendar
    quick = _quick_series(row0, frame, unit_arg, zone, min_days) if calendar == "gregorian" else None
    if quick is not None:
        yield quick
        return
    table = check_rows(frame, row0, calendar)
    cols = _Columns.of(table)
    sids = table.frame["series_id"].fillna("")
    codes, names = pd.factorize(sids, sort=False)
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    for rows in np.split(order, bounds):
        sid = str(names[codes[rows[0]]])
        try:
            yield sid, _one_series(table, cols, rows, sid, unit_arg, zone, min_days)
        except DetectorError as exc:
            yield sid, exc


def load(
    source: Source,
    *,
    unit: str | None = None,
    tz: str | None = None,
    min_days: float = MIN_DAYS,
    calendar: str = "gregorian",
) -> list[LoadSeries]:
    """Read and validate every series; raise the first series' error (see ``iter_series``)."""
    out: list[LoadSeries] = []
    for _, result in iter_series(source, unit=unit, tz=tz, min_days=min_days, calendar=calendar):
        if isinstance(result, DetectorError):
            raise result
        out.append(result)
    return out


def from_arrays(
    series_id: str,
    timestamps: Sequence[object],
    values: Sequence[float | None],
    *,
    unit: str,
    tz: str | None = None,
    temperature: Sequence[float | None] | None = None,
    min_days: float = MIN_DAYS,
    calendar: str = "gregorian",
) -> LoadSeries:
    """The API's single-series form (parallel arrays) through the same checks as a table."""
    if len(values) != len(timestamps):
        raise InputValidationError(
            code=ErrorCode.LENGTH_MISMATCH,
            field="values",
            value=len(values),
            reason=f"must have one value per timestamp ({len(timestamps)})",
        )
    data: dict[str, object] = {"series_id": series_id, "timestamp": list(timestamps), "load": list(values)}
    if temperature is not None:
        if len(temperature) != len(timestamps):
            raise InputValidationError(
                code=ErrorCode.LENGTH_MISMATCH,
                field="temperature",
                value=len(temperature),
                reason=f"must have one value per timestamp ({len(timestamps)})",
            )
        data["temperature"] = list(temperature)
    frame = pd.DataFrame(data)
    frame["timestamp"] = frame["timestamp"].astype("string")
    return load(frame, unit=unit, tz=tz, min_days=min_days, calendar=calendar)[0]


@dataclass(frozen=True, slots=True)
class _Columns:
    """A checked table's columns as NumPy arrays, converted once per table rather than once per series."""

    ts_utc: np.ndarray
    ts_naive: np.ndarray
    ts_raw: np.ndarray
    load: np.ndarray
    temperature: np.ndarray | None
    unit: np.ndarray | None

    @classmethod
    def of(cls, table: CheckedTable) -> _Columns:
        f = table.frame
        return cls(
            f["ts_utc"].to_numpy(),
            f["ts_naive"].to_numpy(),
            f["ts_raw"].to_numpy(),
            f["load"].to_numpy(),
            f["temperature"].to_numpy() if "temperature" in f.columns else None,
            f["unit"].to_numpy() if "unit" in f.columns else None,
        )


def _one_series(
    table: CheckedTable,
    cols: _Columns,
    rows: np.ndarray,
    sid: str,
    unit_arg: Unit | None,
    zone: str | None,
    min_days: float,
) -> LoadSeries:
    """One series from its ``rows`` (positions in ``table``); errors name rows of the whole input."""
    problem = first_problem(table, rows, sid or None)
    if problem is not None:
        raise problem
    pos = rows + table.row0  # 0-based input positions, for error messages
    unit = unit_arg if unit_arg is not None else _series_unit(cols.unit[rows], pos, sid)  # type: ignore[index]
    ts = _utc_times(cols.ts_utc[rows], cols.ts_naive[rows], cols.ts_raw[rows], pos, sid, zone, table.calendar)
    temp = cols.temperature[rows] if cols.temperature is not None else None
    return _canonical(sid, pos, ts, cols.load[rows], temp, unit, zone, min_days)


def _quick_series(
    row0: int, frame: pd.DataFrame, unit_arg: Unit | None, zone: str | None, min_days: float
) -> tuple[str, LoadSeries] | None:
    """A block of one clean series with offset timestamps, without ``check_rows`` (see ``ingest.fast``).

    None when the block needs the general path: anything ``check_rows`` would flag, naive timestamps, a
    ``unit`` column, several series, or an error on the way (the general path then reports it as always).
    """
    if unit_arg is None:
        return None
    clean = clean_series_arrays(frame)
    if clean is None:
        return None
    pos = np.arange(len(frame)) + row0
    try:
        series = _canonical(clean.series_id, pos, clean.ts_ns, clean.load, clean.temperature, unit_arg, zone, min_days)
    except DetectorError:
        return None
    return clean.series_id, series


def _canonical(
    sid: str,
    pos: np.ndarray,
    ts: np.ndarray,
    load: np.ndarray,
    temp: np.ndarray | None,
    unit: Unit,
    zone: str | None,
    min_days: float,
) -> LoadSeries:
    """Readings in input order (UTC nanoseconds, 0-based input positions) -> sorted, de-duplicated, hourly."""
    warnings: list[str] = []
    if zone is None:
        warnings.append("no time zone given: calendar features use UTC")
    order = np.argsort(ts, kind="stable")
    pos, ts, load = pos[order], ts[order], load[order]
    temp = temp[order] if temp is not None else None
    pos, ts, load, temp, dropped = _drop_duplicates(pos, ts, load, temp, sid)
    return to_hourly(
        series_id=sid,
        epoch_s=ts // 10**9,
        load=load,
        temperature=temp,
        rows=pos,
        unit=unit,
        tz=zone or "UTC",
        duplicates_dropped=dropped,
        warnings=warnings,
        min_days=min_days,
    )


def _series_unit(values: np.ndarray, rows: np.ndarray, sid: str) -> Unit:
    first = values[0]
    differs = np.flatnonzero(values != first)
    if differs.size:
        i = int(differs[0])
        raise InputValidationError(
            code=ErrorCode.BAD_UNIT,
            row=int(rows[i]) + 1,
            field="unit",
            value=values[i],
            reason=f"mixed units within a series (first row says {first!r})",
            series_id=sid,
        )
    try:
        return parse_unit(first)
    except ValueError as exc:
        raise InputValidationError(
            code=ErrorCode.BAD_UNIT, row=int(rows[0]) + 1, field="unit", value=first, reason=str(exc), series_id=sid
        ) from exc


def _utc_times(
    utc: np.ndarray,
    naive: np.ndarray,
    raw: np.ndarray,
    rows: np.ndarray,
    sid: str,
    zone: str | None,
    calendar: str = "gregorian",
) -> np.ndarray:
    """UTC nanoseconds per row; naive local times are localised in ``zone`` (DST-aware).

    A series is written all with UTC offsets or all without: a mix is an error naming the first row that differs.
    Errors quote an ISO time as parsed, a Solar Hijri one as written (its Gregorian reading would not be the user's).
    """
    is_naive = ~np.isnat(naive)
    if not is_naive.any():
        return utc.astype(np.int64)
    if not is_naive.all():  # rows are in input order here: name the first that is written the other way
        i = int(np.flatnonzero(is_naive != is_naive[0])[0])
        kind = "has no UTC offset but row {} has one" if is_naive[i] else "has a UTC offset but row {} has none"
        raise InputValidationError(
            code=ErrorCode.NAIVE_TIMESTAMP,
            row=int(rows[i]) + 1,
            field="timestamp",
            value=str(raw[i]),
            reason=f"timestamp {kind.format(int(rows[0]) + 1)}; write every timestamp of a series the same way",
            series_id=sid,
            more=int((is_naive != is_naive[0]).sum() - 1),
        )
    first = int(np.flatnonzero(is_naive)[0])
    if zone is None:
        raise InputValidationError(
            code=ErrorCode.NAIVE_TIMESTAMP,
            row=int(rows[first]) + 1,
            field="timestamp",
            value=str(naive[first])[:19],
            reason="timestamp has no UTC offset; give tz (e.g. tz='Asia/Tehran') or write offsets",
            series_id=sid,
        )
    local = pd.DatetimeIndex(naive[is_naive])
    offsets = "UTC offsets" if calendar == "gregorian" else "ISO 8601 timestamps with UTC offsets instead"
    try:
        aware = local.tz_localize(zone, ambiguous="infer", nonexistent="raise")
    except ValueError as exc:  # pandas' nonexistent/ambiguous-time errors are ValueErrors
        probe = local.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
        bad = np.flatnonzero(probe.isna())
        i = int(np.flatnonzero(is_naive)[bad[0]]) if bad.size else first
        raise InputValidationError(
            code=ErrorCode.DST_LOCAL_TIME,
            row=int(rows[i]) + 1,
            field="timestamp",
            value=str(naive[i])[:19] if calendar == "gregorian" else str(raw[i]),
            reason=f"local time is skipped or repeated by a DST change in {zone}; write {offsets}",
            series_id=sid,
        ) from exc
    out = utc.astype(np.int64)
    out[is_naive] = aware.tz_convert("UTC").tz_localize(None).to_numpy().astype("datetime64[ns]").astype(np.int64)
    return out


def _drop_duplicates(
    rows: np.ndarray, ts: np.ndarray, load: np.ndarray, temp: np.ndarray | None, sid: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, int]:
    """Drop rows identical to their predecessor at the same time; conflicting values are an error."""
    same_t = np.concatenate(([False], ts[1:] == ts[:-1]))
    if not same_t.any():
        return rows, ts, load, temp, 0
    prev = np.roll(load, 1)
    equal = (load == prev) | (np.isnan(load) & np.isnan(prev))
    if temp is not None:
        tprev = np.roll(temp, 1)
        equal &= (temp == tprev) | (np.isnan(temp) & np.isnan(tprev))
    conflict = np.flatnonzero(same_t & ~equal)
    if conflict.size:
        i = int(conflict[0])
        raise InputValidationError(
            code=ErrorCode.DUPLICATE_TIMESTAMP,
            row=int(rows[i]) + 1,
            field="load",
            value=float(load[i]),
            reason=f"conflicting values for one timestamp (row {int(rows[i - 1]) + 1} has {float(load[i - 1])!r})",
            series_id=sid,
            more=int(conflict.size - 1),
        )
    keep = ~same_t
    return rows[keep], ts[keep], load[keep], temp[keep] if temp is not None else None, int(same_t.sum())
