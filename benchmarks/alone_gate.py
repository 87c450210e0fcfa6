"""Where the alone reading of an answer with peers can stop: the first box's t of the series it flags.

A series scored with peers that the reading with peers does not flag is also read alone (``scoring``'s
``ALONE_FLAG_WARNING``); that reading stops at its search's first box where the box's t is under
``scoring.ALONE_READING_MIN_T``. This script reads, for every counted series of the headline's provinces that was
scored with peers and not flagged by them, the first box's t of its alone day-shape search and its answer posted
alone, and reports the lowest t of those the alone reading flags and, for a grid of gates, how many alone
readings a gate ends and how many flags it would lose. Set the gate on ``--split train`` (the TRAINING zones);
read the held-out split as a check. Also the first box's t of the series' search with the smooth season (the one
that picks its peers, run before any reading: ``peer_search_t``), and the same grid for a gate on it, which would
end a reading before its own search (BENCHMARKS.md, stop 64: measured, not built).

    cd benchmarks && ../.venv/bin/python alone_gate.py --split train --seed 7000 [--days 365] [--start-month all]
"""

from __future__ import annotations

import argparse
import json
import logging
from typing import Any

import numpy as np
import pandas as pd
from provinces import SOURCES, provinces, start_months  # type: ignore[import-not-found]

import detector
from detector.features.calendar import CalendarSpec, grid_calendar
from detector.models.signature import search
from detector.scoring import ALONE_READING_MIN_T

GATES = (4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 12.0)
ALONE_READ = "flagged on its own load"  # how ``scoring.ALONE_FLAG_WARNING`` begins


def first_box_ts(frame: pd.DataFrame, unit: str, tz: str, country: str) -> tuple[float, float]:
    """The t of the first box of one series' alone day-shape search (what the gate reads), and of its search
    with the smooth season (the one that picks its peers, run before any reading)."""
    (series,) = detector.load(frame, unit=unit, tz=tz)
    cal = grid_calendar(series.start, len(series.load), CalendarSpec(tz=series.tz, country=country))
    shaped = search(series.load, cal, series.temperature, further=False, day_shape=True)
    season = search(series.load, cal, series.temperature, further=False, view=shaped.view)
    return float(shaped.box.t), float(season.box.t)


def rows(split: str, seed: int, days: int, month: int, model: detector.MiningModel) -> list[dict[str, Any]]:
    """One row per counted series whose reading with peers did not flag it."""
    out = []
    for prov in provinces(rounds=3, sources=tuple(SOURCES), days=days, seed=seed, start_month=month, split=split):
        options = {"unit": prov.unit, "tz": prov.tz, "country": "US", "model": model}
        answers = {r.series_id: r for r in detector.score(prov.loads, peers="auto", **options)}
        for t in prov.truth.itertuples(index=False):
            r = answers[t.series_id]
            read_alone = any(w.startswith(ALONE_READ) for w in r.warnings)
            if not (r.quality.get("peers") or read_alone) or (r.flagged and not read_alone):
                continue  # scored without peers, or flagged by them: no alone reading
            frame = prov.loads[prov.loads.series_id == t.series_id]
            alone = detector.score(frame, peers="none", **options)[0]
            shaped_t, season_t = first_box_ts(frame, prov.unit, prov.tz, "US")
            out.append(
                {
                    "start_month": month,
                    "source": prov.source,
                    "series_id": t.series_id,
                    "year": prov.year,
                    "round": prov.round,
                    "scenario": t.scenario,
                    "label": t.label,
                    "size": t.size,
                    "first_box_t": shaped_t,
                    "peer_search_t": season_t,
                    "alone_score": alone.score,
                    "alone_flagged": alone.flagged,
                    "answer_read_alone": read_alone,
                }
            )
    return out


def summary(df: pd.DataFrame) -> dict[str, Any]:
    flags = df[df.alone_flagged]
    return {
        "alone_readings": len(df),
        "alone_flags": len(flags),
        "alone_flags_on_negatives": int((flags.label == 0).sum()),
        "lowest_first_box_t_of_a_flag": round(float(flags.first_box_t.min()), 2) if len(flags) else None,
        "answers_read_alone": int(df.answer_read_alone.sum()),
        "by_gate": {
            str(g): {
                "share_ended": round(float((df.first_box_t < g).mean()), 3),
                "flags_lost": int((flags.first_box_t < g).sum()),
                "events_lost": int(((flags.first_box_t < g) & (flags.label == 1)).sum()),
            }
            for g in GATES
        },
        # A gate read before the alone search: the first box's t of the search that picked the peers.
        "lowest_peer_search_t_of_a_flag": round(float(flags.peer_search_t.min()), 2) if len(flags) else None,
        "by_peer_search_gate": {
            str(g): {
                "share_ended": round(float((df.peer_search_t < g).mean()), 3),
                "share_ended_with_gate": round(
                    float(((df.peer_search_t < g) | (df.first_box_t < ALONE_READING_MIN_T)).mean()), 3
                ),
                "flags_lost": int((flags.peer_search_t < g).sum()),
                "events_lost": int(((flags.peer_search_t < g) & (flags.label == 1)).sum()),
            }
            for g in GATES
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="train", choices=("held_out", "train"))
    parser.add_argument("--seed", type=int, default=7000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--start-month", default="all", help="1, 4, 7, 10 or all")
    parser.add_argument("--out", default="", help="CSV of the rows")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    model = detector.load_model()
    months = start_months(args.start_month)
    df = pd.DataFrame([r for m in months for r in rows(args.split, args.seed, args.days, m, model)])
    if args.out:
        df.to_csv(args.out, index=False)
    # The gate as shipped ends every reading under it: an answer read alone has its first box at or over it.
    assert not (df.answer_read_alone & (df.first_box_t < ALONE_READING_MIN_T)).any()
    result = {"split": args.split, "seed": args.seed, "days": args.days, "start_month": args.start_month}
    result |= {"gate": ALONE_READING_MIN_T, **summary(df)}
    print(json.dumps(result, indent=2, default=lambda v: v.item() if isinstance(v, np.generic) else str(v)))
    from detection import write_result  # type: ignore[import-not-found]

    path = write_result(f"alone_gate_{args.split}_{args.days}d", result)
    print(f"written to {path}")


if __name__ == "__main__":
    main()
