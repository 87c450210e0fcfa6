"""Growth against a farm of the same size on real zones with peers: how each is scored and what the answer says.

PJM's seven zones in 2017 (``sample_data/real_pjm_regions_2016_2017.parquet``), one zone at a time grown by 15 % of
its load over 8, 12 or 16 weeks (the whole profile scaled, as ``injector.py``'s growth), or given a flat block of
15 % of its mean load switched on at once; each province posted as one input (peers auto). Prints, per case, the
score, the flag, the onset and whether the answer tells a build-up before the rise (``Signature.build_up``,
``evidence.BUILD_UP_TOLD``). A diagnostic of stop 61, not a headline: three zones, two starts, one size.

    cd benchmarks && ../.venv/bin/python growth_cases.py [--zones PJM-DUQ,PJM-DEOK,PJM-EKPC]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

import detector

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "real_pjm_regions_2016_2017.parquet"
BUILD_UP = "load had already risen by"
CASES = (("growth", 8), ("growth", 12), ("growth", 16), ("block", 0))
STARTS = ("2017-03-01", "2017-05-01")
SIZE = 0.15


def sample_2017() -> pd.DataFrame:
    """PJM's seven zones in 2017 from the sample data (series_id, timestamp, load in MW as float64)."""
    frame = pd.read_parquet(SAMPLE)[["series_id", "timestamp", "load"]]
    return frame[frame.timestamp >= "2017-01-01"].astype({"load": "float64"})


def report(frame: pd.DataFrame, zone: str, kind: str, weeks: int, start: str) -> detector.ScoreReport:
    """``zone``'s answer with its load grown by ``SIZE`` over ``weeks`` from ``start`` (``kind`` "growth"), or a
    flat block of ``SIZE`` of its mean switched on then (any other ``kind``), scored with the other zones as peers."""
    out = frame.copy()
    mine = out.series_id == zone
    hours = ((out.timestamp - pd.Timestamp(start, tz="UTC")).dt.total_seconds() / 3600).to_numpy()
    if kind == "growth":
        out.loc[mine, "load"] *= 1 + SIZE * np.clip(hours[mine] / (weeks * 7 * 24), 0, 1)
    else:
        out.loc[mine & (hours >= 0), "load"] += SIZE * frame.loc[mine, "load"].mean()
    reports = detector.score(out, unit="MW", tz="America/New_York", country="US")
    return next(r for r in reports if r.series_id == zone)


def case(frame: pd.DataFrame, zone: str, kind: str, weeks: int, start: str) -> dict[str, object]:
    """One row of the table: ``report``'s score, flag, onset and whether it tells a build-up."""
    answer = report(frame, zone, kind, weeks, start)
    return {
        "zone": zone,
        "kind": kind,
        "weeks": weeks,
        "start": start,
        "score": round(answer.score, 3),
        "flagged": answer.flagged,
        "onset": None if answer.onset is None else str(answer.onset.date()),
        "build_up_told": any(s.startswith(BUILD_UP) for s in answer.evidence),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--zones", default="PJM-DUQ,PJM-DEOK,PJM-EKPC")
    args = parser.parse_args()
    frame = sample_2017()
    rows = [
        case(frame, zone, kind, weeks, start)
        for zone in args.zones.split(",")
        for start in STARTS
        for kind, weeks in CASES
    ]
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    summary = table.groupby("kind").agg(
        cases=("score", "size"), flagged=("flagged", "sum"), told=("build_up_told", "sum")
    )
    print(json.dumps(summary.astype(int).to_dict(orient="index")))


if __name__ == "__main__":
    main()
