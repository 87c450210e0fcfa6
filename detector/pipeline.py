"""Train, score and evaluate: the only place that chains ingest -> features -> models -> scoring."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from detector.artifacts import MiningModel, length_context, model_or_default
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
from detector.models.signature import FEATURES
from detector.models.trees import BoostedTrees, Calibrator
from detector.scoring import ScoreReport, score_series, signature_of
from detector.zones import calendar_country

log = logging.getLogger(__name__)
MAX_VALIDATION_FPR = 0.02


@dataclass(frozen=True, slots=True, eq=False)
class LabelledSet:
    """Loads with a truth table (series_id, label), their unit, zone and holiday country.

    ``tz`` None: timestamps must carry offsets and the calendar is UTC (as ``score``); ``country`` None: the
    zone's country (``detector.zones.calendar_country``).
    """

    name: str
    loads: pd.DataFrame
    truth: pd.DataFrame
    unit: str
    tz: str | None
    country: str | None
    peers: pd.DataFrame | None = None  # other places' loads over the same periods (``features.peers``)


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
    score_block = functools.partial(_score_block, unit=unit, tz=tz, min_days=min_days, score=score, calendar=calendar)
    blocks = read_blocks(source, unit=unit, tz=tz, chunk_rows=chunk_rows, calendar=calendar)
    first, second = next(blocks, None), next(blocks, None)
    if first is None or second is None:  # one block: a worker would only add its start-up (seconds) to the same work
        if first is not None:
            yield from score_block(*first)
        return
    # Workers take whole blocks (validation and scoring), so this process only reads the file.
    # spawn, not fork: the caller may run threads (a progress bar) that fork would copy mid-lock.
    executor = ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_one_thread_each)
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
    """The table to draw peers from: ``"auto"`` -> ``source`` itself when it holds 2..AUTO_PEERS_MAX_SERIES
    series, else None; ``"none"`` or None -> None; a table (frame or path) stays as given."""
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


def _one_thread_each() -> None:
    """Worker start-up: one BLAS/OpenMP thread per worker, so ``workers`` processes use ``workers`` cores."""
    threadpool_limits(1)


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


def features_of(data: LabelledSet) -> tuple[np.ndarray, np.ndarray, list[str], list[int]]:
    """Signature features, labels, ids and length in local days of every accepted series of a labelled set.

    A set whose every series is rejected is a ``DataSufficiencyError`` quoting the first rejection.
    """
    labels = data.truth.set_index("series_id")["label"]
    country, note = calendar_country(data.country, data.tz)
    if note:
        log.info("training set %s: %s", data.name, note)
    pool = PeerPool(load_peers(data.peers, unit=data.unit, tz=data.tz), country) if data.peers is not None else None
    rows, ys, ids, days = [], [], [], []
    first_error: DetectorError | None = None
    for sid, series in iter_series(data.loads, unit=data.unit, tz=data.tz):
        if isinstance(series, DetectorError):
            log.warning("training set %s: skipped %s: %s", data.name, sid, series)
            first_error = first_error or series
            continue
        sig, _, _ = signature_of(series, country, pool)
        rows.append(sig.features)
        ys.append(int(labels[sid]))
        ids.append(f"{data.name}/{sid}")
        days.append(len(sig.view.mean))
    if not rows and first_error is not None:
        raise DataSufficiencyError(f"training set {data.name}: every series was rejected; the first: {first_error}")
    return np.array(rows), np.array(ys), ids, days


def _pick_threshold(p: np.ndarray, y: np.ndarray) -> float:
    """Highest-F1 probability threshold whose false-positive rate stays within 2 % on validation."""
    best, best_f1 = 0.5, -1.0
    for t in np.unique(p):
        flag = p >= t
        fpr = flag[y == 0].mean() if (y == 0).any() else 0.0
        tp = (flag & (y == 1)).sum()
        f1 = 2 * tp / max(flag.sum() + (y == 1).sum(), 1)
        if fpr <= MAX_VALIDATION_FPR and f1 > best_f1:
            best, best_f1 = float(t), f1
    return best


CONTEXT_MAX_FPR = 0.01  # on clean windows
CONTEXT_MAX_LOOKALIKE = 0.05  # on each kind of look-alike


def _context_threshold(p: np.ndarray, y: np.ndarray, scenario: np.ndarray, fallback: float) -> float:
    """Lowest out-of-fold threshold meeting the operating point on this context's real (not simulated) windows.

    The operating point is the benchmark's: at most 1 % of clean windows flagged and at most 5 % of each kind
    of look-alike (a kind needs 10 windows to count). Real loads are where false alarms come from; simulated
    negatives are easy and would dilute the rates. With under 50 negatives the model-wide threshold stands.
    """
    neg = y == 0
    if neg.sum() < 50:
        return fallback
    groups = [(p[neg & (scenario == "clean")], CONTEXT_MAX_FPR)]
    groups += [
        (p[neg & (scenario == kind)], CONTEXT_MAX_LOOKALIKE)
        for kind in np.unique(scenario[neg])
        if kind != "clean" and (neg & (scenario == kind)).sum() >= 10
    ]
    cut = 0.0
    for values, rate in groups:
        if len(values) == 0:
            continue
        values = np.sort(values)
        k = int(np.floor(rate * len(values)))  # at most k of them at or above the threshold
        cut = max(cut, float(np.nextafter(values[len(values) - k - 1], np.inf)))
    return cut if cut <= 1.0 else fallback


def metrics(p: np.ndarray, y: np.ndarray, threshold: float, flagged: np.ndarray | None = None) -> dict[str, float]:
    """AP, ROC AUC, Brier and precision / recall / FPR at ``threshold``, or of ``flagged`` when given (the
    answers' own flags: each series at its context's operating point, with or without peers, by length)."""
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score  # evaluation only

    flag = p >= threshold if flagged is None else np.asarray(flagged, dtype=bool)
    tp, fp = int((flag & (y == 1)).sum()), int((flag & (y == 0)).sum())
    return {
        "average_precision": float(average_precision_score(y, p)),
        "roc_auc": float(roc_auc_score(y, p)),
        "brier": float(brier_score_loss(y, p)),
        "precision": tp / max(tp + fp, 1),
        "recall": tp / max(int((y == 1).sum()), 1),
        "fpr": fp / max(int((y == 0).sum()), 1),
        "n": len(y),
        "n_positive": int((y == 1).sum()),
    }


def _base_of(series_key: str) -> str:
    """Group key of a training series ("set/BASE/..." -> "BASE").

    Windows cut from one base load share it whatever set they sit in (one-year and two-month windows
    of the same real series), so out-of-fold validation never sees a load it was fitted on.
    """
    _, _, sid = series_key.partition("/")
    return sid.split("/")[0]


def train(
    sets: Sequence[LabelledSet],
    *,
    name: str = "model",
    folds: int = 5,
    random_state: int = 0,
) -> MiningModel:
    """Fit classifier, calibrator and threshold on labelled sets.

    Calibration and the threshold come from out-of-fold margins (``folds``-fold, grouped so that
    windows of one base load never sit on both sides): every series serves once as validation,
    which gives the isotonic map and the operating point several times the data a single
    hold-out split would. The shipped classifier is then refit on everything.
    """
    x, y, ids, scenarios, days = training_matrix(sets)
    return fit_model(
        x,
        y,
        ids,
        name=name,
        folds=folds,
        random_state=random_state,
        set_names=[s.name for s in sets],
        scenarios=scenarios,
        days=days,
    )


def training_matrix(
    sets: Sequence[LabelledSet],
) -> tuple[np.ndarray, np.ndarray, list[str], list[str], np.ndarray]:
    """Features, labels, ids (``set/series_id``), scenario and length in days of every accepted series of ``sets``.

    The slow part of ``train`` (minutes for the default model); kept apart so researchers can save it once
    and refit classifiers and operating points on it in seconds (``fit_model``).
    """
    parts = [features_of(s) for s in sets]
    x = np.vstack([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    ids = [i for p in parts for i in p[2]]
    scenarios: list[str] = []
    for s, (_, _, set_ids, _) in zip(sets, parts, strict=True):
        # Looked up set by set: sets may share a name (rounds of one source), so ids repeat across sets.
        kinds = dict(zip(s.truth["series_id"], s.truth["scenario"], strict=True)) if "scenario" in s.truth else {}
        scenarios += [str(kinds.get(i.removeprefix(f"{s.name}/"), "clean")) for i in set_ids]
    days = np.array([d for p in parts for d in p[3]], dtype=np.int64)
    return x, y, ids, scenarios, days


def oof_margins(
    x: np.ndarray, y: np.ndarray, ids: Sequence[str], *, folds: int = 5, random_state: int = 0
) -> tuple[np.ndarray, int]:
    """Out-of-fold classifier margins (grouped by base load) and the number of folds used."""
    from sklearn.model_selection import StratifiedGroupKFold  # training only: scoring never imports scikit-learn

    from detector.models.classifier import SignatureClassifier

    folds = min(folds, int(np.bincount(y, minlength=2).min()))
    if folds < 2:
        raise DataSufficiencyError("training needs at least 2 series with mining and 2 without")
    groups = np.array([_base_of(i) for i in ids])
    if len(set(groups)) < 2 * folds:  # too few base loads to hold whole groups out: hold out series
        groups = np.arange(len(y))
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=random_state)
    margin = np.empty(len(y))
    for fit_rows, val_rows in splitter.split(x, y, groups):
        fold = SignatureClassifier(random_state=random_state).fit(x[fit_rows], y[fit_rows])
        margin[val_rows] = fold.decision_function(x[val_rows])
    return margin, folds


def fit_model(
    x: np.ndarray,
    y: np.ndarray,
    ids: Sequence[str],
    *,
    name: str = "model",
    folds: int = 5,
    random_state: int = 0,
    set_names: Sequence[str] = (),
    scenarios: Sequence[str] | None = None,
    days: Sequence[int] | np.ndarray | None = None,
) -> MiningModel:
    """``train`` on features already extracted (rows of ``x`` named ``set/series_id`` by ``ids``).

    ``days`` (each row's length in local days) splits the operating points by input length too
    (``length_context``); without it every row counts as a one-year input.
    """
    from detector.models.classifier import SignatureClassifier  # training only (scikit-learn)

    margin, folds = oof_margins(x, y, ids, folds=folds, random_state=random_state)
    calibrator = Calibrator.fit(margin, y)
    p_oof = calibrator(margin)
    threshold = _pick_threshold(p_oof, y)
    with_peers = x[:, FEATURES.index("n_peers")] > 0
    real = np.array([not i.startswith("sim-") for i in ids])
    kinds = np.array(list(scenarios) if scenarios is not None else ["clean"] * len(y), dtype=object)
    lengths = np.array([length_context(int(d)) for d in days] if days is not None else [""] * len(y))
    thresholds: dict[str, float] = {}
    for context, rows in (("alone", ~with_peers), ("peers", with_peers)):
        year = rows & real & (lengths == "")
        thresholds[context] = _context_threshold(p_oof[year], y[year], kinds[year], threshold)
        for bucket in sorted(set(lengths[rows & real]) - {""}):
            sel = rows & real & (lengths == bucket)
            # A bucket with too few real negatives takes the one-year operating point (no key written).
            t = _context_threshold(p_oof[sel], y[sel], kinds[sel], np.nan)
            if np.isfinite(t):
                thresholds[f"{context}/{bucket}"] = t
    fitted = SignatureClassifier(random_state=random_state).fit(x, y)
    clf = BoostedTrees(fitted.to_arrays(), fitted.get_params())  # what load_model gives back
    digest = hashlib.sha256(x.tobytes() + y.tobytes() + "\n".join(ids).encode()).hexdigest()
    # The version also changes with the operating points, which depend on the look-alike kinds as well.
    version_key = hashlib.sha256((digest + repr(sorted(thresholds.items()))).encode()).hexdigest()
    stamp = datetime.now(UTC)
    return MiningModel(
        clf,
        calibrator,
        threshold,
        f"{name}-{stamp:%Y%m%d}-{version_key[:8]}",
        FEATURES,
        {
            "training_data_sha256": digest,
            "trained_at": stamp.isoformat(timespec="seconds"),
            "training_sets": list(set_names),
            "n_series": len(y),
            "thresholds": thresholds,
            "validation": {**metrics(p_oof, y, threshold), "method": f"{folds}-fold out-of-fold, grouped by base load"},
        },
    )
