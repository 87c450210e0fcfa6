"""How often the answers flag mining of 5, 10 and 20 % of mean load, per context: ``scoring.sensitivity.FOUND``.

Reads the rows of ``headline.py --start-month all --out F.csv`` (each file with its ``_m4``, ``_m7`` and ``_m10``
siblings) of held-out provinces, counts per context (with peers: the province mode; alone; each with and without
temperature) and size the mining windows and those flagged, and prints them as ``FOUND`` is written. ``--check``
rows of another draw are read against them: each context and size's share flagged there, and whether it falls
inside the 90 % binomial interval of the stated share at its own count (a stated share that a fresh draw does not
bear out would mislead every unflagged answer).

    cd benchmarks
    for s in 5000 11000 12000 13000; do
        ../.venv/bin/python headline.py --rounds 3 --start-month all --seed $s --out rows$s.csv
    done
    ../.venv/bin/python recall_context.py rows5000.csv rows11000.csv rows12000.csv --check rows13000.csv

It also prints the median rise the search reads in clean windows (``excess_load`` over mean load), per mode:
the size a block must clear before its shape alone can set it apart.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from provinces import START_MONTHS, start_suffix  # type: ignore[import-not-found]
from scipy.stats import binom

from detector.scoring.sensitivity import SHARES, context_key

INTERVAL = 0.90


def read_rows(first: Path) -> pd.DataFrame:
    """``first`` and its start-month siblings (``rows_m4.csv``...), as ``headline.py --start-month all`` wrote them."""
    files = [first.with_name(f"{first.stem}{start_suffix(m)}{first.suffix}") for m in START_MONTHS]
    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise SystemExit(f"rows of every start month are needed; missing: {', '.join(missing)}")
    return pd.concat([pd.read_csv(f) for f in files], ignore_index=True)


def counts(rows: pd.DataFrame) -> dict[str, dict[float, tuple[int, int]]]:
    """(flagged, mining windows) per context and share of ``SHARES``. A province row counts with peers even where
    the answer is its alone reading (``scoring.ALONE_FLAG_WARNING``): that is how an input with peers is answered."""
    mining = rows[rows.label == 1]
    out: dict[str, dict[float, tuple[int, int]]] = {}
    for (mode, temp), g in mining.groupby(["mode", "temperature"]):
        key = context_key(mode == "province", bool(temp))
        out[key] = {
            share: (int(g.loc[np.isclose(g["size"], share), "flagged"].sum()), int(np.isclose(g["size"], share).sum()))
            for share in SHARES
            if np.isclose(g["size"], share).any()
        }
    return out


def check(stated: dict[str, dict[float, tuple[int, int]]], fresh: pd.DataFrame) -> list[dict[str, object]]:
    """Each context and size of ``stated`` read on ``fresh`` rows: its share there, and whether that count lies
    inside the ``INTERVAL`` binomial interval of the stated share at the fresh count."""
    seen = counts(fresh)
    out = []
    for key, by_share in stated.items():
        for share, (k, n) in by_share.items():
            k2, n2 = seen.get(key, {}).get(share, (0, 0))
            if n2 == 0:
                continue
            lo, hi = binom.interval(INTERVAL, n2, k / n)
            out.append(
                {
                    "context": key,
                    "share": share,
                    "stated": round(k / n, 3),
                    "fresh": round(k2 / n2, 3),
                    "fresh_windows": n2,
                    "inside": bool(lo <= k2 <= hi),
                }
            )
    return out


def clean_rise(rows: pd.DataFrame) -> dict[str, float]:
    """Median rise the search reads in clean windows, a share of mean load, per mode."""
    clean = rows[rows.scenario == "clean"]
    return {str(m): round(float((g.excess_load / g.mean_load).median()), 4) for m, g in clean.groupby("mode")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="+", type=Path, help="first file of each draw (its _m4/_m7/_m10 beside it)")
    parser.add_argument("--check", type=Path, default=None, help="the first file of a fresh draw")
    args = parser.parse_args()
    rows = pd.concat([read_rows(f) for f in args.rows], ignore_index=True)
    found = counts(rows)
    print("FOUND = {")
    for key in sorted(found):
        cells = ", ".join(f"{share}: {kn}" for share, kn in found[key].items())
        print(f'    "{key}": {{{cells}}},')
    print("}")
    print("median rise read in clean windows:", clean_rise(rows))
    if args.check:
        table = pd.DataFrame(check(found, read_rows(args.check)))
        print(table.to_string(index=False))
        print(f"inside the {INTERVAL:.0%} interval: {int(table.inside.sum())} of {len(table)}")


if __name__ == "__main__":
    main()
