"""What an earlier year of history is worth: two-year inputs against their last year alone.

The expected-load regression is fitted over the whole input, so with two years the earlier year is the
reference the recent one is judged against: the same season, the same holidays, the same peers a year before.
This script measures that on the headline's two-year windows (held-out zones, the independent injector): each
window is scored whole and cut to its last 365 days, alone and as a province. It is judged on the events that
switch on in the last year (both inputs hold them whole) and on every negative: AP, AP on events >= 5 %,
recall at each input's own operating point (one-year for the cut, long for the whole) and false alarms.

    cd benchmarks && ../.venv/bin/python history.py [--rounds 2]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import time
from typing import Any

import pandas as pd
from headline import MODES, score_province, summarise  # type: ignore[import-not-found]
from provinces import SOURCES, provinces  # type: ignore[import-not-found]

import detector


def rows(rounds: int, sources: tuple[str, ...], model: detector.MiningModel) -> pd.DataFrame:
    """One row per (held-out zone-window, mode, input): truth and the answer."""
    frames: list[pd.DataFrame] = []
    for prov in provinces(rounds=rounds, sources=sources, days=730):
        cut = pd.Timestamp(year=prov.year + 1, month=1, day=1, tz=prov.tz).tz_convert("UTC")
        last = dataclasses.replace(prov, loads=prov.loads[pd.to_datetime(prov.loads.timestamp, utc=True) >= cut])
        for mode in MODES:
            for name, p in (("two_years", prov), ("last_year", last)):
                df, _, _ = score_province(p, mode, model)
                frames.append(df.assign(input=name, cut=cut))
    return pd.concat(frames, ignore_index=True)


KEYS = ("n", "positives", "ap", "ap_ge_5pct", "ap_by_source", "recall_by_size", "fpr_clean", "fpr_all_negatives")


def summary(df: pd.DataFrame) -> dict[str, Any]:
    """The headline's figures (``KEYS``) per mode and input, on every negative and on the last year's events."""
    out: dict[str, Any] = {}
    judged = df[(df.label == 0) | (pd.to_datetime(df.start, utc=True) >= df.cut)]
    for (mode, name), g in judged.groupby(["mode", "input"]):
        figures = summarise(g)
        out.setdefault(str(mode), {})[str(name)] = {k: figures[k] for k in KEYS}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--sources", default=",".join(SOURCES))
    parser.add_argument("--model", default="", help="model directory (default: the bundled model)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    model = detector.load_model(args.model or None)
    t0 = time.perf_counter()
    df = rows(args.rounds, tuple(args.sources.split(",")), model)
    result = {"model_version": model.version, "rounds": args.rounds, **summary(df)}
    result["seconds"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(result, indent=2, default=str))
    from detection import write_result  # type: ignore[import-not-found]

    write_result("history_730d", result)


if __name__ == "__main__":
    main()
