"""The widening factor of ``excess_load``'s 90 % interval, set on TRAINING real zones (never the headline's).

The box fit's standard error assumes the expected-load model is right; on real loads it is not, so the
interval is widened (``detector.scoring.WIDEN``). This script injects events with ``detector.simulate`` into
the training zones' years (``datasets.peer_set``, the provinces the default model trains on, with new seeds),
scores them alone and with peers, and prints for each mode the coverage of the intervals in use for flagged
steady mining (not the staircase, whose size grows), the widening factor that alone would make them hold 90 %
of the true sizes, and the model error (share of the estimate, in quadrature with the widened standard error)
that would.

    cd benchmarks && ../.venv/bin/python interval_factor.py [--rounds 2] [--two-years] \
        [--injector independent [--start-month 1|4|7|10|all]] [--save rows.csv | --rows rows.csv]

``--two-years`` scores two-year windows (each year and the next): the model error of inputs over 400 days.
``--injector independent`` injects with the headline's ``injector`` (rig noise, drift, farm outages, curtailment
on the hottest days) instead, into provinces of the training zones only (``provinces(split="train")``, seeds
from 7000: no held-out zone, no headline seed; ``--held-out``: the headline's provinces and seeds, a check only),
each zone scored alone and each province in one input; its rows also carry each fit's daily noise and whether the
zone has temperature, and the summary the multiple of that noise (in load) that would hold 90 % beside the model
error in use (``noise_error_for_90``; measured and not taken at stop 34, BENCHMARKS.md) and the coverage with and
without temperature (``by_temperature``, stop 61).
"""

from __future__ import annotations

import argparse
import contextlib
import json
from collections.abc import Iterator

import numpy as np
import pandas as pd
from datasets import peer_set  # type: ignore[import-not-found]
from train_default import PEER_YEARS  # type: ignore[import-not-found]

import detector
import detector.scoring
from detector.models.signature import FEATURES
from detector.scoring import LEVEL_ERROR, MODEL_ERROR, WIDEN, Z90, interval_key

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


@contextlib.contextmanager
def _fit_noise() -> Iterator[dict[tuple[bool, float], tuple[float, float]]]:
    """(with peers, segment power) -> (the fit's daily noise as a share of the level, the level), recorded where
    the package computes each interval (the report does not carry the noise; a benchmark-only wrapper)."""
    seen: dict[tuple[bool, float], tuple[float, float]] = {}
    inner = detector.scoring._interval

    def recording(power: float, sig: detector.scoring.Signature, peers: bool) -> tuple[float | None, float | None]:
        seen[(bool(peers), float(power))] = (float(sig.features[FEATURES.index("noise")]), float(sig.level))
        return inner(power, sig, peers)

    detector.scoring._interval = recording  # type: ignore[assignment]
    try:
        yield seen
    finally:
        detector.scoring._interval = inner  # type: ignore[assignment]


def rows_independent(
    rounds: int,
    model: detector.MiningModel,
    two_years: bool = False,
    start_months: tuple[int, ...] = (1,),
    held_out: bool = False,
) -> pd.DataFrame:
    """As ``rows``, with the headline's injector on provinces of the training zones (and each fit's noise), with
    windows starting on the first of each of ``start_months`` (the same seeds at every start, as ``headline.py``).
    ``held_out``: the headline's own provinces and seeds instead, to check a setting made on the training zones."""
    from headline import score_province  # type: ignore[import-not-found]
    from provinces import provinces  # type: ignore[import-not-found]

    out: list[pd.DataFrame] = []
    days = 730 if two_years else 365
    every = (
        (month, prov)
        for month in start_months
        for prov in provinces(
            rounds=rounds,
            days=days,
            seed=5000 if held_out else 7000,
            split="held_out" if held_out else "train",
            start_month=month,
        )
    )
    for month, prov in every:
        for mode in ("alone", "province"):
            with _fit_noise() as seen:
                df, _, _ = score_province(prov, mode, model)
            noise = [seen.get((mode == "province", float(e)), (np.nan, np.nan)) for e in df.excess_load.fillna(0.0)]
            df["noise"], df["fit_level"] = [n for n, _ in noise], [lv for _, lv in noise]
            hit = df[(df.label == 1) & df.flagged & df.scenario.isin(STEADY) & df.excess_low.notna()]
            out.append(
                pd.DataFrame(
                    {
                        "mode": "alone" if mode == "alone" else "peers",
                        "source": hit.source,
                        "series_id": hit.series_id,
                        "year": hit.year,
                        "start_month": month,
                        "scenario": hit.scenario,
                        "temperature": hit.temperature,  # the zone's source carries temperature
                        "size": hit["size"],
                        "level": hit.mean_load.astype(float),  # the base's mean load (before the event)
                        "true": hit.excess.astype(float),
                        "estimate": hit.excess_load.astype(float),
                        "half": hit.excess_high - hit.excess_load,  # the low end is clipped at 0
                        "noise": hit.noise,  # the fit's daily noise, a share of ``fit_level``
                        "fit_level": hit.fit_level,  # the mean daily load the package scales level terms by
                    }
                )
            )
    return pd.concat(out, ignore_index=True)


def _narrowest_pair(se: pd.Series, estimate: pd.Series, level: pd.Series, err: pd.Series) -> dict[str, float]:
    """The (share of the estimate, share of the mean load) pair whose interval holds 90 % of ``err`` with the
    smallest median half-width over the estimate (a grid of 1 % and 0.25 % steps)."""
    best: dict[str, float] = {}
    for a in np.arange(0.0, 0.51, 0.01):
        for b in np.arange(0.0, 0.1001, 0.0025):
            half = Z90 * np.sqrt(se**2 + (a * estimate) ** 2 + (b * level) ** 2)
            if (err <= half).mean() >= 0.9:
                width = float((half / estimate).median())
                if not best or width < best["median_half_over_estimate"]:
                    best = {
                        "model_error": round(a, 2),
                        "level_error": round(b, 4),
                        "median_half_over_estimate": round(width, 3),
                    }
                break
    return best


def _noise_error(
    se: pd.Series, estimate: pd.Series, model_error: float, noise: pd.Series, err: pd.Series
) -> dict[str, float]:
    """The smallest multiple of the fit's daily noise (0.1 steps) that, beside the model error in use, holds
    90 % of ``err``; its coverage and median half-width over the estimate."""
    for c in np.arange(0.0, 5.01, 0.1):
        half = Z90 * np.sqrt(se**2 + (model_error * estimate) ** 2 + (c * noise) ** 2)
        if (err <= half).mean() >= 0.9:
            return {
                "noise_error": round(float(c), 1),
                "coverage": round(float((err <= half).mean()), 3),
                "median_half_over_estimate": round(float((half / estimate).median()), 3),
            }
    return {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--model", default="", help="model directory (default: the bundled model)")
    parser.add_argument("--save", default="", help="also write the rows to this CSV")
    parser.add_argument("--rows", default="", help="summarise rows saved by --save instead of scoring again")
    parser.add_argument(
        "--held-out",
        action="store_true",
        help="with --injector independent: the headline's held-out provinces and seeds, to CHECK a setting",
    )
    parser.add_argument("--two-years", action="store_true", help="two-year windows (each year and the next)")
    parser.add_argument("--injector", choices=("simulate", "independent"), default="simulate")
    parser.add_argument(
        "--start-month",
        default="1",
        choices=("1", "4", "7", "10", "all"),
        help="with --injector independent: the month windows start in ('all': 1, 4, 7 and 10, pooled)",
    )
    args = parser.parse_args()
    model = detector.load_model(args.model or None)
    if args.rows:
        df = pd.read_csv(args.rows)
    elif args.injector == "independent":
        from provinces import start_months  # type: ignore[import-not-found]

        df = rows_independent(args.rounds, model, args.two_years, start_months(args.start_month), args.held_out)
    else:
        df = rows(args.rounds, model, args.two_years)
    if args.save:
        df.to_csv(args.save, index=False)
    summary: dict[str, object] = {}
    for mode, g in df.groupby("mode"):
        key = interval_key(mode == "peers", 730 if args.two_years else 365)
        # The level term scales by the fit's mean daily load, as the package does (the base's mean without it).
        level = g.get("fit_level", g["level"]) if "level" in g else pd.Series(0.0, index=g.index)
        noise = g["noise"] * g["fit_level"] if "noise" in g else pd.Series(0.0, index=g.index)
        # The interval in use: half = Z90 * |(factor * se, MODEL_ERROR * estimate, LEVEL_ERROR * level)|;
        # recover the widened se.
        extra = (MODEL_ERROR[key] * g.estimate) ** 2 + (LEVEL_ERROR.get(key, 0.0) * level) ** 2
        widened = np.sqrt(np.clip((g.half / Z90) ** 2 - extra, 0, None))
        err = (g.estimate - g.true).abs()
        factor_90 = float(np.quantile(err / (Z90 * widened / WIDEN[str(mode)]), 0.9))
        model_error_90 = float(np.quantile(np.sqrt(np.clip((err / Z90) ** 2 - widened**2, 0, None)) / g.estimate, 0.9))
        summary[str(mode)] = {
            "flagged_steady": len(g),
            "coverage_in_use": round(float((err <= g.half).mean()), 3),
            "factor_in_use": WIDEN[str(mode)],
            "factor_for_90_without_model_error": round(factor_90, 2),
            "model_error_in_use": MODEL_ERROR[key],
            "level_error_in_use": LEVEL_ERROR.get(key, 0.0),
            "model_error_for_90": round(model_error_90, 3),
            "median_rel_error": round(float((err / g.true).median()), 3),
        }
        if "level" in g:
            summary[str(mode)]["narrowest_pair_for_90"] = _narrowest_pair(widened, g.estimate, level, err)
        if "noise" in g:
            summary[str(mode)]["noise_error_for_90"] = _noise_error(widened, g.estimate, MODEL_ERROR[key], noise, err)
        if "temperature" in g:  # pooled coverage can hide two contexts missing in opposite directions (stop 61)
            summary[str(mode)]["by_temperature"] = {
                ("with" if temp else "without"): {
                    "flagged_steady": len(t),
                    "coverage_in_use": round(float((err[t.index] <= t.half).mean()), 3),
                    "median_rel_error": round(float((err[t.index] / t.true).median()), 3),
                }
                for temp, t in g.groupby("temperature")
            }
    print(json.dumps({"z90": Z90, **summary}, indent=2))


if __name__ == "__main__":
    main()
