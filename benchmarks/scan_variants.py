"""The box scan alone (its t as a score) on the headline provinces, design variants: alone, peers, spread.

ROC AUC against all negatives, clean windows only, events >= 5 %. Figures quoted in BENCHMARKS.md ("The shift
search on its own"). Usage: ../.venv/bin/python scan_variants.py 3   (3 = rounds)
"""

import sys

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
import numpy as np
import pandas as pd
from provinces import provinces
from sklearn.metrics import roc_auc_score

from detector.features.calendar import CalendarSpec, calendar_features
from detector.features.daily import daily_view
from detector.models.changepoint import box_scan, design
from detector.models.signature import flat_weighted_level

rows = []
for prov in provinces(rounds=int(sys.argv[1]) if len(sys.argv) > 1 else 1):
    wide = prov.loads.pivot(index="timestamp", columns="series_id", values="load")
    tw = (
        prov.loads.pivot(index="timestamp", columns="series_id", values="temperature")
        if "temperature" in prov.loads
        else None
    )
    cal = calendar_features(wide.index, CalendarSpec(tz=prov.tz, country="US"))
    views = {}
    for sid in wide.columns:
        views[sid] = daily_view(wide[sid].to_numpy(float), cal, None if tw is None else tw[sid].to_numpy(float))
    n = len(next(iter(views.values())).mean)
    doy = np.bincount(cal.day, weights=cal.doy, minlength=n) / np.maximum(np.bincount(cal.day, minlength=n), 1)
    levels = {}
    alone_box = {}
    for sid, v in views.items():
        lv = v.mean / np.nanmean(v.mean)
        levels[sid] = np.where(np.isfinite(lv), lv, 1.0)
        x0 = design(n, v.off_day, v.holiday, None, doy)
        alone_box[sid] = box_scan(v.mean / np.nanmean(v.mean), x0)
    for t in prov.truth.itertuples():
        v = views[t.series_id]
        lvl = np.nanmean(v.mean)
        amp = (v.peak - v.floor) / lvl
        amp = np.where(np.isfinite(amp), amp, np.nanmean(amp))
        base_x = design(n, v.off_day, v.holiday, v.temp, doy, v.temp_max, v.temp_min)
        notemp_x = design(n, v.off_day, v.holiday, None, doy)
        others = [s for s in views if s != t.series_id]
        P = np.column_stack([levels[s] for s in others])
        Pc = np.column_stack(
            [
                levels[s]
                - (
                    alone_box[s].delta * ((np.arange(n) >= alone_box[s].start) & (np.arange(n) < alone_box[s].end))
                    if alone_box[s].t > 4
                    else 0
                )
                for s in others
            ]
        )
        ampx = np.column_stack([amp, amp**2])
        ts = np.array([alone_box[s].t for s in others])
        Pe = P[:, ts < np.median(ts)] if len(others) > 2 else P
        Pz = (P - P.mean(0)) / P.std(0)
        u, sv, vt = np.linalg.svd(Pz - Pz.mean(0), full_matrices=False)
        pcs = u[:, :2]
        corr = np.array([np.corrcoef(levels[t.series_id], P[:, k])[0, 1] for k in range(P.shape[1])])
        top3 = P[:, np.argsort(-corr)[:3]]
        variants = {
            "peers_excl": np.column_stack([base_x, Pe]),
            "peers_med": np.column_stack([base_x, np.median(P, 1)]),
            "peers_mean": np.column_stack([base_x, P.mean(1)]),
            "peers_pc2": np.column_stack([base_x, pcs]),
            "peers_top3": np.column_stack([base_x, top3]),
            "amp_peers_med": np.column_stack([base_x, ampx, np.median(P, 1)]),
            "amp_peers_pc2": np.column_stack([base_x, ampx, pcs]),
            "base": base_x,
            "amp": np.column_stack([base_x, ampx]),
            "peers": np.column_stack([base_x, P]),
            "peers_clean": np.column_stack([base_x, Pc]),
            "amp_peers_clean": np.column_stack([base_x, ampx, Pc]),
            "amp_notemp_peers_clean": np.column_stack([notemp_x, ampx, Pc]),
        }
        row = {"source": prov.source, "label": t.label, "scenario": t.scenario, "size": t.size}
        for name, x in variants.items():
            z = v.mean / lvl
            row[name] = box_scan(z, x).t
            row[name + "_fw"] = box_scan(flat_weighted_level(v, x) / lvl, x).t
        rows.append(row)
df = pd.DataFrame(rows)
pass
cols = [c for c in df.columns if c not in ("source", "label", "scenario", "size")]
print(len(df), df.label.sum())
res = {
    c: [round(roc_auc_score(df.label, df[c]), 3)]
    + [round(roc_auc_score(g.label, g[c]), 3) for _, g in df.groupby("source")]
    for c in cols
}
print("variant all", list(df.groupby("source").groups))
for c, r in res.items():
    print(c, r)
big = df[(df.label == 0) | (df["size"] >= 0.05)]
d = df[(df.scenario == "clean") | (df.label == 1)]
print("clean-only", len(d))
for c in cols:
    print(
        c,
        round(roc_auc_score(d.label, d[c]), 3),
        [round(roc_auc_score(g.label, g[c]), 3) for _, g in d.groupby("source")],
    )
print("ge5", {c: round(roc_auc_score(big.label, big[c]), 3) for c in cols})
