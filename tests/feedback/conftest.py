"""Feedback fixtures: the field sample (loads, truth, outcomes) and a service with one scored job of it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from detector.service.app import create_app
from detector.service.settings import Settings

FIELD = Path(__file__).resolve().parents[2] / "sample_data" / "outcomes"


@pytest.fixture(scope="module")
def field_loads() -> pd.DataFrame:
    return pd.read_parquet(FIELD / "field.parquet")


@pytest.fixture(scope="module")
def service_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("svc")


@pytest.fixture(scope="module")
def client(service_dir: Path) -> Iterator[TestClient]:
    """The service on its own data directory, with a key named "analyst-1"."""
    settings = Settings(
        data_dir=service_dir, job_poll_seconds=0.05, rate_limit_per_second=1000.0, rate_limit_burst=1000
    )
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as c:
        c.headers["X-API-Key"] = app.state.store.create_key("analyst-1")
        yield c


@pytest.fixture(scope="module")
def job(client: TestClient) -> dict[str, Any]:
    """The field sample uploaded as a job and scored to the end."""
    with (FIELD / "field.parquet").open("rb") as f:
        r = client.post("/v1/jobs", files={"file": ("field.parquet", f)}, data={"timezone": "Asia/Tehran"})
    assert r.status_code == 202, r.text
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = client.get(f"/v1/jobs/{r.json()['id']}").json()
        if state["state"] in ("done", "failed"):
            assert state["state"] == "done", state
            return state  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError(f"job did not finish: {state}")
