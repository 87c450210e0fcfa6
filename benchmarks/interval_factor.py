"""The widening factor of ``excess_load``'s 90 % interval, set on TRAINING real zones (never the headline's).

The box fit's standard error assumes the expected-load model is right; on real loads it is not, so the
interval is widened (``detector.scoring.WIDEN``). This script injects events with ``detector.simulate`` into
the training zones' years (``datasets.peer_set``, the provinces the default model trains on, with new seeds),
scores them alone and with peers, and prints for each mode the coverage of the intervals in use for flagged
steady mining (not the staircase, whose size grows), the widening factor that alone would make them hold 90 %
of the true sizes, and the model error (share of the estimate, in quadrature with the widened standard error)
that would.

    cd benchmarks && ../.venv/bin/python interval_factor.py [--rounds 2] [--two-years]

``--two-years`` scores two-year windows (each year and the next): the model error of inputs over 400 days.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd
from datasets import peer_set  # type: ignore[import-not-found]
from train_default import PEER_YEARS  # type: ignore[import-not-found]

import detector
from detector.scoring import MODEL_ERROR, WIDEN, Z90, interval_key

STEADY = ("step", "seasonal", "curtailed", "raided", "mining_outages")


def rows(rounds: int, model: detector.MiningModel, two_years: bool = False) -> pd.DataFrame:
    """One row per flagged steady mining series: true and estimated excess, interval half-width, mode."""
    out: list[dict[str, object]] = []
    for r in range(rounds):
        for i, (source, years) in enumerate(PEER_YEARS.items()):
            data = peer_set(
                source,
                split="train",
                seed=(4500 if two_years else 4000) + 10 * r + i,
                split_peers_only=True,
                years=years,
                two_years=two_years,
            )
            truth = data.truth.set_index("series_id")
            steady = [sid for sid in truth.index if truth.at[sid, "scenario"] in STEADY]
            if not steady:
                continue
            for mode, peers in (("alone", "none"), ("peers", data.peers)):
                sub = data.loads[data.loads.series_id.isin(steady)]
                reports = detector.score(
                    sub, unit=data.unit, tz=data.tz, country=data.country, peers=peers, model=model
                )
                for rep in reports:
                    if not rep.flagged or rep.excess_interval is None or rep.excess_load is None:
                        continue
                    low, high = rep.excess_interval
                    out.append(
                        {
                            "mode": mode,
                            "source": source,
                            "true": float(truth.at[rep.series_id, "excess"]),
                            "estimate": float(rep.excess_load),
                            "half": (high - low) / 2,
                        }
                    )
    return pd.DataFrame(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--model", default="", help="model directory (default: the bundled model)")
    parser.add_argument("--save", default="", help="also write the rows to this CSV")
    parser.add_argument("--two-years", action="store_true", help="two-year windows (each year and the next)")
    args = parser.parse_args()
    df = rows(args.rounds, detector.load_model(args.model or None), args.two_years)
    if args.save:
        df.to_csv(args.save, index=False)
    summary: dict[str, object] = {}
    for mode, g in df.groupby("mode"):
        key = interval_key(mode == "peers", 730 if args.two_years else 365)
        # The interval in use: half = Z90 * hypot(factor * se, MODEL_ERROR * estimate); recover the widened se.
        widened = np.sqrt(np.clip((g.half / Z90) ** 2 - (MODEL_ERROR[key] * g.estimate) ** 2, 0, None))
        err = (g.estimate - g.true).abs()
        factor_90 = float(np.quantile(err / (Z90 * widened / WIDEN[str(mode)]), 0.9))
        model_error_90 = float(np.quantile(np.sqrt(np.clip((err / Z90) ** 2 - widened**2, 0, None)) / g.estimate, 0.9))
        summary[str(mode)] = {
            "flagged_steady": len(g),
            "coverage_in_use": round(float((err <= g.half).mean()), 3),
            "factor_in_use": WIDEN[str(mode)],
            "factor_for_90_without_model_error": round(factor_90, 2),
            "model_error_in_use": MODEL_ERROR[key],
            "model_error_for_90": round(model_error_90, 3),
            "median_rel_error": round(float((err / g.true).median()), 3),
        }
    print(json.dumps({"z90": Z90, **summary}, indent=2))


if __name__ == "__main__":
    main()
