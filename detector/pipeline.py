"""Score: the only place that chains ingest -> features -> models -> scoring for a load file.

Training on labelled sets is ``training.py``, evaluation ``evaluation.py``; both read series and peers as
scoring does (``load_peers``), so a model is trained and measured on the features it will score with.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from detector.artifacts import MiningModel, model_or_default
from detector.errors import DataSufficiencyError, DetectorError, ScoringError
from detector.features.peers import PeerPool
from detector.ingest import (
    CHUNK_ROWS,
    MIN_DAYS,
    LoadSeries,
    Reading,
    Source,
    block_series_checked,
    count_series,
    iter_series_checked,
    read_blocks_checked,
)
from detector.options import ScoreOptions, options_from
from detector.scoring import ScoreReport, score_series, signature_of

log = logging.getLogger(__name__)


def iter_scores(
    source: Source,
    *,
    model: MiningModel | None = None,
    unit: str | None = None,
    tz: str | None = None,
    country: str | None = None,
    threshold: float | None = None,
    min_days: float = MIN_DAYS,
    with_expected: bool = False,
    workers: int = 1,
    chunk_rows: int | None = CHUNK_ROWS,
    peers: Source | str | None = "auto",
    calendar: str = "gregorian",
    options: ScoreOptions | None = None,
    max_false_alarm: float | None = None,
) -> Iterator[tuple[str, ScoreReport | DetectorError]]:
    """Score every series of ``source``; yield ``(series_id, report or the error that stopped it)``.

    Results come in input order. ``workers > 1`` validates and scores blocks of whole series (see
    ``chunk_rows``) in that many processes while this one reads; at most ``workers + 1`` blocks are in
    flight, so memory stays bounded. An input of one block (a DataFrame, or a file of up to ``chunk_rows``
    rows) is scored in this process. Workers are spawned, so a script using them needs the usual
    ``if __name__ == "__main__":`` guard.
    ``model``: None (default) is the bundled default model (``load_model()``); each report's ``model_version``
    names the model that scored it.
    ``chunk_rows``: rows per read of a file (``None``: read it whole first; see ``iter_series``).
    ``peers``: ``"auto"`` (default): when the input holds 2 to ``AUTO_PEERS_MAX_SERIES`` series, each series'
    expected load also uses the others that follow it most closely (a synthetic control: neighbouring regions
    share weather, calendar and economy); ``"none"``: each series alone; or a table of other places' loads to
    draw peers from. Peers whose level stepped with the target's suspected block apart from the others are left
    out, and each report names the peers used. With peers the input is read whole and scored in this process.
    ``country``: the holiday calendar; None (default): the country of ``tz`` (America/Chicago -> US), and each
    report's warnings say so ("holiday calendar: US, inferred from the zone America/Chicago"); a zone of no
    country (UTC, Etc/*) keeps ``detector.zones.DEFAULT_COUNTRY`` (IR) and says that. ``quality["country"]``
    names the calendar used.
    ``calendar``: how ``source`` writes its timestamps (``detector.ingest.iter_series``); "solar-hijri" also
    gives each report ``onset_local``/``end_local`` as local Solar Hijri date-times.
    ``max_false_alarm``: flag each series where its ``false_alarm_rate`` is at most this share (a false-alarm
    budget: 0.05 flags what at most 5 % of clean training loads of its context scored), not with ``threshold``;
    a series whose context has no table is flagged at the model's operating point, and its warnings say so.
    ``options``: all of the above (``unit`` ... ``calendar``, ``min_days``) as one ``ScoreOptions``, checked
    when it was built; the keyword arguments build one here. A keyword argument that disagrees with a given
    ``options`` is a ``TypeError``.
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers!r}")
    opts = options_from(
        options,
        unit=unit,
        tz=tz,
        country=country,
        threshold=threshold,
        min_days=min_days,
        peers=peers,
        calendar=calendar,
        max_false_alarm=max_false_alarm,
    )
    model = model_or_default(model)
    pool_source = resolve_peers(source, opts.peers)
    score = functools.partial(_score_one, model=model, options=opts, with_expected=with_expected)
    if pool_source is not None:
        checked, pool = _with_peer_pool(source, pool_source, opts.reading, opts.holiday_country, chunk_rows)
        for sid, s in checked:
            yield sid, s if isinstance(s, DetectorError) else score(s, peers=pool)
        return
    if workers == 1:
        for sid, s in iter_series_checked(source, opts.reading, chunk_rows):
            yield sid, s if isinstance(s, DetectorError) else score(s)
        return
    blocks = read_blocks_checked(source, opts.reading, chunk_rows)
    first, second = next(blocks, None), next(blocks, None)
    if first is None or second is None:  # one block: a worker would only add its start-up (seconds) to the same work
        if first is not None:
            yield from _score_block(*first, reading=opts.reading, score=score)
        return
    # Workers take whole blocks (validation and scoring), so this process only reads the file.
    # spawn, not fork: the caller may run threads (a progress bar) that fork would copy mid-lock.
    # The model (inside ``score``) goes to each worker once, at its start; a block is sent without it.
    executor = ProcessPoolExecutor(
        workers, mp_context=get_context("spawn"), initializer=_start_worker, initargs=(score,)
    )
    score_block = functools.partial(_score_block_in_worker, reading=opts.reading)
    in_flight: deque[Future[list[tuple[str, ScoreReport | DetectorError]]]] = deque()
    try:
        for row0, frame in itertools.chain((first, second), blocks):
            in_flight.append(executor.submit(score_block, row0, frame))
            if len(in_flight) > workers:  # one block queued beyond the busy workers, no more
                yield from in_flight.popleft().result()
        while in_flight:
            yield from in_flight.popleft().result()
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


AUTO_PEERS_MAX_SERIES = 400  # "auto" peers for inputs of up to this many series (regions, feeders of a city)


def resolve_peers(source: Source, peers: Source | str | None) -> Source | None:
    """The table to draw peers from, as ``score``/``iter_scores`` read their ``peers`` argument.

    ``"auto"`` -> ``source`` itself when it holds 2..AUTO_PEERS_MAX_SERIES series, else None; ``"none"`` or
    None -> None; a table (frame or path) stays as given. Callers that score by other routes (``evaluate``'s
    ``LabelledSet.peers``) use it to draw the same peers ``score`` would.
    """
    if peers is None or isinstance(peers, pd.DataFrame | Path) or peers not in ("auto", "none"):
        return peers
    if peers == "none":
        return None
    try:
        if isinstance(source, pd.DataFrame):
            n = source["series_id"].nunique() if "series_id" in source else 0
        else:
            n = count_series(source)
    except (OSError, ValueError, KeyError):
        return None  # unreadable input: reading it to score reports the problem
    return source if 2 <= n <= AUTO_PEERS_MAX_SERIES else None


def _with_peer_pool(
    source: Source, peers: Source, reading: Reading, country: str, chunk_rows: int | None = CHUNK_ROWS
) -> tuple[Iterable[tuple[str, LoadSeries | DetectorError]], PeerPool]:
    """The checked series of ``source`` and the pool of ``peers`` (``source`` itself: read and checked once).

    A separate peers table is read as ``source`` is (unit, zone, calendar), with the standard ``MIN_DAYS``.
    """
    if peers is source:
        checked = list(iter_series_checked(source, reading, chunk_rows))
        return checked, PeerPool([s for _, s in checked if not isinstance(s, DetectorError)], country)
    pool = PeerPool(_peer_series(peers, dataclasses.replace(reading, min_days=MIN_DAYS)), country)
    return iter_series_checked(source, reading, chunk_rows), pool


def score_block(
    frame: pd.DataFrame,
    row0: int = 0,
    *,
    model: MiningModel,
    unit: str | None = None,
    tz: str | None = None,
    country: str | None = None,
    threshold: float | None = None,
    min_days: float = MIN_DAYS,
    calendar: str = "gregorian",
    options: ScoreOptions | None = None,
    max_false_alarm: float | None = None,
) -> list[tuple[str, ScoreReport | DetectorError]]:
    """Score a frame of whole series whose first row is input row ``row0 + 1``, as ``iter_scores`` would.

    For engines that hand out the blocks themselves (``detector.scale``): the same checks, the same
    per-series scoring and the same errors, with row numbers counted from ``row0``. Table-wide
    problems (missing columns, no rows, no unit) raise. ``country``, ``calendar`` and ``options`` as in
    ``iter_scores``; an engine scoring many blocks builds ``options`` once and passes it to each (``peers``
    is not used here: each series scores alone).
    """
    opts = options_from(
        options,
        unit=unit,
        tz=tz,
        country=country,
        threshold=threshold,
        min_days=min_days,
        calendar=calendar,
        max_false_alarm=max_false_alarm,
    )
    score = functools.partial(_score_one, model=model, options=opts, with_expected=False)
    out: list[tuple[str, ScoreReport | DetectorError]] = []
    for _, checked in read_blocks_checked(frame, opts.reading, chunk_rows=None):
        out += _score_block(row0, checked, reading=opts.reading, score=score)
    return out


def _score_block(
    row0: int, frame: pd.DataFrame, *, reading: Reading, score: Callable[[LoadSeries], ScoreReport | DetectorError]
) -> list[tuple[str, ScoreReport | DetectorError]]:
    """Validate the rows of one block of whole series and score each series (runs in a worker process)."""
    series = block_series_checked(row0, frame, reading)
    return [(sid, s if isinstance(s, DetectorError) else score(s)) for sid, s in series]


def load_peers(peers: Source, *, unit: str | None, tz: str | None, calendar: str = "gregorian") -> list[LoadSeries]:
    """The usable series of a peers table (a broken peer is left out with a warning, never fatal)."""
    return _peer_series(peers, Reading.check(unit, tz, calendar, MIN_DAYS))


def _peer_series(peers: Source, reading: Reading) -> list[LoadSeries]:
    """``load_peers`` with the reading arguments already checked."""
    pool: list[LoadSeries] = []
    for sid, s in iter_series_checked(peers, reading):
        if isinstance(s, DetectorError):
            log.warning("peer %s left out: %s", sid, s)
        else:
            pool.append(s)
    return pool


def _score_one(
    series: LoadSeries,
    *,
    model: MiningModel,
    options: ScoreOptions,
    with_expected: bool,
    peers: PeerPool | None = None,
) -> ScoreReport | DetectorError:
    """Score one series; a fit its data cannot support becomes that series' error (also run in worker processes).

    The report's quality names the holiday country (``options.holiday_country``); ``options.country_note``
    (where the country came from) joins its warnings; ``options.calendar``, the input's, stays on the report
    for its local dates (``onset_local``).
    Any other exception is a bug: it becomes that series' ``ScoringError`` (internal, logged with its traceback),
    never "could not be modelled", and the other series of a batch are still scored.
    """
    country, note = options.holiday_country, options.country_note
    try:
        report = score_series(
            series,
            model,
            country=country,
            threshold=options.threshold,
            with_expected=with_expected,
            peers=peers,
            max_false_alarm=options.max_false_alarm,
        )
    except DetectorError as exc:  # a deliberate refusal from inside scoring: as it was raised
        return exc
    except np.linalg.LinAlgError as exc:
        return _unmodelled(series.series_id, exc)
    except Exception as exc:  # a bug: that series' error, named internal; the batch goes on
        log.exception("internal error while scoring series %r", series.series_id)
        return ScoringError(
            f"internal error while scoring this series ({type(exc).__name__}: {exc}); it is logged, please report it",
            series_id=series.series_id,
        )
    return dataclasses.replace(
        report,
        quality={**report.quality, "country": country},
        warnings=(*report.warnings, note) if note else report.warnings,
        calendar=options.calendar,
    )


def _unmodelled(series_id: str, exc: np.linalg.LinAlgError) -> DataSufficiencyError:
    """A singular or non-converging fit: the series' load does not vary enough to identify the model."""
    log.warning("series %r could not be scored: %s", series_id, exc)
    return DataSufficiencyError(f"series could not be modelled: {exc}", series_id=series_id)


# The scorer (model included) of a worker process, set once by ``_start_worker``. A module-level slot breaks
# the no-global-state rule on purpose: it lives only in spawned worker processes (this process never sets
# it), and it spares pickling the model again with every block submitted.
_WORKER_SCORE: list[Callable[[LoadSeries], ScoreReport | DetectorError]] = []


def _start_worker(score: Callable[[LoadSeries], ScoreReport | DetectorError]) -> None:
    """Worker start-up: keep the scorer (sent once), and one BLAS/OpenMP thread per worker, so ``workers``
    processes use ``workers`` cores."""
    _WORKER_SCORE[:] = [score]
    threadpool_limits(1)


def _score_block_in_worker(
    row0: int, frame: pd.DataFrame, *, reading: Reading
) -> list[tuple[str, ScoreReport | DetectorError]]:
    """``_score_block`` with the scorer this worker was started with."""
    return _score_block(row0, frame, reading=reading, score=_WORKER_SCORE[0])


def score(
    source: Source,
    *,
    model: MiningModel | None = None,
    unit: str | None = None,
    tz: str | None = None,
    country: str | None = None,
    threshold: float | None = None,
    with_expected: bool = False,
    peers: Source | str | None = "auto",
    calendar: str = "gregorian",
    options: ScoreOptions | None = None,
    max_false_alarm: float | None = None,
) -> list[ScoreReport]:
    """Score every series; raise the first series' error (``iter_scores`` keeps going instead).

    ``model``: None (default) is the bundled default model; each report's ``model_version`` names it.
    ``options`` or the keyword arguments it gathers, as in ``iter_scores``.
    """
    out = []
    opts = options_from(
        options,
        unit=unit,
        tz=tz,
        country=country,
        threshold=threshold,
        peers=peers,
        calendar=calendar,
        max_false_alarm=max_false_alarm,
    )
    results = iter_scores(source, model=model, with_expected=with_expected, options=opts)
    for _, result in results:
        if isinstance(result, DetectorError):
            raise result
        out.append(result)
    return out


def iter_signatures(
    source: Source,
    *,
    unit: str | None = None,
    tz: str | None = None,
    country: str | None = None,
    min_days: float = MIN_DAYS,
    peers: Source | str | None = "auto",
    calendar: str = "gregorian",
    options: ScoreOptions | None = None,
    day_shape: bool = True,
) -> Iterator[tuple[str, np.ndarray | DetectorError]]:
    """Signature features of every series (the classifier's input, as ``score`` computes it), or its error.

    The features depend on a model only through ``day_shape``, how a series scored alone is searched: True as a
    per-mode model such as the bundled one reads it, else ``model.day_shape_alone`` of the model they are for
    (recalibration passes its parent's). ``peers``, ``country``, ``calendar`` and ``options`` as in
    ``iter_scores``, so the features are those scoring the same input would use (``options.threshold`` plays no
    part).
    """
    opts = options_from(options, unit=unit, tz=tz, country=country, min_days=min_days, peers=peers, calendar=calendar)
    country = opts.holiday_country
    pool_source = resolve_peers(source, opts.peers)
    pool = None
    checked: Iterable[tuple[str, LoadSeries | DetectorError]]
    if pool_source is None:
        checked = iter_series_checked(source, opts.reading)
    else:
        checked, pool = _with_peer_pool(source, pool_source, opts.reading, country)
    for sid, series in checked:
        if isinstance(series, DetectorError):
            yield sid, series
            continue
        try:
            yield sid, signature_of(series, country, pool, day_shape=day_shape)[0].features
        except DetectorError as exc:
            yield sid, exc
        except np.linalg.LinAlgError as exc:
            yield sid, _unmodelled(sid, exc)
