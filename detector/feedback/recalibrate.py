"""Recalibration from inspection outcomes: a new calibrator and threshold over the parent's unchanged classifier.

The per-series expected-load models and the boosted trees stay as they are; only the map from the
trees' decision value (margin) to a probability and the operating threshold are refit on what the
inspections found. The map is an isotonic regression on the inspected series' margins, shrunk toward
the parent's map by ``prior_strength`` pseudo-inspections that follow it (so a handful of outcomes
moves it little); outside the range of inspected margins the parent's map holds, clipped to stay
monotone. The threshold is the margin cut with the highest F1 on the inspected series.

A monotone map keeps the ranking: precision at a top-K inspection budget does not change (it is
counted fold by fold, so before and after meet the same held-out series). What changes is the
probability scale (Brier score) and the threshold, hence how many series are flagged. Everything
reported "after" is out-of-fold.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import StratifiedKFold

from detector.artifacts import MiningModel, model_or_default
from detector.errors import DataSufficiencyError, DetectorError, ErrorCode, InputValidationError
from detector.feedback.outcomes import Outcome, OutcomeDraft
from detector.models.classifier import Calibrator
from detector.pipeline import iter_signatures

SeriesKey = tuple[str | None, str]  # (job id or None, series id)


@dataclass(frozen=True, slots=True)
class LoadSource:
    """The loads behind some outcomes: a file or frame with its unit, zone and holiday country."""

    data: str | Path | pd.DataFrame
    unit: str | None = None
    tz: str | None = None
    country: str | None = None  # None: the zone's country (``detector.calendar_country``)
    calendar: str = "gregorian"  # how its timestamps are written (``detector.iter_series``)


@dataclass(frozen=True, slots=True)
class SideMetrics:
    """One model's figures on the inspected series (and flags over all series at hand)."""

    precision_at_budget: float  # share of mining in the top ``budget`` inspected series, fold by fold
    brier: float  # mean squared error of the probability against the outcome
    threshold: float
    precision: float  # among inspected series flagged at ``threshold``
    recall: float  # of inspected mining series
    flagged: int  # series flagged at ``threshold`` among all series of the sources


@dataclass(frozen=True, slots=True)
class RecalibrationReport:
    """What a recalibration used and what changed; "after" figures are out-of-fold."""

    parent_version: str
    model_version: str
    n_outcomes: int  # outcome records used (``not_inspected`` excluded)
    n_not_inspected: int
    n_series: int  # inspected series with a label
    n_mining: int
    n_not_mining: int
    n_population: int  # series scored from the sources (the flag counts are over these)
    budget: int
    folds: int
    prior_strength: float
    min_precision: float | None
    before: SideMetrics
    after: SideMetrics
    skipped: tuple[str, ...] = ()  # outcomes whose series could not be found or modelled, with why

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True, eq=False)
class Recalibration:
    """The new model (parent's classifier, new calibrator and threshold) and its report."""

    model: MiningModel
    report: RecalibrationReport


def series_labels(outcomes: Sequence[Outcome | OutcomeDraft]) -> tuple[dict[SeriesKey, int], dict[SeriesKey, int], int]:
    """Label per (job, series): 1 if its latest outcome for any segment is ``mining``, else 0.

    Returns the labels, how many outcome records back each one, and how many ``not_inspected``
    outcomes were left out (they say nothing about mining). "Latest" is by inspection date, then by
    when it was recorded, then by order.
    """
    latest: dict[tuple[str | None, str, pd.Timestamp | None], tuple[tuple[Any, ...], int]] = {}
    counts: dict[SeriesKey, int] = {}
    excluded = 0
    floor = pd.Timestamp.min.tz_localize("UTC")
    for i, o in enumerate(outcomes):
        if o.outcome == "not_inspected":
            excluded += 1
            continue
        recorded = getattr(o, "recorded_at", None)
        order = (o.inspected_at or recorded or floor, recorded or floor, i)
        slot = (o.job_id, o.series_id, o.segment_start)
        if slot not in latest or order >= latest[slot][0]:
            latest[slot] = (order, int(o.outcome == "mining"))
        counts[(o.job_id, o.series_id)] = counts.get((o.job_id, o.series_id), 0) + 1
    labels: dict[SeriesKey, int] = {}
    for (job, sid, _), (_, label) in latest.items():
        labels[(job, sid)] = max(labels.get((job, sid), 0), label)
    return labels, counts, excluded


def fit_calibrator(
    parent: Calibrator,
    margin: np.ndarray,
    labels: np.ndarray,
    prior_strength: float,
    prior: np.ndarray | None = None,
) -> Calibrator:
    """Isotonic margin -> probability on outcomes, shrunk toward ``parent`` (see the module docstring).

    ``prior``: the parent's probability of each row where ``parent`` is not its only map (a per-mode model's
    rows scored alone); by default ``parent`` at each margin.
    """
    m, y = np.asarray(margin, dtype=np.float64), np.asarray(labels, dtype=np.float64)
    prior = np.interp(m, parent.x, parent.y) if prior is None else np.asarray(prior, dtype=np.float64)
    weight = np.concatenate([np.ones(len(m)), np.full(len(m), prior_strength / max(len(m), 1))])
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    iso.fit(np.concatenate([m, m]), np.concatenate([y, prior]), sample_weight=weight)
    xi, yi = iso.X_thresholds_, iso.y_thresholds_
    below, above = parent.x < m.min(), parent.x > m.max()
    x = np.concatenate([parent.x[below], xi, parent.x[above]])
    p = np.concatenate([np.minimum(parent.y[below], yi[0]), yi, np.maximum(parent.y[above], yi[-1])])
    return Calibrator(x, p)


def best_cut(margin: np.ndarray, labels: np.ndarray, min_precision: float | None = None) -> float:
    """The margin at or above which flagging gives the highest F1 on these series (ties: the higher cut).

    With ``min_precision``, only cuts whose precision reaches it count (none does: the most precise cut).
    """
    order = np.argsort(-margin, kind="stable")
    ms, ys = margin[order], labels[order]
    flagged, tp = np.arange(1, len(ms) + 1), np.cumsum(ys)
    f1, precision = 2 * tp / (flagged + ys.sum()), tp / flagged
    whole = np.r_[ms[1:] != ms[:-1], True]  # a cut flags all series tied at it
    ok = whole if min_precision is None else whole & (precision >= min_precision)
    if not ok.any():
        return float(ms[int(np.argmax(np.where(whole, precision, -1.0)))])
    return float(ms[int(np.argmax(np.where(ok, f1, -1.0)))])


def precision_at_budget(score: np.ndarray, labels: np.ndarray, budget: int) -> float:
    """Share of mining among the ``budget`` highest scores."""
    top = np.argsort(-score, kind="stable")[:budget]
    return float(labels[top].mean()) if len(top) else float("nan")


def _fold_precision(p: np.ndarray, y: np.ndarray, folds: list[np.ndarray], budget: int) -> float:
    """Precision in the top ``budget``, counted fold by fold: each held-out fold's top ``budget·n_fold/n``.

    Ranking within a fold only (every fold has its own map), so folds' different maps do not reorder
    series across folds, and "before" and "after" are counted on the same partition.
    """
    hits = picked = 0
    for rows in folds:
        k = max(1, round(budget * len(rows) / len(y)))
        hits += int(y[rows][np.argsort(-p[rows], kind="stable")[:k]].sum())
        picked += min(k, len(rows))
    return hits / picked


def _side(
    p: np.ndarray, flag: np.ndarray, y: np.ndarray, at_budget: float, threshold: float, flagged: int
) -> SideMetrics:
    tp = int((flag & (y == 1)).sum())
    return SideMetrics(
        precision_at_budget=at_budget,
        brier=float(np.mean((p - y) ** 2)),
        threshold=float(threshold),
        precision=tp / max(int(flag.sum()), 1),
        recall=tp / max(int((y == 1).sum()), 1),
        flagged=flagged,
    )


def _features(sources: Mapping[str | None, LoadSource], day_shape: bool) -> dict[SeriesKey, np.ndarray | DetectorError]:
    out: dict[SeriesKey, np.ndarray | DetectorError] = {}
    for key, src in sources.items():
        signatures = iter_signatures(
            src.data, unit=src.unit, tz=src.tz, country=src.country, calendar=src.calendar, day_shape=day_shape
        )
        for sid, feats in signatures:
            out[(key, str(sid))] = feats
    return out


def recalibrate(
    outcomes: Sequence[Outcome | OutcomeDraft],
    sources: Mapping[str | None, LoadSource],
    *,
    model: MiningModel | None = None,
    budget: int = 20,
    folds: int = 5,
    prior_strength: float = 10.0,
    min_precision: float | None = None,
    name: str = "recalibrated",
    random_state: int = 0,
) -> Recalibration:
    """Refit calibrator and threshold of ``model`` (None: the bundled default) on inspection outcomes.

    The report's ``parent_version`` names the model refitted.

    ``sources`` maps a job id to the loads it scored, and ``None`` to the loads of outcomes recorded
    without a job. Every series of the sources is scored to count flags before and after; only
    inspected series (``mining`` / ``not_mining``) are fitted. Outcomes whose series are missing from
    their source are skipped and listed in the report. Needs at least 2 series of each outcome.
    The threshold is the best-F1 cut on the inspected series, among cuts whose precision there reaches
    ``min_precision`` if given (the inspected series are the top of the ranking, so precision among them
    is close to precision in the field; recall among them overstates it).
    """
    if min_precision is not None and not 0.0 <= min_precision <= 1.0:
        raise InputValidationError(
            code=ErrorCode.OUT_OF_RANGE, field="min_precision", value=min_precision, reason="must be in [0, 1]"
        )
    if budget < 1:
        raise InputValidationError(
            code=ErrorCode.OUT_OF_RANGE, field="budget", value=budget, reason="budget must be >= 1"
        )
    if prior_strength < 0:
        raise InputValidationError(
            code=ErrorCode.OUT_OF_RANGE, field="prior_strength", value=prior_strength, reason="must be >= 0"
        )
    parent = model_or_default(model)
    labels, counts, excluded = series_labels(outcomes)
    feats = _features(sources, parent.day_shape_alone)
    skipped: list[str] = []
    keys: list[SeriesKey] = []
    rows: list[np.ndarray] = []  # the features of each key, in order
    for key in labels:
        job, sid = key
        where = f"job {job}" if job is not None else "the data given for outcomes without a job"
        found = feats.get(key)
        if job not in sources:
            skipped.append(f"{sid!r}: no loads for {where}")
        elif found is None:
            skipped.append(f"{sid!r}: not in {where}")
        elif isinstance(found, DetectorError):
            skipped.append(f"{sid!r}: could not be scored ({found})")
        else:
            keys.append(key)
            rows.append(found)
    y = np.array([labels[k] for k in keys], dtype=np.int64)
    n_pos, n_neg = int(y.sum()), int(len(y) - y.sum())
    k = min(folds, n_pos, n_neg)
    if k < 2:
        raise DataSufficiencyError(
            "recalibration needs inspected series of both kinds, at least 2 'mining' and 2 'not_mining' "
            f"(with their loads); got {n_pos} and {n_neg}"
        )
    x = np.vstack(rows)
    # A per-mode parent: each row's margin from its mode's trees, and after recalibration one map for both (the
    # bundled model 956b7267's two out-of-fold maps differ by at most 0.11 in probability on margins -6 to 6).
    margin, p0 = parent.margin(x), parent.probability(x)
    prior = p0 if parent.alone is not None else None  # the alone rows' own map as their prior
    population = np.vstack([f for f in feats.values() if isinstance(f, np.ndarray)])
    pop_margin = parent.margin(population)
    budget_used = min(budget, len(y))

    p_oof, flag_oof = np.empty(len(y)), np.zeros(len(y), dtype=bool)
    held_outs = []
    for fit_rows, held_out in StratifiedKFold(k, shuffle=True, random_state=random_state).split(x, y):
        held_outs.append(held_out)
        cal = fit_calibrator(
            parent.calibrator, margin[fit_rows], y[fit_rows], prior_strength, None if prior is None else prior[fit_rows]
        )
        p_oof[held_out] = cal(margin[held_out])
        flag_oof[held_out] = margin[held_out] >= best_cut(margin[fit_rows], y[fit_rows], min_precision)
    calibrator = fit_calibrator(parent.calibrator, margin, y, prior_strength, prior)
    threshold = float(calibrator(np.array([best_cut(margin, y, min_precision)]))[0])

    # The parent flags each series at its context's threshold (scored with peers or alone), as scoring does.
    thr0 = np.array([parent.threshold_for(row) for row in x])
    pop_thr0 = np.array([parent.threshold_for(row) for row in population])
    before = _side(
        p0,
        p0 >= thr0,
        y,
        _fold_precision(p0, y, held_outs, budget_used),
        parent.threshold,
        int((parent.probability(population) >= pop_thr0).sum()),
    )
    after = _side(
        p_oof,
        flag_oof,
        y,
        _fold_precision(p_oof, y, held_outs, budget_used),
        threshold,
        int((calibrator(pop_margin) >= threshold).sum()),
    )

    digest = hashlib.sha256(
        (parent.version + "\n" + "\n".join(f"{j}/{s}={labels[(j, s)]}" for j, s in keys)).encode()
    ).hexdigest()
    stamp = datetime.now(UTC)
    version = f"{name}-{stamp:%Y%m%d}-{digest[:8]}"
    report = RecalibrationReport(
        parent_version=parent.version,
        model_version=version,
        n_outcomes=sum(counts[key] for key in keys),
        n_not_inspected=excluded,
        n_series=len(y),
        n_mining=n_pos,
        n_not_mining=n_neg,
        n_population=len(pop_margin),
        budget=budget_used,
        folds=k,
        prior_strength=prior_strength,
        min_precision=min_precision,
        before=before,
        after=after,
        skipped=tuple(skipped),
    )
    meta = {
        key: parent.metadata.get(key) for key in ("training_data_sha256", "trained_at", "training_sets", "n_series")
    }
    validation = {
        "precision": after.precision,
        "recall": after.recall,
        "brier": after.brier,
        "n": len(y),
        "n_positive": n_pos,
        "method": f"{k}-fold out-of-fold on {len(y)} inspected series (recalibration; classifier unchanged)",
    }
    recal = {
        "parent_model_version": parent.version,
        "recalibrated_at": stamp.isoformat(timespec="seconds"),
        "outcomes_sha256": digest,
        **{k_: v for k_, v in report.to_dict().items() if k_ not in ("parent_version", "model_version", "skipped")},
        "n_skipped": len(skipped),
        "parent_validation": parent.metadata.get("validation"),
        "method": "isotonic on inspected margins shrunk toward the parent map; threshold: best-F1 margin cut"
        + (f" with precision >= {min_precision}" if min_precision is not None else ""),
    }
    # The alone trees, if any, stay; the new map and threshold serve both modes (no per-context thresholds).
    alone = (
        MiningModel(parent.alone.classifier, calibrator, threshold, f"{version}-alone", parent.features)
        if parent.alone is not None
        else None
    )
    new = MiningModel(
        parent.classifier,
        calibrator,
        threshold,
        version,
        parent.features,
        {**{k_: v for k_, v in meta.items() if v is not None}, "validation": validation, "recalibration": recal},
        alone,
    )
    return Recalibration(new, report)
