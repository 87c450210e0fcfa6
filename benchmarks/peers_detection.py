"""Detection with peers (an experiment, not the shipped default): do neighbouring series help the detector?

Real sources with several series (GEFCom zones, BigDEAL, PJM and ERCOT regions, Tetouan zones), each calendar
year; a random scenario injected into 30 % of the series, the rest clean; each series' peers are the others of
its year (``datasets.peer_set``). Three rows on the held-out series: the bundled model without and with peers,
and a model trained on the training series' peer sets (used with peers).

    cd benchmarks && ../.venv/bin/python peers_detection.py
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from data_home import data_file  # type: ignore[import-not-found]
from datasets import PEER_SOURCES, SOURCES, peer_set
from sklearn.metrics import roc_auc_score

import detector
from detector import simulate
from detector.evaluation import score_sets, summarise
from detector.features import peers as peer_features
from detector.features.calendar import CalendarSpec, calendar_features
from detector.features.daily import daily_view
from detector.models.changepoint import box_scan, design
from detector.pipeline import load_peers

RESULTS = Path(__file__).resolve().parent / "results"


def peer_sets(split: str, n_seeds: int, event_share: float) -> list[detector.LabelledSet]:
    base = 1500 if split == "held-out" else 500
    sets = [
        peer_set(source, split=split, seed=base + 10 * r + i, event_share=event_share)
        for r in range(n_seeds)
        for i, source in enumerate(PEER_SOURCES)
    ]
    return [s for s in sets if len(s.truth)]


def row(scores: object, threshold: float) -> dict[str, object]:
    summary = summarise(scores, threshold)  # type: ignore[arg-type]
    o = summary["overall"]
    keep = ("average_precision", "roc_auc", "precision", "recall", "fpr")
    return {
        **{k: round(float(o[k]), 3) for k in keep},
        "ap_by_source": {k: round(float(v["average_precision"]), 3) for k, v in summary["by_source"].items()},
        "lookalike_flag_rate": summary["flag_rate_by_lookalike"],
    }


def raw_scan_auc(windows: int = 4, seed: int = 1011) -> dict[str, object]:
    """ROC AUC of the box scan's t alone: a flat step (2-40 % of mean) vs the same window clean, peers clean."""
    rng = np.random.default_rng(seed)
    rows = []
    for source in PEER_SOURCES:
        src = SOURCES[source]
        raw = pd.read_parquet(data_file(src.file))
        wide = raw.pivot_table(index="timestamp", columns="series_id", values="load").resample("h").mean()
        temps = None
        if "temperature" in raw:
            temps = raw.pivot_table(index="timestamp", columns="series_id", values="temperature").resample("h").mean()
        spec = CalendarSpec(tz=src.tz, country=src.country)
        for sid in src.held_out:
            for _ in range(windows):
                if len(wide) < 365 * 24:
                    break
                first = int(rng.integers(0, len(wide) - 365 * 24 + 1))
                w = wide.iloc[first : first + 365 * 24].interpolate(limit=3)
                if w[sid].isna().mean() > 0.2:
                    continue
                base = w[sid].to_numpy(float)
                temp = None
                if temps is not None and sid in temps:
                    temp = temps[sid].iloc[first : first + 365 * 24].interpolate(limit=3).to_numpy(float)
                size = float(np.exp(rng.uniform(np.log(0.02), np.log(0.4))))
                inj = simulate.inject(base, w.index, "step", size=size, rng=rng, spec=spec, temperature=temp)
                cal = calendar_features(w.index, spec)
                others = [p for p in w.columns if p != sid and w[p].notna().mean() > 0.8]
                if not others:
                    continue
                pool = load_peers(
                    pd.concat(
                        pd.DataFrame({"series_id": p, "timestamp": w.index, "load": w[p].to_numpy(float)})
                        for p in others
                    ),
                    unit=src.unit,
                    tz=src.tz,
                )
                for label, load in ((1, inj.load), (0, base)):
                    view = daily_view(load, cal, temp)
                    n = len(view.mean)
                    doy = np.bincount(cal.day, weights=cal.doy, minlength=n) / np.bincount(cal.day, minlength=n)
                    x = design(n, view.off_day, view.holiday, view.temp, doy, view.temp_max, view.temp_min)
                    z = view.mean / np.nanmean(view.mean)
                    target = detector.from_arrays(sid, list(w.index), list(load), unit=src.unit)
                    cols, _, _ = peer_features.select(target, pool, cal, peer_features.daily_levels(load, cal))
                    xp = np.column_stack([x, cols / np.maximum(np.abs(cols).max(0), 1e-12)]) if cols.shape[1] else x
                    rows.append({"source": source, "label": label, "t": box_scan(z, x).t, "t_peers": box_scan(z, xp).t})
    df = pd.DataFrame(rows)
    return {
        col: {
            "all": round(float(roc_auc_score(df.label, df[col])), 3),
            **{s: round(float(roc_auc_score(g.label, g[col])), 3) for s, g in df.groupby("source")},
        }
        for col in ("t", "t_peers")
    } | {"windows": len(df) // 2}


def masking() -> dict[str, object]:
    """The sample province: farms in counties A, C and D all switched on on 22 May 2023. Scored with the others as
    peers, does the bundled model still see county A's 74 MW?"""
    province = pd.read_parquet(Path(__file__).resolve().parents[1] / "sample_data" / "claims" / "province.parquet")
    counties = province[province.series_id.str.startswith("county-")]
    out: dict[str, object] = {}
    for name, peers in (("alone", None), ("with peers", counties)):
        reports = detector.score(counties, tz="Asia/Tehran", peers=peers)
        out[name] = {
            r.series_id: {"score": round(r.score, 3), "excess_MW": round(r.excess_load, 1)}
            for r in reports
            if r.series_id in ("county-A", "county-C", "county-D")
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8, help="injection rounds per source (held out)")
    parser.add_argument("--train-seeds", type=int, default=48)
    parser.add_argument("--event-share", type=float, default=0.3)
    args = parser.parse_args()
    held = peer_sets("held-out", args.seeds, args.event_share)
    bundled = detector.load_model()
    peers_model = detector.train(peer_sets("train", args.train_seeds, args.event_share))
    with tempfile.TemporaryDirectory() as tmp:  # the same round trip as a shipped artefact
        peers_model = detector.load_model(detector.save_model(peers_model, Path(tmp) / "m"))
    plain = [dataclasses.replace(s, peers=None) for s in held]
    out = {
        "masking_on_the_sample_province": masking(),
        "raw_box_scan_roc_auc": raw_scan_auc(),
        "series": int(sum(len(s.truth) for s in held)),
        "positives": int(sum(int(s.truth.label.sum()) for s in held)),
        "bundled, no peers": row(score_sets(plain, bundled), bundled.threshold),
        "bundled, with peers": row(score_sets(held, bundled), bundled.threshold),
        "peers-trained, with peers": row(score_sets(held, peers_model), peers_model.threshold),
    }
    print(json.dumps(out, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "peers_detection.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
