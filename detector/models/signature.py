"""The mining signature of one series: where a positive level shift sits and what shape it has.

``extract`` fits the expected daily load (calendar + temperature, see ``changepoint``), finds the
best-supported positive shift of the daily mean and of the night floor, and measures the shift's
shape: a mining block lifts every hour by the same power (floor, mean and peak alike, working
days and off days alike), appears as a step, ignores temperature and is not a frozen reading.
Look-alikes break at least one of these: growth scales the peak more than the floor, a factory
lifts weekday daytime, EV charging lifts nights, a heat wave is temperature-driven and brief,
a stuck meter repeats one value, a holiday lull looks like a rise when it ends.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from detector.features.calendar import Calendar
from detector.features.daily import DailyView, daily_view, pearson, quiet
from detector.models.changepoint import (
    EDGE_DAYS,
    Box,
    box_scan,
    box_scans,
    design,
    has_weather,
    indicator,
    more_boxes,
    precursors,
    with_season,
)
from detector.models.regression import (
    baseline_fit,
    box_sizes,
    fixed_box_fit,
    fixed_box_fits,
    hourly_box_sizes,
    least_squares,
    ledoit_wolf,
)

FEATURES: tuple[str, ...] = (
    "t_box",
    "t_mean",
    "t_floor",
    "t_peak",
    "rel_size",
    "floor_ratio",
    "peak_ratio",
    "proportionality",
    "offday_ratio",
    "hour_flatness",
    "hour_low_share",
    "duration_share",
    "ongoing",
    "ramp",
    "pre_drop",
    "temp_corr",
    "has_temp",
    "repeat_share",
    "noise",
    "rho",
    "outage_share",
    "n_peers",
    "ramp_lr",
    "peer_loo_t",
    "peer_loo_size",
)


@dataclass(frozen=True, slots=True, eq=False)
class Signature:
    """Feature vector (order of ``FEATURES``) and what the scoring layer needs to report."""

    features: np.ndarray
    box: Box  # in local days
    level: float  # mean daily load (series unit)
    excess: float  # estimated added power while on, series unit
    hour_deltas: np.ndarray  # (24,) added power by local hour
    expected_daily: np.ndarray  # fitted daily mean without the shift, series unit
    view: DailyView
    boxes: tuple[Box, ...]  # ``box`` first, the further shifts reported as segments, a staircase's first batches
    box_excess: np.ndarray  # added power of each of ``boxes``, fitted jointly, series unit
    box_hours: np.ndarray  # (24, len(boxes)): the same joint fit hour by hour (``box_excess`` is its median)
    work_off: np.ndarray  # (2, len(boxes)): added power on working days and on days off, fitted as ``box_excess``
    excess_se: float  # standard error of ``excess`` (autocorrelation-adjusted, daily level), series unit
    before: Box | None = None  # ``Search.before``: a block possibly on before the data (told, not scored)
    lead: tuple[int, float] | None = None  # ``lead_share`` of the first reported box (told, not scored)
    # ``peer_leave_one_out``: the main box's size with each peer left out over its size with all, in the order
    # of the peers given (empty alone or with one peer). Told (``scoring.LEANS_ON_PEER_WARNING``); scored as a summary.
    peer_loo_sizes: tuple[float, ...] = ()
    # ``build_up`` of the main box: how far the level had risen in the six weeks before it (told, not scored).
    build_up: tuple[float, float, float] | None = None


def lead_share(resid: np.ndarray, start: int, step: float) -> tuple[int, float] | None:
    """The observed days before a box found in the data's first two weeks, and their level as a share of its
    ``step``: near 1 the block was on before the box (from the first reading, or before the data), near 0 it
    switched on where the box starts.

    The scan needs ``EDGE_DAYS`` observed days before a box, so a block on from the first reading is found a week
    or so in; told as a rise on that day, it read "load rose on 10 Jul" for a farm on since May (peers, stop 47).
    ``resid`` is the daily level less the expected (with the boxes fitted), in the units of ``step``; None where
    the box starts on the first day or later than two weeks in, or where fewer than 3 days before it were seen.
    """
    head = resid[:start]
    seen = int(np.isfinite(head).sum())
    if start == 0 or seen > 2 * EDGE_DAYS or seen < 3 or step <= 0:
        return None
    return seen, float(np.nanmean(head) / step)


RAMP_DAYS = (21, 42, 63, 91, 126)  # growth over three weeks to four months
BUILD_UP_DAYS = (42, 3, 56)  # ``build_up``: the six weeks before a box (less its last 3 days), the eight before those
BUILD_UP_MIN_DAYS = 21  # observed days each of the two windows needs


def build_up(resid: np.ndarray, box: Box) -> tuple[float, float, float] | None:
    """How far the level had already risen in the six weeks before ``box``: (the rise, as a share of the mean
    daily level; the rise over the box's size; its t). None where either window has under three weeks of days.

    A farm switches on in a day; growth, and rigs brought in by batches, build up over weeks, and a box put where
    the build-up ends leaves part of the rise before it. ``resid`` is the daily level over the mean less the
    expected (the boxes fitted), so the rise is the lead window's mean residual less that of the eight weeks before
    it; the t has the box's own noise, adjusted for day-to-day persistence. The last days before the box are left
    out of the lead window: a box found a day or two late puts the block's own first days there.
    """
    lead_days, gap, prior_days = BUILD_UP_DAYS
    s = box.start
    lead = resid[max(0, s - lead_days) : max(0, s - gap)]
    prior = resid[max(0, s - lead_days - prior_days) : max(0, s - lead_days)]
    n1, n2 = int(np.isfinite(lead).sum()), int(np.isfinite(prior).sum())
    if min(n1, n2) < BUILD_UP_MIN_DAYS or box.delta <= 0 or not box.sigma > 0:
        return None
    rise = float(np.nanmean(lead) - np.nanmean(prior))
    rho = float(np.clip(box.rho, 0.0, 0.95))
    se = box.sigma * float(np.sqrt((1 / n1 + 1 / n2) * (1 + rho) / (1 - rho)))
    return rise, rise / box.delta, rise / se


def ramp_evidence(z: np.ndarray, x: np.ndarray, box: Box, others: tuple[Box, ...] = ()) -> float:
    """How much better a gradual rise explains the shift than a step, in autocorrelation-adjusted χ² units.

    Growth (new housing, a town filling up) and load moving with the weather build up over weeks to months;
    a farm switches on in a day. Least squares puts a step at the middle of a ramp, so the ramps tried are
    centred on the box's start (and a quarter-length either side), each ``RAMP_DAYS`` long, holding until the
    box ends. Every candidate is fitted with the same design ``x``; the answer is the drop in residual sum of
    squares from the step to the best ramp over the residual variance, times (1 - ρ) / (1 + ρ) for
    day-to-day persistence. Near 0 (or below) for a step; large for growth. The further steps the scan found
    (``others``: a staircase's other batches) stay in both fits, so a staircase is steps, not a ramp.
    """
    n = len(z)
    if others:
        x = np.column_stack([x, *(indicator(n, b) for b in others)])
    ok = np.isfinite(z) & np.isfinite(x).all(1)
    if ok.sum() < x.shape[1] + 10 or box.end - box.start < 14:
        return 0.0
    days = np.arange(n, dtype=np.float64)
    shapes = [indicator(n, box)]
    for length in RAMP_DAYS:
        for centre in (box.start - length / 4, box.start, box.start + length / 4):
            up = np.clip((days - (centre - length / 2)) / length, 0.0, 1.0)
            shapes.append(np.where(days < box.end, up, 0.0))
    cand = np.column_stack(shapes)[ok]
    q, _ = np.linalg.qr(x[ok])
    rz = z[ok] - q @ (q.T @ z[ok])
    rs = cand - q @ (q.T @ cand)
    norm = np.einsum("ij,ij->j", rs, rs)
    gain = np.where(norm > 1e-12, (rz @ rs) ** 2 / np.maximum(norm, 1e-12), 0.0)
    sse = float(rz @ rz) - gain
    dof = max(int(ok.sum()) - x.shape[1] - 1, 1)
    s2 = sse[0] / dof
    if not np.isfinite(s2) or s2 <= 0:
        return 0.0
    rho = float(np.clip(box.rho, 0.0, 0.95))
    return float((sse[0] - sse[1:].min()) / s2 * (1 - rho) / (1 + rho))


def flat_weighted_level(view: DailyView, x: np.ndarray) -> np.ndarray:
    """Daily level as the minimum-variance blend of the 24 hours that passes a flat block whole.

    A mining block adds the same power to every hour; weather and habits move the hours unequally
    (cooling lifts afternoons, heating mornings and evenings). With Σ the covariance of the
    hourly residuals around the expected-load regression (Ledoit-Wolf shrunk), the weights
    w = Σ⁻¹1 / 1ᵀΣ⁻¹1 sum to one, so a flat block of δ moves the blend by exactly δ, while the
    shaped day-to-day noise is damped as far as 24 hours allow. Measured on the held-out real
    loads, the box scan's ROC AUC rose from 0.771 to 0.798 (ERCOT 0.73 -> 0.80).
    Missing hours take the day's mean departure from the typical profile.
    """
    m = view.matrix
    day_dev: np.ndarray = quiet(np.nanmean, m - view.profile, axis=1, keepdims=True)
    filled = np.where(np.isnan(m), view.profile + day_dev, m)
    ok = np.isfinite(filled).all(1)
    if ok.sum() < 60:
        return view.mean
    coef = least_squares(x[ok], filled[ok])
    r = filled[ok] - x[ok] @ coef
    cov = ledoit_wolf(r)
    w = np.linalg.solve(cov, np.ones(24))
    if not np.isfinite(w).all() or abs(w.sum()) < 1e-12:
        return view.mean
    w /= w.sum()
    z = filled @ w
    return np.where(np.isfinite(view.mean), z, np.nan)


SHORT_DAYS, LONG_DAYS = 300, 400  # input lengths (local days) of the operating points (``artifacts.length_context``)

# A box ending inside the data pays this many BIC units for its second change point (``box_scan``). Headline
# (held-out real provinces, BENCHMARKS.md): penalty 2 vs none, AP on events >= 5 % 0.822 vs 0.805 (within noise);
# it is what puts ERCOT-COAST's block on 1 Aug 2024, not on the eve of Hurricane Beryl.
INTERIOR_PENALTY = 2.0
# A further box (a staircase's next batch, a second season) counts from t = 5, not 8 (``more_boxes``' default):
# with the batches in the fit, ``ramp_evidence`` sees steps where it saw a ramp. Scored by the shipped trees
# on the headline's held-out rows, min t 8 / 6 / 5 / 4 gave province AP 0.799 / 0.806 / 0.805 / 0.796 and
# alone 0.725 / 0.733 / 0.731 / 0.736 (BENCHMARKS.md, stop 20).
FURTHER_MIN_T = 5.0
REPORT_MIN_T = 8.0  # a further box is reported as a segment of its own from this t (``extract``)
# A staircase's first batches, too small to be shifts of their own, are found as steps that lead into the earliest
# reported one (``precursors``): from t 5, each held at most six weeks. The January headline's (held-out
# provinces) median onset error 29 -> 5 h with peers, 34 -> 7 h alone, no step or season moved; min t 3 and 4 also
# moved steps and seasons (interval coverage 0.846 -> 0.808), and without the six weeks' cap, two-year windows
# took a winter's level as a first batch (alone 63 -> 424 h). BENCHMARKS.md, stop 24.
PRECURSOR_MIN_T = 5.0
PRECURSOR_DAYS = 42


def day_of_year(cal: Calendar, n: int) -> np.ndarray:
    """Mean day of year of each of the ``n`` local days of ``cal``."""
    counts = np.maximum(np.bincount(cal.day, minlength=n), 1)
    return np.bincount(cal.day, weights=cal.doy, minlength=n) / counts


def amplitude_columns(view: DailyView) -> np.ndarray:
    """The day's peak-to-floor spread (over the mean level) and its square: a regressor weather drives.

    Heat and cold widen the gap between the peak hours and the night floor as they lift the level; a
    flat block lifts both alike and leaves the spread alone. Without temperature this is the best
    stand-in for weather there is in the load itself (headline scan ROC AUC 0.678 -> 0.698 alone).
    """
    level = float(quiet(np.nanmean, view.mean))
    amp = (view.peak - view.floor) / (level if np.isfinite(level) and level > 0 else 1.0)
    fill = float(quiet(np.nanmean, amp)) if np.isfinite(amp).any() else 0.0
    amp = np.where(np.isfinite(amp), amp, fill)
    return np.column_stack([amp, amp * amp])


def shape_columns(view: DailyView, k: int = 3) -> np.ndarray:
    """Scores of the day's de-meaned shape on its first ``k`` principal components, over the mean level.

    Weather reshapes the day (a hot afternoon, a cold morning) as it lifts the level; a flat block lifts every
    hour alike and leaves the shape. Without temperature or peers, these scores explain the level in the
    search in place of the smooth season, which mimics any block of months (``search``'s ``day_shape``).
    Fewer than 60 complete days: no columns.
    """
    m = view.matrix
    level = float(quiet(np.nanmean, view.mean))
    dev = m - quiet(np.nanmean, m, axis=1, keepdims=True)
    profile = quiet(np.nanmean, dev, axis=0)
    dev = np.where(np.isfinite(dev), dev, profile[None, :])
    ok = np.isfinite(dev).all(1)
    if ok.sum() < 60 or not (np.isfinite(level) and level > 0):
        return np.zeros((len(m), 0))
    centred = dev - dev[ok].mean(0)
    _, _, vt = np.linalg.svd(centred[ok], full_matrices=False)
    scores = centred @ vt[:k].T / level
    filled: np.ndarray = np.where(np.isfinite(scores), scores, 0.0)
    return filled


STUCK_RUN = 4  # readings: a run this long of one value is a frozen meter, not rounding


def stuck_share(y: np.ndarray, run: int = STUCK_RUN) -> float:
    """Share of readings in runs of at least ``run`` identical values (a stuck or frozen meter).

    Not the share of readings equal to the one before: a meter that reports whole units repeats a value now and
    then (PJM zones 0.04-0.75 % of hours), and an injected block, added in fractions, never does, so "no repeat
    at all inside the box" told injected blocks from real shifts; the trees split on it (stop 42). A real farm
    is metered and rounded like the rest of the load. Runs of ``run`` readings are what a frozen meter leaves.
    """
    if y.size < run:
        return 0.0
    same = np.concatenate(([False], np.diff(y) == 0, [False]))
    edges = np.flatnonzero(np.diff(same.astype(np.int8)))
    starts, ends = edges[::2], edges[1::2]  # runs of equal steps: readings starts-1 .. ends-1
    lengths = ends - starts + 1  # readings in each run
    return float(lengths[lengths >= run].sum() / y.size)


def mask_spikes(z: np.ndarray, x: np.ndarray, k: float = 4.0, window: int = 15) -> np.ndarray:
    """``z`` with days of short, extreme departures set to NaN: storms, blackouts, cold snaps.

    A hurricane that cuts a zone's load for a week (ERCOT-COAST after Beryl, July 2024) leaves the days
    before it looking like a positive block to least squares. Mining is a lasting shift, so what is masked
    is only a departure from the residual's own 15-day rolling median beyond ``k`` robust standard
    deviations: a step moves the rolling median with it and stays unmasked.
    """
    ok = np.isfinite(z) & np.isfinite(x).all(1)
    if ok.sum() < 4 * window:
        return z
    coef = least_squares(x[ok], z[ok])
    r = np.full(len(z), np.nan)
    r[ok] = z[ok] - x[ok] @ coef
    local = pd.Series(r).rolling(window, center=True, min_periods=window // 2).median().to_numpy()
    spike = r - local
    mad = float(np.nanmedian(np.abs(spike - np.nanmedian(spike)))) * 1.4826
    if not np.isfinite(mad) or mad <= 0:
        return z
    return np.where(np.abs(spike) > k * mad, np.nan, z)


def unmask_lead(z: np.ndarray, raw: np.ndarray, box: Box, days: int = 7, window: int = 14) -> np.ndarray | None:
    """``z`` with the run of masked days just before a rise ``box`` given back, where they sit at its level.

    ``mask_spikes`` fits the level without a box. A big block switched on just before a hot spell is taken for the
    spell's weather from then on, so only its first days stand out; they are masked, and the box starts days late
    with the block's own level just before it, which the ramp test reads as growth (BENCHMARKS.md, stop 50: a
    41 % farm scored 0.43). The masked run (up to ``days``) ending the day before ``box`` is the block's when the
    load ``raw`` over it is nearer the level of the ``window`` days from the box's start than half the rise from
    the ``window`` days before the run. None when nothing is given back. A storm, an outage or a cold snap before a
    box sits at neither level and stays masked.
    """
    n, s = len(z), box.start
    if s <= 0 or s >= n or box.delta <= 0:
        return None
    k = s
    while k > max(0, s - days) and not np.isfinite(z[k - 1]) and np.isfinite(raw[k - 1]):
        k -= 1
    if k == s:
        return None
    pre = quiet(np.nanmedian, z[max(0, k - window) : k])
    post = quiet(np.nanmedian, z[s : s + window])
    rise = post - pre
    if not np.isfinite(rise) or rise <= 0 or abs(float(np.mean(raw[k:s])) - post) > 0.5 * rise:
        return None
    out = z.copy()
    out[k:s] = raw[k:s]
    return out


def work_off_sizes(z: np.ndarray, x: np.ndarray, steps: np.ndarray, off_day: np.ndarray) -> np.ndarray:
    """(2, k): each box of ``steps`` (n × k) sized on working days (row 0) and on days off (row 1), all in one fit
    of ``z`` over every day. Fitted on the ~110 days off alone, the whole design (peers' columns, season) had to
    be estimated again and the ratio came out wild: a flat 20 % GEFCom farm with peers read -6.2 times its
    working-day step (BENCHMARKS.md, stop 51)."""
    off = off_day.astype(np.float64)[:, None]
    return box_sizes(z, x, np.column_stack([steps * (1 - off), steps * off])).reshape(2, steps.shape[1])


@dataclass(frozen=True, slots=True, eq=False)
class Search:
    """What the shift search found: the design it used and the boxes, before any shape test."""

    view: DailyView
    x: np.ndarray  # calendar + weather (+ peers): the design of the shape tests
    x_scan: np.ndarray  # x + the day's spread: the design of the search
    level: float  # mean daily load
    floor_level: float
    box: Box
    boxes: tuple[Box, ...]
    z_box: np.ndarray | None = None  # the daily series ``box`` was found in (level or floor, spikes masked)
    before: Box | None = None  # with peers: a block on from the first day that beats ``box`` (not scored)
    already_on: bool = False  # the scan allowed a box from the first day (alone, with the day's shape)
    with_peers: bool = False


def peer_leave_one_out(
    z: np.ndarray, x: np.ndarray, peer_cols: list[list[int]], box: Box
) -> tuple[float, float, tuple[float, ...]]:
    """How the main box holds up with each peer's columns left out of the design: (lowest t over the full fit's t,
    size over the full fit's size furthest from 1, each peer's size ratio in the order of ``peer_cols``). (1.0,
    1.0, ()) with fewer than two peers.

    A farm in the series keeps its size whichever peer leaves the design; a box that one peer's own event put there
    (a neighbour's seasonal farm switching off, a raided farm next door) moves or vanishes with that peer. The top
    negatives with peers on the headline's held-out provinces were such boxes (BENCHMARKS.md, stop 57). A fixed
    box, so only small least-squares fits: no new search.
    """
    if len(peer_cols) < 2 or box.end <= box.start:
        return 1.0, 1.0, ()
    ind = indicator(len(z), box)
    d_full, t_full = fixed_box_fit(z, x, ind)
    if t_full <= 0 or abs(d_full) < 1e-12:
        return 1.0, 1.0, ()
    ratios_t, ratios_d = [], []
    for cols in peer_cols:
        d, t = fixed_box_fit(z, np.delete(x, cols, axis=1), ind)
        ratios_t.append(t / t_full)
        ratios_d.append(d / d_full)
    size = max(ratios_d, key=lambda r: abs(r - 1.0))
    return float(min(ratios_t)), float(size), tuple(float(r) for r in ratios_d)


def peer_columns(n_design: int, n_columns: int, count: int) -> list[list[int]]:
    """Column indices of each of ``count`` peers in a design whose peers' ``n_columns`` start at ``n_design``: their
    levels first, then two bands each (``scoring.signature_of``), or one level each. Empty for another layout."""
    if count <= 0:
        return []
    if n_columns == 3 * count:
        return [[n_design + i, n_design + count + 2 * i, n_design + count + 2 * i + 1] for i in range(count)]
    if n_columns == count:
        return [[n_design + i] for i in range(count)]
    return []


def search(
    load: np.ndarray,
    cal: Calendar,
    temp: np.ndarray | None = None,
    peers: np.ndarray | None = None,
    view: DailyView | None = None,
    day_shape: bool = False,
    further: bool = True,
) -> Search:
    """The best-supported positive shift of one series (and further ones), without the shape tests.

    Scoring with peers runs this alone first, to know which peers stepped with the target (cheaper than a
    whole ``extract``); ``view`` reuses a daily view already built for the same load. That test reads only the
    box's days, which the further boxes never move (``more_boxes`` refits the first box over its own days), so it
    asks with ``further=False``: no search for further boxes, and ``boxes`` holds the main box alone (the same
    answers, one to four scans fewer: stop 60).

    ``day_shape``: without peers and within ``LONG_DAYS``, the search explains the level by the day's shape
    (``shape_columns``) beside its spread, and leaves the smooth season out. What the alone classifier of a
    per-mode model is trained on (``MiningModel.alone``); measured in ``BENCHMARKS.md`` (stop 27).
    """
    view = view if view is not None else daily_view(load, cal, temp)
    n = len(view.mean)
    doy = day_of_year(cal, n)
    with_peers = peers is not None and peers.shape[1] > 0
    # Within a year, a smooth season (two harmonics) mimics any block of months, and peers carry the season
    # already: with peers and without temperature it is left out up to LONG_DAYS. Over two years the season
    # repeats and cannot mimic a block, so it stays. Shipped trees on the headline's provinces: AP 0.822 ->
    # 0.862, ERCOT (no temperature) 0.666 -> 0.788; one harmonic kept 0.848; two-year 0.828 -> 0.819 without
    # it (BENCHMARKS.md, stop 21).
    season = not with_peers or n > LONG_DAYS
    shaped = day_shape and not with_peers and n <= LONG_DAYS  # the alone search with the day's shape
    x = design(
        n, view.off_day, view.holiday, view.temp, doy, view.temp_max, view.temp_min, season=season and not shaped
    )
    x_plain = x  # without the smooth season: the day-shape search's design
    if shaped and not has_weather(view.temp, n):
        x = with_season(x, doy)  # one design built, not two (with weather, 0.7 ms of a series' 17 alone)
    if peers is not None and with_peers:
        x = np.column_stack([x, peers[:n] / np.maximum(np.abs(peers[:n]).max(0), 1e-12)])
    # The search for the shift also explains the level by the day's spread; the shape tests below do not
    # (a factory widens the spread: with it as a regressor its daytime rise would look flat).
    amp = amplitude_columns(view)
    x_base = x
    if shaped:
        x_base = x_plain
        amp = np.column_stack([amp, shape_columns(view)])
    x_scan = np.column_stack([x_base, amp / np.maximum(np.abs(amp).max(0), 1e-12)])
    level = float(np.nanmean(view.mean)) if np.isfinite(view.mean).any() else 1.0
    level = level if level > 0 else 1.0
    z_level = flat_weighted_level(view, x_scan) / level
    z_mean = mask_spikes(z_level, x_scan)
    # Alone with the day's shape, a box may also start on the first day (a block on before the data begins):
    # the design that carries the weather without a smooth season, so a winter at the window's start is not a box.
    already_on = day_shape and not with_peers and n <= LONG_DAYS

    # With peers, a block on before the data begins, switched off inside it, is not searched: offered to the
    # trees it cost the January headline a seventh of its 20 % farms (BENCHMARKS.md, stop 40). The same scan
    # finds it, to be told (``scoring.BEFORE_DATA_WARNING``), never scored.
    def scan(z: np.ndarray, raw: np.ndarray, floor: bool) -> tuple[np.ndarray, Box, Box | None]:
        """The box scan of ``z``; where ``unmask_lead`` gives a box's first days back, the scan of that."""

        def once(z: np.ndarray) -> tuple[Box, Box | None]:
            if with_peers and n <= LONG_DAYS and not floor:
                return box_scans(z, x_scan, interior_penalty=INTERIOR_PENALTY)
            return box_scan(z, x_scan, interior_penalty=INTERIOR_PENALTY, already_on=already_on), None

        found, on = once(z)
        kept = unmask_lead(z, raw, found)
        return (z, found, on) if kept is None else (kept, *once(kept))

    z_mean, box_m, on = scan(z_mean, z_level, floor=False)
    floor_level = max(float(np.nanmean(view.floor)), 1e-9 * level) if np.isfinite(view.floor).any() else level
    z_floor, box_f, _ = scan(mask_spikes(view.floor / floor_level, x_scan), view.floor / floor_level, floor=True)
    box, z_box = (box_f, z_floor) if box_f.t > box_m.t else (box_m, z_mean)
    first = Search(view, x, x_scan, level, floor_level, box, (box,), z_box, None, already_on, with_peers)
    if not further:
        return first
    found = _further(first)
    box = found.box
    before = on if on is not None and on.start == 0 and on.t >= REPORT_MIN_T and on.t > box.t else None
    return replace(found, before=before)


def _further(first: Search) -> Search:
    """``first`` (a search stopped at its first box) with its further boxes, the first one refitted with them."""
    assert first.z_box is not None  # every search keeps the series its box was found in
    boxes = tuple(more_boxes(first.z_box, first.x_scan, first.box, min_t=FURTHER_MIN_T, already_on=first.already_on))
    return replace(first, box=boxes[0] if boxes[0].t > first.box.t else first.box, boxes=boxes)


def finish(found: Search) -> Search:
    """A search run with ``further=False`` and no peers, completed with its further boxes: the same ``Search``
    as one run with ``further=True`` (alone, the first box and its scan do not depend on them). A series scored
    with peers is read alone only where that first box clears a gate (``scoring.ALONE_READING_MIN_T``); the
    reading then goes on from the search it gated on instead of starting again."""
    if found.with_peers:
        raise ValueError("only a search without peers can be finished: with peers, the scan also looks before the data")
    return _further(found) if len(found.boxes) == 1 else found


def extract(
    load: np.ndarray,
    cal: Calendar,
    temp: np.ndarray | None = None,
    peers: np.ndarray | None = None,
    view: DailyView | None = None,
    peer_count: int | None = None,
    day_shape: bool = False,
    found: Search | None = None,
) -> Signature:
    """Signature of one hourly series on its local calendar (``temp`` in °C, optional).

    ``peers`` (n_days × k, other places' daily levels: ``features.peers``) join the expected-load design;
    ``peer_count`` is how many places they come from (default: one per column); ``day_shape`` as in ``search``.
    ``found``: that search, already run on this load (``finish``); the other arguments must be the ones it had.
    """
    found = found if found is not None else search(load, cal, temp, peers, view, day_shape)
    view, x, x_scan, level, floor_level = found.view, found.x, found.x_scan, found.level, found.floor_level
    box, boxes = found.box, found.boxes
    n = len(view.mean)
    ind = indicator(n, box)
    inds = np.column_stack([indicator(n, b) for b in boxes])
    fit_m = baseline_fit(view.mean / level, x_scan, inds)

    fits = fixed_box_fits(np.column_stack([view.mean, view.floor, view.peak]) / level, x, ind)
    (d_mean, t_mean), (d_floor, t_floor), (d_peak, t_peak) = (tuple(float(v) for v in row) for row in fits)
    peak_level = float(np.nanmean(view.peak)) / level if np.isfinite(view.peak).any() else 1.0
    rel_floor = d_floor / max(floor_level / level, 1e-9)
    rel_peak = d_peak / max(peak_level, 1e-9)

    # Off days vs working days: the box split in two, in one fit over every day (``work_off_sizes``).
    d_work, d_off = (float(v) for v in work_off_sizes(view.mean / level, x, ind[:, None], view.off_day)[:, 0])

    # Per-hour shift (24 fits over the same design): flat for a mining block.
    hour_deltas = hourly_box_sizes(view.matrix / level, x, ind[:, None])[:, 0]
    mean_hd = float(np.mean(hour_deltas))
    flat = float(np.std(hour_deltas) / abs(mean_hd)) if abs(mean_hd) > 1e-9 else 10.0
    low_share = float(np.percentile(hour_deltas, 20) / mean_hd) if abs(mean_hd) > 1e-9 else 0.0

    ramp_lr = ramp_evidence(view.mean / level, x, box, boxes[1:])  # boxes[0] is ``box``, refitted
    n_peer_cols = peers.shape[1] if peers is not None else 0
    count = peer_count if peer_count is not None else n_peer_cols
    loo_t, loo_size = 1.0, 1.0
    loo_sizes: tuple[float, ...] = ()
    if found.z_box is not None and n_peer_cols:
        cols = peer_columns(x.shape[1] - n_peer_cols, n_peer_cols, count)
        loo_t, loo_size, loo_sizes = peer_leave_one_out(found.z_box, x_scan, cols, box)

    # Ramp: residual just after the onset vs a month later (a step is level, growth climbs).
    resid = view.mean / level - fit_m
    s = box.start
    early = float(quiet(np.nanmean, resid[s : s + 7])) if s < n else 0.0
    late = float(quiet(np.nanmean, resid[s + 21 : min(box.end, s + 49)])) if s + 21 < box.end else early
    ramp = early / late if abs(late) > 1e-9 and np.isfinite(early) and np.isfinite(late) else 1.0
    before = resid[max(0, s - 14) : s]
    prior = resid[max(0, s - 42) : max(0, s - 14)]
    pre_drop = (
        float((np.nanmean(before) - np.nanmean(prior)) / max(box.sigma, 1e-9))
        if np.isfinite(before).sum() > 3 and np.isfinite(prior).sum() > 3
        else 0.0
    )

    temp_corr, has_temp = 0.0, 0.0
    if view.temp is not None and np.isfinite(view.temp).sum() > 30:
        has_temp = 1.0
        inside = (ind > 0) & np.isfinite(resid) & np.isfinite(view.temp)
        if inside.sum() > 10 and np.nanstd(view.temp[inside]) > 0:
            temp_corr = pearson(resid[inside], view.temp[inside])

    hours_in = (cal.day >= box.start) & (cal.day < box.end)
    y_in = load[hours_in]
    repeat_share = stuck_share(y_in)
    excess = float(np.median(hour_deltas)) * level
    feats = {
        "t_box": box.t,
        "t_mean": t_mean,
        "t_floor": t_floor,
        "t_peak": t_peak,
        "rel_size": d_mean,
        "floor_ratio": d_floor / d_mean if abs(d_mean) > 1e-9 else 0.0,
        "peak_ratio": d_peak / d_mean if abs(d_mean) > 1e-9 else 0.0,
        "proportionality": rel_peak / rel_floor if abs(rel_floor) > 1e-9 else 10.0,
        "offday_ratio": d_off / d_work if abs(d_work) > 1e-9 else 0.0,
        "hour_flatness": flat,
        "hour_low_share": low_share,
        "duration_share": (box.end - box.start) / n,
        "ongoing": float(box.end >= n),
        "ramp": ramp,
        "pre_drop": pre_drop,
        "temp_corr": temp_corr,
        "has_temp": has_temp,
        "repeat_share": repeat_share,
        "noise": box.sigma,
        "rho": box.rho,
        "outage_share": view.outage_hours / max(len(load), 1),
        "n_peers": float(count) if peers is not None else 0.0,
        "ramp_lr": ramp_lr,
        "peer_loo_t": loo_t,
        "peer_loo_size": loo_size,
    }
    vec = np.array([feats[k] for k in FEATURES], dtype=np.float64)
    vec = np.clip(np.nan_to_num(vec, nan=0.0, posinf=10.0, neginf=-10.0), -50, 50)
    expected = fit_m * level  # the regression fitted with the box, so it does not absorb the shift
    # Reported as segments: the boxes found before the first one under ``REPORT_MIN_T`` (the boxes a search
    # that stopped there finds). The further ones take part in the ramp test and the baseline only: alone, a
    # box of t 5-8 is as often a cold spell as a batch of rigs, summed into the main segment it read the
    # added power high (headline alone: excess error 12.6 % -> 21.4 %), and the boxes found once it is in the
    # design put the first segment on real shifts of the base long before the event (two-year headline).
    shown = [0]
    for k in range(1, len(boxes)):
        if boxes[k].t < REPORT_MIN_T:
            break
        shown.append(k)
    reported = [boxes[k] for k in shown]
    earliest = min(reported, key=lambda b: b.start)
    others = [indicator(n, b) for b in reported if b is not earliest]
    x_lead = np.column_stack([x_scan, *others])
    # The plain daily mean (spikes masked): on the January headline it found more first batches than the series
    # the boxes were found in (the flat-weighted level or the floor: median onset error 13 h, not 5 h).
    z_lead = mask_spikes(view.mean / level, x_scan)
    reported += precursors(z_lead, x_lead, earliest, min_t=PRECURSOR_MIN_T, max_days=PRECURSOR_DAYS)
    box_excess, box_hours = np.array([excess]), hour_deltas[:, None] * level
    work_off = np.array([[d_work], [d_off]]) * level
    if len(reported) > 1:  # every reported box's added power, fitted jointly hour by hour (median over hours)
        steps = np.column_stack([indicator(n, b) for b in reported])
        box_hours = hourly_box_sizes(view.matrix / level, x, steps) * level
        box_excess = np.median(box_hours, axis=0)
        work_off = work_off_sizes(view.mean / level, x, steps, view.off_day) * level
    se = abs(box.delta / box.t) * level if box.t > 0 else float("nan")
    first = min(range(len(reported)), key=lambda k: reported[k].start)
    lead = lead_share(resid, reported[first].start, float(box_excess[first]) / level)
    rise = build_up(resid, box)
    return Signature(
        vec,
        box,
        level,
        excess,
        hour_deltas * level,
        expected,
        view,
        tuple(reported),
        box_excess,
        box_hours,
        work_off,
        se,
        found.before,
        lead,
        loo_sizes,
        rise,
    )
