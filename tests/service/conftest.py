"""Service fixtures: an app on a temporary data directory, a key, and request bodies from sample data."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from service_harness import make_settings

from detector.service.app import create_app
from detector.service.settings import Settings

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


@pytest.fixture
def settings_for() -> Callable[..., Settings]:
    """``make_settings`` as a fixture, for tests that build an app of their own."""
    return make_settings


@pytest.fixture(scope="module")
def feeders() -> pd.DataFrame:
    return pd.read_parquet(SAMPLE / "tehran_feeders.parquet")


def body_of(frame: pd.DataFrame, sid: str, **extra: Any) -> dict[str, Any]:
    """A /v1/score body for one series of a long frame (timestamps with offsets, MW)."""
    one = frame[frame.series_id == sid]
    return {
        "series_id": sid,
        "unit": str(one.unit.iloc[0]),
        "timezone": "Asia/Tehran",
        "timestamps": [t.isoformat() for t in one.timestamp],
        "values": one.load.tolist(),
        "temperature": one.temperature.tolist(),
        **extra,
    }


@pytest.fixture(scope="module")
def mined(feeders: pd.DataFrame) -> dict[str, Any]:
    """A year of a feeder with a rig block switched on in September 2023 (flagged by the default model)."""
    return body_of(feeders, "feeder-0001")


@pytest.fixture(scope="module")
def short_ok(feeders: pd.DataFrame) -> dict[str, Any]:
    """35 days of one feeder: the smallest kind of body that scores."""
    body = body_of(feeders, "feeder-0006")
    n = 35 * 24
    return {**body, "timestamps": body["timestamps"][:n], "values": body["values"][:n], "temperature": None}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    app = create_app(make_settings(tmp_path_factory.mktemp("svc"), max_body_bytes=4 * 2**20, max_points=20_000))
    with TestClient(app, raise_server_exceptions=False) as c:
        c.headers["X-API-Key"] = app.state.store.create_key("tests")
        yield c


@pytest.fixture
def post_raw(client: TestClient) -> Callable[[str], Any]:
    """POST a raw JSON text to /v1/score (to send NaN, Infinity or broken JSON as a client could)."""

    def _post(text: str) -> Any:
        return client.post("/v1/score", content=text, headers={"Content-Type": "application/json"})

    return _post
