"""Far West Texas (issue 19): the measured facts notebook 06 and docs/notebooks.md state, asserted on the shared data.

The measurements are ``benchmarks/far_west.py`` (plain pandas, apart from the detector); the first two tests
pin them on tables with known answers, the rest on ERCOT's weather-zone loads, skipped without them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.conftest import SHARED_DATA, benchmark_module

ERCOT = SHARED_DATA / "ercot_weather_zones.parquet"
needs_ercot = pytest.mark.skipif(not ERCOT.exists(), reason="needs ../shared/data/ercot_weather_zones.parquet")


fw = benchmark_module("far_west")


def _two_zones(evening_lift: float) -> pd.DataFrame:
    """Two zones over August 2020 and 2021 (local time): 'A' is flat at 100 MW plus ``evening_lift`` in
    17:00-20:00 in 2020 and minus it in 2021; 'B' follows A's hours in 2020 and its own in 2021."""
    idx = pd.date_range("2020-08-01", "2020-09-01", freq="h", inclusive="left", tz=fw.TZ).append(
        pd.date_range("2021-08-01", "2021-09-01", freq="h", inclusive="left", tz=fw.TZ)
    )
    evening = (idx.hour >= 17) & (idx.hour < 20)
    sign = np.where(idx.year == 2020, 1.0, -1.0)
    a = 100.0 + sign * evening_lift * evening
    rng = np.random.default_rng(0)
    b = np.where(idx.year == 2020, 2 * a, 200.0 + rng.normal(0, 5, len(idx)))
    return pd.DataFrame({"A": a, "B": b}, index=idx)


def test_evening_gap_and_means_measure_known_tables() -> None:
    wide = _two_zones(evening_lift=30.0)
    gap = fw.evening_gap(wide)
    assert gap.loc[2020, "A"] == pytest.approx(30.0)
    assert gap.loc[2021, "A"] == pytest.approx(-30.0)
    means = fw.mean_load_by_year(wide)
    assert means.loc[2020, "A"] == pytest.approx(100.0 + 30.0 * 3 / 24)


def test_correlation_with_others_falls_when_a_zone_keeps_its_own_hours() -> None:
    corr = fw.correlation_with_others(_two_zones(evening_lift=30.0), zone="A")
    assert corr[2020] == pytest.approx(1.0)
    assert abs(corr[2021]) < 0.2


@pytest.fixture(scope="module")
def ercot() -> pd.DataFrame:
    return fw.zone_table(ERCOT)


@needs_ercot
def test_far_west_grew_every_year_from_2_9_to_6_6_gw(ercot: pd.DataFrame) -> None:
    means = fw.mean_load_by_year(ercot).loc[2016:2024]
    far_west = means[fw.FAR_WEST]
    assert far_west[2018] == pytest.approx(2860, abs=30)  # measured 2,860 MW
    assert far_west[2024] == pytest.approx(6577, abs=30)  # measured 6,577 MW
    assert (far_west.diff().dropna() > 200).all()  # every year, by 262 MW (2017) or more
    others = means.drop(columns=fw.FAR_WEST).sum(axis=1)
    assert far_west[2024] / far_west[2016] > 3.0  # measured x3.07
    assert others[2024] / others[2016] < 1.25  # the other seven together: x1.21


@needs_ercot
def test_far_west_left_the_other_zones_in_august(ercot: pd.DataFrame) -> None:
    corr = fw.correlation_with_others(ercot.loc[:"2024"])
    assert corr[2019] == pytest.approx(0.950, abs=0.01)
    assert (corr.loc[2016:2020] > 0.93).all()
    assert corr[2022] < 0.8  # measured 0.787
    assert corr[2023] == pytest.approx(0.350, abs=0.02)
    assert corr[2024] < 0.6  # measured 0.540


@needs_ercot
def test_far_west_evening_flipped_sign_and_no_control_zone_did(ercot: pd.DataFrame) -> None:
    gap = fw.evening_gap(ercot.loc[:"2024"])
    far_west = gap[fw.FAR_WEST]
    assert (far_west.loc[2016:2021] > 200).all()  # measured +228 to +347 MW
    assert far_west[2023] == pytest.approx(-75, abs=10)
    assert fw.evening_gap(ercot.loc["2023"], hours=(17, 21)).loc[2023, fw.FAR_WEST] == pytest.approx(-97, abs=10)
    assert (gap.drop(columns=fw.FAR_WEST) > 190).all().all()  # the controls, every year: +194 MW or more


@needs_ercot
def test_far_west_dipped_in_the_eclipse_hour_more_than_the_median_zone(ercot: pd.DataFrame) -> None:
    eclipse = pd.Timestamp("2024-04-08 13:00", tz=fw.TZ)
    dip = fw.dip_below_neighbours(ercot, fw.FAR_WEST, eclipse)
    assert dip > 250  # measured 319 MW
    for monday in (eclipse - pd.Timedelta(days=7), eclipse + pd.Timedelta(days=7)):
        assert abs(fw.dip_below_neighbours(ercot, fw.FAR_WEST, monday)) < 100  # measured 7 and 57 MW
    level = ercot.loc["2024-04"].mean()
    shares = pd.Series({z: fw.dip_below_neighbours(ercot, z, eclipse) for z in ercot.columns}) / level
    assert shares[fw.FAR_WEST] > shares.drop(fw.FAR_WEST).median() + 0.015  # 5.1 % against 2.9 %
