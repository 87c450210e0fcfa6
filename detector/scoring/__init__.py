"""Scoring: signature -> calibrated score, segments, excess load and evidence."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from itertools import pairwise
from typing import NamedTuple

import numpy as np
import pandas as pd

from detector.artifacts import MiningModel, length_context
from detector.features.calendar import Calendar, CalendarSpec, grid_calendar
from detector.features.daily import DailyView
from detector.features.peers import SWITCH_ON_DAYS, PeerPool, drop_stepping, fell_apart, fell_at_switch_on, over_mean
from detector.ingest.series import LoadSeries
from detector.ingest.units import power_text
from detector.models.changepoint import Box, design
from detector.models.signature import FEATURES, Search, Signature, day_of_year, extract, finish, search
from detector.scoring.evidence import day_text, describe_step, explain
from detector.scoring.report import RIG_KW, ScoreReport, Segment, rig_equivalents
from detector.scoring.sensitivity import recall_by_size, unflagged_note

__all__ = ["RIG_KW", "ScoreReport", "Segment", "expected_hourly", "score_series", "signature_of"]


ALREADY_ON_WARNING = (
    "the added load was already on when the data begins: its switch-on is earlier, so the onset given is the "
    "first reading, not when it started; only its switch-off is in the data"
)
BEFORE_DATA_WARNING = (
    "load ran {power} ({share:.0%} of mean) above what its peers explain from the start of the data until {end}, "
    "then fell (t = {t:.1f}): a block switched on before the data begins and off on that day would look like "
    "this, and so would a series that ran high against its peers; {scored}"
)
# How the warning ends: the run from the first day is not what the score weighs, unless the box it weighs is the
# same run found a week in (``Signature.lead``), whose first segment is then told from the first reading.
BEFORE_DATA_UNSCORED = "not part of the score, which looks only for blocks switched on inside the data"
BEFORE_DATA_SCORED_LATE = (
    "scored only from {found}, where the search, which looks only for blocks switched on inside the data, found it"
)
NO_BUDGET_WARNING = (
    "no false-alarm rate is known for inputs like this one (its length, with or without peers, or a recalibrated "
    "model), so it is flagged at the model's operating point {threshold:.3f}, not at the false-alarm budget of "
    "{budget:.1%}"
)
# A budget under the least rate of the input's context: (k + 1) / (n + 1) is never under 1 / (n + 1)
# (``artifacts.false_alarm_rates``), so no score is within it and nothing is flagged; the answer says why.
BUDGET_UNDER_TABLE_WARNING = (
    "the false-alarm budget of {budget:.2%} is under the lowest rate known for inputs like this one "
    "({least:.2%}, even at a score of 1: the clean training windows of its context are too few to tell a smaller "
    "one), so nothing is flagged within it"
)
ALONE_BUDGET_WARNING = (
    "a false-alarm budget on an answer scored alone: on zones never seen (BENCHMARKS.md, stop 64) the rates of "
    "answers scored alone came near a 5 % budget for windows starting in January, April and July (1.5-4.6 % of "
    "clean windows kept) but not in October (20 %), nor at 10 % (10-30 %); score neighbouring series together "
    "for a budget that holds"
)
# The counts: held-out zones scored alone, windows from January, April, July and October (the rows of ``headline.py
# --rounds 3 --start-month all``, model 132dc45e, rates as (k + 1) / (n + 1) since stop 64:
# ``results/headline_365d*_conformal.json``; stop 58's plain shares kept 1.5-6.2 %).
NO_WEATHER_WARNING = (
    "scored without temperature and without peers: weather is inferred from the load itself, where small blocks "
    "hide (on held-out PJM and ERCOT one-year windows scored this way, 11 of 132 blocks of 10 % of mean load and "
    "40 of 193 of 20 % were flagged); add a temperature column or score neighbouring series together"
)  # the counts of ``sensitivity.FOUND["alone+no-temperature"]`` (three draws, four starts; 7 of 51 and 14 of 55 on one)
# What a size read without temperature is worth, by mode (``results/headline_365d_pooled.json``'s
# ``sizing_by_temperature``, windows from January, April, July and October; BENCHMARKS.md, stops 53-54). Pooled, the
# 90 % interval meets its band with peers (0.92) only because the two contexts miss it in opposite directions, so an
# answer read without temperature says what its own context measured.
SIZE_WITHOUT_TEMPERATURE_WARNING = (
    "sized without temperature: on held-out one-year windows of zones without it, flagged farms read {mode} were "
    "sized to a median {error} off and the 90 % interval held {held} of their true sizes (with temperature "
    "{error_t} and {held_t}); add a temperature column for a surer size"
)
SIZE_WITHOUT_TEMPERATURE = {
    "peers": {"mode": "with peers", "error": "14 %", "held": "30 of 39", "error_t": "5 %", "held_t": "70 of 71"},
    "alone": {"mode": "alone", "error": "34 %", "held": "12 of 14", "error_t": "9 %", "held_t": "59 of 60"},
}
# A main rise that one peer's columns make: left out of the design, the rise falls under half its size
# (``Signature.peer_loo_sizes``). On the headline's held-out provinces (four starts, BENCHMARKS.md, stop 59) this was
# said of 0 of 127 flagged farms and 1 of 6 flagged negatives; of 27 % of every negative's rise, 10 % of every farm's.
LEANS_ON_PEER_SHARE = 0.5
LEANS_ON_PEER_WARNING = (
    "the main rise leans on peer {peer}: with it left out of the expected load, the rise {reads}; an event of "
    "{peer}'s own over these days (an outage, a farm of its own switching off, a meter change) may have made it"
)
# A total posted beside its parts (``PeerPool.sums_with``) is kept out of their peers and they out of its: the
# answers say so, and the total's says a rise found in it may be one of its parts'.
IN_SUM_WARNING = (
    "not used as {peers}: {sums}, {which} of this series and others of this input (a total carries this series' "
    "own rise)"
)
IS_SUM_WARNING = (
    "this series is the sum of {n} others of this input ({parts}): they are not used as its peers, each carrying "
    "its share of any rise here; a rise found here may be one of theirs (see their answers)"
)
COPY_WARNING = (
    "not used as a peer: {peer}, a copy of this series (its daily load is this one's times {ratio:.4g}, to {spread} "
    "day by day): the same load posted twice carries this series' own rise"
)
# A peer's fall as the main rise switches on (``features.peers.fell_at_switch_on``): its own farm raided or
# switched off that day reads as this series' rise through its coefficient.
FELL_AT_SWITCH_ON_WARNING = (
    "as the main rise switched on ({first}), peer {peer}'s load fell {share:.0%} of its mean below the other peers' "
    "(the {days} days before against the {days} after): part of the rise may be that fall read through it"
)
# The same fall, where it is what the rise read with that peer (``_signature_and_view`` reads it again without).
LEFT_OUT_FALLEN_WARNING = (
    "not used as a peer: {peer}, whose load fell {share:.0%} of its mean below the other peers' as a rise here "
    "switched on ({first}; the {days} days before against the {days} after): read through it, that fall would be "
    "a rise of this series"
)
# A series scored with peers is also read alone where the reading with peers does not flag it, and flagged where
# that alone reading meets the alone operating point (both points as the model set them out of fold; nothing is
# tuned here). A peer's own event over the same days (a farm of its own, a raid, EV charging) or a rise the peers
# share can take a farm out of the reading with peers; alone, a large flat block stands out (a 45 % raided farm on
# GEFCom read 0.598 with peers, under the 0.59826 threshold, and 0.997 alone). On the headline's held-out provinces,
# three draws of events, it lifted recall of 10 / 20 / 50 % events (BENCHMARKS.md, stop 62).
ALONE_FLAG_WARNING = (
    "flagged on its own load: scored alone it reads {alone:.3f} (alone operating point {alone_thr:.3f}); with peers "
    "{peers} in its expected load it read {p:.4f}, under {thr:.4f}. A peer's own event over these days, or a rise "
    "the peers share, can hide a farm from the reading with peers; the evidence, onset and size are the alone reading's"
)
# The length context (``artifacts.length_context``) the alone reading is joined in: a year, where it was measured.
# On two-year windows of the held-out zones it flagged as many negatives as farms (``headline.py --days 730
# --modes province``: with 3 rounds a staircase and a stuck meter of ERCOT-WEST 2017 at 0.995, AP 0.825 -> 0.814;
# with 2 rounds a 5 % staircase and the same meter, AP 0.819 -> 0.799); short inputs were never measured with it.
ALONE_JOIN_CONTEXT = ""
# Below this first-box t, a series' alone reading is not run beside its reading with peers (``_alone_reading``).
# On provinces of the TRAINING zones (``benchmarks/alone_gate.py --split train --seed 7000``: the headline's
# injector, one-year windows, four starts) the lowest first-box t of an alone reading that flagged a series the
# peers did not was 6.41 (41 such flags of 786 readings), and 6 ends 43.5 % of the readings there. On the held-out
# zones it changes no answer of the headline (BENCHMARKS.md, stop 63).
ALONE_READING_MIN_T = 6.0
SCORING_PEERS = 3  # peers per series: the 3 best-correlated beat 12 on the headline's scan (BENCHMARKS.md)


def signature_of(
    series: LoadSeries,
    country: str,
    peers: PeerPool | Sequence[LoadSeries] | None = None,
    *,
    day_shape: bool = False,
) -> tuple[Signature, Calendar, list[str]]:
    """Signature of a canonical series on its local calendar, with the ids of the peers it used.

    ``day_shape``: a series scored alone (no peers given, or none kept) is searched with the day's shape in
    place of the smooth season (``models.signature.search``), as the alone classifier of a per-mode model
    (``MiningModel.day_shape_alone``) was trained. The search that picks the peers keeps the season either way.
    """
    sig, cal, used, _, _ = _signature_and_view(series, country, peers, day_shape=day_shape)
    return sig, cal, used


class FallenPeers(NamedTuple):
    """Peers left out of a series' expected load because their level fell as its rise switched on."""

    start: int  # the rise's first day as read with them (an index into the series' days)
    shares: dict[str, float]  # each peer's fall, as a share of its mean level


def _signature_and_view(
    series: LoadSeries,
    country: str,
    peers: PeerPool | Sequence[LoadSeries] | None = None,
    *,
    day_shape: bool = False,
) -> tuple[Signature, Calendar, list[str], DailyView | None, FallenPeers | None]:
    """``signature_of``, and with peers the series' daily view, which an alone reading of it reuses, and the
    peers left out because they fell as the rise switched on (the series read again without them, once)."""
    cal = grid_calendar(series.start, len(series.load), CalendarSpec(tz=series.tz, country=country))
    if not peers:
        return extract(series.load, cal, series.temperature, day_shape=day_shape), cal, [], None, None
    alone = search(series.load, cal, series.temperature, further=False)  # only its box's days are read
    pool = (peers if isinstance(peers, PeerPool) else PeerPool(peers, country)).joined(series)
    view = alone.view
    sig, used = _read_with_peers(series, cal, alone, pool, day_shape)
    # A peer whose level fell as the rise switched on (its own farm raided or switched off) reads through its
    # coefficient as this series' rise: read again without it (BENCHMARKS.md, stop 66).
    n = len(view.mean)
    if used and sig.excess > 0 and sig.box.start < n:
        start = sig.box.start
        fallen = fell_at_switch_on(pool.level_columns(series, n, used), used, view.off_day, view.holiday, start)
        if fallen:
            sig, used = _read_with_peers(series, cal, alone, pool.without(set(fallen)), day_shape)
            return sig, cal, used, view, FallenPeers(start, fallen)
    return sig, cal, used, view, None


def _read_with_peers(
    series: LoadSeries, cal: Calendar, alone: Search, pool: PeerPool, day_shape: bool
) -> tuple[Signature, list[str]]:
    """The signature of ``series`` with its best peers from ``pool``, and their ids (none kept: read alone on
    the same daily view). ``alone``: the series' own first search, whose box picks the peers."""
    view = alone.view
    columns, used = pool.columns_for(series, over_mean(view.mean), max_peers=4 * SCORING_PEERS)
    # Peers whose own block switched on with the target's suspected one would hide it: leave them out.
    n = len(view.mean)
    x = design(n, view.off_day, view.holiday, None, day_of_year(cal, n))
    columns, used, _ = drop_stepping(columns, used, x, alone.box)
    columns, used = columns[:, :SCORING_PEERS], used[:SCORING_PEERS]
    if not used:
        return extract(series.load, cal, series.temperature, view=view, day_shape=day_shape), []
    # Each peer's night floor and peak band join its mean level (``PeerPool.band_columns``).
    columns = np.column_stack([columns, pool.band_columns(series, n, used)])
    return extract(series.load, cal, series.temperature, columns, view=view, peer_count=len(used)), used


def falling_peer_warnings(
    series: LoadSeries,
    sig: Signature,
    cal: Calendar,
    pool: PeerPool,
    used: list[str],
    country: str,
    main: Segment | None = None,
) -> list[str]:
    """Warnings naming each peer whose level fell over the main box apart from the other peers
    (``features.peers.fell_apart``): the rise the answer reports may be partly or wholly that fall. Dates
    in ``country``'s calendar, as in every other sentence of the answer; the first is ``main``'s (the segment
    the evidence tells, its switch-on refined to the hour) where given, so warning and evidence name one day."""
    n = len(sig.view.mean)
    if sig.excess <= 0 or sig.box.start >= n:
        return []
    x = design(n, sig.view.off_day, sig.view.holiday, None, day_of_year(cal, n))
    columns = pool.level_columns(series, n, used)
    fell = fell_apart(columns, used, x, sig.box)
    # A fall that ends a block of the peer's own (a raided or seasonal farm switched off) as the rise begins.
    at_start = fell_at_switch_on(columns, used, sig.view.off_day, sig.view.holiday, sig.box.start)
    first = _day_text(series, cal, sig.box.start, country) if main is None else day_text(main.start, series.tz, country)
    last = _day_text(series, cal, min(sig.box.end, n) - 1, country)
    over = [
        f"over the days of the main rise ({first} to {last}), peer {peer}'s load fell "
        f"{share:.0%} of its mean below the other peers': part of the rise may be that fall read through it"
        for peer, share in fell.items()
    ]
    return over + [
        FELL_AT_SWITCH_ON_WARNING.format(first=first, peer=peer, share=share, days=SWITCH_ON_DAYS)
        for peer, share in at_start.items()
        if peer not in fell
    ]


def leaning_peer_warnings(sig: Signature, used: list[str]) -> list[str]:
    """Warnings naming each peer without which the main rise falls under ``LEANS_ON_PEER_SHARE`` of its size
    (``Signature.peer_loo_sizes``, in the order of ``used``): the rise is then that peer's reading as much as this
    series', whatever the score."""
    if sig.excess <= 0 or len(sig.peer_loo_sizes) != len(used):
        return []
    out = []
    for peer, share in zip(used, sig.peer_loo_sizes, strict=True):
        if share < LEANS_ON_PEER_SHARE:
            reads = "is gone" if share <= 0 else f"is {share:.0%} of its size"
            out.append(LEANS_ON_PEER_WARNING.format(peer=peer, reads=reads))
    return out


def sum_warnings(sid: str, pool: PeerPool) -> list[str]:
    """What the answer of ``sid`` says of the copies and sums in its input, all kept out of its peers
    (``PeerPool.sums_with``): its copies, the totals it is in that were candidate peers, and, for a total, its
    parts."""
    sums = sorted(t for t in pool.kept_apart(sid) if t not in pool.copies_of(sid) and pool.contains(t, sid))
    parts = pool.parts_of(sid)
    out = [
        COPY_WARNING.format(peer=peer, ratio=ratio, spread=f"{pool.copy_spread(sid, peer):.1%}")
        for peer, ratio in sorted(pool.copies_of(sid).items())
    ]
    if sums:
        one = len(sums) == 1
        out.append(
            IN_SUM_WARNING.format(
                peers="a peer" if one else "peers", sums=", ".join(sums), which="the sum" if one else "sums"
            )
        )
    if parts:
        shown = ", ".join(parts[:6]) + (f" and {len(parts) - 6} more" if len(parts) > 6 else "")
        out.append(IS_SUM_WARNING.format(n=len(parts), parts=shown))
    return out


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
    expected: np.ndarray = sig.expected_daily[cal.day] + shape[cal.hour]
    return expected


class _Piece(NamedTuple):
    """A non-overlapping day range of the boxes: [start, end), the summed added power of the boxes on in it, the
    index of the box that opens it (-1: none, a box ended), and that power hour by hour and on working days and
    days off (from the same joint fit)."""

    start: int
    end: int
    power: float
    opener: int
    hours: np.ndarray
    work_off: tuple[float, float]


def _pieces(sig: Signature) -> list[_Piece]:
    """Boxes cut into non-overlapping day ranges (``_Piece``).

    A staircase is reported as one segment per step, each with the total added power while it
    lasts; two mining seasons as two segments.
    """
    n = len(sig.view.mean)
    cuts = sorted({0, n, *(b.start for b in sig.boxes), *(b.end for b in sig.boxes)})
    out: list[_Piece] = []
    for a, b in pairwise(cuts):
        active = [k for k, box in enumerate(sig.boxes) if box.start <= a and b <= box.end]
        power = float(sum(sig.box_excess[k] for k in active))
        if not active or power <= 0:
            continue
        opener = next((k for k in active if sig.boxes[k].start == a), -1)  # -1: a box ended here, same event
        work, off = (float(sig.work_off[i, active].sum()) for i in (0, 1))
        out.append(_Piece(a, b, power, opener, sig.box_hours[:, active].sum(axis=1), (work, off)))
    return out


# ``Signature.lead`` from which the first segment is told as on from the first reading, not as a rise a week in:
# half the step, midway between a block switched on on the scan's first admissible day (0) and one already on (1).
LEAD_ON = 0.5


# A switch-on is refined to the hour from a day before its box to two days after (``_refine_onset``): pieces
# shorter than that can come out of order (a piece ending before it starts). They are one switch-on found as two
# boxes a day or two apart, and join the piece that follows.
MIN_PIECE_DAYS = 3


def _joined(pieces: list[_Piece]) -> list[_Piece]:
    """``pieces`` with each one under ``MIN_PIECE_DAYS`` joined to the piece that follows on from it: the later
    one's power and hours (the level that lasts), the earlier start, and the main box's evidence if either opens it."""
    out: list[_Piece] = []
    for piece in pieces:
        if out and out[-1].end - out[-1].start < MIN_PIECE_DAYS and out[-1].end == piece.start:
            short = out.pop()
            opener = min((k for k in (short.opener, piece.opener) if k >= 0), default=-1)
            piece = piece._replace(start=short.start, opener=opener)
        out.append(piece)
    return out


def _segments(
    series: LoadSeries, sig: Signature, cal: Calendar, p: float, country: str, peers: bool = False
) -> tuple[Segment, ...]:
    """Segments with UTC times (each switch-on refined to the hour), excess and evidence."""
    n = len(sig.view.mean)
    if sig.excess <= 0 or sig.box.start >= n:
        return ()
    pieces = _joined(_pieces(sig))
    # The first piece, found on the scan's first admissible day with the days before it at its level: on from
    # the first reading (``Signature.lead``), told as the alone search's box from day 0 is.
    first = min(b.start for b in sig.boxes)
    lead_on = sig.lead is not None and sig.lead[1] >= LEAD_ON and bool(pieces) and pieces[0].start == first
    lead = None
    if lead_on and sig.lead is not None:
        lead = (sig.lead[0], sig.lead[1], _day_text(series, cal, first, country))
        pieces[0] = pieces[0]._replace(start=0)
    starts = []
    for piece in pieces:
        h0 = _day_start_hour(cal, piece.start)
        if piece.opener >= 0 and piece.start > 0:  # a switch-on: find its hour (one before the data has none)
            h0 = _refine_onset(series.load, sig.view.profile, cal, h0)
        starts.append(series.start + pd.Timedelta(hours=h0))
    out = []
    for i, piece in enumerate(pieces):
        start = starts[i]
        if piece.end >= n:
            end = None
        elif i + 1 < len(pieces) and pieces[i + 1].start == piece.end:  # the next step follows on: end where it starts
            end = starts[i + 1]
        else:
            end = series.start + pd.Timedelta(hours=_day_start_hour(cal, piece.end))
        if piece.opener == 0:  # the main shift: the full evidence, its numbers from the same fit as its power
            evidence = explain(
                sig.features,
                excess=piece.power,
                level=sig.level,
                unit=series.unit,
                onset=start,
                end=end,
                tz=series.tz,
                country=country,
                hour_deltas=piece.hours,
                night_hours=sig.view.floor_hours,
                day_hours=sig.view.peak_hours,
                work_off=piece.work_off,
                already_on=piece.start == 0,
                lead=lead if i == 0 else None,
                build_up=sig.build_up if piece.start == sig.box.start else None,
            )
        else:
            evidence = (
                describe_step(
                    piece.power, sig.level, series.unit, start, end, series.tz, i, country, already_on=piece.start == 0
                ),
            )
        low, high = _interval(piece.power, sig, peers)
        out.append(Segment(start, end, piece.power, p, evidence, low, high))
    return tuple(out)


def _day_text(series: LoadSeries, cal: Calendar, day: int, country: str) -> str:
    """The local date of day index ``day`` of ``series`` ("08 Jul 2023"), in ``country``'s calendar."""
    return day_text(series.start + pd.Timedelta(hours=_day_start_hour(cal, day)), series.tz, country)


def _before_data_warning(
    series: LoadSeries, box: Box, level: float, cal: Calendar, country: str, found: int | None = None
) -> str:
    """``BEFORE_DATA_WARNING`` for ``box`` (``Signature.before``, relative to the mean daily ``level``): its
    power, share of the mean, last day on and strength. ``found``: the day the scored box starts, where that box
    is the same run found a week or so in (the first segment told from the first reading)."""
    scored = (
        BEFORE_DATA_UNSCORED
        if found is None
        else BEFORE_DATA_SCORED_LATE.format(found=_day_text(series, cal, found, country))
    )
    return BEFORE_DATA_WARNING.format(
        power=power_text(box.delta * level, series.unit),
        share=box.delta,
        end=_day_text(series, cal, box.end, country),
        t=box.t,
        scored=scored,
    )


# 90 % intervals of the added power: the box's autocorrelation-adjusted standard error, widened by the
# factors that real loads need (set on the TRAINING real loads for claim checks, see ``claims``: plain
# intervals held 47 % of true sizes alone), combined with a model error, a share of the estimate (``MODEL_ERROR``).
# The standard error knows the noise around the expected load, not how far the expected load itself is off:
# with peers that track the target almost exactly (GEFCom zones) it shrinks towards zero while the estimate
# is still off by a few per cent, and a peer that shares part of the block takes some of it. On the TRAINING
# zones (``benchmarks/interval_factor.py --rounds 8``, 45 flagged steady farms with peers) no widening
# factor covers 90 % (64 would be needed), while 8 % of the estimate in quadrature does (0.60 -> 0.89). Alone,
# the widened standard error already covers every one of 41 (no model error needed). Inputs over 400 days
# (``length_context`` "long") get their own: on two-year TRAINING windows (``interval_factor.py --rounds 10
# --two-years``) the one-year intervals held 76 % of 38 flagged farms alone and 84 % of 44 with peers; 20 % and
# 14 % of the estimate are what 90 % needs (a longer season takes more of the block than one year does;
# measured with model 5ce73f7b, before the search kept further boxes from t 5). With model 36130882, whose
# one-year design with peers has no smooth season, 8 % held 87.5 % of 64 training farms and 11 % is what 90 %
# needs (``interval_factor.py --rounds 10``, stop 21). On two-year windows its lower threshold with peers (0.712,
# was 0.941) flags 69 training farms instead of 44, harder ones among them: 14 % held 80 %, and 34 % is what 90 %
# needs (``--two-years``; alone 20 % held 91.5 % of 47). Rechecked with model fbd4b446 (stop 23, ``--rounds 10``):
# with peers 11 % held 89.4 % of 66 farms (10.7 % needed), alone 100 % of 48.
# Stop 33: those farms came from ``detector.simulate``; with the headline's independent injector (rig noise,
# drift, farm outages, curtailment) on provinces of the same TRAINING zones (``interval_factor.py --rounds 6
# --injector independent``), the intervals held 78.8 % of 52 flagged steady farms alone (day-shape search, model
# 956b7267) and 76.1 % of 71 with peers. What they miss is mostly small farms flagged on a real flat rise of
# the base itself (ERCOT-FWEST 2018-2023: 3-5 % farms read at 2-5 times their size), an error that scales with
# the load, not with the farm: hence a third term, a share of the series' mean load (``LEVEL_ERROR``). Alone,
# 14 % of the estimate and 1.5 % of the mean load hold 90.4 % (the narrowest pair that does). With peers, 90 %
# needs 6.75 % of the mean load (half-widths of 64 % of the estimate): not taken; the peers' terms stay.
Z90 = 1.645
WIDEN = {"alone": 2.85, "peers": 2.0}
MODEL_ERROR = {"alone": 0.14, "peers": 0.11, "alone/long": 0.20, "peers/long": 0.34}
LEVEL_ERROR = {"alone": 0.015}


def _mode(peers: bool) -> str:
    """The context name of an answer scored with peers ("peers") or without ("alone")."""
    return "peers" if peers else "alone"


def interval_key(peers: bool, days: int) -> str:
    """Key of ``MODEL_ERROR`` for an input scored with or without peers over ``days`` local days."""
    mode = _mode(peers)
    return f"{mode}/long" if length_context(days) == "long" else mode


def _interval(power: float, sig: Signature, peers: bool) -> tuple[float | None, float | None]:
    if not np.isfinite(sig.excess_se) or power <= 0:
        return None, None
    se = WIDEN[_mode(peers)] * sig.excess_se * power / max(sig.excess, 1e-12)
    key = interval_key(peers, len(sig.view.mean))
    half = Z90 * float(np.linalg.norm([se, MODEL_ERROR[key] * power, LEVEL_ERROR.get(key, 0.0) * sig.level]))
    return max(power - half, 0.0), power + half


def _main_segment(segments: tuple[Segment, ...]) -> Segment | None:
    """The segment of the main shift: the one told with the full evidence (the others get one line each)."""
    return max(segments, key=lambda seg: len(seg.evidence), default=None)


def _evidence(segments: tuple[Segment, ...]) -> tuple[str, ...]:
    """The main shift's evidence first, then one line for each further segment."""
    main = _main_segment(segments)
    if main is None:
        return ("no lasting rise in load beyond what calendar and weather explain",)
    return main.evidence + tuple(line for seg in segments if seg is not main for line in seg.evidence)


def score_series(
    series: LoadSeries,
    model: MiningModel,
    *,
    country: str = "IR",
    threshold: float | None = None,
    with_expected: bool = False,
    peers: PeerPool | Sequence[LoadSeries] | None = None,
    max_false_alarm: float | None = None,
) -> ScoreReport:
    """Score one canonical series with ``model``; ``threshold`` overrides the model's operating point, and so
    does ``max_false_alarm``: flag where the answer's ``false_alarm_rate`` is at most that share (the model's
    operating point, with a warning, where its context has no table).

    ``with_expected`` adds the hourly expected-load curve to the report (for plots and the API).
    ``peers``: other places over the same period whose daily levels join the expected-load model.
    """
    pool = PeerPool(peers, country) if peers and not isinstance(peers, PeerPool) else peers
    if isinstance(pool, PeerPool) and len(pool):
        pool = pool.joined(series)  # peers given apart: a copy of this series or a sum holding it is found
    sig, cal, used, view, fallen = _signature_and_view(series, country, pool, day_shape=model.day_shape_alone)
    report = _report(series, model, sig, cal, used, pool, country, threshold, with_expected, max_false_alarm)
    left_out = () if fallen is None else _left_out_warnings(series, cal, fallen, country)
    report = dataclasses.replace(report, warnings=(*report.warnings, *left_out)) if left_out else report
    # Only where both operating points are the model's own, per context (not a recalibrated model's single point),
    # and on inputs of about a year (``ALONE_JOIN_CONTEXT``).
    joins = used and threshold is None and max_false_alarm is None and model.per_context_points
    if joins and length_context(len(sig.view.mean)) == ALONE_JOIN_CONTEXT and not report.flagged:
        alone = _alone_reading(series, model, cal, view, country, with_expected)
        if alone is not None and alone.flagged:
            note = ALONE_FLAG_WARNING.format(
                alone=alone.score,
                alone_thr=alone.threshold,
                peers=", ".join(used),
                p=report.score,
                thr=report.threshold,
            )
            sums = sum_warnings(series.series_id, pool) if isinstance(pool, PeerPool) else []
            # The input had peers: its context's recall is the one with peers, where these answers were counted.
            return dataclasses.replace(
                alone, warnings=(*alone.warnings, *sums, *left_out, note), recall_by_size=report.recall_by_size
            )
    return report


def _left_out_warnings(series: LoadSeries, cal: Calendar, fallen: FallenPeers, country: str) -> tuple[str, ...]:
    """One warning for each peer left out because its level fell as the rise switched on."""
    first = _day_text(series, cal, fallen.start, country)
    return tuple(
        LEFT_OUT_FALLEN_WARNING.format(peer=peer, share=share, first=first, days=SWITCH_ON_DAYS)
        for peer, share in fallen.shares.items()
    )


def _alone_reading(
    series: LoadSeries,
    model: MiningModel,
    cal: Calendar,
    view: DailyView | None,
    country: str,
    with_expected: bool,
) -> ScoreReport | None:
    """The answer of ``series`` scored alone (as ``score_series`` without peers gives it), or None where it cannot
    be flagged: its search's first box is under ``ALONE_READING_MIN_T``.

    The gate spares most series of a province the rest of an alone reading (further boxes, shape tests): the
    first box of a series the alone reading flags stands well clear of it. ``view``: the series' daily view, built
    already for its reading with peers.
    """
    found = search(series.load, cal, series.temperature, view=view, further=False, day_shape=model.day_shape_alone)
    if found.box.t < ALONE_READING_MIN_T:
        return None
    sig = extract(series.load, cal, series.temperature, found=finish(found))
    return _report(series, model, sig, cal, [], None, country, None, with_expected, None)


def _report(
    series: LoadSeries,
    model: MiningModel,
    sig: Signature,
    cal: Calendar,
    used: list[str],
    pool: PeerPool | Sequence[LoadSeries] | None,
    country: str,
    threshold: float | None,
    with_expected: bool,
    max_false_alarm: float | None,
) -> ScoreReport:
    """The answer of one reading of ``series``: its signature ``sig`` with the peers ``used`` (none: alone)."""
    days = len(sig.view.mean)
    p = float(model.probability(sig.features, days)[0])
    thr = model.threshold_for(sig.features, days) if threshold is None else float(threshold)
    budget_notes: tuple[str, ...] = ()
    if threshold is None and max_false_alarm is not None:
        within = model.threshold_within(sig.features, max_false_alarm, days)
        if within is None:
            budget_notes = (NO_BUDGET_WARNING.format(budget=max_false_alarm, threshold=thr),)
        else:
            thr = within
            # Not even a score of 1 is within the budget: say the least rate its context reads (read only then).
            if within > 1.0 and (least := model.false_alarm_rate(sig.features, 1.0, days)) is not None:
                budget_notes = (BUDGET_UNDER_TABLE_WARNING.format(budget=max_false_alarm, least=least),)
            budget_notes += () if used else (ALONE_BUDGET_WARNING,)
    segments = _segments(series, sig, cal, p, country, bool(used))
    peak = max((seg.excess_load for seg in segments), default=0.0)
    # Rig counts only for a flagged series: a count on an unflagged rise reads as a finding.
    rigs = rig_equivalents(peak, series.unit) if p >= thr else 0.0
    warnings = series.quality.warnings
    # Weather as the fit used it (over 30 days of temperature), not whether the input had a temperature column.
    weather = bool(sig.features[FEATURES.index("has_temp")] > 0)
    if not weather and not used:
        warnings = (*warnings, NO_WEATHER_WARNING)
    if segments and not weather:
        warnings = (*warnings, SIZE_WITHOUT_TEMPERATURE_WARNING.format(**SIZE_WITHOUT_TEMPERATURE[_mode(bool(used))]))
    if isinstance(pool, PeerPool):
        warnings = (*warnings, *sum_warnings(series.series_id, pool))
    if used and isinstance(pool, PeerPool):
        warnings = (*warnings, *falling_peer_warnings(series, sig, cal, pool, used, country, _main_segment(segments)))
    if used and segments:
        warnings = (*warnings, *leaning_peer_warnings(sig, used))
    first = min((b.start for b in sig.boxes), default=0)
    told_late = bool(segments) and segments[0].start == series.start and first > 0  # ``Signature.lead``
    if segments and (first == 0 or told_late):
        warnings = (*warnings, ALREADY_ON_WARNING)
    if sig.before is not None:
        found = first if told_late else None
        warnings = (*warnings, _before_data_warning(series, sig.before, sig.level, cal, country, found))
    warnings = (*warnings, *budget_notes)
    # Measured at the model's operating points only: a threshold or budget of the caller's flags elsewhere.
    own_point = threshold is None and max_false_alarm is None
    noise = float(sig.features[FEATURES.index("noise")])
    recalls = recall_by_size(model.version, bool(used), weather, days, sig.level, noise) if own_point else ()
    # Alone without temperature, ``NO_WEATHER_WARNING`` already says what such answers miss.
    note = unflagged_note(recalls, series.unit, bool(used), weather) if p < thr and (used or weather) else None
    warnings = (*warnings, note) if note else warnings
    return ScoreReport(
        series_id=series.series_id,
        model_version=model.version,
        score=p,
        threshold=thr,
        unit=series.unit,
        segments=segments,
        rigs=rigs,
        quality={**series.quality.to_dict(), **({"peers": used} if used else {})},
        warnings=warnings,
        evidence=_evidence(segments),
        expected=pd.Series(expected_hourly(sig, cal), index=series.index, name="expected") if with_expected else None,
        false_alarm_rate=model.false_alarm_rate(sig.features, p, days),
        recall_by_size=recalls,
    )
