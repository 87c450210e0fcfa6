"""Should a false-alarm budget also read a province answer alone? Measured on the headline's rows.

A province answer's ``false_alarm_rate`` is that of one reading: with peers, or alone where the alone reading
flagged what the peers did not (``scoring.ALONE_FLAG_WARNING``). ``--max-false-alarm B`` keeps the reading with
peers. This script compares, at budgets of 1, 2, 5 and 10 %, the clean windows and growth look-alikes kept and the
recall of 5 / 10 / 20 % events for three rates of each province answer: the answer's own; the lower of the two
readings' rates (both read for every series, unadjusted); and twice that lower rate (Bonferroni: a valid rate for
"flag if either reading is within the budget").

    cd benchmarks && ../.venv/bin/python headline.py --rounds 3 --start-month all --seed 5000 --out ROWS.csv
    ../.venv/bin/python joined_budget.py ROWS.csv ROWS_m4.csv ROWS_m7.csv ROWS_m10.csv

The rows need both modes (``headline.py``'s default): the alone row of a series is its alone reading (the same
answer as the province's reading alone: ``tests/engine/test_alone_flag.py``).
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from detector.evaluation import FALSE_ALARM_BUDGETS, within_budget

KEY = ["series_id", "year", "round"]


def paired(paths: list[str], column: str = "false_alarm_rate", name: str = "rate_alone") -> pd.DataFrame:
    """Province rows of every file, each with its series' alone row's ``column`` as ``name`` (NaN without one)."""
    parts = []
    for path in paths:
        rows = pd.read_csv(path)
        alone = rows[rows["mode"] == "alone"].set_index(KEY)[column].rename(name)
        parts.append(rows[rows["mode"] == "province"].join(alone, on=KEY))
    return pd.concat(parts, ignore_index=True)


def kept(df: pd.DataFrame, rate: pd.Series) -> dict[str, dict[str, float]]:
    """Per budget: clean windows and growth look-alikes kept, recall of 5 / 10 / 20 % events."""
    clean = (df.label == 0) & (df.scenario == "clean")
    growth = df.scenario == "growth"
    out = {}
    for budget in FALSE_ALARM_BUDGETS:
        k = within_budget(rate, budget)
        row = {"clean": float(k[clean].mean()), "growth": float(k[growth].mean())}
        row |= {f"recall_{s:g}": float(k[(df.label == 1) & (df["size"] == s)].mean()) for s in (0.05, 0.1, 0.2)}
        out[f"{budget:g}"] = {name: round(v, 3) for name, v in row.items()}
    return out


def main(paths: list[str]) -> None:
    df = paired(paths)
    missing = int(df.rate_alone.isna().sum())
    if missing:
        raise SystemExit(f"{missing} province rows have no alone row: run headline.py with both modes")
    lower = np.minimum(df.false_alarm_rate, df.rate_alone)
    rates = {
        "answer": df.false_alarm_rate,
        "lower_of_both": lower,
        "bonferroni": np.minimum(1.0, 2.0 * lower),
    }
    print(f"{len(df)} province rows")
    for name, rate in rates.items():
        print(name)
        for budget, row in kept(df, pd.Series(rate, index=df.index)).items():
            print(f"  {budget:>5}: {row}")


if __name__ == "__main__":
    main(sys.argv[1:])
