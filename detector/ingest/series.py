"""One series -> the canonical form: UTC hourly grid, mean power, gaps NaN, a quality report."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from detector.errors import DataSufficiencyError, ErrorCode, InputValidationError
from detector.ingest.units import Unit

HOUR_S = 3600
MAX_FILL_HOURS = 3  # gaps up to 3 h are interpolated; longer ones stay missing (never invent data)
MIN_DAYS = 28  # four weeks: every hour-of-week slot seen at least four times
# Readings per hour must cover at least half the hour for the hourly mean to count.
_MIN_HOUR_SHARE = 0.5
# A run of this many identical steps that differ from the usual step is a change of resolution,
# not a gap (a gap is one long step).
_MIXED_RUN = 4


@dataclass(frozen=True, slots=True)
class QualityReport:
    """What ingest did to one series; JSON-ready through ``to_dict``."""

    series_id: str
    unit: str  # power unit of the canonical series (kWh input -> kW)
    input_unit: str
    resolution: str  # original sampling step, e.g. '15min'
    start: pd.Timestamp  # first hour, UTC, inclusive
    end: pd.Timestamp  # last hour + 1 h, UTC, exclusive
    hours: int  # length of the hourly grid
    coverage: float  # share of grid hours with readings, before any filling
    gaps_filled: int  # hours interpolated inside gaps of <= 3 h
    missing_hours: int  # hours left missing
    longest_gap_hours: int
    duplicates_dropped: int
    timezone: str  # local zone used for calendar features
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["start"], out["end"] = self.start.isoformat(), self.end.isoformat()
        out["warnings"] = list(self.warnings)
        return out


@dataclass(frozen=True, slots=True, eq=False)
class LoadSeries:
    """A series in canonical form: hourly mean power on a UTC grid starting at ``start``."""

    series_id: str
    start: pd.Timestamp
    load: np.ndarray  # float64, NaN where missing
    unit: str
    tz: str
    quality: QualityReport
    temperature: np.ndarray | None = None  # °C, NaN where missing

    @property
    def index(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start, periods=len(self.load), freq="h", tz="UTC", name="timestamp")

    def to_frame(self) -> pd.DataFrame:
        """Long-form frame (series_id, timestamp, load[, temperature]) of the canonical series."""
        frame = pd.DataFrame({"series_id": self.series_id, "timestamp": self.index, "load": self.load})
        if self.temperature is not None:
            frame["temperature"] = self.temperature
        return frame


def fill_short_gaps(values: np.ndarray, max_gap: int = MAX_FILL_HOURS) -> tuple[np.ndarray, int, int]:
    """Linearly interpolate interior NaN runs of <= ``max_gap``; return (filled, n_filled, longest run)."""
    isnan = np.isnan(values)
    if not isnan.any():
        return values, 0, 0
    edges = np.diff(np.concatenate(([0], isnan.view(np.int8), [0])))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    lengths = stops - starts
    interior = (starts > 0) & (stops < len(values))
    short = interior & (lengths <= max_gap)
    filled = values.copy()
    if short.any():
        fill_mask = np.zeros(len(values), dtype=bool)
        for s, e in zip(starts[short], stops[short], strict=True):  # loop over gaps, not hours
            fill_mask[s:e] = True
        good = ~isnan
        filled[fill_mask] = np.interp(np.flatnonzero(fill_mask), np.flatnonzero(good), values[good])
    return filled, int(lengths[short].sum()), int(lengths.max())


def _anchor_seconds(first_epoch_s: int, step: int, tz: str) -> int:
    """Seconds past the UTC hour where local clock hours start (1800 for Asia/Tehran, 0 for most)."""
    if step == HOUR_S:
        return first_epoch_s % HOUR_S  # hourly data defines its own grid
    offset = pd.Timestamp(first_epoch_s, unit="s", tz="UTC").tz_convert(tz).utcoffset()
    return int(offset.total_seconds()) % HOUR_S if offset is not None else 0


def _format_step(seconds: int) -> str:
    return f"{seconds // 60}min" if seconds < HOUR_S else f"{seconds // HOUR_S}h"


def detect_resolution(epoch_s: np.ndarray, rows: np.ndarray, series_id: str) -> int:
    """Sampling step in seconds (1 min to 1 h, dividing the hour); raise on mixed resolutions."""
    steps = np.diff(epoch_s)
    if steps.size == 0:
        raise DataSufficiencyError(
            f"need >= {MIN_DAYS} days of readings to model a series; got one reading", series_id=series_id
        )
    values, counts = np.unique(steps, return_counts=True)
    step = int(values[np.argmax(counts)])
    if step < 60 or step > HOUR_S or HOUR_S % step:
        raise InputValidationError(
            code=ErrorCode.BAD_RESOLUTION,
            row=int(rows[1]) + 1,
            field="timestamp",
            value=_format_step(step) if step >= 60 else f"{step}s",
            reason="resolution must divide one hour and lie between 1 min and 1 h",
            series_id=series_id,
        )
    odd = np.flatnonzero(steps % step != 0)
    if odd.size == 0:
        # Same non-usual step many times in a row: the meter changed its resolution.
        other = steps != step
        run_id = np.cumsum(np.concatenate(([True], (steps[1:] != steps[:-1]))))
        run_len = np.bincount(run_id, weights=other)[run_id]
        odd = np.flatnonzero(other & (run_len >= _MIXED_RUN))
    if odd.size:
        i = int(odd[0])
        raise InputValidationError(
            code=ErrorCode.BAD_RESOLUTION,
            row=int(rows[i + 1]) + 1,
            field="timestamp",
            value=_format_step(int(steps[i])),
            reason=f"mixed resolutions within a series (usual step {_format_step(step)})",
            series_id=series_id,
        )
    return step


def to_hourly(
    *,
    series_id: str,
    epoch_s: np.ndarray,
    load: np.ndarray,
    temperature: np.ndarray | None,
    rows: np.ndarray,
    unit: Unit,
    tz: str,
    duplicates_dropped: int,
    warnings: list[str],
    min_days: float = MIN_DAYS,
) -> LoadSeries:
    """Sorted, de-duplicated readings of one series -> canonical hourly ``LoadSeries``."""
    step = detect_resolution(epoch_s, rows, series_id)
    power = np.asarray(unit.to_power(load, step / HOUR_S), dtype=np.float64)
    # Hourly bins follow the local clock: a zone at UTC+3:30 has hours starting at :30 UTC.
    anchor = _anchor_seconds(int(epoch_s[0]), step, tz)
    hour = (epoch_s - anchor) // HOUR_S
    h0 = int(hour[0])
    offset = hour - h0
    n = int(offset[-1]) + 1
    per_hour = HOUR_S // step
    ok = ~np.isnan(power)
    count = np.bincount(offset[ok], minlength=n)
    total = np.bincount(offset[ok], weights=power[ok], minlength=n)
    observed = count >= max(1, int(np.ceil(per_hour * _MIN_HOUR_SHARE)))
    hourly = np.full(n, np.nan)
    hourly[observed] = total[observed] / count[observed]
    coverage = float(observed.mean())
    filled, n_filled, longest = fill_short_gaps(hourly)

    temp_hourly = None
    if temperature is not None:
        tok = ~np.isnan(temperature)
        tcount = np.bincount(offset[tok], minlength=n)
        tsum = np.bincount(offset[tok], weights=temperature[tok], minlength=n)
        th = np.where(tcount > 0, tsum / np.maximum(tcount, 1), np.nan)
        temp_hourly, _, _ = fill_short_gaps(th)

    have_days = float(np.count_nonzero(~np.isnan(filled))) / 24
    if have_days < min_days:
        raise DataSufficiencyError(
            f"need >= {min_days:g} days of hourly load (four weeks, so each hour-of-week slot is seen "
            f"at least four times); got {have_days:.1f}",
            series_id=series_id,
        )
    if coverage < 0.9:
        warnings.append(f"low coverage: {coverage:.0%} of hours have readings")
    if duplicates_dropped:
        warnings.append(f"{duplicates_dropped} identical duplicate rows dropped")
    start = pd.Timestamp(h0 * HOUR_S + anchor, unit="s", tz="UTC")
    quality = QualityReport(
        series_id=series_id,
        unit=unit.power_unit,
        input_unit=unit.name,
        resolution=_format_step(step),
        start=start,
        end=start + pd.Timedelta(hours=n),
        hours=n,
        coverage=round(coverage, 6),
        gaps_filled=n_filled,
        missing_hours=int(np.isnan(filled).sum()),
        longest_gap_hours=longest,
        duplicates_dropped=duplicates_dropped,
        timezone=tz,
        warnings=tuple(warnings),
    )
    return LoadSeries(series_id, start, filled, unit.power_unit, tz, quality, temp_hourly)
