"""The shipped scan design (3 peers chosen on day-to-day changes, spread, masking, penalty) against letting peer
coefficients vary with the season. Usage: ../.venv/bin/python scan_peer_variants.py 3   (3 = rounds)
"""

import sys

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
import numpy as np
import pandas as pd
from provinces import provinces
from sklearn.metrics import roc_auc_score

from detector.features.calendar import CalendarSpec, calendar_features
from detector.features.daily import daily_view
from detector.features.peers import _change_correlation
from detector.models.changepoint import box_scan, design
from detector.models.signature import amplitude_columns, day_of_year, flat_weighted_level, mask_spikes

rows = []
for prov in provinces(rounds=int(sys.argv[1])):
    wide = prov.loads.pivot(index="timestamp", columns="series_id", values="load")
    tw = (
        prov.loads.pivot(index="timestamp", columns="series_id", values="temperature")
        if "temperature" in prov.loads
        else None
    )
    cal = calendar_features(wide.index, CalendarSpec(tz=prov.tz, country="US"))
    views = {
        sid: daily_view(wide[sid].to_numpy(float), cal, None if tw is None else tw[sid].to_numpy(float))
        for sid in wide.columns
    }
    n = len(next(iter(views.values())).mean)
    doy = day_of_year(cal, n)
    levels = {
        sid: np.where(np.isfinite(v.mean / np.nanmean(v.mean)), v.mean / np.nanmean(v.mean), 1.0)
        for sid, v in views.items()
    }
    c1, s1 = np.cos(2 * np.pi * doy / 365.25), np.sin(2 * np.pi * doy / 365.25)
    for t in prov.truth.itertuples():
        v = views[t.series_id]
        lvl = np.nanmean(v.mean)
        x = design(n, v.off_day, v.holiday, v.temp, doy, v.temp_max, v.temp_min)
        amp = amplitude_columns(v)
        amp = amp / np.abs(amp).max(0)
        others = [s for s in views if s != t.series_id]
        cc = np.array([_change_correlation(levels[s], levels[t.series_id]) for s in others])
        P = np.column_stack([levels[others[j]] for j in np.argsort(-cc)[:3]])
        variants = {
            "p3": np.column_stack([x, amp, P]),
            "p3_int": np.column_stack([x, amp, P, P * c1[:, None], P * s1[:, None]]),
            "p3_ampint": np.column_stack(
                [x, amp, amp * c1[:, None], amp * s1[:, None], P, P * c1[:, None], P * s1[:, None]]
            ),
        }
        row = {"source": prov.source, "label": t.label, "scenario": t.scenario, "size": t.size}
        for name, xs in variants.items():
            z = mask_spikes(flat_weighted_level(v, xs) / lvl, xs)
            b = box_scan(z, xs, interior_penalty=2)
            row[name] = b.t
            row[name + "_sig"] = b.sigma
        rows.append(row)
df = pd.DataFrame(rows)
names = ["p3", "p3_int", "p3_ampint"]
d = df[(df.scenario == "clean") | (df.label == 1)]
big = d[(d.label == 0) | (d["size"] >= 0.05)]
for c in names:
    print(
        c,
        "auc all",
        round(roc_auc_score(df.label, df[c]), 3),
        "clean-only",
        round(roc_auc_score(d.label, d[c]), 3),
        "clean>=5%",
        round(roc_auc_score(big.label, big[c]), 3),
        {s: round(roc_auc_score(g.label, g[c]), 3) for s, g in d.groupby("source")},
        "median sigma",
        {s: round(g[c + "_sig"].median(), 4) for s, g in df.groupby("source")},
    )
