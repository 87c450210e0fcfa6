"""Train: labelled sets -> signature features -> classifier, calibrator and operating points -> a ``MiningModel``.

The training half of the pipeline (``pipeline.py`` scores). scikit-learn is imported inside the functions that
fit or measure, never at import time: the scoring path must not load it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from detector.artifacts import MiningModel, length_context
from detector.errors import DataSufficiencyError, DetectorError
from detector.features.peers import PeerPool
from detector.ingest import iter_series
from detector.models.signature import FEATURES, LONG_DAYS
from detector.models.trees import BoostedTrees, Calibrator
from detector.pipeline import load_peers
from detector.scoring import signature_of
from detector.zones import calendar_country

log = logging.getLogger(__name__)
MAX_VALIDATION_FPR = 0.02
# Out-of-fold splits the operating points are read from, pooled. With one split, the threshold with peers moved
# 0.60-0.71 with the fold seed, and 0.709 -> 0.674 when 14 of 9,396 training rows changed (a refactor that moved
# numbers by 3e-7 flipped a few peers' keep-or-drop decisions): a handful of real windows near the threshold
# fall in or out of the top 1 % with each split. Pooling splits averages that over (BENCHMARKS.md, stop 23).
OOF_REPEATS = 5


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
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


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class TrainingRows:
    """Signature rows of labelled sets, one per accepted series, as ``fit_model`` takes them.

    ``x_alone`` is ``x`` with each row scored without peers searched with the day's shape instead of the smooth
    season (``signature_of``'s ``day_shape``): the rows of a per-mode model's alone trees. Rows with peers are
    the same in both.
    """

    x: np.ndarray
    x_alone: np.ndarray
    y: np.ndarray
    ids: list[str]  # set/series_id
    scenarios: list[str]
    days: np.ndarray  # length in local days


def features_of(data: LabelledSet) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], list[int]]:
    """Signature features (``TrainingRows.x`` and ``x_alone``), labels, ids and length in local days of every
    accepted series of a labelled set.

    A set whose every series is rejected is a ``DataSufficiencyError`` quoting the first rejection.
    """
    labels = data.truth.set_index("series_id")["label"]
    country, note = calendar_country(data.country, data.tz)
    if note:
        log.info("training set %s: %s", data.name, note)
    pool = PeerPool(load_peers(data.peers, unit=data.unit, tz=data.tz), country) if data.peers is not None else None
    rows, rows_alone, ys, ids, days = [], [], [], [], []
    first_error: DetectorError | None = None
    for sid, series in iter_series(data.loads, unit=data.unit, tz=data.tz):
        if isinstance(series, DetectorError):
            log.warning("training set %s: skipped %s: %s", data.name, sid, series)
            first_error = first_error or series
            continue
        sig, _, used = signature_of(series, country, pool)
        rows.append(sig.features)
        # Scored alone (no peers given or none kept): the alone trees' row too, searched with the day's shape
        # (the same row over LONG_DAYS, where the search keeps the season either way).
        same = bool(used) or len(sig.view.mean) > LONG_DAYS
        rows_alone.append(sig.features if same else signature_of(series, country, pool, day_shape=True)[0].features)
        ys.append(int(labels[sid]))
        ids.append(f"{data.name}/{sid}")
        days.append(len(sig.view.mean))
    if not rows and first_error is not None:
        raise DataSufficiencyError(f"training set {data.name}: every series was rejected; the first: {first_error}")
    return np.array(rows), np.array(rows_alone), np.array(ys), ids, days


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
MIN_KIND_WINDOWS = 40  # a kind with fewer real windows joins the pool of the other small kinds


def _context_threshold(p: np.ndarray, y: np.ndarray, scenario: np.ndarray, fallback: float, repeats: int = 1) -> float:
    """Lowest out-of-fold threshold meeting the operating point on this context's real (not simulated) windows.

    The operating point is the benchmark's: at most 1 % of clean windows flagged and at most 5 % of each kind
    of look-alike. 5 % of a kind is measured only where the kind has ``MIN_KIND_WINDOWS`` windows (two may then
    be flagged); kinds with fewer are held to 5 % together. Held apart, a kind of 18 windows allows none, so its
    single highest window set the threshold: on two-year inputs with peers one growth window of ERCOT-NORTH
    2022, whose base holds a real flat shift, put it at 0.995 and the recall of 20 % events at 0.1
    (BENCHMARKS.md, stop 19). Real loads are where false alarms come from; simulated negatives are easy and
    would dilute the rates. With under 50 negatives the model-wide threshold stands.

    ``repeats``: the rows are that many out-of-fold splits of the same windows, stacked; the rates are over
    all of them and the counts of windows above are divided by it.
    """
    if (y == 0).sum() < 50 * repeats:
        return fallback
    needs = threshold_needs(p, y, scenario, repeats)
    cut = max(needs.values(), default=0.0)
    return cut if cut <= 1.0 else fallback


def threshold_needs(p: np.ndarray, y: np.ndarray, scenario: np.ndarray, repeats: int = 1) -> dict[str, float]:
    """The lowest threshold each limit of the operating point allows on its own: "clean", each kind with
    ``MIN_KIND_WINDOWS`` windows, and "small kinds" (the others together, when they are 10 windows or more).
    ``_context_threshold`` takes the highest; ``benchmarks/operating_point.py`` prints them all."""
    neg = y == 0
    groups = {"clean": (p[neg & (scenario == "clean")], CONTEXT_MAX_FPR)}
    kinds = [str(k) for k in np.unique(scenario[neg]) if k != "clean"]
    big = [k for k in kinds if (neg & (scenario == k)).sum() >= MIN_KIND_WINDOWS * repeats]
    groups |= {k: (p[neg & (scenario == k)], CONTEXT_MAX_LOOKALIKE) for k in big}
    small = neg & np.isin(scenario, [k for k in kinds if k not in big])
    if small.sum() >= 10 * repeats:
        groups["small kinds"] = (p[small], CONTEXT_MAX_LOOKALIKE)
    needs: dict[str, float] = {}
    for name, (values, rate) in groups.items():
        if len(values) == 0:
            continue
        values = np.sort(values)
        k = int(np.floor(rate * len(values)))  # at most k of them at or above the threshold
        needs[name] = float(np.nextafter(values[len(values) - k - 1], np.inf))
    return needs


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
    hold-out split would; ``OOF_REPEATS`` such splits are pooled, so that no single split's luck
    sets them. The shipped classifier is then refit on everything.
    """
    rows = training_matrix(sets)
    return fit_model(
        rows.x,
        rows.y,
        rows.ids,
        name=name,
        folds=folds,
        random_state=random_state,
        set_names=[s.name for s in sets],
        scenarios=rows.scenarios,
        days=rows.days,
        x_alone=rows.x_alone,
    )


def training_matrix(sets: Sequence[LabelledSet]) -> TrainingRows:
    """Features (both designs of rows scored alone), labels, ids (``set/series_id``), scenario and length in days
    of every accepted series of ``sets``.

    The slow part of ``train`` (minutes for the default model); kept apart so researchers can save it once
    and refit classifiers and operating points on it in seconds (``fit_model``).
    """
    parts = [features_of(s) for s in sets]
    scenarios: list[str] = []
    for s, part in zip(sets, parts, strict=True):
        # Looked up set by set: sets may share a name (rounds of one source), so ids repeat across sets.
        kinds = dict(zip(s.truth["series_id"], s.truth["scenario"], strict=True)) if "scenario" in s.truth else {}
        scenarios += [str(kinds.get(i.removeprefix(f"{s.name}/"), "clean")) for i in part[3]]
    return TrainingRows(
        x=np.vstack([p[0] for p in parts]),
        x_alone=np.vstack([p[1] for p in parts]),
        y=np.concatenate([p[2] for p in parts]),
        ids=[i for p in parts for i in p[3]],
        scenarios=scenarios,
        days=np.array([d for p in parts for d in p[4]], dtype=np.int64),
    )


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


def repeated_oof_margins(
    x: np.ndarray, y: np.ndarray, ids: Sequence[str], *, folds: int = 5, random_state: int = 0, repeats: int = 1
) -> tuple[np.ndarray, int]:
    """``oof_margins`` of ``repeats`` splits (seeds ``random_state``, +1, ...), one row each: (repeats, n)."""
    runs = [oof_margins(x, y, ids, folds=folds, random_state=random_state + r) for r in range(repeats)]
    return np.stack([m for m, _ in runs]), runs[0][1]


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class OutOfFold:
    """Calibrated out-of-fold probabilities of ``repeats`` splits, stacked (row r * n + i is window i under split
    r), with what each row is: the rows the operating points are read from (``fit_model``,
    ``benchmarks/operating_point.py``)."""

    p: np.ndarray
    y: np.ndarray
    kinds: np.ndarray
    with_peers: np.ndarray
    real: np.ndarray  # not simulated
    lengths: np.ndarray  # ``length_context`` of each row ("" for a one-year input)
    with_temperature: np.ndarray  # scored with a temperature series (``has_temp``)
    calibrator: Calibrator
    folds: int
    repeats: int

    def rows(self, context: str) -> np.ndarray:
        """The real rows of an operating-point key: "alone", "peers", "alone/long"..."""
        mode, _, bucket = context.partition("/")
        mode_rows = self.with_peers if mode == "peers" else ~self.with_peers
        selected: np.ndarray = np.logical_and.reduce([mode_rows, self.real, self.lengths == bucket])
        return selected


def out_of_fold(
    x: np.ndarray,
    y: np.ndarray,
    ids: Sequence[str],
    *,
    scenarios: Sequence[str] | None = None,
    days: Sequence[int] | np.ndarray | None = None,
    folds: int = 5,
    random_state: int = 0,
    repeats: int = OOF_REPEATS,
) -> OutOfFold:
    """``repeats`` out-of-fold splits pooled and calibrated by one isotonic map (the model's calibrator)."""
    margins, folds = repeated_oof_margins(x, y, ids, folds=folds, random_state=random_state, repeats=repeats)
    y_all = np.tile(y, repeats)
    calibrator = Calibrator.fit(margins.ravel(), y_all)
    kinds = np.array(list(scenarios) if scenarios is not None else ["clean"] * len(y), dtype=object)
    lengths = [length_context(int(d)) for d in days] if days is not None else [""] * len(y)
    return OutOfFold(
        p=calibrator(margins.ravel()),
        y=y_all,
        kinds=np.tile(kinds, repeats),
        with_peers=np.tile(x[:, FEATURES.index("n_peers")] > 0, repeats),
        real=np.tile([not i.startswith("sim-") for i in ids], repeats),
        lengths=np.tile(lengths, repeats),
        with_temperature=np.tile(x[:, FEATURES.index("has_temp")] > 0, repeats),
        calibrator=calibrator,
        folds=folds,
        repeats=repeats,
    )


def context_thresholds(oof: OutOfFold, fallback: float | None = None) -> dict[str, float]:
    """Every context's operating point: alone and with peers (``fallback``, by default the model-wide
    threshold, where a context has too few negatives), and each input length with enough real negatives."""
    if fallback is None:
        fallback = _pick_threshold(oof.p, oof.y)
    thresholds: dict[str, float] = {}
    for mode in ("alone", "peers"):
        year = oof.rows(mode)
        thresholds[mode] = _context_threshold(oof.p[year], oof.y[year], oof.kinds[year], fallback, oof.repeats)
        every_length = (oof.with_peers if mode == "peers" else ~oof.with_peers) & oof.real
        for bucket in sorted(set(oof.lengths[every_length]) - {""}):
            sel = oof.rows(f"{mode}/{bucket}")
            # A bucket with too few real negatives takes the one-year operating point (no key written).
            t = _context_threshold(oof.p[sel], oof.y[sel], oof.kinds[sel], np.nan, oof.repeats)
            if np.isfinite(t):
                thresholds[f"{mode}/{bucket}"] = t
    return thresholds


FALSE_ALARM_GRID = np.round(np.arange(101) / 100, 2)  # scores 0.00, 0.01, ..., 1.00
MIN_CLEAN_WINDOWS = 50  # a context with fewer real clean windows gets no false-alarm table


def false_alarm_table(oof: OutOfFold, contexts: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per context (``OutOfFold.rows`` keys), the share of its real clean windows whose out-of-fold score is at or
    above each score of ``FALSE_ALARM_GRID``: what ``MiningModel.false_alarm_rate`` reads an answer's score against.

    Base-rate free, unlike the score (calibrated on training's mining share): how often a real load with no added
    block scores this high in the same context. Each context also gets a table with and one without temperature
    (``"alone+no-temperature"``...): without it, clean windows score higher (alone, 5.3 % of them reach 0.6
    against 0.16 % with it), and the pooled table, two thirds GEFCom with temperature alone, read 1.8 % for such
    an answer. Tables of under ``MIN_CLEAN_WINDOWS`` clean windows are left out.
    """
    out: dict[str, dict[str, Any]] = {}
    clean = (oof.y == 0) & (oof.kinds == "clean")
    splits = (
        ("", clean),
        ("+temperature", clean & oof.with_temperature),
        ("+no-temperature", clean & ~oof.with_temperature),
    )
    for key in contexts:
        for suffix, rows in splits:
            sel = oof.rows(key) & rows
            n = int(sel.sum()) // oof.repeats
            if n < MIN_CLEAN_WINDOWS:
                continue
            p = np.sort(oof.p[sel])
            share = 1.0 - np.searchsorted(p, FALSE_ALARM_GRID, side="left") / len(p)
            out[key + suffix] = {"clean_windows": n, "share_at_or_above": [round(float(v), 4) for v in share]}
    return out


def _false_alarm_metadata(oof: OutOfFold, contexts: Sequence[str]) -> dict[str, Any]:
    return {
        "grid": "scores 0.00 to 1.00 by 0.01",
        "method": "share of real clean training windows of the context scoring at or above, out of fold",
        "contexts": false_alarm_table(oof, contexts),
    }


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class _Fitted:
    """One set of trees with its out-of-fold calibrator and operating points (``fit_model``)."""

    classifier: BoostedTrees
    oof: OutOfFold
    threshold: float
    thresholds: dict[str, float]
    digest: str


def _fit_one(
    x: np.ndarray,
    y: np.ndarray,
    ids: Sequence[str],
    *,
    folds: int,
    random_state: int,
    scenarios: Sequence[str] | None,
    days: Sequence[int] | np.ndarray | None,
    repeats: int,
) -> _Fitted:
    from detector.models.classifier import SignatureClassifier  # training only (scikit-learn)

    oof = out_of_fold(
        x, y, ids, scenarios=scenarios, days=days, folds=folds, random_state=random_state, repeats=repeats
    )
    threshold = _pick_threshold(oof.p, oof.y)
    fitted = SignatureClassifier(random_state=random_state).fit(x, y)
    digest = hashlib.sha256(x.tobytes() + y.tobytes() + "\n".join(ids).encode()).hexdigest()
    return _Fitted(
        BoostedTrees(fitted.to_arrays(), fitted.get_params()),  # what load_model gives back
        oof,
        threshold,
        context_thresholds(oof, threshold),
        digest,
    )


def _contexts(oof: OutOfFold, exclude: set[str]) -> list[str]:
    """Every operating-point key with real rows in ``oof`` ("alone", "peers/long"...), less ``exclude``."""
    keys = {
        f"{mode}/{bucket}" if bucket else mode
        for mode, rows in (("peers", oof.with_peers), ("alone", ~oof.with_peers))
        for bucket in set(oof.lengths[rows & oof.real])
    }
    return sorted(keys - exclude)


def _answer_flags(oof: OutOfFold, thresholds: dict[str, float], fallback: float) -> np.ndarray:
    """Each out-of-fold row flagged at its own context's operating point, as ``MiningModel.threshold_for``."""
    modes = np.where(oof.with_peers, "peers", "alone")
    cut = np.array(
        [thresholds.get(f"{m}/{b}", thresholds.get(m, fallback)) for m, b in zip(modes, oof.lengths, strict=True)]
    )
    flagged: np.ndarray = oof.p >= cut
    return flagged


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
    repeats: int = OOF_REPEATS,
    x_alone: np.ndarray | None = None,
    alone_only: np.ndarray | None = None,
) -> MiningModel:
    """``train`` on features already extracted (rows of ``x`` named ``set/series_id`` by ``ids``).

    ``days`` (each row's length in local days) splits the operating points by input length too
    (``length_context``); without it every row counts as a one-year input. The calibrator and the operating
    points are fitted on ``repeats`` out-of-fold splits pooled (``OOF_REPEATS``).

    ``x_alone`` (``TrainingRows.x_alone``: the same rows, those scored alone in the day-shape design) makes a
    per-mode model: trees on ``x`` answer the rows with peers and those of inputs over ``LONG_DAYS`` (the same in
    both designs), with their operating points; trees on ``x_alone`` (``MiningModel.alone``) answer the other rows
    alone and keep the operating points alone of a year and of short inputs. The main trees are fitted on every
    row but the ``alone_only`` ones (the province's trees ranked its windows worse without the alone rows: AP
    0.828 against 0.860, BENCHMARKS.md, stop 26), the alone trees on the rows scored alone. Its validation figures
    are the two models' out-of-fold answers together, each row answered by the model that answers it in scoring.

    ``alone_only`` (a mask of rows, each scored alone and of at most ``LONG_DAYS``) marks windows only the alone
    trees see: their fit, operating points and false-alarm tables, not the main trees'. Windows that start
    anywhere in the year help the alone trees, but given to every tree they moved the province too (its
    threshold 0.703 -> 0.776, recall of 10 % events 0.27 -> 0.14; BENCHMARKS.md, stop 38).
    """

    extra = np.zeros(len(y), dtype=bool) if alone_only is None else np.asarray(alone_only, dtype=bool)
    if extra.shape != np.shape(y):
        raise ValueError(f"alone_only has {extra.size} rows, the training rows {len(y)}")
    if extra.any():
        peers_of = None if x_alone is None else x_alone[extra, FEATURES.index("n_peers")]
        lengths = None if days is None else np.asarray(days)[extra]
        if peers_of is None or (peers_of > 0).any() or (lengths is not None and (lengths > LONG_DAYS).any()):
            raise ValueError("alone_only rows must be scored alone (x_alone given, no peers) and not over LONG_DAYS")
    kept = ~extra

    def fit_rows(features: np.ndarray, rows: np.ndarray) -> _Fitted:
        """Trees on the ``rows`` of ``features`` (a mask), with their out-of-fold splits."""
        return _fit_one(
            features[rows],
            y[rows],
            [i for i, keep in zip(ids, rows, strict=True) if keep],
            folds=folds,
            random_state=random_state,
            scenarios=None if scenarios is None else [k for k, keep in zip(scenarios, rows, strict=True) if keep],
            days=None if days is None else np.asarray(days)[rows],
            repeats=repeats,
        )

    main = fit_rows(x, kept)
    alone, own = None, np.zeros(len(y), dtype=bool)
    if x_alone is not None:
        own = x_alone[:, FEATURES.index("n_peers")] <= 0
    if x_alone is not None and np.bincount(y[own], minlength=2).min() < 2:
        # Too few rows alone to fit trees of their own (every window scored with peers): one model for all, which
        # then searches a series scored alone with the season, as its trees were trained.
        log.info("training: %d rows scored alone, too few for an alone model of their own", int(own.sum()))
        x_alone = None
    if x_alone is not None:
        # The alone trees on the rows scored alone only: against trees on every row, at training seeds 0 / 1 / 2
        # the January headline's alone recall of 20 % events 0.35 / 0.35 / 0.39 -> 0.48 / 0.43 / 0.43, AP 0.731 /
        # 0.729 / 0.727 -> 0.733 / 0.733 / 0.735 (BENCHMARKS.md, stop 27).
        alone = fit_rows(x_alone, own)
    stamp = datetime.now(UTC)
    by_alone = {"alone", "alone/short"}  # the contexts a per-mode model's alone model answers
    thresholds, p, flagged = main.thresholds, main.oof.p, None
    digest = main.digest
    sub = None
    if alone is not None:
        # The alone model answers rows alone up to LONG_DAYS; longer ones are the main trees' (``MiningModel``).
        thresholds = {k: v for k, v in main.thresholds.items() if k not in by_alone}
        alone_thresholds = {k: v for k, v in alone.thresholds.items() if k in by_alone}
        # Each out-of-fold row answered as scoring would: the alone model's own out-of-fold answer where it answers.
        # (Both stack the repeats' splits, row r * n + i being window i under split r.)
        p = main.oof.p.copy()
        main_rows, n_main, n_alone = np.flatnonzero(kept), int(kept.sum()), int(own.sum())
        at_alone = np.cumsum(own) - 1  # each row's place among the rows alone
        answered_alone = np.flatnonzero(own[main_rows])  # places among the main rows
        split = np.arange(repeats)[:, None]
        in_main = (split * n_main + answered_alone).ravel()
        in_alone = (split * n_alone + at_alone[main_rows[answered_alone]]).ravel()
        short = main.oof.lengths[in_main] != "long"
        p[in_main[short]] = alone.oof.p[in_alone[short]]
        answered = dataclasses.replace(main.oof, p=p)
        flagged = _answer_flags(answered, {**thresholds, **alone_thresholds}, main.threshold)
        digest = hashlib.sha256((main.digest + alone.digest).encode()).hexdigest()
        key = hashlib.sha256((alone.digest + repr(sorted(alone_thresholds.items()))).encode()).hexdigest()
        sub = MiningModel(
            alone.classifier,
            alone.oof.calibrator,
            alone.threshold,
            f"{name}-alone-{stamp:%Y%m%d}-{key[:8]}",
            FEATURES,
            {
                "training_data_sha256": alone.digest,
                "trained_at": stamp.isoformat(timespec="seconds"),
                "n_series": int(own.sum()),
                "thresholds": alone_thresholds,
                "false_alarm": _false_alarm_metadata(alone.oof, sorted(by_alone)),
                "validation": {
                    **metrics(alone.oof.p, alone.oof.y, alone.threshold),
                    "n": int(own.sum()),
                    "method": "the alone model's own out-of-fold answers on the rows scored alone",
                },
            },
        )
    # The version also changes with the operating points, which depend on the look-alike kinds as well.
    tables = repr(sorted(thresholds.items())) + (repr(sorted(sub.metadata["thresholds"].items())) if sub else "")
    version_key = hashlib.sha256((digest + tables).encode()).hexdigest()
    method = f"{main.oof.folds}-fold out-of-fold, grouped by base load, {repeats} splits pooled"
    return MiningModel(
        main.classifier,
        main.oof.calibrator,
        main.threshold,
        f"{name}-{stamp:%Y%m%d}-{version_key[:8]}",
        FEATURES,
        {
            "training_data_sha256": digest,
            "trained_at": stamp.isoformat(timespec="seconds"),
            "training_sets": list(set_names),
            "n_series": len(y),
            **({"n_alone_only": int(extra.sum())} if extra.any() else {}),
            "thresholds": thresholds,
            # Every context these trees answer: the alone ones too unless an alone model answers them.
            "false_alarm": _false_alarm_metadata(main.oof, _contexts(main.oof, exclude=by_alone if sub else set())),
            "validation": {
                **metrics(p, main.oof.y, main.threshold, flagged),
                "n": int(kept.sum()),
                "n_positive": int(y[kept].sum()),
                "method": method
                + ("; each row answered by its mode's model at its context's threshold" if sub else ""),
            },
        },
        sub,
    )
