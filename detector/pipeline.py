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
    Source,
    block_series,
    count_series,
    iter_series,
    read_blocks,
)
from detector.scoring import ScoreReport, score_series, signature_of
from detector.zones import calendar_country

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
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers!r}")
    country, note = calendar_country(country, tz)
    model = model_or_default(model)
    peers = resolve_peers(source, peers)
    score = functools.partial(
        _score_one,
        model=model,
        country=country,
        threshold=threshold,
        with_expected=with_expected,
        note=note,
        calendar=calendar,
    )
    if peers is not None:
        checked, pool = _with_peer_pool(source, peers, unit, tz, country, min_days, chunk_rows, calendar)
        for sid, s in checked:
            yield sid, s if isinstance(s, DetectorError) else score(s, peers=pool)
        return
    if workers == 1:
        for sid, s in iter_series(
            source, unit=unit, tz=tz, min_days=min_days, chunk_rows=chunk_rows, calendar=calendar
        ):
            yield sid, s if isinstance(s, DetectorError) else score(s)
        return
    blocks = read_blocks(source, unit=unit, tz=tz, chunk_rows=chunk_rows, calendar=calendar)
    first, second = next(blocks, None), next(blocks, None)
    if first is None or second is None:  # one block: a worker would only add its start-up (seconds) to the same work
        if first is not None:
            yield from _score_block(*first, unit=unit, tz=tz, min_days=min_days, score=score, calendar=calendar)
        return
    # Workers take whole blocks (validation and scoring), so this process only reads the file.
    # spawn, not fork: the caller may run threads (a progress bar) that fork would copy mid-lock.
    # The model (inside ``score``) goes to each worker once, at its start; a block is sent without it.
    executor = ProcessPoolExecutor(
        workers, mp_context=get_context("spawn"), initializer=_start_worker, initargs=(score,)
    )
    score_block = functools.partial(_score_block_in_worker, unit=unit, tz=tz, min_days=min_days, calendar=calendar)
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
    source: Source,
    peers: Source,
    unit: str | None,
    tz: str | None,
    country: str,
    min_days: float,
    chunk_rows: int | None = CHUNK_ROWS,
    calendar: str = "gregorian",
) -> tuple[Iterable[tuple[str, LoadSeries | DetectorError]], PeerPool]:
    """The checked series of ``source`` and the pool of ``peers`` (``source`` itself: read and checked once).

    A separate peers table is written in the same ``calendar`` as ``source``.
    """
    read = functools.partial(iter_series, unit=unit, tz=tz, min_days=min_days, chunk_rows=chunk_rows, calendar=calendar)
    if peers is source:
        checked = list(read(source))
        return checked, PeerPool([s for _, s in checked if not isinstance(s, DetectorError)], country)
    pool = PeerPool(load_peers(peers, unit=unit, tz=tz, calendar=calendar), country)
    return read(source), pool


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
) -> list[tuple[str, ScoreReport | DetectorError]]:
    """Score a frame of whole series whose first row is input row ``row0 + 1``, as ``iter_scores`` would.

    For engines that hand out the blocks themselves (``detector.scale``): the same checks, the same
    per-series scoring and the same errors, with row numbers counted from ``row0``. Table-wide
    problems (missing columns, no rows, no unit) raise. ``country`` and ``calendar`` as in ``iter_scores``.
    """
    country, note = calendar_country(country, tz)
    score = functools.partial(
        _score_one, model=model, country=country, threshold=threshold, with_expected=False, note=note, calendar=calendar
    )
    out: list[tuple[str, ScoreReport | DetectorError]] = []
    for _, checked in read_blocks(frame, unit=unit, tz=tz, chunk_rows=None, calendar=calendar):
        out += _score_block(row0, checked, unit=unit, tz=tz, min_days=min_days, score=score, calendar=calendar)
    return out


def _score_block(
    row0: int,
    frame: pd.DataFrame,
    *,
    unit: str | None,
    tz: str | None,
    min_days: float,
    score: Callable[[LoadSeries], ScoreReport | DetectorError],
    calendar: str = "gregorian",
) -> list[tuple[str, ScoreReport | DetectorError]]:
    """Validate and score one block of whole series (runs in a worker process)."""
    series = block_series(row0, frame, unit=unit, tz=tz, min_days=min_days, calendar=calendar)
    return [(sid, s if isinstance(s, DetectorError) else score(s)) for sid, s in series]


def load_peers(peers: Source, *, unit: str | None, tz: str | None, calendar: str = "gregorian") -> list[LoadSeries]:
    """The usable series of a peers table (a broken peer is left out with a warning, never fatal)."""
    pool: list[LoadSeries] = []
    for sid, s in iter_series(peers, unit=unit, tz=tz, min_days=MIN_DAYS, calendar=calendar):
        if isinstance(s, DetectorError):
            log.warning("peer %s left out: %s", sid, s)
        else:
            pool.append(s)
    return pool


def _score_one(
    series: LoadSeries,
    *,
    model: MiningModel,
    country: str,
    threshold: float | None,
    with_expected: bool,
    peers: PeerPool | None = None,
    note: str | None = None,
    calendar: str = "gregorian",
) -> ScoreReport | DetectorError:
    """Score one series; a fit its data cannot support becomes that series' error (also run in worker processes).

    The report's quality names the holiday ``country``; ``note`` (where the country came from) joins its warnings.
    ``calendar``: the input's, kept on the report for its local dates (``onset_local``).
    Any other exception is a bug: it becomes that series' ``ScoringError`` (internal, logged with its traceback),
    never "could not be modelled", and the other series of a batch are still scored.
    """
    try:
        report = score_series(
            series, model, country=country, threshold=threshold, with_expected=with_expected, peers=peers
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
        calendar=calendar,
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
    row0: int, frame: pd.DataFrame, *, unit: str | None, tz: str | None, min_days: float, calendar: str
) -> list[tuple[str, ScoreReport | DetectorError]]:
    """``_score_block`` with the scorer this worker was started with."""
    return _score_block(row0, frame, unit=unit, tz=tz, min_days=min_days, score=_WORKER_SCORE[0], calendar=calendar)


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
) -> list[ScoreReport]:
    """Score every series; raise the first series' error (``iter_scores`` keeps going instead).

    ``model``: None (default) is the bundled default model; each report's ``model_version`` names it.
    """
    out = []
    results = iter_scores(
        source,
        model=model,
        unit=unit,
        tz=tz,
        country=country,
        threshold=threshold,
        with_expected=with_expected,
        peers=peers,
        calendar=calendar,
    )
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
) -> Iterator[tuple[str, np.ndarray | DetectorError]]:
    """Signature features of every series (the classifier's input, as ``score`` computes it), or its error.

    The features do not depend on a model: recalibration uses them to get any model's decision values.
    ``peers``, ``country`` and ``calendar`` as in ``iter_scores``, so the features are those scoring the same
    input would use.
    """
    country, _ = calendar_country(country, tz)
    peers = resolve_peers(source, peers)
    pool = None
    checked: Iterable[tuple[str, LoadSeries | DetectorError]]
    if peers is None:
        checked = iter_series(source, unit=unit, tz=tz, min_days=min_days, calendar=calendar)
    else:
        checked, pool = _with_peer_pool(source, peers, unit, tz, country, min_days, calendar=calendar)
    for sid, series in checked:
        if isinstance(series, DetectorError):
            yield sid, series
            continue
        try:
            yield sid, signature_of(series, country, pool)[0].features
        except DetectorError as exc:
            yield sid, exc
        except np.linalg.LinAlgError as exc:
            yield sid, _unmodelled(sid, exc)
