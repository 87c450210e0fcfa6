"""A fast path for the common case: one clean series with offset timestamps (a posted year of load).

``check_rows`` builds a checked copy of the whole table with pandas (about 10 ms for a year of hourly
load, most of a request's ingest); a single series whose every row passes those checks needs none of it.
``clean_series_arrays`` decides that with NumPy alone and hands back the arrays ``check_rows`` would have
produced, bit for bit; anything unusual (a bad row, naive or oddly written timestamps, several series, a
``unit`` column to read) returns None and the general path runs, with its errors unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from detector.ingest.table import MAX_LOAD, TEMP_RANGE_C, TIME_RANGE

_NS_PER_S = 1_000_000_000
_LO_NS, _HI_NS = (int(t.value) for t in TIME_RANGE)  # naive bounds, as nanoseconds since 1970 (UTC)
# Layouts taken: YYYY-MM-DDTHH:MM[:SS] then Z or ±HH:MM; by string length: (seconds?, offset written as Z?).
_LAYOUTS: dict[int, tuple[bool, bool]] = {25: (True, False), 20: (True, True), 22: (False, False), 17: (False, True)}
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


@dataclass(frozen=True, slots=True)
class CleanSeries:
    """One series' arrays as the general path would check them: id, UTC nanoseconds, load, temperature."""

    series_id: str
    ts_ns: np.ndarray  # int64, UTC, input order
    load: np.ndarray  # float64, NaN for a gap
    temperature: np.ndarray | None


def clean_series_arrays(frame: pd.DataFrame) -> CleanSeries | None:
    """The table's one series, if every row would pass ``check_rows`` and every timestamp carries an offset.

    None otherwise (the caller then takes the general path, which reports what is wrong).
    """
    if len(frame) < 2 or "unit" in frame.columns:
        return None
    sid = _one_id(frame["series_id"])
    if sid is None:
        return None
    load = _floats(frame["load"])
    if load is None or not _loads_ok(load):
        return None
    temp = None
    if "temperature" in frame.columns:
        temp = _floats(frame["temperature"])
        lo, hi = TEMP_RANGE_C
        if temp is None or ((temp < lo) | (temp > hi)).any():  # NaN compares False: a gap passes
            return None
    ts = iso_utc_ns(frame["timestamp"])
    if ts is None:
        return None
    return CleanSeries(sid, ts, load, temp)


def _one_id(ids: pd.Series) -> str | None:
    """The id every row holds, when it is one non-empty string with no surrounding space."""
    first = ids.iloc[0]
    if not isinstance(first, str) or not first or first != first.strip():
        return None
    return first if bool((ids == first).all()) else None


def _floats(column: pd.Series) -> np.ndarray | None:
    """A float64 column's values (NaN for missing); None for any other dtype (the general path converts it)."""
    if column.dtype != np.float64:
        return None
    values: np.ndarray = column.to_numpy(dtype=np.float64, na_value=np.nan)
    return values


def _loads_ok(load: np.ndarray) -> bool:
    """No infinite, negative or huge load (NaN is a gap, which is allowed)."""
    finite = np.isfinite(load)
    if (~finite & ~np.isnan(load)).any():
        return False
    vals = load[finite]
    return not ((vals < 0).any() or (vals >= MAX_LOAD).any())


def iso_utc_ns(raw: pd.Series) -> np.ndarray | None:
    """UTC nanoseconds of ISO 8601 texts with offsets, parsed as pandas would, or None if any is not in a
    layout taken here (``_LAYOUTS``, one length for all), is not a valid date-time, or is outside ``TIME_RANGE``.

    Several times faster than ``pd.to_datetime``: the texts are read as one byte matrix and the fields as columns.
    """
    b = _text_matrix(raw)
    if b is None or b.shape[1] not in _LAYOUTS:
        return None
    seconds, zulu = _LAYOUTS[b.shape[1]]
    tz_at = 19 if seconds else 16
    digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15] + ([17, 18] if seconds else [])
    seps = {4: b"-", 7: b"-", 10: b"T", 13: b":"} | ({16: b":"} if seconds else {})
    if not zulu:
        digits += [tz_at + 1, tz_at + 2, tz_at + 4, tz_at + 5]
        seps[tz_at + 3] = b":"
    if ((b[:, digits] - np.uint8(48)) > 9).any() or any((b[:, i] != ord(c)).any() for i, c in seps.items()):
        return None

    def num(i: int, k: int) -> np.ndarray:
        out = b[:, i].astype(np.int64) - 48
        for j in range(i + 1, i + k):
            out = out * 10 + (b[:, j].astype(np.int64) - 48)
        return out

    if zulu:
        if (b[:, tz_at] != ord("Z")).any():
            return None
        offset_s: np.ndarray | int = 0
    else:
        sign = b[:, tz_at]
        minus = sign == ord("-")
        oh, om = num(tz_at + 1, 2), num(tz_at + 4, 2)
        if ((sign != ord("+")) & ~minus).any() or (oh > 14).any() or (om > 59).any():
            return None
        offset_s = np.where(minus, -1, 1) * (oh * 3600 + om * 60)
    year, month, day = num(0, 4), num(5, 2), num(8, 2)
    hour, minute = num(11, 2), num(14, 2)
    second = num(17, 2) if seconds else 0
    if ((month < 1) | (month > 12)).any():
        return None
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    last = _DAYS_IN_MONTH[month] + ((month == 2) & leap)
    if ((day < 1) | (day > last) | (hour > 23) | (minute > 59) | (second > 59)).any():
        return None
    local_s = _days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
    ns: np.ndarray = (local_s - offset_s) * _NS_PER_S
    if ((ns < _LO_NS) | (ns >= _HI_NS)).any():
        return None
    return ns


def _text_matrix(raw: pd.Series) -> np.ndarray | None:
    """Texts of one length as an (n, length) uint8 matrix; None for missing values, other types or lengths.

    An Arrow-backed string column (pandas' default) is read from its buffers without a copy of each string.
    """
    if pd.api.types.is_string_dtype(raw.dtype) and raw.dtype != object:
        try:
            arr = pa.array(raw)
        except (pa.ArrowException, TypeError, ValueError):
            arr = None
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        if arr is not None and pa.types.is_string(arr.type) | pa.types.is_large_string(arr.type):
            return _arrow_matrix(arr)
    if raw.dtype != object:
        return None
    try:
        text = raw.to_numpy(dtype=object).astype("S")  # None and NaN become b"None", b"nan": no layout takes them
    except (UnicodeEncodeError, TypeError, ValueError):
        return None
    width = text.dtype.itemsize
    b = text.view(np.uint8).reshape(len(text), width)
    return b if (b[:, -1] != 0).all() else None  # a shorter text is padded with zeros


def _arrow_matrix(arr: pa.Array) -> np.ndarray | None:
    if arr.null_count or len(arr) == 0:
        return None
    _, offsets_buf, data_buf = arr.buffers()
    kind = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(offsets_buf, dtype=kind)[arr.offset : arr.offset + len(arr) + 1].astype(np.int64)
    width = int(offsets[1] - offsets[0])
    if width <= 0 or (np.diff(offsets) != width).any():
        return None
    data = np.frombuffer(data_buf, dtype=np.uint8)[offsets[0] : offsets[-1]]
    return data.reshape(len(arr), width)


def _days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's algorithm, in integer arithmetic)."""
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days: np.ndarray = era * 146_097 + doe - 719_468
    return days
