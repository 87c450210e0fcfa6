"""Web page fixtures: a small labelled upload, an in-process app, and a real server for the browser."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from harness import KEY, SAMPLE

from detector.service.app import create_app
from detector.service.settings import Settings

# Two feeders with rigs and two without (sample_data/tehran_feeders.truth.csv).
PICKED = ["feeder-0001", "feeder-0006", "feeder-0013", "feeder-0020"]


@pytest.fixture(scope="session")
def upload(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four Tehran feeders as Parquet (timestamps UTC, unit column MW), one renamed ``north/feeder-0013``."""
    frame = pd.read_parquet(SAMPLE / "tehran_feeders.parquet")
    path = tmp_path_factory.mktemp("web-upload") / "four_feeders.parquet"
    frame = frame[frame.series_id.isin(PICKED)].astype({"series_id": str})
    frame.loc[frame.series_id == "feeder-0013", "series_id"] = "north/feeder-0013"  # a "/" in an id
    frame.to_parquet(path, index=False)
    return path


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("web-svc"),
        job_poll_seconds=0.05,
        rate_limit_per_second=1000.0,
        rate_limit_burst=1000,
        api_keys=[KEY],
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c
