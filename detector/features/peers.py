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
from detector.models.changepoint import Box, refit_against_each_other, refit_columns

MAX_PEERS = 12
MIN_PEER_COVERAGE = 0.8  # a peer must have a level on 80 % of the target's days
MAX_CANDIDATES = 400  # beyond this many series, peers are drawn from the 400 that overlap the target most


def daily_levels(hourly: np.ndarray, cal: Calendar) -> np.ndarray:
    """Daily level on the local days of ``cal`` (as the detector's daily view makes it), over its own mean."""
    return over_mean(daily_view(hourly, cal, None).mean)


def over_mean(level: np.ndarray) -> np.ndarray:
    """Daily levels over their own mean (all NaN when the mean is not positive)."""
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


def drop_stepping(
    columns: np.ndarray, used: list[str], x: np.ndarray, box: Box, width: float = 5.7
) -> tuple[np.ndarray, list[str], list[str]]:
    """Leave out peers whose level shifted over ``box`` (the target's suspected block) apart from the others.

    A peer whose own block switched on with the target's would absorb it as a regressor; a shift all peers
    share is weather or economy and stays. "Apart" means more than ``width`` autocorrelation-adjusted standard
    errors from the common shift (2 × the 2.85 widening that real loads need, see ``claims``), in either of
    two fits of each peer's level: on the calendar alone, and on the calendar and the other candidates.

    The second fit catches what the first cannot: over a box of months the season swamps a peer's own step
    (standard errors of 8-13 % of mean load on GEFCom zones without temperature), but against the other
    candidates, who share its weather, the step stands out. It matters most when two peers are near twins and
    one of them holds a small farm switched on with the target's: their difference is then a clean step, which
    the target's regression used to cancel its block (GEF12-Z20 2007, a 20 % block: 0.27 with GEF12-Z03 among
    its peers, 0.90 without). On the headline's provinces with the shipped trees: AP 0.808 -> 0.822, recall of
    20 % blocks 0.65 -> 0.74 (BENCHMARKS.md, stop 21).
    """
    if not used or box.end <= box.start:
        return columns, used, []
    peers = columns[:, : len(used)]
    apart = _apart(refit_columns(peers, x, box), width)
    if len(used) > 2:
        apart |= _apart(refit_against_each_other(peers, x, box), width)
    keep, dropped = np.flatnonzero(~apart), np.flatnonzero(apart)
    return columns[:, keep], [used[k] for k in keep], [used[k] for k in dropped]


def fell_apart(columns: np.ndarray, used: list[str], x: np.ndarray, box: Box, width: float = 5.7) -> dict[str, float]:
    """Peers whose level FELL over ``box`` apart from the others, with how far below the others' common shift, as
    a share of their mean level: {peer: fall}. ``drop_stepping``'s fit against the other candidates (the calendar
    alone with two peers), one side: on the headline's provinces it warned on the same windows as both of its
    fits together, for 1.3 ms a series instead of 2.

    Read through such a peer's coefficient, its fall (a shutdown, an outage, a seasonal farm of its own switching
    off) is a rise of the target that the target never had. Scoring keeps the peer (leaving it out was measured
    and cost recall: BENCHMARKS.md, stops 23 and 25) and says so in the answer.
    """
    if len(used) < 2 or box.end <= box.start:
        return {}
    peers = columns[:, : len(used)]
    gap, se = _gaps(refit_against_each_other(peers, x, box) if len(used) > 2 else refit_columns(peers, x, box))
    return {used[k]: float(-gap[k]) for k in np.flatnonzero(-gap > width * se)}


def _gaps(fits: list[Box]) -> tuple[np.ndarray, np.ndarray]:
    """Each fit's shift minus the common shift (read off the least-shifted third of the peers, see ``_apart``),
    and its standard error."""
    deltas = np.array([f.delta for f in fits])
    se = np.array([abs(f.delta / f.t) if f.t else np.inf for f in fits])
    return deltas - float(np.percentile(deltas, 30)), se


def _apart(fits: list[Box], width: float) -> np.ndarray:
    """Which fits' shifts lie more than ``width`` standard errors from the common shift.

    The common shift is read off the least-shifted third of the peers, not the median: when several farms
    of a province switch on the same day, half the peers may carry the target's step.
    """
    gap, se = _gaps(fits)
    apart: np.ndarray = np.abs(gap) > width * se
    return apart


def _change_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Correlation of the day-to-day changes of two daily series (days where both changes are known)."""
    da, db = np.diff(a), np.diff(b)
    ok = np.isfinite(da) & np.isfinite(db)
    if ok.sum() < 10 or np.std(da[ok]) == 0 or np.std(db[ok]) == 0:
        return 0.0
    return float(np.corrcoef(da[ok], db[ok])[0, 1])


def _epoch_day(series: LoadSeries) -> int:
    """Local calendar day number (days since 1970-01-01 local) of the series' first hour."""
    first = series.start.tz_convert(series.tz)
    return int((first.tz_localize(None).normalize() - pd.Timestamp("1970-01-01")).days)


class PeerPool:
    """Daily levels of every series of one input, computed once, from which each series draws its peers.

    Scoring a province with the others as peers then costs one daily view per series plus, for each target,
    a correlation with each candidate over its days (``columns_for``), not a daily view per (target, peer) pair.
    """

    def __init__(self, series: Sequence[LoadSeries], country: str) -> None:
        from detector.features.calendar import CalendarSpec, grid_calendar

        self.levels: dict[str, tuple[int, np.ndarray]] = {}
        self.bands: dict[str, np.ndarray] = {}  # (n_days, 2): floor and peak bands, each over its own mean
        for s in series[:MAX_CANDIDATES]:
            cal = grid_calendar(s.start, len(s.load), CalendarSpec(tz=s.tz, country=country))
            view = daily_view(s.load, cal, None)
            self.levels[s.series_id] = (_epoch_day(s), over_mean(view.mean))
            self.bands[s.series_id] = np.column_stack([over_mean(view.floor), over_mean(view.peak)])

    def __len__(self) -> int:
        return len(self.levels)

    def columns_for(self, target: LoadSeries, reference: np.ndarray, max_peers: int) -> tuple[np.ndarray, list[str]]:
        """The ``max_peers`` candidates (never the target) whose daily levels follow ``reference`` most closely.

        Columns are on the target's local days; a day a peer misses takes its mean (1.0). Candidates covering
        under 80 % of the target's days are not used. Closeness is the correlation of day-to-day CHANGES: it
        rewards a peer for sharing the target's weather, not for sharing its trend or a step (ranked by level,
        a growing peer won because it matched the target's injected block: ERCOT-COAST, BENCHMARKS.md).
        """
        n = len(reference)
        first = _epoch_day(target)
        scored: list[tuple[float, str, np.ndarray]] = []
        for sid, (start, level) in self.levels.items():
            if sid == target.series_id:
                continue
            col = _on_days(level, start, first, n)
            ok = np.isfinite(col)
            if ok.mean() < MIN_PEER_COVERAGE:
                continue
            corr = _change_correlation(col, reference)
            scored.append((corr if np.isfinite(corr) else 0.0, sid, np.where(ok, col, 1.0)))
        scored.sort(key=lambda c: -c[0])
        used = scored[:max_peers]
        columns = np.column_stack([c[2] for c in used]) if used else np.zeros((n, 0))
        return columns, [c[1] for c in used]

    def level_columns(self, target: LoadSeries, n: int, ids: Sequence[str]) -> np.ndarray:
        """Daily levels (over their mean) of the peers ``ids`` on the target's ``n`` local days: (n, len(ids)).
        A day a peer misses takes its mean (1.0), as in ``columns_for``."""
        first = _epoch_day(target)
        cols = [_on_days(self.levels[sid][1], self.levels[sid][0], first, n) for sid in ids]
        return np.column_stack([np.where(np.isfinite(c), c, 1.0) for c in cols]) if cols else np.zeros((n, 0))

    def band_columns(self, target: LoadSeries, n: int, ids: Sequence[str]) -> np.ndarray:
        """Night-floor and peak-band levels of the peers ``ids`` on the target's ``n`` local days: (n, 2 × len(ids)).

        Weather moves a zone's peak hours and its night floor by different amounts, and by different amounts in
        each zone. With the peers' floor and peak beside their mean level, the expected load follows the
        target's weather more closely: on the headline's held-out provinces the residual noise of the daily
        level fell by 9 % (median 0.035 -> 0.032 of mean load) and the shipped trees alone ranked the
        provinces' mining better (AP 0.777 -> 0.786). A day a peer misses takes its mean (1.0).
        """
        first = _epoch_day(target)
        cols = [_on_days(self.bands[sid][:, k], self.levels[sid][0], first, n) for sid in ids for k in range(2)]
        return np.column_stack([np.where(np.isfinite(c), c, 1.0) for c in cols]) if cols else np.zeros((n, 0))


def _on_days(level: np.ndarray, start: int, first: int, n: int) -> np.ndarray:
    """A daily series starting on local day ``start`` placed on the ``n`` days from ``first`` (NaN outside it)."""
    col = np.full(n, np.nan)
    a, b = max(first, start), min(first + n, start + len(level))
    if b > a:
        col[a - first : b - first] = level[a - start : b - start]
    return col
