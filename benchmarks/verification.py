"""Claim verification on real loads: interval coverage and width, verdicts on true, inflated and fake claims.

A fleet (a flat step of 2-30 % of mean load, log-uniform) is injected into windows of the real series of
``../shared/data``; the claimed start is the true one. Each window is verified alone and with the other
series of its source as peers. ``--split train`` also prints the interval factor that makes the 90 %
interval hold 90 % of the fleets (what ``detector.claims.INTERVAL_FACTOR`` holds); held-out series and
seeds give the figures in BENCHMARKS.md.

    cd benchmarks && ../.venv/bin/python verification.py --split held-out --days 365
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
from data_home import data_file  # type: ignore[import-not-found]
from datasets import SOURCES
from scipy.stats import norm

import detector
from detector import simulate
from detector.claims import INTERVAL_FACTOR, Claim, verify
from detector.features.calendar import CalendarSpec

RESULTS = Path(__file__).resolve().parent / "results"
SIZES = (0.02, 0.3)


def _series(frame: pd.DataFrame, unit: str, tz: str) -> list[detector.LoadSeries]:
    return detector.load(frame, unit=unit, tz=tz)


def cases(split: str, days: int, per_series: int, seed: int) -> list[dict[str, object]]:
    """One row per (window, mode, claim): the verdict and the estimate against the truth."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, object]] = []
    for source, src in SOURCES.items():
        targets = src.train if split == "train" else src.held_out
        if not targets:
            continue
        raw = pd.read_parquet(data_file(src.file))
        wide = raw.pivot_table(index="timestamp", columns="series_id", values="load").resample("h").mean()
        temps = None
        if "temperature" in raw:
            temps = raw.pivot_table(index="timestamp", columns="series_id", values="temperature").resample("h").mean()
        spec = CalendarSpec(tz=src.tz, country=src.country)
        for sid in targets:
            for k in range(per_series):
                if len(wide) < days * 24:
                    break
                first = int(rng.integers(0, len(wide) - days * 24 + 1))
                w = wide.iloc[first : first + days * 24].interpolate(limit=3)
                if w[sid].isna().mean() > 0.2:
                    continue
                base = w[sid].to_numpy(float)
                temp = None
                if temps is not None and sid in temps:
                    temp = temps[sid].iloc[first : first + days * 24].interpolate(limit=3).to_numpy(float)
                size = float(np.exp(rng.uniform(*np.log(SIZES))))
                inj = simulate.inject(base, w.index, "step", size=size, rng=rng, spec=spec, temperature=temp)
                target = pd.DataFrame({"series_id": sid, "timestamp": w.index, "load": inj.load})
                if temp is not None:
                    target["temperature"] = temp
                clean = target.assign(load=base)
                peers = pd.concat(
                    [
                        pd.DataFrame({"series_id": p, "timestamp": w.index, "load": w[p].to_numpy(float)})
                        for p in w.columns
                        if p != sid and w[p].notna().mean() > 0.8
                    ]
                    or [pd.DataFrame(columns=["series_id", "timestamp", "load"])]
                )
                peer_series = _series(peers, src.unit, "UTC") if len(peers) else []
                mining, honest = _series(target, src.unit, "UTC")[0], _series(clean, src.unit, "UTC")[0]
                truth = float(inj.event.excess)
                mean = float(np.nanmean(base))
                start = w.index[inj.event.start]
                kw = detector.ingest.units.convert_power(truth, src.unit, "kW")
                claims = {"true": (mining, kw), "inflated x3": (mining, 3 * kw), "fake": (honest, kw)}
                for mode, ps in (("alone", []), ("peers", peer_series)):
                    if mode == "peers" and not ps:
                        continue
                    for name, (series, claim_kw) in claims.items():
                        t0 = time.perf_counter()
                        v = verify(series, Claim(start=start, power_kw=claim_kw), country=src.country, peers=ps)
                        seconds = time.perf_counter() - t0
                        obs = v.observed
                        actual = truth if name != "fake" else 0.0
                        rows.append(
                            {
                                "source": source,
                                "series": sid,
                                "window": k,
                                "mode": mode,
                                "claim": name,
                                "verdict": v.verdict,
                                "finding": v.finding,
                                "relative_size": truth / mean,
                                "covered": bool(obs is not None and obs.low <= actual <= obs.high),
                                "half_width_pct": 100 * (obs.high - obs.low) / 2 / mean if obs else np.nan,
                                "norm_error": abs(obs.value - actual) / obs.se if obs else np.nan,
                                "abs_error_pct": 100 * abs(obs.value - actual) / mean if obs else np.nan,
                                "seconds": seconds,
                                "method": v.method,
                            }
                        )
    return rows


def summarise(df: pd.DataFrame, confidence: float = 0.9) -> dict[str, object]:
    """Coverage and width of the intervals (true claims), verdict shares per claim kind, per mode."""
    out: dict[str, object] = {}
    zq = float(norm.ppf(0.5 + confidence / 2))
    for mode, g in df.groupby("mode"):
        true = g[g.claim == "true"]
        verdicts = {
            claim: {k: round(float(v), 3) for k, v in part.verdict.value_counts(normalize=True).items()}
            for claim, part in g.groupby("claim")
        }
        out[str(mode)] = {
            "windows": len(true),
            "coverage": round(float(true.covered.mean()), 3),
            "median_half_width_pct_of_mean": round(float(true.half_width_pct.median()), 2),
            "half_width_by_source": {
                s: round(float(v), 2) for s, v in true.groupby("source").half_width_pct.median().items()
            },
            "median_abs_error_pct_of_mean": round(float(true.abs_error_pct.median()), 2),
            "factor_for_nominal": round(float(true.norm_error.quantile(confidence)) / zq, 2),
            "factor_in_use": {m: INTERVAL_FACTOR[m] for m in sorted(set(g.method)) if m},
            "verdicts": verdicts,
            "median_ms": round(1000 * float(g.seconds.median()), 1),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("train", "held-out"), default="held-out")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--per-series", type=int, default=4)
    args = parser.parse_args()
    seed = (7 if args.split == "train" else 1007) + args.days
    df = pd.DataFrame(cases(args.split, args.days, args.per_series, seed))
    summary = {"split": args.split, "days": args.days, **summarise(df)}
    print(json.dumps(summary, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"verification_{args.split}_{args.days}d.json").write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
