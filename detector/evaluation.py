"""Evaluation against truth: detection, calibration, timing and size errors, per scenario and size."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from detector.artifacts import MiningModel, model_or_default, rate_within
from detector.errors import DetectorError, ErrorCode, InputValidationError
from detector.features.calendar import CalendarSpec, calendar_features
from detector.features.peers import PeerPool
from detector.ingest import iter_series
from detector.models.baselines import BASELINES
from detector.pipeline import load_peers
from detector.scoring import score_series
from detector.training import LabelledSet, metrics
from detector.zones import calendar_country

SIZE_BINS = (0.0, 0.05, 0.1, 0.2, np.inf)


def score_sets(sets: Sequence[LabelledSet], model: MiningModel, baselines: Sequence[str] = ()) -> pd.DataFrame:
    """One row per series: truth columns plus ``model``'s score, flag, onset, excess (and baselines)."""
    rows: list[dict[str, Any]] = []
    for data in sets:
        truth = data.truth.set_index("series_id")
        country, _ = calendar_country(data.country, data.tz)
        pool = PeerPool(load_peers(data.peers, unit=data.unit, tz=data.tz), country) if data.peers is not None else None
        for sid, series in iter_series(data.loads, unit=data.unit, tz=data.tz):
            if isinstance(series, DetectorError):
                continue
            r = score_series(series, model, country=country, peers=pool)
            row = {
                "source": data.name,  # a truth table without a source column groups by set
                **truth.loc[sid].to_dict(),
                "series_id": sid,
                "set": data.name,
                # As the score file writes it (six decimals): the figures are those of the answers an analyst
                # reads; the calibrator's tie-breaker below 1e-6 would otherwise reorder near-ties (24 feeders
                # on one isotonic step: AP 0.924 unrounded, 0.899 from their score file).
                "score": round(r.score, 6),
                "flagged": r.flagged,
                "onset": r.onset,
                "excess_load": r.excess_load,
                "false_alarm_rate": r.false_alarm_rate,
            }
            if baselines:
                cal = calendar_features(series.index, CalendarSpec(tz=series.tz, country=country))
                for name in baselines:
                    row[name] = BASELINES[name](series.load, cal)
            rows.append(row)
    return pd.DataFrame(rows)


def summarise(
    scores: pd.DataFrame, threshold: float, baselines: Sequence[str] = (), resample_by: str | None = None
) -> dict[str, Any]:
    """Headline metrics, flag rate per look-alike, recall by event size, onset and excess errors; their 90 %
    intervals over resamples of the series, or of the groups of the truth column ``resample_by``."""
    y = scores["label"].to_numpy().astype(int)
    # Precision, recall and FPR of the answers' own flags, as flag_rate_by_lookalike and recall_by_size are:
    # each series was flagged at its context's threshold (peers or alone, by length), not the model-wide one.
    flags = scores["flagged"].to_numpy().astype(bool)
    out: dict[str, Any] = {"overall": metrics(scores["score"].to_numpy(), y, threshold, flags)}
    out["by_source"] = {
        src: metrics(g["score"].to_numpy(), g["label"].to_numpy().astype(int), threshold, g["flagged"].to_numpy())
        for src, g in scores.groupby("source")
        if g["label"].nunique() == 2
    }
    neg = scores[scores.label == 0]
    out["flag_rate_by_lookalike"] = neg.groupby("scenario")["flagged"].mean().round(4).to_dict()
    pos = scores[scores.label == 1].copy()
    pos["size_bin"] = pd.cut(pos["relative_size"], SIZE_BINS, right=False).astype(str)
    out["recall_by_size"] = (
        pos.groupby("size_bin", observed=True)["flagged"].agg(["mean", "count"]).round(4).to_dict("index")
    )
    out["recall_by_scenario"] = pos.groupby("scenario")["flagged"].mean().round(4).to_dict()
    hit = pos[pos.flagged & pos.onset.notna() & pos.start.notna()]
    onset_err = (
        pd.to_datetime(hit.onset, utc=True) - pd.to_datetime(hit.start, utc=True)
    ).abs().dt.total_seconds() / 3600
    out["median_onset_error_h"] = float(onset_err.median()) if len(onset_err) else None
    steady = hit[hit.scenario.isin(["step", "raided", "mining_outages", "curtailed", "seasonal"]) & (hit.excess > 0)]
    rel_err = (steady.excess_load - steady.excess).abs() / steady.excess
    out["median_excess_rel_error"] = float(rel_err.median()) if len(rel_err) else None
    bins = np.linspace(0, 1, 11)
    which = np.clip(np.digitize(scores["score"], bins) - 1, 0, 9)
    out["reliability"] = [
        {
            "bin": f"{bins[i]:.1f}-{bins[i + 1]:.1f}",
            "n": int((which == i).sum()),
            "mean_score": float(scores["score"][which == i].mean()) if (which == i).any() else None,
            "observed_rate": float(y[which == i].mean()) if (which == i).any() else None,
        }
        for i in range(10)
    ]
    from sklearn.metrics import average_precision_score, roc_auc_score

    out["baselines"] = {
        name: {
            "average_precision": float(average_precision_score(y, scores[name])),
            "roc_auc": float(roc_auc_score(y, scores[name])),
        }
        for name in baselines
        if name in scores
    }
    out["intervals_90"] = intervals(scores, [name for name in baselines if name in scores], resample_by=resample_by)
    if "false_alarm_rate" in scores and scores["false_alarm_rate"].notna().any():
        out["false_alarm_budgets"] = false_alarm_budgets(scores)
    return out


FALSE_ALARM_BUDGETS = (0.01, 0.02, 0.05, 0.1)


def within_budget(rates: pd.Series, budget: float) -> np.ndarray:
    """The answers an analyst keeps at a false-alarm ``budget``: rate at most the budget; no rate, not kept."""
    return rate_within(pd.to_numeric(rates, errors="coerce").to_numpy(float), budget)


def false_alarm_budgets(scores: pd.DataFrame) -> dict[str, dict[str, float | None]]:
    """Does ``false_alarm_rate`` (read on the model's training zones) hold on these series? For each budget, the
    share of the clean series and of all negatives whose rate is within it, and the recall of mining among those.
    A clean share well above the budget says the rates are optimistic for loads like these (BENCHMARKS.md found
    it so for series scored alone on zones never seen). Series without a rate count as outside every budget."""
    label = scores["label"].to_numpy().astype(int)
    clean = (label == 0) & (scores["scenario"].to_numpy() == "clean") if "scenario" in scores else label == 0
    out: dict[str, dict[str, float | None]] = {}
    for budget in FALSE_ALARM_BUDGETS:
        kept = within_budget(scores["false_alarm_rate"], budget)
        out[f"{budget:g}"] = {
            "clean_kept": round(float(kept[clean].mean()), 4) if clean.any() else None,
            "negatives_kept": round(float(kept[label == 0].mean()), 4) if (label == 0).any() else None,
            "recall": round(float(kept[label == 1].mean()), 4) if (label == 1).any() else None,
        }
    return out


INTERVAL_DRAWS = 1000


def intervals(
    scores: pd.DataFrame,
    baselines: Sequence[str] = (),
    draws: int = INTERVAL_DRAWS,
    seed: int = 0,
    resample_by: str | None = None,
) -> dict[str, Any]:
    """90 % intervals of the overall AP, precision, recall and FPR (the answers' own flags), and of the model's AP
    minus each baseline's on the same draws: ``draws`` resamples with replacement, fixed ``seed``.

    How far the figures could move on other series like these: on a few dozen series a recall is known to a
    tenth or two, and a model "beating" a baseline by less than its interval has not been shown to. By default
    the series are drawn independently. Windows cut from one base load share its real shifts, so on such sets
    that is too narrow: ``resample_by`` names a truth column (e.g. the base zone) whose rows are drawn together,
    as ``benchmarks/compare_headline.py`` draws a zone-year's windows.
    """
    from sklearn.metrics import average_precision_score

    y = scores["label"].to_numpy().astype(int)
    p = scores["score"].to_numpy(dtype=np.float64)
    flags = scores["flagged"].to_numpy().astype(bool)
    others = {name: scores[name].to_numpy(dtype=np.float64) for name in baselines}
    if resample_by is None:
        members = [np.array([k]) for k in range(len(y))]
    else:
        members = list(scores.reset_index(drop=True).groupby(resample_by, dropna=False).indices.values())
    rng = np.random.default_rng(seed)
    rows: dict[str, list[float]] = {k: [] for k in ("average_precision", "precision", "recall", "fpr")}
    diffs: dict[str, list[float]] = {name: [] for name in others}
    for _ in range(draws):
        i = np.concatenate([members[k] for k in rng.integers(len(members), size=len(members))])
        yi, fi = y[i], flags[i]
        two_classes = 0 < yi.sum() < len(yi)
        ap = float(average_precision_score(yi, p[i])) if two_classes else np.nan
        rows["average_precision"].append(ap)
        rows["precision"].append(float(yi[fi].mean()) if fi.any() else np.nan)
        rows["recall"].append(float(fi[yi == 1].mean()) if (yi == 1).any() else np.nan)
        rows["fpr"].append(float(fi[yi == 0].mean()) if (yi == 0).any() else np.nan)
        for name, v in others.items():
            diffs[name].append(ap - float(average_precision_score(yi, v[i])) if two_classes else np.nan)

    def bounds(values: list[float]) -> list[float] | None:
        finite = np.asarray(values)[np.isfinite(values)]
        return [round(float(b), 4) for b in np.percentile(finite, [5, 95])] if len(finite) else None

    return {
        "draws": draws,
        "resampled": "series" if resample_by is None else f"groups of {resample_by} ({len(members)})",
        **{k: bounds(v) for k, v in rows.items()},
        "ap_minus_baseline": {name: bounds(v) for name, v in diffs.items()},
    }


def evaluate(
    sets: Sequence[LabelledSet],
    model: MiningModel | None = None,
    baselines: Sequence[str] = (),
    resample_by: str | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Score labelled sets and summarise against their truth (per-series rows, summary).

    ``model``: None (default) is the bundled default model; the summary's ``model_version`` names the model used.
    ``resample_by``: a truth column whose rows the intervals draw together (``intervals``); None: each series.
    """
    model = model_or_default(model)
    if resample_by is not None:
        for data in sets:
            if resample_by not in data.truth.columns:
                raise InputValidationError(
                    code=ErrorCode.MISSING_COLUMN,
                    field=resample_by,
                    value=sorted(map(str, data.truth.columns)),
                    reason=f"the truth table of {data.name!r} has no such column to resample by",
                )
    scores = score_sets(sets, model, baselines)
    return scores, {"model_version": model.version, **summarise(scores, model.threshold, baselines, resample_by)}
