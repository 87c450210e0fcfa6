"""What sets each context's operating point: the training windows that bind the threshold.

python benchmarks/operating_point.py FEATURES.npz   (written by ``train_default.py --save-features``)

Reads the operating points exactly as ``train_default.py``'s ``fit_model`` does, from the saved matrix (minutes
for the out-of-fold fits, not the rows' hour), and prints, per context (alone / with peers), the threshold, the
out-of-fold flag rate of every look-alike kind and of clean windows at it, the threshold each limit needs
(clean, each kind of 40 windows or more, the smaller kinds together: as training applies them), the limit that
sets it, and the mining recall at it; with the saved lengths, also per length context (``alone/short``...).
Rows saved with ``x_alone`` (a per-mode model): ``alone`` and ``alone/short`` are read off the alone trees'
out-of-fold rows, the other contexts off the main trees', as ``fit_model`` splits them.

Per context it also prints what each source's rows alone would need (``threshold_by_source``: the same limits
on one source's windows) and the zone-years of the highest-scoring clean rows (``highest_clean``: each one's
count among the 20 highest and its highest score). With peers, one real flat rise (ERCOT-COAST 2023, Freeport
LNG's return) held most of them at stops 23-37 (BENCHMARKS.md).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import typer

from detector.models.signature import FEATURES
from detector.training import context_thresholds, out_of_fold, threshold_needs


def main(features: Path, folds: int = 5, seed: int = 0) -> None:
    data = np.load(features, allow_pickle=False)
    x, y, ids, kinds = data["x"], data["y"], [str(i) for i in data["ids"]], data["scenarios"].astype(str)
    days = data["days"] if "days" in data.files else None
    # As fit_model: rows marked alone_only (train_default's any-start windows) train the alone trees only.
    extra = data["alone_only"].astype(bool) if "alone_only" in data.files else np.zeros(len(y), dtype=bool)
    kept = ~extra
    # The out-of-fold rows and operating points exactly as fit_model reads them (the trees are not refit).
    main_oof = out_of_fold(
        x[kept],
        y[kept],
        [i for i, keep in zip(ids, kept, strict=True) if keep],
        scenarios=list(kinds[kept]),
        days=None if days is None else days[kept],
        folds=folds,
        random_state=seed,
    )
    owners = dict.fromkeys(context_thresholds(main_oof), (main_oof, np.array(ids)[kept]))
    if "x_alone" in data.files:
        # As fit_model: the alone trees on the rows scored alone only (n_peers 0), with splits of their own.
        own = data["x_alone"][:, FEATURES.index("n_peers")] <= 0
        alone_ids = np.array(ids)[own]
        alone_oof = out_of_fold(
            data["x_alone"][own],
            y[own],
            list(alone_ids),
            scenarios=list(kinds[own]),
            days=None if days is None else days[own],
            folds=folds,
            random_state=seed,
        )
        owners |= {
            key: (alone_oof, alone_ids) for key in context_thresholds(alone_oof) if key in ("alone", "alone/short")
        }
    out = {}
    for key, (oof, row_ids) in owners.items():
        stacked = np.tile(row_ids, oof.repeats)
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
            "threshold_by_source": _by_source(p, y, kinds, sel, stacked, oof.repeats),
            "highest_clean": _highest_clean(p, sel & (y == 0) & (kinds == "clean"), stacked),
        }
    print(json.dumps(out, indent=2))


def _source(row_id: str) -> str:
    """The source of a training row: its set's name up to the first "-" ("ercot-train-peers/..." -> "ercot")."""
    return row_id.split("/", 1)[0].split("-", 1)[0]


def _by_source(
    p: np.ndarray, y: np.ndarray, kinds: np.ndarray, sel: np.ndarray, ids: np.ndarray, repeats: int
) -> dict[str, float]:
    """The threshold each source's rows of the context would need on their own (the highest of its limits)."""
    sources = np.array([_source(i) for i in ids])
    out = {}
    for source in sorted(set(sources[sel])):
        mine = sel & (sources == source)
        need = threshold_needs(p[mine], y[mine], kinds[mine], repeats)
        if need:
            out[source] = round(max(need.values()), 3)
    return out


def _highest_clean(p: np.ndarray, clean: np.ndarray, ids: np.ndarray, top: int = 20) -> dict[str, dict[str, float]]:
    """The zone-years ("ERCOT-COAST/2023") of the ``top`` highest-scoring clean rows: count and highest score."""
    rows = np.flatnonzero(clean)
    rows = rows[np.argsort(-p[rows], kind="stable")][:top]
    names = ["/".join(str(ids[i]).split("/")[1:3]) for i in rows]
    best: dict[str, float] = {}
    for name, i in zip(names, rows, strict=True):
        best[name] = max(best.get(name, 0.0), round(float(p[i]), 3))
    return {name: {"rows": n, "highest": best[name]} for name, n in Counter(names).most_common()}


if __name__ == "__main__":
    typer.run(main)
