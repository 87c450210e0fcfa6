"""What the trees saw: median signature features of found farms, flagged and not, against the top negatives.

Joins ``engine_loop.py dump`` files (the held-out rows' features) to the rows of ``headline.py --out`` on
(mode, source, year, round, series_id). A farm counts as found as in ``headline.located_by_size`` (the answer's
onset within 7 days of its first switch-on). Groups: found farms of one size, flagged and not; found farms of a
larger size; the ``--top`` highest-scoring clean and growth windows and the rest of each.

    cd benchmarks
    for m in 1 4 7 10; do ../.venv/bin/python engine_loop.py dump held_m$m.npz --start-month $m; done
    ../.venv/bin/python headline.py --rounds 3 --start-month all --out rows.csv        # rows.csv, rows_m4.csv ...
    ../.venv/bin/python found_features.py held_m1.npz held_m4.npz held_m7.npz held_m10.npz \
        --rows rows.csv --rows rows_m4.csv --rows rows_m7.csv --rows rows_m10.csv [--mode province --size 0.1]

The dumps and the rows must come from the same model and the same starts, in the same order.
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import numpy as np
import pandas as pd
from headline import found_events  # type: ignore[import-not-found]  # found means the same as in the summary

from detector.models.signature import FEATURES

KEYS = ["mode", "source", "year", "round", "series_id"]
SHOWN = (
    "t_box", "rel_size", "proportionality", "hour_flatness", "hour_low_share", "offday_ratio", "ramp", "ramp_lr",
    "pre_drop", "rho", "duration_share", "peer_loo_t", "peer_loo_size",
)  # fmt: skip


def joined(dumps: list[Path], rows: list[Path]) -> pd.DataFrame:
    """Each dump's features beside its start's headline rows (score, flagged, onset, start)."""
    if len(dumps) != len(rows):
        raise SystemExit(f"{len(dumps)} dumps but {len(rows)} --rows files: give one of each per start, in order")
    parts = []
    for dump, csv in zip(dumps, rows, strict=True):
        saved = np.load(dump, allow_pickle=False)
        meta = pd.read_json(io.StringIO(str(saved["meta"])))
        feats = pd.concat([meta, pd.DataFrame(saved["x"], columns=list(FEATURES))], axis=1)
        answers = pd.read_csv(csv)[[*KEYS, "score", "flagged", "onset", "start"]]
        both = feats.merge(answers, on=KEYS, how="left", validate="one_to_one")
        if both.score.isna().any():
            raise SystemExit(f"{dump} and {csv}: {int(both.score.isna().sum())} rows of the dump have no answer")
        parts.append(both)
    return pd.concat(parts, ignore_index=True)


def groups(df: pd.DataFrame, mode: str, size: float, top: int) -> pd.DataFrame:
    """Median features and score of each group, with its count."""
    d = df[df["mode"] == mode]
    farms = d[found_events(d) & (d.label == 1).to_numpy()]
    out = {
        f"farms {size:g}, found, flagged": farms[np.isclose(farms["size"], size) & farms.flagged],
        f"farms {size:g}, found, not flagged": farms[np.isclose(farms["size"], size) & ~farms.flagged],
        f"farms {2 * size:g}, found": farms[np.isclose(farms["size"], 2 * size)],
    }
    for scenario in ("clean", "growth"):
        g = d[(d.label == 0) & (d.scenario == scenario)].sort_values("score", ascending=False)
        out[f"{scenario}, top {top}"] = g.head(top)
        out[f"{scenario}, the rest"] = g.iloc[top:]
    table = pd.DataFrame({name: g[[*SHOWN, "score"]].median() for name, g in out.items()}).T
    table.insert(0, "n", [len(g) for g in out.values()])
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dumps", nargs="+", type=Path)
    parser.add_argument("--rows", action="append", type=Path, required=True)
    parser.add_argument("--mode", default="province", choices=("province", "alone"))
    parser.add_argument("--size", type=float, default=0.1)
    parser.add_argument("--top", type=int, default=6)
    args = parser.parse_args()
    table = groups(joined(args.dumps, args.rows), args.mode, args.size, args.top)
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(table.round(2).to_string())


if __name__ == "__main__":
    main()
