"""Rebuild sample_data/outcomes/ (run from the project root: python sample_data/outcomes/build.py).

A "field" population of feeders that differs from the training data: 6 % mining (training sets had
30-50 %), every look-alike kind, small rigs (3-15 % of the feeder's mean load). It is scored with the
bundled model; the top ``INSPECTED`` series are "inspected" and their outcomes drawn from the truth,
with every tenth "not_inspected" (no access). ``outcomes.csv`` is what a field team would hand back.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import detector
from detector import simulate

HERE = Path(__file__).resolve().parent
N_SERIES, DAYS, MINING_SHARE, SIZE_RANGE, SEED = 100, 90, 0.06, (0.03, 0.15), 41
INSPECTED = 30


def field_fleet(n_series: int = N_SERIES, days: int = DAYS, seed: int = SEED) -> simulate.Fleet:
    """The field population: few miners, many look-alikes, small rigs."""
    return simulate.make_fleet(
        kind="feeder", n_series=n_series, days=days, mining_share=MINING_SHARE, size_range=SIZE_RANGE, seed=seed
    )


def inspect(
    reports: list[detector.ScoreReport], truth: pd.DataFrame, n: int = INSPECTED, seed: int = SEED
) -> pd.DataFrame:
    """Outcomes for the ``n`` highest-scored series, from the truth; every tenth could not be inspected."""
    rng = np.random.default_rng(seed)
    by_id = truth.set_index("series_id")
    rows = []
    for i, r in enumerate(sorted(reports, key=lambda r: r.score, reverse=True)[:n]):
        t = by_id.loc[r.series_id]
        if i % 10 == 9:
            outcome, note = "not_inspected", "no access to the premises"
        elif t.label == 1:
            outcome, note = "mining", f"about {max(round(t.rigs), 1)} S19-class rigs found"
        else:
            cause = "nothing unusual" if t.scenario == "clean" else str(t.scenario).replace("_", " ")
            outcome, note = "not_mining", f"no rigs; {cause}"
        day = pd.Timestamp("2023-07-01") + pd.Timedelta(days=int(rng.integers(0, 30)))
        rows.append(
            {
                "series_id": r.series_id,
                "outcome": outcome,
                "segment_start": r.onset.isoformat() if r.onset is not None and outcome == "mining" else "",
                "note": note,
                "recorded_by": "field-team-north",
                "inspected_at": f"{day:%Y-%m-%d}",
                "model_version": r.model_version,
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    fleet = field_fleet()
    fleet.loads.assign(unit=fleet.unit).to_parquet(HERE / "field.parquet", index=False, compression="zstd")
    fleet.truth.to_csv(HERE / "field.truth.csv", index=False)
    reports = detector.score(fleet.loads, unit=fleet.unit, tz=fleet.tz)
    inspect(reports, fleet.truth).to_csv(HERE / "outcomes.csv", index=False)


if __name__ == "__main__":
    main()
