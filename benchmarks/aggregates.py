"""An input that holds a total beside its parts: the headline's provinces, with and without their sum.

Utilities post a region's total with its zones, a substation with its feeders (``ercot_weather_zones.parquet``
holds ERCOT-TOTAL beside the eight weather zones). A total is the best-correlated peer of every part, and it
carries the part's own farm: read through it, the farm is in the part's expected load.

For every province of the headline (``provinces.provinces``: held-out zones, the headline's injector and
seeds), the province mode of the headline twice: as it is ("zones"), and with one more series, the sum of every
zone's load after injection, named ``<source>-total`` ("with_total"; its temperature, where the zones have one,
is theirs averaged). Counted: the held-out zones, as in the headline; the total itself is not counted.

    cd benchmarks && ../.venv/bin/python aggregates.py [--rounds 3] [--start-month all] [--name SUFFIX]

Writes ``results/aggregates{SUFFIX}.json``: per variant, over the windows of every start month asked for, the
headline's figures (``headline.summarise``) and how many counted zones had the total among their peers.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import time
from typing import Any

import pandas as pd
from detection import write_result  # type: ignore[import-not-found]
from headline import score_province, summarise  # type: ignore[import-not-found]
from provinces import SOURCES, Province, provinces, start_months  # type: ignore[import-not-found]

import detector

VARIANTS = ("zones", "with_total")
KEPT = (
    "n",
    "positives",
    "ap",
    "ap_ge_5pct",
    "ap_by_source",
    "recall_by_size",
    "fpr_clean",
    "flag_rate_by_lookalike",
    "median_onset_error_h",
    "median_excess_rel_error",
    "interval_coverage_90",
)


def total_name(prov: Province) -> str:
    return f"{prov.source}-total"


def with_total(prov: Province) -> Province:
    """``prov`` with one more series: the sum of its zones' loads, hour by hour (zone-average temperature)."""
    loads = prov.loads
    agg: dict[str, Any] = {"load": ("load", "sum")}
    if "temperature" in loads:
        agg["temperature"] = ("temperature", "mean")
    total = loads.groupby("timestamp", as_index=False).agg(**agg).assign(series_id=total_name(prov))
    return dataclasses.replace(prov, loads=pd.concat([loads, total[loads.columns]], ignore_index=True))


def run(rounds: int, months: tuple[int, ...], model: detector.MiningModel) -> pd.DataFrame:
    frames = []
    for month in months:
        for prov in provinces(rounds=rounds, start_month=month):
            for variant in VARIANTS:
                posted = prov if variant == "zones" else with_total(prov)
                rows, _, _ = score_province(posted, "province", model)
                peer_ids = rows.peer_ids.str.split(" ")
                frames.append(
                    rows.assign(
                        variant=variant,
                        start_month=month,
                        total_a_peer=[total_name(prov) in ids for ids in peer_ids],
                    )
                )
    return pd.concat(frames, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--start-month", default="all", help="1, 4, 7, 10 or all (the four pooled)")
    parser.add_argument("--name", default="", help="results file suffix")
    parser.add_argument("--out", default="", help="CSV of every row (both variants)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    model = detector.load_model()
    t0 = time.perf_counter()
    df = run(args.rounds, start_months(args.start_month), model)
    if args.out:
        df.to_csv(args.out, index=False)
    result: dict[str, Any] = {
        "model_version": model.version,
        "rounds": args.rounds,
        "start_months": list(start_months(args.start_month)),
        "sources": list(SOURCES),
    }
    for variant, g in df.groupby("variant", sort=False):
        summary = summarise(g)
        result[str(variant)] = {
            **{k: summary[k] for k in KEPT if k in summary},
            "ap_interval_90": summary["intervals_90"]["ap"],
            "zones_with_the_total_a_peer": int(g.total_a_peer.sum()),
            "top_false_positives": summary["top_false_positives"][:4],
        }
    result["seconds"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(result, indent=2, default=str))
    print(f"written to {write_result(f'aggregates{args.name}', result)}")


if __name__ == "__main__":
    main()
