"""Feeder energy balance: how close the estimated onset and unbilled kW are to the truth on held-out
seeds, how often look-alikes are flagged, and how long one feeder with 50 meters-year takes.

    python benchmarks/balance.py [--n-sets 30] [--first-seed 1000] [--repeats 7]

Held-out seeds start at 1000 (the sample uses seed 11, the tests seeds below 10). Each set is one
feeder per scenario (tap, bypass, remap, missing, join, clean), 20-60 meters each, a year hourly,
Asia/Tehran, taps of 1-6 S19-class rigs (``detector.balance.simulate``); onsets in the middle 40 % of
the year, in a third run anywhere from 5 % to 95 %, and in a fourth a fifth of the meters read an hour late.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core: what the timing claims
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import statistics
import time

import numpy as np
import pandas as pd
import typer
from detection import write_result  # type: ignore[import-not-found]

import detector
from detector.balance.simulate import make_balance_set


def _accuracy(
    n_sets: int, first_seed: int, noise: float, onsets: tuple[float, float], late: float = 0.0
) -> tuple[pd.DataFrame, dict[str, object]]:
    rows = []
    for seed in range(first_seed, first_seed + n_sets):
        s = make_balance_set(
            n_meters=(20, 60),
            rigs=(1, 6),
            feeder_noise=max(noise, 0.002),
            meter_noise=noise,
            onset_range=onsets,
            late_share=late,
            seed=seed,
        )
        truth = s.truth.set_index("feeder_id")
        for r in detector.balance_feeders(s.feeders, s.meters, s.mapping, tz=s.tz):
            t = truth.loc[r.feeder_id]
            onset_h = (r.onset - t.start) / pd.Timedelta(hours=1) if r.onset is not None and t.label else np.nan
            rows.append(
                {
                    "seed": seed,
                    "feeder_id": r.feeder_id,
                    "scenario": t.scenario,
                    "label": int(t.label),
                    "meters": int(t.n_meters),
                    "verdict": r.verdict,
                    "flagged": r.flagged,
                    "onset_error_h": onset_h,
                    "true_kw": float(t.excess_kw),
                    "estimated_kw": r.unbilled_load,
                    "rel_kw_error": (r.unbilled_load - t.excess_kw) / t.excess_kw if t.label else np.nan,
                    "meter_named": bool(t.meter_id) and any(m.meter_id == t.meter_id for m in r.meter_changes),
                }
            )
    frame = pd.DataFrame(rows)
    summary: dict[str, object] = {}
    for scenario, g in frame.groupby("scenario", sort=False):
        item: dict[str, object] = {
            "feeders": len(g),
            "flagged": int(g.flagged.sum()),
            "verdicts": g.verdict.value_counts().to_dict(),
        }
        if g.label.iloc[0]:
            found = g[g.flagged]
            err = found.onset_error_h.abs()
            rel = found.rel_kw_error
            item |= {
                "recall": float(g.flagged.mean()),
                "onset_abs_error_h": {
                    "median": float(err.median()),
                    "p90": float(err.quantile(0.9)),
                    "max": float(err.max()),
                },
                "within_24h": float((err <= 24).mean()),
                "kw_rel_error": {
                    "median": float(rel.median()),
                    "median_abs": float(rel.abs().median()),
                    "p90_abs": float(rel.abs().quantile(0.9)),
                },
            }
            if scenario == "bypass":
                item["bypassed_meter_named"] = float(found.meter_named.mean())
        else:
            item["false_alarm_rate"] = float(g.flagged.mean())
        summary[str(scenario)] = item
    return frame, summary


def _speed(repeats: int, seed: int) -> dict[str, float]:
    """One feeder with 50 meters, a year hourly: the whole ``balance_feeders`` call, ingest included."""
    s = make_balance_set(("tap",), n_meters=50, rigs=3, seed=seed)
    run = lambda: detector.balance_feeders(s.feeders, s.meters, s.mapping, tz=s.tz)  # noqa: E731
    run()  # warm-up (imports, holiday tables)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return {"rows": len(s.feeders) + len(s.meters), "median_s": statistics.median(times), "min_s": min(times)}


def main(n_sets: int = 30, first_seed: int = 1000, repeats: int = 7, noise: float = 0.01) -> None:
    """Accuracy with the simulator's default metering (feeder 0.2 %, meters exact), with ``noise`` (relative
    hourly error of the feeder meter and of every billing meter), and with that noise and onsets anywhere
    from 5 % to 95 % of the year (short quiet periods), and with that noise and a fifth of the billing meters
    reading an hour late (clock skew); then the timing."""
    t0 = time.perf_counter()
    runs = {}
    frames = []
    variants = (
        ("default_metering", 0.0, (0.3, 0.7), 0.0),
        (f"metering_noise_{noise:g}", noise, (0.3, 0.7), 0.0),
        (f"metering_noise_{noise:g}_onset_5_to_95pct", noise, (0.05, 0.95), 0.0),
        (f"metering_noise_{noise:g}_20pct_meters_an_hour_late", noise, (0.3, 0.7), 0.2),
    )
    for label, level, onsets, late in variants:
        frame, summary = _accuracy(n_sets, first_seed, level, onsets, late)
        runs[label] = summary
        frames.append(frame.assign(run=label))
        for scenario, item in summary.items():
            print(label, scenario, item)
    speed = _speed(repeats, first_seed)
    payload = {
        "n_sets": n_sets,
        "seeds": [first_seed, first_seed + n_sets - 1],
        "cpus": os.cpu_count(),
        "runs": runs,
        "speed_one_feeder_50_meters_year": speed,
        "seconds": time.perf_counter() - t0,
    }
    path = write_result("balance", payload)
    pd.concat(frames, ignore_index=True).to_csv(path.with_suffix(".csv"), index=False)
    print(f"one feeder, 50 meters, a year: median {speed['median_s'] * 1000:.0f} ms; written to {path}")


if __name__ == "__main__":
    typer.run(main)
