"""Far West Texas measured directly (issue 19): growth, summer-evening curtailment and decoupling, by year.

ERCOT's weather-zone loads (``../shared/data/ercot_weather_zones.parquet``, MW, 2016 to January 2025) hold a
zone where large flexible loads, mostly bitcoin mining, really arrived. These are the plain pandas
measurements of that arrival, apart from the detector: notebook 06 shows them beside what
``detector.score`` reports, and ``tests/test_far_west.py`` asserts them so the notebook's claims cannot drift.

``python benchmarks/far_west.py [--data PATH]``: the figures for 2016-2024 into ``results/far_west.json``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ercot_weather_zones.parquet"
TZ = "America/Chicago"
FAR_WEST = "ERCOT-FWEST"
TOTAL = "ERCOT-TOTAL"  # the sum of the eight zones: never a control for one of them
EVENING = (17, 20)  # local hours [17:00, 20:00): ERCOT's summer evening price peak
SUMMER = (8,)  # local months: August, the hottest


def zone_table(path: Path | str = DATA, years: tuple[int, int] | None = None) -> pd.DataFrame:
    """Hourly load (MW) of the eight weather zones, one column each, indexed by local (Central) time.

    ``ERCOT-TOTAL`` is dropped: it is the zones' sum. ``years``: (first, last) local years, inclusive.
    """
    raw = pd.read_parquet(path, columns=["series_id", "timestamp", "load"])
    wide = raw[raw.series_id != TOTAL].pivot(index="timestamp", columns="series_id", values="load")
    wide.index = wide.index.tz_convert(TZ)
    wide.columns.name = None
    if years is not None:
        wide = wide[(wide.index.year >= years[0]) & (wide.index.year <= years[1])]
    return wide.astype("float64")


def mean_load_by_year(wide: pd.DataFrame) -> pd.DataFrame:
    """Mean load (MW) of each zone in each local calendar year."""
    return wide.groupby(wide.index.year.rename("year")).mean()


def evening_gap(wide: pd.DataFrame, months: tuple[int, ...] = SUMMER, hours: tuple[int, int] = EVENING) -> pd.DataFrame:
    """Mean load in the evening hours minus mean load in the other hours of the same days, MW, by year.

    Over the days of ``months``; ``hours`` = [first, stop) local hours. Air-conditioning lifts the summer
    evening, so an ordinary zone's gap is positive; load that switches off at the evening price peak pulls
    it down.
    """
    summer = wide[wide.index.month.isin(months)]
    evening = (summer.index.hour >= hours[0]) & (summer.index.hour < hours[1])
    year = summer.index.year.rename("year")
    return summer[evening].groupby(year[evening]).mean() - summer[~evening].groupby(year[~evening]).mean()


def correlation_with_others(wide: pd.DataFrame, zone: str = FAR_WEST, months: tuple[int, ...] = SUMMER) -> pd.Series:
    """Hourly correlation of ``zone`` with the sum of the other zones over the days of ``months``, by year.

    Zones under one weather and one calendar move together (about 0.95); load that keeps its own schedule
    (flat, or curtailed on price) breaks the link.
    """
    summer = wide[wide.index.month.isin(months)]
    others = summer.drop(columns=zone).sum(axis=1)
    pairs = pd.DataFrame({"zone": summer[zone], "others": others})
    return pairs.groupby(summer.index.year.rename("year")).apply(lambda g: g.zone.corr(g.others)).rename(zone)


def dip_below_neighbours(wide: pd.DataFrame, zone: str, at: pd.Timestamp) -> float:
    """How far ``zone``'s load at hour ``at`` fell below the straight line between two hours before and after, MW.

    A short curtailment (an eclipse, a price spike) shows as a dip against its neighbours; weather and
    the daily cycle change little over four hours.
    """
    series = wide[zone]
    before, after = series.loc[at - pd.Timedelta(hours=2)], series.loc[at + pd.Timedelta(hours=2)]
    return float((before + after) / 2 - series.loc[at])


def main(data: Path | None = None) -> None:
    """The research-size figures (2016-2024) into ``results/far_west.json``.

    ``data`` defaults to the ERCOT file in ``../shared/data``, else in the ``make benchmark-data`` cache.
    """
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from data_home import data_file  # type: ignore[import-not-found]  # only here: tests load this file alone
    from detection import write_result  # type: ignore[import-not-found]  # only here: it loads the engine

    data = data_file(DATA.name) if data is None else data

    wide = zone_table(data, years=(2016, 2024))
    means = mean_load_by_year(wide)
    gap = evening_gap(wide)
    corr = correlation_with_others(wide)
    path = write_result(
        "far_west",
        {
            "data": str(data),
            "evening_hours": list(EVENING),
            "months": list(SUMMER),
            "mean_load_mw": {int(y): {z: round(float(v), 1) for z, v in row.items()} for y, row in means.iterrows()},
            "evening_gap_mw": {int(y): {z: round(float(v), 1) for z, v in row.items()} for y, row in gap.iterrows()},
            "far_west_correlation_with_others": {int(y): round(float(v), 4) for y, v in corr.items()},
            "far_west_growth_mw": {
                int(y): round(float(v), 1) for y, v in means[FAR_WEST].diff().dropna().items() if np.isfinite(v)
            },
        },
    )
    logging.getLogger("far_west").info("written: %s", path)


if __name__ == "__main__":
    import typer

    typer.run(main)
