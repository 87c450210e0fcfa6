"""How often the answer with peers says "a block possibly on before the data begins", on the headline's provinces.

cd benchmarks && ../.venv/bin/python before_data.py [--rounds 3] [--start-month all]

The warning (``scoring.BEFORE_DATA_WARNING``) is told, never scored: the search with peers looks for blocks
switched on inside the data, and a block on from the first day found with peers cost the January headline a
seventh of its 20 % farms when offered to the trees (BENCHMARKS.md, stop 40). This prints, per window start,
the share of held-out zone-years (province mode, as ``headline.py``) that carry it: mining on from the window's
first day (the farms it is for), other mining, clean windows and each look-alike; and, for the farms on from the
first day that are told, the power told against the farm's true mean power. Since stop 48 it also counts the
answers whose first segment is told from the first reading (a box found in the first two weeks with the days
before it at its level: ``signature.lead_share``), and those told either way.
"""

from __future__ import annotations

import json

import pandas as pd
import typer
from provinces import provinces, start_months  # type: ignore[import-not-found]

import detector
from detector.ingest.units import convert_power

TOLD = "above what its peers explain"
FROM_START = "above expected from the start of the data"


def told_power(warning: str, unit: str) -> float:
    """The power a warning gives ("load ran 498 MW (11% of mean) ..."), in ``unit``."""
    value, power_unit = warning.split("load ran ", 1)[1].split(" ")[:2]
    return convert_power(float(value), power_unit, unit)


def main(rounds: int = 3, start_month: str = "all", days: int = 365) -> None:
    months = start_months(start_month)
    out = {}
    for month in months:
        rows = []
        for prov in provinces(rounds=rounds, days=days, start_month=month):
            truth = prov.truth.set_index("series_id")
            first = prov.loads.timestamp.min()
            for r in detector.score(prov.loads, unit=prov.unit, tz=prov.tz, country="US", peers="auto"):
                if r.series_id not in truth.index:
                    continue
                t = truth.loc[r.series_id]
                on_first = bool(t.label) and pd.notna(t.start) and pd.Timestamp(t.start) <= first + pd.Timedelta(days=1)
                kind = ("mining on from day 0" if on_first else "mining, switched on inside") if t.label else t.scenario
                said = [w for w in r.warnings if w.startswith("load ran") and TOLD in w]
                ratio = told_power(said[0], prov.unit) / t.excess if said and t.label and t.excess > 0 else None
                from_start = bool(r.evidence) and FROM_START in r.evidence[0]
                rows.append(
                    {
                        "kind": kind,
                        "told": bool(said),
                        "from_start": from_start,
                        "flagged": r.flagged,
                        "size_ratio": ratio,
                    }
                )
        frame = pd.DataFrame(rows)
        either = frame.told | frame.from_start
        out[f"start month {month}"] = {
            kind: f"{g.told.sum()} of {len(g)} ({g.told.mean():.1%}); of them flagged {g[g.told].flagged.sum()}; "
            f"first segment from the first reading {g.from_start.sum()}; either {either[g.index].sum()}"
            for kind, g in frame.groupby("kind")
        }
        ratios = frame.loc[frame.kind == "mining on from day 0", "size_ratio"].dropna()
        if len(ratios):  # the power told against the farm's true mean power
            out[f"start month {month}"]["told / true power, farms on from day 0 (median, min, max)"] = [
                round(float(ratios.median()), 2),
                round(float(ratios.min()), 2),
                round(float(ratios.max()), 2),
            ]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    typer.run(main)
