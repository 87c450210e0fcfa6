"""Detection quality on HELD-OUT data: the real-base headline first, simulated fleets beside it (never pooled).

The headline (``headline.py``): held-out real zones of PJM, ERCOT and GEFCom2012, one-year province windows,
events from ``injector.py`` (written apart from ``detector.simulate``) on a fixed size grid, scored alone
and as a province. Beside it: held-out simulated regions, feeders and meters (``detector.simulate``), with the
generic baselines and other lengths.

python benchmarks/detection.py [--rounds 3] [--scale 1.0] [--baselines/--no-baselines] [--lengths/--no-lengths]
"""

from __future__ import annotations

import json
import logging
import platform
import subprocess
import time
from pathlib import Path

import numpy as np
import typer
from datasets import OTHER_LENGTHS, simulated_set  # type: ignore[import-not-found]
from headline import MODES, run  # type: ignore[import-not-found]
from headline import summarise as headline_summary

import detector
from detector.evaluation import score_sets, summarise

RESULTS = Path(__file__).resolve().parent / "results"


def write_result(name: str, payload: dict[str, object]) -> Path:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    meta = {
        "commit": commit,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "detector": detector.__version__,
    }
    path.write_text(json.dumps({**meta, **payload}, indent=2, default=str) + "\n")
    return path


def simulated(scale: float, days: int = 365) -> list[detector.LabelledSet]:
    """Held-out simulated regions, feeders and meters (seeds >= 1000, as ``datasets.sets`` splits them)."""
    n = max(10, int(60 * scale))
    return [
        simulated_set(kind, n_series=n, seed=1000 + 40 * (days != 365) + i, days=days)
        for i, kind in enumerate(("region", "feeder", "meter"))
    ]


def main(
    rounds: int = 3, scale: float = 1.0, baselines: bool = True, mstl_every: int = 4, lengths: bool = True
) -> None:
    logging.basicConfig(level=logging.ERROR)
    t0 = time.perf_counter()
    model = detector.load_model()
    rows, timing = run(rounds, 365, ("pjm", "ercot", "gefcom"), MODES, model)
    headline = {
        str(mode): {**headline_summary(g), "ms_per_series_year_median": round(float(np.median(timing[mode])), 1)}
        for mode, g in rows.groupby("mode")
    }
    data = simulated(scale)
    names = ["cusum_level_shift", "night_minimum_rule", "isolation_forest_days"] if baselines else []
    scores = score_sets(data, model, baselines=names)
    summary = {"headline_real": headline, **summarise(scores, model.threshold, names)}
    if baselines:  # MSTL costs ~1 s a series: run it on every k-th series and compare on that subset
        from sklearn.metrics import average_precision_score

        keep = set(scores.series_id.iloc[::mstl_every])
        subsets = [
            detector.LabelledSet(d.name, d.loads[d.loads.series_id.isin(keep)], d.truth, d.unit, d.tz, d.country)
            for d in data
        ]
        mstl = score_sets([d for d in subsets if len(d.loads)], model, baselines=["mstl_residual_z"])
        sub = scores[scores.series_id.isin(keep)].join(mstl.set_index("series_id")["mstl_residual_z"], on="series_id")
        summary["baselines"]["mstl_residual_z (subset)"] = {
            "average_precision": float(average_precision_score(sub.label, sub.mstl_residual_z)),
            "detector_average_precision_same_subset": float(average_precision_score(sub.label, sub.score)),
            "n": len(sub),
        }
    if lengths:  # the same model on held-out windows of two months, half a year and two years
        summary["by_length_days"] = {}
        for days in OTHER_LENGTHS:
            part = score_sets(simulated(scale / 2, days), model, baselines=[])
            summary["by_length_days"][str(days)] = summarise(part, model.threshold, [])["overall"]
    summary["seconds"] = round(time.perf_counter() - t0, 1)
    summary["model_version"] = model.version
    summary["threshold"] = model.threshold
    path = write_result("detection", {"scale": scale, **summary})
    print(json.dumps(summary, indent=2, default=str))
    print(f"written to {path}")


if __name__ == "__main__":
    typer.run(main)
