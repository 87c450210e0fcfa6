"""Recalibration from inspection outcomes: precision at a fixed budget before and after, on held-out seeds.

A "field" population of feeders unlike the training data (6 % mining, every look-alike, small rigs;
``sample_data/outcomes/build.py``) is scored with the bundled model; the top ``--inspected`` series are
inspected (outcomes from the truth, every tenth "not_inspected") and ``detector.feedback.recalibrate``
refits calibrator and threshold on them. Both models then score fresh field populations (held-out
seeds, never inspected): precision among the top ``--budget``, precision / recall / flags at each
model's threshold, and the Brier score over every series. For comparison (not shipped), a logistic
stacking layer on [parent logit, a few signature features] fitted on the same outcomes with an L2 pull
toward the parent (the one kind of refit that can change the ranking).

python benchmarks/recalibration.py [--n-series 400] [--days 365] [--inspected 60] [--budget 20]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import typer
from detection import write_result  # type: ignore[import-not-found]
from scipy.optimize import minimize

import detector
from detector.feedback import LoadSource, OutcomeDraft, precision_at_budget, recalibrate
from detector.models.signature import FEATURES
from detector.pipeline import iter_signatures

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sample_data" / "outcomes"))
from build import field_fleet, inspect  # type: ignore[import-not-found]

OUTCOME_SEED, HELD_OUT_SEEDS = 3000, (3101, 3102, 3103)  # apart from training (< 1000) and detection (1000-2999)
STACK_SETS = {
    "stack: rel_size": ("rel_size",),
    "stack: rel_size, proportionality, hour_flatness": ("rel_size", "proportionality", "hour_flatness"),
}


def _features(fleet: detector.simulate.Fleet) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Signature features, truth labels and ids of every series of a fleet."""
    labels = fleet.truth.set_index("series_id")["label"]
    rows, ys, ids = [], [], []
    for sid, feats in iter_signatures(fleet.loads, unit=fleet.unit, tz=fleet.tz):
        if isinstance(feats, np.ndarray):
            rows.append(feats)
            ys.append(int(labels[sid]))
            ids.append(str(sid))
    return np.vstack(rows), np.array(ys), ids


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def _stack(p0: np.ndarray, z: np.ndarray, y: np.ndarray, strength: float) -> np.ndarray:
    """Logistic on [1, logit p0, z]; L2 pull toward (0, 1, 0...) = the parent; returns the coefficients."""
    design = np.column_stack([np.ones(len(p0)), _logit(p0), z])
    prior = np.zeros(design.shape[1])
    prior[1] = 1.0

    def loss(b: np.ndarray) -> tuple[float, np.ndarray]:
        s = design @ b
        grad = design.T @ (1 / (1 + np.exp(-s)) - y) + 2 * strength * (b - prior)
        return float(np.sum(np.logaddexp(0, s) - y * s) + strength * np.sum((b - prior) ** 2)), grad

    return minimize(loss, prior, jac=True, method="L-BFGS-B").x


def _at_threshold(p: np.ndarray, y: np.ndarray, threshold: float) -> dict[str, float]:
    flag = p >= threshold
    tp = int((flag & (y == 1)).sum())
    return {"flagged": int(flag.sum()), "precision": tp / max(int(flag.sum()), 1), "recall": tp / max(int(y.sum()), 1)}


def main(
    n_series: int = 400,
    days: int = 365,
    inspected: int = 60,
    budget: int = 20,
    prior_strength: float = 10.0,
    min_precision: float = 0.9,
) -> None:
    t0 = time.perf_counter()
    parent = detector.load_model()
    field = field_fleet(n_series=n_series, days=days, seed=OUTCOME_SEED)
    reports = detector.score(field.loads, unit=field.unit, tz=field.tz, model=parent)
    table = inspect(reports, field.truth, n=inspected, seed=OUTCOME_SEED)
    drafts = [OutcomeDraft(r.series_id, r.outcome, recorded_by=r.recorded_by) for r in table.itertuples()]
    result = recalibrate(
        drafts,
        {None: LoadSource(field.loads, field.unit, field.tz)},
        model=parent,
        budget=budget,
        prior_strength=prior_strength,
    )
    new = result.model
    strict = recalibrate(
        drafts,
        {None: LoadSource(field.loads, field.unit, field.tz)},
        model=parent,
        budget=budget,
        prior_strength=prior_strength,
        min_precision=min_precision,
    ).model
    strict_label = f"after, threshold at precision >= {min_precision:g}"
    # Stacking layers fitted on the same inspected series (features standardised on them).
    fx, _, ids = _features(field)
    labels = {r.series_id: int(r.outcome == "mining") for r in table.itertuples() if r.outcome != "not_inspected"}
    rows = [ids.index(s) for s in labels]
    y_in = np.array(list(labels.values()))
    p0_in = parent.probability(fx[rows])
    stacks = {}
    for label, names in STACK_SETS.items():
        cols = [FEATURES.index(n) for n in names]
        mu, sd = fx[rows][:, cols].mean(axis=0), fx[rows][:, cols].std(axis=0) + 1e-9
        coef = _stack(p0_in, (fx[rows][:, cols] - mu) / sd, y_in, strength=prior_strength / 10)
        stacks[label] = (cols, mu, sd, coef)

    per_seed, pooled = [], {"before": [], "after": [], strict_label: [], **{k: [] for k in stacks}}
    for seed in HELD_OUT_SEEDS:
        x, y, _ = _features(field_fleet(n_series=n_series, days=days, seed=seed))
        p_before, p_after = parent.probability(x), new.probability(x)
        row: dict[str, object] = {"seed": seed, "n": len(y), "n_mining": int(y.sum())}
        sides = (
            ("before", p_before, parent.threshold),
            ("after", p_after, new.threshold),
            (strict_label, p_after, strict.threshold),
        )
        for side, p, thr in sides:
            row[side] = {
                "precision_at_budget": precision_at_budget(p, y, budget),
                "brier": float(np.mean((p - y) ** 2)),
                **_at_threshold(p, y, thr),
            }
            pooled[side].append(row[side])
        for label, (cols, mu, sd, coef) in stacks.items():
            s = np.column_stack([np.ones(len(y)), _logit(p_before), (x[:, cols] - mu) / sd]) @ coef
            row[label] = {"precision_at_budget": precision_at_budget(s, y, budget)}
            pooled[label].append(row[label])
        per_seed.append(row)

    mean = {side: {k: float(np.mean([r[k] for r in rs])) for k in rs[0]} for side, rs in pooled.items()}
    print(
        f"recalibrated on {result.report.n_series} inspected series of seed {OUTCOME_SEED} "
        f"({result.report.n_mining} mining, {result.report.n_not_inspected} not inspected); "
        f"held-out seeds {HELD_OUT_SEEDS}, {n_series} feeders x {days} days each, budget {budget}"
    )
    print(f"{'':52s} {'prec@K':>7s} {'Brier':>7s} {'flagged':>8s} {'prec':>6s} {'recall':>6s}")
    for side, v in mean.items():
        rest = f"{v['brier']:7.4f} {v['flagged']:8.1f} {v['precision']:6.3f} {v['recall']:6.3f}" if "brier" in v else ""
        print(f"{side:52s} {v['precision_at_budget']:7.3f} {rest}")
    print(
        f"threshold {parent.threshold:.3f} -> {new.threshold:.3f}; in-sample CV on the outcomes: "
        f"prec@K {result.report.before.precision_at_budget:.3f} -> {result.report.after.precision_at_budget:.3f}"
    )
    path = write_result(
        "recalibration",
        {
            "question": "precision at a fixed budget before/after recalibrating on field inspection outcomes",
            "command": "python benchmarks/recalibration.py",
            "params": {
                "n_series": n_series,
                "days": days,
                "inspected": inspected,
                "budget": budget,
                "prior_strength": prior_strength,
                "min_precision": min_precision,
                "outcome_seed": OUTCOME_SEED,
                "held_out_seeds": HELD_OUT_SEEDS,
            },
            "parent_version": parent.version,
            "thresholds": {"before": parent.threshold, "after": new.threshold, strict_label: strict.threshold},
            "recalibration_report": result.report.to_dict(),
            "held_out_mean": mean,
            "held_out_per_seed": per_seed,
            "seconds": round(time.perf_counter() - t0, 1),
        },
    )
    print(f"written to {path}")


if __name__ == "__main__":
    typer.run(main)
