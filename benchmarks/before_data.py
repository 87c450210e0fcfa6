"""How often the answer with peers says "a block possibly on before the data begins", on the headline's provinces.

cd benchmarks && ../.venv/bin/python before_data.py [--rounds 3] [--start-month all]

The warning (``scoring.BEFORE_DATA_WARNING``) is told, never scored: the search with peers looks for blocks
switched on inside the data, and a block on from the first day found with peers cost the January headline a
seventh of its 20 % farms when offered to the trees (BENCHMARKS.md, stop 40). This prints, per window start,
the share of held-out zone-years (province mode, as ``headline.py``) that carry it: mining on from the window's
first day (the farms it is for), other mining, clean windows and each look-alike.
"""

from __future__ import annotations

import json

import pandas as pd
import typer
from provinces import provinces  # type: ignore[import-not-found]

import detector


def main(rounds: int = 3, start_month: str = "all", days: int = 365) -> None:
    months = (1, 4, 7, 10) if start_month == "all" else (int(start_month),)
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
                told = any(w.startswith("load ran") and "peers explain" in w for w in r.warnings)
                rows.append({"kind": kind, "told": told, "flagged": r.flagged})
        frame = pd.DataFrame(rows)
        out[f"start month {month}"] = {
            kind: f"{g.told.sum()} of {len(g)} ({g.told.mean():.1%}); of them flagged {g[g.told].flagged.sum()}"
            for kind, g in frame.groupby("kind")
        }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    typer.run(main)
