"""Detection quality on HELD-OUT labelled sets (real loads with injected events + simulated fleets).

python benchmarks/detection.py [--scale 1.0] [--baselines/--no-baselines] [--lengths/--no-lengths]
"""

from __future__ import annotations

import json
import logging
import platform
import subprocess
import time
from pathlib import Path

import typer
from datasets import OTHER_LENGTHS, length_sets, sets  # type: ignore[import-not-found]

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


def main(scale: float = 1.0, baselines: bool = True, mstl_every: int = 4, lengths: bool = True) -> None:
    logging.basicConfig(level=logging.WARNING)
    t0 = time.perf_counter()
    model = detector.load_model()
    data = sets("held_out", scale=scale)
    names = ["cusum_level_shift", "night_minimum_rule", "isolation_forest_days"] if baselines else []
    scores = score_sets(data, model, baselines=names)
    summary = summarise(scores, model.threshold, names)
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
            part = score_sets(length_sets("held_out", scale=scale, lengths=(days,)), model, baselines=[])
            summary["by_length_days"][str(days)] = summarise(part, model.threshold, [])["overall"]
    summary["seconds"] = round(time.perf_counter() - t0, 1)
    summary["model_version"] = model.version
    summary["threshold"] = model.threshold
    path = write_result("detection", {"scale": scale, **summary})
    print(json.dumps(summary, indent=2, default=str))
    print(f"written to {path}")


if __name__ == "__main__":
    typer.run(main)
