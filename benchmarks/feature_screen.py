"""Screen the signature's features on TRAINING zones, before a retrain: how well each one tells a mining shape
from a look-alike, on paired cases.

    cd benchmarks
    ../.venv/bin/python feature_screen.py [--sources pjm,ercot] [--mining step,staircase] [--lookalikes growth]
    PYTHONPATH=<worktree> ../.venv/bin/python feature_screen.py ...    # a candidate feature, before retraining

A retrain takes about 25 minutes and the headline decides; this takes about a minute for PJM and ERCOT and says
whether a candidate is worth one. The cases are ``provinces.shape_cases(split="train")``: every TRAINING zone-year
of the sources, at each size of the grid from ``--min-size``, with each shape (mining and look-alike) injected in
turn by the headline's injector from the same onset, scored with the other training zones as peers (events of
their own) or alone. Held-out zones are never read, not even as peers, so screening leaves the headline unseen.

Printed per mode, mining shape, look-alike and size: each feature's ROC AUC for "the mining shape scores
higher" (0.5: no use; under 0.5: the look-alike scores higher, which the trees can use as well), the features
sorted by how far they are from 0.5. ``--out`` keeps the rows (one per case, shape and mode: every feature, the
true onset's day and the truth) for reading further.

Stop 42's first read of this kind (a throwaway script on the same training cases drawn with seed 7000) said that
a staircase's first batches are found before growth as often as before a staircase, and that the span of the
rise (weeks against months: ``ramp_span`` on branch ``exp-span``) told 20 % staircases from growth with peers at
AUC 0.73 (``ramp_lr`` 0.53). On this script's draw it is 0.61 (printed as 0.39: "staircase higher"; ``ramp_lr``
0.48, printed 0.52), and retrained, it did not move the headline (BENCHMARKS.md): read a second draw before a retrain.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer
from injector import LOOKALIKES, MINING  # type: ignore[import-not-found]
from provinces import SOURCES, WholeUnits, shape_cases  # type: ignore[import-not-found]
from sklearn.metrics import roc_auc_score

import detector
from detector.models.signature import FEATURES

SEED = 7500  # not the held-out cases' 7000
CONSTANT = ("has_temp", "n_peers")  # set by the input, not by the shift


def screen_rows(
    sources: tuple[str, ...],
    shapes: tuple[str, ...],
    modes: tuple[str, ...],
    min_size: float,
    start_month: int = 1,
    whole_units: bool = True,
) -> pd.DataFrame:
    """One row per training case, shape and mode: the signature's features, the true onset's day and the truth."""
    rows = []
    cases = shape_cases(
        sources, seed=SEED, start_month=start_month, shapes=shapes, split="train", whole_units=whole_units
    )
    for case in cases:
        for shape, (frame, truth) in case.targets.items():
            if truth["size"] < min_size:
                continue
            first = frame.timestamp.iloc[0]
            for mode in modes:
                peers = case.peers if mode == "province" else "none"
                ((_, feats),) = detector.iter_signatures(frame, unit=case.unit, tz=case.tz, country="US", peers=peers)
                if isinstance(feats, Exception):
                    raise feats
                start = truth["start"]
                rows.append(
                    {
                        "mode": mode,
                        "source": case.source,
                        "series_id": truth["series_id"],
                        "year": case.year,
                        "scenario": shape,
                        "size": truth["size"],
                        "true_start_day": None if start is None else (start - first).total_seconds() / 86400,
                        **dict(zip(FEATURES, np.asarray(feats, dtype=float), strict=True)),
                    }
                )
    return pd.DataFrame(rows)


def auc_table(rows: pd.DataFrame, mining: tuple[str, ...], lookalikes: tuple[str, ...]) -> pd.DataFrame:
    """ROC AUC of each feature for each mode, mining shape, look-alike and size ("mining scores higher")."""
    out = []
    features = [f for f in FEATURES if f not in CONSTANT and f in rows]
    for (mode, size), g in rows.groupby(["mode", "size"]):
        for m in mining:
            for lk in lookalikes:
                pair = g[g.scenario.isin((m, lk))]
                y = (pair.scenario == m).to_numpy()
                if y.all() or not y.any():
                    continue
                for f in features:
                    auc = roc_auc_score(y, pair[f]) if pair[f].nunique() > 1 else 0.5
                    out.append({"mode": mode, "mining": m, "lookalike": lk, "size": size, "feature": f, "auc": auc})
    return pd.DataFrame(out)


def main(
    sources: Annotated[str, typer.Option(help="comma-separated: pjm, ercot, gefcom")] = "pjm,ercot",
    mining: Annotated[str, typer.Option(help="mining shapes (injector.MINING)")] = "step,staircase",
    lookalikes: Annotated[str, typer.Option(help="look-alikes (injector.LOOKALIKES)")] = "growth",
    modes: str = "province,alone",
    min_size: float = 0.05,
    start_month: int = 1,
    top: int = 8,
    out: Annotated[Path | None, typer.Option(help="write the rows here (CSV)")] = None,
    whole_units: WholeUnits = True,
) -> None:
    logging.basicConfig(level=logging.ERROR)
    t0 = time.perf_counter()
    asked = tuple(sources.split(","))
    unknown = [s for s in asked if s not in SOURCES]
    if unknown:
        raise typer.BadParameter(f"unknown source {unknown[0]!r}; known: {', '.join(SOURCES)}", param_hint="--sources")
    mine, looks = tuple(mining.split(",")), tuple(lookalikes.split(","))
    ways = tuple(modes.split(","))
    for given, known, hint in (
        (mine, MINING, "--mining"),
        (looks, LOOKALIKES, "--lookalikes"),
        (ways, ("province", "alone"), "--modes"),
    ):
        wrong = [g for g in given if g not in known]
        if wrong:
            what = "mode" if hint == "--modes" else "shape"
            raise typer.BadParameter(f"unknown {what} {wrong[0]!r}; known: {', '.join(known)}", param_hint=hint)
    rows = screen_rows(asked, mine + looks, ways, min_size, start_month, whole_units)
    if rows.empty:
        message = f"no case of {min_size:.0%} of mean load or more in {sources}"
        raise typer.BadParameter(message, param_hint="--min-size")
    if out is not None:
        rows.to_csv(out, index=False)
    table = auc_table(rows, mine, looks)
    for (mode, m, lk, size), g in table.groupby(["mode", "mining", "lookalike", "size"], sort=True):
        best = g.assign(apart=(g.auc - 0.5).abs()).nlargest(top, "apart")
        n = int(((rows["mode"] == mode) & (rows["size"] == size) & rows.scenario.isin((m, lk))).sum())
        cells = "  ".join(f"{r.feature} {r.auc:.2f}" for r in best.itertuples())
        print(f"{mode:8s} {m} vs {lk} at {size:.0%} ({n} cases): {cells}")
    print(f"{len(rows)} signatures in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    typer.run(main)
