"""The meter-to-feeder mapping: read, check against the series, and turn into service spans.

A mapping row says meter ``meter_id`` is supplied by feeder ``feeder_id`` from ``valid_from``
(inclusive, empty: since the data starts) to ``valid_to`` (exclusive, empty: still on). Meters join
and leave feeders by having several rows. Every problem names the 1-based data row, the field and the value.
"""

from __future__ import annotations

from collections.abc import Mapping as MappingABC
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from detector.errors import ErrorCode, InputValidationError
from detector.ingest.table import file_path, is_parquet, read_errors

MAPPING_COLUMNS: tuple[str, ...] = ("meter_id", "feeder_id")
OPTIONAL_MAPPING_COLUMNS: tuple[str, ...] = ("valid_from", "valid_to")
_OPEN_START = np.iinfo(np.int64).min
_OPEN_END = np.iinfo(np.int64).max


@dataclass(frozen=True, slots=True)
class Assignment:
    """One checked mapping row: ``meter_id`` on ``feeder_id`` for UTC times [start_ns, end_ns)."""

    meter_id: str
    feeder_id: str
    start_ns: int  # UTC nanoseconds, inclusive; int64 min when open
    end_ns: int  # UTC nanoseconds, exclusive; int64 max when open
    row: int  # 1-based data row of the mapping

    @property
    def valid_from(self) -> pd.Timestamp | None:
        return None if self.start_ns == _OPEN_START else pd.Timestamp(self.start_ns, unit="ns", tz="UTC")

    @property
    def valid_to(self) -> pd.Timestamp | None:
        return None if self.end_ns == _OPEN_END else pd.Timestamp(self.end_ns, unit="ns", tz="UTC")


def read_mapping(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Read the mapping (CSV or Parquet, or a frame) and check its columns; ids are read as text."""
    if isinstance(source, pd.DataFrame):
        frame = source.reset_index(drop=True)
    else:
        path = file_path(source)
        with read_errors(path):
            if is_parquet(path):
                frame = pd.read_parquet(path)
            else:
                frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    names = [str(c) for c in frame.columns]
    for col in MAPPING_COLUMNS:
        if col not in names:
            raise InputValidationError(
                code=ErrorCode.MISSING_COLUMN,
                field=col,
                value=names,
                reason="required mapping column missing; a mapping has columns meter_id, feeder_id"
                " [, valid_from, valid_to]",
            )
    if len(frame) == 0:
        raise InputValidationError(code=ErrorCode.NO_ROWS, field="meter_id", value=0, reason="mapping has no data rows")
    return frame


def _ids(frame: pd.DataFrame, col: str) -> np.ndarray:
    raw = frame[col]
    text = raw.astype("string").str.strip()
    bad = np.flatnonzero((text.isna() | (text == "")).to_numpy())
    if bad.size:
        i = int(bad[0])
        raise InputValidationError(
            code=ErrorCode.MISSING_VALUE,
            row=i + 1,
            field=col,
            value=None if pd.isna(raw.iloc[i]) else raw.iloc[i],
            reason=f"{col} is empty",
        )
    values: np.ndarray = text.to_numpy(dtype=object)
    return values


def _times(frame: pd.DataFrame, col: str, tz: str | None, open_value: int) -> np.ndarray:
    """UTC nanoseconds per row; empty cells are ``open_value``; naive times are local in ``tz``."""
    n = len(frame)
    if col not in frame.columns:
        return np.full(n, open_value, dtype=np.int64)
    out = np.full(n, open_value, dtype=np.int64)
    for i, value in enumerate(frame[col].tolist()):
        if value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() == "":
            continue
        try:
            ts = pd.Timestamp(value.strip() if isinstance(value, str) else value)
        except (ValueError, TypeError) as exc:
            raise InputValidationError(
                code=ErrorCode.BAD_TIMESTAMP,
                row=i + 1,
                field=col,
                value=value,
                reason=f"{col} is not an ISO 8601 date or date-time",
            ) from exc
        if ts is pd.NaT:
            continue
        if ts.tzinfo is None:
            if tz is None:
                raise InputValidationError(
                    code=ErrorCode.NAIVE_TIMESTAMP,
                    row=i + 1,
                    field=col,
                    value=value,
                    reason=f"{col} has no UTC offset; give tz (e.g. tz='Asia/Tehran') or write offsets",
                )
            ts = ts.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward")
            if ts is pd.NaT:
                raise InputValidationError(
                    code=ErrorCode.DST_LOCAL_TIME,
                    row=i + 1,
                    field=col,
                    value=value,
                    reason=f"local time is repeated by a DST change in {tz}",
                )
        out[i] = ts.tz_convert("UTC").value
    return out


def _text(ns: int) -> str:
    text: str = pd.Timestamp(ns, unit="ns", tz="UTC").isoformat()
    return text


def check_mapping(
    frame: pd.DataFrame,
    feeder_spans: MappingABC[str, tuple[int, int]],
    meter_ids: set[str],
    *,
    tz: str | None = None,
) -> tuple[Assignment, ...]:
    """Checked assignments, in mapping order.

    ``feeder_spans`` gives each feeder's data as UTC nanoseconds [start, end). Raises the first problem:
    empty or unknown ids, unreadable or reversed dates, validity outside the feeder's data, overlapping
    rows for one meter (same feeder: overlapping validity; two feeders: mapped to both at once).
    """
    meters = _ids(frame, "meter_id")
    feeders = _ids(frame, "feeder_id")
    start = _times(frame, "valid_from", tz, _OPEN_START)
    end = _times(frame, "valid_to", tz, _OPEN_END)
    for i in range(len(frame)):
        row = i + 1
        if start[i] >= end[i]:
            raise InputValidationError(
                code=ErrorCode.INCONSISTENT,
                row=row,
                field="valid_to",
                value=frame["valid_to"].iloc[i],
                reason=f"valid_to must be after valid_from ({frame['valid_from'].iloc[i]})",
            )
        if feeders[i] not in feeder_spans:
            raise InputValidationError(
                code=ErrorCode.UNKNOWN_REFERENCE,
                row=row,
                field="feeder_id",
                value=feeders[i],
                reason="no feeder series with this id",
            )
        if meters[i] not in meter_ids:
            raise InputValidationError(
                code=ErrorCode.UNKNOWN_REFERENCE,
                row=row,
                field="meter_id",
                value=meters[i],
                reason="no meter series with this id",
            )
        f0, f1 = feeder_spans[feeders[i]]
        if start[i] != _OPEN_START and start[i] >= f1:
            raise InputValidationError(
                code=ErrorCode.TIMESTAMP_OUT_OF_RANGE,
                row=row,
                field="valid_from",
                value=frame["valid_from"].iloc[i],
                reason=f"out of range: after the end of feeder {feeders[i]!r}'s data ({_text(f1)})",
            )
        if end[i] != _OPEN_END and end[i] <= f0:
            raise InputValidationError(
                code=ErrorCode.TIMESTAMP_OUT_OF_RANGE,
                row=row,
                field="valid_to",
                value=frame["valid_to"].iloc[i],
                reason=f"out of range: before the start of feeder {feeders[i]!r}'s data ({_text(f0)})",
            )
    _check_overlaps(frame, meters, feeders, start, end)
    return tuple(
        Assignment(str(meters[i]), str(feeders[i]), int(start[i]), int(end[i]), i + 1) for i in range(len(frame))
    )


def _check_overlaps(
    frame: pd.DataFrame, meters: np.ndarray, feeders: np.ndarray, start: np.ndarray, end: np.ndarray
) -> None:
    """A meter's rows must not overlap in time; the later-starting row of the first clash is reported."""
    order = np.lexsort((np.arange(len(meters)), start, meters.astype(str)))
    clashes: list[tuple[int, int]] = []
    holder = -1  # the row of the current meter that reaches furthest so far
    for b in order:
        if holder >= 0 and meters[holder] == meters[b] and start[b] < end[holder]:
            clashes.append((int(holder), int(b)))
        if holder < 0 or meters[holder] != meters[b] or end[b] > end[holder]:
            holder = int(b)
    if not clashes:
        return
    a, b = min(clashes, key=lambda ab: ab[1])
    has_from = "valid_from" in frame.columns
    value = frame["valid_from"].iloc[b] if has_from else None
    value = None if value is None or (not isinstance(value, str) and pd.isna(value)) else value
    until = "with no end" if end[a] == _OPEN_END else f"until {_text(int(end[a]))}"
    if feeders[a] == feeders[b]:
        reason = f"overlapping validity: row {a + 1} already maps meter {meters[b]!r} to {feeders[b]!r} {until}"
    else:
        reason = (
            f"meter {meters[b]!r} mapped to two feeders at once: row {a + 1} maps it to {feeders[a]!r} {until}, "
            f"this row to {feeders[b]!r}"
        )
    more = len(clashes) - 1
    raise InputValidationError(
        code=ErrorCode.DUPLICATE_ID, row=b + 1, field="valid_from", value=value, reason=reason, more=more
    )
