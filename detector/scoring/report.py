"""Result types: frozen dataclasses, JSON-ready; the HTTP layer builds its models from these."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd

from detector.ingest.solar_hijri import local_text
from detector.ingest.units import convert_power

RIG_KW = 3.25  # S19-class ASIC miner at the wall, kW


def rig_equivalents(power: float, unit: str) -> float:
    """S19-class rigs (``RIG_KW`` each) that draw ``power``, given in ``unit``."""
    return convert_power(power, unit, "kW") / RIG_KW


@dataclass(frozen=True, slots=True)
class Segment:
    """One period of suspected mining."""

    start: pd.Timestamp  # UTC, inclusive
    end: pd.Timestamp | None  # UTC, exclusive; None while ongoing
    excess_load: float  # mean added power while on, in the series unit
    score: float  # calibrated probability that this segment is mining
    evidence: tuple[str, ...]
    # 90 % interval of ``excess_load`` (series unit); None where it could not be estimated
    excess_low: float | None = None
    excess_high: float | None = None


@dataclass(frozen=True, slots=True)
class SizeRecall:
    """The share of mining blocks of one size that answers of the same context flagged (``scoring.sensitivity``)."""

    share: float  # the block's size, a share of the series' mean load
    load: float  # the same size in the series unit
    recall: float  # flagged / windows
    windows: int  # mining windows of that size measured in the context


@dataclass(frozen=True, slots=True)
class ScoreReport:
    """The answer for one series."""

    # The score file's columns, in ``to_row``'s order: the first six are the public contract, and columns
    # added since go at the end, so readers that index columns keep working.
    ROW_COLUMNS: ClassVar[tuple[str, ...]] = (
        "series_id",
        "score",
        "flagged",
        "onset",
        "end",
        "excess_load",
        "unit",
        "rigs",
        "threshold",
        "evidence",
        "data_quality",
        "model_version",
        "error",
        "excess_low",
        "excess_high",
        "peers",
        "onset_local",
        "end_local",
        "rigs_low",
        "rigs_high",
        "false_alarm_rate",
        "recall_by_size",
    )

    series_id: str
    model_version: str
    score: float  # calibrated probability that the series holds mining
    threshold: float  # the operating point used for ``flagged``
    unit: str
    segments: tuple[Segment, ...]
    rigs: float  # S19-class rig equivalents of the excess load; 0 unless flagged
    quality: dict[str, Any]
    warnings: tuple[str, ...] = ()
    # Hourly load that calendar and weather explain, without the suspected block (UTC index, series
    # unit); only when asked for (``with_expected=True``): plots and the API's expected-load curve.
    expected: pd.Series | None = None
    evidence: tuple[str, ...] = ()  # the main shift's evidence, then a line per further segment
    calendar: str = "gregorian"  # how the input wrote dates; "solar-hijri" adds onset_local/end_local
    # Share of real clean training windows of the same context (peers or alone, length) scoring as high, out of
    # fold (``MiningModel.false_alarm_rate``); None when the model has no such table for the context.
    false_alarm_rate: float | None = None
    # How often mining of 5, 10 and 20 % of mean load was flagged on held-out zones in this answer's context
    # (``scoring.sensitivity``): what an unflagged answer does not rule out. Empty where it was not measured.
    recall_by_size: tuple[SizeRecall, ...] = ()

    @property
    def flagged(self) -> bool:
        return self.score >= self.threshold

    @property
    def onset(self) -> pd.Timestamp | None:
        """Start of the first segment."""
        return self.segments[0].start if self.segments else None

    @property
    def end(self) -> pd.Timestamp | None:
        """End of the last segment; None while it is still on."""
        return self.segments[-1].end if self.segments else None

    @property
    def onset_local(self) -> str | None:
        """``onset`` as a local Solar Hijri date-time (``1402/08/17 14:00``) when the input was Solar Hijri."""
        return self._local(self.onset)

    @property
    def end_local(self) -> str | None:
        """``end`` as ``onset_local`` writes it; None while the block is on or for Gregorian input."""
        return self._local(self.end)

    def _local(self, ts: pd.Timestamp | None) -> str | None:
        if self.calendar != "solar-hijri" or ts is None:
            return None
        return local_text(ts, str(self.quality.get("timezone", "UTC")))

    @property
    def excess_load(self) -> float:
        """The largest added power over the segments (a staircase's top step)."""
        return max((seg.excess_load for seg in self.segments), default=0.0)

    @property
    def excess_interval(self) -> tuple[float, float] | None:
        """90 % interval of ``excess_load`` (the largest segment's), or None without segments or estimate."""
        top = max(self.segments, key=lambda seg: seg.excess_load, default=None)
        if top is None or top.excess_low is None or top.excess_high is None:
            return None
        return (top.excess_low, top.excess_high)

    @property
    def rigs_interval(self) -> tuple[float, float] | None:
        """90 % interval of ``rigs``, read off ``excess_interval``; None unless flagged with a known interval
        (a count on an unflagged rise would read as a finding, and one without its spread as a census)."""
        interval = self.excess_interval
        if self.rigs <= 0 or interval is None or not all(abs(v) < float("inf") for v in interval):
            return None
        return (rig_equivalents(interval[0], self.unit), rig_equivalents(interval[1], self.unit))

    @property
    def peers(self) -> tuple[str, ...]:
        """Ids of the other series whose loads served as this series' synthetic control."""
        return tuple(self.quality.get("peers", ()))

    def to_row(self) -> dict[str, Any]:
        """One row of the score file, keys in ``ROW_COLUMNS`` order."""
        low, high = self.excess_interval or (None, None)
        rigs_low, rigs_high = self.rigs_interval or (None, None)
        return {
            "series_id": self.series_id,
            "score": round(self.score, 6),
            "flagged": self.flagged,
            "onset": self.onset.isoformat() if self.onset is not None else "",
            "end": self.end.isoformat() if self.end is not None else "",
            "excess_load": round(self.excess_load, 6),
            "unit": self.unit,
            "rigs": round(self.rigs, 1),
            "threshold": self.threshold,
            "evidence": "; ".join(self.evidence),
            "data_quality": _quality_text(self.quality, self.warnings),
            "model_version": self.model_version,
            "error": "",
            # 90 % interval of excess_load (None: a blank cell; NaN fails abs(v) < inf) and the peers used
            "excess_low": round(low, 6) if low is not None and abs(low) < float("inf") else None,
            "excess_high": round(high, 6) if high is not None and abs(high) < float("inf") else None,
            "peers": " ".join(self.peers),
            "onset_local": self.onset_local or "",
            "end_local": self.end_local or "",
            # 90 % interval of rigs: blank unless flagged with a known interval
            "rigs_low": round(rigs_low, 1) if rigs_low is not None else None,
            "rigs_high": round(rigs_high, 1) if rigs_high is not None else None,
            "false_alarm_rate": self.false_alarm_rate,
            # "5%: 0.05; 10%: 0.38; 20%: 0.81" (share of mean load: share flagged), blank where not measured
            "recall_by_size": "; ".join(f"{r.share:.0%}: {r.recall:.2f}" for r in self.recall_by_size),
        }


def _quality_text(quality: dict[str, Any], warnings: tuple[str, ...]) -> str:
    parts = [
        f"{quality.get('resolution', '?')} data",
        f"coverage {quality.get('coverage', 0):.1%}",
        f"{quality.get('gaps_filled', 0)} h filled",
        f"{quality.get('missing_hours', 0)} h missing",
    ]
    if quality.get("peers"):
        parts.append(f"{len(quality['peers'])} peers")
    return ", ".join(parts + list(warnings))
