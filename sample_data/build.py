"""Rebuild sample_data/ (run from the project root: python sample_data/build.py).

Simulated sets come from ``detector.simulate`` with fixed seeds; the real excerpt is cut from
``../shared/data`` (see sample_data/README.md for provenance and licences).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from detector import simulate

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "data"
log = logging.getLogger("sample_data")


def write_simulated() -> None:
    sets = {"tehran_regions": ("region", 6, 1), "tehran_feeders": ("feeder", 30, 2), "tehran_meters": ("meter", 60, 3)}
    for name, (kind, n, seed) in sets.items():
        fleet = simulate.make_fleet(kind=kind, n_series=n, days=365, mining_share=0.4, seed=seed)
        fleet.loads.assign(unit=fleet.unit).to_parquet(HERE / f"{name}.parquet", index=False, compression="zstd")
        fleet.truth.to_csv(HERE / f"{name}.truth.csv", index=False)


def write_real() -> None:
    gef = pd.read_parquet(SHARED / "gefcom2012_zones.parquet")
    gef = gef[gef.series_id.isin(["GEF12-Z01", "GEF12-Z05", "GEF12-Z13"]) & (gef.timestamp.dt.year == 2006)]
    pjm = pd.read_parquet(SHARED / "pjm_regions.parquet")
    pjm = pjm[(pjm.series_id == "PJM-DUQ") & (pjm.timestamp.dt.year == 2017)]
    gef.assign(unit="kW").to_parquet(HERE / "real_gefcom2012_2006.parquet", index=False, compression="zstd")
    pjm.assign(unit="MW").to_parquet(HERE / "real_pjm_duq_2017.parquet", index=False, compression="zstd")
    # Seven PJM regions over 2016-2017: a region and its peers for a claim check on real load.
    regions = pd.read_parquet(SHARED / "pjm_regions.parquet")
    regions = regions[regions.timestamp.dt.year.isin([2016, 2017])]
    regions.assign(unit="MW").to_parquet(HERE / "real_pjm_regions_2016_2017.parquet", index=False, compression="zstd")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    write_simulated()
    if SHARED.exists():
        write_real()
    else:
        log.warning("../shared/data not found: real excerpts not rebuilt")
