"""Balance fixtures: the sample set on disk and small simulated sets with known truth."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import detector
from detector.balance.simulate import BalanceSet, make_balance_set

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "balance"


@pytest.fixture(scope="module")
def sample_truth() -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "truth.csv", parse_dates=["start"]).set_index("feeder_id")


@pytest.fixture(scope="module")
def sample_results() -> dict[str, detector.FeederBalance]:
    """The shipped sample (six feeders, a year, meters in Wh) balanced from its files."""
    results = detector.balance_feeders(
        SAMPLE / "feeders.parquet", SAMPLE / "meters.parquet", SAMPLE / "mapping.csv", tz="Asia/Tehran"
    )
    return {r.feeder_id: r for r in results}


@pytest.fixture(scope="module")
def small() -> BalanceSet:
    """Two feeders, 6 meters each, 60 days: big enough to balance, small enough for error tests."""
    return make_balance_set(("clean", "clean"), n_meters=6, days=60, seed=3)
