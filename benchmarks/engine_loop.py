"""Decide classifier and operating-point changes in seconds: the headline's held-out rows as saved features.

The headline (``headline.py``) spends its minute computing signatures; a change to the trees, the calibrator or
the thresholds does not change them. Save them once, then score any refit on them:

    cd benchmarks
    ../.venv/bin/python train_default.py --save-features train.npz          # training rows (17-20 min, once)
    ../.venv/bin/python engine_loop.py dump held365.npz [--days 365 --rounds 3]   # held-out rows (~2 min, once)
    ../.venv/bin/python engine_loop.py score held365.npz [--model DIR]      # the headline's AP, threshold, recall
    ../.venv/bin/python engine_loop.py score h1.npz h4.npz h7.npz h10.npz --model A --model B   # four starts pooled
    ../.venv/bin/python engine_loop.py features held365.npz                 # what each feature alone separates

``score`` with the shipped model reproduces ``headline.py``'s AP, recall by size and FPR to the digit (checked at
models e04854b7 and 33e83eaa). It also reads the recall at the held-out operating point (``held_out_point``: the
lowest threshold keeping these rows' clean windows to 1 % and each look-alike to 5 %, an oracle), so that two
models' rankings are compared where it matters apart from the operating points their training set (stop 57).
A model refitted with ``train_default.py --from-features train.npz --out DIR``
after a change to ``fit_model`` is scored the same way. A change to the signature itself needs both files saved again.

``features`` reads a dump without any model: each feature's ROC AUC as a score on its own, mining against every
negative, per mode, for all sizes and for the small events (5 and 10 % of mean load) by source. A change to the
search or the design is first read there, on the held-out rows, before a 20-minute retrain: at stop 37 a scan
weighted by each day's local noise read ``t_box`` 0.731 -> 0.765 on small events (ERCOT up, GEFCom down), and the
retrained headline fell (BENCHMARKS.md): a probe, not a verdict.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import typer
from compare_headline import point_within_limits  # type: ignore[import-not-found]
from provinces import provinces  # type: ignore[import-not-found]
from sklearn.metrics import average_precision_score, roc_auc_score

import detector
from detector.models.signature import FEATURES
from detector.pipeline import iter_signatures

app = typer.Typer(add_completion=False, help=__doc__.splitlines()[0] if __doc__ else None)
MODES = ("alone", "province")


@app.command()
def dump(out: Path, days: int = 365, rounds: int = 3, start_month: int = 1) -> None:
    """Signature features of every held-out zone of the headline's provinces, scored alone and in its province
    (``start_month`` 7: the July-to-June windows of ``headline.py --start-month 7``)."""
    rows: list[dict[str, object]] = []
    features: list[np.ndarray] = []
    for prov in provinces(rounds=rounds, days=days, start_month=start_month):
        truth = prov.truth.set_index("series_id")
        for mode in MODES:
            if mode == "alone":
                found = [
                    pair
                    for sid in sorted(truth.index)
                    for pair in iter_signatures(
                        prov.loads[prov.loads.series_id == sid], unit=prov.unit, tz=prov.tz, country="US", peers="none"
                    )
                ]
            else:
                found = list(iter_signatures(prov.loads, unit=prov.unit, tz=prov.tz, country="US", peers="auto"))
            for sid, f in found:
                if sid not in truth.index or not isinstance(f, np.ndarray):
                    continue
                t = truth.loc[sid]
                features.append(f)
                rows.append(
                    {"mode": mode, "source": prov.source, "year": prov.year, "round": prov.round, "series_id": sid}
                    | {"label": int(t.label), "size": float(t["size"]), "scenario": str(t.scenario), "days": days}
                )
    np.savez_compressed(out, x=np.array(features), meta=pd.DataFrame(rows).to_json())
    print(f"{len(rows)} rows written to {out}")


def _load(path: Path) -> tuple[np.ndarray, pd.DataFrame]:
    saved = np.load(path, allow_pickle=False)
    return saved["x"], pd.read_json(io.StringIO(str(saved["meta"])))


@app.command()
def score(held: list[Path], model: list[Path] | None = None) -> None:
    """AP (all, events >= 5 %), the context's threshold, FPR, recall by size, the top negative and the flag rate of
    each look-alike that was flagged at all, per mode. Several dumps are pooled (the four starts of
    ``headline.py --start-month all``: one dump per start, ``dump --start-month M``); several ``--model`` are each
    scored on them (none: the shipped model), one JSON document each."""
    parts = [_load(path) for path in held]
    x = np.concatenate([p[0] for p in parts])
    meta = pd.concat([p[1] for p in parts], ignore_index=True)
    for path in model or [None]:
        print(json.dumps(_scored(x, meta, detector.load_model(path)), indent=2))


def _scored(x: np.ndarray, meta: pd.DataFrame, mdl: detector.MiningModel) -> dict[str, object]:
    """``score``'s figures of one model on dumped rows."""
    p = mdl.probability(x, meta.days.to_numpy())
    out: dict[str, object] = {"model_version": mdl.version}
    for mode, g in meta.groupby("mode"):
        idx, y = g.index.to_numpy(), g.label.to_numpy()
        pp, size, kinds = p[idx], g["size"].to_numpy(), g.scenario.to_numpy()
        # Each row's own operating point, as scoring reads it (``MiningModel.threshold_for``): mode and length.
        t = np.array([mdl.threshold_for(x[i], int(g.days.loc[i])) for i in idx])
        flag = pp >= t
        big = (y == 0) | (size >= 0.05)
        cut = point_within_limits(y, pp, kinds)
        out[str(mode)] = {
            "ap": round(float(average_precision_score(y, pp)), 3),
            "ap_ge_5pct": round(float(average_precision_score(y[big], pp[big])), 3),
            "threshold": sorted({round(float(v), 3) for v in t}),
            "fpr_clean": round(float(flag[(y == 0) & (kinds == "clean")].mean()), 4),
            "fpr_all_negatives": round(float(flag[y == 0].mean()), 4),
            "recall_by_size": {str(s): round(float(flag[(y == 1) & (size == s)].mean()), 3) for s in (0.05, 0.1, 0.2)},
            "top_negative": round(float(pp[y == 0].max()), 3),
            # The ranking where it matters, apart from the trained operating point: the lowest threshold that keeps
            # these rows' clean windows to 1 % and each look-alike to 5 %, and the recall there (an oracle).
            "held_out_point": round(cut, 3),
            "recall_at_held_out_point": {
                str(s): round(float((pp[(y == 1) & (size == s)] >= cut).mean()), 3) for s in (0.05, 0.1, 0.2)
            },
            "flag_rate_by_lookalike": {
                str(k): round(float(flag[(y == 0) & (kinds == k)].mean()), 3)
                for k in sorted(set(kinds[y == 0]))
                if flag[(y == 0) & (kinds == k)].any()
            },
        }
    return out


def _auc(y: np.ndarray, v: np.ndarray) -> float | None:
    """ROC AUC of ``v`` as a score, or None where one class is missing."""
    return round(float(roc_auc_score(y, v)), 3) if 0 < y.sum() < len(y) else None


@app.command()
def features(held: Path, names: str = "t_box,t_mean,t_floor,t_peak,rel_size,hour_flatness,noise,rho") -> None:
    """ROC AUC of each of ``names`` (comma-separated; "all": every feature) as a score on its own, per mode:
    mining of every size and of 5 and 10 % against every negative, the latter per source too; and the median
    ``noise`` (the daily residual's σ over mean load) per source."""
    x, meta = _load(held)
    chosen = list(FEATURES) if names == "all" else [n.strip() for n in names.split(",")]
    unknown = [n for n in chosen if n not in FEATURES]
    if unknown:
        raise typer.BadParameter(f"unknown feature(s) {', '.join(unknown)}; known: {', '.join(FEATURES)}")
    out: dict[str, object] = {}
    for mode, g in meta.groupby("mode"):
        idx, y = g.index.to_numpy(), g.label.to_numpy()
        small = (y == 0) | np.isin(g["size"].to_numpy(), (0.05, 0.1))
        sources = g.source.to_numpy()
        block: dict[str, object] = {}
        for name in chosen:
            v = x[idx, FEATURES.index(name)]
            block[name] = {
                "all": _auc(y, v),
                "small": _auc(y[small], v[small]),
                **{
                    f"small {src}": _auc(y[small & (sources == src)], v[small & (sources == src)])
                    for src in sorted(set(sources))
                },
            }
        noise = x[idx, FEATURES.index("noise")]
        block["median noise"] = {src: round(float(np.median(noise[sources == src])), 4) for src in sorted(set(sources))}
        out[str(mode)] = block
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    app()
