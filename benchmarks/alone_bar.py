"""Where should the alone reading of a province answer flag? The union's bar, swept on the headline's rows.

A series scored with peers is also read alone where the peers do not flag it, and flagged where that alone reading
meets the alone operating point (``scoring.ALONE_FLAG_WARNING``; 0.851 for a year). That bar is the alone trees'
own, set out of fold on windows scored alone; it was never set for the union (flag if either reading does). This
script asks what any other bar would give on the same rows: for each bar, the clean windows and each look-alike
kind flagged and the recall of 5 / 10 / 20 % events, where a series with peers is flagged if its reading with peers
flags it or its alone reading scores at or above the bar (series without peers keep their answer).

    cd benchmarks && ../.venv/bin/python headline.py --rounds 3 --start-month all --seed 5000 --out ROWS.csv
    ../.venv/bin/python alone_bar.py ROWS.csv ROWS_m4.csv ROWS_m7.csv ROWS_m10.csv

The rows need both modes (``headline.py``'s default): the alone row of a series is its alone reading, the answer
the province reading gives where it is read alone (``tests/engine/test_alone_flag.py``). A province answer read
alone names no peers (``peers`` 0): it is flagged, its score is the alone row's, and its reading with peers did not
flag. An unflagged answer that names no peers is a series that had none (it keeps its answer at every bar). Read on
held-out zones this is a diagnosis, not a way to set the bar: a bar picked there is tuned on the windows the
headline grades.
"""

from __future__ import annotations

import argparse
import json

import joined_budget  # type: ignore[import-not-found]
import numpy as np
import pandas as pd

import detector

BARS = (1.01, 0.98, 0.95, 0.9, 0.8, 0.75, 0.7, 0.65, 0.6, 0.5)  # 1.01: no join; and the model's own (``main``)
SIZES = (0.05, 0.1, 0.2)


def paired(paths: list[str]) -> pd.DataFrame:
    """Province rows of every file with their series' alone score (``score_alone``) and whether the reading with
    peers flagged them (``flag_peers``)."""
    df = joined_budget.paired(paths, "score", "score_alone")
    missing = int(df.score_alone.isna().sum())
    if missing:
        raise SystemExit(f"{missing} province rows have no alone row: run headline.py with both modes")
    read_alone = df.flagged & (df.peers == 0)
    odd = read_alone & (df.score != df.score_alone)
    if odd.any():
        raise SystemExit(f"{int(odd.sum())} answers read alone score apart from their alone rows: not one engine's")
    return df.assign(
        read_alone=read_alone,
        flag_peers=df.flagged & (df.peers > 0),
        has_peers=(df.peers > 0) | read_alone,
    )


def union_flags(df: pd.DataFrame, bar: float) -> pd.Series:
    """Flagged at ``bar``: the reading with peers flags, or (a series with peers) its alone reading reaches ``bar``.
    A series without peers keeps its answer."""
    return df.flag_peers | (df.has_peers & (df.score_alone >= bar)) | (~df.has_peers & df.flagged)


def sweep(df: pd.DataFrame, bars: tuple[float, ...] = BARS) -> dict[str, dict[str, float | int]]:
    """Per bar: flagged counts of clean windows and each look-alike kind, recall by size, alone flags gained."""
    negatives = sorted(df.loc[df.label == 0, "scenario"].unique())
    out: dict[str, dict[str, float | int]] = {}
    for bar in bars:
        flag = union_flags(df, bar)
        row: dict[str, float | int] = {f"{kind}_flagged": int(flag[df.scenario == kind].sum()) for kind in negatives}
        for size in SIZES:
            row[f"recall_{size:g}"] = round(float(flag[(df.label == 1) & np.isclose(df["size"], size)].mean()), 3)
        row["read_alone"] = int((flag & ~df.flag_peers & df.has_peers).sum())
        out[f"{bar:.6g}"] = row
    return out


def main(paths: list[str], leave_out: list[str]) -> None:
    df = paired(paths)
    df = df[~df.series_id.isin(leave_out)]
    negatives = df[df.label == 0].scenario.value_counts().sort_index()
    print("windows:", ", ".join(f"{k} {v}" for k, v in negatives.items()), f"mining {int((df.label == 1).sum())}")
    print(f"answers read alone in the rows: {int(df.read_alone.sum())}")
    model = detector.load_model()
    own = model.alone.metadata["thresholds"]["alone"] if model.alone is not None else model.threshold
    print(f"model {model.version}: alone operating point of a year {own:.6f}")
    table = sweep(df, tuple(sorted({*BARS, own}, reverse=True)))
    print(json.dumps(table, indent=1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="+", help="headline.py's row files (both modes), one per start month")
    parser.add_argument(
        "--leave-out",
        nargs="*",
        default=[],
        help="series left out, e.g. ERCOT-FWEST on the training split (training leaves it out as a target)",
    )
    args = parser.parse_args()
    main(args.rows, args.leave_out)
