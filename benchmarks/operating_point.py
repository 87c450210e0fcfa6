"""What sets each context's operating point: the training windows that bind the threshold.

python benchmarks/operating_point.py FEATURES.npz   (written by ``train_default.py --save-features``)

Refits the model exactly as ``train_default.py`` does (``fit_model`` on the saved matrix, seconds instead of
minutes) and prints, per context (alone / with peers), the threshold, the out-of-fold flag rate of every
look-alike kind and of clean windows at it, the threshold each limit needs (clean, each kind of 40 windows or
more, the smaller kinds together: as training applies them), the limit that sets it, and the mining recall
at it; with the saved lengths, also per length context (``alone/short``, ``alone/long``...).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import typer

from detector.artifacts import length_context
from detector.models.classifier import Calibrator
from detector.models.signature import FEATURES
from detector.training import OOF_REPEATS, fit_model, repeated_oof_margins, threshold_needs


def main(features: Path, folds: int = 5, seed: int = 0) -> None:
    data = np.load(features, allow_pickle=False)
    x, y, ids, kinds = data["x"], data["y"], [str(i) for i in data["ids"]], data["scenarios"].astype(str)
    days = data["days"] if "days" in data.files else None
    model = fit_model(x, y, ids, folds=folds, random_state=seed, scenarios=list(kinds), days=days)
    # The margins fit_model calibrated on: OOF_REPEATS splits, stacked (rates below are over all of them).
    margins, _ = repeated_oof_margins(x, y, ids, folds=folds, random_state=seed, repeats=OOF_REPEATS)
    margin, y, kinds = margins.ravel(), np.tile(y, OOF_REPEATS), np.tile(kinds, OOF_REPEATS)
    p = Calibrator.fit(margin, y)(margin)
    real = np.tile([not i.startswith("sim-") for i in ids], OOF_REPEATS)
    peers = np.tile(x[:, FEATURES.index("n_peers")] > 0, OOF_REPEATS)
    lengths = np.tile([length_context(int(d)) for d in days] if days is not None else [""] * len(ids), OOF_REPEATS)
    out = {}
    for key, t in model.metadata["thresholds"].items():
        context, _, bucket = key.partition("/")
        sel = (peers if context == "peers" else ~peers) & real & (lengths == bucket)
        rates = {
            k: round(float((p[sel & (kinds == k) & (y == 0)] >= t).mean()), 3)
            for k in sorted(set(kinds[sel & (y == 0)]))
        }
        # The limits exactly as training applies them (kinds under MIN_KIND_WINDOWS windows held together).
        need = {k: round(v, 3) for k, v in threshold_needs(p[sel], y[sel], kinds[sel], OOF_REPEATS).items()}
        out[key] = {
            "threshold": round(t, 3),
            "windows": int(sel.sum()) // OOF_REPEATS,
            "flag_rate": rates,
            "threshold_each_limit_needs": need,
            "binding": max(need, key=lambda k: need[k]),
            "mining_recall_oof": round(float((p[sel & (y == 1)] >= t).mean()), 3),
        }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    typer.run(main)
