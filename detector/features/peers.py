"""Peers: other places' daily load levels as regressors of a series' expected load (a synthetic control).

Neighbouring regions or feeders share weather, calendar and economy. Their daily levels, each over its
own mean, explain much of what a calendar-and-temperature model misses: on real regional loads the box
scan's ROC AUC for an injected flat block rose from 0.67 to 0.90 with peers (benchmarks/peers_detection.py),
and a claim check's interval narrowed from ±8 % to ±2 % of mean load (benchmarks/verification.py). A peer
that also holds mining is harmless unless its block coincides with the target's.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from detector.features.calendar import Calendar
from detector.features.daily import daily_view, quiet
from detector.ingest.series import LoadSeries
from detector.models.changepoint import Box, refit

MAX_PEERS = 12
MIN_PEER_COVERAGE = 0.8  # a peer must have a level on 80 % of the target's days
MAX_CANDIDATES = 400  # beyond this many series, peers are drawn from the 400 that overlap the target most


def daily_levels(hourly: np.ndarray, cal: Calendar) -> np.ndarray:
    """Daily level on the local days of ``cal`` (as the detector's daily view makes it), over its own mean."""
    level = daily_view(hourly, cal, None).mean
    mean = float(quiet(np.nanmean, level))
    return level / mean if np.isfinite(mean) and mean > 0 else np.full(len(level), np.nan)


def select(
    target: LoadSeries,
    candidates: Sequence[LoadSeries],
    cal: Calendar,
    reference: np.ndarray,
    use_days: np.ndarray | None = None,
    max_peers: int = MAX_PEERS,
) -> tuple[np.ndarray, list[str], list[str]]:
    """Peers' daily levels on the target's local days, the ``max_peers`` that follow ``reference`` most closely.

    ``reference`` is the target's daily level; ``use_days`` (bool per day) limits the days the closeness is
    judged on (a claim check uses the days before the claimed start). Days a peer misses take its mean (1.0).
    Returns the (n_days, k) columns, the ids used and the ids skipped for poor coverage.
    """
    n = len(reference)
    days = np.isfinite(reference) if use_days is None else (np.isfinite(reference) & use_days)
    scored: list[tuple[float, str, np.ndarray]] = []
    skipped: list[str] = []
    for peer in candidates[:MAX_CANDIDATES]:
        if peer.series_id == target.series_id:
            continue
        hourly = pd.Series(peer.load, index=peer.index).reindex(target.index).to_numpy(dtype=np.float64)
        level = daily_levels(hourly, cal)[:n]
        ok = np.isfinite(level)
        if ok.mean() < MIN_PEER_COVERAGE:
            skipped.append(peer.series_id)
            continue
        both = days & ok
        corr = 0.0
        if both.sum() > 10 and np.std(level[both]) > 0 and np.std(reference[both]) > 0:
            corr = float(np.corrcoef(level[both], reference[both])[0, 1])
        scored.append((corr if np.isfinite(corr) else 0.0, peer.series_id, np.where(ok, level, 1.0)))
    scored.sort(key=lambda c: -c[0])
    used = scored[:max_peers]
    columns = np.column_stack([c[2] for c in used]) if used else np.zeros((n, 0))
    return columns, [c[1] for c in used], skipped


def overlapping(target: LoadSeries, pool: Sequence[LoadSeries]) -> list[LoadSeries]:
    """The series of ``pool`` that cover most of the target's span, most-overlapping first."""
    t0, t1 = target.start.value, target.index[-1].value
    span = max(t1 - t0, 1)
    out: list[tuple[float, LoadSeries]] = []
    for s in pool:
        if s.series_id == target.series_id:
            continue
        a, b = max(t0, s.start.value), min(t1, s.index[-1].value)
        share = max(b - a, 0) / span
        if share >= MIN_PEER_COVERAGE:
            out.append((share, s))
    out.sort(key=lambda p: -p[0])
    return [s for _, s in out]


def drop_stepping(
    columns: np.ndarray, used: list[str], x: np.ndarray, box: Box, width: float = 5.7
) -> tuple[np.ndarray, list[str], list[str]]:
    """Leave out peers whose level shifted over ``box`` (the target's suspected block) apart from the others.

    A peer whose own block switched on with the target's would absorb it as a regressor; a shift all peers
    share is weather or economy and stays. "Apart" means more than ``width`` autocorrelation-adjusted standard
    errors from the peers' median shift (2 × the 2.85 widening that real loads need, see ``claims``).
    """
    if not used or box.end <= box.start:
        return columns, used, []
    fits = [refit(columns[:, k], x, box) for k in range(len(used))]
    common = float(np.median([f.delta for f in fits]))
    keep, dropped = [], []
    for k, f in enumerate(fits):
        se = abs(f.delta / f.t) if f.t else np.inf
        (dropped if abs(f.delta - common) > width * se else keep).append(k)
    return columns[:, keep], [used[k] for k in keep], [used[k] for k in dropped]
