"""Scoring: signature -> calibrated score, segments, excess load and evidence."""

from __future__ import annotations

import numpy as np
import pandas as pd

from detector.artifacts import MiningModel
from detector.features.calendar import Calendar, CalendarSpec, calendar_features
from detector.ingest.series import LoadSeries
from detector.ingest.units import convert_power
from detector.models.signature import Signature, extract
from detector.scoring.evidence import explain
from detector.scoring.report import RIG_KW, ScoreReport, Segment

__all__ = ["RIG_KW", "ScoreReport", "Segment", "expected_hourly", "score_series", "signature_of"]


def signature_of(series: LoadSeries, country: str) -> tuple[Signature, Calendar]:
    """Signature of a canonical series on its local calendar."""
    cal = calendar_features(series.index, CalendarSpec(tz=series.tz, country=country))
    return extract(series.load, cal, series.temperature), cal


def _day_start_hour(cal: Calendar, day: int) -> int:
    return int(np.searchsorted(cal.day, day, side="left"))


def _refine_onset(load: np.ndarray, profile: np.ndarray, cal: Calendar, hour0: int, span: int = 24) -> int:
    """Hour of the step near ``hour0``: the split with the largest rise of load over the typical profile."""
    lo, hi = max(hour0 - span, span), min(hour0 + 2 * span, len(load) - span)
    if hi <= lo:
        return hour0
    e = load - profile[cal.hour]
    e = np.where(np.isfinite(e), e, 0.0)
    c = np.concatenate([[0.0], np.cumsum(e)])
    k = np.arange(lo, hi)
    rise = (c[k + span] - c[k]) - (c[k] - c[k - span])
    return int(k[np.argmax(rise)])


def expected_hourly(sig: Signature, cal: Calendar) -> np.ndarray:
    """Hourly expected load: the fitted daily level (without the shift) plus the typical hour-of-day shape."""
    shape = sig.view.profile - sig.view.profile.mean()
    return sig.expected_daily[cal.day] + shape[cal.hour]


def score_series(
    series: LoadSeries,
    model: MiningModel,
    *,
    country: str = "IR",
    threshold: float | None = None,
    with_expected: bool = False,
) -> ScoreReport:
    """Score one canonical series with ``model``; ``threshold`` overrides the model's operating point.

    ``with_expected`` adds the hourly expected-load curve to the report (for plots and the API).
    """
    sig, cal = signature_of(series, country)
    p = float(model.probability(sig.features)[0])
    thr = model.threshold if threshold is None else float(threshold)
    segments: tuple[Segment, ...] = ()
    box = sig.box
    if sig.excess > 0 and box.start < len(sig.view.mean):
        h0 = _refine_onset(series.load, sig.view.profile, cal, _day_start_hour(cal, box.start))
        start = series.start + pd.Timedelta(hours=h0)
        end = (
            None if box.end >= len(sig.view.mean) else series.start + pd.Timedelta(hours=_day_start_hour(cal, box.end))
        )
        evidence = explain(
            sig.features, excess=sig.excess, level=sig.level, unit=series.unit, onset=start, end=end, tz=series.tz
        )
        segments = (Segment(start, end, sig.excess, p, evidence),)
    rigs = convert_power(max(sig.excess, 0.0), series.unit, "kW") / RIG_KW if segments else 0.0
    return ScoreReport(
        series_id=series.series_id,
        model_version=model.version,
        score=p,
        threshold=thr,
        unit=series.unit,
        segments=segments,
        rigs=rigs,
        quality=series.quality.to_dict(),
        warnings=series.quality.warnings,
        expected=pd.Series(expected_hourly(sig, cal), index=series.index, name="expected") if with_expected else None,
    )
