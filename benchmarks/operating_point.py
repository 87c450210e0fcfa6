"""What sets each context's operating point: the training windows that bind the threshold.

python benchmarks/operating_point.py FEATURES.npz   (written by ``train_default.py --save-features``)

Reads the operating points exactly as ``train_default.py``'s ``fit_model`` does, from the saved matrix (minutes
for the out-of-fold fits, not the rows' hour), and prints, per context (alone / with peers), the threshold, the
out-of-fold flag rate of every look-alike kind and of clean windows at it, the threshold each limit needs
(clean, each kind of 40 windows or more, the smaller kinds together: as training applies them), the limit that
sets it, and the mining recall at it; with the saved lengths, also per length context (``alone/short``...).
Rows saved with ``x_alone`` (a per-mode model): ``alone`` and ``alone/short`` are read off the alone trees'
out-of-fold rows, the other contexts off the main trees', as ``fit_model`` splits them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import typer

from detector.training import context_thresholds, out_of_fold, threshold_needs


def main(features: Path, folds: int = 5, seed: int = 0) -> None:
    data = np.load(features, allow_pickle=False)
    x, y, ids, kinds = data["x"], data["y"], [str(i) for i in data["ids"]], data["scenarios"].astype(str)
    days = data["days"] if "days" in data.files else None
    # The out-of-fold rows and operating points exactly as fit_model reads them (the trees are not refit).
    main_oof = out_of_fold(x, y, ids, scenarios=list(kinds), days=days, folds=folds, random_state=seed)
    owners = dict.fromkeys(context_thresholds(main_oof), main_oof)
    if "x_alone" in data.files:
        alone_oof = out_of_fold(
            data["x_alone"], y, ids, scenarios=list(kinds), days=days, folds=folds, random_state=seed
        )
        owners |= {key: alone_oof for key in context_thresholds(alone_oof) if key in ("alone", "alone/short")}
    out = {}
    for key, oof in owners.items():
        t = context_thresholds(oof)[key]
        p, y, kinds = oof.p, oof.y, oof.kinds
        sel = oof.rows(key)
        rates = {
            k: round(float((p[sel & (kinds == k) & (y == 0)] >= t).mean()), 3)
            for k in sorted(set(kinds[sel & (y == 0)]))
        }
        # The limits exactly as training applies them (kinds under MIN_KIND_WINDOWS windows held together).
        need = {k: round(v, 3) for k, v in threshold_needs(p[sel], y[sel], kinds[sel], oof.repeats).items()}
        out[key] = {
            "threshold": round(t, 3),
            "windows": int(sel.sum()) // oof.repeats,
            "flag_rate": rates,
            "threshold_each_limit_needs": need,
            "binding": max(need, key=lambda k: need[k]),
            "mining_recall_oof": round(float((p[sel & (y == 1)] >= t).mean()), 3),
        }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    typer.run(main)
